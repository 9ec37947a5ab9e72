/**
 * Builds the report of a verifying command, writes it (text or JSON) and returns the exit code.
 * @module
 */
import { renderJsonReport } from "../render/json.ts";
import { renderTextReport } from "../render/text.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { applyStrict } from "../verdict/decide.ts";
import { buildReport, type Diagnostic, type ReportInput } from "../verdict/report.ts";
import { VERSION } from "./help.ts";
import type { CliIo } from "./io.ts";
import type { OutputSettings } from "./output_options.ts";

/** Decides, renders and writes the report; returns its exit code. */
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
    roots: input.roots.map((r) => ({ name: r.name, sha256: r.sha256 })),
    subjects: input.strict
      ? input.subjects.map((s) => ({ subject: s.subject, checks: applyStrict(s.checks) }))
      : input.subjects,
    diagnostics: input.diagnostics,
  });
  if (output.json) io.stdout(renderJsonReport(report));
  else if (!output.quiet || report.exitCode !== 0) {
    io.stdout(renderTextReport(report, { color: output.color, verbose: output.verbose }));
  }
  return report.exitCode;
}
