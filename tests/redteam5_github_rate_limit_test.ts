/**
 * Red team (#15 §1): GitHub's rate-limit headers are the server's words, not the run's: a reset
 * or a `retry-after` no date can hold (`x-ratelimit-reset: 9000000000000000`, a `retry-after` of
 * twenty digits) must end as the rate limit it is (each crate ERROR, `github-rate-limit`, with a
 * report), never as an internal error that loses the report of every crate. Through `main()`.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeGithubOptions, startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

async function runLock(github: Omit<FakeGithubOptions, "repositories">) {
  const data = await budgetCrates(2);
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { ...github, repositories: data.repositories });
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      });
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
      return { code, out: io.out, err: io.err };
    });
  } finally {
    await cratesIo.close();
    await fake.close();
  }
}

for (const limit of [0, 1, 3]) {
  Deno.test(`redteam5 rate limit: a reset no date can hold (after ${limit} requests) is a rate limit, not an internal error`, async () => {
    const r = await runLock({ rateLimit: { limit, resetEpochSeconds: 9e15 } });
    assert.equal(r.code, 3, r.err);
    assert.doesNotMatch(r.err, /internal error/, r.err);
    const report = JSON.parse(r.out) as { subjects: { verdict: string }[] };
    assert.ok(report.subjects.every((s) => s.verdict === "ERROR"), r.out);
    assert.match(r.out, /github-rate-limit|rate limit/);
  });
}

Deno.test("redteam5 rate limit: a retry-after of twenty digits is a rate limit, not an internal error", async () => {
  const r = await runLock({
    secondaryLimit: { first: 1000, retryAfter: "99999999999999999999" },
  });
  assert.equal(r.code, 3, r.err);
  assert.doesNotMatch(r.err, /internal error/, r.err);
  const report = JSON.parse(r.out) as { subjects: { verdict: string }[] };
  assert.ok(report.subjects.every((s) => s.verdict === "ERROR"), r.out);
});
