/**
 * `cargo-attest file PATH [--bundle FILE]... [--sha256 HEX]`: a local artifact checked against
 * local evidence, with the full report.
 * @module
 */
import { UsageError } from "../errors.ts";
import { githubWebHost, resolveEndpoints } from "../sources/endpoints.ts";
import { loadPublicKeyFile } from "../sources/trust_files.ts";
import { verifyFile } from "../verify/file.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import { writeReport } from "./emit_report.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";
import { policyFromArgs, rootsFromArgs, signerFromArgs } from "./verify_options.ts";

/** Runs `file`; returns the verdict's exit code. */
export async function runFile(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("file", args);
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
    throw new UsageError(
      `file: --sha256 must be 64 hex characters (got '${expectedHex}')`,
      "the SHA-256 as 'cargo-attest hash FILE' or sha256sum prints it (sha256: in front is fine)",
    );
  }
  const cliSigner = signerFromArgs(parsed);
  const loaded = await policyFromArgs(parsed, io, output);
  const roots = await rootsFromArgs(parsed, io);
  const keyPath = stringOption(parsed, "key");
  const key = keyPath ? await loadPublicKeyFile(keyPath) : undefined;
  const report = await verifyFile(
    { path: parsed.positionals[0], bundles: bundlePaths, sha256: expectedHex },
    {
      policy: loaded,
      roots,
      key,
      signer: cliSigner,
      strict: flag(parsed, "strict"),
      requireRekor: flag(parsed, "require-rekor"),
      now: () => io.now(),
      githubHost: githubWebHost(resolveEndpoints(io.env).githubApi),
    },
  );
  return writeReport(io, output, report);
}
