import assert from "node:assert/strict";
import {
  endpointUrl,
  githubToken,
  githubTokenFor,
  githubWebHost,
  isLoopbackHost,
  resolveEndpoints,
} from "./endpoints.ts";
import { UsageError } from "../errors.ts";

function envOf(values: Record<string, string>): (name: string) => string | undefined {
  return (name) => values[name];
}

Deno.test("resolveEndpoints() uses the public defaults when nothing (or blank) is set", () => {
  const endpoints = resolveEndpoints(envOf({ CARGO_ATTEST_REKOR_URL: "  " }));
  assert.equal(endpoints.githubApi.href, "https://api.github.com/");
  assert.equal(endpoints.cratesApi.href, "https://crates.io/api/v1");
  assert.equal(endpoints.cratesDl.href, "https://static.crates.io/crates");
  assert.equal(endpoints.cratesIndex.href, "https://index.crates.io/");
  assert.equal(endpoints.rekor.href, "https://rekor.sigstore.dev/");
});

Deno.test("resolveEndpoints() reads every variable; http:// is fine for loopback hosts", () => {
  const endpoints = resolveEndpoints(envOf({
    CARGO_ATTEST_GITHUB_API_URL: "https://ghe.example.com/api/v3/",
    CARGO_ATTEST_CRATES_API_URL: "http://127.0.0.1:8080/api/v1",
    CARGO_ATTEST_CRATES_DL_URL: "http://localhost:9000/dl",
    CARGO_ATTEST_CRATES_INDEX_URL: "http://[::1]:9001",
    CARGO_ATTEST_REKOR_URL: "http://127.1.2.3:3000",
  }));
  assert.equal(endpoints.githubApi.href, "https://ghe.example.com/api/v3");
  assert.equal(endpoints.cratesApi.href, "http://127.0.0.1:8080/api/v1");
  assert.equal(endpoints.cratesDl.href, "http://localhost:9000/dl");
  assert.equal(endpoints.cratesIndex.href, "http://[::1]:9001/");
  assert.equal(endpoints.rekor.href, "http://127.1.2.3:3000/");
});

Deno.test("resolveEndpoints() returns fresh URL objects each time", () => {
  const first = resolveEndpoints(envOf({}));
  first.githubApi.pathname = "/mutated";
  assert.equal(resolveEndpoints(envOf({})).githubApi.href, "https://api.github.com/");
});

Deno.test("resolveEndpoints() refuses unusable values with a UsageError naming the variable", () => {
  const cases: [string, string, RegExp][] = [
    ["CARGO_ATTEST_GITHUB_API_URL", "not a url", /not an absolute URL/],
    ["CARGO_ATTEST_CRATES_API_URL", "http://example.com/api/v1", /not a loopback host/],
    ["CARGO_ATTEST_CRATES_DL_URL", "ftp://127.0.0.1/crates", /only https/],
    ["CARGO_ATTEST_CRATES_INDEX_URL", "https://user:pw@index.example", /credentials/],
    ["CARGO_ATTEST_REKOR_URL", "https://rekor.example?x=1", /query or fragment/],
    ["CARGO_ATTEST_REKOR_URL", "http://127.0.0.1.example.com", /not a loopback host/],
  ];
  for (const [variable, value, pattern] of cases) {
    assert.throws(
      () => resolveEndpoints(envOf({ [variable]: value })),
      (error: unknown) => {
        assert.ok(error instanceof UsageError, `${variable}=${value}`);
        assert.ok(error.message.startsWith(`${variable}: `), error.message);
        assert.match(error.message, pattern);
        assert.ok(error.hint);
        assert.ok(!error.message.includes("pw@"), "no credentials echoed");
        return true;
      },
    );
  }
});

Deno.test("isLoopbackHost() accepts 127.0.0.0/8, ::1 and localhost only", () => {
  for (const host of ["127.0.0.1", "127.255.0.9", "::1", "[::1]", "[::1]:8080", "localhost"]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (const host of ["LOCALHOST", "localhost:3000", "127.0.0.1:443"]) {
    assert.equal(isLoopbackHost(host), true, host);
  }
  for (
    const host of [
      "example.com",
      "127.0.0.1.example.com",
      "localhost.example.com",
      "128.0.0.1",
      "127.0.0.256",
      "127.0.0",
      "0.0.0.0",
      "::",
      "[::2]",
      "10.0.0.1",
      "",
    ]
  ) {
    assert.equal(isLoopbackHost(host), false, host);
  }
});

Deno.test("githubToken() prefers GH_TOKEN, then GITHUB_TOKEN; blank means none", () => {
  assert.equal(githubToken(envOf({ GH_TOKEN: "a", GITHUB_TOKEN: "b" })), "a");
  assert.equal(githubToken(envOf({ GH_TOKEN: " ", GITHUB_TOKEN: "b" })), "b");
  assert.equal(githubToken(envOf({})), undefined);
  assert.deepEqual(
    githubTokenFor(envOf({ GITHUB_TOKEN: "t" }), new URL("http://127.0.0.1:8080/api")),
    { value: "t", host: "127.0.0.1:8080" },
  );
  assert.equal(githubTokenFor(envOf({}), new URL("https://api.github.com")), undefined);
});

Deno.test("endpointUrl() keeps the base path and adds the query", () => {
  const base = resolveEndpoints(envOf({
    CARGO_ATTEST_GITHUB_API_URL: "https://ghe.example.com/api/v3/",
  })).githubApi;
  assert.equal(
    endpointUrl(base, "/repos/o/r/releases", { per_page: "100" }).href,
    "https://ghe.example.com/api/v3/repos/o/r/releases?per_page=100",
  );
  assert.equal(
    endpointUrl(new URL("https://api.github.com"), "repos/o/r").href,
    "https://api.github.com/repos/o/r",
  );
});

Deno.test("endpointUrl() joins paths, adds queries, and keeps a base's query and credentials", () => {
  const api = new URL("https://ghe.example/api/v3/");
  assert.equal(
    endpointUrl(api, "repos/o/r/tags", { per_page: "100" }).href,
    "https://ghe.example/api/v3/repos/o/r/tags?per_page=100",
  );
  assert.equal(endpointUrl(api, "/a%2Fb").href, "https://ghe.example/api/v3/a%2Fb");
  assert.equal(
    endpointUrl(new URL("https://u:p@h.example/x?k=1"), "y", { a: "b" }).href,
    "https://u:p@h.example/x/y?k=1&a=b",
  );
  assert.equal(endpointUrl(new URL("https://h.example"), "a?b").pathname, "/a%3Fb");
});

Deno.test("githubWebHost() names the host repositories live on for the API in use", () => {
  assert.equal(githubWebHost(new URL("https://api.github.com")), "github.com");
  assert.equal(githubWebHost(new URL("http://127.0.0.1:8080")), "github.com");
  assert.equal(githubWebHost(new URL("https://GHE.example.com/api/v3/")), "ghe.example.com");
  assert.equal(githubWebHost(new URL("https://api.octo.ghe.com")), "octo.ghe.com");
});
