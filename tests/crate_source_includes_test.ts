/**
 * A crate's Rust sources that read a file outside the package: `include!`, `include_str!`,
 * `include_bytes!`, `#[path]` (also inside `cfg_attr`) with a path that climbs out of it, or
 * `concat!(env!("CARGO_MANIFEST_DIR"), "/../…")`. cargo unpacks every registry crate side by side
 * (`~/.cargo/registry/src/<index>/NAME-VERSION/`), so in a build of the published crate such a
 * path reads another crate's file, which no check compared; in the repository the same path
 * names an innocent file. Every file of the crate matches, yet the crate is never TRUSTED:
 * `crate-source-outside-package` (red team 8b's hole).
 */
import assert from "node:assert/strict";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { cachedRunner, recalled } from "./support/cached_runs.ts";
import { runTinyAttest } from "./support/crate_runs.ts";
import { sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import {
  TINY_ATTEST_COMMIT,
  tinyAttestCrate,
  tinyAttestLock,
  tinyAttestNormalized,
  tinyAttestRepository,
  tinyAttestTree,
} from "./support/tiny_attest.ts";

const encoder = new TextEncoder();

const ORIG = `[package]
name = "tiny-attest"
version = "0.1.0"
edition = "2021"
description = "A tiny crate"
license = "MIT"
repository = "https://github.com/attest-fixtures/tiny-attest"
`;

const NORMALIZED = tinyAttestNormalized();

const PAYLOAD = "pub fn check(sig: &[u8]) -> bool {\n    !sig.is_empty()\n}\n";

/**
 * `crate tiny-attest@0.1.0` of a crate holding `files` (package-relative) beside the manifests
 * and a README, against a repository whose tree holds the same files under crates/tiny-attest
 * and an innocent crates/helper-0.1.0/src/payload.rs (with `tree: false`, no tree at the commit).
 */
async function run(files: Record<string, string>, options: { tree?: boolean } = {}) {
  const { bytes, repository } = await fixture(files, options);
  const r = await runTinyAttest(bytes, { repository });
  return { ...r, out: r.out + r.err };
}

/** The `.crate` of {@link run} and the repository it is compared with. */
async function fixture(files: Record<string, string>, options: { tree?: boolean } = {}) {
  const all: Record<string, string> = { "README.md": "# tiny-attest\n", ...files };
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: TINY_ATTEST_COMMIT, pathInVcs: "crates/tiny-attest" },
    files: { "Cargo.toml": NORMALIZED, "Cargo.toml.orig": ORIG, ...all },
  });
  const blobs = Object.fromEntries(
    Object.entries({ "Cargo.toml": ORIG, ...all }).map((
      [path, text],
    ) => [path, gitBlobSha1(encoder.encode(text))]),
  );
  const tree = tinyAttestTree(blobs);
  const payload = encoder.encode(PAYLOAD);
  tree.push({
    path: "crates/helper-0.1.0/src/payload.rs",
    mode: "100644",
    type: "blob",
    sha: gitBlobSha1(payload),
    size: payload.length,
  });
  return {
    bytes,
    repository: tinyAttestRepository({
      trees: options.tree === false ? {} : { [TINY_ATTEST_COMMIT]: tree },
    }),
  };
}

/** The run fails crate-source with `crate-source-outside-package` naming `file:line` and `path`. */
function assertOutside(
  r: Awaited<ReturnType<typeof run>>,
  where: string,
  path: string,
): void {
  assert.equal(r.code, 2, r.out);
  assert.equal(r.verdict, "MISMATCH", r.out);
  const outside = r.source.find((c) => c.code === "crate-source-outside-package");
  assert.ok(outside, r.out);
  assert.equal(outside.status, "fail");
  assert.ok(outside.message.includes(where), outside.message);
  assert.ok(outside.message.includes(path), outside.message);
  assert.match(outside.message, /another package/);
}

Deno.test("crate source includes: include! of a file outside the package is a MISMATCH although every file matches", async () => {
  const r = await run({
    "src/lib.rs": 'include!("../../helper-0.1.0/src/payload.rs");\n',
  });
  assertOutside(r, "src/lib.rs:1", "../../helper-0.1.0/src/payload.rs");
  // The comparison itself passed: the finding fails crate-source whatever it found.
  assert.ok(r.source.some((c) => c.code === "crate-source-match"), r.out);
});

Deno.test("crate source includes: include_str!, include_bytes!, #[path], cfg_attr and raw strings are each a MISMATCH", async () => {
  const cases: [string, string, string, string][] = [
    [
      "src/lib.rs",
      'pub const S: &str = include_str!("../../helper-0.1.0/src/payload.rs");\n',
      "src/lib.rs:1",
      "../../helper-0.1.0/src/payload.rs",
    ],
    [
      "src/lib.rs",
      'pub fn f() {}\npub static B: &[u8] = include_bytes!(\n  r#"../../helper-0.1.0/src/payload.rs"#\n);\n',
      "src/lib.rs:2",
      "../../helper-0.1.0/src/payload.rs",
    ],
    [
      "src/lib.rs",
      '#[path = "../../helper-0.1.0/src/payload.rs"]\nmod payload;\n',
      "src/lib.rs:1",
      "../../helper-0.1.0/src/payload.rs",
    ],
    [
      "src/lib.rs",
      '#[cfg_attr(not(windows), path = "../../helper-0.1.0/src/payload.rs")]\nmod payload;\n',
      "src/lib.rs:1",
      "../../helper-0.1.0/src/payload.rs",
    ],
    [
      "src/lib.rs",
      'include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../helper-0.1.0/src/payload.rs"));\n',
      "src/lib.rs:1",
      "/../helper-0.1.0/src/payload.rs",
    ],
    [
      "src/net/mod.rs",
      'include!("\\x2e./../../helper-0.1.0/src/payload.rs");\n',
      "src/net/mod.rs:1",
      "../../../helper-0.1.0/src/payload.rs",
    ],
  ];
  for (const [file, text, where, path] of cases) {
    const files: Record<string, string> = { [file]: text };
    if (file !== "src/lib.rs") files["src/lib.rs"] = "pub mod net;\n";
    assertOutside(await run(files), where, path);
  }
});

Deno.test("crate source includes: paths inside the package, and OUT_DIR, stay TRUSTED", async () => {
  const r = await run({
    "src/lib.rs": [
      '#![doc = include_str!("../README.md")]',
      'include!(concat!(env!("OUT_DIR"), "/generated.rs"));',
      'pub const D: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));',
      '#[path = "impl/unix.rs"]',
      "mod sys;",
      '/// Not this one: include!("../../elsewhere.rs")',
      "pub fn f() {}",
      "",
    ].join("\n"),
    "src/impl/unix.rs": "pub fn g() {}\n",
  });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("crate source includes: with no repository tree to compare with, still a MISMATCH (never TRUSTED)", async () => {
  const r = await run(
    { "src/lib.rs": 'include!("../../helper-0.1.0/src/payload.rs");\n' },
    { tree: false },
  );
  assertOutside(r, "src/lib.rs:1", "../../helper-0.1.0/src/payload.rs");
  assert.ok(r.source.some((c) => c.code === "crate-source-unavailable"), r.out);
});

Deno.test("crate source includes: a crate over 4 MiB inflated (bytes not kept), a reference split across two read chunks", async () => {
  // Read in parts of 1 MiB: the literal straddles the first part's end.
  const line = "// filler filler filler filler filler filler filler filler filler\n";
  const before = line.repeat(Math.floor((1024 * 1024 - 100) / line.length));
  const pad = " ".repeat(1024 * 1024 - 30 - before.length);
  const head = `${before}${pad}\ninclude!("../../helper-0.1.0/src/payload.rs");\n`;
  const tail = line.repeat(Math.ceil((4.5 * 1024 * 1024) / line.length));
  const big = head + tail;
  const lineNo = head.split("\n").length - 1;
  const r = await run({ "src/lib.rs": "mod big;\n", "src/big.rs": big });
  assertOutside(r, `src/big.rs:${lineNo}`, "../../helper-0.1.0/src/payload.rs");
});

Deno.test("crate source includes: a warm run (the crate memo) and a recalled lock run still say MISMATCH", async () => {
  const { bytes, repository } = await fixture({
    "src/lib.rs": 'include!("../../helper-0.1.0/src/payload.rs");\n',
  });
  const cratesIo = startFakeCratesIo([tinyAttestCrate({ bytes })]);
  const github = startFakeGithub([], { repositories: [repository] });
  try {
    await withTempDir(async (dir) => {
      const run = cachedRunner(
        { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl },
        dir,
      );
      const outside = (r: { out: string }) =>
        (JSON.parse(r.out).subjects as { checks: { code: string }[] }[])
          .flatMap((s) => s.checks).some((c) => c.code === "crate-source-outside-package");
      await Deno.writeTextFile(`${dir}/Cargo.lock`, tinyAttestLock(sha256Hex(bytes)));
      const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
      const first = await run(lock);
      assert.equal(first.code, 2, first.out);
      assert.ok(outside(first), first.out);
      // The second run recalls the first run's checks (the lock memo).
      const again = await run(lock);
      assert.equal(recalled(again), true, again.out);
      assert.equal(again.code, 2, again.out);
      assert.equal(again.report.verdict, "MISMATCH");
      assert.ok(outside(again), again.out);
      const crate = ["crate", "tiny-attest@0.1.0", "--json"];
      // The lock's runs remembered the archive's summary: this run recalls it instead of reading
      // the .crate.
      const warm = await run(crate);
      assert.equal(warm.code, 2, warm.out);
      assert.equal(warm.report.verdict, "MISMATCH");
      assert.ok(outside(warm), warm.out);
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});

Deno.test("crate source includes: a file of another name that a Rust file has compiled counts (include!, #[path], a chain); one never compiled does not", async () => {
  const evil = 'include!("../../helper-0.1.0/src/payload.rs");\n';
  assertOutside(
    await run({ "src/lib.rs": 'include!("gen.in");\n', "src/gen.in": "\n" + evil }),
    "src/gen.in:2",
    "../../helper-0.1.0/src/payload.rs",
  );
  assertOutside(
    await run({
      "src/lib.rs": '#[path = "sys/imp.txt"]\nmod imp;\n',
      "src/sys/imp.txt":
        'include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../helper-0.1.0/src/payload.rs"));\n',
    }),
    "src/sys/imp.txt:1",
    "/../helper-0.1.0/src/payload.rs",
  );
  assertOutside(
    await run({
      "src/lib.rs": 'include!(concat!(env!("CARGO_MANIFEST_DIR"), "/gen/a.in"));\n',
      "gen/a.in": 'include!("b.in");\n',
      "gen/b.in": evil,
    }),
    "gen/b.in:1",
    "../../helper-0.1.0/src/payload.rs",
  );
  // Documentation that shows such a macro, and is not compiled: TRUSTED.
  const r = await run({
    "src/lib.rs": '#![doc = include_str!("../README.md")]\npub fn f() {}\n',
    "docs/usage.md": "```rust\n" + evil + "```\n",
  });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("crate source includes: a file compiled past the targets one file notes still counts", async () => {
  // src/lib.rs compiles 17 files of other names; the last one named reads outside the package.
  // Which files are compiled is then not known in full: every file's outside paths count.
  const evil = 'include!("../../helper-0.1.0/src/payload.rs");\n';
  const files: Record<string, string> = {
    "src/lib.rs": Array.from({ length: 17 }, (_, i) => `include!("g${i}.in");\n`).join(""),
  };
  for (let i = 0; i < 16; i++) files[`src/g${i}.in`] = `pub fn g${i}() {}\n`;
  files["src/g16.in"] = evil;
  assertOutside(await run(files), "src/g16.in:1", "../../helper-0.1.0/src/payload.rs");
});

Deno.test("crate source includes: paths outside the package named only by test, bench and example files are UNVERIFIED, not a MISMATCH", async () => {
  // As in rustls-style workspaces: a test reads the workspace's test CA (`../../test-ca/…`).
  // A dependent's build never compiles tests, benches or examples, so this is no mismatch; which
  // files cargo compiles is not worked out, so it is never TRUSTED either.
  for (const file of ["tests/api.rs", "benches/speed.rs", "examples/client.rs"]) {
    const r = await run({
      "src/lib.rs": "pub fn f() {}\n",
      [file]: 'const CA: &[u8] = include_bytes!("../../test-ca/ca.der");\n',
    });
    assert.equal(r.code, 1, r.out);
    assert.equal(r.verdict, "UNVERIFIED", r.out);
    const outside = r.source.find((c) => c.code === "crate-source-outside-package");
    assert.ok(outside, r.out);
    assert.equal(outside.status, "skip");
    assert.ok(outside.message.includes(`${file}:1`), outside.message);
  }
  // The same path from the library as well: a MISMATCH.
  assertOutside(
    await run({
      "src/lib.rs": 'const CA: &[u8] = include_bytes!("../../test-ca/ca.der");\n',
      "tests/api.rs": 'const CA: &[u8] = include_bytes!("../../test-ca/ca.der");\n',
    }),
    "src/lib.rs:1",
    "../../test-ca/ca.der",
  );
});
