/** What keeps the cost per crate flat in a large lock: the shelf of whole tree listings, one index per listing for `crate-source`, and one index per tag list. */
import assert from "node:assert/strict";
import type { GitTree } from "../lib/evidence/git_repository.ts";
import { TreeIndex } from "../lib/checks/crate_source_tree.ts";
import { TreeShelf } from "../lib/sources/tree_shelf.ts";
import { findTag } from "../lib/evidence/crate_tags.ts";

function tree(commit: string, entries: number): GitTree {
  return {
    commit,
    sha: commit,
    entries: Array.from({ length: entries }, (_, i) => ({
      path: `src/f${i}.rs`,
      mode: "100644",
      type: "blob" as const,
      sha: "a".repeat(40),
    })),
    truncated: false,
    complete: true,
    requests: 1,
  };
}

Deno.test("TreeShelf: a kept listing is found again by its key, the same object", () => {
  const shelf = new TreeShelf(100);
  const t = tree("1".repeat(40), 10);
  shelf.keep("o/r@1", t);
  assert.equal(shelf.get("o/r@1"), t);
  assert.equal(shelf.get("o/r@2"), undefined);
});

Deno.test("TreeShelf: over its budget it lets the least recently used listings go", () => {
  const shelf = new TreeShelf(100);
  const a = tree("a".repeat(40), 40);
  const b = tree("b".repeat(40), 40);
  const c = tree("c".repeat(40), 40);
  shelf.keep("a", a);
  shelf.keep("b", b);
  assert.equal(shelf.get("a"), a); // a is now the most recently used
  shelf.keep("c", c); // 120 entries: b goes
  assert.equal(shelf.get("b"), undefined);
  assert.equal(shelf.get("a"), a);
  assert.equal(shelf.get("c"), c);
});

Deno.test("TreeShelf: a listing larger than the whole budget is not kept", () => {
  const shelf = new TreeShelf(100);
  shelf.keep("big", tree("d".repeat(40), 101));
  assert.equal(shelf.get("big"), undefined);
});

Deno.test("TreeIndex.of: one index per tree object, another for another object", () => {
  const t = tree("e".repeat(40), 3);
  const index = TreeIndex.of(t);
  assert.equal(TreeIndex.of(t), index);
  assert.equal(index.byPath.get("src/f1.rs")?.sha, "a".repeat(40));
  assert.ok(index.dirs.has("src"));
  assert.notEqual(TreeIndex.of({ ...t }), index);
});

Deno.test("findTag: the first tag of a name, as find gives it, from an index built once per list", () => {
  const tags = [
    { name: "v1.0.0", commit: "a" },
    { name: "v0.9.0", commit: "b" },
    { name: "v1.0.0", commit: "c" },
  ];
  assert.equal(findTag(tags, "v1.0.0"), tags[0]);
  assert.equal(findTag(tags, "v0.9.0"), tags[1]);
  assert.equal(findTag(tags, "v2"), undefined);
  assert.equal(findTag([...tags].reverse(), "v1.0.0")?.commit, "c", "another list, its own index");
});
