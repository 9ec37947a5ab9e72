/**
 * The versioned report (`cargo-attest/report/v1`): what `--json` prints and the text renderer
 * reads. Stable: fields are added, never renamed.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { decideOverallVerdict, decideSubjectVerdict, EXIT_CODES, type Verdict } from "./decide.ts";

/** The report schema id. */
export const REPORT_SCHEMA = "cargo-attest/report/v1";

/** What was verified. */
export type SubjectDescription =
  | {
    readonly kind: "local-file";
    readonly path: string;
    readonly sha256: string;
    readonly size?: number;
  }
  | {
    readonly kind: "release-asset";
    readonly repo: string;
    readonly tag: string;
    readonly name: string;
    readonly sha256: string;
  }
  | {
    readonly kind: "crate";
    readonly name: string;
    readonly version: string;
    readonly sha256?: string;
  };

/** One subject with its checks and verdict. */
export interface SubjectReport {
  readonly subject: SubjectDescription;
  readonly verdict: Verdict;
  readonly checks: readonly CheckResult[];
}

/** A diagnostic not tied to one check (a warning, a note). */
export interface Diagnostic {
  readonly level: "error" | "warning" | "note";
  readonly code: string;
  readonly message: string;
}

/** The whole report. */
export interface Report {
  readonly schema: typeof REPORT_SCHEMA;
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly tool: { readonly name: "cargo-attest"; readonly version: string };
  readonly generatedAt: string;
  readonly policy: {
    readonly path: string | null;
    readonly sha256: string | null;
    readonly builtin: boolean;
  };
  readonly roots: readonly { readonly name: string; readonly sha256: string }[];
  readonly subjects: readonly SubjectReport[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Inputs to {@link buildReport}. */
export interface ReportInput {
  readonly version: string;
  readonly now: Date;
  readonly policy: Report["policy"];
  readonly roots: Report["roots"];
  readonly subjects: readonly { subject: SubjectDescription; checks: readonly CheckResult[] }[];
  readonly diagnostics?: readonly Diagnostic[];
  readonly strict?: boolean;
}

/** Decides every subject's verdict and the overall verdict, and assembles the report. */
export function buildReport(input: ReportInput): Report {
  const subjects = input.subjects.map((s) => ({
    subject: s.subject,
    verdict: decideSubjectVerdict(s.checks, input.strict),
    checks: s.checks,
  }));
  const verdict = decideOverallVerdict(subjects.map((s) => s.verdict));
  return {
    schema: REPORT_SCHEMA,
    verdict,
    exitCode: EXIT_CODES[verdict],
    tool: { name: "cargo-attest", version: input.version },
    generatedAt: input.now.toISOString(),
    policy: input.policy,
    roots: input.roots,
    subjects,
    diagnostics: input.diagnostics ?? [],
  };
}

/**
 * The report of a run that could not complete (a network failure, bad input): verdict ERROR,
 * exit 3, no subject, and the error as a diagnostic, so a script that asked for a report gets
 * one, always.
 */
export function buildErrorReport(input: {
  readonly version: string;
  readonly now: Date;
  readonly code: string;
  readonly message: string;
}): Report {
  return {
    schema: REPORT_SCHEMA,
    verdict: "ERROR",
    exitCode: EXIT_CODES.ERROR,
    tool: { name: "cargo-attest", version: input.version },
    generatedAt: input.now.toISOString(),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects: [],
    diagnostics: [{ level: "error", code: input.code, message: input.message }],
  };
}
