/**
 * Red team (#15 §1): a run whose GitHub request budget (`--max-github-requests`) is spent part way
 * must say so (ERROR), never let what it could not ask read as "nothing to compare". Here an
 * update (pkg 1.0.0 → 2.0.0, `lock --base`) drops the `.cargo_vcs_info.json` the replaced version
 * had: a `downgrade`, UNVERIFIED. With the budget spent before the replaced version is read, the
 * comparison could not be made: that is an ERROR, not a skip that lets the crate be TRUSTED.
 * Through `main()`, against the loopback fakes, for every cap from 0 up to what the run needs.
 */
import assert from "node:assert/strict";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { gitTreeEntries, startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { lockEntry, lockOf, runLockBase } from "./support/lock_packages.ts";

const COMMIT = "1111111111111111111111111111111111111111";

function files(version: string): Record<string, string> {
  return {
    "Cargo.toml": `[package]\nname = "pkg"\nversion = "${version}"\nedition = "2021"\n`,
    "src/lib.rs": `pub fn v() -> &'static str { "${version}" }\n`,
  };
}

async function crate(version: string, vcs: boolean): Promise<FakeCrate> {
  const bytes = await buildCrate({
    name: "pkg",
    version,
    ...(vcs ? { vcsInfo: { sha1: COMMIT } } : {}),
    files: files(version),
  });
  return { name: "pkg", version, bytes, repository: "https://github.com/example/pkg" };
}

Deno.test("redteam5 budget: a replaced version the spent budget kept from being read is an ERROR, never TRUSTED", async () => {
  const old = await crate("1.0.0", true);
  const fresh = await crate("2.0.0", false);
  const cratesIo = startFakeCratesIo([old, fresh]);
  const github = startFakeGithub([], {
    repositories: [{
      owner: "example",
      repo: "pkg",
      ownerType: "Organization",
      tags: [{ name: "v1.0.0", commit: COMMIT }],
      trees: { [COMMIT]: gitTreeEntries(files("1.0.0")) },
    }],
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lockOf([await lockEntry(old)]));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(fresh)]));
      const env = {
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        GH_TOKEN: "ghp_test",
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache-none`,
      };
      const full = await runLockBase(dir, { ...env, CARGO_ATTEST_CACHE_DIR: `${dir}/cache-full` });
      assert.equal(full.downgrade?.code, "downgrade-vcs-info-dropped", full.out);
      assert.equal(full.report.subjects[0].verdict, "UNVERIFIED", full.out);
      const needed = github.requests.filter((r) => r.host === "api").length;
      assert.ok(needed >= 3, `${needed} requests`);
      for (let cap = 0; cap < needed; cap++) {
        const run = await runLockBase(
          dir,
          { ...env, CARGO_ATTEST_CACHE_DIR: `${dir}/cache-${cap}` },
          { extra: ["--max-github-requests", String(cap)] },
        );
        const verdict = run.report.subjects[0].verdict;
        assert.notEqual(verdict, "TRUSTED", `--max-github-requests ${cap}: ${run.out}`);
        assert.equal(verdict, "ERROR", `--max-github-requests ${cap}: ${run.out}`);
        assert.equal(run.code, 3, `--max-github-requests ${cap}`);
      }
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
