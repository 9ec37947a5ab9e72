import assert from "node:assert/strict";
import { compareVersions, previousVersion } from "./version_order.ts";
import type { IndexEntry } from "./registry_records.ts";

Deno.test("compareVersions follows semver precedence (SemVer 2.0.0 §11)", () => {
  const ordered = [
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-alpha.beta",
    "1.0.0-beta",
    "1.0.0-beta.2",
    "1.0.0-beta.11",
    "1.0.0-rc.1",
    "1.0.0",
    "1.0.1",
    "1.2.0",
    "1.10.0",
    "2.0.0",
  ];
  for (let i = 0; i < ordered.length - 1; i++) {
    assert.equal(
      compareVersions(ordered[i], ordered[i + 1]),
      -1,
      `${ordered[i]} < ${ordered[i + 1]}`,
    );
    assert.equal(compareVersions(ordered[i + 1], ordered[i]), 1);
  }
  assert.equal(compareVersions("1.0.0+build.1", "1.0.0+build.2"), 0, "build metadata is ignored");
  assert.equal(compareVersions("1.0", "1.0.0"), undefined);
});

Deno.test("previousVersion: the highest version below, yanked or not (a release: releases only), whatever the index order", () => {
  const entry = (vers: string, yanked = false) =>
    ({
      name: "x",
      vers,
      cksum: "0".repeat(64),
      yanked,
      deps: [],
      features: {},
      raw: {},
    }) as IndexEntry;
  const entries = [
    entry("0.9.0"),
    entry("1.2.0"),
    entry("1.1.0"),
    entry("1.1.5", true),
    entry("2.0.0-rc.1"),
    entry("2.0.0"),
  ];
  assert.equal(
    previousVersion(entries, "1.2.0"),
    "1.1.5",
    "the yanked 1.1.5 counts (a publisher's token can yank)",
  );
  assert.equal(previousVersion(entries, "1.1.5"), "1.1.0");
  assert.equal(
    previousVersion(entries, "2.0.0"),
    "1.2.0",
    "a release is compared with the release before it, not a pre-release",
  );
  assert.equal(previousVersion(entries, "2.0.0-rc.2"), "2.0.0-rc.1", "pre-releases count for one");
  assert.equal(previousVersion(entries, "2.0.0-rc.1"), "1.2.0");
  assert.equal(previousVersion(entries, "0.9.0"), undefined, "a first version has none");
});
