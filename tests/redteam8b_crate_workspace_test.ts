/**
 * Red team 8b: the workspace root a package inherits from, found as cargo finds it. cargo walks
 * up from the package to the first `Cargo.toml` with `[workspace]` that does not `exclude` it
 * (unless it names it a member): an excluding one is skipped. Taking the nearest `[workspace]`
 * whatever its `exclude` checks the normalized manifest against another root's values than those
 * cargo packaged it with: here a decoy `crates/Cargo.toml`, excluding the package, whose
 * `subtle` is `evil-subtle`.
 */
import assert from "node:assert/strict";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { runTinyAttest } from "./support/crate_runs.ts";
import { TINY_ATTEST_COMMIT, tinyAttestNormalized, tinyAttestTree } from "./support/tiny_attest.ts";

const encoder = new TextEncoder();

const ORIG = `[package]
name = "tiny-attest"
version.workspace = true
edition = "2021"
description = "A tiny crate"
license = "MIT"
repository = "https://github.com/attest-fixtures/tiny-attest"

[dependencies]
subtle.workspace = true
`;

const ROOT = `[workspace]
members = ["crates/*"]

[workspace.package]
version = "0.1.0"

[workspace.dependencies]
subtle = "2"
`;

const DECOY = `[workspace]
exclude = ["tiny-attest"]

[workspace.package]
version = "0.1.0"

[workspace.dependencies]
subtle = { version = "2", package = "evil-subtle" }
`;

/** What cargo writes, with `dependency` as the `subtle` table's body. */
function normalized(dependency: string): string {
  return tinyAttestNormalized({
    build: "build = false\n",
    tail: `[dependencies.subtle]\n${dependency}`,
  });
}

const LIB = "pub fn check(sig: &[u8]) -> bool {\n    !sig.is_empty()\n}\n";

async function run(manifest: string) {
  const files = { "README.md": "# tiny-attest\n", "src/lib.rs": LIB };
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: TINY_ATTEST_COMMIT, pathInVcs: "crates/tiny-attest" },
    files: { "Cargo.toml": manifest, "Cargo.toml.orig": ORIG, ...files },
  });
  const sha = (text: string) => gitBlobSha1(encoder.encode(text));
  const tree = tinyAttestTree(
    Object.fromEntries(
      Object.entries({ "Cargo.toml": ORIG, ...files }).map(([p, t]) => [p, sha(t)]),
    ),
  );
  for (const [path, text] of [["Cargo.toml", ROOT], ["crates/Cargo.toml", DECOY]]) {
    tree.push({ path, mode: "100644", type: "blob", sha: sha(text), size: text.length });
  }
  const r = await runTinyAttest(bytes, {
    repository: {
      trees: { [TINY_ATTEST_COMMIT]: tree },
      blobs: { [sha(ROOT)]: ROOT, [sha(DECOY)]: DECOY },
    },
  });
  return { ...r, out: r.out + r.err };
}

Deno.test("redteam8b crate workspace: the manifest cargo writes from the root that does not exclude the package is TRUSTED", async () => {
  const r = await run(normalized('version = "2"\n'));
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("redteam8b crate workspace: a dependency taken from a nearer [workspace] that excludes the package is not TRUSTED", async () => {
  const r = await run(normalized('version = "2"\npackage = "evil-subtle"\n'));
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.verdict, "MISMATCH", r.out);
  assert.match(r.out, /dependencies\.subtle\.package/);
});
