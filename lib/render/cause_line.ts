/**
 * The one line a run that is not TRUSTED writes on stderr, whatever the report's format, so a CI
 * log whose report goes to a file still shows the cause:
 * `cargo-attest: MISMATCH: serde@1.0.0: crate-checksum-mismatch: the downloaded … (and 2 more)`.
 * Every value in it may come from evidence or a server, so it is escaped for a terminal.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { Report, SubjectDescription, SubjectReport } from "../verdict/report.ts";
import { escapeForTerminal } from "./escape.ts";
import { splitChanges } from "./changes.ts";

/** Longest cause (after escaping) before it is cut with `…`. */
const MAX_CAUSE_CHARS = 400;

/** How a subject is named in the line. */
function subjectLabel(subject: SubjectDescription): string {
  switch (subject.kind) {
    case "crate":
      return `${subject.name}@${subject.version}`;
    case "release-asset":
      return `${subject.repo}@${subject.tag}: ${subject.name}`;
    case "local-file":
      return subject.path;
  }
}

/** The check that makes a subject's verdict what it is. */
function decisiveCheck(s: SubjectReport): CheckResult | undefined {
  switch (s.verdict) {
    case "ERROR":
      return s.checks.find((c) => c.status === "error");
    case "MISMATCH":
      return s.checks.find((c) => c.status === "fail") ?? s.checks.find((c) => c.status === "skip");
    case "UNVERIFIED":
      return s.checks.find((c) => c.status === "skip" && c.required !== false);
    case "TRUSTED":
      return undefined;
  }
}

function cut(text: string): string {
  return text.length <= MAX_CAUSE_CHARS ? text : `${text.slice(0, MAX_CAUSE_CHARS - 1)}…`;
}

/**
 * The cause line of a report (ending in a newline), or undefined when it is TRUSTED: the worst
 * subject, the check that decided it (its code and message), and how many other subjects are
 * not TRUSTED either.
 */
export function renderCauseLine(full: Report): string | undefined {
  // Unchanged and removed crates of a pull request are not verified: never a cause.
  const report = splitChanges(full).view;
  if (report.verdict === "TRUSTED") return undefined;
  const worst = report.subjects.find((s) => s.verdict === report.verdict);
  let cause: string;
  if (!worst) {
    const diagnostic = report.diagnostics.find((d) => d.level === "error") ??
      (report.subjects.length === 0 ? report.diagnostics[0] : undefined);
    cause = diagnostic
      ? `${diagnostic.code}: ${diagnostic.message}`
      : report.subjects.length === 0
      ? "nothing was verified"
      : "no subject decided the verdict";
  } else {
    const check = decisiveCheck(worst);
    const why = check
      ? `${check.code}: ${check.message}`
      : "no check gave proof (nothing load-bearing passed)";
    cause = `${subjectLabel(worst.subject)}: ${why}`;
  }
  const others = report.subjects.filter((s) => s !== worst && s.verdict !== "TRUSTED").length;
  const more = others > 0 ? ` (and ${others} more)` : "";
  return `cargo-attest: ${report.verdict}: ${cut(escapeForTerminal(cause))}${more}\n`;
}
