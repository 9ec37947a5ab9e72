/**
 * `deno task roots:check`: every embedded trusted root's sha256 must be the one recorded in
 * roots/SOURCES.md, and every root file must be recorded. Exits 1 naming any difference.
 * @module
 */
import { createHash } from "node:crypto";

const rootsDir = new URL("../roots/", import.meta.url);
const sources = await Deno.readTextFile(new URL("SOURCES.md", rootsDir));
const recorded = new Map<string, string>();
for (const m of sources.matchAll(/^\| `([^`]+\.json)` \| `([0-9a-f]{64})` \|/gm)) {
  recorded.set(m[1], m[2]);
}
let problems = 0;
for await (const entry of Deno.readDir(rootsDir)) {
  if (!entry.name.endsWith(".json")) continue;
  const bytes = await Deno.readFile(new URL(entry.name, rootsDir));
  const actual = createHash("sha256").update(bytes).digest("hex");
  const expected = recorded.get(entry.name);
  if (!expected) {
    console.error(`roots/${entry.name}: not recorded in roots/SOURCES.md (sha256 ${actual})`);
    problems++;
  } else if (expected !== actual) {
    console.error(`roots/${entry.name}: sha256 ${actual}, but SOURCES.md records ${expected}`);
    problems++;
  } else {
    console.log(`ok  roots/${entry.name}  ${actual}`);
  }
  recorded.delete(entry.name);
}
for (const name of recorded.keys()) {
  console.error(`roots/SOURCES.md records ${name}, which is not in roots/`);
  problems++;
}
if (problems) Deno.exit(1);
