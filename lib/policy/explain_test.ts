import assert from "node:assert/strict";
import { renderDiagnostics } from "./diagnostics.ts";
import {
  explainAsJson,
  findUnmatchedEntries,
  renderExplanation,
  summarizePolicy,
} from "./explain.ts";
import { loadPolicy } from "./load.ts";
import { BUILTIN_POLICY, type Policy } from "./model.ts";

async function policyOf(text: string): Promise<Policy> {
  const result = await loadPolicy(text, "attest.toml");
  assert.ok(result.policy, JSON.stringify(result.diagnostics));
  return result.policy;
}

const TEXT = [
  "version = 1", // 1
  "[defaults]", // 2
  'require = ["checksum", "crate-checksum"]', // 3
  'rekor = "required"', // 4
  '[repo."o/r"]', // 5
  'require = ["checksum", "attestation"]', // 6
  '[[repo."o/r".signer]]', // 7
  'workflow = "o/r/.github/workflows/release.yml"', // 8
  'ref = "refs/tags/v*"', // 9
  "[crate.ring]", // 10
  'require = ["crate-checksum", "crate-source"]', // 11
  '[crate."serde@1.0.199"]', // 12
  "strict = true", // 13
  "[[exception]]", // 14
  'crate = "ring"', // 15
  'allow = ["crate-source"]', // 16
  'reason = "pregenerated assembly"', // 17
  "expires = 2027-12-31", // 18
  "[[exception]]", // 19
  'crate = "openssl-sys@0.9.103"', // 20
  'allow = ["crate-vcs"]', // 21
  'reason = "no tags then"', // 22
].join("\n");

Deno.test("summarizePolicy() says in one line what the policy demands", async () => {
  assert.equal(
    summarizePolicy(await policyOf(TEXT)),
    "every subject: require checksum, crate-checksum, rekor required; 1 repo rule (o/r); " +
      "2 crate rules (ring, serde@1.0.199); 2 exceptions (first expiry 2027-12-31)",
  );
  assert.equal(
    summarizePolicy(BUILTIN_POLICY),
    "every subject: present checks must pass, one load-bearing proof is enough",
  );
});

Deno.test("renderExplanation() names each rule that applies and where it is written", async () => {
  const policy = await policyOf(TEXT);
  assert.equal(
    renderExplanation(policy, { kind: "release", repo: "o/r" }, { strict: true }),
    [
      "release assets of o/r",
      '  rules:      [repo."o/r"] at attest.toml:5 > [defaults] at attest.toml:2   (most specific first)',
      '  require:    checksum, attestation   ([repo."o/r"] at attest.toml:6)',
      "  rekor:      required   ([defaults] at attest.toml:4)",
      "  strict:     true   (--strict)",
      '  signers:    any one of ([repo."o/r"] at attest.toml:7):',
      "                - workflow o/r/.github/workflows/release.yml, ref refs/tags/v*, issuer GitHub Actions   (attest.toml:7)",
      "              every signer must also have built from o/r (or the source_repository it names) at the release's tag or its commit: rules only narrow",
      "",
    ].join("\n"),
  );
  assert.equal(
    renderExplanation(policy, { kind: "crate", name: "ring", version: "0.17.8" }),
    [
      "crate ring@0.17.8",
      "  rules:      [crate.ring] at attest.toml:10 > [defaults] at attest.toml:2   (most specific first)",
      "  require:    crate-checksum, crate-source   ([crate.ring] at attest.toml:11)",
      "  rekor:      required   ([defaults] at attest.toml:4)",
      "  strict:     false   (default)",
      "  signers:    none named: a signature counts only for a signer named on the command line",
      "  exceptions:",
      "                - crate-source may be missing: pregenerated assembly (until 2027-12-31)   (attest.toml:14)",
      "",
    ].join("\n"),
  );
  const serde = renderExplanation(policy, { kind: "crate", name: "serde" });
  assert.match(serde, /not demanded here: checksum \(cannot apply to a crate\)/);
  assert.match(
    serde,
    /rules for single versions also exist: \[crate\."serde@1\.0\.199"\] at attest\.toml:12/,
  );
});

Deno.test("explainAsJson() carries the same facts with policyRef objects", async () => {
  const json = explainAsJson(await policyOf(TEXT), {
    kind: "crate",
    name: "ring",
    version: "1.0.0",
  });
  assert.deepEqual(json.require, [
    { id: "crate-checksum", policyRef: { rule: "[crate.ring]", file: "attest.toml", line: 11 } },
    { id: "crate-source", policyRef: { rule: "[crate.ring]", file: "attest.toml", line: 11 } },
  ]);
  assert.deepEqual(json.strict, { value: false, policyRef: null, cli: false });
});

Deno.test("findUnmatchedEntries() warns about rules for crates that are not in the lock", async () => {
  const policy = await policyOf(TEXT);
  const warnings = findUnmatchedEntries(policy, [
    { kind: "crate", name: "serde", version: "1.0.200" },
    { kind: "crate", name: "ring", version: "0.17.8" },
  ]);
  assert.equal(
    renderDiagnostics(warnings, { color: false }),
    [
      'warning[policy-unmatched-rule]: [crate."serde@1.0.199"] matches no subject: serde is checked at 1.0.200, not 1.0.199',
      "  --> attest.toml:12:1",
      "   |",
      '12 | [crate."serde@1.0.199"]',
      "   | ^^^^^^^^^^^^^^^^^^^^^^^",
      "   = help: remove it, or keep it if the crate comes back (this is a warning only)",
      "",
      "warning[policy-unmatched-rule]: the exception for openssl-sys@0.9.103 matches no subject: openssl-sys is not among the crates checked",
      "  --> attest.toml:19:1",
      "   |",
      "19 | [[exception]]",
      "   | ^^^^^^^^^^^^^",
      "   = help: remove it, or keep it if the crate comes back (this is a warning only)",
      "",
      "attest.toml: 2 warnings",
      "",
    ].join("\n"),
  );
  // Repository rules are only judged against release subjects, crate rules against crates.
  assert.deepEqual(
    findUnmatchedEntries(policy, [{ kind: "release", repo: "x/y" }]).map((w) => w.line),
    [5],
  );
  assert.deepEqual(findUnmatchedEntries(policy, [{ kind: "file" }]), []);
});
