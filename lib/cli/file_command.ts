/**
 * `cargo-attest file PATH [--bundle FILE]... [--sha256 HEX]`: a local artifact checked against
 * local evidence, with the full report.
 * @module
 */
import {
  buildSignerRules,
  judgeSigner,
  namesSigner,
  type SignerRules,
} from "../checks/signer_rules.ts";
import { decodeHex, encodeHex } from "../crypto/bytes.ts";
import { bundleRejected, checkBundle } from "../checks/bundle_checks.ts";
import type { CheckResult } from "../checks/check_result.ts";
import { parseBundle } from "../evidence/bundle.ts";
import { splitBundleDocuments } from "../evidence/bundle_file.ts";
import { UsageError } from "../errors.ts";
import { MAX_BUNDLE_BYTES } from "../limits.ts";
import { openArtifact, OversizedInputError, readCappedText } from "../sources/local_files.ts";
import { loadPublicKeyFile } from "../trust/load.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";
import {
  emitPolicyReport,
  policyFromArgs,
  rootsFromArgs,
  signerFromArgs,
} from "./verify_options.ts";

/**
 * The `identity` check of a signature by the `--key` key: a pass when no signer is named
 * otherwise; when the command line (`--repo`, `--signer-workflow`, `--certificate-identity`) or
 * the policy names a signer, a fail: every named rule must hold, and a key is none of them.
 */
function judgeManagedKey(rules: SignerRules): CheckResult {
  if (!namesSigner(rules)) {
    return {
      id: "identity",
      status: "pass",
      code: "identity-key-match",
      message: "signed by the public key given with --key",
      loadBearing: false,
    };
  }
  const named = [rules.cli?.source, ...rules.policy.map((p) => p.source)]
    .filter((s) => s !== undefined).join(", ");
  return {
    id: "identity",
    status: "fail",
    code: "identity-key-not-named-signer",
    message: `signed by the public key given with --key, but ${named} names a certificate ` +
      "signer, which a key signature is not (every named signer rule must hold)",
    expected: named,
    actual: "the --key public key",
    loadBearing: false,
  };
}

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
    throw new UsageError(`file: --sha256 must be 64 hex characters (got '${expectedHex}')`);
  }
  const cliSigner = signerFromArgs(parsed);
  const loaded = await policyFromArgs(parsed, io, output);
  const strict = flag(parsed, "strict");
  const requireRekor = flag(parsed, "require-rekor");
  const roots = await rootsFromArgs(parsed);
  const keyPath = stringOption(parsed, "key");
  const key = keyPath ? await loadPublicKeyFile(keyPath) : undefined;
  const argument = parsed.positionals[0];
  if (/^sha256:/i.test(argument)) {
    // A digest for PATH has no bytes to hash: `--sha256` would compare the value with itself.
    if (expectedHex !== undefined) {
      throw new UsageError(
        `file: --sha256 checks a file's bytes, but '${argument}' is a digest, not a file`,
        `to check a file of that name, write ./${argument}`,
      );
    }
    if (await pathExists(argument)) {
      throw new UsageError(
        `file: '${argument}' names both a file and a digest`,
        `write ./${argument} for the file`,
      );
    }
  }
  const artifact = await openArtifact(argument);
  const actualHex = encodeHex(artifact.input.sha256);
  const subject = {
    kind: "local-file" as const,
    path: artifact.label,
    sha256: actualHex,
    size: artifact.size,
  };
  const plan = evaluatePolicy(loaded.policy, subject, [], { strict, requireRekor, now: io.now() });
  // A local file names no repository of its own. A workflow named alone binds the source
  // repository to the workflow's own: a reusable workflow (another repository's) runs for
  // anyone who calls it, so accepting it needs --repo to say whose build it was.
  const workflowRepo = cliSigner?.signerWorkflow?.split("/").slice(0, 2).join("/");
  const rules = buildSignerRules({
    cli: cliSigner,
    policy: plan.signers,
    subject: cliSigner?.signerWorkflow !== undefined && cliSigner.repo === undefined
      ? {
        repo: workflowRepo!,
        source: `--signer-workflow (give --repo for another repository's build)`,
      }
      : undefined,
  });

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
    for (const document of splitBundleDocuments(text)) {
      const where = document.location ? `${path} (${document.location})` : path;
      const bundle = parseBundle(document.text);
      if (!bundle.ok) {
        checks.push(...bundleRejected(bundle.code, `${where}: ${bundle.message}`, origin));
        continue;
      }
      checks.push(
        ...await checkBundle(bundle.value, artifact.input, {
          roots,
          key,
          requireTlog: requireRekor || plan.rekorRequired,
          origin,
          judgeIdentity: (verified) => judgeSigner(verified.identity!, rules),
          judgeManagedKey: () => judgeManagedKey(rules),
        }),
      );
    }
  }

  return emitPolicyReport(io, output, {
    loaded,
    roots,
    subjects: [{ subject, checks }],
    strict,
    requireRekor,
  });
}

/** Whether something exists at `path` (a dangling symlink counts). */
async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
