/**
 * The example policies in policies/ (and the `init` template) pass `policy check` and mean what
 * their comments say; the shipped JSON Schema documents every key.
 */
import assert from "node:assert/strict";
import type { CheckResult } from "../lib/checks/check_result.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { runPolicy } from "../lib/cli/policy_command.ts";
import { POLICY_TEMPLATE } from "../lib/cli/init_command.ts";
import { evaluatePolicy } from "../lib/policy/evaluate.ts";
import { loadPolicy } from "../lib/policy/load.ts";
import type { Policy } from "../lib/policy/model.ts";
import { decideSubjectVerdict } from "../lib/verdict/decide.ts";

const NOW = new Date("2026-11-25T08:00:00Z");
const POLICIES = new URL("../policies/", import.meta.url);

function examplePaths(): string[] {
  return [...Deno.readDirSync(POLICIES)]
    .filter((e) => e.isFile && e.name.endsWith(".toml"))
    .map((e) => new URL(e.name, POLICIES).pathname)
    .sort();
}

async function example(name: string): Promise<Policy> {
  const path = new URL(name, POLICIES).pathname;
  const { policy, diagnostics } = await loadPolicy(await Deno.readTextFile(path), name, {
    now: NOW,
  });
  assert.deepEqual(diagnostics, []);
  assert.ok(policy);
  return policy;
}

function pass(id: CheckResult["id"]): CheckResult {
  // As real passes are (a crate-source match bears weight when crate-vcs bound its commit).
  const loadBearing = ["checksum", "attestation", "crate-checksum", "cosign", "crate-source"]
    .includes(id);
  return { id, status: "pass", code: `${id}-ok`, message: "ok", loadBearing };
}
function skip(id: CheckResult["id"]): CheckResult {
  return { id, status: "skip", code: `${id}-missing`, message: "missing", loadBearing: false };
}

Deno.test("policies/ holds the template and at least three examples", () => {
  const names = examplePaths().map((p) => p.split("/").pop());
  assert.ok(names.includes("template.toml"));
  for (const name of ["binary-consumer.toml", "library-lockfile.toml", "high-assurance.toml"]) {
    assert.ok(names.includes(name), name);
  }
});

for (const path of examplePaths()) {
  Deno.test(`policy check passes on ${path.split("/").slice(-2).join("/")}`, async () => {
    const io = createMemoryIo({}, NOW);
    assert.equal(await runPolicy(["check", path], io), 0);
    assert.equal(io.err, "", "no errors and no warnings");
    assert.match(io.out, /: valid policy \(version 1\): every subject: /);
    assert.equal(io.out.split("\n").length, 2, "a one-line summary");
  });
}

Deno.test("the init template is policies/template.toml and demands nothing yet", async () => {
  assert.equal(POLICY_TEMPLATE, await Deno.readTextFile(new URL("template.toml", POLICIES)));
  const policy = await example("template.toml");
  const checks = [pass("checksum"), { ...skip("attestation"), required: false }];
  const decision = evaluatePolicy(policy, {
    kind: "release-asset",
    repo: "o/r",
    tag: "v1",
    name: "a.tgz",
    sha256: "00".repeat(32),
  }, checks);
  assert.equal(decideSubjectVerdict(decision.checks), "TRUSTED");
  assert.deepEqual(decision.signers, []);
});

Deno.test("binary-consumer.toml: checksums everywhere, gh's own release workflow for cli/cli", async () => {
  const policy = await example("binary-consumer.toml");
  const release = (repo: string) => ({
    kind: "release-asset" as const,
    repo,
    tag: "v2.62.0",
    name: "x.tar.gz",
    sha256: "00".repeat(32),
  });
  const rg = evaluatePolicy(policy, release("BurntSushi/ripgrep"), [pass("checksum")]);
  assert.equal(decideSubjectVerdict(rg.checks), "TRUSTED");
  assert.equal(rg.rekorRequired, true);
  const gh = evaluatePolicy(policy, release("cli/cli"), [pass("checksum")]);
  assert.equal(decideSubjectVerdict(gh.checks), "UNVERIFIED", "an attestation is required");
  assert.deepEqual(gh.signers.map((s) => [s.signerWorkflow, s.refGlob, s.runnerEnvironment]), [
    ["cli/cli/.github/workflows/deployment.yml", "refs/tags/v*", "github-hosted"],
  ]);
  const internal = evaluatePolicy(policy, release("example-org/deploy-cli"), [pass("checksum")]);
  assert.equal(decideSubjectVerdict(internal.checks), "UNVERIFIED", "identity is still required");
  assert.match(internal.checks.find((c) => c.id === "attestation")!.message, /PLAT-412/);
  const vendor = evaluatePolicy(policy, release("example-vendor/dbtool"), []);
  assert.deepEqual(vendor.signers.map((s) => [s.san, s.issuer]), [
    ["release-signing@example-vendor.com", "https://accounts.google.com"],
  ]);
});

Deno.test("library-lockfile.toml: stricter rules for core crates, reasoned exceptions", async () => {
  const policy = await example("library-lockfile.toml");
  const crate = (name: string, version: string) => ({ kind: "crate" as const, name, version });
  const verdict = (name: string, version: string, checks: CheckResult[]) =>
    decideSubjectVerdict(evaluatePolicy(policy, crate(name, version), checks, { now: NOW }).checks);
  assert.equal(verdict("itoa", "1.0.11", [pass("crate-checksum")]), "TRUSTED");
  assert.equal(verdict("serde", "1.0.200", [pass("crate-checksum")]), "UNVERIFIED");
  assert.equal(verdict("serde", "1.0.200", [pass("crate-checksum"), pass("crate-vcs")]), "TRUSTED");
  assert.equal(
    verdict("openssl-sys", "0.9.103", [pass("crate-checksum"), skip("crate-vcs")]),
    "TRUSTED",
  );
  assert.equal(
    verdict("ring", "0.17.8", [pass("crate-checksum"), pass("crate-vcs"), skip("crate-source")]),
    "TRUSTED",
  );
  assert.equal(
    verdict("tokio", "1.40.0", [pass("crate-checksum"), pass("crate-vcs"), skip("crate-source")]),
    "UNVERIFIED",
  );
  const own = evaluatePolicy(policy, crate("example_core", "2.0.0"), []);
  assert.deepEqual(own.signers.map((s) => s.signerWorkflow), [
    "example-org/example-core/.github/workflows/publish.yml",
  ]);
});

Deno.test("high-assurance.toml: strict, Rekor required, a pinned builder", async () => {
  const policy = await example("high-assurance.toml");
  const asset = {
    kind: "release-asset" as const,
    repo: "example-org/agent",
    tag: "v4.2.0",
    name: "agent.tar.gz",
    sha256: "00".repeat(32),
  };
  const all = ["checksum", "attestation", "identity", "subject-digest", "rekor"] as const;
  const decision = evaluatePolicy(policy, asset, all.map(pass));
  assert.equal(decideSubjectVerdict(decision.checks), "MISMATCH", "the cosign bundle is missing");
  assert.equal(decision.strict, true);
  assert.equal(decision.rekorRequired, true);
  assert.deepEqual(decision.signers.map((s) => [s.signerWorkflow, s.sourceRepository]), [
    [
      "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
      "example-org/agent",
    ],
  ]);
  const complete = evaluatePolicy(policy, asset, [...all, "cosign" as const].map(pass));
  assert.equal(decideSubjectVerdict(complete.checks), "TRUSTED");
  const crateChecks = ["crate-checksum", "crate-vcs", "crate-source"] as const;
  const pinned = evaluatePolicy(
    policy,
    { kind: "crate", name: "libgit2-sys", version: "0.17.0+1.8.1" },
    crateChecks.map(pass),
    { now: NOW },
  );
  assert.equal(
    decideSubjectVerdict(pinned.checks),
    "TRUSTED",
    "the dated exception lets trusted publishing be missing for that one version, even strict",
  );
  assert.match(pinned.checks.find((c) => c.id === "trusted-publishing")!.message, /INC-2291/);
  const next = evaluatePolicy(
    policy,
    { kind: "crate", name: "libgit2-sys", version: "0.17.1+1.8.1" },
    crateChecks.map(pass),
    { now: NOW },
  );
  assert.equal(decideSubjectVerdict(next.checks), "MISMATCH", "strict: missing evidence fails");
});

Deno.test("the JSON Schema documents every key", async () => {
  const schema = JSON.parse(
    await Deno.readTextFile(new URL("../schema/attest.schema.json", import.meta.url)),
  );
  assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
  const undocumented: string[] = [];
  const walk = (node: Record<string, unknown>, where: string) => {
    const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (typeof value.description !== "string") undocumented.push(`${where}.${key}`);
    }
  };
  walk(schema, "(root)");
  for (
    const [name, def] of Object.entries(schema.$defs as Record<string, Record<string, unknown>>)
  ) {
    walk(def, name);
  }
  assert.deepEqual(undocumented, []);
});
