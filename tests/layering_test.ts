/**
 * Data flows one way (DESIGN.md §3): sources → evidence → checks → policy → verdict → render.
 * The pure stages import nothing from the stages that do I/O (`sources`), drive a run
 * (`verify`) or face the user (`cli`). A new import that points backwards fails here.
 */
import assert from "node:assert/strict";

const PURE_STAGES = [
  "evidence",
  "checks",
  "crypto",
  "trust",
  "policy",
  "verdict",
  "render",
  "text",
];
const IMPURE = /from\s+"(?:\.\.\/)+(sources|cli|verify)\/([a-z_]+\.ts)"/g;

/**
 * Known exceptions, each with the reason it is still here; the list may only shrink. (The crate
 * evidence type lives with the code that gathers it; moving it to lib/evidence is issue #13.)
 */
const KNOWN: Readonly<Record<string, string>> = {
  "lib/checks/crate_subject.ts -> sources/crate_evidence.ts":
    "the CrateEvidence type still lives in lib/sources/crate_evidence.ts",
};

Deno.test("pure stages import nothing from sources, verify or cli", async () => {
  const found: string[] = [];
  for (const stage of PURE_STAGES) {
    const dir = new URL(`../lib/${stage}/`, import.meta.url);
    for await (const entry of Deno.readDir(dir)) {
      if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
      const text = await Deno.readTextFile(new URL(entry.name, dir));
      for (const m of text.matchAll(IMPURE)) {
        found.push(`lib/${stage}/${entry.name} -> ${m[1]}/${m[2]}`);
      }
    }
  }
  const unexpected = found.filter((f) => !(f in KNOWN));
  assert.deepEqual(unexpected, [], "a pure stage imports from an I/O or command stage");
  // A known exception that is gone must leave the list too.
  assert.deepEqual(Object.keys(KNOWN).filter((k) => !found.includes(k)), []);
});

Deno.test("the verify layer does not reach into the command line", async () => {
  const dir = new URL("../lib/verify/", import.meta.url);
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    assert.doesNotMatch(text, /from\s+"\.\.\/cli\//, `lib/verify/${entry.name} imports lib/cli`);
    assert.doesNotMatch(
      text,
      /Deno\.(args|exit|stdout)\b/,
      `lib/verify/${entry.name} does I/O of a command`,
    );
  }
});
