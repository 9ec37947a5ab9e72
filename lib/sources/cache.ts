/**
 * The on-disk cache: `$CARGO_HOME/attest/cache` (or `CARGO_ATTEST_CACHE_DIR`).
 *
 * - Blobs (immutable bytes: `.crate` files, release assets, bundles) are content-addressed at
 *   `blobs/sha256/ab/<hex>` and re-hashed on every read: a blob whose bytes do not hash to its
 *   name is deleted and treated as a miss, never handed out.
 * - Documents (mutable answers: release JSON, index files, attestation pages, API records, Rekor
 *   lookups, and the "this URL gave that blob" records of downloads) are keyed by request at
 *   `docs/<sha256(key)>.json`, with the time they were fetched, their `ETag`/`Last-Modified` for
 *   revalidation. The file is three parts: a line with the SHA-256 of the rest, a line with the
 *   entry's header as JSON, then the body exactly as it was received (so reading it back needs no
 *   unescaping): an entry that does not match its digest (flipped byte, truncated write) is
 *   ignored.
 * - Memoised results (what was derived from immutable bytes, such as a `.crate`'s file listing)
 *   are documents too, keyed by what they were derived from ({@link Cache.getMemo}).
 *
 * Directories are created 0700 and files 0600; every write goes to a temporary file that is then
 * renamed into place, so readers (and concurrent runs) only ever see whole entries. A cache I/O
 * failure is never an error: it is a miss, with a warning.
 * @module
 */
import { createHash, randomBytes } from "node:crypto";
import { promises as fsp } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { ByteCollector, concatBytes, encodeHex } from "../crypto/bytes.ts";
import { UsageError } from "../errors.ts";
import { CacheWriter } from "./cache_writer.ts";
import { trackWrite } from "./write_behind.ts";
import { VERSION } from "../version.ts";
import { HASH_CHUNK_BYTES } from "../limits.ts";

/** How long a cached document counts as fresh without asking the server: 10 minutes. */
export const DEFAULT_CACHE_TTL_MS = 10 * 60 * 1000;

/** Blobs up to this size are read into memory once (hashed, then handed out); larger ones twice. */
const SMALL_BLOB_BYTES = 64 * 1024 * 1024;

/** A blob's use is recorded (its modification time set) at most this often. */
const BLOB_TOUCH_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** Most cache writes in flight before a writer waits for one to finish. */
const MAX_WRITES_IN_FLIGHT = 64;

/** Blobs up to this size are held in memory while they arrive and written in one call. */
const BUFFERED_BLOB_BYTES = 8 * 1024 * 1024;

/** Temporary files older than this are orphans of an interrupted run (`cache prune` drops them). */
export const ORPHAN_TMP_AGE_MS = 60 * 60 * 1000;

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

/** A cached answer to a request (or a memoised result: see {@link Cache.getMemo}). */
export interface CachedDocument {
  /** The schema version of the entry. */
  readonly v: 3;
  /** What the key was made of: method, accept and URL (and request body for POST). */
  readonly key: string;
  /** The URL asked for. */
  readonly url: string;
  /** The URL that answered (after redirects). */
  readonly finalUrl: string;
  /** The HTTP status cached: 200, or a "not found" status (404, 410, 451). */
  readonly status: number;
  /** When the answer was fetched or last revalidated (ISO 8601). */
  readonly fetchedAt: string;
  readonly etag?: string;
  readonly lastModified?: string;
  /** The `rel="next"` link of the answer, when it had one. */
  readonly linkNext?: string;
  /** How the body that follows the header is to be read: UTF-8 text (most answers), or bytes. */
  readonly body: "text" | "bytes";
}

/** A document read from the cache. */
export interface DocumentHit {
  readonly doc: CachedDocument;
  /** The body's bytes. */
  readonly body: Uint8Array;
  /** The body as text, when it was stored as text (no decoding needed). */
  readonly text?: string;
  /** Within the TTL: usable without asking the server. */
  readonly fresh: boolean;
}

/** What {@link Cache.stats} counts. */
export interface CacheStats {
  readonly path: string;
  readonly entries: number;
  readonly bytes: number;
  readonly documents: number;
  readonly blobs: number;
  readonly temporary: number;
}

/** What {@link Cache.prune} removed. */
export interface PruneResult {
  readonly removed: number;
  readonly bytes: number;
}

/** A blob being written: bytes go to a temporary file while they are hashed. */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the file and renames it to its digest; returns the digest (undefined on failure). */
  commit(): Promise<string | undefined>;
  /** Closes and deletes the temporary file. */
  abort(): Promise<void>;
}

/**
 * The cache directory from the environment: `CARGO_ATTEST_CACHE_DIR`, else
 * `$CARGO_HOME/attest/cache`, else `$HOME/.cargo/attest/cache` (`USERPROFILE` on Windows);
 * undefined when none is set.
 */
export function resolveCacheDir(env: (name: string) => string | undefined): string | undefined {
  const explicit = env("CARGO_ATTEST_CACHE_DIR")?.trim();
  if (explicit) return explicit;
  const cargoHome = env("CARGO_HOME")?.trim();
  if (cargoHome) return join(cargoHome, "attest", "cache");
  const home = env("HOME")?.trim() || env("USERPROFILE")?.trim();
  if (home) return join(home, ".cargo", "attest", "cache");
  return undefined;
}

/**
 * Parses a TTL: seconds (`600`) or a number with a unit (`30s`, `10m`, `2h`, `1d`); `0` means
 * every document is revalidated.
 *
 * @throws {UsageError} naming the value when it is not one
 */
export function parseDuration(text: string, what: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/);
  if (!match) {
    throw new UsageError(
      `${what} must be a duration like 600, 30s, 10m, 2h or 1d (got '${text}')`,
    );
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
  return Math.round(Number(match[1]) * unit);
}

/** Opens (without touching the disk) the cache at `options.dir`. */
export function openCache(options: CacheOptions): Cache {
  return new Cache(options);
}

/** The SHA-256 of bytes, lowercase hex, computed by WebCrypto (off the calling thread). */
async function sha256HexOffThread(bytes: Uint8Array): Promise<string> {
  return encodeHex(
    new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)),
  );
}

/** The SHA-256 of bytes or text, lowercase hex. */
function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function join(...parts: string[]): string {
  return parts.map((
    p,
    i,
  ) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join("/");
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A large blob changed between its check and its reading (what was handed out is not trusted). */
export class BlobChangedError extends Error {
  override name = "BlobChangedError";
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
  /** Directories this run created (on this thread). */
  readonly #made = new Set<string>();
  /** Directories handed to the writer thread to create. */
  readonly #queued = new Set<string>();
  readonly #writer = new CacheWriter();
  /** `docs/` under the root, with a trailing slash. */
  readonly #docsDir: string;
  /** Documents being written: readable before they reach the disk. */
  readonly #unwritten = new Map<string, string | Uint8Array>();
  /** When blobs read in this run were last used (their modification time, from their stat). */
  readonly #blobUsed = new Map<string, number>();
  /** Writes in flight (see {@link #writeBehind}). */
  readonly #inFlight = new Set<Promise<void>>();
  /** Names in `docs/` when first listed (plus those written since); undefined until then. */
  #knownFiles?: Set<string>;
  #listing?: Promise<Set<string> | undefined>;

  /** See {@link openCache}. */
  constructor(options: CacheOptions) {
    this.dir = options.dir;
    this.#docsDir = `${join(this.dir, "docs")}/`;
    this.ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    this.#now = options.now ?? Date.now;
    this.#warn = options.warn ?? (() => {});
  }

  /** The key of a request: its method, `Accept`, URL and (for a POST) body. */
  static requestKey(method: string, accept: string, url: string, body?: string): string {
    return `${method} ${accept} ${url}${body === undefined ? "" : `\n${body}`}`;
  }

  /** Where the document for `key` lives. */
  documentPath(key: string): string {
    return join(this.dir, "docs", `${sha256Hex(key)}.json`);
  }

  /** Where the blob with this SHA-256 lives. */
  blobPath(sha256: string): string {
    return join(this.dir, "blobs", "sha256", sha256.slice(0, 2), sha256);
  }

  /** Reads the document for `key`; a missing, unreadable or corrupt one is undefined. */
  async getDocument(key: string): Promise<DocumentHit | undefined> {
    const path = this.documentPath(key);
    const unwritten = this.#unwritten.get(path);
    let file: Uint8Array;
    try {
      if (unwritten !== undefined) {
        file = typeof unwritten === "string" ? utf8Encoder.encode(unwritten) : unwritten;
      } else {
        // A name the listing of docs/ does not have is a miss without asking the disk (a cold
        // run would otherwise fail to open a file for every request it makes).
        const known = await this.#documentNames();
        if (known && !known.has(path.slice(path.lastIndexOf("/") + 1))) return undefined;
        file = await Deno.readFile(path);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) this.#warnOnce(`cannot read ${path}`, error);
      return undefined;
    }
    const entry = verifyDocument(file, key);
    if (!entry) {
      this.#warnOnce(`ignored a corrupt cache entry ${path} (it does not match its digest)`);
      await this.#remove(path);
      return undefined;
    }
    const fetchedAt = Date.parse(entry.doc.fetchedAt);
    const age = this.#now() - fetchedAt;
    const fresh = Number.isFinite(age) && age >= 0 && age < this.ttlMs;
    return { ...entry, fresh };
  }

  /** Stores an answer for `key` (atomically); a text body is stored as text. */
  async putDocument(
    key: string,
    entry: {
      url: string;
      finalUrl: string;
      status: number;
      body: Uint8Array | string;
      etag?: string;
      lastModified?: string;
      linkNext?: string;
    },
  ): Promise<void> {
    const doc: Omit<CachedDocument, "body"> = {
      v: 3,
      key,
      url: entry.url,
      finalUrl: entry.finalUrl,
      status: entry.status,
      fetchedAt: new Date(this.#now()).toISOString(),
      ...(entry.etag ? { etag: entry.etag } : {}),
      ...(entry.lastModified ? { lastModified: entry.lastModified } : {}),
      ...(entry.linkNext ? { linkNext: entry.linkNext } : {}),
    };
    await this.#writeBehind(this.documentPath(key), sealDocument(doc, storedBody(entry.body)));
  }

  /** Marks a document as fetched now (after a 304 Not Modified). */
  async touchDocument(key: string, hit: DocumentHit): Promise<void> {
    const updated = { ...hit.doc, fetchedAt: new Date(this.#now()).toISOString() };
    await this.#writeBehind(
      this.documentPath(key),
      sealDocument(updated, hit.text ?? { bytes: hit.body }),
    );
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
   * {@link streamBlob} for any size). A blob that does not match is deleted.
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
   * Hands a cached blob to `onChunk` after checking that it hashes to `sha256`: small blobs are
   * read once, larger ones hashed in a first pass and streamed in a second. Returns the size, or
   * undefined (nothing was handed out) when the blob is absent, corrupt (then deleted), over
   * `maxBytes` or not `expectedSize` long.
   */
  async streamBlob(
    sha256: string,
    options: {
      maxBytes: number;
      expectedSize?: number;
      onChunk: (chunk: Uint8Array) => void | Promise<void>;
    },
  ): Promise<number | undefined> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const path = this.blobPath(sha256);
    let size: number;
    try {
      const info = await Deno.stat(path);
      size = info.size;
      if (info.mtime) this.#blobUsed.set(sha256, info.mtime.getTime());
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
        // Hashed off this thread (WebCrypto runs on a worker pool): a warm lock checks hundreds
        // of blobs while it has other work to do.
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

  /** True when a blob with this digest is cached (its bytes are not checked). */
  async hasBlob(sha256: string): Promise<boolean> {
    try {
      await Deno.stat(this.blobPath(sha256));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Starts writing a blob: chunks go to a temporary file (and are hashed); `commit` renames it to
   * its digest. Undefined when the cache cannot be written (a warning says why).
   */
  async openBlobWriter(sizeHint?: number): Promise<BlobWriter | undefined> {
    const tmpDir = join(this.dir, "tmp");
    try {
      await this.#mkdir(tmpDir);
    } catch (error) {
      this.#warnOnce(`cannot write to ${this.dir}`, error);
      return undefined;
    }
    const tmpPath = join(tmpDir, `blob.tmp-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    // Small blobs are written in one call at commit (creating a file is what costs); a blob that
    // grows past BUFFERED_BLOB_BYTES streams to its temporary file from then on.
    let buffered: ByteCollector | undefined = new ByteCollector(
      sizeHint !== undefined && sizeHint <= BUFFERED_BLOB_BYTES ? sizeHint : 0,
    );
    let file: FileHandle | undefined;
    let failed = false;
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
        try {
          if (buffered && buffered.length + chunk.length <= BUFFERED_BLOB_BYTES) {
            buffered.push(chunk);
            return;
          }
          if (!file) {
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
          // Held in memory: written in one job on the writer thread, straight to its place.
          const digest = hash.digest("hex");
          const bytes = buffered.bytes();
          buffered = undefined;
          // Written behind: should the write fail, a warning says so and the blob is a miss.
          await this.#writeBehind(this.blobPath(digest), bytes);
          return digest;
        }
        await close();
        if (failed) {
          await this.#remove(tmpPath);
          return undefined;
        }
        const digest = hash.digest("hex");
        const path = this.blobPath(digest);
        try {
          await this.#mkdir(path.slice(0, path.lastIndexOf("/")));
          await fsp.rename(tmpPath, path);
          return digest;
        } catch (error) {
          this.#warnOnce(`cannot write to ${this.dir}`, error);
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

  /** Counts the entries and bytes (a missing directory is empty). */
  async stats(): Promise<CacheStats> {
    let documents = 0;
    let blobs = 0;
    let temporary = 0;
    let bytes = 0;
    for await (const file of walkFiles(this.dir)) {
      bytes += file.size;
      if (file.area === "docs") documents++;
      else if (file.area === "blobs") blobs++;
      else if (file.area === "tmp") temporary++;
    }
    return {
      path: this.dir,
      entries: documents + blobs,
      bytes,
      documents,
      blobs,
      temporary,
    };
  }

  /** Removes the cache's own directories (`docs`, `blobs`, `tmp`) and nothing else. */
  async clear(): Promise<PruneResult> {
    const before = await this.stats();
    for (const area of ["docs", "blobs", "tmp"]) {
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
   * used for `maxAgeMs`, corrupt entries of either kind, and temporary files an interrupted run
   * left behind (older than {@link ORPHAN_TMP_AGE_MS}).
   */
  async prune(maxAgeMs: number): Promise<PruneResult> {
    const now = this.#now();
    let removed = 0;
    let bytes = 0;
    for await (const file of walkFiles(this.dir)) {
      let drop = false;
      const age = now - (file.mtime ?? now);
      if (file.area === "tmp" || file.name.includes(".tmp-")) {
        drop = age > ORPHAN_TMP_AGE_MS;
      } else if (file.area === "docs") {
        let doc: CachedDocument | undefined;
        try {
          doc = verifyDocument(await Deno.readFile(file.path))?.doc;
        } catch {
          doc = undefined;
        }
        drop = !doc || !(now - Date.parse(doc.fetchedAt) <= maxAgeMs);
      } else if (file.area === "blobs") {
        drop = age > maxAgeMs || !/^[0-9a-f]{64}$/.test(file.name) ||
          (await hashFile(file.path).catch(() => "")) !== file.name;
      }
      if (!drop) continue;
      try {
        await Deno.remove(file.path);
        removed++;
        bytes += file.size;
      } catch {
        // gone already (another run), or not ours to remove
      }
    }
    return { removed, bytes };
  }

  /** Records that a blob was used (its modification time), so `prune` keeps it. */
  async touchBlob(sha256: string): Promise<void> {
    // A blob used within the last day is recent enough for `prune` (which counts in days): its
    // time is not written again (one write per blob per run adds up on a warm lock).
    const used = this.#blobUsed.get(sha256);
    if (used !== undefined && this.#now() - used < BLOB_TOUCH_INTERVAL_MS) return;
    try {
      const now = new Date(this.#now());
      await Deno.utime(this.blobPath(sha256), now, now);
    } catch {
      // best effort
    }
  }

  async #corruptBlob(path: string): Promise<undefined> {
    this.#warnOnce(`ignored a corrupt cache entry ${path} (its bytes do not match its digest)`);
    await this.#remove(path);
    return undefined;
  }

  /**
   * The names in `docs/`, listed once per run (undefined when it cannot be listed: then every
   * document is looked for on disk). Entries another process writes later are misses for this
   * run, which costs a request, never a wrong answer.
   */
  #documentNames(): Promise<Set<string> | undefined> {
    this.#listing ??= (async () => {
      const names = new Set<string>();
      try {
        for await (const entry of Deno.readDir(join(this.dir, "docs"))) names.add(entry.name);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) return undefined;
      }
      this.#knownFiles = names;
      return names;
    })();
    return this.#listing;
  }

  /**
   * Starts writing `data` to `path` and returns once few enough writes are in flight: callers do
   * not wait for their own write (a run's writes are settled before it ends, see
   * `write_behind.ts`), but a writer that falls behind slows them down instead of piling up
   * memory. Until the write is done, {@link getDocument} answers from the text in memory.
   */
  async #writeBehind(path: string, data: string | Uint8Array): Promise<void> {
    if (path.startsWith(this.#docsDir)) this.#unwritten.set(path, data);
    this.#knownFiles?.add(path.slice(path.lastIndexOf("/") + 1));
    const write = this.#writeAtomic(path, data).finally(() => {
      if (this.#unwritten.get(path) === data) this.#unwritten.delete(path);
      this.#inFlight.delete(write);
    });
    this.#inFlight.add(write);
    trackWrite(write);
    while (this.#inFlight.size > MAX_WRITES_IN_FLIGHT) {
      await Promise.race(this.#inFlight);
    }
  }

  /** Writes `data` to `path` atomically (temporary file, rename) on the writer thread. */
  async #writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf("/"));
    const tmp = `${path}.tmp-${randomBytes(8).toString("hex")}`;
    // Directories are created by the writer, before the first file that needs them (its jobs run
    // in order); each is asked for once per run.
    const dirs = this.#levels(dir).filter((level) =>
      !this.#made.has(level) && !this.#queued.has(level)
    );
    for (const level of dirs) this.#queued.add(level);
    try {
      await this.#writer.write({ dirs, tmp, path, data });
    } catch (error) {
      for (const level of dirs) this.#queued.delete(level);
      this.#warnOnce(`cannot write to ${this.dir}`, error);
    }
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

const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/**
 * A body as it is stored: text when it is UTF-8 (it then reads back byte for byte), else bytes
 * (decoded once here; {@link sealDocument} writes whichever it is).
 */
function storedBody(body: Uint8Array | string): string | { bytes: Uint8Array } {
  if (typeof body === "string") return body;
  try {
    return utf8Fatal.decode(body);
  } catch {
    return { bytes: body };
  }
}

/** A document read back: its header and its body. */
interface DocumentEntry {
  readonly doc: CachedDocument;
  readonly body: Uint8Array;
  readonly text?: string;
}

/** Length of the digest line that starts every document file: 64 hex digits and a newline. */
const DIGEST_LINE = 65;

/**
 * Serialises a document: a line with the SHA-256 of the rest, a line with the header as JSON
 * (JSON escapes every newline, so the line ends where the header does), then the body. The
 * header's `body` says which kind of body follows.
 */
function sealDocument(
  doc: Omit<CachedDocument, "body">,
  body: string | { bytes: Uint8Array },
): string | Uint8Array {
  if (typeof body === "string") {
    const rest = `${JSON.stringify({ ...doc, body: "text" })}\n${body}`;
    return `${sha256Hex(rest)}\n${rest}`;
  }
  const header = JSON.stringify({ ...doc, body: "bytes" });
  const rest = concatBytes(utf8Encoder.encode(`${header}\n`), body.bytes);
  return concatBytes(utf8Encoder.encode(`${sha256Hex(rest)}\n`), rest);
}

/** Parses and checks a document file; undefined when it is not whole (or not for `key`). */
function verifyDocument(file: Uint8Array, key?: string): DocumentEntry | undefined {
  if (file.length <= DIGEST_LINE || file[DIGEST_LINE - 1] !== 0x0a) return undefined;
  const rest = file.subarray(DIGEST_LINE);
  const digest = utf8.decode(file.subarray(0, DIGEST_LINE - 1));
  if (createHash("sha256").update(rest).digest("hex") !== digest) return undefined;
  const headerEnd = rest.indexOf(0x0a);
  if (headerEnd < 0) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(rest.subarray(0, headerEnd)));
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const doc = parsed as CachedDocument;
  if (
    doc.v !== 3 || typeof doc.fetchedAt !== "string" || typeof doc.status !== "number" ||
    typeof doc.url !== "string" || typeof doc.finalUrl !== "string" ||
    typeof doc.key !== "string" || (doc.body !== "text" && doc.body !== "bytes")
  ) {
    return undefined;
  }
  if (key !== undefined && doc.key !== key) return undefined;
  const body = rest.subarray(headerEnd + 1);
  return doc.body === "text" ? { doc, body, text: utf8.decode(body) } : { doc, body };
}

async function chmod(path: string, mode: number): Promise<void> {
  if (Deno.build.os === "windows") return;
  await Deno.chmod(path, mode);
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(HASH_CHUNK_BYTES);
  for (;;) {
    const n = await file.read(buffer);
    if (n === null) break;
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

interface CacheFile {
  readonly path: string;
  readonly name: string;
  readonly area: "docs" | "blobs" | "tmp";
  readonly size: number;
  readonly mtime?: number;
}

/** Every file under the cache's own directories (nothing else in `dir` is looked at). */
async function* walkFiles(dir: string): AsyncGenerator<CacheFile> {
  for (const area of ["docs", "blobs", "tmp"] as const) {
    const stack = [join(dir, area)];
    while (stack.length > 0) {
      const current = stack.pop()!;
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(current));
      } catch {
        continue;
      }
      for (const entry of entries) {
        const path = `${current}/${entry.name}`;
        if (entry.isDirectory) {
          stack.push(path);
        } else if (entry.isFile) {
          try {
            const info = await Deno.stat(path);
            yield { path, name: entry.name, area, size: info.size, mtime: info.mtime?.getTime() };
          } catch {
            // removed meanwhile
          }
        }
      }
    }
  }
}
