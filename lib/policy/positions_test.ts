import assert from "node:assert/strict";
import { findSpan, pathKey, scanTomlPositions } from "./positions.ts";

const TEXT = [
  "# [not] a header",
  "version = 1 # trailing [comment]",
  "",
  "[defaults]",
  'require = ["checksum",',
  '  # a comment inside the array ["x"]',
  '  "attestation"]',
  'notes = """',
  "a = [ ] # not a key",
  '"""',
  "",
  '[[repo."o/r".signer]]',
  'workflow = "o/r/.github/workflows/release.yml"',
  "",
  '[[repo."o/r".signer]]',
  "san = 'x@y'",
  "",
  "[crate.serde]",
  'signer = [{ workflow = "a/b/.github/workflows/c.yml" }, { san = "é" }]',
  "",
  "[[exception]]",
  'crate.name = "dotted"',
  "[[exception]]",
  '  reason   =   "indented"',
].join("\n");

Deno.test("scanTomlPositions() records keys, values and headers by JSON-pointer path", () => {
  const positions = scanTomlPositions(TEXT);
  const get = (...path: string[]) => positions.get(pathKey(path));
  assert.deepEqual(get("version")?.key, { line: 2, col: 1, length: 7 });
  assert.deepEqual(get("version")?.value, { line: 2, col: 11, length: 1 });
  assert.deepEqual(get("defaults")?.header, { line: 4, col: 1, length: 10 });
  assert.deepEqual(get("defaults", "require", "0")?.value, { line: 5, col: 12, length: 10 });
  assert.deepEqual(get("defaults", "require", "1")?.value, { line: 7, col: 3, length: 13 });
  assert.equal(get("defaults", "a"), undefined, "a multi-line string is not scanned for keys");
  assert.deepEqual(get("repo", "o/r")?.key, { line: 12, col: 8, length: 5 });
  assert.deepEqual(get("repo", "o/r", "signer", "0")?.header, { line: 12, col: 1, length: 21 });
  assert.deepEqual(get("repo", "o/r", "signer", "0", "workflow")?.key, {
    line: 13,
    col: 1,
    length: 8,
  });
  assert.deepEqual(get("repo", "o/r", "signer", "1")?.header, { line: 15, col: 1, length: 21 });
  assert.deepEqual(get("repo", "o/r", "signer", "1", "san")?.value, {
    line: 16,
    col: 7,
    length: 5,
  });
  assert.deepEqual(get("crate", "serde", "signer", "0", "workflow")?.key, {
    line: 19,
    col: 13,
    length: 8,
  });
  assert.deepEqual(get("crate", "serde", "signer", "1")?.value, {
    line: 19,
    col: 57,
    length: 13,
  });
  assert.deepEqual(get("exception", "0", "crate", "name")?.key, { line: 22, col: 7, length: 4 });
  assert.deepEqual(get("exception", "1", "reason")?.key, { line: 24, col: 3, length: 6 });
  assert.deepEqual(get("exception", "1", "reason")?.value, { line: 24, col: 16, length: 10 });
});

Deno.test("scanTomlPositions() handles CRLF line ends and literal strings", () => {
  const positions = scanTomlPositions("version = 1\r\n[defaults]\r\nrekor = 'required'\r\n");
  assert.deepEqual(positions.get(pathKey(["defaults", "rekor"]))?.value, {
    line: 3,
    col: 9,
    length: 10,
  });
});

Deno.test("findSpan() falls back to the nearest ancestor, then to the start of the file", () => {
  const positions = scanTomlPositions(TEXT);
  assert.deepEqual(findSpan(positions, ["defaults", "missing"], "key"), {
    line: 4,
    col: 2,
    length: 8,
  });
  assert.deepEqual(findSpan(positions, ["defaults", "missing"], "header"), {
    line: 4,
    col: 1,
    length: 10,
  });
  assert.deepEqual(findSpan(positions, ["nowhere"]), { line: 1, col: 1, length: 0 });
  assert.deepEqual(findSpan(positions, ["repo", "o/r", "signer", "1"], "header"), {
    line: 15,
    col: 1,
    length: 21,
  });
});
