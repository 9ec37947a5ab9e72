/**
 * The human rendering of a report: one block per subject, one line per check (✓ pass, ✗ fail,
 * – skip, ! error) with expected vs actual under failures, then the verdict and what it means.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { Verdict } from "../verdict/decide.ts";
import { escapeReportForTerminal } from "./escape.ts";
import { changeLabel, describeChanges, splitChanges } from "./changes.ts";
import { ASSURANCE_LEVELS } from "../verdict/assurance.ts";
import type { Report, SubjectDescription, SubjectReport } from "../verdict/report.ts";
import { verdictMeaning } from "./verdict_meaning.ts";

/** Rendering options. */
export interface TextOptions {
  /** Paint marks and verdicts with ANSI colours. */
  readonly color: boolean;
  /** Show every check's details and evidence origin, and TRUSTED subjects in a long list. */
  readonly verbose?: boolean;
}

/** Above this many subjects the text report shows a summary and hides TRUSTED subjects. */
const SUMMARY_THRESHOLD = 5;

const MARKS: Record<CheckResult["status"], string> = {
  pass: "✓",
  fail: "✗",
  skip: "–",
  error: "!",
};
const COLORS: Record<CheckResult["status"], string> = {
  pass: "\x1b[32m",
  fail: "\x1b[31m",
  skip: "\x1b[33m",
  error: "\x1b[31m",
};
const VERDICT_COLORS: Record<Verdict, string> = {
  TRUSTED: "\x1b[1;32m",
  UNVERIFIED: "\x1b[1;33m",
  MISMATCH: "\x1b[1;31m",
  ERROR: "\x1b[1;31m",
};

function describeSubject(s: SubjectDescription, label = ""): string {
  switch (s.kind) {
    case "local-file":
      return `${s.path}  (sha256 ${s.sha256})`;
    case "release-asset":
      return `${s.repo}@${s.tag}: ${s.name}  (sha256 ${s.sha256})`;
    case "crate":
      return `${s.name}@${s.version}${label}${s.sha256 ? `  (sha256 ${s.sha256})` : ""}`;
  }
}

/** Most rows of the summary table (the rest are counted). */
const MAX_SUMMARY_ROWS = 50;

/** The short name of a subject, for the summary table. */
function subjectName(s: SubjectDescription): string {
  switch (s.kind) {
    case "local-file":
      return s.path;
    case "release-asset":
      return `${s.repo}@${s.tag}: ${s.name}`;
    case "crate":
      return `${s.name}@${s.version}`;
  }
}

/**
 * The summary table of a long report: one row per subject that is not TRUSTED, worst first,
 * with the checks that made it so (failed, in error, or required but skipped).
 */
function attentionTable(
  subjects: readonly SubjectReport[],
  rank: Record<Verdict, number>,
  paint: (code: string, text: string) => string,
): string[] {
  const rows = subjects.filter((s) => s.verdict !== "TRUSTED")
    .sort((a, b) => rank[a.verdict] - rank[b.verdict]);
  if (rows.length === 0) return [];
  const names = rows.slice(0, MAX_SUMMARY_ROWS).map((s) => subjectName(s.subject));
  const width = Math.max(...names.map((n) => n.length));
  const lines = rows.slice(0, MAX_SUMMARY_ROWS).map((s, i) => {
    const culprits = [
      ...new Set(
        s.checks.filter((c) =>
          c.status === "fail" || c.status === "error" ||
          (c.status === "skip" && c.required !== false)
        ).map((c) => c.id),
      ),
    ];
    const why = culprits.length > 0 ? culprits.join(", ") : "no load-bearing check passed";
    const verdict = paint(VERDICT_COLORS[s.verdict], s.verdict.padEnd(10));
    return `  ${verdict}  ${names[i].padEnd(width)}  ${why}`;
  });
  if (rows.length > MAX_SUMMARY_ROWS) {
    lines.push(`  … and ${rows.length - MAX_SUMMARY_ROWS} more (see above, or --json)`);
  }
  return lines;
}

/** Renders the report as text for a terminal or a CI log. */
export function renderTextReport(untrusted: Report, options: TextOptions): string {
  // Every string may come from evidence or a server: shown, never acted on by the terminal.
  const all = escapeReportForTerminal(untrusted);
  // Under `lock --base`: the changed crates are the subjects; the rest are named in one place.
  const { view: report, changes } = splitChanges(all);
  const paint = (code: string, text: string) => (options.color ? `${code}${text}\x1b[0m` : text);
  const lines: string[] = [];
  if (changes) {
    lines.push(`changes: ${describeChanges(changes)}`);
    if (changes.removed.length > 0) {
      lines.push(
        `removed (not verified): ${
          changes.removed.map((s) => describeSubject(s.subject)).join(", ")
        }`,
      );
    }
    lines.push("");
  }
  // Many subjects (a lock file): the ones that need attention first, TRUSTED ones only with
  // --verbose, then a summary.
  const many = report.subjects.length > SUMMARY_THRESHOLD;
  const rank: Record<Verdict, number> = { ERROR: 0, MISMATCH: 1, UNVERIFIED: 2, TRUSTED: 3 };
  const shown = many
    ? report.subjects.filter((s) => options.verbose || s.verdict !== "TRUSTED")
      .sort((a, b) => rank[a.verdict] - rank[b.verdict])
    : report.subjects;
  for (const subject of shown) {
    lines.push(describeSubject(subject.subject, changeLabel(subject)));
    const width = Math.max(...subject.checks.map((c) => c.id.length), 8);
    for (const check of subject.checks) {
      const mark = paint(COLORS[check.status], MARKS[check.status]);
      lines.push(`  ${mark} ${check.id.padEnd(width)}  ${check.message}`);
      if (check.status === "fail" || check.status === "error" || options.verbose) {
        if (check.expected !== undefined) lines.push(`      expected: ${check.expected}`);
        if (check.actual !== undefined) lines.push(`      found:    ${check.actual}`);
        lines.push(`      code:     ${check.code}`);
      }
      if (options.verbose && check.origin) {
        const where = check.origin.url ?? check.origin.path;
        if (where) lines.push(`      from:     ${where}${check.origin.cached ? " (cached)" : ""}`);
      }
      if (check.policyRef) {
        lines.push(`      rule:     ${check.policyRef.file}:${check.policyRef.line}`);
      }
    }
    // The subject's verdict, with what a TRUSTED rests on (`→ TRUSTED (provenance, source)`).
    const levels = subject.assurance.length > 0 ? ` (${subject.assurance.join(", ")})` : "";
    if (report.subjects.length > 1 || levels) lines.push(`  → ${subject.verdict}${levels}`);
    lines.push("");
  }
  if (many) {
    const hidden = report.subjects.length - shown.length;
    if (hidden > 0) lines.push(`(${hidden} TRUSTED subjects not shown; --verbose shows them)`);
    const counts = (["TRUSTED", "UNVERIFIED", "MISMATCH", "ERROR"] as const).map((v) =>
      `${report.subjects.filter((s) => s.verdict === v).length} ${paint(VERDICT_COLORS[v], v)}`
    );
    lines.push(`summary: ${report.subjects.length} subjects: ${counts.join(", ")}`);
    const levels = ASSURANCE_LEVELS.map((l) =>
      `${report.subjects.filter((s) => s.assurance.includes(l)).length} ${l}`
    );
    lines.push(`assurance of the TRUSTED ones: ${levels.join(", ")}`);
    lines.push(...attentionTable(report.subjects, rank, paint));
  }
  for (const d of report.diagnostics) lines.push(`${d.level}[${d.code}]: ${d.message}`);
  const verdict = paint(VERDICT_COLORS[report.verdict], report.verdict);
  lines.push(`verdict: ${verdict} (exit ${report.exitCode}): ${verdictMeaning(report)}`);
  return lines.join("\n") + "\n";
}
