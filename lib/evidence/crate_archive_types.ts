/**
 * What reading a `.crate` gives: the listing ({@link CrateArchive}, {@link CrateFile}), its
 * `.cargo_vcs_info.json` ({@link CrateVcsInfo}), the problems found ({@link ArchiveProblem} with
 * a {@link CrateArchiveProblemCode}), the caps a caller may override, and the one error for input
 * that is no crate at all ({@link CrateArchiveError}). `crate_archive.ts` re-exports all of it.
 * @module
 */
import { AttestError } from "../errors.ts";

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

/** A path a Rust file of the crate names (`include!`, `#[path]`…) that leaves the package: in a
 * build of the published crate it reads a file of another package (see `rust_path_scan.ts`). */
export interface OutsideReference {
  /** The file, relative to the package root (`src/lib.rs`). */
  readonly file: string;
  /** The 1-based line of the macro or attribute. */
  readonly line: number;
  /** What names it: `include!`, `include_str!`, `include_bytes!` or `#[path]`. */
  readonly form: string;
  /** The path as written (literals decoded and joined; `env!("CARGO_MANIFEST_DIR")` shown so). */
  readonly path: string;
  /**
   * Set when the path leaves the package only as read from the package root: it stands after a
   * `macro_rules!` in its file, where rustc reads it from the file that calls the macro, which
   * may be anywhere in the package (not known here).
   */
  readonly fromCaller?: true;
  /**
   * Set on a file under `tests/`, `benches/` or `examples/` that code outside those directories
   * may compile (a `#[path]` or `include!` from there, a library, binary or build script among
   * them, or which files are compiled is not known): its path is not a test's only.
   */
  readonly compiledOutsideTests?: true;
}

/** The package's test, bench and example directories (their files are no dependent's code). */
export const TEST_DIRECTORY = /^(tests|benches|examples)\//;

/** At most this many {@link OutsideReference}s are kept per crate. */
export const MAX_OUTSIDE_REFERENCES = 20;

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
  /**
   * Paths the crate's Rust files name for the compiler to read that leave the package (up to
   * {@link MAX_OUTSIDE_REFERENCES}); each fails `crate-source`.
   */
  outsideReferences: OutsideReference[];
  /** Such paths found beyond those kept. */
  omittedOutsideReferences: number;
  /**
   * The package files a Rust file has compiled by `include!` or `#[path]` (directly or through
   * another such file), whatever their names (`#[path = "notes.md"]`): code, never documentation.
   * `"unknown"` when there were too many to note.
   */
  compiledByReference: string[] | "unknown";
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
