/**
 * Runs of `crate tiny-attest@0.1.0` whose files match its repository's, file for file: the setup
 * of the outside-package scan's red-team tests (`tests/redteam8c_outside_test.ts`,
 * `tests/redteam8d_outside_test.ts`).
 * @module
 */
import assert from "node:assert/strict";
import { gitBlobSha1 } from "../../lib/evidence/git_blob.ts";
import { buildCrate } from "./crate_builder.ts";
import { runTinyAttest } from "./crate_runs.ts";
import {
  TINY_ATTEST_COMMIT,
  tinyAttestNormalized,
  tinyAttestRepository,
  tinyAttestTree,
} from "./tiny_attest.ts";

const encoder = new TextEncoder();

/** tiny-attest's `Cargo.toml.orig`: no targets named. */
export const ORIG = `[package]
name = "tiny-attest"
version = "0.1.0"
edition = "2021"
description = "A tiny crate"
license = "MIT"
repository = "https://github.com/attest-fixtures/tiny-attest"
`;

/** What cargo writes from {@link ORIG}. */
export const NORMALIZED = tinyAttestNormalized();

/** A file of another registry crate, as a path from a crate's `src/` climbs to it. */
export const PAYLOAD = "helper-0.1.0/src/payload.rs";

/** `crate tiny-attest@0.1.0` of a crate holding `files`, against a repository holding the same. */
export async function run(
  files: Record<string, string>,
  manifests: { orig: string; normalized: string } = { orig: ORIG, normalized: NORMALIZED },
) {
  const all: Record<string, string> = { "README.md": "# tiny-attest\n", ...files };
  const bytes = await buildCrate({
    name: "tiny-attest",
    version: "0.1.0",
    vcsInfo: { sha1: TINY_ATTEST_COMMIT, pathInVcs: "crates/tiny-attest" },
    files: { "Cargo.toml": manifests.normalized, "Cargo.toml.orig": manifests.orig, ...all },
  });
  const blobs = Object.fromEntries(
    Object.entries({ "Cargo.toml": manifests.orig, ...all }).map((
      [path, text],
    ) => [path, gitBlobSha1(encoder.encode(text))]),
  );
  const repository = tinyAttestRepository({
    trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(blobs) },
  });
  const r = await runTinyAttest(bytes, { repository });
  return { ...r, out: r.out + r.err };
}

/** The run is a MISMATCH that names `crate-source-outside-package`, never TRUSTED. */
export function assertOutside(r: Awaited<ReturnType<typeof run>>): void {
  assert.notEqual(r.verdict, "TRUSTED", r.out);
  assert.equal(r.code, 2, r.out);
  assert.equal(r.verdict, "MISMATCH", r.out);
  const outside = r.source.find((c) => c.code === "crate-source-outside-package");
  assert.ok(outside, r.out);
  assert.equal(outside.status, "fail");
}
