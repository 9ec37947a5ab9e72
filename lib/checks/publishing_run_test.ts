import assert from "node:assert/strict";
import type { CheckResult } from "./check_result.ts";
import {
  checkPublishingWorkflow,
  type PublishingRun,
  type PublishingRunEvidence,
  runRefCandidates,
  runWorkflowPath,
} from "./publishing_run.ts";
import type { SignerRequirement } from "./identity.ts";
import { buildSignerRules } from "./signer_rules.ts";

const SHA = "754e0df4b4eceacc2c2f6761236e446455110845";
const OTHER_SHA = "89abcdef0123456789abcdef0123456789abcdef";
const REPO = "octo/crate";
const PUBLISH = `${REPO}/.github/workflows/publish.yml`;
const ISSUER = "https://token.actions.githubusercontent.com";

const RECORD_PASS: CheckResult = {
  id: "trusted-publishing",
  status: "pass",
  code: "trusted-publishing-match",
  message: `published by github ${REPO} run 7 at ${SHA}, the crate's own repository`,
  loadBearing: false,
};
const TP = { provider: "github", repository: REPO, runId: "7", sha: SHA };

function run(overrides: Partial<PublishingRun> = {}): PublishingRun {
  return {
    id: 7,
    path: ".github/workflows/publish.yml",
    headSha: SHA,
    headBranch: "v1.0.0",
    event: "push",
    repository: REPO,
    ...overrides,
  };
}

function evidence(
  r: PublishingRun | undefined = run(),
  headTag: PublishingRunEvidence["headTag"] = { commit: SHA },
): PublishingRunEvidence {
  return {
    url: "https://api.github.com/repos/octo/crate/actions/runs/7",
    ...(r ? { run: r } : {}),
    headTag,
  };
}

function policy(rule: Omit<SignerRequirement, "source">, line = 3): SignerRequirement {
  return {
    issuer: ISSUER,
    ...rule,
    source: `attest.toml:${line}`,
    policyRef: { file: "attest.toml", line },
  };
}

function judge(options: {
  cli?: Omit<SignerRequirement, "source">;
  policy?: SignerRequirement[];
  run?: PublishingRunEvidence;
  tp?: typeof TP | Partial<typeof TP> & { provider: string };
  record?: CheckResult;
  host?: string;
}): CheckResult {
  return checkPublishingWorkflow({
    record: options.record ?? RECORD_PASS,
    trustedPublishing: options.tp ?? TP,
    run: "run" in options ? options.run : evidence(),
    rules: buildSignerRules({
      ...(options.cli ? { cli: { ...options.cli, source: "--cli" } } : {}),
      policy: options.policy ?? [],
      ...(options.host ? { host: options.host } : {}),
    }),
  });
}

Deno.test("runWorkflowPath() splits the @REF GitHub may append", () => {
  assert.deepEqual(runWorkflowPath(".github/workflows/a.yml"), { file: ".github/workflows/a.yml" });
  assert.deepEqual(runWorkflowPath(".github/workflows/a.yml@refs/tags/v1"), {
    file: ".github/workflows/a.yml",
    ref: "refs/tags/v1",
  });
  // A file name may hold `@`: only a ref is split off.
  assert.deepEqual(runWorkflowPath(".github/workflows/a.yml@evil.yml"), {
    file: ".github/workflows/a.yml@evil.yml",
  });
  assert.deepEqual(runWorkflowPath(".github/workflows/a.yml@b.yml@refs/heads/x"), {
    file: ".github/workflows/a.yml@b.yml",
    ref: "refs/heads/x",
  });
});

Deno.test("runRefCandidates(): a tag only when GitHub's record and the tag list say so", () => {
  assert.deepEqual(runRefCandidates(run({ event: "release" }), undefined), ["refs/tags/v1.0.0"]);
  assert.deepEqual(runRefCandidates(run(), { commit: SHA }), ["refs/tags/v1.0.0"]);
  assert.deepEqual(runRefCandidates(run({ event: "workflow_dispatch" }), { commit: SHA }), [
    "refs/tags/v1.0.0",
  ]);
  // No such tag, a tag at another commit, or the tag list unknown: branch or tag.
  for (const headTag of [null, { commit: OTHER_SHA }, undefined]) {
    assert.deepEqual(runRefCandidates(run(), headTag), ["refs/heads/v1.0.0", "refs/tags/v1.0.0"]);
  }
  // Events whose ref the run does not tell, and runs without head_branch.
  for (const event of ["pull_request", "pull_request_target", "workflow_run", "schedule"]) {
    assert.deepEqual(runRefCandidates(run({ event }), { commit: SHA }), []);
  }
  assert.deepEqual(runRefCandidates(run({ event: undefined }), { commit: SHA }), []);
  assert.deepEqual(runRefCandidates(run({ headBranch: undefined }), { commit: SHA }), []);
  // A ref appended to the path must be one the event allows.
  const suffixed = (ref: string) => run({ path: `.github/workflows/publish.yml@${ref}` });
  assert.deepEqual(runRefCandidates(suffixed("refs/heads/v1.0.0"), null), ["refs/heads/v1.0.0"]);
  assert.deepEqual(runRefCandidates(suffixed("refs/tags/v1.0.0"), { commit: SHA }), [
    "refs/tags/v1.0.0",
  ]);
  assert.deepEqual(runRefCandidates(suffixed("refs/heads/evil"), { commit: SHA }), []);
});

Deno.test("checkPublishingWorkflow(): without a named rule, or without a record pass, nothing changes", () => {
  assert.equal(judge({}), RECORD_PASS);
  const failed: CheckResult = { ...RECORD_PASS, status: "fail", code: "x-mismatch" };
  assert.equal(judge({ record: failed, cli: { signerWorkflow: PUBLISH } }), failed);
  const none: CheckResult = { ...RECORD_PASS, status: "skip", code: "trusted-publishing-none" };
  assert.equal(judge({ record: none, cli: { signerWorkflow: PUBLISH } }), none);
});

Deno.test("checkPublishingWorkflow(): the named workflow from a matching ref passes", () => {
  const r = judge({ policy: [policy({ signerWorkflow: PUBLISH, refGlob: "refs/tags/v*" })] });
  assert.equal(r.status, "pass", r.message);
  assert.equal(r.code, "trusted-publishing-workflow-match");
  assert.match(r.message, /publish\.yml from refs\/tags\/v1\.0\.0/);
  assert.deepEqual(r.policyRef, { file: "attest.toml", line: 3 });
  assert.equal(r.loadBearing, false);
  // Repository names are compared without case; a SAN of the workflow at the ref is exact.
  assert.equal(judge({ cli: { repo: "Octo/Crate" } }).status, "pass");
  const san = `https://github.com/${PUBLISH}@refs/tags/v1.0.0`;
  assert.equal(judge({ cli: { san, issuer: ISSUER } }).status, "pass");
});

Deno.test("checkPublishingWorkflow(): another workflow, ref or repository is a mismatch", () => {
  const evil = run({ path: ".github/workflows/evil.yml" });
  const r = judge({ policy: [policy({ signerWorkflow: PUBLISH })], run: evidence(evil) });
  assert.equal(r.status, "fail");
  assert.equal(r.code, "trusted-publishing-workflow-mismatch");
  assert.match(r.message, /evil\.yml is not octo\/crate\/\.github\/workflows\/publish\.yml/);
  assert.deepEqual(r.policyRef, { file: "attest.toml", line: 3 });
  // A branch under a tag glob: neither refs/heads/main nor refs/tags/main matches.
  const branch = judge({
    cli: { signerWorkflow: PUBLISH, refGlob: "refs/tags/v*" },
    run: evidence(run({ headBranch: "main" }), null),
  });
  assert.equal(branch.code, "trusted-publishing-workflow-mismatch", branch.message);
  assert.match(branch.message, /refs\/heads\/main or refs\/tags\/main/);
  // An exact ref.
  const ref = judge({ cli: { signerWorkflow: PUBLISH, sourceRef: "refs/tags/v2.0.0" } });
  assert.equal(ref.code, "trusted-publishing-workflow-mismatch");
  // A workflow of another repository (a reusable one is never a run's path).
  const elsewhere = judge({ cli: { signerWorkflow: "other/crate/.github/workflows/publish.yml" } });
  assert.equal(elsewhere.code, "trusted-publishing-workflow-mismatch");
  // --repo and source_repository name the run's repository.
  assert.equal(judge({ cli: { repo: "other/crate" } }).status, "fail");
  assert.equal(judge({ policy: [policy({ sourceRepository: "other/crate" })] }).status, "fail");
  // A prefix of the workflow path is not the workflow.
  const prefix = judge({
    cli: { signerWorkflow: PUBLISH },
    run: evidence(run({ path: ".github/workflows/publish.yml.evil" })),
  });
  assert.equal(prefix.status, "fail");
});

Deno.test("checkPublishingWorkflow(): a rule no workflow can satisfy is a mismatch", () => {
  const email = judge({ cli: { san: "me@example.com", issuer: "https://accounts.google.com" } });
  assert.equal(email.code, "trusted-publishing-workflow-mismatch");
  const emailGithubIssuer = judge({ cli: { san: "me@example.com", issuer: ISSUER } });
  assert.equal(emailGithubIssuer.code, "trusted-publishing-workflow-mismatch");
  assert.match(emailGithubIssuer.message, /not a workflow/);
  // A workflow SAN of another host (a GitHub Enterprise rule against a github.com run).
  const ghes = judge({
    cli: { san: `https://ghe.example.com/${PUBLISH}@refs/tags/v1.0.0`, issuer: ISSUER },
  });
  assert.equal(ghes.status, "fail");
  // The SAN's ref is exact.
  const sanRef = judge({
    cli: { san: `https://github.com/${PUBLISH}@refs/heads/main`, issuer: ISSUER },
  });
  assert.equal(sanRef.status, "fail");
});

Deno.test("checkPublishingWorkflow(): the command line's rule AND one policy signer", () => {
  const publish = policy({ signerWorkflow: PUBLISH }, 3);
  const evilSigner = policy({ signerWorkflow: `${REPO}/.github/workflows/evil.yml` }, 7);
  // The command line's rule fails: no policy signer saves it.
  const cliFails = judge({
    cli: { signerWorkflow: `${REPO}/.github/workflows/evil.yml` },
    policy: [publish],
  });
  assert.equal(cliFails.status, "fail");
  // The policy's signer fails: the command line's rule does not save it.
  const policyFails = judge({ cli: { signerWorkflow: PUBLISH }, policy: [evilSigner] });
  assert.equal(policyFails.status, "fail");
  // One of two policy signers suffices.
  const either = judge({ cli: { repo: REPO }, policy: [evilSigner, publish] });
  assert.equal(either.status, "pass");
  assert.deepEqual(either.policyRef, { file: "attest.toml", line: 3 });
  assert.match(either.message, /--cli and attest\.toml:3 require/);
  const none = judge({
    policy: [evilSigner, policy({ signerWorkflow: PUBLISH, refGlob: "x/**" })],
  });
  assert.equal(none.status, "fail");
  assert.match(none.message, /none of the 2 signers/);
});

Deno.test("checkPublishingWorkflow(): what cannot be told is a skip, never a pass", () => {
  const rule = { signerWorkflow: PUBLISH, refGlob: "refs/tags/v*" };
  // A branch or a tag, GitHub does not say: one of them matches the glob.
  const ambiguous = judge({ cli: rule, run: evidence(run(), null) });
  assert.equal(ambiguous.status, "skip");
  assert.equal(ambiguous.code, "trusted-publishing-workflow-unknown");
  assert.equal(ambiguous.required, false);
  // A pull request's run has no ref of the repository.
  const pr = judge({ cli: rule, run: evidence(run({ event: "pull_request" })) });
  assert.equal(pr.code, "trusted-publishing-workflow-unknown");
  // The runner is not in GitHub's run record.
  const runner = judge({
    policy: [policy({ signerWorkflow: PUBLISH, runnerEnvironment: "github-hosted" })],
  });
  assert.equal(runner.code, "trusted-publishing-workflow-unknown");
  // The run could not be read.
  const gone = judge({
    cli: rule,
    run: {
      url: "u",
      unavailable: { code: "trusted-publishing-run-not-found", message: "GitHub has no run 7" },
    },
  });
  assert.equal(gone.status, "skip");
  assert.equal(gone.code, "trusted-publishing-run-not-found");
  // crates.io's record names no run, or another provider.
  const noRun = judge({
    cli: rule,
    tp: { provider: "github", repository: REPO, sha: SHA },
    run: undefined,
  });
  assert.equal(noRun.code, "trusted-publishing-workflow-unknown");
  const gitlab = judge({
    cli: rule,
    tp: { provider: "gitlab", repository: "g/p", runId: "1", sha: SHA },
    run: undefined,
  });
  assert.equal(gitlab.code, "trusted-publishing-workflow-unknown");
  // One signer unknown and one mismatched: not a proven contradiction, not a pass either.
  const mixed = judge({
    policy: [policy({ signerWorkflow: `${REPO}/.github/workflows/evil.yml` }), policy(rule, 9)],
    run: evidence(run(), null),
  });
  assert.equal(mixed.status, "skip");
  assert.deepEqual(mixed.policyRef, { file: "attest.toml", line: 9 });
});

Deno.test("checkPublishingWorkflow(): the run must be the one crates.io recorded", () => {
  const rule = { signerWorkflow: PUBLISH };
  for (
    const other of [
      run({ id: 8 }),
      run({ repository: "evil/crate" }),
      run({ headSha: OTHER_SHA }),
      run({ headSha: undefined }),
      run({ repository: undefined }),
    ]
  ) {
    const r = judge({ cli: rule, run: evidence(other) });
    assert.equal(r.status, "fail", JSON.stringify(other));
    assert.equal(r.code, "trusted-publishing-run-mismatch");
  }
});
