import assert from "node:assert/strict";
import {
  checkCrateLock,
  compareCrateManifest,
  type CrateManifestComparison,
  manifestCodePaths,
  manifestCopiedFiles,
  parseManifest,
} from "./crate_manifest.ts";
import { readCrateArchive } from "../evidence/crate_archive.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);
const WS = new URL("manifests/workspace-inherit/", FIXTURES);
const read = (name: string) => Deno.readTextFile(new URL(name, WS));

// Real cargo 1.95 output (tests/fixtures/manifests/SOURCE.md).
const REAL = {
  normalized: await read("Cargo.toml"),
  orig: await read("Cargo.toml.orig"),
  workspaceRoot: await read("workspace.Cargo.toml"),
  files: (await read("files.txt")).trim().split("\n"),
};

function findings(result: CrateManifestComparison): string[] {
  assert.equal(result.kind, "mismatch", JSON.stringify(result));
  return result.kind === "mismatch" ? result.findings : [];
}

/** The real normalized manifest with `edit` applied, compared. */
function edited(edit: (text: string) => string, files = REAL.files): CrateManifestComparison {
  const normalized = edit(REAL.normalized);
  assert.notEqual(normalized, REAL.normalized, "the edit changes the manifest");
  return compareCrateManifest({ ...REAL, normalized, files });
}

Deno.test("compareCrateManifest() accepts what cargo 1.95 really wrote, workspace inheritance and all", () => {
  assert.deepEqual(compareCrateManifest(REAL), { kind: "match" });
});

Deno.test("compareCrateManifest() accepts the real tiny-attest crate's manifest", async () => {
  const bytes = await Deno.readFile(new URL("crates/tiny-attest-0.1.0.crate", FIXTURES));
  const archive = await readCrateArchive(bytes, { name: "tiny-attest", version: "0.1.0" });
  const normalized = new TextDecoder().decode(
    archive.files.find((f) => f.path === "Cargo.toml")!.bytes,
  );
  assert.deepEqual(
    compareCrateManifest({
      normalized,
      orig: archive.cargoTomlOrig!,
      files: archive.files.map((f) => f.path),
    }),
    { kind: "match" },
  );
});

Deno.test("compareCrateManifest() accepts what older cargo wrote: no explicit targets, no auto flags", () => {
  const orig = '[package]\nname = "old"\nversion = "0.1.0"\n\n[dependencies]\nlog = "0.4"\n' +
    '[dev-dependencies]\nhelper = { path = "../helper" }\n';
  const normalized = '[package]\nname = "old"\nversion = "0.1.0"\n' +
    '[dependencies.log]\nversion = "0.4"\n';
  const files = ["Cargo.toml", "Cargo.toml.orig", "src/lib.rs", "src/main.rs", "build.rs"];
  assert.deepEqual(compareCrateManifest({ normalized, orig, files }), { kind: "match" });
});

Deno.test("compareCrateManifest() names a build script, dependency or build-dependency the original lacks", () => {
  const found = findings(
    edited((t) =>
      t.replace('build = "build.rs"', 'build = "src/bin/tool.rs"') +
      '\n[build-dependencies.evil]\nversion = "1"\n[dependencies.extra]\nversion = "2"\n'
    ),
  );
  assert.ok(found.some((f) => f.startsWith('package.build: build script "src/bin/tool.rs"')));
  assert.ok(found.includes("build-dependencies.evil: in Cargo.toml but not in Cargo.toml.orig"));
  assert.ok(found.includes("dependencies.extra: in Cargo.toml but not in Cargo.toml.orig"));
  // build = "build.rs" where the original has no build script (and the crate no build.rs).
  const none = compareCrateManifest({
    normalized: '[package]\nname = "x"\nversion = "1.0.0"\nbuild = "build.rs"\n',
    orig: '[package]\nname = "x"\nversion = "1.0.0"\n',
    files: ["src/lib.rs"],
  });
  assert.match(findings(none)[0], /^package\.build: build script "build\.rs"/);
});

Deno.test("compareCrateManifest() names changed dependency versions, features, renames, targets and paths", () => {
  const cases: [(t: string) => string, string][] = [
    [(t) => t.replace('version = "=0.1.0"', 'version = "*"'), "build-dependencies.b.version"],
    [(t) => t.replace('    "y",\n', '    "y",\n    "evil",\n'), 'dependencies.b.features: "evil"'],
    [(t) => t.replace('package = "b"\n\n[dev', 'package = "c"\n\n[dev'), "dependencies.b2.package"],
    [(t) => t.replace("optional = true", "optional = false"), "dependencies.b2.optional"],
    [(t) => t.replace("default-features = false", "default-features = true"), "default-features"],
    [(t) => t.replace("[dependencies.b2]\n", '[dependencies.b2]\npath = "vendor/b"\n'), "b2.path"],
    [(t) => t.replace("[dependencies.b2]\n", '[dependencies.b2]\ngit = "https://x/y"\n'), "b2.git"],
    [(t) => t.replace('target."cfg(unix)"', 'target."cfg(windows)"'), 'target."cfg(windows)"'],
    [(t) => t.replace('path = "src/lib.rs"', 'path = "build.rs"'), "lib.path"],
    [(t) => t.replace('path = "src/bin/tool.rs"', 'path = "tests/t.rs"'), "bin.tool.path"],
    [(t) => t + '\n[[bin]]\nname = "extra"\npath = "examples/ex.rs"\n', "bin.extra"],
    [
      (t) => t.replace('[lib]\nname = "a"\n', '[lib]\nname = "a"\nproc-macro = true\n'),
      "lib.proc-macro",
    ],
    [
      (t) => t.replace('required-features = ["extra"]', "required-features = []"),
      "required-features",
    ],
    [(t) => t.replace('links = "foo"', 'links = "ssl"'), "package.links"],
    [(t) => t.replace('edition = "2021"', 'edition = "2024"'), "package.edition"],
    [(t) => t.replace('version = "1.2.3"', 'version = "1.2.4"'), "package.version"],
    [(t) => t.replace('extra = ["dep:b2"]', 'extra = ["dep:b2", "b/z"]'), 'features.extra: "b/z"'],
    [(t) => t.replace("[features]\n", "[features]\nnew = []\n"), "features.new"],
    [(t) => t + '\n[patch.crates-io.b]\nversion = "9"\n', "patch:"],
    [(t) => t.replace('links = "foo"', 'links = "foo"\nworkspace = ".."'), "package.workspace"],
    [(t) => t + '\n[replace."b:0.1.0"]\nversion = "9"\n', "replace:"],
    [(t) => t.replace('lto = "fat"', "lto = false"), "profile:"],
  ];
  for (const [edit, fragment] of cases) {
    const result = edited(edit);
    assert.equal(result.kind, "mismatch", fragment);
    const found = findings(result);
    assert.ok(found.some((f) => f.includes(fragment)), `${fragment} in ${found.join(" | ")}`);
  }
  // …and a file discovery turns into a target is one only where the original discovers too.
  const discovered = compareCrateManifest({
    ...REAL,
    orig: REAL.orig.replace('links = "foo"', 'links = "foo"\nautoexamples = false'),
    normalized: REAL.normalized.replace("autoexamples = false\n", ""),
    files: [...REAL.files, "examples/evil.rs"],
  });
  assert.ok(findings(discovered).some((f) => f.startsWith("example.evil")));
  // With discovery on in both, the same files yield the same targets.
  assert.deepEqual(
    compareCrateManifest({
      ...REAL,
      normalized: REAL.normalized.replace("autoexamples = false\n", ""),
      files: [...REAL.files, "examples/evil.rs"],
    }),
    { kind: "match" },
  );
});

Deno.test("compareCrateManifest() needs the workspace root when the original inherits", () => {
  const { workspaceRoot: _, ...rest } = REAL;
  assert.equal(compareCrateManifest(rest).kind, "undecidable");
  // A workspace root with another version requirement makes the real manifest a mismatch.
  const other = REAL.workspaceRoot.replace('version = "0.1.0"', 'version = "0.2.0"');
  assert.ok(
    findings(compareCrateManifest({ ...REAL, workspaceRoot: other })).some((f) =>
      f.startsWith("dependencies.b.version")
    ),
  );
  assert.match(
    findings(compareCrateManifest({ ...REAL, normalized: "[package\n" }))[0],
    /^Cargo\.toml: not TOML/,
  );
});

Deno.test("manifestCopiedFiles() resolves readme and license-file, inherited ones from the workspace root", () => {
  const orig = parseManifest(REAL.orig);
  const ws = parseManifest(REAL.workspaceRoot);
  assert.ok("table" in orig && "table" in ws);
  assert.deepEqual(manifestCopiedFiles(orig.table, "crates/a", { table: ws.table, dir: "" }), [
    { field: "readme", path: "docs/README.md" },
    { field: "license-file", path: "LICENSE" },
  ]);
  assert.deepEqual(manifestCopiedFiles(orig.table, "crates/a"), [
    { field: "readme", path: undefined },
    { field: "license-file", path: undefined },
  ]);
  const own = parseManifest('[package]\nreadme = "../../README.md"\nlicense-file = "COPYING"\n');
  assert.ok("table" in own);
  assert.deepEqual(manifestCopiedFiles(own.table, "crates/a"), [
    { field: "readme", path: "README.md" },
    { field: "license-file", path: "crates/a/COPYING" },
  ]);
});

Deno.test("manifestCodePaths() lists targets and build scripts of either manifest", () => {
  const n = parseManifest(REAL.normalized);
  assert.ok("table" in n);
  assert.deepEqual(manifestCodePaths([n.table], REAL.files).sort(), [
    "build.rs",
    "examples/ex.rs",
    "src/bin/tool.rs",
    "src/lib.rs",
    "src/main.rs",
    "tests/t.rs",
  ]);
});

Deno.test("checkCrateLock() accepts the crate's own lock file and names anything else", () => {
  const enc = (t: string) => new TextEncoder().encode(t);
  const crate = { name: "tiny-attest", version: "0.1.0" };
  const good = "# This file is automatically @generated by Cargo.\nversion = 4\n\n[[package]]\n" +
    'name = "tiny-attest"\nversion = "0.1.0"\n';
  assert.equal(checkCrateLock(enc(good), crate), undefined);
  // Old v1 lock files name the root package in [root].
  assert.equal(
    checkCrateLock(enc('[root]\nname = "tiny-attest"\nversion = "0.1.0"\n'), crate),
    undefined,
  );
  const bad: [string | Uint8Array, RegExp][] = [
    ["pub fn add(a: u64) -> u64 { a }\n", /not TOML/],
    [new Uint8Array([0xff, 0xfe]), /not UTF-8/],
    ["version = 4\n", /no \[\[package\]\]/],
    ['version = 9\n[[package]]\nname = "tiny-attest"\nversion = "0.1.0"\n', /version 9/],
    ['[[package]]\nname = "other"\nversion = "0.1.0"\n', /holds no package tiny-attest 0\.1\.0/],
    [
      '[[package]]\nname = "tiny-attest"\nversion = "0.1.0"\nsource = "registry+https://x"\n',
      /source/,
    ],
    ['[[package]]\nname = "tiny-attest"\n', /no name and version/],
  ];
  for (const [text, pattern] of bad) {
    const problem = checkCrateLock(typeof text === "string" ? enc(text) : text, crate);
    assert.match(problem ?? "", pattern);
  }
});
