import assert from "node:assert/strict";
import { canCollectGarbage, memoryGovernor } from "./memory.ts";

Deno.test("the memory governor can ask this runtime for a collection, and frees garbage buffers", () => {
  assert.equal(
    canCollectGarbage(),
    true,
    "node:v8 + node:vm no longer expose gc: lock's memory is unbounded",
  );
  const governor = memoryGovernor(0);
  governor.noteLargeReads();
  let garbage: Uint8Array[] | undefined = Array.from({ length: 64 }, () => new Uint8Array(1 << 20));
  assert.equal(garbage.length, 64);
  garbage = undefined;
  const before = Deno.memoryUsage().external;
  governor.relieve();
  const after = Deno.memoryUsage().external;
  assert.ok(after < before - 32 * (1 << 20), `external memory ${before} → ${after}`);
});

Deno.test("the governor collects only after large reads, at most once per pile of them", () => {
  let collections = 0;
  // 64 MB resident over a budget of 0: not enough documents' garbage for a forced collection.
  const governor = memoryGovernor(0, () => collections++, () => 64 * 1024 * 1024);
  governor.relieve();
  assert.equal(collections, 0, "small documents only: V8's own collector is enough");
  governor.noteLargeReads();
  governor.relieve();
  assert.equal(collections, 1, "an archive was read: its buffers are collected");
  governor.relieve();
  assert.equal(collections, 1, "nothing large read since");
});
