/**
 * The `downgrade` check of a crate a pull request updates: is the new version published at least
 * as trustworthily as the one it replaces? By crates.io's records of both: a trusted publisher
 * before and none now, a trusted publisher of another provider (GitHub, GitLab) or of another
 * repository (or of none recorded), or another repository URL. By the evidence of both `.crate`s,
 * when both were verified: an attestation before and none now, or one signed by another workflow
 * (or called from another); a publishing run of another workflow, or one GitHub does not report,
 * or for a weaker ref (a branch where it was a tag); `.cargo_vcs_info.json` before and none now,
 * or `dirty` now; a crate-source match before and none now. Each is a downgrade. With the
 * policy's `no_downgrade = true` it fails (MISMATCH); without, it is a required skip
 * (UNVERIFIED): shown, never a silent TRUSTED. A pass names what could not be compared.
 * @module
 */
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import type { CheckResult } from "./check_result.ts";

/** What the check compares, and how strict the policy is about it. */
export interface DowngradeInput {
  /** `NAME`. */
  readonly crate: string;
  /** crates.io's record of the version replaced, and of the new one. */
  readonly before: CrateVersionInfo;
  readonly after: CrateVersionInfo;
  /** What each version's `.crate` showed, when both were verified. */
  readonly evidence?: { readonly before: EvidenceProfile; readonly after: EvidenceProfile };
  /** `no_downgrade = true` for this crate, and the line that says so. */
  readonly noDowngrade?: { readonly file: string; readonly line: number };
}

/** What one version's verification showed, as far as a downgrade is concerned. */
export interface EvidenceProfile {
  /**
   * The workflows (signer URI without its `@ref`, with the workflow that called it when the signer
   * is a reusable workflow) of the attestations that verified and matched.
   */
  readonly attestationSigners: readonly string[];
  /**
   * Set when the version's attestations were not looked up (GitHub not asked, no repository, not
   * in the cache): none verified, but whether it has any is not known.
   */
  readonly attestationsUnknown?: boolean;
  /** `.cargo_vcs_info.json`: absent when the crate has none. */
  readonly vcsInfo?: { readonly dirty: boolean };
  /**
   * Whether `crate-source` passed bearing weight: its files are the repository's at the recorded
   * commit, and that commit is the repository's own (a match against a commit `crate-vcs` did not
   * bind, perhaps a fork's, is no match here).
   */
  readonly sourceMatch: boolean;
  /**
   * The workflow file of the trusted-publishing run, when GitHub reported the run; a version
   * compared with one that has it and lacking it is a downgrade (its workflow is not known).
   */
  readonly publishingWorkflow?: string;
  /**
   * The refs the trusted-publishing run may have been for (one when GitHub's record tells, a
   * branch and a tag of the same name when it does not; none when its event does not tell), when
   * GitHub reported the run.
   */
  readonly publishingRefs?: readonly string[];
}

const isTag = (ref: string) => ref.startsWith("refs/tags/");

/**
 * Whether the run of the new version may have been for a ref the old one's could not: a branch
 * where the old run was for a tag, or another branch where it was for one branch, or a ref that
 * cannot be told (another event) where the old one's could. Tags differ from version to version
 * and are not compared; a run whose ref is ambiguous or unknown before is not compared; one
 * ambiguous now counts as the branch it may be.
 */
function weakerRef(before: readonly string[], after: readonly string[]): boolean {
  if (before.length === 0) return false;
  if (after.length === 0) return true;
  if (before.every(isTag)) return !after.every(isTag);
  if (before.length !== 1) return false;
  return after.some((ref) => !isTag(ref) && ref !== before[0]);
}

/** A weakening found between two versions. */
export interface DowngradeFinding {
  readonly code: string;
  readonly message: string;
  readonly expected: string;
  readonly actual: string;
}

/** The weakenings between two versions' evidence profiles. */
export function evidenceDowngrades(
  from: string,
  to: string,
  before: EvidenceProfile,
  after: EvidenceProfile,
): DowngradeFinding[] {
  const found: DowngradeFinding[] = [];
  const signersBefore = before.attestationSigners;
  const signersAfter = after.attestationSigners;
  if (signersBefore.length > 0 && signersAfter.length === 0) {
    found.push({
      code: "downgrade-attestation-dropped",
      message: `${from} has an attestation signed by ${signersBefore[0]}, ${to} none that verifies`,
      expected: `an attestation by ${signersBefore[0]}`,
      actual: "none",
    });
  } else if (
    signersBefore.length > 0 && !signersAfter.some((s) => signersBefore.includes(s))
  ) {
    found.push({
      code: "downgrade-attestation-signer",
      message: `${from} was attested by ${signersBefore.join(", ")}, ${to} by ` +
        signersAfter.join(", "),
      expected: signersBefore.join(", "),
      actual: signersAfter.join(", "),
    });
  }
  if (before.publishingWorkflow && before.publishingWorkflow !== after.publishingWorkflow) {
    // A run GitHub does not report (deleted, never asked, not cached) is no proof of the same one.
    found.push({
      code: "downgrade-trusted-publishing-workflow",
      message: `${from} was published by the run of ${before.publishingWorkflow}, ${to} ` +
        (after.publishingWorkflow
          ? `by ${after.publishingWorkflow}`
          : "by a run whose workflow GitHub does not report"),
      expected: before.publishingWorkflow,
      actual: after.publishingWorkflow ?? "(not known)",
    });
  }
  const refsBefore = before.publishingRefs;
  const refsAfter = after.publishingRefs;
  if (refsBefore && refsAfter && weakerRef(refsBefore, refsAfter)) {
    found.push({
      code: "downgrade-trusted-publishing-ref",
      message: `${from} was published by a run for ${refsBefore.join(" or ")}, ${to} by one ` +
        (refsAfter.length > 0
          ? `for ${refsAfter.join(" or ")}`
          : "whose ref cannot be told (another event)"),
      expected: refsBefore.join(" or "),
      actual: refsAfter.length > 0 ? refsAfter.join(" or ") : "(not known)",
    });
  }
  if (before.vcsInfo && !after.vcsInfo) {
    found.push({
      code: "downgrade-vcs-info-dropped",
      message: `${from} records the commit it was packaged from (.cargo_vcs_info.json), ${to} ` +
        "records none",
      expected: ".cargo_vcs_info.json",
      actual: "none",
    });
  } else if (before.vcsInfo && !before.vcsInfo.dirty && after.vcsInfo?.dirty) {
    found.push({
      code: "downgrade-vcs-dirty",
      message: `${from} was packaged from a clean checkout, ${to} from a DIRTY one`,
      expected: "dirty: false",
      actual: "dirty: true",
    });
  }
  if (before.sourceMatch && !after.sourceMatch) {
    found.push({
      code: "downgrade-source-mismatch",
      message: `${from}'s files are its repository's at the recorded commit, ${to}'s are not ` +
        "shown to be (crate-source did not pass, or matched a commit not shown to be the " +
        "repository's own)",
      expected: "crate-source: pass",
      actual: "crate-source: not passed (bearing weight)",
    });
  }
  return found;
}

/**
 * What the two versions share, in words, for a pass; and what could not be compared (a pass
 * never reads as if evidence no one looked at had been compared).
 */
function compared(input: DowngradeInput): string {
  const held = ["trusted publishing", "repository"];
  const unknown: string[] = [];
  const profiles = input.evidence;
  if (profiles) {
    const { before } = profiles;
    if (before.attestationSigners.length > 0) held.push("attestation signer");
    else if (before.attestationsUnknown) unknown.push("attestations");
    if (before.vcsInfo) held.push(".cargo_vcs_info.json");
    if (before.sourceMatch) held.push("crate-source match");
    if (input.before.trustedPublishing?.provider === "github" && !before.publishingWorkflow) {
      unknown.push("the publishing run's workflow");
    }
  }
  return held.join(", ") +
    (unknown.length > 0
      ? `; not compared: ${
        unknown.join(", ")
      } (not known for ${input.crate}@${input.before.version})`
      : "");
}

function normalizeRepositoryUrl(url: string | undefined): string | undefined {
  return url?.trim().toLowerCase().replace(/\/+$/, "").replace(/\.git$/, "");
}

/** Compares the two versions' records; a pass when nothing got weaker. */
export function checkDowngrade(input: DowngradeInput): CheckResult {
  const { before, after } = input;
  const from = `${input.crate}@${before.version}`;
  const to = `${input.crate}@${after.version}`;
  const found: DowngradeFinding[] = [];
  const tpBefore = before.trustedPublishing;
  const tpAfter = after.trustedPublishing;
  if (tpBefore && !tpAfter) {
    found.push({
      code: "downgrade-trusted-publishing-dropped",
      message: `${from} was published by trusted publishing (${tpBefore.provider} ` +
        `${tpBefore.repository ?? ""}), ${to} with a token`,
      expected: `trusted publishing by ${tpBefore.repository ?? tpBefore.provider}`,
      actual: "a token",
    });
  } else if (tpBefore && tpAfter && tpBefore.provider !== tpAfter.provider) {
    // The same path on another forge is another project (anyone may own the name there).
    found.push({
      code: "downgrade-trusted-publishing-provider",
      message: `${from} was trusted-published from ${tpBefore.provider} ` +
        `${tpBefore.repository ?? ""}, ${to} from ${tpAfter.provider} ${tpAfter.repository ?? ""}`,
      expected: `${tpBefore.provider} ${tpBefore.repository ?? ""}`.trim(),
      actual: `${tpAfter.provider} ${tpAfter.repository ?? ""}`.trim(),
    });
  } else if (
    tpBefore?.repository && tpAfter &&
    tpBefore.repository.toLowerCase() !== tpAfter.repository?.toLowerCase()
  ) {
    found.push({
      code: "downgrade-trusted-publishing-repository",
      message: `${from} was published from ${tpBefore.repository}, ${to} ` +
        (tpAfter.repository ? `from ${tpAfter.repository}` : "records no repository"),
      expected: tpBefore.repository,
      actual: tpAfter.repository ?? "(none)",
    });
  }
  if (tpBefore && tpAfter) {
    for (const field of ["workflow", "environment"] as const) {
      const was = tpBefore[field];
      const now = tpAfter[field];
      if (was !== undefined && was !== now) {
        found.push({
          code: `downgrade-trusted-publishing-${field}`,
          message: `${from} was trusted-published by the ${field} ${was}, ${to} ` +
            (now === undefined ? `records no ${field}` : `by ${now}`),
          expected: was,
          actual: now ?? "(none)",
        });
      }
    }
  }
  const repoBefore = normalizeRepositoryUrl(before.repository);
  const repoAfter = normalizeRepositoryUrl(after.repository);
  if (repoBefore && repoBefore !== repoAfter) {
    found.push({
      code: "downgrade-repository-changed",
      message: `${from} names the repository ${before.repository}, ${to} ` +
        (after.repository ? `names ${after.repository}` : "names none"),
      expected: before.repository!,
      actual: after.repository ?? "(none)",
    });
  }
  if (input.evidence) {
    found.push(...evidenceDowngrades(from, to, input.evidence.before, input.evidence.after));
  }
  const base = { id: "downgrade" as const, loadBearing: false };
  const profiles = input.evidence;
  if (
    found.length === 0 && input.noDowngrade && profiles?.before.attestationsUnknown &&
    !profiles.after.attestationsUnknown
  ) {
    // The new version's attestations were read and the old one's could not be: whether one was
    // dropped cannot be told, and the policy asks that nothing got weaker.
    return {
      ...base,
      status: "skip",
      code: "downgrade-unknown",
      message: `the attestations of ${from} could not be read, so whether ${to} dropped one ` +
        `cannot be told (no_downgrade at ${input.noDowngrade.file}:${input.noDowngrade.line})`,
      required: true,
      policyRef: input.noDowngrade,
    };
  }
  if (found.length === 0) {
    return {
      ...base,
      status: "pass",
      code: "downgrade-none",
      message: `${to} is published at least as ${from} was (${compared(input)})`,
    };
  }
  const first = found[0];
  const all = found.map((f) => f.message).join("; ");
  return input.noDowngrade
    ? {
      ...base,
      status: "fail",
      code: first.code,
      message: `${all} (no_downgrade at ${input.noDowngrade.file}:${input.noDowngrade.line})`,
      expected: first.expected,
      actual: first.actual,
      policyRef: input.noDowngrade,
    }
    : {
      ...base,
      status: "skip",
      code: first.code,
      message: `${all}: a downgrade, so ${to} is not TRUSTED (set no_downgrade = true to make ` +
        "it a MISMATCH, or add an exception)",
      expected: first.expected,
      actual: first.actual,
      required: true,
    };
}
