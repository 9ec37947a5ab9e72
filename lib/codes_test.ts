import assert from "node:assert/strict";
import { CHECK_CODES, ERROR_CODES, POLICY_CODES } from "./codes.ts";
import {
  BEGIN_MARKER,
  CODE_SECTIONS,
  CODES_DOC_URL,
  END_MARKER,
  replaceCodeTables,
} from "../scripts/gen_codes_table.ts";

const CODE = "[a-z0-9]+(?:-[a-z0-9]+)+";
const EMITTERS = [
  // fail("code", …), failed("code", …), bundleRejected("code", …), new ShapeError("code", …),
  // note(rank, "code", …), and `code: "…"` in object literals
  new RegExp(
    `\\b(?:fail|failed|bundleRejected|ShapeError|note)\\(\\s*(?:\\d+,\\s*)?"(${CODE})"`,
    "g",
  ),
  new RegExp(`\\bcode:\\s*"(${CODE})"`, "g"),
  // constants named for codes: const SIGNATURE_INVALID = "timestamp-signature-invalid";
  new RegExp(`const [A-Z_]+ = "(${CODE})";`, "g"),
  // AttestError subclasses: super("code", …)
  new RegExp(`super\\(\\s*"([a-z-]+)"`, "g"),
  new RegExp(`new AttestError\\(\\s*"(${CODE})"`, "g"),
];

async function emittedCodes(): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (path.endsWith(".ts") && !path.endsWith("_test.ts") && !path.endsWith("codes.ts")) {
        const text = await Deno.readTextFile(path);
        for (const re of EMITTERS) {
          for (const m of text.matchAll(re)) found.set(m[1], path);
        }
      }
    }
  };
  await walk(new URL(".", import.meta.url).pathname.replace(/\/$/, ""));
  return found;
}

Deno.test("every code the code base emits is registered in lib/codes.ts", async () => {
  const known = new Set([
    ...Object.keys(CHECK_CODES),
    ...Object.keys(ERROR_CODES),
    ...Object.keys(POLICY_CODES),
  ]);
  const emitted = await emittedCodes();
  assert.ok(emitted.size > 40, `the extractor found only ${emitted.size} codes`);
  const missing = [...emitted].filter(([code]) => !known.has(code));
  assert.deepEqual(
    missing,
    [],
    "unregistered codes (add them to lib/codes.ts and regenerate docs/codes.md)",
  );
});

Deno.test("every registered code is documented in docs/codes.md", async () => {
  const doc = await Deno.readTextFile(CODES_DOC_URL);
  const undocumented = [
    ...Object.keys(CHECK_CODES),
    ...Object.keys(ERROR_CODES),
    ...Object.keys(POLICY_CODES),
  ].filter(
    (code) => !doc.includes(`\`${code}\``),
  );
  assert.deepEqual(undocumented, [], "run scripts/gen_codes_table.ts, then deno fmt docs/codes.md");
});

/** The rows of each `## heading` table between the markers, as [code, meaning] pairs. */
function documentedTables(doc: string): Map<string, [string, string][]> {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  assert.ok(begin >= 0 && end > begin, "docs/codes.md has the codes:begin / codes:end markers");
  const tables = new Map<string, [string, string][]>();
  let rows: [string, string][] | undefined;
  for (const line of doc.slice(begin, end).split("\n")) {
    const heading = line.match(/^## (.+)$/);
    if (heading) tables.set(heading[1], rows = []);
    const row = line.match(/^\| `([^`]+)` +\| (.*?) *\|$/);
    if (row && rows) rows.push([row[1], row[2].replaceAll("\\|", "|")]);
  }
  return tables;
}

Deno.test("docs/codes.md's tables are lib/codes.ts's codes and meanings, in order", async () => {
  const tables = documentedTables(await Deno.readTextFile(CODES_DOC_URL));
  assert.deepEqual(
    [...tables.keys()],
    CODE_SECTIONS.map((s) => s.heading),
    "run scripts/gen_codes_table.ts, then deno fmt docs/codes.md",
  );
  for (const { heading, codes } of CODE_SECTIONS) {
    assert.deepEqual(
      tables.get(heading),
      Object.entries(codes),
      `docs/codes.md "${heading}" is stale: run scripts/gen_codes_table.ts, then deno fmt docs/codes.md`,
    );
  }
});

Deno.test("scripts/gen_codes_table.ts: the generated part parses back to lib/codes.ts", () => {
  const doc = replaceCodeTables(`# Codes\n\n${BEGIN_MARKER} -->\nold\n${END_MARKER}\n`);
  assert.ok(doc.startsWith("# Codes\n\n"));
  assert.ok(doc.endsWith(`${END_MARKER}\n`));
  const tables = documentedTables(doc);
  for (const { heading, codes } of CODE_SECTIONS) {
    assert.deepEqual(tables.get(heading), Object.entries(codes));
  }
  assert.throws(() => replaceCodeTables("no markers"), /markers not found/);
});

Deno.test("codes are kebab-case", () => {
  for (
    const code of [
      ...Object.keys(CHECK_CODES),
      ...Object.keys(ERROR_CODES),
      ...Object.keys(POLICY_CODES),
    ]
  ) {
    assert.match(code, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  }
});
