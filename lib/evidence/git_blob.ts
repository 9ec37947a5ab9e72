/**
 * Git blob ids: the SHA-1 of `blob <size>\0<bytes>`, exactly as `git hash-object` computes the id
 * of a file's content. Comparing a file of a `.crate` with the file of the repository at a commit
 * needs only these ids (a Git tree lists them), never the repository's bytes.
 *
 * These are identifiers, not security digests on their own: SHA-1 is what Git names blobs with,
 * and the comparison is only as strong as Git's (collision-detecting) SHA-1 in the repository.
 * @module
 */
import { createHash, type Hash } from "node:crypto";

const encoder = new TextEncoder();

/**
 * The Git blob id (40 lowercase hex characters) of `bytes`: SHA-1 of `blob <len>\0<bytes>`.
 *
 * @example
 * ```ts
 * gitBlobSha1(new TextEncoder().encode("hello\n")); // "ce013625030ba8dba906f756967f9e9ca394464a"
 * ```
 */
export function gitBlobSha1(bytes: Uint8Array): string {
  const hasher = startGitBlobSha1(bytes.length);
  hasher.update(bytes);
  return hasher.digest();
}

/** A streaming Git blob hasher: feed exactly the declared number of bytes, then call `digest`. */
export interface GitBlobHasher {
  /** Feeds the next part of the content. Throws a `RangeError` past the declared size. */
  update(part: Uint8Array): void;
  /**
   * The blob id, 40 lowercase hex characters. Throws a `RangeError` when fewer bytes than the
   * declared size were fed (the id would be of another blob).
   */
  digest(): string;
}

/**
 * Starts a streaming Git blob id over content of `size` bytes (the size comes first in the
 * hashed header, so it must be known up front, as it is for a tar entry).
 */
export function startGitBlobSha1(size: number): GitBlobHasher {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`a blob size must be a non-negative integer, got ${size}`);
  }
  const hash: Hash = createHash("sha1");
  hash.update(encoder.encode(`blob ${size}\0`));
  let fed = 0;
  return {
    update(part: Uint8Array): void {
      if (fed + part.length > size) {
        throw new RangeError(`blob declared as ${size} bytes, fed ${fed + part.length}`);
      }
      fed += part.length;
      hash.update(part);
    },
    digest(): string {
      if (fed !== size) throw new RangeError(`blob declared as ${size} bytes, fed ${fed}`);
      return hash.digest("hex");
    },
  };
}
