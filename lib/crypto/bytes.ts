/**
 * Byte helpers shared by the pure verification stages: base64, hex, concatenation, comparison.
 * @module
 */

/** Decodes standard or URL-safe base64 (padding optional); throws `TypeError` on bad input. */
export function decodeBase64(text: string): Uint8Array {
  const compact = /\s/.test(text) ? text.replace(/\s+/g, "") : text;
  const urlSafe = compact.includes("-") || compact.includes("_");
  if (urlSafe && (compact.includes("+") || compact.includes("/"))) {
    throw new TypeError("not valid base64");
  }
  try {
    // The native decoder rejects any character outside the alphabet and bad padding.
    return NATIVE.fromBase64(compact, {
      alphabet: urlSafe ? "base64url" : "base64",
      lastChunkHandling: "loose",
    });
  } catch {
    throw new TypeError("not valid base64");
  }
}

/** The TC39 base64/hex methods V8 ships (typed here for TypeScript versions without them). */
const NATIVE = Uint8Array as unknown as {
  fromBase64(
    text: string,
    options: { alphabet: "base64" | "base64url"; lastChunkHandling: "loose" },
  ): Uint8Array;
};
type NativeBytes = Uint8Array & { toBase64(): string; toHex(): string };

/** Encodes bytes as standard, padded base64. */
export function encodeBase64(bytes: Uint8Array): string {
  return (bytes as NativeBytes).toBase64();
}

/** Encodes bytes as lowercase hex. */
export function encodeHex(bytes: Uint8Array): string {
  return (bytes as NativeBytes).toHex();
}

/** Decodes hex (either case); throws `TypeError` on odd length or non-hex characters. */
export function decodeHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new TypeError("not valid hex");
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Collects chunks into one buffer as they arrive (one copy each, no final concatenation): sized
 * from a hint when the total is known, doubling when it is passed.
 */
export class ByteCollector {
  #buffer: Uint8Array;
  #length = 0;

  /** A collector expecting about `sizeHint` bytes (0 when unknown). */
  constructor(sizeHint = 0) {
    this.#buffer = new Uint8Array(Math.max(0, sizeHint));
  }

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /** Appends a copy of `chunk`. */
  push(chunk: Uint8Array): void {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2, 64 * 1024));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
  }

  /** The bytes: a buffer of their own when the hint was right, else a view into a larger one. */
  bytes(): Uint8Array {
    return this.#length === this.#buffer.length
      ? this.#buffer
      : this.#buffer.subarray(0, this.#length);
  }
}

/** True when both byte arrays have the same length and content. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** UTF-8 encodes a string. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Returns a copy backed by a plain `ArrayBuffer` (what WebCrypto's typings want). */
export function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

/**
 * Frees `buffer`'s memory now (by transferring it to a buffer of length 0) instead of whenever
 * the collector next runs; every view of it becomes empty. Only for memory nothing else uses: a
 * lock reads hundreds of megabytes, and the collector lets tens of them pile up as garbage. Does
 * nothing for a buffer that is detached already or cannot be transferred.
 */
export function releaseBuffer(buffer: ArrayBufferLike | undefined): void {
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return;
  try {
    buffer.transfer(0);
  } catch {
    // Not transferable (memory the runtime owns): the collector frees it.
  }
}
