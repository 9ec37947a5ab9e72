/**
 * Red team 7d: the lock run memo (`lib/verify/lock_memo.ts`) promises that a recalled run's
 * `.crate`s are cached and intact. A `.crate` downloaded in a run whose cache could not keep it
 * (a blob file over 8 MiB, written through the cache's `tmp/`, which cannot be written: a full
 * disk, a read-only directory) is in no ledger at all, while the run's documents were written:
 * the run is remembered, and a later one recalls its checks although the bytes they were made
 * from are nowhere. A full verification has to download the `.crate` again. Through `main()`,
 * against the loopback fakes.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { bigCrate } from "./support/big_crate.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { withTempDir } from "./support/temp_dir.ts";

interface Report {
  verdict: string;
  diagnostics: { code: string }[];
}

Deno.test("red team 7d: checks of a .crate the cache could not keep are not recalled", async () => {
  const { crate, lock: lockText } = await bigCrate();
  const crates = [crate];
  const cratesIo = startFakeCratesIo(crates);
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockText);
      const run = async (args: string[]) => {
        const io = createMemoryIo({ ...cratesIo.env, CARGO_ATTEST_CACHE_DIR: `${dir}/cache` });
        const code = await main(args, io);
        return { code, report: JSON.parse(io.out) as Report, out: io.out, err: io.err };
      };
      const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
      // The cache's tmp/ cannot be made (a file is in its place): blob files cannot be written,
      // the packs of documents can.
      await Deno.mkdir(`${dir}/cache`, { recursive: true });
      await Deno.writeTextFile(`${dir}/cache/tmp`, "");
      const cold = await run(lock);
      const coldVerdict = cold.report.verdict;
      assert.equal(await Deno.stat(`${dir}/cache/blobs`).then(() => true, () => false), false);

      // crates.io cannot serve the .crate just now.
      crates[0] = { ...crates[0], missingFrom: ["dl"] } as typeof crates[0];
      // --offline reads every cached answer and is never recalled: the .crate is not there.
      const offline = await run([...lock, "--offline"]);
      assert.notEqual(offline.report.verdict, coldVerdict, offline.out);
      const again = await run(lock);
      assert.notEqual(again.report.verdict, coldVerdict, again.out);
      assert.equal(again.report.diagnostics.some((d) => d.code === "checks-recalled"), false);
    });
  } finally {
    await cratesIo.close();
  }
});
