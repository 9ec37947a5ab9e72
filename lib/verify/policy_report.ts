/**
 * From checked subjects to the report: the policy applied to each subject (required checks,
 * exceptions, strictness), evidence a cache answered marked so, and the report built.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { evaluatePolicy, type PolicyDecision } from "../policy/evaluate.ts";
import { decideAssurance, meetsAssurance } from "../verdict/assurance.ts";
import { decideSubjectVerdict } from "../verdict/decide.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { LockChange } from "../evidence/lock_diff.ts";
import {
  buildReport,
  describeReportRoot,
  type Diagnostic,
  isVerifiedChange,
  type Report,
  type SubjectDescription,
} from "../verdict/report.ts";
import { VERSION } from "../version.ts";
import type { LoadedPolicy } from "./policy_file.ts";

/** One subject's description and checks, before the policy is applied. */
export interface CheckedSubject {
  /** What was verified. */
  readonly subject: SubjectDescription;
  /** Its checks, as the checks stage produced them. */
  readonly checks: readonly CheckResult[];
  /** Under `lock --base`: how it changed (unchanged and removed subjects have no checks). */
  readonly change?: LockChange;
}

/** What {@link buildPolicyReport} needs. */
export interface PolicyReportInput {
  /** The policy the run used. */
  readonly loaded: LoadedPolicy;
  /** The trusted roots the run used (for the report's `roots`). */
  readonly roots: readonly TrustedRoot[];
  /** Every subject with its checks. */
  readonly subjects: readonly CheckedSubject[];
  /** `--strict`: every missing piece of evidence fails. */
  readonly strict: boolean;
  /** `--require-rekor`: a bundle without log evidence fails. */
  readonly requireRekor: boolean;
  /** When the run happened (the policy's exception expiries are judged against it). */
  readonly now: Date;
  /** Whether a URL's answer came from the cache (marks evidence `cached`). */
  readonly servedFromCache?: (url: string) => boolean;
  /** Notes about the run (lock-file warnings), reported beside the policy's diagnostics. */
  readonly diagnostics?: readonly Diagnostic[];
  /** Nothing needed verifying, by the run's own account (see `ReportInput`). */
  readonly nothingToVerifyIsTrusted?: boolean;
}

/** Applies the policy to every subject (the flags only tighten it) and builds the report. */
export function buildPolicyReport(input: PolicyReportInput): Report {
  const cached = input.servedFromCache ?? (() => false);
  const subjects = input.subjects.map((s) => {
    if (!isVerifiedChange(s)) return { subject: s.subject, checks: [], change: s.change };
    const decision = evaluatePolicy(
      input.loaded.policy,
      s.subject,
      markCached(s.checks, cached),
      { strict: input.strict, requireRekor: input.requireRekor, now: input.now },
    );
    return {
      subject: s.subject,
      checks: withMinimumAssurance(decision),
      ...(s.change ? { change: s.change } : {}),
    };
  });
  return buildReport({
    version: VERSION,
    now: input.now,
    policy: input.loaded.report,
    roots: input.roots.map(describeReportRoot),
    subjects,
    // evaluatePolicy has applied strictness (file and flag) already, exceptions included.
    strict: false,
    ...(input.nothingToVerifyIsTrusted ? { nothingToVerifyIsTrusted: true } : {}),
    diagnostics: [
      ...input.loaded.diagnostics.map((d) => ({
        level: d.level,
        code: d.code,
        message: `${d.file}:${d.line}:${d.col}: ${d.message}`,
      })),
      ...(input.diagnostics ?? []),
    ],
  });
}

/**
 * `min_assurance`: a subject that would be TRUSTED on less than the policy's minimum gets a
 * required skip saying what it rests on and what the rule asks (UNVERIFIED, never TRUSTED).
 */
function withMinimumAssurance(decision: PolicyDecision): CheckResult[] {
  const min = decision.minAssurance;
  if (!min) return decision.checks;
  const verdict = decideSubjectVerdict(decision.checks, false);
  const levels = decideAssurance(decision.checks, verdict);
  if (verdict !== "TRUSTED" || meetsAssurance(levels, min.value)) return decision.checks;
  return [...decision.checks, {
    id: "policy",
    status: "skip",
    code: "policy-assurance-below-minimum",
    message: `rests on ${levels.join(", ") || "nothing"}, but ${min.ref.file}:${min.ref.line} ` +
      `(${min.ref.rule}) asks for min_assurance = "${min.value}"`,
    expected: min.value,
    actual: levels.join(", ") || "(none)",
    policyRef: { file: min.ref.file, line: min.ref.line },
    loadBearing: false,
    required: true,
  }];
}

function markCached(
  checks: readonly CheckResult[],
  cached: (url: string) => boolean,
): CheckResult[] {
  return checks.map((c) =>
    c.origin?.url !== undefined && c.origin.cached === undefined && cached(c.origin.url)
      ? { ...c, origin: { ...c.origin, cached: true } }
      : c
  );
}

/** Whether any of the run's HTTP clients answered `url` from the cache. */
export function servedFromCacheBy(clients: readonly unknown[]): (url: string) => boolean {
  return (url) =>
    clients.some((c) =>
      (c as { servedFromCache?(url: string): boolean } | undefined)?.servedFromCache?.(url) === true
    );
}
