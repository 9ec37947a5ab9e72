/**
 * Red-team tests for published checksums (release notes, sidecars, SHA256SUMS files), `file
 * --sha256` and the crate checksum: each case is evidence that does not deserve TRUSTED, run
 * through `main()` against the loopback fakes, and must not exit 0.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { MAX_CHECKSUM_FILE_BYTES } from "../lib/limits.ts";
import { APP_SHA256, CRATE, encoder, runRelease, show } from "./support/binding_runs.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";

const OTHER = "a".repeat(64);

Deno.test("red-team: file with a digest for PATH and the same digest as --sha256 is not TRUSTED", async () => {
  // No bytes are read: the "checksum" compares the user's value with itself.
  const io = createMemoryIo({});
  const code = await main(["file", `sha256:${APP_SHA256}`, "--sha256", APP_SHA256], io);
  assert.notEqual(code, 0, io.out + io.err);
});

Deno.test("red-team: a SHA256SUMS over the size cap listing another digest is not ignored", async () => {
  // The notes agree with the bytes; the release's SHA256SUMS says otherwise but is too large to
  // be read. Evidence that was present and not checked cannot leave the asset TRUSTED.
  const sums = `${OTHER}  app.tar.gz\n` + "#".repeat(MAX_CHECKSUM_FILE_BYTES);
  const run = await runRelease({
    body: `- app.tar.gz: ${APP_SHA256}`,
    extraAssets: [{ name: "SHA256SUMS", bytes: encoder.encode(sums) }],
  });
  assert.notEqual(run.code, 0, show(run));
});

Deno.test("red-team: a revoked digest named in release-notes prose is not the asset's checksum", async () => {
  const run = await runRelease({
    body: [
      "## Security notice",
      "",
      "The earlier upload was tampered with. Do not use the tampered app.tar.gz: " + APP_SHA256,
    ].join("\n"),
  });
  assert.notEqual(run.code, 0, show(run));
});

Deno.test("red-team: a checksum inside an HTML comment of the release notes is not published", async () => {
  // GitHub does not render HTML comments: nobody reading the notes sees this line.
  const run = await runRelease({
    body: ["Release v1.0.0", "<!--", `app.tar.gz: ${APP_SHA256}`, "-->", ""].join("\n"),
  });
  assert.notEqual(run.code, 0, show(run));
});

Deno.test("red-team: a sparse index with two lines for the version and two checksums is not TRUSTED", async () => {
  // The index contradicts itself (cargo keeps one line, we read another): the .crate cannot
  // equal "the index".
  const cratesIo = startFakeCratesIo([{ name: "tiny-attest", version: "0.1.0", bytes: CRATE }], {
    extraIndexLines: {
      "tiny-attest": [
        JSON.stringify({
          name: "tiny-attest",
          vers: "0.1.0",
          cksum: OTHER,
          deps: [],
          features: {},
        }),
      ],
    },
  });
  try {
    const io = createMemoryIo({ ...cratesIo.env });
    const code = await main(["crate", "tiny-attest@0.1.0", "--json"], io);
    assert.notEqual(code, 0, io.out + io.err);
  } finally {
    await cratesIo.close();
  }
});

Deno.test("red-team: an asset named like a checksum file that lists no checksum is verified, not skipped", async () => {
  const sums = { name: "SHA256SUMS", bytes: encoder.encode(`${APP_SHA256}  app.tar.gz\n`) };
  const control = await runRelease({ extraAssets: [sums] });
  assert.equal(control.code, 0, show(control));
  // A binary whose name makes it look like evidence: it was never a subject, so never checked.
  const binary = { name: "installer-checksum", bytes: new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2]) };
  const r = await runRelease({ extraAssets: [sums, binary] });
  assert.notEqual(r.code, 0, show(r));
  const names = r.report.subjects.map((s) => (s as { subject?: { name: string } }).subject?.name);
  assert.ok(names.includes("installer-checksum"), show(r));
});
