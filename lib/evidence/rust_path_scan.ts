/**
 * Finds, in a Rust source file streamed in chunks, the paths that make the compiler read another
 * file and that leave the package: `include!`, `include_str!`, `include_bytes!` (relative to the
 * directory of the file the macro is in), `#[path = "…"]` on a `mod`, also inside
 * `#[cfg_attr(…, path = "…")]` (relative to the file's directory: a module directory under it
 * only goes deeper, so this is the reading that climbs out soonest), and
 * `concat!(env!("CARGO_MANIFEST_DIR"), "/…")` (relative to the package root). cargo unpacks every
 * registry crate side by side (`~/.cargo/registry/src/<index>/NAME-VERSION/`), so in a build of a
 * published crate such a path reads another package's file, which comparing the crate's own
 * files never sees.
 *
 * Leaving the package: a `..` past the package root, an absolute path, a Windows drive or UNC
 * path, a backslash (another separator on Windows), or a `CARGO_MANIFEST_DIR` concatenation not
 * followed by a separator (`NAME-VERSION-evil/…` is a sibling directory). String literals are read
 * with their escapes and as raw strings; `concat!` of literals (character literals too, also
 * path-qualified: `core::concat!`) is joined. A path from `env!("OUT_DIR")` names build-script
 * output and is fine unless its `..`s climb out of the target directory. An argument that cannot be read (another
 * macro, another `env!`) is fine unless a literal in it climbs out (from the file's directory) or
 * is absolute. A built-in macro imported under another name (`use std::include as inc;`) is
 * reported too: its calls could not be read.
 *
 * Cheap by design: a chunk holding neither `include` nor `path` ({@link mayNamePaths}, a search
 * that allocates nothing) is not decoded or parsed; only the start of the last line (and an
 * invocation cut by the chunk's end) is carried to the next chunk. A line whose first characters
 * are `//` is a comment up to the candidate when no `"` and no end of a block comment come between
 * (only those can end a string or a block comment the line might begin in); anything else is read
 * as code, so a candidate in a string or block comment may be reported (never the other way
 * round).
 * @module
 */
import type { OutsideReference } from "./crate_archive_types.ts";

import {
  EOF,
  LONG,
  MAX_SCANNED_ARGUMENT,
  MORE,
  Parser,
  type Piece,
  RENAMED,
} from "./rust_path_tokens.ts";

export type { OutsideReference } from "./crate_archive_types.ts";
export { MAX_SCANNED_ARGUMENT } from "./rust_path_tokens.ts";

/** At most this many references are kept per file. */
export const MAX_OUTSIDE_REFERENCES_PER_FILE = 3;

/** At most this many files compiled by `include!`/`#[path]` are noted per file. */
export const MAX_TARGETS_PER_FILE = 16;

/** What a path named by another macro (or a macro's argument) is shown as: it is not read. */
export const MACRO_NAMED =
  "(a path another macro names, or a macro's caller: read from the calling file, not read here)";

/** Longest line start carried to the next chunk (to tell a line comment). */
const MAX_CARRIED_LINE = 4096;

const latin1 = new TextDecoder("windows-1252");
const NEWLINE = 0x0a;

/** Horspool shifts for a window of 4 bytes ending in `clud` or `path`. */
const SHIFT = new Uint8Array(256).fill(4);
for (const word of ["clud", "path", "uali", "o_ru"]) {
  for (let i = 0; i < 3; i++) {
    const c = word.charCodeAt(i);
    SHIFT[c] = Math.min(SHIFT[c], 3 - i);
  }
}

/**
 * The pre-check: whether `bytes` hold `clud` (of every `include`) or `path`. A Horspool search of
 * both at once, allocating nothing: most Rust files hold neither, and are not decoded or parsed.
 */
export function mayNamePaths(bytes: Uint8Array): boolean {
  const n = bytes.length;
  for (let i = 3; i < n; i += SHIFT[bytes[i]]) {
    const c = bytes[i];
    if (c === 0x64) {
      if (bytes[i - 1] === 0x75 && bytes[i - 2] === 0x6c && bytes[i - 3] === 0x63) return true;
    } else if (
      c === 0x68 && bytes[i - 1] === 0x74 && bytes[i - 2] === 0x61 && bytes[i - 3] === 0x70
    ) {
      return true;
    } else if (
      // `uali` of `debugger_visualizer`
      c === 0x69 && bytes[i - 1] === 0x6c && bytes[i - 2] === 0x61 && bytes[i - 3] === 0x75
    ) {
      return true;
    } else if (
      // `o_ru` of `macro_rules` (what follows it is read from the calling file)
      c === 0x75 && bytes[i - 1] === 0x72 && bytes[i - 2] === 0x5f && bytes[i - 3] === 0x6f
    ) {
      return true;
    }
  }
  return false;
}

/** Whether a crate file is one {@link RustPathScanner} reads. */
export function isRustSource(path: string): boolean {
  // `mod x;` finds `x.RS` on a case-insensitive filesystem.
  return /\.rs$/i.test(path);
}

/** Scans one file: {@link push} every chunk in order, then read {@link found}. */
export class RustPathScanner {
  /** References found, up to {@link MAX_OUTSIDE_REFERENCES_PER_FILE}. */
  readonly found: OutsideReference[] = [];
  /** References found beyond those kept. */
  omitted = 0;
  /**
   * The package files (paths from the root) this one has compiled as Rust, by `include!` or
   * `#[path]`, up to {@link MAX_TARGETS_PER_FILE}: whatever their name, their own references count.
   */
  readonly targets: string[] = [];
  /**
   * Where a `#[path]` in an inline module may have compiled a file (`mod a { #[path = "x.txt"]
   * mod b; }` compiles `src/a/x.txt`): any file under `under` whose path ends with `/tail`.
   */
  readonly targetPatterns: { under: string; tail: string }[] = [];
  /** More files were compiled than {@link targets} holds: which ones is not known. */
  targetsOverflow = false;
  /** The file, relative to the package root. */
  readonly file: string;
  readonly #dir: string[];
  readonly #size: number;
  #received = 0;
  #tail: Uint8Array = new Uint8Array(0);
  /** Lines before the tail's first byte. */
  #lines = 0;
  /** Whether the tail starts at a line's start (else comments are not told). */
  #tailAtLineStart = true;
  /** How much of the tail was read already (its candidates are not read again). */
  #scanned = 0;
  /** Whether bytes of the file before the tail were dropped. */
  #dropped = false;
  /** Characters the parser may still read (overlapping candidates): linear in the size. */
  #budget: number;
  /** Characters read so far, over the texts before this one. */
  #spent = 0;
  /** The budget ran out: the rest of the file is not read (and that is reported). */
  #exhausted = false;
  /** The end of the last candidate read in the current text. */
  #readTo = 0;
  /** Where the file's first `macro_rules` starts (a byte offset in the file), if one was seen. */
  #macroRulesAt = Infinity;
  /** The file offset of the current text's first byte. */
  #textStart = 0;
  /** Whether the candidate being judged is `path = "…"` in a macro's arguments. */
  #macroArgument = false;
  /** Characters {@link macroArgument} read backwards so far. */
  #walked = 0;
  /** Whether the candidate being read stands after a `macro_rules` of the file. */
  #fromCaller = false;

  /** A scanner of `file` (package-relative), `size` bytes long. */
  constructor(file: string, size: number) {
    this.file = file;
    const parts = file.split("/");
    this.#dir = parts.slice(0, -1);
    this.#size = size;
    this.#budget = 65536 + 8 * size;
  }

  /** Reads the next chunk of the file. */
  push(part: Uint8Array): void {
    this.#received += part.length;
    const last = this.#received >= this.#size;
    let bytes = part;
    if (this.#tail.length > 0) {
      bytes = new Uint8Array(this.#tail.length + part.length);
      bytes.set(this.#tail);
      bytes.set(part, this.#tail.length);
    }
    const candidate = mayNamePaths(bytes);
    if (last && !candidate) {
      this.#tail = new Uint8Array(0);
      return;
    }
    let cut = bytes.length;
    this.#readTo = 0;
    this.#textStart = this.#received - bytes.length;
    // windows-1252 decodes each byte to one character: indexes in the text are the bytes'.
    if (candidate && !this.#exhausted) cut = this.#scan(latin1.decode(bytes), last);
    if (last) {
      this.#tail = new Uint8Array(0);
      return;
    }
    // Carry the last line's start (to tell a comment), and the invocation the chunk cut.
    // (A typed array's lastIndexOf reads a negative start from the end: cut 0 is a line start.)
    let from = Math.min(
      bytes.lastIndexOf(NEWLINE) + 1,
      cut > 0 ? bytes.lastIndexOf(NEWLINE, cut - 1) + 1 : 0,
    );
    let atLineStart = from > 0 || this.#tailAtLineStart;
    if (bytes.length - from > MAX_CARRIED_LINE + MAX_SCANNED_ARGUMENT) {
      from = Math.min(cut, bytes.length - 64);
      atLineStart = false;
    }
    if (from > 0) this.#dropped = true;
    this.#lines += countNewlines(bytes, from);
    this.#tail = bytes.slice(from);
    this.#tailAtLineStart = atLineStart;
    this.#scanned = Math.max(0, this.#readTo - from);
  }

  /**
   * Reads every candidate of `text` (the tail and the chunk) not read before; returns where the
   * first invocation cut by the end of the text starts (to be carried), or the text's length.
   */
  #scan(text: string, last: boolean): number {
    const parser = new Parser(text, last);
    try {
      return this.#scanWith(parser, text);
    } finally {
      this.#spent += parser.read;
    }
  }

  #scanWith(parser: Parser, text: string): number {
    const re = /\b(include(?:_str|_bytes)?|path|cfg_attr|debugger_visualizer)\b/g;
    re.lastIndex = this.#scanned;
    this.#readTo = this.#scanned;
    // A literal in a `macro_rules!` body is read by rustc from the file that calls the macro:
    // every candidate after one is also read from the package root (see #judge).
    // (As file offsets: a candidate carried over to this text reads as in the whole file.)
    if (this.#macroRulesAt === Infinity) {
      const rules = text.indexOf("macro_rules");
      if (rules >= 0) this.#macroRulesAt = this.#textStart + rules;
    }
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const at = m.index;
      const word = m[1];
      this.#fromCaller = this.#textStart + at > this.#macroRulesAt;
      // Candidates can overlap (`include!(include!(…`): the reading is bounded by the file's size.
      if (this.#spent + parser.read > this.#budget) {
        this.#exhausted = true;
        this.#add(text, at, "include!", "(more invocations than can be read: the rest not read)");
        return text.length;
      }
      this.#readTo = at + word.length;
      if (word === "debugger_visualizer") {
        // `#![debugger_visualizer(gdb_script_file = "…")]` (also through cfg_attr): the file is
        // embedded in the artifact. Read wherever it stands (the name means nothing else).
        const found = parser.attribute(at, word);
        if (found === MORE) return this.#cut(at, at, text, word);
        if (found === LONG) this.#unread(text, at, word);
        else if (found !== undefined && found !== EOF) {
          for (const value of found) this.#judge(text, at, word, [{ kind: "lit", value }]);
        }
        continue;
      }
      if (word === "path" || word === "cfg_attr") {
        // Only as an attribute's name: `#` `!`? `[` before it (`r#path` is `path` to rustc).
        const raw = at >= 2 && text[at - 1] === "#" && text[at - 2] === "r" &&
          !/[A-Za-z0-9_]/.test(text[at - 3] ?? "");
        let open = attributeStart(text, raw ? at - 2 : at);
        // What came before the text was dropped: it may have been the attribute's opening.
        if (open === -2 && this.#dropped) open = at;
        // `m!(path = "…")`: a macro may make it an attribute (`#[$($a)*]`, `#[$a]` of a meta).
        const argument = open < 0 && !raw && word === "path" && this.#inMacroCall(text, at);
        if (open < 0 && !argument) continue;
        if (argument) open = at;
        const found = parser.attribute(at, word);
        if (found === MORE) return this.#cut(open, at, text, "#[path]");
        // A macro's argument is a required skip whatever it names (it may be no attribute).
        this.#macroArgument = argument;
        try {
          if (found !== LONG && parser.unreadValue && !this.#commented(text, at)) {
            // `#[path = $p]` in a macro's body: the caller's literal, read from the caller's file.
            this.#add(text, at, "#[path]", MACRO_NAMED, true);
          }
          if (found === LONG) this.#unread(text, at, "#[path]");
          else if (found !== undefined && found !== EOF) {
            for (const value of found) {
              this.#judge(text, at, "#[path]", [{ kind: "lit", value }]);
            }
          }
        } finally {
          this.#macroArgument = false;
        }
        continue;
      }
      const form = `${word}!`;
      const pieces = parser.macro(at + word.length);
      if (pieces === MORE) return this.#cut(at, at, text, form);
      if (pieces === LONG) this.#unread(text, at, form);
      else if (pieces === RENAMED) {
        if (!this.#commented(text, at)) {
          this.#add(text, at, form, "(imported under another name: its calls are not read)");
        }
      } else if (pieces !== undefined && pieces !== EOF) this.#judge(text, at, form, pieces);
    }
    return text.length;
  }

  /**
   * {@link macroArgument}, its backward reading bounded over the file (linear in its size): past
   * that, any `path` is taken for a macro's argument (at most a required skip).
   */
  #inMacroCall(text: string, at: number): boolean {
    if (this.#walked > this.#budget) return true;
    const found = macroArgument(text, at);
    this.#walked += found.read;
    // The text starts first: what came before it was dropped may have opened a call.
    return found.inCall ?? this.#dropped;
  }

  /** An invocation cut at `start`: carried unless it is already too long to read. */
  #cut(start: number, at: number, text: string, form: string): number {
    if (text.length - start <= MAX_SCANNED_ARGUMENT) {
      this.#readTo = Math.min(this.#readTo, start);
      return start;
    }
    this.#unread(text, at, form);
    return text.length;
  }

  /** An argument too long to read: reported (unless in a comment). */
  #unread(text: string, at: number, form: string): void {
    if (this.#commented(text, at)) return;
    this.#add(text, at, form, `(an argument over ${MAX_SCANNED_ARGUMENT} bytes, not read)`);
  }

  /** Records the pieces' path when it leaves the package. */
  #judge(text: string, at: number, form: string, pieces: Piece[]): void {
    const shown = outsidePath(this.#dir, pieces);
    if (this.#commented(text, at)) return;
    if (shown !== undefined) {
      this.#add(text, at, form, shown);
      return;
    }
    // After a `macro_rules!`, it may be a macro's body, read from whichever file calls it: the
    // package root is the shallowest such file could be (`[lib] path = "lib.rs"`).
    const fromRoot = this.#fromCaller ? outsidePath([], pieces) : undefined;
    if (fromRoot !== undefined) {
      this.#add(text, at, form, fromRoot, true);
      return;
    }
    // A path another macro names (`include!(p!())`, `include!($f)` in a macro's body): its
    // literal stands in that macro's body or the caller's argument, maybe in another file, and is
    // read from the file of the outermost call: not read here (never TRUSTED).
    if (pieces.some((p) => p.kind === "unknown")) this.#add(text, at, form, MACRO_NAMED, true);
    // Inside the package: a file compiled as Rust whatever its name, scanned in its turn.
    if (form !== "include!" && form !== "#[path]") return;
    // In a macro's body, read from the calling file's directory (any in the package, not known
    // here): any file may be the one compiled (red team 8d).
    if (this.#fromCaller) this.targetsOverflow = true;
    // A compiled file this cannot name (`concat!(stringify!(gen), ".in")`): any file may be it.
    if (unnamedTarget(pieces)) this.targetsOverflow = true;
    const pattern = form === "#[path]" ? modulePattern(this.#dir, pieces) : undefined;
    if (
      pattern &&
      !this.targetPatterns.some((p) => p.under === pattern.under && p.tail === pattern.tail)
    ) {
      if (this.targetPatterns.length >= MAX_TARGETS_PER_FILE) this.targetsOverflow = true;
      else this.targetPatterns.push(pattern);
    }
    for (const target of insideTargets(this.#dir, this.file, form, pieces)) {
      if (this.targets.includes(target)) continue;
      if (this.targets.length >= MAX_TARGETS_PER_FILE) {
        this.targetsOverflow = true;
        return;
      }
      this.targets.push(target);
    }
  }

  /** Whether the candidate at `at` is in a `//` comment (see the module documentation). */
  #commented(text: string, at: number): boolean {
    const lineStart = text.lastIndexOf("\n", at - 1) + 1;
    if (lineStart === 0 && !this.#tailAtLineStart) return false;
    const prefix = text.slice(lineStart, at);
    return /^\s*\/\//.test(prefix) && !prefix.includes('"') && !prefix.includes("*/");
  }

  #add(text: string, at: number, form: string, path: string, caller = false): void {
    const fromCaller = caller || this.#macroArgument;
    if (this.found.length >= MAX_OUTSIDE_REFERENCES_PER_FILE) {
      this.omitted++;
      return;
    }
    let line = this.#lines + 1;
    for (let i = text.indexOf("\n"); i >= 0 && i < at; i = text.indexOf("\n", i + 1)) line++;
    this.found.push({ file: this.file, line, form, path, ...(fromCaller ? { fromCaller } : {}) });
  }
}

/**
 * Whether `path` at `at` (not an attribute's name) stands in a macro call's arguments
 * (`m!(path = "…")`, `m! { x, path = "…" }`), which a macro may make an attribute of: the group
 * around it (found by its brackets, within {@link MAX_SCANNED_ARGUMENT} bytes) follows a `!`.
 */
function macroArgument(text: string, at: number): { inCall?: boolean; read: number } {
  let depth = 0;
  for (let i = at - 1; i >= 0 && i >= at - MAX_SCANNED_ARGUMENT; i--) {
    const c = text[i];
    if (c === ")" || c === "]" || c === "}") depth++;
    else if (c === "(" || c === "[" || c === "{") {
      if (depth-- > 0) continue;
      const j = skipBack(text, i, "!");
      return { inCall: j >= 0 && text[j] === "!", read: at - i };
    }
  }
  // The text's start: the call may have opened in what came before it (see the caller).
  return {
    inCall: at <= MAX_SCANNED_ARGUMENT ? undefined : false,
    read: Math.min(at, MAX_SCANNED_ARGUMENT),
  };
}

/** Counts `\n` bytes before `end`. */
function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(NEWLINE); i >= 0 && i < end; i = bytes.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** {@link skipBack}: the candidate is in a `//` comment of its own line. */
const IN_COMMENT = -3;

/**
 * Where the attribute whose name starts at `at` opens (its `#`); -1 when it is no attribute, -2
 * when the text starts before that can be told.
 */
function attributeStart(text: string, at: number): number {
  let i = skipBack(text, at, "[");
  if (i === IN_COMMENT) return -1;
  if (i < 0) return -2;
  if (text[i] !== "[") return -1;
  i = skipBack(text, i, "#!");
  if (i >= 0 && text[i] === "!") i = skipBack(text, i, "#");
  if (i === IN_COMMENT) return -1;
  if (i < 0) return -2;
  return text[i] === "#" ? i : -1;
}

/**
 * The index of the character before `at`, skipping whitespace and, unless that character is one
 * of `want`, comments backwards (a `//` on the line makes the rest of it a comment).
 */
function skipBack(text: string, at: number, want: string): number {
  const atLine = text.lastIndexOf("\n", at - 1) + 1;
  let i = at - 1;
  while (true) {
    while (i >= 0 && /\s/.test(text[i])) i--;
    if (i < 0 || want.includes(text[i])) return i;
    if (i >= 1 && text[i] === "/" && text[i - 1] === "*") {
      const open = blockCommentOpen(text, i - 1);
      if (open < 0) return -1;
      i = open - 1;
      continue;
    }
    const lineStart = text.lastIndexOf("\n", i) + 1;
    const comment = text.slice(lineStart, i).indexOf("//");
    // A `//` on the candidate's own line puts the candidate in the comment too.
    if (comment >= 0 && lineStart === atLine) return IN_COMMENT;
    if (comment >= 0) {
      i = lineStart + comment - 1;
      continue;
    }
    return i;
  }
}

/**
 * Environment variables cargo, rustup or the system set to directories outside the package (the
 * registry's sources are under `CARGO_HOME`, by default `HOME/.cargo`).
 */
const OUTSIDE_DIRECTORY_VARIABLES = new Set([
  "CARGO_HOME",
  "RUSTUP_HOME",
  "HOME",
  "USERPROFILE",
  "HOMEDRIVE",
  "HOMEPATH",
  "APPDATA",
  "LOCALAPPDATA",
  "PWD",
  "OLDPWD",
  "TMPDIR",
  "TMP",
  "TEMP",
  "CARGO_TARGET_DIR",
  "CARGO_TARGET_TMPDIR",
  "CARGO_MANIFEST_PATH",
  "CARGO_RUSTC_CURRENT_DIR",
]);

/** `OUT_DIR` below the target directory: `<profile>/build/<pkg>-<hash>/out`. */
const OUT_DIR_UNDER_TARGET = ["profile", "build", "pkg-hash", "out"];

/**
 * Where the block comment whose closing `*` is at `star` opens (its `/`), block comments nesting
 * as rustc reads them; -1 when the text starts first.
 */
function blockCommentOpen(text: string, star: number): number {
  // Native searches from one delimiter to the one before it (as fast as one lastIndexOf was).
  let depth = 1;
  let j = star;
  while (j >= 2) {
    const open = text.lastIndexOf("/*", j - 2);
    if (open < 0) return -1;
    const close = text.lastIndexOf("*/", j - 2);
    if (close > open) {
      depth++;
      j = close;
    } else {
      if (--depth === 0) return open;
      j = open;
    }
  }
  return -1;
}

/**
 * The path the pieces name when it leaves the package (for display), else undefined. `dir` is
 * the directory of the file, as components from the package root.
 */
export function outsidePath(dir: readonly string[], pieces: readonly Piece[]): string | undefined {
  if (pieces.length === 0) return undefined;
  const first = pieces[0];
  // `OUT_DIR` is build-script output: fine, unless `..`s climb out of the target directory it is
  // in (`<target>/<profile>/build/<pkg>-<hash>/out`): enough of them reach the filesystem's root,
  // an absolute path.
  const outDir = first.kind === "env" && first.name === "OUT_DIR";
  const fromRoot = outDir || (first.kind === "env" && first.name === "CARGO_MANIFEST_DIR");
  const base = outDir ? OUT_DIR_UNDER_TARGET : [];
  const shown = pieces.map((p) =>
    p.kind === "lit"
      ? p.value
      : p.kind === "env"
      ? `{env!(${JSON.stringify(p.name)})}`
      : p.kind === "file"
      ? `{${p.macro}!(…): a path read from a file}`
      : "{…}"
  ).join("");
  // The path is a file's text (`include!(include_str!("p.txt"))`): it cannot be judged here.
  if (pieces.some((p) => p.kind === "file")) return shown;
  // A directory the environment or cargo sets outside the package (`CARGO_HOME` holds the
  // registry's sources): not a build script's value.
  if (pieces.some((p) => p.kind === "env" && OUTSIDE_DIRECTORY_VARIABLES.has(p.name))) return shown;
  // The literals joined up to the first piece that cannot be read.
  let known = "";
  let i = fromRoot ? 1 : 0;
  for (; i < pieces.length && pieces[i].kind === "lit"; i++) {
    known += (pieces[i] as { value: string }).value;
  }
  const rest = pieces.slice(i);
  if (fromRoot) {
    if (rest.length === 0 || known !== "") {
      // Without a separator first, `NAME-VERSION…` names a sibling directory.
      if ((!outDir && !known.startsWith("/")) || leaves(base, known.replace(/^\/+/, ""))) {
        return shown;
      }
    }
  } else if (rest.length === 0 || known !== "") {
    if (leaves(dir, known)) return shown;
  }
  // Literals after (or inside) what cannot be read: each on its own.
  for (const piece of rest) {
    // A concatenated literal's leading `/` is a separator; a literal inside another macro is
    // read from the file's directory.
    const literals = piece.kind === "lit"
      ? [piece.value.replace(/^\/+/, "")]
      : piece.kind === "unknown"
      ? piece.literals.map((l) => fromRoot ? l.replace(/^\/+/, "") : l)
      : [];
    for (const lit of literals) {
      if (leaves(fromRoot ? base : dir, lit)) return shown;
    }
  }
  return undefined;
}

/**
 * The package paths an `include!` or `#[path]` that stays inside names, when its pieces can be
 * read (`#[path]`: from the file's directory and, for a file other than `mod.rs`, `lib.rs` and
 * `main.rs`, from its module directory too).
 */
function insideTargets(
  dir: readonly string[],
  file: string,
  form: string,
  pieces: readonly Piece[],
): string[] {
  const first = pieces[0];
  let base = dir;
  let rest = pieces;
  if (first?.kind === "env") {
    if (first.name !== "CARGO_MANIFEST_DIR") return [];
    base = [];
    rest = pieces.slice(1);
  }
  if (rest.length === 0 || rest.some((p) => p.kind !== "lit")) return [];
  let path = rest.map((p) => (p as { value: string }).value).join("");
  if (base !== dir) path = path.replace(/^\/+/, "");
  const bases = [base];
  const name = file.slice(file.lastIndexOf("/") + 1);
  if (form === "#[path]" && !["mod.rs", "lib.rs", "main.rs"].includes(name)) {
    bases.push([...dir, name.replace(/\.rs$/, "")]);
  }
  const out: string[] = [];
  for (const b of bases) {
    const resolved = resolveInside(b, path);
    if (resolved !== undefined) out.push(resolved);
  }
  return out;
}

/**
 * Whether the pieces name a file in the package that cannot be told: some are not literals, and
 * the path is neither build-script output (`OUT_DIR`) nor from a directory outside the package.
 */
function unnamedTarget(pieces: readonly Piece[]): boolean {
  const first = pieces[0];
  if (first?.kind === "env" && first.name === "OUT_DIR") return false;
  const rest = first?.kind === "env" && first.name === "CARGO_MANIFEST_DIR"
    ? pieces.slice(1)
    : pieces;
  return rest.some((p) => p.kind !== "lit");
}

/**
 * The files a `#[path]` of literals may compile from inside inline modules (each adds a directory
 * under the file's): under the directory its `..`s can climb to at most, ending with what follows
 * its last `..`.
 */
function modulePattern(
  dir: readonly string[],
  pieces: readonly Piece[],
): { under: string; tail: string } | undefined {
  if (pieces.length === 0 || pieces.some((p) => p.kind !== "lit")) return undefined;
  const parts = pieces.map((p) => (p as { value: string }).value).join("").split("/");
  const ups = parts.filter((p) => p === "..").length;
  const last = parts.lastIndexOf("..");
  const tail = parts.slice(last + 1).filter((p) => p !== "" && p !== ".");
  if (tail.length === 0) return undefined;
  return { under: dir.slice(0, Math.max(0, dir.length - ups)).join("/"), tail: tail.join("/") };
}

/** `path` read from `dir`, as a path from the package root; undefined when it leaves it. */
function resolveInside(dir: readonly string[], path: string): string | undefined {
  if (leaves(dir, path)) return undefined;
  const parts = [...dir];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "" && part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** Whether `path`, read from the directory `dir` (components under the package root), leaves it. */
export function leaves(dir: readonly string[], path: string): boolean {
  if (path.includes("\\") || path.includes("\0")) return true;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) return true;
  let depth = dir.length;
  for (const part of path.split("/")) {
    if (part === "..") {
      if (depth === 0) return true;
      depth--;
    } else if (part !== "" && part !== ".") depth++;
  }
  return false;
}
