import assert from "node:assert/strict";
import type { AttestError } from "../errors.ts";
import { loadPolicy } from "../policy/load.ts";
import { POLICY_TEMPLATE, runInit } from "./init_command.ts";
import { createMemoryIo } from "./io.ts";

const NOW = new Date("2026-11-25T08:00:00Z");

async function inTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-init-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("init writes the commented template, which passes policy check", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/attest.toml`;
    const io = createMemoryIo({}, NOW);
    assert.equal(await runInit(["--path", path], io), 0);
    assert.equal(await Deno.readTextFile(path), POLICY_TEMPLATE);
    assert.match(io.out, new RegExp(`^wrote ${path}: a commented policy`));
    assert.match(io.out, new RegExp(`run 'cargo-attest policy check ${path}'`));
    const { policy, diagnostics } = await loadPolicy(POLICY_TEMPLATE, path, { now: NOW });
    assert.deepEqual(diagnostics, []);
    assert.ok(policy);
  });
});

Deno.test("init refuses to overwrite an existing file without --force (exit 3)", async () => {
  await inTempDir(async (dir) => {
    const path = `${dir}/attest.toml`;
    await Deno.writeTextFile(path, "# mine\n");
    const io = createMemoryIo({}, NOW);
    await assert.rejects(
      runInit(["--path", path], io),
      (e: AttestError) =>
        e.code === "policy-file-exists" && /already exists/.test(e.message) &&
        /--force/.test(e.hint ?? ""),
    );
    assert.equal(await Deno.readTextFile(path), "# mine\n");
    assert.equal(io.out, "");
    assert.equal(await runInit(["--path", path, "--force"], io), 0);
    assert.equal(await Deno.readTextFile(path), POLICY_TEMPLATE);
    assert.match(io.out, /^overwrote /);
  });
});

Deno.test("init refuses a directory and stray arguments", async () => {
  await inTempDir(async (dir) => {
    await assert.rejects(
      runInit(["--path", dir, "--force"], createMemoryIo()),
      (e: AttestError) => e.code === "input-unusable",
    );
  });
  await assert.rejects(
    runInit(["attest.toml"], createMemoryIo()),
    (e: AttestError) => e.code === "usage",
  );
});

Deno.test("init --quiet writes without output", async () => {
  await inTempDir(async (dir) => {
    const io = createMemoryIo();
    assert.equal(await runInit(["--path", `${dir}/p.toml`, "--quiet"], io), 0);
    assert.equal(io.out, "");
  });
});
