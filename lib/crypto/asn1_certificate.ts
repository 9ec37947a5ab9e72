/**
 * One decode per certificate byte array: the key, identity and chain checks of a bundle all read
 * the same leaf. The cache is keyed by the byte array object itself (a WeakMap), so it lives
 * exactly as long as the bundle that holds those bytes; a re-parsed bundle is decoded afresh.
 * Callers must not mutate the result. The same goes for the certificate's public key
 * ({@link certificatePublicKey}) and for the raw encodings of its parts ({@link certificateParts}),
 * which are sliced from the DER as it was received instead of being encoded again.
 *
 * A certificate is decoded in two layers: its outline (the elements of Certificate and
 * TBSCertificate, their tags and order, and each extension's id, criticality and value, read
 * with the strict reader of `der.ts`) and, with the decoders of `x509_fields.ts`, each other
 * part that is used: the signature algorithm, the names and the validity (extension values are
 * decoded by whoever uses them). That is a fraction of the cost of decoding the whole
 * certificate with a schema, and checks the same structure (the serial number is checked to be a minimal, non-negative
 * INTEGER, and not read further).
 * @module
 */
import {
  derChildren,
  type DerNode,
  parseDerNode,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_SEQUENCE,
} from "./der.ts";
import { bytesEqual } from "./bytes.ts";
import { parsePublicKey, type PublicKeyMaterial } from "./signature.ts";
import {
  type AlgorithmId,
  type CertificateExtension,
  checkUniqueIdentifier,
  type DecodedName,
  type DecodedValidity,
  decodeExtensions,
  decodeName,
  decodeSerialNumber,
  decodeSignatureAlgorithm,
  decodeValidity,
} from "./x509_fields.ts";

/** A certificate decoded as cargo-attest uses it. */
export interface DecodedCertificate {
  readonly parts: CertificateParts;
  /** The outer signatureAlgorithm (equal, byte for byte, to the one inside TBSCertificate). */
  readonly signatureAlgorithm: AlgorithmId;
  /** The signature: the BIT STRING's bytes (it must have no unused bits). */
  readonly signature: Uint8Array;
  readonly issuer: DecodedName;
  readonly subject: DecodedName;
  readonly validity: DecodedValidity;
  /** The extensions, in order (empty for a certificate without them). */
  readonly extensions: readonly CertificateExtension[];
}

export type { CertificateExtension };

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
    decodeSerialNumber(parts.serialNumber);
    cert = {
      parts,
      signatureAlgorithm: decodeSignatureAlgorithm(parts.signatureAlgorithm),
      signature: signatureBytes(parts),
      issuer: decodeName(parts.issuer),
      subject: decodeName(parts.subject),
      validity: decodeValidity(parts.validity),
      extensions: parts.extensions ? read(() => decodeExtensions(parts.extensions!)) : [],
    };
    decoded.set(der, cert);
  }
  return cert;
}

/**
 * The signature of a certificate: the bytes of its signatureValue BIT STRING, which must have no
 * unused bits. Throws `RangeError` otherwise.
 */
export function signatureBytes(parts: CertificateParts): Uint8Array {
  const bits = read(() => parseDerNode(parts.signatureValue)).value;
  if (bits.length < 2 || bits[0] !== 0) {
    throw new RangeError("signatureValue is not a BIT STRING of whole bytes");
  }
  return bits.subarray(1);
}

/** The DER encodings of a certificate's parts, as they appear in its bytes. */
export interface CertificateParts {
  /** TBSCertificate. */
  readonly tbs: Uint8Array;
  /** The outer signatureAlgorithm (AlgorithmIdentifier). */
  readonly signatureAlgorithm: Uint8Array;
  /** The signatureValue (BIT STRING). */
  readonly signatureValue: Uint8Array;
  /** The serialNumber (INTEGER). */
  readonly serialNumber: Uint8Array;
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
    found = outline(der);
    parts.set(der, found);
  }
  return found;
}

function outline(der: Uint8Array): CertificateParts {
  const whole = read(() => parseDerNode(der));
  if (whole.tag !== TAG_SEQUENCE) throw new RangeError("not one DER SEQUENCE");
  const outer = read(() => derChildren(whole));
  if (
    outer.length !== 3 || outer[0].tag !== TAG_SEQUENCE || outer[1].tag !== TAG_SEQUENCE ||
    outer[2].tag !== TAG_BIT_STRING
  ) {
    throw new RangeError("a certificate is TBSCertificate, an algorithm and a BIT STRING");
  }
  const fields = read(() => derChildren(outer[0]));
  // [0] EXPLICIT version is optional (v1); the serial number follows it, or comes first.
  const version = fields[0]?.tag === VERSION_TAG ? fields[0] : undefined;
  const at = version ? 1 : 0;
  if (version && !V2_OR_V3.some((v) => bytesEqual(version.bytes, v))) {
    throw new RangeError("the version is not v1, v2 or v3");
  }
  const expected = [
    TAG_INTEGER,
    TAG_SEQUENCE,
    TAG_SEQUENCE,
    TAG_SEQUENCE,
    TAG_SEQUENCE,
    TAG_SEQUENCE,
  ];
  if (fields.length < at + 6 || expected.some((tag, i) => fields[at + i].tag !== tag)) {
    throw new RangeError("TBSCertificate's fields are not serial … subjectPublicKeyInfo");
  }
  // Then, in order and each at most once: issuerUniqueID [1], subjectUniqueID [2] (v2 and v3
  // only), extensions [3] (v3 only, one SEQUENCE).
  let extensions: DerNode | undefined;
  let last = 0;
  for (const field of fields.slice(at + 6)) {
    const number = OPTIONAL_FIELDS[field.tag];
    if (number === undefined || number <= last || !version) {
      throw new RangeError("TBSCertificate has an unexpected field after its key");
    }
    last = number;
    if (number !== 3) read(() => checkUniqueIdentifier(field.bytes));
    if (number === 3) {
      if (version.bytes[version.bytes.length - 1] !== 2) {
        throw new RangeError("extensions in a v1 or v2 certificate");
      }
      const inner = read(() => derChildren(field));
      if (inner.length !== 1 || inner[0].tag !== TAG_SEQUENCE) {
        throw new RangeError("extensions are not one SEQUENCE");
      }
      extensions = inner[0];
    }
  }
  return {
    tbs: outer[0].bytes,
    signatureAlgorithm: outer[1].bytes,
    signatureValue: outer[2].bytes,
    serialNumber: fields[at].bytes,
    tbsSignatureAlgorithm: fields[at + 1].bytes,
    issuer: fields[at + 2].bytes,
    validity: fields[at + 3].bytes,
    subject: fields[at + 4].bytes,
    subjectPublicKeyInfo: fields[at + 5].bytes,
    ...(extensions ? { extensions: extensions.bytes } : {}),
  };
}

/** Runs a DER read; its error becomes the `RangeError` this module throws. */
function read<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new RangeError((error as Error).message);
  }
}

const VERSION_TAG = 0xa0;
/** `[0] EXPLICIT INTEGER` for v2 (1) and v3 (2); v1 is encoded by leaving the version out. */
const V2_OR_V3 = [
  new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x01]),
  new Uint8Array([0xa0, 0x03, 0x02, 0x01, 0x02]),
];
/** The optional TBSCertificate fields after the key, by tag: their context number. */
const OPTIONAL_FIELDS: Record<number, number> = { 0x81: 1, 0x82: 2, 0xa3: 3 };

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
