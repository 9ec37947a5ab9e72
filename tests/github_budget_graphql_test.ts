/**
 * Fewer GitHub requests with the same verdicts: the tag refs of many crates are read through
 * GraphQL in batches (with each repository's default branch, so an untagged commit costs one
 * comparison), and a server without GraphQL (404, or an answer of errors only) is asked through
 * REST as before. Each run goes through `main()` against the loopback fake, and every check of
 * every crate must come out the same either way.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type BudgetCrates, budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import {
  type FakeGithubOptions,
  type FakeRepository,
  type LoggedRequest,
  startFakeGithub,
} from "./support/fake_github.ts";

interface Subject {
  subject: { name: string };
  verdict: string;
  checks: { id: string; status: string; code: string }[];
}

/** Each crate's verdict and checks, in one comparable line each. */
function outcome(report: { subjects: Subject[] }): string[] {
  return report.subjects.map((s) =>
    `${s.subject.name} ${s.verdict}: ` +
    s.checks.map((c) => `${c.id}/${c.status}/${c.code}`).join(" ")
  );
}

/** Runs `lock` of `data` `runs` times against one fake GitHub (the cache kept between runs). */
async function runLock(
  data: BudgetCrates,
  github: Omit<FakeGithubOptions, "repositories">,
  runs = 1,
  args: string[] = [],
) {
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { ...github, repositories: data.repositories });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const results: { code: number; report: { subjects: Subject[] }; asked: LoggedRequest[] }[] = [];
    for (let run = 0; run < runs; run++) {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      });
      const before = fake.requests.length;
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json", ...args], io);
      const asked = fake.requests.slice(before).filter((r) => r.host === "api");
      results.push({ code, report: JSON.parse(io.out), asked });
    }
    return results;
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const paths = (asked: readonly LoggedRequest[]) => asked.map((r) => r.path);

Deno.test("graphql: a lock's tags come from batched GraphQL queries, with the verdicts REST gives", async () => {
  const data = await budgetCrates(8, 3);
  const [graphql] = await runLock(data, {});
  const [rest] = await runLock(data, { graphql: false });
  const [errors] = await runLock(data, { graphql: "errors" });
  assert.equal(graphql.code, 0, outcome(graphql.report).join("\n"));
  assert.deepEqual(outcome(graphql.report), outcome(rest.report));
  assert.deepEqual(outcome(errors.report), outcome(rest.report));
  // GraphQL read every tag: no tag list was read through REST.
  assert.ok(!paths(graphql.asked).some((p) => /\/tags\?/.test(p)), paths(graphql.asked).join("\n"));
  const queries = paths(graphql.asked).filter((p) => p === "/graphql").length;
  assert.ok(queries >= 1 && queries < 8, `${queries} GraphQL queries for 8 crates`);
  // Without GraphQL, each repository's tags were listed through REST.
  assert.equal(paths(rest.asked).filter((p) => /\/tags\?/.test(p)).length, 8);
  assert.ok(
    graphql.asked.length < rest.asked.length,
    `${graphql.asked.length} vs ${rest.asked.length}`,
  );
});

Deno.test("graphql: a warm run asks GitHub nothing (the refs are remembered)", async () => {
  const data = await budgetCrates(4);
  const [cold, warm] = await runLock(data, {}, 2);
  assert.equal(cold.code, 0);
  assert.equal(warm.code, 0);
  assert.deepEqual(outcome(warm.report), outcome(cold.report));
  assert.deepEqual(paths(warm.asked), []);
});

/** `data` with crate 0's commit untagged (in the default branch's history) and crate 1's repository gone. */
function untaggedAndMissing(data: BudgetCrates): BudgetCrates {
  const repositories: FakeRepository[] = data.repositories.slice(2);
  const first = data.repositories[0];
  repositories.push({ ...first, tags: [], commits: [first.tags[0].commit] });
  return { ...data, repositories };
}

Deno.test("graphql: an untagged commit costs one comparison; a missing repository is the same ERROR", async () => {
  const data = untaggedAndMissing(await budgetCrates(3));
  const [graphql] = await runLock(data, {});
  const [rest] = await runLock(data, { graphql: false });
  assert.deepEqual(outcome(graphql.report), outcome(rest.report));
  const byName = (r: typeof graphql) =>
    Object.fromEntries(r.report.subjects.map((s) => [s.subject.name, s]));
  assert.equal(byName(graphql)["budget-1"].verdict, "ERROR");
  assert.ok(
    byName(graphql)["budget-1"].checks.some((c) => c.code === "release-not-found"),
    JSON.stringify(byName(graphql)["budget-1"]),
  );
  // budget-0: GraphQL gave the default branch, and the comparison found the commit in it.
  const zero = paths(graphql.asked).filter((p) => p.includes("/owner0/budget-0"));
  assert.ok(zero.some((p) => p.includes("/compare/main...")), zero.join("\n"));
  assert.ok(!zero.some((p) => /\/budget-0$/.test(p) || p.includes("/commits/")), zero.join("\n"));
  // REST asked for the repository (its default branch) and the comparison, not the commit.
  const restZero = paths(rest.asked).filter((p) => p.includes("/owner0/budget-0"));
  assert.ok(restZero.some((p) => /\/budget-0$/.test(p)), restZero.join("\n"));
  assert.ok(!restZero.some((p) => p.includes("/commits/")), restZero.join("\n"));
});

Deno.test("graphql: a commit the repository does not have is still not found (compare 404, then the commit)", async () => {
  const data = await budgetCrates(1);
  const [repository] = data.repositories;
  // The tag names another commit; the crate's own commit is nowhere.
  const moved = { ...repository, tags: [{ name: "v1.0.0", commit: "ab".repeat(20) }], trees: {} };
  const [graphql] = await runLock({ ...data, repositories: [moved] }, {});
  const [rest] = await runLock({ ...data, repositories: [moved] }, { graphql: false });
  assert.deepEqual(outcome(graphql.report), outcome(rest.report));
  assert.notEqual(graphql.report.subjects[0].verdict, "TRUSTED");
  assert.ok(paths(graphql.asked).some((p) => p.includes("/commits/")));
});

Deno.test("graphql: remembered refs expire with the cache's TTL, and an --offline run does not refresh them", async () => {
  const data = await budgetCrates(1);
  const [original] = data.repositories;
  const repository = { ...original, tags: [...original.tags] } as {
    -readonly [K in keyof FakeRepository]: FakeRepository[K];
  };
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { repositories: [repository] });
  const dir = await Deno.makeTempDir();
  const t0 = Date.parse("2026-03-01T12:00:00Z");
  const MINUTE = 60_000;
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const run = async (at: number, extra: string[] = []) => {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      }, new Date(at));
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json", ...extra], io);
      const vcs = JSON.parse(io.out).subjects[0].checks.find((c: Subject["checks"][0]) =>
        c.id === "crate-vcs"
      );
      return { code, vcs: vcs?.code };
    };
    assert.deepEqual(await run(t0), { code: 0, vcs: "crate-vcs-tag-match" });
    // The tag moves to another commit of the default branch.
    repository.tags = [{ name: "v1.0.0", commit: "cd".repeat(20) }];
    repository.commits = ["cd".repeat(20)];
    // Within the TTL the remembered refs answer; two hours later, offline, too (as --offline
    // documents)...
    assert.equal((await run(t0 + 5 * MINUTE)).vcs, "crate-vcs-tag-match");
    assert.equal((await run(t0 + 120 * MINUTE, ["--offline"])).vcs, "crate-vcs-tag-match");
    // ...but that did not make them fresh: a minute later, online, GraphQL is asked again.
    const later = await run(t0 + 121 * MINUTE);
    assert.equal(later.vcs, "crate-vcs-tag-mismatch");
    assert.notEqual(later.code, 0);
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("graphql: past the TTL a run asks again for tags and attestations, never for a tree it has", async () => {
  const built = await budgetCrates(3);
  // Each repository's src/lib.rs differs from the crate's: crate-source fails, so no passed
  // comparison is remembered and every run needs the tree again.
  const data = {
    ...built,
    repositories: built.repositories.map((r) => ({
      ...r,
      trees: Object.fromEntries(
        Object.entries(r.trees).map(([commit, entries]) => [
          commit,
          entries.map((e) => e.path === "src/lib.rs" ? { ...e, sha: "ee".repeat(20) } : e),
        ]),
      ),
    })),
  };
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { repositories: data.repositories });
  const dir = await Deno.makeTempDir();
  const t0 = Date.parse("2026-03-01T12:00:00Z");
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const run = async (at: number) => {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      }, new Date(at));
      const before = fake.requests.length;
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
      return { code, asked: paths(fake.requests.slice(before).filter((r) => r.host === "api")) };
    };
    const cold = await run(t0);
    assert.equal(cold.code, 2);
    assert.equal(cold.asked.filter((p) => p.includes("/git/trees/")).length, 3);
    const stale = await run(t0 + 2 * 3600_000);
    assert.equal(stale.code, 2);
    assert.deepEqual(stale.asked.filter((p) => p.includes("/git/trees/")), []);
    assert.ok(stale.asked.includes("/graphql"), stale.asked.join("\n"));
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});
