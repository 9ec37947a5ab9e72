/**
 * Sigstore bundles (v0.1, v0.2, v0.3; protobuf JSON in camelCase or the older snake_case
 * field names) parsed into typed evidence. Shape only: no cryptography happens here.
 * A bundle that does not have the shape its media type promises is a failure with a code and
 * the JSON path at fault, never an exception.
 * @module
 */
import { decodeBase64 } from "../crypto/bytes.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";
import { MAX_TIMESTAMPS, MAX_TLOG_ENTRIES } from "../limits.ts";

/** The bundle format versions we accept. */
export type BundleVersion = "0.1" | "0.2" | "0.3";

/** An inclusion proof in a transparency log. */
export interface InclusionProof {
  /** The entry's index in the log's Merkle tree. */
  readonly logIndex: bigint;
  /** The Merkle tree root the proof leads to. */
  readonly rootHash: Uint8Array;
  /** The size of the tree that root is of. */
  readonly treeSize: bigint;
  /** The audit path: the sibling hashes from the leaf up, as the bundle lists them. */
  readonly hashes: readonly Uint8Array[];
  /** The signed-note checkpoint text, when present. */
  readonly checkpoint?: string;
}

/** One transparency-log entry carried by a bundle. */
export interface TlogEntry {
  /** The entry's index in the log, as the bundle states it. */
  readonly logIndex: bigint;
  /** The id of the log that holds the entry (matched against the trusted root's logs). */
  readonly logId: Uint8Array;
  /** The Rekor entry kind (e.g. `hashedrekord`, `dsse`). */
  readonly kind: string;
  /** The version of that entry kind (e.g. `0.0.1`). */
  readonly kindVersion: string;
  /** Seconds since the epoch; absent (or 0) for Rekor v2 entries. */
  readonly integratedTime?: bigint;
  /** The log's signed promise of inclusion (SET), when present. */
  readonly signedEntryTimestamp?: Uint8Array;
  /** The proof that the entry is in the log's tree, when present. */
  readonly inclusionProof?: InclusionProof;
  /** The entry body as the log stored it. */
  readonly canonicalizedBody: Uint8Array;
}

/** The signer's key material. */
export type VerificationKeyMaterial =
  | {
    readonly kind: "certificate";
    /** DER of the signing certificate. */
    readonly leaf: Uint8Array;
    /** Any further certificates the bundle carried (never trusted, only reported). */
    readonly extra: readonly Uint8Array[];
  }
  | { readonly kind: "publicKey"; readonly hint: string };

/** A hash with its algorithm as the bundle names it (`SHA2_256`, …). */
export interface HashOutput {
  /** The algorithm name as written in the bundle. */
  readonly algorithm: string;
  /** The digest bytes. */
  readonly digest: Uint8Array;
}

/** What was signed: a message signature over an artifact, or a DSSE envelope. */
export type BundleContent =
  | {
    readonly kind: "messageSignature";
    readonly messageDigest?: HashOutput;
    readonly signature: Uint8Array;
  }
  | {
    readonly kind: "dsseEnvelope";
    readonly payload: Uint8Array;
    readonly payloadType: string;
    readonly signatures: readonly { readonly sig: Uint8Array; readonly keyid: string }[];
  };

/** A parsed Sigstore bundle. */
export interface Bundle {
  /** The bundle's media type as written. */
  readonly mediaType: string;
  /** The format version the media type names. */
  readonly version: BundleVersion;
  /** The signing certificate (or public-key hint) the bundle carries. */
  readonly key: VerificationKeyMaterial;
  /** The transparency-log entries the bundle carries. */
  readonly tlogEntries: readonly TlogEntry[];
  /** DER RFC 3161 signed timestamps. */
  readonly timestamps: readonly Uint8Array[];
  /** What was signed, and the signature. */
  readonly content: BundleContent;
}

const MEDIA_TYPES: Record<string, BundleVersion> = {
  "application/vnd.dev.sigstore.bundle+json;version=0.1": "0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2": "0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3": "0.3",
  "application/vnd.dev.sigstore.bundle.v0.3+json": "0.3",
};

/** Thrown inside the parser and turned into a failure at its edge. */
class ShapeError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

/** Reads `obj.name`, accepting the snake_case spelling of a camelCase field. */
function field(obj: Json, name: string): unknown {
  return obj[name] !== undefined ? obj[name] : obj[snake(name)];
}

function object(value: unknown, path: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ShapeError("bundle-invalid", `${path}: expected an object`);
  }
  return value as Json;
}

function optionalObject(value: unknown, path: string): Json | undefined {
  return value === undefined || value === null ? undefined : object(value, path);
}

function array(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ShapeError("bundle-invalid", `${path}: expected an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new ShapeError("bundle-invalid", `${path}: expected a string`);
  }
  return value;
}

function bytes(value: unknown, path: string, allowEmpty = false): Uint8Array {
  const text = string(value, path);
  let decoded: Uint8Array;
  try {
    decoded = decodeBase64(text);
  } catch {
    throw new ShapeError("bundle-invalid-base64", `${path}: not valid base64`);
  }
  if (!allowEmpty && decoded.length === 0) {
    throw new ShapeError("bundle-invalid", `${path}: must not be empty`);
  }
  return decoded;
}

function integer(value: unknown, path: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) value = String(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) {
    throw new ShapeError("bundle-invalid", `${path}: expected an integer`);
  }
  const n = BigInt(value);
  if (n < 0n) throw new ShapeError("bundle-invalid", `${path}: must not be negative (found ${n})`);
  return n;
}

function optionalInteger(value: unknown, path: string): bigint | undefined {
  return value === undefined || value === null ? undefined : integer(value, path);
}

function parseProof(value: unknown, path: string): InclusionProof | undefined {
  const obj = optionalObject(value, path);
  if (!obj) return undefined;
  const checkpoint = optionalObject(field(obj, "checkpoint"), `${path}.checkpoint`);
  const envelope = checkpoint ? field(checkpoint, "envelope") : undefined;
  return {
    logIndex: integer(field(obj, "logIndex"), `${path}.logIndex`),
    rootHash: bytes(field(obj, "rootHash"), `${path}.rootHash`),
    treeSize: integer(field(obj, "treeSize"), `${path}.treeSize`),
    hashes: array(field(obj, "hashes"), `${path}.hashes`).map((h, i) =>
      bytes(h, `${path}.hashes[${i}]`)
    ),
    checkpoint: envelope === undefined || envelope === ""
      ? undefined
      : string(envelope, `${path}.checkpoint.envelope`),
  };
}

function parseTlogEntry(value: unknown, path: string): TlogEntry {
  const obj = object(value, path);
  const kv = object(field(obj, "kindVersion"), `${path}.kindVersion`);
  const promise = optionalObject(field(obj, "inclusionPromise"), `${path}.inclusionPromise`);
  const logId = object(field(obj, "logId"), `${path}.logId`);
  const body = field(obj, "canonicalizedBody");
  if (body === undefined || body === "") {
    throw new ShapeError(
      "bundle-invalid",
      `${path}.canonicalizedBody: missing (the entry cannot be checked against the bundle)`,
    );
  }
  return {
    logIndex: integer(field(obj, "logIndex"), `${path}.logIndex`),
    logId: bytes(field(logId, "keyId"), `${path}.logId.keyId`),
    kind: string(field(kv, "kind"), `${path}.kindVersion.kind`),
    kindVersion: string(field(kv, "version"), `${path}.kindVersion.version`),
    integratedTime: optionalInteger(field(obj, "integratedTime"), `${path}.integratedTime`),
    signedEntryTimestamp: promise
      ? bytes(
        field(promise, "signedEntryTimestamp"),
        `${path}.inclusionPromise.signedEntryTimestamp`,
      )
      : undefined,
    inclusionProof: parseProof(field(obj, "inclusionProof"), `${path}.inclusionProof`),
    canonicalizedBody: bytes(body, `${path}.canonicalizedBody`),
  };
}

function parseKeyMaterial(vm: Json, version: BundleVersion): VerificationKeyMaterial {
  const path = "verificationMaterial";
  const chain = optionalObject(field(vm, "x509CertificateChain"), `${path}.x509CertificateChain`);
  const certificate = optionalObject(field(vm, "certificate"), `${path}.certificate`);
  const publicKey = optionalObject(field(vm, "publicKey"), `${path}.publicKey`);
  const present = [chain, certificate, publicKey].filter((x) => x !== undefined).length;
  if (present !== 1) {
    throw new ShapeError(
      "bundle-invalid",
      `${path}: expected exactly one of x509CertificateChain, certificate, publicKey (found ${present})`,
    );
  }
  if (certificate) {
    if (version !== "0.3") {
      throw new ShapeError(
        "bundle-invalid",
        `${path}.certificate: only allowed in v0.3 bundles (this is v${version})`,
      );
    }
    return {
      kind: "certificate",
      leaf: bytes(field(certificate, "rawBytes"), `${path}.certificate.rawBytes`),
      extra: [],
    };
  }
  if (chain) {
    const certs = array(field(chain, "certificates"), `${path}.x509CertificateChain.certificates`);
    if (certs.length === 0) {
      throw new ShapeError(
        "bundle-empty-certificate-chain",
        `${path}.x509CertificateChain.certificates: empty (no signing certificate)`,
      );
    }
    const ders = certs.map((c, i) =>
      bytes(
        field(object(c, `${path}.x509CertificateChain.certificates[${i}]`), "rawBytes"),
        `${path}.x509CertificateChain.certificates[${i}].rawBytes`,
      )
    );
    return { kind: "certificate", leaf: ders[0], extra: ders.slice(1) };
  }
  const hint = field(publicKey!, "hint");
  return { kind: "publicKey", hint: typeof hint === "string" ? hint : "" };
}

function parseContent(obj: Json): BundleContent {
  const message = optionalObject(field(obj, "messageSignature"), "messageSignature");
  const envelope = optionalObject(field(obj, "dsseEnvelope"), "dsseEnvelope");
  if ((message ? 1 : 0) + (envelope ? 1 : 0) !== 1) {
    throw new ShapeError(
      "bundle-invalid",
      "expected exactly one of messageSignature, dsseEnvelope",
    );
  }
  if (message) {
    const md = optionalObject(field(message, "messageDigest"), "messageSignature.messageDigest");
    return {
      kind: "messageSignature",
      messageDigest: md
        ? {
          algorithm: string(
            field(md, "algorithm") ?? "HASH_ALGORITHM_UNSPECIFIED",
            "messageSignature.messageDigest.algorithm",
          ),
          digest: bytes(field(md, "digest"), "messageSignature.messageDigest.digest"),
        }
        : undefined,
      signature: bytes(field(message, "signature"), "messageSignature.signature"),
    };
  }
  const env = envelope!;
  const signatures = array(field(env, "signatures"), "dsseEnvelope.signatures").map((s, i) => {
    const sig = object(s, `dsseEnvelope.signatures[${i}]`);
    const keyid = field(sig, "keyid");
    return {
      sig: bytes(field(sig, "sig"), `dsseEnvelope.signatures[${i}].sig`),
      keyid: typeof keyid === "string" ? keyid : "",
    };
  });
  if (signatures.length !== 1) {
    throw new ShapeError(
      "bundle-invalid",
      `dsseEnvelope.signatures: expected exactly one signature (found ${signatures.length})`,
    );
  }
  return {
    kind: "dsseEnvelope",
    payload: bytes(field(env, "payload"), "dsseEnvelope.payload", true),
    payloadType: string(field(env, "payloadType"), "dsseEnvelope.payloadType"),
    signatures,
  };
}

/**
 * Parses bundle JSON text. Codes: `bundle-malformed-json`, `bundle-unknown-media-type`,
 * `bundle-invalid`, `bundle-invalid-base64`, `bundle-empty-certificate-chain`,
 * `bundle-missing-inclusion-proof`, `bundle-too-many-entries`.
 */
export function parseBundle(text: string): Verified<Bundle> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return fail("bundle-malformed-json", `not valid JSON: ${(error as Error).message}`);
  }
  try {
    const obj = object(doc, "bundle");
    const mediaType = field(obj, "mediaType");
    const version = typeof mediaType === "string" ? MEDIA_TYPES[mediaType] : undefined;
    if (!version) {
      return fail(
        "bundle-unknown-media-type",
        `mediaType ${
          JSON.stringify(mediaType ?? null)
        } is not a Sigstore bundle this version understands ` +
          `(expected application/vnd.dev.sigstore.bundle.v0.3+json or ...bundle+json;version=0.1|0.2|0.3)`,
      );
    }
    const vm = object(field(obj, "verificationMaterial"), "verificationMaterial");
    const key = parseKeyMaterial(vm, version);
    const rawEntries = array(field(vm, "tlogEntries"), "verificationMaterial.tlogEntries");
    if (rawEntries.length > MAX_TLOG_ENTRIES) {
      return fail(
        "bundle-too-many-entries",
        `verificationMaterial.tlogEntries: ${rawEntries.length} entries (at most ${MAX_TLOG_ENTRIES} accepted)`,
      );
    }
    const tlogEntries = rawEntries.map((e, i) =>
      parseTlogEntry(e, `verificationMaterial.tlogEntries[${i}]`)
    );
    const tvd = optionalObject(
      field(vm, "timestampVerificationData"),
      "verificationMaterial.timestampVerificationData",
    );
    const rawTimestamps = tvd
      ? array(
        field(tvd, "rfc3161Timestamps"),
        "verificationMaterial.timestampVerificationData.rfc3161Timestamps",
      )
      : [];
    if (rawTimestamps.length > MAX_TIMESTAMPS) {
      return fail(
        "bundle-too-many-entries",
        `rfc3161Timestamps: ${rawTimestamps.length} timestamps (at most ${MAX_TIMESTAMPS} accepted)`,
      );
    }
    const timestamps = rawTimestamps.map((t, i) => {
      const path = `verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}]`;
      return bytes(field(object(t, path), "signedTimestamp"), `${path}.signedTimestamp`);
    });
    if (version !== "0.1") {
      tlogEntries.forEach((e, i) => {
        if (!e.inclusionProof) {
          throw new ShapeError(
            "bundle-missing-inclusion-proof",
            `verificationMaterial.tlogEntries[${i}].inclusionProof: required in v${version} bundles`,
          );
        }
      });
    } else {
      tlogEntries.forEach((e, i) => {
        if (!e.signedEntryTimestamp) {
          throw new ShapeError(
            "bundle-invalid",
            `verificationMaterial.tlogEntries[${i}].inclusionPromise: required in v0.1 bundles`,
          );
        }
      });
    }
    return ok({
      mediaType: mediaType as string,
      version,
      key,
      tlogEntries,
      timestamps,
      content: parseContent(obj),
    });
  } catch (error) {
    if (error instanceof ShapeError) return fail(error.code, error.message);
    throw error;
  }
}
