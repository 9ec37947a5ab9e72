import assert from "node:assert/strict";
import { ChunkSink, readerFor, TeeSink, WholeBodySink } from "./body_sink.ts";
import type { BodySink } from "./body_sink.ts";

/** Bytes 0..length-1 (mod 251, so no run repeats within a chunk). */
function pattern(length: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length }, (_, i) => i % 251);
}

/** A byte stream (BYOB-capable, as fetch bodies are) that serves `bytes` in pieces of `piece`. */
function byteStream(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest;
      const n = Math.min(piece, bytes.length - offset, request?.view?.byteLength ?? piece);
      if (request?.view) {
        new Uint8Array(request.view.buffer, request.view.byteOffset, n)
          .set(bytes.subarray(offset, offset + n));
        request.respond(n);
      } else {
        controller.enqueue(bytes.slice(offset, offset + n));
      }
      offset += n;
    },
  });
}

/** A default (non-byte) stream of `bytes` in pieces of `piece`. */
function plainStream(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

async function drain(stream: ReadableStream<Uint8Array>, sink: BodySink): Promise<number> {
  const reader = readerFor(stream, sink);
  let total = 0;
  for (;;) {
    const chunk = await reader.next();
    if (chunk === undefined) return total;
    total += chunk.length;
    await reader.deliver(chunk);
  }
}

for (const [kind, make] of [["byte", byteStream], ["plain", plainStream]] as const) {
  Deno.test(`WholeBodySink collects a ${kind} stream of known length in one exact buffer`, async () => {
    const served = pattern(100_000);
    const sink = new WholeBodySink(served.length);
    assert.equal(await drain(make(served, 30_000), sink), served.length);
    assert.deepEqual(sink.bytes(), served);
    assert.equal(sink.bytes().buffer.byteLength, served.length);
  });

  Deno.test(`WholeBodySink grows past a wrong or missing length (${kind} stream)`, async () => {
    const served = pattern(70_001);
    for (const declared of [undefined, 10, 70_000]) {
      const sink = new WholeBodySink(declared);
      assert.equal(await drain(make(served, 9_000), sink), served.length);
      assert.deepEqual(sink.bytes(), served, `declared ${declared}`);
    }
    const empty = new WholeBodySink(0);
    assert.equal(await drain(make(new Uint8Array(0), 10), empty), 0);
    assert.equal(empty.bytes().length, 0);
  });

  Deno.test(`ChunkSink hands every byte over in order (${kind} stream)`, async () => {
    const served = pattern(600_000);
    const copies: Uint8Array[] = [];
    const sink = new ChunkSink((chunk) => void copies.push(chunk.slice()), served.length);
    assert.equal(await drain(make(served, 50_000), sink), served.length);
    const joined = new Uint8Array(served.length);
    let at = 0;
    for (const copy of copies) {
      joined.set(copy, at);
      at += copy.length;
    }
    assert.deepEqual(joined, served);
  });

  Deno.test(`TeeSink keeps the whole body and shows each chunk (${kind} stream)`, async () => {
    const served = pattern(123_456);
    const whole = new WholeBodySink(served.length);
    let seen = 0;
    await drain(make(served, 10_000), new TeeSink(whole, (chunk) => void (seen += chunk.length)));
    assert.equal(seen, served.length);
    assert.deepEqual(whole.bytes(), served);
  });
}

Deno.test("readerFor() reads a byte stream into the sink's own memory (BYOB)", async () => {
  const served = pattern(40_000);
  const sink = new ChunkSink(() => {}, served.length);
  const first = sink.space();
  const reader = readerFor(byteStream(served, 40_000), sink);
  const chunk = await reader.next();
  assert.ok(chunk);
  // The read moved the sink's scratch buffer: the chunk is that memory, not a fresh allocation.
  assert.equal(first.byteLength, 0, "the buffer given to the read was transferred");
  assert.equal(chunk.buffer.byteLength, served.length);
  await reader.deliver(chunk);
  assert.equal(sink.space().buffer, chunk.buffer, "the scratch buffer is reused");
});
