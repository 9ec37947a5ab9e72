/**
 * `cargo-attest file PATH [--bundle FILE]... [--sha256 HEX]`: a local artifact checked against
 * local evidence, with the full report.
 * @module
 */
import { decodeHex, encodeHex } from "../crypto/bytes.ts";
import { bundleRejected, checkBundle } from "../checks/bundle_checks.ts";
import type { CheckResult } from "../checks/check_result.ts";
import type { SignerRequirement } from "../checks/identity.ts";
import { parseBundle } from "../evidence/bundle.ts";
import { AttestError, UsageError } from "../errors.ts";
import { MAX_BUNDLE_BYTES } from "../limits.ts";
import { renderJsonReport } from "../render/json.ts";
import { renderTextReport } from "../render/text.ts";
import { openArtifact, OversizedInputError, readCappedText } from "../sources/local_files.ts";
import { selectRoots } from "../trust/embedded.ts";
import { loadPublicKeyFile, loadTrustedRootFiles } from "../trust/load.ts";
import { applyStrict } from "../verdict/decide.ts";
import { buildReport } from "../verdict/report.ts";
import { flag, listOption, parseCommandArgs, type ParsedArgs, stringOption } from "./args.ts";
import { VERSION } from "./help.ts";
import type { CliIo } from "./io.ts";
import { OUTPUT_OPTIONS, resolveOutput } from "./output_options.ts";

/** Reads the signer requirement from `--repo`, `--signer-workflow`, `--source-ref`, `--certificate-*`. */
export function signerFromArgs(parsed: ParsedArgs): SignerRequirement | undefined {
  const repo = stringOption(parsed, "repo");
  const signerWorkflow = stringOption(parsed, "signer-workflow");
  const sourceRef = stringOption(parsed, "source-ref");
  const san = stringOption(parsed, "certificate-identity");
  const issuer = stringOption(parsed, "certificate-oidc-issuer");
  if (repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) {
    throw new UsageError(`--repo must be OWNER/REPO (got '${repo}')`);
  }
  if (signerWorkflow !== undefined && signerWorkflow.split("/").length < 3) {
    throw new UsageError(
      `--signer-workflow must be OWNER/REPO/PATH (got '${signerWorkflow}')`,
      "e.g. --signer-workflow BurntSushi/ripgrep/.github/workflows/release.yml",
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

async function refuseUnsupportedPolicy(parsed: ParsedArgs): Promise<void> {
  const explicit = stringOption(parsed, "policy");
  let implicit = false;
  if (explicit === undefined) {
    try {
      implicit = (await Deno.stat("attest.toml")).isFile;
    } catch {
      implicit = false;
    }
  }
  if (explicit !== undefined || implicit) {
    throw new AttestError(
      "policy-unsupported",
      `${explicit ?? "./attest.toml"}: policy files are not supported by this version yet, ` +
        "and ignoring one could weaken what it demands",
      {
        hint: "run without a policy (move attest.toml aside) or use a version with policy support",
      },
    );
  }
}

/** Runs `file`; returns the verdict's exit code. */
export async function runFile(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("file", args, {
    ...OUTPUT_OPTIONS,
    bundle: { type: "string", multiple: true },
    sha256: { type: "string" },
    key: { type: "string" },
    repo: { type: "string" },
    "signer-workflow": { type: "string" },
    "source-ref": { type: "string" },
    "certificate-identity": { type: "string" },
    "certificate-oidc-issuer": { type: "string" },
    "trusted-root": { type: "string", multiple: true },
    staging: { type: "boolean" },
    "require-rekor": { type: "boolean" },
    strict: { type: "boolean" },
    offline: { type: "boolean" },
    policy: { type: "string" },
  });
  const output = resolveOutput(parsed, io, "file");
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `file: expected exactly one PATH, got ${parsed.positionals.length}`,
      "usage: cargo-attest file PATH --bundle FILE [--repo OWNER/REPO]",
    );
  }
  const bundlePaths = listOption(parsed, "bundle");
  const expectedHex = stringOption(parsed, "sha256");
  if (bundlePaths.length === 0 && expectedHex === undefined) {
    throw new UsageError(
      "file: no evidence given",
      "pass --bundle FILE (a Sigstore bundle or GitHub attestation) and/or --sha256 HEX",
    );
  }
  if (
    expectedHex !== undefined && !/^[0-9a-fA-F]{64}$/.test(expectedHex.replace(/^sha256:/i, ""))
  ) {
    throw new UsageError(`file: --sha256 must be 64 hex characters (got '${expectedHex}')`);
  }
  const signer = signerFromArgs(parsed);
  await refuseUnsupportedPolicy(parsed);
  const custom = await loadTrustedRootFiles(listOption(parsed, "trusted-root"));
  const roots = await selectRoots({ custom, staging: flag(parsed, "staging") });
  const keyPath = stringOption(parsed, "key");
  const key = keyPath ? await loadPublicKeyFile(keyPath) : undefined;
  const artifact = await openArtifact(parsed.positionals[0]);
  const actualHex = encodeHex(artifact.input.sha256);

  const checks: CheckResult[] = [];
  if (expectedHex !== undefined) {
    const expected = encodeHex(decodeHex(expectedHex.replace(/^sha256:/i, "")));
    checks.push(
      expected === actualHex
        ? {
          id: "checksum",
          status: "pass",
          code: "checksum-match",
          message: "sha256 matches the value given with --sha256",
          expected,
          actual: actualHex,
          loadBearing: true,
        }
        : {
          id: "checksum",
          status: "fail",
          code: "checksum-mismatch",
          message: "sha256 differs from the value given with --sha256",
          expected,
          actual: actualHex,
          loadBearing: false,
        },
    );
  }
  for (const path of bundlePaths) {
    const origin = { path };
    let text: string;
    try {
      text = await readCappedText(path, MAX_BUNDLE_BYTES, "bundle");
    } catch (error) {
      if (!(error instanceof OversizedInputError)) throw error;
      checks.push(...bundleRejected("bundle-too-large", error.message, origin));
      continue;
    }
    const bundle = parseBundle(text);
    if (!bundle.ok) {
      checks.push(...bundleRejected(bundle.code, `${path}: ${bundle.message}`, origin));
      continue;
    }
    checks.push(
      ...await checkBundle(bundle.value, artifact.input, {
        roots,
        key,
        requireTlog: flag(parsed, "require-rekor"),
        signer,
        origin,
      }),
    );
  }

  const strict = flag(parsed, "strict");
  const report = buildReport({
    version: VERSION,
    now: io.now(),
    policy: { path: null, sha256: null, builtin: true },
    roots: roots.map((r) => ({ name: r.name, sha256: r.sha256 })),
    subjects: [{
      subject: { kind: "local-file", path: artifact.label, sha256: actualHex, size: artifact.size },
      checks: strict ? applyStrict(checks) : checks,
    }],
  });
  if (output.json) io.stdout(renderJsonReport(report));
  else if (!output.quiet || report.exitCode !== 0) {
    io.stdout(renderTextReport(report, { color: output.color, verbose: output.verbose }));
  }
  return report.exitCode;
}
