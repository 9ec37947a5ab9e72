/**
 * A warm `lock` run within the TTL (every answer from the cache) writes nothing: each run's writes
 * go to a new pack and index, so a run that wrote a line per crate (it marked each crate's bulk
 * attestation extract as fetched now) left one more index in the cache on every CI run, and every
 * later run read it. The extract is still remembered for an `--offline` run of another lock (the
 * run that asked the listing wrote it). Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { type BulkLockRun, withBulkLock } from "./support/bulk_lock_runs.ts";

/** Every file under `dir` with its size and modification time. */
async function listing(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else {
        const info = await Deno.stat(path);
        out.set(path, `${info.size} ${info.mtime?.getTime()}`);
      }
    }
  };
  await walk(dir);
  return out;
}

Deno.test("cache: a warm lock run within the TTL writes nothing, and an offline run of another lock still finds the attestations", async () => {
  await withBulkLock(3, async ({ run, dir, github }) => {
    const attestation = (r: BulkLockRun) => r.zero.checks.find((c) => c.id === "attestation")?.code;
    const cold = await run("Cargo.lock");
    assert.ok(github.requests.some((r) => r.path.includes("/bulk-list")), "a bulk listing");
    const before = await listing(`${dir}/cache`);
    const requests = github.requests.length;
    // The file times must be able to move between the runs.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const warm = await run("Cargo.lock");
    assert.equal(github.requests.length, requests, "the warm run asks nothing");
    assert.equal(warm.code, cold.code);
    assert.equal(attestation(warm), attestation(cold));
    assert.deepEqual(await listing(`${dir}/cache`), before, "the warm run wrote nothing");
    // What the listing said is still remembered for another lock, offline.
    const offline = await run("smaller.lock", ["--offline"]);
    assert.equal(attestation(offline), attestation(cold));
    assert.notEqual(attestation(offline), "not-in-cache");
  });
});
