/**
 * `cargo-attest release OWNER/REPO TAG [--asset NAME]...`: verify a GitHub release's assets
 * against the checksums published with the release, GitHub artifact attestations for each
 * asset's digest (signed by a workflow of the repository, built from the tag) and cosign bundles
 * published beside the assets.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { buildSignerRules } from "../checks/signer_rules.ts";
import { checkReleaseAsset, checkSignatureEvidence } from "../checks/release_checks.ts";
import { decodeHex } from "../crypto/bytes.ts";
import { AttestError, UsageError } from "../errors.ts";
import { githubTokenFor, githubWebHost, resolveEndpoints } from "../sources/endpoints.ts";
import { fetchRelease, fetchTagCommit } from "../sources/github.ts";
import { OfflineMissError } from "../sources/cached_http.ts";
import {
  gatherAssetEvidence,
  gatherReleaseChecksums,
  isEvidenceAsset,
} from "../sources/release_evidence.ts";
import type { SubjectDescription } from "../verdict/report.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import { jobsFromOption } from "./concurrency.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { createHttpClient } from "./http_client.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";
import { cacheFromArgs } from "./cache_options.ts";
import { cacheBundleMemo } from "../sources/bundle_memo.ts";
import {
  emitPolicyReport,
  policyFromArgs,
  rootsFromArgs,
  signerFromArgs,
} from "./verify_options.ts";

/**
 * Builds the HTTP client for GitHub from the environment and `--timeout`, with the cache (and
 * `--offline`) as `cache` says (default: no cache, online).
 */
/** A check that is skipped because `--offline` found its evidence missing from the cache. */
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

/** Runs `release`; returns the verdict's exit code. */
export async function runRelease(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("release", args);
  const output = resolveOutput(parsed, io, "release");
  const usage = "usage: cargo-attest release OWNER/REPO TAG [--asset NAME]...";
  if (parsed.positionals.length !== 2) {
    throw new UsageError(
      `release: expected OWNER/REPO and TAG, got ${parsed.positionals.length} argument(s)`,
      usage,
    );
  }
  const [slug, tag] = parsed.positionals;
  const match = slug.match(/^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/);
  if (!match) throw new UsageError(`release: '${slug}' is not OWNER/REPO`, usage);
  const [, owner, repo] = match;
  jobsFromOption(stringOption(parsed, "jobs"), 1); // assets are verified in turn: checked, not used
  const cliSigner = signerFromArgs(parsed);
  const loaded = await policyFromArgs(parsed, io, output);
  const strict = flag(parsed, "strict");
  const requireRekor = flag(parsed, "require-rekor");
  const roots = await rootsFromArgs(parsed);
  const endpoints = resolveEndpoints(io.env);
  const cache = cacheFromArgs(parsed, io, { quiet: output.quiet });
  const timeout = stringOption(parsed, "timeout");
  const client = createHttpClient(io, {
    token: githubTokenFor(io.env, endpoints.githubApi),
    timeout,
    cache,
  });
  // Rekor gets a client of its own, without the GitHub token.
  const rekorClient = createHttpClient(io, { timeout, cache });
  const progress = (text: string) => {
    if (!output.quiet && (io.stderrIsTerminal || output.verbose)) {
      io.stderr(`cargo-attest: ${text}\n`);
    }
  };

  const wanted = listOption(parsed, "asset");
  // Offline, a release whose own documents are not cached is one skipped subject per asset
  // asked for (or one for the whole release): nothing is known about it.
  const releaseNotInCache = (error: OfflineMissError) =>
    emitPolicyReport(io, output, {
      loaded,
      roots,
      subjects: (wanted.length ? wanted : ["*"]).map((name) => ({
        subject: { kind: "release-asset", repo: `${owner}/${repo}`, tag, name, sha256: "" },
        checks: [notInCache(error)],
      })),
      strict,
      requireRekor,
    });

  progress(`reading release ${owner}/${repo}@${tag}`);
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
        `release ${owner}/${repo}@${tag} has no asset '${name}'`,
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
      `release ${owner}/${repo}@${tag} has no assets to verify` +
        (names.length ? ` (only evidence files: ${names.join(", ")})` : ""),
    );
  }

  const plan = evaluatePolicy(loaded.policy, { kind: "release", repo: `${owner}/${repo}` }, [], {
    strict,
    requireRekor,
    now: io.now(),
  });
  const context = {
    owner,
    repo,
    tag,
    tagCommit,
    roots,
    requireTlog: requireRekor || plan.rekorRequired,
  };
  const rules = buildSignerRules({
    cli: cliSigner,
    policy: plan.signers,
    subject: {
      repo: `${owner}/${repo}`,
      ref: { ref: `refs/tags/${tag}`, commit: tagCommit },
      source: `the release ${owner}/${repo}@${tag}`,
    },
    host: githubWebHost(endpoints.githubApi),
  });
  const checkContext = {
    ...context,
    signerRules: rules,
    bundleMemo: cache.cache ? cacheBundleMemo(cache.cache) : undefined,
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
  const reports: { subject: SubjectDescription; checks: CheckResult[] }[] = [];
  for (const [i, asset] of subjects.entries()) {
    progress(`[${i + 1}/${subjects.length}] ${asset.name} (${asset.size} bytes)`);
    const subject = (sha256: string): SubjectDescription => ({
      kind: "release-asset",
      repo: `${owner}/${repo}`,
      tag,
      name: asset.name,
      sha256,
    });
    let evidence;
    try {
      evidence = await gatherAssetEvidence(asset, { ...signatureSources, releaseChecksums });
    } catch (error) {
      if (!(error instanceof OfflineMissError)) throw error;
      reports.push({ subject: subject(asset.sha256 ?? ""), checks: [notInCache(error)] });
      continue;
    }
    const checks = await checkReleaseAsset(
      evidence,
      { sha256: decodeHex(evidence.sha256) },
      checkContext,
    );
    reports.push({
      subject: subject(evidence.sha256),
      checks,
    });
  }
  return emitPolicyReport(io, output, {
    loaded,
    roots,
    subjects: reports,
    strict,
    requireRekor,
    clients: [client, rekorClient],
  });
}
