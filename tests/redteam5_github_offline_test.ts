/**
 * Red team (#15 §1): an owner's bulk attestation listing is cached under its request body (the
 * sorted digests of the owner's crates in the lock), so an `--offline` run of another lock (a
 * crate removed, or one lock of a workspace's two) asks another listing, which is not in the cache;
 * nor is the per-digest listing, which the online run never asked. The attestation a run saw and
 * found failing must still be found offline: the crate is never TRUSTED there. Through `main()`.
 */
import assert from "node:assert/strict";
import { type BulkLockRun, withBulkLock } from "./support/bulk_lock_runs.ts";

Deno.test("redteam5 offline: a failing attestation the bulk listing showed is found offline for a smaller lock", async () => {
  await withBulkLock(2, async ({ run, github }) => {
    const online = await run("Cargo.lock");
    assert.notEqual(online.zero.verdict, "TRUSTED", online.out);
    assert.ok(github.requests.some((r) => r.path.includes("/bulk-list")), "a bulk listing");
    const before = github.requests.length;
    const offline = await run("smaller.lock", ["--offline"]);
    assert.equal(github.requests.length, before, "offline asks nothing");
    assert.equal(offline.zero.verdict, online.zero.verdict, offline.out);
    const code = (r: BulkLockRun) => r.zero.checks.find((c) => c.id === "attestation")?.code;
    assert.equal(code(offline), code(online));
    assert.notEqual(code(offline), "not-in-cache");
  });
});
