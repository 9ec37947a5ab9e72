/**
 * Small helpers the cache's modules share: joining paths, telling a missing file, hashing, and
 * the UTF-8 encoder. Internal to `lib/sources/cache*.ts`.
 * @module
 */
import { createHash } from "node:crypto";

/** The SHA-256 of bytes or text, lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `parts` joined with single `/` separators (the first keeps its leading slashes). */
export function join(...parts: string[]): string {
  return parts.map((
    p,
    i,
  ) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join("/");
}

/** A file that is not there (Deno's error, or the `ENOENT` of `node:fs`). */
export function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound ||
    (error as { code?: unknown } | undefined)?.code === "ENOENT";
}

/** The UTF-8 encoder of the cache's records. */
export const utf8Encoder = new TextEncoder();
