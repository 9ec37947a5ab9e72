/**
 * `deno run --allow-read --allow-write scripts/gen_codes_table.ts && deno fmt docs/codes.md`:
 * rewrites the code tables of `docs/codes.md` (between the `codes:begin` and `codes:end` markers)
 * from lib/codes.ts. `lib/codes_test.ts` fails when the tables and lib/codes.ts disagree.
 * @module
 */
import { CHECK_CODES, ERROR_CODES, POLICY_CODES } from "../lib/codes.ts";

/** The file the tables live in. */
export const CODES_DOC_URL: URL = new URL("../docs/codes.md", import.meta.url);

/** The marker that opens the generated part (the rest of its line is a comment). */
export const BEGIN_MARKER = "<!-- codes:begin";

/** The marker that closes the generated part. */
export const END_MARKER = "<!-- codes:end -->";

/** The three tables, in the order `docs/codes.md` shows them, with their headings. */
export const CODE_SECTIONS: readonly {
  readonly heading: string;
  readonly intro: string;
  readonly codes: Readonly<Record<string, string>>;
}[] = [
  {
    heading: "Check codes",
    intro: "Check results and evidence that did not verify:",
    codes: CHECK_CODES,
  },
  {
    heading: "Run errors",
    intro: "Run errors (exit 3) print `cargo-attest: error: …` and a `hint:`; their codes:",
    codes: ERROR_CODES,
  },
  {
    heading: "Policy diagnostics",
    intro:
      "Policy diagnostics (`error[code]` or `warning[code]`, with `file:line:col`, the line and a caret):",
    codes: POLICY_CODES,
  },
];

/** A table cell: `|` would end the cell, and a line break the row. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replace(/\s*\n\s*/g, " ");
}

/** The generated part, markers included (not yet aligned: `deno fmt` aligns the columns). */
export function renderCodeTables(): string {
  const sections = CODE_SECTIONS.map(({ heading, intro, codes }) =>
    [
      `## ${heading}`,
      "",
      intro,
      "",
      "| code | meaning |",
      "|---|---|",
      ...Object.entries(codes).map(([code, meaning]) => `| \`${code}\` | ${cell(meaning)} |`),
      "",
    ].join("\n")
  );
  return `${BEGIN_MARKER} (generated from lib/codes.ts by scripts/gen_codes_table.ts) -->\n\n` +
    `${sections.join("\n")}\n${END_MARKER}`;
}

/** `doc` with the part between the markers replaced by {@link renderCodeTables}. */
export function replaceCodeTables(doc: string): string {
  const begin = doc.indexOf(BEGIN_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (begin < 0 || end < begin) {
    throw new Error("docs/codes.md: codes:begin / codes:end markers not found");
  }
  return doc.slice(0, begin) + renderCodeTables() + doc.slice(end + END_MARKER.length);
}

if (import.meta.main) {
  const doc = await Deno.readTextFile(CODES_DOC_URL);
  await Deno.writeTextFile(CODES_DOC_URL, replaceCodeTables(doc));
  console.log("wrote docs/codes.md; now run: deno fmt docs/codes.md");
}
