/**
 * The X.509 fields the verification path reads, decoded with the strict DER reader of `der.ts`
 * instead of the `@peculiar/asn1-*` schemas: an AlgorithmIdentifier, a Name, a Validity, a
 * SubjectPublicKeyInfo, and the values of the extensions a chain or an identity check reads
 * (subjectAltName, basicConstraints, extKeyUsage). Loading the schemas (asn1js, tslib,
 * reflect-metadata, through Deno's CommonJS emulation) cost a `verify-bundle` process about 45 ms
 * of its ~110 ms; they are now loaded only for the rare structures read nowhere else (RSA-PSS
 * parameters, a PKCS#1 RSA key checked against a digest).
 *
 * Each decoder reads exactly what the schema it replaces read, with the values the schema gave
 * (strings from the same byte-to-character rules as asn1js: IA5, Printable and Teletex strings
 * byte by byte, UTF8String as UTF-8, BMPString as UTF-16BE, UniversalString as UCS-4), and is
 * stricter where DER and RFC 5280 are: definite minimal lengths, no trailing bytes, no encoded
 * DEFAULT values, RFC 5280 times, and strings that are what their type says (IA5 is ASCII,
 * PrintableString its character set, as Go's crypto/x509 also tolerating `*` and `&`, UTF8String
 * valid UTF-8, BMPString and UniversalString whole characters), as Go's crypto/x509 (which
 * sigstore-go uses) rejects the others.
 * Everything it does not accept is a {@link DerError}.
 * @module
 */
import {
  decodeDerBoolean,
  decodeDerOid,
  derChildren,
  DerError,
  type DerNode,
  parseDerNode,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_INTEGER,
  TAG_OCTET_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "./der.ts";

/** `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`. */
export interface AlgorithmId {
  /** The algorithm's OID, dotted. */
  readonly algorithm: string;
  /** The parameters' whole DER element (tag, length, contents), when present. */
  readonly parameters?: Uint8Array;
}

/** The value of a Name's attribute, as the `AttributeValue` CHOICE reads it. */
export interface NameValue {
  /** Which string type it is; `any` for another type (its text is then undefined). */
  readonly kind: "teletex" | "printable" | "universal" | "utf8" | "bmp" | "ia5" | "any";
  /** The decoded text of a string type. */
  readonly text?: string;
  /** The whole DER element of the value. */
  readonly bytes: Uint8Array;
}

/** One `AttributeTypeAndValue` of a Name. */
export interface NameAttribute {
  /** The attribute type's OID, dotted (`2.5.4.3` is CN). */
  readonly type: string;
  readonly value: NameValue;
}

/** A Name: its RDNs in encoded order, each a set of attributes. */
export type DecodedName = readonly (readonly NameAttribute[])[];

/** A certificate's validity window. */
export interface DecodedValidity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** One GeneralName of a subjectAltName, by its CHOICE. */
export type GeneralNameValue =
  | { readonly kind: "otherName"; readonly typeId: string; readonly value: Uint8Array }
  | { readonly kind: "rfc822Name" | "dNSName" | "uri"; readonly text: string }
  | { readonly kind: "iPAddress"; readonly text: string }
  | { readonly kind: "registeredID"; readonly oid: string }
  | { readonly kind: "directoryName"; readonly name: DecodedName }
  | { readonly kind: "other"; readonly tag: number };

/** `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }`. */
export interface DecodedBasicConstraints {
  readonly cA: boolean;
  readonly pathLenConstraint?: number;
}

const TAG_NULL = 0x05;
const TAG_UTF8_STRING = 0x0c;
const TAG_PRINTABLE_STRING = 0x13;
const TAG_TELETEX_STRING = 0x14;
const TAG_IA5_STRING = 0x16;
const TAG_UTC_TIME = 0x17;
const TAG_GENERALIZED_TIME = 0x18;
const TAG_UNIVERSAL_STRING = 0x1c;
const TAG_BMP_STRING = 0x1e;
const TAG_SET = 0x31;

/** One extension: its id, whether it is critical, and its value (the OCTET STRING's contents). */
export interface CertificateExtension {
  readonly extnID: string;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/**
 * Decodes the DER of `Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension`, each
 * `SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }`.
 * `critical` is only ever encoded TRUE: DER never encodes a DEFAULT value (X.690 11.5).
 */
export function decodeExtensions(der: Uint8Array): CertificateExtension[] {
  const list = sequence(parseDerNode(der), "Extensions");
  if (list.length === 0) throw new DerError("an empty extensions SEQUENCE");
  return list.map((extension) => {
    const fields = extension.tag === TAG_SEQUENCE ? derChildren(extension) : [];
    const hasCritical = fields[1]?.tag === TAG_BOOLEAN;
    const value = fields[hasCritical ? 2 : 1];
    if (
      fields[0]?.tag !== TAG_OID || value?.tag !== TAG_OCTET_STRING ||
      fields.length !== (hasCritical ? 3 : 2)
    ) {
      throw new DerError("an extension is not SEQUENCE { OID, [BOOLEAN], OCTET STRING }");
    }
    if (hasCritical && !decodeDerBoolean(fields[1])) {
      throw new DerError("an extension encodes critical FALSE, its DEFAULT (not DER)");
    }
    return { extnID: decodeDerOid(fields[0]), critical: hasCritical, value: value.value };
  });
}

/** Decodes the DER of an AlgorithmIdentifier. */
export function decodeAlgorithmId(der: Uint8Array): AlgorithmId {
  return algorithmOf(parseDerNode(der));
}

/** Signature algorithms whose AlgorithmIdentifier has no parameters (RFC 5758 3.2, RFC 8410 3). */
const NO_PARAMETERS = new Set([
  "1.2.840.10045.4.3.1",
  "1.2.840.10045.4.3.2",
  "1.2.840.10045.4.3.3",
  "1.2.840.10045.4.3.4",
  "1.3.101.112",
]);
/** sha*WithRSAEncryption: NULL parameters (RFC 4055 5), or none as some encoders write it. */
const NULL_PARAMETERS = new Set([
  "1.2.840.113549.1.1.5",
  "1.2.840.113549.1.1.11",
  "1.2.840.113549.1.1.12",
  "1.2.840.113549.1.1.13",
]);

/**
 * Decodes the DER of a certificate's signature AlgorithmIdentifier: as
 * {@link decodeAlgorithmId}, and ECDSA and Ed25519 have no parameters, PKCS#1 RSA ones NULL.
 */
export function decodeSignatureAlgorithm(der: Uint8Array): AlgorithmId {
  const id = decodeAlgorithmId(der);
  const params = id.parameters;
  if (params && NO_PARAMETERS.has(id.algorithm)) {
    throw new DerError(`signature algorithm ${id.algorithm} has parameters (it has none)`);
  }
  if (params && NULL_PARAMETERS.has(id.algorithm) && !(params.length === 2 && params[0] === 5)) {
    throw new DerError(`signature algorithm ${id.algorithm} has parameters other than NULL`);
  }
  return id;
}

function algorithmOf(node: DerNode): AlgorithmId {
  const fields = sequence(node, "AlgorithmIdentifier");
  if (fields.length < 1 || fields.length > 2) {
    throw new DerError("an AlgorithmIdentifier is an OID and optional parameters");
  }
  const algorithm = decodeDerOid(fields[0]);
  return fields.length === 2 ? { algorithm, parameters: fields[1].bytes } : { algorithm };
}

/** Decodes the DER of a Name (`RDNSequence`: a SEQUENCE of SETs of type-and-value pairs). */
export function decodeName(der: Uint8Array): DecodedName {
  return nameOf(parseDerNode(der));
}

function nameOf(node: DerNode): DecodedName {
  return sequence(node, "Name").map((rdn) => {
    if (rdn.tag !== TAG_SET) throw new DerError("a Name's RDN is not a SET");
    const attributes = derChildren(rdn);
    if (attributes.length === 0) throw new DerError("a Name's RDN is empty (SIZE (1..MAX))");
    return attributes.map((atv) => {
      const pair = sequence(atv, "AttributeTypeAndValue");
      if (pair.length !== 2) throw new DerError("an AttributeTypeAndValue is not a type and value");
      return { type: decodeDerOid(pair[0]), value: nameValue(pair[1]) };
    });
  });
}

function nameValue(node: DerNode): NameValue {
  const bytes = node.bytes;
  switch (node.tag) {
    case TAG_TELETEX_STRING:
      return { kind: "teletex", text: latin1(node.value), bytes };
    case TAG_PRINTABLE_STRING:
      return { kind: "printable", text: printable(node.value), bytes };
    case TAG_UNIVERSAL_STRING:
      return { kind: "universal", text: ucs4(node.value), bytes };
    case TAG_UTF8_STRING:
      return { kind: "utf8", text: utf8(node.value), bytes };
    case TAG_BMP_STRING:
      return { kind: "bmp", text: utf16be(node.value), bytes };
    case TAG_IA5_STRING:
      return { kind: "ia5", text: ia5(node.value), bytes };
    default:
      return { kind: "any", bytes };
  }
}

/** Decodes the DER of a Validity (`SEQUENCE { notBefore Time, notAfter Time }`). */
export function decodeValidity(der: Uint8Array): DecodedValidity {
  const fields = sequence(parseDerNode(der), "Validity");
  if (fields.length !== 2) throw new DerError("a Validity is two times");
  return { notBefore: timeOf(fields[0]), notAfter: timeOf(fields[1]) };
}

/**
 * A `Time` as RFC 5280 4.1.2.5 allows it: UTCTime `YYMMDDHHMMSSZ` (years 50–99 are 19xx) for
 * 1950–2049, GeneralizedTime `YYYYMMDDHHMMSSZ` (no fractional seconds) from 2050 on; a real
 * calendar time.
 */
function timeOf(node: DerNode): Date {
  const text = latin1(node.value);
  let match: RegExpMatchArray | null;
  let year: number;
  if (node.tag === TAG_UTC_TIME) {
    match = text.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/);
    if (!match) throw new DerError(`UTCTime "${text}" is not YYMMDDHHMMSSZ`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (node.tag === TAG_GENERALIZED_TIME) {
    match = text.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/);
    if (!match) throw new DerError(`GeneralizedTime "${text}" is not YYYYMMDDHHMMSSZ`);
    year = Number(match[1]);
    if (year < 2050) {
      throw new DerError(`GeneralizedTime "${text}" is before 2050 (RFC 5280: a UTCTime)`);
    }
  } else {
    throw new DerError("a Time is a UTCTime or a GeneralizedTime");
  }
  const [month, day, hour, minute, second] = match.slice(2, 7).map(Number);
  const time = calendarTime(year, month, day, hour, minute, second);
  if (!time) throw new DerError(`"${text}" is not a valid calendar time`);
  return time;
}

/**
 * The UTC time these fields name, when it is a real calendar time (`Date` would roll 30 February
 * over to 2 March, or 24:00 to the next day); undefined when it is not. `month` counts from 1; a
 * year below 100 is never one (`Date.UTC` reads it as 19xx).
 */
export function calendarTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): Date | undefined {
  const time = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const same = time.getUTCFullYear() === year && time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day && time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute && time.getUTCSeconds() === second;
  return same ? time : undefined;
}

/**
 * A SubjectPublicKeyInfo's algorithm and key bits (the BIT STRING's contents after its
 * unused-bits octet, as the schema gave them). Every key cargo-attest reads (EC points, Ed25519,
 * RSA's DER) is whole octets, so the BIT STRING must have no unused bits: WebCrypto and the
 * prehashed path (which reads these bytes) would otherwise disagree on what the key is.
 */
export function decodeSpki(der: Uint8Array): { algorithm: AlgorithmId; publicKey: Uint8Array } {
  const fields = sequence(parseDerNode(der), "SubjectPublicKeyInfo");
  if (fields.length !== 2 || fields[1].tag !== TAG_BIT_STRING || fields[1].value.length < 1) {
    throw new DerError("a SubjectPublicKeyInfo is an AlgorithmIdentifier and a BIT STRING");
  }
  if (fields[1].value[0] !== 0) {
    throw new DerError("a SubjectPublicKeyInfo's key has unused bits (it is whole octets)");
  }
  return { algorithm: algorithmOf(fields[0]), publicKey: fields[1].value.subarray(1) };
}

/** The DER of `SEQUENCE { SEQUENCE { algorithm, NULL }, BIT STRING { 0, key } }`. */
export function encodeSpkiWithNullParameters(
  algorithmOid: Uint8Array,
  key: Uint8Array,
): Uint8Array {
  const algorithm = element(TAG_SEQUENCE, [algorithmOid, new Uint8Array([TAG_NULL, 0])]);
  const bits = element(TAG_BIT_STRING, [new Uint8Array([0]), key]);
  return element(TAG_SEQUENCE, [algorithm, bits]);
}

function element(tag: number, parts: readonly Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const header = length < 0x80
    ? [tag, length]
    : length < 0x100
    ? [tag, 0x81, length]
    : length < 0x10000
    ? [tag, 0x82, length >> 8, length & 0xff]
    : [tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  const out = new Uint8Array(header.length + length);
  out.set(header);
  let at = header.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decodes a subjectAltName extension's value (`GeneralNames`). */
export function decodeGeneralNames(der: Uint8Array): GeneralNameValue[] {
  return nonEmpty(sequence(parseDerNode(der), "GeneralNames"), "GeneralNames").map(generalName);
}

/** A `SIZE (1..MAX)` list's elements. */
function nonEmpty(list: DerNode[], what: string): DerNode[] {
  if (list.length === 0) throw new DerError(`${what} is empty (SIZE (1..MAX))`);
  return list;
}

function generalName(node: DerNode): GeneralNameValue {
  switch (node.tag) {
    case 0xa0: {
      // otherName [0] IMPLICIT SEQUENCE { type-id OID, value [0] EXPLICIT ANY }
      const fields = derChildren(node);
      if (fields.length !== 2 || fields[1].tag !== 0xa0) {
        throw new DerError("an otherName is an OID and an explicit [0] value");
      }
      const inner = derChildren(fields[1]);
      if (inner.length !== 1) throw new DerError("an otherName's value is one element");
      return { kind: "otherName", typeId: decodeDerOid(fields[0]), value: inner[0].bytes };
    }
    case 0x81:
      return { kind: "rfc822Name", text: ia5(node.value) };
    case 0x82:
      return { kind: "dNSName", text: ia5(node.value) };
    case 0x86: {
      // As Go's url.Parse (so crypto/x509) refuses them.
      if (node.value.some((b) => b < 0x20 || b === 0x7f)) {
        throw new DerError("a URI with a control character");
      }
      return { kind: "uri", text: ia5(node.value) };
    }
    case 0x87:
      if (node.value.length !== 4 && node.value.length !== 16) {
        throw new DerError(`an iPAddress of ${node.value.length} octets`);
      }
      return { kind: "iPAddress", text: ipText(node.value) };
    case 0x88:
      return { kind: "registeredID", oid: decodeDerOid({ ...node, tag: TAG_OID }) };
    case 0xa4: {
      // directoryName [4] EXPLICIT Name
      const inner = derChildren(node);
      if (inner.length !== 1) throw new DerError("a directoryName is one Name");
      return { kind: "directoryName", name: nameOf(inner[0]) };
    }
    default:
      return { kind: "other", tag: node.tag };
  }
}

function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join(".");
  if (bytes.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    return groups.join(":");
  }
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks the DER of a certificate's serialNumber and returns its contents octets: an INTEGER
 * (X.690 8.3: at least one octet, minimal) that is not negative (RFC 5280 4.1.2.2 asks for a
 * positive one; zero, which non-conforming CAs issued, is tolerated as the RFC asks users to).
 */
export function decodeSerialNumber(der: Uint8Array): Uint8Array {
  const node = parseDerNode(der);
  if (node.tag !== TAG_INTEGER) throw new DerError("the serialNumber is not an INTEGER");
  const bytes = node.value;
  if (bytes.length === 0) throw new DerError("the serialNumber is an empty INTEGER");
  if (bytes.length > 1 && bytes[0] === 0 && (bytes[1] & 0x80) === 0) {
    throw new DerError("the serialNumber is a non-minimal INTEGER");
  }
  if (bytes[0] & 0x80) throw new DerError("the serialNumber is negative");
  return bytes;
}

/**
 * Decodes a basicConstraints extension's value: cA is only ever encoded TRUE (DER never encodes
 * its DEFAULT FALSE, X.690 11.5), pathLenConstraint is `INTEGER (0..MAX)`.
 */
export function decodeBasicConstraints(der: Uint8Array): DecodedBasicConstraints {
  const fields = sequence(parseDerNode(der), "BasicConstraints");
  let at = 0;
  let cA = false;
  if (fields[at]?.tag === TAG_BOOLEAN) {
    cA = decodeDerBoolean(fields[at++]);
    if (!cA) throw new DerError("BasicConstraints encodes cA FALSE, its DEFAULT (not DER)");
  }
  let pathLenConstraint: number | undefined;
  if (fields[at]?.tag === TAG_INTEGER) {
    pathLenConstraint = smallInteger(fields[at++]);
    if (pathLenConstraint < 0) throw new DerError("a negative pathLenConstraint");
  }
  if (at !== fields.length) throw new DerError("BasicConstraints has unexpected fields");
  return pathLenConstraint === undefined ? { cA } : { cA, pathLenConstraint };
}

/**
 * Decodes a keyUsage extension's value (a BIT STRING) into a test of its bits (bit 0 is
 * digitalSignature). The BIT STRING is DER: 0 to 7 unused bits, none in an empty string, and the
 * unused bits zero (X.690 8.6.2, 11.2.1); as a named bit list, without trailing zero bits (11.2.2).
 */
export function decodeKeyUsage(der: Uint8Array): (bit: number) => boolean {
  const node = parseDerNode(der);
  if (node.tag !== TAG_BIT_STRING) throw new DerError("keyUsage is not a BIT STRING");
  const bits = bitStringBits(node.value);
  if (bits.length && ((bits[bits.length - 1] >> node.value[0]) & 1) === 0) {
    throw new DerError("keyUsage keeps trailing zero bits (DER drops them)");
  }
  return (bit) => bit >> 3 < bits.length && ((bits[bit >> 3] >> (7 - (bit & 7))) & 1) === 1;
}

/**
 * Checks the DER of a TBSCertificate's issuerUniqueID (`[1]`) or subjectUniqueID (`[2]`): an
 * IMPLICIT BIT STRING, so primitive (DER never uses the constructed form, X.690 10.2) and DER.
 */
export function checkUniqueIdentifier(der: Uint8Array): void {
  const node = parseDerNode(der);
  if (node.tag !== 0x81 && node.tag !== 0x82) {
    throw new DerError("a unique identifier is a primitive [1] or [2] BIT STRING");
  }
  bitStringBits(node.value);
}

/**
 * The bit octets of a DER BIT STRING's contents: 0 to 7 unused bits, none in an empty string,
 * and the unused bits zero (X.690 8.6.2, 11.2.1).
 */
function bitStringBits(contents: Uint8Array): Uint8Array {
  if (contents.length < 1) throw new DerError("a BIT STRING without its unused-bits octet");
  const unused = contents[0];
  const bits = contents.subarray(1);
  if (unused > 7 || (bits.length === 0 && unused !== 0)) {
    throw new DerError(`a BIT STRING with ${unused} unused bits in ${bits.length} octets`);
  }
  if (bits.length && (bits[bits.length - 1] & ((1 << unused) - 1)) !== 0) {
    throw new DerError("a BIT STRING whose unused bits are not zero");
  }
  return bits;
}

/** Decodes an extKeyUsage extension's value (`SEQUENCE OF KeyPurposeId`). */
export function decodeExtKeyUsage(der: Uint8Array): string[] {
  return nonEmpty(sequence(parseDerNode(der), "ExtKeyUsageSyntax"), "ExtKeyUsageSyntax")
    .map(decodeDerOid);
}

function smallInteger(node: DerNode): number {
  const bytes = node.value;
  if (bytes.length === 0 || bytes.length > 6) throw new DerError("an INTEGER out of range");
  if (bytes.length > 1 && (bytes[0] === 0 && (bytes[1] & 0x80) === 0)) {
    throw new DerError("non-minimal INTEGER");
  }
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return (bytes[0] & 0x80) ? value - 256 ** bytes.length : value;
}

function sequence(node: DerNode, what: string): DerNode[] {
  if (node.tag !== TAG_SEQUENCE) throw new DerError(`${what} is not a SEQUENCE`);
  return derChildren(node);
}

function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return text;
}

/** An IA5String's text: ASCII only. */
function ia5(bytes: Uint8Array): string {
  if (bytes.some((b) => b > 0x7f)) throw new DerError("an IA5String with a non-ASCII byte");
  return latin1(bytes);
}

/** A PrintableString's text (its X.680 set, plus `*` and `&` as Go's crypto/x509 allows). */
function printable(bytes: Uint8Array): string {
  const text = latin1(bytes);
  if (!/^[A-Za-z0-9 '()+,\-./:=?*&]*$/.test(text)) {
    throw new DerError("a PrintableString with a character outside its set");
  }
  return text;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A UTF8String's text; bytes that are not UTF-8 are a {@link DerError}. */
function utf8(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new DerError("a UTF8String that is not UTF-8");
  }
}

function utf16be(bytes: Uint8Array): string {
  if (bytes.length % 2 !== 0) throw new DerError("a BMPString of an odd number of octets");
  let text = "";
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    text += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
  }
  return text;
}

function ucs4(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new DerError("a UniversalString of partial characters");
  let text = "";
  for (let i = 0; i + 3 < bytes.length; i += 4) {
    // As asn1js reads it: each code point as one UTF-16 unit.
    text += String.fromCharCode((bytes[i + 2] << 8) | bytes[i + 3]);
  }
  return text;
}
