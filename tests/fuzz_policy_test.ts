/**
 * Seeded fuzzing of the policy loader (lib/policy/load.ts: TOML, schema, semantic rules,
 * positions and diagnostics). Every input, mutated from the example policies in policies/ or
 * random, must either load or be refused with diagnostics that carry a known `policy-…` code
 * and a place in the file: `loadPolicy` never throws (a TypeError, a RangeError, a stack
 * overflow…), never returns neither a policy nor an error, and never takes long. Through
 * `loadPolicyForCommand`, a refused policy is the typed {@link PolicyInvalidError}.
 */
import assert from "node:assert/strict";
import { AttestError, InputError } from "../lib/errors.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import {
  loadPolicyForCommand,
  MAX_POLICY_BYTES,
  PolicyInvalidError,
} from "../lib/cli/policy_command.ts";
import {
  MAX_SOURCE_LINE_CHARS,
  POLICY_DIAGNOSTIC_CODES,
  type PolicyDiagnostic,
  renderDiagnostic,
  renderDiagnostics,
} from "../lib/policy/diagnostics.ts";
import { findUnmatchedEntries } from "../lib/policy/explain.ts";
import { loadPolicy, type LoadResult } from "../lib/policy/load.ts";
import {
  describeError,
  FuzzReport,
  mutateText,
  mutateTextTimes,
  mutateTomlValue,
  randomText,
  Rng,
  type TextMutant,
  withTimeout,
} from "./support/fuzz.ts";

const POLICIES = new URL("../policies/", import.meta.url);
const FILE = "fuzz/attest.toml";
const NOW = new Date("2026-11-25T08:00:00Z");
/** Per-case time limit: a real policy loads in about a millisecond. */
const CASE_BUDGET_MS = 2000;

const SEEDS: readonly string[] = [...Deno.readDirSync(POLICIES)]
  .filter((e) => e.isFile && e.name.endsWith(".toml"))
  .map((e) => e.name)
  .sort()
  .map((name) => Deno.readTextFileSync(new URL(name, POLICIES)));
const DONOR_LINES = SEEDS.flatMap((s) => s.split("\n"));

/** Lines that are valid in some policy table, to splice in anywhere (often in the wrong place). */
const POLICY_LINES: readonly string[] = [
  "version = 1",
  "version = 2",
  "[defaults]",
  '[repo."o/r"]',
  '[repo."O/R"]',
  "[repo.bad]",
  "[crate.serde]",
  '[crate."serde@1.0.200"]',
  '[crate."serde@^1"]',
  "[crate.Serde_]",
  "[[defaults.signer]]",
  '[[repo."o/r".signer]]',
  "[[crate.serde.signer]]",
  "[[exception]]",
  'require = ["checksum", "attestation", "crate-checksum"]',
  'require = ["cheksum", "checksum", "checksum"]',
  'allow = ["trusted-publishing"]',
  'allow = ["cosign", "rekor"]',
  'rekor = "required"',
  'rekor = "sometimes"',
  "strict = true",
  'workflow = "o/r/.github/workflows/release.yml"',
  'workflow = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1"',
  'ref = "refs/tags/v*"',
  'ref = "refs/tags/[v"',
  'ref = "**"',
  'issuer = "http://example.com"',
  'issuer = "https://token.actions.githubusercontent.com"',
  'san = "https://github.com/o/r/.github/workflows/x.yml"',
  'san = " "',
  'source_repository = "github.com/o/r"',
  'source_ref = "v1.2.3"',
  'runner_environment = "self-hosted"',
  'crate = "serde@1.0.200"',
  'crate = "serde"',
  'repo = "o/r"',
  'reason = ""',
  'reason = "why"',
  "expires = 2026-11-30",
  "expires = 2020-01-01",
  "expires = 2026-02-30T00:00:00Z",
  'expires = "2026-02-30"',
  "expires = 07:00:00",
];

/** What is wrong with one diagnostic, or `undefined`. */
function judgeDiagnostic(d: PolicyDiagnostic, lineCount: number): string | undefined {
  if (d.level !== "error" && d.level !== "warning") return `level ${String(d.level)}`;
  if (!(d.code in POLICY_DIAGNOSTIC_CODES)) return `unknown code ${d.code}`;
  if (d.file !== FILE) return `file ${d.file}`;
  if (typeof d.message !== "string" || d.message === "") return `${d.code}: empty message`;
  if (!Number.isSafeInteger(d.line) || d.line < 1 || d.line > lineCount + 1) {
    return `${d.code}: line ${d.line} of ${lineCount}`;
  }
  if (!Number.isSafeInteger(d.col) || d.col < 1) return `${d.code}: column ${d.col}`;
  if (!Number.isSafeInteger(d.length) || d.length < 0) return `${d.code}: length ${d.length}`;
  if (typeof d.sourceLine !== "string") return `${d.code}: no source line`;
  if ([...d.sourceLine].length > MAX_SOURCE_LINE_CHARS) {
    return `${d.code}: a source line of ${d.sourceLine.length} characters (not cut to a window)`;
  }
  return undefined;
}

/** What is wrong with one result of {@link loadPolicy}, or `undefined`. */
function judge(result: LoadResult, text: string): string | undefined {
  if (!Array.isArray(result.diagnostics)) return "no diagnostics array";
  const lineCount = text.split("\n").length;
  for (const d of result.diagnostics) {
    const problem = judgeDiagnostic(d, lineCount);
    if (problem !== undefined) return problem;
  }
  const errors = result.diagnostics.filter((d) => d.level === "error");
  if (result.policy === undefined && errors.length === 0) {
    return "refused without an error diagnostic saying why";
  }
  if (result.policy !== undefined && errors.length > 0) {
    return `returned a policy despite ${errors.length} errors (${errors[0].code})`;
  }
  if (result.policy !== undefined && result.policy.file !== FILE) {
    return "policy names another file";
  }
  try {
    const rendered = renderDiagnostics(result.diagnostics, { color: false });
    for (const d of result.diagnostics) {
      if (!rendered.includes(`[${d.code}]`)) return `${d.code} missing from the rendering`;
    }
  } catch (error) {
    return `renderDiagnostics threw: ${describeError(error)}`;
  }
  return undefined;
}

async function fuzz(report: FuzzReport, index: number, m: TextMutant): Promise<void> {
  report.cases++;
  const start = performance.now();
  let result: LoadResult;
  try {
    result = await withTimeout(
      CASE_BUDGET_MS * 5,
      `case #${index}`,
      () => loadPolicy(m.text, FILE, { now: NOW }),
    );
  } catch (error) {
    report.add(index, m.label, `loadPolicy threw: ${describeError(error)}`);
    return;
  }
  const ms = performance.now() - start;
  if (ms > CASE_BUDGET_MS) {
    report.add(index, m.label, `took ${ms.toFixed(0)} ms for ${m.text.length} characters`);
  }
  const problem = judge(result, m.text);
  if (problem !== undefined) report.add(index, m.label, problem);
}

Deno.test("fuzz policy: the example policies load without diagnostics", async () => {
  assert.ok(SEEDS.length >= 4, "policies/ holds the template and three examples");
  for (const text of SEEDS) {
    const result = await loadPolicy(text, FILE, { now: NOW });
    assert.deepEqual(result.diagnostics, []);
    assert.ok(result.policy);
  }
});

const TEXT_MUTANTS = 500;

Deno.test(`fuzz policy: ${TEXT_MUTANTS} line and character mutants of the example policies`, async () => {
  const rng = new Rng("policy/text");
  const report = new FuzzReport("policy text mutants");
  for (let i = 0; i < TEXT_MUTANTS; i++) {
    const m = mutateTextTimes(rng, rng.pick(SEEDS), rng.range(1, 3), {
      donorLines: rng.chance(0.5) ? POLICY_LINES : DONOR_LINES,
      maxHuge: 32 * 1024,
    });
    await fuzz(report, i, m);
  }
  report.assertClean();
});

const TYPE_MUTANTS = 400;

Deno.test(`fuzz policy: ${TYPE_MUTANTS} type-confusion mutants (another TOML type for a value)`, async () => {
  const rng = new Rng("policy/types");
  const report = new FuzzReport("policy type mutants");
  for (let i = 0; i < TYPE_MUTANTS; i++) {
    let m = mutateTomlValue(rng, rng.pick(SEEDS));
    if (rng.chance(0.4)) {
      const more = rng.chance(0.5)
        ? mutateTomlValue(rng, m.text)
        : mutateText(rng, m.text, { donorLines: POLICY_LINES });
      m = { text: more.text, label: `${m.label}; ${more.label}` };
    }
    await fuzz(report, i, m);
  }
  report.assertClean();
});

const RANDOM_INPUTS = 300;

Deno.test(`fuzz policy: ${RANDOM_INPUTS} random policies built from policy lines, and random text`, async () => {
  const rng = new Rng("policy/random");
  const report = new FuzzReport("policy random inputs");
  for (let i = 0; i < RANDOM_INPUTS; i++) {
    let m: TextMutant;
    if (i % 4 === 0) {
      m = { text: randomText(rng, 300), label: "random text" };
    } else if (i % 4 === 1) {
      const bytes = rng.bytes(rng.int(300));
      m = { text: new TextDecoder().decode(bytes), label: "random bytes as UTF-8" };
    } else {
      const lines = ["version = 1"];
      for (let n = rng.range(1, 25); n > 0; n--) lines.push(rng.pick(POLICY_LINES));
      const text = lines.join("\n");
      m = { text, label: text.replaceAll("\n", "⏎").slice(0, 180) };
    }
    await fuzz(report, i, m);
  }
  report.assertClean();
});

Deno.test("fuzz policy: deep nesting, huge strings and huge tables are refused or loaded promptly", async () => {
  const report = new FuzzReport("policy extremes");
  const many = (n: number, f: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => f(i)).join("");
  // The sizes are where the quadratic versions of the loader took many seconds or overflowed.
  const extremes: TextMutant[] = [
    { label: "arrays 5,000 deep", text: `version = 1\nx = ${"[".repeat(5000)}${"]".repeat(5000)}` },
    {
      label: "inline tables 3,000 deep",
      text: `version = 1\nx = ${"{a=".repeat(3000)}1${"}".repeat(3000)}`,
    },
    { label: "dotted key 30,000 deep", text: `version = 1\n${"a.".repeat(30_000)}a = 1` },
    { label: "table header 30,000 deep", text: `version = 1\n[${"a.".repeat(30_000)}a]` },
    {
      label: "array-of-tables header 10,000 deep, then keys",
      text: `version = 1\n[[${"a.".repeat(10_000)}a]]\n${"b = [1, 2]\n".repeat(1000)}`,
    },
    {
      label: "a deep dotted key inside [defaults]",
      text: `version = 1\n[defaults]\n${"require.".repeat(10_000)}x = 1`,
    },
    {
      label: "a 128 KiB string",
      text: `version = 1\n[defaults]\nrekor = "${"x".repeat(128 * 1024)}"`,
    },
    { label: "a 128 KiB key", text: `version = 1\n[repo."${"o".repeat(128 * 1024)}/r"]` },
    {
      label: "5,000 overlapping exceptions for one crate",
      text: "version = 1\n" +
        many(5000, () => '[[exception]]\ncrate = "a@1.0.0"\nallow = ["crate-vcs"]\nreason = "r"\n'),
    },
    {
      label: "5,000 exceptions for one crate allowing nothing",
      text: "version = 1\n" +
        many(5000, () => '[[exception]]\ncrate = "a@1.0.0"\nallow = []\nreason = "r"\n'),
    },
    {
      label: "2,000 crate rules",
      text: "version = 1\n" + many(2000, (i) => `[crate.c${i}]\nrequire = ["crate-checksum"]\n`),
    },
    {
      label: "2,000 signers",
      text: "version = 1\n" +
        many(2000, (i) => `[[defaults.signer]]\nworkflow = "o/r/.github/workflows/w${i}.yml"\n`),
    },
    {
      label: "a require list of 20,000 duplicates on one line",
      text: `version = 1\n[defaults]\nrequire = [${many(20_000, () => '"cosign",')}]`,
    },
    { label: "256 KiB of newlines", text: "\n".repeat(256 * 1024) + "version = 1" },
    { label: "256 KiB of one comment line", text: `#${"x".repeat(256 * 1024)}\nversion = 1` },
    { label: "50,000 astral characters, then an error", text: `# ${"😀".repeat(50_000)}\nx = 1` },
  ];
  for (const [i, m] of extremes.entries()) await fuzz(report, i, m);
  report.assertClean();
});

// Regressions for what the extremes found in lib/policy (each was fixed there).

Deno.test("fuzz policy regression: warnings for 20,000 unmatched crate rules take no time", async () => {
  const text = "version = 1\n" +
    Array.from({ length: 20_000 }, (_, i) => `[crate.c${i}]\nrequire = ["crate-checksum"]\n`)
      .join("");
  const { policy } = await loadPolicy(text, FILE, { now: NOW });
  assert.ok(policy);
  const start = performance.now();
  const warnings = findUnmatchedEntries(policy, [{
    kind: "crate",
    name: "serde",
    version: "1.0.0",
  }]);
  const ms = performance.now() - start;
  assert.equal(warnings.length, 20_000);
  assert.deepEqual(
    [warnings[19_999].line, warnings[19_999].col, warnings[19_999].sourceLine],
    [40_000, 1, "[crate.c19999]"],
  );
  // Splitting the 800 KB policy again for each warning took a minute.
  assert.ok(ms < CASE_BUDGET_MS, `took ${ms.toFixed(0)} ms`);
});

Deno.test("fuzz policy regression: a dotted key or header 100,000 deep is a diagnostic, not a RangeError", async () => {
  for (
    const text of [
      `version = 1\n${"a.".repeat(100_000)}a = 1`,
      `version = 1\n[${"a.".repeat(100_000)}a]`,
    ]
  ) {
    const result = await loadPolicy(text, FILE, { now: NOW });
    assert.equal(result.policy, undefined);
    assert.deepEqual(
      result.diagnostics.map((d) => [d.code, d.line, d.col, d.message]),
      [["policy-unknown-key", 2, text.includes("[") ? 2 : 1, 'unknown key "a" in the top level']],
    );
  }
});

Deno.test("fuzz policy regression: diagnostics on a long line carry a window of it, caret aligned", async () => {
  const text = `version = 1\n[defaults]\nrequire = ["checksum", ${
    '"cosign", '.repeat(2000)
  }"bogus"]`;
  const { policy, diagnostics } = await loadPolicy(text, FILE, { now: NOW });
  assert.equal(policy, undefined);
  assert.equal(diagnostics.length, 2000, "one unknown check and 1,999 duplicates");
  const bogus = diagnostics.find((d) => d.code === "policy-unknown-check");
  assert.ok(bogus);
  assert.equal(bogus.col, text.split("\n")[2].indexOf('"bogus"') + 1);
  for (const d of diagnostics) {
    assert.ok([...d.sourceLine].length <= MAX_SOURCE_LINE_CHARS, `${d.sourceLine.length} chars`);
  }
  assert.ok(bogus.sourceLine.startsWith("…") && bogus.sourceLine.endsWith('"bogus"]'));
  // The caret stands under "bogus" in the window shown.
  const [, , , shown, carets] = renderDiagnostic(bogus, { color: false }).split("\n");
  const prefix = shown.indexOf("…");
  assert.equal(carets.indexOf("^") - prefix, shown.indexOf('"bogus"') - prefix);
  assert.equal(carets.match(/\^+/)?.[0], "^".repeat('"bogus"'.length));
  // All 2,000 rendered: about the size of 2,000 windows, not of 2,000 copies of the line.
  const rendered = renderDiagnostics(diagnostics, { color: false });
  assert.ok(rendered.length < 2000 * 3 * MAX_SOURCE_LINE_CHARS, `${rendered.length} characters`);
  // A short line is carried whole, without a window.
  const short = await loadPolicy('version = 1\n[defaults]\nrequire = ["bogus"]', FILE);
  assert.equal(short.diagnostics[0].sourceLine, 'require = ["bogus"]');
  assert.equal(short.diagnostics[0].sourceCol, undefined);
});

Deno.test("fuzz policy regression: overlapping exceptions name the first exception that allowed the check", async () => {
  const exception = (crate: string, allow: string) =>
    `[[exception]]\ncrate = "${crate}"\nallow = [${allow}]\nreason = "r"\n`;
  const text = "version = 1\n" + exception("ring", '"crate-vcs"') +
    exception("ring@1.0.0", '"crate-vcs"') + exception("ring", '"crate-source"') +
    exception("Ring", '"crate-source", "crate-vcs"') + exception("ring", '"crate-source"');
  const { diagnostics } = await loadPolicy(text, FILE, { now: NOW });
  assert.deepEqual(diagnostics.map((d) => [d.code, d.line, d.message]), [
    [
      "policy-duplicate",
      14,
      `this exception allows crate-vcs for Ring again (already allowed at ${FILE}:2)`,
    ],
    [
      "policy-duplicate",
      18,
      `this exception allows crate-source for ring again (already allowed at ${FILE}:10)`,
    ],
  ]);
});

Deno.test("fuzz policy: through loadPolicyForCommand, a refused policy is a PolicyInvalidError", async () => {
  const rng = new Rng("policy/command");
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-fuzz-policy-" });
  const report = new FuzzReport("policy files through loadPolicyForCommand");
  try {
    for (let i = 0; i < 40; i++) {
      const m = mutateTextTimes(rng, rng.pick(SEEDS), rng.range(1, 3), {
        donorLines: POLICY_LINES,
      });
      const path = `${dir}/case-${i}.toml`;
      await Deno.writeTextFile(path, m.text);
      report.cases++;
      try {
        const loaded = await loadPolicyForCommand(path, createMemoryIo({}, NOW), { quiet: true });
        if (loaded.report.path !== path) report.add(i, m.label, "the report names another path");
      } catch (error) {
        if (!(error instanceof PolicyInvalidError)) {
          report.add(i, m.label, `not a PolicyInvalidError: ${describeError(error)}`);
        } else if (
          error.code !== "policy-invalid" ||
          !error.diagnostics.some((d) => d.level === "error")
        ) {
          report.add(i, m.label, `PolicyInvalidError ${error.code} without an error diagnostic`);
        }
      }
    }
    // Past the cap, the file is refused before it is read: an InputError naming the cap.
    const big = `${dir}/big.toml`;
    await Deno.writeTextFile(big, `version = 1\n#${"x".repeat(MAX_POLICY_BYTES)}\n`);
    await assert.rejects(
      () => loadPolicyForCommand(big, createMemoryIo({}, NOW)),
      (e: unknown) =>
        e instanceof InputError && e instanceof AttestError && e.code === "input-unusable" &&
        e.message.includes(String(MAX_POLICY_BYTES)),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  report.assertClean();
});
