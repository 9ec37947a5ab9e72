/**
 * Red-team round 2 on the crate pipeline through `main()`, against the loopback fakes of
 * crates.io and GitHub: crates whose files all match the repository but whose manifest makes
 * cargo build something else than the repository would. Each attack has a control (the manifest
 * cargo 1.95 writes from the same files) that is TRUSTED.
 *
 * The package is `tiny-attest` 0.1.0 under `crates/tiny-attest` (edition 2021: the underscore
 * spellings of manifest keys are still accepted there), with a build script and a
 * build-dependency.
 */
import assert from "node:assert/strict";
import { runTinyAttest } from "./support/crate_runs.ts";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { tinyAttestNormalized, tinyAttestTree } from "./support/tiny_attest.ts";

const COMMIT = "754e0df4b4eceacc2c2f6761236e446455110845";
const encoder = new TextEncoder();

const ORIG = `[package]
name = "tiny-attest"
version = "0.1.0"
edition = "2021"
description = "A tiny crate"
license = "MIT"
repository = "https://github.com/attest-fixtures/tiny-attest"

[build-dependencies]
cc = "1"
`;

/** The package's files as committed (paths relative to crates/tiny-attest). */
function source(orig = ORIG): Record<string, string> {
  return {
    "Cargo.toml": orig,
    "build.rs": 'fn main() {\n    println!("cargo:rustc-cfg=checked");\n}\n',
    "src/lib.rs": "pub fn check(sig: &[u8]) -> bool {\n    !sig.is_empty()\n}\n",
    "README.md": "# tiny-attest\n",
  };
}

/** What cargo 1.95 writes from {@link ORIG}; `tail` is appended (an attack's extra tables). */
function normalized(tail = "", buildDeps = '[build-dependencies.cc]\nversion = "1"\n'): string {
  return tinyAttestNormalized({ build: 'build = "build.rs"\n', tail: `${buildDeps}${tail}` });
}

interface Scenario {
  /** The normalized Cargo.toml in the crate. */
  manifest: string;
  /** The package's files in the repository (default {@link source}). */
  files?: Record<string, string>;
  /** More files in the repository tree, by path from the repository root. */
  repoExtra?: Record<string, string>;
  /** Files only in the crate (beyond the package's files). */
  crateExtra?: Record<string, string>;
  pathInVcs?: string;
}

function blobsOf(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(files).map(([path, text]) => [path, gitBlobSha1(encoder.encode(text))]),
  );
}

async function run(s: Scenario) {
  const files = s.files ?? source();
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: COMMIT, pathInVcs: s.pathInVcs ?? "crates/tiny-attest" },
    files: {
      "Cargo.toml": s.manifest,
      "Cargo.toml.orig": files["Cargo.toml"],
      ...Object.fromEntries(Object.entries(files).filter(([p]) => p !== "Cargo.toml")),
      ...(s.crateExtra ?? {}),
    },
  });
  const tree = tinyAttestTree(blobsOf(files));
  for (const [path, text] of Object.entries(s.repoExtra ?? {})) {
    tree.push({
      path,
      mode: "100644",
      type: "blob",
      sha: gitBlobSha1(encoder.encode(text)),
      size: encoder.encode(text).length,
    });
  }
  const r = await runTinyAttest(bytes, { repository: { trees: { [COMMIT]: tree } } });
  return { ...r, out: r.out + r.err };
}

Deno.test("redteam2 crate: the control (the manifest cargo 1.95 writes) is TRUSTED", async () => {
  const r = await run({ manifest: normalized() });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.source[0].status, "pass", r.out);
});

Deno.test("redteam2 crate: a build-dependency swapped under [build-dependencies] and shadowed by an honest [build_dependencies] is not TRUSTED", async () => {
  // Cargo (edition < 2024) reads `[build-dependencies]` when both spellings are there (checked
  // with cargo 1.95: `cargo metadata` lists the renamed package); a comparison that merges the
  // two tables with the underscore one last sees only the honest `cc = "1"`.
  const r = await run({
    manifest: normalized(
      '\n[build_dependencies.cc]\nversion = "1"\n',
      '[build-dependencies.cc]\nversion = "1"\npackage = "evil-cc"\n',
    ),
  });
  assert.notEqual(r.code, 0, r.out);
});

Deno.test("redteam2 crate: a [lib] crate-type changed under `crate-type` and shadowed by an honest `crate_type` is not TRUSTED", async () => {
  // cargo 1.95 writes a target's `crate_type` as the original spells it, and reads `crate-type`
  // when both are there (checked with `cargo metadata`).
  const orig = ORIG + '\n[lib]\ncrate-type = ["rlib", "cdylib"]\n';
  const files = { ...source(orig) };
  const control = normalized().replace(
    'path = "src/lib.rs"',
    'path = "src/lib.rs"\ncrate-type = ["rlib", "cdylib"]',
  );
  const ok = await run({ manifest: control, files });
  assert.equal(ok.code, 0, ok.out);
  const r = await run({
    manifest: normalized().replace(
      'path = "src/lib.rs"',
      'path = "src/lib.rs"\ncrate-type = ["staticlib"]\ncrate_type = ["rlib", "cdylib"]',
    ),
    files,
  });
  assert.notEqual(r.code, 0, r.out);
});

Deno.test("redteam2 crate: a Cargo.toml whose readme or license-file names another file (CARGO_PKG_README, CARGO_PKG_LICENSE_FILE) is not TRUSTED", async () => {
  // cargo sets CARGO_PKG_README and CARGO_PKG_LICENSE_FILE from these fields for the build
  // (checked with cargo 1.95: `env!("CARGO_PKG_README")`), as it sets CARGO_PKG_REPOSITORY; a
  // crate that `include!`s or a build script that reads "the readme" reads another file.
  for (
    const manifest of [
      normalized().replace('readme = "README.md"', 'readme = "build.rs"'),
      normalized().replace(
        'readme = "README.md"',
        'readme = "README.md"\nlicense-file = "src/lib.rs"',
      ),
    ]
  ) {
    const r = await run({ manifest });
    assert.notEqual(r.code, 0, r.out);
  }
});
