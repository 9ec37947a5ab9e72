import assert from "node:assert/strict";
import { matchRefGlob, validateRefGlob } from "./glob.ts";

Deno.test("matchRefGlob() matches * within a segment and ** across segments", () => {
  const table: [glob: string, ref: string, matches: boolean][] = [
    ["refs/tags/*", "refs/tags/v1.2.3", true],
    ["refs/tags/*", "refs/tags/", true],
    ["refs/tags/*", "refs/tags/release/v1", false],
    ["refs/tags/**", "refs/tags/release/v1", true],
    ["refs/tags/v*", "refs/tags/v1.0.0", true],
    ["refs/tags/v*", "refs/tags/1.0.0", false],
    ["refs/tags/v*.*.*", "refs/tags/v1.2.3", true],
    ["refs/tags/v*.*.*", "refs/tags/v1.2", false],
    ["refs/heads/main", "refs/heads/main", true],
    ["refs/heads/main", "refs/heads/main2", false],
    ["refs/heads/main", "refs/heads/mai", false],
    ["refs/*/main", "refs/heads/main", true],
    ["refs/*/main", "refs/heads/x/main", false],
    ["refs/**/main", "refs/heads/x/main", true],
    ["**", "refs/pull/1/merge", true],
    ["refs/tags/libgit2-sys-*", "refs/tags/libgit2-sys-0.17.0+1.8.1", true],
    // Regex metacharacters are plain characters.
    ["refs/tags/v1.0", "refs/tags/v1x0", false],
    ["refs/tags/(a|b)", "refs/tags/(a|b)", true],
    ["refs/tags/(a|b)", "refs/tags/a", false],
    ["refs/tags/a+", "refs/tags/aa", false],
  ];
  for (const [glob, ref, expected] of table) {
    assert.equal(matchRefGlob(glob, ref), expected, `${glob} vs ${ref}`);
  }
});

Deno.test("matchRefGlob() stays linear on pathological patterns", () => {
  const glob = "refs/" + "*a".repeat(40) + "b";
  const ref = "refs/" + "a".repeat(5000);
  const start = performance.now();
  assert.equal(matchRefGlob(glob, ref), false);
  assert.ok(performance.now() - start < 1000);
});

Deno.test("validateRefGlob() rejects syntax it does not support and refs that cannot match", () => {
  assert.equal(validateRefGlob("refs/tags/v*"), undefined);
  assert.equal(validateRefGlob("refs/**"), undefined);
  assert.equal(validateRefGlob("**"), undefined);
  assert.match(validateRefGlob("")!.message, /empty/);
  assert.match(validateRefGlob("refs/tags/v[0-9]*")!.message, /'\[' is not supported/);
  assert.match(validateRefGlob("refs/tags/v?")!.message, /'\?' is not supported/);
  assert.match(validateRefGlob("refs/tags/{a,b}")!.message, /'\{' is not supported/);
  assert.match(validateRefGlob("refs/tags/***")!.message, /'\*\*\*' is not a glob/);
  assert.match(validateRefGlob("refs/tags/a b")!.message, /cannot contain " "/);
  const bare = validateRefGlob("v*")!;
  assert.match(bare.message, /can never match/);
  assert.equal(bare.help, 'did you mean "refs/tags/v*"?');
  assert.equal(validateRefGlob("main")!.help, 'did you mean "refs/heads/main"?');
});
