/**
 * Red team 7: a pack's seal (its size, inode and times when its writer finished it, kept in its
 * index) must never make a run's verdict differ from what hashing every record gives.
 *
 * - A file system whose inode numbers are 64-bit (an SMB share of a Windows server, whose file IDs
 *   carry a sequence number in their top bits; large NFS servers) gives `Deno.stat` an inode
 *   beyond 2^53: the seal written with it must not make the next run reject the index as corrupt
 *   (which loses every record of the pack: an `--offline` run then has nothing).
 * - A document whose bytes changed where the file system's times do not show it (storage that
 *   flips a bit; a same-size copy whose times are restored, within the second the seal's change
 *   time has) must be caught by its digest, as before, and never used.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { packRecords } from "./support/cache_packs.ts";
import { BUNDLE, demoRelease as release, WHEEL_SHA256 } from "./support/demo_release.ts";
import { verdicts } from "./support/report_verdicts.ts";
import { changeUnseen } from "./support/unseen_change.ts";

const RELEASE_ARGS = ["release", "actions/attest-demo", "v0.0.12", "--json"];

async function withCacheDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-red7-" });
  try {
    return await fn(`${dir}/cache`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function runRelease(
  github: ReturnType<typeof startFakeGithub>,
  dir: string,
  extra: string[] = [],
) {
  const start = github.requests.length;
  const io = createMemoryIo({
    CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
    CARGO_ATTEST_CACHE_DIR: dir,
  });
  const code = await main([...RELEASE_ARGS, ...extra], io);
  return { code, out: io.out, err: io.err, requests: github.requests.slice(start) };
}

/** An inode number as a 64-bit file ID gives it: above 2^53, so not a safe integer in JS. */
const WIDE_INODE = 2 ** 60 + 2 ** 12;

/** Runs `fn` with `Deno.stat` of a `.pack` answering a 64-bit inode number. */
async function withWideInodes<T>(fn: () => Promise<T>): Promise<T> {
  const stat = Deno.stat;
  Deno.stat = async (path: string | URL) => {
    const info = await stat(path);
    return String(path).endsWith(".pack") ? { ...info, ino: WIDE_INODE + (info.ino ?? 0) } : info;
  };
  try {
    return await fn();
  } finally {
    Deno.stat = stat;
  }
}

Deno.test("redteam7: on a file system with 64-bit inode numbers, a run's pack index is still used (--offline after a warm run)", async () => {
  await withCacheDir(async (dir) => {
    const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
    try {
      await withWideInodes(async () => {
        const warm = await runRelease(github, dir);
        assert.equal(warm.code, 0, warm.out + warm.err);
        const offline = await runRelease(github, dir, ["--offline"]);
        assert.doesNotMatch(offline.err, /corrupt cache index/);
        assert.equal(offline.code, 0, offline.out + offline.err);
        assert.deepEqual(offline.requests, []);
        assert.deepEqual(verdicts(offline.out), verdicts(warm.out));
      });
    } finally {
      await github.close();
    }
  });
});

Deno.test("redteam7: a document changed where the pack's times do not show it is caught by its digest, never used (--offline: not in the cache)", async () => {
  const github = startFakeGithub([release()], { attestations: { [WHEEL_SHA256]: [BUNDLE] } });
  try {
    // The change must land within the second of the pack's change time: a few tries at most.
    let tried = 0;
    for (;;) {
      tried++;
      const done = await withCacheDir(async (dir) => {
        const warm = await runRelease(github, dir);
        assert.equal(warm.code, 0, warm.out + warm.err);
        const record = (await packRecords(dir)).findLast((r) =>
          r.kind === "d" && r.key.includes("/releases/tags/v0.0.12")
        );
        assert.ok(record, "the release's answer is a cached document");
        const bytes = (await Deno.readFile(record.pack)).subarray(
          record.offset,
          record.offset + record.length,
        );
        const text = new TextDecoder().decode(bytes);
        // A byte of the release notes ("Release notes." becomes "Release notes/"): still JSON.
        const at = text.indexOf("Release notes.") + "Release notes".length;
        assert.ok(at > 65, "the notes are in the body");
        if (!await changeUnseen(record.pack, record.offset + at)) return false;
        const offline = await runRelease(github, dir, ["--offline"]);
        assert.deepEqual(offline.requests, []);
        assert.match(offline.err, /corrupt cache entry/);
        assert.equal(offline.code, 1, offline.out + offline.err);
        assert.equal(JSON.parse(offline.out).verdict, "UNVERIFIED");
        return true;
      });
      if (done) break;
      assert.ok(tried < 5, "the change time's second kept moving on");
    }
  } finally {
    await github.close();
  }
});
