/**
 * Seeded fuzzing of the `Cargo.lock` parser (lib/evidence/cargo_lock.ts). Every input, mutated
 * from the real v1–v4 locks in tests/fixtures/crates or random, must either parse into packages
 * that keep the parser's promises (names, semver versions, 64-hex checksums) or throw a
 * {@link CargoLockError} (an `input-unusable` InputError naming the file and a known reason):
 * never a TypeError, a RangeError or any other exception, and never slowly.
 */
import assert from "node:assert/strict";
import {
  type CargoLock,
  CargoLockError,
  type CargoLockErrorReason,
  parseCargoLock,
} from "../lib/evidence/cargo_lock.ts";
import { InputError } from "../lib/errors.ts";
import {
  describeError,
  FuzzReport,
  mutateText,
  mutateTextTimes,
  mutateTomlValue,
  randomText,
  Rng,
  timed,
} from "./support/fuzz.ts";

const FIXTURES = new URL("./fixtures/crates/", import.meta.url);
const FILE = "fuzz/Cargo.lock";
/** A parse of inputs this small taking longer than this is a performance bug (or a hang). */
const CASE_BUDGET_MS = 1000;

const REASONS: readonly CargoLockErrorReason[] = [
  "not-toml",
  "no-packages",
  "unsupported-version",
  "malformed-entry",
  "duplicate-package",
];
const DIAGNOSTIC_CODES = new Set([
  "lock-unknown-source",
  "lock-git-without-commit",
  "lock-missing-checksum",
  "lock-orphan-checksum",
  "lock-ignored-metadata-checksum",
]);

/** A v3 lock with every source kind, a v1 `[metadata]` table and a `[root]`, for mutation. */
const EVERY_KIND = `version = 3

[root]
name = "app"
version = "0.1.0"

[[package]]
name = "serde"
version = "1.0.200"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"

[[package]]
name = "log"
version = "0.4.21"
source = "sparse+https://index.crates.io/"
checksum = "90ed8c1e510134f979dbc4f070f87d4313098b704861a105fe34231c70a3901c"

[[package]]
name = "regex"
version = "1.5.0"
source = "git+https://github.com/rust-lang/regex.git?rev=9f9f693#9f9f693768c584971a4d53bc3c586c33ed3a6831"

[[package]]
name = "weird"
version = "0.0.1-alpha.1+meta"
source = "path+file:///tmp/weird"

[metadata]
"checksum serde 1.0.200 (registry+https://github.com/rust-lang/crates.io-index)" = "<none>"
`;

const SEEDS: readonly string[] = [
  "lock-v1.Cargo.lock",
  "lock-v2.Cargo.lock",
  "lock-v3.Cargo.lock",
  "lock-v4-sparse.Cargo.lock",
  "workspace-v4.Cargo.lock",
].map((name) => Deno.readTextFileSync(new URL(name, FIXTURES))).concat([EVERY_KIND]);
const DONOR_LINES = SEEDS.flatMap((s) => s.split("\n"));

/** What is wrong with one outcome of {@link parseCargoLock}, or `undefined` when it is fine. */
function judge(outcome: { ok: true; value: CargoLock } | { ok: false; error: unknown }) {
  if (!outcome.ok) {
    const e = outcome.error;
    if (!(e instanceof CargoLockError)) return `untyped exception: ${describeError(e)}`;
    if (!(e instanceof InputError) || e.code !== "input-unusable") return `wrong code ${e.code}`;
    if (!REASONS.includes(e.reason)) return `unknown reason ${e.reason}`;
    if (!e.message.startsWith(`${FILE}: `)) return `message does not name the file: ${e.message}`;
    return undefined;
  }
  const lock = outcome.value;
  if (![1, 2, 3, 4].includes(lock.version)) return `format version ${lock.version}`;
  if (lock.packages.length === 0) return "parsed without packages";
  for (const p of lock.packages) {
    if (typeof p.name !== "string" || p.name === "") return `package name ${String(p.name)}`;
    if (typeof p.version !== "string" || !/^\d+\.\d+\.\d+/.test(p.version)) {
      return `package version ${String(p.version)}`;
    }
    if (p.checksum !== undefined && !/^[0-9a-f]{64}$/.test(p.checksum)) {
      return `checksum ${p.checksum} of ${p.name}`;
    }
    if (p.kind === "git" && p.gitUrl === undefined) return `git package ${p.name} without a URL`;
  }
  for (const d of lock.diagnostics) {
    if (d.level !== "warning" || !DIAGNOSTIC_CODES.has(d.code)) return `diagnostic ${d.code}`;
  }
  return undefined;
}

function fuzz(report: FuzzReport, index: number, label: string, text: string): void {
  report.cases++;
  const outcome = timed(() => parseCargoLock(text, FILE));
  const problem = judge(outcome);
  if (problem !== undefined) report.add(index, label, problem);
  if (outcome.ms > CASE_BUDGET_MS) {
    report.add(index, label, `took ${outcome.ms.toFixed(0)} ms for ${text.length} characters`);
  }
}

Deno.test("fuzz Cargo.lock: the seed locks parse", () => {
  for (const text of SEEDS) {
    const lock = parseCargoLock(text, FILE);
    assert.ok(lock.packages.length > 0);
  }
});

const TEXT_MUTANTS = 1500;

Deno.test(`fuzz Cargo.lock: ${TEXT_MUTANTS} line and character mutants of real v1–v4 locks`, () => {
  const rng = new Rng("cargo-lock/text");
  const report = new FuzzReport("Cargo.lock text mutants");
  for (let i = 0; i < TEXT_MUTANTS; i++) {
    const seed = rng.pick(SEEDS);
    const m = mutateTextTimes(rng, seed, rng.range(1, 4), {
      donorLines: DONOR_LINES,
      maxHuge: 32 * 1024,
    });
    fuzz(report, i, m.label, m.text);
  }
  report.assertClean();
});

const TYPE_MUTANTS = 1000;

Deno.test(`fuzz Cargo.lock: ${TYPE_MUTANTS} type-confusion mutants (a table, array, date or number for a string)`, () => {
  const rng = new Rng("cargo-lock/types");
  const report = new FuzzReport("Cargo.lock type mutants");
  for (let i = 0; i < TYPE_MUTANTS; i++) {
    let m = mutateTomlValue(rng, rng.pick(SEEDS));
    if (rng.chance(0.3)) {
      const again = mutateTomlValue(rng, m.text);
      m = { text: again.text, label: `${m.label}; ${again.label}` };
    }
    if (rng.chance(0.2)) {
      const more = mutateText(rng, m.text, { donorLines: DONOR_LINES });
      m = { text: more.text, label: `${m.label}; ${more.label}` };
    }
    fuzz(report, i, m.label, m.text);
  }
  report.assertClean();
});

const RANDOM_INPUTS = 500;

Deno.test(`fuzz Cargo.lock: ${RANDOM_INPUTS} random texts and random [[package]] tables`, () => {
  const rng = new Rng("cargo-lock/random");
  const report = new FuzzReport("Cargo.lock random inputs");
  const keys = ["name", "version", "source", "checksum", "dependencies", "replace", "x"];
  const values = [
    '"a"',
    '"serde"',
    '"1.0.0"',
    '"01.0.0"',
    '"registry+https://github.com/rust-lang/crates.io-index"',
    '"sparse+https://index.crates.io/"',
    '"git+https://h/r#0123456789abcdef0123456789abcdef01234567"',
    '"git+not a url"',
    '"registry+"',
    `"${"ab".repeat(32)}"`,
    `"${"AB".repeat(32)}"`,
    '"<none>"',
    "{ a = 1 }",
    "[{ a = 1 }]",
    "[]",
    "1979-05-27",
    "4",
  ];
  for (let i = 0; i < RANDOM_INPUTS; i++) {
    let text: string;
    let label: string;
    if (i % 2 === 0) {
      text = randomText(rng, 400);
      label = "random text";
    } else {
      const parts: string[] = [];
      if (rng.chance(0.5)) parts.push(`version = ${rng.pick(["1", "2", "3", "4", "5", '"3"'])}`);
      for (let p = rng.range(1, 5); p > 0; p--) {
        parts.push(
          rng.chance(0.9) ? "[[package]]" : rng.pick(["[root]", "[metadata]", "[package]"]),
        );
        for (let k = rng.range(0, 5); k > 0; k--) {
          parts.push(`${rng.pick(keys)} = ${rng.pick(values)}`);
        }
      }
      text = parts.join("\n");
      label = `random tables: ${text.replaceAll("\n", "⏎").slice(0, 150)}`;
    }
    fuzz(report, i, label, text);
  }
  report.assertClean();
});

// Regression: smol-toml builds tables without a prototype, and `String(table)` of one threw a
// TypeError ("Cannot convert object to primitive value") while the message was being built.
Deno.test("fuzz Cargo.lock regression: a table or array where a string belongs is a CargoLockError", () => {
  const cases: [string, CargoLockErrorReason, string][] = [
    ['[[package]]\nname = { a = 1 }\nversion = "1.0.0"', "malformed-entry", "(a table)"],
    ['[[package]]\nname = [{ a = 1 }]\nversion = "1.0.0"', "malformed-entry", "(an array)"],
    ['[[package]]\nname = "a"\nversion = { major = 1 }', "malformed-entry", "(a table)"],
    [
      '[[package]]\nname = "a"\nversion = "1.0.0"\nchecksum = { sha256 = 1 }',
      "malformed-entry",
      "(a table)",
    ],
    [
      'version = { a = 1 }\n[[package]]\nname = "a"\nversion = "1.0.0"',
      "unsupported-version",
      "(a table)",
    ],
    [
      '[[package]]\nname = "a"\nversion = "1.0.0"\n[metadata]\n"checksum a 1.0.0" = { x = 1 }',
      "malformed-entry",
      "(a table)",
    ],
    ['[[package]]\nname = 1979-05-27\nversion = "1.0.0"', "malformed-entry", '"1979-05-27"'],
  ];
  for (const [text, reason, mention] of cases) {
    let caught: unknown;
    try {
      parseCargoLock(text, FILE);
    } catch (e) {
      caught = e;
    }
    assert.ok(caught instanceof CargoLockError, `${text}: ${describeError(caught)}`);
    assert.equal(caught.reason, reason, text);
    assert.ok(caught.message.includes(mention), `"${mention}" in ${caught.message}`);
  }
});
