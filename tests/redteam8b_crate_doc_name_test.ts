/**
 * Red team 8b: a file that could not be compared keeps a crate from TRUSTED when it is code, and
 * not when it is documentation (README, LICENSE, CHANGELOG, …) — told by its name. The names of
 * documentation were matched with any extension, so `src/security.rs`, `src/history.rs`,
 * `src/license.rs` or `src/changes.rs` (ordinary module names) counted as documentation: a module
 * that cannot be compared (here the repository holds a symlink to outside the repository, whose
 * content cargo read from the packager's disk) then let the crate be TRUSTED with any code in it.
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
const EVIL = "pub fn audit() {\n    // anything\n}\n";
const TARGET = "../../../../../../home/packager/security.rs";

/** The real crate plus `path` holding EVIL; the repository holds `path` as a link outside it. */
async function run(path: string) {
  const pieces = splitTar(await gunzip(TINY_ATTEST_CRATE));
  const bytes = await gzip(
    concat([
      ...pieces.map((p) => p.blocks),
      ...tarEntry({ name: `tiny-attest-0.1.0/${path}`, data: EVIL }),
      new Uint8Array(1024),
    ]),
  );
  const link = gitBlobSha1(encoder.encode(TARGET));
  const tree = tinyAttestTree({ ...TINY_ATTEST_BLOBS, [path]: link }).map((e) =>
    e.path === `crates/tiny-attest/${path}` ? { ...e, mode: "120000", size: TARGET.length } : e
  );
  const r = await runTinyAttest(bytes, {
    repository: { trees: { [TINY_ATTEST_COMMIT]: tree }, blobs: { [link]: TARGET } },
  });
  return { ...r, out: r.out + r.err };
}

Deno.test("redteam8b crate doc name: the control (a NOTICE the repository links outside itself) does not block TRUSTED", async () => {
  const r = await run("NOTICE");
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /outside the repository/);
});

for (const path of ["src/security.rs", "src/history.rs", "src/license.rs", "src/changes.rs"]) {
  Deno.test(`redteam8b crate doc name: ${path} that cannot be compared is code, not documentation: not TRUSTED`, async () => {
    const r = await run(path);
    assert.notEqual(r.code, 0, r.out);
    assert.equal(r.verdict, "UNVERIFIED", r.out);
  });
}

Deno.test({
  name:
    "redteam8b crate doc name: a Markdown file that cannot be compared, compiled through #[path], is not TRUSTED",
  // HOLE: documentation is told by name, but rustc compiles whatever `#[path = "notes.md"]` or
  // `include!("notes.md")` names: a Markdown file that cannot be compared (a repository symlink
  // to outside the repository, a submodule) carries the code, and the crate is TRUSTED. Closing
  // it needs the scan of compiled sources for `#[path]`/`include*!` targets described in
  // redteam8b_crate_outside_test.ts (then such targets are code whatever their names).
  ignore: true,
  fn: async () => {
    const lib = '#[path = "notes.md"]\nmod notes;\npub use notes::audit;\n';
    const pieces = splitTar(await gunzip(TINY_ATTEST_CRATE)).filter((p) =>
      p.name !== "tiny-attest-0.1.0/src/lib.rs"
    );
    const bytes = await gzip(
      concat([
        ...pieces.map((p) => p.blocks),
        ...tarEntry({ name: "tiny-attest-0.1.0/src/lib.rs", data: lib }),
        ...tarEntry({ name: "tiny-attest-0.1.0/src/notes.md", data: EVIL }),
        new Uint8Array(1024),
      ]),
    );
    const link = gitBlobSha1(encoder.encode(TARGET));
    const blobs = {
      ...TINY_ATTEST_BLOBS,
      "src/lib.rs": gitBlobSha1(encoder.encode(lib)),
      "src/notes.md": link,
    };
    const tree = tinyAttestTree(blobs).map((e) =>
      e.path === "crates/tiny-attest/src/notes.md"
        ? { ...e, mode: "120000", size: TARGET.length }
        : e
    );
    const r = await runTinyAttest(bytes, {
      repository: { trees: { [TINY_ATTEST_COMMIT]: tree }, blobs: { [link]: TARGET } },
    });
    assert.notEqual(r.code, 0, r.out + r.err);
  },
});
