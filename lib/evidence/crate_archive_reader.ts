/**
 * The reader of a crate's tar stream: walks the entries as tar-rs does (extended headers, names,
 * sizes), classifies each one against the rules of a well-formed crate (paths, kinds,
 * duplicates, caps), hashes the files as they stream out of the {@link Inflater}, keeps the few
 * bytes the checks need, and assembles the {@link CrateArchive} with its problems.
 * @module
 */
import { releaseBuffer } from "../crypto/bytes.ts";
import { MAX_CRATE_METADATA_FILE_BYTES, MAX_TAR_EXTENDED_HEADER_BYTES } from "../limits.ts";
import { type GitBlobHasher, gitBlobSha1, startGitBlobSha1 } from "./git_blob.ts";
import {
  type ArchiveProblem,
  type CrateArchive,
  CrateArchiveError,
  type CrateArchiveProblemCode,
  type CrateFile,
  type CrateVcsInfo,
  MAX_CRATE_PROBLEMS,
  MAX_KEPT_CRATE_BYTES,
  MAX_KEPT_CRATE_FILE_BYTES,
  MAX_OUTSIDE_REFERENCES,
  type OutsideReference,
  TEST_DIRECTORY,
} from "./crate_archive_types.ts";
import { parse as parseToml } from "smol-toml";
import { isRustSource, mayNamePaths, RustPathScanner } from "./rust_path_scan.ts";
import { GzipFailure, InflateCapExceeded, Inflater } from "./crate_archive_gzip.ts";
import {
  BLOCK,
  checksumKind,
  decodeField,
  decodeLongName,
  type Entry,
  entryKind,
  GNU,
  headerFormat,
  isAllZero,
  isZeroBlock,
  parsePax,
  type PaxRecords,
  readHeaderPath,
  readNumber,
  USTAR,
  V7,
} from "./tar_fields.ts";
import { isCleanRelativePath, linkEscapes, prefixHash, show } from "./crate_archive_paths.ts";

const EMPTY = new Uint8Array(0);

/** At most this many scanned files' findings or compiled files are held while a crate is read. */
const MAX_NOTED_SCANS = 4096;

/** Stops reading: the problem that says why has been recorded already. */
class Halt extends Error {
  constructor() {
    super("archive reading stopped");
  }
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

// ---------------------------------------------------------------------------------------------
// The tar reader

/** The caps a reader enforces (see {@link CrateArchiveOptions}). */
export interface Caps {
  /** Most bytes the gzip stream may inflate to. */
  maxUnpackedBytes: number;
  /** Most entries. */
  maxEntries: number;
  /** Largest single file. */
  maxFileBytes: number;
}

type PathKind = "file" | "symlink" | "dir";

/** The manifest tables of targets a dependent's build never compiles. */
const TEST_TARGET_TABLES: ReadonlySet<string> = new Set(["test", "bench", "example"]);

const GENERATED_AT_ROOT = new Set([".cargo_vcs_info.json", "Cargo.lock"]);
const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/** Reads one crate's archive: one reader per {@link readCrateArchive} call. */
export class ArchiveReader {
  private readonly root: string;
  private readonly files: CrateFile[] = [];
  private readonly problems: ArchiveProblem[] = [];
  private omittedProblems = 0;
  private readonly outside: OutsideReference[] = [];
  private omittedOutside = 0;
  /** Files other than `*.rs` with paths that leave the package, until one is seen compiled. */
  private readonly waiting = new Map<string, RustPathScanner>();
  /** The package files each scanned file has compiled by `include!` or `#[path]`. */
  private readonly compiles = new Map<string, readonly string[]>();
  private compilesOverflow = false;
  /** Files a `#[path]` in an inline module may have compiled (see RustPathScanner). */
  private readonly patterns: { under: string; tail: string }[] = [];
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

  /** Inflates and reads `bytes`, the whole `.crate`; returns its listing and problems. */
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

    const compiled = this.compiledFiles();
    this.collectCompiledOutside(compiled);
    this.markCompiledOutsideTests();
    this.markGenerated();
    this.checkFileDirectoryConflicts();
    this.checkFoldedCollisions();
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
      outsideReferences: this.outside,
      omittedOutsideReferences: this.omittedOutside,
      compiledByReference: compiled === undefined ? "unknown" : [...compiled].sort(),
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
    // Every file is scanned as it streams for paths that leave the package (a file of another
    // name counts when a Rust file has it compiled: see noteOutside); a file read in one part
    // that holds neither `include` nor `path` needs no scanner.
    let scanner: RustPathScanner | undefined;
    await this.readData(entry.size, what, (part) => {
      hasher.update(part);
      if (scanner) scanner.push(part);
      else if (part.length < entry.size || mayNamePaths(part)) {
        scanner = new RustPathScanner(path, entry.size);
        scanner.push(part);
      }
      if (keeping) {
        if (filled === 0 && shared && part.length === entry.size) kept = part;
        else (kept ??= new Uint8Array(entry.size)).set(part, filled);
      }
      filled += part.length;
    });
    if (keeping && entry.size === 0) kept = new Uint8Array(0);
    if (scanner) this.noteOutside(scanner);
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

  /**
   * A scanned file: a Rust file's paths that leave the package are kept (up to the crate's cap,
   * counting the rest); another file's wait until a Rust file is seen to have it compiled
   * ({@link collectCompiledOutside}). The files each has compiled are noted.
   */
  private noteOutside(scanner: RustPathScanner): void {
    // Which files past its cap the scanner saw compiled is not known: every waiting file counts.
    if (scanner.targetsOverflow) this.compilesOverflow = true;
    for (const pattern of scanner.targetPatterns) {
      if (this.patterns.length < MAX_NOTED_SCANS) this.patterns.push(pattern);
      else this.compilesOverflow = true;
    }
    if (scanner.targets.length > 0) {
      // Past the cap, which files are compiled is not known: every waiting file counts.
      if (this.compiles.size < MAX_NOTED_SCANS) this.compiles.set(scanner.file, scanner.targets);
      else this.compilesOverflow = true;
    }
    if (scanner.found.length === 0) return;
    // Past the cap, a file's findings count as if it were compiled.
    if (!isRustSource(scanner.file) && this.waiting.size < MAX_NOTED_SCANS) {
      this.waiting.set(scanner.file, scanner);
      return;
    }
    this.keepOutside(scanner);
  }

  private keepOutside(scanner: RustPathScanner): void {
    this.omittedOutside += scanner.omitted;
    for (const found of scanner.found) {
      if (this.outside.length < MAX_OUTSIDE_REFERENCES) this.outside.push(found);
      else this.omittedOutside++;
    }
  }

  /**
   * The paths that leave the package in files other than `*.rs` that a Rust file has compiled
   * (`include!("gen.in")`, `#[path = "sys.txt"]`), directly or through another such file.
   */
  private collectCompiledOutside(compiled: ReadonlySet<string> | undefined): void {
    for (const [file, scanner] of this.waiting) {
      if (compiled === undefined || compiled.has(file)) this.keepOutside(scanner);
    }
  }

  /**
   * The package files compiled whatever their names: the targets and build scripts the manifests
   * name (`[lib] path = "src/lib.txt"`), and what a Rust file compiles by `include!` or `#[path]`
   * (`#[path = "notes.md"]`), directly or through another such file. Undefined when that is not
   * known (too many to note, a target that could not be named, a manifest not kept): then any
   * file may be.
   */
  private compiledFiles(): Set<string> | undefined {
    if (this.compilesOverflow) return undefined;
    const named = this.manifestNamedPaths();
    if (named === undefined) return undefined;
    const queue: string[] = [...named];
    for (const pattern of this.patterns) queue.push(...this.filesOfPattern(pattern));
    for (const [file, targets] of this.compiles) {
      if (isRustSource(file)) queue.push(...targets);
    }
    const seen = new Set<string>();
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      if (!isRustSource(file)) queue.push(...(this.compiles.get(file) ?? []));
    }
    return seen;
  }

  /**
   * The files a `#[path]` in an inline module may have compiled: those under `under` whose path
   * ends with `/tail` (see {@link RustPathScanner.targetPatterns}).
   */
  private filesOfPattern({ under, tail }: { under: string; tail: string }): string[] {
    return this.files.map((f) => f.path).filter((file) =>
      (under === "" || file.startsWith(`${under}/`)) &&
      (file === tail || file.endsWith(`/${tail}`))
    );
  }

  /**
   * Marks the kept paths of test, bench and example files that code outside those directories
   * may compile ({@link OutsideReference.compiledOutsideTests}): `#[path = "../tests/x.rs"]` in
   * the library makes `tests/x.rs` the library's (red team 8d).
   */
  private markCompiledOutsideTests(): void {
    if (!this.outside.some((r) => TEST_DIRECTORY.test(r.file))) return;
    const reached = this.compiledFromOutsideTests();
    for (let i = 0; i < this.outside.length; i++) {
      const r = this.outside[i];
      if (TEST_DIRECTORY.test(r.file) && (reached === undefined || reached.has(r.file))) {
        this.outside[i] = { ...r, compiledOutsideTests: true };
      }
    }
  }

  /**
   * The files that code outside the test, bench and example directories compiles by `include!`
   * or `#[path]` (directly or through another such file), or the targets the manifests name
   * outside their `[[test]]`, `[[bench]]` and `[[example]]` tables; undefined when that is not
   * known, or a library, binary or build script is among those directories (then `mod x;` reaches
   * any file there).
   */
  private compiledFromOutsideTests(): Set<string> | undefined {
    if (this.compilesOverflow) return undefined;
    const named = this.manifestNamedPaths(TEST_TARGET_TABLES);
    if (named === undefined || named.some((p) => TEST_DIRECTORY.test(p))) return undefined;
    const queue: string[] = [...named];
    for (const pattern of this.patterns) {
      // Under a test directory, the pattern came from a file there; any other may not have.
      if (!TEST_DIRECTORY.test(`${pattern.under}/`)) queue.push(...this.filesOfPattern(pattern));
    }
    for (const [file, targets] of this.compiles) {
      if (!TEST_DIRECTORY.test(file)) queue.push(...targets);
    }
    // The test, bench and example files under each directory ("" the package root).
    const under = new Map<string, string[]>();
    for (const { path } of this.files) {
      if (!TEST_DIRECTORY.test(path)) continue;
      const dirs = [""];
      for (let i = path.indexOf("/"); i > 0; i = path.indexOf("/", i + 1)) {
        dirs.push(path.slice(0, i));
      }
      for (const dir of dirs) {
        const files = under.get(dir);
        if (files) files.push(path);
        else under.set(dir, [path]);
      }
    }
    const seen = new Set<string>();
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      queue.push(...(this.compiles.get(file) ?? []));
      // A directory (`#[path = "../tests"] mod t { mod x; }`): `mod` reaches the files under it.
      for (const path of under.get(file) ?? []) queue.push(path);
    }
    return seen;
  }

  /**
   * Every `path = "…"` and `build = "…"` value of the manifests (the targets and build scripts they
   * name, package-relative, and more that names no file); undefined when a manifest's bytes were
   * not kept (then any file may be a target).
   */
  private manifestNamedPaths(skip: ReadonlySet<string> = new Set()): string[] | undefined {
    const texts: string[] = [];
    for (const name of ["Cargo.toml", "Cargo.toml.orig"]) {
      const file = this.files.find((f) => f.path === name);
      if (file === undefined) continue;
      const bytes = name === "Cargo.toml.orig" ? this.cargoTomlOrigBytes : file.bytes;
      if (bytes === undefined) return undefined;
      texts.push(new TextDecoder().decode(bytes));
    }
    const out: string[] = [];
    const walk = (value: unknown, key: string): void => {
      if (typeof value === "string") {
        if (key === "path" || key === "build") {
          // As cargo joins it to the package root: `.` and `..` resolved, either separator.
          const parts: string[] = [];
          for (const part of value.replaceAll("\\", "/").split("/")) {
            if (part === "..") parts.pop();
            else if (part !== "" && part !== ".") parts.push(part);
          }
          out.push(parts.join("/"));
        }
      } else if (Array.isArray(value)) { for (const v of value) walk(v, key); }
      else if (typeof value === "object" && value !== null) {
        for (const [k, v] of Object.entries(value)) walk(v, k);
      }
    };
    for (const text of texts) {
      try {
        for (const [k, v] of Object.entries(parseToml(text))) if (!skip.has(k)) walk(v, k);
      } catch {
        return undefined;
      }
    }
    return out;
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

  /**
   * Two files (or links) whose paths name one file on a case-insensitive or
   * normalization-insensitive filesystem (macOS's and Windows' defaults), or as Windows resolves
   * names (`lib.rs.`, `lib.rs::$DATA`): cargo unpacks entry by entry, overwriting, so there the
   * later one's content is what both names hold when rustc reads them (`src/LIB.rs` after
   * `src/lib.rs` is the library). A duplicate.
   */
  private checkFoldedCollisions(): void {
    const seen = new Map<string, string>();
    for (const [path, kind] of this.kinds) {
      if (kind === "dir") continue;
      const folded = foldPath(path);
      const before = seen.get(folded);
      if (before === undefined) {
        seen.set(folded, path);
        continue;
      }
      this.report(
        "crate-archive-duplicate",
        `${show(`${this.root}/${path}`)} and ${show(`${this.root}/${before}`)} are one file ` +
          "on a case-insensitive or Unicode-normalizing filesystem (macOS, Windows) or as " +
          "Windows resolves names (trailing dots and spaces, `::$DATA`), where " +
          "cargo unpacks the later over the earlier",
        `${this.root}/${path}`,
      );
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

/**
 * A path as a case-insensitive, normalization-insensitive filesystem compares it, each component
 * as Windows resolves it: from its first `:` on a stream name (`lib.rs::$DATA` is lib.rs's own
 * content), and trailing dots and spaces dropped (`lib.rs.` is lib.rs).
 */
function foldPath(path: string): string {
  return path.normalize("NFD").toLowerCase().split("/").map((part) => {
    const colon = part.indexOf(":");
    return (colon < 0 ? part : part.slice(0, colon)).replace(/[. ]+$/, "");
  }).join("/");
}
