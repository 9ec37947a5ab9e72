import assert from "node:assert/strict";
import {
  editDistance,
  type PolicyDiagnostic,
  renderDiagnostic,
  renderDiagnostics,
  sortDiagnostics,
  suggestClosest,
} from "./diagnostics.ts";

const ESC = String.fromCharCode(27);

const BASE: PolicyDiagnostic = {
  level: "error",
  code: "policy-unknown-key",
  message: 'unknown key "requre" in [defaults]',
  file: "attest.toml",
  line: 12,
  col: 3,
  length: 6,
  sourceLine: '  requre = ["x"]',
  help: 'did you mean "require"?',
};

Deno.test("renderDiagnostic() draws a codespan-style snippet with a caret under the span", () => {
  assert.equal(
    renderDiagnostic(BASE, { color: false }),
    [
      'error[policy-unknown-key]: unknown key "requre" in [defaults]',
      "  --> attest.toml:12:3",
      "   |",
      '12 |   requre = ["x"]',
      "   |   ^^^^^^",
      '   = help: did you mean "require"?',
      "",
    ].join("\n"),
  );
});

Deno.test("renderDiagnostic() keeps tabs in the caret indent and draws at least one caret", () => {
  const text = renderDiagnostic(
    { ...BASE, line: 3, col: 2, length: 0, sourceLine: "\tx = 1", help: undefined },
    { color: false },
  );
  assert.equal(
    text,
    [
      'error[policy-unknown-key]: unknown key "requre" in [defaults]',
      " --> attest.toml:3:2",
      "  |",
      "3 | \tx = 1",
      "  | \t^",
      "",
    ].join("\n"),
  );
});

Deno.test("renderDiagnostic() colours only when asked, and warnings say so", () => {
  const plain = renderDiagnostic({ ...BASE, level: "warning" }, { color: false });
  assert.match(plain, /^warning\[policy-unknown-key\]/);
  assert.ok(!plain.includes(ESC));
  const coloured = renderDiagnostic(BASE, { color: true });
  assert.ok(coloured.startsWith(`${ESC}[1;31merror[policy-unknown-key]${ESC}[0m`));
  assert.equal(
    coloured.split(ESC).map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, ""))).join(
      "",
    ),
    renderDiagnostic(BASE, { color: false }),
  );
});

Deno.test("renderDiagnostics() separates blocks and ends with a count", () => {
  const text = renderDiagnostics([BASE, { ...BASE, level: "warning", line: 13 }], {
    color: false,
  });
  assert.match(text, /\n\nwarning\[/);
  assert.ok(text.endsWith("attest.toml: 1 error, 1 warning\n"));
  assert.equal(renderDiagnostics([], { color: false }), "");
});

Deno.test("sortDiagnostics() orders by place and drops exact duplicates", () => {
  const sorted = sortDiagnostics([
    { ...BASE, line: 9 },
    { ...BASE, line: 2, col: 5 },
    { ...BASE, line: 2, col: 1 },
    { ...BASE, line: 9 },
  ]);
  assert.deepEqual(sorted.map((d) => `${d.line}:${d.col}`), ["2:1", "2:5", "9:3"]);
});

Deno.test("suggestClosest() prefers spelling variants, then small edit distances", () => {
  assert.equal(suggestClosest("requre", ["require", "rekor", "strict"]), "require");
  assert.equal(suggestClosest("source-repository", ["source_repository"]), "source_repository");
  assert.equal(suggestClosest("Rekor", ["require", "rekor"]), "rekor");
  assert.equal(suggestClosest("zzz", ["require", "rekor"]), undefined);
  assert.equal(suggestClosest("ab", ["cd"]), undefined);
  assert.equal(editDistance("kitten", "sitting"), 3);
});
