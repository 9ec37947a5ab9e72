/**
 * The cache's blobs: how one is streamed out ({@link BlobStreamOptions}) and written in
 * ({@link BlobWriter}), the error of a large blob that changed while it was read, and the check
 * that a packed record is the blob's.
 * @module
 */
import { PACK_FORMAT, splitRecord } from "./cache_pack.ts";

/** What {@link Cache.streamBlob} is asked for. */
export interface BlobStreamOptions {
  /** The largest blob handed out. */
  readonly maxBytes: number;
  /** The size the blob must have, when known. */
  readonly expectedSize?: number;
  /** Receives the blob's bytes, in order, once they are known to hash to its name. */
  readonly onChunk: (chunk: Uint8Array) => void | Promise<void>;
}

/** A blob being written: bytes are held in memory (or go to a temporary file) while hashed. */
export interface BlobWriter {
  /** Adds the next chunk of the blob's bytes. */
  write(chunk: Uint8Array): Promise<void>;
  /** Stores the blob under its digest; returns the digest (undefined on failure). */
  commit(): Promise<string | undefined>;
  /** Drops what was written. */
  abort(): Promise<void>;
}

/** A large blob changed between its check and its reading (what was handed out is not trusted). */
export class BlobChangedError extends Error {
  override name = "BlobChangedError";
}

/** The digest line and header that start the packed record of the blob `sha256`. */
export function blobRecordHeader(sha256: string): string {
  return `${sha256}\n${JSON.stringify({ v: PACK_FORMAT, blob: sha256 })}\n`;
}

/**
 * The bytes of a blob's record when it is the record of the blob `sha256` (its digest line and
 * header name it); whether the bytes hash to it is the caller's to check.
 */
export function blobBody(record: Uint8Array, sha256: string): Uint8Array | undefined {
  const parts = splitRecord(record);
  if (!parts || parts.digest !== sha256) return undefined;
  if (parts.header.v !== PACK_FORMAT || parts.header.blob !== sha256) return undefined;
  return parts.body;
}
