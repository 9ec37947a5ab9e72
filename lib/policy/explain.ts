/**
 * Describing a policy to a person: a one-line summary of what it demands (`policy check`), which
 * rules apply to a subject and why (`policy explain`), and warnings for entries that match no
 * subject of a run (a rule for a crate that is not in Cargo.lock).
 * @module
 */
import { type PolicyDiagnostic, sourceLines } from "./diagnostics.ts";
import {
  describeTarget,
  type EvaluateOptions,
  type PolicyResolution,
  type PolicyTarget,
  resolvePolicy,
  type RuleRef,
} from "./evaluate.ts";
import {
  normalizeCrateName,
  normalizeRepo,
  type Policy,
  type PolicyException,
  type Rule,
  type Signer,
  type SourcePos,
} from "./model.ts";

function list(names: readonly string[], max = 3): string {
  if (names.length <= max) return names.join(", ");
  return `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * One line saying what a policy demands, e.g. `every subject: require checksum; rekor required;
 * 2 repo rules (BurntSushi/ripgrep, cli/cli); 1 crate rule (serde); 1 exception`.
 */
export function summarizePolicy(policy: Policy): string {
  const parts: string[] = [];
  const d = policy.defaults;
  const defaults: string[] = [];
  if (d?.require) {
    defaults.push(
      d.require.value.length ? `require ${d.require.value.join(", ")}` : "require nothing",
    );
  }
  if (d?.rekor?.value === "required") defaults.push("rekor required");
  if (d?.strict?.value) defaults.push("strict");
  if (d?.minAssurance) defaults.push(`min_assurance ${d.minAssurance.value}`);
  if (d?.signers) defaults.push(plural(d.signers.value.length, "signer"));
  parts.push(
    defaults.length
      ? `every subject: ${defaults.join(", ")}`
      : "every subject: present checks must pass, one load-bearing proof is enough",
  );
  if (policy.repos.length) {
    parts.push(
      `${plural(policy.repos.length, "repo rule")} (${list(policy.repos.map((r) => r.key))})`,
    );
  }
  if (policy.crates.length) {
    parts.push(
      `${plural(policy.crates.length, "crate rule")} (${list(policy.crates.map((r) => r.key))})`,
    );
  }
  if (policy.exceptions.length) {
    const expiring = policy.exceptions.filter((e) => e.expires !== undefined);
    const first = expiring.map((e) => e.expires!).sort()[0];
    parts.push(
      `${plural(policy.exceptions.length, "exception")}` +
        (first ? ` (first expiry ${first})` : ""),
    );
  }
  return parts.join("; ");
}

function at(r: RuleRef): string {
  return `${r.rule} at ${r.file}:${r.line}`;
}

function describeSigner(s: Signer): string {
  const parts: string[] = [];
  if (s.workflow) parts.push(`workflow ${s.workflow}`);
  if (s.san) parts.push(`san ${s.san}`);
  if (s.ref) parts.push(`ref ${s.ref}`);
  if (s.sourceRef) parts.push(`source ref ${s.sourceRef}`);
  if (s.sourceRepository) parts.push(`built from ${s.sourceRepository}`);
  if (s.runnerEnvironment) parts.push(`${s.runnerEnvironment} runner`);
  parts.push(s.issuerExplicit ? `issuer ${s.issuer}` : "issuer GitHub Actions");
  return parts.join(", ");
}

function describeException(e: PolicyException): string {
  return `${e.allow.join(", ")} may be missing: ${e.reason}` +
    (e.expires ? ` (until ${e.expires})` : "");
}

/** Explains which rules apply to a target and why, as text (ends with a newline). */
export function renderExplanation(
  policy: Policy,
  target: PolicyTarget,
  options: EvaluateOptions = {},
): string {
  const r = resolvePolicy(policy, target, options);
  const kind = target.kind === "release"
    ? "release assets of"
    : target.kind === "crate"
    ? "crate"
    : "";
  const lines = [`${kind} ${describeTarget(target)}`.trim()];
  const source = policy.builtin ? "the built-in policy (no attest.toml)" : policy.file;
  if (r.applied.length === 0) {
    lines.push(`  rules:      none in ${source} match; the built-in behaviour applies`);
  } else {
    lines.push(`  rules:      ${r.applied.map(at).join(" > ")}   (most specific first)`);
  }
  lines.push(
    `  require:    ${
      r.require.length
        ? `${r.require.map((q) => q.id).join(", ")}   (${at(r.require[0].ref)})`
        : "no check by name; present checks must pass and one load-bearing proof is needed"
    }`,
  );
  if (r.notApplicable.length) {
    lines.push(
      `              not demanded here: ${r.notApplicable.map((q) => q.id).join(", ")} ` +
        `(cannot apply to ${target.kind === "crate" ? "a crate" : "this subject"})`,
    );
  }
  lines.push(`  rekor:      ${r.rekor.value}   (${sourceOf(r.rekor, "--require-rekor")})`);
  lines.push(`  strict:     ${r.strict.value}   (${sourceOf(r.strict, "--strict")})`);
  if (r.minAssurance) {
    lines.push(`  assurance:  at least ${r.minAssurance.value}   (${at(r.minAssurance.ref)})`);
  }
  if (r.noDowngrade) {
    lines.push(`  downgrade:  no_downgrade = ${r.noDowngrade.value}   (${at(r.noDowngrade.ref)})`);
  }
  if (r.signers.list.length && r.signers.ref) {
    lines.push(`  signers:    any one of (${at(r.signers.ref)}):`);
    for (const s of r.signers.list) {
      lines.push(`                - ${describeSigner(s)}   (${s.pos.file}:${s.pos.line})`);
    }
    if (target.kind === "release") {
      lines.push(
        `              every signer must also have built from ${target.repo} (or the ` +
          "source_repository it names) at the release's tag or its commit: rules only narrow",
      );
    }
  } else {
    lines.push(
      `  signers:    ${
        target.kind === "release"
          ? `none named: a workflow of ${target.repo} building from the release's tag (built-in)`
          : "none named: a signature counts only for a signer named on the command line"
      }`,
    );
  }
  if (r.exceptions.length) {
    lines.push("  exceptions:");
    for (const m of r.exceptions) {
      lines.push(
        `                - ${describeException(m.exception)}   (${m.ref.file}:${m.ref.line})` +
          (m.expired ? "  EXPIRED: not applied" : ""),
      );
    }
  }
  if (r.versionSpecific.length) {
    lines.push(
      `  note:       rules for single versions also exist: ${
        r.versionSpecific.map(at).join(", ")
      }; name a version (${describeTarget(target)}@VERSION) to see them applied`,
    );
  }
  return lines.join("\n") + "\n";
}

function sourceOf(
  setting: PolicyResolution["strict"] | PolicyResolution["rekor"],
  flagName: string,
): string {
  if (setting.cli) return flagName;
  return setting.ref ? at(setting.ref) : "default";
}

/** The explanation as JSON-ready data (`policy explain --json`). */
export function explainAsJson(
  policy: Policy,
  target: PolicyTarget,
  options: EvaluateOptions = {},
): Record<string, unknown> {
  const r = resolvePolicy(policy, target, options);
  const refJson = (x?: RuleRef) => x ? { rule: x.rule, file: x.file, line: x.line } : null;
  return {
    target,
    applied: r.applied.map(refJson),
    require: r.require.map((q) => ({ id: q.id, policyRef: refJson(q.ref) })),
    notApplicable: r.notApplicable.map((q) => ({ id: q.id, policyRef: refJson(q.ref) })),
    rekor: { value: r.rekor.value, policyRef: refJson(r.rekor.ref), cli: r.rekor.cli },
    strict: { value: r.strict.value, policyRef: refJson(r.strict.ref), cli: r.strict.cli },
    minAssurance: r.minAssurance
      ? { value: r.minAssurance.value, policyRef: refJson(r.minAssurance.ref) }
      : null,
    noDowngrade: r.noDowngrade
      ? { value: r.noDowngrade.value, policyRef: refJson(r.noDowngrade.ref) }
      : null,
    signers: r.signers.list.map((s) => ({
      workflow: s.workflow ?? null,
      ref: s.ref ?? null,
      issuer: s.issuer,
      san: s.san ?? null,
      sourceRepository: s.sourceRepository ?? null,
      sourceRef: s.sourceRef ?? null,
      runnerEnvironment: s.runnerEnvironment ?? null,
      policyRef: { file: s.pos.file, line: s.pos.line },
    })),
    exceptions: r.exceptions.map((m) => ({
      target: m.exception.targetText,
      allow: m.exception.allow,
      reason: m.exception.reason,
      expires: m.exception.expires ?? null,
      expired: m.expired,
      policyRef: refJson(m.ref),
    })),
    versionSpecific: r.versionSpecific.map(refJson),
  };
}

/**
 * The source lines of each policy, split once: splitting the text again for every warning took
 * time quadratic in the policy's size (8,000 unmatched crate rules: seconds).
 */
const SOURCE_LINES = new WeakMap<Policy, ReturnType<typeof sourceLines>>();

function warningAt(
  policy: Policy,
  pos: SourcePos,
  code: string,
  message: string,
  help?: string,
): PolicyDiagnostic {
  let source = SOURCE_LINES.get(policy);
  if (source === undefined) {
    source = sourceLines(policy.text.split("\n").map((l) => l.replace(/\r$/, "")));
    SOURCE_LINES.set(policy, source);
  }
  return {
    level: "warning",
    code,
    message,
    file: pos.file,
    line: pos.line,
    col: pos.col,
    length: pos.length ?? 1,
    ...source(pos.line, pos.col),
    ...(help ? { help } : {}),
  };
}

/**
 * Warnings for entries that match no subject of a complete run (every crate of a Cargo.lock):
 * crate rules and crate exceptions when there are crate subjects, repo rules and repo
 * exceptions when there are release subjects. Call it only when the subjects are the whole set.
 */
export function findUnmatchedEntries(
  policy: Policy,
  targets: readonly PolicyTarget[],
): PolicyDiagnostic[] {
  const crates = new Map<string, string[]>();
  const repos = new Set<string>();
  for (const t of targets) {
    if (t.kind === "crate") {
      const name = normalizeCrateName(t.name);
      const versions = crates.get(name) ?? [];
      if (t.version !== undefined) versions.push(t.version);
      crates.set(name, versions);
    } else if (t.kind === "release") {
      repos.add(normalizeRepo(t.repo));
    }
  }
  const out: PolicyDiagnostic[] = [];
  const crateMiss = (name: string, version: string | undefined): string | undefined => {
    const versions = crates.get(normalizeCrateName(name));
    if (versions === undefined) return `${name} is not among the crates checked`;
    if (version !== undefined && !versions.includes(version)) {
      return `${name} is checked at ${versions.join(", ")}, not ${version}`;
    }
    return undefined;
  };
  const help = "remove it, or keep it if the crate comes back (this is a warning only)";
  if (crates.size > 0) {
    for (const rule of policy.crates) {
      const miss = crateMiss(rule.crateName ?? rule.key, rule.crateVersion);
      if (miss) {
        out.push(
          warningAt(
            policy,
            rule.pos,
            "policy-unmatched-rule",
            `${rule.label} matches no subject: ${miss}`,
            help,
          ),
        );
      }
    }
  }
  if (repos.size > 0) {
    for (const rule of policy.repos) {
      if (!repos.has(normalizeRepo(rule.repo ?? rule.key))) {
        out.push(
          warningAt(
            policy,
            rule.pos,
            "policy-unmatched-rule",
            `${rule.label} matches no subject: no release of ${rule.key} is checked`,
            help,
          ),
        );
      }
    }
  }
  for (const e of policy.exceptions) {
    let miss: string | undefined;
    if (e.target.kind === "crate" && crates.size > 0) {
      miss = crateMiss(e.target.name, e.target.version);
    } else if (
      e.target.kind === "repo" && repos.size > 0 && !repos.has(normalizeRepo(e.target.repo))
    ) {
      miss = `no release of ${e.target.repo} is checked`;
    }
    if (miss) {
      out.push(
        warningAt(
          policy,
          e.pos,
          "policy-unmatched-rule",
          `the exception for ${e.targetText} matches no subject: ${miss}`,
          help,
        ),
      );
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** All rules of a policy, in file order (for listings). */
export function allRules(policy: Policy): Rule[] {
  return [...(policy.defaults ? [policy.defaults] : []), ...policy.repos, ...policy.crates].sort(
    (a, b) => a.pos.line - b.pos.line,
  );
}
