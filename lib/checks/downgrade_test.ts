import assert from "node:assert/strict";
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import { checkDowngrade, evidenceDowngrades, type EvidenceProfile } from "./downgrade.ts";

const record = (version: string, more: Partial<CrateVersionInfo> = {}): CrateVersionInfo =>
  ({ name: "x", version, yanked: false, ...more }) as CrateVersionInfo;

Deno.test("checkDowngrade() names each weakening, and passes when nothing got weaker", () => {
  const same = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0", { repository: "https://github.com/o/x.git/" }),
  });
  assert.equal(same.code, "downgrade-none");
  const moved = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0", { repository: "https://github.com/evil/x" }),
  });
  assert.equal(moved.status, "skip");
  assert.equal(moved.required, true, "a downgrade is never a silent TRUSTED");
  assert.equal(moved.code, "downgrade-repository-changed");
  const strict = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0"),
    noDowngrade: { file: "attest.toml", line: 4 },
  });
  assert.equal(strict.status, "fail");
  assert.match(strict.message, /names none \(no_downgrade at attest\.toml:4\)/);
});

Deno.test("evidenceDowngrades(): a publishing run for a branch where the one replaced was for a tag, or another branch", () => {
  const profile = (refs?: string[]): EvidenceProfile => ({
    attestationSigners: [],
    sourceMatch: false,
    ...(refs ? { publishingRefs: refs } : {}),
  });
  const codes = (before?: string[], after?: string[]) =>
    evidenceDowngrades("x@1", "x@2", profile(before), profile(after)).map((f) => f.code);
  const tag = ["refs/tags/v1"];
  assert.deepEqual(codes(tag, ["refs/tags/v2"]), [], "tags differ from version to version");
  assert.deepEqual(codes(tag, ["refs/heads/evil"]), ["downgrade-trusted-publishing-ref"]);
  assert.deepEqual(
    codes(tag, ["refs/heads/v2", "refs/tags/v2"]),
    ["downgrade-trusted-publishing-ref"],
    "a run that may be for a branch counts as one",
  );
  assert.deepEqual(codes(["refs/heads/main"], ["refs/heads/main"]), []);
  assert.deepEqual(codes(["refs/heads/main"], ["refs/tags/v2"]), []);
  assert.deepEqual(codes(["refs/heads/main"], ["refs/heads/evil"]), [
    "downgrade-trusted-publishing-ref",
  ]);
  assert.deepEqual(
    codes(["refs/heads/v1", "refs/tags/v1"], ["refs/heads/evil"]),
    [],
    "a run whose ref is ambiguous before is not compared",
  );
  assert.deepEqual(codes(tag, undefined), [], "no run now: the workflow comparison says so");
  assert.deepEqual(codes(tag, []), ["downgrade-trusted-publishing-ref"], "a run of another event");
  assert.deepEqual(codes([], ["refs/heads/evil"]), [], "a ref not known before is not compared");
});

Deno.test("checkDowngrade(): under no_downgrade, old attestations that could not be read (the new ones were) keep the update from a pass", () => {
  const profile = (more: Partial<EvidenceProfile>): EvidenceProfile => ({
    attestationSigners: [],
    sourceMatch: false,
    ...more,
  });
  const input = {
    crate: "x",
    before: record("1.0.0"),
    after: record("1.1.0"),
    evidence: { before: profile({ attestationsUnknown: true }), after: profile({}) },
  };
  const lenient = checkDowngrade(input);
  assert.equal(lenient.status, "pass");
  assert.match(lenient.message, /not compared: attestations/);
  const strict = checkDowngrade({ ...input, noDowngrade: { file: "attest.toml", line: 2 } });
  assert.equal(strict.status, "skip");
  assert.equal(strict.required, true);
  assert.equal(strict.code, "downgrade-unknown");
  // Neither side's attestations known (no token): nothing one-sided to tell, a pass that says so.
  const neither = checkDowngrade({
    ...input,
    evidence: {
      before: profile({ attestationsUnknown: true }),
      after: profile({ attestationsUnknown: true }),
    },
    noDowngrade: { file: "attest.toml", line: 2 },
  });
  assert.equal(neither.status, "pass");
});
