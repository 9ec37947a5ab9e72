/**
 * The checks of one GitHub release asset, from evidence already gathered: the download's
 * agreement with GitHub's recorded digest, published checksums, GitHub artifact attestations
 * (bound to the release's repository and tag) and cosign bundles published beside the asset.
 * Pure: I/O happened in the sources stage.
 * @module
 */
import { encodeHex, utf8 } from "../crypto/bytes.ts";
import { digestBytesSync } from "../crypto/digest_bytes.ts";
import { parseBundle } from "../evidence/bundle.ts";
import { splitBundleDocuments } from "../evidence/bundle_file.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { type BundleMemo, bundleRejected, checkBundle } from "./bundle_checks.ts";
import type { CheckResult } from "./check_result.ts";
import { checkPublishedChecksum } from "./checksum_check.ts";
import { lookupChecksum } from "../evidence/checksums.ts";
import type {
  AssetEvidence,
  BundleEvidence,
  SignatureEvidence,
} from "../evidence/release_evidence.ts";
import {
  checkReleaseAttestation,
  claimsReleaseIdentity,
  GITHUB_RELEASES_SAN,
} from "./release_attestation.ts";
import { judgeSigner, namesSigner, type SignerRules } from "./signer_rules.ts";
import type { ArtifactInput, VerifiedBundle } from "./sigstore_bundle.ts";

export type {
  AssetEvidence,
  BundleEvidence,
  SignatureEvidence,
} from "../evidence/release_evidence.ts";

/** The release context every asset is checked in. */
export interface ReleaseContext {
  readonly owner: string;
  readonly repo: string;
  readonly tag: string;
  readonly tagCommit?: string;
  readonly roots: readonly TrustedRoot[];
  readonly requireTlog: boolean;
  /** Every constraint on who may sign the release's files (see `signer_rules.ts`). */
  readonly signerRules: SignerRules;
  /** Verified bundles remembered between runs (undefined: every bundle is verified). */
  readonly bundleMemo?: BundleMemo;
}

/** What {@link checkBundleEvidence} verifies bundles with. */
export interface BundleEvidenceContext {
  readonly roots: readonly TrustedRoot[];
  readonly requireTlog: boolean;
  readonly bundleMemo?: BundleMemo;
  /** The `identity` check of a bundle that verified. */
  readonly judge: (verified: VerifiedBundle) => CheckResult;
}

/**
 * Verifies published bundles (each file may hold several) against the artifact: the checks of
 * each, as `attestation` (or `cosign`), `subject-digest`, `rekor` and `identity`; evidence that
 * could not be assembled fails as unverifiable.
 */
export async function checkBundleEvidence(
  evidence: readonly BundleEvidence[],
  artifact: ArtifactInput,
  ctx: BundleEvidenceContext,
  relabel: "attestation" | "cosign" = "attestation",
): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const item of evidence) {
    if (item.problem !== undefined) {
      out.push({
        id: relabel,
        status: "fail",
        code: "signature-unverifiable",
        message: item.problem,
        origin: item.origin,
        loadBearing: false,
      });
      continue;
    }
    for (const document of splitBundleDocuments(item.text)) {
      const parsed = parseBundle(document.text);
      let checks: CheckResult[];
      if (!parsed.ok) {
        checks = bundleRejected(parsed.code, parsed.message, item.origin);
      } else {
        checks = await checkBundle(parsed.value, artifact, {
          roots: ctx.roots,
          requireTlog: ctx.requireTlog,
          origin: item.origin,
          memo: ctx.bundleMemo,
          // The memo's key; not computed when there is no memo (`--no-cache`).
          bundleSha256: ctx.bundleMemo
            ? encodeHex(digestBytesSync(utf8(document.text)))
            : undefined,
          judgeIdentity: ctx.judge,
        });
      }
      // GitHub's release attestation is a check of its own: its verification is reported
      // under `release-attestation`, never as a workflow's `attestation` or `cosign`.
      const label = checks.some((c) => c.id === "release-attestation")
        ? "release-attestation" as const
        : relabel;
      out.push(...checks.map((c) => (c.id === "attestation" ? { ...c, id: label } : c)));
    }
  }
  return out;
}

/**
 * Bundles of a release. A certificate that claims GitHub's releases identity is judged as a
 * release attestation (bound to GitHub's root and to this release); every other certificate is
 * judged against the release's signer rules.
 */
function checkBundles(
  evidence: readonly BundleEvidence[],
  artifact: ArtifactInput,
  ctx: ReleaseContext,
  relabel: "attestation" | "cosign",
): Promise<CheckResult[]> {
  return checkBundleEvidence(evidence, artifact, {
    ...ctx,
    judge: (verified) =>
      claimsReleaseIdentity(verified.identity)
        ? checkReleaseAttestation(verified, ctx)
        : judgeSigner(verified.identity!, ctx.signerRules),
  }, relabel);
}

/**
 * When the user named a signer (command line or policy) and the only signatures that verified
 * are GitHub's release attestations, the named signer did not sign: an `identity` failure. A
 * release attestation proves where a file was published, never who built it.
 */
function releaseAttestationOnly(checks: readonly CheckResult[], ctx: ReleaseContext) {
  if (!namesSigner(ctx.signerRules)) return [];
  const released = checks.some((c) => c.id === "release-attestation" && c.status === "pass");
  const identified = checks.some((c) => c.id === "identity");
  if (!released || identified) return [];
  const named = [ctx.signerRules.cli?.source, ...ctx.signerRules.policy.map((p) => p.source)]
    .filter((s) => s !== undefined).join(", ");
  return [{
    id: "identity" as const,
    status: "fail" as const,
    code: "identity-release-attestation-only",
    message: `the only signature is GitHub's release attestation, which proves the release holds ` +
      `this file but is signed by GitHub, not by the signer ${named} names`,
    expected: named,
    actual: GITHUB_RELEASES_SAN,
    loadBearing: false,
  }];
}

/**
 * A complete download of another size than the release API declares is not the release's asset:
 * a `checksum` fail naming both sizes and the digest (the transfer completed; not an error).
 */
export function checkAssetSize(evidence: AssetEvidence): CheckResult | undefined {
  const { size, apiSize } = evidence;
  if (size === undefined || apiSize === undefined || size === apiSize) return undefined;
  return {
    id: "checksum",
    status: "fail",
    code: "asset-size-mismatch",
    message: `the downloaded ${evidence.name} is ${size} bytes (sha256 ${evidence.sha256}), ` +
      `but the release declares ${apiSize} bytes`,
    expected: `${apiSize} bytes${evidence.apiSha256 ? ` (sha256 ${evidence.apiSha256})` : ""}`,
    actual: `${size} bytes (sha256 ${evidence.sha256})`,
    origin: { url: evidence.downloadUrl },
    loadBearing: false,
  };
}

/** Checks one asset from its gathered evidence. */
export async function checkReleaseAsset(
  evidence: AssetEvidence,
  artifact: ArtifactInput,
  ctx: ReleaseContext,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const download = { url: evidence.downloadUrl };
  const sizeCheck = checkAssetSize(evidence);
  if (sizeCheck) checks.push(sizeCheck);
  if (evidence.apiSha256 !== undefined) {
    checks.push(
      evidence.apiSha256 === evidence.sha256
        ? {
          id: "checksum",
          status: "pass",
          code: "api-digest-match",
          message: "the download matches the digest GitHub recorded when the asset was uploaded",
          expected: evidence.apiSha256,
          actual: evidence.sha256,
          origin: download,
          loadBearing: false,
        }
        : {
          id: "checksum",
          status: "fail",
          code: "api-digest-mismatch",
          message:
            "the downloaded bytes differ from the digest GitHub recorded when the asset was uploaded",
          expected: evidence.apiSha256,
          actual: evidence.sha256,
          origin: download,
          loadBearing: false,
        },
    );
  }
  checks.push(checkPublishedChecksum(evidence.name, evidence.sha256, evidence.checksumSources));
  checks.push(...checksFromSignedChecksumFiles(evidence));
  checks.push(...await checkSignatureEvidence(evidence, artifact, ctx, evidence.sha256));
  return checks;
}

/**
 * The checks of the signatures published about one file: its attestations (none is an optional
 * skip), the bundles beside it, and detached signatures that cannot be checked.
 */
export async function checkSignatureEvidence(
  evidence: SignatureEvidence,
  artifact: ArtifactInput,
  ctx: ReleaseContext,
  sha256: string,
): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  if (evidence.attestations.length === 0) {
    checks.push({
      id: "attestation",
      status: "skip",
      code: "attestation-not-published",
      message: `no GitHub artifact attestation for sha256:${sha256} in ${ctx.owner}/${ctx.repo}`,
      origin: { url: evidence.attestationsUrl },
      loadBearing: false,
      required: false,
    });
  } else {
    checks.push(...await checkBundles(evidence.attestations, artifact, ctx, "attestation"));
  }
  checks.push(...await checkBundles(evidence.cosignBundles, artifact, ctx, "cosign"));
  checks.push(...releaseAttestationOnly(checks, ctx));
  for (const sig of evidence.detachedSignatures) {
    checks.push({
      id: "cosign",
      status: "skip",
      code: "cosign-detached-unsupported",
      message: `${sig} is a detached signature without a certificate beside it (a key-based ` +
        "signature); cargo-attest cannot tell whose key it is",
      loadBearing: false,
      required: false,
    });
  }
  return checks;
}

/**
 * A checksum file that is itself attested or signed vouches for every asset it lists: for each
 * source that lists this asset with the asset's own digest, its signature checks are repeated
 * here, saying which file and line they cover. A failing signature on that file fails the asset.
 */
function checksFromSignedChecksumFiles(evidence: AssetEvidence): CheckResult[] {
  const out: CheckResult[] = [];
  for (const source of evidence.checksumSources) {
    if (!source.signatureChecks?.length) continue;
    const found = lookupChecksum([source.parse], evidence.name);
    if (!found || "conflict" in found || found.sha256 !== evidence.sha256) continue;
    const via = `${source.label} (line ${found.entry.line} lists this asset's sha256)`;
    for (const check of source.signatureChecks) {
      if (check.status === "skip") continue;
      out.push({ ...check, message: `via ${via}: ${check.message}` });
    }
  }
  return out;
}
