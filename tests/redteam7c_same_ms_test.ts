/**
 * Red team 7c: the lock run memo (`lib/verify/lock_memo.ts`) must never recall checks once an
 * answer they rest on was replaced — even when the new record was written in the same
 * millisecond as the one the remembered run read (two runs sharing a cache, a coarse clock):
 * a record's time alone does not name it. Through `main()`, against the loopback fakes, with
 * the clock fixed (`createMemoryIo`'s `now`) so that every run writes at the same instant.
 */
import assert from "node:assert/strict";
import { withBudgetLock } from "./support/cached_runs.ts";

Deno.test("red team 7c: an answer replaced in the same millisecond is not the answer the lock's checks rest on", async () => {
  const now = new Date();
  await withBudgetLock(async ({ run, crates, lock }) => {
    const i = crates.findIndex((c) => c.name === "budget-1");
    const honest = crates[i];
    const forged = { ...honest, indexCksumOverride: "e".repeat(64) };
    const checkCrate = async () => {
      const crate = await run(["crate", `budget-1@${honest.version}`, "--json"], {
        CARGO_ATTEST_CACHE_TTL: "0",
      });
      assert.equal(crate.report.verdict, "MISMATCH", crate.out);
    };
    // Earlier that millisecond, crates.io's index gave budget-1 another checksum for a moment,
    // and a run of the crate alone read it (its download is recorded).
    crates[i] = forged;
    await checkCrate();
    // The index is honest again: the lock is verified (TTL 0: every answer asked again), and
    // its checks are remembered.
    crates[i] = honest;
    const cold = await run(lock, { CARGO_ATTEST_CACHE_TTL: "0" });
    assert.equal(cold.code, 0, cold.out);
    assert.equal(
      (await run(lock)).report.diagnostics.some((d) => d.code === "checks-recalled"),
      true,
    );

    // The index gives the other checksum again; another run, in the same millisecond, reads
    // that into the cache.
    crates[i] = forged;
    await checkCrate();

    // What a full verification of the lock says now (--offline reads every cached answer and
    // is never recalled).
    const full = await run([...lock, "--offline"]);
    const fullOne = full.report.subjects.find((s) => s.subject.name === "budget-1");
    assert.equal(fullOne?.verdict, "MISMATCH", full.out);

    const again = await run(lock);
    const one = again.report.subjects.find((s) => s.subject.name === "budget-1");
    assert.equal(one?.verdict, "MISMATCH", again.out);
    assert.equal(
      again.report.diagnostics.some((d) => d.code === "checks-recalled"),
      false,
      "an answer the remembered checks rest on was replaced",
    );
    assert.equal(again.code, 2);
  }, now);
});
