/**
 * A crate that inherits from its workspace, through `main()`: the normalized `Cargo.toml` must
 * follow from `Cargo.toml.orig` and the workspace root's manifest at the commit, which
 * cargo-attest reads from the repository (`git/blobs`). A real cargo-made crate
 * (tests/fixtures/crates/SOURCE.md: tiny-attest-ws-0.1.0.crate) and its real tree.
 */
import assert from "node:assert/strict";
import { runTinyAttest } from "./support/crate_runs.ts";
import { concat, gunzip, gzip, splitTar, tarEntry } from "./support/crate_builder.ts";
import type { FakeTreeEntry } from "./support/fake_github.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-ws-0.1.0.crate", import.meta.url),
);
const COMMIT = "1fa1585b215cd9ca0964542989f2f36c1dfdf543";
const ROOT_MANIFEST_SHA = "e6de538affb44c07241a7292b87294c98072bc27";
const ROOT_MANIFEST = `[workspace]
members = ["crates/*"]
resolver = "3"

[workspace.package]
version = "0.1.0"
edition = "2024"
license = "MIT"
`;
/** `git ls-tree -r -t HEAD` at the commit. */
const TREE: FakeTreeEntry[] = [
  { path: "Cargo.toml", mode: "100644", type: "blob", sha: ROOT_MANIFEST_SHA, size: 10 },
  { path: "crates", mode: "040000", type: "tree", sha: "3dccb713eac1e933b323bd0623cd414dd0a8ce53" },
  {
    path: "crates/tiny-attest",
    mode: "040000",
    type: "tree",
    sha: "1725d661b955b135f1bd6610d310f0d1c6693d9b",
  },
  {
    path: "crates/tiny-attest/Cargo.toml",
    mode: "100644",
    type: "blob",
    sha: "5012cb50ec3d204b18631cd9c8290adc16729ce1",
    size: 10,
  },
  {
    path: "crates/tiny-attest/LICENSE",
    mode: "100644",
    type: "blob",
    sha: "51883dd111eee91646e2e8e6896cb78fe386b3b8",
    size: 10,
  },
  {
    path: "crates/tiny-attest/README.md",
    mode: "100644",
    type: "blob",
    sha: "4ffa33848987e0d989b58f6f0830aff3a445dc0c",
    size: 10,
  },
  {
    path: "crates/tiny-attest/src",
    mode: "040000",
    type: "tree",
    sha: "c5ec05a837cd19ee8e1c65272383f4be45f4565a",
  },
  {
    path: "crates/tiny-attest/src/lib.rs",
    mode: "100644",
    type: "blob",
    sha: "49f89b8e081de073be381fc0a2842eaae1fecee9",
    size: 10,
  },
];

async function run(bytes: Uint8Array, blobs: Record<string, string>) {
  const r = await runTinyAttest(bytes, {
    repository: { tags: [{ name: "v0.1.0", commit: COMMIT }], trees: { [COMMIT]: TREE }, blobs },
  });
  return { code: r.code, source: r.source[0], out: r.out };
}

/** The crate with its normalized Cargo.toml rewritten by `edit`, every other entry as cargo wrote it. */
async function withManifest(edit: (text: string) => string): Promise<Uint8Array> {
  const decoder = new TextDecoder();
  const parts = splitTar(await gunzip(CRATE)).map((piece) => {
    if (piece.name !== "tiny-attest-0.1.0/Cargo.toml") return piece.blocks;
    const size = parseInt(decoder.decode(piece.blocks.subarray(124, 136)).replace(/\0.*$/, ""), 8);
    const text = decoder.decode(piece.blocks.subarray(512, 512 + size));
    return concat(tarEntry({ name: piece.name, data: edit(text) }));
  });
  return await gzip(concat([...parts, new Uint8Array(1024)]));
}

Deno.test("workspace: a member's inherited fields follow from the workspace root read at the commit", async () => {
  const r = await run(CRATE, { [ROOT_MANIFEST_SHA]: ROOT_MANIFEST });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.source.status, "pass", r.out);
  assert.match(r.source.message, /follows from Cargo\.toml\.orig and the workspace root/);
});

Deno.test("workspace: a normalized license the workspace root does not give is a MISMATCH", async () => {
  const bytes = await withManifest((t) => t.replace('license = "MIT"', 'license = "GPL-3.0"'));
  const r = await run(bytes, { [ROOT_MANIFEST_SHA]: ROOT_MANIFEST });
  assert.equal(r.code, 2, r.out);
  assert.equal(r.source.code, "crate-source-manifest-mismatch", r.out);
  assert.match(r.source.message, /license/);
});

Deno.test("workspace: a workspace root that cannot be read keeps the crate from TRUSTED", async () => {
  const r = await run(CRATE, {});
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.source.status, "skip", r.out);
});
