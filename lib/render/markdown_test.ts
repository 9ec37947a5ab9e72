import assert from "node:assert/strict";
import type { CheckResult } from "../checks/check_result.ts";
import { buildReport, type ReportInput } from "../verdict/report.ts";
import {
  escapeMarkdownText,
  markdownCode,
  markdownLink,
  renderMarkdownReport,
} from "./markdown.ts";

const NOW = new Date("2026-11-25T08:00:00.000Z");
const SHA = "b".repeat(64);
const HOSTILE =
  "evil | *bold* <img src=x onerror=alert(1)> @octocat #1 :rocket: [x](http://e) `c` $m$";

function check(partial: Partial<CheckResult> & Pick<CheckResult, "id" | "status" | "code">) {
  return { message: `${partial.code} happened`, loadBearing: false, ...partial } as CheckResult;
}

function report(subjects: ReportInput["subjects"], policy?: ReportInput["policy"]) {
  return buildReport({
    version: "0.1.0",
    now: NOW,
    policy: policy ?? { path: null, sha256: null, builtin: true },
    roots: [{ name: "public-good", sha256: SHA }],
    subjects,
  });
}

/** Splits a GFM table row into cells as GitHub does: `\` escapes the next character. */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = "";
  for (let i = 1; i < row.length - 1; i++) {
    if (row[i] === "\\") {
      cell += row[i] + row[i + 1];
      i++;
    } else if (row[i] === "|") {
      out.push(cell.trim());
      cell = "";
    } else cell += row[i];
  }
  out.push(cell.trim());
  return out;
}

function tables(markdown: string): string[][][] {
  const result: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) {
      if (!current) result.push(current = []);
      current.push(cells(line));
    } else current = undefined;
  }
  return result;
}

Deno.test("renderMarkdownReport() starts with the verdict as a plain word, no emoji", () => {
  const r = report([{
    subject: { kind: "crate", name: "serde", version: "1.0.200", sha256: SHA },
    checks: [
      check({
        id: "crate-checksum",
        status: "pass",
        code: "crate-checksum-match",
        loadBearing: true,
      }),
      check({
        id: "crate-vcs",
        status: "fail",
        code: "crate-vcs-commit-unknown",
        expected: "1234",
        actual: "5678",
        policyRef: { file: "attest.toml", line: 12 },
        origin: { url: "https://api.github.com/repos/o/r/commits/5678", cached: true },
      }),
    ],
  }]);
  const md = renderMarkdownReport(r);
  assert.equal(md, renderMarkdownReport(r), "the same report renders the same");
  const lines = md.split("\n");
  assert.equal(lines[0], "## cargo-attest: MISMATCH");
  assert.equal(
    lines[2],
    "**Verdict: MISMATCH** (exit 2): evidence was present and did not match.",
  );
  assert.doesNotMatch(md, /\p{Extended_Pictographic}/u);
  assert.match(md, /### `serde@1\.0\.200`: MISMATCH/);
  const [table] = tables(md);
  assert.deepEqual(table[0], [
    "check",
    "status",
    "result",
    "expected / found",
    "policy",
    "evidence",
  ]);
  assert.equal(table.length, 4);
  assert.deepEqual(table[3].slice(0, 2), ["`crate-vcs`", "**fail**"]);
  assert.equal(table[3][3], "expected `1234`<br>found `5678`");
  assert.equal(table[3][4], "`attest.toml:12`");
  assert.equal(
    table[3][5],
    "[api.github.com/repos/o/r/commits/5678](https://api.github.com/repos/o/r/commits/5678) (cached)",
  );
});

Deno.test("renderMarkdownReport() escapes evidence: no cell breaks, links, HTML or mentions", () => {
  const md = renderMarkdownReport(report([{
    subject: { kind: "local-file", path: "a|b`c.tgz", sha256: SHA },
    checks: [check({
      id: "checksum",
      status: "fail",
      code: "checksum-mismatch",
      message: `${HOSTILE}\nsecond line`,
      expected: "x|y",
      actual: "``tick",
      origin: { url: "javascript:alert(1)" },
    })],
  }]));
  const [table] = tables(md);
  for (const row of table) assert.equal(row.length, 6, row.join(" ‖ "));
  const result = table[2][2];
  assert.ok(result.startsWith("evil \\| \\*bold\\* \\<img src=x onerror=alert(1)\\> \\@octocat"));
  for (const raw of ["<img", "@octocat", "#1", ":rocket:", "[x]", "`c`", "$m$", "*bold*"]) {
    const unescaped = new RegExp(`(?<!\\\\)${raw.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")}`);
    assert.doesNotMatch(result, unescaped, `${raw} is escaped`);
  }
  assert.doesNotMatch(md, /second line\n/, "a line break cannot end the row");
  assert.equal(table[2][5], "`javascript:alert(1)`", "only http(s) URLs become links");
  assert.match(md, /### ``a\\\|b`c\.tgz``: MISMATCH/);
});

Deno.test("renderMarkdownReport() summarises many subjects: counts, then what is not TRUSTED", () => {
  const trusted = (name: string) => ({
    subject: { kind: "crate" as const, name, version: "1.0.0" },
    checks: [
      check({
        id: "crate-checksum",
        status: "pass",
        code: "crate-checksum-match",
        loadBearing: true,
      }),
    ],
  });
  const md = renderMarkdownReport(report([
    trusted("a"),
    {
      subject: { kind: "crate", name: "gitdep", version: "0.2.0" },
      checks: [check({ id: "crate-checksum", status: "skip", code: "crate-not-verifiable" })],
    },
    trusted("b"),
    {
      subject: { kind: "crate", name: "bad", version: "0.1.0" },
      checks: [
        check({ id: "crate-checksum", status: "fail", code: "crate-checksum-mismatch" }),
        check({
          id: "trusted-publishing",
          status: "skip",
          code: "trusted-publishing-none",
          required: false,
        }),
      ],
    },
    {
      subject: { kind: "crate", name: "noproof", version: "0.1.0" },
      checks: [
        check({
          id: "trusted-publishing",
          status: "skip",
          code: "trusted-publishing-none",
          required: false,
        }),
      ],
    },
    trusted("c"),
  ]));
  const [counts, attention] = tables(md);
  assert.deepEqual(counts.slice(2), [
    ["TRUSTED", "3"],
    ["UNVERIFIED", "2"],
    ["MISMATCH", "1"],
    ["ERROR", "0"],
    ["**total**", "**6**"],
  ]);
  assert.match(md, /### Not TRUSTED \(3\)/);
  assert.deepEqual(
    attention.slice(2).map((r) => [r[0], r[1], r[2]]),
    [
      ["`bad@0.1.0`", "MISMATCH", "`crate-checksum`"],
      ["`gitdep@0.2.0`", "UNVERIFIED", "`crate-checksum`"],
      ["`noproof@0.1.0`", "UNVERIFIED", ""],
    ],
    "worst first; optional skips are not listed; a subject without a proof says so",
  );
  assert.match(attention[4][4], /no load-bearing proof passed/);
  assert.match(
    md,
    /<details><summary>3 TRUSTED subjects<\/summary>\n\n`a@1\.0\.0` \(integrity\), `b@1\.0\.0` \(integrity\), `c@1\.0\.0` \(integrity\)/,
  );
});

Deno.test("markdown helpers: code spans outlast backticks; links only for http(s)", () => {
  assert.equal(markdownCode("abc"), "`abc`");
  assert.equal(markdownCode("a`b"), "``a`b``");
  assert.equal(markdownCode("`x"), "`` `x ``");
  assert.equal(markdownCode("a|b"), "`a\\|b`");
  assert.equal(markdownCode("a\\|b"), "a\\\\\\|b", "a backslash before | is text, not code");
  assert.equal(escapeMarkdownText("x".repeat(700)).length, 601);
  assert.equal(
    markdownLink("https://example.com/a(b)|c'd"),
    "[example.com/a(b)\\|c'd](https://example.com/a%28b%29%7Cc%27d)",
  );
  assert.equal(markdownLink("not a url"), "`not a url`");
});
