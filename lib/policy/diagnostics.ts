/**
 * Policy diagnostics: a stable code, a message, the place in the file (line, column, length) and
 * the source line, rendered as a rustc/codespan-style snippet:
 *
 * ```text
 * error[policy-unknown-key]: unknown key "requre" in [defaults]
 *   --> attest.toml:12:1
 *    |
 * 12 | requre = ["checksum"]
 *    | ^^^^^^
 *    = help: did you mean "require"?
 * ```
 * @module
 */
import { editDistance, suggestClosest } from "../text/suggest.ts";

export { editDistance, suggestClosest };

/** One problem (or warning) in a policy file. */
export interface PolicyDiagnostic {
  /** `error` makes the policy invalid; `warning` is reported and the policy still loads. */
  readonly level: "error" | "warning";
  /** Stable kebab-case code (`policy-…`). */
  readonly code: string;
  /** What is wrong, for a person. */
  readonly message: string;
  /** The file as shown (`attest.toml`). */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in code points. */
  readonly col: number;
  /** How many characters the caret underlines (at least one is drawn). */
  readonly length: number;
  /**
   * The text of the line (without its line break); empty when the file has no such line. A line
   * longer than {@link MAX_SOURCE_LINE_CHARS} is cut to a window around the span, with a `…`
   * at each cut end, and {@link sourceCol} says where the window starts.
   */
  readonly sourceLine: string;
  /** When `sourceLine` is a window of a longer line: the column of its first character. */
  readonly sourceCol?: number;
  /** What to do about it, when that is clear (`did you mean "require"?`). */
  readonly help?: string;
}

/** Rendering options. */
export interface DiagnosticRenderOptions {
  /** ANSI colours (only when writing to a terminal and NO_COLOR is unset). */
  readonly color: boolean;
}

/**
 * Longest source line (in code points) a diagnostic carries whole. Longer ones are cut to a
 * window around the span: a file with thousands of diagnostics on one long line would otherwise
 * repeat that line in each of them (and in the rendering, and in `--json`).
 */
export const MAX_SOURCE_LINE_CHARS = 240;

/** Code points kept before the span when a long line is cut. */
const WINDOW_CONTEXT_CHARS = 60;

/**
 * `sourceLine` (and `sourceCol` when it is cut) for a span at `col` of the line whose code
 * points are `chars`: the whole line, or a window of {@link MAX_SOURCE_LINE_CHARS} around the
 * span with a `…` at each cut end.
 */
export function sourceWindow(
  chars: readonly string[],
  col: number,
): { sourceLine: string; sourceCol?: number } {
  if (chars.length <= MAX_SOURCE_LINE_CHARS) return { sourceLine: chars.join("") };
  const width = MAX_SOURCE_LINE_CHARS - 2;
  const start = Math.max(0, Math.min(col - 1 - WINDOW_CONTEXT_CHARS, chars.length - width));
  const end = Math.min(chars.length, start + width);
  const head = start > 0 ? "…" : "";
  const tail = end < chars.length ? "…" : "";
  return {
    sourceLine: head + chars.slice(start, end).join("") + tail,
    // The `…` stands in the column of the last character cut before the window.
    sourceCol: head ? start : 1,
  };
}

/**
 * A finder of `sourceLine` (and `sourceCol`) for diagnostics at (`line`, `col`) of a file split
 * into `lines`: long lines are cut by {@link sourceWindow}, each split into code points once
 * however many diagnostics it has (so thousands of them on one line cost no more than one).
 */
export function sourceLines(
  lines: readonly string[],
): (line: number, col: number) => { sourceLine: string; sourceCol?: number } {
  const split = new Map<number, string[]>();
  return (line, col) => {
    const text = lines[line - 1] ?? "";
    if (text.length <= MAX_SOURCE_LINE_CHARS) return { sourceLine: text };
    let chars = split.get(line);
    if (chars === undefined) {
      chars = [...text];
      split.set(line, chars);
    }
    return sourceWindow(chars, col);
  };
}

const STYLE = {
  error: "\x1b[1;31m",
  warning: "\x1b[1;33m",
  bold: "\x1b[1m",
  gutter: "\x1b[1;34m",
  reset: "\x1b[0m",
};

/** Renders one diagnostic as a snippet (ends with a newline). */
export function renderDiagnostic(d: PolicyDiagnostic, options: DiagnosticRenderOptions): string {
  const paint = (style: string, text: string) =>
    options.color ? `${style}${text}${STYLE.reset}` : text;
  const number = String(d.line);
  const pad = " ".repeat(number.length);
  const bar = paint(STYLE.gutter, `${pad} |`);
  const lines = [
    paint(STYLE[d.level], `${d.level}[${d.code}]`) + paint(STYLE.bold, `: ${d.message}`),
    `${pad}${paint(STYLE.gutter, "-->")} ${d.file}:${d.line}:${d.col}`,
  ];
  if (d.sourceLine !== "" || d.length > 0) {
    const chars = [...d.sourceLine];
    const at = d.col - (d.sourceCol ?? 1);
    // Keep tabs in the padding so the caret lines up with the source line however tabs render.
    const indent = chars.slice(0, Math.max(0, at)).map((c) => (c === "\t" ? "\t" : " ")).join("");
    const carets = "^".repeat(Math.max(1, Math.min(d.length, Math.max(1, chars.length - at))));
    lines.push(bar);
    lines.push(
      `${paint(STYLE.gutter, `${number} |`)}${d.sourceLine === "" ? "" : " "}${d.sourceLine}`,
    );
    lines.push(`${bar} ${indent}${paint(STYLE[d.level], carets)}`);
  }
  if (d.help) {
    lines.push(`${pad} ${paint(STYLE.gutter, "=")} ${paint(STYLE.bold, "help")}: ${d.help}`);
  }
  return lines.join("\n") + "\n";
}

/** Renders diagnostics in file order, separated by blank lines, then a count line. */
export function renderDiagnostics(
  diagnostics: readonly PolicyDiagnostic[],
  options: DiagnosticRenderOptions,
): string {
  if (diagnostics.length === 0) return "";
  const blocks = diagnostics.map((d) => renderDiagnostic(d, options));
  return blocks.join("\n") + "\n" + renderDiagnosticCount(diagnostics, options);
}

/** `attest.toml: 2 errors, 1 warning` (ends with a newline; empty when there are none). */
export function renderDiagnosticCount(
  diagnostics: readonly PolicyDiagnostic[],
  options: DiagnosticRenderOptions,
): string {
  if (diagnostics.length === 0) return "";
  const errors = diagnostics.filter((d) => d.level === "error").length;
  const warnings = diagnostics.length - errors;
  const parts: string[] = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  const style = errors ? STYLE.error : STYLE.warning;
  const text = `${diagnostics[0].file}: ${parts.join(", ")}`;
  return (options.color ? `${style}${text}${STYLE.reset}` : text) + "\n";
}

/** Orders diagnostics by place in the file (then code), dropping exact duplicates. */
export function sortDiagnostics(diagnostics: readonly PolicyDiagnostic[]): PolicyDiagnostic[] {
  const seen = new Set<string>();
  const unique = diagnostics.filter((d) => {
    const key = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) =>
    a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
}

/**
 * Every code a policy diagnostic can carry, with what it means (for `lib/codes.ts` and
 * docs/codes.md). Warnings are marked; everything else is an error that stops the run (exit 3).
 */
export const POLICY_DIAGNOSTIC_CODES: Readonly<Record<string, string>> = {
  "policy-syntax": "the policy file is not valid TOML (the first syntax error is shown)",
  "policy-unknown-key":
    "a key that is not allowed at that place (a typo must never weaken a policy)",
  "policy-type": "a value of the wrong type (a string where a list of check ids belongs, …)",
  "policy-missing-key": "a key that must be there is missing (version; an exception's allow)",
  "policy-invalid-value":
    "a value outside what the key accepts (rekor, runner_environment, issuer, san, source_ref, …)",
  "policy-unknown-check": "a check id in require or allow that does not exist",
  "policy-inapplicable-check":
    "a repo rule, crate rule or exception names a check its subjects can never have",
  "policy-invalid-glob": "a signer's ref glob that is malformed or can never match a ref",
  "policy-signer-unbound": "a signer that names neither a workflow nor a san",
  "policy-duplicate":
    "the same rule, exception, signer (warning) or check id (warning) is written twice",
  "policy-exception-reason": "an exception without a reason, or with an empty one",
  "policy-expired-exception": "an exception whose expires date has passed",
  "policy-exception-expiring": "(warning) an exception expires within 14 days",
  "policy-invalid-crate": "a crate name or exact version that is not well-formed",
  "policy-invalid-repo": "a repository that is not OWNER/REPO",
  "policy-invalid-workflow": "a signer workflow that is not OWNER/REPO/.github/workflows/FILE",
  "policy-invalid-date": "an expires value that is not a calendar date (YYYY-MM-DD)",
  "policy-exception-target": "an exception that names no crate or repo, or both",
  "policy-unmatched-rule":
    "(warning) a rule or exception that matches no subject of the run (a crate not in Cargo.lock)",
};
