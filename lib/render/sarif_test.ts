import assert from "node:assert/strict";
import type { CheckResult } from "../checks/check_result.ts";
import { CHECK_CODES } from "../codes.ts";
import { buildReport, type ReportInput } from "../verdict/report.ts";
import {
  buildSarifLog,
  FINGERPRINT_KEY,
  locatePackagesInLock,
  renderSarifReport,
  sarifArtifactLocation,
} from "./sarif.ts";

const NOW = new Date("2026-11-25T08:00:00.000Z");
const SHA = "a".repeat(64);

function check(partial: Partial<CheckResult> & Pick<CheckResult, "id" | "status" | "code">) {
  return { message: `${partial.code} happened`, loadBearing: false, ...partial } as CheckResult;
}

function report(
  subjects: ReportInput["subjects"],
  policy: ReportInput["policy"] = { path: null, sha256: null, builtin: true },
) {
  return buildReport({
    version: "0.1.0",
    now: NOW,
    policy,
    roots: [{ name: "public-good", sha256: SHA }],
    subjects,
    diagnostics: [{ level: "warning", code: "lock-path-packages", message: "1 path package" }],
  });
}

const CRATE = { kind: "crate" as const, name: "serde", version: "1.0.200" };
const ASSET = {
  kind: "release-asset" as const,
  repo: "o/r",
  tag: "v1",
  name: "app.tar.gz",
  sha256: SHA,
};

Deno.test("buildSarifLog() has a rule per code used and a result per non-pass check", () => {
  const log = buildSarifLog(report([
    {
      subject: CRATE,
      checks: [
        check({ id: "crate-checksum", status: "pass", code: "crate-checksum-match" }),
        check({
          id: "crate-vcs",
          status: "fail",
          code: "crate-vcs-commit-unknown",
          expected: "abc",
          actual: "def",
          origin: { url: "https://api.github.com/repos/o/r/commits/def" },
        }),
        check({
          id: "trusted-publishing",
          status: "skip",
          code: "trusted-publishing-none",
          required: false,
        }),
      ],
    },
    {
      subject: ASSET,
      checks: [
        check({ id: "checksum", status: "skip", code: "checksum-not-published" }),
        check({ id: "attestation", status: "error", code: "network" }),
      ],
    },
  ]));
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs.length, 1);
  const run = log.runs[0];
  assert.equal(run.tool.driver.name, "cargo-attest");
  assert.equal(run.tool.driver.version, "0.1.0");
  assert.deepEqual(run.tool.driver.rules.map((r) => r.id), [
    "checksum-not-published",
    "crate-vcs-commit-unknown",
    "network",
    "trusted-publishing-none",
  ]);
  assert.equal(
    run.tool.driver.rules[1].shortDescription.text,
    CHECK_CODES["crate-vcs-commit-unknown"],
  );
  assert.deepEqual(
    run.results.map((r) => [r.ruleId, r.level]),
    [
      ["crate-vcs-commit-unknown", "error"],
      ["trusted-publishing-none", "note"],
      ["checksum-not-published", "warning"],
      ["network", "error"],
    ],
  );
  for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex].id, r.ruleId);
  const vcs = run.results[0];
  assert.match(vcs.message.text, /^serde@1\.0\.200: crate-vcs fail: /);
  assert.match(vcs.message.text, /expected: abc\nfound: def/);
  assert.equal(vcs.properties.evidence, "https://api.github.com/repos/o/r/commits/def");
  assert.deepEqual(run.invocations[0].toolExecutionNotifications[0].descriptor, {
    id: "lock-path-packages",
    index: 0,
  });
  assert.equal(run.properties.verdict, "ERROR");
});

Deno.test("buildSarifLog() locations: policy rule, lock line, the artifact, else logical", () => {
  const subjects = [
    {
      subject: CRATE,
      checks: [
        check({
          id: "crate-vcs",
          status: "fail",
          code: "crate-vcs-commit-unknown",
          policyRef: { file: "./ci/attest.toml", line: 7 },
        }),
        check({ id: "crate-source", status: "skip", code: "crate-source-unavailable" }),
      ],
    },
    {
      subject: { kind: "local-file" as const, path: "dist/app v1.tgz", sha256: SHA },
      checks: [check({ id: "checksum", status: "fail", code: "checksum-mismatch" })],
    },
    {
      subject: ASSET,
      checks: [check({ id: "checksum", status: "fail", code: "checksum-mismatch" })],
    },
  ];
  const lockLines = new Map([["serde@1.0.200", 42]]);
  const run = buildSarifLog(report(subjects), { lockFile: "Cargo.lock", lockLines }).runs[0];
  const [ruled, locked, local, asset] = run.results;
  assert.deepEqual(ruled.locations[0].physicalLocation, {
    artifactLocation: { uri: "ci/attest.toml", uriBaseId: "%SRCROOT%" },
    region: { startLine: 7 },
  });
  assert.deepEqual(ruled.relatedLocations?.[0].physicalLocation, {
    artifactLocation: { uri: "Cargo.lock", uriBaseId: "%SRCROOT%" },
    region: { startLine: 42 },
  });
  assert.deepEqual(locked.locations[0].physicalLocation?.region, { startLine: 42 });
  assert.equal(locked.locations[0].logicalLocations[0].fullyQualifiedName, "crate serde@1.0.200");
  assert.equal(local.locations[0].physicalLocation?.artifactLocation.uri, "dist/app%20v1.tgz");
  assert.equal(asset.locations[0].physicalLocation, undefined, "no file names a release asset");
  assert.equal(
    asset.locations[0].logicalLocations[0].fullyQualifiedName,
    "release-asset o/r@v1 app.tar.gz",
  );
  // Without the lock file, a crate has only its logical location.
  const bare = buildSarifLog(report(subjects)).runs[0].results[1];
  assert.equal(bare.locations[0].physicalLocation, undefined);
  // With a policy file, subjects nothing else places point at it.
  const policy = { path: "attest.toml", sha256: SHA, builtin: false };
  const anchored = buildSarifLog(report(subjects, policy)).runs[0].results[3];
  assert.deepEqual(anchored.locations[0].physicalLocation, {
    artifactLocation: { uri: "attest.toml", uriBaseId: "%SRCROOT%" },
  });
});

Deno.test("buildSarifLog() fingerprints are stable across runs and distinct per finding", () => {
  const subjects = [{
    subject: ASSET,
    checks: [
      check({ id: "attestation", status: "fail", code: "signature-invalid" }),
      check({ id: "attestation", status: "fail", code: "signature-invalid" }),
      check({ id: "identity", status: "fail", code: "identity-san-mismatch" }),
    ],
  }];
  const a = buildSarifLog(report(subjects)).runs[0].results.map((r) =>
    r.partialFingerprints[FINGERPRINT_KEY]
  );
  const later = buildReport({
    version: "0.1.0",
    now: new Date("2027-01-01T00:00:00Z"),
    policy: { path: null, sha256: null, builtin: true },
    roots: [],
    subjects,
  });
  const b = buildSarifLog(later).runs[0].results.map((r) => r.partialFingerprints[FINGERPRINT_KEY]);
  assert.deepEqual(a, b);
  assert.equal(new Set(a).size, 3);
});

Deno.test("renderSarifReport() is a function of the report alone", () => {
  const r = report([{
    subject: CRATE,
    checks: [check({ id: "crate-checksum", status: "fail", code: "crate-checksum-mismatch" })],
  }]);
  const text = renderSarifReport(r);
  assert.equal(text, renderSarifReport(r));
  assert.ok(text.endsWith("}\n"));
  const parsed = JSON.parse(text);
  assert.equal(parsed.$schema, "https://json.schemastore.org/sarif-2.1.0.json");
  assert.equal(parsed.runs[0].invocations[0].endTimeUtc, "2026-11-25T08:00:00.000Z");
  // A TRUSTED report has rules and results, both empty.
  const trusted = JSON.parse(renderSarifReport(report([{
    subject: CRATE,
    checks: [
      check({
        id: "crate-checksum",
        status: "pass",
        code: "crate-checksum-match",
        loadBearing: true,
      }),
    ],
  }])));
  assert.deepEqual(trusted.runs[0].results, []);
  assert.deepEqual(trusted.runs[0].tool.driver.rules, []);
});

Deno.test("locatePackagesInLock() finds each package's name line", () => {
  const lock = [
    "version = 4",
    "",
    "[[package]]",
    'name = "app"',
    'version = "0.1.0"',
    "",
    "[[package]]",
    'name = "serde"',
    'version = "1.0.200"',
    'source = "registry+https://github.com/rust-lang/crates.io-index"',
    "",
    "[[package]]",
    'version = "2.0.0"',
    'name = "late"',
    "",
    "[metadata]",
  ].join("\r\n");
  assert.deepEqual(
    [...locatePackagesInLock(lock)],
    [["app@0.1.0", 4], ["serde@1.0.200", 8], ["late@2.0.0", 14]],
  );
  assert.equal(locatePackagesInLock("not a lock [[").size, 0);
});

Deno.test("sarifArtifactLocation() makes relative paths repository-relative, absolute ones file:", () => {
  assert.deepEqual(sarifArtifactLocation("./Cargo.lock"), {
    uri: "Cargo.lock",
    uriBaseId: "%SRCROOT%",
  });
  assert.deepEqual(sarifArtifactLocation("sub dir\\Cargo#1.lock"), {
    uri: "sub%20dir/Cargo%231.lock",
    uriBaseId: "%SRCROOT%",
  });
  assert.deepEqual(sarifArtifactLocation("/tmp/x/Cargo.lock"), { uri: "file:///tmp/x/Cargo.lock" });
  assert.deepEqual(sarifArtifactLocation("C:\\w\\Cargo.lock"), { uri: "file:///C:/w/Cargo.lock" });
});
