/**
 * One decode per certificate byte array: the key, identity and chain checks of a bundle all read
 * the same leaf. The cache is keyed by the byte array object itself (a WeakMap), so it lives
 * exactly as long as the bundle that holds those bytes; a re-parsed bundle is decoded afresh.
 * Callers must not mutate the result. The same goes for the certificate's public key
 * ({@link certificatePublicKey}) and for the raw encodings of its parts ({@link certificateParts}),
 * which are sliced from the DER as it was received instead of being encoded again.
 *
 * A certificate is decoded in two layers: its outline (the elements of Certificate and
 * TBSCertificate, their tags and order, checked here) and, with the `@peculiar/asn1-x509`
 * schemas, each part that is used: the signature algorithm, the names, the validity and the
 * extensions. Decoding those parts alone costs half of decoding the whole certificate with the
 * `Certificate` schema, and checks the same structure (the serial number's content, which nothing
 * uses, is the only part not decoded).
 * @module
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  type Extension,
  Extensions,
  Name,
  Validity,
} from "@peculiar/asn1-x509";
import { bytesEqual } from "./bytes.ts";
import { parsePublicKey, type PublicKeyMaterial } from "./signature.ts";

/** A certificate decoded as cargo-attest uses it. */
export interface DecodedCertificate {
  readonly parts: CertificateParts;
  /** The outer signatureAlgorithm (equal, byte for byte, to the one inside TBSCertificate). */
  readonly signatureAlgorithm: AlgorithmIdentifier;
  /** The signature: the BIT STRING's bytes (it must have no unused bits). */
  readonly signature: Uint8Array;
  readonly issuer: Name;
  readonly subject: Name;
  readonly validity: Validity;
  /** The extensions, in order (empty for a certificate without them). */
  readonly extensions: readonly Extension[];
}

const decoded = new WeakMap<Uint8Array, DecodedCertificate>();

/**
 * Decodes DER bytes as an X.509 v3 (or v1) certificate, once per byte array. Throws (an `Error`
 * saying what is wrong) for anything that is not one, trailing bytes included.
 */
export function parseAsnCertificate(der: Uint8Array): DecodedCertificate {
  let cert = decoded.get(der);
  if (!cert) {
    const parts = certificateParts(der);
    if (!bytesEqual(parts.tbsSignatureAlgorithm, parts.signatureAlgorithm)) {
      throw new Error("TBSCertificate signature algorithm differs from the outer one");
    }
    const bits = parts.signatureValue;
    const header = headerLength(bits);
    if (bits.length <= header || bits[header] !== 0) {
      throw new Error("signatureValue is not a BIT STRING of whole bytes");
    }
    cert = {
      parts,
      signatureAlgorithm: AsnConvert.parse(parts.signatureAlgorithm, AlgorithmIdentifier),
      signature: bits.subarray(header + 1),
      issuer: AsnConvert.parse(parts.issuer, Name),
      subject: AsnConvert.parse(parts.subject, Name),
      validity: AsnConvert.parse(parts.validity, Validity),
      extensions: parts.extensions
        ? [...AsnConvert.parse(contents(parts.extensions), Extensions)]
        : [],
    };
    decoded.set(der, cert);
  }
  return cert;
}

/** The DER encodings of a certificate's parts, as they appear in its bytes. */
export interface CertificateParts {
  /** TBSCertificate. */
  readonly tbs: Uint8Array;
  /** The outer signatureAlgorithm (AlgorithmIdentifier). */
  readonly signatureAlgorithm: Uint8Array;
  /** The signatureValue (BIT STRING). */
  readonly signatureValue: Uint8Array;
  /** TBSCertificate.signature (AlgorithmIdentifier): must equal the outer one. */
  readonly tbsSignatureAlgorithm: Uint8Array;
  /** The issuer Name. */
  readonly issuer: Uint8Array;
  /** The subject Name. */
  readonly subject: Uint8Array;
  /** Validity. */
  readonly validity: Uint8Array;
  /** SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** The `[3]` element holding the Extensions, when there is one. */
  readonly extensions?: Uint8Array;
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
    if (!whole || whole.length !== der.length || whole[0] !== SEQUENCE) {
      throw new RangeError("not one DER SEQUENCE");
    }
    const outer = derElements(contents(whole));
    if (
      outer.length !== 3 || outer[0][0] !== SEQUENCE || outer[1][0] !== SEQUENCE ||
      outer[2][0] !== BIT_STRING
    ) {
      throw new RangeError("a certificate is TBSCertificate, an algorithm and a BIT STRING");
    }
    const fields = derElements(contents(outer[0]));
    // [0] EXPLICIT version is optional (v1); the serial number follows it, or comes first.
    const at = fields[0]?.[0] === VERSION_TAG ? 1 : 0;
    const version = at ? fields[0] : undefined;
    if (version && !V2_OR_V3.some((v) => bytesEqual(version, v))) {
      throw new RangeError("the version is not v1, v2 or v3");
    }
    const expected = [INTEGER, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE, SEQUENCE];
    if (fields.length < at + 6 || expected.some((tag, i) => fields[at + i][0] !== tag)) {
      throw new RangeError("TBSCertificate's fields are not serial … subjectPublicKeyInfo");
    }
    // Then, in order and each at most once: issuerUniqueID [1], subjectUniqueID [2] (v2 and
    // v3 only), extensions [3] (v3 only, one SEQUENCE).
    let extensions: Uint8Array | undefined;
    let last = 0;
    for (const field of fields.slice(at + 6)) {
      const number = OPTIONAL_FIELDS[field[0]];
      if (number === undefined || number <= last || !version) {
        throw new RangeError("TBSCertificate has an unexpected field after its key");
      }
      last = number;
      if (number === 3) {
        if (version[version.length - 1] !== 2) {
          throw new RangeError("extensions in a v1/v2 certificate");
        }
        const inner = derElements(contents(field));
        if (inner.length !== 1 || inner[0][0] !== SEQUENCE) {
          throw new RangeError("extensions are not one SEQUENCE");
        }
        extensions = field;
      }
    }
    found = {
      tbs: outer[0],
      signatureAlgorithm: outer[1],
      signatureValue: outer[2],
      tbsSignatureAlgorithm: fields[at + 1],
      issuer: fields[at + 2],
      validity: fields[at + 3],
      subject: fields[at + 4],
      subjectPublicKeyInfo: fields[at + 5],
      ...(extensions ? { extensions } : {}),
    };
    parts.set(der, found);
  }
  return found;
}

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const VERSION_TAG = 0xa0;
/** `[0] EXPLICIT INTEGER` for v2 (1) and v3 (2); v1 is encoded by leaving the version out. */
const V2_OR_V3 = [
  new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x01]),
  new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x02]),
];
/** The optional TBSCertificate fields after the key, by tag: their context number. */
const OPTIONAL_FIELDS: Record<number, number> = { 0x81: 1, 0xa1: 1, 0x82: 2, 0xa2: 2, 0xa3: 3 };

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
