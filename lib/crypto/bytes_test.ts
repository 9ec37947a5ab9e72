import assert from "node:assert/strict";
import { ByteCollector, releaseBuffer } from "./bytes.ts";

Deno.test("releaseBuffer() empties every view of a buffer; twice, or on nothing, is harmless", () => {
  const buffer = new ArrayBuffer(1 << 20);
  const a = new Uint8Array(buffer);
  const b = new Uint8Array(buffer, 100, 10);
  a.fill(1);
  releaseBuffer(buffer);
  assert.equal(buffer.detached, true);
  assert.equal(a.length, 0);
  assert.equal(b.length, 0);
  releaseBuffer(buffer);
  releaseBuffer(undefined);
  // A shared buffer is never released (others may use it).
  const shared = new SharedArrayBuffer(16);
  releaseBuffer(shared);
  assert.equal(new Uint8Array(shared).length, 16);
});

Deno.test("ByteCollector gives back exactly what was pushed, in one buffer when the hint was right", () => {
  const exact = new ByteCollector(6);
  exact.push(Uint8Array.of(1, 2, 3));
  exact.push(Uint8Array.of(4, 5, 6));
  assert.deepEqual(exact.bytes(), Uint8Array.of(1, 2, 3, 4, 5, 6));
  assert.equal(exact.bytes().buffer.byteLength, 6);
  const grown = new ByteCollector();
  for (let i = 0; i < 1000; i++) grown.push(Uint8Array.of(i & 0xff, (i >> 8) & 0xff));
  assert.equal(grown.length, 2000);
  assert.equal(grown.bytes()[1998], 999 & 0xff);
});
