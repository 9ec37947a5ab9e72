/**
 * Red team 7c: the lock run memo (`lib/verify/lock_memo.ts`) must never recall checks that
 * rested on the REST fallback of a GraphQL lookup that was not answered. Such a lookup is not
 * kept (nothing of it is in the cache), so a full verification of the same lock asks GraphQL
 * again, even with every cached answer fresh, and goes by what it says now; a recall keeps the
 * checks of the moment GraphQL failed. Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { cachedRunner } from "./support/cached_runs.ts";

interface Report {
  verdict: string;
  diagnostics: { code: string }[];
  subjects: { subject: { name: string }; verdict: string }[];
}

Deno.test("red team 7c: checks that rested on the REST fallback of an unanswered GraphQL lookup are not recalled", async () => {
  const data = await budgetCrates(3, 1);
  const repositories: FakeRepository[] = data.repositories.map((r) => ({
    ...r,
    tags: [...r.tags],
  }));
  const failingTags = ["v1.0.1"];
  const cratesIo = startFakeCratesIo([...data.crates]);
  const github = startFakeGithub([], { repositories, graphqlFailingTags: failingTags });
  try {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/a`);
      await Deno.mkdir(`${dir}/b`);
      await Deno.writeTextFile(`${dir}/a/Cargo.lock`, data.lock);
      await Deno.writeTextFile(`${dir}/b/Cargo.lock`, data.lock);
      const run = cachedRunner(
        { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl },
        dir,
      );
      const verdictOf = (r: { report: Report }) =>
        r.report.subjects.find((s) => s.subject.name === "budget-1")?.verdict;
      // GraphQL fails to resolve budget-1's tag: it is read through REST (and cached), TRUSTED.
      const cold = await run(["lock", `${dir}/a/Cargo.lock`, "--json"]);
      assert.equal(cold.report.verdict, "TRUSTED", cold.out);
      // GraphQL answers again, and the tag v1.0.1 now names another commit.
      failingTags.length = 0;
      const repo = repositories.find((r) => r.repo === "budget-1")!;
      (repo.tags as { name: string; commit: string }[])[0] = {
        name: "v1.0.1",
        commit: "f".repeat(40),
      };
      // A full verification asks GraphQL again (its lookup was never kept): the crate is not the
      // tagged source.
      const again = await run(["lock", `${dir}/a/Cargo.lock`, "--json"]);
      assert.notEqual(verdictOf(again), "TRUSTED", again.out);
      assert.equal(again.report.diagnostics.some((d) => d.code === "checks-recalled"), false);
      // As the same lock at another path says with the same cache (another memo key).
      const full = await run(["lock", `${dir}/b/Cargo.lock`, "--json"]);
      assert.equal(verdictOf(full), verdictOf(again), full.out);
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
