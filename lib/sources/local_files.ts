/**
 * Reading local inputs (bundles, trusted roots, keys, artifacts) with size caps and messages
 * that name the file. The only place that reads user-named files.
 * @module
 */
import { describeOpenError, digestFile } from "../crypto/digest.ts";
import { decodeHex } from "../crypto/bytes.ts";
import { InputError } from "../errors.ts";
import { MAX_IN_MEMORY_ARTIFACT_BYTES } from "../limits.ts";
import type { ArtifactInput } from "../evidence/artifact.ts";

/** Thrown when a file exists but is larger than the cap for its kind. */
export class OversizedInputError extends InputError {
  override name = "OversizedInputError";
  /** The file's size in bytes. */
  readonly size: number;
  /** The cap in bytes. */
  readonly limit: number;
  constructor(path: string, what: string, size: number, limit: number) {
    super(path, `${what} is ${size} bytes, over the ${limit}-byte limit for a ${what}`);
    this.size = size;
    this.limit = limit;
  }
}

/** Reads a whole (small) file as text, refusing directories and anything over `limit` bytes. */
export async function readCappedText(path: string, limit: number, what: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (cause) {
    throw describeOpenError(path, cause);
  }
  if (info.isDirectory) throw new InputError(path, "is a directory, not a file");
  if (info.size > limit) throw new OversizedInputError(path, what, info.size, limit);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (cause) {
    throw describeOpenError(path, cause);
  }
  if (bytes.length > limit) throw new OversizedInputError(path, what, bytes.length, limit);
  return decodeUtf8Text(bytes, path, what);
}

/**
 * `bytes` as UTF-8 text (a leading byte-order mark dropped). Bytes that are not UTF-8 are an
 * error naming the file and the offset, as cargo, TOML and JSON refuse them: read leniently, a
 * stray byte would become U+FFFD and the file would be read as something it is not.
 */
export function decodeUtf8Text(bytes: Uint8Array, path: string, what: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(
      path,
      `is not UTF-8 text: the ${what} has bytes UTF-8 does not allow at offset ${
        firstNonUtf8Offset(bytes)
      }`,
    );
  }
}

/** The offset of the first byte that does not decode as UTF-8 (a U+FFFD that is in the file is kept). */
function firstNonUtf8Offset(bytes: Uint8Array): number {
  const text = new TextDecoder().decode(bytes);
  const encoder = new TextEncoder();
  for (let i = text.indexOf("\uFFFD"); i >= 0; i = text.indexOf("\uFFFD", i + 1)) {
    // Everything before the first replacement decoded faithfully, so it re-encodes to its bytes.
    const offset = encoder.encode(text.slice(0, i)).length + bomLength(bytes);
    if (bytes[offset] !== 0xef || bytes[offset + 1] !== 0xbf || bytes[offset + 2] !== 0xbd) {
      return offset;
    }
  }
  return 0;
}

function bomLength(bytes: Uint8Array): number {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/**
 * What `path` names on disk: `"file"`, `"directory"`, or `undefined` when it cannot be stat'ed
 * (missing, unreadable, or something else). For choosing between inputs; the reader that opens
 * the path reports its own errors.
 */
export async function pathKind(path: string): Promise<"file" | "directory" | undefined> {
  try {
    const info = await Deno.stat(path);
    return info.isFile ? "file" : info.isDirectory ? "directory" : undefined;
  } catch {
    return undefined;
  }
}

/** An artifact given on the command line: a file path, or `sha256:<hex>` when only the digest is known. */
export interface ArtifactSource {
  /** What to call it in reports: the path, or the digest text. */
  readonly label: string;
  readonly path?: string;
  readonly input: ArtifactInput;
  readonly size?: number;
}

/**
 * Opens an artifact argument: `sha256:<64 hex>` becomes a digest-only input; anything else is a
 * file hashed as a stream (other digests and the bytes are read again only when a check needs them).
 */
export async function openArtifact(argument: string): Promise<ArtifactSource> {
  const digest = argument.match(/^sha256:(.*)$/i);
  if (digest) {
    if (!/^[0-9a-fA-F]{64}$/.test(digest[1])) {
      throw new InputError(argument, "a digest must be sha256: followed by 64 hex characters");
    }
    return { label: argument, input: { sha256: decodeHex(digest[1]) } };
  }
  const { sha256, size } = await digestFile(argument, ["sha256"]);
  const others = new Map<string, Promise<Uint8Array>>();
  return {
    label: argument,
    path: argument,
    size,
    input: {
      sha256: sha256!,
      size,
      digest(algorithm) {
        let d = others.get(algorithm);
        if (!d) {
          d = digestFile(argument, [algorithm]).then((r) => r[algorithm]!);
          others.set(algorithm, d);
        }
        return d;
      },
      async readAll() {
        if (size > MAX_IN_MEMORY_ARTIFACT_BYTES) {
          throw new OversizedInputError(
            argument,
            "artifact read into memory",
            size,
            MAX_IN_MEMORY_ARTIFACT_BYTES,
          );
        }
        return await Deno.readFile(argument);
      },
    },
  };
}
