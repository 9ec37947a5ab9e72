/**
 * `cargo-attest policy check [PATH]`, `policy explain SUBJECT...` and `policy schema`; and
 * {@link loadPolicyForCommand}, which every verifying command uses to read its policy and stop
 * (exit 3, before any network request) when the policy is invalid.
 * @module
 */
import { sha256HexOfText } from "../crypto/text_digest.ts";
import { AttestError, UsageError } from "../errors.ts";
import { pathKind, readCappedText } from "../sources/local_files.ts";
import { renderDiagnostics, suggestClosest } from "../policy/diagnostics.ts";
import type { PolicyTarget } from "../policy/evaluate.ts";
import { explainAsJson, renderExplanation, summarizePolicy } from "../policy/explain.ts";
import { loadPolicy } from "../policy/load.ts";
import {
  DEFAULT_POLICY_FILE,
  isCrateName,
  isRepoName,
  isSemver,
  splitCrateSpec,
} from "../policy/model.ts";
import { POLICY_SCHEMA_TEXT } from "../policy/schema.ts";
import {
  BUILTIN_LOADED_POLICY,
  type LoadedPolicy,
  MAX_POLICY_BYTES,
  PolicyInvalidError,
  readPolicyFile,
} from "../verify/policy_file.ts";
import { flag, parseCommandArgs, stringOption } from "./args.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";

export { type LoadedPolicy, MAX_POLICY_BYTES, PolicyInvalidError };

function diagnosticColor(io: CliIo, colorOption: string | undefined): boolean {
  if (colorOption === "always") return true;
  if (colorOption === "never") return false;
  return io.stderrIsTerminal && (io.env("NO_COLOR") ?? "") === "";
}

/**
 * Reads the policy a verifying command runs with: `--policy PATH`, else `./attest.toml` when it
 * exists, else the built-in policy. Diagnostics go to stderr (warnings unless `quiet`); an
 * invalid policy throws {@link PolicyInvalidError} (exit 3) before anything else happens.
 */
export async function loadPolicyForCommand(
  explicitPath: string | undefined,
  io: CliIo,
  options: { readonly color?: boolean; readonly quiet?: boolean } = {},
): Promise<LoadedPolicy> {
  const path = explicitPath ??
    (await pathKind(DEFAULT_POLICY_FILE) === "file" ? DEFAULT_POLICY_FILE : undefined);
  if (path === undefined) return BUILTIN_LOADED_POLICY;
  const color = options.color ?? diagnosticColor(io, undefined);
  let loaded: LoadedPolicy;
  try {
    loaded = await readPolicyFile(path, { now: io.now() });
  } catch (error) {
    if (error instanceof PolicyInvalidError) {
      io.stderr(renderDiagnostics(error.diagnostics, { color }));
    }
    throw error;
  }
  if (loaded.diagnostics.length && !options.quiet) {
    io.stderr(renderDiagnostics(loaded.diagnostics, { color }));
  }
  return loaded;
}

/** Parses a `policy explain` subject: `OWNER/REPO`, `NAME@VERSION` or `NAME`. */
export function parsePolicyTarget(text: string): PolicyTarget {
  if (text.includes("/")) {
    if (isRepoName(text)) return { kind: "release", repo: text };
    throw new UsageError(
      `policy explain: '${text}' is not OWNER/REPO`,
      "a subject is OWNER/REPO (a release), NAME@VERSION or NAME (a crate)",
    );
  }
  const { name, version } = splitCrateSpec(text);
  if (!isCrateName(name) || (version !== undefined && !isSemver(version))) {
    throw new UsageError(
      `policy explain: '${text}' is not a crate (NAME or NAME@VERSION) or a repository (OWNER/REPO)`,
      "e.g. cargo-attest policy explain serde@1.0.200 BurntSushi/ripgrep",
    );
  }
  return version === undefined ? { kind: "crate", name } : { kind: "crate", name, version };
}

const SUBCOMMANDS = ["check", "explain", "schema"];

/** Runs `policy SUBCOMMAND ...`; returns the exit code. */
export async function runPolicy(args: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case "check":
      return await runPolicyCheck(rest, io);
    case "explain":
      return await runPolicyExplain(rest, io);
    case "schema":
      if (parseCommandArgs("policy schema", rest).positionals.length > 0) {
        throw new UsageError(
          `policy schema: unexpected argument '${rest[0]}'`,
          "usage: cargo-attest policy schema > .attest.schema.json",
        );
      }
      io.stdout(POLICY_SCHEMA_TEXT.endsWith("\n") ? POLICY_SCHEMA_TEXT : `${POLICY_SCHEMA_TEXT}\n`);
      return 0;
    case undefined:
      throw new UsageError(
        "policy: no subcommand given",
        "usage: cargo-attest policy check [PATH] | policy explain SUBJECT... | policy schema",
      );
    default: {
      const close = suggestClosest(sub, SUBCOMMANDS);
      throw new UsageError(
        `policy: unknown subcommand '${sub}'`,
        close ? `did you mean 'policy ${close}'?` : "the subcommands are check, explain and schema",
      );
    }
  }
}

async function runPolicyCheck(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("policy check", args);
  const output = resolveOutput(parsed, io, "policy check");
  if (parsed.positionals.length > 1) {
    throw new UsageError(
      "policy check: give at most one PATH",
      "usage: cargo-attest policy check [PATH]",
    );
  }
  const explicit = parsed.positionals[0] ?? stringOption(parsed, "policy");
  const path = explicit ?? DEFAULT_POLICY_FILE;
  if (explicit === undefined && await pathKind(path) !== "file") {
    throw new AttestError("input-unusable", `${path}: there is no policy file here`, {
      hint: "write one with 'cargo-attest init', or name it: cargo-attest policy check PATH",
    });
  }
  const text = await readCappedText(path, MAX_POLICY_BYTES, "policy file");
  const result = await loadPolicy(text, path, { now: io.now() });
  const color = diagnosticColor(io, stringOption(parsed, "color"));
  if (output.json) {
    const sha256 = await sha256HexOfText(text);
    io.stdout(
      JSON.stringify(
        {
          schema: "cargo-attest/policy-check/v1",
          path,
          sha256,
          valid: result.policy !== undefined,
          summary: result.policy ? summarizePolicy(result.policy) : null,
          diagnostics: result.diagnostics,
        },
        null,
        2,
      ) + "\n",
    );
  }
  if (result.diagnostics.length && !(output.quiet && result.policy)) {
    io.stderr(renderDiagnostics(result.diagnostics, { color }));
  }
  if (!result.policy) throw new PolicyInvalidError(path, result.diagnostics);
  if (!output.json && !output.quiet) {
    io.stdout(
      `${path}: valid policy (version ${result.policy.version}): ${
        summarizePolicy(result.policy)
      }\n`,
    );
  }
  return 0;
}

async function runPolicyExplain(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("policy explain", args);
  const output = resolveOutput(parsed, io, "policy explain");
  if (parsed.positionals.length === 0) {
    throw new UsageError(
      "policy explain: no SUBJECT given",
      "usage: cargo-attest policy explain OWNER/REPO | NAME@VERSION | NAME ...",
    );
  }
  const targets = parsed.positionals.map(parsePolicyTarget);
  const loaded = await loadPolicyForCommand(stringOption(parsed, "policy"), io, {
    color: diagnosticColor(io, stringOption(parsed, "color")),
    quiet: output.quiet,
  });
  const options = {
    strict: flag(parsed, "strict"),
    requireRekor: flag(parsed, "require-rekor"),
    now: io.now(),
  };
  if (output.json) {
    io.stdout(
      JSON.stringify(
        {
          schema: "cargo-attest/policy-explain/v1",
          policy: loaded.report,
          subjects: targets.map((t) => explainAsJson(loaded.policy, t, options)),
        },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  const header = loaded.policy.builtin
    ? `policy: built-in (no ${DEFAULT_POLICY_FILE} here and no --policy)\n\n`
    : `policy: ${loaded.report.path}\n\n`;
  io.stdout(
    header + targets.map((t) => renderExplanation(loaded.policy, t, options)).join("\n"),
  );
  return 0;
}
