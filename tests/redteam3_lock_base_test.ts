/**
 * Red-team tests of `lock --base` (#14): pull-request locks that try to pass an update off as
 * something that is not compared with the version it replaces, through `main()`. In each, the
 * base pins `bumped@1.0.0`, published by trusted publishing; the pull request brings a version
 * published with a token, which must never come out TRUSTED (the control: the same lock written
 * plainly is a downgrade).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { CRATES_IO_SOURCE, plainCrate, sha256 } from "./support/lock_packages.ts";
import { withTempDir } from "./support/temp_dir.ts";

const TRUSTED_PUBLISHING = {
  provider: "github",
  repository: "example/bumped",
  run_id: "7",
  sha: "a".repeat(40),
};

/** A `[[package]]` of a registry crate, with the source as written. */
async function entry(crate: FakeCrate, source = CRATES_IO_SOURCE): Promise<string> {
  return `\n[[package]]\nname = "${crate.name}"\nversion = "${crate.version}"\n` +
    `source = "${source}"\nchecksum = "${await sha256(crate.bytes)}"\n`;
}

const HEADER = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n';

/** Runs `lock Cargo.lock --base base.Cargo.lock --json` over the crates served. */
async function runBase(
  crates: readonly FakeCrate[],
  base: string,
  head: string,
): Promise<{ code: number; report: Record<string, unknown>; out: string }> {
  const cratesIo = startFakeCratesIo(crates);
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, base);
      await Deno.writeTextFile(`${dir}/Cargo.lock`, head);
      const io = createMemoryIo(cratesIo.env);
      const code = await main(
        ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"],
        io,
      );
      return { code, report: JSON.parse(io.out), out: io.out + io.err };
    });
  } finally {
    await cratesIo.close();
  }
}

type Subject = {
  subject: { name: string; version: string };
  verdict: string;
  change?: { kind: string; from?: string };
  checks: { id: string; code: string; status: string }[];
};

function subjectOf(report: Record<string, unknown>, name: string, version: string): Subject {
  const found = (report.subjects as Subject[]).find((s) =>
    s.subject.name === name && s.subject.version === version
  );
  assert.ok(found, `${name}@${version} is in the report`);
  return found;
}

const old = async () => ({
  ...(await plainCrate("bumped", "1.0.0")),
  trustedPublishing: TRUSTED_PUBLISHING,
});

Deno.test("redteam3 lock --base: the control, a plain update that drops trusted publishing, is not TRUSTED", async () => {
  const before = await old();
  const token = await plainCrate("bumped", "1.0.1");
  const r = await runBase(
    [before, token],
    HEADER + await entry(before),
    HEADER + await entry(token),
  );
  assert.equal(r.code, 1, r.out);
  const s = subjectOf(r.report, "bumped", "1.0.1");
  assert.deepEqual(s.change, { kind: "updated", from: "1.0.0" });
  assert.ok(s.checks.some((c) => c.code === "downgrade-trusted-publishing-dropped"), r.out);
});

Deno.test("redteam3 lock --base: an update that spells crates.io's source the sparse way is still an update", async () => {
  // `sparse+https://index.crates.io/` is crates.io too (the lock parser says so): the package is
  // the same one, so it is compared with the version it replaces, not waved in as "added".
  const before = await old();
  const token = await plainCrate("bumped", "1.0.1");
  for (
    const source of [
      "sparse+https://index.crates.io/",
      "sparse+https://index.crates.io",
      `${CRATES_IO_SOURCE}/`,
    ]
  ) {
    const r = await runBase(
      [before, token],
      HEADER + await entry(before),
      HEADER + await entry(token, source),
    );
    assert.notEqual(r.code, 0, `${source}: ${r.out}`);
    assert.notEqual(r.report.verdict, "TRUSTED");
    const s = subjectOf(r.report, "bumped", "1.0.1");
    assert.deepEqual(s.change, { kind: "updated", from: "1.0.0" }, source);
    assert.ok(s.checks.some((c) => c.code === "downgrade-trusted-publishing-dropped"), r.out);
  }
});

Deno.test("redteam3 lock --base: another version slipped in beside an update does not turn the update into an addition", async () => {
  // The base pins bumped 1.0.0 (trusted publishing). The pull request brings 0.9.0 (an older
  // release, trusted-published too) and 1.0.1 (a token): pairing "oldest with oldest" compared
  // 0.9.0 with 1.0.0 and listed 1.0.1 as added, never compared.
  const before = await old();
  const older = { ...(await plainCrate("bumped", "0.9.0")), trustedPublishing: TRUSTED_PUBLISHING };
  const token = await plainCrate("bumped", "1.0.1");
  const r = await runBase(
    [before, older, token],
    HEADER + await entry(before),
    HEADER + await entry(older) + await entry(token),
  );
  assert.notEqual(r.code, 0, r.out);
  const s = subjectOf(r.report, "bumped", "1.0.1");
  assert.deepEqual(s.change, { kind: "updated", from: "1.0.0" });
  assert.notEqual(s.verdict, "TRUSTED");
  assert.ok(s.checks.some((c) => c.code === "downgrade-trusted-publishing-dropped"), r.out);
});

Deno.test("redteam3 lock --base: a new version beside the unchanged one is compared with it", async () => {
  // The base's 1.0.0 stays; the pull request adds 2.0.0 of the same crate, published with a
  // token: a new version of a crate the base already pins is compared with that version.
  const before = await old();
  const token = await plainCrate("bumped", "2.0.0");
  const r = await runBase(
    [before, token],
    HEADER + await entry(before),
    HEADER + await entry(before) + await entry(token),
  );
  assert.notEqual(r.code, 0, r.out);
  const s = subjectOf(r.report, "bumped", "2.0.0");
  assert.deepEqual(s.change, { kind: "updated", from: "1.0.0" });
  assert.deepEqual(subjectOf(r.report, "bumped", "1.0.0").change, { kind: "unchanged" });
  assert.ok(s.checks.some((c) => c.code === "downgrade-trusted-publishing-dropped"), r.out);
});
