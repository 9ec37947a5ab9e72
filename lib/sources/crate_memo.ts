/**
 * Memoised crate results, so that a second run of a lock does not inflate, list and compare again
 * what it already did. Two things are derived from immutable inputs and remembered in the cache
 * (see {@link Cache.getMemo}, which adds the tool's version to the key), keyed by the crate and
 * the SHA-256 of the `.crate` bytes they were derived from:
 *
 * - the archive's summary (its `.cargo_vcs_info.json`, its problems, its size), which is all the
 *   checks other than `crate-source` need from the archive;
 * - a passed `crate-source` comparison, with the GitHub API, repository, commit and `path_in_vcs`
 *   it was made against (a Git tree at a commit never changes). Only passes are remembered: a failure or an
 *   unresolved difference may come from a transient fetch, and is worked out again each run.
 *
 * A memo is used only while a blob with that SHA-256 is in the cache and intact (hashed again, or
 * in a pack unchanged since its writer hashed it: see `Cache.blobIsIntact`), so a flipped byte in
 * the cached `.crate`, or an `--offline` run without it, behaves as before.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import type { CrateArchive } from "../evidence/crate_archive.ts";
import type { CrateArchiveSummary } from "../evidence/crate_evidence.ts";
import type { Cache } from "./cache.ts";

export type { CrateArchiveSummary } from "../evidence/crate_evidence.ts";

/**
 * The memo's kind: bump the version when what is stored, or how it is derived, changes. v3: the
 * `crate-source` key names the GitHub API the tree was read from, and `crate-source` compares the
 * normalized manifest and the lock file and no longer finds crate-root files by name elsewhere.
 * v4: the manifest comparison reads the tables cargo reads (dashed before underscored), compares
 * `readme`/`license-file` and what the original drops; undecidable non-documentation files block.
 * v5: names one file on a case-insensitive, Unicode-normalizing or Windows filesystem are
 * duplicates; build scripts and targets outside the package, code matched only by a symlink's
 * target text and modules named like documentation (`src/security.rs`) no longer pass; the
 * workspace root passes over one that excludes the package.
 * v6: the summary carries the paths the crate's Rust files name that leave the package
 * (`crate-source-outside-package`); a memo written before they were looked for is never recalled.
 * v7: the outside-package scan reads more forms (red team 8c: `core::concat!`, character
 * literals, `.RS` files, manifest-named targets, `OUT_DIR` climbing out): a v6 summary may have
 * missed them.
 * v8: a file a Rust file compiles by `include!` or `#[path]` is code whatever its name (never
 * documentation), and the scan counts what red team 8c found the earlier one missed. v9: a path
 * after a `macro_rules!` is also read from the package root (`fromCaller`). v10: a path another
 * macro names (`include!(p!())`, `include!($f)`, `#[path = $p]`) is noted (`fromCaller`), and a
 * test file other code compiles is marked (`compiledOutsideTests`): a v9 summary may lack them.
 */
export const CRATE_MEMO_KIND = "crate/v10";

/** A passed `crate-source` comparison, and what it compared against. */
export interface RememberedSource {
  /** {@link sourceMemoKey} of the comparison. */
  readonly key: string;
  readonly result: CheckResult;
}

/** What is remembered about one `.crate`. */
export interface CrateMemo {
  /** The `.crate`'s size in bytes. */
  readonly size: number;
  readonly summary: CrateArchiveSummary;
  readonly source?: RememberedSource;
}

/**
 * The key naming what a `crate-source` comparison was made against: the API the tree was read
 * from (another host's OWNER/REPO is another repository), the repository, commit and path.
 */
export function sourceMemoKey(
  api: URL,
  repository: string,
  commit: string,
  pathInVcs: string,
): string {
  return `${api.href} ${repository.toLowerCase()}@${commit.toLowerCase()}:${pathInVcs}`;
}

/** The summary of a read archive. */
export function summarizeArchive(archive: CrateArchive): CrateArchiveSummary {
  return {
    ...(archive.vcsInfo === undefined ? {} : { vcsInfo: archive.vcsInfo }),
    problems: archive.problems,
    omittedProblems: archive.omittedProblems,
    unpackedBytes: archive.unpackedBytes,
    fileCount: archive.files.length,
    outsideReferences: archive.outsideReferences,
    omittedOutsideReferences: archive.omittedOutsideReferences,
  };
}

/** Reads and writes crate memos in a cache. */
export class CrateMemoStore {
  readonly #cache: Cache;
  readonly #maxBytes: number;

  /** A store in `cache`; `maxBytes` caps the `.crate` read when its blob is checked. */
  constructor(cache: Cache, maxBytes: number) {
    this.#cache = cache;
    this.#maxBytes = maxBytes;
  }

  /**
   * The memo of `name@version` whose `.crate` hashes to `sha256`, when one is stored and the blob
   * is cached and intact (and, when given, `expectedSize` long); else undefined.
   */
  async recall(
    name: string,
    version: string,
    sha256: string,
    expectedSize?: number,
  ): Promise<CrateMemo | undefined> {
    const sha = sha256.toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) return undefined;
    const memo = parseMemo(await this.#cache.getMemo(CRATE_MEMO_KIND, memoKey(name, version, sha)));
    if (!memo || (expectedSize !== undefined && memo.size !== expectedSize)) return undefined;
    if (!await this.#cache.blobIsIntact(sha, memo.size, this.#maxBytes)) return undefined;
    await this.#cache.touchBlob(sha);
    return memo;
  }

  /** Remembers what was derived from the `.crate` of `name@version` that hashes to `sha256`. */
  async remember(name: string, version: string, sha256: string, memo: CrateMemo): Promise<void> {
    await this.#cache.putMemo(
      CRATE_MEMO_KIND,
      memoKey(name, version, sha256.toLowerCase()),
      memo,
    );
  }
}

function memoKey(name: string, version: string, sha256: string): string {
  return `${name}@${version} ${sha256}`;
}

function isOutsideReference(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.file === "string" && typeof r.line === "number" &&
    typeof r.form === "string" && typeof r.path === "string" &&
    (r.fromCaller === undefined || r.fromCaller === true) &&
    (r.compiledOutsideTests === undefined || r.compiledOutsideTests === true);
}

/** The memo, when the stored value has its shape (a memo of another shape is not used). */
function parseMemo(value: unknown): CrateMemo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const memo = value as Partial<CrateMemo>;
  const summary = memo.summary as Partial<CrateArchiveSummary> | undefined;
  if (
    typeof memo.size !== "number" || typeof summary !== "object" || summary === null ||
    !Array.isArray(summary.problems) || typeof summary.omittedProblems !== "number" ||
    typeof summary.fileCount !== "number" || typeof summary.unpackedBytes !== "number" ||
    !Array.isArray(summary.outsideReferences) ||
    !summary.outsideReferences.every(isOutsideReference) ||
    typeof summary.omittedOutsideReferences !== "number" ||
    (summary.vcsInfo !== undefined && typeof summary.vcsInfo !== "object")
  ) {
    return undefined;
  }
  const source = memo.source;
  if (
    source !== undefined &&
    (typeof source.key !== "string" || typeof source.result !== "object" ||
      source.result === null || source.result.id !== "crate-source" ||
      source.result.status !== "pass")
  ) {
    return undefined;
  }
  return memo as CrateMemo;
}
