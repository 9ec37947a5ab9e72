/**
 * The options every command accepts, in one place: each command parses its arguments with its
 * table here (`parseCommandArgs` looks it up by the command's name) and the completion scripts
 * offer exactly these options, so the two cannot drift apart. Data only: every command loads it.
 * @module
 */
import type { ParseArgsConfig } from "node:util";

/** The option table of one command (node:util's format). */
export type OptionTable = NonNullable<ParseArgsConfig["options"]>;

/** Output options: `--format`, `--json`, `--color`, `--quiet`, `--verbose`. */
export const OUTPUT_OPTIONS = {
  format: { type: "string" },
  json: { type: "boolean" },
  color: { type: "string" },
  quiet: { type: "boolean" },
  verbose: { type: "boolean" },
} as const satisfies OptionTable;

/** What every verifying command accepts: who may sign, trust roots, strictness, the policy. */
export const LOCAL_VERIFY_OPTIONS = {
  ...OUTPUT_OPTIONS,
  repo: { type: "string" },
  "signer-workflow": { type: "string" },
  "source-ref": { type: "string" },
  "certificate-identity": { type: "string" },
  "certificate-oidc-issuer": { type: "string" },
  "trusted-root": { type: "string", multiple: true },
  staging: { type: "boolean" },
  "require-rekor": { type: "boolean" },
  strict: { type: "boolean" },
  policy: { type: "string" },
} as const satisfies OptionTable;

/** The verifying commands that use the network add the cache, offline mode and concurrency. */
export const VERIFY_OPTIONS = {
  ...LOCAL_VERIFY_OPTIONS,
  offline: { type: "boolean" },
  "no-cache": { type: "boolean" },
  jobs: { type: "string" },
} as const satisfies OptionTable;

/** `report`'s options: the output options, the saved report and its lock file. */
export const REPORT_OPTIONS = {
  ...OUTPUT_OPTIONS,
  from: { type: "string" },
  "lock-file": { type: "string" },
} as const satisfies OptionTable;

/** Each command's (and subcommand's) options, by the name `parseCommandArgs` is given. */
export const COMMAND_OPTION_TABLES = {
  hash: {},
  file: {
    ...LOCAL_VERIFY_OPTIONS,
    bundle: { type: "string", multiple: true },
    sha256: { type: "string" },
    key: { type: "string" },
  },
  "verify-bundle": {
    bundle: { type: "string" },
    "certificate-identity": { type: "string" },
    "certificate-oidc-issuer": { type: "string" },
    key: { type: "string" },
    "trusted-root": { type: "string", multiple: true },
    staging: { type: "boolean" },
    "require-rekor": { type: "boolean" },
    verbose: { type: "boolean" },
  },
  release: {
    ...VERIFY_OPTIONS,
    asset: { type: "string", multiple: true },
    timeout: { type: "string" },
    "max-github-requests": { type: "string" },
  },
  crate: {
    ...VERIFY_OPTIONS,
    timeout: { type: "string" },
    "max-github-requests": { type: "string" },
    history: { type: "boolean" },
  },
  lock: {
    ...VERIFY_OPTIONS,
    timeout: { type: "string" },
    "max-github-requests": { type: "string" },
    base: { type: "string" },
    history: { type: "boolean" },
  },
  "policy check": { ...OUTPUT_OPTIONS, policy: { type: "string" } },
  "policy explain": {
    ...OUTPUT_OPTIONS,
    policy: { type: "string" },
    strict: { type: "boolean" },
    "require-rekor": { type: "boolean" },
  },
  "policy schema": {},
  init: { force: { type: "boolean" }, path: { type: "string" }, quiet: { type: "boolean" } },
  cache: { json: { type: "boolean" }, "max-age": { type: "string" }, quiet: { type: "boolean" } },
  report: REPORT_OPTIONS,
  completions: {},
  "trust update": {
    "tuf-url": { type: "string", multiple: true },
    timeout: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean" },
  },
  "trust show": {
    "tuf-url": { type: "string", multiple: true },
    timeout: { type: "string" },
    offline: { type: "boolean" },
    json: { type: "boolean" },
  },
} as const satisfies Record<string, OptionTable>;

/** A command (or `policy` subcommand) that parses options. */
export type CommandName = keyof typeof COMMAND_OPTION_TABLES;
