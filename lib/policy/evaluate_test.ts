import assert from "node:assert/strict";
import type { CheckResult } from "../checks/check_result.ts";
import { decideSubjectVerdict, type Verdict } from "../verdict/decide.ts";
import type { SubjectDescription } from "../verdict/report.ts";
import {
  type EvaluateOptions,
  evaluatePolicy,
  type PolicyTarget,
  resolvePolicy,
  signerRequirements,
} from "./evaluate.ts";
import { loadPolicy } from "./load.ts";
import { BUILTIN_POLICY, type Policy } from "./model.ts";

async function policyOf(text: string): Promise<Policy> {
  const result = await loadPolicy(text, "attest.toml");
  assert.ok(result.policy, JSON.stringify(result.diagnostics, null, 2));
  return result.policy;
}

function check(
  id: CheckResult["id"],
  status: CheckResult["status"],
  extra: Partial<CheckResult> = {},
): CheckResult {
  const loadBearing = status === "pass" &&
    ["checksum", "attestation", "crate-checksum", "cosign"].includes(id);
  return { id, status, code: `${id}-${status}`, message: `${id} ${status}`, loadBearing, ...extra };
}

const RELEASE: SubjectDescription = {
  kind: "release-asset",
  repo: "o/r",
  tag: "v1.0.0",
  name: "tool.tar.gz",
  sha256: "00".repeat(32),
};
const crate = (name: string, version: string): SubjectDescription => ({
  kind: "crate",
  name,
  version,
});
const FILE: SubjectDescription = { kind: "local-file", path: "a.tgz", sha256: "11".repeat(32) };

/** id:status[:required][@line] for each check, in order. */
function summarize(checks: readonly CheckResult[]): string[] {
  return checks.map((c) =>
    `${c.id}:${c.status}${c.required === undefined ? "" : c.required ? ":required" : ":optional"}${
      c.policyRef ? `@${c.policyRef.line}` : ""
    }`
  );
}

interface Case {
  readonly name: string;
  readonly policy: string | Policy;
  readonly subject: SubjectDescription | PolicyTarget;
  readonly checks: CheckResult[];
  readonly options?: EvaluateOptions;
  readonly verdict: Verdict;
  readonly results: string[];
  readonly applied?: string[];
  readonly rekorRequired?: boolean;
  readonly strict?: boolean;
  readonly message?: RegExp;
}

const CASES: Case[] = [
  {
    name: "the built-in policy changes nothing",
    policy: BUILTIN_POLICY,
    subject: RELEASE,
    checks: [check("checksum", "pass"), check("attestation", "skip", { required: false })],
    verdict: "TRUSTED",
    results: ["checksum:pass", "attestation:skip:optional"],
    applied: [],
    rekorRequired: false,
    strict: false,
  },
  {
    name: "a required check that only has a non-load-bearing pass stays missing",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum"]\n',
    subject: RELEASE,
    checks: [
      check("checksum", "pass", { code: "api-digest-match", loadBearing: false }),
      check("checksum", "skip", { code: "checksum-not-published", required: false }),
      check("attestation", "pass"),
    ],
    verdict: "UNVERIFIED",
    results: ["checksum:pass@3", "checksum:skip:required@3", "attestation:pass"],
    applied: ["[defaults]@2"],
  },
  {
    name: "a required check with no result at all is added as a required skip",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum", "attestation"]\n',
    subject: RELEASE,
    checks: [check("checksum", "pass")],
    verdict: "UNVERIFIED",
    results: ["checksum:pass@3", "attestation:skip:required@3"],
    message: /^required by attest\.toml:3 \(\[defaults\]\) but no evidence was found$/,
  },
  {
    name: "a repo rule replaces the defaults' list (names compare case-insensitively)",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum", "attestation"]\n' +
      '[repo."O/R"]\nrequire = ["checksum"]\n',
    subject: RELEASE,
    checks: [check("checksum", "pass")],
    verdict: "TRUSTED",
    results: ["checksum:pass@5"],
    applied: ['[repo."O/R"]@4', "[defaults]@2"],
  },
  {
    name: "a repo rule for another repository does not apply",
    policy: 'version = 1\n[repo."x/y"]\nrequire = ["attestation"]\n',
    subject: RELEASE,
    checks: [check("checksum", "pass")],
    verdict: "TRUSTED",
    results: ["checksum:pass"],
    applied: [],
  },
  {
    name: "crate@version wins over crate, which wins over defaults",
    policy: 'version = 1\n[defaults]\nrequire = ["crate-checksum", "crate-source"]\n' +
      '[crate.serde]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[crate."serde@1.0.200"]\nrequire = ["crate-checksum"]\n',
    subject: crate("serde", "1.0.200"),
    checks: [check("crate-checksum", "pass")],
    verdict: "TRUSTED",
    results: ["crate-checksum:pass@7"],
    applied: ['[crate."serde@1.0.200"]@6', "[crate.serde]@4", "[defaults]@2"],
  },
  {
    name: "another version of the crate gets the crate-wide rule",
    policy: 'version = 1\n[crate.serde]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[crate."serde@1.0.200"]\nrequire = ["crate-checksum"]\n',
    subject: crate("serde", "1.0.199"),
    checks: [check("crate-checksum", "pass")],
    verdict: "UNVERIFIED",
    results: ["crate-checksum:pass@3", "crate-vcs:skip:required@3"],
    applied: ["[crate.serde]@2"],
  },
  {
    name: "crate names compare as crates.io does (- and _, case)",
    policy: 'version = 1\n[crate.Serde_JSON]\nrequire = ["crate-vcs"]\n',
    subject: crate("serde-json", "1.0.0"),
    checks: [check("crate-checksum", "pass"), check("crate-vcs", "skip")],
    verdict: "UNVERIFIED",
    results: ["crate-checksum:pass", "crate-vcs:skip:required@3"],
  },
  {
    name: "a default requirement a crate cannot have is not demanded of it",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum", "crate-checksum"]\n',
    subject: crate("serde", "1.0.0"),
    checks: [check("crate-checksum", "pass")],
    verdict: "TRUSTED",
    results: ["crate-checksum:pass@3"],
  },
  {
    name: "a local file gets the defaults only",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum", "crate-vcs"]\n',
    subject: FILE,
    checks: [check("checksum", "pass")],
    verdict: "TRUSTED",
    results: ["checksum:pass@3"],
  },
  {
    name: "a required check that failed keeps failing, with the rule that demanded it",
    policy: 'version = 1\n[defaults]\nrequire = ["checksum"]\n',
    subject: RELEASE,
    checks: [check("checksum", "fail"), check("attestation", "pass")],
    verdict: "MISMATCH",
    results: ["checksum:fail@3", "attestation:pass"],
  },
  {
    name: "an exception lets a required check be missing, and says why",
    policy: 'version = 1\n[crate.openssl-sys]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[[exception]]\ncrate = "openssl_sys@0.9.103"\nallow = ["crate-vcs"]\n' +
      'reason = "published before tags"\n',
    subject: crate("openssl-sys", "0.9.103"),
    checks: [check("crate-checksum", "pass"), check("crate-vcs", "skip")],
    verdict: "TRUSTED",
    results: ["crate-checksum:pass@3", "crate-vcs:skip:optional@4"],
    message:
      /^crate-vcs skip \(allowed to be missing by the exception at attest\.toml:4: published before tags\)$/,
  },
  {
    name: "an exception for one version does not cover another",
    policy: 'version = 1\n[defaults]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[[exception]]\ncrate = "openssl-sys@0.9.103"\nallow = ["crate-vcs"]\nreason = "r"\n',
    subject: crate("openssl-sys", "0.9.104"),
    checks: [check("crate-checksum", "pass"), check("crate-vcs", "skip")],
    verdict: "UNVERIFIED",
    results: ["crate-checksum:pass@3", "crate-vcs:skip:required@3"],
  },
  {
    name: "an exception covers the synthetic skip of a check with no result",
    policy: 'version = 1\n[repo."o/r"]\nrequire = ["checksum", "attestation"]\n' +
      '[[exception]]\nrepo = "o/r"\nallow = ["attestation"]\nreason = "attests from v2"\n',
    subject: RELEASE,
    checks: [check("checksum", "pass")],
    verdict: "TRUSTED",
    results: ["checksum:pass@3", "attestation:skip:optional@4"],
  },
  {
    name: "an exception never excuses a check that failed",
    policy: 'version = 1\n[[exception]]\ncrate = "ring"\nallow = ["crate-source"]\nreason = "r"\n',
    subject: crate("ring", "0.17.8"),
    checks: [check("crate-checksum", "pass"), check("crate-source", "fail")],
    verdict: "MISMATCH",
    results: ["crate-checksum:pass", "crate-source:fail"],
  },
  {
    name: "an expired exception is not applied",
    policy: 'version = 1\n[defaults]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[[exception]]\ncrate = "ring"\nallow = ["crate-vcs"]\nreason = "r"\nexpires = 2026-01-31\n',
    subject: crate("ring", "0.17.8"),
    checks: [check("crate-checksum", "pass")],
    options: { now: new Date("2026-02-01T00:00:00Z") },
    verdict: "UNVERIFIED",
    results: ["crate-checksum:pass@3", "crate-vcs:skip:required@3"],
    message: /the exception at attest\.toml:4 expired on 2026-01-31\)$/,
  },
  {
    name: "an exception holds through its last day (UTC)",
    policy: 'version = 1\n[defaults]\nrequire = ["crate-checksum", "crate-vcs"]\n' +
      '[[exception]]\ncrate = "ring"\nallow = ["crate-vcs"]\nreason = "r"\nexpires = 2026-01-31\n',
    subject: crate("ring", "0.17.8"),
    checks: [check("crate-checksum", "pass")],
    options: { now: new Date("2026-01-31T23:59:59Z") },
    verdict: "TRUSTED",
    results: ["crate-checksum:pass@3", "crate-vcs:skip:optional@4"],
  },
  {
    name: "strict in the file turns every missing piece into a failure",
    policy: "version = 1\n[defaults]\nstrict = true\n",
    subject: RELEASE,
    checks: [check("checksum", "pass"), check("attestation", "skip", { required: false })],
    verdict: "MISMATCH",
    results: ["checksum:pass", "attestation:fail:required@3"],
    strict: true,
    message: /^attestation skip \(missing evidence fails under strict = true at attest\.toml:3\)$/,
  },
  {
    name: "--strict tightens a file that says strict = false",
    policy: "version = 1\n[defaults]\nstrict = false\n",
    subject: RELEASE,
    checks: [check("checksum", "pass"), check("attestation", "skip", { required: false })],
    options: { strict: true },
    verdict: "MISMATCH",
    results: ["checksum:pass", "attestation:fail:required"],
    strict: true,
    message: /\(missing evidence fails under --strict\)$/,
  },
  {
    name: "the command line cannot loosen strict or rekor",
    policy: 'version = 1\n[defaults]\nstrict = true\nrekor = "required"\n',
    subject: RELEASE,
    checks: [check("checksum", "pass")],
    options: { strict: false, requireRekor: false },
    verdict: "TRUSTED",
    results: ["checksum:pass"],
    strict: true,
    rekorRequired: true,
  },
  {
    name: "a more specific rule may relax strict for its subjects",
    policy: 'version = 1\n[defaults]\nstrict = true\n[repo."o/r"]\nstrict = false\n',
    subject: RELEASE,
    checks: [check("checksum", "pass"), check("attestation", "skip", { required: false })],
    verdict: "TRUSTED",
    results: ["checksum:pass", "attestation:skip:optional"],
    strict: false,
  },
  {
    name: "strict spares what an exception allows",
    policy: "version = 1\n[defaults]\nstrict = true\n" +
      '[[exception]]\nrepo = "o/r"\nallow = ["attestation"]\nreason = "none yet"\n',
    subject: RELEASE,
    checks: [check("checksum", "pass"), check("attestation", "skip", { required: false })],
    verdict: "TRUSTED",
    results: ["checksum:pass", "attestation:skip:optional@4"],
  },
  {
    name: "--require-rekor makes a skipped rekor check required",
    policy: "version = 1\n",
    subject: RELEASE,
    checks: [check("attestation", "pass"), check("rekor", "skip", { required: false })],
    options: { requireRekor: true },
    verdict: "UNVERIFIED",
    results: ["attestation:pass", "rekor:skip:required"],
    rekorRequired: true,
  },
  {
    name: 'rekor = "required" in a rule points at its line',
    policy: 'version = 1\n[crate.serde]\nrekor = "required"\n',
    subject: crate("serde", "1.0.0"),
    checks: [check("crate-checksum", "pass"), check("rekor", "pass")],
    verdict: "TRUSTED",
    results: ["crate-checksum:pass", "rekor:pass:required@3"],
    rekorRequired: true,
  },
  {
    name: "a target can be given directly (policy explain, lock)",
    policy: 'version = 1\n[crate.serde]\nrequire = ["crate-vcs"]\n',
    subject: { kind: "crate", name: "serde", version: "1.0.0" },
    checks: [check("crate-vcs", "pass")],
    verdict: "UNVERIFIED",
    results: ["crate-vcs:pass@3"],
  },
];

for (const c of CASES) {
  Deno.test(`evaluatePolicy(): ${c.name}`, async () => {
    const policy = typeof c.policy === "string" ? await policyOf(c.policy) : c.policy;
    const decision = evaluatePolicy(policy, c.subject, c.checks, c.options);
    assert.deepEqual(summarize(decision.checks), c.results);
    assert.equal(decideSubjectVerdict(decision.checks), c.verdict);
    if (c.applied) {
      assert.deepEqual(decision.applied.map((a) => `${a.rule}@${a.line}`), c.applied);
    }
    if (c.rekorRequired !== undefined) assert.equal(decision.rekorRequired, c.rekorRequired);
    if (c.strict !== undefined) assert.equal(decision.strict, c.strict);
    if (c.message) {
      const changed = decision.checks.find((d) => c.message!.test(d.message));
      assert.ok(
        changed,
        `no message matches ${c.message}: ${decision.checks.map((d) => d.message)}`,
      );
    }
    // Pure: the input is not changed.
    assert.ok(c.checks.every((x) => x.policyRef === undefined));
  });
}

Deno.test("evaluatePolicy() hands back the signers of the most specific rule", async () => {
  const policy = await policyOf(
    'version = 1\n[[defaults.signer]]\nworkflow = "o/shared/.github/workflows/b.yml"\n' +
      '[[repo."o/r".signer]]\nworkflow = "o/r/.github/workflows/release.yml"\nref = "refs/tags/v*"\n' +
      '[[repo."o/r".signer]]\nsan = "me@example.com"\nissuer = "https://accounts.google.com"\n' +
      'source_repository = "o/fork"\nrunner_environment = "github-hosted"\n',
  );
  const decision = evaluatePolicy(policy, RELEASE, []);
  assert.deepEqual(decision.signers, [
    {
      signerWorkflow: "o/r/.github/workflows/release.yml",
      issuer: "https://token.actions.githubusercontent.com",
      refGlob: "refs/tags/v*",
      source: "attest.toml:4",
      policyRef: { file: "attest.toml", line: 4 },
    },
    {
      san: "me@example.com",
      issuer: "https://accounts.google.com",
      sourceRepository: "o/fork",
      runnerEnvironment: "github-hosted",
      source: "attest.toml:7",
      policyRef: { file: "attest.toml", line: 7 },
    },
  ]);
  const other = evaluatePolicy(policy, crate("x", "1.0.0"), []);
  assert.deepEqual(other.signers.map((s) => s.signerWorkflow), [
    "o/shared/.github/workflows/b.yml",
  ]);
  assert.equal(
    other.signers[0].sourceRepository,
    undefined,
    "the subject's repository is bound by judgeSigner, not copied into signers",
  );
  assert.deepEqual(signerRequirements([]), []);
});

Deno.test("resolvePolicy() lists version-specific rules for a crate named without a version", async () => {
  const policy = await policyOf(
    'version = 1\n[crate."serde@1.0.200"]\nstrict = true\n' +
      '[[exception]]\ncrate = "serde@1.0.199"\nallow = ["crate-vcs"]\nreason = "r"\n',
  );
  const r = resolvePolicy(policy, { kind: "crate", name: "serde" });
  assert.deepEqual(r.applied, []);
  assert.deepEqual(r.versionSpecific.map((v) => `${v.rule}@${v.line}`), [
    '[crate."serde@1.0.200"]@2',
    "[[exception]]@4",
  ]);
  assert.equal(r.strict.value, false);
});
