/**
 * `verifyFile`: a local artifact checked against local evidence (Sigstore bundles, an expected
 * SHA-256). No argv, no stdout: options in, the report out.
 * @module
 */
import { bundleRejected, checkBundle } from "../checks/bundle_checks.ts";
import type { CheckResult } from "../checks/check_result.ts";
import type { SignerRequirement } from "../checks/identity.ts";
import {
  buildSignerRules,
  judgeSigner,
  namesSigner,
  type SignerRules,
} from "../checks/signer_rules.ts";
import { decodeHex, encodeHex } from "../crypto/bytes.ts";
import type { PublicKeyMaterial } from "../crypto/signature.ts";
import { UsageError } from "../errors.ts";
import { parseBundle } from "../evidence/bundle.ts";
import { splitBundleDocuments } from "../evidence/bundle_file.ts";
import { MAX_BUNDLE_BYTES } from "../limits.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { openArtifact, OversizedInputError, readCappedText } from "../sources/local_files.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Report } from "../verdict/report.ts";
import type { LoadedPolicy } from "./policy_file.ts";
import { buildPolicyReport } from "./policy_report.ts";

/** The local artifact and its evidence. */
export interface FileSubject {
  /** The artifact's path, or `sha256:HEX` for an artifact known by its digest alone. */
  readonly path: string;
  /** Sigstore bundles (or GitHub attestations) about it. */
  readonly bundles?: readonly string[];
  /** Its expected SHA-256 (hex, optionally `sha256:`-prefixed). */
  readonly sha256?: string;
}

/** How {@link verifyFile} runs. */
export interface VerifyFileOptions {
  /** The policy (see `readPolicyFile`, or `BUILTIN_LOADED_POLICY`). */
  readonly policy: LoadedPolicy;
  /** The Sigstore trusted roots bundles are verified under. */
  readonly roots: readonly TrustedRoot[];
  /** The public key of managed-key bundles (`--key`). */
  readonly key?: PublicKeyMaterial;
  /** The command line's signer rule, if any. */
  readonly signer?: SignerRequirement;
  /** Every missing piece of evidence fails. */
  readonly strict?: boolean;
  /** A bundle without verified transparency-log evidence fails. */
  readonly requireRekor?: boolean;
  /** The clock (default: the system's). */
  readonly now?: () => Date;
  /**
   * The host repositories are on: `github.com` (default), or a GitHub Enterprise Server host
   * (`githubWebHost(endpoints.githubApi)`), where OWNER/REPO is another repository.
   */
  readonly githubHost?: string;
}

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

/**
 * Verifies a local artifact against its bundles and expected digest; returns the report.
 *
 * @example
 * ```ts
 * import { BUILTIN_LOADED_POLICY, loadEmbeddedRoot, verifyFile } from "../../mod.ts";
 * const report = await verifyFile(
 *   { path: "tests/fixtures/demo/sigstore-2.1.0.tgz",
 *     bundles: ["tests/fixtures/demo/sigstore-2.1.0.tgz.sigstore.json"] },
 *   { policy: BUILTIN_LOADED_POLICY, roots: [await loadEmbeddedRoot("public-good")],
 *     signer: { repo: "sigstore/sigstore-js", source: "my script" } },
 * );
 * console.log(report.verdict); // TRUSTED
 * ```
 * @throws {UsageError} for a digest given both as the path and as `sha256`
 * @throws {InputError} when the artifact or a bundle cannot be read
 */
export async function verifyFile(target: FileSubject, options: VerifyFileOptions): Promise<Report> {
  const now = options.now ?? (() => new Date());
  const strict = options.strict ?? false;
  const requireRekor = options.requireRekor ?? false;
  const expectedHex = target.sha256;
  const argument = target.path;
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
  const plan = evaluatePolicy(options.policy.policy, subject, [], {
    strict,
    requireRekor,
    now: now(),
  });
  // A local file names no repository of its own. A workflow named alone binds the source
  // repository to the workflow's own: a reusable workflow (another repository's) runs for
  // anyone who calls it, so accepting it needs --repo to say whose build it was.
  const workflowRepo = options.signer?.signerWorkflow?.split("/").slice(0, 2).join("/");
  const rules = buildSignerRules({
    cli: options.signer,
    policy: plan.signers,
    subject: options.signer?.signerWorkflow !== undefined && options.signer.repo === undefined
      ? {
        repo: workflowRepo!,
        source: `--signer-workflow (give --repo for another repository's build)`,
      }
      : undefined,
    host: options.githubHost ?? "github.com",
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
  for (const path of target.bundles ?? []) {
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
          roots: options.roots,
          key: options.key,
          requireTlog: requireRekor || plan.rekorRequired,
          origin,
          judgeIdentity: (verified) => judgeSigner(verified.identity!, rules),
          judgeManagedKey: () => judgeManagedKey(rules),
        }),
      );
    }
  }

  return buildPolicyReport({
    loaded: options.policy,
    roots: options.roots,
    subjects: [{ subject, checks }],
    strict,
    requireRekor,
    now: now(),
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
