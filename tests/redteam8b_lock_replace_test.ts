/**
 * Red team 8b: a Cargo.lock entry with `replace`. A workspace's `[replace]` (deprecated, still
 * honoured) makes cargo build another package in place of a crates.io one, and the lock says so
 * on the replaced entry: `replace = "tiny-attest 0.1.0"` names the package cargo builds (here a
 * path package: code of the pull request itself, which `lock` only names in a warning). The
 * crates.io entry keeps its checksum, so verifying it as a crates.io crate says TRUSTED for a
 * crate cargo never builds.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";

const SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

/** Runs `lock` on `text` (as Cargo.lock). */
async function runLock(text: string, base?: string) {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/Cargo.lock`;
  await Deno.writeTextFile(path, text);
  const args = ["lock", path, "--json"];
  if (base !== undefined) {
    await Deno.writeTextFile(`${dir}/base.lock`, base);
    args.push("--base", `${dir}/base.lock`);
  }
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  const github = startFakeGithub([], { repositories: [tinyAttestRepository()] });
  try {
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(args, io);
    return { code, out: io.out + io.err, report: JSON.parse(io.out) };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const APP = `[[package]]
name = "app"
version = "0.1.0"
dependencies = [
 "tiny-attest 0.1.0 (${CRATES_IO})",
]
`;

const TINY = `[[package]]
name = "tiny-attest"
version = "0.1.0"
source = "${CRATES_IO}"
checksum = "${SHA256}"
`;

Deno.test("redteam8b lock replace: the control (the crates.io entry, not replaced) is TRUSTED", async () => {
  const r = await runLock(`version = 3\n\n${APP}\n${TINY}`);
  assert.equal(r.code, 0, r.out);
});

Deno.test("redteam8b lock replace: a crates.io entry replaced by a path package is not TRUSTED", async () => {
  const r = await runLock(
    `version = 3\n\n${APP}\n${TINY}replace = "tiny-attest 0.1.0"\n\n` +
      `[[package]]\nname = "tiny-attest"\nversion = "0.1.0"\n`,
  );
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.report.verdict, "TRUSTED", r.out);
  const replaced = r.report.subjects.find((s: { subject: { name: string } }) =>
    s.subject.name === "tiny-attest"
  );
  assert.notEqual(replaced?.verdict, "TRUSTED", r.out);
  assert.match(r.out, /replace/);
});

Deno.test("redteam8b lock replace: a crates.io entry replaced by another crates.io version is not TRUSTED as itself", async () => {
  // `[replace] "tiny-attest:0.1.0" = { version = "0.1.0", registry = … }` or any other source:
  // whatever it names, cargo builds that, not this entry.
  const r = await runLock(
    `version = 3\n\n${APP}\n${TINY}replace = "tiny-attest 0.1.0 (git+https://github.com/evil/tiny-attest#${
      "a".repeat(40)
    })"\n\n[[package]]\nname = "tiny-attest"\nversion = "0.1.0"\nsource = "git+https://github.com/evil/tiny-attest#${
      "a".repeat(40)
    }"\n`,
  );
  assert.notEqual(r.code, 0, r.out);
  const subjects = r.report.subjects.filter((s: { subject: { name: string } }) =>
    s.subject.name === "tiny-attest"
  );
  assert.ok(subjects.length >= 1, r.out);
  for (const s of subjects) assert.notEqual(s.verdict, "TRUSTED", r.out);
});

Deno.test("redteam8b lock replace: under --base, an entry the pull request replaces is not 'unchanged'", async () => {
  // Same name, version, source and checksum as the base's: only `replace` is new, and with it
  // cargo builds the path package the pull request adds.
  const base = `version = 3\n\n${APP}\n${TINY}`;
  const r = await runLock(
    `${base}replace = "tiny-attest 0.1.0"\n\n[[package]]\nname = "tiny-attest"\nversion = "0.1.0"\n`,
    base,
  );
  assert.notEqual(r.code, 0, r.out);
  assert.notEqual(r.report.verdict, "TRUSTED", r.out);
});
