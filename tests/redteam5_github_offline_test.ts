/**
 * Red team (#15 §1): an owner's bulk attestation listing is cached under its request body (the
 * sorted digests of the owner's crates in the lock), so an `--offline` run of another lock (a
 * crate removed, or one lock of a workspace's two) asks another listing, which is not in the cache;
 * nor is the per-digest listing, which the online run never asked. The attestation a run saw and
 * found failing must still be found offline: the crate is never TRUSTED there. Through `main()`.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

Deno.test("redteam5 offline: a failing attestation the bulk listing showed is found offline for a smaller lock", async () => {
  const data = await budgetCrates(2, 1);
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
      // The same lock without budget-1.
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
          subjects: {
            subject: { name: string };
            verdict: string;
            checks: { id: string; code: string }[];
          }[];
        };
        const zero = report.subjects.find((s) => s.subject.name === "budget-0")!;
        return { code, zero, out: io.out };
      };
      const online = await run("Cargo.lock");
      assert.notEqual(online.zero.verdict, "TRUSTED", online.out);
      assert.ok(github.requests.some((r) => r.path.includes("/bulk-list")), "a bulk listing");
      const before = github.requests.length;
      const offline = await run("smaller.lock", ["--offline"]);
      assert.equal(github.requests.length, before, "offline asks nothing");
      assert.equal(offline.zero.verdict, online.zero.verdict, offline.out);
      const code = (r: typeof online) => r.zero.checks.find((c) => c.id === "attestation")?.code;
      assert.equal(code(offline), code(online));
      assert.notEqual(code(offline), "not-in-cache");
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});
