/**
 * The typed policy (`attest.toml`): rules for defaults, repositories, crates and single crate
 * versions, signer lists and exceptions — each with the place in the file it was written, so
 * every decision can say which line demanded it.
 * @module
 */
import type { AssuranceLevel } from "../verdict/assurance.ts";
import type { CheckId } from "../checks/check_result.ts";
import { GITHUB_ACTIONS_ISSUER } from "../checks/identity.ts";

/** The policy format version this build reads. */
export const POLICY_VERSION = 1;

/** The default policy file name, looked up in the current directory. */
export const DEFAULT_POLICY_FILE = "attest.toml";

/** The default OIDC issuer of a signer: GitHub Actions. */
export const DEFAULT_SIGNER_ISSUER = GITHUB_ACTIONS_ISSUER;

/** Check ids a policy may name in `require` and `allow` (every check id except `policy`). */
export type PolicyCheckId = Exclude<CheckId, "policy">;

/** Every check id a policy may name, in report order. */
export const POLICY_CHECK_IDS: readonly PolicyCheckId[] = [
  "checksum",
  "attestation",
  "identity",
  "subject-digest",
  "rekor",
  "cosign",
  "release-attestation",
  "crate-checksum",
  "crate-vcs",
  "crate-source",
  "trusted-publishing",
  "downgrade",
];

/** The kinds of subject a rule can apply to. */
export type TargetKind = "release" | "crate" | "file";

/**
 * Which subject kinds each check can apply to. A `[defaults]` requirement of a check that cannot
 * apply to a subject (`crate-vcs` for a release asset) is ignored for that subject; a
 * `[repo.…]`, `[crate.…]` rule or exception that names one is an error.
 */
export const CHECK_APPLIES_TO: Readonly<Record<PolicyCheckId, readonly TargetKind[]>> = {
  "checksum": ["release", "file"],
  "attestation": ["release", "file", "crate"],
  "identity": ["release", "file", "crate"],
  "subject-digest": ["release", "file", "crate"],
  "rekor": ["release", "file", "crate"],
  "cosign": ["release", "file"],
  "release-attestation": ["release"],
  "crate-checksum": ["crate"],
  "crate-vcs": ["crate"],
  "crate-source": ["crate"],
  "trusted-publishing": ["crate"],
  "downgrade": ["crate"],
};

/** True when `id` is a check id a policy may name. */
export function isPolicyCheckId(id: string): id is PolicyCheckId {
  return (POLICY_CHECK_IDS as readonly string[]).includes(id);
}

/** A place in a policy file (1-based line and column; the length of what is written there). */
export interface SourcePos {
  /** The policy file as shown in messages. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
  /** How many characters the written value spans. */
  readonly length?: number;
}

/** A value together with where it is written. */
export interface Positioned<T> {
  /** The value. */
  readonly value: T;
  /** Where it is written. */
  readonly pos: SourcePos;
}

/** The only runner environment a signer may pin. */
export type RunnerEnvironment = "github-hosted";

/**
 * Who may sign: a GitHub Actions workflow identity and/or an exact certificate SAN, narrowed by
 * the Fulcio certificate extensions users pin. Every given field must match.
 */
export interface Signer {
  /** `OWNER/REPO/.github/workflows/FILE`: the signing workflow (the SAN without its `@ref`). */
  readonly workflow?: string;
  /**
   * A glob over the certificate's source ref (extension 1.14, e.g. `refs/tags/v1.2.3`):
   * `*` matches any run of characters except `/`, `**` any run including `/`; nothing else is
   * special.
   */
  readonly ref?: string;
  /** The exact OIDC issuer; GitHub Actions when not written. */
  readonly issuer: string;
  /** True when `issuer` was written in the file (false: the default). */
  readonly issuerExplicit: boolean;
  /** An exact Subject Alternative Name. */
  readonly san?: string;
  /** `OWNER/REPO`: the certificate's source repository (extension 1.12). */
  readonly sourceRepository?: string;
  /** The exact source ref (extension 1.14). */
  readonly sourceRef?: string;
  /** The runner environment (extension 1.11); only `github-hosted` can be pinned. */
  readonly runnerEnvironment?: RunnerEnvironment;
  /** Where the signer is written (its `[[…signer]]` header or inline table). */
  readonly pos: SourcePos;
}

/** The kinds of rule, from least to most specific. */
export type RuleKind = "defaults" | "repo" | "crate" | "crate-version";

/** One rule table: `[defaults]`, `[repo."OWNER/REPO"]`, `[crate.NAME]`, `[crate."NAME@VERSION"]`. */
export interface Rule {
  /** Which kind of table this is. */
  readonly kind: RuleKind;
  /** The table key as written: `defaults`, `BurntSushi/ripgrep`, `serde`, `serde@1.0.200`. */
  readonly key: string;
  /** The table header as a person reads it: `[crate."serde@1.0.200"]`. */
  readonly label: string;
  /** For `repo` rules: `OWNER/REPO`. */
  readonly repo?: string;
  /** For crate rules: the crate name as written. */
  readonly crateName?: string;
  /** For `crate-version` rules: the exact version. */
  readonly crateVersion?: string;
  /** Checks the subject must pass (replaces a less specific rule's list). */
  readonly require?: Positioned<readonly PolicyCheckId[]>;
  /** `required`: a Sigstore bundle must carry verified transparency-log evidence. */
  readonly rekor?: Positioned<"required" | "optional">;
  /** `true`: every missing piece of evidence fails (as `--strict`). */
  readonly strict?: Positioned<boolean>;
  /** The weakest assurance a TRUSTED subject may rest on (`min_assurance`). */
  readonly minAssurance?: Positioned<AssuranceLevel>;
  /** `true`: a crate update published less trustworthily than before fails (`no_downgrade`). */
  readonly noDowngrade?: Positioned<boolean>;
  /** Who may sign (replaces a less specific rule's list). */
  readonly signers?: Positioned<readonly Signer[]>;
  /** Where the rule's table is written. */
  readonly pos: SourcePos;
}

/** What an exception is for: one repository's releases, a crate, or one crate version. */
export type ExceptionTarget =
  | { readonly kind: "repo"; readonly repo: string }
  | { readonly kind: "crate"; readonly name: string; readonly version?: string };

/** An `[[exception]]`: checks that may be missing for a target, with a reason. */
export interface PolicyException {
  /** What the exception applies to. */
  readonly target: ExceptionTarget;
  /** The target as written (`openssl-sys@0.9.103`, `BurntSushi/ripgrep`). */
  readonly targetText: string;
  /** Checks that may be missing (a failed check still fails). */
  readonly allow: readonly PolicyCheckId[];
  /** Why; shown in every report the exception changes. */
  readonly reason: string;
  /** The last day (UTC, `YYYY-MM-DD`) the exception holds. */
  readonly expires?: string;
  /** Where the `[[exception]]` is written. */
  readonly pos: SourcePos;
}

/** A validated policy. */
export interface Policy {
  /** The file it was read from, as shown in messages (`attest.toml`). */
  readonly file: string;
  /** The policy format version (1). */
  readonly version: number;
  /** True for the built-in default policy (no file). */
  readonly builtin: boolean;
  /** The file's text (empty for the built-in policy): the source of snippets in warnings. */
  readonly text: string;
  /** The `[defaults]` rule, when written. */
  readonly defaults?: Rule;
  /** The `[repo."OWNER/REPO"]` rules. */
  readonly repos: readonly Rule[];
  /** The `[crate.NAME]` and `[crate."NAME@VERSION"]` rules. */
  readonly crates: readonly Rule[];
  /** The `[[exception]]` entries. */
  readonly exceptions: readonly PolicyException[];
}

/** The built-in policy used when there is no `attest.toml`: no rules, no exceptions. */
export const BUILTIN_POLICY: Policy = {
  file: "(built-in policy)",
  version: POLICY_VERSION,
  builtin: true,
  text: "",
  repos: [],
  crates: [],
  exceptions: [],
};

/** The crates.io form of a crate name for comparison: lower case, `_` and `-` the same. */
export function normalizeCrateName(name: string): string {
  return name.toLowerCase().replace(/_/g, "-");
}

/** Repository names compare case-insensitively, as GitHub treats them. */
export function normalizeRepo(repo: string): string {
  return repo.toLowerCase();
}

const CRATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const SEMVER =
  /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** True for a crates.io crate name (ASCII letter first, then letters, digits, `-`, `_`; ≤ 64). */
export function isCrateName(name: string): boolean {
  return CRATE_NAME.test(name);
}

/** True for a full semver version (`1.0.200`, `0.3.0-rc.1`, `1.2.3+build`). */
export function isSemver(version: string): boolean {
  return SEMVER.test(version);
}

/** True for `OWNER/REPO` as GitHub allows it. */
export function isRepoName(repo: string): boolean {
  const parts = repo.split("/");
  return parts.length === 2 && OWNER.test(parts[0]) && REPO_NAME.test(parts[1]) &&
    parts[1] !== "." && parts[1] !== "..";
}

/** True for `OWNER/REPO/.github/workflows/FILE` (the form of a workflow SAN without `@ref`). */
export function isWorkflowPath(workflow: string): boolean {
  const parts = workflow.split("/");
  if (parts.length !== 5) return false;
  const [owner, repo, dotGithub, workflows, file] = parts;
  return isRepoName(`${owner}/${repo}`) && dotGithub === ".github" && workflows === "workflows" &&
    /^[A-Za-z0-9_.-]+\.ya?ml$/.test(file);
}

/** Splits `NAME@VERSION` (or `NAME`) into its parts; the version is `undefined` without `@`. */
export function splitCrateSpec(spec: string): { name: string; version?: string } {
  const at = spec.indexOf("@");
  return at < 0 ? { name: spec } : { name: spec.slice(0, at), version: spec.slice(at + 1) };
}

/** The header of a crate or repo rule as written in TOML (`[crate.serde]`, `[crate."a@1.0.0"]`). */
export function ruleLabel(kind: RuleKind, key: string): string {
  if (kind === "defaults") return "[defaults]";
  const table = kind === "repo" ? "repo" : "crate";
  return /^[A-Za-z0-9_-]+$/.test(key) ? `[${table}.${key}]` : `[${table}."${key}"]`;
}

/** What to write instead of `text` where an OWNER/REPO was expected. */
export function repoHelp(text: string): string {
  const m = /^(?:https?:\/\/)?github\.com\/([^/]+\/[^/]+?)(?:\.git)?\/?$/.exec(text);
  if (m) return `write it without the URL: "${m[1]}"`;
  return 'write it as on GitHub, e.g. "BurntSushi/ripgrep"';
}

/** What to write instead of `text` where OWNER/REPO/.github/workflows/FILE was expected. */
export function workflowHelp(text: string): string {
  const at = text.indexOf("@");
  if (at >= 0) {
    return `the ref goes in its own key: workflow = "${
      text.slice(0, at).replace(/^https:\/\/github\.com\//, "")
    }" and ref = "${text.slice(at + 1)}"`;
  }
  if (text.startsWith("https://github.com/")) {
    return `write it without https://github.com/: "${text.slice("https://github.com/".length)}"`;
  }
  const parts = text.split("/");
  if (parts.length === 3 && /\.ya?ml$/.test(parts[2])) {
    return `workflows live in .github/workflows/: "${parts[0]}/${parts[1]}/.github/workflows/${
      parts[2]
    }"`;
  }
  return 'e.g. workflow = "BurntSushi/ripgrep/.github/workflows/release.yml"';
}
