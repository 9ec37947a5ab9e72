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
// (memo tests below)


const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const COMMIT = TINY_ATTEST_COMMIT;
/** Another commit of the repository (in its default branch's history). */
const LATER_COMMIT = "feedfacefeedfacefeedfacefeedfacefeedface";

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "rt-cache-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

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

/** A record of the cache's packs, as their indexes say. */
interface PackRecord {
  readonly pack: string;
  readonly key: string;
  readonly offset: number;
  readonly length: number;
}

async function packRecords(dir: string): Promise<PackRecord[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/packs`)) {
    if (entry.name.endsWith(".idx")) names.push(entry.name.slice(0, -".idx".length));
  }
  const records: PackRecord[] = [];
  for (const name of names.sort()) {
    const index = JSON.parse(await Deno.readTextFile(`${dir}/packs/${name}.idx`));
    for (const [, key, offset, length] of index.records) {
      records.push({ pack: `${dir}/packs/${name}.pack`, key, offset, length });
    }
  }
  return records;
}

/** Flips one bit near the end of a record (a corrupt record: the cache ignores it). */
async function flipByte(record: PackRecord): Promise<void> {
  const bytes = await Deno.readFile(record.pack);
  bytes[record.offset + record.length - 2] ^= 0x01;
  await Deno.writeFile(record.pack, bytes);
}

// ---- --offline must not launder stale answers into fresh ones ----------------------------------

Deno.test({
  name: "red-team cache: an --offline run does not make expired tag pages fresh for the next online run",
  async fn() {
    await withDir(async (dir) => {
      // The repository, served by one fake GitHub at one address for the whole test (its answers
      // change between runs, as a real repository's do).
      const repo: { -readonly [K in keyof FakeRepository]: FakeRepository[K] } = {
        owner: "attest-fixtures",
        repo: "tiny-attest",
        tags: [{ name: "v0.1.0", commit: COMMIT }],
        trees: { [COMMIT]: tinyAttestTree(TINY_ATTEST_BLOBS) },
        commits: [LATER_COMMIT],
      };
      const github = startFakeGithub([], { repositories: [repo] });
      const cratesIo = startFakeCratesIo([crate()]);
      const t0 = Date.parse("2026-03-01T12:00:00Z");
      const run = async (
        at: number,
        extra: string[] = [],
        env: Record<string, string> = {},
      ): Promise<Outcome> => {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          GH_TOKEN: "ghp_test",
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          ...env,
        }, new Date(at));
        const code = await main(["crate", "tiny-attest@0.1.0", "--json", ...extra], io);
        return { code, out: io.out, err: io.err };
      };
      try {
        // 1. Online at t0: the tag names the crate's commit. TRUSTED; the tag pages are cached.
        const first = await run(t0);
        assert.equal(first.code, 0, show(first));
        assert.equal(checksById(first.out)["crate-vcs"].code, "crate-vcs-tag-match");

        // 2. The tag list's extract is lost (a flipped byte: the cache ignores the record, as it
        //    would one written by an older cargo-attest under an older extract kind); the pages
        //    it was read from are still there, fetched at t0.
        const extracts = (await packRecords(`${dir}/cache`)).filter((r) =>
          r.key.startsWith("EXTRACT github-tags/")
        );
        assert.equal(extracts.length, 1, "one tag-list extract");
        await flipByte(extracts[0]);

        // 3. Two hours later (far past the 10-minute TTL), offline: the expired pages are used,
        //    as --offline documents. TRUSTED, from t0's answers.
        const offline = await run(t0 + 2 * 3600_000, ["--offline"]);
        assert.equal(offline.code, 0, show(offline));

        // 4. The repository moves its tag v0.1.0 to another commit of its default branch: the
        //    published crate is no longer the tagged source (crate-vcs-tag-mismatch, a required
        //    skip: UNVERIFIED).
        repo.tags = [{ name: "v0.1.0", commit: LATER_COMMIT }];
        const fresh = await run(t0 + 2 * 3600_000 + 60_000, ["--no-cache"]);
        assert.notEqual(fresh.code, 0, show(fresh));
        assert.equal(checksById(fresh.out)["crate-vcs"].code, "crate-vcs-tag-mismatch");

        // 5. One minute after the offline run, online with the same cache: the tag pages were last
        //    fetched two hours ago, so they are past the TTL and must be asked again. Must not be
        //    TRUSTED on t0's tag list.
        const later = await run(t0 + 2 * 3600_000 + 60_000);
        assert.notEqual(later.code, 0, show(later));
        assert.equal(checksById(later.out)["crate-vcs"].code, "crate-vcs-tag-mismatch");
      } finally {
        await cratesIo.close();
        await github.close();
      }
    });
  },
});
