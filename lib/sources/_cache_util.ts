/**
 * Small helpers the cache's modules share: joining paths, telling a missing file, hashing, and
 * the UTF-8 encoder. Internal to `lib/sources/cache*.ts`.
 * @module
 */
import { createHash } from "node:crypto";
import { HASH_CHUNK_BYTES } from "../limits.ts";

export { join } from "./cache_settings.ts";

/** The SHA-256 of bytes or text, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A file that is not there (Deno's error, or the `ENOENT` of `node:fs`). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    (error as { code?: unknown } | undefined)?.code === "ENOENT";
}

/** The UTF-8 encoder of the cache's records. */
export const utf8Encoder = new TextEncoder();

/** A blob's name: a SHA-256, lowercase hex. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The SHA-256 of a file's bytes, lowercase hex, read a chunk at a time. */
export async function hashFile(path: string): Promise<string> {
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
