/**
 * Seeded fuzzing helpers: a small deterministic PRNG, mutators for text, bytes and JSON values,
 * a per-case timeout guard for asynchronous parsers and a time check for synchronous ones, and a
 * failure report that names every failing case by its index and mutation so it can be replayed.
 *
 * Every fuzz test derives its generator from a fixed seed ({@link FUZZ_SEED}, or the `FUZZ_SEED`
 * environment variable to explore other seeds locally), so a failure reproduces exactly.
 * @module
 */
import { concatBytes } from "../../lib/crypto/bytes.ts";
import assert from "node:assert/strict";

/**
 * The default seed of every fuzz test. Set `FUZZ_SEED=<integer>` to explore another sequence;
 * a failure message always names the seed it ran with.
 */
export const FUZZ_SEED: number = (() => {
  let text: string | undefined;
  try {
    text = Deno.env.get("FUZZ_SEED");
  } catch {
    text = undefined; // No --allow-env: the fixed seed.
  }
  const n = Number(text);
  return text !== undefined && Number.isSafeInteger(n) ? n : 0x5eed_ca7e;
})();

/** FNV-1a of a string: a stable per-test seed that does not depend on test order. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A seeded PRNG (mulberry32) with the helpers the mutators need. */
export class Rng {
  #state: number;

  /** A generator for `name` (each fuzz test its own stream) under `seed`. */
  constructor(name: string, seed: number = FUZZ_SEED) {
    this.#state = (hashString(name) ^ (seed >>> 0) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  }

  /** A uniform 32-bit unsigned integer. */
  uint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in `[0, n)` (`n` ≥ 1). */
  int(n: number): number {
    return Math.floor((this.uint32() / 4294967296) * n);
  }

  /** An integer in `[min, max]`. */
  range(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** `true` with probability `p`. */
  chance(p: number): boolean {
    return this.uint32() / 4294967296 < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Text

/**
 * Characters that tend to break text handling: controls, a NUL, a BOM, bidirectional overrides,
 * zero-width joiners, combining marks, a lone surrogate half, astral characters, full-width and
 * look-alike punctuation, and the TOML/JSON structural characters.
 */
export const NASTY_CHARS: readonly string[] = [
  "\0",
  "\x01",
  "\x1b[31m",
  "\x7f",
  "\u0085",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "\uFEFF",
  "\u202E",
  "\u2066",
  "\u200D",
  "\u0301",
  "\uD800",
  "\uDFFF",
  "😀",
  "𝔘",
  "＝",
  "／",
  "＂",
  "é",
  "ß",
  "İ",
  "\\",
  '"',
  "'",
  "=",
  "[",
  "]",
  "{",
  "}",
  ",",
  ".",
  "#",
  "@",
  "/",
  ":",
  "*",
  "|",
  "`",
  "-",
  "_",
  "0",
  "9",
  "a",
  " ",
];

/** Printable and nasty characters mixed: random text that is mostly near-ASCII. */
export function randomText(rng: Rng, maxLength: number): string {
  const n = rng.int(maxLength + 1);
  let out = "";
  for (let i = 0; i < n; i++) {
    out += rng.chance(0.7) ? String.fromCharCode(rng.range(0x20, 0x7e)) : rng.pick(NASTY_CHARS);
  }
  return out;
}

/** A text mutant and a label that says what was done (for failure messages). */
export interface TextMutant {
  readonly text: string;
  readonly label: string;
}

/** The edits {@link mutateText} chooses from. */
export type TextMutation =
  | "delete-line"
  | "duplicate-line"
  | "swap-lines"
  | "move-line"
  | "flip-char"
  | "insert-char"
  | "delete-range"
  | "truncate"
  | "insert-unicode"
  | "huge-string"
  | "deep-nesting"
  | "splice-lines"
  | "random-line";

const TEXT_MUTATIONS: readonly TextMutation[] = [
  "delete-line",
  "duplicate-line",
  "swap-lines",
  "move-line",
  "flip-char",
  "insert-char",
  "delete-range",
  "truncate",
  "insert-unicode",
  "huge-string",
  "deep-nesting",
  "splice-lines",
  "random-line",
];

/** Options of {@link mutateText}. */
export interface MutateTextOptions {
  /** Lines `splice-lines` may insert (e.g. lines of another valid document of the format). */
  readonly donorLines?: readonly string[];
  /** Longest string a `huge-string` edit inserts (default 64 KiB). */
  readonly maxHuge?: number;
  /** Deepest `deep-nesting` edit (default 2,000 brackets). */
  readonly maxDepth?: number;
}

/**
 * One structured edit of a line-oriented text (TOML, checksum files, Markdown): delete,
 * duplicate, swap or move lines, flip, insert or delete characters, truncate, insert Unicode,
 * a huge string, deep bracket nesting, lines of a donor document or a random line.
 */
export function mutateText(rng: Rng, text: string, options: MutateTextOptions = {}): TextMutant {
  const lines = text.split("\n");
  const line = () => rng.int(lines.length);
  const at = () => rng.int(text.length + 1);
  const kind = rng.pick(TEXT_MUTATIONS);
  switch (kind) {
    case "delete-line": {
      const i = line();
      lines.splice(i, 1);
      return { text: lines.join("\n"), label: `${kind} ${i + 1}` };
    }
    case "duplicate-line": {
      const i = line();
      lines.splice(i, 0, lines[i]);
      return { text: lines.join("\n"), label: `${kind} ${i + 1}` };
    }
    case "swap-lines": {
      const i = line();
      const j = line();
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { text: lines.join("\n"), label: `${kind} ${i + 1} ${j + 1}` };
    }
    case "move-line": {
      const i = line();
      const [moved] = lines.splice(i, 1);
      const j = rng.int(lines.length + 1);
      lines.splice(j, 0, moved);
      return { text: lines.join("\n"), label: `${kind} ${i + 1} to ${j + 1}` };
    }
    case "flip-char": {
      if (text.length === 0) return { text: "\0", label: kind };
      const i = rng.int(text.length);
      const flipped = String.fromCharCode(text.charCodeAt(i) ^ (1 << rng.int(7)));
      return { text: text.slice(0, i) + flipped + text.slice(i + 1), label: `${kind} @${i}` };
    }
    case "insert-char": {
      const i = at();
      const ch = rng.pick(NASTY_CHARS);
      return {
        text: text.slice(0, i) + ch + text.slice(i),
        label: `${kind} ${JSON.stringify(ch)} @${i}`,
      };
    }
    case "delete-range": {
      const i = at();
      const n = rng.range(1, 40);
      return { text: text.slice(0, i) + text.slice(i + n), label: `${kind} ${n} @${i}` };
    }
    case "truncate": {
      const i = at();
      return { text: text.slice(0, i), label: `${kind} @${i}` };
    }
    case "insert-unicode": {
      const i = at();
      const s = randomText(rng, 12);
      return { text: text.slice(0, i) + s + text.slice(i), label: `${kind} @${i}` };
    }
    case "huge-string": {
      const i = at();
      const n = rng.range(1024, options.maxHuge ?? 64 * 1024);
      const ch = rng.pick(["a", "9", "f", " ", "\\", '"', "é", "😀", "-", "/"]);
      return {
        text: text.slice(0, i) + ch.repeat(n) + text.slice(i),
        label: `${kind} ${JSON.stringify(ch)}×${n} @${i}`,
      };
    }
    case "deep-nesting": {
      const i = at();
      const depth = rng.range(50, options.maxDepth ?? 2000);
      const [open, close] = rng.pick([["[", "]"], ["{", "}"], ["{a=", "}"], ["[{x=", "}]"]]);
      const nested = open.repeat(depth) + (rng.chance(0.5) ? close.repeat(depth) : "");
      return {
        text: text.slice(0, i) + nested + text.slice(i),
        label: `${kind} ${open}×${depth} @${i}`,
      };
    }
    case "splice-lines": {
      const donor = options.donorLines?.length ? options.donorLines : lines;
      const start = rng.int(donor.length);
      const taken = donor.slice(start, start + rng.range(1, 6));
      const i = rng.int(lines.length + 1);
      lines.splice(i, 0, ...taken);
      return { text: lines.join("\n"), label: `${kind} ${taken.length} at ${i + 1}` };
    }
    case "random-line": {
      const i = rng.int(lines.length + 1);
      lines.splice(i, 0, randomText(rng, 80));
      return { text: lines.join("\n"), label: `${kind} at ${i + 1}` };
    }
  }
}

/** `count` successive edits of `text` by {@link mutateText}, labels joined. */
export function mutateTextTimes(
  rng: Rng,
  text: string,
  count: number,
  options: MutateTextOptions = {},
): TextMutant {
  let current = text;
  const labels: string[] = [];
  for (let i = 0; i < count; i++) {
    const m = mutateText(rng, current, options);
    current = m.text;
    labels.push(m.label);
  }
  return { text: current, label: labels.join("; ") };
}

/**
 * TOML values of every type, including the ones a parser may not expect where a string belongs:
 * tables, arrays (of tables), dates, times, floats, infinities, huge integers, empty strings,
 * multi-line and literal strings.
 */
export const TOML_VALUES: readonly string[] = [
  '""',
  '"x"',
  "'literal'",
  '"""\nmulti\nline"""',
  '"\\u0000"',
  '"\\u202e"',
  "0",
  "-1",
  "3",
  "4",
  "5",
  "9223372036854775807",
  "-9223372036854775808",
  "0x7f",
  "1.5",
  "1e400",
  "inf",
  "-inf",
  "nan",
  "true",
  "false",
  "1979-05-27",
  "1979-05-27T07:32:00Z",
  "1979-05-27T07:32:00",
  "07:32:00",
  "[]",
  '["a", "b"]',
  "[1, [2, [3]]]",
  "[{}]",
  "[{ a = 1 }]",
  "{}",
  "{ a = 1 }",
  "{ a = { b = [] } }",
  '{ "__proto__" = 1 }',
];

/**
 * Replaces the value of one `key = value` line of a TOML text with a value of another type from
 * {@link TOML_VALUES}; when there is no such line, appends one.
 */
export function mutateTomlValue(rng: Rng, text: string): TextMutant {
  const lines = text.split("\n");
  const candidates = lines.flatMap((l, i) => /^\s*[A-Za-z0-9_"'.-][^=]*=/.test(l) ? [i] : []);
  const value = rng.pick(TOML_VALUES);
  if (candidates.length === 0) {
    return { text: `${text}\nx = ${value}\n`, label: `append x = ${value}` };
  }
  const i = rng.pick(candidates);
  const eq = lines[i].indexOf("=");
  lines[i] = `${lines[i].slice(0, eq + 1)} ${value}`;
  return { text: lines.join("\n"), label: `line ${i + 1}: ${lines[i].slice(0, 80)}` };
}

// ---------------------------------------------------------------------------------------------
// Bytes

/** A byte mutant and a label that says what was done. */
export interface BytesMutant {
  readonly bytes: Uint8Array;
  readonly label: string;
}

/**
 * One edit of a byte string: flip a bit, set a byte to a boundary value, truncate, insert or
 * delete a run, overwrite a run with random bytes, or append garbage. `region` limits where the
 * edit lands (default: anywhere).
 */
export function mutateBytes(
  rng: Rng,
  bytes: Uint8Array,
  region: { start: number; end: number } = { start: 0, end: bytes.length },
): BytesMutant {
  const start = Math.max(0, Math.min(region.start, bytes.length));
  const end = Math.max(start, Math.min(region.end, bytes.length));
  const at = () => start + rng.int(Math.max(1, end - start));
  const out = bytes.slice();
  switch (rng.int(7)) {
    case 0: {
      if (out.length === 0) return { bytes: new Uint8Array([rng.int(256)]), label: "one byte" };
      const i = Math.min(at(), out.length - 1);
      const bit = rng.int(8);
      out[i] ^= 1 << bit;
      return { bytes: out, label: `flip bit ${bit} of byte ${i}` };
    }
    case 1: {
      if (out.length === 0) return { bytes: new Uint8Array([0xff]), label: "one byte" };
      const i = Math.min(at(), out.length - 1);
      const value = rng.pick([0x00, 0x01, 0x20, 0x30, 0x37, 0x38, 0x7f, 0x80, 0xfe, 0xff]);
      out[i] = value;
      return { bytes: out, label: `set byte ${i} to 0x${value.toString(16)}` };
    }
    case 2: {
      const n = at();
      return { bytes: bytes.slice(0, n), label: `truncate to ${n} bytes` };
    }
    case 3: {
      const i = at();
      const run = rng.bytes(rng.range(1, 64));
      return {
        bytes: concatBytes(bytes.subarray(0, i), run, bytes.subarray(i)),
        label: `insert ${run.length} bytes at ${i}`,
      };
    }
    case 4: {
      const i = at();
      const n = rng.range(1, 64);
      return {
        bytes: concatBytes(bytes.subarray(0, i), bytes.subarray(i + n)),
        label: `delete ${n} bytes at ${i}`,
      };
    }
    case 5: {
      const i = Math.min(at(), Math.max(0, out.length - 1));
      const run = rng.bytes(Math.min(rng.range(1, 32), out.length - i));
      out.set(run, i);
      return { bytes: out, label: `overwrite ${run.length} bytes at ${i}` };
    }
    default: {
      const tail = rng.bytes(rng.range(1, 256));
      return { bytes: concatBytes(bytes, tail), label: `append ${tail.length} bytes` };
    }
  }
}

// ---------------------------------------------------------------------------------------------
// JSON

/** A JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** A JSON mutant (a fresh value; the input is not changed) and what was done. */
export interface JsonMutant {
  readonly value: JsonValue;
  readonly label: string;
}

type JsonPath = (string | number)[];

function isJsonObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** {@link jsonPaths} looks no deeper than this, and at no more elements of one array. */
const MAX_PATH_DEPTH = 48;
const MAX_PATH_ELEMENTS = 16;

/**
 * The paths into `value` (the root is `[]`), containers and leaves, down to a depth of 48 and
 * through the first 16 elements of each array: the places worth mutating, bounded however large
 * or deep earlier mutations made the document.
 */
export function jsonPaths(value: JsonValue, path: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  out.push(path);
  if (path.length >= MAX_PATH_DEPTH) return out;
  if (Array.isArray(value)) {
    value.slice(0, MAX_PATH_ELEMENTS).forEach((v, i) => jsonPaths(v, [...path, i], out));
  } else if (isJsonObject(value)) {
    for (const [k, v] of Object.entries(value)) jsonPaths(v, [...path, k], out);
  }
  return out;
}

/** Sets an own property, even one named `__proto__` (as `JSON.parse` makes it). */
function setOwn(obj: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function getAt(value: JsonValue, path: JsonPath): JsonValue {
  let v = value;
  for (const seg of path) v = (v as Record<string | number, JsonValue>)[seg];
  return v;
}

/** `a.b[0].c`, for labels. */
export function formatJsonPath(path: JsonPath): string {
  return path.map((s, i) => typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`).join("") ||
    "(root)";
}

/** The most JSON text a repeated value may add to a mutant. */
const MAX_REPEAT_CHARS = 2_000_000;

/** Values of every JSON type, including the awkward ones (huge, negative, empty, nested). */
function replacementValue(rng: Rng, old: JsonValue): { value: JsonValue; what: string } {
  const choices: (() => { value: JsonValue; what: string })[] = [
    () => ({ value: null, what: "null" }),
    () => ({ value: rng.chance(0.5), what: "a boolean" }),
    () => ({ value: 0, what: "0" }),
    () => ({ value: -1, what: "-1" }),
    () => ({ value: 1.5, what: "1.5" }),
    () => ({ value: 1e308, what: "1e308" }),
    () => ({ value: 2 ** 53 + 2, what: "2^53+2" }),
    () => ({ value: "", what: '""' }),
    () => ({ value: "-1", what: '"-1"' }),
    () => ({ value: "18446744073709551616", what: '"2^64"' }),
    () => ({ value: "not base64!", what: "a non-base64 string" }),
    () => ({ value: "AAAA", what: '"AAAA"' }),
    () => ({ value: randomText(rng, 40), what: "random text" }),
    () => ({ value: "A".repeat(rng.range(1000, 100_000)), what: "a huge string" }),
    () => ({ value: [], what: "[]" }),
    () => ({ value: {}, what: "{}" }),
    () => ({ value: [old], what: "[old]" }),
    () => ({ value: { value: old }, what: "{value: old}" }),
    () => ({
      // JSON.stringify, not String(): an object may have been given a "toString" key.
      value: typeof old === "string" ? old.length : JSON.stringify(old) ?? "null",
      what: "retyped",
    }),
    () => {
      // At most about 2 MB of JSON, however large the value repeated: mutants stay bounded.
      const size = (JSON.stringify(old) ?? "null").length + 1;
      const n = Math.max(2, Math.min(rng.range(100, 5000), Math.floor(MAX_REPEAT_CHARS / size)));
      return { value: new Array(n).fill(old), what: `[old × ${n}]` };
    },
    () => {
      const depth = rng.range(100, 3000);
      let v: JsonValue = old;
      for (let i = 0; i < depth; i++) v = rng.chance(0.5) ? [v] : { a: v };
      return { value: v, what: `old nested ${depth} deep` };
    },
  ];
  return rng.pick(choices)();
}

/**
 * One structured edit of a JSON document: at a random path, delete the key (or array element),
 * replace the value with one of another type (string ↔ number ↔ null ↔ array ↔ object, huge,
 * negative, deeply nested, a huge array of it), duplicate an array element, add an unknown key,
 * or rename a key to its snake_case / camelCase / upper-case spelling.
 */
export function mutateJson(rng: Rng, doc: JsonValue): JsonMutant {
  // JSON round trip: a deep copy that, unlike structuredClone, copes with nesting thousands deep.
  const value: JsonValue = JSON.parse(JSON.stringify(doc));
  const paths = jsonPaths(value);
  const path = rng.pick(paths);
  const where = formatJsonPath(path);
  if (path.length === 0) {
    const r = replacementValue(rng, value);
    return { value: r.value, label: `root = ${r.what}` };
  }
  const parent = getAt(value, path.slice(0, -1));
  const key = path[path.length - 1];
  const op = rng.int(6);
  if (op === 0) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, JsonValue>)[key];
    return { value, label: `delete ${where}` };
  }
  if (op === 1 && Array.isArray(parent)) {
    parent.splice(key as number, 0, parent[key as number]);
    return { value, label: `duplicate ${where}` };
  }
  if (op === 2 && isJsonObject(parent)) {
    const extra = rng.pick(["__proto__", "constructor", "toString", "x", "mediaType", ""]);
    setOwn(parent, extra, replacementValue(rng, null).value);
    return { value, label: `add key ${JSON.stringify(extra)} beside ${where}` };
  }
  if (op === 3 && isJsonObject(parent) && typeof key === "string") {
    const renamed = rng.pick([
      key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase()),
      key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase()),
      key.toUpperCase(),
      `${key} `,
    ]);
    const v = parent[key];
    delete parent[key];
    setOwn(parent, renamed, v);
    return { value, label: `rename ${where} to ${JSON.stringify(renamed)}` };
  }
  const r = replacementValue(rng, (parent as Record<string | number, JsonValue>)[key]);
  if (Array.isArray(parent)) parent[key as number] = r.value;
  else setOwn(parent as { [key: string]: JsonValue }, key as string, r.value);
  return { value, label: `${where} = ${r.what}` };
}

// ---------------------------------------------------------------------------------------------
// Guards

/** A case that did not settle within its time budget. */
export class FuzzTimeoutError extends Error {
  override name = "FuzzTimeoutError";
}

/**
 * Runs `run()` and rejects with {@link FuzzTimeoutError} when it has not settled after `ms`
 * milliseconds (the timer is always cleared, so no test leaks it). This catches asynchronous
 * hangs (a stream that never ends, a promise never settled); a synchronous infinite loop cannot
 * be interrupted on the same thread, so synchronous parsers are checked with {@link timed}.
 */
export async function withTimeout<T>(ms: number, label: string, run: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new FuzzTimeoutError(`${label}: no result after ${ms} ms (a hang?)`)),
      ms,
    );
  });
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What {@link timed} measured: the result (or the exception) and the time taken. */
export type Timed<T> =
  | { readonly ok: true; readonly value: T; readonly ms: number }
  | { readonly ok: false; readonly error: unknown; readonly ms: number };

/** Runs a synchronous parser once, catching what it throws and measuring how long it took. */
export function timed<T>(run: () => T): Timed<T> {
  const start = performance.now();
  try {
    const value = run();
    return { ok: true, value, ms: performance.now() - start };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - start };
  }
}

/** A thrown value for a failure message: its class, message and first stack frames. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `a thrown ${typeof error} (not an Error)`;
  const frames = (error.stack ?? "").split("\n").slice(1, 4).map((l) => l.trim()).join(" | ");
  return `${error.name}: ${error.message.slice(0, 300)}${frames ? ` (${frames})` : ""}`;
}

/**
 * Collects the problems of a fuzz run and fails once at the end with all of them listed (the
 * first 30), each naming its case so it can be replayed with the same seed.
 */
export class FuzzReport {
  /** One line per failing case. */
  readonly problems: string[] = [];
  /** Cases run (for the failure message). */
  cases = 0;

  constructor(readonly name: string, readonly seed: number = FUZZ_SEED) {}

  /** Records a problem of case `index` (`label` says how it was made). */
  add(index: number, label: string, problem: string): void {
    this.problems.push(`#${index} [${label.slice(0, 200)}]: ${problem}`);
  }

  /** Fails when any problem was recorded. */
  assertClean(): void {
    if (this.problems.length === 0) return;
    const shown = this.problems.slice(0, 30).join("\n  ");
    const more = this.problems.length > 30 ? `\n  … and ${this.problems.length - 30} more` : "";
    assert.fail(
      `${this.name}: ${this.problems.length} of ${this.cases} cases failed (FUZZ_SEED=${this.seed}):` +
        `\n  ${shown}${more}`,
    );
  }
}
