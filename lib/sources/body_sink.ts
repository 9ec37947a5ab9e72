/**
 * Where a response body's bytes go as they are read. Bodies are read with a BYOB ("bring your own
 * buffer") reader where the stream allows it, so the bytes land in memory this module chose: the
 * whole body straight in one buffer ({@link WholeBodySink}), or a reused scratch buffer handed to a
 * consumer chunk by chunk ({@link ChunkSink}). A default reader would allocate a fresh chunk for
 * every read, and a whole body then cost its size twice (chunks, then their concatenation): over a
 * 300-crate lock that garbage was tens of megabytes of resident memory.
 *
 * A BYOB read moves ("transfers") the buffer it was given: the view it returns is over a new
 * `ArrayBuffer` with the same memory, and every older view of the buffer is detached (empty). So
 * a sink adopts the buffer of each view a read returns, and a chunk handed to a consumer is valid
 * only until the consumer's callback has returned (or its promise has settled).
 * @module
 */

/** Receives a body: {@link space} says where the next bytes go, {@link took} what was read. */
export interface BodySink {
  /** A view, never empty, for the next read (from a BYOB reader). */
  space(): Uint8Array;
  /** A BYOB read filled `chunk`, a view over the memory `space()` gave (its buffer moved). */
  took(chunk: Uint8Array): void | Promise<void>;
  /** A default reader produced `chunk` (a stream without BYOB support): copied or passed on. */
  push(chunk: Uint8Array): void | Promise<void>;
  /** A BYOB read ended the stream and gave back (an empty view over) the moved buffer. */
  returned(view: Uint8Array): void;
}

/** Largest buffer allocated up front for a body whose declared length is larger still. */
const MAX_UPFRONT_BYTES = 8 * 1024 * 1024;

/** First buffer for a body of unknown length (it doubles as needed). */
const UNKNOWN_LENGTH_BYTES = 64 * 1024;

/** What a full {@link WholeBodySink} reads into to see whether the body has ended. */
const PROBE_BYTES = 4096;

/** Largest scratch buffer of a {@link ChunkSink}. */
const MAX_SCRATCH_BYTES = 256 * 1024;

/**
 * Collects a whole body in one buffer: exactly its size when the length is known up front (then
 * {@link bytes} is that buffer, with no copy), else grown by doubling.
 */
export class WholeBodySink implements BodySink {
  #buffer: Uint8Array;
  #length = 0;
  /** The last space handed out was the probe (the buffer was full). */
  #probing = false;

  /** A sink for a body of `expectedLength` bytes, when known. */
  constructor(expectedLength?: number) {
    const size = expectedLength === undefined
      ? UNKNOWN_LENGTH_BYTES
      : Math.min(Math.max(expectedLength, 1), MAX_UPFRONT_BYTES);
    this.#buffer = new Uint8Array(size);
  }

  space(): Uint8Array {
    // A full buffer is not grown just to find that the body has ended (it usually has): the end
    // is read into a small probe, and only bytes beyond it grow the buffer.
    this.#probing = this.#length === this.#buffer.length;
    return this.#probing ? new Uint8Array(PROBE_BYTES) : this.#buffer.subarray(this.#length);
  }

  took(chunk: Uint8Array): void {
    if (this.#probing) return this.push(chunk);
    this.#buffer = new Uint8Array(chunk.buffer as ArrayBuffer);
    this.#length += chunk.length;
  }

  push(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#buffer.length) this.#grow(this.#length + chunk.length);
    this.#buffer.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  returned(view: Uint8Array): void {
    if (!this.#probing) this.#buffer = new Uint8Array(view.buffer as ArrayBuffer);
  }

  /** The body: the buffer itself when it was exactly filled, else a view of its start. */
  bytes(): Uint8Array {
    return this.#length === this.#buffer.length
      ? this.#buffer
      : this.#buffer.subarray(0, this.#length);
  }

  #grow(needed: number): void {
    const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}

/**
 * Hands a body to `onChunk` piece by piece through one reused scratch buffer (sized to the body
 * when that is small). Each chunk is valid only until `onChunk` has returned (or its promise has
 * settled): a consumer that keeps bytes copies them.
 */
export class ChunkSink implements BodySink {
  #scratch: Uint8Array;
  readonly #onChunk: (chunk: Uint8Array) => void | Promise<void>;

  /** A sink for a body of `expectedLength` bytes, when known. */
  constructor(
    onChunk: (chunk: Uint8Array) => void | Promise<void>,
    expectedLength?: number,
  ) {
    this.#onChunk = onChunk;
    this.#scratch = new Uint8Array(
      Math.min(Math.max(expectedLength ?? MAX_SCRATCH_BYTES, 1), MAX_SCRATCH_BYTES),
    );
  }

  space(): Uint8Array {
    return this.#scratch;
  }

  async took(chunk: Uint8Array): Promise<void> {
    try {
      await this.#onChunk(chunk);
    } finally {
      this.#scratch = new Uint8Array(chunk.buffer as ArrayBuffer);
    }
  }

  async push(chunk: Uint8Array): Promise<void> {
    await this.#onChunk(chunk);
  }

  returned(view: Uint8Array): void {
    this.#scratch = new Uint8Array(view.buffer as ArrayBuffer);
  }
}

/** Reads a body stream into a sink, through whichever reader the stream supports. */
export interface BodyReader {
  /** The next chunk, not yet handed to the sink; undefined at the end of the body. */
  next(): Promise<Uint8Array | undefined>;
  /** Hands `chunk` (the last one {@link next} gave) to the sink. */
  deliver(chunk: Uint8Array): void | Promise<void>;
  /** Cancels the stream (after a failure). */
  cancel(): Promise<void>;
}

/**
 * A reader of `body` into `sink`: BYOB when the stream is a byte stream (as `fetch` bodies are),
 * else a default reader whose chunks are pushed. The chunk it returns has not been handed to the
 * sink yet: the caller checks it (caps, sizes) and then calls {@link deliver}.
 */
export function readerFor(body: ReadableStream<Uint8Array>, sink: BodySink): BodyReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    byob = undefined;
  }
  if (byob) {
    const reader = byob;
    return {
      async next() {
        const { done, value } = await reader.read(
          sink.space() as Uint8Array<ArrayBuffer>,
        );
        if (done) {
          if (value) sink.returned(value);
          return undefined;
        }
        return value;
      },
      deliver: (chunk) => sink.took(chunk),
      cancel: () => reader.cancel().catch(() => {}),
    };
  }
  const reader = body.getReader();
  return {
    async next() {
      const { done, value } = await reader.read();
      return done ? undefined : value;
    },
    deliver: (chunk) => sink.push(chunk),
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/** Collects a whole body and also hands each chunk to `onChunk` (valid until it returns). */
export class TeeSink implements BodySink {
  constructor(
    private readonly whole: WholeBodySink,
    private readonly onChunk: (chunk: Uint8Array) => void | Promise<void>,
  ) {}

  space(): Uint8Array {
    return this.whole.space();
  }

  async took(chunk: Uint8Array): Promise<void> {
    this.whole.took(chunk);
    await this.onChunk(chunk);
  }

  async push(chunk: Uint8Array): Promise<void> {
    this.whole.push(chunk);
    await this.onChunk(chunk);
  }

  returned(view: Uint8Array): void {
    this.whole.returned(view);
  }
}
