/**
 * Deciding verdicts: from one subject's checks, and from several subjects' verdicts.
 * Only TRUSTED maps to exit 0, and TRUSTED needs a load-bearing pass and nothing missing or wrong.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";

/** The four verdicts. */
export type Verdict = "TRUSTED" | "UNVERIFIED" | "MISMATCH" | "ERROR";

/** Exit code of each verdict. */
export const EXIT_CODES: Readonly<Record<Verdict, number>> = {
  TRUSTED: 0,
  UNVERIFIED: 1,
  MISMATCH: 2,
  ERROR: 3,
};

const SEVERITY: Readonly<Record<Verdict, number>> = {
  TRUSTED: 0,
  UNVERIFIED: 1,
  MISMATCH: 2,
  ERROR: 3,
};

/**
 * A subject's verdict: any `error` → ERROR; any `fail` → MISMATCH; with `strict` any `skip` →
 * MISMATCH; a `skip` of a required check → UNVERIFIED; no load-bearing pass → UNVERIFIED;
 * else TRUSTED.
 */
export function decideSubjectVerdict(checks: readonly CheckResult[], strict = false): Verdict {
  if (checks.some((c) => c.status === "error")) return "ERROR";
  if (checks.some((c) => c.status === "fail")) return "MISMATCH";
  if (strict && checks.some((c) => c.status === "skip")) return "MISMATCH";
  if (checks.some((c) => c.status === "skip" && c.required !== false)) return "UNVERIFIED";
  if (!checks.some((c) => c.status === "pass" && c.loadBearing)) return "UNVERIFIED";
  return "TRUSTED";
}

/** The overall verdict: the worst of the subjects' (no subjects at all → UNVERIFIED). */
export function decideOverallVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.length === 0) return "UNVERIFIED";
  return verdicts.reduce((worst, v) => SEVERITY[v] > SEVERITY[worst] ? v : worst, "TRUSTED");
}

/** Applies `--strict`: every skip becomes a fail that says it was missing. */
export function applyStrict(checks: readonly CheckResult[]): CheckResult[] {
  return checks.map((c) =>
    c.status === "skip"
      ? { ...c, status: "fail", message: `${c.message} (missing evidence fails under --strict)` }
      : c
  );
}
