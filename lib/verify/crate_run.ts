/**
 * The verification of crates for `verifyCrates` and `verifyLock` (`crates.ts`): each crate's
 * evidence gathered (crates.io, GitHub, the cache), checked, its attestations verified, and the
 * report built. Loaded by `crates.ts` once there is a crate to verify.
 * @module
 */
import { createHash } from "node:crypto";
import type { CheckResult } from "../checks/check_result.ts";
import { checkCrate } from "../checks/crate_subject.ts";
import {
  buildSignerRules,
  judgeSigner,
  namesSigner,
  type SignerRules,
  type SubjectBinding,
} from "../checks/signer_rules.ts";
import type { ArtifactInput } from "../checks/sigstore_bundle.ts";
import { decodeHex } from "../crypto/bytes.ts";
import type { LockChange } from "../evidence/lock_diff.ts";
import { AttestError } from "../errors.ts";
import { DEFAULT_CRATE_JOBS, MAX_CRATE_DOWNLOAD_BYTES } from "../limits.ts";
import { evaluatePolicy } from "../policy/evaluate.ts";
import { cacheBundleMemo } from "./bundle_memo.ts";
import { OfflineMissError } from "../sources/cached_http.ts";
import {
  type CrateEvidence,
  type CrateSources,
  gatherCrateEvidence,
  releaseCrateEvidence,
  rememberCrate,
} from "../sources/crate_evidence.ts";
import { TreeShelf } from "../sources/tree_shelf.ts";
import { CrateMemoStore } from "../sources/crate_memo.ts";
import { CrateNotFoundError, fetchCrateVersion } from "../sources/crates_io.ts";
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import { checkDowngrade } from "../checks/downgrade.ts";
import { githubWebHost } from "../sources/endpoints.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Diagnostic, Report, SubjectDescription } from "../verdict/report.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { memoryGovernor } from "./memory.ts";
import { buildPolicyReport, servedFromCacheBy } from "./policy_report.ts";
import type { CrateTarget, VerifyCratesOptions } from "./crates.ts";

/**
 * A lock package with no checksum (none written, v1 `"<none>"`, or every checksum discarded as
 * cargo discards them): cargo checks the `.crate` it downloads against nothing the lock says, and
 * builds whatever its source (a mirror, a `replace-with` source) serves. The crates.io crate may
 * be verified, but the lock does not pin it: a required skip, so never TRUSTED.
 */
function lockPinsNothing(target: CrateTarget): CheckResult {
  return {
    id: "crate-checksum",
    status: "skip",
    code: "crate-checksum-not-in-lock",
    message: `${target.lock?.file ?? "the lock file"} records no checksum for ` +
      `${target.name}@${target.version}: cargo checks the .crate it downloads against none, so ` +
      "the lock does not pin the crate verified here (regenerate it with cargo)",
    loadBearing: false,
  };
}

/**
 * A lock entry whose name or version is not crates.io's own (crates.io finds `Serde` or a version
 * with other build metadata loosely; cargo's package ids are exact): cargo never uses this entry
 * for the crate it builds, so what the entry pins pins nothing. A MISMATCH.
 */
function lockNamesAnotherCrate(target: CrateTarget, evidence: CrateEvidence): CheckResult {
  return {
    id: "crate-checksum",
    status: "fail",
    code: "crate-lock-identity-mismatch",
    message: `${target.lock?.file ?? "the lock file"} names ${target.name}@${target.version}, ` +
      `but crates.io's crate is ${evidence.name}@${evidence.version}: cargo does not use this ` +
      "entry for it (package names and versions are exact), so the lock does not pin it",
    expected: `${evidence.name}@${evidence.version}`,
    actual: `${target.name}@${target.version}`,
    loadBearing: false,
  };
}

/**
 * Verifies `targets` (unchanged and removed ones are listed, not verified) and builds the report
 * with `notes`.
 */
export async function verifyTargets(
  targets: readonly CrateTarget[],
  options: VerifyCratesOptions,
  notes: readonly Diagnostic[],
  run: { readonly nothingToVerifyIsTrusted?: boolean } = {},
): Promise<Report> {
  const now = options.now ?? (() => new Date());
  const host = githubWebHost(options.endpoints.githubApi);
  const attestations = crateAttestationChecker(options, host);
  const publisherRules = publisherRulesOf(options, host);
  const endpoints = options.endpoints;
  const sources: CrateSources = {
    crates: options.crates,
    cratesApi: endpoints.cratesApi,
    cratesDl: endpoints.cratesDl,
    cratesIndex: endpoints.cratesIndex,
    github: options.github ? { client: options.github, api: endpoints.githubApi } : undefined,
    githubUnavailable: options.github ? undefined : options.githubUnavailable ??
      "GitHub is not consulted without GH_TOKEN or GITHUB_TOKEN (its rate limit is too low)",
    tagCache: new Map(),
    treeCache: new Map(),
    wholeTrees: new TreeShelf(),
    historyCache: new Map(),
    memo: options.cache ? new CrateMemoStore(options.cache, MAX_CRATE_DOWNLOAD_BYTES) : undefined,
    extracts: options.cache,
  };
  const jobs = options.concurrency ?? DEFAULT_CRATE_JOBS;
  /** An updated crate against the version it replaces, by crates.io's records of both. */
  const downgradeOf = async (
    target: CrateTarget,
    from: string,
    after: CrateVersionInfo,
    subject: SubjectDescription,
  ): Promise<CheckResult> => {
    let before: CrateVersionInfo;
    try {
      before = await fetchCrateVersion(options.crates, endpoints.cratesApi, target.name, from);
    } catch (error) {
      if (!(error instanceof CrateNotFoundError) && !(error instanceof OfflineMissError)) {
        throw error;
      }
      return {
        id: "downgrade",
        status: "skip",
        code: "downgrade-unknown",
        message: `crates.io's record of ${target.name}@${from} (the version replaced) could not ` +
          `be read (${error.message}), so nothing was compared`,
        loadBearing: false,
        required: false,
      };
    }
    const plan = evaluatePolicy(options.policy.policy, subject, [], { now: now() });
    const strict = plan.noDowngrade?.value ? plan.noDowngrade.ref : undefined;
    return checkDowngrade({
      crate: target.name,
      before,
      after,
      ...(strict ? { noDowngrade: { file: strict.file, line: strict.line } } : {}),
    });
  };
  const relieveMemory = memoryGovernor();
  const subjects = await mapWithConcurrency(
    targets,
    jobs,
    async (
      target,
    ): Promise<{ subject: SubjectDescription; checks: CheckResult[]; change?: LockChange }> => {
      const subject: SubjectDescription = {
        kind: "crate",
        name: target.name,
        version: target.version,
      };
      const change = target.change ? { change: target.change } : {};
      // Unchanged and removed crates are listed, not verified: nothing is asked about them.
      if (target.change?.kind === "unchanged" || target.change?.kind === "removed") {
        return { subject, checks: [], ...change };
      }
      if (target.unverifiable) {
        return {
          subject,
          checks: [{
            id: "crate-checksum",
            status: "skip",
            code: target.unverifiable.code,
            message: target.unverifiable.message,
            loadBearing: false,
          }],
        };
      }
      try {
        const rules = publisherRules(subject);
        const evidence = await gatherCrateEvidence(
          target.name,
          target.version,
          sources,
          target.lock,
          { publishingRun: namesSigner(rules) },
        );
        const checks = await checkCrate(evidence, rules);
        await rememberCrate(sources, evidence, checks);
        checks.push(...await attestations.check(evidence, subject));
        if (target.lock && target.lock.checksum === undefined) checks.push(lockPinsNothing(target));
        if (target.lock && (evidence.name !== target.name || evidence.version !== target.version)) {
          checks.push(lockNamesAnotherCrate(target, evidence));
        }
        if (target.change?.kind === "updated" && evidence.api) {
          checks.push(await downgradeOf(target, target.change.from, evidence.api, subject));
        }
        releaseCrateEvidence(evidence);
        return { subject: { ...subject, sha256: evidence.sha256 }, checks };
      } catch (error) {
        if (error instanceof OfflineMissError) {
          return {
            subject,
            checks: [{
              id: "crate-checksum",
              status: "skip",
              code: "not-in-cache",
              message: error.message,
              origin: { url: error.url },
              loadBearing: false,
            }],
          };
        }
        if (!(error instanceof AttestError)) throw error;
        return {
          subject,
          checks: [{
            id: "crate-checksum",
            status: "error",
            code: error.code,
            message: error.message + (error.hint ? ` (${error.hint})` : ""),
            loadBearing: false,
          }],
        };
      }
    },
    (target, _index, finished) => {
      relieveMemory();
      options.onProgress?.(finished, targets.length, target);
    },
  );
  return buildPolicyReport({
    loaded: options.policy,
    roots: attestations.roots(),
    // Results come back in input order: each subject keeps its target's change.
    subjects: subjects.map((s, i) => {
      const change = targets[i].change;
      return change ? { ...s, change } : s;
    }),
    strict: options.strict ?? false,
    requireRekor: options.requireRekor ?? false,
    now: now(),
    servedFromCache: servedFromCacheBy([sources.crates, sources.github?.client]),
    diagnostics: notes,
    ...(run.nothingToVerifyIsTrusted ? { nothingToVerifyIsTrusted: true } : {}),
  });
}

/**
 * The signer rules named for a crate (the command line's, and the policy's signers for it),
 * which a trusted publisher's workflow run must satisfy as a certificate would. No subject
 * binding: the trusted-publishing check binds the record's repository and commit itself.
 */
function publisherRulesOf(
  options: VerifyCratesOptions,
  host: string,
): (subject: SubjectDescription) => SignerRules {
  const now = options.now ?? (() => new Date());
  return (subject) =>
    buildSignerRules({
      cli: options.signer,
      policy: evaluatePolicy(options.policy.policy, subject, [], { now: now() }).signers,
      host,
    });
}

/**
 * Checks a crate's GitHub artifact attestations (those its repository published for the
 * `.crate`'s digest) as `release` checks a release's: the bundle, the subject digest, the log,
 * and the signer, which must be a workflow of the crate's repository unless `--repo`,
 * `--signer-workflow`, … or the policy's signers for the crate say otherwise. The trusted roots
 * are loaded the first time a crate has an attestation.
 */
function crateAttestationChecker(
  options: VerifyCratesOptions,
  host: string,
) {
  let roots: Promise<TrustedRoot[]> | undefined;
  let loadedRoots: TrustedRoot[] = [];
  const cliSigner = options.signer;
  const requireRekor = options.requireRekor ?? false;
  const memo = options.cache ? cacheBundleMemo(options.cache) : undefined;
  const now = options.now ?? (() => new Date());
  return {
    /** The roots used so far (for the report). */
    roots: (): TrustedRoot[] => loadedRoots,
    async check(evidence: CrateEvidence, subject: SubjectDescription): Promise<CheckResult[]> {
      const found = evidence.attestations;
      if (!found) return [];
      const origin = { url: found.url };
      if (found.unavailable) {
        return [{
          id: "attestation",
          status: "skip",
          code: found.unavailable.code,
          message: found.unavailable.message,
          origin,
          loadBearing: false,
          required: false,
        }];
      }
      if (found.bundles.length === 0) {
        return [{
          id: "attestation",
          status: "skip",
          code: "attestation-not-published",
          message: `no GitHub artifact attestation for sha256:${evidence.sha256} in ${
            evidence.repository ?? "the repository"
          }`,
          origin,
          loadBearing: false,
          required: false,
        }];
      }
      roots ??= options.roots().then((r) => (loadedRoots = r));
      const plan = evaluatePolicy(options.policy.policy, subject, [], {
        strict: false,
        requireRekor,
        now: now(),
      });
      const rules = buildSignerRules({
        cli: cliSigner,
        policy: plan.signers,
        subject: crateBinding(evidence),
        host,
      });
      // Loaded with the Sigstore stack, the first time a crate has an attestation.
      const { checkBundleEvidence } = await import("../checks/release_checks.ts");
      return await checkBundleEvidence(found.bundles, crateArtifact(evidence), {
        roots: await roots,
        requireTlog: requireRekor || plan.rekorRequired,
        bundleMemo: memo,
        judge: (verified) => judgeSigner(verified.identity!, rules),
      });
    },
  };
}

/**
 * What a crate's attestation must have been built from: the crate's repository and, when the
 * crate records it, the commit it was packaged from (or the version's tag naming that commit).
 * A crate whose repository is unknown has no binding: only a signer someone named counts.
 */
function crateBinding(evidence: CrateEvidence): SubjectBinding | undefined {
  const repo = evidence.repository;
  if (!repo) return undefined;
  const commit = evidence.vcs.vcsInfo?.sha1;
  const tag = evidence.vcs.tag;
  const ref = commit
    ? {
      commit,
      ...(tag && tag.commit.toLowerCase() === commit.toLowerCase()
        ? { ref: `refs/tags/${tag.name}` }
        : {}),
    }
    : undefined;
  return {
    repo,
    ...(ref ? { ref } : {}),
    source: `the crate ${evidence.name}@${evidence.version}'s repository ${repo}` +
      (commit ? ` at its recorded commit` : ""),
  };
}

/** The `.crate` as the bundle verifier reads an artifact (its bytes, when they were read). */
function crateArtifact(evidence: CrateEvidence): ArtifactInput {
  const bytes = evidence.bytes;
  const base = { sha256: decodeHex(evidence.sha256), size: evidence.size };
  if (!bytes) return base;
  return {
    ...base,
    digest: (algorithm) =>
      Promise.resolve(new Uint8Array(createHash(algorithm).update(bytes).digest())),
    readAll: () => Promise.resolve(bytes),
  };
}
