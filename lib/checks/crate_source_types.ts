/**
 * The inputs of the `crate-source` check (`./crate_source.ts`): the repository's tree at the
 * commit the crate names, its entries, and what {@link checkCrateSource} is given. Re-exported
 * by `./crate_source.ts`.
 * @module
 */
import type { CrateArchive } from "../evidence/crate_archive.ts";

/** One entry of a git tree (as {@link GitTreeEntry}); paths from the repository root. */
export interface CrateSourceTreeEntry {
  /** The entry's path from the repository root. */
  readonly path: string;
  /** `100644`, `100755`, `120000` (symlink), `040000` (tree), `160000` (submodule). */
  readonly mode: string;
  /** `blob`, `tree` or `commit` (submodule). */
  readonly type: string;
  /** The object id (for a blob, its Git blob id). */
  readonly sha: string;
  /** A blob's size in bytes, when known (GitHub lists it): lets a difference be told from sizes. */
  readonly size?: number;
}

/** The repository's tree at the commit (a `GitTree` from `fetchTree` fits). */
export interface CrateSourceTree {
  /** The entries listed (blobs, trees, submodules), recursively. */
  readonly entries: readonly CrateSourceTreeEntry[];
  /** Every entry (of {@link scope}, when given) is listed: an unlisted path is absent. */
  readonly complete: boolean;
  /** The commit the tree is of. */
  readonly commit: string;
  /**
   * When set, the entries cover this directory only (`fetchTree`'s fallback for huge trees):
   * paths outside it are unknown, not absent.
   */
  readonly scope?: string;
}

/** What {@link checkCrateSource} compares. */
export interface CrateSourceInput {
  /** The crate: files with their Git blob ids and generated flags, and its VCS record. */
  archive: CrateArchive;
  /** The full recursive tree at the crate's commit; undefined when unavailable. */
  tree: CrateSourceTree | undefined;
  /** The package's directory in the repository (`""` for the root); normally `path_in_vcs`. */
  pathInVcs: string;
  /** `owner/repo`, for messages. */
  repository: string;
  /** Fetches a blob's bytes from the repository by sha (for normalisation checks); may be undefined (offline). */
  fetchBlob?: (sha: string) => Promise<Uint8Array | undefined>;
  /** The crate file's bytes by path (for normalisation checks). */
  crateFileBytes?: (path: string) => Uint8Array | undefined;
}
