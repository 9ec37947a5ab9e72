/**
 * The pieces of the GitHub request budget on their own: the gate's counting and refusals (with
 * an injected clock), the GraphQL endpoint of an API root, the refs query and how its answer is
 * read (tags peeled through tag objects, a repository GraphQL cannot find, one it says nothing
 * usable of).
 */
import assert from "node:assert/strict";
import { GithubBudget, GithubRateLimitError } from "../lib/sources/github_budget.ts";
import {
  buildRefsQuery,
  GraphqlUnavailableError,
  graphqlUrl,
  queryRepositoryRefs,
} from "../lib/sources/github_graphql.ts";
import { HttpClient } from "../lib/sources/http.ts";

const API = new URL("https://api.github.com");
const at = (path: string) => new URL(path, API);
const headers = (remaining: number, reset: number, resource = "core") =>
  new Headers({
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-reset": String(reset),
    "x-ratelimit-resource": resource,
  });

Deno.test("gate: the cap counts requests to the API host only, and refuses the one past it", async () => {
  const budget = new GithubBudget(API, { max: 2 });
  await budget.before(at("/repos/o/r/tags"));
  await budget.before(new URL("https://objects.example/bundle")); // another host: not counted
  await budget.before(at("/rate_limit")); // free
  await budget.before(at("/graphql"));
  assert.equal(budget.used, 2);
  await assert.rejects(
    async () => await budget.before(at("/repos/o/r/git/trees/x")),
    (e: unknown) =>
      e instanceof GithubRateLimitError && e.code === "github-rate-limit" &&
      /^GitHub rate limit: 0 requests left, resets at an unknown time/.test(e.message) &&
      /--max-github-requests 2 spent/.test(e.message),
  );
});

Deno.test("gate: GitHub's own limit at 0 refuses until it resets, per resource", async () => {
  let now = Date.parse("2030-01-01T00:00:00Z");
  const reset = now / 1000 + 60;
  const budget = new GithubBudget(API, { now: () => now });
  budget.observe(at("/repos/o/r/tags"), 200, headers(0, reset));
  await assert.rejects(
    async () => await budget.before(at("/repos/o/r")),
    /GitHub rate limit: 0 requests left, resets at 2030-01-01T00:01:00\.000Z/,
  );
  // GraphQL has a limit of its own.
  await budget.before(at("/graphql"));
  now += 61_000; // past the reset: asking again is allowed
  await budget.before(at("/repos/o/r"));
  assert.equal(budget.state()?.remaining, 0);
});

Deno.test("gate: the forecast says what a run expects and what is left", () => {
  const budget = new GithubBudget(API, { max: 100 });
  budget.recordRateLimit({
    resources: { core: { limit: 5000, remaining: 42, reset: 1893456000 } },
  });
  const line = budget.forecast(300);
  assert.match(line, /^300 crates may take up to about 420 GitHub API requests/);
  assert.match(line, /GitHub allows 42 more until it resets at 2030-01-01T00:00:00\.000Z/);
  assert.match(line, /--max-github-requests caps this run at 100/);
  assert.match(line, /the run may stop short/);
});

Deno.test("graphql: the endpoint of github.com and of GitHub Enterprise Server", () => {
  assert.equal(graphqlUrl(API).href, "https://api.github.com/graphql");
  assert.equal(
    graphqlUrl(new URL("https://ghe.example/api/v3/")).href,
    "https://ghe.example/api/graphql",
  );
  assert.equal(graphqlUrl(new URL("http://127.0.0.1:9/")).href, "http://127.0.0.1:9/graphql");
});

Deno.test("graphql: names are quoted, never spliced", () => {
  const query = buildRefsQuery([{ owner: "o", repo: 'r"){x}', tags: ['v1"} evil'] }]);
  assert.match(query, /name: "r\\"\)\{x\}"/);
  assert.match(query, /qualifiedName: "refs\/tags\/v1\\"} evil"/);
});

/** queryRepositoryRefs against a server answering `answer`. */
async function refsFrom(answer: unknown, status = 200) {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json(answer, { status }),
  );
  try {
    const http = new HttpClient({ timeoutMs: 5_000, retries: 0, userAgent: "test" });
    return await queryRepositoryRefs(http, new URL(`http://127.0.0.1:${server.addr.port}`), [
      { owner: "o", repo: "a", tags: ["v1", "v2", "v3"] },
      { owner: "o", repo: "gone", tags: ["v1"] },
      { owner: "o", repo: "odd", tags: ["v1"] },
    ]);
  } finally {
    await server.shutdown();
  }
}

Deno.test("graphql: tags are peeled to commits; a missing repository and an unreadable one differ", async () => {
  const commit = "ab".repeat(20);
  const [a, gone, odd] = await refsFrom({
    data: {
      r0: {
        databaseId: 7,
        owner: { __typename: "Organization", login: "O" },
        defaultBranchRef: { name: "trunk" },
        t0: { target: { __typename: "Commit", oid: commit.toUpperCase() } },
        t1: {
          target: {
            __typename: "Tag",
            oid: "cd".repeat(20),
            target: {
              __typename: "Tag",
              oid: "ef".repeat(20),
              target: { __typename: "Commit", oid: commit },
            },
          },
        },
        t2: null,
      },
      r1: null,
      r2: null,
    },
    errors: [
      { type: "NOT_FOUND", path: ["r1"], message: "Could not resolve to a Repository" },
      { type: "FORBIDDEN", path: ["r2"], message: "SAML enforcement" },
    ],
  });
  assert.deepEqual(a, {
    ownerType: "Organization",
    ownerLogin: "O",
    databaseId: 7,
    defaultBranch: "trunk",
    tags: new Map([["v1", commit], ["v2", commit], ["v3", null]]),
  });
  assert.deepEqual(gone, { missing: true, tags: new Map() });
  assert.equal(odd, undefined, "not 'missing': REST is asked");
});

Deno.test("graphql: no data at all, or a 404, is GraphQL unavailable", async () => {
  await assert.rejects(() => refsFrom({ errors: [{ message: "boom" }] }), GraphqlUnavailableError);
  await assert.rejects(() => refsFrom({ message: "Not Found" }, 404), GraphqlUnavailableError);
});

Deno.test("secondary limit: without retry-after, GitHub's minute is waited out (injected sleep), then retried", async () => {
  let calls = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    calls++;
    return calls === 1
      ? Response.json({ message: "You have exceeded a secondary rate limit." }, { status: 403 })
      : Response.json({ ok: true });
  });
  try {
    const sleeps: number[] = [];
    const http = new HttpClient({
      timeoutMs: 5_000,
      retries: 2,
      userAgent: "test",
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    const answer = await http.getJson(`http://127.0.0.1:${server.addr.port}/x`);
    assert.deepEqual(answer.data, { ok: true });
    assert.deepEqual(sleeps, [60_000]);
    assert.equal(calls, 2);
  } finally {
    await server.shutdown();
  }
});

Deno.test("secondary limit: a wait past the run's deadline is an ERROR naming it, without waiting", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("slow down", { status: 429, headers: { "retry-after": "30" } }),
  );
  try {
    const sleeps: number[] = [];
    const http = new HttpClient({
      timeoutMs: 5_000,
      retries: 2,
      userAgent: "test",
      deadline: Date.now() + 10_000,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await assert.rejects(
      () => http.getJson(`http://127.0.0.1:${server.addr.port}/x`),
      /retry-after 30 s is past the run's --timeout/,
    );
    assert.deepEqual(sleeps, []);
  } finally {
    await server.shutdown();
  }
});
