/**
 * Policy evaluation: a pure function from (policy, subject, check results) to a decision that
 * says which rule demanded each check and where it is written. The most specific rule wins, key
 * by key: `[crate."NAME@VERSION"]` over `[crate.NAME]` over `[defaults]`; `[repo."OWNER/REPO"]`
 * over `[defaults]`. `--strict` and `--require-rekor` only ever tighten what the file says.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { SignerRequirement } from "../checks/identity.ts";
import type { SubjectDescription } from "../verdict/report.ts";
import type { AssuranceLevel } from "../verdict/assurance.ts";
import {
  CHECK_APPLIES_TO,
  normalizeCrateName,
  normalizeRepo,
  type Policy,
  type PolicyCheckId,
  type PolicyException,
  type Rule,
  type Signer,
  type SourcePos,
  type TargetKind,
} from "./model.ts";

/** What a rule is matched against: a release's repository, a crate (version), or a local file. */
export type PolicyTarget =
  | { readonly kind: "release"; readonly repo: string }
  | { readonly kind: "crate"; readonly name: string; readonly version?: string }
  | { readonly kind: "file" };

/** A rule (or key of a rule) and where it is written. */
export interface RuleRef {
  /** The rule's table, as written: `[crate.serde]`, or `[[exception]]`. */
  readonly rule: string;
  readonly file: string;
  readonly line: number;
}

/** The target a subject is matched as. */
export function targetOfSubject(subject: SubjectDescription): PolicyTarget {
  switch (subject.kind) {
    case "release-asset":
      return { kind: "release", repo: subject.repo };
    case "crate":
      return { kind: "crate", name: subject.name, version: subject.version };
    case "local-file":
      return { kind: "file" };
  }
}

/** A subject description or a target, as a target. */
export function toTarget(subject: SubjectDescription | PolicyTarget): PolicyTarget {
  switch (subject.kind) {
    case "release-asset":
    case "local-file":
      return targetOfSubject(subject);
    case "crate":
      return subject.version === undefined
        ? { kind: "crate", name: subject.name }
        : { kind: "crate", name: subject.name, version: subject.version };
    default:
      return subject;
  }
}

/** Describes a target as a person names it (`serde@1.0.200`, `BurntSushi/ripgrep`). */
export function describeTarget(target: PolicyTarget): string {
  switch (target.kind) {
    case "release":
      return target.repo;
    case "crate":
      return target.version === undefined ? target.name : `${target.name}@${target.version}`;
    case "file":
      return "a local file";
  }
}

function targetKind(target: PolicyTarget): TargetKind {
  return target.kind;
}

/** Options of {@link resolvePolicy} and {@link evaluatePolicy}. */
export interface EvaluateOptions {
  /** `--strict`: tightens (never loosens) the file's `strict`. */
  readonly strict?: boolean;
  /** `--require-rekor`: tightens (never loosens) the file's `rekor`. */
  readonly requireRekor?: boolean;
  /** The current time: an exception past its `expires` day is not applied. */
  readonly now?: Date;
}

/** An exception that matches a target, and whether it still holds. */
export interface MatchedException {
  readonly exception: PolicyException;
  readonly ref: RuleRef;
  /** True when `now` is past its `expires` day (it is then not applied). */
  readonly expired: boolean;
}

/** Which rules apply to a target and what they demand, each with where it is written. */
export interface PolicyResolution {
  readonly target: PolicyTarget;
  /** The rules that match, most specific first (their table headers). */
  readonly applied: readonly RuleRef[];
  /** Checks the target must pass, each with the `require` that demands it. */
  readonly require: readonly { readonly id: PolicyCheckId; readonly ref: RuleRef }[];
  /** `[defaults]` requirements that cannot apply to this kind of subject (not demanded). */
  readonly notApplicable: readonly { readonly id: PolicyCheckId; readonly ref: RuleRef }[];
  /** Transparency-log evidence: required by the file (`ref`), by `--require-rekor`, or not. */
  readonly rekor: {
    readonly value: "required" | "optional";
    readonly ref?: RuleRef;
    readonly cli: boolean;
  };
  /** Strictness: from the file (`ref`), from `--strict`, or the default (false). */
  readonly strict: { readonly value: boolean; readonly ref?: RuleRef; readonly cli: boolean };
  /** Who may sign (empty: the policy names no signer, the built-in rule applies). */
  readonly signers: { readonly list: readonly Signer[]; readonly ref?: RuleRef };
  /** The weakest assurance a TRUSTED subject may rest on (`min_assurance`), when a rule sets one. */
  readonly minAssurance?: { readonly value: AssuranceLevel; readonly ref: RuleRef };
  /** `no_downgrade = true`: a less trustworthy update fails; the rule that says so. */
  readonly noDowngrade?: { readonly value: boolean; readonly ref: RuleRef };
  /** Exceptions for the target. */
  readonly exceptions: readonly MatchedException[];
  /** For a crate named without a version: rules and exceptions for single versions of it. */
  readonly versionSpecific: readonly RuleRef[];
}

function ref(rule: Rule, pos: SourcePos = rule.pos): RuleRef {
  return { rule: rule.label, file: pos.file, line: pos.line };
}

function exceptionMatches(exception: PolicyException, target: PolicyTarget): boolean {
  const t = exception.target;
  if (t.kind === "repo") {
    return target.kind === "release" && normalizeRepo(t.repo) === normalizeRepo(target.repo);
  }
  if (target.kind !== "crate") return false;
  if (normalizeCrateName(t.name) !== normalizeCrateName(target.name)) return false;
  return t.version === undefined || t.version === target.version;
}

/** True when `now` lies after the last day (UTC) of `expires` (`YYYY-MM-DD`). */
export function isExpired(expires: string, now: Date): boolean {
  const end = Date.parse(`${expires}T00:00:00Z`) + 86_400_000;
  return !Number.isNaN(end) && now.getTime() >= end;
}

/** The rules that match a target, most specific first. */
export function matchingRules(policy: Policy, target: PolicyTarget): Rule[] {
  const rules: Rule[] = [];
  if (target.kind === "crate") {
    const name = normalizeCrateName(target.name);
    const sameName = (r: Rule) => normalizeCrateName(r.crateName ?? "") === name;
    if (target.version !== undefined) {
      rules.push(
        ...policy.crates.filter((r) =>
          r.kind === "crate-version" && sameName(r) && r.crateVersion === target.version
        ),
      );
    }
    rules.push(...policy.crates.filter((r) => r.kind === "crate" && sameName(r)));
  } else if (target.kind === "release") {
    const repo = normalizeRepo(target.repo);
    rules.push(...policy.repos.filter((r) => normalizeRepo(r.repo ?? "") === repo));
  }
  if (policy.defaults) rules.push(policy.defaults);
  return rules;
}

/** Resolves what the policy (tightened by the command line) demands of a target. */
export function resolvePolicy(
  policy: Policy,
  target: PolicyTarget,
  options: EvaluateOptions = {},
): PolicyResolution {
  const rules = matchingRules(policy, target);
  const first = <
    K extends "require" | "rekor" | "strict" | "minAssurance" | "noDowngrade" | "signers",
  >(key: K) => rules.find((r) => r[key] !== undefined);

  const requireRule = first("require");
  const require: { id: PolicyCheckId; ref: RuleRef }[] = [];
  const notApplicable: { id: PolicyCheckId; ref: RuleRef }[] = [];
  if (requireRule?.require) {
    const at = ref(requireRule, requireRule.require.pos);
    for (const id of requireRule.require.value) {
      if (CHECK_APPLIES_TO[id].includes(targetKind(target))) require.push({ id, ref: at });
      else notApplicable.push({ id, ref: at });
    }
  }

  const rekorRule = first("rekor");
  const fileRekor = rekorRule?.rekor?.value ?? "optional";
  const rekor = {
    value: options.requireRekor ? "required" as const : fileRekor,
    ...(rekorRule?.rekor ? { ref: ref(rekorRule, rekorRule.rekor.pos) } : {}),
    cli: options.requireRekor === true && fileRekor !== "required",
  };

  const strictRule = first("strict");
  const fileStrict = strictRule?.strict?.value ?? false;
  const strict = {
    value: fileStrict || options.strict === true,
    ...(strictRule?.strict ? { ref: ref(strictRule, strictRule.strict.pos) } : {}),
    cli: options.strict === true && !fileStrict,
  };

  const minRule = first("minAssurance");
  const minAssurance = minRule?.minAssurance
    ? { value: minRule.minAssurance.value, ref: ref(minRule, minRule.minAssurance.pos) }
    : undefined;

  const downgradeRule = first("noDowngrade");
  const noDowngrade = downgradeRule?.noDowngrade
    ? {
      value: downgradeRule.noDowngrade.value,
      ref: ref(downgradeRule, downgradeRule.noDowngrade.pos),
    }
    : undefined;

  const signerRule = first("signers");
  const signers = signerRule?.signers
    ? { list: signerRule.signers.value, ref: ref(signerRule, signerRule.signers.pos) }
    : { list: [] };

  const exceptions: MatchedException[] = policy.exceptions
    .filter((e) => exceptionMatches(e, target))
    .map((exception) => ({
      exception,
      ref: { rule: "[[exception]]", file: exception.pos.file, line: exception.pos.line },
      expired: options.now !== undefined && exception.expires !== undefined &&
        isExpired(exception.expires, options.now),
    }));

  const versionSpecific: RuleRef[] = [];
  if (target.kind === "crate" && target.version === undefined) {
    const name = normalizeCrateName(target.name);
    for (const rule of policy.crates) {
      if (rule.kind === "crate-version" && normalizeCrateName(rule.crateName ?? "") === name) {
        versionSpecific.push(ref(rule));
      }
    }
    for (const e of policy.exceptions) {
      if (
        e.target.kind === "crate" && e.target.version !== undefined &&
        normalizeCrateName(e.target.name) === name
      ) {
        versionSpecific.push({ rule: "[[exception]]", file: e.pos.file, line: e.pos.line });
      }
    }
  }

  return {
    target,
    applied: rules.map((r) => ref(r)),
    require,
    notApplicable,
    rekor,
    strict,
    signers,
    ...(minAssurance ? { minAssurance } : {}),
    ...(noDowngrade ? { noDowngrade } : {}),
    exceptions,
    versionSpecific,
  };
}

/**
 * A signer the policy names, as the identity check takes it (every field it gives must hold),
 * with the policy line that wrote it. Judge certificates with `judgeSigner` (checks/signer_rules.ts),
 * which also binds the subject's own repository and ref.
 */
export interface PolicySigner extends SignerRequirement {
  /** Where the signer is written. */
  readonly policyRef: { readonly file: string; readonly line: number };
}

/**
 * Turns policy signers into requirements. The subject's own repository and ref are not added
 * here: `judgeSigner` binds them for every signer, so no signer can drop them.
 */
export function signerRequirements(signers: readonly Signer[]): PolicySigner[] {
  return signers.map((s) => ({
    ...(s.workflow !== undefined ? { signerWorkflow: s.workflow } : {}),
    ...(s.san !== undefined ? { san: s.san } : {}),
    issuer: s.issuer,
    ...(s.sourceRef !== undefined ? { sourceRef: s.sourceRef } : {}),
    ...(s.ref !== undefined ? { refGlob: s.ref } : {}),
    ...(s.sourceRepository !== undefined ? { sourceRepository: s.sourceRepository } : {}),
    ...(s.runnerEnvironment !== undefined ? { runnerEnvironment: s.runnerEnvironment } : {}),
    source: `${s.pos.file}:${s.pos.line}`,
    policyRef: { file: s.pos.file, line: s.pos.line },
  }));
}

/** The outcome of {@link evaluatePolicy}. */
export interface PolicyDecision {
  /**
   * The checks with `policyRef` and `required` set, missing required checks added as skips,
   * exceptions applied and strictness applied (skips that are not excepted became fails): decide
   * the verdict from these without passing `strict` again.
   */
  readonly checks: CheckResult[];
  /** Who may sign this subject (empty: the policy names none; use the built-in rule). */
  readonly signers: PolicySigner[];
  /** A Sigstore bundle must carry verified transparency-log evidence. */
  readonly rekorRequired: boolean;
  /** Every missing piece of evidence fails (already applied to `checks`). */
  readonly strict: boolean;
  /**
   * The weakest assurance a TRUSTED subject may rest on, and the rule that says so. It is judged
   * on the verdict (see `buildPolicyReport`), so it is not in `checks`.
   */
  readonly minAssurance?: { readonly value: AssuranceLevel; readonly ref: RuleRef };
  /** `no_downgrade` for the subject, and the rule that sets it. */
  readonly noDowngrade?: { readonly value: boolean; readonly ref: RuleRef };
  /** The rules that applied, most specific first. */
  readonly applied: readonly RuleRef[];
}

/**
 * Check ids whose passes prove something only when they are load-bearing (`crate-source`: a
 * match against a commit `crate-vcs` did not bind to the repository shows only that the crate is
 * that commit's tree, which may be a fork's).
 */
const LOAD_BEARING_IDS: ReadonlySet<string> = new Set([
  "checksum",
  "attestation",
  "cosign",
  "release-attestation",
  "crate-checksum",
  "crate-source",
]);

function counts(check: CheckResult): boolean {
  return check.status === "pass" && (check.loadBearing || !LOAD_BEARING_IDS.has(check.id));
}

function where(r: RuleRef): string {
  return `${r.file}:${r.line}`;
}

/** Applies the policy to one subject's check results. Pure: `now` comes in options. */
export function evaluatePolicy(
  policy: Policy,
  subject: SubjectDescription | PolicyTarget,
  checks: readonly CheckResult[],
  options: EvaluateOptions = {},
): PolicyDecision {
  const target = toTarget(subject);
  const resolution = resolvePolicy(policy, target, options);
  const out: CheckResult[] = checks.map((c) => ({ ...c }));
  const set = (i: number, patch: Partial<CheckResult>) => {
    out[i] = { ...out[i], ...patch };
  };

  if (resolution.rekor.value === "required") {
    out.forEach((c, i) => {
      if (c.id !== "rekor") return;
      const patch: Partial<CheckResult> = { required: true };
      if (resolution.rekor.ref && !resolution.rekor.cli) {
        set(i, {
          ...patch,
          policyRef: { file: resolution.rekor.ref.file, line: resolution.rekor.ref.line },
        });
      } else {
        set(i, patch);
      }
    });
  }

  for (const { id, ref: at } of resolution.require) {
    const policyRef = { file: at.file, line: at.line };
    const indices = out.map((c, i) => (c.id === id ? i : -1)).filter((i) => i >= 0);
    const satisfied = indices.some((i) => counts(out[i]));
    for (const i of indices) {
      set(
        i,
        out[i].status === "skip" && !satisfied ? { policyRef, required: true } : { policyRef },
      );
    }
    const anyProblem = indices.some((i) => out[i].status !== "pass");
    if (!satisfied && !anyProblem) {
      const passes = indices.map((i) => out[i].code);
      out.push({
        id,
        status: "skip",
        code: "policy-required-missing",
        message: passes.length
          ? `required by ${where(at)} (${at.rule}), but only ${passes.join(", ")} passed, ` +
            "which proves nothing about the publisher"
          : `required by ${where(at)} (${at.rule}) but no evidence was found`,
        policyRef,
        loadBearing: false,
        required: true,
      });
    }
  }

  const excepted = new Set<number>();
  for (const matched of resolution.exceptions) {
    const e = matched.exception;
    const at = matched.ref;
    out.forEach((c, i) => {
      if (c.status !== "skip" || !(e.allow as readonly string[]).includes(c.id)) return;
      if (matched.expired) {
        set(i, {
          message: `${c.message} (the exception at ${where(at)} expired on ${e.expires})`,
        });
        return;
      }
      excepted.add(i);
      set(i, {
        required: false,
        policyRef: { file: at.file, line: at.line },
        message: `${c.message} (allowed to be missing by the exception at ${
          where(at)
        }: ${e.reason})`,
      });
    });
  }

  if (resolution.strict.value) {
    const by = resolution.strict.cli || !resolution.strict.ref
      ? "--strict"
      : `strict = true at ${where(resolution.strict.ref)}`;
    out.forEach((c, i) => {
      if (c.status !== "skip" || excepted.has(i)) return;
      set(i, {
        status: "fail",
        required: true,
        message: `${c.message} (missing evidence fails under ${by})`,
        ...(c.policyRef === undefined && !resolution.strict.cli && resolution.strict.ref
          ? { policyRef: { file: resolution.strict.ref.file, line: resolution.strict.ref.line } }
          : {}),
      });
    });
  }

  return {
    checks: out,
    signers: signerRequirements(resolution.signers.list),
    rekorRequired: resolution.rekor.value === "required",
    strict: resolution.strict.value,
    ...(resolution.minAssurance ? { minAssurance: resolution.minAssurance } : {}),
    ...(resolution.noDowngrade ? { noDowngrade: resolution.noDowngrade } : {}),
    applied: resolution.applied,
  };
}
