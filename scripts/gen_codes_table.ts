/**
 * `deno run --allow-read --allow-write scripts/gen_codes_table.ts`: rewrites the README's code
 * tables (between the `codes:begin` and `codes:end` markers) from lib/codes.ts.
 * @module
 */
import { CHECK_CODES, ERROR_CODES, POLICY_CODES } from "../lib/codes.ts";

const readmeUrl = new URL("../README.md", import.meta.url);
const readme = await Deno.readTextFile(readmeUrl);
const begin = readme.indexOf("<!-- codes:begin");
const endMarker = "<!-- codes:end -->";
const end = readme.indexOf(endMarker);
if (begin < 0 || end < 0) {
  console.error("README.md: codes:begin / codes:end markers not found");
  Deno.exit(1);
}
const rows = (codes: Readonly<Record<string, string>>) =>
  Object.entries(codes).map(([code, meaning]) => `| \`${code}\` | ${meaning} |`).join("\n");
const table = `<!-- codes:begin (generated from lib/codes.ts by scripts/gen_codes_table.ts) -->

| code | meaning |
|---|---|
${rows(CHECK_CODES)}

Run errors (exit 3) print \`cargo-attest: error: …\` and a \`hint:\`; their codes:

| code | meaning |
|---|---|
${rows(ERROR_CODES)}

Policy diagnostics (\`error[code]\` or \`warning[code]\`, with \`file:line:col\`, the line and a caret):

| code | meaning |
|---|---|
${rows(POLICY_CODES)}

`;
await Deno.writeTextFile(readmeUrl, readme.slice(0, begin) + table + readme.slice(end));
