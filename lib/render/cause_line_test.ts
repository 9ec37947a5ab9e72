import assert from "node:assert/strict";
import { renderCauseLine } from "./cause_line.ts";
import { escapeForTerminal } from "./escape.ts";
import { buildReport } from "../verdict/report.ts";
import type { CheckResult } from "../checks/check_result.ts";

function reportOf(subjects: { name: string; checks: CheckResult[] }[]) {
  return buildReport({
    version: "0.0.0",
    now: new Date(0),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects: subjects.map((s) => ({
      subject: { kind: "crate", name: s.name, version: "1.0.0" },
      checks: s.checks,
    })),
  });
}

const pass: CheckResult = {
  id: "crate-checksum",
  status: "pass",
  code: "crate-checksum-match",
  message: "ok",
  loadBearing: true,
};
const fail = (message: string): CheckResult => ({
  id: "crate-checksum",
  status: "fail",
  code: "crate-checksum-mismatch",
  message,
  loadBearing: false,
});

Deno.test("escapeForTerminal makes controls, bidi overrides and backslashes visible", () => {
  assert.equal(
    escapeForTerminal("a\x1b[31mb\nc\\d\u202ee\u0085"),
    "a\\x1b[31mb\\x0ac\\\\d\\u{202e}e\\x85",
  );
  assert.equal(escapeForTerminal("plain: ünïcode ✓"), "plain: ünïcode ✓");
});

Deno.test("the cause line names the worst subject, its deciding check, and how many more", () => {
  assert.equal(renderCauseLine(reportOf([{ name: "a", checks: [pass] }])), undefined);
  const line = renderCauseLine(reportOf([
    { name: "ok", checks: [pass] },
    { name: "bad", checks: [fail("evil\x1b]0;title\x07\nsecond line")] },
    { name: "worse", checks: [fail("x")] },
    { name: "missing", checks: [] },
  ]))!;
  assert.equal(
    line,
    "cargo-attest: MISMATCH: bad@1.0.0: crate-checksum-mismatch: evil\\x1b]0;title\\x07\\x0asecond line (and 2 more)\n",
  );
  assert.equal(line.split("\n").length, 2);
  assert.equal(
    renderCauseLine(reportOf([{ name: "m", checks: [] }])),
    "cargo-attest: UNVERIFIED: m@1.0.0: no check gave proof (nothing load-bearing passed)\n",
  );
  const long = renderCauseLine(reportOf([{ name: "l", checks: [fail("y".repeat(5000))] }]))!;
  assert.ok(long.length < 500 && long.endsWith("…\n"));
});
