import assert from "node:assert/strict";
import { buildReport } from "../verdict/report.ts";
import type { CheckResult } from "../checks/check_result.ts";
import { renderTextReport } from "./text.ts";

function crate(name: string, status: CheckResult["status"]) {
  return {
    subject: { kind: "crate" as const, name, version: "1.0.0" },
    checks: [{
      id: "crate-checksum" as const,
      status,
      code: `c-${status}`,
      message: `${name} ${status}`,
      loadBearing: status === "pass",
    }],
  };
}

Deno.test("renderTextReport() shows failing subjects first and a summary for many subjects", () => {
  const report = buildReport({
    version: "0.0.0",
    now: new Date(0),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects: [
      crate("a", "pass"),
      crate("b", "skip"),
      crate("c", "pass"),
      crate("d", "fail"),
      crate("e", "pass"),
      crate("f", "pass"),
    ],
  });
  const text = renderTextReport(report, { color: false });
  assert.ok(text.indexOf("d@1.0.0") < text.indexOf("b@1.0.0"), "MISMATCH before UNVERIFIED");
  assert.doesNotMatch(text, /a@1\.0\.0/, "TRUSTED subjects hidden");
  assert.match(text, /\(4 TRUSTED subjects not shown; --verbose shows them\)/);
  assert.match(text, /summary: 6 subjects: 4 TRUSTED, 1 UNVERIFIED, 1 MISMATCH, 0 ERROR/);
  assert.match(text, /verdict: MISMATCH \(exit 2\)/);
  const verbose = renderTextReport(report, { color: false, verbose: true });
  assert.match(verbose, /a@1\.0\.0/);
});

Deno.test("renderTextReport() of one subject lists every check with expected and found on failure", () => {
  const report = buildReport({
    version: "0.0.0",
    now: new Date(0),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects: [{
      subject: { kind: "local-file", path: "x", sha256: "ab" },
      checks: [{
        id: "checksum",
        status: "fail",
        code: "checksum-mismatch",
        message: "differs",
        expected: "00",
        actual: "ab",
        loadBearing: false,
      }],
    }],
  });
  const text = renderTextReport(report, { color: false });
  assert.match(
    text,
    /✗ checksum +differs\n +expected: 00\n +found: +ab\n +code: +checksum-mismatch/,
  );
  assert.doesNotMatch(text, /summary:/);
});
