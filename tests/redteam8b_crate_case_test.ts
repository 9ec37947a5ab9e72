/**
 * Red team 8b: a `.crate` whose file names collide on a case-insensitive (or
 * normalization-insensitive) filesystem — macOS's and Windows' defaults. cargo unpacks a crate
 * entry by entry (tar-rs, overwriting), so there the later of `src/lib.rs` and `src/LIB.rs` is
 * the one `src/lib.rs` holds when rustc compiles it. Every file matches the repository at its
 * commit (git keeps both names), so comparing file by file is not enough: what a reviewer sees as
 * an unused `src/LIB.rs` is the library a macOS or Windows build compiles.
 */
import assert from "node:assert/strict";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import { concat, gunzip, gzip, splitTar, tarEntry } from "./support/crate_builder.ts";
import { runTinyAttest } from "./support/crate_runs.ts";
import {
  TINY_ATTEST_BLOBS,
  TINY_ATTEST_COMMIT,
  TINY_ATTEST_CRATE,
  tinyAttestTree,
} from "./support/tiny_attest.ts";

const EVIL = "//! Signature checks.\npub fn check(_sig: &[u8]) -> bool {\n    true\n}\n";

/** The real tiny-attest crate with `extra` (relative path → text) appended after its files. */
async function crateWith(extra: Record<string, string>): Promise<Uint8Array> {
  const pieces = splitTar(await gunzip(TINY_ATTEST_CRATE));
  const added = Object.entries(extra).flatMap(([path, data]) =>
    tarEntry({ name: `tiny-attest-0.1.0/${path}`, data })
  );
  return await gzip(concat([...pieces.map((p) => p.blocks), ...added, new Uint8Array(1024)]));
}

/** `crate tiny-attest@0.1.0` with `extra` in the crate and in the repository at the commit. */
async function run(extra: Record<string, string>) {
  const blobs: Record<string, string> = { ...TINY_ATTEST_BLOBS };
  for (const [path, text] of Object.entries(extra)) {
    blobs[path] = gitBlobSha1(new TextEncoder().encode(text));
  }
  const r = await runTinyAttest(await crateWith(extra), {
    repository: { trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(blobs) } },
  });
  return { ...r, out: r.out + r.err };
}

Deno.test("redteam8b crate case: the control (an extra file the repository has, no collision) is TRUSTED", async () => {
  const r = await run({ "src/evil.rs": EVIL });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("redteam8b crate case: src/LIB.rs after src/lib.rs (one file on macOS and Windows) is not TRUSTED", async () => {
  const r = await run({ "src/LIB.rs": EVIL });
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.match(r.out, /crate-archive-duplicate/);
  assert.match(r.out, /src\/LIB\.rs/);
});

Deno.test("redteam8b crate case: a Cargo.TOML beside Cargo.toml (the manifest cargo reads there) is not TRUSTED", async () => {
  const r = await run({ "Cargo.TOML": '[package]\nname = "tiny-attest"\nversion = "0.1.0"\n' });
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.match(r.out, /crate-archive-duplicate/);
});

Deno.test("redteam8b crate case: a name that is another's in Unicode decomposed form is not TRUSTED", async () => {
  // macOS (APFS, HFS+) looks names up normalization-insensitively: "é" (U+00E9) and "e\u0301"
  // name one file there.
  const r = await run({ "src/caf\u00e9.rs": "// one\n", "src/cafe\u0301.rs": EVIL });
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.match(r.out, /crate-archive-duplicate/);
});

for (
  const name of [
    "src/lib.rs.",
    "src/lib.rs ",
    "src/lib.rs::$DATA",
    "src/lib.rs:$DATA",
    "SRC/lib.rs..",
  ]
) {
  Deno.test(`redteam8b crate case: ${JSON.stringify(name)} after src/lib.rs (one file on Windows) is not TRUSTED`, async () => {
    // Win32 drops trailing dots and spaces from a name, and `NAME::$DATA` is NAME's own content:
    // cargo on Windows unpacks this entry over src/lib.rs.
    const r = await run({ [name]: EVIL });
    assert.notEqual(r.code, 0, r.out);
    assert.notEqual(r.verdict, "TRUSTED", r.out);
    assert.match(r.out, /crate-archive-duplicate/);
  });
}
