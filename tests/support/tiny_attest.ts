/**
 * The real `.crate` the crate tests use (tests/fixtures/crates/SOURCE.md: tiny-attest 0.1.0,
 * packaged by cargo from commit 754e0df… under crates/tiny-attest) and its repository's tree at
 * that commit, as `git ls-files -s crates/tiny-attest` printed it.
 * @module
 */
import type { FakeTreeEntry } from "./fake_github.ts";

/** The commit the crate was packaged from. */
export const TINY_ATTEST_COMMIT = "754e0df4b4eceacc2c2f6761236e446455110845";

const LONG =
  "src/deeply/nested/module/path/that/is/long/a_module_file_with_a_rather_long_name_to_need_gnu_long_names.rs";

/** The crate's files in the repository (under crates/tiny-attest) and their Git blob ids. */
export const TINY_ATTEST_BLOBS: Readonly<Record<string, string>> = {
  "Cargo.toml": "b10c63716aac037e06d82bd1306114f6ebf30cbd",
  "LICENSE": "51883dd111eee91646e2e8e6896cb78fe386b3b8",
  "README.md": "4ffa33848987e0d989b58f6f0830aff3a445dc0c",
  "src/deeply.rs": "a800412af0f83d847cbbb9b4b2506ff44b921ce8",
  [LONG]: "eb6e2deab37b4c42e2c5011927e8209486f7d9e0",
  "src/lib.rs": "49f89b8e081de073be381fc0a2842eaae1fecee9",
};

/** The repository tree holding `blobs` under crates/tiny-attest (with their directories). */
export function tinyAttestTree(
  blobs: Readonly<Record<string, string>> = TINY_ATTEST_BLOBS,
): FakeTreeEntry[] {
  const entries: FakeTreeEntry[] = [];
  const dirs = new Set<string>();
  for (const [path, sha] of Object.entries(blobs)) {
    const full = `crates/tiny-attest/${path}`;
    entries.push({ path: full, mode: "100644", type: "blob", sha, size: 10 });
    const parts = full.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  for (const dir of dirs) {
    entries.push({ path: dir, mode: "040000", type: "tree", sha: "d".repeat(40) });
  }
  return entries;
}
