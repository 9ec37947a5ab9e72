/**
 * Red team 8b: a crate whose manifest builds a file outside the crate. cargo unpacks every crate
 * of a registry side by side (`~/.cargo/registry/src/<index>/NAME-VERSION/`), so a build script
 * or target path that climbs out of the package (`build = "../helper-0.1.0/build.rs"`) is read,
 * in a build of the published crate, from another crate unpacked there — one the attacker
 * publishes and makes a dependency — while in the repository the same path names an innocent
 * file of the repository. Every file of the crate matches the repository, and the normalized
 * manifest follows from `Cargo.toml.orig`, yet what cargo runs was never compared with anything.
 * (cargo itself writes no target whose file it did not package.)
 */
import assert from "node:assert/strict";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { runTinyAttest } from "./support/crate_runs.ts";
import { TINY_ATTEST_COMMIT, tinyAttestNormalized, tinyAttestTree } from "./support/tiny_attest.ts";

const encoder = new TextEncoder();

/** The package's `Cargo.toml` as committed, with `extra` lines in [package] and `tail` after. */
function orig(extra = "", tail = ""): string {
  return `[package]
name = "tiny-attest"
version = "0.1.0"
edition = "2021"
description = "A tiny crate"
license = "MIT"
repository = "https://github.com/attest-fixtures/tiny-attest"
${extra}${tail}`;
}

/** What cargo writes from {@link orig}: `build` and `lib` as given. */
function normalized(build: string, lib: string): string {
  return tinyAttestNormalized({ build, libPath: lib });
}

const LIB = "pub fn check(sig: &[u8]) -> bool {\n    !sig.is_empty()\n}\n";
const BUILD = 'fn main() {\n    println!("cargo:rustc-cfg=checked");\n}\n';

/**
 * `crate tiny-attest@0.1.0` of a crate holding `files` (package-relative) beside the manifests,
 * against a repository whose tree holds the same files under crates/tiny-attest and `repoExtra`
 * (paths from the repository root).
 */
async function run(
  manifest: string,
  committed: string,
  files: Record<string, string>,
  repoExtra: Record<string, string> = {},
) {
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: TINY_ATTEST_COMMIT, pathInVcs: "crates/tiny-attest" },
    files: { "Cargo.toml": manifest, "Cargo.toml.orig": committed, ...files },
  });
  const blobs = Object.fromEntries(
    Object.entries({ "Cargo.toml": committed, ...files }).map((
      [path, text],
    ) => [path, gitBlobSha1(encoder.encode(text))]),
  );
  const tree = tinyAttestTree(blobs);
  for (const [path, text] of Object.entries(repoExtra)) {
    const bytes = encoder.encode(text);
    tree.push({ path, mode: "100644", type: "blob", sha: gitBlobSha1(bytes), size: bytes.length });
  }
  const r = await runTinyAttest(bytes, { repository: { trees: { [TINY_ATTEST_COMMIT]: tree } } });
  return { ...r, out: r.out + r.err };
}

Deno.test("redteam8b crate outside: the control (build script and library in the crate) is TRUSTED", async () => {
  const r = await run(
    normalized('build = "build.rs"\n', "src/lib.rs"),
    orig('build = "build.rs"\n'),
    { "README.md": "# tiny-attest\n", "build.rs": BUILD, "src/lib.rs": LIB },
  );
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("redteam8b crate outside: a build script outside the crate (../helper-0.1.0/build.rs) is not TRUSTED", async () => {
  const r = await run(
    normalized('build = "../helper-0.1.0/build.rs"\n', "src/lib.rs"),
    orig('build = "../helper-0.1.0/build.rs"\n'),
    { "README.md": "# tiny-attest\n", "src/lib.rs": LIB },
    { "crates/helper-0.1.0/build.rs": BUILD },
  );
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.match(r.out, /helper-0\.1\.0\/build\.rs/);
});

Deno.test("redteam8b crate outside: a library outside the crate (../shared-0.1.0/src/lib.rs) is not TRUSTED", async () => {
  const r = await run(
    normalized("", "../shared-0.1.0/src/lib.rs"),
    orig("", '\n[lib]\npath = "../shared-0.1.0/src/lib.rs"\n'),
    { "README.md": "# tiny-attest\n" },
    { "crates/shared-0.1.0/src/lib.rs": LIB },
  );
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.match(r.out, /shared-0\.1\.0\/src\/lib\.rs/);
});

Deno.test("redteam8b crate outside: without Cargo.toml.orig, a Cargo.toml equal to the repository's with a build script outside the crate is not TRUSTED", async () => {
  // An old cargo (or a hand-made crate) archives the manifest as committed: it is then compared
  // with the repository by blob, and the manifest cargo builds with is that one.
  const committed = orig('build = "../helper-0.1.0/build.rs"\n');
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: TINY_ATTEST_COMMIT, pathInVcs: "crates/tiny-attest" },
    files: { "Cargo.toml": committed, "README.md": "# tiny-attest\n", "src/lib.rs": LIB },
  });
  const tree = tinyAttestTree(Object.fromEntries(
    Object.entries({ "Cargo.toml": committed, "README.md": "# tiny-attest\n", "src/lib.rs": LIB })
      .map(([path, text]) => [path, gitBlobSha1(encoder.encode(text))]),
  ));
  const r = await runTinyAttest(bytes, {
    repository: { trees: { [TINY_ATTEST_COMMIT]: tree } },
  });
  assert.notEqual(r.code, 0, r.out + r.err);
  assert.notEqual(r.verdict, "TRUSTED", r.out + r.err);
  assert.match(r.out, /helper-0\.1\.0\/build\.rs/);
});

Deno.test({
  name:
    "redteam8b crate outside: a source file that include!s a file outside the crate is not TRUSTED",
  // Was a HOLE: `include!`, `include_str!`, `include_bytes!` and `#[path]` with a path that
  // climbs out of the crate (`../../helper-0.1.0/src/payload.rs` from src/lib.rs) read, in a build
  // of the published crate, another crate unpacked beside it. Closed by the scan of the crate's
  // files as they stream (`lib/evidence/rust_path_scan.ts`): `crate-source-outside-package`;
  // tests/crate_source_includes_test.ts covers the forms.
  fn: async () => {
    const lib = 'include!("../../helper-0.1.0/src/payload.rs");\n';
    const r = await run(
      normalized("", "src/lib.rs"),
      orig(""),
      { "README.md": "# tiny-attest\n", "src/lib.rs": lib },
      { "crates/helper-0.1.0/src/payload.rs": LIB },
    );
    assert.notEqual(r.code, 0, r.out);
    assert.notEqual(r.verdict, "TRUSTED", r.out);
    assert.match(r.out, /crate-source-outside-package/);
  },
});
