/**
 * GitHub's rate limits and `--max-github-requests`, through `main()` against the loopback fake:
 * a budget that runs out mid-run stops the asking, and every crate that still needed GitHub is
 * an ERROR saying "GitHub rate limit: N requests left, resets at T" (exit 3, the JSON report still
 * written); a secondary limit (403/429 with `retry-after`) is waited out and retried, within a
 * bound; answers already cached still serve.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeGithubOptions, startFakeGithub } from "./support/fake_github.ts";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";

const RESET = 1893456000; // 2030-01-01T00:00:00Z
const RESET_ISO = "2030-01-01T00:00:00.000Z";

interface Subject {
  subject: { name: string };
  verdict: string;
  checks: { id: string; status: string; code: string; message: string }[];
}

/** Runs `lock` of `count` crates (one repository each) with the fake GitHub's `options`. */
async function runLock(
  count: number,
  github: Omit<FakeGithubOptions, "repositories">,
  args: string[] = [],
  runs = 1,
  owners = count,
) {
  const data = await budgetCrates(count, owners);
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], { ...github, repositories: data.repositories });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const results = [];
    for (let run = 0; run < runs; run++) {
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      });
      const before = fake.requests.length;
      // The last run gets `args`; the ones before it warm the cache.
      const extra = run === runs - 1 ? args : [];
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json", ...extra], io);
      const counted = fake.requests.slice(before).filter((r) =>
        r.host === "api" && r.path !== "/rate_limit"
      );
      results.push({ code, io, report: JSON.parse(io.out), counted });
    }
    return results.at(-1)!;
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("budget: GitHub's limit running out mid-run stops the asking; the rest is ERROR with when it resets", async () => {
  // One owner: one GraphQL query and one bulk listing cover the four crates; then a tree each.
  const { code, io, report, counted } = await runLock(
    4,
    { rateLimit: { limit: 4, resetEpochSeconds: RESET } },
    ["--jobs", "1"],
    1,
    1,
  );
  assert.equal(code, 3, io.err);
  assert.equal(report.verdict, "ERROR");
  // Nothing was asked once an answer said "0 left".
  assert.equal(counted.length, 4, counted.map((r) => r.path).join("\n"));
  const errors = (report.subjects as Subject[]).filter((s) => s.verdict === "ERROR");
  assert.ok(errors.length >= 2, JSON.stringify(report.subjects.map((s: Subject) => s.verdict)));
  for (const subject of errors) {
    const failed = subject.checks.find((c) => c.status === "error");
    assert.ok(failed, JSON.stringify(subject));
    assert.equal(failed.code, "github-rate-limit");
    assert.ok(
      failed.message.startsWith(`GitHub rate limit: 0 requests left, resets at ${RESET_ISO}`),
      failed.message,
    );
  }
  // The crates asked about before the limit ran out were done.
  assert.ok((report.subjects as Subject[]).some((s) => s.verdict === "TRUSTED"));
});

Deno.test("budget: --max-github-requests caps the run: exactly N requests, then ERROR naming the cap", async () => {
  const { code, io, report, counted } = await runLock(
    3,
    { rateLimit: { limit: 5000, resetEpochSeconds: RESET } },
    ["--max-github-requests", "2"],
  );
  assert.equal(code, 3, io.err);
  // At most 2 sent (a request a failed crate no longer waits for may not have landed yet).
  assert.ok(counted.length <= 2, counted.map((r) => r.path).join("\n"));
  const messages = (report.subjects as Subject[]).flatMap((s) =>
    s.checks.filter((c) => c.status === "error").map((c) => c.message)
  );
  assert.ok(messages.length > 0);
  for (const message of messages) {
    assert.match(
      message,
      /^GitHub rate limit: 0 requests left, resets at 2030-01-01T00:00:00\.000Z \(--max-github-requests 2 spent/,
    );
  }
});

Deno.test("budget: --max-github-requests 0 with a warm cache still verifies what is cached", async () => {
  const warm = await runLock(2, {}, ["--max-github-requests", "0"], 2);
  assert.equal(warm.code, 0, warm.io.out + warm.io.err);
  assert.equal(warm.counted.length, 0);
});

Deno.test("budget: --max-github-requests must be a whole number", async () => {
  const io = createMemoryIo({});
  assert.equal(await main(["crate", "serde@1.0.0", "--max-github-requests", "lots"], io), 3);
  assert.match(io.err, /--max-github-requests must be a whole number/);
});

/** `crate tiny-attest@0.1.0 --json` against a fake GitHub with `options`. */
async function runTiny(options: Omit<FakeGithubOptions, "repositories">) {
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  const github = startFakeGithub([], { ...options, repositories: [tinyAttestRepository()] });
  try {
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(["crate", "tiny-attest@0.1.0", "--json", "--no-cache"], io);
    return { code, io, report: JSON.parse(io.out), requests: github.requests };
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

Deno.test("budget: a secondary limit (403 with retry-after) is waited out and retried", async () => {
  const started = Date.now();
  const { code, io, report } = await runTiny({ secondaryLimit: { first: 1, retryAfter: "1" } });
  assert.equal(code, 0, io.out + io.err);
  assert.equal(report.verdict, "TRUSTED");
  assert.match(io.err, /retrying \S+ in 1 s \(attempt 2 of \d: rate limit hit \(HTTP 403\)/);
  assert.ok(Date.now() - started >= 900, "it waited the second the server asked");
});

Deno.test("budget: a 429 with retry-after is waited out too", async () => {
  const { code, io } = await runTiny({
    secondaryLimit: { first: 1, retryAfter: "1", status: 429 },
  });
  assert.equal(code, 0, io.out + io.err);
  assert.match(io.err, /retrying \S+ in 1 s/);
});

Deno.test("budget: a retry-after beyond the bound is an ERROR naming it, without waiting", async () => {
  const started = Date.now();
  const { code, io, report } = await runTiny({
    secondaryLimit: { first: 100, retryAfter: "3600" },
  });
  assert.equal(code, 3, io.out + io.err);
  assert.equal(report.verdict, "ERROR");
  const failed = report.subjects[0].checks.find((c: { status: string }) => c.status === "error");
  assert.match(failed.message, /retry-after 3600 s is more than the 60 s cargo-attest waits/);
  assert.ok(Date.now() - started < 30_000);
});

Deno.test("budget: a big lock says before its first GitHub request what it expects and what is left; a warm one asks nothing", async () => {
  const data = await budgetCrates(20, 5);
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], {
    repositories: data.repositories,
    rateLimit: { limit: 5000, resetEpochSeconds: RESET },
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
    const env = {
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      GH_TOKEN: "ghp_test",
    };
    const cold = createMemoryIo(env);
    assert.equal(await main(["lock", `${dir}/Cargo.lock`], cold), 0, cold.out + cold.err);
    assert.match(
      cold.err,
      /^cargo-attest: 20 crates may take up to about 28 GitHub API requests \(none for answers still in the cache\); GitHub allows 5000 more until it resets at 2030-01-01T00:00:00\.000Z$/m,
    );
    const asked = fake.requests.filter((r) => r.host === "api" && r.path !== "/rate_limit");
    assert.ok(asked.length <= 28, `${asked.length} GitHub requests for 20 crates`);
    // Warm: nothing asked, not even the remaining budget, and nothing to forecast.
    const before = fake.requests.length;
    const warm = createMemoryIo(env);
    assert.equal(await main(["lock", `${dir}/Cargo.lock`], warm), 0, warm.out + warm.err);
    assert.deepEqual(fake.requests.slice(before).map((r) => r.path), []);
    assert.doesNotMatch(warm.err, /GitHub API requests/);
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("budget: the forecast's remaining budget is GitHub's answer now, not one the cache kept", async () => {
  // Two locks of 20 crates each, run one after the other with one cache: the second run's
  // forecast says what GitHub allows after the first run's requests.
  const data = await budgetCrates(40);
  const [head, ...packages] = data.lock.split("\n[[package]]\n");
  const root = packages.filter((p) => !p.includes("source = "));
  const crates = packages.filter((p) => p.includes("source = "));
  const lockOf = (some: string[]) => [head, ...root, ...some].join("\n[[package]]\n");
  const cratesIo = startFakeCratesIo(data.crates);
  const fake = startFakeGithub([], {
    repositories: data.repositories,
    rateLimit: { limit: 5000, resetEpochSeconds: RESET },
  });
  const dir = await Deno.makeTempDir();
  try {
    const env = {
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: fake.apiUrl,
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
      GH_TOKEN: "ghp_test",
    };
    const allows = async (some: string[]) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf(some));
      const io = createMemoryIo(env);
      assert.equal(await main(["lock", `${dir}/Cargo.lock`], io), 0, io.out + io.err);
      return Number(/GitHub allows (\d+) more/.exec(io.err)?.[1]);
    };
    assert.equal(crates.length, 40);
    assert.equal(await allows(crates.slice(0, 20)), 5000);
    const spent = fake.requests.filter((r) => r.host === "api" && r.path !== "/rate_limit").length;
    assert.ok(spent > 0);
    assert.equal(await allows(crates.slice(20)), 5000 - spent);
  } finally {
    await cratesIo.close();
    await fake.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("budget: a forecast above what GitHub allows warns that the run may stop short", async () => {
  const { io } = await runLock(20, { rateLimit: { limit: 10, resetEpochSeconds: RESET } }, []);
  assert.match(io.err, /GitHub allows 10 more .*the run may stop short/);
});

Deno.test("budget: release honours --max-github-requests too (ERROR, exit 3, nothing asked)", async () => {
  const github = startFakeGithub([]);
  try {
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, GH_TOKEN: "t" });
    const code = await main(
      ["release", "o/r", "v1.0.0", "--max-github-requests", "0", "--no-cache"],
      io,
    );
    assert.equal(code, 3, io.out + io.err);
    assert.match(
      io.err,
      /GitHub rate limit: 0 requests left, resets at .*--max-github-requests 0 spent/,
    );
    assert.deepEqual(github.requests.filter((r) => r.path !== "/rate_limit"), []);
  } finally {
    await github.close();
  }
});
