/**
 * A `.crate`'s attestations are read from its owner's bulk listing (one request per owner for a
 * whole lock) instead of one request per crate, and nothing that was found before is missed: an
 * attestation that exists and FAILS is still found and gives MISMATCH through the bulk listing,
 * across its pages, for an organization or a user, and through the per-digest listing whenever
 * the bulk one cannot be used (no GraphQL to name the repository's id, no bulk route). An
 * attestation stored in another repository of the same owner counts for this crate no more than
 * the per-repository listing would have shown it.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import {
  type FakeGithubOptions,
  type FakeRepository,
  type LoggedRequest,
  startFakeGithub,
} from "./support/fake_github.ts";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";
import {
  TINY_ATTEST_COMMIT,
  TINY_ATTEST_CRATE,
  tinyAttestCrate,
  tinyAttestRepository,
} from "./support/tiny_attest.ts";
import { withTempDir } from "./support/temp_dir.ts";

const SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const vs = await VirtualSigstore.create();

/** An attestation of the tiny-attest `.crate`, signed by a release workflow of `repository`. */
async function attestation(repository: string): Promise<unknown> {
  const workflow = {
    repository,
    workflow: ".github/workflows/release.yml",
    ref: "refs/tags/v0.1.0",
    sha: TINY_ATTEST_COMMIT,
  };
  const bundle = await vs.sign({
    artifact: TINY_ATTEST_CRATE,
    content: "dsse",
    leaf: { github: workflow, san: { uri: workflowSan(workflow) } },
  });
  return JSON.parse(bundle.json);
}

const GOOD = await attestation("attest-fixtures/tiny-attest");
const EVIL = await attestation("evil/tiny-attest");

interface Run {
  code: number;
  checks: Record<string, string>;
  asked: LoggedRequest[];
  out: string;
}

/** `crate tiny-attest@0.1.0 --json` against a fake GitHub with `repositories` and `options`. */
async function run(
  options: Omit<FakeGithubOptions, "repositories">,
  repositories: FakeRepository[] = [tinyAttestRepository()],
): Promise<Run> {
  return await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/root.json`, vs.trustedRoot());
    const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
    const github = startFakeGithub([], { ...options, repositories });
    try {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        GH_TOKEN: "ghp_test",
      });
      const args = ["crate", "tiny-attest@0.1.0", "--json", "--no-cache"];
      const code = await main([...args, "--trusted-root", `${dir}/root.json`], io);
      const report = JSON.parse(io.out);
      const checks = Object.fromEntries(
        report.subjects[0].checks.map((c: { id: string; status: string; code: string }) => [
          c.id,
          `${c.status} ${c.code}`,
        ]),
      );
      return { code, checks, asked: github.requests, out: io.out };
    } finally {
      await cratesIo.close();
      await github.close();
    }
  });
}

const bulk = (r: Run) => r.asked.filter((q) => q.path.includes("/attestations/bulk-list"));
const perDigest = (r: Run) => r.asked.filter((q) => q.path.includes("/attestations/sha256:"));

Deno.test("attestations: a failing attestation is found through the owner's bulk listing: MISMATCH", async () => {
  const r = await run({ attestations: { [SHA256]: [EVIL] } });
  assert.equal(r.code, 2, r.out);
  assert.equal(r.checks["identity"].split(" ")[0], "fail");
  assert.equal(bulk(r).length, 1);
  assert.equal(bulk(r)[0].method, "POST");
  assert.equal(perDigest(r).length, 0, "no per-digest request");
});

Deno.test("attestations: and a good one is verified the same way (TRUSTED)", async () => {
  const r = await run({ attestations: { [SHA256]: [GOOD] } });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.checks["attestation"], "pass attestation-verified");
  assert.equal(r.checks["identity"], "pass identity-match");
});

Deno.test("attestations: every page of the bulk listing is read: a failing one on page 2 is a MISMATCH", async () => {
  const r = await run({ attestations: { [SHA256]: [GOOD, EVIL] }, attestationsPerPage: 1 });
  assert.equal(r.code, 2, r.out);
  assert.equal(bulk(r).length, 2);
  assert.match(bulk(r)[1].path, /after=1/);
});

Deno.test("attestations: an organization's listing is under orgs/", async () => {
  const r = await run(
    { attestations: { [SHA256]: [EVIL] } },
    [tinyAttestRepository({ ownerType: "Organization" })],
  );
  assert.equal(r.code, 2, r.out);
  assert.match(bulk(r)[0].path, /^\/orgs\/attest-fixtures\/attestations\/bulk-list/);
});

Deno.test("attestations: without the bulk route, or without GraphQL, the per-digest listing still finds the failing one", async () => {
  for (const options of [{ bulkAttestations: false as const }, { graphql: false as const }]) {
    const r = await run({ ...options, attestations: { [SHA256]: [EVIL] } });
    assert.equal(r.code, 2, `${JSON.stringify(options)}: ${r.out}`);
    assert.equal(r.checks["identity"].split(" ")[0], "fail");
    assert.equal(perDigest(r).length, 1, JSON.stringify(options));
  }
});

Deno.test("attestations: one stored in another repository of the owner is not this crate's, as per repository", async () => {
  const other = { ...tinyAttestRepository(), repo: "other", tags: [], trees: {} };
  const options = {
    attestations: { [SHA256]: [EVIL] },
    attestationsIn: { [SHA256]: ["attest-fixtures/other"] },
  };
  const viaBulk = await run(options, [tinyAttestRepository(), other]);
  const viaRest = await run({ ...options, bulkAttestations: false }, [
    tinyAttestRepository(),
    other,
  ]);
  assert.equal(viaBulk.code, 0, viaBulk.out);
  assert.equal(viaBulk.checks["attestation"], "skip attestation-not-published");
  assert.deepEqual(viaBulk.checks, viaRest.checks);
});

Deno.test("attestations: an --offline run after an online one still finds the failing attestation (MISMATCH)", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/root.json`, vs.trustedRoot());
    const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
    const github = startFakeGithub([], {
      repositories: [tinyAttestRepository()],
      attestations: { [SHA256]: [EVIL] },
    });
    try {
      const args = ["crate", "tiny-attest@0.1.0", "--json", "--trusted-root", `${dir}/root.json`];
      const codes = [];
      for (const extra of [[], ["--offline"]]) {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          GH_TOKEN: "ghp_test",
        });
        const before = github.requests.length;
        codes.push(await main([...args, ...extra], io));
        if (extra.length > 0) assert.deepEqual(github.requests.slice(before), []);
      }
      assert.deepEqual(codes, [2, 2]);
    } finally {
      await cratesIo.close();
      await github.close();
    }
  });
});

Deno.test("attestations: a transferred repository's are listed under its new owner, and still found", async () => {
  const r = await run(
    { attestations: { [SHA256]: [EVIL] } },
    [tinyAttestRepository({ transferredTo: "new-home" })],
  );
  assert.equal(r.code, 2, r.out);
  assert.match(bulk(r)[0].path, /^\/users\/new-home\/attestations\/bulk-list/);
  assert.equal(perDigest(r).length, 0);
});
