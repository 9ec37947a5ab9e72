/**
 * Red team 7c: the lock run memo (`lib/verify/lock_memo.ts`) must never recall checks that rest
 * on a `.crate` whose cached copy is no longer intact. A `.crate` over 8 MiB is cached as a blob
 * file; a full verification hashes it before using it (and reads it again when it does not hash
 * to its digest), so a recall must not take its mere presence for the bytes verified. Through
 * `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { bigCrate } from "./support/big_crate.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { cachedRunner } from "./support/cached_runs.ts";

Deno.test("red team 7c: a .crate cached as a blob file that no longer hashes to its digest is not recalled as verified", async () => {
  const { crate, sha256, lock: lockText } = await bigCrate();
  const crates = [crate];
  const cratesIo = startFakeCratesIo(crates);
  const github = startFakeGithub([], { repositories: [] });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockText);
      const run = cachedRunner(
        { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl },
        dir,
      );
      const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
      const cold = await run(lock);
      assert.equal(cold.report.verdict, "TRUSTED", cold.out);
      // While the file is intact, its checks are recalled.
      const warm = await run(lock);
      assert.equal(warm.report.diagnostics.some((d) => d.code === "checks-recalled"), true);

      // The cached .crate is damaged (a disk error, a half-copied cache) and crates.io cannot
      // serve it just now.
      const path = `${dir}/cache/blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
      const file = await Deno.open(path, { write: true });
      await file.seek(4 * 1024 * 1024, Deno.SeekMode.Start);
      await file.write(new Uint8Array([0xde, 0xad, 0xbe, 0xef]));
      file.close();
      crates[0] = { ...crates[0], missingFrom: ["dl"] } as typeof crates[0];

      // A full verification hashes the cached copy, finds it damaged, and cannot download it.
      const again = await run(lock);
      assert.notEqual(again.report.verdict, "TRUSTED", again.out);
      assert.equal(again.report.diagnostics.some((d) => d.code === "checks-recalled"), false);
      // As --offline says (it reads every cached answer and is never recalled): the .crate is not
      // there to verify.
      const full = await run([...lock, "--offline"]);
      assert.notEqual(full.report.verdict, "TRUSTED", full.out);
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
