/**
 * RFC 3161 signed timestamps as Sigstore bundles carry them
 * (`verificationMaterial.timestampVerificationData.rfc3161Timestamps[].signedTimestamp`).
 *
 * A token is checked the way the Sigstore clients check it: the TSTInfo's message imprint must
 * cover the given bytes, the CMS SignedData must be a single-signer signature over signed
 * attributes that bind the TSTInfo (content-type and message-digest), and the signer must be a
 * timestamp authority from the trusted root whose chain verifies and was valid at `genTime`.
 *
 * The DER is read with a small strict reader here (definite lengths only, no trailing bytes), so
 * the exact bytes that were hashed and signed are the ones checked; no X.509 library is loaded.
 * @module
 */
import { bytesEqual, encodeHex } from "./bytes.ts";
import {
  decodeDerOid,
  derChildren,
  DerError,
  type DerNode,
  parseDerNode,
  TAG_BIT_STRING,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "./der.ts";
import { digestBytes } from "./digest_bytes.ts";
import {
  type HashName,
  parsePublicKey,
  type PublicKeyMaterial,
  verifySignature,
} from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";
import {
  calendarTime,
  decodeBasicConstraints,
  decodeExtensions,
  decodeExtKeyUsage,
  decodeKeyUsage,
  decodeValidity,
} from "./x509_fields.ts";
import { type CertificateAuthority, isWithinWindow } from "../trust/trusted_root.ts";

/** What a verified RFC 3161 timestamp establishes. */
export interface VerifiedTimestamp {
  /** `TSTInfo.genTime`, at millisecond precision (finer fractions are truncated). */
  time: Date;
  /** The trusted-root timestamp authority whose certificate chain verified the token. */
  authority: CertificateAuthority;
  /** The message imprint's hash algorithm, spelled as WebCrypto does: `SHA-256`, `SHA-384`, `SHA-512`. */
  hashAlgorithm: string;
}

// ---------------------------------------------------------------------------------------------
// Object identifiers

const OID_SIGNED_DATA = "1.2.840.113549.1.7.2";
const OID_TST_INFO = "1.2.840.113549.1.9.16.1.4";
const OID_ATTR_CONTENT_TYPE = "1.2.840.113549.1.9.3";
const OID_ATTR_MESSAGE_DIGEST = "1.2.840.113549.1.9.4";
const OID_EXT_SUBJECT_KEY_ID = "2.5.29.14";
const OID_EXT_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_EXT_EXT_KEY_USAGE = "2.5.29.37";
const OID_EXT_KEY_USAGE = "2.5.29.15";
/**
 * Extensions a TSA certificate may mark critical: those read here, and those that only describe
 * (names, key ids, policies). Any other critical extension makes the certificate unusable, as
 * RFC 5280 §4.2 requires of a verifier that does not recognize it.
 */
const KNOWN_CRITICAL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID_EXT_SUBJECT_KEY_ID,
  OID_EXT_BASIC_CONSTRAINTS,
  OID_EXT_EXT_KEY_USAGE,
  OID_EXT_KEY_USAGE,
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.17", // subjectAltName
  "2.5.29.32", // certificatePolicies
]);
/** keyUsage bits (RFC 5280 §4.2.1.3). */
const KU_DIGITAL_SIGNATURE = 0;
const KU_CONTENT_COMMITMENT = 1;
const KU_KEY_CERT_SIGN = 5;
const OID_EKU_ANY = "2.5.29.37.0";
const OID_EKU_TIME_STAMPING = "1.3.6.1.5.5.7.3.8";

const HASHES: Record<string, HashName> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};
const WEAK_HASHES: Record<string, string> = {
  "1.3.14.3.2.26": "SHA-1",
  "1.2.840.113549.2.5": "MD5",
  "2.16.840.1.101.3.4.2.4": "SHA-224",
};

type SignatureFamily = "ecdsa" | "rsa-pkcs1" | "ed25519";

/** Signature algorithms; `hash` undefined means "the SignerInfo digest algorithm". */
const SIGNATURE_ALGORITHMS: Record<string, { family: SignatureFamily; hash?: HashName }> = {
  "1.2.840.10045.4.3.2": { family: "ecdsa", hash: "SHA-256" },
  "1.2.840.10045.4.3.3": { family: "ecdsa", hash: "SHA-384" },
  "1.2.840.10045.4.3.4": { family: "ecdsa", hash: "SHA-512" },
  "1.2.840.10045.2.1": { family: "ecdsa" }, // id-ecPublicKey, as some TSAs label ECDSA
  "1.2.840.113549.1.1.1": { family: "rsa-pkcs1" }, // rsaEncryption
  "1.2.840.113549.1.1.11": { family: "rsa-pkcs1", hash: "SHA-256" },
  "1.2.840.113549.1.1.12": { family: "rsa-pkcs1", hash: "SHA-384" },
  "1.2.840.113549.1.1.13": { family: "rsa-pkcs1", hash: "SHA-512" },
  "1.3.101.112": { family: "ed25519", hash: "SHA-512" },
};

const NAME_ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.5": "serialNumber",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "1.2.840.113549.1.9.1": "emailAddress",
};

// ---------------------------------------------------------------------------------------------
// Failures

/** Thrown inside this module only; converted to a `fail(...)` at the public boundary. */
class Reject extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const MALFORMED = "timestamp-malformed";
const REJECTED = "timestamp-rejected";
const UNSUPPORTED = "timestamp-unsupported-algorithm";
const IMPRINT_MISMATCH = "timestamp-imprint-mismatch";
const SIGNATURE_INVALID = "timestamp-signature-invalid";
const UNTRUSTED = "timestamp-untrusted-authority";
const OUTSIDE_VALIDITY = "timestamp-outside-validity";

/** A structural problem; the public boundary prefixes what was being read. */
function malformed(message: string): Reject {
  return new Reject(MALFORMED, message);
}

// ---------------------------------------------------------------------------------------------
// A strict DER reader
// The strict DER reader of ./der.ts, its errors named by where they occurred

const TAG_GENERALIZED_TIME = 0x18;
const TAG_SET = 0x31;
const TAG_CONTEXT_0 = 0xa0;
const TAG_CONTEXT_1 = 0xa1;
const TAG_CONTEXT_3 = 0xa3;
const TAG_CONTEXT_0_PRIMITIVE = 0x80;

/** Runs a DER read, turning its error into a malformed-timestamp rejection that says where. */
function at<T>(where: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof DerError) throw malformed(`${where}: ${error.message}`);
    throw error;
  }
}

type Node = DerNode;

function tagName(tag: number): string {
  return `0x${tag.toString(16).padStart(2, "0")}`;
}

/** Parses exactly one DER element spanning all of `buf`. */
function parseDer(buf: Uint8Array, where: string): Node {
  return at(where, () => parseDerNode(buf));
}

/** The elements inside a constructed node. */
function children(node: Node, where: string): Node[] {
  return at(where, () => derChildren(node));
}

function expectTag(node: Node | undefined, tag: number, where: string): Node {
  if (!node) throw malformed(`${where}: missing (expected tag ${tagName(tag)})`);
  if (node.tag !== tag) {
    throw malformed(`${where}: expected tag ${tagName(tag)}, found ${tagName(node.tag)}`);
  }
  return node;
}

function decodeOid(node: Node, where: string): string {
  expectTag(node, TAG_OID, where);
  return at(where, () => decodeDerOid(node));
}

/** A small INTEGER (versions, statuses) as a number. */
function decodeSmallInt(node: Node | undefined, where: string): number {
  const bytes = expectTag(node, TAG_INTEGER, where).value;
  if (bytes.length === 0 || bytes.length > 4) throw malformed(`${where}: INTEGER out of range`);
  let unsigned = 0;
  for (const b of bytes) unsigned = unsigned * 256 + b;
  return bytes[0] & 0x80 ? unsigned - 2 ** (8 * bytes.length) : unsigned;
}

interface AlgorithmId {
  readonly oid: string;
  readonly parameters?: Node;
}

function decodeAlgorithm(node: Node | undefined, where: string): AlgorithmId {
  const parts = children(expectTag(node, TAG_SEQUENCE, where), where);
  if (parts.length < 1 || parts.length > 2) {
    throw malformed(`${where}: AlgorithmIdentifier must have 1 or 2 elements`);
  }
  return { oid: decodeOid(parts[0], `${where}.algorithm`), parameters: parts[1] };
}

function hashFromAlgorithm(alg: AlgorithmId, where: string): HashName {
  const hash = HASHES[alg.oid];
  if (!hash) {
    const weak = WEAK_HASHES[alg.oid];
    throw new Reject(
      UNSUPPORTED,
      `${where} is ${weak ?? alg.oid}; expected SHA-256, SHA-384 or SHA-512`,
    );
  }
  if (alg.parameters && !(alg.parameters.tag === 0x05 && alg.parameters.value.length === 0)) {
    throw malformed(`${where}: hash algorithm parameters must be absent or NULL`);
  }
  return hash;
}

/** A point in time at millisecond precision plus whether the encoding had finer non-zero digits. */
interface PreciseTime {
  readonly ms: number;
  readonly finer: boolean;
  readonly text: string;
}

/** A certificate's validity bound (whole seconds) as a {@link PreciseTime}. */
function certificateTime(time: Date): PreciseTime {
  return { ms: time.getTime(), finer: false, text: time.toISOString() };
}

/**
 * `TSTInfo.genTime`, a GeneralizedTime as DER writes it (X.690 11.7): `YYYYMMDDHHMMSS[.f]Z`, a
 * fraction with no trailing zero (RFC 3161 2.4.2 says the same) and of at most nine digits (Go's
 * encoding/asn1, under sigstore-go, keeps nanoseconds and refuses a time that does not write
 * back as its text).
 */
function decodeGenTime(node: Node, where: string): PreciseTime {
  // One character per octet: a TextDecoder would drop a leading UTF-8 byte-order mark (and so
  // accept EF BB BF before the digits, which is not DER).
  let text = "";
  for (const octet of node.value) text += String.fromCharCode(octet);
  const match = text.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{0,8}[1-9]))?Z$/);
  if (!match) {
    throw malformed(
      `${where}: GeneralizedTime "${
        text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`)
      }" is not YYYYMMDDHHMMSS[.f]Z (f: at most nine digits, no trailing zero)`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const fraction = match[7] ?? "";
  const whole = calendarTime(year, month, day, hour, minute, second);
  if (!whole) throw malformed(`${where}: "${text}" is not a valid calendar time`);
  const millis = Number(fraction.slice(0, 3).padEnd(3, "0"));
  return { ms: whole.getTime() + millis, finer: /[1-9]/.test(fraction.slice(3)), text };
}

function isoOf(time: PreciseTime): string {
  return new Date(time.ms).toISOString();
}

/** Closed-interval membership that also honours sub-millisecond digits at the upper bound. */
function inClosedInterval(time: PreciseTime, start?: number, end?: number): boolean {
  if (start !== undefined && time.ms < start) return false;
  if (end !== undefined && (time.ms > end || (time.ms === end && time.finer))) return false;
  return true;
}

function renderName(name: Node): string {
  try {
    const parts: string[] = [];
    for (const rdn of children(name, "name")) {
      for (const atv of children(rdn, "name")) {
        const [type, value] = children(atv, "name");
        const oid = decodeOid(type, "name");
        const text = [0x0c, 0x13, 0x16, 0x14].includes(value.tag)
          ? new TextDecoder().decode(value.value)
          : `#${encodeHex(value.value)}`;
        parts.push(`${NAME_ATTRIBUTES[oid] ?? oid}=${text}`);
      }
    }
    return parts.length ? parts.join(", ") : "(empty name)";
  } catch {
    return "(unreadable name)";
  }
}

// ---------------------------------------------------------------------------------------------
// Certificates

interface Certificate {
  readonly der: Uint8Array;
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly serial: Uint8Array;
  readonly issuer: Node;
  readonly subject: Node;
  readonly notBefore: PreciseTime;
  readonly notAfter: PreciseTime;
  readonly spki: Uint8Array;
  readonly subjectKeyId?: Uint8Array;
  readonly isCA: boolean;
  readonly extKeyUsage?: { readonly critical: boolean; readonly purposes: readonly string[] };
  /** keyUsage, when the certificate has one: whether bit N is set. */
  readonly keyUsage?: (bit: number) => boolean;
}

function describe(cert: Certificate): string {
  return `"${renderName(cert.subject)}" (serial ${encodeHex(cert.serial)})`;
}

function parseCertificate(der: Uint8Array, where: string): Certificate {
  const outer = children(expectTag(parseDer(der, where), TAG_SEQUENCE, where), where);
  if (outer.length !== 3) throw malformed(`${where}: a certificate has 3 elements`);
  const tbsNode = expectTag(outer[0], TAG_SEQUENCE, `${where}.tbsCertificate`);
  const signatureAlgorithm = decodeAlgorithm(outer[1], `${where}.signatureAlgorithm`);
  const sigBits = expectTag(outer[2], TAG_BIT_STRING, `${where}.signatureValue`).value;
  if (sigBits.length < 1 || sigBits[0] !== 0) {
    throw malformed(`${where}.signatureValue: BIT STRING must have no unused bits`);
  }
  const tbs = children(tbsNode, `${where}.tbsCertificate`);
  let i = 0;
  if (tbs[i]?.tag === TAG_CONTEXT_0) i++; // explicit version
  const serial = expectTag(tbs[i++], TAG_INTEGER, `${where}.serialNumber`).value;
  const innerAlg = expectTag(tbs[i++], TAG_SEQUENCE, `${where}.signature`);
  if (!bytesEqual(innerAlg.bytes, outer[1].bytes)) {
    throw malformed(`${where}: signature algorithm differs between tbsCertificate and certificate`);
  }
  const issuer = expectTag(tbs[i++], TAG_SEQUENCE, `${where}.issuer`);
  // As RFC 5280 writes it (a UTCTime through 2049, no fractional seconds): the reader every
  // other certificate goes through.
  const validity = at(
    `${where}.validity`,
    () => decodeValidity(expectTag(tbs[i++], TAG_SEQUENCE, `${where}.validity`).bytes),
  );
  const notBefore = certificateTime(validity.notBefore);
  const notAfter = certificateTime(validity.notAfter);
  const subject = expectTag(tbs[i++], TAG_SEQUENCE, `${where}.subject`);
  const spki = expectTag(tbs[i++], TAG_SEQUENCE, `${where}.subjectPublicKeyInfo`).bytes;
  while (tbs[i] && (tbs[i].tag === 0x81 || tbs[i].tag === 0x82)) i++; // unique identifiers
  let subjectKeyId: Uint8Array | undefined;
  let isCA = false;
  let extKeyUsage: Certificate["extKeyUsage"];
  let keyUsage: Certificate["keyUsage"];
  if (tbs[i]?.tag === TAG_CONTEXT_3) {
    const [wrapped] = children(tbs[i++], `${where}.extensions`);
    const list = expectTag(wrapped, TAG_SEQUENCE, `${where}.extensions`);
    const extensions = at(`${where}.extensions`, () => decodeExtensions(list.bytes));
    const seen = new Set<string>();
    for (const { extnID: id, critical, value } of extensions) {
      const place = `${where}.extension ${id}`;
      if (seen.has(id)) throw malformed(`${where}: extension ${id} appears twice`);
      seen.add(id);
      if (critical && !KNOWN_CRITICAL_EXTENSIONS.has(id)) {
        throw malformed(`${place}: a critical extension cargo-attest does not recognize`);
      }
      if (id === OID_EXT_SUBJECT_KEY_ID) {
        subjectKeyId = expectTag(parseDer(value, place), TAG_OCTET_STRING, place).value;
      } else if (id === OID_EXT_KEY_USAGE) {
        keyUsage = at(place, () => decodeKeyUsage(value));
      } else if (id === OID_EXT_BASIC_CONSTRAINTS) {
        isCA = at(place, () => decodeBasicConstraints(value)).cA;
      } else if (id === OID_EXT_EXT_KEY_USAGE) {
        extKeyUsage = { critical, purposes: at(place, () => decodeExtKeyUsage(value)) };
      }
    }
  }
  if (i !== tbs.length) throw malformed(`${where}.tbsCertificate: unexpected trailing elements`);
  return {
    der,
    tbs: tbsNode.bytes,
    signatureAlgorithm,
    signature: sigBits.subarray(1),
    serial,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki,
    subjectKeyId,
    isCA,
    extKeyUsage,
    ...(keyUsage ? { keyUsage } : {}),
  };
}

function keyFits(family: SignatureFamily, key: PublicKeyMaterial): boolean {
  if (family === "ecdsa") return key.algorithm.startsWith("ecdsa-");
  if (family === "rsa-pkcs1") return key.algorithm === "rsa-pkcs1";
  return key.algorithm === "ed25519";
}

/** Verifies `cert`'s signature with `issuer`'s key; returns a reason on failure. */
async function checkIssuedBy(cert: Certificate, issuer: Certificate): Promise<string | undefined> {
  const alg = SIGNATURE_ALGORITHMS[cert.signatureAlgorithm.oid];
  if (!alg?.hash) {
    // id-ecPublicKey and rsaEncryption name no hash; X.509 signatures must.
    return `certificate ${
      describe(cert)
    } uses unsupported signature algorithm ${cert.signatureAlgorithm.oid}`;
  }
  let key: PublicKeyMaterial;
  try {
    key = parsePublicKey(issuer.spki);
  } catch (error) {
    return `issuer ${describe(issuer)} has an unusable key: ${(error as Error).message}`;
  }
  if (!keyFits(alg.family, key)) {
    return `certificate ${
      describe(cert)
    } is signed with ${alg.family} but its issuer's key is ${key.algorithm}`;
  }
  if (!(await verifySignature(key, cert.tbs, cert.signature, alg.hash))) {
    return `the signature on certificate ${describe(cert)} does not verify with the key of ${
      describe(issuer)
    }`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The token

type SignerId =
  | { readonly kind: "issuer-serial"; readonly issuer: Node; readonly serial: Uint8Array }
  | { readonly kind: "key-id"; readonly keyId: Uint8Array };

interface ParsedToken {
  readonly tstInfo: Uint8Array;
  readonly imprintHash: HashName;
  readonly imprint: Uint8Array;
  readonly genTime: PreciseTime;
  readonly signerId: SignerId;
  readonly digestHash: HashName;
  readonly messageDigest: Uint8Array;
  /** The signed attributes re-tagged as SET OF (0x31): the bytes the signature covers. */
  readonly signedAttributes: Uint8Array;
  readonly signatureFamily: SignatureFamily;
  readonly signatureHash: HashName;
  readonly signatureAlgorithmOid: string;
  readonly signature: Uint8Array;
  readonly certificates: readonly Certificate[];
}

const PKI_STATUS: Record<number, string> = {
  0: "granted",
  1: "grantedWithMods",
  2: "rejection",
  3: "waiting",
  4: "revocationWarning",
  5: "revocationNotification",
};

function unwrapContentInfo(token: Uint8Array): Node {
  const root = expectTag(parseDer(token, "token"), TAG_SEQUENCE, "token");
  const parts = children(root, "token");
  if (parts[0]?.tag === TAG_OID) return root; // a bare TimeStampToken (ContentInfo)
  if (parts[0]?.tag !== TAG_SEQUENCE) {
    throw malformed(
      "neither a TimeStampResp (status SEQUENCE first) nor a TimeStampToken (OID first)",
    );
  }
  // TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
  const statusInfo = children(parts[0], "TimeStampResp.status");
  const status = decodeSmallInt(statusInfo[0], "TimeStampResp.status.status");
  if (status !== 0 && status !== 1) {
    throw new Reject(
      REJECTED,
      `TimeStampResp status is ${status} (${PKI_STATUS[status] ?? "unknown"}); ` +
        `expected 0 (granted) or 1 (grantedWithMods)`,
    );
  }
  if (parts.length !== 2) {
    throw malformed(
      `TimeStampResp has ${parts.length} elements; expected the status and a timeStampToken`,
    );
  }
  return expectTag(parts[1], TAG_SEQUENCE, "TimeStampResp.timeStampToken");
}

function parseToken(token: Uint8Array): ParsedToken {
  const contentInfo = children(unwrapContentInfo(token), "ContentInfo");
  if (contentInfo.length !== 2) throw malformed("ContentInfo must have 2 elements");
  const contentType = decodeOid(contentInfo[0], "ContentInfo.contentType");
  if (contentType !== OID_SIGNED_DATA) {
    throw malformed(`ContentInfo.contentType is ${contentType}; expected ${OID_SIGNED_DATA}`);
  }
  const explicit = children(expectTag(contentInfo[1], TAG_CONTEXT_0, "ContentInfo.content"), "");
  if (explicit.length !== 1) throw malformed("ContentInfo.content must hold one SignedData");
  const sd = children(expectTag(explicit[0], TAG_SEQUENCE, "SignedData"), "SignedData");
  // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
  //   certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }
  expectTag(sd[0], TAG_INTEGER, "SignedData.version");
  expectTag(sd[1], TAG_SET, "SignedData.digestAlgorithms");
  const encap = children(expectTag(sd[2], TAG_SEQUENCE, "encapContentInfo"), "encapContentInfo");
  let i = 3;
  const certificates: Certificate[] = [];
  if (sd[i]?.tag === TAG_CONTEXT_0) {
    let n = 0;
    for (const choice of children(sd[i++], "SignedData.certificates")) {
      n++;
      if (choice.tag !== TAG_SEQUENCE) continue; // other CertificateChoices are not used
      certificates.push(parseCertificate(choice.bytes, `embedded certificate #${n}`));
    }
  }
  if (sd[i]?.tag === TAG_CONTEXT_1) i++;
  const signerInfosNode = expectTag(sd[i++], TAG_SET, "SignedData.signerInfos");
  if (i !== sd.length) throw malformed("SignedData has unexpected trailing elements");

  // EncapsulatedContentInfo ::= SEQUENCE { eContentType, eContent [0] EXPLICIT OCTET STRING }
  const eContentType = decodeOid(encap[0], "encapContentInfo.eContentType");
  if (eContentType !== OID_TST_INFO) {
    throw malformed(`eContentType is ${eContentType}; expected id-ct-TSTInfo (${OID_TST_INFO})`);
  }
  if (encap.length !== 2) throw malformed("encapContentInfo carries no eContent (TSTInfo)");
  const eContent = children(expectTag(encap[1], TAG_CONTEXT_0, "eContent"), "eContent");
  if (eContent.length !== 1) throw malformed("eContent must hold one OCTET STRING");
  const tstInfo = expectTag(eContent[0], TAG_OCTET_STRING, "eContent").value;

  // TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime, ... }
  const tst = children(expectTag(parseDer(tstInfo, "TSTInfo"), TAG_SEQUENCE, "TSTInfo"), "TSTInfo");
  const version = decodeSmallInt(tst[0], "TSTInfo.version");
  if (version !== 1) throw malformed(`TSTInfo.version is ${version}; expected 1`);
  decodeOid(tst[1], "TSTInfo.policy");
  const imprintParts = children(
    expectTag(tst[2], TAG_SEQUENCE, "messageImprint"),
    "messageImprint",
  );
  if (imprintParts.length !== 2) throw malformed("messageImprint must have 2 elements");
  const imprintHash = hashFromAlgorithm(
    decodeAlgorithm(imprintParts[0], "messageImprint.hashAlgorithm"),
    "the message imprint's hash algorithm",
  );
  const imprint = expectTag(imprintParts[1], TAG_OCTET_STRING, "hashedMessage").value;
  expectTag(tst[3], TAG_INTEGER, "TSTInfo.serialNumber");
  const genTime = decodeGenTime(
    expectTag(tst[4], TAG_GENERALIZED_TIME, "TSTInfo.genTime"),
    "genTime",
  );

  const signerInfos = children(signerInfosNode, "signerInfos");
  if (signerInfos.length !== 1) {
    throw malformed(`SignedData has ${signerInfos.length} SignerInfos; expected exactly 1`);
  }
  // SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT,
  //   signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }
  const si = children(expectTag(signerInfos[0], TAG_SEQUENCE, "SignerInfo"), "SignerInfo");
  expectTag(si[0], TAG_INTEGER, "SignerInfo.version");
  let signerId: SignerId;
  if (si[1]?.tag === TAG_SEQUENCE) {
    const ias = children(si[1], "SignerInfo.sid");
    signerId = {
      kind: "issuer-serial",
      issuer: expectTag(ias[0], TAG_SEQUENCE, "sid.issuer"),
      serial: expectTag(ias[1], TAG_INTEGER, "sid.serialNumber").value,
    };
    if (ias.length !== 2) throw malformed("SignerInfo.sid: IssuerAndSerialNumber has 2 elements");
  } else if (si[1]?.tag === TAG_CONTEXT_0_PRIMITIVE) {
    signerId = { kind: "key-id", keyId: si[1].value };
  } else {
    throw malformed("SignerInfo.sid is neither IssuerAndSerialNumber nor SubjectKeyIdentifier");
  }
  const digestHash = hashFromAlgorithm(
    decodeAlgorithm(si[2], "SignerInfo.digestAlgorithm"),
    "the SignerInfo digest algorithm",
  );
  const signedAttrs = si[3];
  if (signedAttrs?.tag !== TAG_CONTEXT_0) {
    throw malformed("SignerInfo has no signed attributes (content-type and message-digest)");
  }
  const signatureAlgorithm = decodeAlgorithm(si[4], "SignerInfo.signatureAlgorithm");
  const signature = expectTag(si[5], TAG_OCTET_STRING, "SignerInfo.signature").value;
  if (si.length > 7 || (si.length === 7 && si[6].tag !== TAG_CONTEXT_1)) {
    throw malformed("SignerInfo has unexpected trailing elements");
  }

  let contentTypeAttr: string | undefined;
  let messageDigest: Uint8Array | undefined;
  for (const attr of children(signedAttrs, "signedAttrs")) {
    const parts = children(expectTag(attr, TAG_SEQUENCE, "signed attribute"), "signed attribute");
    const type = decodeOid(parts[0], "signed attribute type");
    if (type !== OID_ATTR_CONTENT_TYPE && type !== OID_ATTR_MESSAGE_DIGEST) continue;
    const values = children(expectTag(parts[1], TAG_SET, `attribute ${type}`), type);
    const seen = type === OID_ATTR_CONTENT_TYPE ? contentTypeAttr : messageDigest;
    if (seen !== undefined || values.length !== 1 || parts.length !== 2) {
      throw malformed(`signed attribute ${type} must appear once with exactly one value`);
    }
    if (type === OID_ATTR_CONTENT_TYPE) contentTypeAttr = decodeOid(values[0], "content-type");
    else messageDigest = expectTag(values[0], TAG_OCTET_STRING, "message-digest").value;
  }
  if (contentTypeAttr === undefined) {
    throw malformed("signed attributes lack the content-type attribute");
  }
  if (contentTypeAttr !== OID_TST_INFO) {
    throw malformed(
      `signed content-type attribute is ${contentTypeAttr}; expected id-ct-TSTInfo (${OID_TST_INFO})`,
    );
  }
  if (messageDigest === undefined) {
    throw malformed("signed attributes lack the message-digest attribute");
  }

  const alg = SIGNATURE_ALGORITHMS[signatureAlgorithm.oid];
  if (!alg) {
    throw new Reject(
      UNSUPPORTED,
      `SignerInfo signature algorithm ${signatureAlgorithm.oid} is not supported ` +
        `(expected ECDSA, RSA PKCS#1 v1.5 or Ed25519)`,
    );
  }
  const signedAttributes = signedAttrs.bytes.slice();
  signedAttributes[0] = TAG_SET;
  return {
    tstInfo,
    imprintHash,
    imprint,
    genTime,
    signerId,
    digestHash,
    messageDigest,
    signedAttributes,
    signatureFamily: alg.family,
    signatureHash: alg.hash ?? digestHash,
    signatureAlgorithmOid: signatureAlgorithm.oid,
    signature,
    certificates,
  };
}

function describeSigner(id: SignerId): string {
  return id.kind === "issuer-serial"
    ? `issuer "${renderName(id.issuer)}", serial ${encodeHex(id.serial)}`
    : `subject key identifier ${encodeHex(id.keyId)}`;
}

function matchesSigner(cert: Certificate, id: SignerId): boolean {
  if (id.kind === "issuer-serial") {
    return bytesEqual(cert.issuer.bytes, id.issuer.bytes) && bytesEqual(cert.serial, id.serial);
  }
  return cert.subjectKeyId !== undefined && bytesEqual(cert.subjectKeyId, id.keyId);
}

// ---------------------------------------------------------------------------------------------
// Checking one authority

/** How far an authority got; the failure of the authority that got furthest is reported. */
const Stage = {
  NoSigner: 0,
  Signature: 1,
  Chain: 2,
  Usage: 3,
  CertificateTime: 4,
  AuthorityWindow: 5,
} as const;
type Stage = (typeof Stage)[keyof typeof Stage];

interface Attempt {
  readonly stage: Stage;
  readonly code: string;
  readonly message: string;
}

function authorityName(authority: CertificateAuthority): string {
  const subject = [authority.subject.organization, authority.subject.commonName]
    .filter((s) => s).join(" / ");
  return `timestamp authority ${authority.uri || "(no uri)"}${subject ? ` (${subject})` : ""}`;
}

async function tryAuthority(
  authority: CertificateAuthority,
  token: ParsedToken,
): Promise<Attempt | undefined> {
  const name = authorityName(authority);
  const attempt = (stage: Stage, code: string, message: string): Attempt => ({
    stage,
    code,
    message: `${name}: ${message}`,
  });

  let trusted: Certificate[];
  try {
    if (authority.certChain.length === 0) throw new Error("its certificate chain is empty");
    trusted = authority.certChain.map((der, n) => parseCertificate(der, `certChain[${n}]`));
  } catch (error) {
    return attempt(Stage.NoSigner, UNTRUSTED, `unusable: ${(error as Error).message}`);
  }

  // The TSA's own certificate: certChain[0] when it is an end-entity certificate. When the
  // chain starts at a CA, only a certificate embedded in the token can be the signer.
  const pinnedLeaf = trusted[0].isCA ? undefined : trusted[0];
  const embedded = token.certificates.filter((c) => matchesSigner(c, token.signerId));
  let chain: Certificate[];
  if (embedded.length > 0) {
    if (pinnedLeaf) {
      if (!embedded.some((c) => bytesEqual(c.der, pinnedLeaf.der))) {
        return attempt(
          Stage.NoSigner,
          UNTRUSTED,
          `the token's embedded signing certificate ${describe(embedded[0])} is not this ` +
            `authority's TSA certificate ${describe(pinnedLeaf)}`,
        );
      }
      chain = trusted;
    } else {
      chain = [embedded[0], ...trusted];
    }
  } else if (pinnedLeaf && matchesSigner(pinnedLeaf, token.signerId)) {
    chain = trusted;
  } else {
    return attempt(
      Stage.NoSigner,
      UNTRUSTED,
      `the token's signer (${describeSigner(token.signerId)}) is ` +
        (pinnedLeaf
          ? `not this authority's TSA certificate ${describe(pinnedLeaf)}`
          : "not among the token's embedded certificates, and the authority's chain has no TSA certificate"),
    );
  }
  const signer = chain[0];

  // 1. The signature over the signed attributes, with the signer's key.
  let key: PublicKeyMaterial;
  try {
    key = parsePublicKey(signer.spki);
  } catch (error) {
    return attempt(
      Stage.Signature,
      UNSUPPORTED,
      `signing certificate ${describe(signer)} has an unsupported key: ${(error as Error).message}`,
    );
  }
  if (!keyFits(token.signatureFamily, key)) {
    return attempt(
      Stage.Signature,
      SIGNATURE_INVALID,
      `the token is signed with ${token.signatureFamily} (${token.signatureAlgorithmOid}) but ` +
        `the signing certificate's key is ${key.algorithm}`,
    );
  }
  const verified = await verifySignature(
    key,
    token.signedAttributes,
    token.signature,
    token.signatureHash,
  );
  if (!verified) {
    return attempt(
      Stage.Signature,
      SIGNATURE_INVALID,
      `the CMS signature (${token.signatureFamily} with ${token.signatureHash}) over the signed ` +
        `attributes does not verify with the key of ${describe(signer)}`,
    );
  }

  // 2. The chain, certificate by certificate, up to the authority's root.
  for (let n = 0; n + 1 < chain.length; n++) {
    const cert = chain[n];
    const issuer = chain[n + 1];
    if (!bytesEqual(cert.issuer.bytes, issuer.subject.bytes)) {
      return attempt(
        Stage.Chain,
        UNTRUSTED,
        `certificate ${describe(cert)} names issuer "${renderName(cert.issuer)}", but the next ` +
          `certificate in the chain is "${renderName(issuer.subject)}"`,
      );
    }
    // Intermediates must be CAs; the root is a trust anchor (as in Go's crypto/x509).
    if (!issuer.isCA && n + 1 < chain.length - 1) {
      return attempt(
        Stage.Chain,
        UNTRUSTED,
        `intermediate certificate ${describe(issuer)} issues ${
          describe(cert)
        } but is not a CA certificate`,
      );
    }
    const problem = await checkIssuedBy(cert, issuer);
    if (problem) return attempt(Stage.Chain, UNTRUSTED, problem);
  }

  // 3. The signer must be an end-entity timestamping certificate (RFC 3161 §2.3).
  if (signer.isCA) {
    return attempt(
      Stage.Usage,
      UNTRUSTED,
      `signing certificate ${
        describe(signer)
      } is a CA certificate; expected an end-entity TSA certificate`,
    );
  }
  const eku = signer.extKeyUsage;
  if (!eku || eku.purposes.length !== 1 || eku.purposes[0] !== OID_EKU_TIME_STAMPING) {
    return attempt(
      Stage.Usage,
      UNTRUSTED,
      `signing certificate ${describe(signer)} must have extended key usage exactly ` +
        `timeStamping (${OID_EKU_TIME_STAMPING}); found ${
          eku ? `[${eku.purposes.join(", ")}]` : "no extended key usage"
        }`,
    );
  }
  if (!eku.critical) {
    return attempt(
      Stage.Usage,
      UNTRUSTED,
      `signing certificate ${describe(signer)} has a non-critical extended key usage; ` +
        `RFC 3161 requires it to be critical`,
    );
  }
  const ku = signer.keyUsage;
  if (ku && !ku(KU_DIGITAL_SIGNATURE) && !ku(KU_CONTENT_COMMITMENT)) {
    return attempt(
      Stage.Usage,
      UNTRUSTED,
      `signing certificate ${describe(signer)} has a keyUsage without digitalSignature or ` +
        "contentCommitment: its key may not sign timestamps",
    );
  }
  for (const issuer of chain.slice(1, -1)) {
    if (issuer.keyUsage && !issuer.keyUsage(KU_KEY_CERT_SIGN)) {
      return attempt(
        Stage.Usage,
        UNTRUSTED,
        `intermediate certificate ${describe(issuer)} has a keyUsage without keyCertSign: it ` +
          "may not issue certificates",
      );
    }
  }
  for (const intermediate of chain.slice(1, -1)) {
    const purposes = intermediate.extKeyUsage?.purposes;
    if (
      purposes && !purposes.includes(OID_EKU_TIME_STAMPING) && !purposes.includes(OID_EKU_ANY)
    ) {
      return attempt(
        Stage.Usage,
        UNTRUSTED,
        `intermediate certificate ${describe(intermediate)} restricts extended key usage to ` +
          `[${purposes.join(", ")}], which excludes timeStamping`,
      );
    }
  }

  // 4. genTime within every certificate's validity (closed intervals).
  for (const cert of chain) {
    if (!inClosedInterval(token.genTime, cert.notBefore.ms, cert.notAfter.ms)) {
      return attempt(
        Stage.CertificateTime,
        OUTSIDE_VALIDITY,
        `genTime ${token.genTime.text} (${isoOf(token.genTime)}) is outside the validity of ` +
          `certificate ${describe(cert)}: expected ${isoOf(cert.notBefore)} .. ${
            isoOf(cert.notAfter)
          }`,
      );
    }
  }

  // 5. genTime within the authority's validFor window in the trusted root (closed interval).
  const window = authority.validFor;
  const time = new Date(token.genTime.ms);
  const atEndWithFraction = token.genTime.finer && window.end?.getTime() === token.genTime.ms;
  if (!isWithinWindow(window, time) || atEndWithFraction) {
    return attempt(
      Stage.AuthorityWindow,
      OUTSIDE_VALIDITY,
      `genTime ${token.genTime.text} (${isoOf(token.genTime)}) is outside the authority's ` +
        `validFor window in the trusted root: expected ${
          window.start?.toISOString() ?? "(unbounded)"
        } .. ${window.end?.toISOString() ?? "(unbounded)"}`,
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Entry point

/**
 * Verifies an RFC 3161 timestamp token against the trusted root's timestamp authorities.
 *
 * - `token`: DER bytes of a `TimeStampResp` (status must be granted or grantedWithMods) or of a
 *   bare `TimeStampToken` (CMS ContentInfo); which one is detected from the structure.
 * - `signedBytes`: the bytes the timestamp must cover. `TSTInfo.messageImprint.hashedMessage` must
 *   equal their hash under the imprint's own algorithm (SHA-256/384/512). For Sigstore bundles
 *   this is the signature: `messageSignature.signature` or `dsseEnvelope.signatures[0].sig`
 *   (base64-decoded).
 * - `authorities`: the trusted root's `timestampAuthorities`; the first one that verifies wins.
 *
 * The CMS SignedData must encapsulate id-ct-TSTInfo and have exactly one SignerInfo whose signed
 * attributes carry content-type = id-ct-TSTInfo and message-digest = hash of the TSTInfo; the
 * signature over those attributes (re-tagged as SET OF) must verify with the authority's TSA
 * certificate, which must chain to the authority's root, be an end-entity certificate with a
 * critical extended key usage of exactly timeStamping, and (like every certificate in its chain)
 * be valid at `genTime`. `genTime` must also lie in the authority's `validFor` window. All
 * intervals are closed.
 *
 * Failure codes: `timestamp-malformed`, `timestamp-rejected`, `timestamp-unsupported-algorithm`,
 * `timestamp-imprint-mismatch`, `timestamp-signature-invalid`, `timestamp-untrusted-authority`,
 * `timestamp-outside-validity`. Never throws.
 */
export async function verifyRfc3161Timestamp(
  token: Uint8Array,
  signedBytes: Uint8Array,
  authorities: readonly CertificateAuthority[],
): Promise<Verified<VerifiedTimestamp>> {
  try {
    const parsed = parseToken(token);

    const expected = await digestBytes(signedBytes, parsed.imprintHash);
    if (!bytesEqual(parsed.imprint, expected)) {
      return fail(
        IMPRINT_MISMATCH,
        `timestamp message imprint is ${parsed.imprintHash} ${encodeHex(parsed.imprint)}; ` +
          `expected ${encodeHex(expected)}, the ${parsed.imprintHash} of the ` +
          `${signedBytes.length} signed bytes`,
      );
    }

    const contentDigest = await digestBytes(parsed.tstInfo, parsed.digestHash);
    if (!bytesEqual(contentDigest, parsed.messageDigest)) {
      return fail(
        SIGNATURE_INVALID,
        `the signed message-digest attribute is ${encodeHex(parsed.messageDigest)}; expected ` +
          `${encodeHex(contentDigest)}, the ${parsed.digestHash} of the TSTInfo: the signature ` +
          `does not cover this TSTInfo`,
      );
    }

    if (authorities.length === 0) {
      return fail(
        UNTRUSTED,
        `no timestamp authorities are trusted (the trusted root lists none); the token is ` +
          `signed by ${describeSigner(parsed.signerId)}`,
      );
    }

    let best: Attempt | undefined;
    for (const authority of authorities) {
      const failure = await tryAuthority(authority, parsed);
      if (!failure) {
        return ok({
          time: new Date(parsed.genTime.ms),
          authority,
          hashAlgorithm: parsed.imprintHash,
        });
      }
      if (!best || failure.stage > best.stage) best = failure;
    }
    const chosen = best!;
    if (chosen.stage === Stage.NoSigner && authorities.length > 1) {
      const uris = [...new Set(authorities.map((a) => a.uri || "(no uri)"))].join(", ");
      return fail(
        UNTRUSTED,
        `the token's signer (${describeSigner(parsed.signerId)}) is none of the ` +
          `${authorities.length} trusted timestamp authorities (${uris})`,
      );
    }
    return fail(chosen.code, chosen.message);
  } catch (error) {
    if (error instanceof Reject) {
      const prefix = error.code === MALFORMED ? "timestamp token is malformed: " : "";
      return fail(error.code, prefix + error.message);
    }
    return fail(
      MALFORMED,
      `timestamp token could not be processed: ${(error as Error)?.message ?? String(error)}`,
    );
  }
}
