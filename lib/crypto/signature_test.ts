import assert from "node:assert/strict";
import { ecdsaDerToP1363 } from "./signature.ts";

const hex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (b) => parseInt(b, 16));

Deno.test("ecdsaDerToP1363() converts DER ECDSA-Sig-Value to r||s, left-padded to the curve", () => {
  // r = 0x80 (needs a leading zero), s = 0x01.
  assert.deepEqual(
    ecdsaDerToP1363(hex("3007020200800201" + "01"), 4),
    hex("00000080" + "00000001"),
  );
  const r = "7f".repeat(32);
  const s = "00" + "ff".repeat(32);
  assert.deepEqual(
    ecdsaDerToP1363(hex(`3045 0220${r} 0221${s}`.replace(/ /g, "")), 32),
    hex(r + "ff".repeat(32)),
  );
});

Deno.test("ecdsaDerToP1363() refuses everything that is not exactly DER", () => {
  const bad: Record<string, string> = {
    "not a SEQUENCE": "3106020101020101",
    "trailing bytes": "300602010102010100",
    "sequence length too long": "3007020101020101",
    "long form for a short length": "30810602010102010101",
    "negative integer": "3006020181020101",
    "needless leading zero": "300702020001020101",
    "empty integer": "30050200020101",
    "wider than the curve": "300702020101020101",
    "third integer": "3009020101020101020101",
    "not an INTEGER": "3006040101020101",
    empty: "",
  };
  for (const [why, der] of Object.entries(bad)) {
    assert.equal(ecdsaDerToP1363(hex(der), 1), undefined, why);
  }
});

Deno.test("parsePublicKey() classifies keys by their DER algorithm, and the rest by schema", async () => {
  const { parsePublicKey, UnsupportedKeyError } = await import("./signature.ts");
  for (
    const [params, algorithm] of [
      [{ name: "ECDSA", namedCurve: "P-256" }, "ecdsa-p256"],
      [{ name: "ECDSA", namedCurve: "P-384" }, "ecdsa-p384"],
      [{ name: "Ed25519" }, "ed25519"],
      [{
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      }, "rsa-pkcs1"],
    ] as const
  ) {
    const pair = await crypto.subtle.generateKey(
      params as EcKeyGenParams,
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
    assert.equal(parsePublicKey(spki).algorithm, algorithm);
    // Trailing bytes or a changed curve are not a known key: the schema path decides (and refuses).
    const trailing = new Uint8Array([...spki, 0]);
    assert.throws(() => parsePublicKey(trailing), UnsupportedKeyError);
  }
  const p256 = hex("301306072a8648ce3d020106082a8648ce3d030107");
  const otherCurve = hex("301306072a8648ce3d020106082a8648ce3d030106"); // prime239v3
  const point = new Uint8Array([0x03, 0x03, 0x00, 0x04, 0x01]);
  const spki = (alg: Uint8Array) =>
    new Uint8Array([0x30, alg.length + point.length, ...alg, ...point]);
  assert.equal(parsePublicKey(spki(p256)).algorithm, "ecdsa-p256");
  assert.throws(() => parsePublicKey(spki(otherCurve)), /unsupported EC curve/);
});

Deno.test("verifyPrehashed() checks an RSA PKCS#1 v1.5 signature against a digest of each hash", async () => {
  const { parsePublicKey, verifyPrehashed } = await import("./signature.ts");
  const message = new TextEncoder().encode("a .crate's digest, signed");
  for (const hash of ["SHA-256", "SHA-384", "SHA-512"] as const) {
    const pair = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash,
      },
      true,
      ["sign", "verify"],
    ) as CryptoKeyPair;
    const key = parsePublicKey(
      new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey)),
    );
    const signature = new Uint8Array(
      await crypto.subtle.sign("RSASSA-PKCS1-v1_5", pair.privateKey, message),
    );
    const digest = new Uint8Array(await crypto.subtle.digest(hash, message));
    assert.equal(await verifyPrehashed(key, digest, signature, hash), true, hash);
    // Another digest, a changed signature, or the digest named as another hash: refused.
    const other = digest.slice();
    other[0] ^= 1;
    assert.equal(await verifyPrehashed(key, other, signature, hash), false, `${hash}: digest`);
    const bent = signature.slice();
    bent[bent.length - 1] ^= 1;
    assert.equal(await verifyPrehashed(key, digest, bent, hash), false, `${hash}: signature`);
    const claimed = hash === "SHA-256" ? "SHA-512" : "SHA-256";
    assert.equal(
      await verifyPrehashed(key, digest, signature, claimed),
      false,
      `${hash} as ${claimed}`,
    );
  }
});
