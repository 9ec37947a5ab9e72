/**
 * Red team (issue #16): an `expires` that is no time at all must not be read as a later one.
 *
 * JavaScript's Date rolls an impossible calendar time over (`2026-02-30` is 2 March, `24:00:00`
 * the next day), so metadata that python-tuf refuses as malformed was read here as valid for days
 * past what it says. Through `main()` as `trust update`: an ERROR naming the field, the cache as it
 * was.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { signEnvelope, snapshotDir, withSeededTufRepo } from "./support/tuf_repo.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

async function trust(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(["trust", ...args], io);
  return { code, out: io.out, err: io.err };
}

for (
  const expires of [
    "2026-02-30T12:00:00Z", // no 30 February: 2 March to Date
    "2026-02-28T36:00:00Z", // hour 36
    "2026-03-01T24:00:00Z", // 24:00: the next day to Date
    "2026-02-28T12:00:00+25:00", // an offset of 25 hours
  ]
) {
  Deno.test(`redteam4 tuf: a timestamp that expires '${expires}' is malformed, not valid later`, async () => {
    await withSeededTufRepo(
      { now: NOW, trustedRoot: embeddedRootText("public-good") },
      async ({ repo, cache, env }) => {
        const timestamp = await signEnvelope({
          _type: "timestamp",
          spec_version: "1.0.31",
          version: 2,
          expires,
          meta: { "snapshot.json": { version: 1 } },
        }, [repo.keys.timestamp]);
        repo.files.set("timestamp.json", timestamp);
        const before = await snapshotDir(cache);
        const r = await trust(["update"], env);
        assert.equal(r.code, 3, `expected ERROR, got ${r.code}: ${r.out}${r.err}`);
        assert.match(r.err, /timestamp\.json: signed\.expires '[^']+' is not/);
        assert.deepEqual(await snapshotDir(cache), before, "the cache is unchanged");
      },
    );
  });
}
