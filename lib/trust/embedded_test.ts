import assert from "node:assert/strict";
import { loadEmbeddedRoot, selectRoots } from "./embedded.ts";

Deno.test("embedded roots parse and match the digests recorded in roots/SOURCES.md", async () => {
  const sources = await Deno.readTextFile(new URL("../../roots/SOURCES.md", import.meta.url));
  for (const name of ["public-good", "staging", "github"] as const) {
    const root = await loadEmbeddedRoot(name);
    assert.ok(sources.includes(`\`${name}.trusted_root.json\` | \`${root.sha256}\``), name);
    assert.ok(root.certificateAuthorities.length > 0, `${name} has CAs`);
  }
  const github = await loadEmbeddedRoot("github");
  assert.equal(github.tlogs.length, 0, "GitHub's instance has no transparency logs");
  assert.ok(github.timestampAuthorities.length > 0);
  const publicGood = await loadEmbeddedRoot("public-good");
  assert.ok(publicGood.tlogs.length > 0 && publicGood.ctlogs.length > 0);
});

Deno.test("selectRoots(): custom roots replace the embedded ones; default is public-good then github", async () => {
  assert.deepEqual((await selectRoots({ custom: [], staging: false })).map((r) => r.name), [
    "public-good",
    "github",
  ]);
  assert.deepEqual((await selectRoots({ custom: [], staging: true })).map((r) => r.name), [
    "staging",
  ]);
  const custom = await loadEmbeddedRoot("staging");
  assert.deepEqual(
    (await selectRoots({ custom: [custom], staging: false })).map((r) => r.name),
    ["staging"],
  );
});
