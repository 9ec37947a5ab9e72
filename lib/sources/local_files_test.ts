import assert from "node:assert/strict";
import { decodeUtf8Text, readCappedText } from "./local_files.ts";
import { InputError } from "../errors.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const join = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => typeof p === "string" ? [...utf8(p)] : p));

Deno.test("decodeUtf8Text: UTF-8 is read as it is (a leading BOM dropped, a U+FFFD in the file kept)", () => {
  assert.equal(decodeUtf8Text(utf8('name = "é\u2028"\n'), "f", "lock file"), 'name = "é\u2028"\n');
  assert.equal(decodeUtf8Text(join([0xef, 0xbb, 0xbf], "a"), "f", "lock file"), "a");
  assert.equal(decodeUtf8Text(utf8("\ufffd"), "f", "lock file"), "\ufffd");
});

Deno.test("decodeUtf8Text: bytes UTF-8 does not allow are an error naming the file and the offset", () => {
  const cases: [Uint8Array, number][] = [
    [join("# ok\n", [0xff], "\n"), 5], // not a UTF-8 byte
    [join("ab", [0xc0, 0xaf]), 2], // overlong
    [join("abc", [0xed, 0xa0, 0x80]), 3], // a UTF-16 surrogate
    [join("a\ufffdb", [0xe2, 0x82]), 5], // cut short, after a real U+FFFD
    [join([0xef, 0xbb, 0xbf], "x", [0x80]), 4], // after a BOM
    [join("\u{1f600}", [0xf4, 0x90, 0x80, 0x80]), 4], // past U+10FFFF
  ];
  for (const [bytes, offset] of cases) {
    assert.throws(
      () => decodeUtf8Text(bytes, "Cargo.lock", "lock file"),
      (error: unknown) => {
        assert.ok(error instanceof InputError);
        assert.match(error.message, /Cargo\.lock/);
        assert.match(
          error.message,
          new RegExp(`not UTF-8 text: the lock file has bytes .* offset ${offset}$`),
        );
        return true;
      },
      `offset ${offset}`,
    );
  }
});

Deno.test("readCappedText refuses a file that is not UTF-8", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, join("version = 4\n# caf", [0xe9], "\n"));
    await assert.rejects(readCappedText(path, 1024, "lock file"), /offset 17/);
  } finally {
    await Deno.remove(path);
  }
});
