/**
 * Seeded fuzzing of the checksum parsers (lib/evidence/checksums.ts): `SHA256SUMS`-style files
 * (GNU, BSD, `name: <hex>`), sidecars and Markdown release bodies. They never throw: every input,
 * mutated from realistic files or random, yields entries and warnings that keep the parser's
 * promises (64 lowercase hex digits that were in the input, 1-based lines, at most
 * {@link MAX_CHECKSUM_WARNINGS} warnings plus one summary, messages without control or
 * bidirectional characters), promptly even for 1 MiB inputs (the release-asset cap). A digest
 * changed in the file never yields the original digest for its asset: a MISMATCH, not a match.
 */
import assert from "node:assert/strict";
import {
  type ChecksumParse,
  isChecksumFileName,
  lookupChecksum,
  MAX_CHECKSUM_WARNINGS,
  parseChecksumFile,
  parseReleaseBody,
  parseSidecar,
  sidecarNamesFor,
} from "../lib/evidence/checksums.ts";
import { MAX_CHECKSUM_FILE_BYTES } from "../lib/limits.ts";
import {
  describeError,
  FuzzReport,
  mutateText,
  mutateTextTimes,
  randomText,
  Rng,
  timed,
} from "./support/fuzz.ts";

/** One parse of at most 1 MiB taking longer than this is super-linear (or a hang). */
const CASE_BUDGET_MS = 1500;

const A = "3d6102df18f22b7ab88d3a93a50f40d29662cac6949fad515f7948bdfbac153b";
const B = "7ca132ea97ad55d29fcf670dd3c686c57ad632ef5753bf9d37999f97917be7d4";
const C = "bc68a2d2854f07026c53354d3e78ca88ef4b9783045f1f639dc9eceead659e24";
const D = "57d36201ac9aafd214696066f17f1556221e1e82e5da43d36483c245ada2727c";
const SHA512 = "a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238b" +
  "c13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62";
const MD5 = "9dd4e461268c8034f5c8564e155c67a6";

/** A checksum file in every line shape the parser reads, and the digest of each asset. */
const SUMS_FILE = {
  name: "SHA256SUMS",
  text: [
    `${A}  app-x86_64-unknown-linux-gnu.tar.gz`,
    `${B} *app-aarch64-apple-darwin.tar.gz`,
    `\\${C}  dir\\\\with\\nnewline.zip`,
    `SHA256 (app-x86_64-pc-windows-msvc.zip) = ${D.toUpperCase()}`,
    `SHA512 (app-x86_64-pc-windows-msvc.zip) = ${SHA512}`,
    `app.deb: ${A}`,
    `app.rpm sha256:${B}`,
    `${MD5}  app.md5`,
    "-----BEGIN PGP SIGNATURE-----",
    "iQIzBAEBCAAdFiEE",
    "",
  ].join("\n"),
  digests: {
    "app-x86_64-unknown-linux-gnu.tar.gz": A,
    "app-aarch64-apple-darwin.tar.gz": B,
    "app-x86_64-pc-windows-msvc.zip": D,
    "app.deb": A,
    "app.rpm": B,
  } as Record<string, string>,
};

/** A release body with lists, bold names, code, a table, fences and a bare digest. */
const RELEASE_BODY = {
  text: [
    "## Downloads",
    "",
    "> Verify with `sha256sum -c`.",
    "",
    `- **app-linux.tar.gz**: \`${A}\``,
    `* [app-macos.tar.gz](https://github.com/o/r/releases/download/v1/app-macos.tar.gz) sha256:${B}`,
    "1. app-windows.zip",
    `   ${C}`,
    "",
    "| File | SHA-256 | SHA-512 |",
    "|:-----|:-------:|--------:|",
    `| app.deb | ${D} | ${SHA512} |`,
    `| <code>app.rpm</code> | \`${A}\` | x |`,
    "",
    "```sha256",
    `${B}  app.apk`,
    "```",
    "",
    "BLAKE3:",
    "~~~",
    `${C}  app.b3`,
    "~~~",
    "",
    `app.msi (SHA-256): ${C}`,
  ].join("\n"),
  digests: {
    "app-linux.tar.gz": A,
    "app-macos.tar.gz": B,
    "app-windows.zip": C,
    "app.deb": D,
    "app.rpm": A,
    "app.apk": B,
    "app.msi": C,
  } as Record<string, string>,
};

const SIDECAR = { name: "app.tar.gz.sha256", asset: "app.tar.gz", text: `${A}\n` };
const SEEDS = [SUMS_FILE.text, RELEASE_BODY.text, SIDECAR.text];
const DONOR_LINES = SEEDS.flatMap((s) => s.split("\n"));

const FORMATS = new Set(["gnu", "gnu-binary", "bsd", "colon", "markdown-table", "bare"]);
// deno-lint-ignore no-control-regex
const UNSAFE_IN_MESSAGE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/**
 * What is wrong with one parse of `text`, or `undefined`. In Markdown, a digest may be written
 * with inline marks inside it (`` ` ``, `**`, `<code>`), which the release-body parser strips.
 */
function judge(parse: ChecksumParse, text: string, markdown: boolean): string | undefined {
  const lines = text.split("\n").length;
  const lower = (markdown ? text.replace(/<\/?code>/gi, "").replace(/`|\*\*/g, "") : text)
    .toLowerCase();
  for (const e of parse.entries) {
    if (!/^[0-9a-f]{64}$/.test(e.sha256)) return `digest ${e.sha256}`;
    if (!lower.includes(e.sha256)) return `digest ${e.sha256} is not in the input`;
    if (typeof e.name !== "string" || e.name.length === 0) return "an entry without a name";
    if (!FORMATS.has(e.format)) return `format ${e.format}`;
    if (!Number.isSafeInteger(e.line) || e.line < 1 || e.line > lines) {
      return `entry line ${e.line} of ${lines}`;
    }
  }
  if (parse.warnings.length > MAX_CHECKSUM_WARNINGS + 1) {
    return `${parse.warnings.length} warnings (cap ${MAX_CHECKSUM_WARNINGS} + 1)`;
  }
  for (const w of parse.warnings) {
    if (!Number.isSafeInteger(w.line) || w.line < 0 || w.line > lines) {
      return `warning line ${w.line} of ${lines}`;
    }
    if (typeof w.message !== "string" || w.message === "") return "an empty warning";
    if (UNSAFE_IN_MESSAGE.test(w.message)) {
      return `a control or bidi character reaches a message: ${JSON.stringify(w.message)}`;
    }
  }
  return undefined;
}

/** Runs every checksum parser on `text` and records what is wrong. */
function fuzzAll(report: FuzzReport, index: number, label: string, text: string): void {
  const runs: [string, () => ChecksumParse][] = [
    ["parseChecksumFile", () => parseChecksumFile(text, "checksums.txt")],
    ["parseSidecar", () => parseSidecar(text, SIDECAR.name, SIDECAR.asset)],
    ["parseReleaseBody", () => parseReleaseBody(text)],
  ];
  for (const [name, run] of runs) {
    report.cases++;
    const outcome = timed(run);
    if (!outcome.ok) {
      report.add(index, label, `${name} threw: ${describeError(outcome.error)}`);
      continue;
    }
    if (outcome.ms > CASE_BUDGET_MS) {
      report.add(index, label, `${name} took ${outcome.ms.toFixed(0)} ms for ${text.length} chars`);
    }
    const problem = judge(outcome.value, text, name === "parseReleaseBody");
    if (problem !== undefined) report.add(index, label, `${name}: ${problem}`);
    const looked = timed(() => lookupChecksum([outcome.value], "app.deb"));
    if (!looked.ok) {
      report.add(index, label, `lookupChecksum threw: ${describeError(looked.error)}`);
    }
  }
}

Deno.test("fuzz checksums: the seeds read as intended", () => {
  const file = parseChecksumFile(SUMS_FILE.text, SUMS_FILE.name);
  for (const [name, digest] of Object.entries(SUMS_FILE.digests)) {
    assert.deepEqual(lookupChecksum([file], name), {
      sha256: digest,
      entry: file.entries.find((e) => e.name === name || e.name === `*${name}`),
    });
  }
  const body = parseReleaseBody(RELEASE_BODY.text);
  for (const [name, digest] of Object.entries(RELEASE_BODY.digests)) {
    const found = lookupChecksum([body], name);
    assert.ok(
      found && "sha256" in found && found.sha256 === digest,
      `${name}: ${JSON.stringify(found)}`,
    );
  }
  assert.equal(lookupChecksum([body], "app.b3"), undefined, "a BLAKE3 block is not read");
});

const TEXT_MUTANTS = 800;

Deno.test(`fuzz checksums: ${TEXT_MUTANTS} line and character mutants of checksum files and release notes`, () => {
  const rng = new Rng("checksums/text");
  const report = new FuzzReport("checksum text mutants");
  for (let i = 0; i < TEXT_MUTANTS; i++) {
    const m = mutateTextTimes(rng, rng.pick(SEEDS), rng.range(1, 4), {
      donorLines: DONOR_LINES,
      maxHuge: 8 * 1024,
    });
    fuzzAll(report, i, m.label, m.text);
  }
  report.assertClean();
});

const RANDOM_INPUTS = 400;

Deno.test(`fuzz checksums: ${RANDOM_INPUTS} random texts built from checksum-ish tokens`, () => {
  const rng = new Rng("checksums/random");
  const report = new FuzzReport("checksum random inputs");
  const tokens = [
    A,
    A.slice(0, 40),
    A.slice(0, 32),
    SHA512,
    A.toUpperCase(),
    "  ",
    " *",
    "\t",
    "\\",
    ": ",
    " = ",
    "sha256:",
    "SHA256 (",
    "SHA-256",
    "BLAKE3",
    ") = ",
    "app.tar.gz",
    "./dir/app.zip",
    "| ",
    " |",
    "|---|---|",
    "```",
    "~~~",
    "**",
    "`",
    "<code>",
    "[app.zip](https://x/app.zip)",
    "> ",
    "- ",
    "1. ",
    "# ",
    "\n",
    "\r\n",
    "\u202e",
    "\x1b[2J",
  ];
  for (let i = 0; i < RANDOM_INPUTS; i++) {
    let text = "";
    if (i % 3 === 0) text = randomText(rng, 300);
    else for (let n = rng.range(1, 40); n > 0; n--) text += rng.pick(tokens);
    fuzzAll(report, i, `random: ${JSON.stringify(text.slice(0, 120))}`, text);
  }
  report.assertClean();
});

Deno.test("fuzz checksums: file and asset names of every shape never throw", () => {
  const rng = new Rng("checksums/names");
  const report = new FuzzReport("checksum file names");
  const names = [
    "",
    "/",
    "./",
    "*",
    "SHA256SUMS",
    "SHA512SUMS",
    "B3SUMS",
    "x.sha256",
    ".sha256",
    "a/b/checksums.txt",
    "x".repeat(300) + "-checksums.txt",
    "x".repeat(100_000) + ".sha256",
  ];
  for (let i = 0; i < 400; i++) {
    const name = i < names.length
      ? names[i]
      : randomText(rng, 60) + rng.pick(["", ".sha256", "sums"]);
    const label = `name ${JSON.stringify(name.slice(0, 80))}`;
    report.cases++;
    const outcome = timed(() => {
      isChecksumFileName(name);
      sidecarNamesFor(name);
      const file = parseChecksumFile(`${A}\n${A}  ${name}\n`, name);
      const sidecar = parseSidecar(`${B}\n`, `${name}.sha256`, name);
      return lookupChecksum([file, sidecar], name);
    });
    if (!outcome.ok) report.add(i, label, `threw: ${describeError(outcome.error)}`);
    else if (outcome.ms > CASE_BUDGET_MS) report.add(i, label, `took ${outcome.ms.toFixed(0)} ms`);
  }
  report.assertClean();
});

Deno.test("fuzz checksums: a digest changed in the file never yields the original for its asset", () => {
  const rng = new Rng("checksums/mismatch");
  const report = new FuzzReport("changed digests");
  const sources = [
    { ...SUMS_FILE, parse: (t: string) => parseChecksumFile(t, SUMS_FILE.name) },
    { ...RELEASE_BODY, parse: (t: string) => parseReleaseBody(t) },
  ];
  for (let i = 0; i < 400; i++) {
    const source = rng.pick(sources);
    const [asset, digest] = rng.pick(Object.entries(source.digests));
    // Every place the asset's digest is written (any case), one of them changed.
    const lower = source.text.toLowerCase();
    const places: number[] = [];
    for (let at = lower.indexOf(digest); at >= 0; at = lower.indexOf(digest, at + 1)) {
      places.push(at);
    }
    const offset = rng.int(64);
    const at = rng.pick(places) + offset;
    const old = source.text[at];
    const edits: [string, string][] = [
      ["replace", "0123456789abcdef".replace(old.toLowerCase(), "")[rng.int(15)]],
      ["delete", ""],
      ["insert", old + rng.pick(["0", "f", "A"])],
      // Inside the digest (never before its first digit or after its last), splitting it.
      ["space", offset === 0 ? `${old} ` : ` ${old}`],
    ];
    const [kind, replacement] = rng.pick(edits);
    const text = source.text.slice(0, at) + replacement + source.text.slice(at + 1);
    const label = `${kind} digit ${at} of ${asset}'s digest: ${JSON.stringify(replacement)}`;
    report.cases++;
    const outcome = timed(() => lookupChecksum([source.parse(text)], asset));
    if (!outcome.ok) {
      report.add(i, label, `threw: ${describeError(outcome.error)}`);
      continue;
    }
    const found = outcome.value;
    if (found !== undefined && "sha256" in found && found.sha256 === digest) {
      // Only an asset whose digest is written twice may still match (the other copy).
      const copies = places.length;
      if (copies < 2) report.add(i, label, "the changed digest still matched the original");
    }
  }
  report.assertClean();
});

Deno.test("fuzz checksums: large inputs of adversarial shapes parse promptly and keep the caps", () => {
  const report = new FuzzReport("checksum extremes");
  // A quarter of the release-asset cap (MAX_CHECKSUM_FILE_BYTES) is plenty to show super-linear
  // time; the first two shapes are at the cap itself.
  const mib = MAX_CHECKSUM_FILE_BYTES;
  const fill = (unit: string) => unit.repeat(Math.floor(mib / 4 / unit.length));
  const extremes: [string, string][] = [
    ["one 1 MiB line of hex", "a".repeat(mib)],
    ["1 MiB of lines of 4096 hex digits", ("f".repeat(4096) + "\n").repeat(Math.floor(mib / 4097))],
    ["lines of 4097 characters (over the examined length)", fill("x".repeat(4097) + "\n")],
    ["digest-shaped lines of the wrong length", fill(`${A.slice(0, 40)}  app.tar.gz\n`)],
    ["BSD lines of another algorithm", fill(`SHA512 (a.zip) = ${SHA512}\n`)],
    ["BSD openers without an end", fill("SHA256 (".repeat(400) + "\n")],
    ["table rows with 33 cells", fill("|a".repeat(33) + "|\n")],
    ["table rows of digests", fill(`| ${A} | ${B} | x |\n`)],
    ["table separators", fill("|---|---|\n")],
    ["links without an end", fill("[a](".repeat(500) + "\n")],
    ["nested brackets", fill("[[[[[[[[(((((((((" + "\n")],
    ["backticks and bold", fill("`**`**<code>`\n")],
    ["fences that never close", fill("```sha512\n" + `${A}  a.zip\n`)],
    ["name lines and bare digests", fill(`app-${"x".repeat(200)}.tar.gz\n${A}\n`)],
    ["quoted prose", fill("> > > > - 1. [x] **a.zip**: sha256:" + A + "\n")],
    ["CRLF lines", fill(`${A}  a.zip\r\n`)],
    ["NUL bytes", fill("\0")],
  ];
  for (const [i, [label, text]] of extremes.entries()) fuzzAll(report, i, label, text);
  report.assertClean();
});

Deno.test("fuzz checksums: mutants of a 1,000-line SHA256SUMS keep at most the warning cap", () => {
  const rng = new Rng("checksums/big");
  const report = new FuzzReport("large checksum files");
  const lines = Array.from({ length: 1000 }, (_, i) => `${A}  asset-${i}.tar.gz`);
  for (let i = 0; i < 20; i++) {
    const m = mutateText(rng, lines.map((l) => rng.chance(0.3) ? l.slice(0, 60) : l).join("\n"));
    fuzzAll(report, i, m.label, m.text);
  }
  report.assertClean();
});
