/**
 * Attacks on `trusted-publishing` (#12, red-team note): crates.io's record says which repository,
 * commit and workflow run published a crate, but not which workflow file nor from which ref. A
 * signer rule (a policy `[[crate.X.signer]]`, `--signer-workflow`, `--source-ref`) names the
 * workflow and ref; a publish by another workflow of the same repository, or from a branch, must
 * not come out TRUSTED. Every run goes through `main()` as a user's would, against the loopback
 * fakes of crates.io and GitHub (its `actions/runs/ID` route serves the fake repository's runs),
 * with the real tiny-attest `.crate`. Each attack has a control that changes nothing else and is
 * TRUSTED, so the attack cannot be refused for an unrelated reason.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeWorkflowRun, startFakeGithub } from "./support/fake_github.ts";
import {
  TINY_ATTEST_BLOBS,
  TINY_ATTEST_COMMIT,
  tinyAttestLock,
  tinyAttestTree,
} from "./support/tiny_attest.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const REPO = "attest-fixtures/tiny-attest";
const PUBLISH = ".github/workflows/publish.yml";
const EVIL = ".github/workflows/evil.yml";

/** policies/library-lockfile.toml's rule for the team's own crate, adapted to tiny-attest. */
const POLICY = `version = 1

[defaults]
require = ["crate-checksum"]

# Our own crates are published by crates.io trusted publishing from one workflow, from a tag.
[crate.tiny-attest]
require = ["crate-checksum", "crate-vcs", "trusted-publishing"]

[[crate.tiny-attest.signer]]
workflow = "${REPO}/${PUBLISH}"
ref = "refs/tags/v*"
`;

/** The same rule without `ref`. */
const POLICY_NO_REF = `version = 1
[crate.tiny-attest]
require = ["crate-checksum", "crate-vcs", "trusted-publishing"]
[[crate.tiny-attest.signer]]
workflow = "${REPO}/${PUBLISH}"
`;

/** A tag push of v0.1.0 at the crate's commit, running `path`. */
function tagRun(path: string, overrides: Partial<FakeWorkflowRun> = {}): FakeWorkflowRun {
  return {
    id: 7,
    path,
    headSha: TINY_ATTEST_COMMIT,
    event: "push",
    headBranch: "v0.1.0",
    ...overrides,
  };
}

interface TpRun {
  readonly code: number;
  readonly verdict: string;
  readonly tp: { status: string; code: string; message: string; required?: boolean };
  readonly checks: string[];
  readonly runRequests: number;
  readonly err: string;
}

function show(r: TpRun): string {
  return `exit ${r.code} ${r.verdict}\n${r.checks.join("\n")}\n${r.tp.message}\n${r.err}`;
}

/**
 * Runs `crate tiny-attest@0.1.0` (or `lock`) with crates.io's record of trusted publishing by run
 * 7 of attest-fixtures/tiny-attest at the crate's commit, and the given runs on GitHub.
 */
async function runTp(options: {
  runs?: readonly FakeWorkflowRun[];
  args?: string[];
  policy?: string;
  record?: Record<string, unknown> | null;
  command?: "crate" | "lock";
  env?: Record<string, string>;
  /**
   * Runs once before the run that counts, in the same cache directory, with these arguments and
   * no policy (so, unless they name a signer, without asking for the run).
   */
  warmWith?: string[];
}): Promise<TpRun> {
  const dir = await Deno.makeTempDir();
  const record = options.record === undefined
    ? { provider: "github", repository: REPO, run_id: "7", sha: TINY_ATTEST_COMMIT }
    : options.record;
  const cratesIo = startFakeCratesIo([{
    name: "tiny-attest",
    version: "0.1.0",
    bytes: CRATE,
    repository: `https://github.com/${REPO}`,
    ...(record ? { trustedPublishing: record } : {}),
  }]);
  const github = startFakeGithub([], {
    repositories: [{
      owner: "attest-fixtures",
      repo: "tiny-attest",
      tags: [{ name: "v0.1.0", commit: TINY_ATTEST_COMMIT }],
      trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(TINY_ATTEST_BLOBS) },
      runs: options.runs ?? [],
    }],
  });
  try {
    const extra: string[] = [];
    if (options.policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      extra.push("--policy", `${dir}/attest.toml`);
    }
    const subject: string[] = [];
    if (options.command === "lock") {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, tinyAttestLock(CRATE_SHA256));
      subject.push("lock", `${dir}/Cargo.lock`);
    } else {
      subject.push("crate", "tiny-attest@0.1.0");
    }
    const env = {
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      ...options.env,
    };
    if (options.warmWith) {
      // Without the policy: caches the crate and the repository (and the run if `warmWith` names
      // a signer).
      await main([...subject, "--json", ...options.warmWith], createMemoryIo(env));
    }
    const before = github.requests.length;
    const io = createMemoryIo(env);
    const code = await main([...subject, "--json", ...extra, ...(options.args ?? [])], io);
    const report = JSON.parse(io.out);
    const subjectReport = report.subjects.find((s: { subject: { name: string } }) =>
      s.subject.name === "tiny-attest"
    );
    const checks = subjectReport.checks as {
      id: string;
      status: string;
      code: string;
      message: string;
      required?: boolean;
    }[];
    const tp = checks.find((c) => c.id === "trusted-publishing")!;
    return {
      code,
      verdict: subjectReport.verdict,
      tp,
      checks: checks.map((c) => `${c.id}:${c.status}:${c.code}`),
      runRequests: github.requests.slice(before).filter((q) => q.path.includes("/actions/runs/"))
        .length,
      err: io.err,
    };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

// --- The policy's signer names the workflow and a tag ref ------------------------------------

Deno.test("attack: trusted publishing by another workflow of the repository is not the policy's signer", async () => {
  const r = await runTp({ policy: POLICY, runs: [tagRun(EVIL)] });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
  assert.equal(r.code, 2, show(r));
  assert.equal(r.tp.status, "fail", show(r));
  assert.equal(r.tp.code, "trusted-publishing-workflow-mismatch", show(r));
  assert.match(r.tp.message, /evil\.yml/);
  assert.match(r.tp.message, /publish\.yml/);
  // The cause is on stderr too.
  assert.match(r.err, /evil\.yml/);
});

Deno.test("control: trusted publishing by the policy's workflow from a tag is TRUSTED", async () => {
  const r = await runTp({ policy: POLICY, runs: [tagRun(PUBLISH)] });
  assert.equal(r.verdict, "TRUSTED", show(r));
  assert.equal(r.code, 0, show(r));
  assert.equal(r.tp.status, "pass", show(r));
  assert.match(r.tp.message, /publish\.yml/);
  assert.match(r.tp.message, /refs\/tags\/v0\.1\.0/);
  assert.equal(r.runRequests, 1);
  // GitHub may add the ref to the workflow path.
  const at = await runTp({
    policy: POLICY,
    runs: [tagRun(`${PUBLISH}@refs/tags/v0.1.0`)],
  });
  assert.equal(at.verdict, "TRUSTED", show(at));
  // A release event is a tag's.
  const release = await runTp({ policy: POLICY, runs: [tagRun(PUBLISH, { event: "release" })] });
  assert.equal(release.verdict, "TRUSTED", show(release));
});

Deno.test("attack: a path suffix that names another ref than the run's does not pass", async () => {
  const r = await runTp({
    policy: POLICY,
    runs: [tagRun(`${PUBLISH}@refs/heads/evil`)],
  });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
});

Deno.test("attack: trusted publishing from a branch does not satisfy a tag ref rule", async () => {
  for (const event of ["push", "workflow_dispatch"]) {
    const r = await runTp({
      policy: POLICY,
      runs: [tagRun(PUBLISH, { event, headBranch: "main" })],
    });
    assert.notEqual(r.verdict, "TRUSTED", show(r));
    assert.notEqual(r.code, 0, show(r));
    assert.match(r.tp.message, /main/);
  }
  // A branch named like a version that no tag of the repository names at the run's commit:
  // GitHub's record does not say whether head_branch was a branch or a tag.
  const lookalike = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH, { headBranch: "v0.1.0-evil" })],
  });
  assert.notEqual(lookalike.verdict, "TRUSTED", show(lookalike));
  // A pull request's run has no ref of the repository.
  const pr = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH, { event: "pull_request", headBranch: "v0.1.0" })],
  });
  assert.notEqual(pr.verdict, "TRUSTED", show(pr));
  // Control: the same rule without `ref` accepts the branch's run of the named workflow.
  const noRef = await runTp({
    policy: POLICY_NO_REF,
    runs: [tagRun(PUBLISH, { headBranch: "main" })],
  });
  assert.equal(noRef.verdict, "TRUSTED", show(noRef));
});

Deno.test("attack: a run at another commit than crates.io records is not the publish", async () => {
  const r = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH, { headSha: "89abcdef0123456789abcdef0123456789abcdef" })],
  });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
  assert.equal(r.code, 2, show(r));
});

Deno.test("attack: a run that cannot be found keeps a crate that requires trusted publishing from TRUSTED", async () => {
  const r = await runTp({ policy: POLICY, runs: [] });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
  assert.notEqual(r.code, 0, show(r));
  assert.equal(r.tp.status, "skip", show(r));
  assert.equal(r.tp.code, "trusted-publishing-run-not-found", show(r));
  // Without a token GitHub is not asked: the workflow is unknown, never a pass.
  const noToken = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH)],
    env: { GH_TOKEN: "" },
  });
  assert.notEqual(noToken.verdict, "TRUSTED", show(noToken));
  assert.equal(noToken.tp.status, "skip", show(noToken));
  // Offline, with the crate and the repository cached but not the run.
  const offline = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH)],
    warmWith: [],
    args: ["--offline"],
  });
  assert.notEqual(offline.verdict, "TRUSTED", show(offline));
  assert.equal(offline.tp.status, "skip", show(offline));
});

Deno.test("attack: a crates.io record with no run id cannot show the policy's workflow", async () => {
  const r = await runTp({
    policy: POLICY,
    runs: [tagRun(PUBLISH)],
    record: { provider: "github", repository: REPO, sha: TINY_ATTEST_COMMIT },
  });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
  assert.equal(r.tp.status, "skip", show(r));
});

// --- The command line's rules -----------------------------------------------------------------

Deno.test("attack: --signer-workflow binds trusted publishing to the named workflow", async () => {
  const args = ["--signer-workflow", `${REPO}/${PUBLISH}`];
  for (const command of ["crate", "lock"] as const) {
    const evil = await runTp({ args, command, runs: [tagRun(EVIL)] });
    assert.notEqual(evil.verdict, "TRUSTED", show(evil));
    assert.equal(evil.tp.code, "trusted-publishing-workflow-mismatch", show(evil));
    assert.equal(evil.code, 2, show(evil));
    const ok = await runTp({ args, command, runs: [tagRun(PUBLISH)] });
    assert.equal(ok.verdict, "TRUSTED", show(ok));
    assert.equal(ok.tp.status, "pass", show(ok));
  }
  // A workflow of another repository is never the run's (the run's path is its own repository's).
  const elsewhere = await runTp({
    args: ["--signer-workflow", `other-org/tiny-attest/${PUBLISH}`],
    runs: [tagRun(PUBLISH)],
  });
  assert.equal(elsewhere.code, 2, show(elsewhere));
});

Deno.test("attack: --source-ref binds trusted publishing to the named ref", async () => {
  const args = ["--signer-workflow", `${REPO}/${PUBLISH}`, "--source-ref", "refs/tags/v0.1.0"];
  const branch = await runTp({ args, runs: [tagRun(PUBLISH, { headBranch: "main" })] });
  assert.notEqual(branch.verdict, "TRUSTED", show(branch));
  const ok = await runTp({ args, runs: [tagRun(PUBLISH)] });
  assert.equal(ok.verdict, "TRUSTED", show(ok));
  // --repo with --source-ref: the repository is the run's, the ref must be too.
  const repoArgs = ["--repo", REPO, "--source-ref", "refs/tags/v0.2.0"];
  const otherTag = await runTp({ args: repoArgs, runs: [tagRun(PUBLISH)] });
  assert.equal(otherTag.code, 2, show(otherTag));
});

Deno.test("attack: an exact non-workflow identity cannot be satisfied by trusted publishing", async () => {
  const r = await runTp({
    args: [
      "--certificate-identity",
      "releaser@example.com",
      "--certificate-oidc-issuer",
      "https://accounts.google.com",
    ],
    runs: [tagRun(PUBLISH)],
  });
  assert.notEqual(r.verdict, "TRUSTED", show(r));
  assert.equal(r.tp.status, "fail", show(r));
  // An exact workflow SAN is compared as a workflow and a ref.
  const sanArgs = (ref: string) => [
    "--certificate-identity",
    `https://github.com/${REPO}/${PUBLISH}@${ref}`,
    "--certificate-oidc-issuer",
    "https://token.actions.githubusercontent.com",
  ];
  const ok = await runTp({ args: sanArgs("refs/tags/v0.1.0"), runs: [tagRun(PUBLISH)] });
  assert.equal(ok.verdict, "TRUSTED", show(ok));
  const other = await runTp({ args: sanArgs("refs/heads/main"), runs: [tagRun(PUBLISH)] });
  assert.notEqual(other.verdict, "TRUSTED", show(other));
});

Deno.test("attack: the command line's rule and the policy's signer must both hold", async () => {
  // The policy's signer holds, the command line's does not.
  const cliWrong = await runTp({
    policy: POLICY,
    args: ["--signer-workflow", `${REPO}/${EVIL}`],
    runs: [tagRun(PUBLISH)],
  });
  assert.equal(cliWrong.code, 2, show(cliWrong));
  // The command line's holds, the policy's does not.
  const policyWrong = await runTp({
    policy: POLICY,
    args: ["--signer-workflow", `${REPO}/${EVIL}`],
    runs: [tagRun(EVIL)],
  });
  assert.equal(policyWrong.code, 2, show(policyWrong));
  // One of two policy signers suffices, together with the command line's rule.
  const two = POLICY + `
[[crate.tiny-attest.signer]]
workflow = "${REPO}/${EVIL}"
`;
  const either = await runTp({
    policy: two,
    args: ["--signer-workflow", `${REPO}/${EVIL}`],
    runs: [tagRun(EVIL)],
  });
  assert.equal(either.verdict, "TRUSTED", show(either));
});

// --- Without a named signer nothing changes -----------------------------------------------

Deno.test("trusted publishing without a named signer asks GitHub for no run", async () => {
  const r = await runTp({ runs: [tagRun(EVIL)] });
  assert.equal(r.verdict, "TRUSTED", show(r));
  assert.equal(r.tp.code, "trusted-publishing-match", show(r));
  assert.equal(r.runRequests, 0);
  // Nor with a named signer when crates.io records no trusted publishing.
  const token = await runTp({
    args: ["--signer-workflow", `${REPO}/${PUBLISH}`],
    record: null,
    runs: [tagRun(PUBLISH)],
  });
  assert.equal(token.runRequests, 0);
  assert.equal(token.tp.code, "trusted-publishing-none", show(token));
});

Deno.test("the publishing run is cached like other GitHub documents: offline it answers alone", async () => {
  const args = ["--signer-workflow", `${REPO}/${PUBLISH}`, "--source-ref", "refs/tags/v0.1.0"];
  const offline = await runTp({
    runs: [tagRun(PUBLISH)],
    warmWith: args,
    args: [...args, "--offline"],
  });
  assert.equal(offline.verdict, "TRUSTED", show(offline));
  assert.equal(offline.tp.code, "trusted-publishing-workflow-match", show(offline));
  assert.equal(offline.runRequests, 0);
  const evil = await runTp({
    runs: [tagRun(EVIL)],
    warmWith: args,
    args: [...args, "--offline"],
  });
  assert.equal(evil.code, 2, show(evil));
});
