/**
 * Red-team tests of `cargo-attest lock`: lock files that must not come out TRUSTED, each run
 * through `main()` against the loopback fakes of crates.io and GitHub, with the real tiny-attest
 * `.crate` (a TRUSTED control first, so every "not TRUSTED" below is about the lock alone).
 */
import assert from "node:assert/strict";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

/** One `[[package]]` table. */
function pkg(
  name: string,
  version: string,
  fields: { source?: string; checksum?: string; extra?: string } = {},
): string {
  return `[[package]]\nname = "${name}"\nversion = "${version}"\n` +
    (fields.source ? `source = "${fields.source}"\n` : "") +
    (fields.checksum ? `checksum = "${fields.checksum}"\n` : "") +
    (fields.extra ?? "") + "\n";
}

const APP = pkg("app", "0.1.0", { extra: `dependencies = ["tiny-attest"]\n` });

/** Runs `lock` on `text` (as Cargo.lock); the report's subjects and diagnostics. */
async function runLock(text: string, args: string[] = []) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/Cargo.lock`;
  await Deno.writeTextFile(path, text);
  const cratesIo = startFakeCratesIo([tinyAttestCrate({ bytes: CRATE })]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository()],
  });
  try {
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(["lock", path, "--json", ...args], io);
    return { code, out: io.out, err: io.err };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("red-team lock control: a v4 lock pinning the real tiny-attest is TRUSTED", async () => {
  const r = await runLock(
    "version = 4\n\n" + APP + pkg("tiny-attest", "0.1.0", { source: CRATES_IO, checksum: SHA256 }),
  );
  assert.equal(r.code, 0, r.out + r.err);
});

Deno.test("red-team lock: a crates.io package without a checksum is not TRUSTED (the lock pins no bytes)", async () => {
  // cargo checks a download only against a checksum the lock records: with none it builds
  // whatever the source (a mirror, a `replace-with` source) serves, and writes its checksum in.
  const v4 = await runLock(
    "version = 4\n\n" + APP + pkg("tiny-attest", "0.1.0", { source: CRATES_IO }),
  );
  assert.notEqual(v4.code, 0, v4.out + v4.err);
  // v1: no [metadata] entry for it at all.
  const v1 = await runLock(APP + pkg("tiny-attest", "0.1.0", { source: CRATES_IO }));
  assert.notEqual(v1.code, 0, v1.out + v1.err);
});

Deno.test("red-team lock: [metadata] checksums in a v2+ lock make cargo discard every checksum: not TRUSTED", async () => {
  // cargo takes v1 checksums in a v2+ file for a bad merge and drops *all* the file's checksums
  // (`checksums.drain()` in cargo's resolver encoding), per-package ones included: the lock then
  // pins nothing, whatever the per-package `checksum` says.
  for (const version of ["version = 3\n\n", "version = 4\n\n", ""]) {
    const r = await runLock(
      version + APP + pkg("tiny-attest", "0.1.0", { source: CRATES_IO, checksum: SHA256 }) +
        `[metadata]\n"checksum nothing 9.9.9 (${CRATES_IO})" = "<none>"\n`,
    );
    assert.notEqual(r.code, 0, `${JSON.stringify(version)}: ${r.out}${r.err}`);
  }
});

Deno.test("red-team lock: a lock entry whose name is not crates.io's exact name is not TRUSTED", async () => {
  // crates.io finds `Tiny-Attest` case-insensitively, but cargo's package names are exact: it
  // never uses this entry for the `tiny-attest` it builds, resolves that anew and checks its
  // download against no checksum of this lock.
  const r = await runLock(
    "version = 4\n\n" + pkg("app", "0.1.0", { extra: `dependencies = ["Tiny-Attest"]\n` }) +
      pkg("Tiny-Attest", "0.1.0", { source: CRATES_IO, checksum: SHA256 }),
  );
  assert.notEqual(r.code, 0, r.out + r.err);
});

Deno.test("red-team lock guard: packages this command cannot verify are never 'nothing to verify'", async () => {
  // Guard for issue #13's "nothing to verify": a lock whose only non-path packages come from git,
  // another registry or a source of an unknown kind has something to verify, and none of it was.
  for (
    const source of [
      `git+https://github.com/someone/gitdep?branch=main#${"a".repeat(40)}`,
      "sparse+https://index.crates.io.evil.example/",
      `${CRATES_IO}.evil.example`,
      "registry+https://GitHub.com/rust-lang/crates.io-index",
      "local-registry+file:///tmp/registry",
    ]
  ) {
    const r = await runLock(
      "version = 4\n\n" + APP + pkg("tiny-attest", "0.1.0", { source, checksum: SHA256 }),
    );
    assert.notEqual(r.code, 0, `${source}: ${r.out}${r.err}`);
  }
});
