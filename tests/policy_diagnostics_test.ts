/**
 * Golden diagnostics: for every policy diagnostic code, a small attest.toml and the exact text
 * `policy check` prints for it (plain, no colour). A change to any message, position, caret or
 * help shows up here as a diff.
 */
import assert from "node:assert/strict";
import { POLICY_DIAGNOSTIC_CODES, renderDiagnostics } from "../lib/policy/diagnostics.ts";
import { findUnmatchedEntries } from "../lib/policy/explain.ts";
import { loadPolicy } from "../lib/policy/load.ts";

const NOW = new Date("2026-11-25T08:00:00Z");

interface Golden {
  /** The code, and "(warning)" when the same code also has an error form. */
  readonly code: string;
  readonly toml: readonly string[];
  readonly expected: readonly string[];
}

const GOLDEN: readonly Golden[] = [
  {
    code: "policy-syntax",
    toml: [
      "version = 1",
      "[defaults]",
      "rekor = required",
    ],
    expected: [
      "error[policy-syntax]: invalid TOML: invalid value",
      " --> attest.toml:3:9",
      "  |",
      "3 | rekor = required",
      "  |         ^^^^^^^^",
      '  = help: strings need quotes: write key = "value"',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-unknown-key",
    toml: [
      "version = 1",
      "",
      "[defaults]",
      'requre = ["checksum"]',
    ],
    expected: [
      'error[policy-unknown-key]: unknown key "requre" in [defaults]',
      " --> attest.toml:4:1",
      "  |",
      '4 | requre = ["checksum"]',
      "  | ^^^^^^",
      '  = help: did you mean "require"?',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-type",
    toml: [
      "version = 1",
      "",
      "[defaults]",
      'require = "checksum"',
    ],
    expected: [
      "error[policy-type]: require in [defaults] must be an array of check ids, not a string",
      " --> attest.toml:4:11",
      "  |",
      '4 | require = "checksum"',
      "  |           ^^^^^^^^^^",
      '  = help: write require = ["checksum"]',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-missing-key",
    toml: [
      "# no version",
      "[defaults]",
      'require = ["checksum"]',
    ],
    expected: [
      "error[policy-missing-key]: the policy has no version",
      " --> attest.toml:1:1",
      "  |",
      "1 | # no version",
      "  | ^",
      "  = help: add version = 1 as the first line of the file",
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-invalid-value",
    toml: [
      "version = 1",
      "",
      "[defaults]",
      'rekor = "requird"',
    ],
    expected: [
      'error[policy-invalid-value]: rekor in [defaults] must be "required" or "optional", not "requird"',
      " --> attest.toml:4:9",
      "  |",
      '4 | rekor = "requird"',
      "  |         ^^^^^^^^^",
      '  = help: did you mean "required"?',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-unknown-check",
    toml: [
      "version = 1",
      "",
      "[crate.serde]",
      'require = ["crate-checksum", "crate-vsc"]',
    ],
    expected: [
      'error[policy-unknown-check]: unknown check "crate-vsc" in require of [crate.serde]',
      " --> attest.toml:4:30",
      "  |",
      '4 | require = ["crate-checksum", "crate-vsc"]',
      "  |                              ^^^^^^^^^^^",
      '  = help: did you mean "crate-vcs"?',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-inapplicable-check",
    toml: [
      "version = 1",
      "",
      "[crate.serde]",
      'require = ["checksum"]',
    ],
    expected: [
      'error[policy-inapplicable-check]: [crate.serde] names "checksum", which a crate never has, so it could never be satisfied',
      " --> attest.toml:4:12",
      "  |",
      '4 | require = ["checksum"]',
      "  |            ^^^^^^^^^^",
      '  = help: did you mean "crate-checksum"?',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-invalid-glob",
    toml: [
      "version = 1",
      "",
      "[[defaults.signer]]",
      'workflow = "o/r/.github/workflows/release.yml"',
      'ref = "v[0-9]*"',
    ],
    expected: [
      "error[policy-invalid-glob]: '[' is not supported in a ref glob (only * and ** are special)",
      " --> attest.toml:5:7",
      "  |",
      '5 | ref = "v[0-9]*"',
      "  |       ^^^^^^^^^",
      "  = help: write the ref with * (any characters except /) or ** (any characters)",
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-signer-unbound",
    toml: [
      "version = 1",
      "",
      '[[repo."o/r".signer]]',
      'ref = "refs/tags/*"',
    ],
    expected: [
      'error[policy-signer-unbound]: [[repo."o/r".signer]] names neither a workflow nor a san, so it would accept any signer',
      " --> attest.toml:3:1",
      "  |",
      '3 | [[repo."o/r".signer]]',
      "  | ^^^^^^^^^^^^^^^^^^^^^",
      '  = help: add workflow = "OWNER/REPO/.github/workflows/FILE.yml" (or an exact san = "…")',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-duplicate",
    toml: [
      "version = 1",
      "",
      "[crate.serde_json]",
      'require = ["crate-vcs"]',
      "",
      "[crate.serde-json]",
      "strict = true",
    ],
    expected: [
      "error[policy-duplicate]: [crate.serde-json] is the same rule as [crate.serde_json] (written at attest.toml:3)",
      " --> attest.toml:6:1",
      "  |",
      "6 | [crate.serde-json]",
      "  | ^^^^^^^^^^^^^^^^^^",
      "  = help: crate names compare as crates.io does (case-insensitive, - and _ the same): merge the two tables",
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-exception-reason",
    toml: [
      "version = 1",
      "",
      "[[exception]]",
      'crate = "openssl-sys@0.9.103"',
      'allow = ["crate-vcs"]',
    ],
    expected: [
      "error[policy-exception-reason]: [[exception]] has no reason",
      " --> attest.toml:3:1",
      "  |",
      "3 | [[exception]]",
      "  | ^^^^^^^^^^^^^",
      '  = help: every exception says why: add reason = "…" (it is shown in every report it changes)',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-expired-exception",
    toml: [
      "version = 1",
      "",
      "[[exception]]",
      'crate = "openssl-sys@0.9.103"',
      'allow = ["crate-vcs"]',
      'reason = "published before tags"',
      "expires = 2026-10-31",
    ],
    expected: [
      "error[policy-expired-exception]: the exception for openssl-sys@0.9.103 (allow crate-vcs) expired on 2026-10-31",
      " --> attest.toml:7:11",
      "  |",
      "7 | expires = 2026-10-31",
      "  |           ^^^^^^^^^^",
      "  = help: check whether the evidence exists now; if not, renew the exception with a new expires date and an updated reason, or remove it",
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-exception-expiring",
    toml: [
      "version = 1",
      "",
      "[[exception]]",
      'repo = "o/r"',
      'allow = ["attestation"]',
      'reason = "attestations start with v2"',
      "expires = 2026-12-01",
    ],
    expected: [
      "warning[policy-exception-expiring]: the exception for o/r (allow attestation) expires on 2026-12-01 (in 7 days)",
      " --> attest.toml:7:11",
      "  |",
      "7 | expires = 2026-12-01",
      "  |           ^^^^^^^^^^",
      "  = help: after that day the policy is invalid and every run stops: renew or remove it",
      "",
      "attest.toml: 1 warning",
    ],
  },
  {
    code: "policy-invalid-crate",
    toml: [
      "version = 1",
      "",
      '[crate."serde@^1.0"]',
      'require = ["crate-vcs"]',
    ],
    expected: [
      'error[policy-invalid-crate]: "^1.0" is not an exact crate version (MAJOR.MINOR.PATCH)',
      " --> attest.toml:3:8",
      "  |",
      '3 | [crate."serde@^1.0"]',
      "  |        ^^^^^^^^^^^^",
      '  = help: version requirements are not supported: name one version ("serde@1.2.3") or use [crate.serde] for every version',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-invalid-repo",
    toml: [
      "version = 1",
      "",
      '[repo."https://github.com/BurntSushi/ripgrep"]',
      'require = ["checksum"]',
    ],
    expected: [
      'error[policy-invalid-repo]: "https://github.com/BurntSushi/ripgrep" is not a GitHub repository (OWNER/REPO)',
      " --> attest.toml:3:7",
      "  |",
      '3 | [repo."https://github.com/BurntSushi/ripgrep"]',
      "  |       ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
      '  = help: write it without the URL: "BurntSushi/ripgrep"',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-invalid-workflow",
    toml: [
      "version = 1",
      "",
      "[[defaults.signer]]",
      'workflow = "o/r/.github/workflows/release.yml@refs/tags/v1"',
    ],
    expected: [
      'error[policy-invalid-workflow]: "o/r/.github/workflows/release.yml@refs/tags/v1" is not a workflow (OWNER/REPO/.github/workflows/FILE)',
      " --> attest.toml:4:12",
      "  |",
      '4 | workflow = "o/r/.github/workflows/release.yml@refs/tags/v1"',
      "  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
      '  = help: the ref goes in its own key: workflow = "o/r/.github/workflows/release.yml" and ref = "refs/tags/v1"',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-invalid-date",
    toml: [
      "version = 1",
      "",
      "[[exception]]",
      'crate = "ring"',
      'allow = ["crate-source"]',
      'reason = "pregenerated assembly"',
      'expires = "2027-02-30"',
    ],
    expected: [
      'error[policy-invalid-date]: expires "2027-02-30" is not a calendar date (YYYY-MM-DD)',
      " --> attest.toml:7:11",
      "  |",
      '7 | expires = "2027-02-30"',
      "  |           ^^^^^^^^^^^^",
      "  = help: write a day that exists, e.g. expires = 2027-06-30: the exception holds through that day (UTC)",
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-exception-target",
    toml: [
      "version = 1",
      "",
      "[[exception]]",
      'allow = ["crate-vcs"]',
      'reason = "r"',
    ],
    expected: [
      "error[policy-exception-target]: [[exception]] names no crate or repo",
      " --> attest.toml:3:1",
      "  |",
      "3 | [[exception]]",
      "  | ^^^^^^^^^^^^^",
      '  = help: add crate = "NAME@VERSION" (or "NAME" for every version), or repo = "OWNER/REPO"',
      "",
      "attest.toml: 1 error",
    ],
  },
  {
    code: "policy-duplicate (warning)",
    toml: [
      "version = 1",
      "",
      "[defaults]",
      'require = ["checksum", "attestation", "checksum"]',
    ],
    expected: [
      'warning[policy-duplicate]: "checksum" is listed twice in require of [defaults]',
      " --> attest.toml:4:39",
      "  |",
      '4 | require = ["checksum", "attestation", "checksum"]',
      "  |                                       ^^^^^^^^^^",
      "  = help: remove the second one",
      "",
      "attest.toml: 1 warning",
    ],
  },
];

for (const golden of GOLDEN) {
  Deno.test(`policy diagnostics golden: ${golden.code}`, async () => {
    const text = golden.toml.join("\n") + "\n";
    const { policy, diagnostics } = await loadPolicy(text, "attest.toml", { now: NOW });
    assert.equal(
      renderDiagnostics(diagnostics, { color: false }),
      golden.expected.join("\n") + "\n",
    );
    const code = golden.code.replace(/ \(warning\)$/, "");
    assert.ok(diagnostics.every((d) => d.code === code));
    const isError = diagnostics.some((d) => d.level === "error");
    assert.equal(
      policy === undefined,
      isError,
      "a policy is returned exactly when there is no error",
    );
  });
}

const UNMATCHED_TOML = [
  "version = 1",
  "",
  "[crate.left-pad]",
  'require = ["crate-vcs"]',
].join("\n") + "\n";

const UNMATCHED_EXPECTED = [
  "warning[policy-unmatched-rule]: [crate.left-pad] matches no subject: left-pad is not among the crates checked",
  " --> attest.toml:3:1",
  "  |",
  "3 | [crate.left-pad]",
  "  | ^^^^^^^^^^^^^^^^",
  "  = help: remove it, or keep it if the crate comes back (this is a warning only)",
  "",
  "attest.toml: 1 warning",
  "",
].join("\n");

Deno.test("policy diagnostics golden: policy-unmatched-rule", async () => {
  const { policy } = await loadPolicy(UNMATCHED_TOML, "attest.toml", { now: NOW });
  assert.ok(policy);
  const warnings = findUnmatchedEntries(policy, [{
    kind: "crate",
    name: "serde",
    version: "1.0.0",
  }]);
  assert.equal(renderDiagnostics(warnings, { color: false }), UNMATCHED_EXPECTED);
});

Deno.test("every policy diagnostic code has a golden test", () => {
  const covered = new Set([
    ...GOLDEN.map((g) => g.code.replace(/ \(warning\)$/, "")),
    "policy-unmatched-rule",
  ]);
  assert.deepEqual(Object.keys(POLICY_DIAGNOSTIC_CODES).filter((c) => !covered.has(c)), []);
});

Deno.test("every policy-* code the policy engine emits is listed with its meaning", async () => {
  /** Codes that are not file diagnostics: a check result code and run-error codes. */
  const OTHER = ["policy-required-missing", "policy-invalid", "policy-file-exists"];
  const files = [
    ...[...Deno.readDirSync(new URL("../lib/policy/", import.meta.url))].map((e) =>
      new URL(`../lib/policy/${e.name}`, import.meta.url)
    ),
    new URL("../lib/cli/policy_command.ts", import.meta.url),
    new URL("../lib/verify/policy_file.ts", import.meta.url),
    new URL("../lib/cli/init_command.ts", import.meta.url),
  ].filter((u) => u.pathname.endsWith(".ts") && !u.pathname.endsWith("_test.ts"));
  const emitted = new Set<string>();
  for (const file of files) {
    const text = await Deno.readTextFile(file);
    for (const m of text.matchAll(/"(policy-[a-z]+(?:-[a-z]+)*)"/g)) emitted.add(m[1]);
  }
  const known = new Set([...Object.keys(POLICY_DIAGNOSTIC_CODES), ...OTHER]);
  assert.deepEqual([...emitted].filter((c) => !known.has(c)).sort(), []);
  assert.deepEqual(OTHER.filter((c) => !emitted.has(c)), []);
});
