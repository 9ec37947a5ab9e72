/**
 * What `cache stats`, `cache prune` and compaction rest on: their results
 * ({@link CacheStats}, {@link PruneResult}), the walk over the cache's own files, the tally of the
 * packs' indexes that decides which record of a key wins, and the check that a record is live.
 * @module
 */
import { blobBody } from "./cache_blobs.ts";
import { type CachedDocument, isDocumentHeader } from "./cache_documents.ts";
import {
  INDEX_EXT,
  type IndexEntry,
  PACK_EXT,
  type PackIndex,
  type RecordKind,
  splitRecord,
} from "./cache_pack.ts";
import { isNotFound, join, sha256Hex } from "./_cache_util.ts";

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
