/**
 * A run's shelf of whole git tree listings (`fetchTree` answers that were not truncated), by
 * repository and commit: the crates of one workspace share a listing, and the index the
 * `crate-source` check builds of it, instead of each reading and parsing it again. Bounded by the
 * entries it holds, so a run never keeps every repository's tree.
 * @module
 */
import type { GitTree } from "../evidence/git_repository.ts";

/**
 * Whole tree listings of a run, by repository and commit, kept while their entries add up to at
 * most {@link TreeShelf.maxEntries} (the oldest kept is let go first): a workspace's crates
 * share one listing without the run holding every repository's.
 */
export class TreeShelf {
  readonly #trees = new Map<string, GitTree>();
  #entries = 0;
  /** Holds at most this many tree entries in all (about 250 bytes each: 20,000 is some 5 MB). */
  constructor(readonly maxEntries = 20_000) {}
  /** The listing kept for `key`, if any. */
  get(key: string): GitTree | undefined {
    const tree = this.#trees.get(key);
    if (tree) {
      // Most recently used last.
      this.#trees.delete(key);
      this.#trees.set(key, tree);
    }
    return tree;
  }
  /** Keeps `tree` for `key`, letting go of the oldest while over the budget. */
  keep(key: string, tree: GitTree): void {
    if (this.#trees.has(key) || tree.entries.length > this.maxEntries) return;
    this.#trees.set(key, tree);
    this.#entries += tree.entries.length;
    for (const [old, kept] of this.#trees) {
      if (this.#entries <= this.maxEntries) break;
      this.#trees.delete(old);
      this.#entries -= kept.entries.length;
    }
  }
}
