import assert from "node:assert/strict";
import { AttestError } from "../errors.ts";
import { createMemoryIo } from "./io.ts";
import {
  loadPolicyForCommand,
  parsePolicyTarget,
  PolicyInvalidError,
  runPolicy,
} from "./policy_command.ts";

const NOW = new Date("2026-11-25T08:00:00Z");

/** Runs like main() does: a thrown AttestError is printed and becomes exit 3. */
async function run(args: string[], io = createMemoryIo({}, NOW)) {
  let code: number;
  let error: AttestError | undefined;
  try {
    code = await runPolicy(args, io);
  } catch (e) {
    if (!(e instanceof AttestError)) throw e;
    error = e;
    io.stderr(`cargo-attest: error: ${e.message}\n`);
    if (e.hint) io.stderr(`  hint: ${e.hint}\n`);
    code = 3;
  }
  return { code, out: io.out, err: io.err, error };
}

async function withPolicy(text: string, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-policy-" });
  try {
    const path = `${dir}/attest.toml`;
    await Deno.writeTextFile(path, text);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const VALID =
  'version = 1\n[defaults]\nrequire = ["checksum"]\n[crate.serde]\nrequire = ["crate-vcs"]\n';
const INVALID = [
  "version = 1",
  "[defaults]",
  'requre = ["checksum"]',
  'rekor = "sometimes"',
  "[[exception]]",
  'crate = "ring"',
  'allow = ["crate-vcs"]',
  "expires = 2026-01-01",
].join("\n") + "\n";

Deno.test("policy check: a valid policy exits 0 with a one-line summary of what it demands", async () => {
  await withPolicy(VALID, async (path) => {
    const r = await run(["check", path]);
    assert.equal(r.code, 0);
    assert.equal(
      r.out,
      `${path}: valid policy (version 1): every subject: require checksum; 1 crate rule (serde)\n`,
    );
    assert.equal(r.err, "");
  });
});

Deno.test("policy check: an invalid policy exits 3 and lists every problem at once", async () => {
  await withPolicy(INVALID, async (path) => {
    const r = await run(["check", path]);
    assert.equal(r.code, 3);
    assert.equal(r.out, "");
    assert.equal(r.error?.code, "policy-invalid");
    assert.ok(r.error instanceof PolicyInvalidError);
    const codes = [...r.err.matchAll(/^error\[([a-z-]+)\]/gm)].map((m) => m[1]);
    assert.deepEqual(codes, [
      "policy-unknown-key",
      "policy-invalid-value",
      "policy-exception-reason",
      "policy-expired-exception",
    ]);
    assert.match(r.err, new RegExp(`--> ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:3:1\n`));
    assert.match(r.err, /= help: did you mean "require"\?/);
    assert.match(r.err, /: 4 errors\n/);
    assert.match(
      r.err,
      /cargo-attest: error: .* is not a valid policy \(4 errors\); nothing was verified/,
    );
  });
});

Deno.test("policy check --json prints the diagnostics as data and still exits 3 when invalid", async () => {
  await withPolicy(INVALID, async (path) => {
    const r = await run(["check", path, "--json"]);
    assert.equal(r.code, 3);
    const doc = JSON.parse(r.out);
    assert.equal(doc.schema, "cargo-attest/policy-check/v1");
    assert.equal(doc.valid, false);
    assert.equal(doc.summary, null);
    assert.match(doc.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(doc.diagnostics[0], {
      level: "error",
      code: "policy-unknown-key",
      message: 'unknown key "requre" in [defaults]',
      file: path,
      line: 3,
      col: 1,
      length: 6,
      sourceLine: 'requre = ["checksum"]',
      help: 'did you mean "require"?',
    });
  });
  await withPolicy(VALID, async (path) => {
    const r = await run(["check", "--json", path]);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.out).valid, true);
  });
});

Deno.test("policy check: warnings alone do not fail the check", async () => {
  const text = 'version = 1\n[[exception]]\nrepo = "o/r"\nallow = ["checksum"]\nreason = "r"\n' +
    "expires = 2026-11-30\n";
  await withPolicy(text, async (path) => {
    const r = await run(["check", path]);
    assert.equal(r.code, 0);
    assert.match(r.err, /^warning\[policy-exception-expiring\]/);
    assert.match(r.out, /valid policy/);
  });
});

Deno.test("policy check: colours diagnostics only with --color always", async () => {
  await withPolicy(INVALID, async (path) => {
    const esc = String.fromCharCode(27);
    assert.ok(!(await run(["check", path])).err.includes(esc));
    assert.ok((await run(["check", path, "--color", "always"])).err.includes(`${esc}[1;31merror`));
  });
});

Deno.test("policy check: a missing file or a bad command line is an error (exit 3)", async () => {
  const missing = await run(["check", "/nonexistent/attest.toml"]);
  assert.equal(missing.code, 3);
  assert.equal(missing.error?.code, "input-unusable");
  assert.equal((await run(["check", "a", "b"])).error?.code, "usage");
  assert.equal((await run(["check", "--bogus"])).error?.code, "usage");
  const unknown = await run(["chek"]);
  assert.equal(unknown.error?.code, "usage");
  assert.equal(unknown.error?.hint, "did you mean 'policy check'?");
  assert.equal((await run([])).error?.code, "usage");
});

Deno.test("policy explain: says which rules apply to each subject and where", async () => {
  await withPolicy(VALID, async (path) => {
    const r = await run(["explain", "--policy", path, "serde@1.0.200", "o/r"]);
    assert.equal(r.code, 0);
    assert.equal(r.err, "");
    assert.ok(r.out.startsWith(`policy: ${path}\n\ncrate serde@1.0.200\n`));
    assert.match(
      r.out,
      new RegExp(`require: +crate-vcs +\\(\\[crate\\.serde\\] at .*attest\\.toml:5\\)`),
    );
    assert.match(r.out, /\n\nrelease assets of o\/r\n/);
    assert.match(r.out, /require: +checksum +\(\[defaults\] at .*attest\.toml:3\)/);
  });
});

Deno.test("policy explain --json and --strict", async () => {
  await withPolicy(VALID, async (path) => {
    const r = await run(["explain", "--policy", path, "--json", "--strict", "serde"]);
    const doc = JSON.parse(r.out);
    assert.equal(doc.schema, "cargo-attest/policy-explain/v1");
    assert.equal(doc.policy.path, path);
    assert.equal(doc.policy.builtin, false);
    assert.deepEqual(doc.subjects[0].target, { kind: "crate", name: "serde" });
    assert.deepEqual(doc.subjects[0].strict, { value: true, policyRef: null, cli: true });
  });
});

Deno.test("policy explain: an invalid policy stops before anything is explained", async () => {
  await withPolicy(INVALID, async (path) => {
    const r = await run(["explain", "--policy", path, "serde"]);
    assert.equal(r.code, 3);
    assert.equal(r.out, "");
    assert.match(r.err, /error\[policy-unknown-key\]/);
  });
  assert.equal((await run(["explain"])).error?.code, "usage");
  assert.equal((await run(["explain", "not a subject"])).error?.code, "usage");
});

Deno.test("parsePolicyTarget() reads OWNER/REPO, NAME@VERSION and NAME", () => {
  assert.deepEqual(parsePolicyTarget("BurntSushi/ripgrep"), {
    kind: "release",
    repo: "BurntSushi/ripgrep",
  });
  assert.deepEqual(parsePolicyTarget("serde@1.0.200"), {
    kind: "crate",
    name: "serde",
    version: "1.0.200",
  });
  assert.deepEqual(parsePolicyTarget("serde"), { kind: "crate", name: "serde" });
  for (const bad of ["a/b/c", "serde@1", "9x", "serde@"]) {
    assert.throws(() => parsePolicyTarget(bad), (e: AttestError) => e.code === "usage", bad);
  }
});

Deno.test("policy schema prints the shipped JSON Schema", async () => {
  const r = await run(["schema"]);
  assert.equal(r.code, 0);
  const shipped = await Deno.readTextFile(
    new URL("../../schema/attest.schema.json", import.meta.url),
  );
  assert.deepEqual(JSON.parse(r.out), JSON.parse(shipped));
  assert.equal(JSON.parse(r.out).$schema, "https://json-schema.org/draft/2020-12/schema");
});

Deno.test("loadPolicyForCommand() reads the named policy and records its digest", async () => {
  await withPolicy(VALID, async (path) => {
    const io = createMemoryIo({}, NOW);
    const loaded = await loadPolicyForCommand(path, io);
    assert.equal(loaded.policy.builtin, false);
    assert.equal(loaded.report.path, path);
    assert.equal(loaded.report.builtin, false);
    const bytes = new TextEncoder().encode(VALID);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    assert.equal(
      loaded.report.sha256,
      [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
    );
    assert.equal(io.err, "");
  });
  await withPolicy(INVALID, async (path) => {
    const io = createMemoryIo({}, NOW);
    await assert.rejects(loadPolicyForCommand(path, io), PolicyInvalidError);
    assert.match(io.err, /error\[policy-invalid-value\]/);
  });
});

Deno.test("loadPolicyForCommand() falls back to the built-in policy without attest.toml", async () => {
  let present = true;
  try {
    await Deno.stat("attest.toml");
  } catch {
    present = false;
  }
  if (present) return; // the working directory has its own policy; nothing to test here
  const loaded = await loadPolicyForCommand(undefined, createMemoryIo({}, NOW));
  assert.equal(loaded.policy.builtin, true);
  assert.deepEqual(loaded.report, { path: null, sha256: null, builtin: true });
});
