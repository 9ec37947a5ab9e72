/**
 * Where each key and value of a TOML document is written. smol-toml returns values without
 * positions, so this small scanner walks the (already parsed, so valid) text once and records,
 * for every path (`["repo", "o/r", "signer", "0", "workflow"]`), the span of its key, its value
 * and, for tables, its header. Paths use the same segments as a JSON pointer into the parsed
 * document: array-of-tables and array elements by their index.
 * @module
 */

/** A span on one line: 1-based line and column (in code points), and its length. */
export interface Span {
  readonly line: number;
  readonly col: number;
  readonly length: number;
}

/** What the scanner knows about one path. */
export interface NodePosition {
  /** The key (its last segment as written, quotes included). */
  key?: Span;
  /** The value (first line of it when it spans several). */
  value?: Span;
  /** The whole table header (`[[repo."o/r".signer]]`), for tables. */
  header?: Span;
}

/** Positions by path (see {@link pathKey}). */
export type PositionMap = ReadonlyMap<string, NodePosition>;

/** The map key of a path. */
export function pathKey(path: readonly (string | number)[]): string {
  return path.map(String).join("\u0000");
}

interface Segment {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

class ScanError extends Error {}

/**
 * Paths deeper than this are not recorded: no policy key is nearly that deep, and a diagnostic
 * below it points at the nearest recorded ancestor. Without the cap, a dotted key or header
 * thousands of segments deep (`[a.a.a.…]`) cost time and memory quadratic in its depth.
 */
const MAX_POSITION_DEPTH = 32;

/** `path` extended by `names`, kept to at most {@link MAX_POSITION_DEPTH} + 1 segments. */
function child(path: readonly string[], ...names: string[]): string[] {
  const out = path.slice(0, MAX_POSITION_DEPTH + 1);
  for (const name of names) {
    if (out.length > MAX_POSITION_DEPTH) break;
    out.push(name);
  }
  return out;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const BARE = /[A-Za-z0-9_-]/;

class Scanner {
  i = 0;
  readonly positions = new Map<string, NodePosition>();
  readonly lineStarts: number[] = [0];
  /**
   * `codePoints[k]`: the code points in `text.slice(0, k)` (a surrogate pair counts once), so a
   * column is a subtraction. Counting them per span instead was quadratic on a long line with
   * many values (a 20,000-item array on one line took seconds).
   */
  readonly codePoints: Uint32Array;

  constructor(readonly text: string) {
    this.codePoints = new Uint32Array(text.length + 1);
    for (let k = 0; k < text.length; k++) {
      if (text[k] === "\n") this.lineStarts.push(k + 1);
      const pairEnd = k > 0 && isLowSurrogate(text.charCodeAt(k)) &&
        isHighSurrogate(text.charCodeAt(k - 1));
      this.codePoints[k + 1] = this.codePoints[k] + (pairEnd ? 0 : 1);
    }
  }

  /** The code points between two offsets (neither inside a surrogate pair). */
  count(start: number, end: number): number {
    return this.codePoints[end] - this.codePoints[start];
  }

  span(start: number, end: number): Span {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= start) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.lineStarts[lo];
    let lineEnd = lo + 1 < this.lineStarts.length ? this.lineStarts[lo + 1] - 1 : this.text.length;
    if (this.text[lineEnd - 1] === "\r") lineEnd--;
    const clippedEnd = Math.max(start, Math.min(end, lineEnd));
    return {
      line: lo + 1,
      col: this.count(lineStart, start) + 1,
      length: this.count(start, clippedEnd),
    };
  }

  node(path: readonly string[]): NodePosition {
    if (path.length > MAX_POSITION_DEPTH) return {};
    const key = pathKey(path);
    let node = this.positions.get(key);
    if (!node) {
      node = {};
      this.positions.set(key, node);
    }
    return node;
  }

  peek(offset = 0): string {
    return this.text[this.i + offset] ?? "";
  }

  skipSpaces(): void {
    while (this.peek() === " " || this.peek() === "\t") this.i++;
  }

  /** Skips whitespace, newlines and comments. */
  skipBlank(): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.i++;
      else if (c === "#") { while (this.i < this.text.length && this.peek() !== "\n") this.i++; }
      else return;
    }
  }

  skipLine(): void {
    while (this.i < this.text.length && this.peek() !== "\n") this.i++;
  }

  readKey(): Segment[] {
    const segments: Segment[] = [];
    for (;;) {
      this.skipSpaces();
      const start = this.i;
      let name: string;
      const c = this.peek();
      if (c === '"') {
        name = this.readBasicString();
      } else if (c === "'") {
        const close = this.text.indexOf("'", this.i + 1);
        if (close < 0) throw new ScanError("unterminated key");
        name = this.text.slice(this.i + 1, close);
        this.i = close + 1;
      } else {
        while (BARE.test(this.peek())) this.i++;
        if (this.i === start) throw new ScanError("expected a key");
        name = this.text.slice(start, this.i);
      }
      segments.push({ name, start, end: this.i });
      this.skipSpaces();
      if (this.peek() !== ".") return segments;
      this.i++;
    }
  }

  /** Reads a `"…"` string at `i` and returns its decoded value (escapes as TOML defines them). */
  readBasicString(): string {
    this.i++;
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") throw new ScanError("unterminated string");
      this.i++;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = this.peek();
      this.i++;
      const simple: Record<string, string> = {
        b: "\b",
        t: "\t",
        n: "\n",
        f: "\f",
        r: "\r",
        e: "\x1b",
        '"': '"',
        "\\": "\\",
      };
      if (e in simple) out += simple[e];
      else if (e === "u" || e === "U" || e === "x") {
        const width = e === "u" ? 4 : e === "U" ? 8 : 2;
        const hex = this.text.slice(this.i, this.i + width);
        this.i += width;
        out += String.fromCodePoint(parseInt(hex, 16));
      } else throw new ScanError("bad escape");
    }
  }

  skipMultiline(quote: string): void {
    const delimiter = quote.repeat(3);
    this.i += 3;
    for (;;) {
      if (this.i >= this.text.length) throw new ScanError("unterminated string");
      if (quote === '"' && this.peek() === "\\") {
        this.i += 2;
        continue;
      }
      if (this.text.startsWith(delimiter, this.i)) {
        this.i += 3;
        // Up to two more quotes belong to the content ("""a"""" is `a"`).
        for (let k = 0; k < 2 && this.peek() === quote; k++) this.i++;
        return;
      }
      this.i++;
    }
  }

  readValue(path: readonly string[]): void {
    const start = this.i;
    const c = this.peek();
    if (c === '"' || c === "'") {
      if (this.text.startsWith(c.repeat(3), this.i)) this.skipMultiline(c);
      else if (c === '"') this.readBasicString();
      else {
        const close = this.text.indexOf("'", this.i + 1);
        if (close < 0) throw new ScanError("unterminated string");
        this.i = close + 1;
      }
    } else if (c === "[") {
      this.i++;
      let index = 0;
      for (;;) {
        this.skipBlank();
        if (this.peek() === "]") break;
        if (this.i >= this.text.length) throw new ScanError("unterminated array");
        this.readValue(child(path, String(index++)));
        this.skipBlank();
        if (this.peek() === ",") this.i++;
      }
      this.i++;
    } else if (c === "{") {
      this.i++;
      for (;;) {
        this.skipBlank();
        if (this.peek() === "}") break;
        if (this.i >= this.text.length) throw new ScanError("unterminated inline table");
        const segments = this.readKey();
        this.recordKey(path, segments);
        if (this.peek() !== "=") throw new ScanError("expected '='");
        this.i++;
        this.skipSpaces();
        this.readValue(child(path, ...segments.map((s) => s.name)));
        this.skipBlank();
        if (this.peek() === ",") this.i++;
      }
      this.i++;
    } else {
      while (this.i < this.text.length && !",]}#\n\r".includes(this.peek())) this.i++;
      let end = this.i;
      while (end > start && (this.text[end - 1] === " " || this.text[end - 1] === "\t")) end--;
      this.node(path).value = this.span(start, end);
      return;
    }
    this.node(path).value = this.span(start, this.i);
  }

  /** Records the key spans of `segments` below `base`; returns the full path. */
  recordKey(base: readonly string[], segments: readonly Segment[]): string[] {
    const path = child(base);
    for (const segment of segments) {
      if (path.length > MAX_POSITION_DEPTH) break;
      path.push(segment.name);
      const node = this.node(path);
      node.key ??= this.span(segment.start, segment.end);
    }
    return path;
  }

  scan(): void {
    const arrayCounts = new Map<string, number>();
    let table: string[] = [];
    /** Resolves header segments: an array of tables on the way stands for its last element. */
    const resolve = (segments: readonly Segment[]): string[] => {
      const path: string[] = [];
      for (const segment of segments) {
        if (path.length > MAX_POSITION_DEPTH) break;
        path.push(segment.name);
        const node = this.node(path);
        node.key ??= this.span(segment.start, segment.end);
        const count = arrayCounts.get(pathKey(path));
        if (count !== undefined) path.push(String(count));
      }
      return path;
    };
    for (;;) {
      this.skipBlank();
      if (this.i >= this.text.length) return;
      const start = this.i;
      try {
        if (this.text.startsWith("[[", this.i)) {
          this.i += 2;
          const segments = this.readKey();
          if (!this.text.startsWith("]]", this.i)) throw new ScanError("expected ']]'");
          this.i += 2;
          const parent = resolve(segments.slice(0, -1));
          const last = segments[segments.length - 1];
          const arrayPath = child(parent, last.name);
          const arrayNode = this.node(arrayPath);
          arrayNode.key ??= this.span(last.start, last.end);
          const index = (arrayCounts.get(pathKey(arrayPath)) ?? -1) + 1;
          arrayCounts.set(pathKey(arrayPath), index);
          table = child(arrayPath, String(index));
          const element = this.node(table);
          element.header = this.span(start, this.i);
          element.key = element.header;
        } else if (this.peek() === "[") {
          this.i++;
          const segments = this.readKey();
          if (this.peek() !== "]") throw new ScanError("expected ']'");
          this.i++;
          table = resolve(segments);
          this.node(table).header = this.span(start, this.i);
        } else {
          const segments = this.readKey();
          const path = this.recordKey(table, segments);
          if (this.peek() !== "=") throw new ScanError("expected '='");
          this.i++;
          this.skipSpaces();
          this.readValue(path);
        }
      } catch (error) {
        if (!(error instanceof ScanError)) throw error;
        // Lenient: positions of this line are lost, the rest of the file is still scanned.
        this.i = Math.max(this.i, start + 1);
        this.skipLine();
      }
      this.skipSpaces();
      if (this.peek() === "#" || this.peek() === "\r" || this.peek() === "\n") this.skipLine();
    }
  }
}

/** Scans a TOML document for the positions of its keys, values and table headers. */
export function scanTomlPositions(text: string): PositionMap {
  const scanner = new Scanner(text);
  scanner.scan();
  return scanner.positions;
}

/** What a diagnostic should point at. */
export type PositionPreference = "key" | "value" | "header";

/**
 * The best span for `path`: the preferred part of its node, else another part, else the nearest
 * ancestor that has a position, else the first character of the file.
 */
export function findSpan(
  positions: PositionMap,
  path: readonly (string | number)[],
  prefer: PositionPreference = "key",
): Span {
  for (let n = Math.min(path.length, MAX_POSITION_DEPTH); n >= 0; n--) {
    const node = positions.get(pathKey(path.slice(0, n)));
    if (!node) continue;
    const order: PositionPreference[] = prefer === "value"
      ? ["value", "key", "header"]
      : prefer === "header"
      ? ["header", "key", "value"]
      : ["key", "header", "value"];
    for (const part of order) {
      const span = node[part];
      if (span) return span;
    }
  }
  return { line: 1, col: 1, length: 0 };
}
