/**
 * The on-disk cache: `$CARGO_HOME/attest/cache` (or `CARGO_ATTEST_CACHE_DIR`).
 *
 * - Documents (mutable answers: release JSON, index files, attestation pages, API records, Rekor
 *   lookups, and the "this URL gave that blob" records of downloads) are keyed by request, with
 *   the time they were fetched and their `ETag`/`Last-Modified` for revalidation. Memoised results
 *   (what was derived from immutable bytes, such as a `.crate`'s file listing) are documents too,
 *   keyed by what they were derived from ({@link Cache.getMemo}).
 * - Blobs (immutable bytes: `.crate` files, release assets, bundles) are content-addressed and
 *   re-hashed on every read: a blob whose bytes do not hash to its name is never handed out.
 *
 * Documents and blobs up to 8 MiB are records in append-only pack files (`packs/`, see
 * `cache_pack.ts`): each run appends what it writes to a pack of its own and writes the pack's
 * index once its writes are settled (`write_behind.ts`), so a run creates a couple of files,
 * never thousands, and never writes to another run's pack. A document record is a line with the
 * SHA-256 of the rest, a line with the document's header as JSON (its full key included), then the
 * body exactly as it was received (so reading it back needs no unescaping); a blob record is a
 * line with the blob's SHA-256, a header naming it, then its bytes. A record is used only when it
 * matches its digest and is the record of the key asked for: a flipped byte, a truncated pack or
 * an index that points elsewhere is a miss (with a warning), never a wrong answer. Of two records
 * of one key, the newer pack's wins (within a pack, the later); a run that leaves more than 16
 * packs compacts the newest into one, and `prune` rewrites them all. Larger blobs are files at
 * `blobs/sha256/ab/<hex>`, streamed there through a temporary file.
 *
 * Directories are created 0700 and files 0600. A cache I/O failure is never an error: it is a
 * miss, with a warning.
 *
 * **Layout.** This module holds the {@link Cache} class and re-exports the cache's public API.
 * `cache_settings.ts` has the location and durations, `cache_documents.ts` the documents and
 * their record format, `cache_blobs.ts` the blob types and record check, `cache_prune.ts` the
 * stats, pruning and compaction of packs, `cache_pack.ts` the pack files and `_cache_util.ts` the
 * small helpers they share.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { ByteCollector, bytesEqual, concatBytes, encodeHex } from "../crypto/bytes.ts";
import {
  INDEX_EXT,
  indexedPacks,
  isTemporary,
  MAX_RECORD_BYTES,
  newPackName,
  PACK_EXT,
  PACK_FORMAT,
  PackFile,
  type PackIndex,
  PackWriter,
  readIndex,
  type RecordKind,
  type RecordLocation,
} from "./cache_pack.ts";
import { atSettle } from "./write_behind.ts";
import { VERSION } from "../version.ts";
import { HASH_CHUNK_BYTES } from "../limits.ts";
import { hashFile, isNotFound, join, SHA256_HEX, utf8Encoder } from "./_cache_util.ts";
import { DEFAULT_CACHE_TTL_MS } from "./cache_settings.ts";
import {
  type CachedDocument,
  checkDocumentRecord,
  type DocumentAnswer,
  type DocumentEntry,
  type DocumentHit,
  openDocument,
  sameAnswer,
  saysTheSame,
  sealDocument,
  storedBody,
} from "./cache_documents.ts";
import {
  blobBody,
  BlobChangedError,
  blobRecordHeader,
  type BlobStreamOptions,
  type BlobWriter,
} from "./cache_blobs.ts";
import {
  AREAS,
  type CacheStats,
  compactPacks,
  type PackStore,
  pruneFiles,
  type PruneResult,
  sizeOfPacks,
  walkFiles,
} from "./cache_prune.ts";

export { DEFAULT_CACHE_TTL_MS, parseDuration, resolveCacheDir } from "./cache_settings.ts";
export type { CachedDocument, DocumentAnswer, DocumentHit } from "./cache_documents.ts";
export { BlobChangedError, type BlobStreamOptions, type BlobWriter } from "./cache_blobs.ts";
export { type CacheStats, ORPHAN_TMP_AGE_MS, type PruneResult } from "./cache_prune.ts";

/** Blob files up to this size are read into memory once (hashed, then handed out), others twice. */
const SMALL_BLOB_BYTES = 64 * 1024 * 1024;

/** A blob's use is recorded at most this often. */
const BLOB_TOUCH_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Most cache writes in flight before a writer waits for one to finish. */
const MAX_WRITES_IN_FLIGHT = 64;

/** Most bytes of cache writes in flight (held in memory) before a writer waits. */
const MAX_BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/** Blobs up to this size are held in memory while they arrive and stored in a pack. */
const BUFFERED_BLOB_BYTES = 8 * 1024 * 1024;

/** More packs with an index than this, and the run that wrote the last one compacts them. */
const MAX_PACKS = 16;

/**
 * What a run used of the cache (see {@link Cache.startLedger}): documents by key with their
 * record's time (-1: absent) and the pack that holds it, blobs by SHA-256 with their size (-1:
 * only known to be there).
 */
export interface CacheLedger {
  /**
   * Each document used: its key, its record's time (-1: it was absent) and the name of the pack
   * its record is in (a record of the same time in another pack is another answer: two runs can
   * write in the same millisecond).
   */
  readonly documents: readonly (readonly [key: string, time: number, pack?: string])[];
  /** Each blob used: its SHA-256 and size (-1: only known to be cached). */
  readonly blobs: readonly (readonly [sha256: string, size: number])[];
}

/** A blob's size in a ledger when it is only known to be there. */
const NO_SIZE = -1;

/** What {@link openCache} needs. */
export interface CacheOptions {
  /** The cache's root directory (created on the first write). */
  readonly dir: string;
  /** How long a document is fresh, in milliseconds (default {@link DEFAULT_CACHE_TTL_MS}). */
  readonly ttlMs?: number;
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  readonly now?: () => number;
  /** Receives warnings about cache I/O failures (each distinct message once). */
  readonly warn?: (message: string) => void;
}

/** Opens (without touching the disk) the cache at `options.dir`. */
export function openCache(options: CacheOptions): Cache {
  return new Cache(options);
}

/** Largest packed record {@link Cache.blobIsIntact} reads into a reused buffer. */
const SCRATCH_RECORD_BYTES = 1024 * 1024 + 4096;

/** Reused buffers kept (one per check in flight, up to this many). */
const MAX_SCRATCH_BUFFERS = 16;

/** Largest buffer kept for reuse (at most 16 × 256 KiB held; larger records get their own). */
const MAX_KEPT_SCRATCH_BYTES = 256 * 1024;

/** Smallest reused buffer (most `.crate`s are smaller). */
const MIN_SCRATCH_BYTES = 128 * 1024;

/** The SHA-256 of bytes, lowercase hex, computed by WebCrypto (off the calling thread). */
async function sha256HexOffThread(bytes: Uint8Array): Promise<string> {
  return encodeHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
  );
}

/** The message of a thrown value. */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The cache. Every method is safe to call with a broken or missing directory: it misses. */
export class Cache {
  /** The root directory. */
  readonly dir: string;
  /** How long a document is fresh, in milliseconds. */
  readonly ttlMs: number;
  readonly #now: () => number;
  readonly #warn: (message: string) => void;
  readonly #warned = new Set<string>();
  /** Directories this run created. */
  readonly #made = new Set<string>();
  /** `packs/` under the root. */
  readonly #packsDir: string;
  /** The newest record of each document, as the indexes read (and this run's writes) say. */
  readonly #docs = new Map<string, RecordLocation>();
  /** The newest record of each packed blob, by SHA-256. */
  readonly #blobs = new Map<string, RecordLocation>();
  /** Documents this run is writing: readable before they reach the disk. */
  readonly #pendingDocs = new Map<string, DocumentEntry>();
  /** Blobs this run is writing to its pack, by SHA-256. */
  readonly #pendingBlobs = new Map<string, Uint8Array>();
  /** What this run used, while a ledger is kept (see {@link startLedger}). */
  #ledger?: {
    documents: Map<string, readonly [time: number, pack?: string]>;
    blobs: Map<string, number>;
    /** Documents handed out as answers (a fresh record read, or one written) in this run. */
    answered: Set<string>;
    /** Answers being written (not yet pending), by key: what a concurrent answer is told apart from. */
    writing: Map<string, DocumentEntry>;
    /**
     * Whether a document handed out was then replaced by another answer in the same run (two
     * crates asking one URL at once and told different things, a TTL passing mid-run): what was
     * derived from the first answer rests on a record the cache no longer holds.
     */
    replaced: boolean;
    /** Whether a blob this run used could not be kept (a blob file not written). */
    unkept: boolean;
  };
  /** Whether this run has written a record, a touch or a blob file. */
  #wrote = false;
  /** Buffers {@link blobIsIntact} reads records into, kept for the next check. */
  readonly #scratch: Uint8Array[] = [];
  /** When blobs were last used (packed: as their indexes say; files: their modification time). */
  readonly #blobUsed = new Map<string, number>();
  /** When documents were last confirmed unchanged (a 304), as the indexes say. */
  readonly #docTouched = new Map<string, number>();
  /** The packs this run read or wrote, by name: closed when the run's writes are settled. */
  readonly #packs = new Map<string, PackFile>();
  /** Writes in flight, their bytes, and the writers waiting for fewer (see {@link #append}). */
  #writesInFlight = 0;
  #bytesInFlight = 0;
  readonly #waiting: (() => void)[] = [];
  /** The indexes, read once per run. */
  #loading?: Promise<void>;
  /** False when `blobs/` was not there when the run started (and the run stored no file). */
  #blobFiles = true;
  /** The pack this run writes (created on its first write). */
  #writer?: PackWriter;
  /** Whether {@link #finish} is to run when the run's writes are settled. */
  #finishAsked = false;
  #finishing: Promise<void> = Promise.resolve();

  /** See {@link openCache}. */
  constructor(options: CacheOptions) {
    this.dir = options.dir;
    this.#packsDir = join(this.dir, "packs");
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? (() => {});
  }

  /**
   * The key of a request: its method, `Accept`, URL, the credential it carried (`anonymous`, or
   * a digest of the token: see `CachedHttp.credentialFor`) and (for a POST) body. An answer given
   * to one token (a private repository's tags, a 404 for a repository another token can see)
   * never answers a request made with another token, or with none.
   */
  static requestKey(
    method: string,
    accept: string,
    url: string,
    credential: string,
    body?: string,
  ): string {
    return `${method} ${accept} ${url} as=${credential}${body === undefined ? "" : `\n${body}`}`;
  }

  /** Where a blob larger than 8 MiB with this SHA-256 lives (smaller ones are in packs). */
  blobPath(sha256: string): string {
    return join(this.dir, "blobs", "sha256", sha256.slice(0, 2), sha256);
  }

  /** Reads the document for `key`; a missing, unreadable or corrupt one is undefined. */
  async getDocument(key: string): Promise<DocumentHit | undefined> {
    await this.#ready();
    const entry = this.#pendingDocs.get(key) ?? await this.#readDocument(key);
    if (!entry) {
      if (this.#ledger && !this.#ledger.documents.has(key)) this.#ledger.documents.set(key, [-1]);
      return undefined;
    }
    // A 304 since the record was written makes it as fresh as a new answer would be.
    const fetched = Date.parse(entry.doc.fetchedAt);
    this.#ledger?.documents.set(key, [fetched, this.#packOfDocument(key)]);
    const touched = this.#docTouched.get(key) ?? -Infinity;
    const doc = touched > fetched
      ? { ...entry.doc, fetchedAt: new Date(touched).toISOString() }
      : entry.doc;
    const fresh = this.#isFresh(key, fetched, this.#now());
    if (fresh) this.#ledger?.answered.add(key);
    return { ...entry, doc, fresh };
  }

  /** Stores an answer for `key`; a text body is stored as text. */
  async putDocument(
    key: string,
    entry: DocumentAnswer,
  ): Promise<void> {
    // The same answer again (a server without conditional requests, an extract or memo made
    // anew from unchanged pages): a touch, not another copy.
    const stored = await this.#storedDocument(key);
    if (stored && sameAnswer(stored, entry)) {
      await this.touchDocument(key, stored);
      return;
    }
    await this.#putDocument({
      v: PACK_FORMAT,
      key,
      url: entry.url,
      finalUrl: entry.finalUrl,
      status: entry.status,
      fetchedAt: new Date(this.#now()).toISOString(),
      ...(entry.etag ? { etag: entry.etag } : {}),
      ...(entry.lastModified ? { lastModified: entry.lastModified } : {}),
      ...(entry.linkNext ? { linkNext: entry.linkNext } : {}),
    }, storedBody(entry.body));
  }

  /**
   * Marks a document as fetched now (after a 304 Not Modified): a line of this run's index, not a
   * new copy of the record (a run that revalidates every document would otherwise write them all
   * again). `hit` is the document as read.
   */
  async touchDocument(key: string, hit: DocumentHit): Promise<void> {
    await this.#ready();
    const ledger = this.#ledger;
    if (ledger) {
      // `hit` is handed out as the answer: one this run handed out otherwise (another crate told
      // something else meanwhile, written) has replaced it, and one written after it will.
      if (ledger.answered.has(key)) {
        const current = ledger.writing.get(key) ?? this.#pendingDocs.get(key) ??
          await this.#readDocument(key);
        if (!current || !saysTheSame(current, hit)) ledger.replaced = true;
      }
      ledger.answered.add(key);
    }
    const now = this.#now();
    if (now <= Date.parse(hit.doc.fetchedAt)) return;
    this.#wrote = true;
    this.#noteTouch(key, now);
    this.#packWriter().touch(key, now);
  }

  /**
   * Starts a ledger of what this run uses: every document read or written (its record's time, or
   * that it was absent) and every blob found intact or stored. A result derived from exactly those
   * can be used again while {@link ledgerHolds} (see `lock_memo.ts`).
   */
  startLedger(): void {
    this.#ledger = {
      documents: new Map(),
      blobs: new Map(),
      answered: new Set(),
      writing: new Map(),
      replaced: false,
      unkept: false,
    };
  }

  /**
   * The ledger kept since {@link startLedger}, and stops keeping it. Undefined when none was,
   * when a document handed out in this run was replaced by another answer in the same run (no
   * ledger describes both: the cache holds only the last), or when a blob the run was handed
   * could not be kept.
   */
  takeLedger(): CacheLedger | undefined {
    const ledger = this.#ledger;
    this.#ledger = undefined;
    if (ledger?.replaced || ledger?.unkept) return undefined;
    return ledger && {
      documents: [...ledger.documents].map(([key, [time, pack]]) =>
        pack === undefined ? [key, time] as const : [key, time, pack] as const
      ),
      blobs: [...ledger.blobs],
    };
  }

  /** Whether this run has written anything to the cache (a record, a touch, a blob file). */
  get wroteThisRun(): boolean {
    return this.#wrote;
  }

  /**
   * Whether a ledger still describes the cache: each document is still the record it was (same
   * time, same pack; none where there was none), intact and fresh, as {@link getDocument} would
   * say, and each blob is cached (and intact, when its size is known). Every document record is
   * read and its digest checked, as {@link getDocument} does; in packs unchanged since they were
   * sealed only blob record headers are read.
   */
  async ledgerHolds(ledger: CacheLedger): Promise<boolean> {
    await this.#ready();
    const now = this.#now();
    for (const [key, time, pack] of ledger.documents) {
      const pending = this.#pendingDocs.get(key);
      const current = pending ? Date.parse(pending.doc.fetchedAt) : this.#docs.get(key)?.time;
      if (time < 0) {
        if (current !== undefined) return false;
        continue;
      }
      // The same time is not enough: another run may have written another answer that
      // millisecond (its own pack); a ledger that does not name the pack never holds.
      if (current !== time || pack === undefined || this.#packOfDocument(key) !== pack) {
        return false;
      }
      if (!this.#isFresh(key, time, now)) return false;
      // The record must still read back as written, as getDocument checks it on every read: its
      // digest, in a sealed pack too (a change the pack's times do not show, a bit the storage
      // flips, is dropped and asked again by a full verification).
      if (!pending && !await this.#documentIsIntact(key)) return false;
    }
    for (const [sha256, size] of ledger.blobs) {
      const held = size === NO_SIZE
        ? await this.#hasBlob(sha256)
        : await this.#blobIsIntact(sha256, size, Number.MAX_SAFE_INTEGER);
      if (!held) return false;
    }
    return true;
  }

  /**
   * A memoised result: the JSON value stored by {@link putMemo} under `kind` and `key`, whatever
   * its age (what it was derived from is named by the key and never changes); undefined when
   * absent or corrupt. `kind` names the derivation and its version (`crate/v1`); the key also
   * holds cargo-attest's version, so a new version never trusts what an older one derived.
   */
  async getMemo(kind: string, key: string): Promise<unknown> {
    return (await this.#getValue(`MEMO ${kind} ${VERSION} ${key}`))?.value;
  }

  /** Stores a memoised result (a JSON value) under `kind` and `key`; see {@link getMemo}. */
  async putMemo(kind: string, key: string, value: unknown): Promise<void> {
    await this.#putValue(`MEMO ${kind} ${VERSION} ${key}`, `memo:${kind}`, value);
  }

  /**
   * An extract of answers that expire (a repository's tag list, read from its tag pages): the
   * JSON value stored by {@link putExtract}, and whether it is within the TTL, as the answers it
   * was made from would be. Undefined when absent or corrupt.
   */
  getExtract(kind: string, key: string): Promise<{ value: unknown; fresh: boolean } | undefined> {
    return this.#getValue(`EXTRACT ${kind} ${key}`);
  }

  /** Stores an extract (a JSON value) under `kind` and `key`; see {@link getExtract}. */
  async putExtract(kind: string, key: string, value: unknown): Promise<void> {
    await this.#putValue(`EXTRACT ${kind} ${key}`, `extract:${kind}`, value);
  }

  /** A JSON value kept as a document (a memo or an extract), and whether it is fresh. */
  async #getValue(key: string): Promise<{ value: unknown; fresh: boolean } | undefined> {
    const hit = await this.getDocument(key);
    if (!hit || hit.doc.status !== 200 || hit.text === undefined) return undefined;
    try {
      return { value: JSON.parse(hit.text), fresh: hit.fresh };
    } catch {
      return undefined;
    }
  }

  async #putValue(key: string, url: string, value: unknown): Promise<void> {
    await this.putDocument(key, { url, finalUrl: url, status: 200, body: JSON.stringify(value) });
  }

  /**
   * The blob's bytes when it is cached and hashes to `sha256` (small blobs; see
   * {@link streamBlob} for any size).
   */
  async readBlob(sha256: string, maxBytes: number): Promise<Uint8Array | undefined> {
    const chunks: Uint8Array[] = [];
    const size = await this.streamBlob(sha256, {
      maxBytes,
      onChunk: (c) => void chunks.push(c),
    });
    if (size === undefined) return undefined;
    return concatBytes(...chunks);
  }

  /**
   * Hands a cached blob to `onChunk` after checking that it hashes to `sha256`: packed blobs and
   * small files are read once, larger files hashed in a first pass and streamed in a second.
   * Returns the size, or undefined (nothing was handed out) when the blob is absent, corrupt (a
   * file is then deleted, a record no longer used), over `maxBytes` or not `expectedSize` long.
   */
  async streamBlob(
    sha256: string,
    options: BlobStreamOptions,
  ): Promise<number | undefined> {
    const size = await this.#streamBlob(sha256, options);
    if (size !== undefined) this.#ledger?.blobs.set(sha256, size);
    return size;
  }

  async #streamBlob(
    sha256: string,
    options: BlobStreamOptions,
  ): Promise<number | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    await this.#ready();
    const packed = await this.#packedBlob(sha256);
    if (packed === undefined) return await this.#streamBlobFile(sha256, options);
    if (packed.length > options.maxBytes) return undefined;
    if (options.expectedSize !== undefined && packed.length !== options.expectedSize) {
      return undefined;
    }
    for (let i = 0; i < packed.length; i += HASH_CHUNK_BYTES) {
      await options.onChunk(packed.subarray(i, i + HASH_CHUNK_BYTES));
    }
    return packed.length;
  }

  /**
   * Whether the blob `sha256` is cached, `expectedSize` bytes long (at most `maxBytes`) and
   * intact, as {@link streamBlob} would find it, for a caller that needs only to know (a memo
   * recalled on the strength of its blob). In a pack unchanged since its writer finished it (its
   * seal), only the record's header is read: the writer hashed the bytes. Otherwise a packed
   * record of up to 1 MiB is read into a scratch
   * buffer kept for the next check and hashed on this thread: a warm lock checks every crate's
   * blob, and reading each into a new buffer made a 1,000-crate run allocate 100 MB of garbage.
   * A corrupt record is dropped, as when it is read.
   */
  async blobIsIntact(sha256: string, expectedSize: number, maxBytes: number): Promise<boolean> {
    const intact = await this.#blobIsIntact(sha256, expectedSize, maxBytes);
    if (intact) this.#ledger?.blobs.set(sha256, expectedSize);
    return intact;
  }

  async #blobIsIntact(sha256: string, expectedSize: number, maxBytes: number): Promise<boolean> {
    if (!SHA256_HEX.test(sha256)) return false;
    await this.#ready();
    const at = this.#pendingBlobs.has(sha256) ? undefined : this.#blobs.get(sha256);
    if (at && await this.#sealedBlobIsIntact(sha256, at, expectedSize, maxBytes)) return true;
    if (!at || at.length > SCRATCH_RECORD_BYTES) {
      const size = await this.streamBlob(sha256, { maxBytes, expectedSize, onChunk: () => {} });
      return size === expectedSize;
    }
    return await this.#withScratch(at.length, async (scratch) => {
      const record = await this.#readRecord(at, scratch);
      if (!record) return false;
      const body = blobBody(record, sha256);
      if (!body || createHash("sha256").update(body).digest("hex") !== sha256) {
        this.#dropCorrupt(this.#blobs, sha256, at);
        return false;
      }
      return body.length <= maxBytes && body.length === expectedSize;
    });
  }

  /**
   * Runs `use` with a buffer of at least `length` bytes that nothing else holds meanwhile: a
   * kept one large enough, else a new one (sized for most records, or this one), kept afterwards
   * when small enough. For records only checked, whose bytes `use` does not hand out: a warm run
   * checks thousands, which would otherwise each be garbage.
   */
  async #withScratch<T>(length: number, use: (scratch: Uint8Array) => Promise<T>): Promise<T> {
    const kept = this.#scratch.findIndex((b) => b.length >= length);
    const scratch = kept >= 0
      ? this.#scratch.splice(kept, 1)[0]
      : new Uint8Array(Math.max(length, MIN_SCRATCH_BYTES));
    try {
      return await use(scratch);
    } finally {
      if (this.#scratch.length < MAX_SCRATCH_BUFFERS && scratch.length <= MAX_KEPT_SCRATCH_BYTES) {
        this.#scratch.push(scratch);
      }
    }
  }

  /**
   * Whether the packed record `at` is the blob `sha256`, `expectedSize` bytes long (at most
   * `maxBytes`), in a pack unchanged since its writer hashed and wrote it (see `PackSeal`): then
   * only the record's header is read. False means "not known this way", not "corrupt".
   */
  async #sealedBlobIsIntact(
    sha256: string,
    at: RecordLocation,
    expectedSize: number,
    maxBytes: number,
  ): Promise<boolean> {
    const header = utf8Encoder.encode(blobRecordHeader(sha256));
    const size = at.length - header.length;
    if (size !== expectedSize || size > maxBytes) return false;
    if (!await at.pack.unchangedSinceSealed()) return false;
    try {
      const read = await at.pack.readInto(new Uint8Array(header.length), at.offset, header.length);
      return bytesEqual(read, header);
    } catch {
      return false;
    }
  }

  /** True when a blob with this digest is cached (its bytes are not checked). */
  async hasBlob(sha256: string): Promise<boolean> {
    const has = await this.#hasBlob(sha256);
    if (has && !this.#ledger?.blobs.has(sha256)) this.#ledger?.blobs.set(sha256, NO_SIZE);
    return has;
  }

  async #hasBlob(sha256: string): Promise<boolean> {
    await this.#ready();
    if (this.#pendingBlobs.has(sha256) || this.#blobs.has(sha256)) return true;
    if (!this.#blobFiles) return false;
    try {
      await Deno.stat(this.blobPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts writing a blob: chunks are held in memory (and hashed), and `commit` stores them in
   * this run's pack under their digest; a blob that grows past 8 MiB goes to a temporary file
   * instead, which `commit` renames to its digest. Undefined when the cache cannot be written (a
   * warning says why).
   */
  async openBlobWriter(sizeHint?: number): Promise<BlobWriter | undefined> {
    await this.#ready();
    try {
      await this.#mkdir(this.#packsDir);
    } catch (error) {
      this.#warnOnce(`cannot write to ${this.dir}`, error);
      this.#blobNotKept();
      return undefined;
    }
    const tmpDir = join(this.dir, "tmp");
    const tmpPath = join(tmpDir, `blob.tmp-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    let buffered: ByteCollector | undefined = new ByteCollector(
      sizeHint !== undefined && sizeHint <= BUFFERED_BLOB_BYTES ? sizeHint : 0,
    );
    let file: FileHandle | undefined;
    let failed = false;
    let size = 0;
    const fail = (error: unknown) => {
      failed = true;
      buffered = undefined;
      this.#warnOnce(`cannot write to ${this.dir}`, error);
    };
    const close = async () => {
      const open = file;
      file = undefined;
      await open?.close().catch(() => {});
    };
    return {
      write: async (chunk) => {
        if (failed) return;
        hash.update(chunk);
        size += chunk.length;
        try {
          if (buffered && buffered.length + chunk.length <= BUFFERED_BLOB_BYTES) {
            buffered.push(chunk);
            return;
          }
          if (!file) {
            await this.#mkdir(tmpDir);
            file = await fsp.open(tmpPath, "wx", 0o600);
            if (buffered) await file.write(buffered.bytes());
            buffered = undefined;
          }
          await file.write(chunk);
        } catch (error) {
          fail(error);
        }
      },
      commit: async () => {
        if (!failed && buffered) {
          // Held in memory: a record of this run's pack, written behind (should the write fail,
          // a warning says so and the blob is a miss).
          const digest = hash.digest("hex");
          const bytes = buffered.bytes();
          buffered = undefined;
          await this.#putBlob(digest, bytes);
          return digest;
        }
        await close();
        if (failed) {
          this.#blobNotKept();
          await this.#remove(tmpPath);
          return undefined;
        }
        const digest = hash.digest("hex");
        const path = this.blobPath(digest);
        try {
          await this.#mkdir(path.slice(0, path.lastIndexOf("/")));
          await fsp.rename(tmpPath, path);
          this.#blobFiles = true;
          this.#wrote = true;
          // Its size, so that a ledger holds only while the file still hashes to its digest (as
          // a run that uses it checks first), not merely while it is there.
          this.#ledger?.blobs.set(digest, size);
          return digest;
        } catch (error) {
          this.#warnOnce(`cannot write to ${this.dir}`, error);
          this.#blobNotKept();
          await this.#remove(tmpPath);
          return undefined;
        }
      },
      abort: async () => {
        buffered = undefined;
        await close();
        await this.#remove(tmpPath);
      },
    };
  }

  /**
   * A blob this run was handed (a download) cannot be kept: no ledger describes what the run
   * used (the bytes are nowhere a later run could find them), so it is not remembered.
   */
  #blobNotKept(): void {
    if (this.#ledger) this.#ledger.unkept = true;
  }

  /** Records that a blob was used, so `prune` keeps it (at most once a day per blob). */
  async touchBlob(sha256: string): Promise<void> {
    await this.#ready();
    // A blob used within the last day is recent enough for `prune` (which counts in days): its
    // use is not written again (one write per blob per run adds up on a warm lock).
    const now = this.#now();
    const used = this.#blobUsed.get(sha256);
    if (used !== undefined && now - used < BLOB_TOUCH_INTERVAL_MS) return;
    this.#blobUsed.set(sha256, now);
    if (this.#blobs.has(sha256) || this.#pendingBlobs.has(sha256)) {
      // A line of this run's index (another run's pack is never written to).
      this.#packWriter().use(sha256, now);
      return;
    }
    try {
      const date = new Date(now);
      await Deno.utime(this.blobPath(sha256), date, date);
    } catch {
      // best effort
    }
  }

  /** Counts the entries and bytes (a missing directory is empty). */
  async stats(): Promise<CacheStats> {
    const documents = new Set<string>();
    const blobs = new Set<string>();
    let temporary = 0;
    let bytes = 0;
    const packFiles = new Set<string>();
    const indexes: string[] = [];
    for await (const file of walkFiles(this.dir)) {
      bytes += file.size;
      if (file.area === "packs" && !isTemporary(file.name)) {
        packFiles.add(file.name);
        if (file.name.endsWith(INDEX_EXT)) indexes.push(file.name.slice(0, -INDEX_EXT.length));
      } else if (file.area === "blobs" && SHA256_HEX.test(file.name)) {
        blobs.add(file.name);
      } else {
        temporary++;
      }
    }
    for (const name of [...packFiles]) {
      // A pack without an index: being written by a run, or left by one that was interrupted.
      if (
        name.endsWith(PACK_EXT) && !packFiles.has(`${name.slice(0, -PACK_EXT.length)}${INDEX_EXT}`)
      ) {
        temporary++;
      }
    }
    for (const name of indexes) {
      const index = await readIndex(this.#packsDir, name).catch(() => undefined);
      if (!index || (index.records.length > 0 && !packFiles.has(`${name}${PACK_EXT}`))) continue;
      for (const [kind, key] of index.records) (kind === "d" ? documents : blobs).add(key);
    }
    return {
      path: this.dir,
      entries: documents.size + blobs.size,
      bytes,
      documents: documents.size,
      blobs: blobs.size,
      temporary,
    };
  }

  /** Removes the cache's own directories (`packs`, `blobs`, `tmp`, and an older `docs`). */
  async clear(): Promise<PruneResult> {
    const before = await this.stats();
    await this.#forget();
    for (const area of AREAS) {
      try {
        await Deno.remove(join(this.dir, area), { recursive: true });
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
    }
    return { removed: before.entries + before.temporary, bytes: before.bytes };
  }

  /**
   * Removes what is of no further use: documents fetched longer than `maxAgeMs` ago, blobs not
   * used for `maxAgeMs`, corrupt records and blobs, records a newer one of the same key replaced,
   * files of the older `docs/` layout, and temporary files and packs without an index that an
   * interrupted run left behind (older than {@link ORPHAN_TMP_AGE_MS}). The packs' remaining
   * records are rewritten into one pack.
   */
  async prune(maxAgeMs: number): Promise<PruneResult> {
    await this.#forget();
    const now = this.#now();
    const total = { removed: 0, bytes: 0 };
    const add = (result: PruneResult) => {
      total.removed += result.removed;
      total.bytes += result.bytes;
    };
    add(await pruneFiles(this.dir, now, maxAgeMs));
    let names: string[] = [];
    try {
      names = await indexedPacks(this.#packsDir);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    add(
      await compactPacks(this.#store(), names, { now, maxAgeMs, always: false, olderPacks: false }),
    );
    return total;
  }

  /** The packs' indexes, read once per run (and the packs closed once its writes are settled). */
  #ready(): Promise<void> {
    if (!this.#finishAsked) {
      this.#finishAsked = true;
      atSettle(() => this.#finish());
    }
    this.#loading ??= this.#load();
    return this.#loading;
  }

  /**
   * Reads every index, oldest pack first, so that a newer record of a key replaces an older one.
   * Packs another run writes later are misses for this run, which costs a request, never a wrong
   * answer.
   */
  async #load(): Promise<void> {
    const [names] = await Promise.all([this.#indexedPacks(), this.#lookForBlobFiles()]);
    const indexes = await Promise.all(names.map((name) => this.#readIndex(name)));
    for (const [i, name] of names.entries()) {
      const index = indexes[i];
      if (index) this.#apply(name, index);
    }
  }

  /** The names of the packs that have an index, oldest first (none when `packs/` is not there). */
  async #indexedPacks(): Promise<string[]> {
    try {
      return await indexedPacks(this.#packsDir);
    } catch (error) {
      if (!isNotFound(error)) this.#warnOnce(`cannot read ${this.#packsDir}`, error);
      return [];
    }
  }

  /**
   * Whether `blobs/` exists: when it does not (blobs over 8 MiB are rare), a blob missing from the
   * packs is a miss without asking the disk (a cold run would stat a file for every download).
   */
  async #lookForBlobFiles(): Promise<void> {
    try {
      await Deno.stat(join(this.dir, "blobs"));
    } catch (error) {
      if (isNotFound(error)) this.#blobFiles = false;
    }
  }

  async #readIndex(name: string): Promise<PackIndex | undefined> {
    const path = `${this.#packsDir}/${name}${INDEX_EXT}`;
    try {
      const index = await readIndex(this.#packsDir, name);
      if (!index) this.#warnOnce(`ignored a corrupt cache index ${path}`);
      return index;
    } catch (error) {
      // Gone: compacted by another run meanwhile.
      if (!isNotFound(error)) this.#warnOnce(`cannot read ${path}`, error);
      return undefined;
    }
  }

  /** Takes in an index: its records replace older ones of the same keys. */
  #apply(name: string, index: PackIndex): void {
    const pack = this.#packFile(name);
    if (index.sealed) pack.seal = index.sealed;
    for (const [kind, key, offset, length, time] of index.records) {
      this.#locate(kind, key, { pack, offset, length, time });
    }
    for (const [key, time] of index.used) this.#noteUse(key, time);
    for (const [key, time] of index.touched ?? []) this.#noteTouch(key, time);
  }

  #packFile(name: string): PackFile {
    let pack = this.#packs.get(name);
    if (!pack) {
      pack = new PackFile(`${this.#packsDir}/${name}${PACK_EXT}`);
      this.#packs.set(name, pack);
    }
    return pack;
  }

  #locate(kind: RecordKind, key: string, at: RecordLocation): void {
    if (kind === "d") {
      this.#docs.set(key, at);
    } else {
      this.#blobs.set(key, at);
      this.#noteUse(key, at.time);
    }
  }

  /**
   * The name of the pack holding the record of `key` this run reads (this run's pack while the
   * record is being written), undefined when there is none.
   */
  #packOfDocument(key: string): string | undefined {
    const path = this.#pendingDocs.has(key)
      ? this.#writer?.file.path
      : this.#docs.get(key)?.pack.path;
    return path?.slice(path.lastIndexOf("/") + 1);
  }

  /**
   * Whether the document `key`, fetched at `fetched`, is within the TTL at `now`: a 304 since
   * (its touch) makes it as fresh as a new answer would be.
   */
  #isFresh(key: string, fetched: number, now: number): boolean {
    const age = now - Math.max(fetched, this.#docTouched.get(key) ?? -Infinity);
    return Number.isFinite(age) && age >= 0 && age < this.ttlMs;
  }

  #noteTouch(key: string, time: number): void {
    const touched = this.#docTouched.get(key);
    if (touched === undefined || time > touched) this.#docTouched.set(key, time);
  }

  #noteUse(sha256: string, time: number): void {
    const used = this.#blobUsed.get(sha256);
    if (used === undefined || time > used) this.#blobUsed.set(sha256, time);
  }

  /** The document of `key` as stored (this run's, or the winning record), if there is one. */
  async #storedDocument(key: string): Promise<DocumentHit | undefined> {
    await this.#ready();
    if (!this.#pendingDocs.has(key) && !this.#docs.has(key)) return undefined;
    return await this.getDocument(key);
  }

  /** The record of a document, checked: its digest, and that it is the record of `key`. */
  async #readDocument(key: string): Promise<DocumentEntry | undefined> {
    const at = this.#docs.get(key);
    if (!at) return undefined;
    const record = await this.#readRecord(at);
    if (!record) return undefined;
    const entry = openDocument(record, key);
    if (!entry) this.#dropCorrupt(this.#docs, key, at);
    return entry;
  }

  /**
   * Whether the record of `key` reads back whole, with its digest, as the record of `key` (what
   * {@link #readDocument} checks, without decoding the body); a damaged one is dropped as there.
   */
  async #documentIsIntact(key: string): Promise<boolean> {
    const at = this.#docs.get(key);
    if (!at) return false;
    const intact = (record: Uint8Array | undefined) =>
      record && checkDocumentRecord(record, key) !== undefined;
    // Read into a kept buffer (nothing of the record outlives the check), unless it is large.
    const verdict = at.length > SCRATCH_RECORD_BYTES
      ? intact(await this.#readRecord(at))
      : await this.#withScratch(at.length, async (scratch) =>
        intact(await this.#readRecord(at, scratch)));
    if (verdict === undefined) return false;
    if (!verdict) this.#dropCorrupt(this.#docs, key, at);
    return verdict;
  }

  /** A packed blob's bytes once they hash to `sha256`; undefined when not packed, or corrupt. */
  async #packedBlob(sha256: string): Promise<Uint8Array | undefined> {
    const pending = this.#pendingBlobs.get(sha256);
    if (pending) return pending;
    const at = this.#blobs.get(sha256);
    if (!at) return undefined;
    const record = await this.#readRecord(at);
    if (!record) return undefined;
    const body = blobBody(record, sha256);
    // Hashed off this thread (WebCrypto runs on a worker pool): a warm lock checks hundreds of
    // blobs while it has other work to do.
    if (body && (await sha256HexOffThread(body)) === sha256) return body;
    this.#dropCorrupt(this.#blobs, sha256, at);
    return undefined;
  }

  /** The bytes of a record (fewer when its pack is cut short); undefined when unreadable. */
  /** The record at `at` (read into `into` when given); undefined when it cannot be read. */
  async #readRecord(at: RecordLocation, into?: Uint8Array): Promise<Uint8Array | undefined> {
    try {
      return into
        ? await at.pack.readInto(into, at.offset, at.length)
        : await at.pack.read(at.offset, at.length);
    } catch (error) {
      // A pack that is gone was compacted by another run: a miss, nothing to warn about.
      if (!isNotFound(error)) this.#warnOnce(`cannot read ${at.pack.path}`, error);
      return undefined;
    }
  }

  /** A record that is not what its index says: warned about, and not used again in this run. */
  #dropCorrupt(map: Map<string, RecordLocation>, key: string, at: RecordLocation): void {
    this.#warnOnce(
      `ignored a corrupt cache entry in ${at.pack.path} (it does not match its digest or key)`,
    );
    if (map.get(key) === at) map.delete(key);
  }

  /** A blob stored as a file under `blobs/` (see {@link streamBlob}). */
  async #streamBlobFile(
    sha256: string,
    options: BlobStreamOptions,
  ): Promise<number | undefined> {
    if (!this.#blobFiles) return undefined;
    const path = this.blobPath(sha256);
    let size: number;
    try {
      const info = await Deno.stat(path);
      size = info.size;
      if (info.mtime) this.#noteUse(sha256, info.mtime.getTime());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) this.#warnOnce(`cannot read ${path}`, error);
      return undefined;
    }
    if (size > options.maxBytes) return undefined;
    if (options.expectedSize !== undefined && size !== options.expectedSize) return undefined;
    // Once a chunk has been handed out, a failure is the consumer's (or a blob that changed under
    // us) and must surface: falling back to the network would hand out the bytes twice.
    let handedOut = false;
    const handOut = async (chunk: Uint8Array) => {
      handedOut = true;
      await options.onChunk(chunk);
    };
    try {
      if (size <= SMALL_BLOB_BYTES) {
        const bytes = await Deno.readFile(path);
        if ((await sha256HexOffThread(bytes)) !== sha256) return await this.#corruptBlob(path);
        for (let i = 0; i < bytes.length; i += HASH_CHUNK_BYTES) {
          await handOut(bytes.subarray(i, i + HASH_CHUNK_BYTES));
        }
        return bytes.length;
      }
      if ((await hashFile(path)) !== sha256) return await this.#corruptBlob(path);
      const hash = createHash("sha256");
      let total = 0;
      using file = await Deno.open(path, { read: true });
      const buffer = new Uint8Array(HASH_CHUNK_BYTES);
      for (;;) {
        const n = await file.read(buffer);
        if (n === null) break;
        const chunk = buffer.slice(0, n);
        hash.update(chunk);
        total += n;
        await handOut(chunk);
      }
      if (hash.digest("hex") !== sha256) {
        // Changed between the two passes: the consumer hashes what it got, so this can only
        // make it fail, never pass. Say so and drop the blob.
        await this.#corruptBlob(path);
        throw new BlobChangedError(`the cached blob ${path} changed while it was read`);
      }
      return total;
    } catch (error) {
      if (handedOut || error instanceof BlobChangedError) throw error;
      this.#warnOnce(`cannot read ${path}`, error);
      return undefined;
    }
  }

  async #corruptBlob(path: string): Promise<undefined> {
    this.#warnOnce(`ignored a corrupt cache entry ${path} (its bytes do not match its digest)`);
    await this.#remove(path);
    return undefined;
  }

  async #putDocument(
    doc: Omit<CachedDocument, "body">,
    body: string | { bytes: Uint8Array },
  ): Promise<void> {
    const { parts, entry } = sealDocument(doc, body);
    const time = Date.parse(doc.fetchedAt);
    const ledger = this.#ledger;
    if (!ledger) {
      await this.#append("d", doc.key, time, parts, this.#pendingDocs, entry);
      return;
    }
    // Answered before in this run: two crates asked at once and the other answer was written (or
    // is being written) first. The same answer again changes nothing a check read; another one
    // means the crates were told different things.
    const told = ledger.answered.has(doc.key);
    const earlier = told
      ? ledger.writing.get(doc.key) ?? this.#pendingDocs.get(doc.key)
      : undefined;
    ledger.answered.add(doc.key);
    ledger.writing.set(doc.key, entry);
    try {
      const before = earlier ?? (told ? await this.#readDocument(doc.key) : undefined);
      if (told && !(before && saysTheSame(before, entry))) ledger.replaced = true;
      await this.#append("d", doc.key, time, parts, this.#pendingDocs, entry);
    } finally {
      if (ledger.writing.get(doc.key) === entry) ledger.writing.delete(doc.key);
    }
    ledger.documents.set(doc.key, [time, this.#packOfDocument(doc.key)]);
  }

  async #putBlob(sha256: string, bytes: Uint8Array): Promise<void> {
    this.#ledger?.blobs.set(sha256, bytes.length);
    const parts = [utf8Encoder.encode(blobRecordHeader(sha256)), bytes];
    const now = this.#now();
    this.#noteUse(sha256, now);
    await this.#append("b", sha256, now, parts, this.#pendingBlobs, bytes);
  }

  /**
   * Appends a record to this run's pack and returns once few enough writes are in flight: callers
   * do not wait for their own write (a run's writes are settled before it ends, see
   * `write_behind.ts`), but a writer that falls behind slows them down instead of piling up
   * memory. Until the write is done, the record is read from `pending`.
   */
  async #append<T>(
    kind: RecordKind,
    key: string,
    time: number,
    parts: readonly Uint8Array[],
    pending: Map<string, T>,
    value: T,
  ): Promise<void> {
    await this.#ready();
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    if (length > MAX_RECORD_BYTES) {
      // No answer is this large (16 MiB at most); its index entry would read as corrupt.
      this.#warnOnce(`not keeping a ${length}-byte entry (larger than a pack record may be)`);
      return;
    }
    pending.set(key, value);
    this.#wrote = true;
    this.#writesInFlight++;
    this.#bytesInFlight += length;
    void this.#packWriter().append(kind, key, time, parts).then((at) => {
      this.#writesInFlight--;
      this.#bytesInFlight -= length;
      while (this.#waiting.length > 0 && !this.#tooMuchInFlight()) this.#waiting.shift()!();
      // A newer record of this key on its way replaces this one when it is written.
      if (pending.get(key) !== value) return;
      pending.delete(key);
      if (at) this.#locate(kind, key, at);
    });
    if (this.#tooMuchInFlight()) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  #tooMuchInFlight(): boolean {
    return this.#writesInFlight > MAX_WRITES_IN_FLIGHT ||
      (this.#bytesInFlight > MAX_BYTES_IN_FLIGHT && this.#writesInFlight > 1);
  }

  /** This run's pack (a new one after its writes were settled). */
  #packWriter(): PackWriter {
    if (!this.#writer) {
      const writer = new PackWriter(
        this.#packsDir,
        newPackName(this.#now()),
        () => this.#mkdir(this.#packsDir),
        (error) => this.#warnOnce(`cannot write to ${this.dir}`, error),
      );
      this.#packs.set(writer.name, writer.file);
      this.#writer = writer;
    }
    return this.#writer;
  }

  /**
   * At the end of a run (`settleWrites`): writes the index of this run's pack, closes the packs,
   * and compacts the packs when there are too many. Serialised; safe to call again (a cache still
   * in use carries on with a new pack).
   */
  #finish(): Promise<void> {
    this.#finishAsked = false;
    this.#finishing = this.#finishing.then(async () => {
      const writer = this.#writer;
      this.#writer = undefined;
      const indexed = writer ? await writer.finish() : false;
      await Promise.all([...this.#packs.values()].map((pack) => pack.close()));
      if (indexed) await this.#compactIfMany();
    });
    return this.#finishing;
  }

  /**
   * Compacts the packs when there are more than {@link MAX_PACKS}: the newest ones into one,
   * leaving out the oldest that are each larger than all the packs after them together (a cold
   * run's pack is not copied again because a few small runs came after it).
   */
  async #compactIfMany(): Promise<void> {
    try {
      const names = await indexedPacks(this.#packsDir);
      if (names.length <= MAX_PACKS) return;
      const sizes = await Promise.all(names.map((name) => sizeOfPacks(this.#packsDir, [name])));
      let first = 0;
      let newer = sizes.reduce((sum, size) => sum + size, 0) - sizes[0];
      while (first < names.length - 2 && sizes[first] > newer) newer -= sizes[++first];
      // Too many large packs left out: all of them are compacted.
      if (first > MAX_PACKS / 2) first = 0;
      await compactPacks(this.#store(), names.slice(first), {
        now: this.#now(),
        maxAgeMs: Infinity,
        always: true,
        olderPacks: first > 0,
      });
    } catch (error) {
      this.#warnOnce(`cannot compact ${this.#packsDir}`, error);
    }
  }

  /** This cache as {@link compactPacks} sees it. */
  #store(): PackStore {
    return {
      dir: this.dir,
      packsDir: this.#packsDir,
      mkdir: (dir) => this.#mkdir(dir),
      warnOnce: (message, cause) => this.#warnOnce(message, cause),
      remove: (path) => this.#remove(path),
    };
  }

  /** Closes the packs and forgets what was read of them (after `clear` or `prune`). */
  async #forget(): Promise<void> {
    await this.#finishing;
    await Promise.all([...this.#packs.values()].map((pack) => pack.close()));
    this.#packs.clear();
    this.#docs.clear();
    this.#blobs.clear();
    this.#blobUsed.clear();
    this.#docTouched.clear();
    this.#made.clear();
    this.#blobFiles = true;
    this.#loading = undefined;
  }

  /** Every directory from the cache's root down to `dir` (each gets mode 0700). */
  #levels(dir: string): string[] {
    const root = this.dir.replace(/[\\/]+$/, "");
    const levels: string[] = [root];
    if (dir.startsWith(`${root}/`)) {
      let current = root;
      for (const part of dir.slice(root.length + 1).split("/")) {
        current = `${current}/${part}`;
        levels.push(current);
      }
    } else {
      levels.push(dir);
    }
    return levels;
  }

  async #mkdir(dir: string): Promise<void> {
    if (this.#made.has(dir)) return;
    for (const level of this.#levels(dir)) {
      if (this.#made.has(level)) continue;
      try {
        await Deno.mkdir(level, { recursive: true, mode: 0o700 });
        await chmod(level, 0o700);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
      this.#made.add(level);
    }
  }

  async #remove(path: string): Promise<void> {
    try {
      await Deno.remove(path);
    } catch {
      // already gone
    }
  }

  #warnOnce(message: string, cause?: unknown): void {
    const text = cause === undefined ? message : `${message}: ${errorMessage(cause)}`;
    if (this.#warned.has(text)) return;
    this.#warned.add(text);
    this.#warn(`cache: ${text} (continuing without it)`);
  }
}

/** Sets a file's mode (not on Windows, which has none). */
async function chmod(path: string, mode: number): Promise<void> {
  if (Deno.build.os === "windows") return;
  await Deno.chmod(path, mode);
}
