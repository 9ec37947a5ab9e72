/**
 * The cache's pack files (see `cache.ts`). A run appends every record it writes to one pack of its
 * own, `packs/<name>.pack`, and once its writes are settled writes the pack's index,
 * `packs/<name>.idx` (a temporary file renamed into place): a run creates two files however many
 * records it writes, and never writes to another run's pack.
 *
 * - A record is a line with a SHA-256 (what it covers is the record kind's: see `cache.ts`), a
 *   line with a JSON header naming the record (its full key), then the body.
 * - An index is JSON: `{"v":4,"records":[[kind,key,offset,length,time],…],"used":[…]}` says
 *   where each record of the pack is, `used` (`[key,time]` pairs) when a blob stored elsewhere
 *   was last used, and `touched` (optional, `[key,time]` pairs) when a document was confirmed
 *   unchanged (a 304) without being written again, and `sealed` (optional) what the pack file
 *   looked like when its writer finished it (see {@link PackSeal}). It says only where to look:
 *   every record is checked when it is read.
 * - A name is a zero-padded stamp in milliseconds and a random suffix, so names sort by time: of
 *   two records with one key, the one in the later pack wins, and within a pack the later one.
 *
 * Files are created 0600 (the directory is the cache's, 0700). Each pack is opened once per run
 * and its records read with positioned reads; {@link PackFile.close} closes it once its reads are
 * done.
 * @module
 */
import { randomBytes } from "node:crypto";
import { promises as fsp, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";

/** The version of the record and index formats. */
export const PACK_FORMAT = 4;

/** Largest record a pack holds (a document's body is at most 16 MiB, a packed blob 8 MiB). */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Records up to this size are read without leaving the thread (see {@link PackFile.readInto}). */
const SYNC_READ_BYTES = 1024 * 1024;

/** The extension of a pack. */
export const PACK_EXT = ".pack";

/** The extension of a pack's index. */
export const INDEX_EXT = ".idx";

/** What a record holds: a document (`d`) or a blob (`b`). */
export type RecordKind = "d" | "b";

/** An index's line for one record: kind, key, offset, length, and when it was written or used. */
export type IndexEntry = [
  kind: RecordKind,
  key: string,
  offset: number,
  length: number,
  time: number,
];

/** An index's line for a blob used by a run that did not write it: the blob's key and the time. */
export type UseEntry = [key: string, time: number];

/** A pack's index (see the module doc). */
export interface PackIndex {
  readonly v: typeof PACK_FORMAT;
  readonly records: readonly IndexEntry[];
  readonly used: readonly UseEntry[];
  /** Documents confirmed unchanged at a time later than their record's (a 304 Not Modified). */
  readonly touched?: readonly UseEntry[];
  /** The pack file as its writer left it (absent: not known, as in indexes of earlier runs). */
  readonly sealed?: PackSeal;
}

/**
 * A pack file's size, inode and change times when its writer finished it. A pack is never
 * written again after that, so a file that still matches all four holds the bytes its writer
 * wrote and hashed: {@link PackFile.unchangedSinceSealed} lets a check that needs only to know a
 * blob is intact skip re-hashing it. Any write moves the times (a copy or a restore moves the
 * inode), and then the bytes are hashed as before. The times are in milliseconds, as `Deno.stat`
 * gives them (its change time in whole seconds).
 */
export interface PackSeal {
  readonly size: number;
  readonly ino: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

/** Where a record is, and when it was written (a blob: last used, as far as its index says). */
export interface RecordLocation {
  readonly pack: PackFile;
  readonly offset: number;
  readonly length: number;
  readonly time: number;
}

/** The parts of a record: its digest line's text, its parsed header, and its body. */
export interface RecordParts {
  readonly digest: string;
  readonly header: Record<string, unknown>;
  /** The header line and the body: what a document's digest covers. */
  readonly rest: Uint8Array;
  readonly body: Uint8Array;
}

/** Length of the digest line that starts every record: 64 hex digits and a newline. */
const DIGEST_LINE = 65;

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * Splits a record into its digest, header and body; undefined when it is not shaped like one
 * (truncated, or a header that is not a JSON object). Nothing is verified here.
 */
export function splitRecord(record: Uint8Array): RecordParts | undefined {
  if (record.length <= DIGEST_LINE || record[DIGEST_LINE - 1] !== 0x0a) return undefined;
  const rest = record.subarray(DIGEST_LINE);
  const headerEnd = rest.indexOf(0x0a);
  if (headerEnd < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(utf8.decode(rest.subarray(0, headerEnd)));
  } catch {
    return undefined;
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return undefined;
  return {
    digest: utf8.decode(record.subarray(0, DIGEST_LINE - 1)),
    header: header as Record<string, unknown>,
    rest,
    body: rest.subarray(headerEnd + 1),
  };
}

/** Parses an index; undefined when it is not one (a corrupt index is not used at all). */
export function parseIndex(text: string): PackIndex | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const index = value as Partial<PackIndex>;
  if (index.v !== PACK_FORMAT || !Array.isArray(index.records) || !Array.isArray(index.used)) {
    return undefined;
  }
  if (!index.records.every(isIndexEntry) || !index.used.every(isUseEntry)) return undefined;
  if (
    index.touched !== undefined &&
    (!Array.isArray(index.touched) || !index.touched.every(isUseEntry))
  ) {
    return undefined;
  }
  // A seal of another shape is not known: the records are then checked one by one, as in an
  // index without one (the index itself is not corrupt for it; earlier versions never read it).
  if (index.sealed !== undefined && !isSeal(index.sealed)) {
    const { sealed: _, ...unsealed } = index as PackIndex;
    return unsealed;
  }
  return index as PackIndex;
}

function isSeal(seal: unknown): seal is PackSeal {
  if (typeof seal !== "object" || seal === null) return false;
  const { size, ino, mtimeMs, ctimeMs } = seal as Partial<PackSeal>;
  return [size, ino, mtimeMs, ctimeMs].every((n) => Number.isSafeInteger(n) && n! >= 0);
}

/**
 * The seal of the file at `path` as it is now; undefined where the system gives no inode, or one
 * a number cannot hold exactly (a 64-bit file ID, as SMB shares and large NFS servers give).
 */
export async function sealOf(path: string): Promise<PackSeal | undefined> {
  const info = await Deno.stat(path);
  const mtimeMs = info.mtime?.getTime();
  const ctimeMs = info.ctime?.getTime();
  if (info.ino === null || mtimeMs === undefined || ctimeMs === undefined) return undefined;
  const seal = { size: info.size, ino: info.ino, mtimeMs, ctimeMs };
  return isSeal(seal) ? seal : undefined;
}

/**
 * How long after a write a file system's timestamps have surely moved on: Linux stamps files from
 * a clock that advances once per scheduler tick (up to 10 ms).
 */
const TIMESTAMP_TICK_MS = 20;

/**
 * Returns once the clock is a tick past `mtimeMs`, so that a write after the seal is published
 * (the index is written after this) moves the pack's modification time. Waits at most a tick.
 */
async function pastTimestampTick(mtimeMs: number): Promise<void> {
  const wait = Math.min(mtimeMs + TIMESTAMP_TICK_MS - Date.now(), TIMESTAMP_TICK_MS);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

function sameSeal(a: PackSeal, b: PackSeal): boolean {
  return a.size === b.size && a.ino === b.ino && a.mtimeMs === b.mtimeMs &&
    a.ctimeMs === b.ctimeMs;
}

function isIndexEntry(entry: unknown): entry is IndexEntry {
  return Array.isArray(entry) && entry.length === 5 && (entry[0] === "d" || entry[0] === "b") &&
    typeof entry[1] === "string" && Number.isSafeInteger(entry[2]) && entry[2] >= 0 &&
    Number.isSafeInteger(entry[3]) && entry[3] > DIGEST_LINE && entry[3] <= MAX_RECORD_BYTES &&
    Number.isFinite(entry[4]);
}

function isUseEntry(entry: unknown): entry is UseEntry {
  return Array.isArray(entry) && entry.length === 2 && typeof entry[0] === "string" &&
    Number.isFinite(entry[1]);
}

/** The last stamp handed out in this process (names of one process never tie). */
let lastStamp = 0;

/** A new pack name whose stamp is `now`, or later than every name this process made. */
export function newPackName(now: number): string {
  const stamp = Math.max(Math.floor(Number.isFinite(now) ? now : 0), lastStamp + 1, 0);
  lastStamp = stamp;
  return `${String(stamp).padStart(16, "0")}-${randomBytes(8).toString("hex")}`;
}

/** The stamp of a pack name (0 when it has none). */
export function stampOf(name: string): number {
  const stamp = Number(name.slice(0, name.indexOf("-")));
  return Number.isSafeInteger(stamp) ? stamp : 0;
}

/** Whether a file name in `packs/` is a temporary one (an index being written). */
export function isTemporary(name: string): boolean {
  return name.includes(".tmp-");
}

/** The names (without extension) of the packs in `dir` that have an index, oldest first. */
export async function indexedPacks(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(INDEX_EXT)) {
      names.push(entry.name.slice(0, -INDEX_EXT.length));
    }
  }
  return names.sort();
}

/** Reads and parses the index of pack `name`; undefined when it is corrupt. */
export async function readIndex(dir: string, name: string): Promise<PackIndex | undefined> {
  return parseIndex(await Deno.readTextFile(`${dir}/${name}${INDEX_EXT}`));
}

/**
 * The records `entries` of `pack` (index entries, in the order given) in batches of consecutive
 * records read together (up to 4 MiB, or one larger record): each entry with its bytes (fewer than
 * its length when the pack ends before it). The bytes are those of one buffer, used again for the
 * next batch: they are valid until the loop asks for it. Read errors (a pack that is gone) are
 * thrown.
 */
export async function* readBatches(
  pack: PackFile,
  entries: readonly IndexEntry[],
): AsyncGenerator<[IndexEntry, Uint8Array][]> {
  let buffer = new Uint8Array(0);
  let i = 0;
  while (i < entries.length) {
    const start = entries[i][2];
    let end = start + entries[i][3];
    let j = i + 1;
    while (
      j < entries.length && entries[j][2] === end && end + entries[j][3] - start <= READ_BATCH_BYTES
    ) {
      end += entries[j][3];
      j++;
    }
    if (buffer.length < end - start) {
      buffer = new Uint8Array(Math.max(end - start, READ_BATCH_BYTES));
    }
    const bytes = await pack.readInto(buffer, start, end - start);
    const batch: [IndexEntry, Uint8Array][] = [];
    for (; i < j; i++) {
      const offset = entries[i][2] - start;
      batch.push([entries[i], bytes.subarray(offset, offset + entries[i][3])]);
    }
    yield batch;
  }
}

/** A file handle shared by the reads (and writes) of one pack, and how many use it. */
interface Lease {
  readonly handle: Promise<FileHandle>;
  users: number;
  drained?: () => void;
}

/**
 * A pack file, opened on first use and kept open for the run: records are read with positioned
 * reads on the one handle. {@link close} closes it once its reads are done; a later read opens
 * it again.
 */
export class PackFile {
  /** Where the pack is. */
  readonly path: string;
  /** What its index says the file looked like when it was finished, if it says. */
  seal?: PackSeal;
  #open: () => Promise<FileHandle>;
  #lease?: Lease;
  #unchanged?: Promise<boolean>;

  /** The pack at `path`; `open` opens it (default: for reading). */
  constructor(path: string, open?: () => Promise<FileHandle>) {
    this.path = path;
    this.#open = open ?? (() => fsp.open(path, "r"));
  }

  /** Runs `fn` with the pack's handle (opening it first if needed). */
  async use<T>(fn: (handle: FileHandle) => Promise<T>): Promise<T> {
    const lease = this.#lease ??= { handle: this.#open(), users: 0 };
    lease.users++;
    try {
      return await fn(await lease.handle);
    } finally {
      if (--lease.users === 0) lease.drained?.();
    }
  }

  /**
   * Whether the file still matches its {@link seal} (looked at once per run): then it holds the
   * bytes its writer wrote. False when there is no seal, or the file has changed or is gone.
   */
  unchangedSinceSealed(): Promise<boolean> {
    const seal = this.seal;
    if (!seal) return Promise.resolve(false);
    return this.#unchanged ??= sealOf(this.path).then(
      (now) => now !== undefined && sameSeal(now, seal),
      () => false,
    );
  }

  /** The `length` bytes at `offset` (fewer when the pack ends before). */
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.readInto(new Uint8Array(length), offset, length);
  }

  /**
   * Reads the `length` bytes at `offset` into `buffer`; returns them (fewer at the pack's end). Up
   * to {@link SYNC_READ_BYTES} are read at once on this thread: a positioned read of a few
   * kilobytes (most records) costs microseconds, a round trip through the runtime's I/O threads
   * about ten times more, and a warm run reads thousands.
   */
  readInto(buffer: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    return this.use(async (handle) => {
      let filled = 0;
      while (filled < length) {
        const bytesRead = length <= SYNC_READ_BYTES
          ? readSync(handle.fd, buffer, filled, length - filled, offset + filled)
          : (await handle.read(buffer, filled, length - filled, offset + filled)).bytesRead;
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    });
  }

  /** Closes the handle once the reads and writes using it are done (reopened for reading after). */
  async close(): Promise<void> {
    const lease = this.#lease;
    this.#lease = undefined;
    this.#open = () => fsp.open(this.path, "r");
    if (!lease) return;
    if (lease.users > 0) await new Promise<void>((resolve) => (lease.drained = resolve));
    try {
      await (await lease.handle).close();
    } catch {
      // never opened, or closed already
    }
  }
}

/** A record waiting to be appended. */
interface QueuedRecord {
  readonly entry: IndexEntry;
  readonly parts: readonly Uint8Array[];
  readonly done: (at: RecordLocation | undefined) => void;
}

/** Most bytes of records written to a pack in one call (copied together first). */
const WRITE_BATCH_BYTES = 1024 * 1024;

/** Most bytes of consecutive records read from a pack in one call. */
const READ_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * The pack a run writes: records are appended one after the other (what queues up while a write
 * is in progress is written in one call), each readable through {@link file} once its write is
 * done; {@link finish} writes the index.
 */
export class PackWriter {
  /** The pack's name (without extension). */
  readonly name: string;
  /** The pack, for reading back what was written. */
  readonly file: PackFile;
  readonly #dir: string;
  readonly #onError: (error: unknown) => void;
  readonly #records: IndexEntry[] = [];
  readonly #used: UseEntry[] = [];
  readonly #touched: UseEntry[] = [];
  readonly #queue: QueuedRecord[] = [];
  #size = 0;
  /** Where the records of a batch are put together (see {@link #stage}). */
  #staging?: Uint8Array;
  /** The writes in progress (undefined when the queue is empty). */
  #writing?: Promise<void>;
  #failed = false;

  /**
   * A pack named `name` in `dir`, created (0600) on the first append after `prepare` (which makes
   * the directory). `onError` hears of a failed write or index; the pack takes no record after one.
   */
  constructor(
    dir: string,
    name: string,
    prepare: () => Promise<void>,
    onError: (error: unknown) => void,
  ) {
    this.name = name;
    this.#dir = dir;
    this.#onError = onError;
    const path = `${dir}/${name}${PACK_EXT}`;
    this.file = new PackFile(path, async () => {
      await prepare();
      return await fsp.open(path, "wx+", 0o600);
    });
  }

  /**
   * Appends a record made of `parts` under `kind` and `key`; resolves with its location once it is
   * written, or undefined when it could not be (then `onError` was told why). Never rejects. The
   * parts must not change until then.
   */
  append(
    kind: RecordKind,
    key: string,
    time: number,
    parts: readonly Uint8Array[],
  ): Promise<RecordLocation | undefined> {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    const entry: IndexEntry = [kind, key, this.#size, length, time];
    this.#size += length;
    return new Promise((done) => {
      this.#queue.push({ entry, parts, done });
      this.#writeSoon();
    });
  }

  /** Starts writing the queue, unless it is being written. */
  #writeSoon(): void {
    if (this.#writing) return;
    this.#writing = this.#writeQueued().then(() => {
      this.#writing = undefined;
      if (this.#queue.length > 0) this.#writeSoon();
    });
  }

  /** Writes what is queued, in batches of consecutive records, until the queue is empty. */
  async #writeQueued(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = takeBatch(this.#queue);
      const offset = batch[0].entry[2];
      const length = batch.reduce((sum, record) => sum + record.entry[3], 0);
      if (!this.#failed) {
        try {
          const parts = this.#stage(batch, length);
          await this.file.use((handle) => writeAt(handle, parts, offset));
        } catch (error) {
          this.#failed = true;
          this.#onError(error);
        }
      }
      for (const { entry, done } of batch) {
        if (this.#failed) {
          done(undefined);
          continue;
        }
        this.#records.push(entry);
        done({ pack: this.file, offset: entry[2], length: entry[3], time: entry[4] });
      }
    }
  }

  /**
   * The parts to write for `batch`: the records' own parts when it is one record, else their bytes
   * copied into one buffer (kept for the next batch), so that a batch is one write. (`writev`
   * would copy them into a new buffer each time.)
   */
  #stage(batch: readonly QueuedRecord[], length: number): readonly Uint8Array[] {
    if (batch.length === 1) return batch[0].parts;
    this.#staging ??= new Uint8Array(WRITE_BATCH_BYTES);
    let at = 0;
    for (const { parts } of batch) {
      for (const part of parts) {
        this.#staging.set(part, at);
        at += part.length;
      }
    }
    return [this.#staging.subarray(0, length)];
  }

  /** Waits until everything appended is written (or failed). */
  async #drain(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  /** Notes in the index that the blob `key` (stored elsewhere) was used at `time`. */
  use(key: string, time: number): void {
    this.#used.push([key, time]);
  }

  /** Notes in the index that the document `key` was confirmed unchanged at `time`. */
  touch(key: string, time: number): void {
    this.#touched.push([key, time]);
  }

  /**
   * Waits for the writes, closes the pack and writes its index (a temporary file renamed into
   * place), with the pack's seal; returns whether an index was written. A pack without records is
   * removed.
   */
  async finish(): Promise<boolean> {
    await this.#drain();
    await this.file.close();
    if (this.#records.length === 0) await removeQuietly(this.file.path);
    if (this.#records.length + this.#used.length + this.#touched.length === 0) return false;
    try {
      // Taken after the last write: nothing writes to the pack again.
      const sealed = this.#records.length > 0 && !this.#failed
        ? await sealOf(this.file.path).catch(() => undefined)
        : undefined;
      if (sealed) await pastTimestampTick(sealed.mtimeMs);
      await writeIndex(this.#dir, this.name, {
        v: PACK_FORMAT,
        records: this.#records,
        used: this.#used,
        ...(this.#touched.length > 0 ? { touched: this.#touched } : {}),
        ...(sealed ? { sealed } : {}),
      });
      return true;
    } catch (error) {
      this.#onError(error);
      return false;
    }
  }

  /** Waits for the writes, closes the pack and removes it: no index is written. */
  async abandon(): Promise<void> {
    await this.#drain();
    await this.file.close();
    await removeQuietly(this.file.path);
  }
}

/** The first records of `queue`: one, or as many as fit in {@link WRITE_BATCH_BYTES}. */
function takeBatch(queue: QueuedRecord[]): QueuedRecord[] {
  let count = 0;
  let bytes = 0;
  while (count < queue.length && bytes + queue[count].entry[3] <= WRITE_BATCH_BYTES) {
    bytes += queue[count].entry[3];
    count++;
  }
  return queue.splice(0, Math.max(count, 1));
}

/** Writes an index to a temporary file (0600) and renames it into place. */
export async function writeIndex(dir: string, name: string, index: PackIndex): Promise<void> {
  const path = `${dir}/${name}${INDEX_EXT}`;
  const tmp = `${path}.tmp-${randomBytes(8).toString("hex")}`;
  try {
    await Deno.writeTextFile(tmp, JSON.stringify(index), { mode: 0o600, createNew: true });
    await Deno.rename(tmp, path);
  } catch (error) {
    await removeQuietly(tmp);
    throw error;
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // not there
  }
}

/** Writes `parts` one after the other from `offset`, however many calls it takes. */
async function writeAt(
  handle: FileHandle,
  parts: readonly Uint8Array[],
  offset: number,
): Promise<void> {
  let position = offset;
  for (const part of parts) {
    let done = 0;
    while (done < part.length) {
      const { bytesWritten } = await handle.write(part, done, part.length - done, position);
      if (bytesWritten === 0) throw new Error(`a write to ${position} in the cache wrote nothing`);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
}
