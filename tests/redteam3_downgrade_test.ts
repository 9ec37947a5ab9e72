/**
 * Red-team tests of the `downgrade` check (#14 §2), through `main()`: an update whose new version
 * is published less trustworthily than the one it replaces, in ways the comparison missed. Each
 * must keep the update from TRUSTED (UNVERIFIED; MISMATCH under `no_downgrade = true`).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { lockEntry, lockOf, plainCrate } from "./support/lock_packages.ts";
import { withTempDir } from "./support/temp_dir.ts";

const GITHUB = {
  provider: "github",
  repository: "example/bumped",
  run_id: "7",
  sha: "a".repeat(40),
};
const NO_DOWNGRADE = "version = 1\n[crate.bumped]\nno_downgrade = true\n";

/** `lock --base` updating bumped 1.0.0 → 1.0.1, each with the trusted-publishing record given. */
async function update(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  policy?: string,
): Promise<{ code: number; check?: { code: string; status: string }; out: string }> {
  const old: FakeCrate = {
    ...(await plainCrate("bumped", "1.0.0")),
    ...(before ? { trustedPublishing: before } : {}),
  };
  const fresh: FakeCrate = {
    ...(await plainCrate("bumped", "1.0.1")),
    ...(after ? { trustedPublishing: after } : {}),
  };
  const cratesIo = startFakeCratesIo([old, fresh]);
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lockOf([await lockEntry(old)]));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(fresh)]));
      const args = ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"];
      if (policy) {
        await Deno.writeTextFile(`${dir}/attest.toml`, policy);
        args.push("--policy", `${dir}/attest.toml`);
      }
      const io = createMemoryIo(cratesIo.env);
      const code = await main(args, io);
      const check = JSON.parse(io.out).subjects[0].checks.find((c: { id: string }) =>
        c.id === "downgrade"
      );
      return { code, check, out: io.out + io.err };
    });
  } finally {
    await cratesIo.close();
  }
}

Deno.test("redteam3 downgrade: the control, the same trusted publisher, is TRUSTED", async () => {
  const r = await update(GITHUB, { ...GITHUB, run_id: "8" });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-none");
});

Deno.test("redteam3 downgrade: trusted publishing by another provider with the same path is a downgrade", async () => {
  // GitHub's example/bumped and GitLab's example/bumped are different projects (anyone may own
  // the name on the other forge): the repository strings alone agree.
  const gitlab = {
    provider: "gitlab",
    project_path: "example/bumped",
    job_id: "9",
    sha: GITHUB.sha,
  };
  const r = await update(GITHUB, gitlab);
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-trusted-publishing-provider", r.out);
  const strict = await update(GITHUB, gitlab, NO_DOWNGRADE);
  assert.equal(strict.code, 2, strict.out);
  assert.equal(strict.check?.status, "fail");
});

Deno.test("redteam3 downgrade: trusted publishing that no longer records its repository is a downgrade", async () => {
  const { repository: _, ...anonymous } = GITHUB;
  const r = await update(GITHUB, { ...anonymous, run_id: "8" });
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.check?.code, "downgrade-trusted-publishing-repository", r.out);
  const strict = await update(GITHUB, { ...anonymous, run_id: "8" }, NO_DOWNGRADE);
  assert.equal(strict.code, 2, strict.out);
});
