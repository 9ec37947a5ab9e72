/**
 * Red team 8: the lock run memo (`lib/verify/lock_memo.ts`) must never recall checks that rest on
 * a cached answer whose record no longer reads back. Red team 7c made the ledger read the record
 * of each answer in a pack changed since its writer sealed it; in a sealed pack it still trusts
 * the seal. But a document's bytes can change where the pack's size, inode and times do not show
 * it (storage that flips a bit; a same-size rewrite whose times are put back within the second the
 * seal's change time has: red team 7's case), which is why every read of a document checks its
 * digest, sealed pack or not. A full verification then drops the record, asks again and goes by
 * the new answer; a recall takes the damaged record for the answer it once was. Through `main()`,
 * against the loopback fakes.
 */
import assert from "node:assert/strict";
import { PACK_EXT, readIndex } from "../lib/sources/cache_pack.ts";
import { type CachedRunReport, recalled, withBudgetLock } from "./support/cached_runs.ts";
import { changeUnseen } from "./support/unseen_change.ts";

/** The pack and offset of a byte in the body of budget-1's cached index answer. */
async function indexAnswerByte(dir: string): Promise<{ pack: string; at: number }> {
  const packs = `${dir}/cache/packs`;
  const found: { pack: string; at: number }[] = [];
  for await (const entry of Deno.readDir(packs)) {
    if (!entry.name.endsWith(PACK_EXT)) continue;
    const index = await readIndex(packs, entry.name.slice(0, -PACK_EXT.length));
    for (const [kind, key, offset, length] of index?.records ?? []) {
      if (kind !== "d" || !key.startsWith("GET ") || !key.includes("/budget-1 ")) continue;
      found.push({ pack: `${packs}/${entry.name}`, at: offset + length - 2 });
    }
  }
  assert.equal(found.length, 1, "the index answer of budget-1 is one record");
  return found[0];
}

Deno.test("red team 8: a record of an answer the remembered checks rest on, changed where its sealed pack does not show it, is not recalled as that answer", async () => {
  // The change must land within the second of the pack's change time: a few tries at most.
  for (let tried = 1;; tried++) {
    let unseen = false;
    await withBudgetLock(async ({ run, dir, crates, lock }) => {
      const cold = await run(lock);
      assert.equal(cold.code, 0, cold.out);
      const { pack, at } = await indexAnswerByte(dir);
      if (!await changeUnseen(pack, at)) return;
      unseen = true;
      // crates.io's index now gives budget-1 another checksum.
      const i = crates.findIndex((c) => c.name === "budget-1");
      crates[i] = { ...crates[i], indexCksumOverride: "e".repeat(64) };

      const verdictOf = (r: { report: CachedRunReport }) =>
        r.report.subjects.find((s) => s.subject.name === "budget-1")?.verdict;
      // A full verification reads the record, finds it damaged, asks the index again, and the
      // new answer is a MISMATCH.
      const again = await run(lock);
      assert.equal(verdictOf(again), "MISMATCH", again.out);
      assert.equal(recalled(again), false);
      // As the same lock at another path says with the same cache (another memo key).
      await Deno.mkdir(`${dir}/b`);
      await Deno.copyFile(`${dir}/Cargo.lock`, `${dir}/b/Cargo.lock`);
      const full = await run(["lock", `${dir}/b/Cargo.lock`, "--json"]);
      assert.equal(verdictOf(full), "MISMATCH", full.out);
    });
    if (unseen) break;
    assert.ok(tried < 5, "the change time's second kept moving on");
  }
});
