/**
 * Assurance levels: what a subject's TRUSTED rests on, from weakest to strongest. A subject can
 * hold several; one that is not TRUSTED holds none (nothing rests on anything).
 *
 * - `integrity`: the bytes match a digest the publishing side published (release notes, sidecars,
 *   SUMS files, the crates.io index and API, GitHub's release record). An intact download, not
 *   where it came from.
 * - `provenance`: a signature by an identity bound to the source repository (an attestation or
 *   bundle whose signer passed every signer rule and the subject's binding), or crates.io's
 *   trusted-publishing record agreeing with the crate's repository and commit.
 * - `source`: the published files match the repository tree at a commit the repository owns
 *   (`crate-source`, load-bearing only when `crate-vcs` bound the commit).
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { Verdict } from "./decide.ts";

/** One level of assurance. */
export type AssuranceLevel = "integrity" | "provenance" | "source";

/** The levels, weakest first. */
export const ASSURANCE_LEVELS: readonly AssuranceLevel[] = ["integrity", "provenance", "source"];

function passes(checks: readonly CheckResult[], ids: readonly string[], loadBearing = true) {
  return checks.some((c) =>
    ids.includes(c.id) && c.status === "pass" && (!loadBearing || c.loadBearing)
  );
}

/** The levels a subject's checks establish (weakest first); none unless it is TRUSTED. */
export function decideAssurance(
  checks: readonly CheckResult[],
  verdict: Verdict,
): AssuranceLevel[] {
  if (verdict !== "TRUSTED") return [];
  const levels: AssuranceLevel[] = [];
  if (passes(checks, ["checksum", "crate-checksum", "release-attestation"])) {
    levels.push("integrity");
  }
  if (
    passes(checks, ["attestation", "cosign"]) ||
    passes(checks, ["trusted-publishing"], false)
  ) {
    levels.push("provenance");
  }
  if (passes(checks, ["crate-source"])) levels.push("source");
  return levels;
}

/** Whether `levels` reach `minimum` (hold it or a stronger level). */
export function meetsAssurance(
  levels: readonly AssuranceLevel[],
  minimum: AssuranceLevel,
): boolean {
  const floor = ASSURANCE_LEVELS.indexOf(minimum);
  return levels.some((l) => ASSURANCE_LEVELS.indexOf(l) >= floor);
}
