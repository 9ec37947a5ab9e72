/**
 * One ASN.1 parse per certificate byte array: the key, identity and chain checks of a bundle
 * all read the same leaf, and parsing it costs about a millisecond each time. The cache is keyed
 * by the byte array object itself (a WeakMap), so it lives exactly as long as the bundle that
 * holds those bytes; a re-parsed bundle is parsed afresh. Callers must not mutate the result.
 * The same goes for the certificate's public key ({@link certificatePublicKey}) and for the raw
 * encodings of its parts ({@link certificateParts}), which are sliced from the DER as it was
 * received instead of being encoded again from the parsed schema.
 * @module
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { parsePublicKey, type PublicKeyMaterial } from "./signature.ts";

const parsed = new WeakMap<Uint8Array, Certificate>();

/** Parses DER bytes as an X.509 Certificate (throws on malformed input), once per byte array. */
export function parseAsnCertificate(der: Uint8Array): Certificate {
  let cert = parsed.get(der);
  if (!cert) {
    cert = AsnConvert.parse(der, Certificate);
    parsed.set(der, cert);
  }
  return cert;
}

/** The DER encodings of a certificate's parts, as they appear in its bytes. */
export interface CertificateParts {
  /** TBSCertificate. */
  readonly tbs: Uint8Array;
  /** The outer signatureAlgorithm (AlgorithmIdentifier). */
  readonly signatureAlgorithm: Uint8Array;
  /** TBSCertificate.signature (AlgorithmIdentifier): must equal the outer one. */
  readonly tbsSignatureAlgorithm: Uint8Array;
  /** The issuer Name. */
  readonly issuer: Uint8Array;
  /** The subject Name. */
  readonly subject: Uint8Array;
  /** SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
}

const parts = new WeakMap<Uint8Array, CertificateParts>();

/**
 * The raw DER of a certificate's parts (see {@link CertificateParts}), once per byte array.
 * Throws `RangeError` when `der` is not a DER certificate's outline (a SEQUENCE of TBS,
 * algorithm and signature, the TBS with at least version-or-serial … SubjectPublicKeyInfo).
 */
export function certificateParts(der: Uint8Array): CertificateParts {
  let found = parts.get(der);
  if (!found) {
    const [whole] = derElements(der);
    if (!whole || whole.length !== der.length) throw new RangeError("not one DER element");
    const outer = derElements(contents(whole));
    if (outer.length !== 3) throw new RangeError("a certificate has three parts");
    const fields = derElements(contents(outer[0]));
    // [0] EXPLICIT version is optional: the serial number follows it, or comes first.
    const at = fields[0]?.[0] === 0xa0 ? 1 : 0;
    if (fields.length < at + 6) throw new RangeError("TBSCertificate is too short");
    found = {
      tbs: outer[0],
      signatureAlgorithm: outer[1],
      tbsSignatureAlgorithm: fields[at + 1],
      issuer: fields[at + 2],
      subject: fields[at + 4],
      subjectPublicKeyInfo: fields[at + 5],
    };
    parts.set(der, found);
  }
  return found;
}

const keys = new WeakMap<Uint8Array, PublicKeyMaterial>();

/**
 * The public key of the certificate `der` (its SubjectPublicKeyInfo classified), once per byte
 * array. Throws {@link UnsupportedKeyError} for a key cargo-attest cannot use, `RangeError` for
 * bytes that are not a certificate.
 */
export function certificatePublicKey(der: Uint8Array): PublicKeyMaterial {
  let key = keys.get(der);
  if (!key) {
    key = parsePublicKey(certificateParts(der).subjectPublicKeyInfo);
    keys.set(der, key);
  }
  return key;
}

/** The contents of a DER element (after its tag and length). */
function contents(element: Uint8Array): Uint8Array {
  return element.subarray(headerLength(element));
}

function headerLength(element: Uint8Array): number {
  const first = element[1];
  return first < 0x80 ? 2 : 2 + (first & 0x7f);
}

/**
 * Splits `bytes` into consecutive DER elements (tag, definite length, contents), each returned
 * whole. Low tag numbers only and lengths of up to four octets, as certificates use; anything
 * else (including an element running past the end) is a `RangeError`.
 */
function derElements(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length || (bytes[at] & 0x1f) === 0x1f) throw new RangeError("bad DER tag");
    const first = bytes[at + 1];
    let length = first;
    let header = 2;
    if (first >= 0x80) {
      const octets = first & 0x7f;
      if (octets === 0 || octets > 4 || at + 2 + octets > bytes.length) {
        throw new RangeError("bad DER length");
      }
      length = 0;
      for (let i = 0; i < octets; i++) length = length * 256 + bytes[at + 2 + i];
      header += octets;
    }
    const end = at + header + length;
    if (end > bytes.length) throw new RangeError("a DER element runs past its parent");
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}
