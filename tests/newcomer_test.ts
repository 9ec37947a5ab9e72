/**
 * A newcomer's first hour (#13 §2): the smaller things that got in the way, each as a user meets
 * it. (The larger ones have their own tests: network failures in cli_release_test.ts, help in
 * lib/cli/help_test.ts, escaping in untrusted_text_test.ts, TOML positions in load_test.ts.)
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { type CliIo, createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { tinyAttestCrate, tinyAttestLock } from "./support/tiny_attest.ts";

const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";

Deno.test("newcomer: exit-3 errors carry a hint (a missing file, a short --sha256)", async () => {
  const missing = createMemoryIo();
  assert.equal(await main(["file", "no-such-file", "--sha256", "0".repeat(64)], missing), 3);
  assert.match(missing.err, /no-such-file: no such file\n {2}hint: check the path/);
  const short = createMemoryIo();
  assert.equal(await main(["file", "x", "--sha256", "abc"], short), 3);
  assert.match(short.err, /--sha256 must be 64 hex characters.*\n {2}hint: the SHA-256 as/);
  const lock = createMemoryIo();
  assert.equal(await main(["lock", "no/such/Cargo.lock"], lock), 3);
  assert.match(lock.err, /no\/such\/Cargo\.lock: no such file\n {2}hint:/);
  assert.doesNotMatch(lock.err, /GH_TOKEN/, "the missing lock is said first, and alone");
});

Deno.test("newcomer: --offline does not warn that GH_TOKEN is missing (it asks nobody)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, tinyAttestLock(CRATE_SHA256));
    const offline = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache` });
    await main(["lock", `${dir}/Cargo.lock`, "--offline"], offline);
    assert.doesNotMatch(offline.err, /GH_TOKEN/);
    const online = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache` });
    const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
    try {
      await main(["lock", `${dir}/Cargo.lock`], { ...online, env: (n) => cratesIo.env[n] });
    } finally {
      await cratesIo.close();
    }
    assert.match(online.err, /GH_TOKEN and GITHUB_TOKEN are not set/, "online, it does warn");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("newcomer: on a terminal the progress line is updated in place, then ended", async () => {
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, tinyAttestLock(CRATE_SHA256));
    const memory = createMemoryIo(cratesIo.env);
    const io: CliIo = { ...memory, stderrIsTerminal: true, stderr: memory.stderr };
    await main(["lock", `${dir}/Cargo.lock`, "--no-cache"], io);
    const progress = memory.err.split("\r\x1b[2K").slice(1);
    assert.equal(progress.length, 2, JSON.stringify(memory.err));
    assert.match(progress[0], /^\[1\/2\] \S+ \S+$/);
    assert.match(progress[1], /^\[2\/2\] \S+ \S+\n/);
  } finally {
    await cratesIo.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("newcomer: deno task judge in a clone without ../shared says so in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/project/scripts`, { recursive: true });
    await Deno.copyFile(
      new URL("../scripts/judge.ts", import.meta.url),
      `${dir}/project/scripts/judge.ts`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--allow-read",
        "--allow-run=node",
        `${dir}/project/scripts/judge.ts`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, err);
    assert.match(err, /^judge: .*shared\/corpus\/judge is not there/);
    assert.equal(err.trim().split("\n").length, 1, err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
