/**
 * The SARIF 2.1.0 rendering of a report, for GitHub code scanning
 * (`github/codeql-action/upload-sarif`) and other SARIF viewers: one run whose tool driver has a
 * rule per code used, and a result for every check that failed, errored or was skipped.
 *
 * Levels: `fail` and `error` are `error`; a skip is a `warning` when it counts against the verdict
 * and a `note` when it is optional (`required: false`). Locations: a result a policy rule governs
 * points at that rule (`file:line`); a crate from `lock` at its entry in the lock file; a local
 * file at itself; anything else at the policy file when there is one, and always carries a
 * logical location (`crate NAME@VERSION`, `release-asset OWNER/REPO@TAG NAME`). Output is a pure
 * function of the report: no clock, no randomness, stable order.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import type { CheckResult } from "../checks/check_result.ts";
import { CHECK_CODES, ERROR_CODES, POLICY_CODES } from "../codes.ts";
import { encodeHex } from "../crypto/bytes.ts";
import { escapeJsonText } from "./escape.ts";
import { ASSURANCE_LEVELS } from "../verdict/assurance.ts";
import type { Report, SubjectDescription, SubjectReport } from "../verdict/report.ts";

/** The `$schema` of the log. */
export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/** The SARIF version written. */
export const SARIF_VERSION = "2.1.0";

/** Where cargo-attest is documented (`tool.driver.informationUri`). */
export const TOOL_INFORMATION_URI = "https://github.com/cargo-attest/cargo-attest";

/** The `partialFingerprints` key: stable across runs for the same subject, check and code. */
export const FINGERPRINT_KEY = "cargoAttestFinding/v1";

/** SARIF's `message`. */
export interface SarifMessage {
  readonly text: string;
}

/** SARIF's `artifactLocation`. */
export interface SarifArtifactLocation {
  readonly uri: string;
  readonly uriBaseId?: string;
}

/** SARIF's `physicalLocation`. */
export interface SarifPhysicalLocation {
  readonly artifactLocation: SarifArtifactLocation;
  readonly region?: { readonly startLine: number };
}

/** SARIF's `logicalLocation`. */
export interface SarifLogicalLocation {
  readonly name: string;
  readonly fullyQualifiedName: string;
  readonly kind: string;
}

/** SARIF's `location`. */
export interface SarifLocation {
  readonly physicalLocation?: SarifPhysicalLocation;
  readonly logicalLocations: readonly SarifLogicalLocation[];
}

/** SARIF's `reportingDescriptor` (a rule, or a notification's descriptor). */
export interface SarifReportingDescriptor {
  readonly id: string;
  readonly shortDescription: SarifMessage;
  readonly helpUri: string;
  readonly properties?: { readonly tags: readonly string[] };
}

/** SARIF's `result`. */
export interface SarifResult {
  readonly ruleId: string;
  readonly ruleIndex: number;
  readonly level: "error" | "warning" | "note";
  readonly message: SarifMessage;
  readonly locations: readonly SarifLocation[];
  readonly relatedLocations?: readonly (SarifLocation & { readonly id: number })[];
  readonly partialFingerprints: Readonly<Record<string, string>>;
  readonly properties: Readonly<Record<string, unknown>>;
}

/** SARIF's `run`. */
export interface SarifRun {
  readonly tool: {
    readonly driver: {
      readonly name: string;
      readonly version: string;
      readonly semanticVersion: string;
      readonly informationUri: string;
      readonly rules: readonly SarifReportingDescriptor[];
      readonly notifications: readonly SarifReportingDescriptor[];
    };
  };
  readonly invocations: readonly {
    readonly executionSuccessful: boolean;
    readonly exitCode: number;
    readonly endTimeUtc: string;
    readonly toolExecutionNotifications: readonly {
      readonly level: "error" | "warning" | "note";
      readonly message: SarifMessage;
      readonly descriptor: { readonly id: string; readonly index: number };
    }[];
  }[];
  readonly columnKind: "utf16CodeUnits";
  readonly results: readonly SarifResult[];
  readonly properties: Readonly<Record<string, unknown>>;
}

/** A SARIF log. */
export interface SarifLog {
  readonly $schema: string;
  readonly version: typeof SARIF_VERSION;
  readonly runs: readonly SarifRun[];
}

/** Where the report's subjects came from, when the report itself does not say. */
export interface SarifOptions {
  /** The Cargo.lock the report's crates were read from (`lock`): their results point into it. */
  readonly lockFile?: string;
  /** The line of each `NAME@VERSION` in the lock file ({@link locatePackagesInLock}). */
  readonly lockLines?: ReadonlyMap<string, number>;
}

/**
 * The line of each package of a Cargo.lock (its `name = "…"` line), keyed `NAME@VERSION`; the
 * first entry wins when a name and version appear twice (from two sources). Pure: a line scan,
 * no TOML parser, so it never fails (unknown text gives an empty map).
 */
export function locatePackagesInLock(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let name: { value: string; line: number } | undefined;
  let version: string | undefined;
  const flush = () => {
    if (name && version !== undefined) {
      const key = `${name.value}@${version}`;
      if (!lines.has(key)) lines.set(key, name.line);
    }
    name = undefined;
    version = undefined;
  };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith("[")) {
      flush();
      return;
    }
    const m = /^(name|version)\s*=\s*"([^"]*)"/.exec(line);
    if (!m) return;
    if (m[1] === "name") name = { value: m[2], line: index + 1 };
    else version = m[2];
  });
  flush();
  return lines;
}

/** The SARIF `artifactLocation` of a path as the user gave it. */
export function sarifArtifactLocation(path: string): SarifArtifactLocation {
  const slashed = path.replace(/\\/g, "/");
  const encode = (p: string) => p.split("/").map(encodeURIComponent).join("/");
  if (slashed.startsWith("/")) return { uri: `file://${encode(slashed)}` };
  if (/^[A-Za-z]:\//.test(slashed)) {
    return { uri: `file:///${slashed.slice(0, 2)}${encode(slashed.slice(2))}` };
  }
  return { uri: encode(slashed.replace(/^(\.\/)+/, "")), uriBaseId: "%SRCROOT%" };
}

function describeCode(code: string): string {
  return CHECK_CODES[code] ?? ERROR_CODES[code] ?? POLICY_CODES[code] ??
    `cargo-attest code ${code}`;
}

function subjectLabel(s: SubjectDescription): string {
  switch (s.kind) {
    case "local-file":
      return s.path;
    case "release-asset":
      return `${s.repo}@${s.tag} ${s.name}`;
    case "crate":
      return `${s.name}@${s.version}`;
  }
}

function logicalLocation(s: SubjectDescription): SarifLogicalLocation {
  const name = subjectLabel(s);
  return { name, fullyQualifiedName: `${s.kind} ${name}`, kind: "resource" };
}

function levelOf(check: CheckResult): SarifResult["level"] {
  if (check.status === "skip") return check.required === false ? "note" : "warning";
  return "error";
}

function messageOf(subject: SubjectReport, check: CheckResult): string {
  const parts = [
    `${subjectLabel(subject.subject)}: ${check.id} ${check.status}: ${check.message}`,
  ];
  if (check.expected !== undefined) parts.push(`expected: ${check.expected}`);
  if (check.actual !== undefined) parts.push(`found: ${check.actual}`);
  if (check.policyRef) parts.push(`rule: ${check.policyRef.file}:${check.policyRef.line}`);
  const where = check.origin?.url ?? check.origin?.path;
  if (where !== undefined) parts.push(`evidence: ${where}`);
  parts.push(`subject verdict: ${subject.verdict}`);
  return parts.join("\n");
}

function physicalLocations(
  report: Report,
  subject: SubjectDescription,
  check: CheckResult,
  options: SarifOptions,
): SarifPhysicalLocation[] {
  const found: SarifPhysicalLocation[] = [];
  if (check.policyRef) {
    found.push({
      artifactLocation: sarifArtifactLocation(check.policyRef.file),
      region: { startLine: Math.max(1, check.policyRef.line) },
    });
  }
  if (subject.kind === "crate" && options.lockFile !== undefined) {
    const line = options.lockLines?.get(`${subject.name}@${subject.version}`);
    found.push({
      artifactLocation: sarifArtifactLocation(options.lockFile),
      ...(line !== undefined ? { region: { startLine: line } } : {}),
    });
  }
  if (subject.kind === "local-file") {
    found.push({ artifactLocation: sarifArtifactLocation(subject.path) });
  }
  if (found.length === 0 && report.policy.path !== null && !report.policy.builtin) {
    // Nothing in the repository names this subject but the policy that judged it.
    found.push({ artifactLocation: sarifArtifactLocation(report.policy.path) });
  }
  return found;
}

function fingerprint(parts: readonly string[]): string {
  // @noble/hashes, not node:crypto: this module is on every report's path, and node:crypto
  // costs about 15 ms of start-up (a fingerprint hashes a few dozen bytes).
  const digest = sha256(new TextEncoder().encode(parts.join("\u0000")));
  return encodeHex(digest).slice(0, 32);
}

/** Builds the SARIF log of a report (see the module documentation for what goes where). */
export function buildSarifLog(report: Report, options: SarifOptions = {}): SarifLog {
  const findings = report.subjects.flatMap((subject) =>
    subject.checks.filter((c) => c.status !== "pass").map((check) => ({ subject, check }))
  );
  const codes = [...new Set(findings.map((f) => f.check.code))].sort();
  const ruleIndex = new Map(codes.map((code, index) => [code, index]));
  const rules: SarifReportingDescriptor[] = codes.map((code) => ({
    id: code,
    shortDescription: { text: describeCode(code) },
    helpUri: `${TOOL_INFORMATION_URI}#codes`,
    properties: {
      tags: [
        "supply-chain",
        ...new Set(findings.filter((f) => f.check.code === code).map((f) => f.check.id)),
      ].sort(),
    },
  }));
  const seen = new Map<string, number>();
  const results: SarifResult[] = findings.map(({ subject, check }) => {
    const physical = physicalLocations(report, subject.subject, check, options);
    const logical = [logicalLocation(subject.subject)];
    const key = [subject.subject.kind, subjectLabel(subject.subject), check.id, check.code];
    const occurrence = seen.get(key.join("\u0000")) ?? 0;
    seen.set(key.join("\u0000"), occurrence + 1);
    const evidence = check.origin?.url ?? check.origin?.path;
    return {
      ruleId: check.code,
      ruleIndex: ruleIndex.get(check.code)!,
      level: levelOf(check),
      message: { text: messageOf(subject, check) },
      locations: [{
        ...(physical.length > 0 ? { physicalLocation: physical[0] } : {}),
        logicalLocations: logical,
      }],
      ...(physical.length > 1
        ? {
          relatedLocations: physical.slice(1).map((p, i) => ({
            id: i + 1,
            physicalLocation: p,
            logicalLocations: logical,
          })),
        }
        : {}),
      partialFingerprints: { [FINGERPRINT_KEY]: fingerprint([...key, String(occurrence)]) },
      properties: {
        check: check.id,
        status: check.status,
        required: check.required !== false,
        subject: subject.subject,
        subjectVerdict: subject.verdict,
        subjectAssurance: subject.assurance,
        ...(check.expected !== undefined ? { expected: check.expected } : {}),
        ...(check.actual !== undefined ? { actual: check.actual } : {}),
        ...(check.policyRef ? { policyRef: check.policyRef } : {}),
        ...(evidence !== undefined ? { evidence } : {}),
      },
    };
  });
  const notificationCodes = [...new Set(report.diagnostics.map((d) => d.code))].sort();
  const notificationIndex = new Map(notificationCodes.map((code, index) => [code, index]));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: SARIF_VERSION,
    runs: [{
      tool: {
        driver: {
          name: report.tool.name,
          version: report.tool.version,
          semanticVersion: report.tool.version,
          informationUri: TOOL_INFORMATION_URI,
          rules,
          notifications: notificationCodes.map((code) => ({
            id: code,
            shortDescription: { text: describeCode(code) },
            helpUri: `${TOOL_INFORMATION_URI}#codes`,
          })),
        },
      },
      invocations: [{
        executionSuccessful: report.verdict !== "ERROR",
        exitCode: report.exitCode,
        endTimeUtc: report.generatedAt,
        toolExecutionNotifications: report.diagnostics.map((d) => ({
          level: d.level,
          message: { text: d.message },
          descriptor: { id: d.code, index: notificationIndex.get(d.code)! },
        })),
      }],
      columnKind: "utf16CodeUnits",
      results,
      properties: {
        reportSchema: report.schema,
        verdict: report.verdict,
        exitCode: report.exitCode,
        policy: report.policy,
        roots: report.roots,
        subjects: report.subjects.length,
        // What each TRUSTED subject rests on (results list only what is not).
        assurance: Object.fromEntries(
          ASSURANCE_LEVELS.map((l) => [
            l,
            report.subjects.filter((s) => s.assurance.includes(l)).length,
          ]),
        ),
      },
    }],
  };
}

/** Renders the report as a SARIF 2.1.0 log (pretty-printed JSON with a trailing newline). */
export function renderSarifReport(report: Report, options: SarifOptions = {}): string {
  return escapeJsonText(JSON.stringify(buildSarifLog(report, options), null, 2)) + "\n";
}
