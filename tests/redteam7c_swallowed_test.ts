/**
 * Red team 7c: the lock run memo (`lib/verify/lock_memo.ts`) must never remember checks that
 * rest on an answer the cache does not hold. When crates.io's version record names no
 * repository, the crate's own record is asked for it, and a failure there is taken as "no
 * repository" (the crate's checks then skip what needs one): a transient failure, not an answer
 * in the cache. A later full verification asks again, finds the repository and compares the
 * crate with it; a recall must not keep the checks of the failed moment. Through `main()`,
 * against the loopback fakes, behind a small proxy that drops the version record's
 * `repository` (as crates.io's records may omit it) and can refuse the crate's record.
 */
import assert from "node:assert/strict";
import { budgetCrates } from "./support/budget_crates.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { cachedRunner } from "./support/cached_runs.ts";

Deno.test("red team 7c: checks made while the crate's record could not be read are not remembered", async () => {
  const data = await budgetCrates(1, 1);
  // The repository's commit holds another src/lib.rs than the .crate: a compared crate FAILs.
  const repositories = data.repositories.map((r) => ({
    ...r,
    trees: Object.fromEntries(
      Object.entries(r.trees).map(([commit, entries]) => [
        commit,
        entries.map((e) =>
          e.path === "src/lib.rs" ? { ...e, sha: "0123456789abcdef0123456789abcdef01234567" } : e
        ),
      ]),
    ),
  }));
  const cratesIo = startFakeCratesIo([...data.crates]);
  const github = startFakeGithub([], { repositories });
  const api = new URL(cratesIo.env.CARGO_ATTEST_CRATES_API_URL);
  let refuseCrateRecord = true;
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    const target = new URL(url.pathname + url.search, api);
    const parts = url.pathname.split("/").filter((p) => p !== "");
    // /api/v1/crates/NAME: the crate's record.
    if (parts.length === 4 && refuseCrateRecord) return new Response("busy", { status: 403 });
    const answer = await fetch(target, { headers: request.headers, redirect: "manual" });
    if (parts.length === 5 && answer.ok) {
      const body = await answer.json() as { version: Record<string, unknown> };
      delete body.version.repository;
      return Response.json(body);
    }
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const run = cachedRunner({
        ...cratesIo.env,
        CARGO_ATTEST_CRATES_API_URL: `http://127.0.0.1:${proxy.addr.port}${api.pathname}`,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      }, dir);
      const lock = ["lock", `${dir}/Cargo.lock`, "--json"];
      // crates.io refuses the crate's record for a moment: the run cannot tell the crate's
      // repository, which is an ERROR (it used to be taken as "no repository": nothing to
      // compare with, TRUSTED), and nothing is remembered.
      const cold = await run(lock);
      assert.equal(cold.report.verdict, "ERROR", cold.out);
      assert.equal(cold.code, 3);
      refuseCrateRecord = false;
      // crates.io answers again: a full verification finds the repository, and the crate's files
      // differ from its commit's.
      const again = await run(lock);
      assert.equal(again.report.verdict, "MISMATCH", again.out);
      assert.equal(again.report.diagnostics.some((d) => d.code === "checks-recalled"), false);
      // As a run that asks every answer again says (TTL 0: never recalled).
      const full = await run(lock, { CARGO_ATTEST_CACHE_TTL: "0" });
      assert.equal(full.report.verdict, "MISMATCH", full.out);
    });
  } finally {
    await proxy.shutdown();
    await cratesIo.close();
    await github.close();
  }
});
