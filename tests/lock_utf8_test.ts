/**
 * A lock file that is not UTF-8 is refused, as cargo refuses it: read leniently, a stray byte
 * became U+FFFD and the file was verified as something cargo would never build from.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { git } from "./support/lock_packages.ts";

Deno.test("lock: a Cargo.lock with bytes that are not UTF-8 is an ERROR naming the file and offset, before anything is asked", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-utf8-" });
  try {
    const text = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n# caf';
    const bytes = new Uint8Array([...new TextEncoder().encode(text), 0xe9, 0x0a]);
    await Deno.writeFile(`${dir}/Cargo.lock`, bytes);
    const io = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache`, GH_TOKEN: "ghp_x" });
    const code = await main(["lock", `${dir}/Cargo.lock`], io);
    assert.equal(code, 3, io.out + io.err);
    assert.match(
      io.err,
      new RegExp(`${dir}/Cargo\\.lock: is not UTF-8 text: .* offset ${text.length}`),
    );
    // The same file with the byte spelled in UTF-8 is a lock (nothing to verify: TRUSTED).
    await Deno.writeTextFile(`${dir}/Cargo.lock`, `${text}é\n`);
    const fixed = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache`, GH_TOKEN: "ghp_x" });
    assert.equal(await main(["lock", `${dir}/Cargo.lock`], fixed), 0, fixed.out + fixed.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lock --base REF: a base lock at a revision that is not UTF-8 is an ERROR naming the revision's file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-utf8-base-" });
  try {
    const text = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n';
    await git(dir, "init", "-q", "-b", "main");
    await Deno.writeFile(
      `${dir}/Cargo.lock`,
      new Uint8Array([...new TextEncoder().encode(`${text}# caf`), 0xe9, 0x0a]),
    );
    await git(dir, "add", "Cargo.lock");
    await git(dir, "commit", "-q", "-m", "base");
    await Deno.writeTextFile(`${dir}/Cargo.lock`, text);
    const io = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache`, GH_TOKEN: "ghp_x" });
    assert.equal(await main(["lock", `${dir}/Cargo.lock`, "--base", "main"], io), 3, io.err);
    assert.match(
      io.err,
      new RegExp(`main:Cargo\\.lock: is not UTF-8 text: .* offset ${text.length + 5}`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
