/**
 * Sigstore trusted roots (`application/vnd.dev.sigstore.trustedroot+json`): parsed into typed,
 * decoded trust material. Parsing is pure; loading files and embedding live elsewhere.
 * @module
 */
import { decodeBase64, encodeHex, utf8 } from "../crypto/bytes.ts";
import { digestBytes } from "../crypto/digest_bytes.ts";
import {
  parsePkcs1RsaPublicKey,
  parsePublicKey,
  type PublicKeyMaterial,
} from "../crypto/signature.ts";

/** A closed validity interval; a missing bound is unbounded. Both ends are inclusive. */
export interface ValidityWindow {
  /** The first instant the key or authority is valid (unbounded when missing). */
  readonly start?: Date;
  /** The last instant it is valid (unbounded when missing: still in use). */
  readonly end?: Date;
}

/** A transparency log (Rekor) or certificate transparency log key. */
export interface TransparencyLogKey {
  /** The log's base URL as given in the root. */
  readonly baseUrl: string;
  /** The log id: SHA-256 of the DER public key for Rekor v1 and CT logs; as given for Rekor v2. */
  readonly logId: Uint8Array;
  /** Rekor v2 logs may publish a distinct checkpoint key id (signed-note key hint source). */
  readonly checkpointKeyId?: Uint8Array;
  /** The log's public key. */
  readonly key: PublicKeyMaterial;
  /** The key's `keyDetails` string from the root (e.g. `PKIX_ECDSA_P256_SHA_256`). */
  readonly keyDetails: string;
  /** When the key may be used. */
  readonly validFor: ValidityWindow;
}

/** A certificate authority (Fulcio) or timestamp authority (RFC 3161 TSA). */
export interface CertificateAuthority {
  /** The authority's URI as given in the root. */
  readonly uri: string;
  /** The authority's subject as given in the root. */
  readonly subject: { readonly organization?: string; readonly commonName?: string };
  /** DER certificates in the root's order: the issuing (leaf-most) certificate first, the root last. */
  readonly certChain: readonly Uint8Array[];
  /** When the authority may be used. */
  readonly validFor: ValidityWindow;
}

/** A parsed trusted root. */
export interface TrustedRoot {
  /** A short name for reports (`public-good`, `github`, or the file name). */
  readonly name: string;
  /** SHA-256 (hex) of the JSON bytes it was parsed from. */
  readonly sha256: string;
  /** The transparency logs (Rekor). */
  readonly tlogs: readonly TransparencyLogKey[];
  /** The certificate transparency logs (for Fulcio certificates' SCTs). */
  readonly ctlogs: readonly TransparencyLogKey[];
  /** The certificate authorities (Fulcio) that issue signing certificates. */
  readonly certificateAuthorities: readonly CertificateAuthority[];
  /** The RFC 3161 timestamp authorities. */
  readonly timestampAuthorities: readonly CertificateAuthority[];
  /** Where the root came from (absent: not said, e.g. a root built in a test). */
  readonly origin?: RootOrigin;
}

/**
 * Where a trusted root came from, for the report: compiled in, a TUF repository (its root and
 * targets versions, when the metadata expires), or a file named with `--trusted-root`.
 */
export type RootOrigin =
  | { readonly kind: "embedded"; readonly note?: string }
  | {
    readonly kind: "tuf";
    readonly tufRootVersion: number;
    readonly tufTargetsVersion: number;
    readonly expires: string;
    readonly url?: string;
  }
  | { readonly kind: "file"; readonly path: string };

/** Raised when a trusted root document is not usable; names the field at fault. */
export class TrustedRootError extends Error {
  override name = "TrustedRootError";
}

/** True when `time` lies inside the closed window. */
export function isWithinWindow(window: ValidityWindow, time: Date): boolean {
  const t = time.getTime();
  if (window.start && t < window.start.getTime()) return false;
  if (window.end && t > window.end.getTime()) return false;
  return true;
}

type Json = Record<string, unknown>;

/**
 * The trusted root media types: `application/vnd.dev.sigstore.trustedroot+json;version=0.1` (the
 * old form) and `application/vnd.dev.sigstore.trustedroot.v0.N+json` (protobuf-specs v0.4 on).
 * A newer minor version only adds fields, which are ignored.
 */
const TRUSTED_ROOT_MEDIA_TYPE =
  /^application\/vnd\.dev\.sigstore\.trustedroot(\+json;version=0\.\d+|\.v0\.\d+\+json)$/;

function asObject(value: unknown, where: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TrustedRootError(`${where}: expected an object`);
  }
  return value as Json;
}

function asArray(value: unknown, where: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new TrustedRootError(`${where}: expected an array`);
  return value;
}

/**
 * Parses an RFC 3339 time. JavaScript dates hold milliseconds; a finer fraction is rounded
 * toward the inside of the window (a start up, an end down), so that a closed window is never
 * widened by the rounding.
 */
function parseTime(value: unknown, where: string, bound: "start" | "end"): Date {
  if (typeof value !== "string") throw new TrustedRootError(`${where}: expected an RFC 3339 time`);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new TrustedRootError(`${where}: "${value}" is not an RFC 3339 time`);
  }
  const fraction = value.match(/\.(\d+)/)?.[1] ?? "";
  if (bound === "start" && /[1-9]/.test(fraction.slice(3))) {
    return new Date(date.getTime() + 1);
  }
  return date;
}

/**
 * Parses a `validFor` TimeRange (protobuf-specs `sigstore_common.proto`): `start` is required
 * (sigstore-go refuses a log key without it; a window with no start would trust the entry for
 * any past time), `end` is optional (still valid). Both ends are inclusive.
 */
function parseWindow(value: unknown, where: string): ValidityWindow {
  if (value === undefined || value === null) {
    throw new TrustedRootError(`${where}.start is missing (${where} is missing)`);
  }
  const obj = asObject(value, where);
  if (obj.start === undefined || obj.start === null) {
    throw new TrustedRootError(`${where}.start is missing`);
  }
  const start = parseTime(obj.start, `${where}.start`, "start");
  const end = obj.end === undefined || obj.end === null
    ? undefined
    : parseTime(obj.end, `${where}.end`, "end");
  if (end && end.getTime() < start.getTime()) {
    throw new TrustedRootError(`${where}: end ${end.toISOString()} precedes start`);
  }
  return { start, end };
}

function parseB64(value: unknown, where: string): Uint8Array {
  if (typeof value !== "string") throw new TrustedRootError(`${where}: expected base64 text`);
  try {
    return decodeBase64(value);
  } catch {
    throw new TrustedRootError(`${where}: not valid base64`);
  }
}

function parseLog(value: unknown, where: string): TransparencyLogKey | undefined {
  const obj = asObject(value, where);
  const publicKey = asObject(obj.publicKey, `${where}.publicKey`);
  const validFor = parseWindow(publicKey.validFor, `${where}.publicKey.validFor`);
  if (publicKey.rawBytes === undefined) return undefined; // a log without a key cannot verify anything
  const spki = parseB64(publicKey.rawBytes, `${where}.publicKey.rawBytes`);
  let key: PublicKeyMaterial;
  try {
    key = typeof publicKey.keyDetails === "string" && publicKey.keyDetails.startsWith("PKCS1_")
      ? parsePkcs1RsaPublicKey(spki)
      : parsePublicKey(spki);
  } catch (cause) {
    throw new TrustedRootError(`${where}.publicKey: ${(cause as Error).message}`, { cause });
  }
  const logId = asObject(obj.logId, `${where}.logId`);
  const checkpointKeyId = obj.checkpointKeyId == null ? undefined : parseB64(
    asObject(obj.checkpointKeyId, `${where}.checkpointKeyId`).keyId,
    `${where}.checkpointKeyId.keyId`,
  );
  return {
    baseUrl: typeof obj.baseUrl === "string" ? obj.baseUrl : "",
    logId: parseB64(logId.keyId, `${where}.logId.keyId`),
    checkpointKeyId,
    key,
    keyDetails: typeof publicKey.keyDetails === "string" ? publicKey.keyDetails : "",
    validFor,
  };
}

function parseAuthority(value: unknown, where: string): CertificateAuthority {
  const obj = asObject(value, where);
  const subject = obj.subject === undefined ? {} : asObject(obj.subject, `${where}.subject`);
  const chain = asObject(obj.certChain, `${where}.certChain`);
  const certificates = asArray(chain.certificates, `${where}.certChain.certificates`).map((c, i) =>
    parseB64(
      asObject(c, `${where}.certChain.certificates[${i}]`).rawBytes,
      `${where}.certChain.certificates[${i}].rawBytes`,
    )
  );
  if (certificates.length === 0) throw new TrustedRootError(`${where}.certChain: no certificates`);
  return {
    uri: typeof obj.uri === "string" ? obj.uri : "",
    subject: {
      organization: typeof subject.organization === "string" ? subject.organization : undefined,
      commonName: typeof subject.commonName === "string" ? subject.commonName : undefined,
    },
    certChain: certificates,
    validFor: parseWindow(obj.validFor, `${where}.validFor`),
  };
}

/**
 * Parses trusted root JSON text. `name` labels it in reports and messages.
 * Throws {@link TrustedRootError} naming the field at fault.
 */
export async function parseTrustedRoot(text: string, name: string): Promise<TrustedRoot> {
  try {
    return await parseDocument(text, name);
  } catch (error) {
    if (error instanceof TrustedRootError) {
      throw new TrustedRootError(`${name}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * Known fields are read; any other field (a newer TrustedRoot's `operator`, future additions) is
 * ignored, as protobuf JSON parsing does. Error paths are relative to the document.
 */
async function parseDocument(text: string, name: string): Promise<TrustedRoot> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new TrustedRootError(`not JSON (${(cause as Error).message})`, { cause });
  }
  const obj = asObject(doc, "the document");
  const mediaType = obj.mediaType;
  if (typeof mediaType !== "string" || !TRUSTED_ROOT_MEDIA_TYPE.test(mediaType)) {
    throw new TrustedRootError(
      `mediaType ${JSON.stringify(mediaType)} is not a Sigstore trusted root ` +
        `(expected application/vnd.dev.sigstore.trustedroot.v0.2+json, ` +
        `application/vnd.dev.sigstore.trustedroot.v0.1+json or ` +
        `application/vnd.dev.sigstore.trustedroot+json;version=0.1)`,
    );
  }
  const logs = (field: string) =>
    asArray(obj[field], field)
      .map((v, i) => parseLog(v, `${field}[${i}]`))
      .filter((v): v is TransparencyLogKey => v !== undefined);
  const authorities = (field: string) =>
    asArray(obj[field], field).map((v, i) => parseAuthority(v, `${field}[${i}]`));
  return {
    name,
    sha256: encodeHex(await digestBytes(utf8(text))),
    tlogs: logs("tlogs"),
    ctlogs: logs("ctlogs"),
    certificateAuthorities: authorities("certificateAuthorities"),
    timestampAuthorities: authorities("timestampAuthorities"),
  };
}
