import assert from "node:assert/strict";
import type { CheckResult } from "./check_result.ts";
import { qualifyUnboundSource } from "./crate_subject.ts";

const source: CheckResult = {
  id: "crate-source",
  status: "pass",
  code: "crate-source-match",
  message: "all 6 files of the crate match o/r at 754e0df4b4ec by git blob",
  loadBearing: true,
};

function vcs(status: CheckResult["status"], code: string): CheckResult {
  return { id: "crate-vcs", status, code, message: code, loadBearing: false };
}

Deno.test("a source match stays load-bearing when crate-vcs binds its commit to the repository", () => {
  for (const bound of [vcs("pass", "crate-vcs-tag-match"), vcs("pass", "crate-vcs-commit-match")]) {
    assert.deepEqual(qualifyUnboundSource(source, bound), source);
  }
});

Deno.test("a source match against an unbound commit is a pass that bears no weight, and says why", () => {
  const result = qualifyUnboundSource(source, vcs("skip", "crate-vcs-commit-unbound"));
  assert.equal(result.status, "pass");
  assert.equal(result.loadBearing, false);
  assert.match(result.message, /^all 6 files .* not shown to be the repository's own/);
  // Failures and skips of crate-source are left as they are.
  const failed = { ...source, status: "fail" as const, loadBearing: false };
  assert.deepEqual(qualifyUnboundSource(failed, vcs("skip", "crate-vcs-commit-unbound")), failed);
});
