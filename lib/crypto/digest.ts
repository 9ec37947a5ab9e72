/**
 * Streaming file digests with `node:crypto`: memory stays flat whatever the file size.
 * @module
 */
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
    if (stat.size <= HASH_CHUNK_BYTES) return await digestSmallFile(file, stat.size, algorithms);
    // Loaded only for files larger than one read: small files start faster without it.
    const { createHash } = await import("node:crypto");
    const hashes = algorithms.map((a) => createHash(a));
    // Two buffers: the next read is in flight while the previous chunk is hashed, so reading
    // and hashing overlap instead of alternating. One read is outstanding at a time.
    const buffers = [new Uint8Array(HASH_CHUNK_BYTES), new Uint8Array(HASH_CHUNK_BYTES)];
    const read = (buffer: Uint8Array) =>
      file.read(buffer).catch((cause) => {
        throw describeOpenError(path, cause);
      });
    let size = 0;
    let current = 0;
    let pending = read(buffers[current]);
    while (true) {
      const n = await pending;
      if (n === null) break;
      const chunk = buffers[current].subarray(0, n);
      current = 1 - current;
      pending = read(buffers[current]);
      size += n;
      for (const h of hashes) h.update(chunk);
    }
    const out: FileDigests = { size };
    algorithms.forEach((a, i) => out[a] = new Uint8Array(hashes[i].digest()));
    return out;
  } finally {
    file.close();
  }
}

/** Digests a stream (standard input) chunk by chunk: memory stays flat whatever its length. */
export async function digestStream(
  stream: ReadableStream<Uint8Array>,
  algorithms: readonly StreamHash[] = ["sha256"],
): Promise<FileDigests> {
  const { createHash } = await import("node:crypto");
  const hashes = algorithms.map((a) => createHash(a));
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    for (const h of hashes) h.update(chunk);
  }
  const out: FileDigests = { size };
  algorithms.forEach((a, i) => out[a] = new Uint8Array(hashes[i].digest()));
  return out;
}

const WEB_HASH_NAMES: Record<StreamHash, string> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

/** A file that fits in one read: read it whole and hash it with WebCrypto. */
async function digestSmallFile(
  file: Deno.FsFile,
  expectedSize: number,
  algorithms: readonly StreamHash[],
): Promise<FileDigests> {
  const buffer = new Uint8Array(expectedSize + 1);
  let size = 0;
  while (true) {
    const n = await file.read(buffer.subarray(size));
    if (n === null) break;
    size += n;
    if (size === buffer.length) {
      throw new InputError("(file)", "grew while it was being read");
    }
  }
  const data = buffer.subarray(0, size);
  const out: FileDigests = { size };
  for (const a of algorithms) {
    out[a] = new Uint8Array(await crypto.subtle.digest(WEB_HASH_NAMES[a], data));
  }
  return out;
}

/** Turns a Deno file-system error into an {@link InputError} with a plain-language reason. */
function currentDirectory(): string {
  try {
    return Deno.cwd();
  } catch {
    return "the current directory";
  }
}

export function describeOpenError(path: string, cause: unknown): InputError {
  if (cause instanceof InputError) return cause;
  if (cause instanceof Deno.errors.NotFound) {
    return new InputError(path, "no such file", {
      cause,
      hint: `check the path (a relative one is from ${currentDirectory()})`,
    });
  }
  if (cause instanceof Deno.errors.PermissionDenied) {
    return new InputError(path, "permission denied", {
      cause,
      hint: "the file is not readable by this user, or Deno's --allow-read does not cover it",
    });
  }
  if (cause instanceof Deno.errors.IsADirectory) {
    return new InputError(path, "is a directory, not a file", { cause, hint: "name a file" });
  }
  return new InputError(path, `cannot read: ${(cause as Error)?.message ?? String(cause)}`, {
    cause,
  });
}
