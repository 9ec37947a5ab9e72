import assert from "node:assert/strict";
import type { CheckResult, CheckStatus } from "../checks/check_result.ts";
import {
  applyStrict,
  decideOverallVerdict,
  decideSubjectVerdict,
  EXIT_CODES,
  type Verdict,
} from "./decide.ts";

function check(status: CheckStatus, loadBearing = false): CheckResult {
  return { id: "checksum", status, code: `c-${status}`, message: status, loadBearing };
}

Deno.test("decideSubjectVerdict() follows the verdict table", () => {
  const table: [CheckResult[], Verdict][] = [
    [[check("pass", true)], "TRUSTED"],
    [[check("pass", true), check("pass")], "TRUSTED"],
    [[check("pass")], "UNVERIFIED"], // nothing load-bearing
    [[], "UNVERIFIED"],
    [[check("pass", true), check("skip")], "UNVERIFIED"],
    [[check("pass", true), check("fail")], "MISMATCH"],
    [[check("skip"), check("fail")], "MISMATCH"],
    [[check("fail"), check("error")], "ERROR"],
    [[check("pass", true), check("error")], "ERROR"],
  ];
  for (const [checks, expected] of table) {
    assert.equal(
      decideSubjectVerdict(checks),
      expected,
      JSON.stringify(checks.map((c) => c.status)),
    );
  }
});

Deno.test("only TRUSTED maps to exit 0", () => {
  const verdicts: Verdict[] = ["TRUSTED", "UNVERIFIED", "MISMATCH", "ERROR"];
  assert.deepEqual(verdicts.map((v) => EXIT_CODES[v]), [0, 1, 2, 3]);
  // Every combination of up to three checks: exit 0 only with a load-bearing pass and no other status.
  const statuses: CheckStatus[] = ["pass", "fail", "skip", "error"];
  const all: CheckResult[] = statuses.flatMap((s) => [check(s), check(s, true)]);
  for (const a of all) {
    for (const b of all) {
      for (const c of all) {
        const checks = [a, b, c];
        const exit = EXIT_CODES[decideSubjectVerdict(checks)];
        const deserved = checks.every((x) => x.status === "pass") &&
          checks.some((x) => x.loadBearing);
        assert.equal(exit === 0, deserved, JSON.stringify(checks));
      }
    }
  }
});

Deno.test("decideOverallVerdict() picks the worst subject", () => {
  assert.equal(decideOverallVerdict(["TRUSTED", "UNVERIFIED"]), "UNVERIFIED");
  assert.equal(decideOverallVerdict(["MISMATCH", "UNVERIFIED", "TRUSTED"]), "MISMATCH");
  assert.equal(decideOverallVerdict(["TRUSTED", "ERROR", "MISMATCH"]), "ERROR");
  assert.equal(decideOverallVerdict(["TRUSTED", "TRUSTED"]), "TRUSTED");
  assert.equal(decideOverallVerdict([]), "UNVERIFIED");
});

Deno.test("applyStrict() turns every skip into a fail", () => {
  const strict = applyStrict([check("pass", true), check("skip")]);
  assert.deepEqual(strict.map((c) => c.status), ["pass", "fail"]);
  assert.equal(decideSubjectVerdict(strict), "MISMATCH");
  assert.equal(decideSubjectVerdict([check("pass", true), check("skip")], true), "MISMATCH");
});

Deno.test("a skip of an optional check does not block TRUSTED, but --strict fails it", () => {
  const optional: CheckResult = { ...check("skip"), required: false };
  assert.equal(decideSubjectVerdict([check("pass", true), optional]), "TRUSTED");
  assert.equal(decideSubjectVerdict([optional]), "UNVERIFIED", "still needs a load-bearing pass");
  assert.equal(decideSubjectVerdict([check("pass", true), optional], true), "MISMATCH");
  assert.equal(decideSubjectVerdict(applyStrict([check("pass", true), optional])), "MISMATCH");
});
