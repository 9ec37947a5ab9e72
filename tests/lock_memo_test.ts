/**
 * A warm run of the same lock recalls the checks of an earlier run (`lib/verify/lock_memo.ts`)
 * only while everything they rest on is unchanged in the cache: the same report as a run that
 * reads every answer again, and never once another run has refreshed an answer, the TTL has
 * passed, the policy or options differ, or the run is offline. Through `main()`, against the
 * loopback fakes.
 */
import assert from "node:assert/strict";
import { type CountedRun, recalled, withBudgetLock } from "./support/cached_runs.ts";

/** The report without what differs between two runs of the same answers. */
function comparable(r: CountedRun): unknown {
  const { generatedAt: _, diagnostics, ...rest } = r.report;
  return { ...rest, diagnostics: diagnostics.filter((d) => d.code !== "checks-recalled") };
}

Deno.test("lock: a warm run recalls the checks of the same lock, with the report of a run that reads every answer", async () => {
  await withBudgetLock(async ({ run, lock }) => {
    const cold = await run(lock);
    assert.equal(cold.code, 0, cold.out);
    assert.equal(recalled(cold), false);
    const warm = await run(lock);
    assert.equal(warm.code, 0, warm.out);
    assert.equal(warm.requests, 0);
    assert.equal(recalled(warm), true, "the checks were recalled");
    // --offline never recalls: it reads every cached answer, and reports as a warm run does.
    const offline = await run([...lock, "--offline"]);
    assert.equal(recalled(offline), false);
    assert.deepEqual(comparable(warm), comparable(offline));
    assert.deepEqual(
      warm.report.subjects.map((s) => s.verdict),
      cold.report.subjects.map((s) => s.verdict),
    );
  });
});

Deno.test("lock: an answer another run refreshed, a passed TTL, another policy: the checks are not recalled", async () => {
  await withBudgetLock(async ({ run, dir, crates, lock }) => {
    assert.equal((await run(lock)).code, 0);
    assert.equal(recalled(await run(lock)), true);

    // Another policy (a file, even one that asks nothing more): verified anew.
    await Deno.writeTextFile(`${dir}/attest.toml`, "version = 1\n");
    const policy = await run([...lock, "--policy", `${dir}/attest.toml`]);
    assert.equal(recalled(policy), false);
    assert.equal(policy.code, 0, policy.out);

    // The TTL passed: every answer is asked again (revalidated), nothing recalled.
    const expired = await run(lock, { CARGO_ATTEST_CACHE_TTL: "0" });
    assert.equal(recalled(expired), false);
    assert.ok(expired.requests > 0);

    // crates.io's index now gives budget-1 another checksum; another command (the crate alone,
    // TTL 0) reads that into the cache. The lock's run rested on the old index answer: it is
    // verified anew, and the new answer is a MISMATCH.
    const i = crates.findIndex((c) => c.name === "budget-1");
    crates[i] = { ...crates[i], indexCksumOverride: "e".repeat(64) };
    const crate = await run(["crate", `budget-1@${crates[i].version}`, "--json"], {
      CARGO_ATTEST_CACHE_TTL: "0",
    });
    assert.equal(crate.report.verdict, "MISMATCH", crate.out);
    const after = await run(lock);
    assert.equal(recalled(after), false, "an answer it rested on was refreshed");
    const one = after.report.subjects.find((s) => s.subject.name === "budget-1");
    assert.equal(one?.verdict, "MISMATCH");
    assert.equal(after.code, 2);
  });
});
