/**
 * Reports of a pull request (`lock --base`): the crates it added or updated are the report's
 * subjects as usual; unchanged and removed ones are listed by name, never as subjects to act on.
 * @module
 */
import { isVerifiedChange, type Report, type SubjectReport } from "../verdict/report.ts";

/** The changes of a report made against a base lock, for a summary that reads like a review. */
export interface ReportChanges {
  readonly added: readonly SubjectReport[];
  readonly updated: readonly SubjectReport[];
  readonly removed: readonly SubjectReport[];
  readonly unchanged: number;
}

/** The report without its unchanged and removed subjects, and the changes when it has any. */
export function splitChanges(report: Report): { view: Report; changes?: ReportChanges } {
  if (!report.subjects.some((s) => s.change)) return { view: report };
  const kind = (k: string) => report.subjects.filter((s) => s.change?.kind === k);
  return {
    view: { ...report, subjects: report.subjects.filter(isVerifiedChange) },
    changes: {
      added: kind("added"),
      updated: kind("updated"),
      removed: kind("removed"),
      unchanged: kind("unchanged").length,
    },
  };
}

/** `3 added, 5 updated, 1 removed, 612 unchanged`. */
export function describeChanges(changes: ReportChanges): string {
  return `${changes.added.length} added, ${changes.updated.length} updated, ` +
    `${changes.removed.length} removed, ${changes.unchanged} unchanged`;
}

/** How one subject changed, for its heading: `(added)`, `(updated from 1.0.0)`. */
export function changeLabel(subject: SubjectReport): string {
  const change = subject.change;
  if (!change) return "";
  return change.kind === "updated" ? ` (updated from ${change.from})` : ` (${change.kind})`;
}
