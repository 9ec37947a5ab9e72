/**
 * Red-team tests of `lock --base REF` (#14): a pull request that supplies its own base. With
 * `--base origin/main` run from the checkout, a file the pull request adds at `origin/main` was
 * read as the base ("an existing file wins"), so the pull request chose what counts as unchanged
 * and a lock pinning bytes crates.io does not serve came out TRUSTED ("nothing changed").
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { git, lockEntry, lockOf, plainCrate } from "./support/lock_packages.ts";
import { withTempDir } from "./support/temp_dir.ts";

Deno.test("redteam3 lock --base REF: a file of the revision's name (the pull request's own base) is refused, not read", async () => {
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([stable]);
  // The revision's name, as a path from the working directory (where CI runs the command).
  const name = `redteam3-base-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await withTempDir(async (dir) => {
      await git(dir, "init", "-q", "-b", "main");
      const base = lockOf([await lockEntry(stable)]);
      await Deno.writeTextFile(`${dir}/Cargo.lock`, base);
      await git(dir, "add", "Cargo.lock");
      await git(dir, "commit", "-q", "-m", "base");
      await git(dir, "branch", name);
      // The pull request adds a crate whose checksum crates.io does not serve...
      const head = lockOf([await lockEntry(stable), {
        name: "evil",
        version: "6.6.6",
        checksum: "6".repeat(64),
      }]);
      await Deno.writeTextFile(`${dir}/Cargo.lock`, head);
      // ...and a file at the revision's name holding that same lock.
      await Deno.writeTextFile(name, head);
      const io = createMemoryIo(cratesIo.env);
      const code = await main(["lock", `${dir}/Cargo.lock`, "--base", name, "--json"], io);
      assert.notEqual(code, 0, io.out + io.err);
      assert.equal(code, 3, io.out + io.err);
      assert.match(io.err, /both a file and a git revision/);
      assert.equal(JSON.parse(io.out).verdict, "ERROR");
      // Named as a path (./NAME), it is the file: the user said so.
      const file = createMemoryIo(cratesIo.env);
      assert.equal(
        await main(["lock", `${dir}/Cargo.lock`, "--base", `./${name}`, "--json"], file),
        0,
        file.out + file.err,
      );
      // Without the file, the revision is read, and the added crate is verified.
      await Deno.remove(name);
      const ref = createMemoryIo(cratesIo.env);
      assert.notEqual(await main(["lock", `${dir}/Cargo.lock`, "--base", name], ref), 0);
      assert.match(ref.err, /evil@6\.6\.6/);
    });
  } finally {
    await Deno.remove(name).catch(() => {});
    await cratesIo.close();
  }
});

/**
 * A repository whose main branch has `app/Cargo.lock` (the application's, pinning `stable`) and
 * `decoy/Cargo.lock` (pinning a crate whose checksum crates.io does not serve: a fixture, say,
 * or another workspace no one verifies).
 */
async function repositoryWithDecoy(dir: string, stable: string, decoy: string): Promise<void> {
  await git(dir, "init", "-q", "-b", "main");
  await Deno.mkdir(`${dir}/app`);
  await Deno.mkdir(`${dir}/decoy`);
  await Deno.writeTextFile(`${dir}/app/Cargo.lock`, stable);
  await Deno.writeTextFile(`${dir}/decoy/Cargo.lock`, decoy);
  await git(dir, "add", ".");
  await git(dir, "commit", "-q", "-m", "base");
}

Deno.test("redteam3 lock --base REF: a lock whose directory the pull request made a symlink is refused", async () => {
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([stable]);
  try {
    await withTempDir(async (dir) => {
      const evil = lockOf([{ name: "evil", version: "6.6.6", checksum: "6".repeat(64) }]);
      await repositoryWithDecoy(dir, lockOf([await lockEntry(stable)]), evil);
      // The pull request turns app/ into a link to decoy/: git, run in app/, reads
      // main:decoy/Cargo.lock as the base, the very lock the link shows now.
      await Deno.remove(`${dir}/app`, { recursive: true });
      await Deno.symlink("decoy", `${dir}/app`);
      const io = createMemoryIo(cratesIo.env);
      const code = await main(["lock", `${dir}/app/Cargo.lock`, "--base", "main"], io);
      assert.notEqual(code, 0, io.out + io.err);
      assert.equal(code, 3, io.out + io.err);
      assert.match(io.err, /symbolic link/);
    });
  } finally {
    await cratesIo.close();
  }
});

Deno.test("redteam3 lock --base REF: a lock in a repository nested in the checkout (a submodule) is refused", async () => {
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([stable]);
  try {
    await withTempDir(async (dir) => {
      const evil = lockOf([{ name: "evil", version: "6.6.6", checksum: "6".repeat(64) }]);
      await Deno.mkdir(`${dir}/super`);
      await repositoryWithDecoy(`${dir}/super`, lockOf([await lockEntry(stable)]), evil);
      // The attacker's repository, whose main has the lock the pull request brings.
      await git(dir, "init", "-q", "-b", "main", "attacker");
      await Deno.writeTextFile(`${dir}/attacker/Cargo.lock`, evil);
      await git(`${dir}/attacker`, "add", "Cargo.lock");
      await git(`${dir}/attacker`, "commit", "-q", "-m", "evil");
      // The pull request makes app/ a submodule of it, checked out as git checks one out: a
      // `.git` file naming the submodule's repository.
      await Deno.remove(`${dir}/super/app`, { recursive: true });
      await Deno.mkdir(`${dir}/super/app`);
      await Deno.writeTextFile(`${dir}/super/app/.git`, `gitdir: ${dir}/attacker/.git\n`);
      await Deno.writeTextFile(`${dir}/super/app/Cargo.lock`, evil);
      const io = createMemoryIo(cratesIo.env);
      const code = await main(["lock", `${dir}/super/app/Cargo.lock`, "--base", "main"], io);
      assert.notEqual(code, 0, io.out + io.err);
      assert.equal(code, 3, io.out + io.err);
      assert.match(io.err, /inside another/);
    });
  } finally {
    await cratesIo.close();
  }
});

Deno.test("redteam3 lock --base REF: a revision name git finds ambiguous (a tag named origin/main) is refused", async () => {
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([stable]);
  try {
    await withTempDir(async (dir) => {
      const evil = lockOf([await lockEntry(stable), {
        name: "evil",
        version: "6.6.6",
        checksum: "6".repeat(64),
      }]);
      await git(dir, "init", "-q", "-b", "work");
      // Whoever may push a tag (tags are often less protected than the default branch) tags a
      // commit holding the lock a pull request will bring as `origin/main`...
      await Deno.writeTextFile(`${dir}/Cargo.lock`, evil);
      await git(dir, "add", "Cargo.lock");
      await git(dir, "commit", "-q", "-m", "decoy");
      await git(dir, "tag", "origin/main");
      // ...while the real origin/main pins only stable. git prefers refs/tags/origin/main to
      // refs/remotes/origin/main (with a warning), so the base was the tag's.
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([await lockEntry(stable)]));
      await git(dir, "commit", "-q", "-am", "main");
      await git(dir, "update-ref", "refs/remotes/origin/main", "HEAD");
      await Deno.writeTextFile(`${dir}/Cargo.lock`, evil);
      const io = createMemoryIo(cratesIo.env);
      const code = await main(["lock", `${dir}/Cargo.lock`, "--base", "origin/main"], io);
      assert.notEqual(code, 0, io.out + io.err);
      assert.equal(code, 3, io.out + io.err);
      assert.match(io.err, /ambiguous/);
      // Named in full, the branch is read: the added crate is verified.
      const full = createMemoryIo(cratesIo.env);
      const args = ["lock", `${dir}/Cargo.lock`, "--base", "refs/remotes/origin/main"];
      assert.notEqual(await main(args, full), 0);
      assert.match(full.err, /evil@6\.6\.6/);
    });
  } finally {
    await cratesIo.close();
  }
});

Deno.test("redteam3 lock --base REF: a repository reached through a link, and a worktree, are read as before", async () => {
  const stable = await plainCrate("stable", "1.0.0");
  const cratesIo = startFakeCratesIo([stable]);
  try {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/repo`);
      await git(`${dir}/repo`, "init", "-q", "-b", "main");
      await Deno.writeTextFile(`${dir}/repo/Cargo.lock`, lockOf([await lockEntry(stable)]));
      await git(`${dir}/repo`, "add", "Cargo.lock");
      await git(`${dir}/repo`, "commit", "-q", "-m", "base");
      await Deno.symlink(`${dir}/repo`, `${dir}/link`);
      await git(`${dir}/repo`, "worktree", "add", "-q", `${dir}/tree`, "-b", "other");
      for (const at of ["link", "tree"]) {
        const io = createMemoryIo(cratesIo.env);
        const code = await main(["lock", `${dir}/${at}/Cargo.lock`, "--base", "main"], io);
        assert.equal(code, 0, `${at}: ${io.out}${io.err}`);
        assert.match(io.err, /lock-nothing-changed/);
      }
    });
  } finally {
    await cratesIo.close();
  }
});
