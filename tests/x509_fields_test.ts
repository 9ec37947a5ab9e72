/**
 * The DER decoders of `lib/crypto/x509_fields.ts` against the `@peculiar/asn1-x509` schemas they
 * replaced on the verification path: for every certificate in the fixtures (the corpus' bundles
 * and trusted roots, the embedded roots), both must read the same algorithm, validity, names,
 * subjectAltName, basicConstraints and extKeyUsage. Plus the edges the schemas were lenient on.
 */
import assert from "node:assert/strict";
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  BasicConstraints,
  ExtendedKeyUsage,
  Name,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  Validity,
} from "@peculiar/asn1-x509";
import { certificateParts, parseAsnCertificate } from "../lib/crypto/asn1_certificate.ts";
import { encodeHex } from "../lib/crypto/bytes.ts";
import { DerError } from "../lib/crypto/der.ts";
import {
  decodeAlgorithmId,
  decodeBasicConstraints,
  decodeExtKeyUsage,
  decodeGeneralNames,
  decodeKeyUsage,
  decodeName,
  decodeSignatureAlgorithm,
  decodeSpki,
  decodeValidity,
  encodeSpkiWithNullParameters,
} from "../lib/crypto/x509_fields.ts";

/** Every DER certificate found as a base64 `rawBytes` in the JSON files under `dir`. */
async function certificatesUnder(dir: URL, out: Map<string, Uint8Array>): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) await certificatesUnder(url, out);
    else if (entry.name.endsWith(".json")) {
      let json: unknown;
      try {
        json = JSON.parse(await Deno.readTextFile(url));
      } catch {
        continue;
      }
      const walk = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === "object") {
          for (const [k, x] of Object.entries(v)) {
            if (k === "rawBytes" && typeof x === "string") {
              try {
                const der = Uint8Array.fromBase64(x);
                certificateParts(der);
                out.set(encodeHex(der), der);
              } catch {
                // not a certificate (a key, a signature)
              }
            } else walk(x);
          }
        }
      };
      walk(json);
    }
  }
}

const certificates = new Map<string, Uint8Array>();
await certificatesUnder(new URL("./fixtures/corpus/", import.meta.url), certificates);
await certificatesUnder(new URL("../roots/", import.meta.url), certificates);

/** A Name as the schema read it: per RDN, per attribute, the type and the string or hex. */
function schemaName(name: Name): string[][] {
  return [...name].map((rdn) =>
    [...rdn].map((atv) => {
      const v = atv.value;
      const text = v.utf8String ?? v.printableString ?? v.ia5String ?? v.bmpString ??
        v.teletexString ?? v.universalString;
      return `${atv.type}=${text ?? "#" + encodeHex(new Uint8Array(v.anyValue ?? []))}`;
    })
  );
}

function ourName(der: Uint8Array): string[][] {
  return decodeName(der).map((rdn) =>
    rdn.map((atv) => `${atv.type}=${atv.value.text ?? "#" + encodeHex(atv.value.bytes)}`)
  );
}

Deno.test("x509 fields: the fixtures hold certificates to compare", () => {
  assert.ok(certificates.size >= 20, `only ${certificates.size} certificates found`);
});

Deno.test("x509 fields: every fixture certificate reads as the schemas read it", () => {
  for (const der of certificates.values()) {
    const parts = certificateParts(der);
    const alg = AsnConvert.parse(parts.signatureAlgorithm, AlgorithmIdentifier);
    const ours = decodeAlgorithmId(parts.signatureAlgorithm);
    assert.equal(ours.algorithm, alg.algorithm);
    // Every real certificate's signature algorithm passes the stricter reading.
    assert.deepEqual(decodeSignatureAlgorithm(parts.signatureAlgorithm), ours);
    assert.equal(
      ours.parameters && !(ours.parameters[0] === 5 && ours.parameters.length === 2)
        ? encodeHex(ours.parameters)
        : undefined,
      alg.parameters ? encodeHex(new Uint8Array(alg.parameters)) : undefined,
    );
    const validity = AsnConvert.parse(parts.validity, Validity);
    const v = decodeValidity(parts.validity);
    assert.equal(v.notBefore.getTime(), validity.notBefore.getTime().getTime());
    assert.equal(v.notAfter.getTime(), validity.notAfter.getTime().getTime());
    assert.deepEqual(ourName(parts.issuer), schemaName(AsnConvert.parse(parts.issuer, Name)));
    assert.deepEqual(ourName(parts.subject), schemaName(AsnConvert.parse(parts.subject, Name)));
    const spki = AsnConvert.parse(parts.subjectPublicKeyInfo, SubjectPublicKeyInfo);
    assert.deepEqual(
      decodeSpki(parts.subjectPublicKeyInfo).publicKey,
      new Uint8Array(spki.subjectPublicKey),
    );
    for (const ext of parseAsnCertificate(der).extensions) {
      if (ext.extnID === "2.5.29.17") {
        const names = AsnConvert.parse(ext.value, SubjectAlternativeName);
        const ourSan = decodeGeneralNames(ext.value);
        assert.equal(ourSan.length, names.length);
        names.forEach((n, i) => {
          const o = ourSan[i];
          if (n.uniformResourceIdentifier !== undefined) {
            assert.deepEqual(o, { kind: "uri", text: n.uniformResourceIdentifier });
          } else if (n.rfc822Name !== undefined) {
            assert.deepEqual(o, { kind: "rfc822Name", text: n.rfc822Name });
          } else if (n.dNSName !== undefined) {
            assert.deepEqual(o, { kind: "dNSName", text: n.dNSName });
          } else if (n.otherName !== undefined) {
            assert.equal(o.kind, "otherName");
            assert.deepEqual(
              o.kind === "otherName" ? [o.typeId, o.value] : [],
              [n.otherName.typeId, new Uint8Array(n.otherName.value)],
            );
          }
        });
      } else if (ext.extnID === "2.5.29.19") {
        const bc = AsnConvert.parse(ext.value, BasicConstraints);
        const ours = decodeBasicConstraints(ext.value);
        assert.equal(ours.cA, bc.cA);
        assert.equal(ours.pathLenConstraint, bc.pathLenConstraint);
      } else if (ext.extnID === "2.5.29.37") {
        assert.deepEqual(decodeExtKeyUsage(ext.value), [
          ...AsnConvert.parse(ext.value, ExtendedKeyUsage),
        ]);
      }
    }
  }
});

const hex = (text: string) => Uint8Array.fromHex(text.replaceAll(" ", ""));

/** One DER element (lengths up to 255). */
function tlv(tag: number, ...parts: (Uint8Array | string)[]): Uint8Array {
  const bytes = parts.map((p) => typeof p === "string" ? new TextEncoder().encode(p) : p);
  const length = bytes.reduce((n, p) => n + p.length, 0);
  const header = length < 0x80 ? [tag, length] : [tag, 0x81, length];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const p of bytes) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const oid = (text: string) => hex(text);

Deno.test("x509 fields: times follow RFC 5280 (UTCTime years 50–99 are 19xx, 2050 on GeneralizedTime, whole seconds, real dates only)", () => {
  const validity = (a: Uint8Array, b: Uint8Array) => decodeValidity(tlv(0x30, a, b));
  const utc = (t: string) => tlv(0x17, t);
  const gen = (t: string) => tlv(0x18, t);
  const v = validity(utc("490101000000Z"), gen("20500101000000Z"));
  assert.equal(v.notBefore.toISOString(), "2049-01-01T00:00:00.000Z");
  assert.equal(v.notAfter.toISOString(), "2050-01-01T00:00:00.000Z");
  // RFC 5280 4.1.2.5: UTCTime through 2049, and no fractional seconds.
  assert.throws(() => validity(utc("490101000000Z"), gen("20500101000000.5Z")), DerError);
  assert.throws(() => validity(gen("20491231235959Z"), gen("20500101000000Z")), DerError);
  assert.equal(
    validity(utc("500101000000Z"), utc("991231235959Z")).notBefore.getUTCFullYear(),
    1950,
  );
  assert.throws(() => validity(utc("241301000000Z"), utc("250101000000Z")), DerError);
  assert.throws(() => validity(utc("2401010000Z"), utc("250101000000Z")), DerError);
  assert.throws(() => validity(utc("240101000000+0100"), utc("250101000000Z")), DerError);
  assert.throws(() => validity(tlv(0x04, "x"), utc("250101000000Z")), DerError);
});

Deno.test("x509 fields: a Name's strings are read as asn1js reads them, other values as bytes", () => {
  const cn = oid("06 03 55 04 03");
  const atv = (type: Uint8Array, value: Uint8Array) => tlv(0x31, tlv(0x30, type, value));
  const name = decodeName(tlv(
    0x30,
    atv(cn, tlv(0x0c, "é!")),
    atv(oid("06 03 55 04 0a"), tlv(0x1e, hex("00 41"))),
    atv(oid("06 03 55 04 0b"), tlv(0x02, hex("05"))),
  ));
  assert.equal(name[0][0].type, "2.5.4.3");
  assert.equal(name[0][0].value.text, "é!");
  assert.equal(name[1][0].value.text, "A");
  assert.equal(name[2][0].value.kind, "any");
  assert.deepEqual(name[2][0].value.bytes, hex("02 01 05"));
  // Strings that are not what their type says are rejected (as Go's crypto/x509 does), where
  // asn1js read them byte by byte: not UTF-8, PrintableString '@', IA5 non-ASCII, odd BMP.
  for (
    const bad of [
      tlv(0x0c, hex("ff 41 42")),
      tlv(0x13, "a@b"),
      tlv(0x16, hex("e9")),
      tlv(0x1e, hex("00 41 00")),
      tlv(0x1c, hex("00 00 41")),
    ]
  ) {
    assert.throws(() => decodeName(tlv(0x30, atv(cn, bad))), DerError);
  }
  assert.equal(
    decodeName(tlv(0x30, atv(cn, tlv(0x13, "*.AT&T")))).at(0)?.at(0)?.value.text,
    "*.AT&T",
  );
  // The schema reads them alike.
  const schema = schemaName(AsnConvert.parse(tlv(0x30, atv(cn, tlv(0x0c, "é!"))), Name));
  assert.deepEqual(schema, [["2.5.4.3=é!"]]);
  assert.throws(() => decodeName(tlv(0x30, tlv(0x30, cn))), DerError); // an RDN is a SET
  assert.throws(() => decodeName(tlv(0x30, tlv(0x31))), DerError); // and never empty
  assert.throws(() => decodeGeneralNames(tlv(0x30)), DerError);
  assert.throws(() => decodeExtKeyUsage(tlv(0x30)), DerError);
});

Deno.test("x509 fields: subjectAltName entries by their CHOICE", () => {
  const san = decodeGeneralNames(tlv(
    0x30,
    tlv(0x86, "https://x/y"),
    tlv(0x87, hex("0a 00 00 01")),
    tlv(0xa3),
    tlv(0x88, hex("2a 03")),
    tlv(0x81, "a@b"),
  ));
  assert.deepEqual(san, [
    { kind: "uri", text: "https://x/y" },
    { kind: "iPAddress", text: "10.0.0.1" },
    { kind: "other", tag: 0xa3 },
    { kind: "registeredID", oid: "1.2.3" },
    { kind: "rfc822Name", text: "a@b" },
  ]);
  // otherName: type-id and the value inside [0].
  const value = tlv(0x0c, "abc");
  const other = decodeGeneralNames(tlv(0x30, tlv(0xa0, oid("06 03 2a 03 04"), tlv(0xa0, value))));
  assert.deepEqual(other, [{ kind: "otherName", typeId: "1.2.3.4", value }]);
  assert.throws(() => decodeGeneralNames(tlv(0x30, tlv(0xa0, oid("06 03 2a 03 04")))), DerError);
  // IA5String names are ASCII, a URI without control characters; an iPAddress is 4 or 16 octets.
  for (
    const bad of [
      tlv(0x86, hex("68 00")),
      tlv(0x86, hex("68 0a")),
      tlv(0x86, hex("68 e9")),
      tlv(0x82, hex("80")),
      tlv(0x81, hex("ff")),
      tlv(0x87, hex("0a 00 01")),
    ]
  ) {
    assert.throws(() => decodeGeneralNames(tlv(0x30, bad)), DerError);
  }
});

Deno.test("x509 fields: a signature algorithm's parameters are none (ECDSA, Ed25519) or NULL (RSA)", () => {
  const ecdsa = "06 08 2a 86 48 ce 3d 04 03 02";
  const rsa = "06 09 2a 86 48 86 f7 0d 01 01 0b";
  assert.deepEqual(decodeSignatureAlgorithm(tlv(0x30, hex(ecdsa))), {
    algorithm: "1.2.840.10045.4.3.2",
  });
  assert.equal(
    decodeSignatureAlgorithm(tlv(0x30, hex(rsa + " 05 00"))).algorithm,
    "1.2.840.113549.1.1.11",
  );
  assert.throws(() => decodeSignatureAlgorithm(tlv(0x30, hex(ecdsa + " 05 00"))), DerError);
  assert.throws(() => decodeSignatureAlgorithm(tlv(0x30, hex("06 03 2b 65 70 05 00"))), DerError);
  assert.throws(() => decodeSignatureAlgorithm(tlv(0x30, hex(rsa + " 02 01 00"))), DerError);
});

Deno.test("x509 fields: basicConstraints, extKeyUsage, and the SPKI a PKCS#1 key is wrapped in", () => {
  assert.deepEqual(decodeBasicConstraints(hex("30 00")), { cA: false });
  assert.deepEqual(decodeBasicConstraints(hex("30 06 01 01 ff 02 01 00")), {
    cA: true,
    pathLenConstraint: 0,
  });
  assert.throws(() => decodeBasicConstraints(hex("30 03 04 01 00")), DerError);
  // DER never encodes the DEFAULT cA FALSE; pathLenConstraint is INTEGER (0..MAX).
  assert.throws(() => decodeBasicConstraints(hex("30 03 01 01 00")), DerError);
  assert.throws(() => decodeBasicConstraints(hex("30 03 02 01 ff")), DerError);
  assert.deepEqual(decodeExtKeyUsage(hex("30 05 06 03 2b 06 01")), ["1.3.6.1"]);
  const ku = decodeKeyUsage(hex("03 02 01 06"));
  assert.deepEqual([0, 5, 6, 7, 8].map(ku), [false, true, true, false, false]);
  // A DER BIT STRING: 0..7 unused bits, none without bits, and those bits zero.
  assert.equal(decodeKeyUsage(hex("03 01 00"))(0), false);
  const bads = ["03 02 08 80", "03 02 07 81", "03 01 01", "04 02 07 80", "03 00", "03 02 00 80"];
  for (const bad of [...bads, "03 03 07 80 00", "03 02 01 04"]) {
    assert.throws(() => decodeKeyUsage(hex(bad)), DerError, bad);
  }
  const key = new Uint8Array(300).fill(7);
  const oid = hex("06 09 2a 86 48 86 f7 0d 01 01 01");
  const spki = encodeSpkiWithNullParameters(oid, key);
  const schema = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  assert.equal(schema.algorithm.algorithm, "1.2.840.113549.1.1.1");
  assert.deepEqual(new Uint8Array(schema.subjectPublicKey), key);
  assert.deepEqual(decodeSpki(spki).publicKey, key);
  // A key is whole octets: a BIT STRING with unused bits is refused.
  const odd = spki.slice();
  odd[odd.length - key.length - 1] = 1;
  assert.throws(() => decodeSpki(odd), DerError);
});
