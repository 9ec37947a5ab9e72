/**
 * The signer identity a Fulcio certificate carries: Subject Alternative Names, the OIDC issuer
 * and the other Fulcio extensions (`1.3.6.1.4.1.57264.1.*`, see Fulcio's `docs/oid-info.md`).
 *
 * Pure parsing, no cryptography: nothing here says the certificate is trusted. Callers verify the
 * chain first (`lib/crypto/x509_chain.ts`) and only then read identities from it.
 * @module
 */
import {
  type CertificateExtension,
  type DecodedCertificate,
  parseAsnCertificate,
} from "../crypto/asn1_certificate.ts";
import { encodeHex } from "../crypto/bytes.ts";
import { type DerNode, parseDerNode } from "../crypto/der.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";
import {
  type DecodedName,
  decodeGeneralNames,
  type GeneralNameValue,
  type NameValue,
} from "../crypto/x509_fields.ts";

/** One Subject Alternative Name entry, classified. */
export interface SanEntry {
  /**
   * `uri` (uniformResourceIdentifier), `email` (rfc822Name), `dns` (dNSName), `otherName` (the
   * Fulcio username form, OID `1.3.6.1.4.1.57264.1.7`), or `unknown` for anything else (an IP
   * address, a directory name, another otherName type…); `unknown` entries never match an identity.
   */
  readonly kind: "uri" | "email" | "otherName" | "dns" | "unknown";
  /** The name as text; for `unknown` a descriptive form such as `ip:10.0.0.1`. */
  readonly value: string;
}

/** What a (Fulcio) signing certificate says about its signer. */
export interface CertificateIdentity {
  /** Every Subject Alternative Name, in certificate order. */
  san: SanEntry[];
  /** The OIDC issuer: extension 1.8 (DER UTF8String) when present, else deprecated 1.1 (raw). */
  issuer?: string;
  /**
   * Fulcio extensions by friendly name → value: `issuerV1` (1.1), `githubWorkflowTrigger` (1.2),
   * `githubWorkflowSha` (1.3), `githubWorkflowName` (1.4), `githubWorkflowRepository` (1.5),
   * `githubWorkflowRef` (1.6), `issuer` (1.8), `buildSignerURI` (1.9), `buildSignerDigest` (1.10),
   * `runnerEnvironment` (1.11), `sourceRepositoryURI` (1.12), `sourceRepositoryDigest` (1.13),
   * `sourceRepositoryRef` (1.14), `sourceRepositoryIdentifier` (1.15), `sourceRepositoryOwnerURI`
   * (1.16), `sourceRepositoryOwnerIdentifier` (1.17), `buildConfigURI` (1.18), `buildConfigDigest`
   * (1.19), `buildTrigger` (1.20), `runInvocationURI` (1.21), `sourceRepositoryVisibilityAtSigning`
   * (1.22), `deploymentEnvironment` (1.23). Other `1.3.6.1.4.1.57264.1.N` extensions appear under
   * their dotted OID when they hold a DER UTF8String. A value that is not validly encoded (not
   * UTF-8, or for 1.8+ not a DER UTF8String) is left out rather than guessed at.
   */
  extensions: Record<string, string>;
  /** Start of the certificate's validity. */
  notBefore: Date;
  /** End of the certificate's validity. */
  notAfter: Date;
  /** Subject distinguished name as an RFC 4514 string (empty for Fulcio leaves). */
  subjectDn: string;
  /** Issuer distinguished name as an RFC 4514 string, e.g. `CN=sigstore-intermediate,O=sigstore.dev`. */
  issuerDn: string;
}

/** Thrown by {@link parseCertificateIdentity} when the bytes are not a DER X.509 certificate. */
export class CertificateParseError extends Error {
  override name = "CertificateParseError";
}

const FULCIO_PREFIX = "1.3.6.1.4.1.57264.1.";
const OID_OTHERNAME_SAN = "1.3.6.1.4.1.57264.1.7";
const OID_SAN = "2.5.29.17";

/** Fulcio extension arc number → friendly name (docs/oid-info.md). */
const FULCIO_NAMES: Record<number, string> = {
  1: "issuerV1",
  2: "githubWorkflowTrigger",
  3: "githubWorkflowSha",
  4: "githubWorkflowName",
  5: "githubWorkflowRepository",
  6: "githubWorkflowRef",
  8: "issuer",
  9: "buildSignerURI",
  10: "buildSignerDigest",
  11: "runnerEnvironment",
  12: "sourceRepositoryURI",
  13: "sourceRepositoryDigest",
  14: "sourceRepositoryRef",
  15: "sourceRepositoryIdentifier",
  16: "sourceRepositoryOwnerURI",
  17: "sourceRepositoryOwnerIdentifier",
  18: "buildConfigURI",
  19: "buildConfigDigest",
  20: "buildTrigger",
  21: "runInvocationURI",
  22: "sourceRepositoryVisibilityAtSigning",
  23: "deploymentEnvironment",
};

/** RFC 4514 short names; anything else prints as its dotted OID. */
const DN_SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "2.5.4.9": "STREET",
  "0.9.2342.19200300.100.1.25": "DC",
  "0.9.2342.19200300.100.1.1": "UID",
};

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Decodes a complete DER UTF8String TLV (tag 0x0c); `undefined` when it is anything else. */
function decodeDerUtf8String(bytes: Uint8Array): string | undefined {
  let node: DerNode;
  try {
    node = parseDerNode(bytes);
  } catch {
    return undefined;
  }
  return node.tag === TAG_UTF8_STRING ? decodeUtf8(node.value) : undefined;
}

/** The DER tag of a UTF8String. */
const TAG_UTF8_STRING = 0x0c;

function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars.map((c, i) => {
    if (c === "\0") return "\\00";
    const edge = (i === 0 && (c === "#" || c === " ")) || (i === chars.length - 1 && c === " ");
    return edge || '\\"+,;<>'.includes(c) ? "\\" + c : c;
  }).join("");
}

function attributeText(value: NameValue): string {
  if (value.text !== undefined) return escapeDnValue(value.text);
  const isNull = value.bytes.length === 2 && value.bytes[0] === 0x05 && value.bytes[1] === 0;
  return "#" + (isNull ? "" : encodeHex(value.bytes));
}

/** Formats a Name as RFC 4514 text: last RDN first, RDNs joined by `,`, multi-valued with `+`. */
function formatName(name: DecodedName): string {
  return [...name].reverse().map((rdn) =>
    [...rdn].map((atv) => `${DN_SHORT_NAMES[atv.type] ?? atv.type}=${attributeText(atv.value)}`)
      .join("+")
  ).join(",");
}

function parseSan(extension: CertificateExtension): SanEntry[] {
  let names: GeneralNameValue[];
  try {
    names = decodeGeneralNames(extension.value);
  } catch {
    return [{ kind: "unknown", value: "unparseable subjectAltName" }];
  }
  return names.map((name): SanEntry => {
    switch (name.kind) {
      case "uri":
        return { kind: "uri", value: name.text };
      case "rfc822Name":
        return { kind: "email", value: name.text };
      case "dNSName":
        return { kind: "dns", value: name.text };
      case "otherName": {
        const value = name.typeId === OID_OTHERNAME_SAN
          ? decodeDerUtf8String(name.value)
          : undefined;
        return value === undefined
          ? { kind: "unknown", value: `otherName:${name.typeId}` }
          : { kind: "otherName", value };
      }
      case "iPAddress":
        return { kind: "unknown", value: `ip:${name.text}` };
      case "registeredID":
        return { kind: "unknown", value: `registeredID:${name.oid}` };
      case "directoryName":
        return { kind: "unknown", value: `dirName:${formatName(name.name)}` };
      default:
        return { kind: "unknown", value: "unsupported GeneralName" };
    }
  });
}

/**
 * Reads the signer identity from a DER certificate: SANs, Fulcio extensions, validity and DNs.
 *
 * Extensions `1.3.6.1.4.1.57264.1.1`–`1.6` hold raw UTF-8 bytes; `1.8` and later hold a DER
 * UTF8String. `issuer` is `1.8` when that extension is present (even if it is malformed, in which
 * case `issuer` is left unset rather than falling back), otherwise `1.1`.
 *
 * Throws {@link CertificateParseError} only when `leafDer` is not a DER X.509 certificate (including
 * trailing bytes and duplicated extensions, which RFC 5280 forbids); every other oddity is reported
 * in the result (an `unknown` SAN, an omitted extension value).
 */
export function parseCertificateIdentity(leafDer: Uint8Array): CertificateIdentity {
  let cert: DecodedCertificate;
  try {
    cert = parseAsnCertificate(leafDer);
  } catch (cause) {
    throw new CertificateParseError(
      `not a DER X.509 certificate (${(cause as Error).message})`,
      { cause },
    );
  }
  const extensions: Record<string, string> = {};
  let san: SanEntry[] = [];
  let issuerV2Present = false;
  const seen = new Set<string>();
  for (const extension of cert.extensions) {
    const oid = extension.extnID;
    if (seen.has(oid)) throw new CertificateParseError(`extension ${oid} appears more than once`);
    seen.add(oid);
    if (oid === OID_SAN) {
      san = parseSan(extension);
      continue;
    }
    if (!oid.startsWith(FULCIO_PREFIX)) continue;
    const arcText = oid.slice(FULCIO_PREFIX.length);
    if (!/^[1-9][0-9]*$/.test(arcText)) continue;
    const arc = Number(arcText);
    if (arc === 7) continue; // the otherName SAN OID, never an extension
    if (arc === 8) issuerV2Present = true;
    const raw = extension.value;
    const value = arc <= 6 ? decodeUtf8(raw) : decodeDerUtf8String(raw);
    if (value === undefined) continue;
    extensions[FULCIO_NAMES[arc] ?? oid] = value;
  }
  return {
    san,
    issuer: issuerV2Present ? extensions.issuer : extensions.issuerV1,
    extensions,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    subjectDn: formatName(cert.subject),
    issuerDn: formatName(cert.issuer),
  };
}

function describeSans(san: readonly SanEntry[]): string {
  if (san.length === 0) return "no Subject Alternative Name";
  return san.map((entry) => `${entry.kind} ${JSON.stringify(entry.value)}`).join(", ");
}

/**
 * Checks a certificate identity against what the policy expects: `san` must equal (exactly,
 * case-sensitively, never as a prefix or pattern) the value of one SAN entry of a known kind (URI,
 * e-mail, DNS or Fulcio otherName), and `issuer` must equal the OIDC issuer exactly. An omitted
 * expectation is not checked. Since the comparison is exact, an e-mail-looking expectation such as
 * `foo@oidc.local` never matches an otherName `foo!oidc.local`.
 *
 * Failure codes: `identity-san-mismatch`, `identity-issuer-mismatch`; messages give expected and
 * actual values.
 */
export function matchIdentity(
  identity: CertificateIdentity,
  expected: { san?: string; issuer?: string },
): Verified<void> {
  if (expected.san !== undefined) {
    const want = expected.san;
    const found = identity.san.some((entry) => entry.kind !== "unknown" && entry.value === want);
    if (!found) {
      return fail(
        "identity-san-mismatch",
        `expected the certificate identity (SAN) ${JSON.stringify(want)} exactly; ` +
          `the certificate has ${describeSans(identity.san)}`,
      );
    }
  }
  if (expected.issuer !== undefined && identity.issuer !== expected.issuer) {
    return fail(
      "identity-issuer-mismatch",
      `expected the OIDC issuer ${JSON.stringify(expected.issuer)} exactly; the certificate ` +
        (identity.issuer === undefined
          ? "has no issuer extension (1.3.6.1.4.1.57264.1.8 or .1.1)"
          : `says ${JSON.stringify(identity.issuer)}`),
    );
  }
  return ok(undefined);
}
