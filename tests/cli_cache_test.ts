/**
 * The cache and `--offline`, end to end against the loopback fakes: a warm run makes no request
 * for immutable content (the fakes' request logs say so), `--offline` after a warm run gives the
 * same verdicts without a single request, a cold `--offline` run skips with `not-in-cache`, a
 * corrupted cache record (a flipped byte in a pack, a truncated pack) is caught and never
 * trusted, a failed download stores nothing, modes are 0700/0600, two runs can share a cache,
 * and `cache info|clear|prune` work.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { BUNDLE_MEMO_KIND } from "../lib/verify/bundle_memo.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type PackRecord, packRecords } from "./support/cache_packs.ts";
import {
  BUNDLE,
  demoRelease as release,
  WHEEL,
  WHEEL_NAME,
  WHEEL_SHA256,
} from "./support/demo_release.ts";
import { verdicts } from "./support/report_verdicts.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";

const RELEASE_ARGS = ["release", "actions/attest-demo", "v0.0.12", "--json"];

async function withCacheDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-cache-" });
  try {
    await fn(`${dir}/cache`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `args` against a fake GitHub; returns the outcome and only this run's requests. */
async function runRelease(
  github: ReturnType<typeof startFakeGithub>,
  env: Record<string, string>,
  args: string[] = RELEASE_ARGS,
) {
  const start = github.requests.length;
  const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, ...env });
  const code = await main(args, io);
  return { code, out: io.out, err: io.err, requests: github.requests.slice(start) };
}

async function filesUnder(dir: string): Promise<{ path: string; mode: number; isDir: boolean }[]> {
  const out: { path: string; mode: number; isDir: boolean }[] = [];
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const path = `${d}/${entry.name}`;
      const info = await Deno.stat(path);
      out.push({ path, mode: (info.mode ?? 0) & 0o777, isDir: entry.isDirectory });
      if (entry.isDirectory) await walk(path);
    }
  };
  await walk(dir);
  return out;
}

/** The record used for `key` (the newest). */
async function recordOf(dir: string, key: string): Promise<PackRecord> {
  const record = (await packRecords(dir)).findLast((r) => r.key === key);
  assert.ok(record, `a record of ${key}`);
  return record;
}

async function readRecord(record: PackRecord): Promise<Uint8Array> {
  return (await Deno.readFile(record.pack)).slice(record.offset, record.offset + record.length);
}

/** Flips one bit of the byte `at` bytes into a record. */
async function flipByte(record: PackRecord, at: number): Promise<void> {
  const bytes = await Deno.readFile(record.pack);
  bytes[record.offset + (at < 0 ? record.length + at : at)] ^= 0x01;
  await Deno.writeFile(record.pack, bytes);
}

/** Adds a pack (with its index) holding `record` as the newest record of its key. */
async function addPack(dir: string, kind: "d" | "b", key: string, record: Uint8Array) {
  const name = `${String(Date.now()).padStart(16, "0")}-ffffffffffffffff`;
  await Deno.writeFile(`${dir}/packs/${name}.pack`, record);
  const index = { v: 4, records: [[kind, key, 0, record.length, Date.now()]], used: [] };
  await Deno.writeTextFile(`${dir}/packs/${name}.idx`, JSON.stringify(index));
}

Deno.test("cache: a second release run within the TTL makes no request at all", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const first = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      assert.equal(first.code, 0, first.out + first.err);
      assert.ok(first.requests.some((q) => q.host === "download"));
      const second = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      assert.equal(second.code, 0, second.out + second.err);
      assert.deepEqual(second.requests, []);
      assert.deepEqual(verdicts(second.out), verdicts(first.out));
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: a verified bundle is remembered; the memo is used, and a corrupt one ignored", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir };
      const first = await runRelease(github, env);
      assert.equal(first.code, 0, first.out + first.err);
      const memos = (await packRecords(dir)).filter((r) =>
        r.key.startsWith(`MEMO ${BUNDLE_MEMO_KIND} `)
      );
      assert.equal(memos.length, 1, "one verified bundle, one memo");
      // The memo is what the second run uses: a (resealed) change to it shows in the report.
      const text = new TextDecoder().decode(await readRecord(memos[0]));
      const headerEnd = text.indexOf("\n", 65);
      const value = JSON.parse(text.slice(headerEnd + 1));
      value.rest.artifactBinding = "REMEMBERED binding";
      const rest = `${text.slice(65, headerEnd)}\n${JSON.stringify(value)}`;
      const digest = createHash("sha256").update(rest).digest("hex");
      await addPack(dir, "d", memos[0].key, new TextEncoder().encode(`${digest}\n${rest}`));
      const second = await runRelease(github, env);
      assert.equal(second.code, 0, second.out + second.err);
      assert.match(second.out, /REMEMBERED binding/);
      // A flipped byte: ignored (with a warning), the bundle verified again, the same verdicts.
      await flipByte(await recordOf(dir, memos[0].key), -10);
      const third = await runRelease(github, env);
      assert.equal(third.code, 0, third.out + third.err);
      assert.doesNotMatch(third.out, /REMEMBERED/);
      assert.match(third.err, /corrupt cache entry/);
      assert.deepEqual(verdicts(third.out), verdicts(first.out));
      // Other trusted roots are another key: --staging alone would not find this memo.
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: after the TTL, documents are revalidated but immutable bytes are not fetched", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir, CARGO_ATTEST_CACHE_TTL: "0" };
      const first = await runRelease(github, env);
      assert.equal(first.code, 0, first.out + first.err);
      const second = await runRelease(github, env);
      assert.equal(second.code, 0, second.out + second.err);
      assert.ok(second.requests.some((q) => q.path.includes("/releases/tags/")), "revalidated");
      // The wheel (its digest is in the API answer) is served from the blob store.
      assert.ok(!second.requests.some((q) => q.path.endsWith(`/${WHEEL_NAME}`)));
      assert.ok(!second.requests.some((q) => q.path.endsWith("/releases/assets/1000")));
      assert.deepEqual(verdicts(second.out), verdicts(first.out));
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: --offline after a warm run gives the same verdicts with zero requests", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const warm = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      assert.equal(warm.code, 0, warm.out + warm.err);
      // Expired documents are still used offline.
      const offline = await runRelease(
        github,
        { CARGO_ATTEST_CACHE_DIR: dir, CARGO_ATTEST_CACHE_TTL: "0" },
        [...RELEASE_ARGS, "--offline"],
      );
      assert.equal(offline.code, 0, offline.out + offline.err);
      assert.deepEqual(offline.requests, []);
      assert.deepEqual(verdicts(offline.out), verdicts(warm.out));
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: --offline on a cold cache skips with not-in-cache (UNVERIFIED, not ERROR), no request", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const r = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...RELEASE_ARGS,
        "--offline",
      ]);
      assert.equal(r.code, 1, r.out + r.err);
      assert.deepEqual(r.requests, []);
      const report = JSON.parse(r.out);
      assert.equal(report.verdict, "UNVERIFIED");
      // No placeholder asset: the report says the release itself is not in the cache (#13).
      assert.deepEqual(report.subjects, []);
      const note = report.diagnostics[0];
      assert.equal(note.code, "not-in-cache");
      assert.match(
        note.message,
        /^release actions\/attest-demo@v0\.0\.12 is not in the cache \(.*\/releases\/tags\/v0\.0\.12\)/,
      );
      assert.match(r.err, /is not in the cache/, "the one cause line says it too");
      // --no-cache --offline: the same, and nothing is written.
      const none = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...RELEASE_ARGS,
        "--offline",
        "--no-cache",
      ]);
      assert.equal(none.code, 1);
      assert.deepEqual(none.requests, []);
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: --no-cache neither reads nor writes the cache", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const r = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...RELEASE_ARGS,
        "--no-cache",
      ]);
      assert.equal(r.code, 0, r.out + r.err);
      await assert.rejects(Deno.stat(dir), Deno.errors.NotFound);
      await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      const again = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...RELEASE_ARGS,
        "--no-cache",
      ]);
      assert.ok(again.requests.some((q) => q.host === "download"), "the warm cache is not read");
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: a flipped byte in a cached blob is caught: refetched online, a skip offline, never trusted", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir };
      const warm = await runRelease(github, env);
      assert.equal(warm.code, 0, warm.out + warm.err);
      // The wheel is small: a record of the run's pack. A flipped byte in its bytes:
      const flip = async () => flipByte(await recordOf(dir, WHEEL_SHA256), -1000);
      await flip();
      const offline = await runRelease(github, env, [...RELEASE_ARGS, "--offline"]);
      assert.deepEqual(offline.requests, []);
      assert.equal(offline.code, 1, offline.out + offline.err);
      const subject = JSON.parse(offline.out).subjects[0];
      assert.equal(subject.checks[0].code, "not-in-cache");
      assert.match(offline.err, /corrupt cache entry/);

      const refill = await runRelease(github, env);
      assert.ok(refill.requests.some((q) => q.path.endsWith(`/${WHEEL_NAME}`)), "refetched");
      await flip(); // the new record
      const online = await runRelease(github, env);
      assert.equal(online.code, 0, online.out + online.err);
      assert.ok(online.requests.some((q) => q.path.endsWith(`/${WHEEL_NAME}`)), "refetched");
      assert.deepEqual(verdicts(online.out), verdicts(warm.out));
      const record = await readRecord(await recordOf(dir, WHEEL_SHA256));
      assert.equal(await sha256Of(record.subarray(-WHEEL.length)), WHEEL_SHA256, "good again");
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: a flipped byte in a cached document is ignored and refetched", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir };
      const warm = await runRelease(github, env);
      assert.equal(warm.code, 0);
      const documents = (await packRecords(dir)).filter((r) => r.kind === "d");
      assert.ok(documents.length > 0);
      for (const record of documents) {
        const bytes = await readRecord(record);
        // Past the digest and header lines, inside the body (the last byte of an empty body).
        await flipByte(record, Math.min(bytes.indexOf(0x0a, 65) + 3, bytes.length - 1));
      }
      const again = await runRelease(github, env);
      assert.equal(again.code, 0, again.out + again.err);
      assert.match(again.err, /corrupt cache entry/);
      assert.ok(again.requests.some((q) => q.path.includes("/releases/tags/")), "refetched");
      assert.deepEqual(verdicts(again.out), verdicts(warm.out));
      // A truncated pack is ignored too: every pack cut in the middle of its first record.
      for (const record of (await packRecords(dir)).filter((r) => r.offset === 0)) {
        await Deno.truncate(record.pack, record.length >> 1);
      }
      const offline = await runRelease(github, env, [...RELEASE_ARGS, "--offline"]);
      assert.equal(offline.code, 1, "nothing usable is left offline: " + offline.out);
      assert.deepEqual(offline.requests, []);
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: a truncated download stores nothing", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub(
      [release({ assets: [{ name: WHEEL_NAME, bytes: WHEEL, truncateAt: 100 }] })],
      {},
    );
    try {
      const r = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      assert.equal(r.code, 3, r.out + r.err);
      const files = (await filesUnder(dir)).filter((f) => !f.isDir);
      assert.ok(!files.some((f) => f.path.startsWith(`${dir}/blobs/`)), JSON.stringify(files));
      assert.ok(!files.some((f) => f.path.startsWith(`${dir}/tmp/`)), "no temporary file is left");
      const records = await packRecords(dir).catch(() => []);
      assert.ok(!records.some((r) => r.kind === "b"), "no blob record");
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: directories are 0700 and files 0600", {
  ignore: Deno.build.os === "windows",
}, async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const r = await runRelease(github, { CARGO_ATTEST_CACHE_DIR: dir });
      assert.equal(r.code, 0);
      const entries = await filesUnder(dir);
      assert.ok(entries.some((e) => !e.isDir) && entries.some((e) => e.isDir));
      assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
      for (const e of entries) {
        assert.equal(e.mode, e.isDir ? 0o700 : 0o600, `${e.path}: ${e.mode.toString(8)}`);
      }
    } finally {
      await github.close();
    }
  });
});

Deno.test("cache: two concurrent runs on one cache both succeed and leave it whole", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir };
      const [a, b] = await Promise.all([runRelease(github, env), runRelease(github, env)]);
      assert.equal(a.code, 0, a.out + a.err);
      assert.equal(b.code, 0, b.out + b.err);
      assert.doesNotMatch(a.err + b.err, /corrupt|cannot/);
      const offline = await runRelease(github, env, [...RELEASE_ARGS, "--offline"]);
      assert.equal(offline.code, 0, offline.out + offline.err);
      assert.doesNotMatch(offline.err, /corrupt/);
    } finally {
      await github.close();
    }
  });
});

// --- crates ---------------------------------------------------------------------------------

function crate(overrides: Partial<FakeCrate> = {}): FakeCrate {
  return { name: "tiny-attest", version: "0.1.0", bytes: CRATE, ...overrides };
}

async function runCrates(
  cratesIo: ReturnType<typeof startFakeCratesIo>,
  env: Record<string, string>,
  args: string[],
) {
  const start = cratesIo.requests.length;
  const io = createMemoryIo({ ...cratesIo.env, ...env });
  const code = await main(args, io);
  return { code, out: io.out, err: io.err, requests: cratesIo.requests.slice(start) };
}

function lockFile(): string {
  return `version = 4

[[package]]
name = "tiny-attest"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "${CRATE_SHA256}"
`;
}

Deno.test("cache: a second crate run downloads no .crate; documents are revalidated with ETags", async () => {
  await withCacheDir(async (dir) => {
    const cratesIo = startFakeCratesIo([crate()]);
    try {
      const args = ["crate", "tiny-attest@0.1.0", "--json"];
      const first = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, args);
      assert.equal(first.code, 0, first.out + first.err);
      assert.ok(first.requests.some((q) => q.host === "dl"));
      const warm = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, args);
      assert.equal(warm.code, 0, warm.out + warm.err);
      assert.deepEqual(warm.requests, [], "within the TTL: no request at all");
      // The report says which evidence came from the cache (and the revalidated run: none).
      const checksumOrigin = (out: string) =>
        JSON.parse(out).subjects[0].checks.find((c: { id: string }) => c.id === "crate-checksum")
          .origin;
      assert.equal(checksumOrigin(first.out).cached, undefined);
      assert.equal(checksumOrigin(warm.out).cached, true);
      const expired = await runCrates(
        cratesIo,
        { CARGO_ATTEST_CACHE_DIR: dir, CARGO_ATTEST_CACHE_TTL: "0" },
        args,
      );
      assert.equal(expired.code, 0, expired.out + expired.err);
      assert.ok(!expired.requests.some((q) => q.host === "dl"), "no .crate download");
      const index = expired.requests.find((q) => q.host === "index");
      assert.match(
        index?.ifNoneMatch ?? "",
        /^"fake-[0-9a-f]{16}"$/,
        "the index file is revalidated (304)",
      );
      assert.deepEqual(verdicts(expired.out), verdicts(first.out));
      assert.equal(checksumOrigin(expired.out).cached, undefined, "confirmed by a 304");
    } finally {
      await cratesIo.close();
    }
  });
});

Deno.test("cache: lock --offline after a warm run gives the same verdicts; cold, it skips", async () => {
  await withCacheDir(async (dir) => {
    const tmp = await Deno.makeTempDir();
    const cratesIo = startFakeCratesIo([crate()]);
    try {
      const lock = `${tmp}/Cargo.lock`;
      await Deno.writeTextFile(lock, lockFile());
      const args = ["lock", lock, "--json"];
      const cold = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...args,
        "--offline",
      ]);
      assert.equal(cold.code, 1, cold.out + cold.err);
      assert.deepEqual(cold.requests, []);
      const skip = JSON.parse(cold.out).subjects[0].checks[0];
      assert.equal(`${skip.status} ${skip.code}`, "skip not-in-cache");
      assert.match(skip.message, /run once online/);

      const warm = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, args);
      assert.equal(warm.code, 0, warm.out + warm.err);
      const offline = await runCrates(
        cratesIo,
        { CARGO_ATTEST_CACHE_DIR: dir, CARGO_ATTEST_CACHE_TTL: "0" },
        [...args, "--offline"],
      );
      assert.equal(offline.code, 0, offline.out + offline.err);
      assert.deepEqual(offline.requests, []);
      assert.deepEqual(verdicts(offline.out), verdicts(warm.out));

      // A flipped byte in the cached .crate: offline it is a skip, never a pass or a mismatch.
      await flipByte(await recordOf(dir, CRATE_SHA256), -1);
      const flipped = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, [
        ...args,
        "--offline",
      ]);
      assert.equal(flipped.code, 1, flipped.out + flipped.err);
      assert.equal(JSON.parse(flipped.out).subjects[0].checks[0].code, "not-in-cache");
    } finally {
      await cratesIo.close();
      await Deno.remove(tmp, { recursive: true });
    }
  });
});

Deno.test("cache: offline with the crate cached but not its repository, only the repository checks skip", async () => {
  await withCacheDir(async (dir) => {
    const cratesIo = startFakeCratesIo([
      crate({ repository: "https://github.com/cargo-attest/tiny-attest" }),
    ]);
    try {
      const args = ["crate", "tiny-attest@0.1.0", "--json"];
      // Warmed without a GitHub token: crates.io's answers are cached, GitHub's are not.
      const warm = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, args);
      assert.equal(warm.code, 0, warm.out + warm.err);
      const offline = await runCrates(cratesIo, {
        CARGO_ATTEST_CACHE_DIR: dir,
        GH_TOKEN: "ghp_offline",
        CARGO_ATTEST_GITHUB_API_URL: "http://127.0.0.1:9/",
      }, [...args, "--offline"]);
      const checks = JSON.parse(offline.out).subjects[0].checks as {
        id: string;
        status: string;
        code: string;
      }[];
      const byId = Object.fromEntries(checks.map((c) => [c.id, `${c.status} ${c.code}`]));
      assert.equal(byId["crate-checksum"], "pass crate-checksum-match", offline.out);
      assert.equal(byId["crate-vcs"], "skip not-in-cache", offline.out);
      assert.deepEqual(offline.requests, []);
    } finally {
      await cratesIo.close();
    }
  });
});

// --- cache info / clear / prune -------------------------------------------------------------

Deno.test("cache info, prune and clear report and manage the cache", async () => {
  await withCacheDir(async (dir) => {
    const cratesIo = startFakeCratesIo([crate()]);
    try {
      const env = { CARGO_ATTEST_CACHE_DIR: dir };
      const r = await runCrates(cratesIo, env, ["crate", "tiny-attest@0.1.0"]);
      assert.equal(r.code, 0, r.out + r.err);
    } finally {
      await cratesIo.close();
    }
    // One pack and its index for the whole run.
    assert.equal((await filesUnder(`${dir}/packs`)).length, 2);
    // A stray temporary file and a pack without an index from interrupted runs, a file of the
    // older layout, and a file that is not the cache's.
    const strays = [
      `${dir}/tmp/blob.tmp-0123456789abcdef`,
      `${dir}/packs/0000000000000001-0123456789abcdef.pack`,
      `${dir}/docs/${"0".repeat(64)}.json`,
    ];
    for (const path of strays) {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, "partial");
      await Deno.utime(path, 0, 0);
    }
    await Deno.writeTextFile(`${dir}/README.txt`, "not the cache's");

    const info = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    assert.equal(await main(["cache", "info", "--json"], info), 0, info.err);
    const stats = JSON.parse(info.out);
    assert.equal(stats.path, dir);
    assert.equal(stats.blobs, 1);
    assert.ok(stats.documents >= 3, info.out);
    assert.equal(stats.entries, stats.blobs + stats.documents);
    assert.ok(stats.bytes > CRATE.length);
    assert.equal(stats.temporary, 3);

    const text = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    assert.equal(await main(["cache", "info"], text), 0);
    assert.match(text.out, new RegExp(`path: +${dir}`));

    // prune: what interrupted runs and the older layout left goes; fresh entries stay.
    const prune = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    assert.equal(await main(["cache", "prune"], prune), 0, prune.err);
    assert.match(prune.out, /removed 3 entries and temporary files/);
    for (const path of strays) await assert.rejects(Deno.stat(path), Deno.errors.NotFound, path);
    const after = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    await main(["cache", "info", "--json"], after);
    assert.equal(JSON.parse(after.out).entries, stats.entries);
    assert.equal(JSON.parse(after.out).temporary, 0);

    // prune with a clock past --max-age drops the expired entries.
    const later = createMemoryIo(
      { CARGO_ATTEST_CACHE_DIR: dir },
      new Date(Date.now() + 2 * 86_400_000),
    );
    assert.equal(
      await main(["cache", "prune", "--max-age", "1d", "--json"], later),
      0,
      later.err,
    );
    const prunedJson = JSON.parse(later.out);
    assert.equal(prunedJson.action, "prune");
    assert.equal(prunedJson.maxAge, "1d");
    assert.ok(prunedJson.removed > 0 && prunedJson.bytes > 0, later.out);
    const pruned = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    await main(["cache", "info", "--json"], pruned);
    assert.equal(JSON.parse(pruned.out).entries, 0);

    // clear empties it, and touches nothing that is not the cache's.
    const clear = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    assert.equal(await main(["cache", "clear"], clear), 0);
    assert.equal(await Deno.readTextFile(`${dir}/README.txt`), "not the cache's");
    assert.deepEqual((await filesUnder(dir)).map((f) => f.path), [`${dir}/README.txt`]);
    const empty = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: dir });
    await main(["cache", "info", "--json"], empty);
    assert.deepEqual(
      { entries: JSON.parse(empty.out).entries, bytes: JSON.parse(empty.out).bytes },
      { entries: 0, bytes: 0 },
    );
  });
});

Deno.test("cache: usage errors, and no cache directory at all", async () => {
  for (
    const args of [["cache", "frob"], ["cache", "info", "extra"], [
      "cache",
      "prune",
      "--max-age",
      "soon",
    ]]
  ) {
    const io = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: "/nonexistent-cargo-attest" });
    assert.equal(await main(args, io), 3, args.join(" "));
  }
  const io = createMemoryIo({});
  assert.equal(await main(["cache", "info"], io), 3);
  assert.match(io.err, /no cache directory/);
});

async function sha256Of(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes.slice());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("cache: two cargo-attest processes on one cold cache both succeed", async () => {
  await withCacheDir(async (dir) => {
    const cratesIo = startFakeCratesIo([crate()]);
    const cli = new URL("../cli.ts", import.meta.url).pathname;
    const run = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--quiet",
          "--allow-read",
          "--allow-env",
          "--allow-write",
          "--allow-net=127.0.0.1",
          cli,
          "crate",
          "tiny-attest@0.1.0",
          "--json",
        ],
        env: {
          ...cratesIo.env,
          CARGO_ATTEST_CACHE_DIR: dir,
          GH_TOKEN: "",
          GITHUB_TOKEN: "",
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
    try {
      const results = await Promise.all([run(), run(), run()]);
      for (const r of results) {
        const err = new TextDecoder().decode(r.stderr);
        assert.equal(r.code, 0, err);
        assert.doesNotMatch(err, /corrupt|cannot/);
        assert.equal(JSON.parse(new TextDecoder().decode(r.stdout)).verdict, "TRUSTED");
      }
      const offline = await runCrates(cratesIo, { CARGO_ATTEST_CACHE_DIR: dir }, [
        "crate",
        "tiny-attest@0.1.0",
        "--offline",
      ]);
      assert.equal(offline.code, 0, offline.out + offline.err);
    } finally {
      await cratesIo.close();
    }
  });
});
