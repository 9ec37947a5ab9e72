/**
 * The Markdown rendering of a report, for a GitHub job summary (`$GITHUB_STEP_SUMMARY`) or a pull
 * request comment: a heading and a verdict line (a plain status word, no emoji), then a table of
 * checks per subject — or, above five subjects, a table of counts and a table of the subjects that
 * are not TRUSTED with the checks that made them so.
 *
 * Every value that comes from evidence (messages, names, URLs) is escaped: it cannot end a table
 * cell, add emphasis, links, images, HTML, mentions, issue references, emoji or math.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { Verdict } from "../verdict/decide.ts";
import { escapeReportForTerminal } from "./escape.ts";
import { changeLabel, describeChanges, splitChanges } from "./changes.ts";
import { ASSURANCE_LEVELS } from "../verdict/assurance.ts";
import type { Report, SubjectDescription, SubjectReport } from "../verdict/report.ts";
import { verdictMeaning } from "./verdict_meaning.ts";

/** Above this many subjects the report shows counts and only the subjects that are not TRUSTED. */
const SUMMARY_THRESHOLD = 5;

/** Most rows of the table of subjects that are not TRUSTED (a job summary is capped at 1 MiB). */
const MAX_ROWS = 500;

/** Longest message shown in a cell; the JSON report has the whole of it. */
const MAX_CELL_CHARS = 600;

const VERDICTS: readonly Verdict[] = ["TRUSTED", "UNVERIFIED", "MISMATCH", "ERROR"];
const RANK: Readonly<Record<Verdict, number>> = {
  ERROR: 0,
  MISMATCH: 1,
  UNVERIFIED: 2,
  TRUSTED: 3,
};

/** Characters that mean something to GitHub Flavored Markdown inside a table cell. */
const SPECIAL = /[\\`*_{}[\]<>#+!|~&$:@]/g;

/**
 * Escapes text for a table cell or a list item: every character GitHub Markdown gives a meaning
 * is backslash-escaped (so `https://` is not autolinked, `@user` is no mention, `#1` no issue
 * link, `:x:` no emoji), and line breaks become spaces. Long text is cut with an ellipsis.
 */
export function escapeMarkdownText(text: string, max = MAX_CELL_CHARS): string {
  const flat = text.replace(/\r\n|\r|\n/g, " ");
  const cut = flat.length > max ? `${flat.slice(0, max)}…` : flat;
  return cut.replace(SPECIAL, (c) => `\\${c}`);
}

/**
 * A code span for a value (a digest, a path, a code) that is safe in a table cell: its fence is
 * longer than any run of backticks in it, and `|` is escaped. A value with a backslash before a
 * `|` (which a table would split on) is escaped as text instead.
 */
export function markdownCode(value: string): string {
  const flat = value.replace(/\r\n|\r|\n/g, " ");
  if (/\\\|/.test(flat)) return escapeMarkdownText(flat);
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = flat.startsWith("`") || flat.endsWith("`") || flat === "" ? " " : "";
  return `${fence}${pad}${flat.replace(/\|/g, "\\|")}${pad}${fence}`;
}

/**
 * A link to an evidence URL: only `http:` and `https:` URLs become links (anything else is shown
 * as code); the text is the host and path, escaped; the destination has `(`, `)`, `|`, `'`
 * percent-encoded so it cannot end the link or the cell.
 */
export function markdownLink(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return markdownCode(url);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return markdownCode(url);
  const label = `${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  const destination = parsed.href.replace(
    /[()|'\\]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
  return `[${escapeMarkdownText(label, 80)}](${destination})`;
}

/** A short, code-formatted name of a subject. */
function subjectName(s: SubjectDescription): string {
  switch (s.kind) {
    case "local-file":
      return markdownCode(s.path);
    case "release-asset":
      return `${markdownCode(s.name)} from ${markdownCode(`${s.repo}@${s.tag}`)}`;
    case "crate":
      return markdownCode(`${s.name}@${s.version}`);
  }
}

function statusWord(check: CheckResult): string {
  switch (check.status) {
    case "pass":
      return "pass";
    case "fail":
      return "**fail**";
    case "error":
      return "**error**";
    case "skip":
      return check.required === false ? "skip (optional)" : "skip";
  }
}

function resultCell(check: CheckResult): string {
  return `${escapeMarkdownText(check.message)}<br>${markdownCode(check.code)}`;
}

function expectedFoundCell(check: CheckResult): string {
  const parts: string[] = [];
  if (check.expected !== undefined) parts.push(`expected ${markdownCode(check.expected)}`);
  if (check.actual !== undefined) parts.push(`found ${markdownCode(check.actual)}`);
  return parts.join("<br>");
}

function ruleCell(check: CheckResult): string {
  return check.policyRef ? markdownCode(`${check.policyRef.file}:${check.policyRef.line}`) : "";
}

function evidenceCell(check: CheckResult): string {
  const origin = check.origin;
  if (!origin) return "";
  const where = origin.url !== undefined
    ? markdownLink(origin.url)
    : origin.path !== undefined
    ? markdownCode(origin.path)
    : "";
  return where && origin.cached ? `${where} (cached)` : where;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** The checks that keep a subject from TRUSTED: failures, errors and the skips that count. */
function blockingChecks(subject: SubjectReport): readonly CheckResult[] {
  return subject.checks.filter((c) =>
    c.status === "fail" || c.status === "error" || (c.status === "skip" && c.required !== false)
  );
}

function renderSubjectTable(subject: SubjectReport): string[] {
  const lines = [
    `### ${subjectName(subject.subject)}${changeLabel(subject)}: ${subject.verdict}${
      subject.assurance.length ? ` (${subject.assurance.join(", ")})` : ""
    }`,
    "",
  ];
  if ("sha256" in subject.subject && subject.subject.sha256) {
    lines.push(`sha256 ${markdownCode(subject.subject.sha256)}`, "");
  }
  if (subject.checks.length === 0) {
    lines.push("No checks ran.", "");
    return lines;
  }
  lines.push(
    row(["check", "status", "result", "expected / found", "policy", "evidence"]),
    row(["---", "---", "---", "---", "---", "---"]),
  );
  for (const check of subject.checks) {
    lines.push(row(checkCells(check)));
  }
  lines.push("");
  return lines;
}

/** The cells of one check's row: id, status, result, expected / found, policy rule, evidence. */
function checkCells(check: CheckResult): string[] {
  return [
    markdownCode(check.id),
    statusWord(check),
    resultCell(check),
    expectedFoundCell(check),
    ruleCell(check),
    evidenceCell(check),
  ];
}

function renderSummary(report: Report): string[] {
  const lines = [
    row(["verdict", "subjects"]),
    row(["---", "---:"]),
    ...VERDICTS.map((v) => row([v, String(report.subjects.filter((s) => s.verdict === v).length)])),
    row(["**total**", `**${report.subjects.length}**`]),
    "",
    `Assurance of the TRUSTED subjects: ${
      ASSURANCE_LEVELS.map((l) =>
        `${report.subjects.filter((s) => s.assurance.includes(l)).length} ${l}`
      ).join(", ")
    }.`,
    "",
  ];
  const attention = report.subjects
    .map((subject, index) => ({ subject, index }))
    .filter(({ subject }) => subject.verdict !== "TRUSTED")
    .sort((a, b) => RANK[a.subject.verdict] - RANK[b.subject.verdict] || a.index - b.index)
    .map(({ subject }) => subject);
  if (attention.length > 0) {
    lines.push(
      `### Not TRUSTED (${attention.length})`,
      "",
      row([
        "subject",
        "verdict",
        "check",
        "status",
        "result",
        "expected / found",
        "policy",
        "evidence",
      ]),
      row(["---", "---", "---", "---", "---", "---", "---", "---"]),
    );
    let rows = 0;
    let omitted = 0;
    for (const subject of attention) {
      const blocking = blockingChecks(subject);
      const cells = blocking.length > 0 ? blocking.map(checkCells) : [[
        "",
        "",
        "no load-bearing proof passed (a published checksum, a verified attestation)",
        "",
        "",
        "",
      ]];
      for (const rest of cells) {
        if (rows >= MAX_ROWS) {
          omitted++;
          continue;
        }
        rows++;
        lines.push(row([subjectName(subject.subject), subject.verdict, ...rest]));
      }
    }
    lines.push("");
    if (omitted > 0) {
      lines.push(
        `${omitted} more rows are not shown; the JSON report (\`--format json\`) has every check.`,
        "",
      );
    }
  }
  const trusted = report.subjects.filter((s) => s.verdict === "TRUSTED");
  if (trusted.length > 0) {
    lines.push(
      `<details><summary>${trusted.length} TRUSTED subject${
        trusted.length === 1 ? "" : "s"
      }</summary>`,
      "",
      trusted.map((s) =>
        `${subjectName(s.subject)}${s.assurance.length ? ` (${s.assurance.join(", ")})` : ""}`
      ).join(", "),
      "",
      "</details>",
      "",
    );
  }
  return lines;
}

/** Renders the report as GitHub Flavored Markdown (a job summary, a pull request comment). */
export function renderMarkdownReport(untrusted: Report): string {
  const { view: report, changes } = splitChanges(escapeReportForTerminal(untrusted));
  const lines: string[] = [
    `## cargo-attest: ${report.verdict}`,
    "",
    `**Verdict: ${report.verdict}** (exit ${report.exitCode}): ${verdictMeaning(report)}.`,
    "",
  ];
  const policy = report.policy.path !== null
    ? `policy ${markdownCode(report.policy.path)}${
      report.policy.sha256 ? ` (sha256 ${markdownCode(report.policy.sha256)})` : ""
    }`
    : "the built-in policy";
  const roots = report.roots.length > 0
    ? `; trusted roots ${report.roots.map((r) => markdownCode(r.name)).join(", ")}`
    : "";
  lines.push(
    `${report.subjects.length} subject${report.subjects.length === 1 ? "" : "s"}, ` +
      `verified under ${policy}${roots}.`,
    "",
  );
  if (changes) {
    lines.push(`**Changes:** ${describeChanges(changes)}.`, "");
    if (changes.removed.length > 0) {
      lines.push(
        `Removed (not verified): ${
          changes.removed.map((s) => markdownCode(subjectName(s.subject))).join(", ")
        }.`,
        "",
      );
    }
  }
  if (report.subjects.length === 0) lines.push("No subjects were verified.", "");
  else if (report.subjects.length > SUMMARY_THRESHOLD) lines.push(...renderSummary(report));
  else for (const subject of report.subjects) lines.push(...renderSubjectTable(subject));
  if (report.diagnostics.length > 0) {
    lines.push("### Notes", "");
    for (const d of report.diagnostics) {
      lines.push(`- ${d.level} ${markdownCode(d.code)}: ${escapeMarkdownText(d.message)}`);
    }
    lines.push("");
  }
  lines.push(
    `<sub>${escapeMarkdownText(`${report.tool.name} ${report.tool.version}`)}, ` +
      `report ${markdownCode(report.schema)} of ${escapeMarkdownText(report.generatedAt)}</sub>`,
  );
  return lines.join("\n") + "\n";
}
