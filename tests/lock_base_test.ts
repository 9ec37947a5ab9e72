/**
 * `lock --base FILE` (pull-request mode, #14 §1), through `main()`: only the crates a pull request
 * adds or updates are verified; unchanged and removed ones are listed with their change, are not
 * asked about, never TRUSTED, and do not move the verdict.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { tinyAttestCrate } from "./support/tiny_attest.ts";
import { git, lockOf, plainCrate, runLockBase, sha256 } from "./support/lock_packages.ts";

Deno.test("lock --base: only added and updated crates are verified; the rest are listed", async () => {
  const added = await plainCrate("fresh", "1.0.0");
  const updated = await plainCrate("bumped", "2.0.0");
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([added, updated, stable]);
  const dir = await Deno.makeTempDir();
  try {
    const entry = async (c: FakeCrate) => ({
      name: c.name,
      version: c.version,
      checksum: await sha256(c.bytes),
    });
    const base = lockOf([
      { name: "bumped", version: "1.0.0", checksum: "1".repeat(64) },
      await entry(stable),
      { name: "gone", version: "0.3.0", checksum: "2".repeat(64) },
    ]);
    const head = lockOf([await entry(added), await entry(updated), await entry(stable)]);
    await Deno.writeTextFile(`${dir}/base.Cargo.lock`, base);
    await Deno.writeTextFile(`${dir}/Cargo.lock`, head);
    const io = createMemoryIo(cratesIo.env);
    const code = await main(
      ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"],
      io,
    );
    assert.equal(code, 0, io.out + io.err);
    const report = JSON.parse(io.out);
    const byName = Object.fromEntries(
      report.subjects.map((s: { subject: { name: string } }) => [s.subject.name, s]),
    );
    assert.deepEqual(byName.fresh.change, { kind: "added" });
    assert.equal(byName.fresh.verdict, "TRUSTED");
    assert.deepEqual(byName.bumped.change, { kind: "updated", from: "1.0.0" });
    assert.equal(byName.bumped.verdict, "TRUSTED");
    assert.deepEqual(byName.stable.change, { kind: "unchanged" });
    assert.equal(byName.stable.verdict, "UNVERIFIED", "listed, never TRUSTED");
    assert.deepEqual(byName.stable.checks, []);
    assert.deepEqual(byName.gone.change, { kind: "removed" });
    assert.equal(report.verdict, "TRUSTED", "the verdict is the changed crates'");
    // Nothing was asked about the unchanged or removed crates.
    const asked = cratesIo.requests.map((r) => r.path).join(" ");
    assert.doesNotMatch(asked, /stable|gone/);
    assert.match(asked, /fresh/);
    // The text reads like a review.
    const text = createMemoryIo(cratesIo.env);
    await main(["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`], text);
    assert.match(text.out, /^changes: 1 added, 1 updated, 1 removed, 1 unchanged\n/);
    assert.match(text.out, /removed \(not verified\): gone@0\.3\.0/);
    assert.match(text.out, /bumped@2\.0\.0 .*\(updated from 1\.0\.0\)/);
    assert.doesNotMatch(text.out, /^stable@/m);
    // A saved report renders the same way again.
    await Deno.writeTextFile(`${dir}/report.json`, io.out);
    const again = createMemoryIo();
    assert.equal(await main(["report", "--from", `${dir}/report.json`], again), 0, again.err);
    assert.match(again.out, /^changes: 1 added, 1 updated, 1 removed, 1 unchanged\n/);
  } finally {
    await cratesIo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base: a changed crate that does not match is a MISMATCH; no change is TRUSTED", async () => {
  const bumped = await plainCrate("bumped", "2.0.0");
  const cratesIo = startFakeCratesIo([bumped]);
  const dir = await Deno.makeTempDir();
  try {
    const base = lockOf([{ name: "bumped", version: "1.0.0", checksum: "1".repeat(64) }]);
    await Deno.writeTextFile(`${dir}/base.Cargo.lock`, base);
    // The pull request pins bytes crates.io does not serve.
    await Deno.writeTextFile(
      `${dir}/Cargo.lock`,
      lockOf([{ name: "bumped", version: "2.0.0", checksum: "3".repeat(64) }]),
    );
    const io = createMemoryIo(cratesIo.env);
    const args = ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`];
    assert.equal(await main(args, io), 2, io.out + io.err);
    assert.match(io.err, /MISMATCH: bumped@2\.0\.0/);
    // The same lock as its own base: nothing changed, nothing asked.
    const before = cratesIo.requests.length;
    const same = createMemoryIo(cratesIo.env);
    assert.equal(
      await main(
        ["lock", `${dir}/base.Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"],
        same,
      ),
      0,
      same.out + same.err,
    );
    const report = JSON.parse(same.out);
    assert.equal(report.verdict, "TRUSTED");
    assert.ok(report.diagnostics.some((d: { code: string }) => d.code === "lock-nothing-changed"));
    assert.equal(cratesIo.requests.length, before);
    const text = createMemoryIo(cratesIo.env);
    const baseArgs = ["lock", `${dir}/base.Cargo.lock`, "--base", `${dir}/base.Cargo.lock`];
    assert.equal(await main(baseArgs, text), 0, text.out + text.err);
    assert.match(text.out, /verdict: TRUSTED \(exit 0\): nothing needed verifying/);
    assert.doesNotMatch(text.out, /proof matched/);
  } finally {
    await cratesIo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base: a version unchanged with other bytes is an update, and verified", async () => {
  const tiny = tinyAttestCrate();
  const cratesIo = startFakeCratesIo([tiny]);
  const dir = await Deno.makeTempDir();
  try {
    const real = await sha256(tiny.bytes);
    await Deno.writeTextFile(
      `${dir}/base.Cargo.lock`,
      lockOf([{ name: "tiny-attest", version: "0.1.0", checksum: "4".repeat(64) }]),
    );
    await Deno.writeTextFile(
      `${dir}/Cargo.lock`,
      lockOf([{ name: "tiny-attest", version: "0.1.0", checksum: real }]),
    );
    const io = createMemoryIo(cratesIo.env);
    await main(["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"], io);
    const subject = JSON.parse(io.out).subjects[0];
    assert.deepEqual(subject.change, { kind: "updated", from: "0.1.0" });
    assert.ok(subject.checks.length > 0, "verified");
  } finally {
    await cratesIo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base: a base that is not a file, or not a lock, is an ERROR; nothing is verified", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([]));
    // Not a file, so a git revision; the temporary directory is in no git repository.
    const ref = createMemoryIo();
    assert.equal(await main(["lock", `${dir}/Cargo.lock`, "--base", "origin/main"], ref), 3);
    assert.match(ref.err, /origin\/main:Cargo\.lock: '.*' is not inside a git repository/);
    assert.equal(ref.out, "");
    await Deno.writeTextFile(`${dir}/base.txt`, "not a lock file {");
    const bad = createMemoryIo();
    assert.equal(await main(["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.txt`], bad), 3);
    assert.match(bad.err, /base\.txt/);
    assert.equal(bad.out, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base REF: the base lock is read from a git revision in the lock's directory", async () => {
  const added = await plainCrate("fresh", "1.0.0");
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([added, stable]);
  const dir = await Deno.makeTempDir();
  try {
    const entry = async (c: FakeCrate) => ({
      name: c.name,
      version: c.version,
      checksum: await sha256(c.bytes),
    });
    // The lock lives in a sub-directory of the repository, as in a workspace member's checkout.
    await Deno.mkdir(`${dir}/app`);
    await git(dir, "init", "-q", "-b", "main");
    await Deno.writeTextFile(`${dir}/app/Cargo.lock`, lockOf([await entry(stable)]));
    await git(dir, "add", "app/Cargo.lock");
    await git(dir, "commit", "-q", "-m", "base");
    await git(dir, "tag", "v1");
    await Deno.writeTextFile(
      `${dir}/app/Cargo.lock`,
      lockOf([await entry(added), await entry(stable)]),
    );
    const io = createMemoryIo(cratesIo.env);
    const code = await main(["lock", `${dir}/app/Cargo.lock`, "--base", "main", "--json"], io);
    assert.equal(code, 0, io.out + io.err);
    const report = JSON.parse(io.out);
    const byName = Object.fromEntries(
      report.subjects.map((s: { subject: { name: string } }) => [s.subject.name, s]),
    );
    assert.deepEqual(byName.fresh.change, { kind: "added" });
    assert.equal(byName.fresh.verdict, "TRUSTED");
    assert.deepEqual(byName.stable.change, { kind: "unchanged" });
    assert.doesNotMatch(cratesIo.requests.map((r) => r.path).join(" "), /stable/);
    // The text names the revision the base came from.
    const text = createMemoryIo(cratesIo.env);
    assert.equal(await main(["lock", `${dir}/app`, "--base", "v1"], text), 0, text.err);
    assert.match(text.out + text.err, /v1:Cargo\.lock/);

    // A revision that does not exist: ERROR naming it, nothing verified.
    const missing = createMemoryIo(cratesIo.env);
    const before = cratesIo.requests.length;
    assert.equal(await main(["lock", `${dir}/app/Cargo.lock`, "--base", "nope"], missing), 3);
    assert.match(missing.err, /--base 'nope' is neither a file nor a git revision/);
    assert.equal(missing.out, "");
    // A revision without the lock file: ERROR naming the file.
    await git(dir, "checkout", "-q", "--orphan", "empty");
    await git(dir, "rm", "-q", "-f", "--cached", "-r", ".");
    await Deno.writeTextFile(`${dir}/README`, "x");
    await git(dir, "add", "README");
    await git(dir, "commit", "-q", "-m", "no lock");
    const absent = createMemoryIo(cratesIo.env);
    assert.equal(await main(["lock", `${dir}/app/Cargo.lock`, "--base", "empty"], absent), 3);
    assert.match(absent.err, /empty:Cargo\.lock: the file does not exist at revision 'empty'/);
    // A revision whose lock is not a lock file: ERROR naming it.
    await Deno.mkdir(`${dir}/app`, { recursive: true });
    await Deno.writeTextFile(`${dir}/app/Cargo.lock`, "this is { not a lock\n");
    await git(dir, "add", "app/Cargo.lock");
    await git(dir, "commit", "-q", "-m", "broken lock");
    await Deno.writeTextFile(`${dir}/app/Cargo.lock`, lockOf([await entry(added)]));
    const broken = createMemoryIo(cratesIo.env);
    assert.equal(await main(["lock", `${dir}/app/Cargo.lock`, "--base", "empty"], broken), 3);
    assert.match(broken.err, /empty:Cargo\.lock/);
    assert.equal(broken.out, "");
    assert.equal(cratesIo.requests.length, before, "nothing was verified after a bad base");
  } finally {
    await cratesIo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base REF: a revision that would read as a git option, or names a path, is refused before git runs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await git(dir, "init", "-q", "-b", "main");
    await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([]));
    await git(dir, "add", "Cargo.lock");
    await git(dir, "commit", "-q", "-m", "base");
    for (
      const [revision, why] of [
        [`--output=${dir}/written`, /starts with '-'/],
        ["main:Cargo.toml", /contains ':'/],
        ["main Cargo.lock", /contains a space/],
      ] as const
    ) {
      const io = createMemoryIo();
      assert.equal(await main(["lock", `${dir}/Cargo.lock`, `--base=${revision}`], io), 3);
      assert.match(io.err, why);
      assert.equal(io.out, "");
    }
    await assert.rejects(Deno.stat(`${dir}/written`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base: an update that drops trusted publishing is a downgrade (UNVERIFIED, MISMATCH under no_downgrade)", async () => {
  const tp = {
    provider: "github",
    repository: "example/bumped",
    run_id: "7",
    sha: "a".repeat(40),
  };
  const old = { ...(await plainCrate("bumped", "1.0.0")), trustedPublishing: tp };
  const dir = await Deno.makeTempDir();
  try {
    const runWith = async (older: FakeCrate, fresh: FakeCrate, policy?: string) => {
      const cratesIo = startFakeCratesIo([older, fresh]);
      try {
        await Deno.writeTextFile(
          `${dir}/base.Cargo.lock`,
          lockOf([{ name: "bumped", version: "1.0.0", checksum: await sha256(older.bytes) }]),
        );
        await Deno.writeTextFile(
          `${dir}/Cargo.lock`,
          lockOf([{ name: "bumped", version: "2.0.0", checksum: await sha256(fresh.bytes) }]),
        );
        const r = await runLockBase(dir, cratesIo.env, { policy });
        return { code: r.code, check: r.downgrade!, out: r.out };
      } finally {
        await cratesIo.close();
      }
    };
    const run = (fresh: FakeCrate, policy?: string) => runWith(old, fresh, policy);
    const token = await plainCrate("bumped", "2.0.0");
    const dropped = await run(token);
    assert.equal(dropped.code, 1, dropped.out);
    assert.equal(dropped.check.status, "skip");
    assert.equal(dropped.check.code, "downgrade-trusted-publishing-dropped");
    assert.match(dropped.check.message, /bumped@1\.0\.0 was published by trusted publishing/);
    const strict = await run(token, "version = 1\n[crate.bumped]\nno_downgrade = true\n");
    assert.equal(strict.code, 2, strict.out);
    assert.equal(strict.check.status, "fail");
    assert.deepEqual(strict.check.policyRef, { file: `${dir}/attest.toml`, line: 3 });
    // Still trusted-published from the same repository: no downgrade.
    const kept = await run({ ...token, trustedPublishing: tp });
    assert.equal(kept.code, 0, kept.out);
    assert.equal(kept.check.code, "downgrade-none");
    // From another repository: a downgrade.
    const moved = await run({ ...token, trustedPublishing: { ...tp, repository: "evil/bumped" } });
    assert.notEqual(moved.code, 0, moved.out);
    assert.equal(moved.check.code, "downgrade-trusted-publishing-repository");
    // Where crates.io records the workflow and the environment: another one is a downgrade.
    const recorded = { ...tp, workflow: "publish.yml", environment: "release" };
    for (
      const [changed, code] of [
        [{ workflow: "publish.yml@evil.yml" }, "downgrade-trusted-publishing-workflow"],
        [{ environment: "staging" }, "downgrade-trusted-publishing-environment"],
      ] as const
    ) {
      const oldRecorded = { ...old, trustedPublishing: recorded };
      const r = await runWith(oldRecorded, {
        ...token,
        trustedPublishing: { ...recorded, ...changed },
      });
      assert.notEqual(r.code, 0, r.out);
      assert.equal(r.check.code, code);
    }
    const same = await runWith({ ...old, trustedPublishing: recorded }, {
      ...token,
      trustedPublishing: recorded,
    });
    assert.equal(same.code, 0, same.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
