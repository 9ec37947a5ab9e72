/**
 * `cargo-attest report --from FILE [--format text|json|markdown|sarif]`: renders a saved JSON
 * report (`--format json`) again in another format, so one verification run can give a log, a job
 * summary and a SARIF file (the GitHub Action does this). Nothing is verified again: verdicts are
 * the saved report's.
 * @module
 */
import type { CheckResult, CheckStatus, EvidenceOrigin } from "../checks/check_result.ts";
import { InputError, UsageError } from "../errors.ts";
import { locatePackagesInLock, type SarifOptions } from "../render/sarif.ts";
import { readCappedText } from "../sources/local_files.ts";
import { EXIT_CODES, type Verdict } from "../verdict/decide.ts";
import { ASSURANCE_LEVELS } from "../verdict/assurance.ts";
import type { LockChange } from "../evidence/lock_diff.ts";
import {
  type Diagnostic,
  type Report,
  REPORT_SCHEMA,
  type SubjectDescription,
  type SubjectReport,
} from "../verdict/report.ts";
import { parseCommandArgs, stringOption } from "./args.ts";
import { renderReportAs, writeDiagnostics } from "./emit_report.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";

/** Largest saved report read (a lock file of thousands of crates is a few MiB). */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** Largest lock file read for `--lock-file`. */
const MAX_LOCK_BYTES = 16 * 1024 * 1024;

const USAGE = "usage: cargo-attest report --from FILE [--format text|json|markdown|sarif]";

const VERDICTS: readonly Verdict[] = ["TRUSTED", "UNVERIFIED", "MISMATCH", "ERROR"];
const STATUSES: readonly CheckStatus[] = ["pass", "fail", "skip", "error"];
const LEVELS: readonly Diagnostic["level"][] = ["error", "warning", "note"];

/** A saved report that is not a `cargo-attest/report/v1` document. */
class ShapeProblem extends Error {}

type Json = Record<string, unknown>;

function object(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ShapeProblem(`${where} is not an object`);
  }
  return value as Json;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new ShapeProblem(`${where} is not an array`);
  return value;
}

function string(value: unknown, where: string): string {
  if (typeof value !== "string") throw new ShapeProblem(`${where} is not a string`);
  return value;
}

function optionalString(value: unknown, where: string): string | undefined {
  return value === undefined ? undefined : string(value, where);
}

function nullableString(value: unknown, where: string): string | null {
  return value === null ? null : string(value, where);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], where: string): T {
  if (!(allowed as readonly unknown[]).includes(value)) {
    throw new ShapeProblem(`${where} is not one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function parseSubject(value: unknown, where: string): SubjectDescription {
  const s = object(value, where);
  const kind = oneOf(s.kind, ["local-file", "release-asset", "crate"] as const, `${where}.kind`);
  switch (kind) {
    case "local-file":
      return {
        kind,
        path: string(s.path, `${where}.path`),
        sha256: string(s.sha256, `${where}.sha256`),
        ...(typeof s.size === "number" ? { size: s.size } : {}),
      };
    case "release-asset":
      return {
        kind,
        repo: string(s.repo, `${where}.repo`),
        tag: string(s.tag, `${where}.tag`),
        name: string(s.name, `${where}.name`),
        sha256: string(s.sha256, `${where}.sha256`),
      };
    case "crate": {
      const sha256 = optionalString(s.sha256, `${where}.sha256`);
      return {
        kind,
        name: string(s.name, `${where}.name`),
        version: string(s.version, `${where}.version`),
        ...(sha256 !== undefined ? { sha256 } : {}),
      };
    }
  }
}

function parseCheck(value: unknown, where: string): CheckResult {
  const c = object(value, where);
  const expected = optionalString(c.expected, `${where}.expected`);
  const actual = optionalString(c.actual, `${where}.actual`);
  let origin: EvidenceOrigin | undefined;
  if (c.origin !== undefined) {
    const o = object(c.origin, `${where}.origin`);
    const url = optionalString(o.url, `${where}.origin.url`);
    const path = optionalString(o.path, `${where}.origin.path`);
    origin = {
      ...(url !== undefined ? { url } : {}),
      ...(path !== undefined ? { path } : {}),
      ...(o.cached === true ? { cached: true } : {}),
    };
  }
  let policyRef: CheckResult["policyRef"];
  if (c.policyRef !== undefined) {
    const p = object(c.policyRef, `${where}.policyRef`);
    if (typeof p.line !== "number" || !Number.isInteger(p.line)) {
      throw new ShapeProblem(`${where}.policyRef.line is not a whole number`);
    }
    policyRef = { file: string(p.file, `${where}.policyRef.file`), line: p.line };
  }
  return {
    // Ids are open for extension (a newer report may have more); they are only displayed.
    id: string(c.id, `${where}.id`) as CheckResult["id"],
    status: oneOf(c.status, STATUSES, `${where}.status`),
    code: string(c.code, `${where}.code`),
    message: string(c.message, `${where}.message`),
    ...(expected !== undefined ? { expected } : {}),
    ...(actual !== undefined ? { actual } : {}),
    ...(origin !== undefined ? { origin } : {}),
    ...(policyRef !== undefined ? { policyRef } : {}),
    loadBearing: c.loadBearing === true,
    ...(c.required === false ? { required: false } : {}),
  };
}

const CHANGE_KINDS = ["added", "updated", "unchanged", "removed"] as const;

function parseChange(value: unknown, where: string): LockChange {
  const o = object(value, where);
  const kind = oneOf(o.kind, CHANGE_KINDS, `${where}.kind`);
  return kind === "updated" ? { kind, from: string(o.from, `${where}.from`) } : { kind };
}

/**
 * Parses a saved JSON report (`--format json`), checking every field the renderers read; fields
 * it does not know (from a newer cargo-attest) are ignored. Throws {@link InputError} naming the
 * first field that is wrong.
 */
export function parseSavedReport(text: string, path: string): Report {
  const hint = "save a report with 'cargo-attest lock --format json > report.json' (or --json)";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new InputError(path, `is not JSON (${(cause as Error).message})`, { cause, hint });
  }
  try {
    const r = object(value, "the document");
    if (r.schema !== REPORT_SCHEMA) {
      throw new ShapeProblem(
        `its schema is ${JSON.stringify(r.schema ?? null)}, not "${REPORT_SCHEMA}"`,
      );
    }
    if (typeof r.exitCode !== "number") throw new ShapeProblem("exitCode is not a number");
    const verdict = oneOf(r.verdict, VERDICTS, "verdict");
    if (EXIT_CODES[verdict] !== r.exitCode) {
      throw new ShapeProblem(
        `its verdict ${verdict} means exit ${EXIT_CODES[verdict]}, but exitCode is ${r.exitCode}`,
      );
    }
    const tool = object(r.tool, "tool");
    const policy = object(r.policy, "policy");
    return {
      schema: REPORT_SCHEMA,
      verdict,
      exitCode: r.exitCode,
      tool: { name: "cargo-attest", version: string(tool.version, "tool.version") },
      generatedAt: string(r.generatedAt, "generatedAt"),
      policy: {
        path: nullableString(policy.path, "policy.path"),
        sha256: nullableString(policy.sha256, "policy.sha256"),
        builtin: policy.builtin === true,
      },
      roots: array(r.roots, "roots").map((root, i) => {
        const o = object(root, `roots[${i}]`);
        const source = o.source;
        return {
          name: string(o.name, `roots[${i}].name`),
          sha256: string(o.sha256, `roots[${i}].sha256`),
          // Where the root came from (reports since TUF support): kept as saved.
          ...(source === "embedded" || source === "tuf" || source === "file" ? { source } : {}),
          ...(Number.isSafeInteger(o.tufRootVersion)
            ? { tufRootVersion: o.tufRootVersion as number }
            : {}),
          ...(Number.isSafeInteger(o.tufTargetsVersion)
            ? { tufTargetsVersion: o.tufTargetsVersion as number }
            : {}),
          ...(typeof o.expires === "string" ? { expires: o.expires } : {}),
          ...(typeof o.url === "string" ? { url: o.url } : {}),
          ...(typeof o.path === "string" ? { path: o.path } : {}),
          ...(typeof o.note === "string" ? { note: o.note } : {}),
        };
      }),
      subjects: array(r.subjects, "subjects").map((s, i): SubjectReport => {
        const where = `subjects[${i}]`;
        const o = object(s, where);
        return {
          subject: parseSubject(o.subject, `${where}.subject`),
          verdict: oneOf(o.verdict, VERDICTS, `${where}.verdict`),
          checks: array(o.checks, `${where}.checks`).map((c, j) =>
            parseCheck(c, `${where}.checks[${j}]`)
          ),
          ...(o.change === undefined ? {} : { change: parseChange(o.change, `${where}.change`) }),
          // Reports written before assurance levels existed have none.
          assurance: o.assurance === undefined
            ? []
            : array(o.assurance, `${where}.assurance`).map((a, j) =>
              oneOf(a, ASSURANCE_LEVELS, `${where}.assurance[${j}]`)
            ),
        };
      }),
      diagnostics: array(r.diagnostics, "diagnostics").map((d, i): Diagnostic => {
        const o = object(d, `diagnostics[${i}]`);
        return {
          level: oneOf(o.level, LEVELS, `diagnostics[${i}].level`),
          code: string(o.code, `diagnostics[${i}].code`),
          message: string(o.message, `diagnostics[${i}].message`),
        };
      }),
    };
  } catch (error) {
    if (!(error instanceof ShapeProblem)) throw error;
    throw new InputError(path, `is not a ${REPORT_SCHEMA} report: ${error.message}`, { hint });
  }
}

/** Runs `report`: 0 when the report was rendered, 3 when it cannot be read (never its verdict). */
export async function runReport(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("report", args);
  const output = resolveOutput(parsed, io, "report");
  if (parsed.positionals.length > 0) {
    throw new UsageError(`report: unexpected argument '${parsed.positionals[0]}'`, USAGE);
  }
  const from = stringOption(parsed, "from");
  if (from === undefined) throw new UsageError("report: no --from FILE given", USAGE);
  const report = parseSavedReport(await readCappedText(from, MAX_REPORT_BYTES, "report"), from);
  const lockFile = stringOption(parsed, "lock-file");
  if (
    output.format === "sarif" && lockFile === undefined &&
    report.subjects.some((s) => s.subject.kind === "crate")
  ) {
    throw new UsageError(
      "report: --format sarif of a report on crates needs --lock-file PATH",
      "code scanning rejects results without a location: pass the Cargo.lock the report was made " +
        "from (e.g. --lock-file Cargo.lock), so each result points at its crate's line",
    );
  }
  let sarif: SarifOptions = {};
  if (lockFile !== undefined && output.format === "sarif") {
    const lockText = await readCappedText(lockFile, MAX_LOCK_BYTES, "lock file");
    sarif = { lockFile, lockLines: locatePackagesInLock(lockText) };
  }
  writeDiagnostics(io, output, report.diagnostics);
  const text = renderReportAs(report, output, sarif);
  if (text !== "") io.stdout(text);
  return 0;
}
