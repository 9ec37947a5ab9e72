import assert from "node:assert/strict";
import type { CheckResult } from "../checks/check_result.ts";
import { decideAssurance, meetsAssurance } from "./assurance.ts";

const check = (id: CheckResult["id"], status: CheckResult["status"], loadBearing: boolean) =>
  ({ id, status, code: "c", message: "m", loadBearing }) as CheckResult;

Deno.test("decideAssurance() names what a TRUSTED rests on, weakest first", () => {
  assert.deepEqual(decideAssurance([check("crate-checksum", "pass", true)], "TRUSTED"), [
    "integrity",
  ]);
  assert.deepEqual(
    decideAssurance([
      check("crate-source", "pass", true),
      check("trusted-publishing", "pass", false),
      check("crate-checksum", "pass", true),
    ], "TRUSTED"),
    ["integrity", "provenance", "source"],
  );
  // An attestation counts only when its signer passed (the pass is then load-bearing).
  assert.deepEqual(decideAssurance([check("attestation", "pass", false)], "TRUSTED"), []);
  assert.deepEqual(decideAssurance([check("attestation", "pass", true)], "TRUSTED"), [
    "provenance",
  ]);
  // A crate-source match against a commit crate-vcs did not bind bears no weight.
  assert.deepEqual(decideAssurance([check("crate-source", "pass", false)], "TRUSTED"), []);
  // Not TRUSTED: nothing rests on anything.
  assert.deepEqual(decideAssurance([check("crate-checksum", "pass", true)], "MISMATCH"), []);
});

Deno.test("meetsAssurance() holds a level or a stronger one", () => {
  assert.equal(meetsAssurance(["source"], "provenance"), true);
  assert.equal(meetsAssurance(["integrity"], "provenance"), false);
  assert.equal(meetsAssurance([], "integrity"), false);
});
