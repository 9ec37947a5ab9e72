/**
 * The repository's tree for the `crate-source` check (`./crate_source.ts`): an index of its
 * entries by path and by file name, its directories and what a partial listing covers (so an
 * unlisted path is told absent only when the listing says so); and, for a crate whose
 * `.cargo_vcs_info.json` records no `path_in_vcs` (older cargo), the package directory inferred
 * from the directories with a `Cargo.toml`. Internal to `lib/checks/crate_source*.ts`.
 * @module
 */
import type { CrateFile, CrateVcsInfo } from "../evidence/crate_archive.ts";
import { normalizeTreePath } from "../evidence/repository_paths.ts";
import { baseName, dirName, joinPath, repoRelative } from "./crate_source_paths.ts";
import type { CrateSourceTree, CrateSourceTreeEntry } from "./crate_source_types.ts";

/** The git tree mode of a symlink. */
export const SYMLINK_MODE = "120000";

const indexes = new WeakMap<CrateSourceTree, TreeIndex>();

/** The tree at the commit, indexed by path, with its directories and what its listing covers. */
export class TreeIndex {
  /**
   * The index of `tree`, built once per tree object: the crates of a workspace are compared with
   * one listing, and indexing a large repository's tree is most of what a comparison costs.
   */
  static of(tree: CrateSourceTree): TreeIndex {
    let index = indexes.get(tree);
    if (!index) {
      index = new TreeIndex(tree);
      indexes.set(tree, index);
    }
    return index;
  }

  /** The entries by path (ids lowercase). */
  readonly byPath = new Map<string, CrateSourceTreeEntry>();
  /** Directories: tree entries and every proper prefix of a listed path. */
  readonly dirs = new Set<string>();
  private byName?: Map<string, CrateSourceTreeEntry[]>;
  private readonly scope: string | undefined;

  /** Indexes the entries of `tree`. */
  constructor(private readonly tree: CrateSourceTree) {
    for (const raw of tree.entries) {
      const sha = raw.sha.toLowerCase();
      const entry = sha === raw.sha ? raw : { ...raw, sha };
      this.byPath.set(entry.path, entry);
      if (entry.type === "tree") this.addDirectory(entry.path);
      // Every proper prefix ending before a `/` is a directory (none for a path starting with one).
      const slash = entry.path.lastIndexOf("/");
      if (slash > 0 && !entry.path.startsWith("/")) this.addDirectory(entry.path.slice(0, slash));
    }
    // A scope that is no directory inside the repository limits the listing to nothing.
    this.scope = tree.scope === undefined ? undefined : (normalizeTreePath(tree.scope) ?? "\0");
  }

  /**
   * Adds `dir` and every proper prefix of it ending before a `/`, stopping at one already known
   * (whose own prefixes were added with it): a large tree's shared directories are walked once.
   */
  private addDirectory(dir: string): void {
    for (let at = dir; !this.dirs.has(at);) {
      this.dirs.add(at);
      const slash = at.lastIndexOf("/");
      if (slash <= 0 || at.startsWith("/")) return;
      at = at.slice(0, slash);
    }
  }

  /** Whether a path missing from the listing is missing from the commit. */
  knowsAbsence(path: string): boolean {
    if (!this.tree.complete) return false;
    if (this.scope === undefined || this.scope === "") return true;
    return path === this.scope || path.startsWith(`${this.scope}/`);
  }

  /** Whether the listing is the whole tree. */
  get whole(): boolean {
    return this.tree.complete && (this.scope === undefined || this.scope === "");
  }

  /** What the listing is, for messages. */
  get listingWhat(): string {
    if (!this.tree.complete) return "incomplete listing of the tree";
    return `listing of the tree, which covers ${
      this.scope === undefined || this.scope === "\0" ? "nothing" : this.scope
    } only`;
  }

  /** Blob entries whose file name is `name`. */
  named(name: string): readonly CrateSourceTreeEntry[] {
    if (this.byName === undefined) {
      this.byName = new Map();
      for (const entry of this.byPath.values()) {
        if (entry.type !== "blob") continue;
        const key = baseName(entry.path);
        const list = this.byName.get(key);
        if (list === undefined) this.byName.set(key, [entry]);
        else list.push(entry);
      }
    }
    return this.byName.get(name) ?? [];
  }
}

/** Whether the crate's `.cargo_vcs_info.json` has a `path_in_vcs` key (older cargo writes none). */
export function pathInVcsRecorded(vcs: CrateVcsInfo): boolean {
  const raw = vcs.raw;
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "path_in_vcs" in raw;
}

/**
 * The package directory of a crate whose record has no `path_in_vcs`: among the directories with
 * a `Cargo.toml`, the one under which the most crate files match by blob (unique, at least one).
 */
export function inferPackageDir(
  index: TreeIndex,
  files: readonly CrateFile[],
): { dir: string; candidates: number } | { dir: undefined; why: string } {
  const dirs: string[] = [];
  for (const entry of index.named("Cargo.toml")) {
    if (entry.mode === SYMLINK_MODE) continue;
    dirs.push(entry.path === "Cargo.toml" ? "" : entry.path.slice(0, -"/Cargo.toml".length));
  }
  if (dirs.length === 0) return { dir: undefined, why: "the tree has no Cargo.toml" };
  const scored = dirs.map((dir) => ({
    dir,
    score:
      files.filter((f) =>
        f.kind === "file" && index.byPath.get(joinPath(dir, repoRelative(f)))?.sha === f.gitBlob
      ).length,
  })).sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  if (dirs.length === 1) return { dir: best.dir, candidates: 1 };
  if (best.score === 0) {
    return {
      dir: undefined,
      why: `none of the ${dirs.length} directories with a Cargo.toml holds any of its files`,
    };
  }
  if (second !== undefined && second.score === best.score) {
    return {
      dir: undefined,
      why: `${dirName(best.dir)} and ${dirName(second.dir)} hold equally many of its files`,
    };
  }
  return { dir: best.dir, candidates: dirs.length };
}
