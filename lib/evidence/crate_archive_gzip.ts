/**
 * Decompression of a crate's gzip stream with a cap on what it inflates to: one native call for a
 * clean member of at most {@link FAST_INFLATE_MAX_BYTES} (its trailer checked), else a
 * `DecompressionStream` fed a little at a time so that it stops near the cap and reports errors
 * where they occur ({@link Inflater}).
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";
import { releaseBuffer } from "../crypto/bytes.ts";
import { MAX_KEPT_CRATE_BYTES } from "./crate_archive_types.ts";

/** Compressed bytes fed per step: deflate inflates at most ~1032:1, so ≤ ~4 MiB out per step. */
const INFLATE_INPUT_SLICE = 4096;
const EMPTY = new Uint8Array(0);

/** The gzip stream failed to inflate (corrupt or truncated). */
export class GzipFailure extends Error {}

/** The gzip stream inflated past the cap. */
export class InflateCapExceeded extends Error {}

/** Largest output inflated in one native call (larger streams are inflated as a stream). */
export const FAST_INFLATE_MAX_BYTES = 16 * 1024 * 1024;

/** gzip header flags (RFC 1952). */
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/**
 * The whole output of `input` when it is exactly one clean gzip member (deflate, known flags, the
 * deflate stream ending 8 bytes before the input does, CRC-32 and size matching) that inflates
 * to at most `cap` and {@link FAST_INFLATE_MAX_BYTES}; undefined for anything else (the caller
 * then inflates it as a stream, which reports what is wrong and where).
 */
function inflateWholeMember(input: Uint8Array, cap: number): Uint8Array | undefined {
  const start = gzipHeaderLength(input);
  if (start === undefined) return undefined;
  // The trailer's size field (when honest) lets the output come in one chunk instead of many.
  const claimed = new DataView(input.buffer, input.byteOffset + input.length - 4, 4)
    .getUint32(0, true);
  let inflated: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    inflated = inflateRawSync(
      input.subarray(start),
      {
        info: true,
        maxOutputLength: Math.min(cap, FAST_INFLATE_MAX_BYTES),
        chunkSize: Math.min(Math.max(claimed + 1, 64 * 1024), 4 * 1024 * 1024),
      } as Parameters<typeof inflateRawSync>[1],
    ) as unknown as typeof inflated;
  } catch {
    return undefined;
  }
  const { buffer, engine } = inflated;
  const trailer = start + engine.bytesWritten;
  if (trailer + 8 !== input.length) return undefined;
  const view = new DataView(input.buffer, input.byteOffset + trailer, 8);
  if (view.getUint32(0, true) !== crc32(buffer) >>> 0) return undefined;
  if (view.getUint32(4, true) !== buffer.length % 2 ** 32) return undefined;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** Smallest buffer freed by hand (smaller ones might be slices of a shared pool). */
const MIN_OWNED_BYTES = 64 * 1024;

/**
 * The buffer under {@link inflateWholeMember}'s output when it is the one that call allocated
 * (the view starts it, and it is the output's size plus one byte, or the 64 KiB minimum chunk),
 * too large to be part of a shared pool; else undefined.
 */
function ownedBuffer(view: Uint8Array): ArrayBuffer | undefined {
  const buffer = view.buffer;
  if (!(buffer instanceof ArrayBuffer) || view.byteOffset !== 0) return undefined;
  if (
    buffer.byteLength < MIN_OWNED_BYTES || buffer.byteLength > view.byteLength + MIN_OWNED_BYTES
  ) {
    return undefined;
  }
  return buffer;
}

/** Length of a gzip member's header, when it is one this module knows; else undefined. */
function gzipHeaderLength(input: Uint8Array): number | undefined {
  if (input.length < 18 || input[0] !== 0x1f || input[1] !== 0x8b || input[2] !== 8) {
    return undefined;
  }
  const flags = input[3];
  if (flags & 0xe0) return undefined;
  let at = 10;
  if (flags & FEXTRA) {
    if (at + 2 > input.length) return undefined;
    at += 2 + (input[at] | (input[at + 1] << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = input.indexOf(0, at);
    if (end < 0) return undefined;
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  return at < input.length ? at : undefined;
}

/** Pulls inflated bytes, counting them against the cap, as runs of at most a given length. */
export class Inflater {
  /** Bytes inflated so far. */
  produced = 0;
  /** Bytes handed out so far (the offset in the tar stream). */
  consumed = 0;
  /** Undefined when the whole stream was inflated at once. */
  private readonly reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
  private chunk: Uint8Array = EMPTY;
  private pos = 0;
  private ended = false;
  /**
   * The parts handed out may be kept (they are views of one inflated buffer, which the archive
   * then owns: see {@link releaseCrateArchive}): true when the whole member was inflated at once
   * into at most {@link MAX_KEPT_CRATE_BYTES}. Otherwise parts are valid only until the next call.
   */
  readonly sharesOutput: boolean = false;
  /**
   * The buffer of a member inflated at once (when it is this inflater's own): freed by
   * {@link cancel} unless {@link sharesOutput}, when the archive frees it.
   */
  readonly wholeBuffer: ArrayBuffer | undefined;

  constructor(input: Uint8Array, private readonly cap: number) {
    const whole = inflateWholeMember(input, cap);
    if (whole !== undefined) {
      this.chunk = whole;
      this.sharesOutput = whole.length <= MAX_KEPT_CRATE_BYTES;
      this.wholeBuffer = ownedBuffer(whole);
      this.produced = whole.length;
      this.ended = true;
      this.reader = undefined;
      return;
    }
    let fed = 0;
    const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull(controller) {
        if (fed >= input.length) {
          controller.close();
          return;
        }
        const end = Math.min(input.length, fed + INFLATE_INPUT_SLICE);
        controller.enqueue(input.slice(fed, end));
        fed = end;
      },
    }, { highWaterMark: 0 });
    this.reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  }

  /** The next run of at most `max` bytes; `null` at the clean end of the gzip stream. */
  async next(max: number): Promise<Uint8Array | null> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return null;
      let result: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>;
      try {
        result = await this.reader!.read();
      } catch (cause) {
        this.ended = true;
        throw new GzipFailure(cause instanceof Error ? cause.message : String(cause), { cause });
      }
      if (result.done) {
        this.ended = true;
        return null;
      }
      this.produced += result.value.length;
      if (this.produced > this.cap) {
        this.chunk = EMPTY;
        throw new InflateCapExceeded();
      }
      this.chunk = result.value;
      this.pos = 0;
    }
    const n = Math.min(max, this.chunk.length - this.pos);
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.consumed += n;
    return out;
  }

  /**
   * Stops decompression (idempotent) and frees what was inflated: every part handed out must have
   * been consumed (hashed, or copied) by then.
   */
  async cancel(): Promise<void> {
    this.chunk = EMPTY;
    if (!this.sharesOutput) releaseBuffer(this.wholeBuffer);
    if (this.ended) return;
    this.ended = true;
    try {
      await this.reader?.cancel();
    } catch {
      // Already errored or closed: nothing left to stop.
    }
  }
}
