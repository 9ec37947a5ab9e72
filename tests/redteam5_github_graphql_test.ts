/**
 * Red team (#15 §1): GraphQL's batched tag refs must never read a tag as absent when GitHub would
 * say where it is. A tag read as absent turns "the version's tag names another commit"
 * (`crate-vcs-tag-mismatch`, not TRUSTED) into "an untagged commit of the default branch"
 * (`crate-vcs-commit-match`, a pass). Each run goes through `main()` against the loopback fake,
 * and must come out as the REST path (GraphQL off) does.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type BudgetCrates, budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeGithubOptions, startFakeGithub } from "./support/fake_github.ts";

interface Subject {
  subject: { name: string };
  verdict: string;
  checks: { id: string; status: string; code: string }[];
}

async function runLock(data: BudgetCrates, github: Omit<FakeGithubOptions, "repositories">) {
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { ...github, repositories: data.repositories });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
    const report = JSON.parse(io.out) as { subjects: Subject[] };
    const graphql = fake.requests.filter((r) => r.path === "/graphql").length;
    return { code, subject: report.subjects[0], graphql };
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const vcs = (s: Subject) => s.checks.find((c) => c.id === "crate-vcs")?.code;

/** One crate whose version tag was moved to another commit of the default branch. */
async function movedTag(tagObjects = 0): Promise<BudgetCrates> {
  const data = await budgetCrates(1);
  const [repository] = data.repositories;
  const crateCommit = repository.tags[0].commit;
  const other = "cd".repeat(20);
  return {
    ...data,
    repositories: [{
      ...repository,
      tags: [{ name: repository.tags[0].name, commit: other, tagObjects }],
      commits: [crateCommit, other],
    }],
  };
}

Deno.test("redteam5 graphql: a tag ref GraphQL failed to resolve (errors beside partial data) is not read as absent", async () => {
  const data = await movedTag();
  const rest = await runLock(data, { graphql: false });
  assert.equal(vcs(rest.subject), "crate-vcs-tag-mismatch");
  assert.notEqual(rest.subject.verdict, "TRUSTED");
  const partial = await runLock(data, { graphqlFailingTags: ["v1.0.0"] });
  assert.ok(partial.graphql >= 1, "GraphQL was asked");
  assert.notEqual(partial.subject.verdict, "TRUSTED", JSON.stringify(partial.subject));
  assert.equal(vcs(partial.subject), "crate-vcs-tag-mismatch");
  assert.equal(partial.code, rest.code);
});

for (const path of ["none", ["query"], ["r0x"]] as const) {
  Deno.test(`redteam5 graphql: an error naming no repository (path ${JSON.stringify(path)}) beside a null tag makes GraphQL unavailable`, async () => {
    const data = await movedTag();
    const partial = await runLock(data, {
      graphqlFailingTags: ["v1.0.0"],
      graphqlErrorPath: path === "none" ? path : [...path],
    });
    assert.notEqual(partial.subject.verdict, "TRUSTED", JSON.stringify(partial.subject));
    assert.equal(vcs(partial.subject), "crate-vcs-tag-mismatch");
  });
}

Deno.test("redteam5 graphql: a tag through four tag objects (as REST peels) is read where it points", async () => {
  const data = await movedTag(4);
  const rest = await runLock(data, { graphql: false });
  assert.equal(vcs(rest.subject), "crate-vcs-tag-mismatch");
  const graphql = await runLock(data, {});
  assert.ok(graphql.graphql >= 1, "GraphQL was asked");
  assert.notEqual(graphql.subject.verdict, "TRUSTED", JSON.stringify(graphql.subject));
  assert.equal(vcs(graphql.subject), "crate-vcs-tag-mismatch");
});

Deno.test("redteam5 graphql: a tag deeper than GraphQL peels is asked through REST, never read as absent", async () => {
  const data = await movedTag(9);
  const graphql = await runLock(data, {});
  assert.ok(graphql.graphql >= 1, "GraphQL was asked");
  assert.notEqual(graphql.subject.verdict, "TRUSTED", JSON.stringify(graphql.subject));
  assert.equal(vcs(graphql.subject), "crate-vcs-tag-mismatch");
});

Deno.test("redteam5 graphql: for each tag shape, GraphQL gives the verdict REST gives", async () => {
  for (const tagObjects of [0, 4, 5]) {
    for (const moved of [false, true]) {
      for (const failing of [false, true]) {
        const built = await budgetCrates(1);
        const [repository] = built.repositories;
        const commit = repository.tags[0].commit;
        const data = {
          ...built,
          repositories: [{
            ...repository,
            tags: [{ name: "v1.0.0", commit: moved ? "cd".repeat(20) : commit, tagObjects }],
            commits: [commit, "cd".repeat(20)],
          }],
        };
        const what = `${tagObjects} tag objects, ${moved ? "moved" : "in place"}` +
          (failing ? ", GraphQL failing on it" : "");
        const rest = await runLock(data, { graphql: false });
        const graphql = await runLock(data, failing ? { graphqlFailingTags: ["v1.0.0"] } : {});
        assert.equal(graphql.subject.verdict, rest.subject.verdict, what);
        assert.equal(vcs(graphql.subject), vcs(rest.subject), what);
        assert.equal(vcs(rest.subject), moved ? "crate-vcs-tag-mismatch" : "crate-vcs-tag-match");
      }
    }
  }
});
