import assert from "node:assert/strict";
import { escapeJsonText, escapeReportForTerminal } from "./escape.ts";
import type { Report } from "../verdict/report.ts";

Deno.test("escapeJsonText() writes C1, DEL and bidi characters as \\u escapes that parse back", () => {
  const value = { m: "a\u009b31mb\u007fc\u202ed\u2028e ✓" };
  const text = escapeJsonText(JSON.stringify(value));
  assert.doesNotMatch(text, /[\u007f-\u009f\u202e\u2028]/);
  assert.deepEqual(JSON.parse(text), value);
});

Deno.test("escapeReportForTerminal() escapes every string of a report, and copies", () => {
  const report = {
    schema: "cargo-attest/report/v1",
    verdict: "MISMATCH",
    exitCode: 2,
    subjects: [{
      subject: { kind: "local-file", path: "x\x1b]0;pwned\x07", sha256: "ab" },
      verdict: "MISMATCH",
      checks: [{
        id: "attestation",
        status: "fail",
        code: "c",
        message: "m\x1b[2J",
        loadBearing: false,
      }],
    }],
    diagnostics: [],
  } as unknown as Report;
  const safe = escapeReportForTerminal(report);
  assert.doesNotMatch(JSON.stringify(safe), /\\u001b|\\u0007/);
  assert.match(JSON.stringify(safe), /x\\\\x1b\]0;pwned\\\\x07/);
  assert.equal((report.subjects[0].subject as { path: string }).path, "x\x1b]0;pwned\x07");
  assert.equal(safe.exitCode, 2);
});
