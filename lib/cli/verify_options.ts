/**
 * Options shared by the verifying commands (`file`, `release`, …): who may sign, which trust
 * roots, how strict, and the policy file (refused until policies are supported).
 * @module
 */
import type { SignerRequirement } from "../checks/identity.ts";
import { UsageError } from "../errors.ts";
import { isRepoName, isWorkflowPath, repoHelp, workflowHelp } from "../policy/model.ts";
import { writeReport } from "./emit_report.ts";
import {
  buildPolicyReport,
  type CheckedSubject,
  servedFromCacheBy,
} from "../verify/policy_report.ts";
import type { CliIo } from "./io.ts";
import type { OutputSettings } from "./output_options.ts";
import { type LoadedPolicy, loadPolicyForCommand } from "./policy_command.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { TufRootChoice } from "../trust/embedded.ts";
import { resolveCacheDir } from "../sources/cache_settings.ts";
import { escapeForTerminal } from "../render/escape.ts";
import { flag, listOption, type ParsedArgs, stringOption } from "./args.ts";

/**
 * The trusted roots a verifying command uses: `--trusted-root` files, `--staging`, or the
 * public-good and GitHub roots — each from the TUF cache when `trust update` stored metadata
 * that still verifies and has not expired, else the embedded one. No request is made here: a
 * verifying run never refreshes TUF metadata (`trust update` does).
 */
export async function rootsFromArgs(parsed: ParsedArgs, io: CliIo): Promise<TrustedRoot[]> {
  // Loaded here, not with this module: `crate` and `lock` use no Sigstore trust material, and
  // the X.509 stack costs tens of milliseconds to load.
  const [{ loadTrustedRootFiles }, { selectRoots }] = await Promise.all([
    import("../sources/trust_files.ts"),
    import("../trust/embedded.ts"),
  ]);
  const custom = await loadTrustedRootFiles(listOption(parsed, "trusted-root"));
  const staging = flag(parsed, "staging");
  const tuf = custom.length === 0 && !staging ? await tufRootChoices(parsed, io) : undefined;
  return await selectRoots({ custom, staging, ...(tuf ? { tuf } : {}) });
}

/** What the TUF cache offers each embedded root (nothing with `--no-cache` or no cache). */
async function tufRootChoices(
  parsed: ParsedArgs,
  io: CliIo,
): Promise<TufRootChoice[] | undefined> {
  const dir = resolveCacheDir(io.env);
  if (dir === undefined) return undefined;
  // Nothing stored (no `trust update` yet): skip loading the TUF client at all.
  try {
    await Deno.stat(`${dir}/tuf`);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (flag(parsed, "no-cache")) return skippedTufRoots(parsed, io, `${dir}/tuf`);
  const { loadStoredTufStatuses } = await import("../sources/tuf_status.ts");
  const statuses = await loadStoredTufStatuses(dir, io.now());
  return statuses.map((status) => {
    if (status.usable) return { name: status.repository, root: status.trustedRoot };
    // Nothing stored is the normal state before a first `trust update`: no note, no warning.
    if (status.state === undefined && status.reason?.startsWith("no TUF")) {
      return { name: status.repository };
    }
    const note = `${status.reason}; using the embedded root`;
    if (!flag(parsed, "quiet")) {
      // The reason quotes the stored metadata: never printed raw (#13 §2).
      io.stderr(
        `cargo-attest: warning: TUF repository '${status.repository}': ${
          escapeForTerminal(note)
        }\n`,
      );
    }
    return { name: status.repository, note };
  });
}

/**
 * With `--no-cache`, roots that `trust update` stored are not read: said on stderr (once) and in
 * each such root's report entry, so that a run that fails on a rotated key says why.
 */
async function skippedTufRoots(
  parsed: ParsedArgs,
  io: CliIo,
  tufDir: string,
): Promise<TufRootChoice[]> {
  const { TUF_REPOSITORIES } = await import("../trust/tuf/repositories.ts");
  const stored: TufRootChoice["name"][] = [];
  for (const repository of TUF_REPOSITORIES) {
    try {
      await Deno.stat(`${tufDir}/${repository.name}`);
      stored.push(repository.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  if (stored.length === 0) return [];
  const note = `--no-cache: the root that 'trust update' stored in ${tufDir} is not read; ` +
    "using the embedded root";
  if (!flag(parsed, "quiet")) {
    io.stderr(
      `cargo-attest: note: --no-cache: the TUF roots stored in ${escapeForTerminal(tufDir)} (${
        stored.join(", ")
      }) are not read; the embedded roots are used\n`,
    );
  }
  return stored.map((name) => ({ name, note }));
}

/** Reads the signer requirement from `--repo`, `--signer-workflow`, `--source-ref`, `--certificate-*`. */
export function signerFromArgs(parsed: ParsedArgs): SignerRequirement | undefined {
  const repo = stringOption(parsed, "repo");
  const signerWorkflow = stringOption(parsed, "signer-workflow");
  const sourceRef = stringOption(parsed, "source-ref");
  const san = stringOption(parsed, "certificate-identity");
  const issuer = stringOption(parsed, "certificate-oidc-issuer");
  // Validated as a policy's signer is: a typo must be an error with a suggestion, never a
  // rule that can match nothing (which would turn every good signature into a MISMATCH).
  if (repo !== undefined && !isRepoName(repo)) {
    throw new UsageError(`--repo must be OWNER/REPO (got '${repo}')`, repoHelp(repo));
  }
  if (signerWorkflow !== undefined && !isWorkflowPath(signerWorkflow)) {
    throw new UsageError(
      `--signer-workflow must be OWNER/REPO/.github/workflows/FILE (got '${signerWorkflow}')`,
      workflowHelp(signerWorkflow).replace(
        /^e\.g\. workflow = "([^"]*)"/,
        "e.g. --signer-workflow $1",
      )
        .replace(
          /workflow = "([^"]*)" and ref = "([^"]*)"/,
          "--signer-workflow $1 and --source-ref $2",
        ),
    );
  }
  if (sourceRef !== undefined && !sourceRef.startsWith("refs/")) {
    throw new UsageError(
      `--source-ref '${sourceRef}' can never match: a source ref starts with refs/`,
      `did you mean '${/^v?[0-9]/.test(sourceRef) ? "refs/tags/" : "refs/heads/"}${sourceRef}'?`,
    );
  }
  if (san !== undefined && /^https:\/\/github\.com\/[^@]+\/\.github\/workflows\/[^@]+$/.test(san)) {
    throw new UsageError(
      "--certificate-identity: a workflow SAN always ends with @REF, so this one can never match",
      `to accept the workflow at any ref use --signer-workflow ${
        san.slice("https://github.com/".length)
      } (and --source-ref to pin the ref)`,
    );
  }
  if (issuer !== undefined && !/^https:\/\/[^\s/]+/.test(issuer)) {
    throw new UsageError(
      `--certificate-oidc-issuer '${issuer}' is not an https:// URL`,
      "the OIDC issuer exactly as the certificate records it, e.g. https://token.actions.githubusercontent.com",
    );
  }
  if ((san === undefined) !== (issuer === undefined)) {
    throw new UsageError("--certificate-identity and --certificate-oidc-issuer go together");
  }
  if ([repo, signerWorkflow, sourceRef, san].every((v) => v === undefined)) return undefined;
  if (
    sourceRef !== undefined && repo === undefined && signerWorkflow === undefined &&
    san === undefined
  ) {
    throw new UsageError("--source-ref narrows --repo or --signer-workflow; give one of them too");
  }
  const source = [
    repo !== undefined ? `--repo ${repo}` : "",
    signerWorkflow !== undefined ? `--signer-workflow ${signerWorkflow}` : "",
    sourceRef !== undefined ? `--source-ref ${sourceRef}` : "",
    san !== undefined ? "--certificate-identity" : "",
  ].filter((s) => s).join(" ");
  return { repo, signerWorkflow, sourceRef, san, issuer, source };
}

/** The policy a verifying command runs with (`--policy`, `./attest.toml`, or the built-in one). */
export async function policyFromArgs(
  parsed: ParsedArgs,
  io: CliIo,
  output: OutputSettings,
): Promise<LoadedPolicy> {
  return await loadPolicyForCommand(stringOption(parsed, "policy"), io, {
    color: output.color,
    quiet: output.quiet,
  });
}

export type { CheckedSubject };

/**
 * Applies the policy to every subject (required checks, exceptions, strictness — the flags only
 * tighten), and writes the report. Returns the exit code.
 */
export function emitPolicyReport(
  io: CliIo,
  output: OutputSettings,
  input: {
    readonly loaded: LoadedPolicy;
    readonly roots: readonly TrustedRoot[];
    readonly subjects: readonly CheckedSubject[];
    readonly strict: boolean;
    readonly requireRekor: boolean;
    /** The run's HTTP clients: evidence one of them answered from the cache is marked so. */
    readonly clients?: readonly unknown[];
    /** Notes about the run (lock-file warnings), reported beside the policy's diagnostics. */
    readonly diagnostics?: readonly {
      level: "error" | "warning" | "note";
      code: string;
      message: string;
    }[];
  },
): number {
  return writeReport(
    io,
    output,
    buildPolicyReport({
      ...input,
      now: io.now(),
      servedFromCache: servedFromCacheBy(input.clients ?? []),
    }),
  );
}
