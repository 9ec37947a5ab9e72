import assert from "node:assert/strict";
import {
  leaves,
  MACRO_NAMED,
  MAX_OUTSIDE_REFERENCES_PER_FILE,
  mayNamePaths,
  type OutsideReference,
  RustPathScanner,
} from "./rust_path_scan.ts";

const encoder = new TextEncoder();

/** Scans `text` as `file`, in chunks of `chunk` bytes (all at once by default). */
function scan(text: string, file = "src/lib.rs", chunk = Infinity): RustPathScanner {
  const bytes = encoder.encode(text);
  const scanner = new RustPathScanner(file, bytes.length);
  if (bytes.length === 0) return scanner;
  for (let i = 0; i < bytes.length; i += chunk) {
    scanner.push(bytes.subarray(i, Math.min(bytes.length, i + chunk)));
  }
  return scanner;
}

/** Which references stand after a `macro_rules!` (read from the calling file). */
function callers(found: readonly OutsideReference[]): boolean[] {
  return found.map((f) => f.fromCaller === true);
}

function paths(found: readonly OutsideReference[]): string[] {
  return found.map((f) => `${f.file}:${f.line} ${f.form} ${f.path}`);
}

Deno.test("rust path scan: leaves tells paths that climb out of the package", () => {
  assert.equal(leaves(["src"], "../README.md"), false);
  assert.equal(leaves(["src"], "../../x"), true);
  assert.equal(leaves(["src"], "a/../../b"), false);
  assert.equal(leaves(["src"], "a/../../../b"), true);
  assert.equal(leaves([], "/etc/passwd"), true);
  assert.equal(leaves([], "C:/x"), true);
  assert.equal(leaves([], "c:x"), true);
  assert.equal(leaves([], "\\\\server\\share"), true);
  assert.equal(leaves(["src"], "a\\b"), true);
  assert.equal(leaves(["src"], "./gen/x.rs"), false);
});

Deno.test("rust path scan: each macro, with the file, line and path as written", () => {
  const text = [
    "//! A crate",
    'include!("../../helper-0.1.0/src/payload.rs");',
    'const A: &str = include_str!("../../other-1.0.0/README.md");',
    'static B: &[u8] = include_bytes! ( "/etc/passwd" );',
    'const C: &str = include_str!("../README.md");',
    'const D: &str = include_str!("data/x.txt");',
  ].join("\n");
  const s = scan(text);
  assert.deepEqual(paths(s.found), [
    "src/lib.rs:2 include! ../../helper-0.1.0/src/payload.rs",
    "src/lib.rs:3 include_str! ../../other-1.0.0/README.md",
    "src/lib.rs:4 include_bytes! /etc/passwd",
  ]);
});

Deno.test("rust path scan: #[path], cfg_attr (nested), raw strings and escapes", () => {
  const text = [
    '#[path = "../../evil-1.0.0/src/lib.rs"]',
    "mod a;",
    '#[cfg_attr(unix, path = "../../evil-1.0.0/unix.rs")]',
    "mod b;",
    '#[cfg_attr(all(), cfg_attr(any(), path = r#"../../evil-1.0.0/"raw".rs"#))]',
    "mod c;",
    'include!("\\x2e\\x2e/\\u{2e}./evil-1.0.0/e.rs");',
    '#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "camelCase"))]',
    '#[path = "inner/ok.rs"] mod d;',
    '#[serde(path = "../../not-an-attribute-path")] struct S;',
  ].join("\n");
  const s = scan(text, "src/m.rs");
  assert.equal(s.found.length, MAX_OUTSIDE_REFERENCES_PER_FILE);
  assert.equal(s.omitted, 1);
  assert.deepEqual(paths(s.found), [
    "src/m.rs:1 #[path] ../../evil-1.0.0/src/lib.rs",
    "src/m.rs:3 #[path] ../../evil-1.0.0/unix.rs",
    'src/m.rs:5 #[path] ../../evil-1.0.0/"raw".rs',
  ]);
  assert.deepEqual(paths(scan(text.split("\n").slice(6).join("\n"), "src/m.rs").found), [
    "src/m.rs:1 include! ../../evil-1.0.0/e.rs",
  ]);
});

Deno.test("rust path scan: concat! of CARGO_MANIFEST_DIR, OUT_DIR and unreadable arguments", () => {
  const found = (line: string, file = "src/lib.rs") => paths(scan(line, file).found);
  assert.deepEqual(
    found('include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../helper-0.1.0/p.rs"));'),
    ['src/lib.rs:1 include! {env!("CARGO_MANIFEST_DIR")}/../helper-0.1.0/p.rs'],
  );
  assert.deepEqual(
    found('include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "-evil/x"));'),
    ['src/lib.rs:1 include_str! {env!("CARGO_MANIFEST_DIR")}-evil/x'],
  );
  assert.deepEqual(found('include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));'), []);
  assert.deepEqual(found('include!(concat!(env!("OUT_DIR"), "/gen.rs"));'), []);
  assert.deepEqual(found('include!(concat!(env!("OUT_DIR"), "/../../x.rs"));'), []);
  assert.deepEqual(found('include!(concat!("..", "/../x.rs"));'), [
    "src/lib.rs:1 include! ../../x.rs",
  ]);
  // Another macro's value: its literal stands elsewhere (red team 8d), a required skip.
  assert.deepEqual(found('include!(my_path!("a", "b"));'), [
    `src/lib.rs:1 include! ${MACRO_NAMED}`,
  ]);
  assert.deepEqual(found('include!(my_path!("../../x.rs"));'), [
    "src/lib.rs:1 include! {…}",
  ]);
  assert.deepEqual(found('include!(concat!(env!("GEN"), "/x.rs"));'), []);
  // A comment between the tokens does not hide the macro.
  assert.deepEqual(found('include /* x */ ! ( // y\n "../../x.rs")'), [
    "src/lib.rs:1 include! ../../x.rs",
  ]);
  assert.deepEqual(found('#[ // y\n path /* z */ = "../../x.rs"] mod m;'), [
    "src/lib.rs:2 #[path] ../../x.rs",
  ]);
});

Deno.test("rust path scan: comments, and what only looks like a line comment", () => {
  assert.deepEqual(paths(scan('/// include!("../../x.rs")\n//! #[path = "/etc"]\n').found), []);
  // A line that starts inside a string: the quote ends it, so the macro is code.
  const text = 'const S: &str = "\n//"; include!("../../x.rs"); const T: &str = "\n";\n';
  assert.deepEqual(paths(scan(text).found), ["src/lib.rs:2 include! ../../x.rs"]);
  // build.rs at the package root: `../x` already leaves.
  assert.deepEqual(paths(scan('include!("../x.rs");', "build.rs").found), [
    "build.rs:1 include! ../x.rs",
  ]);
});

Deno.test("rust path scan: a reference split across chunks at every byte is found once, on its line", () => {
  const head = "fn a() {}\n".repeat(5) + "/// a comment that mentions include and path\n";
  const text = head + 'const X: &str = include_str!(\n  "../../evil-1.0.0/x.txt"\n);\n' +
    "fn b() {}\n";
  const whole = paths(scan(text).found);
  assert.deepEqual(whole, ["src/lib.rs:7 include_str! ../../evil-1.0.0/x.txt"]);
  for (let chunk = 1; chunk <= text.length; chunk++) {
    assert.deepEqual(paths(scan(text, "src/lib.rs", chunk).found), whole, `chunk ${chunk}`);
  }
  const atLineStart = 'fn a() {}\ninclude!(\n  "../../x.rs"\n);\n#[path =\n"../../y.rs"]\nmod y;\n';
  for (let chunk = 1; chunk <= atLineStart.length; chunk++) {
    assert.deepEqual(paths(scan(atLineStart, "src/lib.rs", chunk).found), [
      "src/lib.rs:2 include! ../../x.rs",
      "src/lib.rs:5 #[path] ../../y.rs",
    ], `chunk ${chunk}`);
  }
  const commented = 'fn a() {}\n/// include!("../../x.rs")\n';
  for (let chunk = 1; chunk <= commented.length; chunk++) {
    assert.deepEqual(paths(scan(commented, "src/lib.rs", chunk).found), [], `chunk ${chunk}`);
  }
});

Deno.test("rust path scan: an attribute opened long before its path, split across chunks", () => {
  const text = "fn a() {}\n".repeat(600) + "#[\n" + " ".repeat(9000) +
    '\npath = "../../x.rs"]\nmod m;\n';
  for (const chunk of [1000, 4096, 6003, 8192]) {
    assert.deepEqual(paths(scan(text, "src/lib.rs", chunk).found), [
      "src/lib.rs:603 #[path] ../../x.rs",
    ], `chunk ${chunk}`);
  }
});

Deno.test("rust path scan: an argument too long to read is reported", () => {
  const text = "include!(" + " ".repeat(5000) + '"x.rs");';
  assert.deepEqual(paths(scan(text).found), [
    "src/lib.rs:1 include! (an argument over 4096 bytes, not read)",
  ]);
  assert.deepEqual(paths(scan(text, "src/lib.rs", 1000).found), [
    "src/lib.rs:1 include! (an argument over 4096 bytes, not read)",
  ]);
});

Deno.test("rust path scan: the pre-check finds include and path at every offset, and nothing else", () => {
  for (const word of ["include", "path", "#[path", "include_str"]) {
    for (let pad = 0; pad < 9; pad++) {
      for (let after = 0; after < 3; after++) {
        const text = "x".repeat(pad) + word + "y".repeat(after);
        assert.equal(mayNamePaths(encoder.encode(text)), true, text);
      }
    }
  }
  for (
    const text of [
      "",
      "pat",
      "clu",
      'fn main() { println!("hello"); }',
      "pathh".slice(1),
      "cl ud pa th",
    ]
  ) {
    assert.equal(mayNamePaths(encoder.encode(text)), false, text);
  }
});

Deno.test("rust path scan: the files an include! or #[path] inside the package has compiled are noted", () => {
  const s = scan(
    [
      'include!("gen/x.in");',
      'include!(concat!(env!("CARGO_MANIFEST_DIR"), "/build/y.in"));',
      '#[path = "../z.txt"] mod z;',
      'const S: &str = include_str!("not-compiled.txt");',
      'include!(concat!(env!("OUT_DIR"), "/out.rs"));',
    ].join("\n"),
    "src/net.rs",
  );
  assert.deepEqual(s.found, []);
  assert.deepEqual(s.targets, ["src/gen/x.in", "build/y.in", "z.txt", "src/z.txt"]);
});

Deno.test("rust path scan: a built-in macro imported under another name is reported", () => {
  assert.deepEqual(paths(scan('use std::include as inc;\ninc!("../../x.rs");\n').found), [
    "src/lib.rs:1 include! (imported under another name: its calls are not read)",
  ]);
  assert.deepEqual(paths(scan("use std::{include_str as s};\n").found), [
    "src/lib.rs:1 include_str! (imported under another name: its calls are not read)",
  ]);
});

Deno.test("rust path scan: random sources read in any chunks find what the whole file finds", () => {
  const pieces = [
    "include!(",
    "include_str!(",
    "#[path = ",
    "#[cfg_attr(unix, path = ",
    "concat!(",
    'env!("CARGO_MANIFEST_DIR"), ',
    '"../../x.rs"',
    'r#"../y"#',
    '"/abs"',
    '"ok.rs"',
    ")",
    "]",
    ";",
    ", ",
    "\n",
    "\n/// ",
    "// ",
    "/* ",
    " */",
    "  ",
    "fn f() {}",
    "path",
    "mod m;",
    "use std::include as ",
    "r#",
    "'\"'",
    "/",
    "#",
    '"\\x2e./\\u{2e}./z"',
    "macro_rules! m { () => { ",
    '"../x.rs"',
  ];
  let seed = 7;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let round = 0; round < 300; round++) {
    let text = "";
    for (let i = Math.floor(next() * 60); i > 0; i--) {
      text += pieces[Math.floor(next() * pieces.length)];
    }
    const whole = scan(text);
    for (const chunk of [1, 2, 3, 5, 8, 13, 64]) {
      const parted = scan(text, "src/lib.rs", chunk);
      assert.deepEqual(
        [paths(parted.found), callers(parted.found), parted.omitted],
        [paths(whole.found), callers(whole.found), whole.omitted],
        `chunk ${chunk}: ${JSON.stringify(text)}`,
      );
    }
  }
});

Deno.test("rust path scan: overlapping invocations are read in time linear in the size", () => {
  // Each `include!(` reads up to MAX_SCANNED_ARGUMENT bytes: without a budget, quadratic.
  const text = "include!(".repeat(400_000);
  const started = performance.now();
  const s = scan(text);
  assert.ok(performance.now() - started < 10_000, "bounded");
  assert.equal(s.found.length, MAX_OUTSIDE_REFERENCES_PER_FILE);
  assert.ok(s.omitted > 0);
  const parted = scan(text, "src/lib.rs", 65536);
  assert.deepEqual(paths(parted.found), paths(s.found));
});

Deno.test('rust path scan: path = "…" in a macro call\'s arguments is a required skip (red team 8d)', () => {
  const s = scan('m!(path = "../../x.rs");\nn! { a, path = "/abs" }\n');
  assert.deepEqual(paths(s.found), [
    "src/lib.rs:1 #[path] ../../x.rs",
    "src/lib.rs:2 #[path] /abs",
  ]);
  assert.deepEqual(callers(s.found), [true, true]);
  // Not in a macro call: a variable, another attribute's argument.
  const t = scan(
    'let path = "/etc/x";\nif a { path = "/x"; }\n#[serde(path = "../../y")] struct S;\n',
  );
  assert.deepEqual(paths(t.found), []);
});

Deno.test("rust path scan: many `path` words far inside a group are read in linear time (red team 8d)", () => {
  const text = "fn f() {\n" + "x".repeat(5000) + "\n" + "let p = path;\n".repeat(200_000) + "}\n";
  const started = performance.now();
  const s = scan(text, "src/lib.rs", 1 << 20);
  assert.deepEqual(paths(s.found), []);
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
});

Deno.test("rust path scan: a macro call's path = argument on a later chunk than the call's opening (red team 8d)", () => {
  const text = "m!(\n" + "a,\n".repeat(100) + 'path = "../../x.rs")\n';
  for (const chunk of [Infinity, 16, 64]) {
    const s = scan(text, "src/lib.rs", chunk);
    assert.deepEqual(paths(s.found), ["src/lib.rs:102 #[path] ../../x.rs"], `chunk ${chunk}`);
    // Read whole, a macro's argument (a required skip); read after the call's opening was dropped,
    // a line that starts with `path` is taken for an attribute's (a failure: stricter).
    if (chunk === Infinity) assert.deepEqual(callers(s.found), [true]);
  }
  // A `,` before it on its line, the call's opening dropped: still a macro's argument.
  const t = "m!(\n" + "a,\n".repeat(100) + 'b, path = "../../x.rs")\n';
  for (const chunk of [Infinity, 16, 64]) {
    assert.deepEqual(callers(scan(t, "src/lib.rs", chunk).found), [true], `chunk ${chunk}`);
  }
});
