/**
 * Turns one Sigstore bundle's verification into report checks: `attestation` (signature,
 * certificate chain, transparency log, timestamps), `subject-digest` (the bundle is about this
 * artifact), `rekor` (transparency-log evidence) and `identity` (the signer is one that was named).
 * @module
 */
import { encodeHex } from "../crypto/bytes.ts";
import type { PublicKeyMaterial } from "../crypto/signature.ts";
import type { Bundle } from "../evidence/bundle.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { CheckResult, EvidenceOrigin } from "./check_result.ts";
import {
  type ArtifactInput,
  type BundleVerification,
  type VerifiedBundle,
  verifyBundle,
} from "./sigstore_bundle.ts";
import { digestBytesSync } from "../crypto/digest_bytes.ts";

/** Codes of bundle failures that concern the artifact binding rather than the signature. */
const BINDING_CODES = new Set(["subject-digest-mismatch", "artifact-mismatch"]);

/** Options for {@link checkBundle}. */
export interface BundleCheckOptions {
  readonly roots: readonly TrustedRoot[];
  readonly key?: PublicKeyMaterial;
  readonly requireTlog: boolean;
  readonly origin: EvidenceOrigin;
  /**
   * The `identity` check of a certificate-signed bundle that verified: whether its signer is one
   * that was named (command line, policy, a command's default, GitHub's release attestations).
   */
  readonly judgeIdentity: (verified: VerifiedBundle) => CheckResult;
  /**
   * The `identity` check of a bundle that verified with the managed key (`--key`); default a
   * pass. A command whose signer rules name a certificate signer (a workflow, a SAN, a policy
   * signer) fails it: the key is not that signer, and no rule replaces another.
   */
  readonly judgeManagedKey?: () => CheckResult;
  /**
   * Verifications remembered from earlier runs, and the SHA-256 (hex) of the bundle's JSON
   * text, which keys them; without both, the bundle is verified as usual.
   */
  readonly memo?: BundleMemo;
  readonly bundleSha256?: string;
}

/** Where verified bundles are remembered (see `lib/sources/bundle_memo.ts`). */
export interface BundleMemo {
  recall(key: string, roots: readonly TrustedRoot[]): Promise<VerifiedBundle | undefined>;
  remember(key: string, verified: VerifiedBundle): Promise<void>;
}

/**
 * The memo key of a verification: everything its result depends on (the bundle's bytes, the
 * artifact, every trusted root, whether a log entry is required, the managed key).
 */
function memoKey(
  bundleSha256: string,
  artifact: ArtifactInput,
  options: BundleCheckOptions,
): string {
  return [
    `bundle=${bundleSha256}`,
    `artifact=${encodeHex(artifact.sha256)}`,
    `roots=${options.roots.map((r) => `${r.name}:${r.sha256}`).join(",")}`,
    `tlog=${options.requireTlog ? "required" : "optional"}`,
    `key=${options.key ? encodeHex(digestBytesSync(options.key.spki)) : "none"}`,
  ].join(" ");
}

function describeVerified(v: VerifiedBundle): string {
  const parts: string[] = [];
  parts.push(
    v.managedKey
      ? "signature by the named key"
      : `certificate chains to trusted root '${v.root.name}'`,
  );
  for (const e of v.tlogEntries) {
    parts.push(`${e.kind} entry ${e.logIndex} in ${e.logUrl} (${e.inclusion.join(" + ")})`);
  }
  for (const t of v.times) {
    if (t.source === "timestamp-authority") {
      parts.push(`timestamped ${t.time.toISOString()} by ${t.detail}`);
    }
  }
  if (v.scts > 0) parts.push(`${v.scts} SCT${v.scts > 1 ? "s" : ""}`);
  for (const t of v.ignoredTimestamps) {
    parts.push(`timestamp ${t.index} ignored (${t.code}: ${t.message})`);
  }
  return parts.join("; ");
}

/** Checks that a failed parse or an unreadable bundle produces (attestation fail + identity not checked). */
export function bundleRejected(
  code: string,
  message: string,
  origin: EvidenceOrigin,
): CheckResult[] {
  return [
    { id: "attestation", status: "fail", code, message, origin, loadBearing: false },
  ];
}

/** Verifies one parsed bundle against the artifact and returns its checks. */
export async function checkBundle(
  bundle: Bundle,
  artifact: ArtifactInput,
  options: BundleCheckOptions,
): Promise<CheckResult[]> {
  const origin = options.origin;
  const key = options.memo && options.bundleSha256
    ? memoKey(options.bundleSha256, artifact, options)
    : undefined;
  const recalled = key ? await options.memo!.recall(key, options.roots) : undefined;
  const result: BundleVerification = recalled ? { ok: true, value: recalled } : await verifyBundle(
    bundle,
    artifact,
    { roots: options.roots, key: options.key, requireTlog: options.requireTlog },
  );
  if (key && !recalled && result.ok) await options.memo!.remember(key, result.value);
  if (!result.ok) {
    const checks: CheckResult[] = [{
      id: "attestation",
      status: "fail",
      code: result.code,
      message: result.message,
      origin,
      loadBearing: false,
    }];
    if (BINDING_CODES.has(result.code)) {
      checks.push({
        id: "subject-digest",
        status: "fail",
        code: result.code,
        message: result.message,
        actual: `sha256:${encodeHex(artifact.sha256)}`,
        origin,
        loadBearing: false,
      });
    }
    return checks;
  }
  const verified = result.value;
  let identity: CheckResult;
  if (verified.managedKey && options.judgeManagedKey) {
    identity = options.judgeManagedKey();
  } else if (verified.managedKey) {
    identity = {
      id: "identity",
      status: "pass",
      code: "identity-key-match",
      message: "signed by the public key given with --key",
      loadBearing: false,
    };
  } else {
    identity = options.judgeIdentity(verified);
  }
  const checks: CheckResult[] = [
    {
      id: "attestation",
      status: "pass",
      code: "attestation-verified",
      message: describeVerified(verified),
      origin,
      loadBearing: identity.status === "pass",
    },
    {
      id: "subject-digest",
      status: "pass",
      code: "subject-digest-match",
      message: `the artifact matches the ${verified.artifactBinding}`,
      expected: `sha256:${encodeHex(artifact.sha256)}`,
      origin,
      loadBearing: false,
    },
  ];
  if (verified.tlogEntries.length > 0) {
    checks.push({
      id: "rekor",
      status: "pass",
      code: "rekor-verified",
      message: verified.tlogEntries.map((e) => `${e.logUrl} entry ${e.logIndex}`).join(", "),
      origin,
      loadBearing: false,
    });
  }
  checks.push({ ...identity, origin });
  return checks;
}
