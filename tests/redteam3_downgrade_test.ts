/**
 * Red-team tests of the `downgrade` check (#14 §2), through `main()`: an update whose new version
 * is published less trustworthily than the one it replaces, in ways the comparison missed. Each
 * must keep the update from TRUSTED (UNVERIFIED; MISMATCH under `no_downgrade = true`).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeWorkflowRun, startFakeGithub } from "./support/fake_github.ts";
import { lockEntry, lockOf, plainCrate, sha256 } from "./support/lock_packages.ts";
import { publicGood } from "./support/binding_runs.ts";
import { fulcioExtension, type LeafOptions, workflowSan } from "./support/virtual_sigstore.ts";
import { withTempDir } from "./support/temp_dir.ts";

const GITHUB = {
  provider: "github",
  repository: "example/bumped",
  run_id: "7",
  sha: "a".repeat(40),
};
/** Fulcio's Build Config URI (1.3.6.1.4.1.57264.1.18): the workflow a run started from. */
const BUILD_CONFIG_URI = "1.3.6.1.4.1.57264.1.18";
const NO_DOWNGRADE = "version = 1\n[crate.bumped]\nno_downgrade = true\n";

/** Run 7 of publish.yml, for 1.0.0 (tag v1.0.0) at GITHUB's commit, triggered by `event`. */
function publishRun7(event: string) {
  return {
    id: 7,
    path: ".github/workflows/publish.yml",
    headSha: GITHUB.sha,
    event,
    headBranch: "v1.0.0",
  };
}

/** `lock --base` updating bumped 1.0.0 → 1.0.1, each with the trusted-publishing record given. */
async function update(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  policy?: string,
  runs?: readonly FakeWorkflowRun[],
): Promise<{ code: number; check?: { code: string; status: string }; out: string }> {
  const old: FakeCrate = {
    ...(await plainCrate("bumped", "1.0.0")),
    ...(before ? { trustedPublishing: before } : {}),
  };
  const fresh: FakeCrate = {
    ...(await plainCrate("bumped", "1.0.1")),
    ...(after ? { trustedPublishing: after } : {}),
  };
  const cratesIo = startFakeCratesIo([old, fresh]);
  // With runs: GitHub is asked about each version's publishing run (example/bumped's runs).
  const github = runs
    ? startFakeGithub([], {
      repositories: [{ owner: "example", repo: "bumped", tags: [], trees: {}, runs }],
    })
    : undefined;
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lockOf([await lockEntry(old)]));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(fresh)]));
      const args = ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"];
      if (policy) {
        await Deno.writeTextFile(`${dir}/attest.toml`, policy);
        args.push("--policy", `${dir}/attest.toml`);
      }
      const io = createMemoryIo({
        ...cratesIo.env,
        ...(github ? { CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, GH_TOKEN: "ghp_test" } : {}),
      });
      const code = await main(args, io);
      const check = JSON.parse(io.out).subjects[0].checks.find((c: { id: string }) =>
        c.id === "downgrade"
      );
      return { code, check, out: io.out + io.err };
    });
  } finally {
    await cratesIo.close();
    await github?.close();
  }
}

Deno.test("redteam3 downgrade: the control, the same trusted publisher, is TRUSTED", async () => {
  const r = await update(GITHUB, { ...GITHUB, run_id: "8" });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-none");
});

Deno.test("redteam3 downgrade: trusted publishing by another provider with the same path is a downgrade", async () => {
  // GitHub's example/bumped and GitLab's example/bumped are different projects (anyone may own
  // the name on the other forge): the repository strings alone agree.
  const gitlab = {
    provider: "gitlab",
    project_path: "example/bumped",
    job_id: "9",
    sha: GITHUB.sha,
  };
  const r = await update(GITHUB, gitlab);
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-trusted-publishing-provider", r.out);
  const strict = await update(GITHUB, gitlab, NO_DOWNGRADE);
  assert.equal(strict.code, 2, strict.out);
  assert.equal(strict.check?.status, "fail");
});

Deno.test("redteam3 downgrade: trusted publishing that no longer records its repository is a downgrade", async () => {
  const { repository: _, ...anonymous } = GITHUB;
  const r = await update(GITHUB, { ...anonymous, run_id: "8" });
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-trusted-publishing-repository", r.out);
  const strict = await update(GITHUB, { ...anonymous, run_id: "8" }, NO_DOWNGRADE);
  assert.equal(strict.code, 2, strict.out);
});

Deno.test("redteam3 downgrade: a publishing run GitHub no longer has is not the same workflow", async () => {
  // 1.0.0's run 7 was publish.yml's; 1.0.1's run 8 is gone from GitHub (deleted after it ran
  // another workflow): which workflow published 1.0.1 cannot be told, so it is not "the same".
  const run7 = publishRun7("push");
  const run8 = { ...run7, id: 8, headBranch: "v1.0.1" };
  const after = { ...GITHUB, run_id: "8" };
  const control = await update(GITHUB, after, undefined, [run7, run8]);
  assert.equal(control.code, 0, control.out);
  assert.equal(control.check?.code, "downgrade-none");
  const gone = await update(GITHUB, after, undefined, [run7]);
  assert.notEqual(gone.code, 0, gone.out);
  assert.equal(gone.check?.code, "downgrade-trusted-publishing-workflow", gone.out);
  const strict = await update(GITHUB, after, NO_DOWNGRADE, [run7]);
  assert.equal(strict.code, 2, strict.out);
});

Deno.test("redteam3 crate --history: yanking the trusted-published versions does not hide the downgrade", async () => {
  // The publisher's token (all a compromised owner needs) yanks 1.0.0, the last version
  // published by trusted publishing, and publishes 1.0.1 with the token: skipping yanked versions
  // compared 1.0.1 with the token-published 0.9.0 (or, with nothing older, called it a first
  // version), and it came out TRUSTED.
  const token = await plainCrate("bumped", "1.0.1");
  const yankedTp: FakeCrate = {
    ...(await plainCrate("bumped", "1.0.0")),
    trustedPublishing: GITHUB,
    yanked: true,
  };
  for (const older of [[await plainCrate("bumped", "0.9.0")], []]) {
    const cratesIo = startFakeCratesIo([...older, yankedTp, token]);
    try {
      const io = createMemoryIo(cratesIo.env);
      const code = await main(["crate", "bumped@1.0.1", "--history", "--json"], io);
      assert.notEqual(code, 0, io.out + io.err);
      const check = JSON.parse(io.out).subjects[0].checks.find((c: { id: string }) =>
        c.id === "downgrade"
      );
      assert.equal(check?.code, "downgrade-trusted-publishing-dropped", io.out);
      assert.match(check.message, /bumped@1\.0\.0 was published by trusted publishing/);
    } finally {
      await cratesIo.close();
    }
  }
});

/** Runs `lock --base` (bumped 1.0.0 → 1.0.1), each `.crate` attested by the leaf given. */
async function attestedUpdate(
  before: LeafOptions,
  after: LeafOptions | undefined,
  token = true,
): Promise<
  { code: number; check?: { code: string; status: string; message: string }; out: string }
> {
  const repository = "https://github.com/example/bumped";
  const old: FakeCrate = { ...(await plainCrate("bumped", "1.0.0")), repository };
  const fresh: FakeCrate = { ...(await plainCrate("bumped", "1.0.1")), repository };
  const attestations: Record<string, unknown[]> = {};
  for (const [crate, leaf] of [[old, before], [fresh, after]] as const) {
    if (!leaf) continue;
    const signed = await publicGood.sign({ artifact: crate.bytes, content: "dsse", leaf });
    attestations[await sha256(crate.bytes)] = [JSON.parse(signed.json)];
  }
  const cratesIo = startFakeCratesIo([old, fresh]);
  const github = startFakeGithub([], {
    repositories: [{ owner: "example", repo: "bumped", tags: [], trees: {} }],
    attestations,
  });
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lockOf([await lockEntry(old)]));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(fresh)]));
      await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        ...(token ? { GH_TOKEN: "ghp_test" } : {}),
      });
      const code = await main([
        "lock",
        `${dir}/Cargo.lock`,
        "--base",
        `${dir}/base.Cargo.lock`,
        "--json",
        "--trusted-root",
        `${dir}/root.json`,
      ], io);
      const check = JSON.parse(io.out).subjects[0].checks.find((c: { id: string }) =>
        c.id === "downgrade"
      );
      return { code, check, out: io.out + io.err };
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

Deno.test("redteam3 downgrade: an attestation by the same reusable workflow, called from another workflow, is a downgrade", async () => {
  // A reusable workflow of the repository signs (its URI is the certificate's signer); the
  // workflow that called it is the build config (Fulcio 1.18). 1.0.0 was attested from
  // release.yml, 1.0.1 from evil.yml: the signer alone is the same.
  const reusable = {
    repository: "example/bumped",
    workflow: ".github/workflows/attest.yml",
    ref: "refs/heads/main",
    sha: "b".repeat(40),
  };
  const calledFrom = (workflow: string): LeafOptions => ({
    github: reusable,
    san: { uri: workflowSan(reusable) },
    extraExtensions: [
      fulcioExtension(
        BUILD_CONFIG_URI,
        `https://github.com/example/bumped/.github/workflows/${workflow}@refs/heads/main`,
      ),
    ],
  });
  const same = await attestedUpdate(calledFrom("release.yml"), calledFrom("release.yml"));
  assert.equal(same.code, 0, same.out);
  assert.equal(same.check?.code, "downgrade-none", same.out);
  const other = await attestedUpdate(calledFrom("release.yml"), calledFrom("evil.yml"));
  assert.notEqual(other.code, 0, other.out);
  assert.equal(other.check?.code, "downgrade-attestation-signer", other.out);
});

Deno.test("redteam3 downgrade: trusted publishing from a tag before and from a branch now is a downgrade", async () => {
  // The same workflow file, run for a release (a tag) for 1.0.0 and dispatched on a branch
  // `evil` for 1.0.1: whoever can push a branch could publish, where a tag was needed before.
  const run7 = publishRun7("release");
  const released = { ...run7, id: 8, headBranch: "v1.0.1" };
  const after = { ...GITHUB, run_id: "8" };
  const control = await update(GITHUB, after, undefined, [run7, released]);
  assert.equal(control.code, 0, control.out);
  assert.equal(control.check?.code, "downgrade-none");
  const dispatched = { ...released, event: "workflow_dispatch", headBranch: "evil" };
  const branch = await update(GITHUB, after, undefined, [run7, dispatched]);
  assert.notEqual(branch.code, 0, branch.out);
  assert.equal(branch.check?.code, "downgrade-trusted-publishing-ref", branch.out);
  const strict = await update(GITHUB, after, NO_DOWNGRADE, [run7, dispatched]);
  assert.equal(strict.code, 2, strict.out);
  // A run of another event (workflow_run, repository_dispatch, pull_request_target), whose ref
  // GitHub's record does not tell, where the one replaced was a release's.
  const other = { ...released, event: "workflow_run", headBranch: "main" };
  const untold = await update(GITHUB, after, undefined, [run7, other]);
  assert.notEqual(untold.code, 0, untold.out);
  assert.equal(untold.check?.code, "downgrade-trusted-publishing-ref", untold.out);
});

Deno.test("redteam3 crate --history: a release is compared with the release before it, not a pre-release that launders the downgrade", async () => {
  // 1.0.0 was trusted-published. The token publishes 1.0.1-rc.1 (which cargo never picks for
  // `^1`, so no one looks at it), then 1.0.1: comparing 1.0.1 with the pre-release found two
  // token-published versions and no downgrade.
  const tp: FakeCrate = { ...(await plainCrate("bumped", "1.0.0")), trustedPublishing: GITHUB };
  const rc = await plainCrate("bumped", "1.0.1-rc.1");
  const release = await plainCrate("bumped", "1.0.1");
  const cratesIo = startFakeCratesIo([tp, rc, release]);
  try {
    const io = createMemoryIo(cratesIo.env);
    const code = await main(["crate", "bumped@1.0.1", "--history", "--json"], io);
    assert.notEqual(code, 0, io.out + io.err);
    const check = JSON.parse(io.out).subjects[0].checks.find((c: { id: string }) =>
      c.id === "downgrade"
    );
    assert.equal(check?.code, "downgrade-trusted-publishing-dropped", io.out);
    // A pre-release itself is compared with whatever came before it, pre-releases included.
    const pre = createMemoryIo(cratesIo.env);
    await main(["crate", "bumped@1.0.1-rc.1", "--history", "--json"], pre);
    const preCheck = JSON.parse(pre.out).subjects[0].checks.find((c: { id: string }) =>
      c.id === "downgrade"
    );
    assert.equal(preCheck?.code, "downgrade-trusted-publishing-dropped", pre.out);
  } finally {
    await cratesIo.close();
  }
});

Deno.test("redteam3 downgrade: a pass that could not compare attestations (GitHub not asked) says so", async () => {
  const workflow = {
    repository: "example/bumped",
    workflow: ".github/workflows/release.yml",
    ref: "refs/heads/main",
    sha: "b".repeat(40),
  };
  const leaf: LeafOptions = { github: workflow, san: { uri: workflowSan(workflow) } };
  // With a token: 1.0.0's attestation and none for 1.0.1 is a downgrade.
  const asked = await attestedUpdate(leaf, undefined);
  assert.notEqual(asked.code, 0, asked.out);
  assert.equal(asked.check?.code, "downgrade-attestation-dropped", asked.out);
  // Without one nothing is known of either version's attestations: the pass must not read as
  // if they had been compared.
  const blind = await attestedUpdate(leaf, undefined, false);
  assert.equal(blind.check?.code, "downgrade-none", blind.out);
  assert.match(blind.check!.message, /not compared: attestations/);
  assert.doesNotMatch(blind.check!.message, /\(trusted publishing, repository, attestation/);
});
