import assert from "node:assert/strict";
import {
  fetchCommitExists,
  fetchCommitOnBranch,
  fetchDefaultBranch,
  fetchTree,
  fetchWorkflowRun,
  type GitTreeEntry,
  listTags,
  normalizeTreePath,
  parseGithubRepositoryUrl,
  treeEntriesUnder,
} from "./github_repo.ts";
import { fetchTagCommit, ReleaseNotFoundError } from "./github.ts";
import { HttpClient } from "./http.ts";
import {
  type FakeGithub,
  type FakeRepository,
  fakeRootTreeSha,
  gitRootTreeSha,
  gitTreeEntries,
  startFakeGithub,
} from "../../tests/support/fake_github.ts";

const USER_AGENT = "cargo-attest-test/0.0.0 (loopback)";
const C1 = "1111111111111111111111111111111111111111";
const C2 = "2222222222222222222222222222222222222222";
const C3 = "3333333333333333333333333333333333333333";

function client(): HttpClient {
  return new HttpClient({
    timeoutMs: 5_000,
    retries: 1,
    userAgent: USER_AGENT,
    sleep: () => Promise.resolve(),
  });
}

async function withGithub(
  repositories: FakeRepository[],
  fn: (github: FakeGithub, api: URL) => Promise<void>,
): Promise<void> {
  const github = startFakeGithub([], { repositories });
  try {
    await fn(github, new URL(github.apiUrl));
  } finally {
    await github.close();
  }
}

/** A workspace: a crate in crates/foo among other files (the crate has nested directories). */
const FILES: Record<string, string> = {
  "Cargo.toml": '[workspace]\nmembers = ["crates/*"]\n',
  "README.md": "# workspace\n",
  "crates/bar/Cargo.toml": '[package]\nname = "bar"\n',
  "crates/bar/src/lib.rs": "pub fn bar() {}\n",
  "crates/foo/Cargo.toml": '[package]\nname = "foo"\n',
  "crates/foo/src/lib.rs": "pub mod inner;\n",
  "crates/foo/src/inner/mod.rs": "pub fn f() {}\n",
  "crates/foo/src/inner/deep/x.rs": "// x\n",
  "crates/foo/tests/t.rs": "#[test] fn t() {}\n",
  "docs/guide.md": "guide\n",
  "xtask/main.rs": "fn main() {}\n",
};
const ENTRIES = gitTreeEntries(FILES);

function repository(overrides: Partial<FakeRepository> = {}): FakeRepository {
  return {
    owner: "octo",
    repo: "workspace",
    tags: [
      { name: "v1.0.0", commit: C1 },
      { name: "foo-v0.1.0", commit: C2 },
      { name: "v0.9.0", commit: C3 },
      { name: "v0.8.0", commit: C3 },
      { name: "v0.7.0", commit: C3 },
    ],
    trees: { [C1]: ENTRIES },
    commits: [C2, C3],
    runs: [{ id: 17589560711, path: ".github/workflows/release.yml", headSha: C1, event: "push" }],
    ...overrides,
  };
}

function sortByPath(entries: readonly GitTreeEntry[]): GitTreeEntry[] {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Repository URLs (pure)

Deno.test("parseGithubRepositoryUrl() reads OWNER/REPO from the URL shapes crates declare", () => {
  const ok: [string, string, string][] = [
    ["https://github.com/serde-rs/serde", "serde-rs", "serde"],
    ["https://github.com/serde-rs/serde.git", "serde-rs", "serde"],
    ["https://github.com/serde-rs/serde/", "serde-rs", "serde"],
    ["https://github.com/serde-rs/serde.git/", "serde-rs", "serde"],
    ["http://github.com/serde-rs/serde", "serde-rs", "serde"],
    ["https://www.github.com/serde-rs/serde", "serde-rs", "serde"],
    ["https://GitHub.com/Serde-RS/Serde", "Serde-RS", "Serde"],
    ["  https://github.com/serde-rs/serde  ", "serde-rs", "serde"],
    ["https://github.com/rust-lang/cargo/tree/master/crates/cargo-util", "rust-lang", "cargo"],
    ["https://github.com/o/r?tab=readme#top", "o", "r"],
    ["git@github.com:serde-rs/serde.git", "serde-rs", "serde"],
    ["git@github.com:serde-rs/serde", "serde-rs", "serde"],
    ["ssh://git@github.com/serde-rs/serde.git", "serde-rs", "serde"],
    ["git+https://github.com/serde-rs/serde.git", "serde-rs", "serde"],
    ["git://github.com/serde-rs/serde", "serde-rs", "serde"],
    ["https://github.com/o/r.js", "o", "r.js"],
    ["https://github.com/a-b/c_d.e-f", "a-b", "c_d.e-f"],
  ];
  for (const [url, owner, repo] of ok) {
    assert.deepEqual(parseGithubRepositoryUrl(url), { owner, repo }, url);
  }
  const none = [
    "",
    "serde-rs/serde",
    "https://gitlab.com/serde-rs/serde",
    "https://github.com.evil.example/o/r",
    "https://evil.example/github.com/o/r",
    "https://gist.github.com/o/r",
    "https://github.com/serde-rs",
    "https://github.com/",
    "https://github.com/orgs/serde-rs",
    "https://github.com/-bad/r",
    "https://github.com/o/..",
    "ftp://github.com/o/r",
    "git@gitlab.com:o/r.git",
    "not a url",
  ];
  for (const url of none) assert.equal(parseGithubRepositoryUrl(url), undefined, url);
});

Deno.test("normalizeTreePath() and treeEntriesUnder() scope paths to a directory", () => {
  assert.equal(normalizeTreePath(""), "");
  assert.equal(normalizeTreePath("."), "");
  assert.equal(normalizeTreePath("/"), "");
  assert.equal(normalizeTreePath("./crates//foo/"), "crates/foo");
  assert.equal(normalizeTreePath("crates/../etc"), undefined);
  assert.equal(normalizeTreePath("a\\b"), undefined);
  const under = treeEntriesUnder(ENTRIES, "crates/foo/");
  assert.deepEqual(under.map((e) => e.path).sort(), [
    "Cargo.toml",
    "src",
    "src/inner",
    "src/inner/deep",
    "src/inner/deep/x.rs",
    "src/inner/mod.rs",
    "src/lib.rs",
    "tests",
    "tests/t.rs",
  ]);
  assert.equal(treeEntriesUnder(ENTRIES, "").length, ENTRIES.length);
  assert.deepEqual(treeEntriesUnder(ENTRIES, ".."), []);
});

Deno.test("gitTreeEntries() (the fake's helper) computes the hashes git computes", () => {
  // Values from `git write-tree` / `git rev-parse` in a scratch repository.
  const files = {
    "hello.txt": "hello\n",
    "crates/foo/Cargo.toml": '[package]\nname = "foo"\n',
    "crates/foo/src/lib.rs": "pub fn f() {}\n",
    "run.sh": "#!/bin/sh\n",
  };
  const entries = gitTreeEntries(files, { executable: ["run.sh"] });
  const sha = (path: string) => entries.find((e) => e.path === path)?.sha;
  assert.equal(sha("hello.txt"), "ce013625030ba8dba906f756967f9e9ca394464a");
  assert.equal(sha("run.sh"), "1a2485251c33a70432394c93fb89330ef214bfc9");
  assert.equal(entries.find((e) => e.path === "run.sh")?.mode, "100755");
  assert.equal(sha("crates/foo/Cargo.toml"), "4076270ae41cda4d31853bd983939a185dfd90db");
  assert.equal(sha("crates/foo/src"), "7872c7eb616a8c97786877555e9e419a05e83f5a");
  assert.equal(sha("crates/foo"), "3e12dea653046e985512ae0ac9cf6050fa56e638");
  assert.equal(sha("crates"), "db2bc30445b84d5abad1ed9495b19aabb9d2142c");
  assert.equal(
    gitRootTreeSha(files, { executable: ["run.sh"] }),
    "339cac24017f3c7095694641abc28d6c522d6962",
  );
  // git orders a directory "a" as "a/", after "a-b" and "a.txt".
  assert.equal(
    gitRootTreeSha({ "a.txt": "x", "a/b": "y", "a-b": "z" }),
    "ccb70c656186be6cdfb26f652db5a9fea72c1569",
  );
});

// ---------------------------------------------------------------------------------------------
// Tags and commits

Deno.test("listTags() reads every page and reports when maxPages cut the list short", async () => {
  await withGithub([repository({ tagsPerPage: 2 })], async (github, api) => {
    const all = await listTags(client(), api, "octo", "workspace", 10);
    assert.equal(all.complete, true);
    assert.equal(all.pages, 3);
    assert.deepEqual(all.tags.map((t) => t.name), [
      "v1.0.0",
      "foo-v0.1.0",
      "v0.9.0",
      "v0.8.0",
      "v0.7.0",
    ]);
    assert.deepEqual(all.tags[0], { name: "v1.0.0", commit: C1 });
    const paths = github.requests.map((r) => r.path);
    assert.deepEqual(paths, [
      "/repos/octo/workspace/tags?per_page=100",
      "/repos/octo/workspace/tags?per_page=2&page=2",
      "/repos/octo/workspace/tags?per_page=2&page=3",
    ]);
    const some = await listTags(client(), api, "octo", "workspace", 2);
    assert.equal(some.complete, false);
    assert.equal(some.pages, 2);
    assert.equal(some.tags.length, 4);
  });
});

Deno.test("listTags() on a missing repository is a ReleaseNotFoundError naming it", async () => {
  await withGithub([repository()], async (_github, api) => {
    await assert.rejects(listTags(client(), api, "octo", "missing", 5), (error: unknown) => {
      assert.ok(error instanceof ReleaseNotFoundError);
      assert.equal(error.code, "release-not-found");
      assert.match(error.message, /no repository octo\/missing/);
      return true;
    });
  });
});

Deno.test("fetchTagCommit() (github.ts) resolves a fake repository's tags too", async () => {
  await withGithub([repository()], async (_github, api) => {
    assert.equal(await fetchTagCommit(client(), api, "octo", "workspace", "foo-v0.1.0"), C2);
    assert.equal(await fetchTagCommit(client(), api, "octo", "workspace", "nope"), undefined);
  });
});

Deno.test("fetchDefaultBranch() and fetchCommitOnBranch() tell the repository's own commits from a fork's", async () => {
  const FORK = "f".repeat(40);
  const repo = repository({ defaultBranch: "trunk", forkCommits: [FORK] });
  await withGithub([repo], async (github, api) => {
    assert.equal(await fetchDefaultBranch(client(), api, "octo", "workspace"), "trunk");
    assert.equal(await fetchDefaultBranch(client(), api, "octo", "missing"), undefined);
    const on = (sha: string) =>
      fetchCommitOnBranch(client(), api, "octo", "workspace", "trunk", sha);
    assert.equal(await on(C1), "in-history");
    assert.equal(await on(C2.toUpperCase()), "in-history");
    assert.equal(await fetchCommitExists(client(), api, "octo", "workspace", FORK), true);
    assert.equal(await on(FORK), "not-in-history", "served under the URL, not in the history");
    assert.equal(await on("4".repeat(40)), "unknown-commit");
    assert.equal(
      await fetchCommitOnBranch(client(), api, "octo", "workspace", "main", C1),
      "unknown-commit",
      "no such branch",
    );
    const before = github.requests.length;
    assert.equal(await on("HEAD"), "unknown-commit");
    assert.equal(github.requests.length, before, "never asks about a name that is not a SHA");
    const compare = github.requests.find((r) => r.path.includes("/compare/"))!;
    assert.equal(compare.path, `/repos/octo/workspace/compare/trunk...${C1}?per_page=1`);
  });
});

Deno.test("fetchCommitExists() is true for known commits, false for unknown and non-SHAs", async () => {
  await withGithub([repository()], async (github, api) => {
    assert.equal(await fetchCommitExists(client(), api, "octo", "workspace", C1), true);
    assert.equal(
      await fetchCommitExists(client(), api, "octo", "workspace", C2.toUpperCase()),
      true,
    );
    assert.equal(await fetchCommitExists(client(), api, "octo", "workspace", "3333333"), true);
    assert.equal(
      await fetchCommitExists(client(), api, "octo", "workspace", "4".repeat(40)),
      false,
    );
    assert.equal(await fetchCommitExists(client(), api, "octo", "missing", C1), false);
    const before = github.requests.length;
    for (const notSha of ["main", "v1.0.0", "HEAD", "abc", "../../x", ""]) {
      assert.equal(await fetchCommitExists(client(), api, "octo", "workspace", notSha), false);
    }
    assert.equal(github.requests.length, before, "never asks GitHub about a branch or tag name");
    const request = github.requests.find((r) => r.path.endsWith(`/commits/${C1}`))!;
    assert.equal(request.accept, "application/vnd.github.sha");
  });
});

Deno.test("fetchWorkflowRun() reads a run; an unknown run is undefined", async () => {
  await withGithub([repository()], async (_github, api) => {
    const run = await fetchWorkflowRun(client(), api, "octo", "workspace", "17589560711");
    assert.equal(run?.id, 17589560711);
    assert.equal(run?.path, ".github/workflows/release.yml");
    assert.equal(run?.headSha, C1);
    assert.equal(run?.event, "push");
    assert.equal(run?.repository, "octo/workspace");
    assert.equal(await fetchWorkflowRun(client(), api, "octo", "workspace", 1), undefined);
    assert.equal(await fetchWorkflowRun(client(), api, "octo", "workspace", "12; rm"), undefined);
  });
});

// ---------------------------------------------------------------------------------------------
// Trees

Deno.test("fetchTree() lists a whole tree in one recursive request", async () => {
  await withGithub([repository()], async (github, api) => {
    const tree = await fetchTree(client(), api, "octo", "workspace", C1, "crates/foo");
    assert.ok(tree);
    assert.equal(tree.commit, C1);
    assert.equal(tree.sha, fakeRootTreeSha(C1));
    assert.equal(tree.truncated, false);
    assert.equal(tree.complete, true);
    assert.equal(tree.scope, undefined);
    assert.equal(tree.requests, 1);
    assert.deepEqual(sortByPath(tree.entries), sortByPath(ENTRIES));
    assert.deepEqual(github.requests.map((r) => r.path), [
      `/repos/octo/workspace/git/trees/${C1}?recursive=1`,
    ]);
  });
});

Deno.test("fetchTree() on a truncated tree walks down to path_in_vcs and lists it", async () => {
  await withGithub([repository({ truncated: true })], async (_github, api) => {
    const tree = await fetchTree(client(), api, "octo", "workspace", C1, "crates/foo");
    assert.ok(tree);
    assert.equal(tree.truncated, true);
    assert.equal(tree.scope, "crates/foo");
    assert.equal(tree.complete, true);
    const expected = ENTRIES.filter((e) => e.path.startsWith("crates/foo/"));
    assert.deepEqual(sortByPath(tree.entries), sortByPath(expected));
  });
});

Deno.test("fetchTree() lists directory by directory when the subtree is truncated too", async () => {
  await withGithub([repository({ recursiveLimit: 3 })], async (github, api) => {
    const tree = await fetchTree(client(), api, "octo", "workspace", C1, "./crates/foo/");
    assert.ok(tree);
    assert.equal(tree.truncated, true);
    assert.equal(tree.complete, true);
    assert.equal(tree.scope, "crates/foo");
    const expected = ENTRIES.filter((e) => e.path.startsWith("crates/foo/"));
    assert.deepEqual(sortByPath(tree.entries), sortByPath(expected));
    // The whole tree (truncated after Cargo.toml, README.md, crates), the listing of crates (to
    // find foo), crates/foo recursively (truncated), then one listing per directory from foo
    // down: foo, src, src/inner, src/inner/deep, tests.
    assert.equal(tree.requests, github.requests.length);
    assert.equal(tree.requests, 1 + 1 + 1 + 5);
  });
});

Deno.test("fetchTree() reports an incomplete tree when the request cap is reached", async () => {
  await withGithub([repository({ recursiveLimit: 3 })], async (_github, api) => {
    const tree = await fetchTree(client(), api, "octo", "workspace", C1, "crates/foo", {
      maxRequests: 6,
    });
    assert.ok(tree);
    assert.equal(tree.complete, false);
    assert.ok(tree.entries.length < 9, String(tree.entries.length));
  });
});

Deno.test("fetchTree() fallback: the root, a missing directory, no path", async () => {
  await withGithub([repository({ recursiveLimit: 5 })], async (_github, api) => {
    const root = await fetchTree(client(), api, "octo", "workspace", C1, "");
    assert.ok(root);
    assert.equal(root.scope, "");
    assert.equal(root.complete, true);
    assert.deepEqual(sortByPath(root.entries), sortByPath(ENTRIES));

    const missing = await fetchTree(client(), api, "octo", "workspace", C1, "crates/nope");
    assert.ok(missing);
    assert.deepEqual(missing.entries, []);
    assert.equal(missing.complete, true);

    const climbing = await fetchTree(client(), api, "octo", "workspace", C1, "../x");
    assert.deepEqual(climbing?.entries, []);

    const partial = await fetchTree(client(), api, "octo", "workspace", C1);
    assert.ok(partial);
    assert.equal(partial.truncated, true);
    assert.equal(partial.complete, false);
    assert.equal(partial.entries.length, 5);
    assert.equal(partial.scope, undefined);
  });
});

Deno.test("fetchTree() is undefined for an unknown commit or a value that is not a SHA", async () => {
  await withGithub([repository()], async (github, api) => {
    assert.equal(await fetchTree(client(), api, "octo", "workspace", "9".repeat(40)), undefined);
    assert.equal(await fetchTree(client(), api, "octo", "missing", C1), undefined);
    const before = github.requests.length;
    assert.equal(await fetchTree(client(), api, "octo", "workspace", "main"), undefined);
    assert.equal(github.requests.length, before);
  });
});

Deno.test("the new fake GitHub routes keep the failure switches (500 then 200)", async () => {
  const github = startFakeGithub([], { repositories: [repository()], failFirst: 1 });
  try {
    const tags = await listTags(client(), new URL(github.apiUrl), "octo", "workspace", 1);
    assert.equal(tags.tags.length, 5);
    assert.equal(github.requests.length, 2);
  } finally {
    await github.close();
  }
});
