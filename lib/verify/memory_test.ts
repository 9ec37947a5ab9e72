import assert from "node:assert/strict";
import { canCollectGarbage, memoryGovernor } from "./memory.ts";

Deno.test("the memory governor can ask this runtime for a collection, and frees garbage buffers", () => {
  assert.equal(
    canCollectGarbage(),
    true,
    "node:v8 + node:vm no longer expose gc: lock's memory is unbounded",
  );
  const relieve = memoryGovernor(0);
  let garbage: Uint8Array[] | undefined = Array.from({ length: 64 }, () => new Uint8Array(1 << 20));
  assert.equal(garbage.length, 64);
  garbage = undefined;
  const before = Deno.memoryUsage().external;
  relieve();
  const after = Deno.memoryUsage().external;
  assert.ok(after < before - 32 * (1 << 20), `external memory ${before} → ${after}`);
});
