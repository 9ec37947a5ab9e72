/**
 * A `.crate` file (a gzip-compressed tar archive) read into a listing of its files with their Git
 * blob ids, its `.cargo_vcs_info.json` and its `Cargo.toml.orig`, entirely in memory: nothing is
 * ever written to disk, and no file's content is kept except those two small ones (contents are
 * hashed as they stream out of the decompressor, so memory stays flat whatever the crate's size).
 *
 * **What a well-formed crate looks like** (what `cargo package` writes): every entry is a regular
 * file under `NAME-VERSION/`, once, with a relative `/`-separated path; the tar stream ends with
 * its end-of-archive marker (zero blocks) and nothing but zeros after it; the gzip stream is one
 * complete member, its CRC matches, and nothing follows it.
 *
 * **Problems, not exceptions.** A crate that breaks those rules is bad evidence, and bad evidence
 * is a result, never a throw: each breach becomes an {@link ArchiveProblem} with a stable code
 * (the caller turns any problem into a failed check, MISMATCH), and the listing is returned
 * best-effort (entries that could escape the crate root are never listed). Reading stops at the
 * first problem that makes the rest of the stream untrustworthy (a corrupt header, a truncated or
 * corrupt gzip stream, a cap passed); other problems are collected and reading goes on.
 *
 * Only input that is no crate at all throws, a {@link CrateArchiveError}: bytes that are not gzip
 * (`crate-archive-not-gzip`, e.g. an HTML error page) and a gzip stream that decodes cleanly to
 * something that is not a tar archive (`crate-archive-not-tar`).
 *
 * **Caps** (from `lib/limits.ts`; each passed cap is a problem and stops reading at once): the
 * inflated stream ({@link MAX_CRATE_UNPACKED_BYTES}, or {@link MAX_CRATE_COMPRESSION_RATIO} times
 * the compressed size when that is larger, as cargo does), entries
 * ({@link MAX_CRATE_ENTRIES}), one file's declared size ({@link MAX_CRATE_FILE_BYTES}, checked
 * before its content is inflated), extended headers ({@link MAX_TAR_EXTENDED_HEADER_BYTES}), and
 * the problems kept ({@link MAX_CRATE_PROBLEMS}).
 *
 * **Decompression.** A crate that is one clean gzip member inflating to at most
 * {@link FAST_INFLATE_MAX_BYTES} (nearly every crate) is inflated in one native call, its trailer
 * (CRC-32, size) checked. Anything else (a bigger or corrupt stream, trailing bytes, a second
 * member, an unusual header) goes through `DecompressionStream`, fed 4 KiB at a time so that it
 * stops within about 4 MiB of the cap however the input was built, and whose errors are reported
 * exactly where they occur. Both paths give the same listing for a well-formed crate.
 *
 * **Names as cargo reads them.** Cargo unpacks a crate with the Rust `tar` crate (tar-rs): every
 * entry is named, sized and typed here exactly as tar-rs does it (extended headers applied only
 * from ustar and GNU header blocks, GNU long name before pax `path` before the header, the first
 * of a repeated pax key, a pax `size` for the next header of any type, the ustar prefix only under
 * `ustar\0` version `00`). Wherever that reading is in doubt, or another reader would name an
 * entry otherwise (one entry named two ways, a repeated pax key, an extended header tar-rs does
 * not apply, an odd magic or version), the archive is `crate-archive-malformed`: the listing shows
 * what cargo would unpack, and the problem says what else the entry could be read as.
 *
 * The tar reader is this module's own. nanotar (npm) was considered and not used: it silently
 * rewrites `..`, absolute and backslashed paths instead of reporting them, inflates the whole
 * stream into memory with no cap, never reads link targets or the ustar prefix, does not verify
 * header checksums, misreads pax records whose values contain spaces, ignores a `Uint8Array`'s
 * offset into its buffer, and stops silently at truncation.
 * @module
 */
import { crc32, inflateRawSync } from "node:zlib";
import { releaseBuffer } from "../crypto/bytes.ts";
import { AttestError } from "../errors.ts";
import {
  MAX_CRATE_COMPRESSION_RATIO,
  MAX_CRATE_ENTRIES,
  MAX_CRATE_FILE_BYTES,
  MAX_CRATE_METADATA_FILE_BYTES,
  MAX_CRATE_UNPACKED_BYTES,
  MAX_TAR_EXTENDED_HEADER_BYTES,
} from "../limits.ts";
import { type GitBlobHasher, gitBlobSha1, startGitBlobSha1 } from "./git_blob.ts";

/** Stable codes of {@link ArchiveProblem}s. */
export type CrateArchiveProblemCode =
  /** A path with a `..`, `.` or empty component, a backslash or a NUL. */
  | "crate-archive-path-escape"
  /** A path starting with `/` or a drive letter. */
  | "crate-archive-absolute-path"
  /** An entry that is not under `NAME-VERSION/`. */
  | "crate-archive-outside-root"
  /** A hard link, device, FIFO, sparse file or entry of an unknown type. */
  | "crate-archive-special-file"
  /** A symbolic link (cargo stores the content of linked files, never links). */
  | "crate-archive-symlink"
  /** A path archived twice, or used both as a file and as a directory. */
  | "crate-archive-duplicate"
  /** Entries, one file or an extended header beyond the caps; reading stopped. */
  | "crate-archive-too-large"
  /** The gzip stream inflates past the cap; decompression stopped. */
  | "crate-archive-gzip-bomb"
  /**
   * A truncated or corrupt gzip or tar stream, an entry whose name, size or kind tar-rs (cargo)
   * reads otherwise than another reader would, or a crate without `Cargo.toml`.
   */
  | "crate-archive-malformed"
  /** `.cargo_vcs_info.json` is not the JSON cargo writes. */
  | "crate-archive-vcs-info-malformed";

/** One way the archive breaks the rules of a well-formed crate. */
export interface ArchiveProblem {
  /** Stable kebab-case code. */
  readonly code: CrateArchiveProblemCode;
  /** What is wrong, for a person; paths are quoted JSON-style (no raw control characters). */
  readonly message: string;
  /**
   * The entry's path as written in the archive, when the problem is about one entry. Raw: it may
   * hold control characters, so escape it before printing (the message already does).
   */
  readonly entry?: string;
}

/** One file of the crate. */
export interface CrateFile {
  /** Relative to the crate root (`NAME-VERSION/` removed), `/`-separated: `src/lib.rs`. */
  path: string;
  /** Content size in bytes (for a symlink, the length of its target). */
  size: number;
  /**
   * The Git blob id of the content (for a symlink, of its target, as Git stores links), so it
   * can be compared with a Git tree entry.
   */
  gitBlob: string;
  /** A regular file, or a symbolic link (always also reported as `crate-archive-symlink`). */
  kind: "file" | "symlink";
  /** A symlink's target, as written. */
  linkTarget?: string;
  /** Whether any execute bit is set in the entry's mode (Git records it as mode 100755). */
  executable: boolean;
  /**
   * Written by cargo rather than copied from the source tree: `.cargo_vcs_info.json`,
   * `Cargo.lock` and, when a `Cargo.toml.orig` sits beside it, `Cargo.toml` (the normalized
   * manifest; the original is `Cargo.toml.orig`). Only at the crate root. Files cargo copied from
   * outside the package directory (a `readme` or `license-file` in a parent directory) are not
   * marked: only the manifest says where they came from.
   */
  generated: boolean;
  /**
   * The file's bytes, when kept (small files, within the archive's budget of
   * {@link MAX_KEPT_CRATE_BYTES}): they let a source comparison decide line-ending differences
   * without fetching anything.
   */
  bytes?: Uint8Array;
}

/** `.cargo_vcs_info.json`: the commit cargo packaged from. */
export interface CrateVcsInfo {
  /** The commit id (40 or 64 lowercase hex characters), when recorded and well-formed. */
  sha1?: string;
  /** Whether cargo packaged from a working tree with uncommitted changes. */
  dirty: boolean;
  /** The package's directory inside the repository (`""` for the repository root). */
  pathInVcs: string;
  /** The parsed JSON as written. */
  raw: unknown;
}

/** What a `.crate` holds, and what is wrong with it. */
export interface CrateArchive {
  /** The files, in archive order (entries with problems that could escape are not listed). */
  files: CrateFile[];
  /** The parsed `.cargo_vcs_info.json` at the crate root, when there is one. */
  vcsInfo?: CrateVcsInfo;
  /** The text of `Cargo.toml.orig` at the crate root, when there is one. */
  cargoTomlOrig?: string;
  /** Every breach of the rules of a well-formed crate (empty for a good crate). */
  problems: ArchiveProblem[];
  /** Problems found beyond the {@link MAX_CRATE_PROBLEMS} kept. */
  omittedProblems: number;
  /** Bytes the gzip stream inflated to before reading ended (or stopped at a cap). */
  unpackedBytes: number;
}

/** Overrides of the caps (tests use them; the defaults come from `lib/limits.ts`). */
export interface CrateArchiveOptions {
  /**
   * Most bytes the gzip stream may inflate to. Default: the larger of
   * {@link MAX_CRATE_UNPACKED_BYTES} and {@link MAX_CRATE_COMPRESSION_RATIO} × the input size.
   */
  maxUnpackedBytes?: number;
  /** Most entries. Default {@link MAX_CRATE_ENTRIES}. */
  maxEntries?: number;
  /** Largest single file. Default {@link MAX_CRATE_FILE_BYTES}. */
  maxFileBytes?: number;
}

/** Files up to this size keep their bytes in {@link CrateFile.bytes}. */
export const MAX_KEPT_CRATE_FILE_BYTES = 1024 * 1024;

/** At most this many bytes of one crate's files are kept in memory. */
export const MAX_KEPT_CRATE_BYTES = 4 * 1024 * 1024;

/** At most this many problems are kept; {@link CrateArchive.omittedProblems} counts the rest. */
export const MAX_CRATE_PROBLEMS = 100;

/**
 * The input is no crate at all: not gzip (`crate-archive-not-gzip`) or gzip of something that is
 * not a tar archive (`crate-archive-not-tar`). A caller verifying a crate turns it into a failed
 * check with the same code; uncaught, it is a run error (exit 3).
 */
export class CrateArchiveError extends AttestError {
  override name = "CrateArchiveError";
  declare readonly code: "crate-archive-not-gzip" | "crate-archive-not-tar";

  constructor(
    code: "crate-archive-not-gzip" | "crate-archive-not-tar",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, {
      cause: options?.cause,
      hint:
        "check that the download is the .crate file itself (not an error page or a mirror's index)",
    });
  }
}

/**
 * Reads a `.crate` in memory and lists its files. `expected` names the crate: every entry must lie
 * under `NAME-VERSION/`. Never throws for a bad archive (its problems are in the result), only
 * {@link CrateArchiveError} for input that is not a gzip-compressed tar archive at all.
 *
 * @example
 * ```ts
 * const archive = await readCrateArchive(bytes, { name: "serde", version: "1.0.200" });
 * if (archive.problems.length > 0) console.log(archive.problems[0].code);
 * const lib = archive.files.find((f) => f.path === "src/lib.rs")?.gitBlob;
 * ```
 */
export async function readCrateArchive(
  bytes: Uint8Array,
  expected: { name: string; version: string },
  options: CrateArchiveOptions = {},
): Promise<CrateArchive> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) {
    throw new CrateArchiveError(
      "crate-archive-not-gzip",
      `${expected.name}-${expected.version}.crate is not gzip-compressed (${
        bytes.length === 0 ? "it is empty" : `it starts with ${describeStart(bytes)}`
      }): it is not a .crate file`,
    );
  }
  const reader = new ArchiveReader(expected, {
    maxUnpackedBytes: options.maxUnpackedBytes ??
      Math.max(MAX_CRATE_UNPACKED_BYTES, bytes.length * MAX_CRATE_COMPRESSION_RATIO),
    maxEntries: options.maxEntries ?? MAX_CRATE_ENTRIES,
    maxFileBytes: options.maxFileBytes ?? MAX_CRATE_FILE_BYTES,
  });
  return await reader.read(bytes);
}

// ---------------------------------------------------------------------------------------------
// Decompression with a cap

/** Compressed bytes fed per step: deflate inflates at most ~1032:1, so ≤ ~4 MiB out per step. */
const INFLATE_INPUT_SLICE = 4096;
const BLOCK = 512;
const EMPTY = new Uint8Array(0);

/** Stops reading: the problem that says why has been recorded already. */
class Halt extends Error {
  constructor() {
    super("archive reading stopped");
  }
}

/** The gzip stream failed to inflate (corrupt or truncated). */
class GzipFailure extends Error {}

/** The gzip stream inflated past the cap. */
class InflateCapExceeded extends Error {}

/** Largest output inflated in one native call (larger streams are inflated as a stream). */
export const FAST_INFLATE_MAX_BYTES = 16 * 1024 * 1024;

/** gzip header flags (RFC 1952). */
const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

/**
 * The whole output of `input` when it is exactly one clean gzip member (deflate, known flags, the
 * deflate stream ending 8 bytes before the input does, CRC-32 and size matching) that inflates
 * to at most `cap` and {@link FAST_INFLATE_MAX_BYTES}; undefined for anything else (the caller
 * then inflates it as a stream, which reports what is wrong and where).
 */
function inflateWholeMember(input: Uint8Array, cap: number): Uint8Array | undefined {
  const start = gzipHeaderLength(input);
  if (start === undefined) return undefined;
  // The trailer's size field (when honest) lets the output come in one chunk instead of many.
  const claimed = new DataView(input.buffer, input.byteOffset + input.length - 4, 4)
    .getUint32(0, true);
  let inflated: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    inflated = inflateRawSync(
      input.subarray(start),
      {
        info: true,
        maxOutputLength: Math.min(cap, FAST_INFLATE_MAX_BYTES),
        chunkSize: Math.min(Math.max(claimed + 1, 64 * 1024), 4 * 1024 * 1024),
      } as Parameters<typeof inflateRawSync>[1],
    ) as unknown as typeof inflated;
  } catch {
    return undefined;
  }
  const { buffer, engine } = inflated;
  const trailer = start + engine.bytesWritten;
  if (trailer + 8 !== input.length) return undefined;
  const view = new DataView(input.buffer, input.byteOffset + trailer, 8);
  if (view.getUint32(0, true) !== crc32(buffer) >>> 0) return undefined;
  if (view.getUint32(4, true) !== buffer.length % 2 ** 32) return undefined;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** The inflated buffer an archive's kept bytes are views of (see {@link releaseCrateArchive}). */
const sharedMemory = new WeakMap<CrateArchive, ArrayBuffer>();

/**
 * Frees the memory of an archive's kept file bytes now, rather than when the collector next runs:
 * afterwards every `CrateFile.bytes` of it is empty. For when the archive's checks are done.
 */
export function releaseCrateArchive(archive: CrateArchive): void {
  releaseBuffer(sharedMemory.get(archive));
  sharedMemory.delete(archive);
}

/** Smallest buffer freed by hand (smaller ones might be slices of a shared pool). */
const MIN_OWNED_BYTES = 64 * 1024;

/**
 * The buffer under {@link inflateWholeMember}'s output when it is the one that call allocated
 * (the view starts it, and it is the output's size plus one byte, or the 64 KiB minimum chunk),
 * too large to be part of a shared pool; else undefined.
 */
function ownedBuffer(view: Uint8Array): ArrayBuffer | undefined {
  const buffer = view.buffer;
  if (!(buffer instanceof ArrayBuffer) || view.byteOffset !== 0) return undefined;
  if (
    buffer.byteLength < MIN_OWNED_BYTES || buffer.byteLength > view.byteLength + MIN_OWNED_BYTES
  ) {
    return undefined;
  }
  return buffer;
}

/** Length of a gzip member's header, when it is one this module knows; else undefined. */
function gzipHeaderLength(input: Uint8Array): number | undefined {
  if (input.length < 18 || input[0] !== 0x1f || input[1] !== 0x8b || input[2] !== 8) {
    return undefined;
  }
  const flags = input[3];
  if (flags & 0xe0) return undefined;
  let at = 10;
  if (flags & FEXTRA) {
    if (at + 2 > input.length) return undefined;
    at += 2 + (input[at] | (input[at + 1] << 8));
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const end = input.indexOf(0, at);
    if (end < 0) return undefined;
    at = end + 1;
  }
  if (flags & FHCRC) at += 2;
  return at < input.length ? at : undefined;
}

/** Pulls inflated bytes, counting them against the cap, as runs of at most a given length. */
class Inflater {
  /** Bytes inflated so far. */
  produced = 0;
  /** Bytes handed out so far (the offset in the tar stream). */
  consumed = 0;
  /** Undefined when the whole stream was inflated at once. */
  private readonly reader: ReadableStreamDefaultReader<Uint8Array<ArrayBuffer>> | undefined;
  private chunk: Uint8Array = EMPTY;
  private pos = 0;
  private ended = false;
  /**
   * The parts handed out may be kept (they are views of one inflated buffer, which the archive
   * then owns: see {@link releaseCrateArchive}): true when the whole member was inflated at once
   * into at most {@link MAX_KEPT_CRATE_BYTES}. Otherwise parts are valid only until the next call.
   */
  readonly sharesOutput: boolean = false;
  /**
   * The buffer of a member inflated at once (when it is this inflater's own): freed by
   * {@link cancel} unless {@link sharesOutput}, when the archive frees it.
   */
  readonly wholeBuffer: ArrayBuffer | undefined;

  constructor(input: Uint8Array, private readonly cap: number) {
    const whole = inflateWholeMember(input, cap);
    if (whole !== undefined) {
      this.chunk = whole;
      this.sharesOutput = whole.length <= MAX_KEPT_CRATE_BYTES;
      this.wholeBuffer = ownedBuffer(whole);
      this.produced = whole.length;
      this.ended = true;
      this.reader = undefined;
      return;
    }
    let fed = 0;
    const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull(controller) {
        if (fed >= input.length) {
          controller.close();
          return;
        }
        const end = Math.min(input.length, fed + INFLATE_INPUT_SLICE);
        controller.enqueue(input.slice(fed, end));
        fed = end;
      },
    }, { highWaterMark: 0 });
    this.reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  }

  /** The next run of at most `max` bytes; `null` at the clean end of the gzip stream. */
  async next(max: number): Promise<Uint8Array | null> {
    while (this.pos >= this.chunk.length) {
      if (this.ended) return null;
      let result: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>;
      try {
        result = await this.reader!.read();
      } catch (cause) {
        this.ended = true;
        throw new GzipFailure(cause instanceof Error ? cause.message : String(cause), { cause });
      }
      if (result.done) {
        this.ended = true;
        return null;
      }
      this.produced += result.value.length;
      if (this.produced > this.cap) {
        this.chunk = EMPTY;
        throw new InflateCapExceeded();
      }
      this.chunk = result.value;
      this.pos = 0;
    }
    const n = Math.min(max, this.chunk.length - this.pos);
    const out = this.chunk.subarray(this.pos, this.pos + n);
    this.pos += n;
    this.consumed += n;
    return out;
  }

  /**
   * Stops decompression (idempotent) and frees what was inflated: every part handed out must have
   * been consumed (hashed, or copied) by then.
   */
  async cancel(): Promise<void> {
    this.chunk = EMPTY;
    if (!this.sharesOutput) releaseBuffer(this.wholeBuffer);
    if (this.ended) return;
    this.ended = true;
    try {
      await this.reader?.cancel();
    } catch {
      // Already errored or closed: nothing left to stop.
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The tar reader

interface Caps {
  maxUnpackedBytes: number;
  maxEntries: number;
  maxFileBytes: number;
}

/** A header with its extended (pax, GNU) fields applied, as tar-rs applies them. */
interface Entry {
  /** The path as tar-rs reads it (GNU long name, else pax path, else the header's). */
  name: string;
  /** The type flag character (`"0"` for `\0` too). */
  type: string;
  size: number;
  linkName: string;
  mode: number;
  /** GNU sparse keys in a pax header: the data is a sparse map, not the content. */
  sparse: boolean;
}

type PathKind = "file" | "symlink" | "dir";

const GENERATED_AT_ROOT = new Set([".cargo_vcs_info.json", "Cargo.lock"]);
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

class ArchiveReader {
  private readonly root: string;
  private readonly files: CrateFile[] = [];
  private readonly problems: ArchiveProblem[] = [];
  private omittedProblems = 0;
  private readonly kinds = new Map<string, PathKind>();
  private vcsInfoBytes?: Uint8Array;
  private cargoTomlOrigBytes?: Uint8Array;
  private entries = 0;
  private inflater!: Inflater;

  constructor(
    private readonly expected: { name: string; version: string },
    private readonly caps: Caps,
  ) {
    this.root = `${expected.name}-${expected.version}`;
  }

  async read(bytes: Uint8Array): Promise<CrateArchive> {
    this.inflater = new Inflater(bytes, this.caps.maxUnpackedBytes);
    let complete = false;
    try {
      await this.readEntries();
      complete = true;
    } catch (e) {
      if (e instanceof GzipFailure) {
        this.report(
          "crate-archive-malformed",
          `the gzip stream is truncated or corrupt after ${this.inflater.produced} inflated bytes (${e.message})`,
        );
      } else if (e instanceof InflateCapExceeded) {
        this.report(
          "crate-archive-gzip-bomb",
          `the gzip stream inflates to more than ${this.caps.maxUnpackedBytes} bytes ` +
            `(the cap); decompression stopped at ${this.inflater.produced} bytes, ` +
            `${this.inflater.consumed} of them tar content`,
        );
      } else if (!(e instanceof Halt)) {
        await this.inflater.cancel();
        throw e;
      }
    } finally {
      await this.inflater.cancel();
    }

    this.markGenerated();
    this.checkFileDirectoryConflicts();
    if (complete && !this.kinds.has("Cargo.toml")) {
      this.report(
        "crate-archive-malformed",
        `there is no ${this.root}/Cargo.toml: cargo always packages the manifest`,
      );
    }
    const archive: CrateArchive = {
      files: this.files,
      problems: this.problems,
      omittedProblems: this.omittedProblems,
      unpackedBytes: this.inflater.produced,
    };
    if (this.vcsInfoBytes !== undefined) {
      const vcsInfo = this.parseVcsInfo(this.vcsInfoBytes);
      if (vcsInfo !== undefined) archive.vcsInfo = vcsInfo;
    }
    if (this.cargoTomlOrigBytes !== undefined) {
      try {
        archive.cargoTomlOrig = utf8Fatal.decode(this.cargoTomlOrigBytes);
      } catch {
        this.report(
          "crate-archive-malformed",
          "Cargo.toml.orig is not UTF-8 text",
          "Cargo.toml.orig",
        );
      }
    }
    if (this.inflater.sharesOutput && this.inflater.wholeBuffer) {
      sharedMemory.set(archive, this.inflater.wholeBuffer);
    }
    return archive;
  }

  private report(code: CrateArchiveProblemCode, message: string, entry?: string): void {
    if (this.problems.length >= MAX_CRATE_PROBLEMS) {
      this.omittedProblems++;
      return;
    }
    this.problems.push(entry === undefined ? { code, message } : { code, message, entry });
  }

  /** Records a problem that makes the rest of the stream untrustworthy, and stops. */
  private halt(code: CrateArchiveProblemCode, message: string, entry?: string): never {
    this.report(code, message, entry);
    throw new Halt();
  }

  // -- reading primitives ----------------------------------------------------------------------

  /**
   * Exactly `n` bytes (a view when the inflated output is shared, else a copy), or `null` when the
   * stream ends cleanly before the first byte.
   * A stream that ends part-way through is truncated: a problem, and reading stops.
   */
  private async readExact(n: number, what: string): Promise<Uint8Array | null> {
    if (this.inflater.sharesOutput) {
      // One inflated buffer that lives as long as the archive: a view will do (a header is read
      // often).
      const part = await this.inflater.next(n);
      if (part === null) return null;
      if (part.length === n) return part;
      this.truncated(what, n - part.length);
    }
    const out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const part = await this.inflater.next(n - filled);
      if (part === null) {
        if (filled === 0) return null;
        this.truncated(what, n - filled);
      }
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  /** Streams `n` bytes to `sink` (or drops them); truncation is a problem and stops reading. */
  private async readData(n: number, what: string, sink?: (part: Uint8Array) => void) {
    let left = n;
    while (left > 0) {
      const part = await this.inflater.next(Math.min(left, 1 << 20));
      if (part === null) this.truncated(what, left);
      sink?.(part);
      left -= part.length;
    }
  }

  private truncated(what: string, missing: number): never {
    this.halt(
      "crate-archive-malformed",
      `the tar stream ends inside ${what} (${missing} more bytes were declared)`,
    );
  }

  private async skipPadding(size: number, what: string): Promise<void> {
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) await this.readData(pad, `the padding of ${what}`);
  }

  // -- the entry loop --------------------------------------------------------------------------

  /**
   * Reads every entry, resolving its name, link target and size exactly as tar-rs (the `tar`
   * crate cargo unpacks with) does, and reporting `crate-archive-malformed` wherever that reading
   * is in doubt or another reader would name the entry differently:
   *
   * - Extended headers (`x` pax, `L` GNU long name, `K` GNU long link) apply to the next entry
   *   only from a POSIX ustar (`ustar\0` `00`) or GNU (`ustar ` ` \0`) header block. In any
   *   other block (v7, or a ustar magic with another version) tar-rs returns them as entries of
   *   their own and applies nothing; a pax global header (`g`) is never applied by tar-rs, always
   *   returned as an entry. Each is reported, and read as tar-rs reads it.
   * - The name is the GNU long name, else the pax `path`, else the header's (with the ustar
   *   prefix only in a ustar header). Both a long name and a pax path, or an extension's name the
   *   header's name is not a shortened form (a prefix) of, is an entry named twice.
   * - A pax header's first record of a key is the one tar-rs uses: a key given twice is reported,
   *   and so is a record holding a newline (tar-rs splits records at newlines, not by length).
   * - A pax `size` replaces the size of the next header tar-rs reads, whatever its type (a long
   *   name's too); one that differs from the header's is reported (readers that skip the pax
   *   header would read another stream).
   * - Two pax headers, or two long names, before one entry, and extended headers with no entry
   *   after them, make tar-rs refuse the archive: reported, and reading stops.
   */
  private async readEntries(): Promise<void> {
    let pax: PaxRecords | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    /** Offsets of the extended headers waiting for their entry (-1: none). */
    let pendingAt = -1;
    const kindAt: Record<string, number> = { x: -1, L: -1, K: -1 };
    let first = true;

    while (true) {
      const offset = this.inflater.consumed;
      const header = await this.readHeaderBlock(first);
      if (header === null) {
        // A clean end without the end-of-archive marker.
        if (first) this.notTar("the gzip stream is empty");
        this.halt(
          "crate-archive-malformed",
          "the tar stream ends without its end-of-archive marker (it was cut short)",
        );
      }
      if (isZeroBlock(header)) {
        if (pendingAt >= 0) {
          this.report(
            "crate-archive-malformed",
            `the extended header (pax or GNU long name) at offset ${pendingAt} is not followed ` +
              "by an entry (tar-rs refuses the archive)",
          );
        }
        await this.drainAfterEnd();
        return;
      }
      const sum = checksumKind(header);
      if (sum !== "unsigned") {
        if (first && sum === undefined) {
          this.notTar("its first block is not a tar header (the header checksum does not match)");
        }
        this.halt(
          "crate-archive-malformed",
          sum === undefined
            ? `the tar header at offset ${offset} is corrupt (its checksum does not match)`
            : `the tar header at offset ${offset} has a checksum that matches only when its ` +
              "bytes are summed as signed numbers, which tar-rs (cargo) rejects",
        );
      }
      first = false;

      const typeByte = header[156];
      const type = typeByte === 0 ? "0" : String.fromCharCode(typeByte);
      const headerSize = readNumber(header, 124, 12, true);
      if (headerSize === undefined) {
        this.halt(
          "crate-archive-malformed",
          `the tar header at offset ${offset} has a size field that is not a number`,
        );
      }
      // A pending pax size replaces the size of whatever header comes next (tar-rs).
      let size = headerSize;
      if (pax?.size !== undefined) {
        size = pax.size;
        if (size !== headerSize) {
          this.report(
            "crate-archive-malformed",
            `the pax header at offset ${kindAt.x} sets a size of ${size} bytes for the header at ` +
              `offset ${offset}, which declares ${headerSize}: readers that skip the pax header ` +
              "read another stream",
          );
        }
      }
      const format = headerFormat(header);
      if (format !== USTAR && format !== GNU && format !== V7) {
        this.report(
          "crate-archive-malformed",
          `the tar header at offset ${offset} has magic ${format}: not a ustar or GNU header ` +
            "to tar-rs, which reads only its name field and applies no extended header from it",
        );
      }
      if (format !== USTAR && header[345] !== 0) {
        this.report(
          "crate-archive-malformed",
          `the tar header at offset ${offset} is not a ustar header but has a ustar prefix ` +
            "field: tar-rs ignores it, other readers put it before the name",
        );
      }
      const extension = type === "x" || type === "g" || type === "L" || type === "K";

      // Extended headers tar-rs applies: read their data, keep them for the next entry.
      if (extension && type !== "g" && (format === USTAR || format === GNU)) {
        if (kindAt[type] >= 0) {
          this.halt(
            "crate-archive-malformed",
            `the extended header (type ${type}) at offset ${offset} is the second of its kind ` +
              `for one entry (the first is at offset ${kindAt[type]}): tar-rs refuses the archive`,
          );
        }
        if (size > MAX_TAR_EXTENDED_HEADER_BYTES) {
          this.halt(
            "crate-archive-too-large",
            `an extended header (type ${type}) at offset ${offset} declares ${size} bytes, ` +
              `over the cap of ${MAX_TAR_EXTENDED_HEADER_BYTES}`,
          );
        }
        const what = `the extended header at offset ${offset}`;
        const data = size === 0
          ? EMPTY
          : (await this.readExact(size, what)) ?? this.truncated(what, size);
        await this.skipPadding(size, what);
        if (pendingAt < 0) pendingAt = offset;
        kindAt[type] = offset;
        if (type === "x") {
          const records = parsePax(data);
          if (typeof records === "string") {
            this.halt("crate-archive-malformed", `the pax header at offset ${offset} ${records}`);
          }
          for (const [key, kept, later] of records.repeated ?? []) {
            this.report(
              "crate-archive-malformed",
              `the pax header at offset ${offset} gives ${show(key)} twice (${show(kept)}, ` +
                `then ${show(later)}): tar-rs takes the first, other readers the last`,
            );
          }
          pax = records;
        } else {
          const text = decodeLongName(data);
          if (text === undefined) {
            this.halt(
              "crate-archive-malformed",
              `the GNU long ${type === "L" ? "name" : "link"} at offset ${offset} is not UTF-8`,
            );
          }
          if (type === "L") longName = text;
          else longLink = text;
        }
        continue;
      }

      // An entry: tar-rs names it by the GNU long name, else the pax path, else its header.
      const headerPath = readHeaderPath(header, format === USTAR);
      const headerLink = decodeField(header, 157, 100);
      const paxPath = pax?.records.get("path");
      const paxLink = pax?.records.get("linkpath");
      const name = longName ?? paxPath ?? headerPath;
      const linkName = longLink ?? paxLink ?? headerLink;
      const sparse = pax?.sparse === true;
      if (pendingAt >= 0) {
        this.checkNamedOnce(offset, "name", longName, paxPath, headerPath);
        this.checkNamedOnce(offset, "link target", longLink, paxLink, headerLink);
      }
      if (pendingAt >= 0) {
        pax = longName = longLink = undefined;
        pendingAt =
          kindAt.x =
          kindAt.L =
          kindAt.K =
            -1;
      }
      if (extension) {
        this.report(
          "crate-archive-malformed",
          type === "g"
            ? `the pax global header at offset ${offset} is one tar-rs never applies: it reads ` +
              `it as an entry (named ${show(name ?? "")}), which cargo refuses or skips`
            : `the extended header (type ${type}) at offset ${offset} is in a header block ` +
              "that is not ustar or GNU: tar-rs does not apply it to the next entry but reads " +
              `it as an entry of its own (named ${show(name ?? "")})`,
        );
        await this.skipEntryData(size, `the entry at offset ${offset}`);
        continue;
      }
      if (name === undefined || linkName === undefined || headerPath === undefined) {
        this.report(
          "crate-archive-malformed",
          `the entry at offset ${offset} has a name or link target that is not UTF-8`,
        );
        await this.skipEntryData(size, `the entry at offset ${offset}`);
        continue;
      }
      const mode = readNumber(header, 100, 8, false) ?? 0;
      await this.readEntry({ name, type, size, linkName, mode, sparse });
    }
  }

  /**
   * Reports an entry's name (or link target) that extended headers give twice: a GNU long one
   * and a pax one (tar-rs takes the long one), or one the header's own is not a shortened form of
   * (readers that ignore the extension read another name). `what` is "name" or "link target".
   */
  private checkNamedOnce(
    offset: number,
    what: string,
    long: string | undefined,
    pax: string | undefined,
    header: string | undefined,
  ): void {
    if (long !== undefined && pax !== undefined) {
      this.report(
        "crate-archive-malformed",
        `the entry at offset ${offset} has two ${what}s: the GNU long ${
          what === "name" ? "name" : "link"
        } ${show(long)} and the pax ${what === "name" ? "path" : "linkpath"} ${show(pax)} ` +
          "(tar-rs takes the GNU one, other readers the pax one)",
        long,
      );
      return;
    }
    const extended = long ?? pax;
    if (extended === undefined || header === undefined || extended.startsWith(header)) return;
    this.report(
      "crate-archive-malformed",
      `the entry at offset ${offset} has the ${what} ${show(extended)} in its ${
        long !== undefined ? "GNU long name" : "pax header"
      } but ${show(header)} in its header, which is no shortened form of it: readers that ` +
        "ignore the extended header read another one",
      extended,
    );
  }

  /** A header block, or `null` at a clean end; on the first block, a short stream is no tar. */
  private async readHeaderBlock(first: boolean): Promise<Uint8Array | null> {
    if (!first) return await this.readExact(BLOCK, "a tar header");
    const out = new Uint8Array(BLOCK);
    let filled = 0;
    while (filled < BLOCK) {
      const part = await this.inflater.next(BLOCK - filled);
      if (part === null) {
        if (filled === 0) return null;
        this.notTar(`the gzip stream holds only ${filled} bytes, less than one tar block`);
      }
      out.set(part, filled);
      filled += part.length;
    }
    return out;
  }

  private notTar(why: string): never {
    throw new CrateArchiveError(
      "crate-archive-not-tar",
      `${this.root}.crate is gzip, but not a tar archive: ${why}`,
    );
  }

  private async skipEntryData(size: number, what: string): Promise<void> {
    this.checkTotal(size, what);
    await this.readData(size, what);
    await this.skipPadding(size, what);
  }

  /** Stops before inflating an entry whose declared size alone passes the total cap. */
  private checkTotal(size: number, what: string): void {
    const needed = this.inflater.consumed + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    if (needed > this.caps.maxUnpackedBytes) {
      this.halt(
        "crate-archive-too-large",
        `${what} declares ${size} bytes, which would take the crate past ` +
          `${this.caps.maxUnpackedBytes} unpacked bytes (the cap)`,
      );
    }
  }

  private async readEntry(entry: Entry): Promise<void> {
    const shown = show(entry.name);
    const what = `entry ${shown}`;
    this.entries++;
    if (this.entries > this.caps.maxEntries) {
      this.halt(
        "crate-archive-too-large",
        `the crate has more than ${this.caps.maxEntries} entries (the cap)`,
      );
    }
    if (entry.size > this.caps.maxFileBytes) {
      this.halt(
        "crate-archive-too-large",
        `${what} declares ${entry.size} bytes, over the cap of ${this.caps.maxFileBytes} for one file`,
        entry.name,
      );
    }
    this.checkTotal(entry.size, what);

    const kind = entryKind(entry);
    const path = this.checkPath(entry.name, kind === "dir");
    if (path === undefined) {
      await this.skipEntryData(entry.size, what);
      return;
    }

    switch (kind) {
      case "dir":
        if (path !== "") this.claim(path, "dir", entry.name);
        await this.skipEntryData(entry.size, what);
        return;
      case "file":
        await this.readFile(entry, path, what);
        return;
      case "symlink": {
        this.report(
          "crate-archive-symlink",
          `${what} is a symbolic link to ${show(entry.linkName)}; cargo archives the content of ` +
            `linked files, never links${
              linkEscapes(path, entry.linkName) ? " (and this one points outside the crate)" : ""
            }`,
          entry.name,
        );
        await this.skipEntryData(entry.size, what);
        if (!this.claim(path, "symlink", entry.name)) return;
        const target = new TextEncoder().encode(entry.linkName);
        this.files.push({
          path,
          size: target.length,
          gitBlob: gitBlobSha1(target),
          kind: "symlink",
          linkTarget: entry.linkName,
          executable: false,
          generated: false,
        });
        return;
      }
      default:
        this.report(
          "crate-archive-special-file",
          `${what} is ${kind}, which a crate never holds`,
          entry.name,
        );
        await this.skipEntryData(entry.size, what);
    }
  }

  private keptBytes = 0;

  private async readFile(entry: Entry, path: string, what: string): Promise<void> {
    const keep = path === ".cargo_vcs_info.json" || path === "Cargo.toml.orig";
    // What cargo writes (the normalized manifest, the lock file) is checked from its bytes, so
    // those are kept whatever files came before them.
    const written = path === "Cargo.toml" || path === "Cargo.lock";
    const retain = entry.size <= MAX_KEPT_CRATE_FILE_BYTES &&
      (written || this.keptBytes + entry.size <= MAX_KEPT_CRATE_BYTES);
    const claimed = this.claim(path, "file", entry.name);
    if (!claimed) {
      await this.skipEntryData(entry.size, what);
      return;
    }
    if (keep && entry.size > MAX_CRATE_METADATA_FILE_BYTES) {
      this.report(
        "crate-archive-too-large",
        `${what} has ${entry.size} bytes, over the cap of ${MAX_CRATE_METADATA_FILE_BYTES} for it`,
        entry.name,
      );
    }
    const keeping = (keep && entry.size <= MAX_CRATE_METADATA_FILE_BYTES) || retain;
    // Inflated in one piece and small, the crate's memory is shared by the files kept (views, no
    // copies); anything else is copied, and the inflated bytes are freed once read.
    const shared = this.inflater.sharesOutput;
    let kept: Uint8Array | undefined;
    if (retain) this.keptBytes += entry.size;
    let filled = 0;
    const hasher: GitBlobHasher = startGitBlobSha1(entry.size);
    await this.readData(entry.size, what, (part) => {
      hasher.update(part);
      if (keeping) {
        if (filled === 0 && shared && part.length === entry.size) kept = part;
        else (kept ??= new Uint8Array(entry.size)).set(part, filled);
      }
      filled += part.length;
    });
    if (keeping && entry.size === 0) kept = new Uint8Array(0);
    await this.skipPadding(entry.size, what);
    if (kept !== undefined && keep) {
      if (path === ".cargo_vcs_info.json") this.vcsInfoBytes = kept;
      else this.cargoTomlOrigBytes = kept;
    }
    this.files.push({
      path,
      size: entry.size,
      gitBlob: hasher.digest(),
      kind: "file",
      executable: (entry.mode & 0o111) !== 0,
      generated: false,
      ...(retain && kept !== undefined && filled === entry.size ? { bytes: kept } : {}),
    });
  }

  /** Records a path; a path seen before (other than a repeated directory) is a duplicate. */
  private claim(path: string, kind: PathKind, entryName: string): boolean {
    const before = this.kinds.get(path);
    if (before === undefined) {
      this.kinds.set(path, kind);
      return true;
    }
    if (before === "dir" && kind === "dir") return true;
    this.report(
      "crate-archive-duplicate",
      `${show(entryName)} is archived more than once (as a ${
        before === "dir" ? "directory" : before
      } ` +
        `and as a ${
          kind === "dir" ? "directory" : kind
        }); which copy is meant depends on the tool ` +
        `that unpacks it`,
      entryName,
    );
    return false;
  }

  /**
   * The path relative to the crate root, or `undefined` (with a problem reported) when it could
   * escape or is not under the root. `""` is the root directory itself.
   */
  private checkPath(name: string, isDir: boolean): string | undefined {
    const shown = show(name);
    if (name.includes("\0") || name.includes("\\")) {
      this.report(
        "crate-archive-path-escape",
        `entry ${shown} has a ${name.includes("\0") ? "NUL" : "backslash"} in its path`,
        name,
      );
      return undefined;
    }
    if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) {
      this.report("crate-archive-absolute-path", `entry ${shown} has an absolute path`, name);
      return undefined;
    }
    let trimmed = name;
    if (isDir && trimmed.endsWith("/")) trimmed = trimmed.slice(0, -1);
    const parts = trimmed.split("/");
    const bad = parts.find((p) => p === "" || p === "." || p === "..");
    if (bad !== undefined) {
      this.report(
        "crate-archive-path-escape",
        bad === ".."
          ? `entry ${shown} has a ".." component: it would be written outside ${this.root}/`
          : `entry ${shown} has ${bad === "" ? "an empty" : 'a "."'} path component`,
        name,
      );
      return undefined;
    }
    if (parts[0] !== this.root || (parts.length === 1 && !isDir)) {
      this.report(
        "crate-archive-outside-root",
        `entry ${shown} is not under ${this.root}/, the root of ${this.expected.name} ${this.expected.version}`,
        name,
      );
      return undefined;
    }
    return parts.slice(1).join("/");
  }

  /** After the first zero block: the rest must be zeros (counted against the cap). */
  private async drainAfterEnd(): Promise<void> {
    let reported = false;
    while (true) {
      const part = await this.inflater.next(1 << 22);
      if (part === null) return;
      if (!reported && !isAllZero(part)) {
        reported = true;
        this.report(
          "crate-archive-malformed",
          "there is data after the tar end-of-archive marker (tools that unpack the crate ignore it)",
        );
      }
    }
  }

  // -- after reading ---------------------------------------------------------------------------

  private markGenerated(): void {
    const hasOrig = this.kinds.get("Cargo.toml.orig") === "file";
    for (const file of this.files) {
      if (file.kind !== "file") continue;
      file.generated = GENERATED_AT_ROOT.has(file.path) || (hasOrig && file.path === "Cargo.toml");
    }
  }

  /** A path used as a file (or link) and also as a directory holding other entries. */
  private checkFileDirectoryConflicts(): void {
    // Each path's ancestors are looked up by a hash of the prefix, computed as the path is
    // scanned once (slicing every ancestor would cost the square of the depth, and a hostile
    // crate can nest thousands of directories).
    const files = new Map<number, string[]>();
    for (const [path, kind] of this.kinds) {
      if (kind === "dir") continue;
      const h = prefixHash(path, path.length);
      files.set(h, [...(files.get(h) ?? []), path]);
    }
    if (files.size === 0) return;
    for (const path of this.kinds.keys()) {
      let h = 0;
      for (let i = 0; i < path.length; i++) {
        const code = path.charCodeAt(i);
        if (code === 0x2f && i > 0) {
          const candidates = files.get(h);
          const parent = candidates ? path.slice(0, i) : undefined;
          if (parent !== undefined && candidates!.includes(parent)) {
            const kind = this.kinds.get(parent)!;
            this.report(
              "crate-archive-duplicate",
              `${show(`${this.root}/${parent}`)} is a ${kind}, and also the directory of ` +
                `${show(`${this.root}/${path}`)}`,
              `${this.root}/${path}`,
            );
            break;
          }
        }
        h = (Math.imul(h, 31) + code) | 0;
      }
    }
  }

  private parseVcsInfo(bytes: Uint8Array): CrateVcsInfo | undefined {
    const entry = `${this.root}/.cargo_vcs_info.json`;
    const fail = (why: string) =>
      this.report("crate-archive-vcs-info-malformed", `.cargo_vcs_info.json ${why}`, entry);
    let raw: unknown;
    try {
      raw = JSON.parse(utf8Fatal.decode(bytes));
    } catch {
      fail("is not JSON");
      return undefined;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      fail("is not a JSON object");
      return undefined;
    }
    const doc = raw as Record<string, unknown>;
    const info: CrateVcsInfo = { dirty: false, pathInVcs: "", raw };
    const git = doc.git;
    if (git === null || typeof git !== "object" || Array.isArray(git)) {
      fail(git === undefined ? 'has no "git" object' : 'has a "git" that is not an object');
    } else {
      const { sha1, dirty } = git as Record<string, unknown>;
      if (sha1 !== undefined) {
        if (typeof sha1 === "string" && /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha1)) {
          info.sha1 = sha1;
        } else fail(`has a git.sha1 that is not a commit id (${show(String(sha1))})`);
      }
      if (dirty !== undefined) {
        if (typeof dirty === "boolean") info.dirty = dirty;
        else {
          // Unknown means it cannot be trusted to be clean.
          info.dirty = true;
          fail("has a git.dirty that is not true or false");
        }
      }
    }
    const pathInVcs = doc.path_in_vcs;
    if (pathInVcs !== undefined) {
      if (typeof pathInVcs === "string" && isCleanRelativePath(pathInVcs)) {
        info.pathInVcs = pathInVcs;
      } else {
        fail(
          `has a path_in_vcs that is not a relative path inside the repository (${
            show(String(pathInVcs))
          })`,
        );
      }
    }
    return info;
  }
}

// ---------------------------------------------------------------------------------------------
// Tar fields

/** `"file"`, `"dir"`, `"symlink"`, or a description of a special entry ("a FIFO"). */
function entryKind(entry: Entry): string {
  if (entry.sparse) return "a GNU sparse file";
  switch (entry.type) {
    case "0":
    case "7":
      return "file";
    case "5":
      return "dir";
    case "2":
      return "symlink";
    case "1":
      return `a hard link (to ${show(entry.linkName)})`;
    case "3":
      return "a character device";
    case "4":
      return "a block device";
    case "6":
      return "a FIFO";
    default:
      return `an entry of type ${JSON.stringify(entry.type)}`;
  }
}

/**
 * How the header checksum matches: `"unsigned"` (the sum tar-rs checks), `"signed"` (only as some
 * old tars summed, which tar-rs rejects), or `undefined` (it does not).
 */
function checksumKind(header: Uint8Array): "unsigned" | "signed" | undefined {
  const stored = readOctal(header, 148, 8, true);
  if (stored === undefined) return undefined;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return stored === unsigned ? "unsigned" : stored === signed ? "signed" : undefined;
}

/** {@link headerFormat} of a POSIX ustar header (`ustar\0`, version `00`). */
const USTAR = "ustar";
/** {@link headerFormat} of a GNU header (`ustar `, version ` \0`). */
const GNU = "gnu";
/** {@link headerFormat} of a v7 header (no magic: the 8 bytes are zeros). */
const V7 = "v7";

/**
 * The header's format as tar-rs tells it from its magic and version (offsets 257-264):
 * {@link USTAR}, {@link GNU}, {@link V7}, or else a description of the odd bytes
 * (`"ustar\u0000" and version "01"`), which tar-rs reads as a v7 header.
 */
function headerFormat(header: Uint8Array): string {
  if (
    header[257] === 0x75 && header[258] === 0x73 && header[259] === 0x74 &&
    header[260] === 0x61 && header[261] === 0x72
  ) {
    const m = header[262];
    const v0 = header[263];
    const v1 = header[264];
    if (m === 0 && v0 === 0x30 && v1 === 0x30) return USTAR;
    if (m === 0x20 && v0 === 0x20 && v1 === 0) return GNU;
  } else if (isAllZero(header.subarray(257, 265))) {
    return V7;
  }
  const text = (from: number, to: number) =>
    JSON.stringify(String.fromCharCode(...header.subarray(from, to)));
  return `${text(257, 263)} and version ${text(263, 265)}`;
}

/**
 * A numeric field: octal (NUL/space terminated) or GNU base-256; `undefined` when invalid (or,
 * when `digits`, empty: tar-rs rejects an empty size).
 */
function readNumber(
  header: Uint8Array,
  offset: number,
  length: number,
  digits: boolean,
): number | undefined {
  const first = header[offset];
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + header[offset + i];
      if (value > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
    return value;
  }
  return readOctal(header, offset, length, digits);
}

function readOctal(
  header: Uint8Array,
  offset: number,
  length: number,
  needDigits: boolean,
): number | undefined {
  let i = offset;
  const end = offset + length;
  while (i < end && header[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = header[i];
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    if (header[i] !== 0 && header[i] !== 0x20) return undefined;
  }
  return digits === 0 ? (needDigits ? undefined : 0) : value;
}

/** A NUL-terminated UTF-8 field; `undefined` when it is not UTF-8. */
function decodeField(header: Uint8Array, offset: number, length: number): string | undefined {
  const field = header.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  try {
    return utf8Fatal.decode(nul < 0 ? field : field.subarray(0, nul));
  } catch {
    return undefined;
  }
}

/**
 * The header's path as tar-rs reads it: the name field, after the prefix field only in a POSIX
 * ustar header (`ustar` is whether {@link headerFormat} said so).
 */
function readHeaderPath(header: Uint8Array, ustar: boolean): string | undefined {
  const name = decodeField(header, 0, 100);
  if (!ustar || name === undefined) return name;
  const prefix = decodeField(header, 345, 155);
  if (prefix === undefined) return undefined;
  return prefix === "" ? name : `${prefix}/${name}`;
}

/**
 * A GNU long name as tar-rs reads it: the data without its last byte when that is a NUL (any
 * other NUL is kept, and caught later as a NUL in the path).
 */
function decodeLongName(data: Uint8Array): string | undefined {
  const end = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  try {
    return utf8Fatal.decode(data.subarray(0, end));
  } catch {
    return undefined;
  }
}

/** A pax header's records, as tar-rs uses them. */
interface PaxRecords {
  /** Each key's first value (tar-rs looks a key up from the start). */
  records: Map<string, string>;
  /** Keys given more than once: the key, the value kept, a later value. */
  repeated?: [string, string, string][];
  /** The `size` record, a number. */
  size?: number;
  /** Whether a `GNU.sparse.` key is set: the data is a sparse map, not the content. */
  sparse: boolean;
}

/**
 * Pax records, strictly: `LEN KEY=VALUE\n`, where LEN counts the whole record and no newline is
 * inside (tar-rs splits the data at newlines), and a `size` that is a number. Returns why not (a
 * phrase) when the data is not a sequence of such records.
 */
function parsePax(data: Uint8Array): PaxRecords | string {
  const pax: PaxRecords = { records: new Map(), sparse: false };
  let i = 0;
  while (i < data.length) {
    let j = i;
    let length = 0;
    while (j < data.length && data[j] >= 0x30 && data[j] <= 0x39 && j - i < 8) {
      length = length * 10 + (data[j] - 0x30);
      j++;
    }
    if (j === i || data[j] !== 0x20) return "has a record without a length";
    const end = i + length;
    if (end > data.length || end <= j + 1 || data[end - 1] !== 0x0a) {
      return "has a record whose length does not match its content";
    }
    const record = data.subarray(j + 1, end - 1);
    if (record.includes(0x0a)) {
      return "has a record with a newline inside (tar-rs splits records at newlines)";
    }
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return "has a record without a key";
    let key: string;
    let value: string;
    try {
      key = utf8Fatal.decode(record.subarray(0, eq));
      value = utf8Fatal.decode(record.subarray(eq + 1));
    } catch {
      return "has a record that is not UTF-8";
    }
    const kept = pax.records.get(key);
    if (kept === undefined) pax.records.set(key, value);
    else (pax.repeated ??= []).push([key, kept, value]);
    if (key.startsWith("GNU.sparse.")) pax.sparse = true;
    i = end;
  }
  const size = pax.records.get("size");
  if (size !== undefined) {
    if (!/^\d{1,16}$/.test(size) || !Number.isSafeInteger(Number(size))) {
      return `has a size that is not a number (${show(size)})`;
    }
    pax.size = Number(size);
  }
  return pax;
}

function isZeroBlock(block: Uint8Array): boolean {
  return isAllZero(block);
}

function isAllZero(bytes: Uint8Array): boolean {
  // Word-wise where aligned: the tail after a bomb can be hundreds of MiB.
  let i = 0;
  const misalign = (4 - (bytes.byteOffset % 4)) % 4;
  for (; i < Math.min(misalign, bytes.length); i++) if (bytes[i] !== 0) return false;
  const words = Math.floor((bytes.length - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) if (view[w] !== 0) return false;
    i += words * 4;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Whether a symlink at `path` (relative to the crate root) pointing at `target` leaves it. */
function linkEscapes(path: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\\") || /^[A-Za-z]:/.test(target)) return true;
  const stack = path.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return true;
      stack.pop();
    } else stack.push(part);
  }
  return false;
}

function isCleanRelativePath(path: string): boolean {
  if (path === "") return true;
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  if (/^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/** A path or value quoted for a message: JSON-escaped, cut when long. */
/**
 * A value as it may appear in a message: JSON-quoted, cut to 200 characters, and with the
 * characters JSON leaves raw but a terminal would act on (DEL, C1 controls, bidirectional
 * overrides) escaped too.
 */
function show(value: string): string {
  const cut = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  // Nearly every path is printable ASCII without quotes or backslashes: quoted as it is.
  if (PLAIN.test(cut)) return `"${cut}"`;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Printable ASCII other than `"` and `\\`: what {@link show} can quote without escaping. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The hash {@link ArchiveReader} indexes paths by: of the first `length` characters. */
function prefixHash(path: string, length: number): number {
  let h = 0;
  for (let i = 0; i < length; i++) h = (Math.imul(h, 31) + path.charCodeAt(i)) | 0;
  return h;
}

function describeStart(bytes: Uint8Array): string {
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `bytes ${head}`;
}
