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

/** A report of these subjects, with the builtin policy and no roots. */
function reportOf(subjects: Parameters<typeof buildReport>[0]["subjects"]) {
  return buildReport({
    version: "0.0.0",
    now: new Date(0),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects,
  });
}

Deno.test("renderTextReport() shows failing subjects first and a summary for many subjects", () => {
  const report = reportOf([
    crate("a", "pass"),
    crate("b", "skip"),
    crate("c", "pass"),
    crate("d", "fail"),
    crate("e", "pass"),
    crate("f", "pass"),
  ]);
  const text = renderTextReport(report, { color: false });
  assert.ok(text.indexOf("d@1.0.0") < text.indexOf("b@1.0.0"), "MISMATCH before UNVERIFIED");
  assert.doesNotMatch(text, /a@1\.0\.0/, "TRUSTED subjects hidden");
  assert.match(text, /\(4 TRUSTED subjects not shown; --verbose shows them\)/);
  assert.match(text, /summary: 6 subjects: 4 TRUSTED, 1 UNVERIFIED, 1 MISMATCH, 0 ERROR/);
  // The summary table: the crates that need attention, worst first, with the checks at fault.
  const summary = text.slice(text.indexOf("summary:")).split("\n");
  assert.equal(summary[1], "assurance of the TRUSTED ones: 4 integrity, 0 provenance, 0 source");
  assert.deepEqual(summary.slice(2, 4), [
    "  MISMATCH    d@1.0.0  crate-checksum",
    "  UNVERIFIED  b@1.0.0  crate-checksum",
  ]);
  assert.match(text, /verdict: MISMATCH \(exit 2\)/);
  const verbose = renderTextReport(report, { color: false, verbose: true });
  assert.match(verbose, /a@1\.0\.0/);
});

Deno.test("renderTextReport() caps the summary table and explains an UNVERIFIED without a culprit", () => {
  const optional = (name: string) => ({
    subject: { kind: "crate" as const, name, version: "1.0.0" },
    checks: [{
      id: "attestation" as const,
      status: "skip" as const,
      code: "attestation-not-published",
      message: "none",
      loadBearing: false,
      required: false,
    }],
  });
  const report = reportOf([
    optional("quiet"),
    ...Array.from({ length: 60 }, (_, i) => crate(`e${i}`, "error")),
  ]);
  const text = renderTextReport(report, { color: false });
  const summary = text.slice(text.indexOf("summary:")).split("\n");
  assert.equal(summary[2], "  ERROR       e0@1.0.0   crate-checksum");
  assert.equal(summary.filter((line) => line.startsWith("  ERROR ")).length, 50);
  assert.ok(summary.includes("  … and 11 more (see above, or --json)"), summary.join("\n"));
  assert.doesNotMatch(text, /quiet@1\.0\.0 {2}no load-bearing/, "past the cap");
  const small = renderTextReport(
    reportOf([optional("quiet"), ...["a", "b", "c", "d", "e"].map((n) => crate(n, "pass"))]),
    { color: false },
  );
  assert.match(small, /\n {2}UNVERIFIED {2}quiet@1\.0\.0 {2}no load-bearing check passed\n/);
});

Deno.test("renderTextReport() of one subject lists every check with expected and found on failure", () => {
  const report = reportOf([{
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
  }]);
  const text = renderTextReport(report, { color: false });
  assert.match(
    text,
    /✗ checksum +differs\n +expected: 00\n +found: +ab\n +code: +checksum-mismatch/,
  );
  assert.doesNotMatch(text, /summary:/);
});
