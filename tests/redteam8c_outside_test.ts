/**
 * Red team 8c: sources whose compiler-read path leaves the package, yet that the outside-package
 * scan of `crate-source` let through as TRUSTED. Each crate matches its repository file for file;
 * in a build of the published crate (registry crates unpacked side by side) the path reads
 * another package's file, so the run must fail `crate-source-outside-package` (MISMATCH).
 */
import assert from "node:assert/strict";
import { assertOutside, NORMALIZED, ORIG, PAYLOAD, run } from "./support/outside_runs.ts";

Deno.test("red team 8c: a path-qualified concat! (core::concat!, std::concat!) is joined like concat!", async () => {
  // rustc: "../" + "../helper-0.1.0/…" from src/ is ../../helper-0.1.0/…: another crate.
  assertOutside(await run({ "src/lib.rs": `include!(core::concat!("../", "../${PAYLOAD}"));\n` }));
  assertOutside(
    await run({ "src/lib.rs": `include!(::std::concat!("..", "/..", "/${PAYLOAD}"));\n` }),
  );
  assertOutside(
    await run({
      "src/a/b/lib.rs": "",
      "src/a/b/c.rs": `include!(concat!(std::env!("CARGO_MANIFEST_DIR"), "/../${PAYLOAD}"));\n`,
    }),
  );
});

Deno.test("red team 8c: OUT_DIR followed by enough .. reaches the filesystem root (an absolute path)", async () => {
  const up = "/..".repeat(24);
  const abs = `/usr/local/cargo/registry/src/index.crates.io-1949cf8c6b5b557f/${PAYLOAD}`;
  assertOutside(
    await run({ "src/lib.rs": `include!(concat!(env!("OUT_DIR"), "${up}${abs}"));\n` }),
  );
});

Deno.test("red team 8c: a nested block comment inside #[ … path ] is still a path attribute", async () => {
  assertOutside(
    await run({
      "src/lib.rs": `#[/* a /* nested */ comment */ path = "../../${PAYLOAD}"]\nmod payload;\n`,
    }),
  );
  assertOutside(
    await run({
      "src/lib.rs": `#[/* /* */ */ cfg_attr(all(), path = "../../${PAYLOAD}")]\nmod payload;\n`,
    }),
  );
});

Deno.test("red team 8c: a file compiled past the first 16 include! targets still counts", async () => {
  let lib = "";
  for (let i = 0; i < 16; i++) lib += `#[cfg(any())]\nmod m${i} { include!("m${i}.in"); }\n`;
  lib += 'include!("gen.in");\n';
  assertOutside(
    await run({ "src/lib.rs": lib, "src/gen.in": `include!("../../${PAYLOAD}");\n` }),
  );
});

Deno.test("red team 8c: char literals in concat! are joined (concat! takes any literal)", async () => {
  // rustc: "." + '.' + "/../helper-0.1.0/…" from src/ is ../../helper-0.1.0/…
  assertOutside(
    await run({ "src/lib.rs": `include!(concat!(".", '.', "/../${PAYLOAD}"));\n` }),
  );
  assertOutside(
    await run({
      "src/lib.rs": `include!(concat!('.', '.', '/', '.', '.', '/', "${PAYLOAD}"));\n`,
    }),
  );
});

Deno.test("red team 8c: env!'s name may be a concat! (env! expands its argument)", async () => {
  assertOutside(
    await run({
      "src/lib.rs":
        `include!(concat!(env!(concat!("CARGO_MANIFEST", "_DIR")), "/../${PAYLOAD}"));\n`,
    }),
  );
});

Deno.test("red team 8c: a module file named .RS (mod x; finds it on a case-insensitive filesystem)", async () => {
  assertOutside(
    await run({
      "src/lib.rs": "mod evil;\n",
      "src/evil.RS": `include!("../../${PAYLOAD}");\n`,
    }),
  );
});

Deno.test('red team 8c: a crate root of another extension ([lib] path = "src/lib.txt") is read as Rust', async () => {
  const r = await run(
    { "src/lib.txt": `include!("../../${PAYLOAD}");\n` },
    {
      orig: ORIG + '\n[lib]\npath = "src/lib.txt"\n',
      normalized: NORMALIZED.replace('path = "src/lib.rs"', 'path = "src/lib.txt"'),
    },
  );
  assertOutside(r);
  // The same file named with a detour (cargo builds it).
  assertOutside(
    await run(
      { "src/lib.txt": `include!("../../${PAYLOAD}");\n` },
      {
        orig: ORIG + '\n[lib]\npath = "src/../src/lib.txt"\n',
        normalized: NORMALIZED.replace('path = "src/lib.rs"', 'path = "src/../src/lib.txt"'),
      },
    ),
  );
});

Deno.test("red team 8c: an include! literal in a macro_rules! body is read from the file that calls the macro", async () => {
  // rustc resolves include!'s relative path from the file of the outermost call site
  // (Span::source_callsite), not the file the macro is defined in (rustc 1.95 checked). Defined
  // in src/a/b/c/m.rs, `../../helper-0.1.0/…` stays inside the package as read from there; called
  // from src/lib.rs it reads ../../helper-0.1.0/… (another registry crate). The scan reads a path
  // after a macro_rules! from the package root too (the caller is not known): never TRUSTED; a
  // required skip, since the calls were not followed.
  const r = await run({
    "src/lib.rs": '#[macro_use]\n#[path = "a/b/c/m.rs"]\nmod m;\npayload!();\n',
    "src/a/b/c/m.rs": `macro_rules! payload {\n    () => { include!("../../${PAYLOAD}"); };\n}\n`,
  });
  assert.equal(r.code, 1, r.out);
  assert.equal(r.verdict, "UNVERIFIED", r.out);
  const outside = r.source.find((c) => c.code === "crate-source-outside-package");
  assert.ok(outside, r.out);
  assert.equal(outside.status, "skip");
  assert.match(outside.message, /src\/a\/b\/c\/m\.rs:2/);
  assert.match(outside.message, /macro_rules!/);
  // The same literal before any macro_rules! in its file is read from its own directory: inside.
  const before = await run({
    "src/lib.rs": '#[path = "a/b/c/m.rs"]\nmod m;\n',
    "src/a/b/c/m.rs":
      `pub const P: &str = include_str!("../../x.txt");\nmacro_rules! m { () => {}; }\n`,
    "src/a/x.txt": "x\n",
  });
  assert.equal(before.verdict, "TRUSTED", before.out);
});

Deno.test("red team 8c: the same forms inside the package stay TRUSTED (no false MISMATCH)", async () => {
  const r = await run(
    {
      "src/lib.txt": [
        'include!(core::concat!("gen/", "a.rs"));',
        "include!(concat!('g', \"en/b.rs\"));",
        'include!(concat!(env!("OUT_DIR"), "/../out/c.rs"));',
        'include!(concat!(std::env!(concat!("CARGO_MANIFEST", "_DIR")), "/src/gen/d.rs"));',
        '#![debugger_visualizer(natvis_file = "../x.natvis")]',
        '#[/* a /* nested */ comment */ path = "gen/e.rs"]',
        "mod e;",
        "",
      ].join("\n"),
      "src/gen/a.rs": "",
      "src/gen/b.rs": "",
      "src/gen/d.rs": "",
      "src/gen/e.rs": "",
      "docs/usage.txt": `include!("../../${PAYLOAD}");\n`,
    },
    {
      orig: ORIG + '\n[lib]\npath = "src/lib.txt"\n',
      normalized: NORMALIZED.replace('path = "src/lib.rs"', 'path = "src/lib.txt"'),
    },
  );
  assert.equal(r.code, 0, r.out);
  assert.equal(r.verdict, "TRUSTED", r.out);
});

Deno.test("red team 8c: a raw identifier names the attribute (#[r#path], #[r#cfg_attr]): rustc reads it as path", async () => {
  // rustc 1.95: both compile and read ../../helper-0.1.0/src/payload.rs.
  assertOutside(
    await run({ "src/lib.rs": `#[r#path = "../../${PAYLOAD}"]\nmod payload;\n` }),
  );
  assertOutside(
    await run({
      "src/lib.rs": `#[r#cfg_attr(all(), path = "../../${PAYLOAD}")]\nmod payload;\n`,
    }),
  );
  assertOutside(
    await run({
      "src/lib.rs":
        `#[cfg_attr(all(), r#cfg_attr(all(), r#path = "../../${PAYLOAD}"))]\nmod payload;\n`,
    }),
  );
});

Deno.test("red team 8c: #[path] in an inline module compiles a file under the module's directory", async () => {
  // rustc 1.95: `mod a { #[path = "x.txt"] mod b; }` in src/lib.rs compiles src/a/x.txt (not
  // src/x.txt), whose include! reads ../../../helper-0.1.0/… from src/a/.
  assertOutside(
    await run({
      "src/lib.rs": 'mod a {\n    #[path = "x.txt"]\n    mod b;\n}\n',
      "src/a/x.txt": `include!("../../../${PAYLOAD}");\n`,
    }),
  );
});

Deno.test('red team 8c: include!(include_str!("p.txt")) takes its path from a data file', async () => {
  // rustc 1.95: include! expands its argument first, so the path is p.txt's text.
  assertOutside(
    await run({
      "src/lib.rs": 'include!(include_str!("p.txt"));\n',
      "src/p.txt": `../../${PAYLOAD}`,
    }),
  );
});

Deno.test("red team 8c: #![debugger_visualizer(gdb_script_file = …)] embeds a file outside the package", async () => {
  // rustc 1.95 reads the file (relative to the source file) into the artifact's
  // .debug_gdb_scripts section, a script gdb runs when it loads the binary.
  assertOutside(
    await run({
      "src/lib.rs":
        `#![debugger_visualizer(gdb_script_file = "../../${PAYLOAD}")]\npub fn f() {}\n`,
    }),
  );
  assertOutside(
    await run({
      "src/lib.rs": `#![debugger_visualizer(natvis_file = "../../helper-0.1.0/x.natvis")]\n`,
    }),
  );
});

Deno.test('red team 8c: env!("CARGO_HOME") and env!("HOME") name the registry\'s parent (set by cargo and the OS, not a build script)', async () => {
  // rustc 1.95 through cargo: CARGO_HOME is set for every compilation; `stringify!(/)` is "/".
  const registry = "registry/src/index.crates.io-1949cf8c6b5b557f";
  assertOutside(
    await run({
      "src/lib.rs":
        `include!(concat!(env!("CARGO_HOME"), stringify!(/), "${registry}/${PAYLOAD}"));\n`,
    }),
  );
  assertOutside(
    await run({
      "src/lib.rs":
        `include!(concat!(env!("HOME"), stringify!(/), ".cargo/${registry}/${PAYLOAD}"));\n`,
    }),
  );
});

Deno.test("red team 8c: a file compiled through an include! path that is not all literals still counts", async () => {
  // rustc 1.95: concat!(stringify!(gen), ".in") is "gen.in", compiled as Rust.
  assertOutside(
    await run({
      "src/lib.rs": 'include!(concat!(stringify!(gen), ".in"));\n',
      "src/gen.in": `include!("../../${PAYLOAD}");\n`,
    }),
  );
});
