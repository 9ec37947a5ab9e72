/**
 * Red team 7d: the lock run memo (`lib/verify/lock_memo.ts`) keeps, for each cached document,
 * the record the run ended with. But one run may hand out two answers for the same URL: two
 * crates of a lock ask the same document at once (two versions of one crate share its index
 * file, which nothing in memory shares between them), the server answers them differently (the
 * file changed between the two requests), and the second answer written replaces the first in
 * the cache. The crate that read the first answer has checks resting on a record the cache no
 * longer holds; a recall must not keep them, since a full verification reads the cache's record
 * for both crates. The same when the first answer is the cached record confirmed by the server
 * (a 304 while revalidating) and the second replaces it. Through `main()`, against the loopback
 * fake of crates.io behind a small proxy that holds the first request of the index file until
 * the second arrives.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { withTempDir } from "./support/temp_dir.ts";

interface Report {
  verdict: string;
  diagnostics: { code: string }[];
  subjects: { subject: { name: string; version: string }; verdict: string }[];
}

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

Deno.test("red team 7d: a run that handed out two answers for one document is not recalled", async () => {
  const crates: FakeCrate[] = [];
  for (const version of ["1.0.0", "2.0.0"]) {
    const files = {
      "Cargo.toml": `[package]\nname = "dup"\nversion = "${version}"\nedition = "2021"\n`,
      "src/lib.rs": `pub fn v() -> &'static str { "${version}" }\n`,
    };
    crates.push({ name: "dup", version, bytes: await buildCrate({ name: "dup", version, files }) });
  }
  const lock = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n' +
    crates.map((c) =>
      `\n[[package]]\nname = "dup"\nversion = "${c.version}"\nsource = "${CRATES_IO}"\n` +
      `checksum = "${sha256Hex(c.bytes)}"\n`
    ).join("");
  // The same crates; this one's index names another checksum for each version.
  const good = startFakeCratesIo(crates);
  const bad = startFakeCratesIo(
    crates.map((c) => ({ ...c, indexCksumOverride: "ab".repeat(32) })),
  );
  // The index file of `dup` (3/d/dup): the first request waits for the second and is answered
  // with the good file; the second, a moment later, with the changed one (written last).
  let asked = 0;
  let second!: () => void;
  const secondArrived = new Promise<void>((resolve) => second = resolve);
  let firstAnswered!: () => void;
  const firstDone = new Promise<void>((resolve) => firstAnswered = resolve);
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const relay = async (to: string) => {
      const answer = await fetch(
        new URL(url.pathname.replace(/^\/index\//, "") + url.search, to + "/"),
        {
          headers: request.headers,
        },
      );
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    };
    if (!url.pathname.endsWith("/3/d/dup")) return await relay(good.indexUrl);
    const n = ++asked;
    if (n === 1) {
      await Promise.race([secondArrived, new Promise((r) => setTimeout(r, 2000))]);
      const answer = await relay(good.indexUrl);
      firstAnswered();
      return answer;
    }
    if (n === 2) {
      second();
      await firstDone;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await relay(bad.indexUrl);
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lock);
      const run = async (env: Record<string, string> = {}) => {
        const io = createMemoryIo({
          ...good.env,
          CARGO_ATTEST_CRATES_INDEX_URL: `http://127.0.0.1:${proxy.addr.port}/index`,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          ...env,
        });
        const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
        return { code, report: JSON.parse(io.out) as Report, out: io.out };
      };
      const verdicts = (r: Report) => r.subjects.map((s) => `${s.subject.version} ${s.verdict}`);
      const cold = await run();
      assert.equal(asked, 2, "both versions asked for the index file at once");
      // One version read the good file, the other the changed one (the cache keeps the latter).
      assert.equal(
        cold.report.subjects.filter((s) => s.verdict === "MISMATCH").length,
        1,
        cold.out,
      );
      const warm = await run();
      // A full verification reads the cache's record of the index file for both versions.
      const full = await run({ CARGO_ATTEST_CACHE_TTL: "0" });
      assert.deepEqual(verdicts(full.report), ["1.0.0 MISMATCH", "2.0.0 MISMATCH"], full.out);
      assert.deepEqual(verdicts(warm.report), verdicts(full.report), warm.out);
    });
  } finally {
    await proxy.shutdown();
    await good.close();
    await bad.close();
  }
});

/**
 * Two versions revalidate their index file at once: the first is confirmed (304), the second is
 * answered with a changed file, after the first (`changedFirst` false) or before it (true).
 */
async function revalidationRace(changedFirst: boolean): Promise<void> {
  const crates: FakeCrate[] = [];
  for (const version of ["1.0.0", "2.0.0"]) {
    const files = {
      "Cargo.toml": `[package]\nname = "dup"\nversion = "${version}"\nedition = "2021"\n`,
      "src/lib.rs": `pub fn v() -> &'static str { "${version}" }\n`,
    };
    crates.push({ name: "dup", version, bytes: await buildCrate({ name: "dup", version, files }) });
  }
  const lock = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n' +
    crates.map((c) =>
      `\n[[package]]\nname = "dup"\nversion = "${c.version}"\nsource = "${CRATES_IO}"\n` +
      `checksum = "${sha256Hex(c.bytes)}"\n`
    ).join("");
  const good = startFakeCratesIo(crates);
  const bad = startFakeCratesIo(
    crates.map((c) => ({ ...c, indexCksumOverride: "ab".repeat(32) })),
  );
  // The index file of `dup`: the good one, until `race` is set; then the first revalidation
  // waits for the second and is confirmed (304), the second is answered with the changed file
  // (a moment after the first, or before it); after that, the changed file.
  let race = false;
  let asked = 0;
  let second!: () => void;
  const secondArrived = new Promise<void>((resolve) => second = resolve);
  let firstAnswered!: () => void;
  const firstDone = new Promise<void>((resolve) => firstAnswered = resolve);
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const relay = async (to: string) => {
      const answer = await fetch(
        new URL(url.pathname.replace(/^\/index\//, "") + url.search, to + "/"),
        { headers: request.headers },
      );
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    };
    if (!url.pathname.endsWith("/3/d/dup") || !race) return await relay(good.indexUrl);
    const n = ++asked;
    if (n === 1) {
      await Promise.race([secondArrived, new Promise((r) => setTimeout(r, 2000))]);
      if (changedFirst) {
        await firstDone;
        await new Promise((r) => setTimeout(r, 300));
      }
      const answer = await relay(good.indexUrl);
      if (!changedFirst) firstAnswered();
      return answer;
    }
    if (n === 2) {
      second();
      if (changedFirst) {
        const answer = await relay(bad.indexUrl);
        firstAnswered();
        return answer;
      }
      await firstDone;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await relay(bad.indexUrl);
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lock);
      const run = async (env: Record<string, string> = {}) => {
        const io = createMemoryIo({
          ...good.env,
          CARGO_ATTEST_CRATES_INDEX_URL: `http://127.0.0.1:${proxy.addr.port}/index`,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          ...env,
        });
        const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
        return { code, report: JSON.parse(io.out) as Report, out: io.out };
      };
      const verdicts = (r: Report) => r.subjects.map((s) => `${s.subject.version} ${s.verdict}`);
      const cold = await run();
      assert.equal(cold.report.subjects.some((s) => s.verdict === "MISMATCH"), false, cold.out);
      // Every answer is asked again (TTL 0): both versions revalidate the index file at once.
      race = true;
      const revalidated = await run({ CARGO_ATTEST_CACHE_TTL: "0" });
      assert.equal(asked, 2, "both versions revalidated the index file at once");
      assert.equal(
        revalidated.report.subjects.filter((s) => s.verdict === "MISMATCH").length,
        1,
        revalidated.out,
      );
      const warm = await run();
      const full = await run({ CARGO_ATTEST_CACHE_TTL: "0" });
      assert.deepEqual(verdicts(full.report), ["1.0.0 MISMATCH", "2.0.0 MISMATCH"], full.out);
      assert.deepEqual(verdicts(warm.report), verdicts(full.report), warm.out);
    });
  } finally {
    await proxy.shutdown();
    await good.close();
    await bad.close();
  }
}

Deno.test("red team 7d: a run that confirmed one answer (304) while another replaced it later is not recalled", async () => {
  await revalidationRace(false);
});

Deno.test("red team 7d: a run that confirmed one answer (304) another had already replaced is not recalled", async () => {
  await revalidationRace(true);
});
