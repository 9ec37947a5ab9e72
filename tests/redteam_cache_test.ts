/**
 * Red-team tests of the cache (issue #12, area: cache, memos and `--offline`), through `main()`
 * against the loopback fakes: can stale, shared or left-over cache contents make a later run
 * TRUSTED that a fresh run would not make TRUSTED?
 *
 * - an `--offline` run must not make stale answers look fresh to the next online run (the tag
 *   list extract it rebuilds from expired pages);
 * - a remembered bundle verification is not recalled under other trusted roots, nor when a log
 *   entry is now required (`--require-rekor`), nor when the artifact differs.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import { TINY_ATTEST_BLOBS, TINY_ATTEST_COMMIT, tinyAttestTree } from "./support/tiny_attest.ts";
import { APP, APP_SHA256, publicGood, RELEASE_WORKFLOW } from "./support/binding_runs.ts";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { type PackRecord, packRecords } from "./support/cache_packs.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const COMMIT = TINY_ATTEST_COMMIT;
/** Another commit of the repository (in its default branch's history). */
const LATER_COMMIT = "feedfacefeedfacefeedfacefeedfacefeedface";

function crate(): FakeCrate {
  return {
    name: "tiny-attest",
    version: "0.1.0",
    bytes: CRATE,
    repository: "https://github.com/attest-fixtures/tiny-attest",
  };
}

interface Outcome {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

function checksById(out: string): Record<string, { status: string; code: string }> {
  return Object.fromEntries(
    JSON.parse(out).subjects[0].checks.map((c: { id: string }) => [c.id, c]),
  );
}

function show(r: Outcome): string {
  return `exit ${r.code}\n${r.out}\n${r.err}`;
}

/** Flips one bit near the end of a record (a corrupt record: the cache ignores it). */
async function flipByte(record: PackRecord): Promise<void> {
  const bytes = await Deno.readFile(record.pack);
  bytes[record.offset + record.length - 2] ^= 0x01;
  await Deno.writeFile(record.pack, bytes);
}

// ---- expired answers must not come back as fresh ones -----------------------------------------

type MutableRepository = { -readonly [K in keyof FakeRepository]: FakeRepository[K] };

/**
 * One fake GitHub at one address for a whole scenario (its answers change between runs, as a real
 * repository's do), a fake crates.io, and a cache: `run(at, args, env)` runs `crate
 * tiny-attest@0.1.0` at the time `at`; `loseExtract()` makes the cache ignore the tag list's
 * extract (a flipped byte; an extract of an older kind, left by an older cargo-attest, is missing
 * the same way) while the tag pages it was read from stay.
 */
async function tagScenario(
  fn: (s: {
    repo: MutableRepository;
    t0: number;
    run: (at: number, extra?: string[]) => Promise<Outcome>;
    loseExtract: () => Promise<void>;
  }) => Promise<void>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const repo: MutableRepository = {
      owner: "attest-fixtures",
      repo: "tiny-attest",
      tags: [{ name: "v0.1.0", commit: COMMIT }],
      trees: { [COMMIT]: tinyAttestTree(TINY_ATTEST_BLOBS) },
      commits: [LATER_COMMIT],
    };
    // Without GraphQL: the REST tag pages and their extract (the GraphQL refs' extract is
    // tested in github_budget_graphql_test.ts).
    const github = startFakeGithub([], { repositories: [repo], graphql: false });
    const cratesIo = startFakeCratesIo([crate()]);
    const run = async (at: number, extra: string[] = []): Promise<Outcome> => {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        GH_TOKEN: "ghp_test",
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      }, new Date(at));
      const code = await main(["crate", "tiny-attest@0.1.0", "--json", ...extra], io);
      return { code, out: io.out, err: io.err };
    };
    const loseExtract = async () => {
      const extracts = (await packRecords(`${dir}/cache`)).filter((r) =>
        r.key.startsWith("EXTRACT github-tags/")
      );
      assert.equal(extracts.length, 1, "one tag-list extract");
      await flipByte(extracts[0]);
    };
    try {
      await fn({ repo, t0: Date.parse("2026-03-01T12:00:00Z"), run, loseExtract });
    } finally {
      await cratesIo.close();
      await github.close();
    }
  });
}

const MINUTE = 60_000;

Deno.test("red-team cache: an --offline run does not make expired tag pages fresh for the next online run", async () => {
  await tagScenario(async ({ repo, t0, run, loseExtract }) => {
    // 1. Online at t0: the tag names the crate's commit. TRUSTED; the tag pages are cached.
    const first = await run(t0);
    assert.equal(first.code, 0, show(first));
    assert.equal(checksById(first.out)["crate-vcs"].code, "crate-vcs-tag-match");
    // 2. The extract is lost; the pages, fetched at t0, stay.
    await loseExtract();
    // 3. Two hours later (far past the 10-minute TTL), offline: the expired pages are used, as
    //    --offline documents. TRUSTED, from t0's answers.
    const offline = await run(t0 + 120 * MINUTE, ["--offline"]);
    assert.equal(offline.code, 0, show(offline));
    // 4. The repository moves its tag v0.1.0 to another commit of its default branch: the
    //    published crate is no longer the tagged source (crate-vcs-tag-mismatch, a required skip:
    //    UNVERIFIED), as a run without the cache says.
    repo.tags = [{ name: "v0.1.0", commit: LATER_COMMIT }];
    const fresh = await run(t0 + 121 * MINUTE, ["--no-cache"]);
    assert.notEqual(fresh.code, 0, show(fresh));
    assert.equal(checksById(fresh.out)["crate-vcs"].code, "crate-vcs-tag-mismatch");
    // 5. A minute after the offline run, online with the same cache: the tag pages were last
    //    fetched two hours ago, past the TTL, so they must be asked again. Not TRUSTED on t0's
    //    tag list.
    const later = await run(t0 + 121 * MINUTE);
    assert.notEqual(later.code, 0, show(later));
    assert.equal(checksById(later.out)["crate-vcs"].code, "crate-vcs-tag-mismatch");
  });
});

Deno.test("red-team cache: an extract rebuilt from cached pages expires when those pages do", async () => {
  await tagScenario(async ({ repo, t0, run, loseExtract }) => {
    const first = await run(t0);
    assert.equal(first.code, 0, show(first));
    await loseExtract();
    // Nine minutes later, within the TTL: the pages (fetched at t0) are fresh and read from the
    // cache; the extract is made again from them.
    const within = await run(t0 + 9 * MINUTE);
    assert.equal(within.code, 0, show(within));
    repo.tags = [{ name: "v0.1.0", commit: LATER_COMMIT }];
    // Fifteen minutes after t0 the pages are past the TTL: the tag list must be asked again.
    const later = await run(t0 + 15 * MINUTE);
    assert.notEqual(later.code, 0, show(later));
    assert.equal(checksById(later.out)["crate-vcs"].code, "crate-vcs-tag-mismatch");
  });
});

// ---- a remembered bundle verification is recalled only for the same inputs ---------------------

/** Another Sigstore instance, which the attestations below do not chain to. */
const stranger = await VirtualSigstore.create({ name: "stranger", organization: "stranger.test" });

/**
 * Runs `release octo-org/app v1.0.0` (one asset, no checksum: the attestation is the only proof)
 * against a new fake GitHub (a new address each time: documents are not shared between runs, only
 * the memos, whose keys name no host) with the cache in `dir`, trusting `roots` (instances, or
 * trusted roots' JSON).
 */
async function releaseRun(
  dir: string,
  attestation: string,
  roots: (VirtualSigstore | string)[],
  args: string[] = [],
): Promise<Outcome> {
  const github = startFakeGithub([{
    owner: "octo-org",
    repo: "app",
    tag: "v1.0.0",
    commit: RELEASE_WORKFLOW.sha,
    assets: [{ name: "app.tar.gz", bytes: APP }],
  }], { attestations: { [APP_SHA256]: [JSON.parse(attestation)] } });
  try {
    const rootArgs: string[] = [];
    for (const [i, vs] of roots.entries()) {
      await Deno.writeTextFile(
        `${dir}/root${i}.json`,
        typeof vs === "string" ? vs : vs.trustedRoot(),
      );
      rootArgs.push("--trusted-root", `${dir}/root${i}.json`);
    }
    const io = createMemoryIo({
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
    });
    const code = await main(
      ["release", "octo-org/app", "v1.0.0", "--json", ...rootArgs, ...args],
      io,
    );
    return { code, out: io.out, err: io.err };
  } finally {
    await github.close();
  }
}

async function attestation(options: { tlog?: "none" } = {}): Promise<string> {
  return (await publicGood.sign({
    artifact: APP,
    content: "dsse",
    ...(options.tlog ? { tlog: options.tlog, timestamps: 1 } : {}),
    leaf: { github: RELEASE_WORKFLOW, san: { uri: workflowSan(RELEASE_WORKFLOW) } },
  })).json;
}

async function memoCount(dir: string): Promise<number> {
  return (await packRecords(`${dir}/cache`)).filter((r) => r.key.startsWith("MEMO bundle/"))
    .length;
}

Deno.test("red-team cache: a bundle remembered under one trusted root is not recalled under another", async () => {
  await withTempDir(async (dir) => {
    const bundle = await attestation();
    const first = await releaseRun(dir, bundle, [publicGood]);
    assert.equal(first.code, 0, show(first));
    assert.equal(await memoCount(dir), 1, "the verification is remembered");
    // Trusting only another instance: the bundle does not chain to it.
    const other = await releaseRun(dir, bundle, [stranger]);
    assert.notEqual(other.code, 0, show(other));
    assert.equal(checksById(other.out)["attestation"].status, "fail");
  });
});

Deno.test("red-team cache: a bundle remembered without a log entry is not recalled under --require-rekor", async () => {
  await withTempDir(async (dir) => {
    // A root that lists no transparency log: a bundle with a TSA timestamp and no log entry
    // verifies against it.
    const root = publicGood.trustedRoot({ tlogs: [] });
    const bundle = await attestation({ tlog: "none" });
    const first = await releaseRun(dir, bundle, [root]);
    assert.equal(first.code, 0, show(first));
    assert.equal(await memoCount(dir), 1, "the verification is remembered");
    const strict = await releaseRun(dir, bundle, [root], ["--require-rekor"]);
    assert.notEqual(strict.code, 0, show(strict));
  });
});

Deno.test("red-team cache: a remembered bundle is judged against this run's signer", async () => {
  await withTempDir(async (dir) => {
    const bundle = await attestation();
    const first = await releaseRun(dir, bundle, [publicGood]);
    assert.equal(first.code, 0, show(first));
    const other = await releaseRun(dir, bundle, [publicGood], [
      "--signer-workflow",
      "octo-org/app/.github/workflows/other.yml",
    ]);
    assert.notEqual(other.code, 0, show(other));
    assert.equal(checksById(other.out)["identity"].status, "fail");
  });
});
