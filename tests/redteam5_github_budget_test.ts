/**
 * Red team (#15 §1): a run whose GitHub request budget (`--max-github-requests`) is spent part way
 * must say so (ERROR), never let what it could not ask read as "nothing to compare". Here an
 * update (pkg 1.0.0 → 2.0.0, `lock --base`) drops the `.cargo_vcs_info.json` the replaced version
 * had: a `downgrade`, UNVERIFIED. With the budget spent before the replaced version is read, the
 * comparison could not be made: that is an ERROR, not a skip that lets the crate be TRUSTED.
 * Through `main()`, against the loopback fakes, for every cap from 0 up to what the run needs.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, gitTreeEntries, startFakeGithub } from "./support/fake_github.ts";
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

/** example/pkg: tag v1.0.0 at COMMIT, with 1.0.0's files. */
function pkgRepository(): FakeRepository {
  return {
    owner: "example",
    repo: "pkg",
    ownerType: "Organization",
    tags: [{ name: "v1.0.0", commit: COMMIT }],
    trees: { [COMMIT]: gitTreeEntries(files("1.0.0")) },
  };
}

Deno.test("redteam5 budget: a replaced version the spent budget kept from being read is an ERROR, never TRUSTED", async () => {
  const old = await crate("1.0.0", true);
  const fresh = await crate("2.0.0", false);
  const cratesIo = startFakeCratesIo([old, fresh]);
  const github = startFakeGithub([], {
    repositories: [pkgRepository()],
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

Deno.test("redteam5 budget: under any cap, each crate of a lock is as without one, or ERROR", async () => {
  const data = await budgetCrates(4, 2);
  // budget-1's tag moved to another commit of the default branch (crate-vcs-tag-mismatch);
  // budget-2's .crate has an attestation that cannot be verified (a broken bundle).
  const repositories = data.repositories.map((r, i) =>
    i === 1
      ? { ...r, tags: [{ ...r.tags[0], commit: "cd".repeat(20) }], commits: [r.tags[0].commit] }
      : { ...r, ownerType: "Organization" as const }
  );
  const broken = sha256Hex(data.crates[2].bytes);
  const cratesIo = startFakeCratesIo(data.crates);
  const github = startFakeGithub([], {
    repositories,
    attestations: { [broken]: [{ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }] },
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const run = async (cap?: number) => {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          GH_TOKEN: "ghp_test",
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache-${cap ?? "full"}`,
        });
        const extra = cap === undefined ? [] : ["--max-github-requests", String(cap)];
        const code = await main(["lock", `${dir}/Cargo.lock`, "--json", ...extra], io);
        const report = JSON.parse(io.out) as {
          subjects: { subject: { name: string }; verdict: string; checks: { code: string }[] }[];
        };
        return {
          code,
          out: io.out + io.err,
          outcome: new Map(report.subjects.map((s) => [
            s.subject.name,
            `${s.verdict} ${s.checks.map((c) => c.code).join(" ")}`,
          ])),
        };
      };
      const full = await run();
      assert.match(full.outcome.get("budget-1")!, /crate-vcs-tag-mismatch/, full.out);
      assert.doesNotMatch(full.outcome.get("budget-2")!, /^TRUSTED/, full.out);
      const needed = github.requests.filter((r) => r.host === "api").length;
      for (let cap = 0; cap < needed; cap++) {
        const capped = await run(cap);
        for (const [name, outcome] of capped.outcome) {
          if (outcome.startsWith("ERROR")) continue;
          assert.equal(outcome, full.outcome.get(name), `--max-github-requests ${cap}: ${name}`);
        }
      }
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});

Deno.test("redteam5 budget: a replaced version GitHub failed to answer for (500) is an ERROR, never TRUSTED", async () => {
  const old = await crate("1.0.0", true);
  const fresh = await crate("2.0.0", false);
  const cratesIo = startFakeCratesIo([old, fresh]);
  const github = startFakeGithub([], {
    repositories: [pkgRepository()],
    // The replaced version's attestations: asked per digest (the bulk listing covered the new one).
    failPaths: new RegExp(`/attestations/sha256:${sha256Hex(old.bytes)}`),
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lockOf([await lockEntry(old)]));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(fresh)]));
      const run = await runLockBase(dir, {
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        GH_TOKEN: "ghp_test",
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      });
      assert.ok(
        github.requests.some((r) => r.path.includes(sha256Hex(old.bytes))),
        "the replaced version's attestations were asked",
      );
      assert.notEqual(run.report.subjects[0].verdict, "TRUSTED", run.out);
      assert.equal(run.report.subjects[0].verdict, "ERROR", run.out);
      assert.equal(run.downgrade?.status, "error", run.out);
      assert.equal(run.code, 3);
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
