/**
 * Red team 7c: the lock run memo (`lib/verify/lock_memo.ts`) must never recall checks that rest
 * on a cached answer whose record no longer reads back. A full verification reads each record and
 * checks its digest (a damaged one is dropped and asked again); a recall that looks only at the
 * pack index's key and time takes a damaged record for the answer it once was. Through `main()`,
 * against the loopback fakes.
 */
import assert from "node:assert/strict";
import { PACK_EXT, readIndex } from "../lib/sources/cache_pack.ts";
import { withBudgetLock } from "./support/cached_runs.ts";

Deno.test("red team 7c: a damaged record of an answer the remembered checks rest on is not recalled as that answer", async () => {
  await withBudgetLock(async ({ run, dir, crates, lock }) => {
    const cold = await run(lock);
    assert.equal(cold.code, 0, cold.out);

    // The cached index answer for budget-1 is damaged on disk (a byte of its body).
    const packs = `${dir}/cache/packs`;
    let damaged = 0;
    for await (const entry of Deno.readDir(packs)) {
      if (!entry.name.endsWith(PACK_EXT)) continue;
      const name = entry.name.slice(0, -PACK_EXT.length);
      const index = await readIndex(packs, name);
      for (const [kind, key, offset, length] of index?.records ?? []) {
        if (kind !== "d" || !key.startsWith("GET ") || !key.includes("/budget-1 ")) continue;
        const file = await Deno.open(`${packs}/${entry.name}`, { read: true, write: true });
        await file.seek(offset + length - 2, Deno.SeekMode.Start);
        await file.write(new TextEncoder().encode("#"));
        file.close();
        damaged++;
      }
    }
    assert.equal(damaged, 1, "the index answer of budget-1 is one record");
    // crates.io's index now gives budget-1 another checksum.
    const i = crates.findIndex((c) => c.name === "budget-1");
    crates[i] = { ...crates[i], indexCksumOverride: "e".repeat(64) };

    // A full verification reads the record, finds it damaged, asks the index again, and the
    // new answer is a MISMATCH.
    const again = await run(lock);
    const one = again.report.subjects.find((s) => s.subject.name === "budget-1");
    assert.equal(one?.verdict, "MISMATCH", again.out);
    assert.equal(again.report.diagnostics.some((d) => d.code === "checks-recalled"), false);
  });
});
