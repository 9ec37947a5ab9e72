/**
 * The policy's JSON Schema (`schema/attest.schema.json`, draft 2020-12) and its validation with
 * ajv, loaded lazily so commands that read no policy never load ajv. Schema errors are turned
 * into findings with stable codes; the keywords the semantic rules check more precisely
 * (patterns, `anyOf`/`oneOf`, check ids) are handed back as deferred, so the loader can prove
 * each one is covered by a semantic finding.
 * @module
 */
import SCHEMA_TEXT from "../../schema/attest.schema.json" with { type: "text" };
import { suggestClosest } from "./diagnostics.ts";
import type { PositionPreference } from "./positions.ts";

/** The schema as shipped (what `policy schema` prints and editors use). */
export const POLICY_SCHEMA_TEXT: string = SCHEMA_TEXT;

/** A problem found while loading, before it has a position. */
export interface Finding {
  readonly level: "error" | "warning";
  readonly code: string;
  readonly message: string;
  /** Where in the document (JSON-pointer segments). */
  readonly path: readonly string[];
  /** Which part of the node to point at. */
  readonly prefer: PositionPreference;
  readonly help?: string;
}

/** One ajv error, reduced to what the mapping needs. */
export interface SchemaError {
  readonly path: string[];
  readonly keyword: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
  readonly schemaPath: string;
  readonly parentSchema?: Record<string, unknown>;
  readonly data: unknown;
}

interface AjvErrorObject {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  parentSchema?: Record<string, unknown>;
  data?: unknown;
}

type Validate = ((data: unknown) => boolean) & { errors?: AjvErrorObject[] | null };

let validator: Promise<Validate> | undefined;

async function compileValidator(): Promise<Validate> {
  const mod = await import("ajv/dist/2020.js");
  // ajv is CommonJS: the default import is module.exports, whose `default` is the class.
  const Ajv2020 = mod.default.default;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false });
  return ajv.compile(JSON.parse(SCHEMA_TEXT)) as unknown as Validate;
}

/** Validates a (JSON-shaped) policy document against the schema; resolves to its errors. */
export async function validatePolicySchema(doc: unknown): Promise<SchemaError[]> {
  validator ??= compileValidator();
  const validate = await validator;
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e) => ({
    path: e.instancePath === ""
      ? []
      : e.instancePath.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~")),
    keyword: e.keyword,
    params: e.params,
    message: e.message ?? e.keyword,
    schemaPath: e.schemaPath,
    parentSchema: e.parentSchema,
    data: e.data,
  }));
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function tomlKey(segment: string): string {
  return BARE_KEY.test(segment) ? segment : JSON.stringify(segment);
}

function isIndex(segment: string): boolean {
  return /^[0-9]+$/.test(segment);
}

/**
 * The TOML table a path lies in, as a header: `[defaults]`, `[repo."o/r"]`,
 * `[[crate.serde.signer]]`, `[[exception]]`; `the top level` for the root.
 */
export function describeTable(path: readonly string[]): string {
  if (path.length === 0) return "the top level";
  const keys = path.filter((s, i) => !(isIndex(s) && i > 0 && isArrayOfTables(path, i)));
  const header = keys.map(tomlKey).join(".");
  return isIndex(path[path.length - 1]) ? `[[${header}]]` : `[${header}]`;
}

function isArrayOfTables(path: readonly string[], index: number): boolean {
  const owner = path[index - 1];
  return owner === "signer" || owner === "exception";
}

/** A node as a person names it: `require in [defaults]`, `require[1] in [crate.serde]`. */
export function describeNode(path: readonly string[]): string {
  if (path.length === 0) return "the policy";
  const last = path[path.length - 1];
  if (path.length === 1) return isTableKey(last) ? describeTable(path) : last;
  if (isIndex(last) && isArrayOfTables(path, path.length - 1)) return describeTable(path);
  if (isTableKey(path[0]) && (path.length === 2 && path[0] !== "defaults")) {
    return describeTable(path);
  }
  if (isIndex(last)) {
    return `${path[path.length - 2]}[${last}] in ${describeTable(path.slice(0, -2))}`;
  }
  return `${last} in ${describeTable(path.slice(0, -1))}`;
}

function isTableKey(key: string): boolean {
  return key === "defaults" || key === "repo" || key === "crate" || key === "exception";
}

/** Describes a value's type for "must be X, not Y" messages. */
export function describeValueType(value: unknown): string {
  if (typeof value === "string") return "a string";
  if (typeof value === "number") return Number.isInteger(value) ? "an integer" : "a float";
  if (typeof value === "boolean") return "a boolean";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a date";
  if (value === null || value === undefined) return "nothing";
  return "a table";
}

function showValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value) ?? String(value);
}

const SIGNER_KEYS = [
  "workflow",
  "ref",
  "issuer",
  "san",
  "source_repository",
  "source_ref",
  "runner_environment",
];
const RULE_KEYS = ["require", "rekor", "strict", "min_assurance", "no_downgrade", "signer"];
const EXCEPTION_KEYS = ["crate", "repo", "allow", "reason", "expires"];

/** Names users reach for that mean another key (`repository` → `source_repository`). */
const ALIASES: Readonly<Record<string, string>> = {
  repo: "source_repository",
  repository: "source_repository",
  source_repo: "source_repository",
  environment: "runner_environment",
  runner: "runner_environment",
  oidc_issuer: "issuer",
  certificate_oidc_issuer: "issuer",
  certificate_identity: "san",
  identity: "san",
  signer_workflow: "workflow",
  signers: "signer",
  requires: "require",
  required: "require",
  exceptions: "exception",
  crates: "crate",
  repos: "repo",
  repository_rules: "repo",
};

function expectedType(path: readonly string[], type: unknown): string {
  const last = path[path.length - 1];
  if (last === "require" || last === "allow") return "an array of check ids";
  if (last === "signer") return "an array of tables (write [[…signer]] headers)";
  if (last === "exception") return "an array of tables (write [[exception]] headers)";
  switch (type) {
    case "string":
      return "a string";
    case "boolean":
      return "true or false";
    case "array":
      return "an array";
    case "object":
      return "a table";
    default:
      return String(type);
  }
}

function typeHelp(path: readonly string[], data: unknown): string | undefined {
  const last = path[path.length - 1];
  if ((last === "require" || last === "allow") && typeof data === "string") {
    return `write ${last} = [${JSON.stringify(data)}]`;
  }
  if (last === "strict" && (data === "true" || data === "false")) {
    return `write strict = ${data} (without quotes)`;
  }
  if ((last === "signer" || last === "exception") && typeof data === "object" && data !== null) {
    const header = last === "exception"
      ? "[[exception]]"
      : `[[${describeTable(path.slice(0, -1)).replace(/^\[+|\]+$/g, "")}.signer]]`;
    return `write ${header} with two brackets: each one adds an entry to the list`;
  }
  if (path.length === 2 && path[0] === "crate" && typeof data === "string") {
    return `rules are tables: write [crate.${tomlKey(path[1])}] and under it require = [...]; ` +
      `pin one version with [crate."${path[1]}@${data.replace(/^[=^~]/, "")}"]`;
  }
  if (path.length === 2 && path[0] === "repo" && typeof data === "string") {
    return `rules are tables: write [repo."${path[1]}"] and under it require = [...]`;
  }
  if (path.length === 1 && (last === "repo" || last === "crate") && typeof data === "string") {
    return `write [${last}.${tomlKey(data)}] and put the rule's keys under it`;
  }
  return undefined;
}

function unknownKeyHelp(parentPath: readonly string[], key: string, allowed: string[]):
  | string
  | undefined {
  const folded = key.toLowerCase().replace(/-/g, "_");
  const alias = Object.hasOwn(ALIASES, folded) ? ALIASES[folded] : undefined;
  if (alias !== undefined && allowed.includes(alias)) return `did you mean "${alias}"?`;
  const close = suggestClosest(key, allowed);
  if (close !== undefined) return `did you mean "${close}"?`;
  const here = describeTable(parentPath);
  const ruleHeader = here.replace(/^\[+|\]+$/g, "");
  if (SIGNER_KEYS.includes(key) && allowed.includes("signer")) {
    return `signer keys go in a [[${ruleHeader}.signer]] table`;
  }
  if (EXCEPTION_KEYS.includes(key) && !allowed.includes(key) && key !== "crate" && key !== "repo") {
    return "exception keys go in an [[exception]] table";
  }
  if (RULE_KEYS.includes(key) && parentPath.length === 0) {
    return `rule keys go in a table: [defaults], [repo."OWNER/REPO"] or [crate.NAME]`;
  }
  if (parentPath.length === 0 && /^[A-Za-z][A-Za-z0-9_-]*$/.test(key)) {
    return `rules for a crate go in [crate.${key}], for a repository in [repo."OWNER/REPO"]; ` +
      `allowed here: ${allowed.join(", ")}`;
  }
  return allowed.length ? `allowed here: ${allowed.join(", ")}` : undefined;
}

/** Keywords the semantic rules check (with better messages); their schema errors are deferred. */
const DEFERRED_KEYWORDS = new Set(["pattern", "propertyNames", "minLength", "anyOf", "oneOf"]);

/**
 * Maps schema errors to findings. Errors the semantic rules cover are returned as `deferred`
 * (the loader checks that a semantic finding covers each, and reports them itself otherwise).
 */
export function mapSchemaErrors(
  errors: readonly SchemaError[],
): { findings: Finding[]; deferred: SchemaError[] } {
  const findings: Finding[] = [];
  const deferred: SchemaError[] = [];
  for (const e of errors) {
    const path = e.path;
    // Errors inside anyOf/oneOf branches are summed up by the anyOf/oneOf error itself.
    if (/\/(anyOf|oneOf)\/\d+\//.test(e.schemaPath)) continue;
    const dateTime = e.keyword === "type" && path[path.length - 1] === "expires" &&
      e.data instanceof Date;
    if (
      DEFERRED_KEYWORDS.has(e.keyword) || e.schemaPath.includes("/$defs/checkId/") || dateTime
    ) {
      deferred.push(e);
      continue;
    }
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String(e.params.additionalProperty);
        const properties = (e.parentSchema?.properties ?? {}) as Record<string, unknown>;
        const allowed = Object.keys(properties);
        findings.push({
          level: "error",
          code: "policy-unknown-key",
          message: `unknown key ${JSON.stringify(key)} in ${describeTable(path)}`,
          path: [...path, key],
          prefer: "key",
          help: unknownKeyHelp(path, key, allowed),
        });
        break;
      }
      case "type": {
        findings.push({
          level: "error",
          code: "policy-type",
          message: `${describeNode(path)} must be ${expectedType(path, e.params.type)}, not ${
            describeValueType(e.data)
          }`,
          path,
          prefer: "value",
          help: typeHelp(path, e.data),
        });
        break;
      }
      case "const":
      case "enum": {
        const allowed =
          (e.keyword === "const" ? [e.params.allowedValue] : e.params.allowedValues as unknown[])
            .map((v) => JSON.stringify(v));
        const shown = allowed.length === 1
          ? allowed[0]
          : `${allowed.slice(0, -1).join(", ")} or ${allowed[allowed.length - 1]}`;
        const last = path[path.length - 1];
        let help: string | undefined;
        if (last === "version") {
          help = typeof e.data === "string" && e.data === "1"
            ? "write version = 1 (a number, without quotes)"
            : "this cargo-attest reads policy version 1";
        } else if (last === "runner_environment" && e.data === "self-hosted") {
          help = "a self-hosted runner's environment is whatever its owner says, so it cannot be " +
            'pinned: remove the key, or require "github-hosted"';
        } else if (typeof e.data === "string") {
          const close = suggestClosest(e.data, allowed.map((a) => JSON.parse(a) as string));
          if (close !== undefined) help = `did you mean "${close}"?`;
        }
        findings.push({
          level: "error",
          code: "policy-invalid-value",
          message: `${describeNode(path)} must be ${shown}, not ${showValue(e.data)}`,
          path,
          prefer: "value",
          help,
        });
        break;
      }
      case "required": {
        const missing = String(e.params.missingProperty);
        const where = describeNode(path);
        if (missing === "reason") {
          findings.push({
            level: "error",
            code: "policy-exception-reason",
            message: `${where} has no reason`,
            path,
            prefer: "header",
            help:
              'every exception says why: add reason = "…" (it is shown in every report it changes)',
          });
        } else {
          findings.push({
            level: "error",
            code: "policy-missing-key",
            message: `${where} has no ${missing}`,
            path,
            prefer: "header",
            help: missing === "version"
              ? "add version = 1 as the first line of the file"
              : missing === "allow"
              ? 'add allow = ["…"]: the checks that may be missing'
              : undefined,
          });
        }
        break;
      }
      case "minItems": {
        const last = path[path.length - 1];
        findings.push({
          level: "error",
          code: "policy-invalid-value",
          message: last === "signer"
            ? `${describeNode(path)} lists no signer`
            : `${describeNode(path)} is empty`,
          path,
          prefer: "value",
          help: last === "signer"
            ? "name at least one signer, or remove the key to keep the less specific rule's signers"
            : last === "allow"
            ? "list the checks that may be missing, or remove the exception"
            : undefined,
        });
        break;
      }
      default:
        findings.push(genericFinding(e));
    }
  }
  return { findings, deferred };
}

/** A finding for a schema error nothing more specific covers. */
export function genericFinding(e: SchemaError): Finding {
  const extra = typeof e.params.propertyName === "string" ? [e.params.propertyName] : [];
  return {
    level: "error",
    code: "policy-invalid-value",
    message: `${
      describeNode([...e.path, ...extra])
    } does not match the policy schema: ${e.message}`,
    path: [...e.path, ...extra],
    prefer: "value",
  };
}
