/**
 * End-to-end tests of `cargo-attest crate` and `cargo-attest lock` against loopback fakes of
 * crates.io and GitHub, with a real `.crate` made by cargo (tests/fixtures/crates/SOURCE.md:
 * tiny-attest 0.1.0, packaged from commit 754e0df… under crates/tiny-attest).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";
import {
  TINY_ATTEST_BLOBS,
  TINY_ATTEST_COMMIT,
  TINY_ATTEST_CRATE,
  tinyAttestCrate,
  tinyAttestLock,
  tinyAttestRepository,
  tinyAttestTree,
} from "./support/tiny_attest.ts";

const CRATE = TINY_ATTEST_CRATE;
const SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const COMMIT = TINY_ATTEST_COMMIT;
const BLOBS = TINY_ATTEST_BLOBS;
const tree = tinyAttestTree;

async function run(
  args: string[],
  crates: FakeCrate[],
  repos: FakeRepository[],
  env: Record<string, string> = { GH_TOKEN: "ghp_test" },
  attestations: Record<string, readonly unknown[]> = {},
) {
  const cratesIo = startFakeCratesIo(crates);
  const github = startFakeGithub([], { repositories: repos, attestations });
  try {
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      ...env,
    });
    const code = await main(args, io);
    return { code, out: io.out, err: io.err, github: github.requests, crates: cratesIo.requests };
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

function checksOf(out: string) {
  const report = JSON.parse(out);
  return Object.fromEntries(
    report.subjects[0].checks.map((c: { id: string; status: string; code: string }) => [
      c.id,
      `${c.status} ${c.code}`,
    ]),
  );
}

Deno.test("crate: a crate that matches its index, tag and source tree is TRUSTED", async () => {
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [tinyAttestCrate()], [
    tinyAttestRepository(),
  ]);
  assert.equal(r.code, 0, r.out + r.err);
  const report = JSON.parse(r.out);
  assert.deepEqual(report.subjects[0].subject, {
    kind: "crate",
    name: "tiny-attest",
    version: "0.1.0",
    sha256: SHA256,
  });
  const checks = checksOf(r.out);
  assert.equal(checks["crate-checksum"], "pass crate-checksum-match");
  assert.equal(checks["crate-vcs"], "pass crate-vcs-tag-match");
  assert.match(checks["crate-source"], /^pass /);
  assert.match(checks["trusted-publishing"], /^skip /);
});

/** The JSON checks of the first subject, by id. */
function checkList(
  out: string,
): Record<string, { status: string; code: string; message: string }> {
  return Object.fromEntries(
    JSON.parse(out).subjects[0].checks.map((c: { id: string }) => [c.id, c]),
  );
}

Deno.test("crate: an untagged commit in the default branch's history binds the crate to the repository", async () => {
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [tinyAttestCrate()], [
    tinyAttestRepository({ tags: [], defaultBranch: "trunk" }),
  ]);
  assert.equal(r.code, 0, r.out + r.err);
  const checks = checkList(r.out);
  assert.equal(checks["crate-vcs"].code, "crate-vcs-commit-match");
  assert.match(
    checks["crate-vcs"].message,
    /in the history of attest-fixtures\/tiny-attest's default branch trunk/,
  );
  assert.equal(checks["crate-source"].status, "pass");
  assert.doesNotMatch(checks["crate-source"].message, /not shown/);
  assert.ok(r.github.some((q) => q.path.includes(`/compare/trunk...${COMMIT}`)));
});

Deno.test("crate: a fork's commit served under the repository's URL is not the repository's own", async () => {
  // An impostor commit: GitHub serves it under the repository's URL, no tag names it, and the
  // default branch does not lead to it. The crate's files match its tree exactly.
  const repos = [tinyAttestRepository({ tags: [], forkCommits: [COMMIT] })];
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [tinyAttestCrate()], repos);
  const checks = checkList(r.out);
  assert.equal(checks["crate-vcs"].status, "skip");
  assert.equal(checks["crate-vcs"].code, "crate-vcs-commit-unbound");
  assert.match(checks["crate-vcs"].message, /a fork's/);
  assert.equal(checks["crate-source"].status, "pass");
  assert.match(checks["crate-source"].message, /not shown to be the repository's own/);
  // The crate is still the one crates.io published (crate-checksum); a policy that wants the
  // source bound to the repository gets UNVERIFIED, not TRUSTED.
  assert.equal(r.code, 0, r.out + r.err);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/attest.toml`,
      'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-vcs"]\n',
    );
    const strict = await run(
      ["crate", "tiny-attest@0.1.0", "--json", "--policy", `${dir}/attest.toml`],
      [tinyAttestCrate()],
      repos,
    );
    assert.equal(strict.code, 1, strict.out + strict.err);
    assert.equal(JSON.parse(strict.out).verdict, "UNVERIFIED");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("crate: crates.io's trusted-publishing record of the repository at that commit binds it", async () => {
  const published = (repository: string) =>
    tinyAttestCrate({
      trustedPublishing: { provider: "github", repository, run_id: "7", sha: COMMIT },
    });
  const repos = [tinyAttestRepository({ tags: [], forkCommits: [COMMIT] })];
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [
    published("attest-fixtures/tiny-attest"),
  ], repos);
  assert.equal(r.code, 0, r.out + r.err);
  const checks = checkList(r.out);
  assert.equal(checks["crate-vcs"].status, "pass");
  assert.equal(checks["crate-vcs"].code, "crate-vcs-publish-match");
  assert.match(checks["crate-vcs"].message, /trusted publishing, run 7/);
  assert.doesNotMatch(checks["crate-source"].message, /not shown/);
  assert.equal(checks["trusted-publishing"].code, "trusted-publishing-match");
  // A record of another repository binds nothing (and is a MISMATCH of its own).
  const other = await run(
    ["crate", "tiny-attest@0.1.0", "--json"],
    [published("evil/fork")],
    repos,
  );
  assert.equal(other.code, 2, other.out + other.err);
  assert.equal(checkList(other.out)["crate-vcs"].code, "crate-vcs-commit-unbound");
});

Deno.test("crate: a match against an unbound commit is not remembered as a bound one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = { GH_TOKEN: "ghp_test", CARGO_ATTEST_CACHE_DIR: dir, CARGO_ATTEST_CACHE_TTL: "0" };
    const args = ["crate", "tiny-attest@0.1.0", "--json"];
    await run(args, [tinyAttestCrate()], [
      tinyAttestRepository({ tags: [], forkCommits: [COMMIT] }),
    ], env);
    const again = await run(
      args,
      [tinyAttestCrate()],
      [tinyAttestRepository({ tags: [], forkCommits: [COMMIT] })],
      env,
    );
    const message = checkList(again.out)["crate-source"].message;
    assert.equal(message.split("not shown to be the repository's own").length, 2, message);
    // Once a tag binds the commit, the next run's comparison bears weight and says nothing more.
    const tagged = await run(args, [tinyAttestCrate()], [tinyAttestRepository()], env);
    assert.equal(checkList(tagged.out)["crate-vcs"].code, "crate-vcs-tag-match");
    assert.doesNotMatch(checkList(tagged.out)["crate-source"].message, /not shown/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("crate: a file that differs from the repository is a MISMATCH naming it", async () => {
  const r = await run(
    ["crate", "tiny-attest@0.1.0"],
    [tinyAttestCrate()],
    [tinyAttestRepository({
      trees: { [COMMIT]: tree({ ...BLOBS, "src/lib.rs": "1".repeat(40) }) },
    })],
  );
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /✗ crate-source/);
  assert.match(r.out, /src\/lib\.rs/);
});

Deno.test("crate: an index checksum that differs from the download is a MISMATCH", async () => {
  const r = await run(
    ["crate", "tiny-attest@0.1.0", "--json"],
    [tinyAttestCrate({ indexCksumOverride: "0".repeat(64) })],
    [tinyAttestRepository()],
  );
  assert.equal(r.code, 2);
  assert.equal(checksOf(r.out)["crate-checksum"], "fail crate-checksum-mismatch");
});

Deno.test("crate: a commit the repository does not have is a MISMATCH", async () => {
  const r = await run(
    ["crate", "tiny-attest@0.1.0", "--json"],
    [tinyAttestCrate()],
    [tinyAttestRepository({ tags: [{ name: "v0.1.0", commit: "9".repeat(40) }], trees: {} })],
  );
  assert.equal(r.code, 2, r.out + r.err);
  assert.equal(checksOf(r.out)["crate-vcs"], "fail crate-vcs-commit-unknown");
});

Deno.test("crate: without a GitHub token, repository checks are skipped with one warning", async () => {
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [tinyAttestCrate()], [
    tinyAttestRepository(),
  ], {});
  assert.equal(r.code, 0, "the checksum alone is load-bearing: " + r.out);
  assert.equal(r.github.length, 0, "no GitHub request without a token");
  assert.equal(r.err.match(/GH_TOKEN/g)?.length, 1);
  assert.equal(checksOf(r.out)["crate-vcs"], "skip crate-vcs-github-unavailable");
});

Deno.test("crate: trusted publishing from another repository is a MISMATCH", async () => {
  const r = await run(
    ["crate", "tiny-attest@0.1.0", "--json"],
    [tinyAttestCrate({
      trustedPublishing: { provider: "github", repository: "evil/fork", run_id: "1", sha: COMMIT },
    })],
    [tinyAttestRepository()],
  );
  assert.equal(r.code, 2);
  assert.equal(
    checksOf(r.out)["trusted-publishing"],
    "fail trusted-publishing-repository-mismatch",
  );
  const ok = await run(
    ["crate", "tiny-attest@0.1.0", "--json"],
    [tinyAttestCrate({
      trustedPublishing: {
        provider: "github",
        repository: "attest-fixtures/tiny-attest",
        run_id: "1",
        sha: COMMIT,
      },
    })],
    [tinyAttestRepository()],
  );
  assert.equal(ok.code, 0, ok.out);
  assert.equal(checksOf(ok.out)["trusted-publishing"], "pass trusted-publishing-match");
});

Deno.test("crate: a crate that crates.io does not have is an ERROR naming it", async () => {
  const r = await run(["crate", "nope@1.0.0"], [tinyAttestCrate()], [tinyAttestRepository()]);
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.out, /nope/);
});

Deno.test("crate: bad arguments are usage errors", async () => {
  for (
    const args of [["crate"], ["crate", "serde"], ["crate", "../x@1.0.0"], ["crate", "a@latest"]]
  ) {
    const io = createMemoryIo();
    assert.equal(await main(args, io), 3, args.join(" "));
  }
});

async function withLock(text: string, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, text);
    await fn(`${dir}/Cargo.lock`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("lock: registry crates are verified; git dependencies are never TRUSTED", async () => {
  await withLock(tinyAttestLock(SHA256), async (path) => {
    const r = await run(["lock", path, "--json"], [tinyAttestCrate()], [tinyAttestRepository()]);
    assert.equal(r.code, 1, r.out + r.err);
    const report = JSON.parse(r.out);
    const verdicts = Object.fromEntries(
      report.subjects.map((
        s: { subject: { name: string }; verdict: string },
      ) => [s.subject.name, s.verdict]),
    );
    assert.deepEqual(verdicts, { gitdep: "UNVERIFIED", "tiny-attest": "TRUSTED" });
    assert.ok(report.diagnostics.some((d: { code: string }) => d.code === "lock-path-packages"));
  });
});

Deno.test("lock: a lock checksum that differs from the download is a MISMATCH naming the lock", async () => {
  await withLock(tinyAttestLock("e".repeat(64)), async (path) => {
    const r = await run(["lock", path], [tinyAttestCrate()], [tinyAttestRepository()]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /Cargo\.lock says \(e{64}\)/);
  });
});

Deno.test("lock: an unreadable lock file is an ERROR naming it", async () => {
  await withLock("this is [not toml", async (path) => {
    const r = await run(["lock", path], [tinyAttestCrate()], [tinyAttestRepository()]);
    assert.equal(r.code, 3);
    assert.match(r.err, /Cargo\.lock/);
  });
  const missing = await run(["lock", "/nonexistent/Cargo.lock"], [tinyAttestCrate()], [
    tinyAttestRepository(),
  ]);
  assert.equal(missing.code, 3);
  assert.match(missing.err, /no such file/);
});

Deno.test("lock: a policy rule for a crate that is not in the lock is a warning, not an error", async () => {
  await withLock(tinyAttestLock(SHA256), async (path) => {
    const policy = path.replace(/Cargo\.lock$/, "attest.toml");
    await Deno.writeTextFile(
      policy,
      `version = 1\n\n[crate.serde]\nrequire = ["crate-checksum"]\n\n[crate.tiny-attest]\nrequire = ["crate-checksum"]\n`,
    );
    const r = await run(["lock", path, "--policy", policy, "--json"], [tinyAttestCrate()], [
      tinyAttestRepository(),
    ]);
    assert.equal(r.code, 1, "gitdep keeps it UNVERIFIED: " + r.out + r.err);
    const report = JSON.parse(r.out);
    const unmatched = report.diagnostics.filter((d: { code: string }) =>
      d.code === "policy-unmatched-rule"
    );
    assert.equal(unmatched.length, 1);
    assert.match(unmatched[0].message, /serde/);
    const tiny = report.subjects.find((s: { subject: { name: string } }) =>
      s.subject.name === "tiny-attest"
    );
    assert.equal(tiny.verdict, "TRUSTED");
    assert.ok(tiny.checks.some((c: { policyRef?: unknown }) => c.policyRef));
  });
});

// --- attestations of the .crate ------------------------------------------------------------

const vs = await VirtualSigstore.create();
const WORKFLOW = {
  repository: "attest-fixtures/tiny-attest",
  workflow: ".github/workflows/release.yml",
  ref: "refs/tags/v0.1.0",
  sha: COMMIT,
};

async function runWithAttestation(signerRepository: string) {
  const workflow = { ...WORKFLOW, repository: signerRepository };
  const bundle = await vs.sign({
    artifact: CRATE,
    content: "dsse",
    leaf: { github: workflow, san: { uri: workflowSan(workflow) } },
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/root.json`, vs.trustedRoot());
    return await run(
      ["crate", "tiny-attest@0.1.0", "--trusted-root", `${dir}/root.json`, "--json"],
      [tinyAttestCrate()],
      [tinyAttestRepository()],
      { GH_TOKEN: "ghp_test" },
      { [SHA256]: [JSON.parse(bundle.json)] },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("crate: an attestation of the .crate by the crate's repository is verified", async () => {
  const r = await runWithAttestation("attest-fixtures/tiny-attest");
  assert.equal(r.code, 0, r.out + r.err);
  const checks = checksOf(r.out);
  assert.equal(checks["attestation"], "pass attestation-verified");
  assert.equal(checks["identity"], "pass identity-match");
  assert.equal(checks["subject-digest"], "pass subject-digest-match");
  // Found through the owner's bulk listing (tests/github_budget_attestations_test.ts has more).
  assert.ok(
    r.github.some((q) => q.path.startsWith("/users/attest-fixtures/attestations/bulk-list")),
  );
  const report = JSON.parse(r.out);
  assert.ok(report.roots.length > 0, "the roots used are reported");
});

Deno.test("crate: an attestation signed from another repository is a MISMATCH", async () => {
  const r = await runWithAttestation("evil/tiny-attest");
  assert.equal(r.code, 2, r.out + r.err);
  assert.equal(checksOf(r.out)["identity"].split(" ")[0], "fail");
});

Deno.test("crate: without attestations the check is an optional skip, and no trust root is loaded", async () => {
  const r = await run(["crate", "tiny-attest@0.1.0", "--json"], [tinyAttestCrate()], [
    tinyAttestRepository(),
  ]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(checksOf(r.out)["attestation"], "skip attestation-not-published");
  assert.deepEqual(JSON.parse(r.out).roots, []);
});

Deno.test("crate: a repository's tag list is remembered as an extract; offline it answers alone", async () => {
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  // Without GraphQL, as on a server that lacks it: the REST tag list is what is read.
  const github = startFakeGithub([], { repositories: [tinyAttestRepository()], graphql: false });
  const runOnce = async (extra: string[]) => {
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
      CARGO_ATTEST_CACHE_DIR: dir,
    });
    const before = github.requests.length;
    const code = await main(["crate", "tiny-attest@0.1.0", "--json", ...extra], io);
    return { code, out: io.out, err: io.err, github: github.requests.slice(before) };
  };
  try {
    const first = await runOnce([]);
    assert.equal(first.code, 0, first.out + first.err);
    assert.equal(checksOf(first.out)["crate-vcs"], "pass crate-vcs-tag-match");
    // Drop the cached tag pages (from the packs' indexes): the extract (names and commits) is
    // what later runs read.
    let dropped = 0;
    for await (const entry of Deno.readDir(`${dir}/packs`)) {
      if (!entry.name.endsWith(".idx")) continue;
      const path = `${dir}/packs/${entry.name}`;
      const index = JSON.parse(await Deno.readTextFile(path));
      const records = index.records.filter((r: string[]) => !/ [^ ]*\/tags\?/.test(r[1]));
      dropped += index.records.length - records.length;
      await Deno.writeTextFile(path, JSON.stringify({ ...index, records }));
    }
    assert.ok(dropped > 0, "the tag pages were cached");
    const offline = await runOnce(["--offline"]);
    assert.equal(offline.code, 0, offline.out + offline.err);
    assert.equal(checksOf(offline.out)["crate-vcs"], "pass crate-vcs-tag-match");
    assert.deepEqual(offline.github, []);
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock: a lock of the workspace's path packages only is 'nothing to verify', exit 0; lock DIR reads DIR/Cargo.lock", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/Cargo.lock`,
      'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n\n[[package]]\nname = "app-core"\nversion = "0.1.0"\n',
    );
    const r = await run(["lock", dir, "--json"], [], []);
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out);
    assert.equal(report.verdict, "TRUSTED");
    assert.deepEqual(report.subjects, []);
    assert.ok(
      report.diagnostics.some((d: { code: string; message: string }) =>
        d.code === "lock-nothing-to-verify" && /nothing to verify/.test(d.message)
      ),
      r.out,
    );
    const text = await run(["lock", `${dir}/`], [], []);
    assert.equal(text.code, 0, text.out + text.err);
    // TRUSTED without claiming a proof matched: nothing needed verifying.
    assert.match(text.out, /verdict: TRUSTED \(exit 0\): nothing needed verifying/);
    assert.doesNotMatch(text.out, /proof matched/);
    // The note goes to stderr with the run's other warnings, the report to stdout.
    assert.match(text.err, /note\[lock-nothing-to-verify\]: .*nothing to verify/);
    assert.match(text.err, /warning\[lock-path-packages\]/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
