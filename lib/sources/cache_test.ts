import assert from "node:assert/strict";
import { VERSION } from "../version.ts";
import { createHash } from "node:crypto";
import { DEFAULT_CACHE_TTL_MS, openCache, parseDuration, resolveCacheDir } from "./cache.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("resolveCacheDir() prefers CARGO_ATTEST_CACHE_DIR, then CARGO_HOME, then HOME", () => {
  assert.equal(
    resolveCacheDir(env({ CARGO_ATTEST_CACHE_DIR: "/c", CARGO_HOME: "/h", HOME: "/u" })),
    "/c",
  );
  assert.equal(resolveCacheDir(env({ CARGO_HOME: "/h/", HOME: "/u" })), "/h/attest/cache");
  assert.equal(resolveCacheDir(env({ HOME: "/u" })), "/u/.cargo/attest/cache");
  assert.equal(resolveCacheDir(env({})), undefined);
});

Deno.test("parseDuration() reads seconds and units, and refuses the rest", () => {
  assert.equal(parseDuration("600", "x"), 600_000);
  assert.equal(parseDuration("10m", "x"), DEFAULT_CACHE_TTL_MS);
  assert.equal(parseDuration("2h", "x"), 7_200_000);
  assert.equal(parseDuration("1d", "x"), 86_400_000);
  assert.equal(parseDuration("0", "x"), 0);
  assert.throws(() => parseDuration("soon", "CARGO_ATTEST_CACHE_TTL"), /CARGO_ATTEST_CACHE_TTL/);
});

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/cache`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a document is fresh within the TTL, stale after, and tied to its key", async () => {
  await withDir(async (dir) => {
    let now = 1_000_000;
    const cache = openCache({ dir, ttlMs: 1000, now: () => now });
    const key = "GET application/json https://example.test/a";
    await cache.putDocument(key, {
      url: "https://example.test/a",
      finalUrl: "https://example.test/b",
      status: 200,
      body: new TextEncoder().encode('{"x":1}'),
      etag: '"e"',
    });
    const hit = await cache.getDocument(key);
    assert.ok(hit?.fresh);
    assert.equal(new TextDecoder().decode(hit.body), '{"x":1}');
    assert.equal(hit.doc.etag, '"e"');
    assert.equal(hit.doc.finalUrl, "https://example.test/b");
    now += 1000;
    assert.equal((await cache.getDocument(key))?.fresh, false);
    await cache.touchDocument(key, hit);
    assert.equal((await cache.getDocument(key))?.fresh, true);
    assert.equal(await cache.getDocument(`${key}?other`), undefined);
  });
});

Deno.test("a corrupt document is ignored (and removed), with a warning", async () => {
  await withDir(async (dir) => {
    const warnings: string[] = [];
    const cache = openCache({ dir, warn: (m) => warnings.push(m) });
    const key = "GET x https://example.test/";
    await cache.putDocument(key, {
      url: "https://example.test/",
      finalUrl: "https://example.test/",
      status: 200,
      body: new TextEncoder().encode("hello"),
    });
    const path = cache.documentPath(key);
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.replace('"status":200', '"status":404'));
    assert.equal(await cache.getDocument(key), undefined);
    assert.match(warnings.join("\n"), /corrupt cache entry/);
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("blobs are stored by digest, verified on read, and a bad one is never handed out", async () => {
  await withDir(async (dir) => {
    const cache = openCache({ dir });
    const bytes = new TextEncoder().encode("the bytes of a crate");
    const sha = createHash("sha256").update(bytes).digest("hex");
    const writer = await cache.openBlobWriter();
    assert.ok(writer);
    await writer.write(bytes.subarray(0, 5));
    await writer.write(bytes.subarray(5));
    assert.equal(await writer.commit(), sha);
    assert.deepEqual(await cache.readBlob(sha, 1024), bytes);
    assert.equal(await cache.readBlob(sha, 4), undefined, "over the cap");
    const chunks: Uint8Array[] = [];
    const wrongSize = await cache.streamBlob(sha, {
      maxBytes: 1024,
      expectedSize: 3,
      onChunk: (c) => void chunks.push(c),
    });
    assert.equal(wrongSize, undefined);
    assert.equal(chunks.length, 0);
    const flipped = bytes.slice();
    flipped[0] ^= 1;
    await Deno.writeFile(cache.blobPath(sha), flipped);
    assert.equal(await cache.readBlob(sha, 1024), undefined);
    assert.equal(await cache.hasBlob(sha), false, "deleted");

    const aborted = await cache.openBlobWriter();
    await aborted!.write(bytes);
    await aborted!.abort();
    assert.equal((await cache.stats()).temporary, 0);
  });
});

Deno.test("a cache that cannot be written is a miss with a warning, never an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const warnings: string[] = [];
    const cache = openCache({ dir: `${dir}/file/cache`, warn: (m) => warnings.push(m) });
    await cache.putDocument("k", { url: "u", finalUrl: "u", status: 200, body: new Uint8Array() });
    assert.equal(await cache.getDocument("k"), undefined);
    assert.equal(await cache.openBlobWriter(), undefined);
    assert.ok(warnings.length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bodies read back byte for byte: UTF-8 text as text, anything else as base64", async () => {
  await withDir(async (dir) => {
    const cache = openCache({ dir });
    const bodies = [
      new TextEncoder().encode('{"name":"serde","ünïcode":"✓"}'),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), // a BOM is kept
      new Uint8Array([0xff, 0x00, 0x80, 0x41]), // not UTF-8
      new Uint8Array(),
    ];
    for (const [i, body] of bodies.entries()) {
      await cache.putDocument(`k${i}`, { url: "u", finalUrl: "u", status: 200, body });
      const hit = await cache.getDocument(`k${i}`);
      assert.ok(hit, `body ${i}`);
      assert.deepEqual(hit.body, body, `body ${i}`);
      const stored = await Deno.readTextFile(cache.documentPath(`k${i}`));
      assert.match(stored, i === 2 ? /"body":"bytes"/ : /"body":"text"/);
    }
  });
});

Deno.test("memoised results: stored by kind and key, corrupt ones ignored", async () => {
  await withDir(async (dir) => {
    const warnings: string[] = [];
    const cache = openCache({ dir, ttlMs: 0, warn: (m) => warnings.push(m) });
    assert.equal(await cache.getMemo("crate/v1", "abc"), undefined);
    await cache.putMemo("crate/v1", "abc", { files: 3, ok: true });
    // Memos do not expire with the TTL: what they were derived from never changes.
    assert.deepEqual(await cache.getMemo("crate/v1", "abc"), { files: 3, ok: true });
    assert.equal(await cache.getMemo("crate/v2", "abc"), undefined);
    assert.equal(await cache.getMemo("crate/v1", "abd"), undefined);
    const path = cache.documentPath(`MEMO crate/v1 ${VERSION} abc`);
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.replace(":3,", ":4,"));
    assert.equal(await cache.getMemo("crate/v1", "abc"), undefined);
    assert.match(warnings.join("\n"), /corrupt cache entry/);
  });
});

Deno.test("writes happen behind: readable at once, on disk once settled; a cold cache misses without opening files", async () => {
  await withDir(async (dir) => {
    const { settleWrites } = await import("./write_behind.ts");
    const cache = openCache({ dir });
    assert.equal(await cache.getDocument("absent"), undefined, "no docs/ yet: a miss");
    const entries = Array.from({ length: 100 }, (_, i) => `k${i}`);
    for (const key of entries) {
      await cache.putDocument(key, {
        url: "u",
        finalUrl: "u",
        status: 200,
        body: `{"k":"${key}"}`,
      });
    }
    // Readable before (or while) they are written.
    assert.equal((await cache.getDocument("k7"))?.text, '{"k":"k7"}');
    await settleWrites();
    for (const key of entries) await Deno.stat(cache.documentPath(key));
    // A second cache (a later run) lists docs/ once and finds them all.
    const later = openCache({ dir });
    assert.equal((await later.getDocument("k99"))?.text, '{"k":"k99"}');
    assert.equal(await later.getDocument("k100"), undefined);
  });
});
