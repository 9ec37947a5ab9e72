import assert from "node:assert/strict";
import { CHECK_CODES, ERROR_CODES, POLICY_CODES } from "./codes.ts";

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
  assert.deepEqual(missing, [], "unregistered codes (add them to lib/codes.ts and the README)");
});

Deno.test("every registered code is documented in the README", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const undocumented = [
    ...Object.keys(CHECK_CODES),
    ...Object.keys(ERROR_CODES),
    ...Object.keys(POLICY_CODES),
  ].filter(
    (code) => !readme.includes(`\`${code}\``),
  );
  assert.deepEqual(undocumented, []);
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
