import assert from "node:assert/strict";
import { CanonicalJsonError, encodeCanonicalJson } from "./canonical_json.ts";

Deno.test('encodeCanonicalJson() sorts keys by code point, drops whitespace, escapes only \\ and "', () => {
  assert.equal(
    encodeCanonicalJson({ b: [1, true, null], a: 'x"y\\z\n', "é": {}, Z: -3 }),
    '{"Z":-3,"a":"x\\"y\\\\z\n","b":[1,true,null],"é":{}}',
  );
});

Deno.test("encodeCanonicalJson() orders astral characters after BMP ones, as Python does", () => {
  // UTF-16 order would put U+1F600 (a surrogate pair, 0xD83D…) before U+FF01.
  assert.equal(encodeCanonicalJson({ "\u{1F600}": 1, "\uFF01": 2 }), '{"！":2,"😀":1}');
});

Deno.test("encodeCanonicalJson() refuses what canonical JSON cannot say", () => {
  assert.throws(() => encodeCanonicalJson({ a: 1.5 }), CanonicalJsonError);
  assert.throws(() => encodeCanonicalJson([undefined]), CanonicalJsonError);
});
