/**
 * Attacks through `main()` on how a `.crate`'s tar entries are named (issue #12, item 6): an entry
 * that cargo-attest could read under one name while cargo (the Rust `tar` crate, tar-rs) unpacks
 * it under another. Each crate is the real tiny-attest crate (tests/fixtures/crates), its
 * `Cargo.lock` (written by cargo, never compared) taken out and an evil `src/lib.rs` added after
 * the good one: cargo would unpack the evil one over the good one, so no such crate may come out
 * TRUSTED. A control crate rebuilt the same way without the attack proves the harness itself
 * passes.
 */
import assert from "node:assert/strict";
import { runTinyAttest } from "./support/crate_runs.ts";
import { gitBlobSha1 } from "../lib/evidence/git_blob.ts";
import {
  concat,
  gunzip,
  gzip,
  paxRecord,
  type RawTarEntry,
  splitTar,
  tarEntry,
} from "./support/crate_builder.ts";
import { TINY_ATTEST_BLOBS, TINY_ATTEST_COMMIT, tinyAttestTree } from "./support/tiny_attest.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const ROOT = "tiny-attest-0.1.0";
const EVIL = "pub fn evil() { std::process::abort() }\n";
const PIECES = splitTar(await gunzip(CRATE));

/** The real crate without its Cargo.lock, then `extra` entries, then the end-of-archive marker. */
async function crateWith(extra: RawTarEntry[]): Promise<Uint8Array> {
  const kept = PIECES.filter((p) => p.name !== `${ROOT}/Cargo.lock`).map((p) => p.blocks);
  return await gzip(concat([...kept, ...extra.flatMap(tarEntry), new Uint8Array(1024)]));
}

async function run(bytes: Uint8Array, blobs: Record<string, string> = { ...TINY_ATTEST_BLOBS }) {
  return await runTinyAttest(bytes, {
    repository: { trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(blobs) } },
  });
}

/** The run is a MISMATCH because the archive is malformed, and says which entry. */
function assertMalformed(r: { code: number; out: string; err: string }, mentions: RegExp) {
  assert.equal(r.code, 2, r.out + r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.verdict, "MISMATCH");
  const malformed = report.subjects[0].checks.filter(
    (c: { code: string }) => c.code === "crate-archive-malformed",
  );
  assert.equal(malformed.length, 1, r.out);
  assert.match(malformed[0].message, mentions);
}

const paxHeader = (records: [string, string][], extra: Partial<RawTarEntry> = {}): RawTarEntry => ({
  name: "././@PaxHeader",
  type: "x",
  data: records.map(([k, v]) => paxRecord(k, v)).join(""),
  ...extra,
});

Deno.test("attack tar names: the control crate (Cargo.lock taken out, re-packed) is TRUSTED", async () => {
  const r = await run(await crateWith([]));
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(JSON.parse(r.out).verdict, "TRUSTED");
});

Deno.test("attack tar names: a pax header with `path` twice (tar-rs takes the first) is not TRUSTED", async () => {
  const r = await run(
    await crateWith([
      paxHeader([["path", `${ROOT}/src/lib.rs`], ["path", `${ROOT}/Cargo.lock`]]),
      { name: `${ROOT}/src/lib.rs`, data: EVIL },
    ]),
  );
  assertMalformed(r, /"path" twice/);
});

Deno.test("attack tar names: a GNU long name together with a pax path (tar-rs prefers the long name) is not TRUSTED", async () => {
  const r = await run(
    await crateWith([
      { name: "././@LongLink", type: "L", data: `${ROOT}/src/lib.rs\0` },
      paxHeader([["path", `${ROOT}/Cargo.lock`]]),
      { name: `${ROOT}/src/lib.rs`, data: EVIL },
    ]),
  );
  assertMalformed(r, /GNU long name .*src\/lib\.rs.* pax path .*Cargo\.lock/);
});

Deno.test("attack tar names: a pax header in a v7 block (tar-rs does not apply it) is not TRUSTED", async () => {
  const r = await run(
    await crateWith([
      paxHeader([["path", `${ROOT}/Cargo.lock`]], { name: `${ROOT}/PaxHeader`, format: "v7" }),
      { name: `${ROOT}/src/lib.rs`, data: EVIL },
    ]),
  );
  assertMalformed(r, /not ustar or GNU/);
});

Deno.test("attack tar names: a pax header in a ustar block of version 01 (tar-rs does not apply it) is not TRUSTED", async () => {
  const r = await run(
    await crateWith([
      paxHeader([["path", `${ROOT}/Cargo.lock`]], {
        name: `${ROOT}/PaxHeader`,
        magic: "ustar\u000001",
      }),
      { name: `${ROOT}/src/lib.rs`, data: EVIL },
    ]),
  );
  assertMalformed(r, /version "01"/);
});

Deno.test("attack tar names: a ustar prefix under a version other than 00 (tar-rs ignores the prefix) is not TRUSTED", async () => {
  // Read with the prefix, the entry is a test fixture the repository really holds; tar-rs reads
  // only the name field (the header is no ustar header to it): src/lib.rs, over the good one.
  const fixture = `tests/fixtures/${ROOT}/src/lib.rs`;
  const blobs = { ...TINY_ATTEST_BLOBS, [fixture]: gitBlobSha1(new TextEncoder().encode(EVIL)) };
  const r = await run(
    await crateWith([{
      name: `${ROOT}/src/lib.rs`,
      prefix: `${ROOT}/tests/fixtures`,
      magic: "ustar\u000001",
      data: EVIL,
    }]),
    blobs,
  );
  assertMalformed(r, /version "01"/);
});
