/**
 * A warm `lock` run within the TTL (every answer from the cache) writes nothing: each run's writes
 * go to a new pack and index, so a run that wrote a line per crate (it marked each crate's bulk
 * attestation extract as fetched now) left one more index in the cache on every CI run, and every
 * later run read it. The extract is still remembered for an `--offline` run of another lock (the
 * run that asked the listing wrote it). Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

/** Every file under `dir` with its size and modification time. */
async function listing(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else {
        const info = await Deno.stat(path);
        out.set(path, `${info.size} ${info.mtime?.getTime()}`);
      }
    }
  };
  await walk(dir);
  return out;
}

Deno.test("cache: a warm lock run within the TTL writes nothing, and an offline run of another lock still finds the attestations", async () => {
  const data = await budgetCrates(3, 1);
  const repositories = data.repositories.map((r) => ({ ...r, ownerType: "Organization" as const }));
  const digest = sha256Hex(data.crates[0].bytes);
  const cratesIo = startFakeCratesIo(data.crates);
  const github = startFakeGithub([], {
    repositories,
    attestations: { [digest]: [{ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }] },
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const smaller = data.lock.split("\n[[package]]")
        .filter((p) => !p.includes('name = "budget-1"')).join("\n[[package]]");
      await Deno.writeTextFile(`${dir}/smaller.lock`, smaller);
      const run = async (file: string, extra: string[] = []) => {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          GH_TOKEN: "ghp_test",
        });
        const code = await main(["lock", `${dir}/${file}`, "--json", ...extra], io);
        const report = JSON.parse(io.out) as {
          subjects: { subject: { name: string }; checks: { id: string; code: string }[] }[];
        };
        const zero = report.subjects.find((s) => s.subject.name === "budget-0")!;
        return { code, attestation: zero.checks.find((c) => c.id === "attestation")?.code };
      };
      const cold = await run("Cargo.lock");
      assert.ok(github.requests.some((r) => r.path.includes("/bulk-list")), "a bulk listing");
      const before = await listing(`${dir}/cache`);
      const requests = github.requests.length;
      // The file times must be able to move between the runs.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const warm = await run("Cargo.lock");
      assert.equal(github.requests.length, requests, "the warm run asks nothing");
      assert.deepEqual(warm, cold);
      assert.deepEqual(await listing(`${dir}/cache`), before, "the warm run wrote nothing");
      // What the listing said is still remembered for another lock, offline.
      const offline = await run("smaller.lock", ["--offline"]);
      assert.equal(offline.attestation, cold.attestation);
      assert.notEqual(offline.attestation, "not-in-cache");
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
