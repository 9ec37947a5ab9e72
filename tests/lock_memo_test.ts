/**
 * A warm run of the same lock recalls the checks of an earlier run (`lib/verify/lock_memo.ts`)
 * only while everything they rest on is unchanged in the cache: the same report as a run that
 * reads every answer again, and never once another run has refreshed an answer, the TTL has
 * passed, the policy or options differ, or the run is offline. Through `main()`, against the
 * loopback fakes.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

interface Run {
  code: number;
  report: {
    verdict: string;
    generatedAt?: string;
    diagnostics: { code: string }[];
    subjects: { subject: { name: string }; verdict: string }[];
  };
  requests: number;
  out: string;
}

async function withLock(
  body: (run: (args: string[], env?: Record<string, string>) => Promise<Run>, context: {
    dir: string;
    crates: FakeCrate[];
  }) => Promise<void>,
): Promise<void> {
  const data = await budgetCrates(3, 1);
  const crates = [...data.crates];
  const cratesIo = startFakeCratesIo(crates);
  const github = startFakeGithub([], { repositories: data.repositories });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const run = async (args: string[], env: Record<string, string> = {}): Promise<Run> => {
        const before = cratesIo.requests.length + github.requests.length;
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          GH_TOKEN: "ghp_test",
          ...env,
        });
        const code = await main(args, io);
        return {
          code,
          report: JSON.parse(io.out),
          requests: cratesIo.requests.length + github.requests.length - before,
          out: io.out,
        };
      };
      await body(run, { dir, crates });
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

const recalled = (r: Run) => r.report.diagnostics.some((d) => d.code === "checks-recalled");

/** The report without what differs between two runs of the same answers. */
function comparable(r: Run): unknown {
  const { generatedAt: _, diagnostics, ...rest } = r.report;
  return { ...rest, diagnostics: diagnostics.filter((d) => d.code !== "checks-recalled") };
}

Deno.test("lock: a warm run recalls the checks of the same lock, with the report of a run that reads every answer", async () => {
  await withLock(async (run, { dir }) => {
    const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
    const cold = await run(lock);
    assert.equal(cold.code, 0, cold.out);
    assert.equal(recalled(cold), false);
    const warm = await run(lock);
    assert.equal(warm.code, 0, warm.out);
    assert.equal(warm.requests, 0);
    assert.equal(recalled(warm), true, "the checks were recalled");
    // --offline never recalls: it reads every cached answer, and reports as a warm run does.
    const offline = await run([...lock, "--offline"]);
    assert.equal(recalled(offline), false);
    assert.deepEqual(comparable(warm), comparable(offline));
    assert.deepEqual(
      warm.report.subjects.map((s) => s.verdict),
      cold.report.subjects.map((s) => s.verdict),
    );
  });
});

Deno.test("lock: an answer another run refreshed, a passed TTL, another policy: the checks are not recalled", async () => {
  await withLock(async (run, { dir, crates }) => {
    const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
    assert.equal((await run(lock)).code, 0);
    assert.equal(recalled(await run(lock)), true);

    // Another policy (a file, even one that asks nothing more): verified anew.
    await Deno.writeTextFile(`${dir}/attest.toml`, "version = 1\n");
    const policy = await run([...lock, "--policy", `${dir}/attest.toml`]);
    assert.equal(recalled(policy), false);
    assert.equal(policy.code, 0, policy.out);

    // The TTL passed: every answer is asked again (revalidated), nothing recalled.
    const expired = await run(lock, { CARGO_ATTEST_CACHE_TTL: "0" });
    assert.equal(recalled(expired), false);
    assert.ok(expired.requests > 0);

    // crates.io's index now gives budget-1 another checksum; another command (the crate alone,
    // TTL 0) reads that into the cache. The lock's run rested on the old index answer: it is
    // verified anew, and the new answer is a MISMATCH.
    const i = crates.findIndex((c) => c.name === "budget-1");
    crates[i] = { ...crates[i], indexCksumOverride: "e".repeat(64) };
    const crate = await run(["crate", `budget-1@${crates[i].version}`, "--json"], {
      CARGO_ATTEST_CACHE_TTL: "0",
    });
    assert.equal(crate.report.verdict, "MISMATCH", crate.out);
    const after = await run(lock);
    assert.equal(recalled(after), false, "an answer it rested on was refreshed");
    const one = after.report.subjects.find((s) => s.subject.name === "budget-1");
    assert.equal(one?.verdict, "MISMATCH");
    assert.equal(after.code, 2);
  });
});
