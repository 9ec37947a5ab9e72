/**
 * What each option means, for `--help`: the OPTIONS section of a command's help is generated
 * from its option table (option_tables.ts) and these descriptions, so help, parsing and shell
 * completion name the same options (a test keeps every table option described).
 * @module
 */
import { COMMAND_OPTION_TABLES, type CommandName } from "./option_tables.ts";
import { formatsFor } from "./output_options.ts";

/** How one option is shown: its value's name (none for flags) and what it does. */
export interface OptionDoc {
  readonly value?: string;
  readonly help: string;
}

/** Descriptions shared by every command; {@link COMMAND_OPTION_DOCS} overrides per command. */
export const OPTION_DOCS: Readonly<Record<string, OptionDoc>> = {
  json: { help: "print the JSON report (schema cargo-attest/report/v1); also CARGO_ATTEST_JSON=1" },
  color: { value: "WHEN", help: "auto (default), always or never; NO_COLOR is honoured" },
  quiet: { help: "print nothing but the report (and, when not TRUSTED, the one cause line)" },
  verbose: { help: "explain every step; stack traces for internal errors" },
  repo: { value: "OWNER/REPO", help: "the signer must be a workflow building OWNER/REPO" },
  "signer-workflow": {
    value: "OWNER/REPO/PATH",
    help: "the signer must be this workflow (the SAN without @ref; a reusable one too)",
  },
  "source-ref": { value: "REF", help: "the signer must also have built REF (refs/tags/v1.2.3)" },
  "certificate-identity": {
    value: "SAN",
    help: "the signer's exact certificate SAN (with --certificate-oidc-issuer)",
  },
  "certificate-oidc-issuer": { value: "URL", help: "the signer's exact OIDC issuer" },
  "trusted-root": {
    value: "FILE",
    help: "trust this Sigstore trusted_root.json instead of the embedded roots (repeatable)",
  },
  staging: { help: "trust Sigstore's staging instance instead of public-good" },
  "require-rekor": { help: "a bundle without verified transparency-log evidence fails" },
  strict: { help: "every missing piece of evidence fails (MISMATCH)" },
  offline: { help: "no network: the cache only; what is missing is a 'not-in-cache' skip" },
  "no-cache": { help: "neither read nor write the cache (see 'cargo-attest cache --help')" },
  jobs: { value: "N", help: "subjects verified at once (default 8)" },
  policy: {
    value: "PATH",
    help: "the policy (default ./attest.toml when it exists, else built-in)",
  },
  timeout: {
    value: "SECONDS",
    help: "bound on the whole run's network time (each request also waits at most 30 s)",
  },
  "max-github-requests": {
    value: "N",
    help: "send at most N requests to the GitHub API; what needs more is an ERROR",
  },
  bundle: { value: "FILE", help: "a Sigstore bundle or GitHub attestation (repeatable)" },
  sha256: { value: "HEX", help: "the artifact's expected SHA-256 (e.g. from a release page)" },
  key: { value: "FILE", help: "a PEM public key that signed the bundle (managed-key bundles)" },
  asset: { value: "NAME", help: "verify only this asset (repeatable)" },
  from: { value: "FILE", help: "the saved JSON report (required)" },
  "lock-file": {
    value: "PATH",
    help: "sarif of a lock report: the Cargo.lock its crates' results point into",
  },
  force: { help: "overwrite an existing file" },
  base: {
    value: "REF|FILE",
    help: "a pull request's base lock (a git revision, or a file): verify only the crates " +
      "added or updated against it",
  },
  history: {
    help: "compare each crate with the version it published before (a downgrade check), " +
      "not only the updates of --base",
  },
  path: { value: "PATH", help: "where to write (default ./attest.toml)" },
  "max-age": { value: "DURATION", help: "prune: entries older than this go (default 30d)" },
  "tuf-url": {
    value: "URL",
    help:
      "a TUF repository: URL (Sigstore public-good) or github=URL; only those named are used (repeatable; env CARGO_ATTEST_TUF_URL)",
  },
};

/** Per-command wording where the shared one would mislead. */
export const COMMAND_OPTION_DOCS: Readonly<
  Partial<Record<CommandName, Readonly<Record<string, OptionDoc>>>>
> = {
  "verify-bundle": {
    "certificate-identity": { value: "SAN", help: "the exact SAN the certificate must have" },
    "certificate-oidc-issuer": { value: "URL", help: "the exact OIDC issuer it must have" },
    bundle: { value: "FILE", help: "the Sigstore bundle (required)" },
    key: { value: "FILE", help: "a PEM public key instead of a certificate identity" },
  },
  "trust update": {
    json: { help: "print what was updated as one JSON object" },
    quiet: { help: "print nothing on success" },
  },
  "trust show": {
    json: { help: "print the roots in use as one JSON object" },
    offline: {
      help:
        "no network: show what is stored, expired or not (else a missing or expired repository is refreshed first)",
    },
  },
  release: { jobs: { value: "N", help: "checked but unused: assets are verified one at a time" } },
  "policy check": {
    policy: { value: "PATH", help: "the policy to check (or give PATH)" },
    json: { help: "print the diagnostics and the summary as JSON" },
    quiet: { help: "print nothing when the policy is valid" },
  },
  "policy explain": {
    json: { help: "print the explanation as JSON" },
    strict: { help: "show what --strict changes (it only tightens)" },
    "require-rekor": { help: "show what --require-rekor changes (it only tightens)" },
  },
  init: { quiet: { help: "print nothing on success" } },
  cache: {
    json: { help: "info, clear, prune: print one JSON object" },
    quiet: { help: "clear, prune: print nothing on success" },
  },
};

const FORMAT_NOTES: Readonly<Record<string, string>> = {
  text: "text (default)",
  json: "json (= --json)",
  markdown: "markdown (a GitHub job summary)",
  sarif: "sarif (code scanning)",
};

/** The description of `name` for `command` (`--format` lists the formats the command takes). */
export function describeOption(command: CommandName, name: string): OptionDoc | undefined {
  if (name === "format") {
    const formats = formatsFor(command).map((f) => FORMAT_NOTES[f] ?? f);
    return { value: "FORMAT", help: `${formats.slice(0, -1).join(", ")} or ${formats.at(-1)}` };
  }
  return COMMAND_OPTION_DOCS[command]?.[name] ?? OPTION_DOCS[name];
}

/** Help lines are wrapped to this width. */
const HELP_WIDTH = 100;
/** Options longer than this put their description on the next line. */
const MAX_LEFT = 26;

/** `text` cut into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** The OPTIONS section of a command's help, one line per option of its table, in table order. */
export function renderOptionsSection(command: CommandName): string {
  const table = COMMAND_OPTION_TABLES[command] as Readonly<Record<string, unknown>>;
  const names = Object.keys(table);
  if (names.length === 0) return "";
  const rows = names.map((name) => {
    const doc = describeOption(command, name);
    const left = `--${name}${doc?.value ? ` ${doc.value}` : ""}`;
    return { left, help: doc?.help ?? "" };
  });
  const fitting = rows.map((r) => r.left.length).filter((n) => n <= MAX_LEFT);
  const column = 4 + Math.max(0, ...fitting) + 2;
  const out: string[] = [];
  for (const r of rows) {
    const help = wrap(r.help, HELP_WIDTH - column);
    const left = `    ${r.left}`;
    if (left.length + 2 > column) {
      out.push(left);
      for (const line of help) out.push(" ".repeat(column) + line);
    } else {
      out.push(left.padEnd(column) + (help[0] ?? ""));
      for (const line of help.slice(1)) out.push(" ".repeat(column) + line);
    }
  }
  return `OPTIONS:\n${out.map((l) => l.trimEnd()).join("\n")}\n`;
}
