/**
 * The versioned report (`cargo-attest/report/v1`): what `--json` prints and the text renderer
 * reads. Stable: fields are added, never renamed.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { decideOverallVerdict, decideSubjectVerdict, EXIT_CODES, type Verdict } from "./decide.ts";
import { type AssuranceLevel, decideAssurance } from "./assurance.ts";
import type { LockChange } from "../evidence/lock_diff.ts";
import type { RootOrigin } from "../trust/trusted_root.ts";

/** The report schema id. */
export const REPORT_SCHEMA = "cargo-attest/report/v1";

/** One trusted root of a report (see {@link Report.roots}). */
export interface ReportRoot {
  /** The root's name (`public-good`, `github`, `staging`, or the `--trusted-root` file). */
  readonly name: string;
  /** SHA-256 (hex) of the trusted_root.json bytes. */
  readonly sha256: string;
  /** Where the root came from; absent in reports of versions before TUF support. */
  readonly source?: "embedded" | "tuf" | "file";
  /** The TUF root version whose chain vouched for it (`source: "tuf"`). */
  readonly tufRootVersion?: number;
  /** The TUF targets version that listed it (`source: "tuf"`). */
  readonly tufTargetsVersion?: number;
  /** When the TUF metadata expires (`source: "tuf"`), ISO 8601. */
  readonly expires?: string;
  /** The TUF repository it was fetched from (`source: "tuf"`). */
  readonly url?: string;
  /** The file it was read from (`source: "file"`). */
  readonly path?: string;
  /** Why an embedded root is in use although TUF metadata was stored (expired, refused). */
  readonly note?: string;
}

/** The report entry of a trusted root: its name, digest and origin. */
export function describeReportRoot(root: {
  readonly name: string;
  readonly sha256: string;
  readonly origin?: RootOrigin;
}): ReportRoot {
  const entry = { name: root.name, sha256: root.sha256 };
  const origin = root.origin;
  if (origin === undefined) return entry;
  if (origin.kind === "file") return { ...entry, source: "file", path: origin.path };
  if (origin.kind === "embedded") {
    return { ...entry, source: "embedded", ...(origin.note ? { note: origin.note } : {}) };
  }
  return {
    ...entry,
    source: "tuf",
    tufRootVersion: origin.tufRootVersion,
    tufTargetsVersion: origin.tufTargetsVersion,
    expires: origin.expires,
    ...(origin.url ? { url: origin.url } : {}),
  };
}

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
  /** What was verified. */
  readonly subject: SubjectDescription;
  /** The subject's verdict, decided from its checks. */
  readonly verdict: Verdict;
  /** Every check run on the subject, in report order. */
  readonly checks: readonly CheckResult[];
  /** What its TRUSTED rests on, weakest first (empty unless TRUSTED); see assurance.ts. */
  readonly assurance: readonly AssuranceLevel[];
  /**
   * Under `lock --base`: how the crate changed against the base lock. `unchanged` and `removed`
   * crates are listed, not verified: never TRUSTED, and they do not move the overall verdict.
   */
  readonly change?: LockChange;
}

/** Whether a subject counts toward the overall verdict (everything but unchanged and removed). */
export function isVerifiedChange(subject: { readonly change?: LockChange }): boolean {
  return subject.change === undefined || subject.change.kind === "added" ||
    subject.change.kind === "updated";
}

/** A diagnostic not tied to one check (a warning, a note). */
export interface Diagnostic {
  /** How serious it is. */
  readonly level: "error" | "warning" | "note";
  /** Stable kebab-case code. */
  readonly code: string;
  /** What happened, for a person. */
  readonly message: string;
}

/** The whole report. */
export interface Report {
  /** The schema id, {@link REPORT_SCHEMA}. */
  readonly schema: typeof REPORT_SCHEMA;
  /** The overall verdict, decided from the subjects' verdicts (the worst one wins). */
  readonly verdict: Verdict;
  /** The process exit code the verdict maps to ({@link EXIT_CODES}). */
  readonly exitCode: number;
  /** The tool and version that wrote the report. */
  readonly tool: { readonly name: "cargo-attest"; readonly version: string };
  /** When the report was built (ISO 8601, UTC). */
  readonly generatedAt: string;
  /** The policy file used and its SHA-256 (both `null` for the built-in policy). */
  readonly policy: {
    readonly path: string | null;
    readonly sha256: string | null;
    readonly builtin: boolean;
  };
  /**
   * The trusted roots the run used: name and SHA-256 of each, and where it came from (`source`:
   * `embedded`, `tuf` with the TUF root and targets versions and the metadata's expiry, or
   * `file` with its path), so a verdict can be reproduced with the same roots.
   */
  readonly roots: readonly ReportRoot[];
  /** One entry per subject verified. */
  readonly subjects: readonly SubjectReport[];
  /** Warnings and notes not tied to one check (an ERROR run's error is here). */
  readonly diagnostics: readonly Diagnostic[];
}

/** Inputs to {@link buildReport}. */
export interface ReportInput {
  readonly version: string;
  readonly now: Date;
  readonly policy: Report["policy"];
  readonly roots: Report["roots"];
  readonly subjects: readonly {
    subject: SubjectDescription;
    checks: readonly CheckResult[];
    change?: LockChange;
  }[];
  readonly diagnostics?: readonly Diagnostic[];
  readonly strict?: boolean;
  /**
   * The run established that nothing needed verifying (`lock --base` with no change, or a lock
   * of only the workspace's path packages): with no verified subject the verdict is TRUSTED,
   * not UNVERIFIED. Without it, no verified subject is UNVERIFIED.
   */
  readonly nothingToVerifyIsTrusted?: boolean;
}

/** Decides every subject's verdict and the overall verdict, and assembles the report. */
export function buildReport(input: ReportInput): Report {
  const subjects = input.subjects.map((s): SubjectReport => {
    // Listed, not verified: never TRUSTED.
    const verdict = isVerifiedChange(s)
      ? decideSubjectVerdict(s.checks, input.strict)
      : "UNVERIFIED";
    return {
      subject: s.subject,
      verdict,
      checks: s.checks,
      assurance: isVerifiedChange(s) ? decideAssurance(s.checks, verdict) : [],
      ...(s.change ? { change: s.change } : {}),
    };
  });
  const counted = subjects.filter(isVerifiedChange);
  const verdict = input.nothingToVerifyIsTrusted && counted.length === 0
    ? "TRUSTED"
    : decideOverallVerdict(counted.map((s) => s.verdict));
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
