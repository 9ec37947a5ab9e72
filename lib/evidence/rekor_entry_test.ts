import assert from "node:assert/strict";
import { encodeBase64, utf8 } from "../crypto/bytes.ts";
import { assembleDetachedBundle } from "./rekor_entry.ts";

function entryWithAlgorithm(algorithm: string) {
  const body = {
    apiVersion: "0.0.1",
    kind: "hashedrekord",
    spec: { data: { hash: { algorithm, value: "00" } }, signature: {} },
  };
  return {
    body: encodeBase64(utf8(JSON.stringify(body))),
    integratedTime: 1,
    logID: "ab",
    logIndex: 7,
  };
}

Deno.test("assembleDetachedBundle: a sha256 hint only for sha256 log entries", () => {
  const common = {
    signature: new Uint8Array([1]),
    certificateDer: new Uint8Array([2]),
    artifactSha256: new Uint8Array(32),
  };
  const sha256 = assembleDetachedBundle({ ...common, entry: entryWithAlgorithm("sha256") });
  assert.ok(sha256.ok);
  assert.equal(JSON.parse(sha256.value).messageSignature.messageDigest.algorithm, "SHA2_256");
  for (const algorithm of ["sha384", "sha512"]) {
    const other = assembleDetachedBundle({ ...common, entry: entryWithAlgorithm(algorithm) });
    assert.ok(other.ok);
    // A SHA2_256 messageDigest would contradict the log's algorithm; the verifier binds the
    // log's digest to the artifact itself.
    assert.equal(JSON.parse(other.value).messageSignature.messageDigest, undefined, algorithm);
  }
});
