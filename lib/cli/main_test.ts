import assert from "node:assert/strict";
import { main } from "./main.ts";
import { createMemoryIo } from "./io.ts";

Deno.test("main() prints the top help and exits 0 with no arguments or --help", async () => {
  for (const args of [[], ["--help"], ["-h"], ["attest", "--help"]]) {
    const io = createMemoryIo();
    assert.equal(await main(args, io), 0);
    assert.match(io.out, /USAGE:/);
    assert.match(io.out, /VERDICTS AND EXIT CODES/);
  }
});

Deno.test("main() prints a command's help with examples", async () => {
  for (const command of ["hash", "file", "verify-bundle", "cache"]) {
    const io = createMemoryIo();
    assert.equal(await main([command, "--help"], io), 0);
    assert.match(io.out, /EXAMPLES:/, command);
  }
});

Deno.test("main() drops the leading 'attest' that cargo passes", async () => {
  const io = createMemoryIo();
  assert.equal(await main(["attest", "--version"], io), 0);
  assert.match(io.out, /^cargo-attest \d+\.\d+\.\d+/);
});

Deno.test("main() rejects an unknown command with exit 3 and a suggestion", async () => {
  const io = createMemoryIo();
  assert.equal(await main(["hahs", "x"], io), 3);
  assert.match(io.err, /unknown command 'hahs'/);
  assert.match(io.err, /did you mean 'hash'\?/);
  assert.equal(io.out, "");
});

Deno.test("main() rejects an unknown flag with exit 3, one line and a hint", async () => {
  const io = createMemoryIo();
  assert.equal(await main(["file", "x", "--bundel", "b.json"], io), 3);
  const lines = io.err.trim().split("\n");
  assert.match(lines[0], /^cargo-attest: error: file: Unknown option '--bundel'/);
  assert.match(lines[1], /hint: run 'cargo-attest file --help'/);
});

Deno.test("main() runs 'cache' (no action is a usage error, exit 3)", async () => {
  const io = createMemoryIo();
  assert.equal(await main(["cache"], io), 3);
  assert.match(io.err, /cache: no action given/);
  assert.match(io.err, /cache info/);
});
