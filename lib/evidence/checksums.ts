/**
 * Published SHA-256 checksums parsed into typed evidence: `SHA256SUMS`-style files, per-asset
 * sidecars (`X.sha256`) and GitHub release bodies (Markdown). Pure text → entries: no I/O and no
 * cryptography. Lines that are not checksums are ignored silently (release notes are prose); a
 * line that has the shape of a checksum line but a digest of the wrong length (or of another
 * algorithm) becomes a warning, never an entry. In a release body, HTML comments (which GitHub
 * does not render) are not read.
 *
 * Every scan is linear in the input: lines longer than {@link MAX_CHECKSUM_LINE_CHARS} are not
 * examined, no regular expression can backtrack catastrophically, and at most
 * {@link MAX_CHECKSUM_WARNINGS} warnings are kept.
 * @module
 */

/** One published digest for one file name. */
export interface ChecksumEntry {
  /**
   * The file name as written (GNU escapes decoded, the binary-mode `*` removed; a leading `./`
   * or a directory is kept). {@link lookupChecksum} compares basenames.
   */
  name: string;
  /** The SHA-256 digest, 64 lowercase hex characters. */
  sha256: string;
  /** The 1-based line of the input the digest was read from. */
  line: number;
  /**
   * The shape of the line:
   * - `gnu`: `sha256sum` text mode, digest then name (`<hex>  name`, also one space or a tab);
   * - `gnu-binary`: `sha256sum -b`, `<hex> *name`;
   * - `bsd`: `SHA256 (name) = <hex>` (`shasum --tag`, `sha256sum --tag`, `openssl dgst`);
   * - `colon`: name first, then the digest (`name: <hex>`, `name <hex>`, `name sha256:<hex>`,
   *   Markdown bullets and bold names);
   * - `markdown-table`: a row of a Markdown table;
   * - `bare`: a digest alone, named by its context (the sidecar's asset, or the file name on
   *   the line before it in a release body).
   */
  format: "gnu" | "gnu-binary" | "bsd" | "colon" | "markdown-table" | "bare";
}

/** What one input yielded. */
export interface ChecksumParse {
  /** The digests found, in input order. */
  entries: ChecksumEntry[];
  /**
   * Lines that looked like checksums but could not be used. `line` is 1-based; 0 means the
   * input as a whole (for example a file named for another algorithm).
   */
  warnings: { line: number; message: string }[];
}

/** Lines longer than this are not examined (a warning names them). */
export const MAX_CHECKSUM_LINE_CHARS = 4096;

/** At most this many warnings are kept per input; one more line says how many were dropped. */
export const MAX_CHECKSUM_WARNINGS = 100;

type Format = ChecksumEntry["format"];

/** A run of hex this long or longer, in a checksum position, is treated as a digest. */
const MIN_DIGEST_HEX = 32;
const SHA256_HEX = 64;
const MAX_NAME_CHARS = 255;
/** Table rows with more cells than this are not checksum tables and are not examined. */
const MAX_TABLE_CELLS = 32;

/** What one line yielded before names are resolved. */
interface Hit {
  hex: string;
  format: Format;
  /** Absent for a bare digest. */
  name?: string;
  /** Set when the line names an algorithm other than SHA-256 (`SHA512 (x) = …`). */
  otherAlgorithm?: string;
}

/** How strictly a line is read: checksum files and code blocks, or Markdown prose. */
type Mode = "file" | "prose";

// ---------------------------------------------------------------------------------------------
// Character helpers (manual scans: linear, no backtracking)

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isSpace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t";
}

function isAllHex(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isHexCode(s.charCodeAt(i))) return false;
  return true;
}

/** Removes any of `chars` from the end of `s`. */
function stripEnd(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1])) end--;
  return s.slice(0, end);
}

/** Removes any of `chars` from the start of `s`. */
function stripStart(s: string, chars: string): string {
  let start = 0;
  while (start < s.length && chars.includes(s[start])) start++;
  return s.slice(start);
}

/** Decodes the escapes `sha256sum` writes for names with `\`, newline or carriage return. */
function unescapeGnu(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === "\\" && i + 1 < name.length) {
      const next = name[i + 1];
      if (next === "\\") out += "\\";
      else if (next === "n") out += "\n";
      else if (next === "r") out += "\r";
      else out += ch + next;
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A name as it may appear in a message: quoted, control and bidirectional-override characters
 * escaped (a hostile checksum file must not reach the terminal with escape sequences), and cut
 * to 200 characters.
 */
function shown(name: string): string {
  let out = "";
  const limit = Math.min(name.length, 200);
  for (let i = 0; i < limit; i++) {
    const code = name.charCodeAt(i);
    const unsafe = code < 0x20 || (code >= 0x7f && code <= 0x9f) ||
      (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
    out += unsafe ? `\\u${code.toString(16).padStart(4, "0")}` : name[i];
  }
  return `'${out}${name.length > limit ? "…" : ""}'`;
}

// ---------------------------------------------------------------------------------------------
// Names and algorithms

/** The key names are compared by: a leading `*` and `./` removed, then the basename. */
function nameKey(name: string): string {
  let n = name.trim();
  if (n.startsWith("*")) n = n.slice(1);
  while (n.startsWith("./")) n = n.slice(2);
  const slash = n.lastIndexOf("/");
  return slash >= 0 ? n.slice(slash + 1) : n;
}

const SHA256_MENTION = /sha-?256|sha2-256/i;
const OTHER_MENTION =
  /blake3|blake2|\bb3sums?\b|sha-?512|sha-?384|sha-?224|sha-?1(?![0-9])|\bmd5|sha3|\bcrc32\b/i;

/** Which algorithm a label or file name speaks of, when it names one. */
function algorithmMentioned(text: string): "sha256" | { other: string } | undefined {
  if (SHA256_MENTION.test(text)) return "sha256";
  const m = OTHER_MENTION.exec(text);
  return m ? { other: m[0] } : undefined;
}

/** Labels that may stand between a name and its digest: `sha256:`, `SHA-256`, `checksum`. */
const SHA256_LABEL = /^(?:sha-?256|sha2-256)(?:sums?|sum)?$|^(?:checksum|hash|digest)s?$/i;
/** Algorithm tags of BSD-style lines other than SHA-256 (normalized: upper case, no `-`/`_`). */
const OTHER_BSD_TAG =
  /^(?:MD5|SHA1|SHA224|SHA384|SHA512(?:\/(?:224|256))?|SHA3\d{3}|BLAKE2[BS]?\d*|BLAKE3|SM3|RIPEMD160|CRC32)$/;
const VERSION_LIKE = /^v?\d+(?:\.\d+)+(?:[-+][0-9A-Za-z.]+)?$/;
const SIZE_LIKE = /^\d+(?:[.,]\d+)?(?:[kKmMgGtT]i?)?[bB]$/;

/**
 * Whether a token in Markdown prose or a table cell reads as a release asset's file name: one
 * token (GitHub asset names have no spaces) with a letter and a `.`, `-` or `_`, and not a
 * version, size, digest or algorithm label.
 */
function looksLikeFileName(s: string): boolean {
  if (s.length === 0 || s.length > MAX_NAME_CHARS) return false;
  if (/[\s<>|"'`()[\]{}]/.test(s)) return false;
  if (!/[A-Za-z]/.test(s) || !/[._-]/.test(s)) return false;
  if (s.endsWith(":") || s.startsWith("-") || s.startsWith("#")) return false;
  if (isAllHex(s) || VERSION_LIKE.test(s) || SIZE_LIKE.test(s)) return false;
  if (SHA256_LABEL.test(s) || (algorithmMentioned(s) !== undefined && /^[A-Za-z0-9-]+$/.test(s))) {
    return false;
  }
  return true;
}

/** Strips quotes, parentheses and trailing punctuation around a name token in prose. */
function cleanNameToken(token: string): string {
  return stripEnd(stripStart(token, `("'`), `)"',;:.`);
}

// ---------------------------------------------------------------------------------------------
// Line shapes

/** `SHA256 (name) = <hex>`, `SHA256(name)= <hex>`, `SHA2-256(name)= <hex>`. */
function parseBsd(line: string, escaped: boolean): Hit | undefined {
  const m = /^([A-Za-z][A-Za-z0-9/_-]{1,15}) ?\(/.exec(line);
  if (!m) return undefined;
  const end = line.length;
  let k = end;
  while (k > 0 && isHexCode(line.charCodeAt(k - 1))) k--;
  if (end - k < MIN_DIGEST_HEX) return undefined;
  let p = k;
  while (p > 0 && line[p - 1] === " ") p--;
  if (line[p - 1] !== "=") return undefined;
  p--;
  while (p > 0 && line[p - 1] === " ") p--;
  if (line[p - 1] !== ")") return undefined;
  p--;
  const nameStart = m[0].length;
  if (p <= nameStart) return undefined;
  const raw = line.slice(nameStart, p);
  const name = escaped ? unescapeGnu(raw) : raw;
  const hex = line.slice(k);
  const tag = m[1].toUpperCase().replace(/[-_]/g, "");
  if (tag === "SHA256" || tag === "SHA2256") return { hex, format: "bsd", name };
  if (OTHER_BSD_TAG.test(tag)) return { hex, format: "bsd", name, otherAlgorithm: m[1] };
  return undefined;
}

/** `<hex>  name`, `<hex> *name`, `<hex> name`, `<hex>\tname`, or `<hex>` alone. */
function parseHexFirst(line: string, escaped: boolean, mode: Mode): Hit | undefined {
  let i = 0;
  while (i < line.length && isHexCode(line.charCodeAt(i))) i++;
  if (i < MIN_DIGEST_HEX) return undefined;
  const hex = line.slice(0, i);
  if (i === line.length) return { hex, format: "bare" };
  if (!isSpace(line[i])) return undefined;
  let format: Format = "gnu";
  let rest: string;
  if (line[i] === " " && line[i + 1] === "*") {
    format = "gnu-binary";
    rest = line.slice(i + 2);
  } else {
    let j = i;
    while (j < line.length && isSpace(line[j])) j++;
    rest = line.slice(j);
  }
  if (rest.length === 0) return undefined;
  let name = escaped ? unescapeGnu(rest) : rest;
  if (mode === "prose") {
    name = cleanNameToken(name);
    if (!looksLikeFileName(name)) return undefined;
  }
  return { hex, format, name };
}

/** `name: <hex>`, `name <hex>`, `name sha256:<hex>`, `name (sha256: <hex>)`, `sha256:<hex>`. */
function parseNameFirst(line: string, mode: Mode): Hit | undefined {
  let end = line.length;
  if (mode === "prose") {
    while (end > 0 && ").,;".includes(line[end - 1])) end--;
  }
  let k = end;
  while (k > 0 && isHexCode(line.charCodeAt(k - 1))) k--;
  if (end - k < MIN_DIGEST_HEX) return undefined;
  const hex = line.slice(k, end);
  if (k === 0) return { hex, format: "bare" };
  const before = line[k - 1];
  if (!(isSpace(before) || before === ":" || before === "=")) return undefined;
  const separators = mode === "prose" ? " \t:=(-–—" : " \t:=";
  let head = stripEnd(line.slice(0, k), separators);
  // A label between the name and the digest: `name sha256:<hex>`, `name (SHA-256): <hex>`.
  const lastSpace = Math.max(head.lastIndexOf(" "), head.lastIndexOf("\t"));
  const label = stripStart(head.slice(lastSpace + 1), "(");
  if (SHA256_LABEL.test(label) || SHA256_LABEL.test(stripEnd(label, ")"))) {
    head = stripEnd(head.slice(0, lastSpace + 1), separators);
  } else if (OTHER_BSD_TAG.test(stripEnd(label, ")").toUpperCase().replace(/[-_]/g, ""))) {
    const name = stripEnd(head.slice(0, lastSpace + 1), separators);
    if (name.length === 0) return undefined;
    return { hex, format: "colon", name, otherAlgorithm: stripEnd(label, ")") };
  }
  if (head.length === 0) return { hex, format: "bare" };
  if (mode === "file") return { hex, format: "colon", name: head };
  // Prose: the last token names the file; the words before it may only label the algorithm.
  const space = Math.max(head.lastIndexOf(" "), head.lastIndexOf("\t"));
  const name = cleanNameToken(head.slice(space + 1));
  if (!looksLikeFileName(name)) return undefined;
  const words = head.slice(0, space + 1);
  const algo = algorithmMentioned(words);
  if (algo !== undefined && algo !== "sha256") {
    return { hex, format: "colon", name, otherAlgorithm: algo.other };
  }
  // Anything else before the name ("Do not use the tampered app.tar.gz: <hex>") makes the line
  // a sentence about the digest, not the publisher's checksum for the file.
  if (!words.trim().split(/\s+/).every(isLabelWord)) return undefined;
  return { hex, format: "colon", name };
}

/** Words that may stand before a file name in prose: an algorithm label and its glue. */
const LABEL_GLUE = /^(?:for|of|the|file|sum|sums|sha256sum|sha256sums)$/i;

function isLabelWord(word: string): boolean {
  const w = stripEnd(stripStart(word, "("), "):");
  return w.length === 0 || SHA256_LABEL.test(w) || LABEL_GLUE.test(w) ||
    (SHA256_MENTION.test(w) && /^[A-Za-z0-9-]+$/.test(w));
}

/** Reads one (already trimmed, length-capped) line in the given mode. */
function parseLine(line: string, mode: Mode): Hit | undefined {
  if (line.length === 0) return undefined;
  let escaped = false;
  let body = line;
  if (body.startsWith("\\")) {
    escaped = true;
    body = body.slice(1);
  }
  const hit = parseBsd(body, escaped) ?? parseHexFirst(body, escaped, mode);
  if (hit !== undefined || escaped) return hit;
  return parseNameFirst(body, mode);
}

// ---------------------------------------------------------------------------------------------
// Collecting entries and warnings

function describeLength(n: number): string {
  const known: Record<number, string> = {
    32: " (the length of MD5)",
    40: " (the length of SHA-1)",
    56: " (the length of SHA-224)",
    96: " (the length of SHA-384)",
    128: " (the length of SHA-512)",
  };
  return `${n} hex characters${known[n] ?? ""}`;
}

class Collector {
  readonly entries: ChecksumEntry[] = [];
  readonly warnings: { line: number; message: string }[] = [];
  #dropped = 0;
  #firstDropped = 0;

  constructor(readonly source: string) {}

  warn(line: number, message: string): void {
    if (this.warnings.length < MAX_CHECKSUM_WARNINGS) {
      this.warnings.push({ line, message });
    } else {
      if (this.#dropped === 0) this.#firstDropped = line;
      this.#dropped++;
    }
  }

  where(line: number): string {
    return `line ${line} of ${this.source}`;
  }

  /** Records a named hit, or warns when its digest cannot be SHA-256. */
  accept(line: number, hit: Hit, name: string, format: Format = hit.format): void {
    if (hit.otherAlgorithm !== undefined) {
      this.warn(
        line,
        `${this.where(line)}: a ${hit.otherAlgorithm} digest for ${shown(name)}, not SHA-256; ` +
          `the line is ignored`,
      );
      return;
    }
    if (hit.hex.length !== SHA256_HEX) {
      this.warn(
        line,
        `${this.where(line)}: expected a 64-character SHA-256 digest for ${shown(name)}, found ` +
          `${describeLength(hit.hex.length)}; the line is ignored`,
      );
      return;
    }
    this.entries.push({ name, sha256: hit.hex.toLowerCase(), line, format });
  }

  tooLong(line: number, length: number): void {
    this.warn(
      line,
      `${this.where(line)}: ${length} characters long, over the ${MAX_CHECKSUM_LINE_CHARS} ` +
        `examined; the line is ignored`,
    );
  }

  finish(): ChecksumParse {
    const warnings = [...this.warnings];
    if (this.#dropped > 0) {
      warnings.push({
        line: this.#firstDropped,
        message: `${this.#dropped} more warnings about ${this.source} were not kept ` +
          `(the first on line ${this.#firstDropped})`,
      });
    }
    return { entries: [...this.entries], warnings };
  }
}

/** Splits into lines (LF or CRLF), dropping a byte-order mark. */
function splitLines(text: string): string[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const lines = body.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.endsWith("\r")) lines[i] = l.slice(0, -1);
  }
  return lines;
}

const SIDECAR_SUFFIXES = [".sha256", ".sha256sum", ".sha256.txt"];

/** `app.tar.gz.sha256` → `app.tar.gz`; undefined when the name is not a sidecar's. */
function sidecarTarget(fileName: string): string | undefined {
  const base = nameKey(fileName);
  const lower = base.toLowerCase();
  for (const suffix of SIDECAR_SUFFIXES) {
    if (lower.endsWith(suffix) && base.length > suffix.length) {
      return base.slice(0, base.length - suffix.length);
    }
  }
  return undefined;
}

/** Shared by checksum files and sidecars: every line in file mode. */
function parseFileLines(
  c: Collector,
  text: string,
  bareName: string | undefined,
): void {
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (raw.length > MAX_CHECKSUM_LINE_CHARS) {
      c.tooLong(lineNo, raw.length);
      continue;
    }
    const hit = parseLine(raw.trim(), "file");
    if (hit === undefined) continue;
    if (hit.name !== undefined) {
      c.accept(lineNo, hit, hit.name);
    } else if (bareName !== undefined) {
      c.accept(lineNo, hit, bareName, "bare");
    } else if (hit.hex.length === SHA256_HEX) {
      c.warn(
        lineNo,
        `${c.where(lineNo)}: a SHA-256 digest without a file name; it cannot be matched to an ` +
          `asset and is ignored`,
      );
    } else {
      c.warn(
        lineNo,
        `${c.where(lineNo)}: a digest of ${describeLength(hit.hex.length)} without a file ` +
          `name, not a 64-character SHA-256 digest; the line is ignored`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public API: files and sidecars

/**
 * Parses a checksum file published with a release (`SHA256SUMS`, `checksums.txt`,
 * `sha256.sum`, `*.sha256`, …): GNU `sha256sum` lines (text and binary mode, one or two spaces,
 * names with spaces, `\`-escaped names), BSD `SHA256 (name) = <hex>` lines, and `name: <hex>` /
 * `name <hex>` lines. Other lines (comments, PGP armor) are ignored. A bare digest is accepted
 * only when `fileName` is a sidecar's (`X.sha256`, `X.sha256sum`, `X.sha256.txt`): it applies
 * to `X`. A file named for another algorithm (`SHA512SUMS`, `B3SUMS`) yields no entries.
 *
 * @param text the file's content
 * @param fileName the asset name the file was published as (used for context and messages)
 */
export function parseChecksumFile(text: string, fileName: string): ChecksumParse {
  const c = new Collector(fileName);
  const algo = algorithmMentioned(nameKey(fileName));
  if (algo !== undefined && algo !== "sha256") {
    c.warn(
      0,
      `${fileName} is named for ${algo.other}, not SHA-256; its digests are not read`,
    );
    return c.finish();
  }
  parseFileLines(c, text, sidecarTarget(fileName));
  return c.finish();
}

/**
 * Parses a sidecar published next to one asset (`X.sha256`): a bare `<hex>` (applies to
 * `assetName`), `<hex>  X`, `<hex> *X`, `<hex>  path/to/X` (matched by basename) or a BSD line.
 * A sidecar with no digest for `assetName` gets a warning that says which names it has.
 *
 * @param text the sidecar's content
 * @param sidecarName the sidecar's asset name (for messages)
 * @param assetName the asset the sidecar belongs to
 */
export function parseSidecar(text: string, sidecarName: string, assetName: string): ChecksumParse {
  const c = new Collector(sidecarName);
  parseFileLines(c, text, assetName);
  const key = nameKey(assetName);
  if (c.entries.length > 0 && !c.entries.some((e) => nameKey(e.name) === key)) {
    const names = [...new Set(c.entries.map((e) => shown(e.name)))].slice(0, 5).join(", ");
    c.warn(
      c.entries[0].line,
      `${sidecarName} has no digest for ${shown(assetName)}; it names ${names}`,
    );
  }
  return c.finish();
}

// ---------------------------------------------------------------------------------------------
// Release bodies (Markdown)

/**
 * Removes the HTML comments of a Markdown line (GitHub does not render them, so what they hold is
 * not published); `state.open` carries a comment that spans lines. Linear in the line.
 */
function stripHtmlComments(line: string, state: { open: boolean }): string {
  let out = "";
  let i = 0;
  while (i < line.length) {
    if (state.open) {
      const end = line.indexOf("-->", i);
      if (end < 0) return out;
      state.open = false;
      i = end + 3;
    } else {
      const start = line.indexOf("<!--", i);
      if (start < 0) return out + line.slice(i);
      out += line.slice(i, start);
      state.open = true;
      i = start + 4;
    }
  }
  return out;
}

/** Markdown decoration that can wrap names and digests: code spans, bold, `<code>`, links. */
function stripInlineMarkdown(s: string): string {
  let out = s.replace(/<\/?code>/gi, "").replace(/`/g, "").replace(/\*\*/g, "");
  out = out.replace(
    /\[([^[\]]{1,300})\]\(([^()\s]{1,2000})\)/g,
    (_m, text: string, url: string) => {
      const t = text.trim();
      if (looksLikeFileName(t)) return t;
      const base = nameKey(stripEnd(url, "/"));
      return looksLikeFileName(base) ? base : t;
    },
  );
  return out.trim();
}

/** A prose line without block markers (quote, heading, list item, task box) and inline marks. */
function normalizeProse(line: string): string {
  let s = line.trim();
  s = s.replace(/^#{1,6}\s+/, "");
  const list = /^(?:[-*+]|\d{1,9}[.)])\s+/.exec(s);
  if (list) s = s.slice(list[0].length);
  const task = /^\[[ xX]\]\s+/.exec(s);
  if (task) s = s.slice(task[0].length);
  return stripInlineMarkdown(s);
}

function stripQuote(line: string): string {
  let s = line.trimStart();
  while (s.startsWith(">")) s = s.slice(1).trimStart();
  return s;
}

function splitCells(row: string): string[] {
  let s = row.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  return s.split("|").map((cell) => cell.trim());
}

function isSeparatorRow(line: string | undefined): boolean {
  if (line === undefined) return false;
  const s = stripQuote(line).trim();
  // A table's delimiter row needs a pipe; `---` alone is a thematic break.
  if (!s.includes("|") || !s.includes("-")) return false;
  return splitCells(s).every((cell) => /^:?-+:?$/.test(cell));
}

const NAME_HEADER =
  /\b(?:file|files|filename|file name|name|asset|assets|artifact|artifacts|binary|binaries|download|downloads|package|archive)\b/i;

/** A digest cell: hex alone, optionally behind `sha256:`. */
function cellDigest(cell: string): string | undefined {
  let s = stripInlineMarkdown(cell);
  const colon = s.indexOf(":");
  if (colon > 0 && SHA256_LABEL.test(s.slice(0, colon).trim())) s = s.slice(colon + 1).trim();
  return s.length >= MIN_DIGEST_HEX && isAllHex(s) ? s : undefined;
}

/** One row of a Markdown table: the 64-hex cell and the cell that names the file. */
function parseTableRow(
  c: Collector,
  lineNo: number,
  cells: string[],
  header: string[] | undefined,
): void {
  const digests: { col: number; hex: string }[] = [];
  for (let i = 0; i < cells.length; i++) {
    const hex = cellDigest(cells[i]);
    if (hex !== undefined) digests.push({ col: i, hex });
  }
  if (digests.length === 0) return;

  // Which digest column: headers first (SHA-256 over others), then the 64-character ones.
  let usable = digests;
  let otherAlgorithm: string | undefined;
  if (header !== undefined) {
    const labeled = digests.map((d) => ({ d, algo: algorithmMentioned(header[d.col] ?? "") }));
    const sha = labeled.filter((l) => l.algo === "sha256").map((l) => l.d);
    const unlabeled = labeled.filter((l) => l.algo === undefined).map((l) => l.d);
    if (sha.length > 0) usable = sha;
    else if (unlabeled.length > 0) usable = unlabeled;
    else {
      const first = labeled[0].algo;
      otherAlgorithm = typeof first === "object" ? first.other : undefined;
    }
  }
  if (usable.length > 1) {
    const exact = usable.filter((d) => d.hex.length === SHA256_HEX);
    if (exact.length >= 1) usable = exact;
  }
  const digestCols = new Set(digests.map((d) => d.col));

  // Which cell names the file: a header that says so, else the one cell that looks like one.
  let name: string | undefined;
  const nameCol = header?.findIndex((h, i) => !digestCols.has(i) && NAME_HEADER.test(h));
  if (nameCol !== undefined && nameCol >= 0 && nameCol < cells.length) {
    const cell = stripInlineMarkdown(cells[nameCol]);
    if (cell.length > 0) name = cell;
  }
  if (name === undefined) {
    const candidates = cells
      .map((cell, i) => ({ i, cell: stripInlineMarkdown(cell) }))
      .filter((x) => !digestCols.has(x.i) && looksLikeFileName(x.cell));
    const withExtension = candidates.filter((x) => /\.[A-Za-z][A-Za-z0-9]*$/.test(x.cell));
    const best = withExtension.length > 0 ? withExtension : candidates;
    if (best.length === 1) name = best[0].cell;
    else if (best.length > 1) {
      c.warn(
        lineNo,
        `${c.where(lineNo)}: a table row with a digest and several cells that could name the ` +
          `file (${best.map((x) => shown(x.cell)).join(", ")}); the row is ignored`,
      );
      return;
    }
  }
  if (name === undefined) {
    if (usable.some((d) => d.hex.length === SHA256_HEX)) {
      c.warn(
        lineNo,
        `${c.where(lineNo)}: a table row with a digest but no cell that names a file; ` +
          `the row is ignored`,
      );
    }
    return;
  }
  if (usable.length > 1) {
    c.warn(
      lineNo,
      `${c.where(lineNo)}: a table row with ${usable.length} digest columns and no header ` +
        `saying which is SHA-256; the row is ignored`,
    );
    return;
  }
  c.accept(lineNo, { hex: usable[0].hex, format: "markdown-table", otherAlgorithm }, name);
}

/**
 * Parses a GitHub release body (Markdown) for published SHA-256 digests. Understood: inline
 * code (`` `<hex>` ``), bullet and numbered lists (`- name: <hex>`, `* <hex>  name`), bold names
 * (`**name**: <hex>`), `sha256:<hex>` prefixes, links as names, tables (any column order: the
 * digest cell and the cell that names the file, helped by a header row when there is one),
 * fenced code blocks holding `sha256sum` or BSD output (a block introduced or tagged as another
 * algorithm, such as BLAKE3 or SHA-512, is not read), and a bare digest on the line after a line
 * that is only a file name. Everything else is prose and ignored.
 *
 * In prose, a name must look like a release asset name (one token, no spaces); inside code
 * blocks, names are read as `sha256sum` writes them.
 *
 * @param markdown the release body
 */
export function parseReleaseBody(markdown: string): ChecksumParse {
  const c = new Collector("the release body");
  const lines = splitLines(markdown);
  let fence: { marker: string; line: number; other?: string; warned: boolean } | undefined;
  let lastProse = "";
  let pendingName: string | undefined;
  let header: string[] | undefined;
  let inTable = false;
  let previousRow: string[] | undefined;
  const comment = { open: false };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (raw.length > MAX_CHECKSUM_LINE_CHARS) {
      c.tooLong(lineNo, raw.length);
      pendingName = undefined;
      inTable = false;
      continue;
    }
    let line = stripQuote(raw).trim();
    // HTML comments (outside code blocks) are not shown to readers: not published.
    if (fence === undefined && (comment.open || line.includes("<!--"))) {
      line = stripQuote(stripHtmlComments(line, comment)).trim();
      if (line.length === 0) continue;
    }

    // Fenced code blocks: sha256sum / BSD output, read as a checksum file would be.
    const fenceMatch = /^(?:`{3,}|~{3,})/.exec(line);
    const fenceMarker = fenceMatch?.[0];
    const fenceInfo = fenceMarker === undefined ? "" : line.slice(fenceMarker.length);
    if (fence !== undefined) {
      if (
        fenceMarker !== undefined && fenceMarker[0] === fence.marker[0] &&
        fenceMarker.length >= fence.marker.length && fenceInfo.trim() === ""
      ) {
        fence = undefined;
        continue;
      }
      const hit = parseLine(line, "file");
      if (hit === undefined || hit.name === undefined) continue;
      if (fence.other !== undefined) {
        if (!fence.warned) {
          c.warn(
            lineNo,
            `${c.where(lineNo)}: the code block opened on line ${fence.line} is labeled ` +
              `${fence.other}, not SHA-256; its digests are not read`,
          );
          fence.warned = true;
        }
        continue;
      }
      c.accept(lineNo, hit, hit.name);
      continue;
    }
    // An info string with a backtick is inline code (```x```), not a fence.
    if (fenceMarker !== undefined && !(fenceMarker[0] === "`" && fenceInfo.includes("`"))) {
      const algo = algorithmMentioned(fenceInfo) ?? algorithmMentioned(lastProse);
      fence = {
        marker: fenceMarker,
        line: lineNo,
        other: typeof algo === "object" ? algo.other : undefined,
        warned: false,
      };
      pendingName = undefined;
      inTable = false;
      continue;
    }

    if (line.length === 0) {
      inTable = false;
      previousRow = undefined;
      continue;
    }

    // Tables.
    if (isSeparatorRow(line)) {
      header = previousRow;
      inTable = true;
      pendingName = undefined;
      continue;
    }
    if (line.includes("|") && (line.startsWith("|") || inTable || isSeparatorRow(lines[i + 1]))) {
      const cells = splitCells(line);
      if (cells.length > MAX_TABLE_CELLS) {
        previousRow = undefined;
        pendingName = undefined;
        continue;
      }
      if (cells.length >= 2) {
        if (!inTable) header = undefined;
        previousRow = cells;
        parseTableRow(c, lineNo, cells, inTable ? header : undefined);
        pendingName = undefined;
        lastProse = "";
        continue;
      }
    }
    inTable = false;
    previousRow = undefined;

    // Prose.
    const prose = normalizeProse(line);
    const hit = parseLine(prose, "prose");
    if (hit === undefined) {
      const token = cleanNameToken(prose);
      pendingName = looksLikeFileName(token) ? token : undefined;
      if (prose.length > 0) lastProse = prose;
      continue;
    }
    if (hit.name !== undefined) {
      c.accept(lineNo, hit, hit.name);
    } else if (pendingName !== undefined) {
      c.accept(lineNo, hit, pendingName, "bare");
    }
    pendingName = undefined;
    lastProse = prose;
  }
  return c.finish();
}

// ---------------------------------------------------------------------------------------------
// Names and lookup

const CHECKSUM_FILE_NAME =
  /^(?:.{0,200}[._-])?(?:sha256sums?|shasums256|checksums?|sha256)(?:\.txt)?$/;
const SHA256_SUM_FILE_NAME = /^(?:.{0,200}[._-])?sha256\.sum$/;

/**
 * Whether a release asset's name is that of a SHA-256 checksum file (case-insensitive):
 * `SHA256SUMS`, `SHA256SUMS.txt`, `sha256sum.txt`, `SHASUMS256.txt`, `CHECKSUMS`,
 * `checksums.txt`, `checksums.sha256`, `sha256.sum`, `*_checksums.txt`, `*-checksums.txt`,
 * `*.sha256`, `*.sha256sum`, `*.sha256.txt`. Signatures and certificates of such files
 * (`SHA256SUMS.asc`, `checksums.txt.sig`) and other algorithms (`SHA512SUMS`) are not.
 */
export function isChecksumFileName(name: string): boolean {
  const base = nameKey(name).toLowerCase();
  if (base.length === 0 || base.length > MAX_NAME_CHARS) return false;
  return CHECKSUM_FILE_NAME.test(base) || SHA256_SUM_FILE_NAME.test(base);
}

/** The sidecar names a checksum for `assetName` may be published under, most common first. */
export function sidecarNamesFor(assetName: string): string[] {
  return SIDECAR_SUFFIXES.map((suffix) => `${assetName}${suffix}`);
}

/**
 * Finds the published SHA-256 of `assetName` across parsed sources. Names compare by basename
 * with a leading `./` or `*` removed, exactly (never by substring, case-sensitively as GitHub
 * asset names are).
 *
 * @returns the digest and its first entry when every entry for the name agrees; `{ conflict }`
 * with all entries for the name when they disagree (report a mismatch); `undefined` when no
 * source names the asset.
 */
export function lookupChecksum(
  parses: ChecksumParse[],
  assetName: string,
): { sha256: string; entry: ChecksumEntry } | { conflict: ChecksumEntry[] } | undefined {
  const key = nameKey(assetName);
  if (key.length === 0) return undefined;
  const found = parses.flatMap((p) => p.entries.filter((e) => nameKey(e.name) === key));
  if (found.length === 0) return undefined;
  const first = found[0];
  if (found.every((e) => e.sha256 === first.sha256)) return { sha256: first.sha256, entry: first };
  return { conflict: found };
}
