/**
 * `verifyRelease`: a GitHub release's assets against the checksums published with the release,
 * the GitHub artifact attestations of each asset's digest (signed by a workflow of the
 * repository, built from the tag), GitHub's own release attestations and the Sigstore bundles
 * published beside the assets. No argv, no stdout: options in, the report out.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { checkReleaseAsset, checkSignatureEvidence } from "../checks/release_checks.ts";
import { buildSignerRules } from "../checks/signer_rules.ts";
import type { SignerRequirement } from "../checks/identity.ts";
import { decodeHex } from "../crypto/bytes.ts";
import { AttestError } from "../errors.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { cacheBundleMemo } from "./bundle_memo.ts";
import type { Cache } from "../sources/cache.ts";
import { OfflineMissError } from "../sources/cached_http.ts";
import { type Endpoints, githubWebHost } from "../sources/endpoints.ts";
import { fetchRelease, fetchTagCommit } from "../sources/github.ts";
import type { HttpClient } from "../sources/http.ts";
import {
  gatherAssetEvidence,
  gatherReleaseChecksums,
  isEvidenceAsset,
} from "../sources/release_evidence.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Diagnostic, Report, SubjectDescription } from "../verdict/report.ts";
import type { LoadedPolicy } from "./policy_file.ts";
import { buildPolicyReport, type CheckedSubject, servedFromCacheBy } from "./policy_report.ts";

/** The release to verify. */
export interface ReleaseSubject {
  /** `OWNER/REPO`. */
  readonly repo: string;
  /** The release's tag. */
  readonly tag: string;
  /** Verify only these assets (default: every asset that is not evidence). */
  readonly assets?: readonly string[];
}

/** How {@link verifyRelease} runs. */
export interface VerifyReleaseOptions {
  /** The policy (see `readPolicyFile`, or `BUILTIN_LOADED_POLICY`). */
  readonly policy: LoadedPolicy;
  /** The Sigstore trusted roots bundles are verified under. */
  readonly roots: readonly TrustedRoot[];
  /** Where GitHub and Rekor are. */
  readonly endpoints: Endpoints;
  /** The client for GitHub's API and downloads (it holds the token, bound to the API host). */
  readonly github: HttpClient;
  /** The client for Rekor (no token). */
  readonly rekor: HttpClient;
  /** The command line's signer rule, if any (`--repo`, `--signer-workflow`, …). */
  readonly signer?: SignerRequirement;
  /** Every missing piece of evidence fails. */
  readonly strict?: boolean;
  /** A bundle without verified transparency-log evidence fails. */
  readonly requireRekor?: boolean;
  /** Remembers verified bundles between runs. */
  readonly cache?: Cache;
  /** The clock (default: the system's). */
  readonly now?: () => Date;
  /** Told what is being done, for progress lines. */
  readonly onProgress?: (message: string) => void;
}

/** A check skipped because `--offline` found its evidence missing from the cache. */
function notInCache(error: OfflineMissError): CheckResult {
  return {
    id: "checksum",
    status: "skip",
    code: "not-in-cache",
    message: error.message,
    origin: { url: error.url },
    loadBearing: false,
  };
}

/**
 * Verifies a GitHub release's assets and returns the report.
 *
 * @example
 * ```ts
 * import { BUILTIN_LOADED_POLICY, resolveEndpoints, verifyRelease } from "../../mod.ts";
 * import { HttpClient } from "../sources/http.ts";
 * const http = new HttpClient({ timeoutMs: 30_000, retries: 2, userAgent: "me" });
 * const report = await verifyRelease({ repo: "BurntSushi/ripgrep", tag: "14.1.0" }, {
 *   policy: BUILTIN_LOADED_POLICY,
 *   roots: [],
 *   endpoints: resolveEndpoints(() => undefined),
 *   github: http,
 *   rekor: http,
 * });
 * console.log(report.verdict);
 * ```
 * @throws {AttestError} when the run cannot complete (no such release or asset, network)
 */
export async function verifyRelease(
  target: ReleaseSubject,
  options: VerifyReleaseOptions,
): Promise<Report> {
  const [owner, repo] = target.repo.split("/");
  const { tag } = target;
  const now = options.now ?? (() => new Date());
  const strict = options.strict ?? false;
  const requireRekor = options.requireRekor ?? false;
  const progress = options.onProgress ?? (() => {});
  const wanted = target.assets ?? [];
  const { endpoints, github: client, rekor: rekorClient, roots } = options;
  const report = (subjects: readonly CheckedSubject[], diagnostics: readonly Diagnostic[] = []) =>
    buildPolicyReport({
      loaded: options.policy,
      roots,
      subjects,
      strict,
      requireRekor,
      now: now(),
      servedFromCache: servedFromCacheBy([client, rekorClient]),
      diagnostics,
    });
  // Offline, a release whose own documents are not cached: nothing is known about it. The
  // assets asked for are skipped subjects; without any, the report says the release is missing.
  const releaseNotInCache = (error: OfflineMissError) =>
    wanted.length > 0
      ? report(wanted.map((name) => ({
        subject: { kind: "release-asset", repo: target.repo, tag, name, sha256: "" },
        checks: [notInCache(error)],
      })))
      : report([], [{
        level: "warning",
        code: "not-in-cache",
        message: `release ${target.repo}@${tag} is not in the cache (${error.url}); ` +
          "run once online to fill it",
      }]);

  progress(`reading release ${target.repo}@${tag}`);
  let release;
  let tagCommit;
  try {
    release = await fetchRelease(client, endpoints.githubApi, owner, repo, tag);
    tagCommit = await fetchTagCommit(client, endpoints.githubApi, owner, repo, tag);
  } catch (error) {
    if (error instanceof OfflineMissError) return releaseNotInCache(error);
    throw error;
  }
  const names = release.assets.map((a) => a.name);
  for (const name of wanted) {
    if (!names.includes(name)) {
      throw new AttestError(
        "asset-not-found",
        `release ${target.repo}@${tag} has no asset '${name}'`,
        {
          hint: names.length ? `its assets are: ${names.join(", ")}` : "the release has no assets",
        },
      );
    }
  }
  const subjects = wanted.length
    ? release.assets.filter((a) => wanted.includes(a.name))
    : release.assets.filter((a) => !isEvidenceAsset(a.name, names));
  if (subjects.length === 0) {
    throw new AttestError(
      "asset-not-found",
      `release ${target.repo}@${tag} has no assets to verify` +
        (names.length ? ` (only evidence files: ${names.join(", ")})` : ""),
    );
  }

  const plan = evaluatePolicy(options.policy.policy, { kind: "release", repo: target.repo }, [], {
    strict,
    requireRekor,
    now: now(),
  });
  const rules = buildSignerRules({
    cli: options.signer,
    policy: plan.signers,
    subject: {
      repo: target.repo,
      ref: { ref: `refs/tags/${tag}`, commit: tagCommit },
      source: `the release ${target.repo}@${tag}`,
    },
    host: githubWebHost(endpoints.githubApi),
  });
  const checkContext = {
    owner,
    repo,
    tag,
    tagCommit,
    roots,
    requireTlog: requireRekor || plan.rekorRequired,
    signerRules: rules,
    bundleMemo: options.cache ? cacheBundleMemo(options.cache) : undefined,
  };
  const signatureSources = {
    client,
    githubApi: endpoints.githubApi,
    owner,
    repo,
    release,
    rekor: { client: rekorClient, url: endpoints.rekor },
  };
  let gathered;
  try {
    gathered = await gatherReleaseChecksums(signatureSources);
  } catch (error) {
    if (error instanceof OfflineMissError) return releaseNotInCache(error);
    throw error;
  }
  // An asset named like a checksum file that lists no checksum at all is not evidence (a binary
  // called `installer-checksum`): it is verified as an asset instead of passing unseen.
  if (wanted.length === 0) {
    for (const source of gathered.sources) {
      const asset = release.assets.find((a) => a.name === source.label);
      if (
        asset && !subjects.includes(asset) && source.problem === undefined &&
        source.parse.entries.length === 0
      ) {
        subjects.push(asset);
      }
    }
  }
  // A signed checksum file is verified once and vouches for each asset it lists.
  const releaseChecksums = await Promise.all(gathered.sources.map(async (source) => {
    const signed = gathered.signedFiles.find((f) => f.source === source);
    if (!signed) return source;
    const signatureChecks = await checkSignatureEvidence(
      signed.signatures,
      { sha256: decodeHex(signed.sha256) },
      checkContext,
      signed.sha256,
    );
    return { ...source, signatureChecks };
  }));
  const checked: CheckedSubject[] = [];
  for (const [i, asset] of subjects.entries()) {
    progress(`[${i + 1}/${subjects.length}] ${asset.name} (${asset.size} bytes)`);
    const subject = (sha256: string): SubjectDescription => ({
      kind: "release-asset",
      repo: target.repo,
      tag,
      name: asset.name,
      sha256,
    });
    let evidence;
    try {
      evidence = await gatherAssetEvidence(asset, { ...signatureSources, releaseChecksums });
    } catch (error) {
      if (!(error instanceof OfflineMissError)) throw error;
      checked.push({ subject: subject(asset.sha256 ?? ""), checks: [notInCache(error)] });
      continue;
    }
    const checks = await checkReleaseAsset(
      evidence,
      { sha256: decodeHex(evidence.sha256) },
      checkContext,
    );
    checked.push({ subject: subject(evidence.sha256), checks });
  }
  return report(checked);
}
