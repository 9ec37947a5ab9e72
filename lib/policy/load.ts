/**
 * Loading a policy: TOML (smol-toml) → JSON Schema (ajv, lazily) → semantic rules → a typed
 * {@link Policy}. Every problem is reported at once, each with its place in the file; a policy
 * with any error is not returned.
 * @module
 */
import { parse, TomlDate, TomlError } from "smol-toml";
import type { PolicyDiagnostic } from "./diagnostics.ts";
import { sortDiagnostics, sourceLines, suggestClosest } from "./diagnostics.ts";
import { validateRefGlob } from "./glob.ts";
import {
  CHECK_APPLIES_TO,
  DEFAULT_SIGNER_ISSUER,
  type ExceptionTarget,
  isCrateName,
  isPolicyCheckId,
  isRepoName,
  isSemver,
  isWorkflowPath,
  normalizeCrateName,
  normalizeRepo,
  type Policy,
  POLICY_CHECK_IDS,
  type PolicyCheckId,
  type PolicyException,
  repoHelp,
  type Rule,
  type RuleKind,
  ruleLabel,
  type Signer,
  type SourcePos,
  splitCrateSpec,
  type TargetKind,
  workflowHelp,
} from "./model.ts";
import { findSpan, type PositionMap, scanTomlPositions, type Span } from "./positions.ts";
import {
  describeNode,
  describeTable,
  type Finding,
  mapSchemaErrors,
  validatePolicySchema,
} from "./schema.ts";

/** Options of {@link loadPolicy}. */
export interface LoadOptions {
  /**
   * The current time: exceptions past their `expires` date are errors, and those expiring within
   * {@link EXPIRY_WARNING_DAYS} days are warnings. Without it, expiry is not checked.
   */
  readonly now?: Date;
}

/** What {@link loadPolicy} returns: the policy when there is no error, and every diagnostic. */
export interface LoadResult {
  readonly policy?: Policy;
  readonly diagnostics: PolicyDiagnostic[];
}

/** Days before an exception's expiry from which loading warns about it. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

/** Loads and validates the policy `text` read from `file` (the name used in messages). */
export async function loadPolicy(
  text: string,
  file: string,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const source = sourceLines(lines);
  const toDiagnostic = (f: Finding, span: Span): PolicyDiagnostic => ({
    level: f.level,
    code: f.code,
    message: f.message,
    file,
    line: span.line,
    col: span.col,
    length: span.length,
    ...source(span.line, span.col),
    ...(f.help !== undefined ? { help: f.help } : {}),
  });

  let raw: Record<string, unknown>;
  try {
    raw = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    return { diagnostics: [syntaxDiagnostic(error, file, lines, source)] };
  }
  const positions = scanTomlPositions(text);
  const doc = normalizeDates(raw) as Record<string, unknown>;

  const schemaErrors = await validatePolicySchema(doc);
  const { findings, deferred } = mapSchemaErrors(schemaErrors);
  const semantic = new SemanticChecker(file, text, positions, options.now);
  const policy = semantic.check(doc);
  findings.push(...semantic.findings);

  // Every deferred schema error must be covered by a semantic error at or around its path.
  for (const e of deferred) {
    const extra = typeof e.params.propertyName === "string" ? [e.params.propertyName] : [];
    const path = [...e.path, ...extra];
    const covered = semantic.findings.some((f) =>
      f.level === "error" && (isPrefix(f.path, path) || isPrefix(path, f.path))
    );
    if (!covered) {
      findings.push({
        level: "error",
        code: "policy-invalid-value",
        message: `${describeNode(path)} does not match the policy schema: ${e.message}`,
        path,
        prefer: "value",
      });
    }
  }

  const diagnostics = sortDiagnostics(
    findings.map((f) => toDiagnostic(f, findSpan(positions, f.path, f.prefer))),
  );
  const failed = diagnostics.some((d) => d.level === "error");
  return failed || !policy ? { diagnostics } : { policy, diagnostics };
}

function isPrefix(prefix: readonly string[], path: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}

function syntaxDiagnostic(
  error: TomlError,
  file: string,
  lines: string[],
  source: ReturnType<typeof sourceLines>,
): PolicyDiagnostic {
  let message = error.message.split("\n")[0].replace(/^Invalid TOML document: /, "");
  let line = Math.max(1, error.line);
  let col = Math.max(1, error.column);
  // An array, inline table or string never closed is reported where the parser gave up (often
  // the end of the file): point at where it was opened instead, and say both.
  const opener = findUnclosed(lines, line, col);
  const atEnd = findUnclosed(lines, lines.length + 1, 1);
  const neverClosed = opener?.what === "the string" ||
    (opener && atEnd && opener.line === atEnd.line && opener.col === atEnd.col);
  if (opener && neverClosed) {
    message = `${opener.what} opened here is never closed (the parser gave up at ${file}:${line}:` +
      `${col}: ${message})`;
    line = opener.line;
    col = opener.col;
  }
  const sourceLine = lines[line - 1] ?? "";
  const rest = [...sourceLine].slice(col - 1).join("");
  const word = rest.match(/^[A-Za-z0-9_-]+/)?.[0];
  let help: string | undefined;
  if (/redefine/.test(message)) {
    help = "each table and key may be written once: merge the two definitions";
  } else if (/invalid value|unexpected/.test(message) && /^[A-Za-z]/.test(rest)) {
    help = 'strings need quotes: write key = "value"';
  }
  return {
    level: "error",
    code: "policy-syntax",
    message: `invalid TOML: ${message}`,
    file,
    line,
    col,
    length: word ? [...word].length : 1,
    ...source(line, col),
    ...(help ? { help } : {}),
  };
}

/** What is still open at a position of the text: an array, an inline table or a string. */
interface Opener {
  readonly what: "the array" | "the inline table" | "the string";
  readonly line: number;
  readonly col: number;
}

/**
 * Scans the text up to (`line`, `col`) for brackets and strings that are still open there,
 * skipping comments and the contents of strings; returns the innermost one (or the open string).
 * Table headers (`[a]`, `[[a]]` at the start of a line) close on their own line.
 */
function findUnclosed(lines: readonly string[], line: number, col: number): Opener | undefined {
  const stack: Opener[] = [];
  for (let l = 0; l < Math.min(lines.length, line); l++) {
    const chars = [...lines[l]];
    const end = l === line - 1 ? Math.min(chars.length, col - 1) : chars.length;
    const header = stack.length === 0 && /^\s*\[/.test(lines[l]);
    for (let c = 0; c < end; c++) {
      const ch = chars[c];
      const top = stack.at(-1);
      if (top?.what === "the string") {
        if (ch === "\\" && top.col > 0) c++;
        else if (ch === (top as Opener & { quote?: string }).quote) stack.pop();
        continue;
      }
      if (header) break;
      if (ch === "#") break;
      if (ch === '"' || ch === "'") {
        const triple = chars.slice(c, c + 3).join("") === ch.repeat(3);
        if (triple) return undefined; // multi-line strings: leave the parser's own position
        stack.push({ what: "the string", line: l + 1, col: c + 1, quote: ch } as Opener);
      } else if (ch === "[") stack.push({ what: "the array", line: l + 1, col: c + 1 });
      else if (ch === "{") stack.push({ what: "the inline table", line: l + 1, col: c + 1 });
      else if ((ch === "]" || ch === "}") && stack.length > 0) stack.pop();
    }
    // A basic or literal string ends with its line.
    if (stack.at(-1)?.what === "the string" && l < line - 1) stack.pop();
  }
  return stack.at(-1);
}

/**
 * Deeper than any value of a policy (`repo."o/r".signer[0].workflow` is five levels down).
 * smol-toml caps the nesting of inline arrays and tables, but not of dotted keys and table
 * headers (`[a.a.a.…]`): below this depth values are left as parsed (the schema reports the
 * unknown key above them), so a hostile file cannot overflow the stack here.
 */
const MAX_NORMALIZED_DEPTH = 64;

/** Turns TOML local dates into `YYYY-MM-DD` strings; other dates and times stay as they are. */
function normalizeDates(value: unknown, depth = 0): unknown {
  if (value instanceof TomlDate) return value.isDate() ? value.toISOString() : value;
  if (depth >= MAX_NORMALIZED_DEPTH) return value;
  if (Array.isArray(value)) return value.map((v) => normalizeDates(v, depth + 1));
  if (isTable(value)) {
    // No prototype: a key named __proto__ stays a plain key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = normalizeDates(v, depth + 1);
    return out;
  }
  return value;
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** A finding's code, path in the document, message, help, and which span of it to point at. */
type FindingArgs = [
  code: string,
  path: readonly string[],
  message: string,
  help?: string,
  prefer?: Finding["prefer"],
];

/** The semantic rules (what a schema cannot say), building the typed policy as it goes. */
class SemanticChecker {
  readonly findings: Finding[] = [];
  readonly #ruleKeys = new Map<string, { label: string; pos: SourcePos }>();

  constructor(
    readonly file: string,
    readonly text: string,
    readonly positions: PositionMap,
    readonly now: Date | undefined,
  ) {}

  pos(path: readonly string[], prefer: "key" | "header" | "value" = "header"): SourcePos {
    const span = findSpan(this.positions, path, prefer);
    return { file: this.file, line: span.line, col: span.col, length: span.length };
  }

  error(...finding: FindingArgs): void {
    this.#add("error", ...finding);
  }

  warning(...finding: FindingArgs): void {
    this.#add("warning", ...finding);
  }

  #add(
    level: Finding["level"],
    code: string,
    path: readonly string[],
    message: string,
    help?: string,
    prefer: Finding["prefer"] = "value",
  ): void {
    this.findings.push({ level, code, message, path, prefer, help });
  }

  check(doc: Record<string, unknown>): Policy | undefined {
    const defaults = isTable(doc.defaults)
      ? this.rule("defaults", "defaults", ["defaults"], doc.defaults)
      : undefined;
    const repos: Rule[] = [];
    if (isTable(doc.repo)) {
      for (const [key, table] of Object.entries(doc.repo)) {
        const path = ["repo", key];
        if (!this.repoKey(key, path)) continue;
        if (isTable(table)) repos.push(this.rule("repo", key, path, table));
      }
    }
    const crates: Rule[] = [];
    if (isTable(doc.crate)) {
      for (const [key, table] of Object.entries(doc.crate)) {
        const path = ["crate", key];
        const spec = this.crateSpec(key, path, "key");
        if (!spec) continue;
        if (isTable(table)) {
          crates.push(
            this.rule(spec.version === undefined ? "crate" : "crate-version", key, path, table),
          );
        }
      }
    }
    const exceptions: { exception: PolicyException; path: string[] }[] = [];
    if (Array.isArray(doc.exception)) {
      doc.exception.forEach((entry, i) => {
        if (!isTable(entry)) return;
        const path = ["exception", String(i)];
        const exception = this.exception(entry, path);
        if (exception) exceptions.push({ exception, path });
      });
      this.overlappingExceptions(exceptions);
    }
    if (typeof doc.version !== "number") return undefined;
    return {
      file: this.file,
      version: doc.version,
      builtin: false,
      text: this.text,
      ...(defaults ? { defaults } : {}),
      repos,
      crates,
      exceptions: exceptions.map((e) => e.exception),
    };
  }

  repoKey(key: string, path: string[]): boolean {
    if (isRepoName(key)) {
      this.duplicateRule(`repo:${normalizeRepo(key)}`, ruleLabel("repo", key), path);
      return true;
    }
    this.error(
      "policy-invalid-repo",
      path,
      `${JSON.stringify(key)} is not a GitHub repository (OWNER/REPO)`,
      repoHelp(key),
      "key",
    );
    return false;
  }

  duplicateRule(normalized: string, label: string, path: string[]): void {
    const first = this.#ruleKeys.get(normalized);
    const pos = this.pos(path);
    if (first) {
      this.error(
        "policy-duplicate",
        path,
        `${label} is the same rule as ${first.label} (written at ${this.file}:${first.pos.line})`,
        normalized.startsWith("repo:")
          ? "repository names compare case-insensitively, as GitHub treats them: merge the two tables"
          : "crate names compare as crates.io does (case-insensitive, - and _ the same): " +
            "merge the two tables",
        "header",
      );
    } else {
      this.#ruleKeys.set(normalized, { label, pos });
    }
  }

  /** Validates `NAME` or `NAME@VERSION` (a table key or an exception's `crate`). */
  crateSpec(
    spec: string,
    path: string[],
    prefer: "key" | "value",
  ): { name: string; version?: string } | undefined {
    const { name, version } = splitCrateSpec(spec);
    if (!isCrateName(name)) {
      this.error(
        "policy-invalid-crate",
        path,
        `${JSON.stringify(name)} is not a crate name`,
        "a crate name starts with an ASCII letter and has letters, digits, - and _ (at most 64)",
        prefer,
      );
      return undefined;
    }
    if (version !== undefined && !isSemver(version)) {
      const requirement = /^[=^~<>*]|[*xX]$|,/.test(version) || version.split(".").length < 3;
      this.error(
        "policy-invalid-crate",
        path,
        `${JSON.stringify(version)} is not an exact crate version (MAJOR.MINOR.PATCH)`,
        requirement
          ? `version requirements are not supported: name one version ("${name}@1.2.3") or ` +
            `use ${prefer === "key" ? `[crate.${name}]` : `crate = "${name}"`} for every version`
          : `write it as in Cargo.lock, e.g. "${name}@1.0.200"`,
        prefer,
      );
      return undefined;
    }
    if (prefer === "key") {
      const normalized = `crate:${normalizeCrateName(name)}${version ? `@${version}` : ""}`;
      this.duplicateRule(normalized, ruleLabel(version ? "crate-version" : "crate", spec), path);
    }
    return { name, version };
  }

  checkList(
    value: unknown,
    path: string[],
    targetKinds: readonly TargetKind[] | undefined,
    label: string,
  ): PolicyCheckId[] {
    if (!Array.isArray(value)) return [];
    const ids: PolicyCheckId[] = [];
    value.forEach((item, i) => {
      if (typeof item !== "string") return;
      const itemPath = [...path, String(i)];
      if (!isPolicyCheckId(item)) {
        const close = suggestClosest(item, POLICY_CHECK_IDS);
        this.error(
          "policy-unknown-check",
          itemPath,
          `unknown check ${JSON.stringify(item)} in ${listName(path)}`,
          close !== undefined
            ? `did you mean "${close}"?`
            : `the checks are: ${POLICY_CHECK_IDS.join(", ")}`,
        );
        return;
      }
      if (ids.includes(item)) {
        this.warning(
          "policy-duplicate",
          itemPath,
          `${JSON.stringify(item)} is listed twice in ${listName(path)}`,
          "remove the second one",
        );
        return;
      }
      if (targetKinds && !targetKinds.some((k) => CHECK_APPLIES_TO[item].includes(k))) {
        const fits = item === "checksum" ? "crate-checksum" : undefined;
        this.error(
          "policy-inapplicable-check",
          itemPath,
          `${label} names ${JSON.stringify(item)}, which ${
            targetKinds.includes("crate") ? "a crate" : "a release asset"
          } never has, so it could never be satisfied`,
          fits
            ? `did you mean "${fits}"?`
            : `${item} applies to ${
              CHECK_APPLIES_TO[item].map((k) => k === "file" ? "local files" : `${k}s`).join(
                " and ",
              )
            }`,
        );
        return;
      }
      ids.push(item);
    });
    return ids;
  }

  rule(kind: RuleKind, key: string, path: string[], table: Record<string, unknown>): Rule {
    const label = ruleLabel(kind, key);
    const targetKinds: TargetKind[] | undefined = kind === "defaults"
      ? undefined
      : kind === "repo"
      ? ["release"]
      : ["crate"];
    const spec = kind === "crate" || kind === "crate-version" ? splitCrateSpec(key) : undefined;
    let require: Rule["require"];
    if (Array.isArray(table.require)) {
      require = {
        value: this.checkList(table.require, [...path, "require"], targetKinds, label),
        pos: this.pos([...path, "require"], "key"),
      };
    }
    let rekor: Rule["rekor"];
    if (table.rekor === "required" || table.rekor === "optional") {
      rekor = { value: table.rekor, pos: this.pos([...path, "rekor"], "key") };
    }
    let strict: Rule["strict"];
    if (typeof table.strict === "boolean") {
      strict = { value: table.strict, pos: this.pos([...path, "strict"], "key") };
    }
    let minAssurance: Rule["minAssurance"];
    const min = table.min_assurance;
    if (min === "integrity" || min === "provenance" || min === "source") {
      minAssurance = { value: min, pos: this.pos([...path, "min_assurance"], "key") };
    }
    let noDowngrade: Rule["noDowngrade"];
    if (typeof table.no_downgrade === "boolean") {
      noDowngrade = { value: table.no_downgrade, pos: this.pos([...path, "no_downgrade"], "key") };
    }
    let signers: Rule["signers"];
    if (Array.isArray(table.signer)) {
      const list: Signer[] = [];
      const seen = new Map<string, number>();
      table.signer.forEach((entry, i) => {
        if (!isTable(entry)) return;
        const signerPath = [...path, "signer", String(i)];
        const signer = this.signer(entry, signerPath);
        if (!signer) return;
        const identity = JSON.stringify([
          signer.workflow,
          signer.ref,
          signer.issuer,
          signer.san,
          signer.sourceRepository?.toLowerCase(),
          signer.sourceRef,
          signer.runnerEnvironment,
        ]);
        const first = seen.get(identity);
        if (first !== undefined) {
          this.warning(
            "policy-duplicate",
            signerPath,
            `this signer is the same as the one at ${this.file}:${list[first].pos.line}`,
            "remove one of them",
            "header",
          );
          return;
        }
        seen.set(identity, list.length);
        list.push(signer);
      });
      signers = { value: list, pos: this.pos([...path, "signer"], "key") };
    }
    return {
      kind,
      key,
      label,
      ...(kind === "repo" ? { repo: key } : {}),
      ...(spec ? { crateName: spec.name } : {}),
      ...(spec?.version !== undefined ? { crateVersion: spec.version } : {}),
      ...(require ? { require } : {}),
      ...(rekor ? { rekor } : {}),
      ...(strict ? { strict } : {}),
      ...(minAssurance ? { minAssurance } : {}),
      ...(noDowngrade ? { noDowngrade } : {}),
      ...(signers ? { signers } : {}),
      pos: this.pos(path),
    };
  }

  signer(entry: Record<string, unknown>, path: string[]): Signer | undefined {
    const str = (key: string) => typeof entry[key] === "string" ? entry[key] as string : undefined;
    let ok = true;
    const workflow = str("workflow");
    if (workflow !== undefined && !isWorkflowPath(workflow)) {
      ok = false;
      this.error(
        "policy-invalid-workflow",
        [...path, "workflow"],
        `${JSON.stringify(workflow)} is not a workflow (OWNER/REPO/.github/workflows/FILE)`,
        workflowHelp(workflow),
      );
    }
    const ref = str("ref");
    if (ref !== undefined) {
      const problem = validateRefGlob(ref);
      if (problem) {
        ok = false;
        this.error("policy-invalid-glob", [...path, "ref"], problem.message, problem.help);
      }
    }
    const issuer = str("issuer");
    if (issuer !== undefined && !isHttpsUrl(issuer)) {
      ok = false;
      this.error(
        "policy-invalid-value",
        [...path, "issuer"],
        `issuer ${JSON.stringify(issuer)} is not an https:// URL`,
        `the OIDC issuer exactly as the certificate records it, e.g. "${DEFAULT_SIGNER_ISSUER}"`,
      );
    }
    const san = str("san");
    if (san !== undefined) {
      if (san.trim() === "") {
        ok = false;
        this.error("policy-invalid-value", [...path, "san"], "san is empty");
      } else if (/^https:\/\/github\.com\/[^@]+\/\.github\/workflows\/[^@]+$/.test(san)) {
        ok = false;
        const short = san.slice("https://github.com/".length);
        this.error(
          "policy-invalid-value",
          [...path, "san"],
          "a workflow SAN always ends with @REF, so this exact san can never match",
          `to accept the workflow at any ref write workflow = "${short}" (and narrow it with ref = "refs/tags/*")`,
        );
      }
    }
    const sourceRepository = str("source_repository");
    if (sourceRepository !== undefined && !isRepoName(sourceRepository)) {
      ok = false;
      this.error(
        "policy-invalid-repo",
        [...path, "source_repository"],
        `source_repository ${
          JSON.stringify(sourceRepository)
        } is not a GitHub repository (OWNER/REPO)`,
        repoHelp(sourceRepository),
      );
    }
    const sourceRef = str("source_ref");
    if (sourceRef !== undefined && !sourceRef.startsWith("refs/")) {
      ok = false;
      this.error(
        "policy-invalid-value",
        [...path, "source_ref"],
        `source_ref ${JSON.stringify(sourceRef)} can never match: a source ref starts with refs/`,
        `did you mean "${/^v?[0-9]/.test(sourceRef) ? "refs/tags/" : "refs/heads/"}${sourceRef}"?`,
      );
    }
    if (workflow === undefined && san === undefined) {
      ok = false;
      this.error(
        "policy-signer-unbound",
        path,
        `${describeNode(path)} names neither a workflow nor a san, so it would accept any signer`,
        'add workflow = "OWNER/REPO/.github/workflows/FILE.yml" (or an exact san = "…")',
        "header",
      );
    }
    if (!ok) return undefined;
    const runner = entry.runner_environment === "github-hosted" ? "github-hosted" : undefined;
    return {
      ...(workflow !== undefined ? { workflow } : {}),
      ...(ref !== undefined ? { ref } : {}),
      issuer: issuer ?? DEFAULT_SIGNER_ISSUER,
      issuerExplicit: issuer !== undefined,
      ...(san !== undefined ? { san } : {}),
      ...(sourceRepository !== undefined ? { sourceRepository } : {}),
      ...(sourceRef !== undefined ? { sourceRef } : {}),
      ...(runner ? { runnerEnvironment: runner } : {}),
      pos: this.pos(path),
    };
  }

  exception(entry: Record<string, unknown>, path: string[]): PolicyException | undefined {
    let target: ExceptionTarget | undefined;
    let targetText = "";
    const hasCrate = "crate" in entry;
    const hasRepo = "repo" in entry;
    if (hasCrate && hasRepo) {
      this.error(
        "policy-exception-target",
        path,
        "[[exception]] names both a crate and a repo",
        "one exception is for one target: split it in two",
        "header",
      );
    } else if (!hasCrate && !hasRepo) {
      this.error(
        "policy-exception-target",
        path,
        "[[exception]] names no crate or repo",
        'add crate = "NAME@VERSION" (or "NAME" for every version), or repo = "OWNER/REPO"',
        "header",
      );
    } else if (typeof entry.crate === "string") {
      const spec = this.crateSpec(entry.crate, [...path, "crate"], "value");
      if (spec) {
        target = { kind: "crate", ...spec };
        targetText = entry.crate;
      }
    } else if (typeof entry.repo === "string") {
      if (isRepoName(entry.repo)) {
        target = { kind: "repo", repo: entry.repo };
        targetText = entry.repo;
      } else {
        this.error(
          "policy-invalid-repo",
          [...path, "repo"],
          `${JSON.stringify(entry.repo)} is not a GitHub repository (OWNER/REPO)`,
          repoHelp(entry.repo),
        );
      }
    }
    const allow = this.checkList(
      entry.allow,
      [...path, "allow"],
      target ? [target.kind === "repo" ? "release" : "crate"] : undefined,
      `the exception for ${targetText || "this target"}`,
    );
    let reason: string | undefined;
    if (typeof entry.reason === "string") {
      if (entry.reason.trim() === "") {
        this.error(
          "policy-exception-reason",
          [...path, "reason"],
          "the exception's reason is empty",
          "say why the evidence may be missing: the reason is shown in every report it changes",
        );
      } else {
        reason = entry.reason;
      }
    }
    let expires: string | undefined;
    if (typeof entry.expires === "string") {
      expires = this.expiry(entry.expires, [...path, "expires"], targetText, allow);
    } else if (entry.expires instanceof Date) {
      this.error(
        "policy-invalid-date",
        [...path, "expires"],
        "expires must be a date (YYYY-MM-DD), not a date-time or a time",
        "write a date without a time, e.g. expires = 2027-06-30: the exception holds through that day (UTC)",
      );
    }
    if (!target || reason === undefined || !Array.isArray(entry.allow)) return undefined;
    return {
      target,
      targetText,
      allow,
      reason,
      ...(expires !== undefined ? { expires } : {}),
      pos: this.pos(path),
    };
  }

  expiry(
    text: string,
    path: string[],
    targetText: string,
    allow: readonly string[],
  ): string | undefined {
    const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/.exec(text);
    const day = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
    if (!m || new Date(day).toISOString().slice(0, 10) !== text) {
      this.error(
        "policy-invalid-date",
        path,
        `expires ${JSON.stringify(text)} is not a calendar date (YYYY-MM-DD)`,
        "write a day that exists, e.g. expires = 2027-06-30: the exception holds through that day (UTC)",
      );
      return undefined;
    }
    if (this.now) {
      const end = day + DAY_MS;
      const name = `the exception for ${targetText || "?"} (allow ${allow.join(", ") || "?"})`;
      if (this.now.getTime() >= end) {
        this.error(
          "policy-expired-exception",
          path,
          `${name} expired on ${text}`,
          "check whether the evidence exists now; if not, renew the exception with a new " +
            "expires date and an updated reason, or remove it",
        );
      } else if (this.now.getTime() >= end - EXPIRY_WARNING_DAYS * DAY_MS) {
        const days = Math.ceil((end - this.now.getTime()) / DAY_MS);
        this.warning(
          "policy-exception-expiring",
          path,
          `${name} expires on ${text} (in ${days} day${days === 1 ? "" : "s"})`,
          "after that day the policy is invalid and every run stops: renew or remove it",
        );
      }
    }
    return text;
  }

  /**
   * Reports each exception that allows a check already allowed for its target by an earlier one
   * (naming the first such earlier exception). Linear: the first exception allowing each
   * (target, check) is kept in a map, rather than every pair of exceptions being compared.
   */
  overlappingExceptions(
    exceptions: readonly { exception: PolicyException; path: string[] }[],
  ): void {
    const firstAllowing = new Map<string, number>();
    for (let i = 0; i < exceptions.length; i++) {
      const b = exceptions[i].exception;
      const target = targetKey(b.target);
      let j = i;
      for (const id of b.allow) j = Math.min(j, firstAllowing.get(`${target}\0${id}`) ?? i);
      for (const id of b.allow) {
        if (!firstAllowing.has(`${target}\0${id}`)) firstAllowing.set(`${target}\0${id}`, i);
      }
      if (j === i) continue;
      const a = exceptions[j].exception;
      const both = b.allow.filter((id) => a.allow.includes(id));
      this.error(
        "policy-duplicate",
        exceptions[i].path,
        `this exception allows ${both.join(", ")} for ${b.targetText} again ` +
          `(already allowed at ${this.file}:${a.pos.line})`,
        "keep one exception per target and check, so one reason and one expiry apply",
        "header",
      );
    }
  }
}

/** `require of [defaults]`, `allow of [[exception]]`. */
function listName(path: readonly string[]): string {
  return `${path[path.length - 1]} of ${describeTable(path.slice(0, -1))}`;
}

function targetKey(target: ExceptionTarget): string {
  return target.kind === "repo"
    ? `repo:${normalizeRepo(target.repo)}`
    : `crate:${normalizeCrateName(target.name)}@${target.version ?? "*"}`;
}

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === "https:";
  } catch {
    return false;
  }
}
