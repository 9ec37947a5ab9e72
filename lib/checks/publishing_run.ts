/**
 * Which workflow, from which ref, published a crate through crates.io trusted publishing, judged
 * against the signer rules named for the crate (the command line's and the policy's). crates.io's
 * record (`trustpub_data`) names the repository, the commit and the GitHub Actions run, but not
 * the workflow file nor the ref; GitHub's record of that run (`GET /repos/O/R/actions/runs/ID`)
 * names the workflow file (`path`), the commit (`head_sha`), the event and `head_branch`.
 *
 * The ref is derived conservatively, since GitHub's run does not carry it: `head_branch` is the
 * branch or the tag the run was for, without saying which. A `release` event is a tag's
 * (`refs/tags/H`); a `push` or `workflow_dispatch` is a tag's only when the repository's tag `H`
 * names the run's commit, and otherwise it may be either `refs/heads/H` or `refs/tags/H`; any
 * other event (a pull request, `workflow_run`, `schedule`, …) has no ref we can tell. A ref rule
 * holds when it holds for every ref the run may have had, fails when it holds for none, and
 * otherwise cannot be decided (a skip: never a pass).
 *
 * The judgement is the conjunction `judgeSigner` makes for certificates: the command-line rule
 * AND one of the policy's signers. Pure.
 * @module
 */
import type { CheckResult, EvidenceOrigin } from "./check_result.ts";
import {
  describeRequirement,
  GITHUB_ACTIONS_ISSUER,
  parseWorkflowSan,
  type SignerRequirement,
  splitWorkflowRef,
} from "./identity.ts";
import type { SignerRules } from "./signer_rules.ts";
import { matchRefGlob } from "../policy/glob.ts";
import type { PublishingRun, PublishingRunEvidence } from "../evidence/crate_evidence.ts";

export type { PublishingRun, PublishingRunEvidence } from "../evidence/crate_evidence.ts";

/** crates.io's record, as far as this check reads it. */
export interface PublishingRecord {
  readonly provider: string;
  readonly repository?: string;
  readonly runId?: string;
  readonly sha?: string;
}

/**
 * The workflow file of a run's `path`, without the `@REF` GitHub may append. A file name may
 * hold `@` itself (`publish.yml@evil.yml` is another workflow than `publish.yml`): only a ref
 * (`@refs/…`, or a commit id) is split off (see `splitWorkflowRef`).
 */
export function runWorkflowPath(path: string): { file: string; ref?: string } {
  const split = splitWorkflowRef(path);
  return split ? { file: split.path, ref: split.ref } : { file: path };
}

/**
 * The refs a run may have been for (see the module's notes): one when GitHub's record tells,
 * two when `head_branch` may be a branch or a tag, none when the ref cannot be told.
 */
export function runRefCandidates(
  run: PublishingRun,
  headTag: PublishingRunEvidence["headTag"],
): string[] {
  const name = run.headBranch;
  if (!name) return [];
  let candidates: string[];
  if (run.event === "release") {
    candidates = [`refs/tags/${name}`];
  } else if (run.event === "push" || run.event === "workflow_dispatch") {
    const tagged = headTag && run.headSha && headTag.commit.toLowerCase() === run.headSha;
    candidates = tagged ? [`refs/tags/${name}`] : [`refs/heads/${name}`, `refs/tags/${name}`];
  } else {
    return [];
  }
  const suffix = run.path ? runWorkflowPath(run.path).ref : undefined;
  if (suffix !== undefined && suffix.startsWith("refs/")) {
    // GitHub named the ref with the workflow file: it must be one of those the event allows.
    return candidates.includes(suffix) ? [suffix] : [];
  }
  return candidates;
}

/** How one rule (or one alternative) stands against the run. */
type Outcome =
  | { readonly kind: "ok" }
  | { readonly kind: "mismatch"; readonly why: string; readonly expected: string }
  | { readonly kind: "unknown"; readonly why: string };

const OK: Outcome = { kind: "ok" };

/** What the run shows, for one line of a message. */
function describeRun(run: PublishingRun, refs: readonly string[]): string {
  const file = run.path ? runWorkflowPath(run.path).file : "(no workflow file recorded)";
  const repo = run.repository ?? "(no repository recorded)";
  const from = refs.length === 1
    ? ` from ${refs[0]}`
    : refs.length > 1
    ? ` from ${refs.join(" or ")} (GitHub does not say which)`
    : run.headBranch
    ? ` for ${run.headBranch} (a ${run.event ?? "unknown"} event, whose ref cannot be told)`
    : " (no ref recorded)";
  return `workflow ${repo}/${file}${from}`;
}

function sameRepo(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A ref requirement against the refs the run may have had. */
function judgeRef(
  refs: readonly string[],
  wanted: string,
  holds: (ref: string) => boolean,
  run: PublishingRun,
): Outcome {
  const holding = refs.filter(holds);
  if (refs.length > 0 && holding.length === refs.length) return OK;
  if (refs.length > 0 && holding.length === 0) {
    return {
      kind: "mismatch",
      why: `its ref ${refs.join(" or ")} is not ${wanted}`,
      expected: wanted,
    };
  }
  return {
    kind: "unknown",
    why: refs.length === 0
      ? `GitHub's record of run ${run.id} does not tell its ref (event ${
        run.event ?? "unknown"
      }, head_branch ${run.headBranch ?? "none"}${
        run.path?.includes("@") ? `, workflow path ${run.path}` : ""
      }), so ${wanted} cannot be checked`
      : `GitHub does not say whether ${run.headBranch} was a branch or a tag, so ${wanted} ` +
        "cannot be checked",
  };
}

/** One rule against the run. */
function judgeRule(
  rule: SignerRequirement,
  run: PublishingRun,
  refs: readonly string[],
  host: string,
): Outcome {
  if (rule.issuer !== undefined && rule.issuer !== GITHUB_ACTIONS_ISSUER) {
    return {
      kind: "mismatch",
      why:
        `trusted publishing is by a GitHub Actions workflow (issuer ${GITHUB_ACTIONS_ISSUER}), ` +
        `not issuer ${rule.issuer}`,
      expected: `issuer ${rule.issuer}`,
    };
  }
  let sanWorkflow: string | undefined;
  let sanRef: string | undefined;
  if (rule.san !== undefined) {
    const parsed = parseWorkflowSan(rule.san);
    if (!parsed || parsed.host !== host.toLowerCase()) {
      return {
        kind: "mismatch",
        why: `the rule names the signer ${rule.san}, which is not a workflow of ${host}: ` +
          "trusted publishing by a workflow cannot be that signer",
        expected: `SAN ${rule.san}`,
      };
    }
    sanWorkflow = `${parsed.owner}/${parsed.repo}/${parsed.path}`;
    sanRef = parsed.ref;
  }
  const repositories = [rule.repo, rule.sourceRepository].filter((r) => r !== undefined);
  for (const repo of repositories) {
    if (!run.repository) {
      return { kind: "unknown", why: `GitHub's run names no repository to compare with ${repo}` };
    }
    if (!sameRepo(run.repository, repo)) {
      return {
        kind: "mismatch",
        why: `the run is of ${run.repository}, not ${repo}`,
        expected: `a workflow of ${repo}`,
      };
    }
  }
  for (const workflow of [rule.signerWorkflow, sanWorkflow]) {
    if (workflow === undefined) continue;
    if (!run.repository || !run.path) {
      return {
        kind: "unknown",
        why: `GitHub's run names no ${run.path ? "repository" : "workflow file"} to compare ` +
          `with ${workflow}`,
      };
    }
    const [owner, repo, ...rest] = workflow.split("/");
    const ran = `${run.repository}/${runWorkflowPath(run.path).file}`;
    // The run's workflow file is its own repository's (a reusable workflow it calls is not the
    // run's `path`), so a workflow of another repository is never the run's.
    const same = owner !== undefined && repo !== undefined &&
      sameRepo(`${owner}/${repo}`, run.repository) &&
      rest.join("/") === runWorkflowPath(run.path).file;
    if (!same) {
      return {
        kind: "mismatch",
        why: `its workflow ${ran} is not ${workflow}`,
        expected: `workflow ${workflow}`,
      };
    }
  }
  for (const exact of [rule.sourceRef, sanRef]) {
    if (exact === undefined) continue;
    const outcome = judgeRef(refs, exact, (ref) => ref === exact, run);
    if (outcome.kind !== "ok") return outcome;
  }
  if (rule.refGlob !== undefined) {
    const glob = rule.refGlob;
    const outcome = judgeRef(refs, `a ref matching ${glob}`, (r) => matchRefGlob(glob, r), run);
    if (outcome.kind !== "ok") return outcome;
  }
  if (rule.runnerEnvironment !== undefined) {
    return {
      kind: "unknown",
      why: `GitHub's record of a run does not say whether it ran on a ${rule.runnerEnvironment} ` +
        "runner",
    };
  }
  return OK;
}

/** Every rule of one alternative: the first mismatch, else the first unknown, else ok. */
function judgeAll(outcomes: readonly Outcome[]): Outcome {
  return outcomes.find((o) => o.kind === "mismatch") ??
    outcomes.find((o) => o.kind === "unknown") ?? OK;
}

interface Alternative {
  readonly rules: readonly SignerRequirement[];
  readonly policySigner?: SignerRequirement;
  readonly outcome: Outcome;
}

/**
 * `trusted-publishing` with signer rules: the run crates.io's record names must be of the
 * record's repository and commit, and its workflow and ref must satisfy the command-line rule
 * AND one of the policy's signers. `record` is the result of the record-level check
 * (`checkTrustedPublishing`): anything but a pass is returned as it is. Without a named rule,
 * `record` is returned unchanged.
 */
export function checkPublishingWorkflow(input: {
  readonly record: CheckResult;
  readonly trustedPublishing?: PublishingRecord;
  readonly run?: PublishingRunEvidence;
  readonly rules: SignerRules;
  readonly origin?: EvidenceOrigin;
}): CheckResult {
  const { record, rules } = input;
  const named = [rules.cli, ...rules.policy].filter((r) => r !== undefined);
  const tp = input.trustedPublishing;
  if (record.status !== "pass" || named.length === 0 || !tp) return record;
  const wanted = named.map((r) => `${describeRequirement(r) || "a signer"} (${r.source})`)
    .join("; ");
  const base = {
    id: "trusted-publishing" as const,
    loadBearing: false,
    ...(input.run?.url
      ? { origin: { url: input.run.url } }
      : input.origin
      ? { origin: input.origin }
      : {}),
  };
  const firstPolicyRef = rules.policy.find((r) => r.policyRef)?.policyRef;
  const skip = (code: string, message: string): CheckResult => ({
    ...base,
    status: "skip",
    code,
    message,
    expected: wanted,
    required: false,
    ...(firstPolicyRef ? { policyRef: firstPolicyRef } : {}),
  });
  if (tp.provider !== "github" || !tp.runId || !input.run) {
    return skip(
      "trusted-publishing-workflow-unknown",
      `${record.message}; crates.io's record names no GitHub Actions run, so which workflow ` +
        `published it cannot be checked against ${wanted}`,
    );
  }
  const evidence = input.run;
  const run = evidence.run;
  if (!run) {
    const why = evidence.unavailable ??
      { code: "trusted-publishing-run-unavailable", message: "GitHub was not asked" };
    return skip(
      why.code,
      `${record.message}; GitHub's record of run ${tp.runId} is unavailable (${why.message}), ` +
        `so which workflow published it cannot be checked against ${wanted}`,
    );
  }
  // The run must be the one crates.io recorded: same id, repository and commit.
  const runMismatch = (why: string, expected: string, actual: string): CheckResult => ({
    ...base,
    status: "fail",
    code: "trusted-publishing-run-mismatch",
    message: `crates.io records ${tp.repository ?? "(no repository)"} run ${tp.runId}` +
      (tp.sha ? ` at ${tp.sha}` : "") + `, but GitHub's run ${run.id} ${why}`,
    expected,
    actual,
  });
  if (String(run.id) !== tp.runId) {
    return runMismatch(`is another run`, `run ${tp.runId}`, `run ${run.id}`);
  }
  if (!tp.repository || !run.repository || !sameRepo(tp.repository, run.repository)) {
    return runMismatch(
      `is of ${run.repository ?? "(no repository)"}`,
      tp.repository ?? "(none)",
      run.repository ?? "(none)",
    );
  }
  if (!tp.sha || !run.headSha || tp.sha.toLowerCase() !== run.headSha.toLowerCase()) {
    return runMismatch(
      `was for commit ${run.headSha ?? "(none)"}`,
      tp.sha ?? "(none)",
      run.headSha ?? "(none)",
    );
  }
  const refs = runRefCandidates(run, evidence.headTag);
  const shown = describeRun(run, refs);
  const cliOutcome = rules.cli ? judgeRule(rules.cli, run, refs, rules.host) : OK;
  const alternatives: Alternative[] = rules.policy.length === 0
    ? [{ rules: rules.cli ? [rules.cli] : [], outcome: cliOutcome }]
    : rules.policy.map((signer) => ({
      rules: [...(rules.cli ? [rules.cli] : []), signer],
      policySigner: signer,
      outcome: judgeAll([cliOutcome, judgeRule(signer, run, refs, rules.host)]),
    }));
  const passed = alternatives.find((a) => a.outcome.kind === "ok");
  if (passed) {
    const by = passed.rules.map((r) => r.source).join(" and ");
    return {
      ...base,
      status: "pass",
      code: "trusted-publishing-workflow-match",
      message: `${record.message}; run ${run.id} is ${shown}, as ${by} require` +
        (passed.rules.length > 1 ? "" : "s"),
      expected: passed.rules.map(describeRequirement).join("; "),
      actual: shown,
      ...(passed.policySigner?.policyRef ? { policyRef: passed.policySigner.policyRef } : {}),
    };
  }
  const unknown = alternatives.find((a) => a.outcome.kind === "unknown");
  if (unknown && unknown.outcome.kind === "unknown") {
    return {
      ...skip(
        "trusted-publishing-workflow-unknown",
        `${record.message}; run ${run.id} is ${shown}, but ${unknown.outcome.why} (${
          unknown.rules.map((r) => r.source).join(" and ")
        })`,
      ),
      actual: shown,
      ...(unknown.policySigner?.policyRef ? { policyRef: unknown.policySigner.policyRef } : {}),
    };
  }
  const first = alternatives[0];
  const outcome = first.outcome as Extract<Outcome, { kind: "mismatch" }>;
  const several = alternatives.length > 1
    ? `matches none of the ${alternatives.length} signers the policy names; the first: `
    : "";
  return {
    ...base,
    status: "fail",
    code: "trusted-publishing-workflow-mismatch",
    message: `run ${run.id}, which published this version to crates.io, is ${shown}, but ` +
      `${several}${outcome.why} (${first.rules.map((r) => r.source).join(" and ")})`,
    expected: outcome.expected,
    actual: shown,
    ...(first.policySigner?.policyRef ? { policyRef: first.policySigner.policyRef } : {}),
  };
}
