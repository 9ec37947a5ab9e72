/**
 * Red team (issue #16): the stored timestamp and snapshot guard against rollback whatever root
 * an update starts from.
 *
 * After an upgrade of cargo-attest whose embedded TUF root is newer than the stored one, `trust
 * update` starts from the embedded root. It must still refuse a replay of older (not yet
 * expired) timestamp, snapshot and targets: the stored versions are checked against the new
 * root's keys, so keeping them costs nothing. Through `main()` as `trust update`; the embedded
 * root of the `public-good` repository is replaced for the test by a synthetic one (this file
 * runs in its own isolate), since Sigstore's real keys cannot sign a second state.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { serveTuf, snapshotDir, TufTestRepo, withEmbeddedTufRoot } from "./support/tuf_repo.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

async function trust(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(["trust", ...args], io);
  return { code, out: io.out, err: io.err };
}

Deno.test("redteam4 tuf: an update starting from a newer embedded root still refuses a rollback", async () => {
  const repo = await TufTestRepo.create({ version: 19, now: NOW });
  await repo.publish(embeddedRootText("staging")); // state 1: an older trusted root
  const oldTimestamp = repo.files.get("timestamp.json")!;
  await repo.publish(embeddedRootText("public-good")); // state 2
  const server = serveTuf(repo.files);
  try {
    await withTempDir(async (dir) => {
      const cache = `${dir}/cache`;
      const env = { CARGO_ATTEST_CACHE_DIR: cache, CARGO_ATTEST_TUF_URL: server.url };
      // A first update (cargo-attest embedding root 19) stores state 2.
      await withEmbeddedTufRoot("public-good", repo.root(19), async () => {
        const first = await trust(["update"], env);
        assert.equal(first.code, 0, first.err);
      });
      // The repository's root 20 (same keys); a newer cargo-attest embeds it.
      await repo.rotate();
      await withEmbeddedTufRoot("public-good", repo.root(20), async () => {
        // The attacker replays state 1 (validly signed, not expired).
        repo.files.set("timestamp.json", oldTimestamp);
        const before = await snapshotDir(cache);
        const r = await trust(["update"], env);
        assert.equal(r.code, 3, `expected ERROR, got ${r.code}: ${r.out}${r.err}`);
        assert.match(r.err, /timestamp\.json: version 1 is older than the stored version 2/);
        assert.match(r.err, /public-good: not updated/);
        assert.deepEqual(await snapshotDir(cache), before, "the cache is unchanged");
      });
    });
  } finally {
    await server.close();
  }
});
