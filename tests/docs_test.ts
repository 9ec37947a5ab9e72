/**
 * The documentation holds together: every relative link in README.md, docs/*.md, SECURITY.md and
 * BENCHMARKS.md leads to a file that exists and, with a `#anchor`, to a heading of it (as GitHub
 * makes anchors of headings); the README stays a newcomer's page (under 400 lines); and
 * docs/action.md names exactly the inputs and outputs of action.yml.
 * @module
 */
import assert from "node:assert/strict";

const ROOT_URL = new URL("../", import.meta.url);

/** The Markdown files whose links are checked, relative to the repository root. */
async function markdownFiles(): Promise<string[]> {
  const files = ["README.md", "SECURITY.md", "BENCHMARKS.md"];
  for await (const entry of Deno.readDir(new URL("docs/", ROOT_URL))) {
    if (entry.isFile && entry.name.endsWith(".md")) files.push(`docs/${entry.name}`);
  }
  return files.sort();
}

/** The text outside fenced code blocks; inline code spans become `code` (their text is not Markdown). */
export function proseOf(markdown: string): string {
  const lines: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const marker = line.match(/^\s*(`{3,}|~{3,})/)?.[1];
    if (fence === undefined && marker) fence = marker[0];
    else if (fence !== undefined && marker?.[0] === fence) fence = undefined;
    else if (fence === undefined) lines.push(line);
  }
  return lines.join("\n").replace(/`[^`]*`/g, "code");
}

/** The link targets of `[text](target)` in a file's prose. */
export function linkTargets(markdown: string): string[] {
  const prose = proseOf(markdown);
  return [...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link in a heading anchors on its text
    .replace(/`/g, "")
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file's headings give (a repeated one gets -1, -2, … as on GitHub). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.split("\n").filter((_, i, all) => {
    const before = all.slice(0, i).filter((l) => /^\s*(`{3,}|~{3,})/.test(l)).length;
    return before % 2 === 0;
  });
  for (const line of withoutFences) {
    const heading = line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!heading) continue;
    const base = slug(heading[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** Where a relative link from `from` (a path relative to the root) leads, relative to the root. */
function resolve(from: string, target: string): string {
  const url = new URL(target, new URL(from, "file:///repo/"));
  return decodeURIComponent(url.pathname.replace(/^\/repo\//, ""));
}

Deno.test("slug() makes GitHub's anchors", () => {
  assert.equal(slug("Cache and `--offline`"), "cache-and---offline");
  assert.equal(slug("Check your project's `Cargo.lock`"), "check-your-projects-cargolock");
  assert.equal(slug("Crates (`crate`, `lock`)"), "crates-crate-lock");
  assert.equal(slug("Who signed: `identity`"), "who-signed-identity");
  assert.equal(slug("Policies: `attest.toml`"), "policies-attesttoml");
  assert.deepEqual(
    [...anchorsOf("# A\n\n```\n# not a heading\n```\n\n## A\n## B_c\n")],
    ["a", "a-1", "b_c"],
  );
  assert.deepEqual(
    linkTargets('[a](x.md) `[b](y.md)`\n```\n[c](z.md)\n```\n[`d`](w.md#e "title")'),
    ["x.md", "w.md#e"],
  );
});

Deno.test("every relative link in the documentation leads to a file and heading that exist", async () => {
  const broken: string[] = [];
  let checked = 0;
  for (const file of await markdownFiles()) {
    const text = await Deno.readTextFile(new URL(file, ROOT_URL));
    for (const target of linkTargets(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, …
      checked++;
      const [path, anchor] = target.split("#", 2);
      const dest = path === "" ? file : resolve(file, path);
      let destText: string | undefined;
      try {
        const stat = await Deno.stat(new URL(dest, ROOT_URL));
        if (stat.isFile && dest.endsWith(".md")) {
          destText = await Deno.readTextFile(new URL(dest, ROOT_URL));
        }
      } catch {
        broken.push(`${file}: ${target} (no file ${dest})`);
        continue;
      }
      if (anchor !== undefined) {
        if (destText === undefined) {
          broken.push(`${file}: ${target} (an anchor into a non-Markdown file)`);
        } else if (!anchorsOf(destText).has(anchor)) {
          broken.push(`${file}: ${target} (no heading #${anchor} in ${dest})`);
        }
      }
    }
  }
  assert.ok(checked > 50, `only ${checked} relative links found: is the extractor broken?`);
  assert.deepEqual(broken, []);
});

Deno.test("the README links into every page of docs/, and stays under 400 lines", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT_URL));
  const lines = readme.split("\n").length;
  assert.ok(lines < 400, `README.md has ${lines} lines: move reference material to docs/`);
  const linked = new Set(linkTargets(readme).map((t) => t.split("#")[0]));
  const unlinked = (await markdownFiles()).filter((f) => f.startsWith("docs/") && !linked.has(f));
  assert.deepEqual(unlinked, [], "docs/ pages the README does not link to");
});

/** The keys directly under `section:` in action.yml (two-space indented). */
function actionKeys(yaml: string, section: string): string[] {
  const start = yaml.indexOf(`\n${section}:\n`);
  assert.ok(start >= 0, `action.yml has ${section}:`);
  const keys: string[] = [];
  for (const line of yaml.slice(start + section.length + 3).split("\n")) {
    if (/^\S/.test(line)) break;
    const key = line.match(/^ {2}([a-z][a-z0-9-]*):/)?.[1];
    if (key) keys.push(key);
  }
  return keys;
}

/** The first-column names of the table under `## heading` in a Markdown file. */
function tableNames(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/action.md has ## ${heading}`);
  const rest = markdown.slice(start + heading.length + 5);
  const section = rest.slice(0, rest.search(/\n## |$/));
  return [...section.matchAll(/^\| `([^`]+)` /gm)].map((m) => m[1]);
}

Deno.test("docs/action.md names exactly the inputs and outputs of action.yml", async () => {
  const yaml = await Deno.readTextFile(new URL("action.yml", ROOT_URL));
  const doc = await Deno.readTextFile(new URL("docs/action.md", ROOT_URL));
  for (const [section, heading] of [["inputs", "Inputs"], ["outputs", "Outputs"]]) {
    const keys = actionKeys(yaml, section);
    assert.ok(keys.length >= 4, `action.yml ${section}: ${keys}`);
    assert.deepEqual(tableNames(doc, heading).sort(), keys.sort(), `docs/action.md ${heading}`);
  }
});
