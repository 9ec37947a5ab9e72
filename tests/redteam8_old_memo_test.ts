/**
 * Red team 8: the lock run memo (`lib/verify/lock_memo.ts`) is keyed by its kind and
 * cargo-attest's version, which is 0.1.0 for every build; its kind (`lock-run/v1`) stayed the
 * same while six fixes changed which runs may be remembered (a request failed uncached, a GraphQL
 * lookup left to REST, an answer replaced, a `.crate` not kept). A memo an earlier build wrote
 * for a run this build never remembers is still recalled while its ledger holds (the same UTC
 * day): here the checks of a run whose GraphQL tag lookup failed and was read through REST, as
 * builds before f32bfff remembered them. A full verification asks GraphQL again and says the
 * crate is not the tagged source. Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { openCache } from "../lib/sources/cache.ts";
import { GithubRefBatcher } from "../lib/sources/github_refs.ts";
import { settleWrites } from "../lib/sources/write_behind.ts";
import { LOCK_MEMO_KIND } from "../lib/verify/lock_memo.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { packRecords } from "./support/cache_packs.ts";
import { cachedRunner, type CachedRunReport, recalled } from "./support/cached_runs.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

/** The kind every build wrote its lock memos as until f32bfff (and after it, until this fix). */
const EARLIER_KIND = "lock-run/v1";

/** Runs `fn` as a build before f32bfff: a GraphQL lookup left to REST does not stop a memo. */
async function asEarlierBuild<T>(fn: () => Promise<T>): Promise<T> {
  const proto = GithubRefBatcher.prototype;
  const own = Object.getOwnPropertyDescriptor(proto, "unanswered")!;
  Object.defineProperty(proto, "unanswered", { ...own, get: () => false });
  try {
    return await fn();
  } finally {
    Object.defineProperty(proto, "unanswered", own);
  }
}

Deno.test("red team 8: a lock memo an earlier build wrote for a run this build does not remember is not recalled", async () => {
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
      const verdictOf = (r: { report: CachedRunReport }) =>
        r.report.subjects.find((s) => s.subject.name === "budget-1")?.verdict;
      // GraphQL fails to resolve budget-1's tag: it is read through REST, TRUSTED, and an
      // earlier build remembers the run.
      const cold = await asEarlierBuild(() => run(["lock", `${dir}/a/Cargo.lock`, "--json"]));
      assert.equal(cold.report.verdict, "TRUSTED", cold.out);
      // Its memo, under the kind that build wrote (this build's, if it is the same, is that memo).
      const memoKey = (await packRecords(`${dir}/cache`)).find((r) =>
        r.kind === "d" && r.key.startsWith(`MEMO ${LOCK_MEMO_KIND} `)
      )?.key;
      assert.ok(memoKey, "the earlier build remembered the run");
      const hex = memoKey.slice(memoKey.lastIndexOf(" ") + 1);
      const cache = openCache({ dir: `${dir}/cache` });
      const memo = await cache.getMemo(LOCK_MEMO_KIND, hex);
      await cache.putMemo(LOCK_MEMO_KIND, hex, null);
      await cache.putMemo(EARLIER_KIND, hex, memo);
      await settleWrites();

      // GraphQL answers again, and the tag v1.0.1 now names another commit.
      failingTags.length = 0;
      const repo = repositories.find((r) => r.repo === "budget-1")!;
      (repo.tags as { name: string; commit: string }[])[0] = {
        name: "v1.0.1",
        commit: "f".repeat(40),
      };
      // This build verifies: it asks GraphQL again (the lookup was never kept).
      const again = await run(["lock", `${dir}/a/Cargo.lock`, "--json"]);
      assert.equal(recalled(again), false, "an earlier build's memo is not recalled");
      assert.notEqual(verdictOf(again), "TRUSTED", again.out);
      // As the same lock at another path says with the same cache (another memo key).
      const full = await run(["lock", `${dir}/b/Cargo.lock`, "--json"]);
      assert.equal(verdictOf(full), verdictOf(again), full.out);
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
