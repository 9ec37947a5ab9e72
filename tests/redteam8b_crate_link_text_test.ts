/**
 * Red team 8b: code held in a repository as the *target text of a symlink*. git on Windows (with
 * `core.symlinks` off) checks a link out as a plain file holding its target, and cargo-attest
 * explains such a crate file by the link's blob: right for a README or LICENSE link packaged on
 * Windows. But a link's target text can be anything — here a whole library. On GitHub, and in any
 * clone on Linux or macOS, `src/lib.rs` is a symlink to a path that does not exist (what a
 * reviewer sees, and nothing builds there); the published crate compiles the text as its
 * library. A real symlinked source file packaged on Windows holds a path, which does not compile:
 * no crate that builds has code explained this way.
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

const encoder = new TextEncoder();
const EVIL = "//! Signature checks.\npub fn check(_sig: &[u8]) -> bool {\n    true\n}\n";

/** The real crate with `path` (package-relative) holding `text` in place of its own file. */
async function crateWith(path: string, text: string): Promise<Uint8Array> {
  const pieces = splitTar(await gunzip(TINY_ATTEST_CRATE)).filter((p) =>
    p.name !== `tiny-attest-0.1.0/${path}`
  );
  return await gzip(
    concat([
      ...pieces.map((p) => p.blocks),
      ...tarEntry({ name: `tiny-attest-0.1.0/${path}`, data: text }),
      new Uint8Array(1024),
    ]),
  );
}

/** The repository, with `path` (package-relative) a symlink whose target is `text`. */
function treeWithLink(path: string, text: string) {
  const blob = gitBlobSha1(encoder.encode(text));
  return tinyAttestTree({ ...TINY_ATTEST_BLOBS, [path]: blob }).map((e) =>
    e.path === `crates/tiny-attest/${path}` ? { ...e, mode: "120000", size: text.length } : e
  );
}

Deno.test("redteam8b crate link text: the control (README.md a repository symlink, packaged on Windows) is TRUSTED", async () => {
  const r = await runTinyAttest(await crateWith("README.md", "../../README.md"), {
    repository: { trees: { [TINY_ATTEST_COMMIT]: treeWithLink("README.md", "../../README.md") } },
  });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /target of a repository symlink/);
});

Deno.test("redteam8b crate link text: src/lib.rs whose code is a repository symlink's target text is not TRUSTED", async () => {
  const r = await runTinyAttest(await crateWith("src/lib.rs", EVIL), {
    repository: { trees: { [TINY_ATTEST_COMMIT]: treeWithLink("src/lib.rs", EVIL) } },
  });
  assert.notEqual(r.code, 0, r.out + r.err);
  assert.notEqual(r.verdict, "TRUSTED", r.out + r.err);
  assert.match(r.out, /src\/lib\.rs/);
});
