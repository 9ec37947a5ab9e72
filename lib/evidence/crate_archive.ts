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
 *
 * **Layout.** This module is the entry point and re-exports the public API. The work is done in
 * `crate_archive_types.ts` (the result types, caps and error), `crate_archive_gzip.ts` (capped
 * decompression), `tar_fields.ts` (tar header fields as tar-rs reads them),
 * `crate_archive_paths.ts` (path rules and message quoting) and `crate_archive_reader.ts` (the
 * entry loop, each entry's classification and the archive's assembly).
 * @module
 */
import {
  MAX_CRATE_COMPRESSION_RATIO,
  MAX_CRATE_ENTRIES,
  MAX_CRATE_FILE_BYTES,
  MAX_CRATE_UNPACKED_BYTES,
} from "../limits.ts";
import {
  type CrateArchive,
  CrateArchiveError,
  type CrateArchiveOptions,
} from "./crate_archive_types.ts";
import { ArchiveReader } from "./crate_archive_reader.ts";

export {
  type ArchiveProblem,
  type CrateArchive,
  CrateArchiveError,
  type CrateArchiveOptions,
  type CrateArchiveProblemCode,
  type CrateFile,
  type CrateVcsInfo,
  MAX_CRATE_PROBLEMS,
  MAX_KEPT_CRATE_BYTES,
  MAX_KEPT_CRATE_FILE_BYTES,
  MAX_OUTSIDE_REFERENCES,
  type OutsideReference,
} from "./crate_archive_types.ts";
export { FAST_INFLATE_MAX_BYTES } from "./crate_archive_gzip.ts";
export { releaseCrateArchive } from "./crate_archive_reader.ts";

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

function describeStart(bytes: Uint8Array): string {
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return `bytes ${head}`;
}
