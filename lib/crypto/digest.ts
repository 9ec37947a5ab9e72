/**
 * Streaming file digests with `node:crypto`: memory stays flat whatever the file size.
 * @module
 */
import { createHash } from "node:crypto";
import { HASH_CHUNK_BYTES } from "../limits.ts";
import { InputError } from "../errors.ts";

/** Hash algorithms available for streaming digests (node:crypto names). */
export type StreamHash = "sha256" | "sha384" | "sha512";

/** Digests of one file, by algorithm (raw bytes). */
export type FileDigests = Partial<Record<StreamHash, Uint8Array>> & { size: number };

/**
 * Reads `path` once, in chunks of about 8 MiB, feeding every requested hash. Throws
 * {@link InputError} when the path is missing, a directory or unreadable.
 */
export async function digestFile(
  path: string,
  algorithms: readonly StreamHash[] = ["sha256"],
): Promise<FileDigests> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (cause) {
    throw describeOpenError(path, cause);
  }
  try {
    const stat = await file.stat();
    if (stat.isDirectory) throw new InputError(path, "is a directory, not a file");
    const hashes = algorithms.map((a) => createHash(a));
    const buffer = new Uint8Array(HASH_CHUNK_BYTES);
    let size = 0;
    while (true) {
      let n: number | null;
      try {
        n = await file.read(buffer);
      } catch (cause) {
        throw describeOpenError(path, cause);
      }
      if (n === null) break;
      size += n;
      const chunk = buffer.subarray(0, n);
      for (const h of hashes) h.update(chunk);
    }
    const out: FileDigests = { size };
    algorithms.forEach((a, i) => out[a] = new Uint8Array(hashes[i].digest()));
    return out;
  } finally {
    file.close();
  }
}

/** Turns a Deno file-system error into an {@link InputError} with a plain-language reason. */
export function describeOpenError(path: string, cause: unknown): InputError {
  if (cause instanceof InputError) return cause;
  if (cause instanceof Deno.errors.NotFound) return new InputError(path, "no such file", { cause });
  if (cause instanceof Deno.errors.PermissionDenied) {
    return new InputError(path, "permission denied", { cause });
  }
  if (cause instanceof Deno.errors.IsADirectory) {
    return new InputError(path, "is a directory, not a file", { cause });
  }
  return new InputError(path, `cannot read: ${(cause as Error)?.message ?? String(cause)}`, {
    cause,
  });
}
