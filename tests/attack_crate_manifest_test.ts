/**
 * Attacks on `crate-source` through what cargo writes and what the repository does not decide
 * (issue #12, items 2 and 3 and the undecidable-code edge), run through `main()` against loopback
 * fakes of crates.io and GitHub. Each crate is the real tiny-attest `.crate`
 * (tests/fixtures/crates/SOURCE.md) repacked with one change an attacker would make.
 */
import assert from "node:assert/strict";
import { readCrateArchive } from "../lib/evidence/crate_archive.ts";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { runTinyAttest } from "./support/crate_runs.ts";
import type { FakeRepository, FakeTreeEntry } from "./support/fake_github.ts";
import { TINY_ATTEST_BLOBS, TINY_ATTEST_COMMIT, tinyAttestTree } from "./support/tiny_attest.ts";

const FIXTURES = new URL("./fixtures/crates/", import.meta.url);
const REAL = await Deno.readFile(new URL("tiny-attest-0.1.0.crate", FIXTURES));
const COMMIT = TINY_ATTEST_COMMIT;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** The real crate's files in archive order (`.cargo_vcs_info.json` aside), with their bytes. */
async function realFiles(): Promise<Record<string, Uint8Array>> {
  const archive = await readCrateArchive(REAL, { name: "tiny-attest", version: "0.1.0" });
  const files: Record<string, Uint8Array> = {};
  for (const f of archive.files) {
    if (f.path === ".cargo_vcs_info.json") continue;
    assert.ok(f.bytes, `${f.path} kept`);
    files[f.path] = new Uint8Array(f.bytes);
  }
  return files;
}

const REAL_FILES = await realFiles();
const REAL_MANIFEST = decoder.decode(REAL_FILES["Cargo.toml"]);

/** The tiny-attest crate repacked as cargo packs it, with `changes` applied. */
function repack(changes: Record<string, string | Uint8Array | null>): Promise<Uint8Array> {
  const files: Record<string, string | Uint8Array> = { ...REAL_FILES };
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) delete files[path];
    else files[path] = content;
  }
  return buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: COMMIT, pathInVcs: "crates/tiny-attest" },
    files,
  });
}

/** The tiny-attest repository with `entries` as the tree of its commit. */
function repository(entries: FakeTreeEntry[] = tinyAttestTree()): Partial<FakeRepository> {
  return { trees: { [COMMIT]: entries } };
}

/** One `crate tiny-attest@0.1.0 --json` run through `main()`; `out` holds stdout and stderr. */
async function run(bytes: Uint8Array, repo: Partial<FakeRepository>, policy?: string) {
  const r = await runTinyAttest(bytes, { repository: repo, policy });
  return { ...r, out: r.out + r.err };
}

const REQUIRE_ALL = 'version = 1\n[crate."tiny-attest"]\n' +
  'require = ["crate-checksum", "crate-vcs", "crate-source"]\n';

Deno.test("attack: the repacked, unchanged tiny-attest crate is TRUSTED (the control)", async () => {
  const r = await run(await repack({}), repository(), REQUIRE_ALL);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.source[0].status, "pass", r.out);
});

Deno.test("attack: a Cargo.toml that adds a build script and dependencies is a MISMATCH", async () => {
  const evil = REAL_MANIFEST.replace("build = false", 'build = "build.rs"') +
    '\n[dependencies.evil-runtime]\nversion = "1"\n' +
    '\n[build-dependencies.evil]\nversion = "0.1"\n';
  assert.notEqual(evil, REAL_MANIFEST);
  for (const policy of [undefined, REQUIRE_ALL]) {
    const r = await run(await repack({ "Cargo.toml": evil }), repository(), policy);
    assert.equal(r.code, 2, r.out);
    assert.equal(r.verdict, "MISMATCH");
    const failed = r.source.find((c: { status: string }) => c.status === "fail");
    assert.equal(failed?.code, "crate-source-manifest-mismatch", r.out);
    assert.match(failed.message, /package\.build/);
    assert.match(failed.message, /build-dependencies\.evil/);
    assert.match(failed.message, /dependencies\.evil-runtime/);
  }
});

Deno.test("attack: a Cargo.toml whose lib path points at another file is a MISMATCH", async () => {
  const evil = REAL_MANIFEST.replace('path = "src/lib.rs"', 'path = "src/deeply.rs"');
  assert.notEqual(evil, REAL_MANIFEST);
  const r = await run(await repack({ "Cargo.toml": evil }), repository(), REQUIRE_ALL);
  assert.equal(r.code, 2, r.out);
  assert.match(JSON.stringify(r.source), /crate-source-manifest-mismatch/);
  assert.match(JSON.stringify(r.source), /lib/);
});

Deno.test("attack: a crate-root build.rs found only at tools/unrelated/build.rs is a MISMATCH", async () => {
  const build = 'fn main() { println!("cargo:rustc-cfg=evil"); }\n';
  const tree = tinyAttestTree();
  tree.push(
    { path: "tools", mode: "040000", type: "tree", sha: "e".repeat(40) },
    { path: "tools/unrelated", mode: "040000", type: "tree", sha: "f".repeat(40) },
    {
      path: "tools/unrelated/build.rs",
      mode: "100644",
      type: "blob",
      sha: gitBlobSha1(encoder.encode(build)),
      size: build.length,
    },
  );
  const r = await run(await repack({ "build.rs": build }), repository(tree), REQUIRE_ALL);
  assert.equal(r.code, 2, r.out);
  const failed = r.source.find((c: { status: string }) => c.status === "fail");
  assert.equal(failed?.code, "crate-source-mismatch", r.out);
  assert.match(failed.message, /build\.rs/);
});

Deno.test("attack: a Cargo.lock that is not what cargo writes is a MISMATCH", async () => {
  const payload = REAL_FILES["src/lib.rs"];
  for (const lock of [payload, 'version = 4\n\n[[package]]\nname = "other"\nversion = "1.0.0"\n']) {
    const r = await run(await repack({ "Cargo.lock": lock }), repository(), REQUIRE_ALL);
    assert.equal(r.code, 2, r.out);
    const failed = r.source.find((c: { status: string }) => c.status === "fail");
    assert.equal(failed?.code, "crate-source-lock-mismatch", r.out);
    assert.match(failed.message, /Cargo\.lock/);
  }
});

Deno.test("attack: source code inside a submodule keeps the crate from TRUSTED", async () => {
  const tree = tinyAttestTree({
    "Cargo.toml": TINY_ATTEST_BLOBS["Cargo.toml"],
    "LICENSE": TINY_ATTEST_BLOBS["LICENSE"],
    "README.md": TINY_ATTEST_BLOBS["README.md"],
  });
  tree.push({
    path: "crates/tiny-attest/src",
    mode: "160000",
    type: "commit",
    sha: "5".repeat(40),
  });
  const r = await run(await repack({}), repository(tree));
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.verdict, "UNVERIFIED", r.out);
  assert.equal(r.source[0].status, "skip");
  assert.match(r.source[0].message, /src\/lib\.rs/);
  assert.match(r.source[0].message, /code cargo compiles/);
});

Deno.test("attack: a source file whose repository blob cannot be read keeps the crate from TRUSTED", async () => {
  // The repository's blob differs and could be the crate's file with CRLF line endings (or a
  // git-lfs pointer); the fake GitHub serves no blob, so it cannot be told.
  const lib = REAL_FILES["src/lib.rs"];
  const tree = tinyAttestTree({ ...TINY_ATTEST_BLOBS, "src/lib.rs": "6".repeat(40) }).map((e) =>
    e.path === "crates/tiny-attest/src/lib.rs" ? { ...e, size: lib.length + 1 } : e
  );
  const r = await run(await repack({}), repository(tree));
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.source[0].status, "skip", r.out);
  assert.match(r.source[0].message, /code cargo compiles/);
});

Deno.test("attack: an undecidable README stays a non-blocking skip and says so", async () => {
  const readme = REAL_FILES["README.md"];
  const tree = tinyAttestTree({ ...TINY_ATTEST_BLOBS, "README.md": "7".repeat(40) }).map((e) =>
    e.path === "crates/tiny-attest/README.md" ? { ...e, size: readme.length + 1 } : e
  );
  const r = await run(await repack({}), repository(tree));
  assert.equal(r.code, 0, r.out);
  assert.equal(r.source[0].status, "skip", r.out);
  assert.match(r.source[0].message, /README\.md/);
  assert.match(r.source[0].message, /documentation only/);
});

Deno.test("attack: an undecidable build input that is not Rust (a CMakeLists.txt, a script) keeps the crate from TRUSTED", async () => {
  for (const path of ["CMakeLists.txt", "tools/gen.py", "data/table.bin"]) {
    const bytes = await repack({ [path]: "evil build input\n" });
    // The file is in the tree as a submodule (a gitlink): its content cannot be compared.
    const tree = [
      ...tinyAttestTree(),
      {
        path: `crates/tiny-attest/${path}`,
        mode: "160000",
        type: "commit" as const,
        sha: "c".repeat(40),
      },
    ];
    const r = await run(bytes, repository(tree));
    assert.notEqual(r.code, 0, `${path}: ${r.out}`);
  }
});
