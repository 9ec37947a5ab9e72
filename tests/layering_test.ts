/**
 * Data flows one way (DESIGN.md §3): sources → evidence → checks → policy → verdict → render.
 * The pure stages import nothing from the stages that do I/O (`sources`), drive a run
 * (`verify`) or face the user (`cli`); evidence comes before checks, so `lib/evidence/` takes
 * from `lib/checks/` only the result shape (`check_result.ts`) its evidence types carry. A new
 * import that points backwards fails here.
 */
import assert from "node:assert/strict";

const PURE_STAGES = [
  "evidence",
  "checks",
  "crypto",
  "trust",
  "trust/tuf",
  "policy",
  "verdict",
  "render",
  "text",
];

/** A static, re-exporting or dynamic import of a module `DIR/NAME.ts` of a sibling stage. */
function importsOf(text: string, stages: string): { stage: string; file: string }[] {
  const pattern = new RegExp(
    `(?:from|import\\()\\s*"(?:\\.\\.\\/)+(${stages})\\/([a-z_]+\\.ts)"`,
    "g",
  );
  return [...text.matchAll(pattern)].map((m) => ({ stage: m[1], file: m[2] }));
}

/** The non-test modules of `lib/STAGE/`, with their text. */
async function* modulesOf(stage: string): AsyncGenerator<{ path: string; text: string }> {
  const dir = new URL(`../lib/${stage}/`, import.meta.url);
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    yield {
      path: `lib/${stage}/${entry.name}`,
      text: await Deno.readTextFile(new URL(entry.name, dir)),
    };
  }
}

Deno.test("pure stages import nothing from sources, verify or cli", async () => {
  const found: string[] = [];
  for (const stage of PURE_STAGES) {
    for await (const { path, text } of modulesOf(stage)) {
      for (const m of importsOf(text, "sources|cli|verify")) {
        found.push(`${path} -> ${m.stage}/${m.file}`);
      }
    }
  }
  assert.deepEqual(found, [], "a pure stage imports from an I/O or command stage");
});

Deno.test("evidence comes before checks: lib/evidence imports only check_result.ts of lib/checks", async () => {
  const found: string[] = [];
  for await (const { path, text } of modulesOf("evidence")) {
    for (const m of importsOf(text, "checks")) {
      if (m.file !== "check_result.ts") found.push(`${path} -> checks/${m.file}`);
    }
  }
  assert.deepEqual(found, [], "an evidence module imports a check");
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

Deno.test("sources import no checks but the result type: evidence shapes live in lib/evidence", async () => {
  const dir = new URL("../lib/sources/", import.meta.url);
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, dir));
    for (const m of text.matchAll(/from\s+"\.\.\/checks\/([a-z_]+\.ts)"/g)) {
      if (m[1] !== "check_result.ts") found.push(`lib/sources/${entry.name} -> checks/${m[1]}`);
    }
  }
  assert.deepEqual(found, []);
});
