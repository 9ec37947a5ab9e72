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
} from "./checksums.ts";

// Digests: ripgrep's is the published one for ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz;
// the others are SHA-256 values of fixed strings, standing in for real assets.
const RG = "f84757b07f425fe5cf11d87df6644691c644a5cd2348a2c670894272999d3ba7";
const A = "3d6102df18f22b7ab88d3a93a50f40d29662cac6949fad515f7948bdfbac153b";
const B = "7ca132ea97ad55d29fcf670dd3c686c57ad632ef5753bf9d37999f97917be7d4";
const C = "bc68a2d2854f07026c53354d3e78ca88ef4b9783045f1f639dc9eceead659e24";
const D = "57d36201ac9aafd214696066f17f1556221e1e82e5da43d36483c245ada2727c";
const E = "783a827bc607482861054566f396c88500dd8fca535c774bae36f4e8721c2d21";
const F = "5dc690a786eb21d31a75790739d9792b380f1bad36c8581ce0f728a731ca4342";
const SHA1 = "11f6ad8ec52a2984abaafd7c3b516503785c2072";
const SHA512 = "a4abd4448c49562d828115d13a1fccea927f52b4d5459297f8b43e42da89238b" +
  "c13626e43dcb38ddb082488927ec904fb42057443983e88585179d50551afe62";
const MD5 = "9dd4e461268c8034f5c8564e155c67a6";

/** The digest `lookupChecksum` finds for `name`, or a marker string when it finds none. */
function digestOf(parses: ChecksumParse | ChecksumParse[], name: string): string {
  const found = lookupChecksum(Array.isArray(parses) ? parses : [parses], name);
  if (found === undefined) return "absent";
  if ("conflict" in found) return "conflict";
  return found.sha256;
}

// -------------------------------------------------------------------------------------------
// Sidecars

Deno.test("parseSidecar() reads ripgrep's .sha256 sidecar (<hex>  name)", () => {
  const asset = "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz";
  const parse = parseSidecar(`${RG}  ${asset}\n`, `${asset}.sha256`, asset);
  assert.deepEqual(parse, {
    entries: [{ name: asset, sha256: RG, line: 1, format: "gnu" }],
    warnings: [],
  });
  assert.equal(digestOf(parse, asset), RG);
});

Deno.test("parseSidecar() applies a bare digest to the asset", () => {
  const parse = parseSidecar(`${A.toUpperCase()}\r\n`, "app.tar.gz.sha256", "app.tar.gz");
  assert.deepEqual(parse.entries, [{ name: "app.tar.gz", sha256: A, line: 1, format: "bare" }]);
  assert.deepEqual(parse.warnings, []);
});

Deno.test("parseSidecar() matches a path by basename (<hex>  path/to/X) and binary mode", () => {
  const p1 = parseSidecar(`${A}  target/dist/app.tar.gz\n`, "app.tar.gz.sha256", "app.tar.gz");
  assert.equal(digestOf(p1, "app.tar.gz"), A);
  // The shape cargo-dist writes its per-archive sidecars in.
  const asset = "cargo-dist-x86_64-unknown-linux-gnu.tar.xz";
  const p2 = parseSidecar(`${B} *${asset}\n`, `${asset}.sha256`, asset);
  assert.deepEqual(p2.entries, [{ name: asset, sha256: B, line: 1, format: "gnu-binary" }]);
});

Deno.test("parseSidecar() warns when the sidecar names another file", () => {
  const parse = parseSidecar(`${A}  other.tar.gz\n`, "app.tar.gz.sha256", "app.tar.gz");
  assert.equal(parse.entries.length, 1);
  assert.equal(parse.warnings.length, 1);
  assert.match(parse.warnings[0].message, /no digest for 'app\.tar\.gz'.*'other\.tar\.gz'/);
  assert.equal(digestOf(parse, "app.tar.gz"), "absent");
});

Deno.test("parseSidecar() rejects a sidecar holding a SHA-512 digest, naming the line", () => {
  const parse = parseSidecar(`\n${SHA512}  app.tar.gz\n`, "app.tar.gz.sha256", "app.tar.gz");
  assert.deepEqual(parse.entries, []);
  assert.equal(parse.warnings.length, 1);
  assert.equal(parse.warnings[0].line, 2);
  assert.match(parse.warnings[0].message, /line 2 of app\.tar\.gz\.sha256/);
  assert.match(parse.warnings[0].message, /128 hex characters \(the length of SHA-512\)/);
});

// -------------------------------------------------------------------------------------------
// Checksum files

Deno.test("parseChecksumFile() reads goreleaser's checksums.txt", () => {
  const text = [
    `${A}  gh_2.40.0_checksums.txt.pem`,
    `${B}  gh_2.40.0_linux_amd64.deb`,
    `${C}  gh_2.40.0_linux_amd64.tar.gz`,
    `${D}  gh_2.40.0_macOS_universal.pkg`,
    `${E}  gh_2.40.0_windows_amd64.msi`,
    "",
  ].join("\n");
  const parse = parseChecksumFile(text, "gh_2.40.0_checksums.txt");
  assert.equal(parse.entries.length, 5);
  assert.deepEqual(parse.warnings, []);
  assert.deepEqual(parse.entries[2], {
    name: "gh_2.40.0_linux_amd64.tar.gz",
    sha256: C,
    line: 3,
    format: "gnu",
  });
  assert.equal(digestOf(parse, "gh_2.40.0_windows_amd64.msi"), E);
});

Deno.test("parseChecksumFile() reads a cargo-dist sha256.sum (binary-mode lines)", () => {
  const text = [
    `${A} *cargo-dist-aarch64-apple-darwin.tar.xz`,
    `${B} *cargo-dist-x86_64-pc-windows-msvc.zip`,
    `${C} *cargo-dist-x86_64-unknown-linux-gnu.tar.xz`,
    `${D} *dist-manifest.json`,
  ].join("\n");
  const parse = parseChecksumFile(text, "sha256.sum");
  assert.equal(parse.entries.length, 4);
  assert.ok(parse.entries.every((e) => e.format === "gnu-binary"));
  assert.equal(digestOf(parse, "cargo-dist-x86_64-pc-windows-msvc.zip"), B);
});

Deno.test("parseChecksumFile() reads `shasum -a 256 --tag` and openssl dgst (BSD) output", () => {
  const text = [
    `SHA256 (ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz) = ${RG}`,
    `SHA256 (ripgrep-14.1.0-x86_64-apple-darwin.tar.gz) = ${A}`,
    `SHA2-256(ripgrep_14.1.0-1_amd64.deb)= ${B}`,
    `SHA256 (name with (parens) = and spaces.txt) = ${C}`,
    `SHA512 (ripgrep-14.1.0-x86_64-apple-darwin.tar.gz) = ${SHA512}`,
  ].join("\n");
  const parse = parseChecksumFile(text, "SHA256SUMS");
  assert.deepEqual(
    parse.entries.map((e) => [e.name, e.sha256, e.format]),
    [
      ["ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz", RG, "bsd"],
      ["ripgrep-14.1.0-x86_64-apple-darwin.tar.gz", A, "bsd"],
      ["ripgrep_14.1.0-1_amd64.deb", B, "bsd"],
      ["name with (parens) = and spaces.txt", C, "bsd"],
    ],
  );
  assert.equal(parse.warnings.length, 1);
  assert.equal(parse.warnings[0].line, 5);
  assert.match(parse.warnings[0].message, /SHA512 digest .*not SHA-256/);
});

Deno.test("parseChecksumFile() reads GNU variants: one space, tab, spaces, ./, uppercase", () => {
  const text = [
    `${A} single-space.tar.gz`,
    `${B}\ttabbed.zip`,
    `${C}  My App Setup 1.0.exe`,
    `${D}  ./dist/leading-dot.tar.gz`,
    `${E.toUpperCase()}  UPPER.tar.gz`,
  ].join("\n");
  const parse = parseChecksumFile(text, "SHA256SUMS.txt");
  assert.deepEqual(parse.warnings, []);
  assert.equal(digestOf(parse, "single-space.tar.gz"), A);
  assert.equal(digestOf(parse, "tabbed.zip"), B);
  assert.equal(digestOf(parse, "My App Setup 1.0.exe"), C);
  assert.equal(parse.entries[3].name, "./dist/leading-dot.tar.gz");
  assert.equal(digestOf(parse, "leading-dot.tar.gz"), D);
  assert.equal(digestOf(parse, "UPPER.tar.gz"), E);
  assert.equal(parse.entries[4].sha256, E);
});

Deno.test("parseChecksumFile() decodes names sha256sum escapes (leading backslash)", () => {
  // What `sha256sum 'back\slash.bin' $'new\nline.bin'` prints.
  const text = [
    `\\${A}  back\\\\slash.bin`,
    `\\${B}  new\\nline.bin`,
    `\\SHA256 (tag\\\\ged.bin) = ${C}`,
  ].join("\n");
  const parse = parseChecksumFile(text, "SHA256SUMS");
  assert.deepEqual(parse.entries.map((e) => e.name), [
    "back\\slash.bin",
    "new\nline.bin",
    "tag\\ged.bin",
  ]);
  assert.equal(digestOf(parse, "back\\slash.bin"), A);
  assert.equal(digestOf(parse, "new\nline.bin"), B);
});

Deno.test("parseChecksumFile() reads name-first lines (name: <hex>, name <hex>)", () => {
  const text = [
    "# checksums for v1.2.3",
    `app-linux-x86_64.tar.gz: ${A}`,
    `app-macos-aarch64.tar.gz ${B}`,
    `app-windows-x86_64.zip sha256:${C}`,
    `sha256:${D}`,
  ].join("\n");
  const parse = parseChecksumFile(text, "checksums.txt");
  assert.deepEqual(parse.entries.map((e) => [e.name, e.sha256, e.format]), [
    ["app-linux-x86_64.tar.gz", A, "colon"],
    ["app-macos-aarch64.tar.gz", B, "colon"],
    ["app-windows-x86_64.zip", C, "colon"],
  ]);
  // The nameless digest on line 5 is reported, not guessed.
  assert.equal(parse.warnings.length, 1);
  assert.equal(parse.warnings[0].line, 5);
  assert.match(parse.warnings[0].message, /without a file name/);
});

Deno.test("parseChecksumFile() ignores PGP armor around a clearsigned SHA256SUMS", () => {
  const text = [
    "-----BEGIN PGP SIGNED MESSAGE-----",
    "Hash: SHA256",
    "",
    `${A}  node-v20.11.0-linux-x64.tar.xz`,
    `${B}  node-v20.11.0-win-x64.zip`,
    "-----BEGIN PGP SIGNATURE-----",
    "",
    "iQIzBAEBCAAdFiEEj8yhP+8dDC6RAI4Jdw96mlrhVgAFAmWWb5YACgkQdw96mlrh",
    "VgBiqg/+KfqU2NH9kAbA8wXb9s4v8YvP0Q==",
    "=Wx1t",
    "-----END PGP SIGNATURE-----",
  ].join("\n");
  const parse = parseChecksumFile(text, "SHASUMS256.txt");
  assert.deepEqual(parse.warnings, []);
  assert.deepEqual(parse.entries.map((e) => [e.line, e.name]), [
    [4, "node-v20.11.0-linux-x64.tar.xz"],
    [5, "node-v20.11.0-win-x64.zip"],
  ]);
});

Deno.test("parseChecksumFile() warns on wrong-length digests, naming each line", () => {
  const text = [
    `${A.slice(0, 63)}  short.tar.gz`,
    `${A}0  long.tar.gz`,
    `${SHA1}  sha1.tar.gz`,
    `${SHA512}  sha512.tar.gz`,
    `${B}  good.tar.gz`,
    `long-colon.tar.gz: ${A}f`,
  ].join("\n");
  const parse = parseChecksumFile(text, "SHA256SUMS");
  assert.deepEqual(parse.entries.map((e) => e.name), ["good.tar.gz"]);
  assert.deepEqual(parse.warnings.map((w) => w.line), [1, 2, 3, 4, 6]);
  assert.match(parse.warnings[0].message, /^line 1 of SHA256SUMS: .*found 63 hex characters/);
  assert.match(parse.warnings[1].message, /found 65 hex characters/);
  assert.match(parse.warnings[2].message, /found 40 hex characters \(the length of SHA-1\)/);
  assert.match(parse.warnings[3].message, /the length of SHA-512/);
  for (const name of ["short.tar.gz", "long.tar.gz", "sha1.tar.gz", "sha512.tar.gz"]) {
    assert.equal(digestOf(parse, name), "absent");
  }
});

Deno.test("parseChecksumFile() escapes control characters of names in warnings", () => {
  const parse = parseChecksumFile(`${SHA1}  evil\u001b[2J.tar.gz\r\n`, "SHA256SUMS");
  assert.equal(parse.warnings.length, 1);
  assert.ok(!parse.warnings[0].message.includes("\u001b"));
  assert.match(parse.warnings[0].message, /'evil\\u001b\[2J\.tar\.gz'/);
});

Deno.test("parseChecksumFile() reads no digests from a file named for another algorithm", () => {
  const parse = parseChecksumFile(`${A}  app.tar.gz\n`, "B3SUMS");
  assert.deepEqual(parse.entries, []);
  assert.equal(parse.warnings.length, 1);
  assert.equal(parse.warnings[0].line, 0);
  assert.match(parse.warnings[0].message, /B3SUMS is named for/);
  assert.equal(parseChecksumFile(`${SHA512}  app.tar.gz\n`, "SHA512SUMS").entries.length, 0);
});

Deno.test("parseChecksumFile() applies a bare digest in a sidecar-named file to its asset", () => {
  const parse = parseChecksumFile(`${A}\n`, "app.tar.gz.sha256sum");
  assert.deepEqual(parse.entries, [{ name: "app.tar.gz", sha256: A, line: 1, format: "bare" }]);
});

Deno.test("parseChecksumFile() ignores lines that are not checksums silently", () => {
  const text = [
    "This release was built on GitHub Actions.",
    "deadbeef  too-short.tar.gz",
    `${A}x  hex-run-glued-to-a-letter.tar.gz`,
    `prefix${A}`,
    "",
    "   ",
  ].join("\n");
  assert.deepEqual(parseChecksumFile(text, "checksums.txt"), { entries: [], warnings: [] });
});

// -------------------------------------------------------------------------------------------
// Names

Deno.test("lookupChecksum() compares basenames exactly, never substrings", () => {
  const parse = parseChecksumFile(
    [
      `${A}  app.tar.gz.sig`,
      `${B}  myapp.tar.gz`,
      `${C}  app.tar.gz.sha256`,
      `${D}  app.tar`,
    ].join("\n"),
    "SHA256SUMS",
  );
  assert.equal(digestOf(parse, "app.tar.gz"), "absent");
  assert.equal(digestOf(parse, "myapp.tar.gz"), B);
  assert.equal(digestOf(parse, "App.tar.gz.sig"), "absent");
  const withPath = parseChecksumFile(`${E} *./out/app.tar.gz\n`, "SHA256SUMS");
  assert.equal(digestOf(withPath, "app.tar.gz"), E);
  assert.equal(digestOf(withPath, "./app.tar.gz"), E);
  assert.equal(digestOf(withPath, "pp.tar.gz"), "absent");
});

Deno.test("lookupChecksum() agrees, reports a conflict, or finds nothing", () => {
  const asset = "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz";
  const sums = parseChecksumFile(`${RG}  ${asset}\n${A}  other.zip\n`, "SHA256SUMS");
  const sidecar = parseSidecar(`${RG}\n`, `${asset}.sha256`, asset);
  const agreeing = lookupChecksum([sums, sidecar], asset);
  assert.ok(agreeing !== undefined && "sha256" in agreeing);
  assert.equal(agreeing.sha256, RG);
  assert.equal(agreeing.entry.format, "gnu");

  const tampered = parseSidecar(`${B}\n`, `${asset}.sha256`, asset);
  const conflict = lookupChecksum([sums, tampered], asset);
  assert.ok(conflict !== undefined && "conflict" in conflict);
  assert.deepEqual(conflict.conflict.map((e) => e.sha256), [RG, B]);
  assert.deepEqual(conflict.conflict.map((e) => e.format), ["gnu", "bare"]);

  // Two lines of one file that disagree are a conflict too.
  const twice = parseChecksumFile(`${A}  x.zip\n${B}  ./x.zip\n`, "SHA256SUMS");
  assert.equal(digestOf(twice, "x.zip"), "conflict");

  assert.equal(lookupChecksum([sums, sidecar], "missing.tar.gz"), undefined);
  assert.equal(lookupChecksum([], asset), undefined);
});

Deno.test("isChecksumFileName() knows the usual names, case-insensitively", () => {
  const yes = [
    "SHA256SUMS",
    "SHA256SUMS.txt",
    "sha256sums.txt",
    "sha256sum.txt",
    "SHASUMS256.txt",
    "checksums.txt",
    "CHECKSUMS",
    "checksum.txt",
    "checksums.sha256",
    "sha256.sum",
    "gh_2.40.0_checksums.txt",
    "ripgrep-14.1.0-checksums.txt",
    "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz.sha256",
    "app.zip.sha256sum",
    "app.zip.sha256.txt",
    "release.SHA256",
    "sha256-checksums.txt",
  ];
  const no = [
    "SHA256SUMS.asc",
    "SHA256SUMS.sig",
    "checksums.txt.sig",
    "checksums.txt.pem",
    "SHA512SUMS",
    "checksums.md5",
    "B3SUMS",
    "mychecksums.txt",
    "app.tar.gz",
    "sha256sums.json",
    "",
  ];
  for (const name of yes) assert.equal(isChecksumFileName(name), true, name);
  for (const name of no) assert.equal(isChecksumFileName(name), false, name);
});

Deno.test("sidecarNamesFor() lists the sidecar names of an asset", () => {
  assert.deepEqual(sidecarNamesFor("app.tar.gz"), [
    "app.tar.gz.sha256",
    "app.tar.gz.sha256sum",
    "app.tar.gz.sha256.txt",
  ]);
  for (const name of sidecarNamesFor("app.tar.gz")) assert.ok(isChecksumFileName(name));
});

// -------------------------------------------------------------------------------------------
// Release bodies

Deno.test("parseReleaseBody() reads sha256sum blocks and skips an md5sum block (eza style)", () => {
  const body = [
    "### Bug Fixes",
    "",
    "- Fix panic on broken symlink (#1234)",
    "- Bump dependencies 1a2b3c4",
    "",
    "### Checksums",
    "#### sha256sum",
    "```",
    `${A} ./target/bin-0.18.0/eza_aarch64-unknown-linux-gnu.tar.gz`,
    `${B} ./target/bin-0.18.0/eza_x86_64-unknown-linux-gnu.tar.gz`,
    `${C} ./target/bin-0.18.0/eza.exe_x86_64-pc-windows-gnu.zip`,
    "```",
    "#### md5sum",
    "```",
    `${MD5} ./target/bin-0.18.0/eza_aarch64-unknown-linux-gnu.tar.gz`,
    "```",
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.entries.map((e) => [e.line, e.sha256, e.format]), [
    [9, A, "gnu"],
    [10, B, "gnu"],
    [11, C, "gnu"],
  ]);
  assert.equal(digestOf(parse, "eza_x86_64-unknown-linux-gnu.tar.gz"), B);
  assert.equal(parse.warnings.length, 1);
  assert.equal(parse.warnings[0].line, 15);
  assert.match(parse.warnings[0].message, /labeled md5/i);
});

Deno.test("parseReleaseBody() reads a markdown table in any column order", () => {
  const body = [
    "## Downloads",
    "",
    "| Platform | File | Size | SHA-256 |",
    "|:---------|:-----|-----:|:--------|",
    `| Linux x86_64 | [app-1.4.0-x86_64-unknown-linux-gnu.tar.gz](https://github.com/o/app/releases/download/v1.4.0/app-1.4.0-x86_64-unknown-linux-gnu.tar.gz) | 3.1 MB | \`${A}\` |`,
    `| macOS arm64 | \`app-1.4.0-aarch64-apple-darwin.tar.gz\` | 2.9 MB | ${B.toUpperCase()} |`,
    "",
    `| SHA256 | Asset |`,
    `| --- | --- |`,
    `| ${C} | app-1.4.0-x86_64-pc-windows-msvc.zip |`,
    "",
    "Headerless guess:",
    "",
    `| x86_64-unknown-linux-musl | app-1.4.0-x86_64-unknown-linux-musl.tar.gz | sha256:${D} |`,
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.warnings, []);
  assert.deepEqual(parse.entries.map((e) => [e.name, e.sha256, e.line, e.format]), [
    ["app-1.4.0-x86_64-unknown-linux-gnu.tar.gz", A, 5, "markdown-table"],
    ["app-1.4.0-aarch64-apple-darwin.tar.gz", B, 6, "markdown-table"],
    ["app-1.4.0-x86_64-pc-windows-msvc.zip", C, 10, "markdown-table"],
    ["app-1.4.0-x86_64-unknown-linux-musl.tar.gz", D, 14, "markdown-table"],
  ]);
});

Deno.test("parseReleaseBody() picks the SHA-256 column of a table that also lists SHA-512", () => {
  const body = [
    "| File | SHA-512 | SHA-256 |",
    "| ---- | ------- | ------- |",
    `| tool-v2.0.0-linux.tar.gz | ${SHA512} | ${E} |`,
    "| File | SHA-512 |",
    "| ---- | ------- |",
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.entries.map((e) => [e.name, e.sha256]), [
    ["tool-v2.0.0-linux.tar.gz", E],
  ]);

  const only512 = parseReleaseBody(
    ["| File | SHA-512 |", "| --- | --- |", `| tool.tar.gz | ${SHA512} |`].join("\n"),
  );
  assert.deepEqual(only512.entries, []);
  assert.equal(only512.warnings.length, 1);
  assert.equal(only512.warnings[0].line, 3);
});

Deno.test("parseReleaseBody() reads bullets, bold names, inline code and sha256: prefixes", () => {
  const body = [
    "## What's Changed",
    "* Add --json output by @someone in https://github.com/o/tool/pull/42",
    `* Fix a crash in parser.rs (commit ${SHA1})`,
    "",
    "## SHA-256 checksums",
    `- tool-x86_64-unknown-linux-gnu.tar.gz: ${A}`,
    `- \`tool-aarch64-apple-darwin.tar.gz\`: \`${B}\``,
    `* \`${C}\`  tool-x86_64-pc-windows-msvc.zip`,
    `**tool-x86_64-unknown-linux-musl.tar.gz**: ${D}`,
    `1. tool-aarch64-unknown-linux-gnu.tar.gz sha256:${E}`,
    `SHA256 for tool-armv7-unknown-linux-gnueabihf.tar.gz: \`${F}\``,
    `+ [tool-i686-pc-windows-msvc.zip](https://example.com/tool-i686-pc-windows-msvc.zip) (sha256: ${A})`,
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.warnings, []);
  assert.deepEqual(parse.entries.map((e) => [e.name, e.sha256, e.line, e.format]), [
    ["tool-x86_64-unknown-linux-gnu.tar.gz", A, 6, "colon"],
    ["tool-aarch64-apple-darwin.tar.gz", B, 7, "colon"],
    ["tool-x86_64-pc-windows-msvc.zip", C, 8, "gnu"],
    ["tool-x86_64-unknown-linux-musl.tar.gz", D, 9, "colon"],
    ["tool-aarch64-unknown-linux-gnu.tar.gz", E, 10, "colon"],
    ["tool-armv7-unknown-linux-gnueabihf.tar.gz", F, 11, "colon"],
    ["tool-i686-pc-windows-msvc.zip", A, 12, "colon"],
  ]);
});

Deno.test("parseReleaseBody() names a bare digest by the file-name line before it", () => {
  const body = [
    "### ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz",
    "",
    `\`sha256:${RG}\``,
    "",
    "Some prose without a name.",
    `\`${A}\``,
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.entries, [{
    name: "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz",
    sha256: RG,
    line: 3,
    format: "bare",
  }]);
  assert.deepEqual(parse.warnings, []);
});

Deno.test("parseReleaseBody() reads BSD lines and warns about wrong lengths in prose", () => {
  const body = [
    "```",
    `SHA256 (tool-1.0.0.tar.gz) = ${A}`,
    "```",
    `- tool-1.0.0.zip: ${A.slice(0, 63)}`,
    `- tool-1.0.0.deb: ${SHA1}`,
  ].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.entries.map((e) => [e.name, e.format]), [["tool-1.0.0.tar.gz", "bsd"]]);
  assert.deepEqual(parse.warnings.map((w) => w.line), [4, 5]);
  assert.match(parse.warnings[0].message, /line 4 of the release body: .*63 hex characters/);
  assert.match(parse.warnings[1].message, /the length of SHA-1/);
});

Deno.test("parseReleaseBody() does not read a code block labeled BLAKE3 as SHA-256", () => {
  const body = ["BLAKE3 checksums:", "```", `${A}  tool.tar.gz`, "```"].join("\n");
  const parse = parseReleaseBody(body);
  assert.deepEqual(parse.entries, []);
  assert.equal(parse.warnings.length, 1);
  const tagged = parseReleaseBody(["```sha512", `${SHA512}  tool.tar.gz`, "```"].join("\n"));
  assert.deepEqual(tagged.entries, []);
});

Deno.test("parseReleaseBody() ignores prose, commit hashes and code that is not a checksum", () => {
  const body = [
    "# v1.2.3",
    "",
    "This release fixes a regression introduced in 1.2.2.",
    `* ${SHA1} Fix the parser`,
    `Full Changelog: https://github.com/o/r/compare/v1.2.2...v1.2.3`,
    "```sh",
    `echo "${A}  tool.tar.gz" | sha256sum -c`,
    "cargo install tool --locked",
    "```",
    "> **Note**: binaries are signed.",
  ].join("\n");
  assert.deepEqual(parseReleaseBody(body), { entries: [], warnings: [] });
});

// -------------------------------------------------------------------------------------------
// Pathological input

Deno.test("parsers finish quickly on pathological input (5 MB lines, hostile shapes)", () => {
  const started = performance.now();
  const oneHugeLine = `- app.tar.gz: ${"a".repeat(5 * 1024 * 1024)}`;
  const huge = parseReleaseBody(oneHugeLine);
  assert.deepEqual(huge.entries, []);
  assert.equal(huge.warnings.length, 1);
  assert.match(huge.warnings[0].message, /over the 4096 examined/);
  assert.equal(parseChecksumFile(oneHugeLine, "SHA256SUMS").entries.length, 0);

  // Many lines just under the cap, built to trip backtracking regexes.
  const shapes = [
    " ".repeat(4000) + "x",
    "a".repeat(4000) + "g",
    "[".repeat(2000) + "](".repeat(1000),
    "|".repeat(4000),
    "`".repeat(4000),
    ":".repeat(2000) + " ".repeat(2000) + "z",
    "SHA256 (" + "(".repeat(3990) + ") = x",
    "1.".repeat(2000) + "x",
    "- " + "a-".repeat(1990) + ": " + "f".repeat(63),
  ];
  for (const shape of shapes) {
    const text = Array.from({ length: Math.ceil((5 * 1024 * 1024) / 4096) }, () => shape).join(
      "\n",
    );
    const body = parseReleaseBody(text);
    const file = parseChecksumFile(text, "SHA256SUMS");
    assert.ok(body.warnings.length <= MAX_CHECKSUM_WARNINGS + 1);
    assert.ok(file.warnings.length <= MAX_CHECKSUM_WARNINGS + 1);
  }
  // A generous sanity bound: the point is that it finishes, not how fast.
  assert.ok(performance.now() - started < 30_000);
});

Deno.test("parseChecksumFile() keeps a bounded number of warnings", () => {
  const text = Array.from({ length: 1000 }, (_, i) => `${SHA1}  f${i}.tar.gz`).join("\n");
  const parse = parseChecksumFile(text, "SHA256SUMS");
  assert.equal(parse.warnings.length, MAX_CHECKSUM_WARNINGS + 1);
  assert.match(parse.warnings.at(-1)!.message, /^900 more warnings .* first on line 101/);
});
