/**
 * The lock run memo (`lib/verify/lock_memo.ts`) is not kept for a run that handed out two
 * different answers for one document (red team 7d). Two crates asking the same document at once
 * and both told the same thing is another matter: nothing any check read differs, so the run is
 * remembered. Under load this race is common (two versions of one crate share their index file;
 * crates of one repository share its pages), and before this test such runs were never
 * remembered: every later run verified in full. Through `main()`, against the loopback fake of
 * crates.io behind a proxy that holds both requests of the index file and answers them together.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { withTempDir } from "./support/temp_dir.ts";

interface Report {
  diagnostics: { code: string }[];
  subjects: { subject: { version: string }; verdict: string }[];
}

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

Deno.test("lock memo: two crates told the same answer for one document at once are remembered", async () => {
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
  const fake = startFakeCratesIo(crates);
  // The index file of `dup` (3/d/dup): both requests are held until both have arrived, then
  // answered together with the same file.
  let asked = 0;
  let bothArrived!: () => void;
  const both = new Promise<void>((resolve) => bothArrived = resolve);
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname.endsWith("/3/d/dup") && ++asked <= 2) {
      if (asked === 2) bothArrived();
      await Promise.race([both, new Promise((r) => setTimeout(r, 2000))]);
    }
    const answer = await fetch(
      new URL(url.pathname.replace(/^\/index\//, "") + url.search, fake.indexUrl + "/"),
      { headers: request.headers },
    );
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lock);
      const run = async () => {
        const io = createMemoryIo({
          ...fake.env,
          CARGO_ATTEST_CRATES_INDEX_URL: `http://127.0.0.1:${proxy.addr.port}/index`,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        });
        const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
        return { code, report: JSON.parse(io.out) as Report, out: io.out };
      };
      const verdicts = (r: Report) => r.subjects.map((s) => `${s.subject.version} ${s.verdict}`);
      const recalled = (r: Report) => r.diagnostics.some((d) => d.code === "checks-recalled");
      const cold = await run();
      assert.equal(asked, 2, "both versions asked for the index file at once");
      assert.equal(recalled(cold.report), false);
      const warm = await run();
      assert.equal(asked, 2, "the warm run asks nothing");
      assert.deepEqual(verdicts(warm.report), verdicts(cold.report), warm.out);
      assert.equal(recalled(warm.report), true, warm.out);
    });
  } finally {
    await proxy.shutdown();
    await fake.close();
  }
});
