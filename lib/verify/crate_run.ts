/**
 * The verification of crates for `verifyCrates` and `verifyLock` (`crates.ts`): each crate's
 * evidence gathered (crates.io, GitHub, the cache), checked, its attestations verified, each update
 * compared with the version it replaces, and the report built. Loaded by `crates.ts` once there is
 * a crate to verify.
 * @module
 */
import { createHash } from "node:crypto";
import type { CheckResult } from "../checks/check_result.ts";
import { checkCrate } from "../checks/crate_subject.ts";
import { splitWorkflowRef } from "../checks/identity.ts";
import { runRefCandidates, runWorkflowPath } from "../checks/publishing_run.ts";
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
import { CrateMemoStore } from "../sources/crate_memo.ts";
import { checkDowngrade, type EvidenceProfile } from "../checks/downgrade.ts";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import { CrateNotFoundError } from "../sources/crates_io.ts";
import { GithubRefBatcher } from "../sources/github_refs.ts";
import { GithubPrefetch } from "../sources/github_prefetch.ts";
import { githubWebHost } from "../sources/endpoints.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Diagnostic, Report, SubjectDescription } from "../verdict/report.ts";
import { mapWithConcurrency } from "./concurrency.ts";
import { lockMemoKey, recallLockRun, rememberLockRun } from "./lock_memo.ts";
import { memoryGovernor } from "./memory.ts";
import { buildPolicyReport, servedFromCacheBy } from "./policy_report.ts";
import { TreeShelf } from "../sources/tree_shelf.ts";
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
  const clients = [options.crates, options.github];
  const report = (
    subjects: readonly { subject: SubjectDescription; checks: CheckResult[] }[],
    roots: TrustedRoot[],
    diagnostics: readonly Diagnostic[] = notes,
  ) =>
    buildPolicyReport({
      loaded: options.policy,
      roots,
      // Results come back in input order: each subject keeps its target's change.
      subjects: subjects.map((s, i) => {
        const change = targets[i].change;
        return change ? { ...s, change } : s;
      }),
      strict: options.strict ?? false,
      requireRekor: options.requireRekor ?? false,
      now: now(),
      servedFromCache: servedFromCacheBy(clients),
      diagnostics,
      ...(run.nothingToVerifyIsTrusted ? { nothingToVerifyIsTrusted: true } : {}),
    });
  // The same lock, run again while everything its checks rest on is unchanged in the cache.
  const memoKey = options.cache ? await lockMemoKey(targets, options, now()) : undefined;
  if (memoKey && options.cache) {
    const recalled = await recallLockRun(options.cache, memoKey, clients);
    if (recalled?.length === targets.length) {
      targets.forEach((target, i) => options.onProgress?.(i + 1, targets.length, target));
      return report(recalled, [], [...notes, {
        level: "note",
        code: "checks-recalled",
        message:
          `the checks of all ${targets.length} crate${
            targets.length === 1 ? "" : "s"
          } were recalled from an earlier run of the same lock and options: every cached answer ` +
          "they rest on is unchanged and within the cache TTL (CARGO_ATTEST_CACHE_TTL=0 asks again)",
      }]);
    }
    options.cache.startLedger();
  }
  const attestations = crateAttestationChecker(options, host);
  const publisherRules = publisherRulesOf(options, host);
  const endpoints = options.endpoints;
  // Through GitHub's GraphQL API, many crates' tags at once; then each owner's attestations.
  const refs = options.github && host === "github.com"
    ? new GithubRefBatcher(options.github, endpoints.githubApi, options.cache)
    : undefined;
  const prefetch = refs && options.github
    ? new GithubPrefetch(
      { client: options.crates, api: endpoints.cratesApi },
      { client: options.github, api: endpoints.githubApi },
      refs,
      options.cache,
    )
    : undefined;
  const sources: CrateSources = {
    crates: options.crates,
    cratesApi: endpoints.cratesApi,
    cratesDl: endpoints.cratesDl,
    cratesIndex: endpoints.cratesIndex,
    github: options.github ? { client: options.github, api: endpoints.githubApi } : undefined,
    githubUnavailable: options.github ? undefined : options.githubUnavailable ??
      "GitHub is not consulted without GH_TOKEN or GITHUB_TOKEN (its rate limit is too low)",
    tagCache: new Map(),
    wholeTrees: new TreeShelf(),
    ...(refs ? { refs } : {}),
    ...(prefetch ? { prefetch } : {}),
    treeCache: new Map(),
    historyCache: new Map(),
    memo: options.cache ? new CrateMemoStore(options.cache, MAX_CRATE_DOWNLOAD_BYTES) : undefined,
    extracts: options.cache,
  };
  const jobs = options.concurrency ?? DEFAULT_CRATE_JOBS;
  const memory = memoryGovernor();
  /**
   * One crate version's evidence and checks: the `.crate` against the index, API and lock, its
   * commit, its files, its publisher, its attestations. `signers` collects the workflows of the
   * attestations that verified and whose signer matched.
   */
  const examine = async (
    name: string,
    version: string,
    lock: CrateTarget["lock"],
    signers: string[],
    compared: boolean,
  ): Promise<{ evidence: CrateEvidence; checks: CheckResult[]; spared: boolean }> => {
    const subject: SubjectDescription = { kind: "crate", name, version };
    const rules = publisherRules(subject);
    // A version compared with another also has its publishing run read: its workflow file is
    // compared (crates.io's record names none); with no signer named it changes no check.
    const evidence = await gatherCrateEvidence(name, version, sources, lock, {
      publishingRun: namesSigner(rules) || compared,
    });
    if (evidence.archive || evidence.tree || evidence.bytes) memory.noteLargeReads();
    const checks = await checkCrate(evidence, rules);
    const spared = await rememberCrate(sources, evidence, checks);
    checks.push(...await attestations.check(evidence, subject, signers));
    return { evidence, checks, spared };
  };
  /**
   * An updated crate against the version it replaces: crates.io's records of both, and what each
   * `.crate` showed (the old one is verified as the new one is).
   */
  const downgradeOf = async (
    target: CrateTarget,
    from: string,
    after: { evidence: CrateEvidence; checks: readonly CheckResult[]; signers: string[] },
    subject: SubjectDescription,
  ): Promise<CheckResult> => {
    const plan = evaluatePolicy(options.policy.policy, subject, [], { now: now() });
    const strict = plan.noDowngrade?.value ? plan.noDowngrade.ref : undefined;
    const signersBefore: string[] = [];
    let old: { evidence: CrateEvidence; checks: CheckResult[] };
    try {
      old = await examine(target.name, from, undefined, signersBefore, true);
    } catch (error) {
      // Gone from crates.io, or not in the cache offline: nothing to compare with (said, and
      // required under no_downgrade). Anything else that cut the reading short (the run's budget,
      // GitHub's limit, a failing server) is the update's ERROR, as it would be for the new
      // version: never "nothing to compare", which would let the crate be TRUSTED on the half
      // it has.
      const gone = error instanceof CrateNotFoundError || error instanceof OfflineMissError;
      if (!gone) {
        if (error instanceof AttestError) return downgradeCut(target.name, from, error);
        throw error;
      }
      return downgradeUnknown(target.name, from, error.message, strict);
    }
    const before = old.evidence.api;
    releaseCrateEvidence(old.evidence);
    if (!before || !after.evidence.api) {
      return downgradeUnknown(target.name, from, "crates.io's API record is missing", strict);
    }
    return checkDowngrade({
      crate: target.name,
      before,
      after: after.evidence.api,
      evidence: {
        before: evidenceProfile(old.evidence, old.checks, signersBefore),
        after: evidenceProfile(after.evidence, after.checks, after.signers),
      },
      ...(strict ? { noDowngrade: { file: strict.file, line: strict.line } } : {}),
    });
  };
  const verifiable = targets.filter((t) =>
    !t.unverifiable && t.change?.kind !== "unchanged" && t.change?.kind !== "removed"
  );
  if (options.github && options.beforeGithub && verifiable.length > 0) {
    await options.beforeGithub(verifiable.length);
  }
  prefetch?.start(verifiable);
  // The `.crate`s a full verification of the same lock would read (and hash) again: a recall
  // checks their bytes too, not only that their records are there (see `rememberCrate`).
  const reread: string[] = [];
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
        const signers: string[] = [];
        const compared = target.change?.kind === "updated" || options.history === true;
        const { evidence, checks, spared } = await examine(
          target.name,
          target.version,
          target.lock,
          signers,
          compared,
        );
        if (!spared) reread.push(evidence.sha256);
        if (target.lock && target.lock.checksum === undefined) checks.push(lockPinsNothing(target));
        if (target.lock && (evidence.name !== target.name || evidence.version !== target.version)) {
          checks.push(lockNamesAnotherCrate(target, evidence));
        }
        const after = { evidence, checks: [...checks], signers };
        if (target.change?.kind === "updated" && evidence.api) {
          checks.push(await downgradeOf(target, target.change.from, after, subject));
        } else if (options.history && evidence.api) {
          checks.push(
            evidence.previousVersion
              ? await downgradeOf(target, evidence.previousVersion, after, subject)
              : firstVersion(target),
          );
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
      memory.relieve();
      options.onProgress?.(finished, targets.length, target);
    },
  );
  // Nothing the prefetch asked is left going after the run.
  await prefetch?.settled();
  if (memoKey && options.cache) {
    await rememberLockRun(
      options.cache,
      memoKey,
      subjects,
      clients,
      attestations.roots().length > 0,
      refs?.unanswered === true,
      reread,
    );
  }
  return report(subjects, attestations.roots());
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
    async check(
      evidence: CrateEvidence,
      subject: SubjectDescription,
      signers?: string[],
    ): Promise<CheckResult[]> {
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
        judge: (verified) => {
          const judged = judgeSigner(verified.identity!, rules);
          if (judged.status === "pass") signers?.push(signerWorkflow(verified.identity!));
          return judged;
        },
      });
    },
  };
}

/**
 * The workflow that signed: the build signer URI (else the SAN) without its `@ref`; when the run
 * started from another workflow (Fulcio's build config URI: the workflow that called a reusable
 * one, which is then the signer), that one too, so another caller is another signer.
 */
function signerWorkflow(identity: CertificateIdentity): string {
  const uri = identity.extensions.buildSignerURI ?? identity.san[0]?.value ?? "(unknown)";
  const signer = splitWorkflowRef(uri)?.path ?? uri;
  const config = identity.extensions.buildConfigURI;
  const caller = config === undefined ? undefined : splitWorkflowRef(config)?.path ?? config;
  return caller !== undefined && caller !== signer ? `${signer} (called from ${caller})` : signer;
}

/** What a version's verification showed, for {@link checkDowngrade}. */
function evidenceProfile(
  evidence: CrateEvidence,
  checks: readonly CheckResult[],
  signers: readonly string[],
): EvidenceProfile {
  const vcsInfo = evidence.vcs.vcsInfo;
  const publishing = evidence.publishingRun;
  const runPath = publishing?.run?.path;
  const refs = publishing?.run ? runRefCandidates(publishing.run, publishing.headTag) : [];
  return {
    ...(runPath ? { publishingWorkflow: runWorkflowPath(runPath).file } : {}),
    ...(publishing?.run ? { publishingRefs: refs } : {}),
    attestationSigners: [...new Set(signers)],
    ...(!evidence.attestations || evidence.attestations.unavailable
      ? { attestationsUnknown: true }
      : {}),
    ...(vcsInfo ? { vcsInfo: { dirty: vcsInfo.dirty } } : {}),
    sourceMatch: checks.some((c) =>
      c.id === "crate-source" && c.status === "pass" && c.loadBearing
    ),
  };
}

/** `--history` of a crate's first published version: nothing before it to compare with. */
function firstVersion(target: CrateTarget): CheckResult {
  return {
    id: "downgrade",
    status: "skip",
    code: "downgrade-first-version",
    message: `${target.name}@${target.version} is the first version the index lists: nothing ` +
      "published before it to compare with",
    loadBearing: false,
    required: false,
  };
}

/**
 * The version replaced could not be verified (gone from crates.io, offline, a network failure):
 * nothing compared. Optional, unless the policy says `no_downgrade`: then the crate is not TRUSTED
 * on an update that could not be compared.
 */
/**
 * The `downgrade` of a crate whose replaced version could not be read because the run's GitHub
 * budget was spent, GitHub's rate limit hit or a server failed: an error, as every subject the
 * run could not ask about (exit 3).
 */
function downgradeCut(
  name: string,
  from: string,
  error: AttestError,
): CheckResult {
  return {
    id: "downgrade",
    status: "error",
    code: error.code,
    message: `${name}@${from} (the version compared with) could not be read: ${error.message}` +
      (error.hint ? ` (${error.hint})` : ""),
    loadBearing: false,
  };
}

function downgradeUnknown(
  name: string,
  from: string,
  why: string,
  noDowngrade: { readonly file: string; readonly line: number } | undefined,
): CheckResult {
  return {
    id: "downgrade",
    status: "skip",
    code: "downgrade-unknown",
    message:
      `${name}@${from} (the version compared with) could not be read (${why}), so nothing was ` +
      "compared" +
      (noDowngrade ? ` (no_downgrade at ${noDowngrade.file}:${noDowngrade.line})` : ""),
    loadBearing: false,
    required: noDowngrade !== undefined,
    ...(noDowngrade ? { policyRef: noDowngrade } : {}),
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
