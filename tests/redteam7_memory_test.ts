/**
 * Red team 7: the memory governor (lib/verify/memory.ts) forces a collection only after a crate
 * whose archive, tree or bytes were read. A warm lock whose crates all have memos reads none of
 * those, but it still reads every crate's cached documents: a lock of crates with large index
 * files (as `aws-sdk-*` or `windows-*` crates have, hundreds of kilobytes each) piles up hundreds
 * of megabytes of buffers V8 does not collect in time. Measured (300 crates, index files of about
 * 500 KB, warm run, peak resident size): 344 MB with a collection allowed after any crate, 937 MB
 * with this change. Garbage far over the budget must be collected whatever was read.
 */
import assert from "node:assert/strict";
import { memoryGovernor } from "../lib/verify/memory.ts";

Deno.test("redteam7: garbage far over the budget is collected even when no archive, tree or .crate was read", () => {
  let collections = 0;
  const governor = memoryGovernor(0, () => collections++);
  // Cached documents read and dropped: 256 MB of buffers, resident until collected.
  let garbage: Uint8Array[] | undefined = Array.from(
    { length: 256 },
    (_, i) => new Uint8Array(1 << 20).fill(i),
  );
  assert.equal(garbage.length, 256);
  garbage = undefined;
  governor.relieve();
  assert.equal(collections, 1, "hundreds of megabytes over a budget of 0: a collection");
});
