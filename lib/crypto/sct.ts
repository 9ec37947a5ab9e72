/**
 * Embedded Signed Certificate Timestamps (RFC 6962 §3.3): proof that Fulcio logged the
 * precertificate of a signing certificate in a certificate transparency log the trusted root names.
 * @module
 */
import { bytesEqual, concatBytes, encodeHex } from "./bytes.ts";
import { digestBytes } from "./digest_bytes.ts";
import { type HashName, verifySignature } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";
import { isWithinWindow, type TransparencyLogKey } from "../trust/trusted_root.ts";

/** What SCT verification established. */
export interface VerifiedScts {
  /** How many distinct trusted CT logs have a valid SCT for this certificate. */
  readonly verified: number;
}

/** DER encoding of OID 1.3.6.1.4.1.11129.2.4.2 (embedded SCT list), as it appears in an Extension. */
const SCT_LIST_OID_TLV = new Uint8Array([
  0x06,
  0x0a,
  0x2b,
  0x06,
  0x01,
  0x04,
  0x01,
  0xd6,
  0x79,
  0x02,
  0x04,
  0x02,
]);
const TLS_HASHES: Record<number, HashName> = { 4: "SHA-256", 5: "SHA-384", 6: "SHA-512" };
const TLS_SIGNATURES: Record<number, "rsa" | "ecdsa"> = { 1: "rsa", 3: "ecdsa" };

class Malformed extends Error {}

/** One DER element: where it starts, where its content starts and where it ends. */
interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function readTlv(bytes: Uint8Array, offset: number, limit: number = bytes.length): Tlv {
  if (offset + 2 > limit) throw new Malformed("truncated DER");
  const tag = bytes[offset];
  if ((tag & 0x1f) === 0x1f) throw new Malformed("multi-byte DER tags are not expected here");
  let length = bytes[offset + 1];
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || contentStart + count > limit) {
      throw new Malformed("bad DER length");
    }
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + bytes[contentStart + i];
    if (length < 0x80 || bytes[contentStart] === 0) throw new Malformed("non-minimal DER length");
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > limit) throw new Malformed("DER element overruns its container");
  return { tag, start: offset, contentStart, end };
}

function children(bytes: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function encodeLength(length: number): Uint8Array {
  if (length < 0x80) return new Uint8Array([length]);
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n % 256);
  return new Uint8Array([0x80 | out.length, ...out]);
}

function encodeTlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([tag]), encodeLength(content.length), content);
}

/** The parts of the leaf the precertificate is rebuilt from. */
interface LeafParts {
  /** The SCT list extension's value (the extnValue OCTET STRING content), if present. */
  readonly sctExtensionValue?: Uint8Array;
  /** DER TBSCertificate with the SCT list extension removed (RFC 6962 §3.2 precert TBS). */
  readonly precertTbs: Uint8Array;
}

function splitLeaf(der: Uint8Array): LeafParts {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) {
    throw new Malformed("certificate is not one DER SEQUENCE");
  }
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new Malformed("no TBSCertificate");
  const fields = children(der, tbs);
  const extsWrapper = fields.find((f) => f.tag === 0xa3);
  if (!extsWrapper) return { precertTbs: der.slice(tbs.start, tbs.end) };
  const extsSeq = children(der, extsWrapper);
  if (extsSeq.length !== 1 || extsSeq[0].tag !== 0x30) throw new Malformed("bad extensions field");
  const extensions = children(der, extsSeq[0]);
  let sctExtensionValue: Uint8Array | undefined;
  const kept: Uint8Array[] = [];
  for (const extension of extensions) {
    const parts = children(der, extension);
    if (extension.tag !== 0x30 || parts.length < 2 || parts[0].tag !== 0x06) {
      throw new Malformed("bad Extension");
    }
    const value = parts[parts.length - 1];
    if (value.tag !== 0x04) throw new Malformed("Extension without an OCTET STRING value");
    if (bytesEqual(der.subarray(parts[0].start, parts[0].end), SCT_LIST_OID_TLV)) {
      if (sctExtensionValue) throw new Malformed("more than one SCT list extension");
      sctExtensionValue = der.subarray(value.contentStart, value.end);
    } else {
      kept.push(der.subarray(extension.start, extension.end));
    }
  }
  // Re-encode TBSCertificate: every field as it was, the extensions without the SCT list (and the
  // [3] field left out entirely should nothing remain, as extensions is SIZE (1..MAX)).
  const rebuilt: Uint8Array[] = [];
  for (const field of fields) {
    if (field !== extsWrapper) rebuilt.push(der.subarray(field.start, field.end));
    else if (kept.length) rebuilt.push(encodeTlv(0xa3, encodeTlv(0x30, concatBytes(...kept))));
  }
  return { sctExtensionValue, precertTbs: encodeTlv(0x30, concatBytes(...rebuilt)) };
}

/** DER SubjectPublicKeyInfo of a certificate (the 7th TBSCertificate field, after [0] version). */
function subjectPublicKeyInfo(der: Uint8Array): Uint8Array {
  const cert = readTlv(der, 0);
  if (cert.tag !== 0x30 || cert.end !== der.length) {
    throw new Malformed("issuer is not one DER SEQUENCE");
  }
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new Malformed("issuer has no TBSCertificate");
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[offset + 5];
  if (!spki || spki.tag !== 0x30) throw new Malformed("issuer has no SubjectPublicKeyInfo");
  return der.slice(spki.start, spki.end);
}

/** One SCT as RFC 6962 §3.2 serialises it. */
interface Sct {
  readonly version: number;
  readonly logId: Uint8Array;
  /** The 8-byte big-endian millisecond timestamp, as signed. */
  readonly timestampBytes: Uint8Array;
  readonly timestamp: number;
  /** `extensions` with its 2-byte length prefix, as signed. */
  readonly extensionsWithLength: Uint8Array;
  readonly hashAlgorithm: number;
  readonly signatureAlgorithm: number;
  readonly signature: Uint8Array;
}

function uint(bytes: Uint8Array, offset: number, size: number): number {
  let n = 0;
  for (let i = 0; i < size; i++) n = n * 256 + bytes[offset + i];
  return n;
}

/** Parses the TLS `SignedCertificateTimestampList` inside the extension's DER OCTET STRING. */
function parseSctList(extensionValue: Uint8Array): Sct[] {
  const octets = readTlv(extensionValue, 0);
  if (octets.tag !== 0x04 || octets.end !== extensionValue.length) {
    throw new Malformed("the SCT list extension does not hold one DER OCTET STRING");
  }
  const list = extensionValue.subarray(octets.contentStart, octets.end);
  if (list.length < 2 || uint(list, 0, 2) !== list.length - 2) {
    throw new Malformed("SCT list length does not match its contents");
  }
  const scts: Sct[] = [];
  let offset = 2;
  while (offset < list.length) {
    if (offset + 2 > list.length) throw new Malformed("truncated SCT length");
    const length = uint(list, offset, 2);
    const start = offset + 2;
    const end = start + length;
    if (length === 0 || end > list.length) throw new Malformed("SCT overruns the list");
    const s = list.subarray(start, end);
    // version(1) log_id(32) timestamp(8) extensions<0..2^16-1> hash(1) sig(1) signature<0..2^16-1>
    if (s.length < 1 + 32 + 8 + 2) throw new Malformed("truncated SCT");
    const extLength = uint(s, 41, 2);
    const afterExt = 43 + extLength;
    if (afterExt + 4 > s.length) throw new Malformed("truncated SCT extensions");
    const sigLength = uint(s, afterExt + 2, 2);
    if (afterExt + 4 + sigLength !== s.length) throw new Malformed("SCT signature length mismatch");
    scts.push({
      version: s[0],
      logId: s.slice(1, 33),
      timestampBytes: s.slice(33, 41),
      timestamp: uint(s, 33, 8),
      extensionsWithLength: s.slice(41, afterExt),
      hashAlgorithm: s[afterExt],
      signatureAlgorithm: s[afterExt + 1],
      signature: s.slice(afterExt + 4),
    });
    offset = end;
  }
  if (scts.length === 0) throw new Malformed("the SCT list is empty");
  return scts;
}

/** RFC 6962 §3.2 `digitally-signed` input for a precert_entry SCT. */
function signedData(sct: Sct, issuerKeyHash: Uint8Array, precertTbs: Uint8Array): Uint8Array {
  const tbsLength = precertTbs.length;
  return concatBytes(
    new Uint8Array([0x00, 0x00]), // sct_version v1, signature_type certificate_timestamp
    sct.timestampBytes,
    new Uint8Array([0x00, 0x01]), // entry_type precert_entry
    issuerKeyHash,
    new Uint8Array([(tbsLength >> 16) & 0xff, (tbsLength >> 8) & 0xff, tbsLength & 0xff]),
    precertTbs,
    sct.extensionsWithLength,
  );
}

/**
 * Verifies the SCTs embedded in a Fulcio leaf certificate against the trusted root's CT logs.
 *
 * For each SCT in extension 1.3.6.1.4.1.11129.2.4.2 it rebuilds what the log signed (RFC 6962
 * §3.2: v1, certificate_timestamp, the SCT's timestamp, precert_entry, SHA-256 of `issuerDer`'s
 * SubjectPublicKeyInfo, the leaf's TBSCertificate re-encoded without the SCT extension, the SCT's
 * extensions) and verifies the signature with the CT log whose `logId` equals the SCT's log id,
 * requiring the SCT's timestamp to lie within that log's `validFor` and the SCT's hash/signature
 * algorithm to match the log key. SCTs from logs the root does not list are skipped, as are
 * SCTs that fail once `threshold` distinct logs have verified.
 *
 * `issuerDer` must be the certificate that signed the leaf, as returned by
 * `verifyCertificateChain` (never an unverified bundle intermediate).
 *
 * When `ctlogs` is empty this returns `ok({ verified: 0 })` without looking at the certificate:
 * GitHub's own Sigstore instance publishes no CT logs and its certificates carry no SCTs, so
 * there is nothing to check. The caller decides whether zero is acceptable for that trusted root.
 * With `threshold` 0, a certificate without SCTs is accepted with `verified: 0`.
 *
 * Failure codes (all but `sct-malformed` mean fewer than `threshold` distinct logs verified):
 * `sct-malformed` (the leaf, the issuer or the SCT list cannot be decoded), `sct-invalid` (some
 * SCT named a log of the root but its signature, timestamp window or algorithm is wrong),
 * `sct-unknown-log` (the SCTs only name logs the root does not list), `sct-missing` (no SCT
 * extension, or too few SCTs from distinct logs). Never throws.
 */
export async function verifyEmbeddedScts(
  leafDer: Uint8Array,
  issuerDer: Uint8Array,
  ctlogs: readonly TransparencyLogKey[],
  threshold: number = 1,
): Promise<Verified<VerifiedScts>> {
  if (ctlogs.length === 0) return ok({ verified: 0 });
  let leaf: LeafParts;
  let issuerKeyHash: Uint8Array;
  try {
    leaf = splitLeaf(leafDer);
    issuerKeyHash = await digestBytes(subjectPublicKeyInfo(issuerDer));
  } catch (cause) {
    return fail(
      "sct-malformed",
      `cannot read the certificates for SCT checks: ${(cause as Error).message}`,
    );
  }
  if (!leaf.sctExtensionValue) {
    if (threshold <= 0) return ok({ verified: 0 });
    return fail(
      "sct-missing",
      `the signing certificate has no embedded SCTs (extension 1.3.6.1.4.1.11129.2.4.2); ` +
        `${threshold} from the trusted root's CT logs are required`,
    );
  }
  let scts: Sct[];
  try {
    scts = parseSctList(leaf.sctExtensionValue);
  } catch (cause) {
    return fail("sct-malformed", `embedded SCT list: ${(cause as Error).message}`);
  }

  const verifiedLogs = new Set<string>();
  const unknown: string[] = [];
  const invalid: string[] = [];
  for (const [i, sct] of scts.entries()) {
    const logIdHex = encodeHex(sct.logId);
    const label = `SCT ${i + 1} (log ${logIdHex.slice(0, 16)}…)`;
    const log = ctlogs.find((candidate) => bytesEqual(candidate.logId, sct.logId));
    if (!log) {
      unknown.push(label);
      continue;
    }
    const why = await checkSct(sct, log, issuerKeyHash, leaf.precertTbs);
    if (why) invalid.push(`${label} from ${log.baseUrl || "a CT log"}: ${why}`);
    else verifiedLogs.add(logIdHex);
  }

  const verified = verifiedLogs.size;
  if (verified >= threshold) return ok({ verified });
  const summary = `${verified} of the required ${threshold} CT log(s) verified`;
  const listed = ctlogs.map((l) => l.baseUrl || encodeHex(l.logId)).join(", ");
  if (invalid.length) {
    const extra = unknown.length
      ? `; not from a log of the trusted root: ${unknown.join(", ")}`
      : "";
    return fail("sct-invalid", `${summary}: ${invalid.join("; ")}${extra}`);
  }
  if (unknown.length) {
    return fail(
      "sct-unknown-log",
      `${summary}: ${unknown.join(", ")} name${unknown.length === 1 ? "s" : ""} no CT log of the ` +
        `trusted root (it lists ${listed})`,
    );
  }
  return fail(
    "sct-missing",
    `${summary}: the signing certificate carries SCTs from only ${verified} distinct log(s)`,
  );
}

async function checkSct(
  sct: Sct,
  log: TransparencyLogKey,
  issuerKeyHash: Uint8Array,
  precertTbs: Uint8Array,
): Promise<string | undefined> {
  if (sct.version !== 0) return `unsupported SCT version ${sct.version}`;
  const time = new Date(sct.timestamp);
  if (!Number.isSafeInteger(sct.timestamp) || !isWithinWindow(log.validFor, time)) {
    return `timestamp ${
      Number.isSafeInteger(sct.timestamp) ? time.toISOString() : sct.timestamp
    } ` +
      `is outside the log key's validity ${log.validFor.start?.toISOString() ?? "(unbounded)"}..` +
      `${log.validFor.end?.toISOString() ?? "(unbounded)"}`;
  }
  const hash = TLS_HASHES[sct.hashAlgorithm];
  const signature = TLS_SIGNATURES[sct.signatureAlgorithm];
  if (!hash || !signature) {
    return `unsupported algorithm (hash ${sct.hashAlgorithm}, signature ${sct.signatureAlgorithm})`;
  }
  const keyFamily = log.key.algorithm.startsWith("ecdsa-")
    ? "ecdsa"
    : log.key.algorithm === "rsa-pkcs1"
    ? "rsa"
    : log.key.algorithm;
  if (keyFamily !== signature) {
    return `a ${signature} SCT signature cannot come from a ${log.key.algorithm} log key`;
  }
  const valid = await verifySignature(
    log.key,
    signedData(sct, issuerKeyHash, precertTbs),
    sct.signature,
    hash,
  );
  return valid ? undefined : "signature does not verify";
}
