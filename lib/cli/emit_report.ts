/**
 * Builds the report of a verifying command, writes it (text, JSON, Markdown or SARIF) and
 * returns the exit code.
 * @module
 */
import { renderCauseLine } from "../render/cause_line.ts";
import { escapeForTerminal } from "../render/escape.ts";
import { renderJsonReport } from "../render/json.ts";
import { renderMarkdownReport } from "../render/markdown.ts";
import { locatePackagesInLock, renderSarifReport, type SarifOptions } from "../render/sarif.ts";
import { renderTextReport } from "../render/text.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { applyStrict } from "../verdict/decide.ts";
import {
  buildReport,
  describeReportRoot,
  type Diagnostic,
  type Report,
  type ReportInput,
} from "../verdict/report.ts";
import { VERSION } from "../version.ts";
import type { CliIo } from "./io.ts";
import type { OutputSettings } from "./output_options.ts";

/** Largest lock file read again to find its packages' lines for SARIF locations. */
const MAX_LOCK_LINES_BYTES = 16 * 1024 * 1024;

/**
 * Renders a report in the chosen format. Text honours `--quiet` (nothing when TRUSTED) and
 * `--color`; JSON, Markdown and SARIF are always printed whole.
 */
export function renderReportAs(
  report: Report,
  output: OutputSettings,
  sarif: SarifOptions = {},
): string {
  switch (output.format) {
    case "json":
      return renderJsonReport(report);
    case "markdown":
      return renderMarkdownReport(report);
    case "sarif":
      return renderSarifReport(report, sarif);
    case "text":
      // In text, the run's notes go to stderr with the other warnings (see writeDiagnostics).
      return output.quiet && report.exitCode === 0
        ? ""
        : renderTextReport({ ...report, diagnostics: [] }, {
          color: output.color,
          verbose: output.verbose,
        });
  }
}

/**
 * The SARIF options of `lock`: the lock file and its packages' lines. The file was read moments
 * ago; if it cannot be read again its results still point at it, without a line.
 */
function sarifOptionsOf(output: OutputSettings): SarifOptions {
  if (output.format !== "sarif" || output.lockFile === undefined) return {};
  try {
    if (Deno.statSync(output.lockFile).size > MAX_LOCK_LINES_BYTES) {
      return { lockFile: output.lockFile };
    }
    const text = Deno.readTextFileSync(output.lockFile);
    return { lockFile: output.lockFile, lockLines: locatePackagesInLock(text) };
  } catch {
    return { lockFile: output.lockFile };
  }
}

/**
 * Decides, renders and writes the report (stdout), and for a verdict other than TRUSTED the one
 * cause line (stderr, see `renderCauseLine`); returns the exit code.
 */
export function emitReport(
  io: CliIo,
  output: OutputSettings,
  input: {
    readonly roots: readonly TrustedRoot[];
    readonly subjects: ReportInput["subjects"];
    readonly strict: boolean;
    readonly diagnostics?: readonly Diagnostic[];
    readonly policy?: { path: string | null; sha256: string | null; builtin: boolean };
  },
): number {
  const report = buildReport({
    version: VERSION,
    now: io.now(),
    policy: input.policy ?? { path: null, sha256: null, builtin: true },
    roots: input.roots.map(describeReportRoot),
    subjects: input.strict
      ? input.subjects.map((s) => ({ subject: s.subject, checks: applyStrict(s.checks) }))
      : input.subjects,
    diagnostics: input.diagnostics,
  });
  return writeReport(io, output, report);
}

/**
 * Writes a built report (stdout) in the chosen format, and for a verdict other than TRUSTED the
 * one cause line (stderr); returns the report's exit code.
 */
export function writeReport(io: CliIo, output: OutputSettings, report: Report): number {
  // The policy's own diagnostics were shown (with their snippet) when it was loaded.
  writeDiagnostics(io, output, report.diagnostics.filter((d) => !d.code.startsWith("policy-")));
  const text = renderReportAs(report, output, sarifOptionsOf(output));
  if (text !== "") io.stdout(text);
  // Whatever the format (and with --quiet): a run that is not TRUSTED says why on stderr in one
  // line, so a CI log whose report went to a file still shows the cause.
  const cause = renderCauseLine(report);
  if (cause !== undefined) io.stderr(cause);
  return report.exitCode;
}

/**
 * A text report's notes (lock-file warnings, notes about the run) on stderr, as
 * `cargo-attest: warning[CODE]: …`, beside the run's other warnings; JSON, Markdown and SARIF
 * carry them in the document instead. Nothing with `--quiet` but errors.
 */
export function writeDiagnostics(
  io: CliIo,
  output: OutputSettings,
  diagnostics: readonly Diagnostic[],
): void {
  if (output.format !== "text") return;
  for (const d of diagnostics) {
    if (output.quiet && d.level !== "error") continue;
    io.stderr(`cargo-attest: ${d.level}[${d.code}]: ${escapeForTerminal(d.message)}\n`);
  }
}
