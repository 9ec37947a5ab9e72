/**
 * What a report's verdict means, in words: the end of the verdict line in the text and Markdown
 * renderings.
 * @module
 */
import type { Verdict } from "../verdict/decide.ts";
import { isVerifiedChange, type Report } from "../verdict/report.ts";

const MEANING: Readonly<Record<Verdict, string>> = {
  TRUSTED: "a load-bearing proof matched and nothing failed",
  UNVERIFIED: "nothing failed, but evidence was missing",
  MISMATCH: "evidence was present and did not match",
  ERROR: "the run could not complete",
};

/**
 * The meaning of `report`'s verdict. A TRUSTED run that verified no subject (a lock of only the
 * workspace's path packages, or `lock --base` with no crate changed) says that nothing needed
 * verifying, not that a proof matched.
 */
export function verdictMeaning(report: Pick<Report, "verdict" | "subjects">): string {
  if (report.verdict === "TRUSTED" && !report.subjects.some(isVerifiedChange)) {
    return "nothing needed verifying (the notes say why)";
  }
  return MEANING[report.verdict];
}
