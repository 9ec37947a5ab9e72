/**
 * The reader of Rust tokens that `RustPathScanner` (`rust_path_scan.ts`) parses a candidate with:
 * an `include!`'s argument as pieces (literals decoded, `concat!` flattened, `env!` named,
 * anything else unknown with the literals inside it) and an attribute's `path = "…"` values (also
 * through `cfg_attr`), over windows-1252 text (one character per byte). A reading the text's end
 * cuts short is {@link MORE} (read again with the next chunk), one past
 * {@link MAX_SCANNED_ARGUMENT} is {@link LONG}, one the file's end cuts is {@link EOF}.
 * @module
 */

/** Longest macro or attribute argument read, in bytes; a longer one is reported unread. */
export const MAX_SCANNED_ARGUMENT = 4096;

const utf8 = new TextDecoder();
const latin1 = new TextDecoder("windows-1252");

/** The parser ran out of text before the end of what it was reading. */
export const MORE = Symbol("more");
/** The argument is longer than {@link MAX_SCANNED_ARGUMENT}. */
export const LONG = Symbol("long");
/** The file ends inside what was being read (no valid Rust: nothing to report). */
export const EOF = Symbol("eof");
export type Stop = typeof MORE | typeof LONG | typeof EOF;
/** The macro is imported under another name. */
export const RENAMED = Symbol("renamed");

/** One piece of a path argument. */
export type Piece =
  | { kind: "lit"; value: string }
  | { kind: "env"; name: string }
  | { kind: "unknown"; literals: string[] }
  /** `include_str!(…)` (or another include macro): the path is a file's text, never read. */
  | { kind: "file"; macro: string };

/** The macros whose expansion is a file's text. */
const FILE_MACROS = new Set(["include", "include_str", "include_bytes"]);

/** A small reader of Rust tokens over latin-1 text (one character per byte). */
export class Parser {
  #i = 0;
  /** Characters read over all candidates, counted against the scanner's budget. */
  get read(): number {
    return this.#read;
  }
  #read = 0;
  #limit = 0;
  /** A token ran to the end of a text that is not the file's end: read again with more. */
  #cutShort = false;
  /**
   * Set by {@link attribute} when a `path =` it read is followed by no literal (`#[path = $p]` in a
   * macro's body: the path is the caller's argument).
   */
  unreadValue = false;
  constructor(private readonly text: string, private readonly last: boolean) {}

  /** The end of the text: more is needed, unless this is the end of the file. */
  #end(): Stop {
    return this.last ? EOF : MORE;
  }

  /** Skips whitespace and comments; a stop when the text ends first. */
  #trivia(): Stop | undefined {
    const t = this.text;
    while (true) {
      if (this.#cutShort) return MORE;
      if (this.#i > this.#limit) return LONG;
      const c = t[this.#i];
      if (c === undefined) return this.#end();
      // A `/` last in the text may open a comment the next chunk continues.
      if (c === "/" && this.#i + 1 === t.length && !this.last) return MORE;
      if (c === " " || c === "\n" || c === "\t" || c === "\r" || c === "\f" || c === "\v") {
        this.#i++;
      } else if (c === "/" && t[this.#i + 1] === "/") {
        const nl = t.indexOf("\n", this.#i);
        if (nl < 0) return this.#end();
        this.#i = nl + 1;
      } else if (c === "/" && t[this.#i + 1] === "*") {
        let depth = 0;
        while (true) {
          if (this.#i > this.#limit) return LONG;
          if (this.#i + 1 >= t.length) return this.#end();
          if (t[this.#i] === "/" && t[this.#i + 1] === "*") {
            depth++;
            this.#i += 2;
          } else if (t[this.#i] === "*" && t[this.#i + 1] === "/") {
            depth--;
            this.#i += 2;
            if (depth === 0) break;
          } else this.#i++;
        }
      } else return undefined;
    }
  }

  /** Reads an identifier at the cursor ("" when none). */
  #ident(): string {
    const m = /[A-Za-z_][A-Za-z0-9_]*/y;
    m.lastIndex = this.#i;
    const found = m.exec(this.text);
    if (!found) return "";
    this.#i += found[0].length;
    this.#touch(this.#i);
    return found[0];
  }

  /** A token read up to `end`: when that is the text's end, the next chunk may continue it. */
  #touch(end: number): void {
    if (end >= this.text.length && !this.last) this.#cutShort = true;
  }

  /**
   * A macro's path at the cursor (`concat`, `core::concat`, `::std::r#env`): its last name, the
   * cursor after it and the trivia that follow; "" when there is none.
   */
  #macroPath(): string | Stop {
    const t = this.text;
    while (true) {
      if (t[this.#i] === ":" && t[this.#i + 1] === ":") {
        this.#i += 2;
        const stop = this.#trivia();
        if (stop) return stop;
      }
      if (t[this.#i] === "r" && t[this.#i + 1] === "#") this.#i += 2;
      const name = this.#ident();
      if (name === "") return "";
      const stop = this.#trivia();
      if (stop) return stop;
      if (t[this.#i] !== ":" || t[this.#i + 1] !== ":") return name;
    }
  }

  /** A character literal at the cursor (concat! joins it like a string), decoded; else undefined. */
  #charLiteral(): string | undefined {
    const m = /'((?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|.)|[^\\'\n]))'/y;
    m.lastIndex = this.#i;
    const c = m.exec(this.text);
    if (!c) return undefined;
    this.#i += c[0].length;
    return unescape(c[1]);
  }

  /** Skips one token that is no string literal: an identifier, a character literal, a lifetime. */
  #token(): void {
    const t = this.text;
    if (t[this.#i] === "'") {
      const m = /'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]{1,8}\}|.)|[^\\'])'/y;
      m.lastIndex = this.#i;
      const c = m.exec(t);
      if (!c && t.length - this.#i < 16) this.#touch(t.length);
      this.#i += c ? c[0].length : 1;
      return;
    }
    if (this.#ident() === "") this.#i++;
  }

  /**
   * A string literal at the cursor (`"…"`, `r#"…"#`, with `b`/`c` prefixes), decoded; undefined
   * when there is none (the cursor is left where it was).
   */
  #literal(): string | Stop | undefined {
    const t = this.text;
    const m = /(?:b|c)?(r(#*))?"/y;
    m.lastIndex = this.#i;
    const head = m.exec(t);
    if (!head) {
      // `r#` last in the text: the next chunk may make it a raw string.
      const prefix = /(?:b|c)?r?#*$/y;
      prefix.lastIndex = this.#i;
      if (this.#i < t.length && prefix.test(t)) this.#touch(t.length);
      return undefined;
    }
    const start = this.#i + head[0].length;
    if (head[1] !== undefined) {
      const close = `"${head[2]}`;
      const end = t.indexOf(close, start);
      if (end < 0) return t.length - this.#i > MAX_SCANNED_ARGUMENT ? LONG : this.#end();
      this.#i = end + close.length;
      return decodeUtf8(t.slice(start, end));
    }
    let i = start;
    while (true) {
      const c = t[i];
      if (c === undefined) return t.length - this.#i > MAX_SCANNED_ARGUMENT ? LONG : this.#end();
      if (c === "\\") i += 2;
      else if (c === '"') break;
      else i++;
    }
    this.#i = i + 1;
    return unescape(decodeUtf8(t.slice(start, i)));
  }

  /** Skips a delimited group at the cursor (its opening delimiter), collecting its literals. */
  #group(literals: string[]): Stop | undefined {
    const close: string[] = [];
    const t = this.text;
    do {
      const stop = this.#trivia();
      if (stop) return stop;
      const c = t[this.#i];
      if (c === "(" || c === "[" || c === "{") {
        close.push(c === "(" ? ")" : c === "[" ? "]" : "}");
        this.#i++;
        continue;
      }
      if (c === ")" || c === "]" || c === "}") {
        close.pop();
        this.#i++;
        continue;
      }
      const lit = this.#literal();
      if (typeof lit === "string") literals.push(lit);
      else if (lit !== undefined) return lit;
      else this.#token();
    } while (close.length > 0);
    return undefined;
  }

  /**
   * The pieces of the argument of the macro whose name ends at `at`; undefined when it is no
   * macro invocation (`include` not followed by `!` and a delimiter).
   */
  macro(at: number): Piece[] | Stop | typeof RENAMED | undefined {
    const result = this.#macro(at);
    // A reading the chunk's end cut short is read again with the next: counted then.
    if (result !== MORE) this.#read += Math.max(0, this.#i - at);
    return result;
  }

  #macro(at: number): Piece[] | Stop | typeof RENAMED | undefined {
    this.#i = at;
    this.#limit = at + MAX_SCANNED_ARGUMENT;
    this.#cutShort = false;
    let stop = this.#trivia();
    if (stop) return stop;
    if (this.text[this.#i] !== "!") {
      // `use std::include as inc;`: its calls, under another name, would not be read.
      const word = this.#ident();
      if (this.#cutShort) return MORE;
      return word === "as" ? RENAMED : undefined;
    }
    this.#i++;
    stop = this.#trivia();
    if (stop) return stop;
    const open = this.text[this.#i];
    if (open !== "(" && open !== "[" && open !== "{") return undefined;
    this.#i++;
    const pieces: Piece[] = [];
    stop = this.#pieces(pieces);
    return stop ?? pieces;
  }

  /**
   * Reads comma-separated pieces up to the closing delimiter of the group just opened; `commas`
   * gets the number of pieces read before each comma.
   */
  #pieces(pieces: Piece[], commas: number[] = []): Stop | undefined {
    const t = this.text;
    while (true) {
      let stop = this.#trivia();
      if (stop) return stop;
      const c = t[this.#i];
      if (c === ")" || c === "]" || c === "}") {
        this.#i++;
        return undefined;
      }
      if (c === ",") {
        commas.push(pieces.length);
        this.#i++;
        continue;
      }
      const lit = this.#literal() ?? this.#charLiteral();
      if (typeof lit === "string") {
        pieces.push({ kind: "lit", value: lit });
        continue;
      }
      if (lit !== undefined) return lit;
      const start = this.#i;
      const name = this.#macroPath();
      if (typeof name === "symbol") return name;
      if (name === "concat" || name === "env") {
        if (t[this.#i] === "!") {
          this.#i++;
          stop = this.#trivia();
          if (stop) return stop;
          const open = t[this.#i];
          if (open === "(" || open === "[" || open === "{") {
            this.#i++;
            const inner: Piece[] = [];
            const innerCommas: number[] = [];
            stop = this.#pieces(inner, innerCommas);
            if (stop) return stop;
            if (name === "concat") {
              pieces.push(...inner);
              continue;
            }
            // env!'s first argument (a concat! of literals too: env! expands it).
            const first = inner.slice(0, innerCommas[0] ?? inner.length);
            if (first.length > 0 && first.every((p) => p.kind === "lit")) {
              const value = first.map((p) => (p as { value: string }).value).join("");
              pieces.push({ kind: "env", name: value });
            } else pieces.push({ kind: "unknown", literals: [] });
            continue;
          }
        }
      }
      if (FILE_MACROS.has(name) && t[this.#i] === "!") {
        this.#i++;
        stop = this.#trivia();
        if (stop) return stop;
        const open = t[this.#i];
        if (open === "(" || open === "[" || open === "{") {
          stop = this.#group([]);
          if (stop) return stop;
          pieces.push({ kind: "file", macro: name });
          continue;
        }
      }
      // Something else: read up to the next comma or the group's end, keeping its literals.
      this.#i = start;
      const literals: string[] = [];
      while (true) {
        stop = this.#trivia();
        if (stop) return stop;
        const d = t[this.#i];
        if (d === "," || d === ")" || d === "]" || d === "}") break;
        if (d === "(" || d === "[" || d === "{") {
          stop = this.#group(literals);
          if (stop) return stop;
          continue;
        }
        const l = this.#literal();
        if (typeof l === "string") literals.push(l);
        else if (l !== undefined) return l;
        else this.#token();
      }
      pieces.push({ kind: "unknown", literals });
    }
  }

  /**
   * The `path = "…"` values of the attribute whose name (`path` or `cfg_attr`) starts at `at`
   * (for `cfg_attr`, of the attributes it applies, nested ones too); undefined when it names none.
   */
  attribute(at: number, word: string): string[] | Stop | undefined {
    const result = this.#attribute(at, word);
    // A reading the chunk's end cut short is read again with the next: counted then.
    if (result !== MORE) this.#read += Math.max(0, this.#i - at);
    return result;
  }

  #attribute(at: number, word: string): string[] | Stop | undefined {
    this.#i = at;
    this.#limit = at + MAX_SCANNED_ARGUMENT;
    this.#cutShort = false;
    this.unreadValue = false;
    this.#ident();
    const paths: string[] = [];
    const stop = word === "path"
      ? this.#pathValue(paths)
      : word === "cfg_attr"
      ? this.#cfgAttr(paths)
      : this.#visualizer(paths);
    if (stop) return stop;
    return paths.length > 0 ? paths : undefined;
  }

  /** After `debugger_visualizer`: `(natvis_file = "…", gdb_script_file = "…")`, each value. */
  #visualizer(paths: string[]): Stop | undefined {
    const t = this.text;
    let stop = this.#trivia();
    if (stop) return stop;
    if (t[this.#i] !== "(") return undefined;
    this.#i++;
    while (true) {
      stop = this.#trivia();
      if (stop) return stop;
      const c = t[this.#i];
      if (c === ")") {
        this.#i++;
        return undefined;
      }
      if (c === "(" || c === "[" || c === "{") {
        stop = this.#group([]);
        if (stop) return stop;
        continue;
      }
      const lit = this.#literal();
      if (typeof lit === "string") paths.push(lit);
      else if (lit !== undefined) return lit;
      else this.#token();
    }
  }

  /** After `path`: `= "…"`. */
  #pathValue(paths: string[]): Stop | undefined {
    let stop = this.#trivia();
    if (stop) return stop;
    if (this.text[this.#i] !== "=") return undefined;
    this.#i++;
    stop = this.#trivia();
    if (stop) return stop;
    const lit = this.#literal();
    if (typeof lit === "string") paths.push(lit);
    else if (lit !== undefined) return lit;
    else if (this.#cutShort) return MORE;
    else this.unreadValue = true;
    return undefined;
  }

  /** After `cfg_attr`: `(predicate, attr, attr…)`; each attr a `path = "…"` or a `cfg_attr`. */
  #cfgAttr(paths: string[]): Stop | undefined {
    const t = this.text;
    let stop = this.#trivia();
    if (stop) return stop;
    if (t[this.#i] !== "(") return undefined;
    this.#i++;
    let first = true;
    while (true) {
      stop = this.#trivia();
      if (stop) return stop;
      const c = t[this.#i];
      if (c === ")") {
        this.#i++;
        return undefined;
      }
      if (c === ",") {
        this.#i++;
        first = false;
        continue;
      }
      if (!first) {
        const start = this.#i;
        // A raw identifier (`r#path`) names the same attribute.
        if (t[this.#i] === "r" && t[this.#i + 1] === "#") this.#i += 2;
        const name = this.#ident();
        if (name === "path") {
          stop = this.#pathValue(paths);
          if (stop) return stop;
          continue;
        }
        if (name === "cfg_attr") {
          stop = this.#cfgAttr(paths);
          if (stop) return stop;
          continue;
        }
        this.#i = start;
      }
      // Anything else: skip a token or group.
      if (c === "(" || c === "[" || c === "{") {
        stop = this.#group([]);
        if (stop) return stop;
        continue;
      }
      const lit = this.#literal();
      if (typeof lit === "symbol") return lit;
      if (lit === undefined) this.#token();
    }
  }
}

/** Latin-1 text (one character per byte) read back as the UTF-8 it was. */
function decodeUtf8(text: string): string {
  if (!/[\u0080-\uffff]/.test(text)) return text;
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = latin1Byte(text.charCodeAt(i));
  return utf8.decode(bytes);
}

/** The byte windows-1252 decoded to `code` (its 0x80–0x9f range maps elsewhere). */
function latin1Byte(code: number): number {
  if (code < 0x100) return code;
  const i = WINDOWS_1252_HIGH.indexOf(code);
  return i >= 0 ? 0x80 + i : 0x3f;
}

const WINDOWS_1252_HIGH = Array.from(
  { length: 32 },
  (_, i) => latin1.decode(new Uint8Array([0x80 + i])).charCodeAt(0),
);

/** A Rust string literal's escapes decoded (`\n`, `\x2e`, `\u{2e}`, line continuations). */
function unescape(body: string): string {
  return body.replace(
    /\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F_]{1,8})\}|\n\s*|(.))/g,
    (_all, hex: string | undefined, uni: string | undefined, c: string | undefined) => {
      if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
      if (uni !== undefined) {
        const code = parseInt(uni.replaceAll("_", ""), 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : "\ufffd";
      }
      if (c === undefined) return "";
      return c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : c === "0" ? "\0" : c;
    },
  );
}
