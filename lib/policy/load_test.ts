import assert from "node:assert/strict";
import type { PolicyDiagnostic } from "./diagnostics.ts";
import { loadPolicy } from "./load.ts";
import { mapSchemaErrors } from "./schema.ts";

const NOW = new Date("2026-11-25T08:00:00Z");

async function diagnose(text: string): Promise<PolicyDiagnostic[]> {
  return (await loadPolicy(text, "attest.toml", { now: NOW })).diagnostics;
}

async function only(text: string): Promise<PolicyDiagnostic> {
  const diagnostics = await diagnose(text);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 2));
  return diagnostics[0];
}

Deno.test("loadPolicy() builds a typed policy with the place of every rule, signer and exception", async () => {
  const text = [
    "version = 1",
    "[defaults]",
    'require = ["checksum"]',
    'rekor = "required"',
    "[[defaults.signer]]",
    'workflow = "o/r/.github/workflows/release.yml"',
    'ref = "refs/tags/*"',
    '[repo."o/r"]',
    "strict = true",
    "[crate.serde]",
    'signer = [{ san = "x@example.com", issuer = "https://accounts.google.com" }]',
    '[crate."serde@1.0.200"]',
    "require = []",
    "[[exception]]",
    'crate = "serde@1.0.200"',
    'allow = ["crate-vcs"]',
    'reason = "why"',
    "expires = 2027-01-31",
    "[[exception]]",
    'repo = "o/r"',
    'allow = ["attestation"]',
    'reason = "why not"',
    'expires = "2027-02-01"',
  ].join("\n");
  const { policy, diagnostics } = await loadPolicy(text, "attest.toml", { now: NOW });
  assert.deepEqual(diagnostics, []);
  assert.ok(policy);
  assert.equal(policy.version, 1);
  assert.equal(policy.text, text);
  const d = policy.defaults!;
  assert.equal(d.label, "[defaults]");
  assert.deepEqual(d.pos, { file: "attest.toml", line: 2, col: 1, length: 10 });
  assert.deepEqual(d.require?.value, ["checksum"]);
  assert.equal(d.require?.pos.line, 3);
  assert.deepEqual([d.rekor?.value, d.rekor?.pos.line], ["required", 4]);
  assert.equal(d.signers?.value.length, 1);
  const s = d.signers!.value[0];
  assert.deepEqual(
    [s.workflow, s.ref, s.issuer, s.issuerExplicit, s.pos.line],
    [
      "o/r/.github/workflows/release.yml",
      "refs/tags/*",
      "https://token.actions.githubusercontent.com",
      false,
      5,
    ],
  );
  assert.deepEqual(policy.repos.map((r) => [r.label, r.repo, r.strict?.value, r.pos.line]), [
    ['[repo."o/r"]', "o/r", true, 8],
  ]);
  assert.deepEqual(
    policy.crates.map((r) => [r.kind, r.label, r.crateName, r.crateVersion, r.pos.line]),
    [
      ["crate", "[crate.serde]", "serde", undefined, 10],
      ["crate-version", '[crate."serde@1.0.200"]', "serde", "1.0.200", 12],
    ],
  );
  const inline = policy.crates[0].signers!.value[0];
  assert.deepEqual([inline.san, inline.issuer, inline.issuerExplicit], [
    "x@example.com",
    "https://accounts.google.com",
    true,
  ]);
  assert.deepEqual(inline.pos, { file: "attest.toml", line: 11, col: 11, length: 65 });
  assert.deepEqual(policy.crates[1].require?.value, []);
  assert.deepEqual(
    policy.exceptions.map((
      e,
    ) => [e.targetText, e.target, e.allow, e.reason, e.expires, e.pos.line]),
    [
      [
        "serde@1.0.200",
        { kind: "crate", name: "serde", version: "1.0.200" },
        ["crate-vcs"],
        "why",
        "2027-01-31",
        14,
      ],
      ["o/r", { kind: "repo", repo: "o/r" }, ["attestation"], "why not", "2027-02-01", 19],
    ],
  );
});

Deno.test("loadPolicy() reports every problem at once and returns no policy", async () => {
  const text = [
    "version = 2",
    "[default]",
    "x = 1",
    "[defaults]",
    'require = ["checksum", "atestation"]',
    'rekor = "always"',
    "[[defaults.signer]]",
    'ref = "v*"',
    '[repo."bad"]',
    "[[exception]]",
    'crate = "ring"',
    'allow = ["crate-vcs"]',
  ].join("\n");
  const { policy, diagnostics } = await loadPolicy(text, "attest.toml", { now: NOW });
  assert.equal(policy, undefined);
  assert.deepEqual(diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`), [
    "1:11 policy-invalid-value",
    "2:2 policy-unknown-key",
    "5:24 policy-unknown-check",
    "6:9 policy-invalid-value",
    "7:1 policy-signer-unbound",
    "8:7 policy-invalid-glob",
    "9:7 policy-invalid-repo",
    "10:1 policy-exception-reason",
  ]);
});

Deno.test("loadPolicy() suggests the key that was meant", async () => {
  const cases: [string, RegExp][] = [
    ["version = 1\n[default]\n", /did you mean "defaults"\?/],
    ['version = 1\n[[exceptions]]\ncrate = "a"\n', /did you mean "exception"\?/],
    ["version = 1\n[crates.serde]\n", /did you mean "crate"\?/],
    ["version = 1\n[serde]\n", /rules for a crate go in \[crate\.serde\]/],
    [
      'version = 1\n[defaults]\nworkflow = "o/r/.github/workflows/a.yml"\n',
      /signer keys go in a \[\[defaults\.signer\]\] table/,
    ],
    [
      'version = 1\n[repo."o/r"]\nreason = "x"\n',
      /exception keys go in an \[\[exception\]\] table/,
    ],
    [
      'version = 1\n[[defaults.signer]]\nworkflow = "o/r/.github/workflows/a.yml"\nrepo = "o/r"\n',
      /did you mean "source_repository"\?/,
    ],
    [
      'version = 1\n[[defaults.signer]]\nworkflow = "o/r/.github/workflows/a.yml"\nsource-ref = "refs/heads/main"\n',
      /did you mean "source_ref"\?/,
    ],
    ['require = ["checksum"]\nversion = 1\n', /rule keys go in a table/],
  ];
  for (const [text, help] of cases) {
    const d = await only(text);
    assert.equal(d.code, "policy-unknown-key", text);
    assert.match(d.help ?? "", help, text);
  }
});

Deno.test("loadPolicy() explains type mistakes people make in TOML", async () => {
  const cases: [string, string, RegExp][] = [
    [
      'version = 1\n[defaults.signer]\nworkflow = "o/r/.github/workflows/a.yml"\n',
      "policy-type",
      /write \[\[defaults\.signer\]\] with two brackets/,
    ],
    [
      'version = 1\n[crate]\nserde = "1.0"\n',
      "policy-type",
      /pin one version with \[crate\."serde@1\.0"\]/,
    ],
    [
      'version = 1\n[exception]\nrepo = "o/r"\n',
      "policy-type",
      /write \[\[exception\]\] with two brackets/,
    ],
    ['version = "1"\n', "policy-invalid-value", /write version = 1 \(a number, without quotes\)/],
    ["version = 1\n[defaults]\nstrict = 1\n", "policy-type", /^$/],
  ];
  for (const [text, code, help] of cases) {
    const d = await only(text);
    assert.equal(d.code, code, text);
    assert.match(d.help ?? "", help, text);
  }
});

Deno.test("loadPolicy() points inside inline tables and arrays", async () => {
  const d = await only('version = 1\n[defaults]\nsigner = [{ ref = "refs/tags/*" }]\n');
  assert.equal(d.code, "policy-signer-unbound");
  assert.deepEqual([d.line, d.col, d.length], [3, 11, 23]);
});

Deno.test("loadPolicy() finds duplicates that TOML itself allows", async () => {
  const repo = await only(
    'version = 1\n[repo."O/R"]\nstrict = true\n[repo."o/r"]\nstrict = false\n',
  );
  assert.equal(repo.code, "policy-duplicate");
  assert.equal(repo.line, 4);
  assert.match(repo.message, /written at attest\.toml:2/);
  const exception = await only(
    'version = 1\n[[exception]]\ncrate = "ring"\nallow = ["crate-vcs", "crate-source"]\nreason = "a"\n' +
      '[[exception]]\ncrate = "Ring"\nallow = ["crate-source"]\nreason = "b"\n',
  );
  assert.deepEqual([exception.code, exception.level, exception.line], [
    "policy-duplicate",
    "error",
    6,
  ]);
  const signer = await only(
    'version = 1\n[[defaults.signer]]\nsan = "a@b.c"\n[[defaults.signer]]\nsan = "a@b.c"\n',
  );
  assert.deepEqual([signer.code, signer.level, signer.line], ["policy-duplicate", "warning", 4]);
  // An exception for the whole crate and one for a single version do not overlap.
  assert.deepEqual(
    await diagnose(
      'version = 1\n[[exception]]\ncrate = "ring"\nallow = ["crate-vcs"]\nreason = "a"\n' +
        '[[exception]]\ncrate = "ring@0.17.8"\nallow = ["crate-vcs"]\nreason = "b"\n',
    ),
    [],
  );
});

Deno.test("loadPolicy() checks expiry only when given the time, through the last day", async () => {
  const text = 'version = 1\n[[exception]]\nrepo = "o/r"\nallow = ["checksum"]\nreason = "r"\n' +
    "expires = 2026-11-24\n";
  assert.deepEqual((await loadPolicy(text, "attest.toml")).diagnostics, []);
  const at = (iso: string) => loadPolicy(text, "attest.toml", { now: new Date(iso) });
  assert.equal((await at("2026-11-24T23:59:59Z")).diagnostics[0].code, "policy-exception-expiring");
  assert.ok((await at("2026-11-24T23:59:59Z")).policy);
  const expired = await at("2026-11-25T00:00:00Z");
  assert.equal(expired.policy, undefined);
  assert.equal(expired.diagnostics[0].code, "policy-expired-exception");
  assert.match(
    expired.diagnostics[0].message,
    /the exception for o\/r \(allow checksum\) expired on 2026-11-24/,
  );
  assert.deepEqual((await at("2026-11-01T00:00:00Z")).diagnostics, []);
});

Deno.test("loadPolicy() rejects date-times and impossible dates in expires", async () => {
  const base = 'version = 1\n[[exception]]\nrepo = "o/r"\nallow = ["checksum"]\nreason = "r"\n';
  for (const value of ["2027-01-01T00:00:00Z", "07:00:00", '"2027-13-01"', '"next year"']) {
    const d = await only(`${base}expires = ${value}\n`);
    assert.equal(d.code, "policy-invalid-date", value);
  }
});

Deno.test("loadPolicy() validates signer fields", async () => {
  const signer = (body: string) => `version = 1\n[[defaults.signer]]\n${body}\n`;
  const cases: [string, string, RegExp][] = [
    [
      'workflow = "https://github.com/o/r/.github/workflows/a.yml"',
      "policy-invalid-workflow",
      /without https:\/\/github\.com\//,
    ],
    ['workflow = "o/r/a.yml"', "policy-invalid-workflow", /"o\/r\/\.github\/workflows\/a\.yml"/],
    [
      'san = "https://github.com/o/r/.github/workflows/a.yml"',
      "policy-invalid-value",
      /write workflow = "o\/r\/\.github\/workflows\/a\.yml"/,
    ],
    [
      'san = "a@b.c"\nissuer = "accounts.google.com"',
      "policy-invalid-value",
      /https:\/\/token\.actions/,
    ],
    ['san = "a@b.c"\nsource_ref = "main"', "policy-invalid-value", /"refs\/heads\/main"/],
    ['san = "a@b.c"\nsource_repository = "github.com/o/r"', "policy-invalid-repo", /"o\/r"/],
    [
      'san = "a@b.c"\nrunner_environment = "self-hosted"',
      "policy-invalid-value",
      /cannot be\s+pinned/,
    ],
    ['san = "a@b.c"\nref = "refs/tags/**/*"', "", /^$/],
  ];
  for (const [body, code, help] of cases) {
    const diagnostics = await diagnose(signer(body));
    if (code === "") {
      assert.deepEqual(diagnostics, [], body);
      continue;
    }
    assert.equal(diagnostics.length, 1, `${body}: ${JSON.stringify(diagnostics)}`);
    assert.equal(diagnostics[0].code, code, body);
    assert.match(diagnostics[0].help ?? "", help, body);
  }
});

Deno.test("loadPolicy() validates crate and repository names", async () => {
  const cases: [string, string][] = [
    ['[crate."9lives"]', "policy-invalid-crate"],
    ['[crate."serde@1.0"]', "policy-invalid-crate"],
    ['[crate."serde@=1.0.0"]', "policy-invalid-crate"],
    ['[crate."serde@1.0.0-rc.1+build.5"]', ""],
    ['[repo."o"]', "policy-invalid-repo"],
    ['[repo."o/r/x"]', "policy-invalid-repo"],
    ['[repo."-o/r"]', "policy-invalid-repo"],
    ['[repo."o/.."]', "policy-invalid-repo"],
    ['[repo."rust-lang/rust.vim"]', ""],
  ];
  for (const [header, code] of cases) {
    const diagnostics = await diagnose(`version = 1\n${header}\n`);
    assert.deepEqual(diagnostics.map((d) => d.code), code ? [code] : [], header);
  }
  const exception = await only(
    'version = 1\n[[exception]]\ncrate = "serde@latest"\nallow = ["crate-vcs"]\nreason = "r"\n',
  );
  assert.deepEqual([exception.code, exception.line, exception.col], ["policy-invalid-crate", 3, 9]);
});

Deno.test("loadPolicy() turns a TOML syntax error into one diagnostic", async () => {
  const d = await only('version = 1\n[defaults]\nrequire = ["checksum"\n');
  assert.equal(d.code, "policy-syntax");
  assert.match(d.message, /^invalid TOML: /);
  // An array never closed points at where it opens, not at the end of the file.
  const unclosed = await only('version = 1\n[defaults]\nrequire = ["checksum",\n  "rekor"\n\n');
  assert.deepEqual([unclosed.line, unclosed.col], [3, 11]);
  assert.match(unclosed.message, /the array opened here is never closed \(the parser gave up at /);
  const string = await only('version = 1\n[defaults]\nrequire = ["checksum]\n');
  assert.deepEqual([string.line, string.col], [3, 12]);
  assert.match(string.message, /the string opened here is never closed/);
  // A mistake inside an array that is closed later is reported where it is.
  const inside = await only('version = 1\n[defaults]\nrequire = [\n "checksum"\n b\n]\n');
  assert.equal(inside.line, 5);
  assert.doesNotMatch(inside.message, /never closed/);
  const redefined = await only("version = 1\n[defaults]\n[defaults]\n");
  assert.equal(redefined.line, 3);
  assert.match(redefined.help ?? "", /merge the two definitions/);
});

Deno.test("mapSchemaErrors() defers what the semantic rules cover and never drops the rest", () => {
  const { findings, deferred } = mapSchemaErrors([
    {
      path: ["repo"],
      keyword: "propertyNames",
      params: { propertyName: "x" },
      message: "property name must be valid",
      schemaPath: "#/properties/repo/propertyNames",
      data: {},
    },
    {
      path: ["defaults"],
      keyword: "maxProperties",
      params: {},
      message: "must NOT have more than 4 properties",
      schemaPath: "#/x",
      data: {},
    },
  ]);
  assert.equal(deferred.length, 1);
  assert.deepEqual(findings.map((f) => [f.code, f.message]), [
    [
      "policy-invalid-value",
      "[defaults] does not match the policy schema: must NOT have more than 4 properties",
    ],
  ]);
});

Deno.test("loadPolicy() treats __proto__ and friends as plain (invalid) keys", async () => {
  const diagnostics = await diagnose(
    'version = 1\n[crate.__proto__]\nrequire = ["crate-vcs"]\n[defaults]\nconstructor = 1\n' +
      '[repo."__proto__/x"]\n',
  );
  assert.deepEqual(diagnostics.map((d) => `${d.line} ${d.code}`), [
    "2 policy-invalid-crate",
    "5 policy-unknown-key",
    "6 policy-invalid-repo",
  ]);
  assert.equal(({} as Record<string, unknown>).require, undefined);
});

Deno.test("the schema's check ids and the model's agree", async () => {
  const { POLICY_CHECK_IDS, CHECK_APPLIES_TO } = await import("./model.ts");
  const { POLICY_SCHEMA_TEXT } = await import("./schema.ts");
  const schema = JSON.parse(POLICY_SCHEMA_TEXT);
  assert.deepEqual(schema.$defs.checkId.enum, [...POLICY_CHECK_IDS]);
  assert.deepEqual(Object.keys(CHECK_APPLIES_TO), [...POLICY_CHECK_IDS]);
});
