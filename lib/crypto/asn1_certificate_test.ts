import assert from "node:assert/strict";
import { certificateParts, certificatePublicKey, parseAsnCertificate } from "./asn1_certificate.ts";
import { concatBytes, decodeBase64 } from "./bytes.ts";

const concat = (parts: Uint8Array[]) => concatBytes(...parts);

const bundle = JSON.parse(
  await Deno.readTextFile(
    new URL("../../tests/fixtures/demo/sigstore-2.1.0.tgz.sigstore.json", import.meta.url),
  ),
);
const LEAF = decodeBase64(bundle.verificationMaterial.certificate.rawBytes);

Deno.test("parseAsnCertificate() decodes a Fulcio leaf: names, validity, extensions, signature", () => {
  const cert = parseAsnCertificate(LEAF);
  assert.equal(cert.signatureAlgorithm.algorithm, "1.2.840.10045.4.3.3");
  assert.ok(cert.validity.notAfter.getTime() > cert.validity.notBefore.getTime());
  assert.ok(cert.extensions.some((e) => e.extnID === "2.5.29.17"), "SubjectAlternativeName");
  assert.ok(cert.issuer.length > 0 && cert.subject.length === 0, "Fulcio leaves have no subject");
  assert.ok(cert.signature.length > 64 && cert.signature[0] === 0x30, "a DER ECDSA signature");
  assert.equal(certificatePublicKey(LEAF).algorithm, "ecdsa-p256");
  assert.equal(parseAsnCertificate(LEAF), cert, "once per byte array");
});

/** The leaf with its outermost SEQUENCE rebuilt around `tbs` (lengths fixed up). */
function withTbs(change: (fields: Uint8Array[]) => Uint8Array[]): Uint8Array {
  const parts = certificateParts(LEAF);
  const fields = elements(contents(parts.tbs));
  const tbs = tlv(0x30, concat(change(fields)));
  return tlv(0x30, concat([tbs, parts.signatureAlgorithm, parts.signatureValue]));
}

Deno.test("certificateParts() refuses what is not a certificate's outline", () => {
  const parts = certificateParts(LEAF);
  const cases: Record<string, Uint8Array> = {
    "trailing bytes": concat([LEAF, new Uint8Array([0])]),
    "truncated": LEAF.subarray(0, LEAF.length - 1),
    "no signature": tlv(0x30, concat([parts.tbs, parts.signatureAlgorithm])),
    "signature as OCTET STRING": tlv(
      0x30,
      concat([parts.tbs, parts.signatureAlgorithm, tlv(0x04, contents(parts.signatureValue))]),
    ),
    "v1 with extensions": withTbs((f) => f.slice(1)),
    "version v4": withTbs((f) => [new Uint8Array([0xa0, 3, 2, 1, 3]), ...f.slice(1)]),
    "extensions twice": withTbs((f) => [...f, f[f.length - 1]]),
    "serial not an INTEGER": withTbs((f) => [f[0], tlv(0x04, contents(f[1])), ...f.slice(2)]),
  };
  for (const [why, der] of Object.entries(cases)) {
    assert.throws(() => certificateParts(der), RangeError, why);
    assert.throws(() => parseAsnCertificate(der), why);
  }
  // Same tags, wrong content: the outline passes, the schemas of the parts do not.
  const swapped = withTbs((f) => [f[0], f[1], f[2], f[4], f[3], ...f.slice(5)]);
  assert.doesNotThrow(() => certificateParts(swapped));
  assert.throws(() => parseAsnCertificate(swapped), "issuer and validity swapped");
  // The rebuilt leaf itself (nothing changed) is accepted: the helpers are right.
  assert.doesNotThrow(() => parseAsnCertificate(withTbs((f) => f)));
});

Deno.test("parseAsnCertificate() refuses a signature algorithm that differs inside and out", () => {
  const sha256 = new Uint8Array([0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 4, 3, 2]);
  const parts = certificateParts(LEAF);
  const der = tlv(0x30, concat([parts.tbs, sha256, parts.signatureValue]));
  assert.throws(() => parseAsnCertificate(der), /differs/);
});

function contents(element: Uint8Array): Uint8Array {
  return element.subarray(element[1] < 0x80 ? 2 : 2 + (element[1] & 0x7f));
}

function elements(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const header = bytes[at + 1] < 0x80 ? 2 : 2 + (bytes[at + 1] & 0x7f);
    let length = bytes[at + 1];
    if (length >= 0x80) {
      length = 0;
      for (let i = 2; i < header; i++) length = length * 256 + bytes[at + i];
    }
    out.push(bytes.subarray(at, at + header + length));
    at += header + length;
  }
  return out;
}

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return concat([new Uint8Array([tag, ...length]), body]);
}

Deno.test("parseAsnCertificate() reads extensions strictly: id, DER BOOLEAN, OCTET STRING", () => {
  const oid = new Uint8Array([0x06, 0x03, 0x55, 0x1d, 0x13]); // 2.5.29.19 basicConstraints
  const value = tlv(0x04, new Uint8Array([0x30, 0x00]));
  const withExtensions = (...extensions: Uint8Array[]) =>
    withTbs((f) => [...f.slice(0, -1), tlv(0xa3, tlv(0x30, concat(extensions)))]);
  const ext = (...fields: Uint8Array[]) => tlv(0x30, concat(fields));
  const critical = parseAsnCertificate(
    withExtensions(ext(oid, new Uint8Array([0x01, 0x01, 0xff]), value)),
  );
  assert.deepEqual(critical.extensions.map((e) => [e.extnID, e.critical, e.value.length]), [
    ["2.5.29.19", true, 2],
  ]);
  const bad: Record<string, Uint8Array> = {
    // X.690 11.5: critical's DEFAULT FALSE is never encoded in DER.
    "explicit FALSE": withExtensions(ext(oid, new Uint8Array([0x01, 0x01, 0x00]), value)),
    "BOOLEAN 0x01": withExtensions(ext(oid, new Uint8Array([0x01, 0x01, 0x01]), value)),
    "no value": withExtensions(ext(oid)),
    "value not an OCTET STRING": withExtensions(ext(oid, tlv(0x03, new Uint8Array([0, 1])))),
    "a field too many": withExtensions(ext(oid, value, value)),
    "no extensions in the list": withExtensions(),
    "id not an OID": withExtensions(ext(tlv(0x04, new Uint8Array([0x55])), value)),
  };
  for (const [why, der] of Object.entries(bad)) {
    assert.throws(() => parseAsnCertificate(der), RangeError, why);
  }
});
