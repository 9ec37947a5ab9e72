/**
 * GitHub's own release attestation (immutable releases): GitHub, not a workflow, signs a
 * statement that a release of a repository at a tag holds files with these digests. It proves
 * "GitHub recorded this digest in this release", and nothing about who built the file, so it is
 * a check of its own (`release-attestation`) and never satisfies a signer rule. It counts only
 * when every claim binds: the certificate is GitHub's releases identity and nothing else, it
 * chains to a root of GitHub's own Sigstore instance, and the statement names this repository,
 * this tag and (when known) the tag's commit.
 * @module
 */
import { encodeHex } from "../crypto/bytes.ts";
import type { InTotoSubject } from "../evidence/dsse.ts";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { CheckResult } from "./check_result.ts";
import type { VerifiedBundle } from "./sigstore_bundle.ts";

/** The SAN of the certificates GitHub signs its own release attestations with (github.com). */
export const GITHUB_RELEASES_SAN = "https://dotcom.releases.github.com";

/** The predicate type of GitHub's release attestations. */
export const RELEASE_PREDICATE = "https://in-toto.io/attestation/release/v0.1";

/** The host of the certificate authority of GitHub's own Sigstore instance. */
export const GITHUB_FULCIO_HOST = "fulcio.githubapp.com";

/** The release a release attestation must be about. */
export interface ReleaseIdentity {
  readonly owner: string;
  readonly repo: string;
  readonly tag: string;
  /** The tag's commit, when it was resolved. */
  readonly tagCommit?: string;
}

/** Whether a certificate claims GitHub's releases identity (in any of its SANs). */
export function claimsReleaseIdentity(identity: CertificateIdentity | undefined): boolean {
  return identity?.san.some((s) => s.value === GITHUB_RELEASES_SAN) === true;
}

/**
 * Whether a trusted root is one of GitHub's instance: it lists certificate authorities, and
 * every one of them is GitHub's Fulcio (the public-good root's are not).
 */
export function isGithubInstanceRoot(root: TrustedRoot): boolean {
  const hosts = root.certificateAuthorities.map((ca) =>
    ca.uri.replace(/^https?:\/\//i, "").replace(/\/.*$/, "").toLowerCase()
  );
  return hosts.length > 0 && hosts.every((h) => h === GITHUB_FULCIO_HOST);
}

function result(
  status: "pass" | "fail",
  code: string,
  message: string,
  expected: string,
  actual: string,
): CheckResult {
  return { id: "release-attestation", status, code, message, expected, actual, loadBearing: false };
}

/**
 * Checks a verified bundle whose certificate claims GitHub's releases identity against the
 * release being verified. The bundle's signature, chain, timestamps and subject digest were
 * verified already; this binds the signer, the root and the statement's claims.
 */
export function checkReleaseAttestation(
  verified: VerifiedBundle,
  release: ReleaseIdentity,
): CheckResult {
  const expected = `${release.owner}/${release.repo}@${release.tag}`;
  const identity = verified.identity;
  const sans = identity?.san ?? [];
  const shownSan = sans.map((s) => `${s.kind}:${s.value}`).join(", ") || "(none)";
  if (sans.length !== 1 || sans[0].kind !== "uri" || sans[0].value !== GITHUB_RELEASES_SAN) {
    return result(
      "fail",
      "release-attestation-identity-mismatch",
      `a release attestation must be signed by GitHub's releases identity alone (one URI SAN ` +
        `${GITHUB_RELEASES_SAN}); this certificate has ${shownSan}`,
      `uri:${GITHUB_RELEASES_SAN}`,
      shownSan,
    );
  }
  if (identity?.issuer !== undefined || Object.keys(identity?.extensions ?? {}).length > 0) {
    return result(
      "fail",
      "release-attestation-identity-mismatch",
      `GitHub's release attestation certificates carry no OIDC issuer or Fulcio extensions; ` +
        `this one names issuer ${identity?.issuer ?? "(none)"} and ${
          Object.keys(identity?.extensions ?? {}).length
        } extension(s), so it was not issued to GitHub's releases service`,
      "no issuer, no Fulcio extensions",
      identity?.issuer ?? "(extensions)",
    );
  }
  if (!isGithubInstanceRoot(verified.root)) {
    return result(
      "fail",
      "release-attestation-root-mismatch",
      `the certificate chains to trusted root '${verified.root.name}', which is not GitHub's own ` +
        `Sigstore instance (${GITHUB_FULCIO_HOST}); only GitHub issues release attestations`,
      GITHUB_FULCIO_HOST,
      verified.root.certificateAuthorities.map((ca) => ca.uri).join(", ") || "(no CA)",
    );
  }
  const statement = verified.statement;
  const predicate = (statement?.predicate ?? {}) as Record<string, unknown>;
  const actual = `${String(predicate.repository)}@${String(predicate.tag)}`;
  if (
    statement?.predicateType !== RELEASE_PREDICATE ||
    typeof predicate.repository !== "string" || typeof predicate.tag !== "string" ||
    predicate.repository.toLowerCase() !== `${release.owner}/${release.repo}`.toLowerCase() ||
    predicate.tag !== release.tag
  ) {
    return result(
      "fail",
      "release-attestation-subject-mismatch",
      `a release attestation (${
        statement?.predicateType ?? "no in-toto statement"
      }) for ${actual}, ` +
        `not for ${expected}`,
      `${RELEASE_PREDICATE} for ${expected}`,
      `${statement?.predicateType ?? "(none)"} for ${actual}`,
    );
  }
  const commitProblem = checkReleaseCommit(statement.subjects, release);
  if (commitProblem) return commitProblem;
  return result(
    "pass",
    "release-attestation-match",
    `GitHub recorded this file's digest in the release ${expected} (signed by GitHub's ` +
      `releases identity under '${verified.root.name}'); this proves the release holds this ` +
      "file, not who built it",
    expected,
    actual,
  );
}

/** The release's own subject (`pkg:github/OWNER/REPO@TAG`) must name the tag's commit. */
function checkReleaseCommit(
  subjects: readonly InTotoSubject[],
  release: ReleaseIdentity,
): CheckResult | undefined {
  const purlPrefix = "pkg:github/";
  // GitHub's release attestations name the release itself (`pkg:github/O/R@TAG`, with the tag's
  // commit): one without it binds no commit, so it does not count as the release's.
  const own = subjects.filter((s) => s.uri?.toLowerCase().startsWith(purlPrefix));
  if (own.length === 0 || own.some((s) => s.digest.sha1 === undefined)) {
    return result(
      "fail",
      "release-attestation-subject-mismatch",
      "the release attestation does not name the release and its commit " +
        `(${purlPrefix}${release.owner}/${release.repo}@${release.tag} with a sha1)`,
      `${purlPrefix}${release.owner}/${release.repo}@${release.tag}`,
      own.map((s) => s.uri).join(", ") || "(none)",
    );
  }
  for (const subject of subjects) {
    const uri = subject.uri;
    if (uri === undefined || !uri.toLowerCase().startsWith(purlPrefix)) continue;
    const wanted = `${release.owner}/${release.repo}@${release.tag}`;
    const named = uri.slice(purlPrefix.length);
    if (named.toLowerCase() !== wanted.toLowerCase()) {
      return result(
        "fail",
        "release-attestation-subject-mismatch",
        `the release attestation's own subject is ${uri}, not ${purlPrefix}${wanted}`,
        `${purlPrefix}${wanted}`,
        uri,
      );
    }
    const sha1Bytes = subject.digest.sha1;
    const sha1 = sha1Bytes ? encodeHex(sha1Bytes) : undefined;
    if (release.tagCommit !== undefined && sha1 !== undefined) {
      if (sha1.toLowerCase() !== release.tagCommit.toLowerCase()) {
        return result(
          "fail",
          "release-attestation-commit-mismatch",
          `the release attestation records ${release.tag} at commit ${sha1}, but the tag is at ` +
            `${release.tagCommit} now`,
          release.tagCommit,
          sha1,
        );
      }
    }
  }
  return undefined;
}
