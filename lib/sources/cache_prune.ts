/**
 * Stats, pruning and compaction of the cache: their results ({@link CacheStats},
 * {@link PruneResult}), the walk over the cache's own files, the files `prune` drops
 * ({@link pruneFiles}), and the rewrite of packs into one ({@link compactPacks}) with the tally of
 * their indexes that decides which record of a key wins and the check that a record is live.
 * The {@link PackStore} a compaction is given is the cache's (`Cache` in `cache.ts`).
 * @module
 */
import { blobBody } from "./cache_blobs.ts";
import { type CachedDocument, isDocumentHeader } from "./cache_documents.ts";
import {
  INDEX_EXT,
  type IndexEntry,
  isTemporary,
  newPackName,
  PACK_EXT,
  PackFile,
  type PackIndex,
  PackWriter,
  readBatches,
  readIndex,
  type RecordKind,
  type RecordLocation,
  splitRecord,
  stampOf,
} from "./cache_pack.ts";
import { hashFile, isNotFound, join, SHA256_HEX, sha256Hex } from "./_cache_util.ts";

/** Temporary files older than this are orphans of an interrupted run (`cache prune` drops them). */
export const ORPHAN_TMP_AGE_MS = 60 * 60 * 1000;

/** What {@link Cache.stats} counts. */
export interface CacheStats {
  /** The cache's root directory. */
  readonly path: string;
  /** Documents and blobs (each key once, however many records it has). */
  readonly entries: number;
  /** Bytes on disk: packs, their indexes, blob files and temporary files. */
  readonly bytes: number;
  /** Cached documents (HTTP answers and memoised results). */
  readonly documents: number;
  /** Cached blobs (content stored under its SHA-256). */
  readonly blobs: number;
  /** Files an unfinished or interrupted run left (and files of an older cache layout). */
  readonly temporary: number;
}

/** What {@link Cache.prune} removed. */
export interface PruneResult {
  /** Records and files removed. */
  readonly removed: number;
  /** Bytes freed on disk. */
  readonly bytes: number;
}

/**
 * What a compaction reads from its inputs' indexes (oldest first): the entry of each key that wins
 * (the last), when each blob was last used (its records and the uses noted), when each document
 * was last confirmed unchanged (the touches noted), the blobs that have a record, and how many
 * records there are (a corrupt index counts as one).
 */
export function tally(indexes: readonly (PackIndex | undefined)[]) {
  const winners = new Map<string, IndexEntry>();
  const lastUse = new Map<string, number>();
  const lastTouch = new Map<string, number>();
  const packed = new Set<string>();
  const use = (key: string, time: number) =>
    lastUse.set(key, Math.max(lastUse.get(key) ?? -Infinity, time));
  let records = 0;
  for (const index of indexes) {
    if (!index) records++;
    for (const entry of index?.records ?? []) {
      records++;
      winners.set(`${entry[0]} ${entry[1]}`, entry);
      if (entry[0] === "b") {
        use(entry[1], entry[4]);
        packed.add(entry[1]);
      }
    }
    for (const [key, time] of index?.used ?? []) use(key, time);
    for (const [key, time] of index?.touched ?? []) {
      lastTouch.set(key, Math.max(lastTouch.get(key) ?? -Infinity, time));
    }
  }
  return { winners, lastUse, lastTouch, packed, records };
}

/**
 * Whether a record read for compaction is to be kept: whole, the record of `key` (a blob's bytes
 * hashed), and for a document, fetched within `maxAgeMs`. Bodies are not decoded.
 */
export function isLive(
  kind: RecordKind,
  key: string,
  record: Uint8Array,
  options: { now: number; maxAgeMs: number; touched?: number },
): boolean {
  if (kind === "b") {
    const body = blobBody(record, key);
    return body !== undefined && sha256Hex(body) === key;
  }
  const parts = splitRecord(record);
  if (!parts || sha256Hex(parts.rest) !== parts.digest) return false;
  const doc = parts.header as unknown as CachedDocument;
  const fetched = Math.max(Date.parse(doc.fetchedAt), options.touched ?? -Infinity);
  return isDocumentHeader(doc, key) && options.now - fetched <= options.maxAgeMs;
}

/** Undefined for a file that is not there; rethrows any other error. */
export function ignoreNotFound(error: unknown): undefined {
  if (isNotFound(error)) return undefined;
  throw error;
}

/** The bytes on disk of packs `names` and their indexes. */
export async function sizeOfPacks(dir: string, names: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const name of names) {
    for (const ext of [PACK_EXT, INDEX_EXT]) {
      try {
        bytes += (await Deno.stat(`${dir}/${name}${ext}`)).size;
      } catch {
        // none
      }
    }
  }
  return bytes;
}

/** Removes `dir` when it is empty (else leaves it). */
export async function removeEmptyDir(dir: string): Promise<void> {
  try {
    await Deno.remove(dir);
  } catch {
    // not there, or not empty
  }
}

/** The cache's own directories (`docs` is the layout of an older version, only removed). */
export const AREAS = ["packs", "blobs", "tmp", "docs"] as const;

/** A file under one of the cache's own directories ({@link walkFiles}). */
export interface CacheFile {
  /** Its path. */
  readonly path: string;
  /** Its name (the last part of its path). */
  readonly name: string;
  /** The directory of the cache it is under. */
  readonly area: typeof AREAS[number];
  /** Its size in bytes. */
  readonly size: number;
  /** When it was last modified (ms since the epoch), when known. */
  readonly mtime?: number;
}

/** Every file under the cache's own directories (nothing else in `dir` is looked at). */
export async function* walkFiles(dir: string): AsyncGenerator<CacheFile> {
  for (const area of AREAS) {
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

/** What {@link compactPacks} needs of the cache it compacts. */
export interface PackStore {
  /** The cache's root directory. */
  readonly dir: string;
  /** `packs/` under the root. */
  readonly packsDir: string;
  /** Creates a directory of the cache (and its parents) with mode 0700. */
  mkdir(dir: string): Promise<void>;
  /** Warns about a cache I/O failure (each distinct message once). */
  warnOnce(message: string, cause?: unknown): void;
  /** Removes a file; one already gone is no error. */
  remove(path: string): Promise<void>;
}

/**
 * Rewrites the live records of packs `names` (the newest packs, oldest first) into one new pack
 * that sorts after them, and deletes them: drops records a newer one replaced, corrupt ones, and
 * those older than `maxAgeMs` (documents by when they were fetched, blobs by when they were last
 * used). Unless `always`, a single pack with nothing to drop is left as it is. With
 * `olderPacks` (packs older than `names` stay), the uses of blobs those packs hold are kept. A
 * corrupt index, or one gone (another run compacted it), is dropped with its pack; any other
 * failure to read stops the compaction, and nothing is deleted.
 */
export async function compactPacks(
  store: PackStore,
  names: readonly string[],
  options: { now: number; maxAgeMs: number; always: boolean; olderPacks: boolean },
): Promise<PruneResult> {
  if (names.length === 0) return { removed: 0, bytes: 0 };
  const inputs = await Promise.all(names.map(async (name) => ({
    index: await readIndex(store.packsDir, name).catch(ignoreNotFound),
    pack: new PackFile(`${store.packsDir}/${name}${PACK_EXT}`),
  })));
  const { winners, lastUse, lastTouch, records, packed } = tally(
    inputs.map((input) => input.index),
  );
  const output = new PackWriter(
    store.packsDir,
    newPackName(Math.max(...names.map(stampOf)) + 1),
    () => store.mkdir(store.packsDir),
    (error) => store.warnOnce(`cannot write to ${store.dir}`, error),
  );
  let kept = 0;
  let failed = false;
  try {
    for (const { index, pack } of inputs) {
      const wanted = (index?.records ?? []).filter((entry) => {
        const time = entry[0] === "b"
          ? lastUse.get(entry[1])!
          : Math.max(entry[4], lastTouch.get(entry[1]) ?? -Infinity);
        return winners.get(`${entry[0]} ${entry[1]}`) === entry &&
          options.now - time <= options.maxAgeMs;
      });
      const copied = await copyRecords(pack, wanted, output, {
        ...options,
        lastUse,
        lastTouch,
      });
      if (copied === undefined) failed = true;
      else kept += copied;
      await pack.close();
      if (failed) break;
    }
  } catch (error) {
    failed = true;
    store.warnOnce(`cannot read ${store.packsDir}`, error);
  } finally {
    await Promise.all(inputs.map(({ pack }) => pack.close()));
  }
  // Uses of blobs, and touches of documents, kept in the older packs are carried over.
  const uses = options.olderPacks ? [...lastUse].filter(([key]) => !packed.has(key)) : [];
  for (const [key, time] of uses) output.use(key, time);
  const touches = options.olderPacks
    ? [...lastTouch].filter(([key]) => !winners.has(`d ${key}`))
    : [];
  for (const [key, time] of touches) output.touch(key, time);
  const dropped = records - kept;
  if (failed || (!options.always && names.length === 1 && dropped === 0)) {
    await output.abandon();
    return { removed: 0, bytes: 0 };
  }
  const before = await sizeOfPacks(store.packsDir, names);
  if (!(await output.finish()) && kept + uses.length + touches.length > 0) {
    return { removed: 0, bytes: 0 };
  }
  const after = await sizeOfPacks(store.packsDir, [output.name]);
  // Indexes first: a reader that lists the packs now no longer finds the old ones.
  for (const name of names) await store.remove(`${store.packsDir}/${name}${INDEX_EXT}`);
  for (const name of names) await store.remove(`${store.packsDir}/${name}${PACK_EXT}`);
  return { removed: dropped, bytes: Math.max(0, before - after) };
}

/**
 * Copies the records `entries` of `pack` that are live (see {@link isLive}) to `output` (a blob
 * with its last use as its time); returns how many, or undefined when `output` could not be
 * written. A pack that is gone has nothing to copy; other read errors are thrown.
 */
async function copyRecords(
  pack: PackFile,
  entries: readonly IndexEntry[],
  output: PackWriter,
  options: {
    now: number;
    maxAgeMs: number;
    lastUse: ReadonlyMap<string, number>;
    lastTouch: ReadonlyMap<string, number>;
  },
): Promise<number | undefined> {
  let copied = 0;
  try {
    for await (const batch of readBatches(pack, entries)) {
      const writes: Promise<RecordLocation | undefined>[] = [];
      for (const [[kind, key, , , written], record] of batch) {
        const touched = kind === "d" ? options.lastTouch.get(key) : undefined;
        if (!isLive(kind, key, record, { ...options, touched })) continue;
        const time = kind === "b" ? options.lastUse.get(key)! : written;
        writes.push(output.append(kind, key, time, [record]));
        // The record is copied as it is: a later 304 stays a line of the index.
        if (touched !== undefined && touched > written) output.touch(key, touched);
      }
      // Written before the next batch is read into the same memory.
      for (const at of await Promise.all(writes)) {
        if (!at) return undefined;
        copied++;
      }
    }
  } catch (error) {
    // Gone: another run compacted it.
    if (!isNotFound(error)) throw error;
  }
  return copied;
}

/**
 * The files `prune` drops: the older layout's `docs/`, temporary files and packs without an
 * index older than {@link ORPHAN_TMP_AGE_MS}, and blob files not used for `maxAgeMs` (or
 * corrupt).
 */
export async function pruneFiles(
  dir: string,
  now: number,
  maxAgeMs: number,
): Promise<PruneResult> {
  let removed = 0;
  let bytes = 0;
  const packFiles = new Set<string>();
  const files: CacheFile[] = [];
  for await (const file of walkFiles(dir)) {
    files.push(file);
    if (file.area === "packs") packFiles.add(file.name);
  }
  for (const file of files) {
    const age = now - (file.mtime ?? now);
    let drop: boolean;
    if (file.area === "docs") {
      drop = true;
    } else if (file.area === "tmp" || isTemporary(file.name)) {
      drop = age > ORPHAN_TMP_AGE_MS;
    } else if (file.area === "packs") {
      const unindexed = file.name.endsWith(PACK_EXT) &&
        !packFiles.has(`${file.name.slice(0, -PACK_EXT.length)}${INDEX_EXT}`);
      drop = unindexed && age > ORPHAN_TMP_AGE_MS;
    } else {
      drop = age > maxAgeMs || !SHA256_HEX.test(file.name) ||
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
  await removeEmptyDir(join(dir, "docs"));
  return { removed, bytes };
}
