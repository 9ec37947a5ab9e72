/**
 * Red team 8: a lock run memo's `.crate`s are checked at recall as a memo's `.crate` is, from the
 * blob record's header alone while its pack is unchanged since its writer sealed it (the writer
 * hashed the bytes). A full verification does the same for a crate whose `crate-source` pass it
 * remembered, but reads the `.crate` again, hashing it, when that comparison was not remembered
 * (only a load-bearing pass is: here the commit is no tag's and not in the default branch's
 * history, so `crate-source` passes without bearing weight and the crate is TRUSTED on its
 * checksum). A `.crate` changed where its sealed pack does not show it (a bit the storage flips;
 * a same-size rewrite with its times put back) is then dropped by the full verification and
 * downloaded again, and crates.io may serve other bytes by then; a recall keeps the checks of the
 * bytes that were there. Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { buildCrate } from "./support/crate_builder.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { packRecords } from "./support/cache_packs.ts";
import { cachedRunner, type CachedRunReport, recalled } from "./support/cached_runs.ts";
import { sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { changeUnseen } from "./support/unseen_change.ts";

Deno.test("red team 8: a .crate changed where its sealed pack does not show it is not recalled as the bytes the checks rest on, when a full verification reads it", async () => {
  const data = await budgetCrates(1, 1);
  // The crate's commit is served by its repository but no tag names it and the default branch
  // does not lead to it: crate-vcs cannot bind it, crate-source passes without bearing weight.
  const repositories = data.repositories.map((r) => ({
    ...r,
    tags: [],
    forkCommits: Object.keys(r.trees),
  }));
  const other = await buildCrate({
    name: data.crates[0].name,
    version: data.crates[0].version,
    files: { "Cargo.toml": '[package]\nname = "x"\n', "src/lib.rs": "// other bytes\n" },
  });
  // The change must land within the second of the pack's change time: a few tries at most.
  for (let tried = 1;; tried++) {
    const crates = [...data.crates];
    const cratesIo = startFakeCratesIo(crates);
    const github = startFakeGithub([], { repositories });
    let unseen = false;
    try {
      await withTempDir(async (dir) => {
        await Deno.mkdir(`${dir}/b`);
        await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
        await Deno.writeTextFile(`${dir}/b/Cargo.lock`, data.lock);
        const run = cachedRunner(
          { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl },
          dir,
        );
        const cold = await run(["lock", `${dir}/Cargo.lock`, "--json"]);
        assert.equal(cold.report.verdict, "TRUSTED", cold.out);
        const sha = sha256Hex(crates[0].bytes);
        const record = (await packRecords(`${dir}/cache`)).find((r) =>
          r.kind === "b" && r.key === sha
        );
        assert.ok(record, "the .crate is a blob record of a pack");
        if (!await changeUnseen(record.pack, record.offset + record.length - 2)) return;
        unseen = true;
        // crates.io now serves other bytes for the .crate.
        crates[0] = { ...crates[0], bytes: other };

        const verdict = (r: { report: CachedRunReport }) => r.report.verdict;
        const again = await run(["lock", `${dir}/Cargo.lock`, "--json"]);
        assert.equal(recalled(again), false, "the changed .crate is not recalled as the one read");
        assert.notEqual(verdict(again), "TRUSTED", again.out);
        // As the same lock at another path says with the same cache (another memo key).
        const full = await run(["lock", `${dir}/b/Cargo.lock`, "--json"]);
        assert.equal(verdict(full), verdict(again), full.out);
      });
    } finally {
      await cratesIo.close();
      await github.close();
    }
    if (unseen) break;
    assert.ok(tried < 5, "the change time's second kept moving on");
  }
});
