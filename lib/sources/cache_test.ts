import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type Cache,
  type CacheOptions,
  DEFAULT_CACHE_TTL_MS,
  openCache,
  ORPHAN_TMP_AGE_MS,
  parseDuration,
  resolveCacheDir,
} from "./cache.ts";
import { settleWrites } from "./write_behind.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const DAY = 86_400_000;
const posix = Deno.build.os !== "windows";

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
  // A lifetime that never ends (a 400-digit number is Infinity) is refused, not "fresh forever".
  assert.throws(() => parseDuration("9".repeat(400), "TTL"), /TTL must be at most 3650d/);
  assert.throws(() => parseDuration("3651d", "TTL"), /at most 3650d/);
  assert.equal(parseDuration("3650d", "x"), 3650 * 86_400_000);
});

// ---- helpers ------------------------------------------------------------------------------------

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await fn(`${dir}/cache`);
  } finally {
    // Every test's runs end as main ends them: writes settled, packs closed.
    await settleWrites();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A run on the cache at `dir`, with its warnings. */
function run(dir: string, options: Partial<CacheOptions> = {}) {
  const warnings: string[] = [];
  const cache = openCache({ dir, warn: (m) => warnings.push(m), ...options });
  return { cache, warnings };
}

function doc(body: string | Uint8Array, url = "https://example.test/") {
  return { url, finalUrl: url, status: 200, body };
}

async function text(cache: Cache, key: string): Promise<string | undefined> {
  return (await cache.getDocument(key))?.text;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function putBlob(cache: Cache, bytes: Uint8Array): Promise<string | undefined> {
  const writer = await cache.openBlobWriter(bytes.length);
  assert.ok(writer);
  for (let i = 0; i < bytes.length; i += 1 << 20) {
    await writer.write(bytes.subarray(i, i + (1 << 20)));
  }
  return await writer.commit();
}

type Entry = [kind: "d" | "b", key: string, offset: number, length: number, time: number];
interface Index {
  v: number;
  records: Entry[];
  used: [string, number][];
  touched?: [string, number][];
  sealed?: { size: number; ino: number; mtimeMs: number; ctimeMs: number };
}

/** The packs' indexes, oldest first. */
async function indexes(dir: string): Promise<{ name: string; path: string; index: Index }[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(`${dir}/packs`)) {
    if (e.name.endsWith(".idx")) names.push(e.name.slice(0, -4));
  }
  return await Promise.all(
    names.sort().map(async (name) => {
      const path = `${dir}/packs/${name}.idx`;
      return { name, path, index: JSON.parse(await Deno.readTextFile(path)) as Index };
    }),
  );
}

/** Where the (newest) record of `key` is: its pack's path and its index entry. */
async function recordOf(dir: string, key: string) {
  let found: { pack: string; entry: Entry } | undefined;
  for (const { name, index } of await indexes(dir)) {
    for (const entry of index.records) {
      if (entry[1] === key) found = { pack: `${dir}/packs/${name}.pack`, entry };
    }
  }
  assert.ok(found, `a record of ${key}`);
  return found;
}

async function flipByte(path: string, at: number): Promise<void> {
  const bytes = await Deno.readFile(path);
  bytes[at] ^= 0x01;
  await Deno.writeFile(path, bytes);
}

async function filesIn(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

// ---- documents ----------------------------------------------------------------------------------

Deno.test("a document is fresh within the TTL, stale after, and tied to its key", async () => {
  await withDir(async (dir) => {
    let now = 1_000_000;
    const { cache } = run(dir, { ttlMs: 1000, now: () => now });
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
    // The same in a later run, from the pack: the touched record (the newer one) wins.
    await settleWrites();
    const later = run(dir, { ttlMs: 1000, now: () => now }).cache;
    const again = await later.getDocument(key);
    assert.equal(again?.fresh, true);
    assert.equal(again.doc.etag, '"e"');
    assert.equal(again.text, '{"x":1}');
  });
});

Deno.test("a 304 is a line of the run's index, not a new copy of the document", async () => {
  await withDir(async (dir) => {
    let now = Date.now() - 10 * DAY;
    const clock = { ttlMs: 1000, now: () => now };
    const first = run(dir, clock).cache;
    await first.putDocument("k", doc("body of k"));
    await settleWrites();
    now += 5000;
    const second = run(dir, clock).cache;
    const stale = await second.getDocument("k");
    assert.equal(stale?.fresh, false);
    await second.touchDocument("k", stale!);
    await settleWrites();
    const packs = await indexes(dir);
    assert.equal(packs.length, 2);
    assert.deepEqual(packs[1].index.records, [], "no record written again");
    assert.deepEqual(packs[1].index.touched, [["k", now]]);
    assert.ok(!(await filesIn(`${dir}/packs`)).includes(`${packs[1].name}.pack`), "no pack");
    const third = run(dir, clock).cache;
    const hit = await third.getDocument("k");
    assert.equal(hit?.fresh, true);
    assert.equal(hit.text, "body of k");
    assert.equal(hit.doc.fetchedAt, new Date(now).toISOString(), "as fresh as the 304");
    // A newer answer replaces the touched one (the touch does not make an older record win).
    await third.putDocument("k", doc("new body"));
    await settleWrites();
    assert.equal(await text(run(dir, clock).cache, "k"), "new body");
  });
});

Deno.test("the same answer put again is a touch; any difference is a new record", async () => {
  await withDir(async (dir) => {
    let now = Date.now() - DAY;
    const clock = { ttlMs: 1000, now: () => now };
    const answer = { ...doc(new TextEncoder().encode('{"a":1}')), etag: '"v1"' };
    const first = run(dir, clock).cache;
    await first.putDocument("k", answer);
    await first.putExtract("tags", "o/r", { list: [1, 2] });
    await settleWrites();
    now += 5000;
    const second = run(dir, clock).cache;
    await second.putDocument("k", answer);
    await second.putExtract("tags", "o/r", { list: [1, 2] });
    await settleWrites();
    let packs = await indexes(dir);
    assert.deepEqual(packs[1].index.records, [], "nothing written again");
    assert.deepEqual(packs[1].index.touched?.map(([key]) => key).sort(), [
      "EXTRACT tags o/r",
      "k",
    ]);
    const third = run(dir, clock).cache;
    assert.equal((await third.getDocument("k"))?.fresh, true);
    assert.deepEqual((await third.getExtract("tags", "o/r"))?.value, { list: [1, 2] });
    now += 5000;
    await third.putDocument("k", { ...answer, etag: '"v2"' });
    await third.putExtract("tags", "o/r", { list: [1, 2, 3] });
    await settleWrites();
    packs = await indexes(dir);
    assert.deepEqual(packs[2].index.records.map((r) => r[1]).sort(), ["EXTRACT tags o/r", "k"]);
    const fourth = run(dir, clock).cache;
    assert.equal((await fourth.getDocument("k"))?.doc.etag, '"v2"');
    assert.deepEqual((await fourth.getExtract("tags", "o/r"))?.value, { list: [1, 2, 3] });
  });
});

Deno.test("a touch outlives compaction, and prune ages a document by its last 304", async () => {
  await withDir(async (dir) => {
    let now = Date.now() - 100 * DAY;
    const clock = { ttlMs: 1000, now: () => now };
    const first = run(dir, clock).cache;
    await first.putDocument("touched", doc("kept by its 304"));
    await first.putDocument("untouched", doc("old"));
    await settleWrites();
    now += 60 * DAY;
    const second = run(dir, clock).cache;
    await second.touchDocument("touched", (await second.getDocument("touched"))!);
    await settleWrites();
    now += 10 * DAY;
    // 70 days after it was fetched, 10 after its 304: a 30-day prune keeps only the touched one.
    await run(dir, clock).cache.prune(30 * DAY);
    const packs = await indexes(dir);
    assert.equal(packs.length, 1, "compacted into one pack");
    assert.deepEqual(packs[0].index.records.map((r) => r[1]), ["touched"]);
    assert.deepEqual(packs[0].index.touched, [["touched", now - 10 * DAY]]);
    const later = run(dir, { ...clock, ttlMs: 11 * DAY }).cache;
    const hit = await later.getDocument("touched");
    assert.equal(hit?.text, "kept by its 304");
    assert.equal(hit.fresh, true, "fresh by its 304, 10 days ago, within an 11-day TTL");
    assert.equal(await later.getDocument("untouched"), undefined);
  });
});

Deno.test("round trips: text and bytes documents, memos, extracts, small and large blobs", async () => {
  await withDir(async (dir) => {
    const bodies = [
      new TextEncoder().encode('{"name":"serde","ünïcode":"✓"}'),
      new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), // a BOM is kept
      new Uint8Array([0xff, 0x00, 0x80, 0x41]), // not UTF-8
      new Uint8Array(),
    ];
    const small = crypto.getRandomValues(new Uint8Array(50_000));
    const large = new Uint8Array(8 * 1024 * 1024 + 1).fill(7);
    const first = run(dir).cache;
    for (const [i, body] of bodies.entries()) await first.putDocument(`k${i}`, doc(body));
    await first.putDocument("text", doc("plain ✓ text"));
    await first.putMemo("crate/v1", "abc", { files: 3, ok: true });
    await first.putExtract("tags/v1", "repo", ["v1", "v2"]);
    const smallSha = await putBlob(first, small);
    const largeSha = await putBlob(first, large);
    assert.equal(smallSha, sha256(small));
    assert.equal(largeSha, sha256(large));

    const check = async (cache: Cache, when: string) => {
      for (const [i, body] of bodies.entries()) {
        const hit = await cache.getDocument(`k${i}`);
        assert.deepEqual(hit?.body, body, `${when}: body ${i}`);
        assert.equal(hit.doc.body, i === 2 ? "bytes" : "text", `${when}: body ${i}`);
      }
      assert.equal(await text(cache, "text"), "plain ✓ text", when);
      assert.deepEqual(await cache.getMemo("crate/v1", "abc"), { files: 3, ok: true }, when);
      assert.equal(await cache.getMemo("crate/v2", "abc"), undefined, when);
      assert.equal(await cache.getMemo("crate/v1", "abd"), undefined, when);
      assert.deepEqual(await cache.getExtract("tags/v1", "repo"), {
        value: ["v1", "v2"],
        fresh: true,
      });
      assert.deepEqual(await cache.readBlob(smallSha!, 1 << 20), small, when);
      assert.deepEqual(await cache.readBlob(largeSha!, 16 << 20), large, when);
      assert.equal(await cache.readBlob(smallSha!, 1000), undefined, `${when}: over the cap`);
      assert.ok(await cache.hasBlob(smallSha!), when);
      assert.ok(await cache.hasBlob(largeSha!), when);
      assert.equal(await cache.hasBlob("0".repeat(64)), false, when);
    };
    await check(first, "before the writes are done");
    await settleWrites();
    await check(first, "settled, same run");
    await check(run(dir).cache, "a later run");
    // Small blobs are pack records; a large one is a file of its own.
    assert.deepEqual(await filesIn(`${dir}/blobs/sha256/${largeSha!.slice(0, 2)}`), [largeSha]);
    assert.equal((await recordOf(dir, smallSha!)).entry[0], "b");
  });
});

Deno.test("a document written in this run is readable at once, and from its pack before the index exists", async () => {
  await withDir(async (dir) => {
    const { cache } = run(dir);
    assert.equal(await cache.getDocument("absent"), undefined, "no packs yet: a miss");
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    for (const key of keys) await cache.putDocument(key, doc(`{"k":"${key}"}`));
    assert.equal(await text(cache, "k7"), '{"k":"k7"}');
    // Written (but not indexed: the index comes when the run's writes are settled).
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal((await filesIn(`${dir}/packs`)).filter((n) => n.endsWith(".idx")).length, 0);
    assert.equal((await filesIn(`${dir}/packs`)).filter((n) => n.endsWith(".pack")).length, 1);
    assert.equal(await text(cache, "k99"), '{"k":"k99"}');
    assert.equal(
      await text(run(dir).cache, "k99"),
      undefined,
      "another run sees no unindexed pack",
    );
    await settleWrites();
    // Two files for the whole run.
    assert.equal((await filesIn(`${dir}/packs`)).length, 2);
    const later = run(dir).cache;
    for (const key of keys) assert.equal(await text(later, key), `{"k":"${key}"}`);
    assert.equal(await later.getDocument("k100"), undefined);
  });
});

Deno.test("the newest record of a key wins, within a pack and across packs", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    await a.putDocument("k", doc("one"));
    await a.putDocument("k", doc("two"));
    await a.putMemo("m/v1", "x", 1);
    await a.putMemo("m/v1", "x", 2);
    assert.equal(await text(a, "k"), "two");
    await settleWrites();
    assert.equal(await text(a, "k"), "two");
    assert.equal(await text(run(dir).cache, "k"), "two", "within a pack, the later record");
    assert.equal(await run(dir).cache.getMemo("m/v1", "x"), 2);
    const b = run(dir).cache;
    await b.putDocument("k", doc("three"));
    await b.putMemo("m/v1", "x", 3);
    await settleWrites();
    const c = run(dir).cache;
    assert.equal(await text(c, "k"), "three", "across packs, the later pack");
    assert.equal(await c.getMemo("m/v1", "x"), 3);
    assert.equal((await indexes(dir)).length, 2);
  });
});

Deno.test("a record is never returned for another key: an index pointing elsewhere is a miss", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    await a.putDocument("A", doc("the answer for A"));
    await a.putDocument("B", doc("the answer for B"));
    await a.putMemo("crate/v1", "A", { verdict: "fail" });
    await a.putMemo("crate/v1", "B", { verdict: "pass" });
    const blobA = await putBlob(a, new TextEncoder().encode("blob A"));
    const blobB = await putBlob(a, new TextEncoder().encode("blob B"));
    await settleWrites();
    // Point A at B's record, the memo of A at the memo of B, blob A at blob B, blob B at a
    // document, and a document key at a blob's record (each key's record still says its own key).
    const [{ path, index }] = await indexes(dir);
    const at = (key: string) => index.records.find((e) => e[1] === key)!;
    const memoKey = (k: string) =>
      index.records.find((e) => e[1].startsWith("MEMO crate/v1 ") && e[1].endsWith(` ${k}`))!;
    const tampered: Entry[] = [
      ["d", "A", at("B")[2], at("B")[3], at("B")[4]],
      ["d", memoKey("A")[1], memoKey("B")[2], memoKey("B")[3], memoKey("B")[4]],
      ["b", blobA!, at(blobB!)[2], at(blobB!)[3], at(blobB!)[4]],
      ["b", blobB!, at("A")[2], at("A")[3], at("A")[4]],
      ["d", "C", at(blobA!)[2], at(blobA!)[3], at(blobA!)[4]],
    ];
    await Deno.writeTextFile(
      path,
      JSON.stringify({ ...index, records: [...index.records, ...tampered] }),
    );
    const { cache, warnings } = run(dir);
    assert.equal(await cache.getDocument("A"), undefined);
    assert.equal(await cache.getMemo("crate/v1", "A"), undefined);
    assert.equal(await cache.readBlob(blobA!, 1024), undefined);
    assert.equal(await cache.readBlob(blobB!, 1024), undefined);
    assert.equal(await cache.getDocument("C"), undefined);
    assert.match(warnings.join("\n"), /corrupt cache entry/);
    // B's own record is still B's.
    assert.equal(await text(cache, "B"), "the answer for B");
    assert.deepEqual(await cache.getMemo("crate/v1", "B"), { verdict: "pass" });
  });
});

Deno.test("a flipped byte in a record is a miss with one warning; the other records stay usable", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    await a.putDocument("k", doc('{"status":"ok"}'));
    await a.putDocument("other", doc("fine"));
    await a.putMemo("crate/v1", "abc", { files: 3 });
    const blob = new TextEncoder().encode("the bytes of a crate");
    const sha = (await putBlob(a, blob))!;
    await settleWrites();
    const { pack, entry } = await recordOf(dir, "k");
    await flipByte(pack, entry[2] + entry[3] - 3); // in the body
    const memo = (await indexes(dir))[0].index.records.find((e) => e[1].startsWith("MEMO"))!;
    await flipByte(pack, memo[2] + 70); // in the header
    const blobAt = (await recordOf(dir, sha)).entry;
    await flipByte(pack, blobAt[2] + blobAt[3] - 1);
    const { cache, warnings } = run(dir);
    assert.equal(await cache.getDocument("k"), undefined);
    assert.equal(await cache.getDocument("k"), undefined, "again: still a miss");
    assert.equal(await cache.getMemo("crate/v1", "abc"), undefined);
    assert.equal(await cache.readBlob(sha, 1024), undefined);
    assert.equal(await cache.hasBlob(sha), false, "no longer used in this run");
    assert.equal(await text(cache, "other"), "fine");
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(warnings[0], /corrupt cache entry/);
    // A new record (a refetch) replaces the bad one.
    await cache.putDocument("k", doc('{"status":"ok"}'));
    assert.equal(await putBlob(cache, blob), sha);
    await settleWrites();
    const later = run(dir);
    assert.equal(await text(later.cache, "k"), '{"status":"ok"}');
    assert.deepEqual(await later.cache.readBlob(sha, 1024), blob);
    assert.deepEqual(later.warnings, []);
  });
});

Deno.test("a corrupt index is a miss with a warning; a truncated pack is a miss", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    await a.putDocument("first", doc("1"));
    await settleWrites();
    const b = run(dir).cache;
    await b.putDocument("second", doc("2".repeat(1000)));
    await b.putDocument("third", doc("3"));
    await settleWrites();
    const [first, second] = await indexes(dir);
    await Deno.writeTextFile(first.path, '{"v":4,"records":[["d","first",0,');
    const { cache, warnings } = run(dir);
    assert.equal(await cache.getDocument("first"), undefined);
    assert.match(warnings.join("\n"), /corrupt cache index/);
    assert.equal(await text(cache, "third"), "3");
    // Cut the second pack in the middle of its first record.
    await Deno.truncate(`${dir}/packs/${second.name}.pack`, 500);
    const cut = run(dir);
    assert.equal(await cut.cache.getDocument("second"), undefined);
    assert.equal(await cut.cache.getDocument("third"), undefined);
    assert.match(cut.warnings.join("\n"), /corrupt cache entry/);
  });
});

Deno.test("a pack that disappears (compacted by another run) is a miss without a warning", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    await a.putDocument("k", doc("v"));
    await settleWrites();
    const { cache, warnings } = run(dir);
    assert.equal(await cache.hasBlob("0".repeat(64)), false); // reads the indexes
    const [{ name }] = await indexes(dir);
    await Deno.remove(`${dir}/packs/${name}.pack`);
    assert.equal(await cache.getDocument("k"), undefined);
    assert.deepEqual(warnings, []);
  });
});

Deno.test("two runs writing at once to one cache: each its own pack, both readable after", async () => {
  await withDir(async (dir) => {
    const a = run(dir);
    const b = run(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => {
      const writer = i % 2 ? a.cache : b.cache;
      return Promise.all([
        writer.putDocument(`k${i}`, doc(`v${i}`)),
        writer.putDocument("shared", doc(i % 2 ? "from a" : "from b")),
      ]);
    }));
    await settleWrites();
    assert.equal((await indexes(dir)).length, 2);
    const { cache, warnings } = run(dir);
    for (let i = 0; i < 200; i++) assert.equal(await text(cache, `k${i}`), `v${i}`);
    assert.match((await text(cache, "shared"))!, /^from [ab]$/);
    assert.deepEqual([...a.warnings, ...b.warnings, ...warnings], []);
  });
});

Deno.test("past 16 packs, the run that writes one compacts them, keeping the newest records", async () => {
  await withDir(async (dir) => {
    for (let i = 1; i <= 16; i++) {
      const { cache } = run(dir);
      await cache.putDocument("k", doc(`run ${i}`));
      await cache.putDocument(`only ${i}`, doc(`${i}`));
      await settleWrites();
    }
    assert.equal((await indexes(dir)).length, 16, "16 packs: not compacted yet");
    // A read-only run does not compact.
    assert.equal(await text(run(dir).cache, "k"), "run 16");
    await settleWrites();
    assert.equal((await indexes(dir)).length, 16);
    const last = run(dir);
    await last.cache.putDocument("k", doc("run 17"));
    await last.cache.putDocument("only 17", doc("17"));
    await settleWrites();
    const packs = await indexes(dir);
    assert.equal(packs.length, 1, "compacted into one pack");
    assert.equal((await filesIn(`${dir}/packs`)).length, 2, "the old packs are gone");
    assert.equal(packs[0].index.records.length, 18, "superseded records dropped");
    const { cache, warnings } = run(dir);
    assert.equal(await text(cache, "k"), "run 17");
    for (let i = 1; i <= 17; i++) assert.equal(await text(cache, `only ${i}`), `${i}`);
    assert.deepEqual([...last.warnings, ...warnings], []);
    // The compacted pack sorts after those it replaced: a run's later pack still wins over it.
    const next = run(dir).cache;
    await next.putDocument("k", doc("run 18"));
    await settleWrites();
    assert.equal(await text(run(dir).cache, "k"), "run 18");
  });
});

Deno.test("compaction leaves out an old pack larger than all the newer ones, and keeps the uses of its blobs", async () => {
  await withDir(async (dir) => {
    let now = Date.now() - 60 * DAY;
    const clock = { now: () => now };
    const first = run(dir, clock).cache;
    const big = new Uint8Array(65536).map((_, i) => i * 7);
    const sha = (await putBlob(first, big))!;
    await first.putDocument("k", doc("run 1"));
    await first.putDocument("keep", doc("from run 1"));
    await settleWrites();
    const [base] = await indexes(dir);
    now += 40 * DAY;
    const user = run(dir, clock).cache;
    assert.ok(await user.readBlob(sha, 1 << 20));
    await user.touchBlob(sha);
    await user.touchDocument("keep", (await user.getDocument("keep"))!);
    const touchedAt = now;
    await settleWrites();
    for (let i = 3; i <= 17; i++) {
      const { cache } = run(dir, clock);
      await cache.putDocument("k", doc(`run ${i}`));
      await settleWrites();
    }
    const packs = await indexes(dir);
    assert.equal(packs.length, 2, "the newest 16 compacted into one");
    assert.equal(packs[0].name, base.name, "the large old pack is left as it was");
    assert.deepEqual(packs[0].index, base.index);
    assert.deepEqual(packs[1].index.used, [[sha, now]], "the use of its blob is kept");
    assert.deepEqual(packs[1].index.touched, [["keep", touchedAt]], "and the 304 of its document");
    assert.equal(packs[1].index.records.length, 1, "one record of k");
    const { cache, warnings } = run(dir, clock);
    assert.equal(await text(cache, "k"), "run 17");
    assert.equal(await text(cache, "keep"), "from run 1");
    assert.deepEqual(await cache.readBlob(sha, 1 << 20), big);
    assert.deepEqual(warnings, []);
    // 25 days after its use (65 after it was written), prune keeps the blob.
    now += 25 * DAY;
    await run(dir, clock).cache.prune(30 * DAY);
    const later = run(dir, clock).cache;
    assert.deepEqual(await later.readBlob(sha, 1 << 20), big);
    assert.equal(await text(later, "k"), "run 17");
    const kept = await later.getDocument("keep");
    assert.equal(kept?.text, "from run 1", "fetched 65 days ago, but confirmed 25 days ago");
    now += 10 * DAY;
    await run(dir, clock).cache.prune(30 * DAY);
    assert.equal(await run(dir, clock).cache.getDocument("keep"), undefined, "35 days after");
  });
});

// ---- blobs --------------------------------------------------------------------------------------

Deno.test("blob files (over 8 MiB) are verified on read, and a bad one is never handed out", async () => {
  await withDir(async (dir) => {
    const { cache, warnings } = run(dir);
    const bytes = new Uint8Array(8 * 1024 * 1024 + 100).map((_, i) => i & 0xff);
    const sha = (await putBlob(cache, bytes))!;
    assert.deepEqual(await cache.readBlob(sha, 16 << 20), bytes);
    const chunks: Uint8Array[] = [];
    const wrongSize = await cache.streamBlob(sha, {
      maxBytes: 16 << 20,
      expectedSize: 3,
      onChunk: (c) => void chunks.push(c),
    });
    assert.equal(wrongSize, undefined);
    assert.equal(chunks.length, 0);
    await flipByte(cache.blobPath(sha), 0);
    assert.equal(await cache.readBlob(sha, 16 << 20), undefined);
    assert.match(warnings.join("\n"), /corrupt cache entry/);
    assert.equal(await cache.hasBlob(sha), false, "deleted");

    const aborted = await cache.openBlobWriter();
    await aborted!.write(bytes);
    await aborted!.abort();
    const small = await cache.openBlobWriter();
    await small!.write(bytes.subarray(0, 10));
    await small!.abort();
    await settleWrites();
    assert.equal((await cache.stats()).temporary, 0);
    assert.deepEqual(await filesIn(`${dir}/tmp`), []);
  });
});

Deno.test("a packed blob's size is checked against maxBytes and expectedSize", async () => {
  await withDir(async (dir) => {
    const { cache } = run(dir);
    const bytes = new TextEncoder().encode("the bytes of a crate");
    const sha = (await putBlob(cache, bytes))!;
    await settleWrites();
    const later = run(dir).cache;
    const got: Uint8Array[] = [];
    const onChunk = (c: Uint8Array) => void got.push(c);
    assert.equal(await later.streamBlob(sha, { maxBytes: 4, onChunk }), undefined);
    assert.equal(
      await later.streamBlob(sha, { maxBytes: 99, expectedSize: 3, onChunk }),
      undefined,
    );
    assert.equal(got.length, 0);
    assert.equal(await later.streamBlob(sha, { maxBytes: 99, expectedSize: 20, onChunk }), 20);
    assert.deepEqual(got, [bytes]);
    assert.equal(await later.streamBlob("not a digest", { maxBytes: 99, onChunk }), undefined);
  });
});

Deno.test("a blob's use is recorded in the run's index, at most once a day, and prune keeps it", async () => {
  await withDir(async (dir) => {
    let now = Date.now() - 60 * DAY;
    const clock = { now: () => now };
    const first = run(dir, clock).cache;
    const used = (await putBlob(first, new TextEncoder().encode("used")))!;
    const unused = (await putBlob(first, new TextEncoder().encode("unused")))!;
    await first.touchBlob(used); // just written: nothing to record
    await settleWrites();
    assert.equal((await indexes(dir)).length, 1);
    now += 20 * DAY;
    const second = run(dir, clock).cache;
    assert.ok(await second.readBlob(used, 99));
    await second.touchBlob(used);
    await second.touchBlob(used);
    await settleWrites();
    const packs = await indexes(dir);
    assert.equal(packs.length, 2, "an index with the use (and no pack)");
    assert.deepEqual(packs[1].index.records, []);
    assert.deepEqual(packs[1].index.used, [[used, now]]);
    assert.deepEqual(await filesIn(`${dir}/packs`), [
      `${packs[0].name}.idx`,
      `${packs[0].name}.pack`,
      `${packs[1].name}.idx`,
    ]);
    // Used within the day: not recorded again.
    now += DAY / 2;
    const third = run(dir, clock).cache;
    await third.touchBlob(used);
    await settleWrites();
    assert.equal((await indexes(dir)).length, 2);
    // 30 days after the use (40 after the writes): the used blob stays, the other goes.
    now += 30 * DAY - DAY;
    const pruner = run(dir, clock).cache;
    const result = await pruner.prune(30 * DAY);
    assert.equal(result.removed, 1);
    const after = run(dir, clock).cache;
    assert.ok(await after.readBlob(used, 99));
    assert.equal(await after.readBlob(unused, 99), undefined);
    assert.equal((await indexes(dir)).length, 1);
  });
});

// ---- prune, clear, stats ----------------------------------------------------------------------

Deno.test("prune drops old documents, unused blobs, superseded and corrupt records and orphans, and keeps the rest", async () => {
  await withDir(async (dir) => {
    const start = Date.now() - 40 * DAY;
    let now = start;
    const clock = { now: () => now };
    const old = run(dir, clock).cache;
    await old.putDocument("old", doc("fetched 40 days ago"));
    await old.putMemo("crate/v1", "old", { x: 1 });
    const oldBlob = (await putBlob(old, new TextEncoder().encode("old blob")))!;
    const bigOld = (await putBlob(old, new Uint8Array(9 << 20).fill(1)))!;
    await settleWrites();
    // A blob file's last use is its modification time.
    await Deno.utime(old.blobPath(bigOld), new Date(start), new Date(start));
    now = start + 35 * DAY;
    const recent = run(dir, clock).cache;
    await recent.putDocument("new", doc("first"));
    await recent.putDocument("new", doc("fetched 5 days ago"));
    await recent.putDocument("corrupt", doc("flipped"));
    const newBlob = (await putBlob(recent, new TextEncoder().encode("new blob")))!;
    await settleWrites();
    const corrupt = await recordOf(dir, "corrupt");
    await flipByte(corrupt.pack, corrupt.entry[2] + corrupt.entry[3] - 1);
    // What interrupted runs and the older layout leave behind (old ones go, a fresh one stays).
    const aged = new Date(now - ORPHAN_TMP_AGE_MS - 1000);
    const leftovers = {
      unindexed: `${dir}/packs/0000000000000001-0123456789abcdef.pack`,
      indexTmp: `${dir}/packs/0000000000000002-0123456789abcdef.idx.tmp-0123456789abcdef`,
      blobTmp: `${dir}/tmp/blob.tmp-0123456789abcdef`,
      docs: `${dir}/docs/${"ab".repeat(32)}.json`,
    };
    await Deno.mkdir(`${dir}/tmp`, { recursive: true });
    await Deno.mkdir(`${dir}/docs`, { recursive: true });
    for (const path of Object.values(leftovers)) {
      await Deno.writeTextFile(path, "left behind");
      await Deno.utime(path, aged, aged);
    }
    const running = `${dir}/packs/9999999999999999-0123456789abcdef.pack`;
    await Deno.writeTextFile(running, "a run still writing");

    const pruner = run(dir, { now: () => now + 5 * DAY });
    const before = await pruner.cache.stats();
    assert.equal(before.documents, 4);
    assert.equal(before.blobs, 3);
    const result = await pruner.cache.prune(30 * DAY);
    // old, its memo, old blob, big old blob, corrupt, superseded "new"; four leftovers.
    assert.equal(result.removed, 6 + 4, JSON.stringify(result));
    const after = await pruner.cache.stats();
    assert.deepEqual(
      { documents: after.documents, blobs: after.blobs, temporary: after.temporary },
      { documents: 1, blobs: 1, temporary: 1 },
    );
    assert.equal(result.bytes, before.bytes - after.bytes);
    assert.deepEqual(pruner.warnings, []);
    for (const path of Object.values(leftovers)) {
      await assert.rejects(Deno.stat(path), Deno.errors.NotFound, path);
    }
    await Deno.stat(running);
    await assert.rejects(Deno.stat(`${dir}/docs`), Deno.errors.NotFound);
    const { cache, warnings } = run(dir, { now: () => now + 5 * DAY });
    assert.equal(await text(cache, "new"), "fetched 5 days ago");
    assert.deepEqual(await cache.readBlob(newBlob, 99), new TextEncoder().encode("new blob"));
    assert.equal(await cache.getDocument("old"), undefined);
    assert.equal(await cache.getMemo("crate/v1", "old"), undefined);
    assert.equal(await cache.readBlob(oldBlob, 99), undefined);
    assert.equal(await cache.hasBlob(bigOld), false);
    assert.deepEqual(warnings, [], "nothing corrupt is left");
    // Nothing more to drop: the pack is left as it is.
    const [kept] = await indexes(dir);
    assert.deepEqual(await run(dir).cache.prune(30 * DAY), { removed: 0, bytes: 0 });
    assert.equal((await indexes(dir))[0].name, kept.name);
  });
});

Deno.test("stats counts documents and blobs once each, bytes on disk, and temporary files; clear removes it all", async () => {
  await withDir(async (dir) => {
    const { cache } = run(dir);
    assert.deepEqual(await cache.stats(), {
      path: dir,
      entries: 0,
      bytes: 0,
      documents: 0,
      blobs: 0,
      temporary: 0,
    });
    await cache.putDocument("a", doc("1"));
    await cache.putDocument("a", doc("2"));
    await cache.putDocument("b", doc("3"));
    await putBlob(cache, new TextEncoder().encode("small"));
    await putBlob(cache, new Uint8Array(9 << 20));
    await settleWrites();
    await Deno.mkdir(`${dir}/docs`);
    await Deno.writeTextFile(`${dir}/docs/old.json`, "older layout");
    await Deno.writeTextFile(`${dir}/README.txt`, "not the cache's");
    let onDisk = 0;
    for (const sub of ["packs", "docs", `blobs/sha256`]) {
      for await (const e of Deno.readDir(`${dir}/${sub}`)) {
        const path = `${dir}/${sub}/${e.name}`;
        if (e.isFile) onDisk += (await Deno.stat(path)).size;
        else {for await (const f of Deno.readDir(path)) {
            onDisk += (await Deno.stat(`${path}/${f.name}`)).size;
          }}
      }
    }
    const stats = await cache.stats();
    assert.deepEqual(stats, {
      path: dir,
      entries: 4,
      bytes: onDisk,
      documents: 2,
      blobs: 2,
      temporary: 1,
    });
    const cleared = await cache.clear();
    assert.deepEqual(cleared, { removed: 5, bytes: onDisk });
    assert.deepEqual(await filesIn(dir), ["README.txt"]);
    assert.equal(await cache.getDocument("a"), undefined);
    // The cache works again after it was cleared.
    await cache.putDocument("a", doc("4"));
    await settleWrites();
    assert.equal(await text(run(dir).cache, "a"), "4");
  });
});

Deno.test("packs and indexes are 0600 in 0700 directories", { ignore: !posix }, async () => {
  await withDir(async (dir) => {
    const { cache } = run(dir);
    await cache.putDocument("k", doc("v"));
    await putBlob(cache, new TextEncoder().encode("small"));
    await putBlob(cache, new Uint8Array(9 << 20));
    await settleWrites();
    const walk = async (path: string): Promise<void> => {
      const info = await Deno.stat(path);
      assert.equal(info.mode! & 0o777, info.isDirectory ? 0o700 : 0o600, path);
      if (info.isDirectory) {
        for await (const e of Deno.readDir(path)) await walk(`${path}/${e.name}`);
      }
    };
    await walk(dir);
    assert.equal((await filesIn(`${dir}/packs`)).length, 2);
  });
});

Deno.test("a cache that cannot be written is a miss with a warning, never an error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/file`, "x");
    const { cache, warnings } = run(`${dir}/file/cache`);
    await cache.putDocument("k", doc(new Uint8Array()));
    await cache.putMemo("m", "k", 1);
    assert.equal(await cache.openBlobWriter(), undefined);
    await settleWrites();
    assert.equal(await cache.getDocument("k"), undefined);
    assert.equal(await cache.getMemo("m", "k"), undefined);
    assert.match(warnings.join("\n"), /cannot write to/);
    const stats = await cache.stats();
    assert.equal(stats.entries, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a writer that falls behind makes the run wait instead of holding it all in memory", async () => {
  await withDir(async (dir) => {
    const { cache } = run(dir);
    const body = "x".repeat(1 << 20);
    for (let i = 0; i < 100; i++) await cache.putDocument(`k${i}`, doc(`${i} ${body}`));
    // At most 32 MiB (or 64 records) are waiting to be written when a put returns.
    const [pack] = (await filesIn(`${dir}/packs`)).filter((n) => n.endsWith(".pack"));
    assert.ok((await Deno.stat(`${dir}/packs/${pack}`)).size >= 60 << 20);
    await settleWrites();
    const later = run(dir).cache;
    for (let i = 0; i < 100; i += 9) assert.equal(await text(later, `k${i}`), `${i} ${body}`);
    const [{ index }] = await indexes(dir);
    assert.equal(index.records.length, 100);
  });
});

Deno.test("blobIsIntact: a packed blob of the right size is intact; a flipped byte, a wrong size or an absent blob is not", async () => {
  await withDir(async (dir) => {
    const a = run(dir).cache;
    const blob = new TextEncoder().encode("the bytes of a crate, packed");
    const sha = (await putBlob(a, blob))!;
    assert.equal(await a.blobIsIntact(sha, blob.length, 1024), true, "this run's own blob");
    await settleWrites();
    const b = run(dir).cache;
    // Several at once share the reused buffers without mixing them up.
    assert.deepEqual(
      await Promise.all([1, 2, 3].map(() => b.blobIsIntact(sha, blob.length, 1024))),
      [true, true, true],
    );
    assert.equal(await b.blobIsIntact(sha, blob.length + 1, 1024), false, "another size");
    assert.equal(await b.blobIsIntact(sha, blob.length, 8), false, "over the cap");
    assert.equal(await b.blobIsIntact("0".repeat(64), 1, 1024), false, "absent");
    assert.equal(await b.blobIsIntact("not hex", 1, 1024), false);
    const { pack, entry } = await recordOf(dir, sha);
    await flipByte(pack, entry[2] + entry[3] - 1);
    const c = run(dir);
    assert.equal(await c.cache.blobIsIntact(sha, blob.length, 1024), false, "corrupt");
    assert.match(c.warnings.join("\n"), /corrupt cache entry/);
    assert.equal(await c.cache.hasBlob(sha), false, "no longer used in this run");
  });
});

Deno.test("blobIsIntact: a pack unchanged since its writer sealed it is not hashed again; any write to it is", async () => {
  await withDir(async (dir) => {
    const blob = new TextEncoder().encode("a crate's bytes, hashed once when written");
    const sha = (await putBlob(run(dir).cache, blob))!;
    await settleWrites();
    const [{ path, index }] = await indexes(dir);
    const { pack, entry } = await recordOf(dir, sha);
    const info = await Deno.stat(pack);
    assert.deepEqual(index.sealed, {
      size: info.size,
      ino: info.ino,
      mtimeMs: info.mtime!.getTime(),
      ctimeMs: info.ctime!.getTime(),
    });
    assert.equal(await run(dir).cache.blobIsIntact(sha, blob.length, 1024), true);

    // The seal is what is trusted: a body changed behind a seal that still matches is believed
    // (the cache is trusted storage, and the bytes are hashed whenever they are handed out)...
    await flipByte(pack, entry[2] + entry[3] - 1);
    const resealed = await Deno.stat(pack);
    const seal = {
      size: resealed.size,
      ino: resealed.ino,
      mtimeMs: resealed.mtime!.getTime(),
      ctimeMs: resealed.ctime!.getTime(),
    };
    await Deno.writeTextFile(path, JSON.stringify({ ...index, sealed: seal }));
    const trusting = run(dir).cache;
    assert.equal(await trusting.blobIsIntact(sha, blob.length, 1024), true, "only the header read");
    assert.equal(await trusting.blobIsIntact(sha, blob.length + 1, 1024), false, "another size");
    assert.equal(await trusting.blobIsIntact(sha, blob.length, 8), false, "over the cap");
    let streamed = "";
    await trusting.streamBlob(sha, { maxBytes: 1024, onChunk: (c) => void (streamed += c) })
      .catch(() => {});
    assert.equal(streamed, "", "handed out only after hashing");

    // ...and a seal that no longer matches the file (any write moves its times) means hashing.
    for (
      const stale of [{ mtimeMs: seal.mtimeMs - 1 }, { ctimeMs: seal.ctimeMs - 1000 }, {
        size: seal.size + 1,
      }, { ino: seal.ino! + 1 }]
    ) {
      await Deno.writeTextFile(path, JSON.stringify({ ...index, sealed: { ...seal, ...stale } }));
      const c = run(dir);
      assert.equal(
        await c.cache.blobIsIntact(sha, blob.length, 1024),
        false,
        JSON.stringify(stale),
      );
      assert.match(c.warnings.join("\n"), /corrupt cache entry/);
    }
    // A seal of another shape (or an inode number beyond 2^53) is not known: the index is used,
    // and its records are checked one by one (the flipped byte is caught).
    for (const odd of [{ size: "1" }, { ino: 2 ** 60 }, { mtimeMs: -1 }, { ctimeMs: 0.5 }]) {
      await Deno.writeTextFile(path, JSON.stringify({ ...index, sealed: { ...seal, ...odd } }));
      const d = run(dir);
      assert.equal(await d.cache.blobIsIntact(sha, blob.length, 1024), false, JSON.stringify(odd));
      assert.match(d.warnings.join("\n"), /corrupt cache entry/);
      assert.doesNotMatch(d.warnings.join("\n"), /corrupt cache index/);
    }
  });
});

Deno.test("a document's digest is checked even in a pack that matches its seal: a change the file's times do not show is caught", async () => {
  await withDir(async (dir) => {
    await run(dir).cache.putDocument("k", doc("the index line of a crate"));
    await settleWrites();
    const [{ path, index }] = await indexes(dir);
    const { pack, entry } = await recordOf(dir, "k");
    assert.equal(await text(run(dir).cache, "k"), "the index line of a crate");
    // A body byte changed (r → s) where the seal still matches (as storage that flips a bit
    // leaves it): the document is evidence, so its digest is checked and the record ignored.
    await flipByte(pack, entry[2] + entry[3] - 4);
    const info = await Deno.stat(pack);
    const seal = {
      size: info.size,
      ino: info.ino,
      mtimeMs: info.mtime!.getTime(),
      ctimeMs: info.ctime!.getTime(),
    };
    await Deno.writeTextFile(path, JSON.stringify({ ...index, sealed: seal }));
    const c = run(dir);
    assert.equal(await text(c.cache, "k"), undefined);
    assert.match(c.warnings.join("\n"), /corrupt cache entry/);
  });
});

Deno.test("a pack's seal is published a clock tick after its last write, so a later write moves its times", async () => {
  await withDir(async (dir) => {
    const blob = new TextEncoder().encode("bytes");
    const sha = (await putBlob(run(dir).cache, blob))!;
    await settleWrites();
    const [{ path }] = await indexes(dir);
    const { pack, entry } = await recordOf(dir, sha);
    // Where file times advance once per scheduler tick (up to 10 ms), a write in the same tick
    // as the last one would leave the seal matching: the index appears only a tick later.
    const published = (await Deno.stat(path)).mtime!.getTime();
    assert.ok(published - (await Deno.stat(pack)).mtime!.getTime() >= 10);
    await flipByte(pack, entry[2] + entry[3] - 1);
    const c = run(dir);
    assert.equal(await c.cache.blobIsIntact(sha, blob.length, 1024), false);
    assert.match(c.warnings.join("\n"), /corrupt cache entry/);
  });
});
