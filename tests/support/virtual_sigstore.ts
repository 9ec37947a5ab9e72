/**
 * A virtual Sigstore for tests, in the spirit of sigstore-go's `VirtualSigstore`
 * (`pkg/testing/ca/ca.go`): an in-memory Fulcio-like CA with a CT log, a Rekor v1-like log
 * (ECDSA P-256, SETs, RFC 6962 inclusion proofs, signed-note checkpoints), a Rekor v2-like log
 * (Ed25519, no SETs), an RFC 3161 timestamp authority and managed keys, all made with WebCrypto.
 * It writes the trusted_root.json that trusts it and Sigstore bundles (v0.1, v0.2, v0.3) it
 * signed, so tests can reach cases no real fixture covers.
 *
 * Everything is built byte by byte, independently of the verifier in `lib/` (canonical JSON,
 * SET payload, Merkle tree, checkpoint key hints, PAE, SCT input are all re-derived here from
 * their specifications), and every piece has a knob to make it wrong on purpose.
 *
 * ```ts
 * const vs = await VirtualSigstore.create();
 * const root = vs.trustedRoot();                        // trusted_root.json text
 * const b = await vs.sign({ artifact: utf8("hello") }); // message signature + Rekor v1 entry
 * // b.json is the bundle; b.leaf.san the identity; b.managedKey?.pem for --key
 * ```
 *
 * Times are fixed (default {@link DEFAULT_NOW}), never the clock, so results are reproducible.
 * Keys are generated once per test module and role ({@link cachedKey}).
 * @module
 */
import "reflect-metadata";
import { PemConverter } from "@peculiar/x509";
import type { ArtifactInput } from "../../lib/checks/sigstore_bundle.ts";
import { concatBytes, encodeBase64, encodeHex, utf8 } from "../../lib/crypto/bytes.ts";
import { derChildren, parseDerNode } from "../../lib/crypto/der.ts";
import { digestBytes } from "../../lib/crypto/digest_bytes.ts";
import {
  bitString,
  cachedKey,
  distinguishedName,
  generalizedTimeText,
  int,
  NULL,
  octets,
  oid,
  seq,
  sign,
  type SynthKey,
  tlv,
  TRUE,
  utf8String,
  x509Time,
} from "./der.ts";
import { makeToken } from "./rfc3161_token.ts";

export type { ArtifactInput };

// ---------------------------------------------------------------------------------------------
// Constants

/** The instant a virtual Sigstore is centred on unless told otherwise. */
export const DEFAULT_NOW: Date = new Date("2026-03-01T12:00:00Z");

/** The GitHub Actions OIDC issuer. */
export const GITHUB_ISSUER = "https://token.actions.githubusercontent.com";

/** The trusted root media type written by {@link VirtualSigstore.trustedRoot}. */
export const TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/** Bundle media types by version. */
export const BUNDLE_MEDIA_TYPES: Readonly<Record<BundleVersion, string>> = {
  "0.1": "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "0.2": "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "0.3": "application/vnd.dev.sigstore.bundle.v0.3+json",
};

/** The in-toto DSSE payload type. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** Extended key usage OIDs. */
export const EKU = {
  codeSigning: "1.3.6.1.5.5.7.3.3",
  serverAuth: "1.3.6.1.5.5.7.3.1",
  timeStamping: "1.3.6.1.5.5.7.3.8",
} as const;

/** Fulcio certificate extension OIDs (Fulcio `docs/oid-info.md`). */
export const FULCIO_OID = {
  issuer: "1.3.6.1.4.1.57264.1.8",
  buildSignerURI: "1.3.6.1.4.1.57264.1.9",
  runnerEnvironment: "1.3.6.1.4.1.57264.1.11",
  sourceRepositoryURI: "1.3.6.1.4.1.57264.1.12",
  sourceRepositoryDigest: "1.3.6.1.4.1.57264.1.13",
  sourceRepositoryRef: "1.3.6.1.4.1.57264.1.14",
} as const;

/** The embedded SCT list extension (RFC 6962 §3.3). */
export const SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

// keyUsage BIT STRING contents: digitalSignature (bit 0); keyCertSign | cRLSign (bits 5, 6).
const KU_DIGITAL_SIGNATURE = new Uint8Array([0x03, 0x02, 0x07, 0x80]);
const KU_CERT_SIGN = new Uint8Array([0x03, 0x02, 0x01, 0x06]);

// ---------------------------------------------------------------------------------------------
// Types

/** A bundle format version. */
export type BundleVersion = "0.1" | "0.2" | "0.3";

/** A SHA-2 digest name as hashedrekord 0.0.1 spells it. */
export type DigestName = "sha256" | "sha384" | "sha512";

const DIGEST_WEBCRYPTO: Readonly<Record<DigestName, "SHA-256" | "SHA-384" | "SHA-512">> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

/** The protobuf-specs `HashAlgorithm` name of a digest (`SHA2_384`, …). */
export function protoHashName(name: DigestName): string {
  return `SHA2_${name.slice(3)}`;
}

/** A closed validity window (`undefined` bounds are open), as the trusted root writes it. */
export interface Window {
  /** Start of the window, inclusive. */
  readonly start?: Date;
  /** End of the window, inclusive. */
  readonly end?: Date;
}

/** Managed (non-Fulcio) key types. */
export type ManagedKeyType = "p256" | "p384" | "p521" | "ed25519" | "rsa2048";

/** One X.509 extension: its OID, criticality and the DER that goes inside `extnValue`. */
export interface CertExtension {
  /** Dotted extension OID. */
  readonly oid: string;
  /** Whether the extension is marked critical. */
  readonly critical?: boolean;
  /** DER that goes inside the extension's OCTET STRING. */
  readonly value: Uint8Array;
}

/** What a certificate is made of; see {@link createCertificate}. */
export interface CertificateSpec {
  /** Serial number. */
  readonly serial: number;
  /** DER Name of the issuer. */
  readonly issuer: Uint8Array;
  /** DER Name of the subject (Fulcio leaves have the empty name). */
  readonly subject: Uint8Array;
  /** Start of the validity. */
  readonly notBefore: Date;
  /** End of the validity. */
  readonly notAfter: Date;
  /** The certified key (only its SPKI is used). */
  readonly subjectKey: SynthKey;
  /** The key that signs the certificate. */
  readonly issuerKey: SynthKey;
  /** Extensions, in order. */
  readonly extensions: readonly CertExtension[];
  /**
   * Rewrites the TBSCertificate's top-level field encodings (version, serial, signature,
   * issuer, validity, subject, SPKI[, extensions]) before they are wrapped and signed: for
   * certificates that are wrong in one field on purpose.
   */
  readonly editFields?: (fields: Uint8Array[]) => Uint8Array[];
}

/** The GitHub Actions workflow a leaf certificate speaks for. */
export interface GitHubWorkflow {
  /** `OWNER/REPO`. */
  readonly repository: string;
  /** Path of the workflow file in the repository. */
  readonly workflow: string;
  /** The git ref the workflow ran for (`refs/tags/...`). */
  readonly ref: string;
  /** Commit SHA (40 hex). */
  readonly sha: string;
}

/** The workflow leaves speak for unless told otherwise. */
export const DEFAULT_WORKFLOW: GitHubWorkflow = {
  repository: "octo-org/octo-repo",
  workflow: ".github/workflows/release.yml",
  ref: "refs/tags/v1.0.0",
  sha: "0123456789abcdef0123456789abcdef01234567",
};

/** The URI SAN of a GitHub workflow identity: `https://github.com/OWNER/REPO/PATH@REF`. */
export function workflowSan(w: GitHubWorkflow = DEFAULT_WORKFLOW): string {
  return `https://github.com/${w.repository}/${w.workflow}@${w.ref}`;
}

/** Options of {@link VirtualFulcio.issue}. Every default makes a valid Fulcio leaf. */
export interface LeafOptions {
  /** The SAN: a URI (default: the workflow's SAN) or an email address. */
  readonly san?: { readonly uri: string } | { readonly email: string };
  /** OIDC issuer in extension 1.8 (DER UTF8String); `null` leaves it out. Default GitHub Actions. */
  readonly oidcIssuer?: string | null;
  /** Workflow behind extensions 1.9, 1.11–1.14; `null` leaves them out (default for email SANs). */
  readonly github?: Partial<GitHubWorkflow> | null;
  /** Default: one minute before the signing time. */
  readonly notBefore?: Date;
  /** Default: ten minutes after `notBefore`. */
  readonly notAfter?: Date;
  /** Curve of the leaf key (default P-256). */
  readonly curve?: "P-256" | "P-384" | "P-521";
  /** `null` leaves keyUsage out. Default digitalSignature. */
  readonly keyUsage?: "digitalSignature" | "keyCertSign" | null;
  /** Extended key usages; `null` leaves the extension out. Default codeSigning. */
  readonly eku?: readonly string[] | null;
  /** Mark the leaf as a CA (basicConstraints cA). */
  readonly ca?: boolean;
  /**
   * The embedded SCT: `valid` (default when the instance has a CT log), `none`, `corrupt` (a
   * flipped signature byte), `unknown-log` (signed by a CT log no trusted root lists),
   * `wrong-issuer` (issuer key hash of another key).
   */
  readonly sct?: "valid" | "none" | "corrupt" | "unknown-log" | "wrong-issuer";
  /** The SCT's timestamp (default: `notBefore`). */
  readonly sctTime?: Date;
  /** `impostor`: same issuer name, signed by a key the trusted root does not know. */
  readonly issuedBy?: "intermediate" | "impostor";
  /** Appended after the usual extensions (before the SCT list). */
  readonly extraExtensions?: readonly CertExtension[];
  /** Serial number (default: a fresh one). */
  readonly serial?: number;
  /**
   * Rewrites the leaf's TBSCertificate fields (see {@link CertificateSpec.editFields}), in the
   * precertificate its SCT covers as well as in the certificate.
   */
  readonly editFields?: (fields: Uint8Array[]) => Uint8Array[];
}

/** A leaf certificate issued by the virtual Fulcio. */
export interface IssuedLeaf {
  /** DER of the certificate. */
  readonly der: Uint8Array;
  /** PEM of the certificate. */
  readonly pem: string;
  /** The certified (signing) key. */
  readonly key: SynthKey;
  /** The SAN value (URI or email). */
  readonly san: string;
  /** The OIDC issuer in extension 1.8, if any. */
  readonly oidcIssuer?: string;
}

/** A managed signing key and what `--key` wants. */
export interface ManagedKey {
  /** Which managed key type this is. */
  readonly type: ManagedKeyType;
  /** The key pair. */
  readonly key: SynthKey;
  /** PEM SubjectPublicKeyInfo, for `--key`. */
  readonly pem: string;
  /** The bundle's `verificationMaterial.publicKey.hint`. */
  readonly hint: string;
}

/** What was signed, before it is put into a bundle. */
export type SignedContent =
  | {
    readonly kind: "message";
    /** The digest written to `messageDigest` (`undefined`: no messageDigest). */
    readonly digest?: Uint8Array;
    /** The `messageDigest` algorithm (default sha256). */
    readonly digestAlgorithm?: DigestName;
    readonly signature: Uint8Array;
  }
  | {
    readonly kind: "dsse";
    readonly payloadType: string;
    readonly payload: Uint8Array;
    readonly signature: Uint8Array;
  };

/** Rekor entry kinds: v1 `hashedrekord/0.0.1`, `dsse/0.0.1`, `intoto/0.0.2`; v2 `hashedrekord/0.0.2`, `dsse/0.0.2`. */
export type EntryKind = "hashedrekord" | "dsse" | "intoto";

/** What a log entry's body records; every field defaults to the truth. */
export interface BodyInput {
  /** Which entry kind to write. */
  readonly kind: EntryKind;
  /** What was signed. */
  readonly content: SignedContent;
  /** DER of the signing certificate, or SPKI of the managed key. */
  readonly verifierDer: Uint8Array;
  /** Whether `verifierDer` is a certificate (else a public key). */
  readonly verifierIsCertificate: boolean;
  /** The artifact's bytes, for digests other than SHA-256 (message signatures). */
  readonly artifact?: Uint8Array;
  /** The digest algorithm a hashedrekord records (default sha256). */
  readonly digestAlgorithm?: DigestName;
  /** SHA-256 of the artifact (message signatures). */
  readonly artifactSha256: Uint8Array;
  /** Knobs: record another signature, verifier or digest than the bundle's. */
  readonly record?: RecordOverrides;
}

/** Lies a log entry body can tell. */
export interface RecordOverrides {
  /** The signature the log records. */
  readonly signature?: Uint8Array;
  /** The certificate DER or public key SPKI the log records. */
  readonly verifierDer?: Uint8Array;
  /**
   * The digest algorithm a hashedrekord records, whatever the bundle's (the digest value is then
   * computed with it, unless `digest` is given).
   */
  readonly digestAlgorithm?: DigestName;
  /** The artifact digest (hashedrekord) or payload digest (dsse, intoto) the log records. */
  readonly digest?: Uint8Array;
}

/** Knobs for one transparency-log entry. */
export interface EntryOptions {
  /** Rekor v1 integrated time (default: the signing time). Ignored by Rekor v2. */
  readonly integratedTime?: Date;
  /** Rekor v1 signed entry timestamp: `valid` (default), `omit`, `corrupt`, or signed by an `unknown-key`. */
  readonly set?: "valid" | "omit" | "corrupt" | "unknown-key";
  /** Inclusion proof: `valid` (default), `omit`, `corrupt` (a flipped byte in a sibling hash). */
  readonly proof?: "valid" | "omit" | "corrupt";
  /**
   * Checkpoint: `valid` (default), `omit`, `unknown-key` (signed by a key the root does not list,
   * with that key's hint), `forged` (the log's key hint, another key's signature), `other-tree`
   * (validly signed, but for a different tree size and root hash).
   */
  readonly checkpoint?: "valid" | "omit" | "unknown-key" | "forged" | "other-tree";
  /** How many times the entry appears in the bundle (default 1). */
  readonly copies?: number;
}

/** A bundle's transparency-log entry as JSON. */
export interface TlogEntryJson {
  /** Global log index (decimal). */
  logIndex: string;
  /** The log id (base64). */
  logId: { keyId: string };
  /** Entry kind and version. */
  kindVersion: { kind: string; version: string };
  /** Rekor v1 integrated time, seconds (decimal). */
  integratedTime?: string;
  /** Rekor v1 signed entry timestamp. */
  inclusionPromise?: { signedEntryTimestamp: string };
  /** RFC 6962 inclusion proof with its signed checkpoint. */
  inclusionProof?: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint?: { envelope: string };
  };
  /** The canonicalized body (base64). */
  canonicalizedBody: string;
}

/** Knobs for one RFC 3161 timestamp. */
export interface TimestampOptions {
  /** The authority that signs (default: the instance's TSA; another instance's is untrusted). */
  readonly tsa?: VirtualTsa;
  /** genTime (default: the signing time). */
  readonly genTime?: Date;
  /** genTime's text exactly as written into the token (default: {@link genTime}'s DER text). */
  readonly genTimeText?: string;
  /** The bytes the imprint covers (default: the signature). */
  readonly over?: Uint8Array;
  /** How many identical copies go into the bundle (default 1). */
  readonly copies?: number;
}

/** A Sigstore bundle document (protobuf JSON, camelCase). */
export type BundleJson = Record<string, unknown>;

/** What {@link assembleBundle} puts together. */
export interface BundleParts {
  /** Bundle format version. */
  readonly version: BundleVersion;
  /** A certificate (with an optional chain for v0.1/v0.2) or a managed-key hint. */
  readonly keyMaterial:
    | { readonly certificate: Uint8Array; readonly chain?: readonly Uint8Array[] }
    | { readonly publicKeyHint: string };
  /** Transparency-log entries, in order. */
  readonly tlogEntries: readonly TlogEntryJson[];
  /** DER RFC 3161 timestamp responses. */
  readonly timestamps: readonly Uint8Array[];
  /** What was signed. */
  readonly content: SignedContent;
}

/** Options of {@link VirtualSigstore.sign}. Defaults give a bundle that verifies. */
export interface SignOptions {
  /** The artifact to sign. */
  readonly artifact: Uint8Array;
  /** `message` (default: messageSignature over the artifact) or `dsse` (in-toto v1 statement). */
  readonly content?: "message" | "dsse";
  /** Sign with a managed key instead of a Fulcio certificate. */
  readonly key?: ManagedKeyType;
  /** Options of the Fulcio leaf (certificate bundles). */
  readonly leaf?: LeafOptions;
  /** Which log records the signature (default `rekor-v1`). */
  readonly tlog?: "rekor-v1" | "rekor-v2" | "none";
  /** Rekor entry kind (default: hashedrekord for messages, dsse for envelopes). */
  readonly entryKind?: EntryKind;
  /** Knobs for the log entry. */
  readonly entry?: EntryOptions;
  /** What the log entry's body records instead of the truth. */
  readonly record?: RecordOverrides;
  /**
   * RFC 3161 timestamps: a count of valid ones or one option object per timestamp. Default: one
   * when there is no SET-bearing log entry (Rekor v2, no log), else none.
   */
  readonly timestamps?: number | readonly TimestampOptions[];
  /** Bundle version (default 0.3). */
  readonly version?: BundleVersion;
  /** v0.1/v0.2 certificate chain in the bundle: the leaf alone (default) or leaf + intermediate + root. */
  readonly chain?: "leaf" | "full";
  /** The signing time (default: the instance's `now`). */
  readonly time?: Date;
  /** Sign these bytes instead of the artifact (the signature will not verify). */
  readonly signOver?: Uint8Array;
  /** The messageDigest written to the bundle (default: the artifact's SHA-256; `null` omits it). */
  readonly messageDigest?: Uint8Array | null;
  /** Hash for message signatures with ECDSA/RSA keys (default SHA-256; P-384 may use SHA-384). */
  readonly messageHash?: "SHA-256" | "SHA-384" | "SHA-512";
  /**
   * The algorithm of the bundle's `messageDigest` and of the hashedrekord's digest (default
   * sha256): SHA2_384 / SHA2_512 bundles, `sha384` / `sha512` (v1) or `SHA2_384` / `SHA2_512`
   * (v2) entries.
   */
  readonly digestAlgorithm?: DigestName;
  /** In-toto subjects (default: one subject, the artifact's sha256). */
  readonly subjects?: readonly { name: string; digest: Record<string, string> }[];
  /** DSSE payload type (default in-toto). */
  readonly payloadType?: string;
  /** The DSSE payload bytes (default: an in-toto statement about `subjects`). */
  readonly statement?: Uint8Array;
}

/** A bundle the virtual Sigstore signed, with what a test needs to verify it. */
export interface VirtualBundle {
  /** The bundle JSON text. */
  readonly json: string;
  /** The bundle document (mutate it and `JSON.stringify` it for further faults). */
  readonly document: BundleJson;
  /** The artifact that was signed. */
  readonly artifact: Uint8Array;
  /** SHA-256 of the artifact. */
  readonly sha256: Uint8Array;
  /** What was signed. */
  readonly content: SignedContent;
  /** The Fulcio leaf (certificate bundles). */
  readonly leaf?: IssuedLeaf;
  /** The managed key (managed-key bundles). */
  readonly managedKey?: ManagedKey;
}

/** Options of {@link VirtualSigstore.trustedRoot}; default: everything, with the default windows. */
export interface TrustedRootOptions {
  /** Which Rekor logs to list (default both); `[]` lists none. */
  readonly tlogs?: readonly ("rekor-v1" | "rekor-v2")[];
  /** List the CT log (default true). */
  readonly ctlogs?: boolean;
  /** List the TSA (default true). */
  readonly timestampAuthorities?: boolean;
  /** List the Fulcio CA (default true). */
  readonly certificateAuthorities?: boolean;
  /** Window of the Fulcio CA. */
  readonly caValidFor?: Window;
  /** Window of the Rekor v1 key. */
  readonly rekorV1ValidFor?: Window;
  /** Window of the Rekor v2 key. */
  readonly rekorV2ValidFor?: Window;
  /** Window of the CT log key. */
  readonly ctlogValidFor?: Window;
  /** Window of the TSA. */
  readonly tsaValidFor?: Window;
}

/** Options of {@link VirtualSigstore.create}. */
export interface VirtualSigstoreOptions {
  /** Names the instance's keys: instances with different names share no key (default `virtual`). */
  readonly name?: string;
  /** The instant everything is centred on (default {@link DEFAULT_NOW}). */
  readonly now?: Date;
  /** Curve of the Fulcio root and intermediate (default P-384, as Sigstore's public Fulcio). */
  readonly caCurve?: "P-256" | "P-384";
  /** Domain of the logs' URLs (default `NAME.test`). */
  readonly domain?: string;
  /**
   * Organization in the CA and TSA names (default `NAME.sigstore.test`). Give another instance's
   * organization to impersonate it: same names, different keys.
   */
  readonly organization?: string;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Standard padded base64 of bytes. */
export const b64: (bytes: Uint8Array) => string = encodeBase64;

/** SHA-256 of bytes. */
export function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return digestBytes(bytes);
}

/** PEM text of DER (`CERTIFICATE`, `PUBLIC KEY`), with a final newline. */
export function pem(der: Uint8Array, label: "CERTIFICATE" | "PUBLIC KEY"): string {
  return PemConverter.encode(der.slice().buffer, label) + "\n";
}

/** RFC 8785-style canonical JSON for the values used here (sorted keys, no whitespace). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A copy of `bytes` with one bit flipped at `index` (negative counts from the end). */
export function flipByte(bytes: Uint8Array, index = -1): Uint8Array {
  const copy = bytes.slice();
  const at = index < 0 ? copy.length + index : index;
  copy[at] ^= 0x01;
  return copy;
}

/** The DSSE pre-authentication encoding. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(
    utf8(`DSSEv1 ${type.length} `),
    type,
    utf8(` ${payload.length} `),
    payload,
  );
}

/**
 * An {@link ArtifactInput} for `verifyBundle`: `file` mode offers other digests and the bytes (as
 * a file argument does); `digest` mode only the SHA-256 (as `sha256:<hex>` does).
 */
export async function artifactInput(
  bytes: Uint8Array,
  mode: "file" | "digest" = "file",
): Promise<ArtifactInput> {
  const digest = await sha256(bytes);
  if (mode === "digest") return { sha256: digest };
  return {
    sha256: digest,
    digest: async (algorithm) =>
      await digestBytes(bytes, algorithm === "sha384" ? "SHA-384" : "SHA-512"),
    readAll: () => Promise.resolve(bytes.slice()),
  };
}

function windowJson(w: Window): Record<string, string> {
  const out: Record<string, string> = {};
  if (w.start) out.start = w.start.toISOString();
  if (w.end) out.end = w.end.toISOString();
  return out;
}

function keyDetails(key: SynthKey): string {
  if (key.kind === "ed25519") return "PKIX_ED25519";
  if (key.kind === "rsa") return "PKIX_RSA_PKCS1V15_2048_SHA256";
  if (key.curve === "P-521") return "PKIX_ECDSA_P521_SHA_512";
  return key.curve === "P-384" ? "PKIX_ECDSA_P384_SHA_384" : "PKIX_ECDSA_P256_SHA_256";
}

/** The hash a key signs certificates, envelopes and notes with (the curve's for ECDSA). */
function defaultHash(key: SynthKey): string {
  if (key.kind === "ec" && key.curve === "P-521") return "SHA-512";
  return key.kind === "ec" && key.curve === "P-384" ? "SHA-384" : "SHA-256";
}

/** The raw 32-byte Ed25519 public key from its SPKI. */
function rawEd25519(spki: Uint8Array): Uint8Array {
  return spki.slice(spki.length - 32);
}

// ---------------------------------------------------------------------------------------------
// Certificates

/** DER AlgorithmIdentifier for certificates signed by `key` (ECDSA with the curve's hash). */
export function certificateSignatureAlgorithm(key: SynthKey): Uint8Array {
  if (key.kind === "ed25519") return seq(oid("1.3.101.112"));
  if (key.kind === "rsa") return seq(oid("1.2.840.113549.1.1.11"), NULL);
  if (key.curve === "P-521") return seq(oid("1.2.840.10045.4.3.4"));
  return seq(oid(key.curve === "P-384" ? "1.2.840.10045.4.3.3" : "1.2.840.10045.4.3.2"));
}

function encodeExtension(e: CertExtension): Uint8Array {
  return seq(oid(e.oid), ...(e.critical ? [TRUE] : []), octets(e.value));
}

/** DER TBSCertificate of `spec`. */
export function tbsCertificate(spec: CertificateSpec): Uint8Array {
  const fields = [
    tlv(0xa0, int(2)),
    int(spec.serial),
    certificateSignatureAlgorithm(spec.issuerKey),
    spec.issuer,
    seq(x509Time(spec.notBefore), x509Time(spec.notAfter)),
    spec.subject,
    spec.subjectKey.spki,
    ...(spec.extensions.length ? [tlv(0xa3, seq(...spec.extensions.map(encodeExtension)))] : []),
  ];
  return seq(...(spec.editFields ? spec.editFields(fields) : fields));
}

/**
 * Signs `tbs` with `issuerKey` and wraps it into a DER Certificate whose signatureAlgorithm is
 * the one `tbs` names (its `signature` field, the third of a v3 TBSCertificate).
 */
export async function signCertificate(tbs: Uint8Array, issuerKey: SynthKey): Promise<Uint8Array> {
  const signature = await sign(issuerKey, tbs, defaultHash(issuerKey));
  const fields = derChildren(parseDerNode(tbs));
  const algorithm = fields[fields[0]?.tag === 0xa0 ? 2 : 1].bytes;
  return seq(tbs, algorithm, bitString(signature));
}

/** A DER certificate made from `spec`. */
export async function createCertificate(spec: CertificateSpec): Promise<Uint8Array> {
  return await signCertificate(tbsCertificate(spec), spec.issuerKey);
}

/** basicConstraints (critical): a CA with an optional path length, or an end entity. */
export function basicConstraints(ca: boolean, pathLen?: number): CertExtension {
  return {
    oid: "2.5.29.19",
    critical: true,
    value: ca ? seq(TRUE, ...(pathLen === undefined ? [] : [int(pathLen)])) : seq(),
  };
}

/** keyUsage (critical). */
export function keyUsage(usage: "digitalSignature" | "keyCertSign"): CertExtension {
  return {
    oid: "2.5.29.15",
    critical: true,
    value: usage === "digitalSignature" ? KU_DIGITAL_SIGNATURE : KU_CERT_SIGN,
  };
}

/** extendedKeyUsage. */
export function extendedKeyUsage(oids: readonly string[], critical = false): CertExtension {
  return { oid: "2.5.29.37", critical, value: seq(...oids.map(oid)) };
}

/** subjectAltName (critical, as Fulcio's leaves have an empty subject): one URI or email. */
export function subjectAltName(
  san: { readonly uri: string } | { readonly email: string },
): CertExtension {
  const entry = "uri" in san ? tlv(0x86, utf8(san.uri)) : tlv(0x81, utf8(san.email));
  return { oid: "2.5.29.17", critical: true, value: seq(entry) };
}

/** A Fulcio extension holding a DER UTF8String. */
export function fulcioExtension(extensionOid: string, text: string): CertExtension {
  return { oid: extensionOid, value: utf8String(text) };
}

// ---------------------------------------------------------------------------------------------
// Certificate transparency

/** A CT log that issues RFC 6962 precertificate SCTs (ECDSA P-256). */
export class VirtualCtLog {
  private constructor(
    readonly baseUrl: string,
    readonly key: SynthKey,
    /** SHA-256 of the DER SPKI. */
    readonly logId: Uint8Array,
  ) {}

  /** A CT log whose key is cached under `label`. */
  static async create(label: string, baseUrl: string): Promise<VirtualCtLog> {
    const key = await cachedKey(label, "P-256");
    return new VirtualCtLog(baseUrl, key, await sha256(key.spki));
  }

  /**
   * One serialized SCT (RFC 6962 §3.2) for a precertificate whose TBSCertificate (without the
   * SCT list extension) is `precertTbs`, issued by the holder of `issuerSpki`.
   */
  async sct(precertTbs: Uint8Array, issuerSpki: Uint8Array, time: Date): Promise<Uint8Array> {
    const timestamp = new Uint8Array(8);
    new DataView(timestamp.buffer).setBigUint64(0, BigInt(time.getTime()));
    const extensions = new Uint8Array([0, 0]);
    const n = precertTbs.length;
    const signed = concatBytes(
      new Uint8Array([0x00, 0x00]), // v1, certificate_timestamp
      timestamp,
      new Uint8Array([0x00, 0x01]), // precert_entry
      await sha256(issuerSpki),
      new Uint8Array([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]),
      precertTbs,
      extensions,
    );
    const signature = await sign(this.key, signed, "SHA-256");
    return concatBytes(
      new Uint8Array([0x00]), // v1
      this.logId,
      timestamp,
      extensions,
      new Uint8Array([4, 3]), // sha256, ecdsa
      u16(signature.length),
      signature,
    );
  }

  /** The trusted root's `ctlogs[]` entry. */
  rootEntry(validFor: Window): Record<string, unknown> {
    return logRootEntry(this.baseUrl, this.key, this.logId, validFor);
  }
}

function u16(n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
}

/** The SCT list extension holding `scts` (each a serialized SCT). */
export function sctListExtension(scts: readonly Uint8Array[]): CertExtension {
  const list = concatBytes(...scts.flatMap((s) => [u16(s.length), s]));
  return { oid: SCT_LIST_OID, value: octets(concatBytes(u16(list.length), list)) };
}

function logRootEntry(
  baseUrl: string,
  key: SynthKey,
  logId: Uint8Array,
  validFor: Window,
): Record<string, unknown> {
  return {
    baseUrl,
    hashAlgorithm: "SHA2_256",
    publicKey: {
      rawBytes: b64(key.spki),
      keyDetails: keyDetails(key),
      validFor: windowJson(validFor),
    },
    logId: { keyId: b64(logId) },
  };
}

// ---------------------------------------------------------------------------------------------
// Fulcio

let nextSerial = 1000;

/** A Fulcio-like CA: a self-signed root, an intermediate, and code-signing leaves. */
export class VirtualFulcio {
  private constructor(
    private readonly label: string,
    private readonly now: Date,
    /** The organization in the CA's names. */
    readonly organization: string,
    readonly rootKey: SynthKey,
    readonly intermediateKey: SynthKey,
    /** DER of the root certificate. */
    readonly root: Uint8Array,
    /** DER of the intermediate certificate. */
    readonly intermediate: Uint8Array,
    /** The CT log that logs this CA's precertificates (SCTs), if any. */
    readonly ctlog: VirtualCtLog,
    private readonly strayCtlog: VirtualCtLog,
  ) {}

  /** The intermediate's subject (`O=organization, CN=sigstore-intermediate`), its leaves' issuer. */
  get intermediateName(): Uint8Array {
    return distinguishedName({
      organization: this.organization,
      commonName: "sigstore-intermediate",
    });
  }

  /**
   * Creates the CA; `label` names its cached keys, `organization` goes into its names (two CAs
   * with one organization but different labels impersonate each other).
   */
  static async create(
    label: string,
    organization: string,
    now: Date,
    curve: "P-256" | "P-384",
    ctlog: VirtualCtLog,
  ): Promise<VirtualFulcio> {
    const rootKey = await cachedKey(`${label}/fulcio-root`, curve);
    const intermediateKey = await cachedKey(`${label}/fulcio-intermediate`, curve);
    const rootName = distinguishedName({ organization, commonName: "sigstore" });
    const intermediateName = distinguishedName({
      organization,
      commonName: "sigstore-intermediate",
    });
    const root = await createCertificate({
      serial: 1,
      issuer: rootName,
      subject: rootName,
      notBefore: new Date(now.getTime() - 2 * YEAR),
      notAfter: new Date(now.getTime() + 8 * YEAR),
      subjectKey: rootKey,
      issuerKey: rootKey,
      extensions: [keyUsage("keyCertSign"), basicConstraints(true, 1)],
    });
    const intermediate = await createCertificate({
      serial: 2,
      issuer: rootName,
      subject: intermediateName,
      notBefore: new Date(now.getTime() - 2 * YEAR),
      notAfter: new Date(now.getTime() + 8 * YEAR),
      subjectKey: intermediateKey,
      issuerKey: rootKey,
      extensions: [
        keyUsage("keyCertSign"),
        extendedKeyUsage([EKU.codeSigning]),
        basicConstraints(true, 0),
      ],
    });
    const stray = await VirtualCtLog.create(`${label}/stray-ctlog`, "https://ctfe.stray.test");
    return new VirtualFulcio(
      label,
      now,
      organization,
      rootKey,
      intermediateKey,
      root,
      intermediate,
      ctlog,
      stray,
    );
  }

  /** Issues a leaf certificate; `time` is the signing time the default validity surrounds. */
  async issue(options: LeafOptions = {}, time: Date = this.now): Promise<IssuedLeaf> {
    const key = await cachedKey(`${this.label}/leaf`, options.curve ?? "P-256");
    const notBefore = options.notBefore ?? new Date(time.getTime() - 60_000);
    const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 10 * 60_000);
    const sanOption = options.san ?? { uri: workflowSan() };
    const isEmail = "email" in sanOption;
    const san = "uri" in sanOption ? sanOption.uri : sanOption.email;
    const oidcIssuer = options.oidcIssuer === undefined
      ? (isEmail ? "https://oauth2.virtual.test/auth" : GITHUB_ISSUER)
      : options.oidcIssuer ?? undefined;
    const github = options.github === null || (isEmail && options.github === undefined)
      ? undefined
      : { ...DEFAULT_WORKFLOW, ...options.github };

    const extensions: CertExtension[] = [];
    const ku = options.keyUsage === undefined ? "digitalSignature" : options.keyUsage;
    if (ku) extensions.push(keyUsage(ku));
    const eku = options.eku === undefined ? [EKU.codeSigning] : options.eku;
    if (eku) extensions.push(extendedKeyUsage(eku));
    if (options.ca) extensions.push(basicConstraints(true));
    extensions.push(subjectAltName(sanOption));
    if (oidcIssuer !== undefined) extensions.push(fulcioExtension(FULCIO_OID.issuer, oidcIssuer));
    if (github) {
      const repoUri = `https://github.com/${github.repository}`;
      extensions.push(
        fulcioExtension(FULCIO_OID.buildSignerURI, workflowSan(github)),
        fulcioExtension(FULCIO_OID.runnerEnvironment, "github-hosted"),
        fulcioExtension(FULCIO_OID.sourceRepositoryURI, repoUri),
        fulcioExtension(FULCIO_OID.sourceRepositoryDigest, github.sha),
        fulcioExtension(FULCIO_OID.sourceRepositoryRef, github.ref),
      );
    }
    extensions.push(...(options.extraExtensions ?? []));

    const issuerKey = options.issuedBy === "impostor"
      ? await cachedKey(`${this.label}/impostor-intermediate`, "P-256")
      : this.intermediateKey;
    const spec: CertificateSpec = {
      serial: options.serial ?? nextSerial++,
      issuer: this.intermediateName,
      subject: seq(),
      notBefore,
      notAfter,
      subjectKey: key,
      issuerKey,
      extensions,
      ...(options.editFields ? { editFields: options.editFields } : {}),
    };
    const sctMode = options.sct ?? "valid";
    let finalSpec = spec;
    if (sctMode !== "none") {
      const precert = tbsCertificate(spec);
      const log = sctMode === "unknown-log" ? this.strayCtlog : this.ctlog;
      const issuerSpki = sctMode === "wrong-issuer" ? this.rootKey.spki : issuerKey.spki;
      let sct = await log.sct(precert, issuerSpki, options.sctTime ?? notBefore);
      if (sctMode === "corrupt") sct = flipByte(sct, -5);
      finalSpec = { ...spec, extensions: [...extensions, sctListExtension([sct])] };
    }
    const der = await createCertificate(finalSpec);
    return { der, pem: pem(der, "CERTIFICATE"), key, san, oidcIssuer };
  }

  /** The trusted root's `certificateAuthorities[]` entry (intermediate first, root last). */
  rootEntry(validFor: Window): Record<string, unknown> {
    return {
      subject: { organization: this.organization, commonName: "sigstore" },
      uri: `https://fulcio.${this.organization}`,
      certChain: {
        certificates: [{ rawBytes: b64(this.intermediate) }, { rawBytes: b64(this.root) }],
      },
      validFor: windowJson(validFor),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Transparency logs (Rekor v1 and v2)

/** RFC 6962 leaf hash. */
export async function merkleLeafHash(leaf: Uint8Array): Promise<Uint8Array> {
  return await sha256(concatBytes(new Uint8Array([0]), leaf));
}

async function merkleNode(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return await sha256(concatBytes(new Uint8Array([1]), left, right));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1 Merkle tree hash of the given leaf hashes. */
export async function merkleRoot(leafHashes: readonly Uint8Array[]): Promise<Uint8Array> {
  if (leafHashes.length === 0) return await sha256(new Uint8Array());
  if (leafHashes.length === 1) return leafHashes[0];
  const k = splitPoint(leafHashes.length);
  return await merkleNode(
    await merkleRoot(leafHashes.slice(0, k)),
    await merkleRoot(leafHashes.slice(k)),
  );
}

/** RFC 6962 §2.1.1 audit path of leaf `m` (bottom-up sibling hashes). */
export async function merklePath(
  m: number,
  leafHashes: readonly Uint8Array[],
): Promise<Uint8Array[]> {
  if (leafHashes.length <= 1) return [];
  const k = splitPoint(leafHashes.length);
  return m < k
    ? [...await merklePath(m, leafHashes.slice(0, k)), await merkleRoot(leafHashes.slice(k))]
    : [...await merklePath(m - k, leafHashes.slice(k)), await merkleRoot(leafHashes.slice(0, k))];
}

/**
 * A Rekor-like transparency log. `v1`: ECDSA P-256, log id SHA-256(SPKI), SETs, checkpoint origin
 * `HOST - TREEID` with key hint logId[:4]. `v2`: Ed25519, log id = note key hash
 * SHA-256(HOST "\n" 0x01 rawkey), no SETs, checkpoint origin and name = HOST.
 */
export class VirtualRekor {
  private readonly leaves: Uint8Array[] = [];

  private constructor(
    readonly version: "v1" | "v2",
    readonly baseUrl: string,
    readonly key: SynthKey,
    readonly logId: Uint8Array,
    /** Signs checkpoints and SETs nobody trusts (`unknown-key`, `forged`). */
    private readonly strangerKey: SynthKey,
    /** Rekor v1: the global index of this shard's first entry. */
    readonly indexOffset: number,
  ) {}

  /** The log's host (Rekor v2 checkpoint origin and note name). */
  get host(): string {
    return new URL(this.baseUrl).host;
  }

  /** The checkpoint origin line. */
  get origin(): string {
    return this.version === "v1" ? `${this.host} - 1193050959916656506` : this.host;
  }

  /** Creates a log with `seed` unrelated entries already in it; `label` names its keys. */
  static async create(
    label: string,
    version: "v1" | "v2",
    baseUrl: string,
    seed = 5,
  ): Promise<VirtualRekor> {
    const kind = version === "v1" ? "P-256" : "ed25519";
    const key = await cachedKey(`${label}/rekor-${version}`, kind);
    const stranger = await cachedKey(`${label}/rekor-${version}-stranger`, kind);
    const host = new URL(baseUrl).host;
    const logId = version === "v1" ? await sha256(key.spki) : await noteKeyHash(host, key);
    const log = new VirtualRekor(
      version,
      baseUrl,
      key,
      logId,
      stranger,
      version === "v1" ? 9000 : 0,
    );
    for (let i = 0; i < seed; i++) log.leaves.push(utf8(`{"virtual":"seed entry ${i}"}`));
    return log;
  }

  /** The number of entries in the log. */
  get size(): number {
    return this.leaves.length;
  }

  /**
   * Appends `body` (the canonicalized body bytes) and returns the bundle entry for it: SET (v1),
   * inclusion proof in the tree as it is after the append, and a signed checkpoint.
   */
  async append(
    body: Uint8Array,
    kind: { kind: string; version: string },
    options: EntryOptions = {},
    time: Date = DEFAULT_NOW,
  ): Promise<TlogEntryJson> {
    const leafIndex = this.leaves.length;
    this.leaves.push(body);
    // One unrelated entry after ours, so the proof has a right-hand sibling too.
    this.leaves.push(utf8(`{"virtual":"entry after ${leafIndex}"}`));
    const hashes = await Promise.all(this.leaves.map(merkleLeafHash));
    const treeSize = hashes.length;
    const rootHash = await merkleRoot(hashes);
    const path = await merklePath(leafIndex, hashes);
    const logIndex = this.indexOffset + leafIndex;

    const entry: TlogEntryJson = {
      logIndex: String(logIndex),
      logId: { keyId: b64(this.logId) },
      kindVersion: kind,
      canonicalizedBody: b64(body),
    };
    if (this.version === "v1") {
      const integratedTime = Math.floor((options.integratedTime ?? time).getTime() / 1000);
      entry.integratedTime = String(integratedTime);
      const setMode = options.set ?? "valid";
      if (setMode !== "omit") {
        const payload = utf8(canonicalJson({
          body: b64(body),
          integratedTime,
          logID: encodeHex(this.logId),
          logIndex,
        }));
        let set = await sign(setMode === "unknown-key" ? this.strangerKey : this.key, payload);
        if (setMode === "corrupt") set = flipByte(set, -3);
        entry.inclusionPromise = { signedEntryTimestamp: b64(set) };
      }
    }
    const proofMode = options.proof ?? "valid";
    if (proofMode !== "omit") {
      const proofHashes = proofMode === "corrupt" ? [flipByte(path[0], 0), ...path.slice(1)] : path;
      const cpMode = options.checkpoint ?? "valid";
      let envelope: string | undefined;
      if (cpMode === "other-tree") {
        const otherRoot = await merkleRoot(hashes.slice(0, leafIndex + 1));
        envelope = await this.checkpoint(leafIndex + 1, otherRoot, "valid");
      } else if (cpMode !== "omit") {
        envelope = await this.checkpoint(treeSize, rootHash, cpMode);
      }
      entry.inclusionProof = {
        logIndex: String(leafIndex),
        rootHash: b64(rootHash),
        treeSize: String(treeSize),
        hashes: proofHashes.map(b64),
        ...(envelope === undefined ? {} : { checkpoint: { envelope } }),
      };
    }
    return entry;
  }

  /** A signed-note checkpoint for a tree of `size` entries with root `root`. */
  async checkpoint(
    size: number,
    root: Uint8Array,
    mode: "valid" | "unknown-key" | "forged" = "valid",
  ): Promise<string> {
    const body = `${this.origin}\n${size}\n${b64(root)}\n` +
      (this.version === "v1" ? `Timestamp: 1772366400000000000\n` : "");
    const signer = mode === "valid" ? this.key : this.strangerKey;
    const hintKey = mode === "unknown-key" ? this.strangerKey : this.key;
    const hint =
      (this.version === "v1" ? await sha256(hintKey.spki) : await noteKeyHash(this.host, hintKey))
        .slice(0, 4);
    const signature = await sign(signer, utf8(body), "SHA-256");
    return `${body}\n\u2014 ${this.host} ${b64(concatBytes(hint, signature))}\n`;
  }

  /** The trusted root's `tlogs[]` entry. */
  rootEntry(validFor: Window): Record<string, unknown> {
    return logRootEntry(this.baseUrl, this.key, this.logId, validFor);
  }
}

/** C2SP signed-note key hash of an Ed25519 key: SHA-256(name "\n" 0x01 rawkey). */
async function noteKeyHash(name: string, key: SynthKey): Promise<Uint8Array> {
  return await sha256(concatBytes(utf8(name + "\n"), new Uint8Array([1]), rawEd25519(key.spki)));
}

function verifierPem(input: BodyInput, der: Uint8Array): string {
  return b64(utf8(pem(der, input.verifierIsCertificate ? "CERTIFICATE" : "PUBLIC KEY")));
}

async function dsseEnvelopeHash(content: SignedContent & { kind: "dsse" }): Promise<string> {
  const envelope = canonicalJson({
    payload: b64(content.payload),
    payloadType: content.payloadType,
    signatures: [{ keyid: "", sig: b64(content.signature) }],
  });
  return encodeHex(await sha256(utf8(envelope)));
}

/** What a hashedrekord records as signed: the artifact's digest, or the PAE's for an envelope. */
async function signedDigest(input: BodyInput): Promise<Uint8Array> {
  const algorithm = bodyDigestAlgorithm(input);
  const signed = input.content.kind === "message"
    ? input.artifact
    : pae(input.content.payloadType, input.content.payload);
  if (algorithm === "sha256" && input.content.kind === "message") return input.artifactSha256;
  if (!signed) throw new Error(`a ${algorithm} hashedrekord needs the artifact's bytes`);
  return await digestBytes(signed, DIGEST_WEBCRYPTO[algorithm]);
}

/** The digest algorithm a hashedrekord body records for `input`. */
function bodyDigestAlgorithm(input: BodyInput): DigestName {
  return input.record?.digestAlgorithm ?? input.digestAlgorithm ?? "sha256";
}

/**
 * A Rekor v1 canonicalized body: `hashedrekord/0.0.1`, `dsse/0.0.1` or `intoto/0.0.2`, as
 * Rekor v1 writes them (canonical JSON, PEM verifiers, hex digests).
 */
export async function rekorV1Body(
  input: BodyInput,
): Promise<{ body: Uint8Array; kind: string; version: string }> {
  const signature = input.record?.signature ?? input.content.signature;
  const verifier = verifierPem(input, input.record?.verifierDer ?? input.verifierDer);
  if (input.kind === "hashedrekord") {
    const digest = input.record?.digest ?? await signedDigest(input);
    const body = {
      apiVersion: "0.0.1",
      kind: "hashedrekord",
      spec: {
        data: { hash: { algorithm: bodyDigestAlgorithm(input), value: encodeHex(digest) } },
        signature: { content: b64(signature), publicKey: { content: verifier } },
      },
    };
    return { body: utf8(canonicalJson(body)), kind: "hashedrekord", version: "0.0.1" };
  }
  if (input.content.kind !== "dsse") throw new Error(`${input.kind} entries record envelopes`);
  const payloadHash = encodeHex(input.record?.digest ?? await sha256(input.content.payload));
  const envelopeHash = await dsseEnvelopeHash(input.content);
  if (input.kind === "dsse") {
    const body = {
      apiVersion: "0.0.1",
      kind: "dsse",
      spec: {
        envelopeHash: { algorithm: "sha256", value: envelopeHash },
        payloadHash: { algorithm: "sha256", value: payloadHash },
        signatures: [{ signature: b64(signature), verifier }],
      },
    };
    return { body: utf8(canonicalJson(body)), kind: "dsse", version: "0.0.1" };
  }
  const body = {
    apiVersion: "0.0.2",
    kind: "intoto",
    spec: {
      content: {
        envelope: {
          payloadType: input.content.payloadType,
          signatures: [{ publicKey: verifier, sig: b64(utf8(b64(signature))) }],
        },
        hash: { algorithm: "sha256", value: envelopeHash },
        payloadHash: { algorithm: "sha256", value: payloadHash },
      },
    },
  };
  return { body: utf8(canonicalJson(body)), kind: "intoto", version: "0.0.2" };
}

/** A Rekor v2 body: `hashedrekord/0.0.2` or `dsse/0.0.2` (protobuf JSON, DER verifiers, base64 digests). */
export async function rekorV2Body(
  input: BodyInput,
  verifierKey: SynthKey,
): Promise<{ body: Uint8Array; kind: string; version: string }> {
  const signature = input.record?.signature ?? input.content.signature;
  const der = input.record?.verifierDer ?? input.verifierDer;
  const verifier = {
    keyDetails: keyDetails(verifierKey),
    ...(input.verifierIsCertificate
      ? { x509Certificate: { rawBytes: b64(der) } }
      : { publicKey: { rawBytes: b64(der) } }),
  };
  if (input.kind === "hashedrekord") {
    const digest = input.record?.digest ?? await signedDigest(input);
    const body = {
      apiVersion: "0.0.2",
      kind: "hashedrekord",
      spec: {
        hashedRekordV002: {
          data: { algorithm: protoHashName(bodyDigestAlgorithm(input)), digest: b64(digest) },
          signature: { content: b64(signature), verifier },
        },
      },
    };
    return { body: utf8(JSON.stringify(body)), kind: "hashedrekord", version: "0.0.2" };
  }
  if (input.content.kind !== "dsse") throw new Error("dsse entries record envelopes");
  const digest = input.record?.digest ?? await sha256(input.content.payload);
  const body = {
    apiVersion: "0.0.2",
    kind: "dsse",
    spec: {
      dsseV002: {
        payloadHash: { algorithm: "SHA2_256", digest: b64(digest) },
        signatures: [{ content: b64(signature), verifier }],
      },
    },
  };
  return { body: utf8(JSON.stringify(body)), kind: "dsse", version: "0.0.2" };
}

// ---------------------------------------------------------------------------------------------
// Timestamp authority

/** An RFC 3161 TSA: a self-signed root and a timestamping leaf (ECDSA P-256). */
export class VirtualTsa {
  private constructor(
    readonly uri: string,
    readonly organization: string,
    readonly rootKey: SynthKey,
    readonly leafKey: SynthKey,
    /** DER of the TSA root. */
    readonly root: Uint8Array,
    /** DER of the TSA's signing certificate. */
    readonly leaf: Uint8Array,
    private readonly leafSerial: number,
    private readonly issuerName: Uint8Array,
  ) {}

  /**
   * Creates a TSA whose keys are cached under `label` and whose names carry `organization`; its
   * certificates are valid around `now`.
   */
  static async create(
    label: string,
    organization: string,
    now: Date,
    options: { uri?: string; leafNotBefore?: Date; leafNotAfter?: Date } = {},
  ): Promise<VirtualTsa> {
    const rootKey = await cachedKey(`${label}/tsa-root`, "P-256");
    const leafKey = await cachedKey(`${label}/tsa-leaf`, "P-256");
    const rootName = distinguishedName({ organization, commonName: "tsa-root" });
    const root = await createCertificate({
      serial: 1,
      issuer: rootName,
      subject: rootName,
      notBefore: new Date(now.getTime() - 2 * YEAR),
      notAfter: new Date(now.getTime() + 8 * YEAR),
      subjectKey: rootKey,
      issuerKey: rootKey,
      extensions: [keyUsage("keyCertSign"), basicConstraints(true)],
    });
    const leafSerial = 7;
    const leaf = await createCertificate({
      serial: leafSerial,
      issuer: rootName,
      subject: distinguishedName({ organization, commonName: "tsa" }),
      notBefore: options.leafNotBefore ?? new Date(now.getTime() - YEAR),
      notAfter: options.leafNotAfter ?? new Date(now.getTime() + YEAR),
      subjectKey: leafKey,
      issuerKey: rootKey,
      extensions: [keyUsage("digitalSignature"), extendedKeyUsage([EKU.timeStamping], true)],
    });
    return new VirtualTsa(
      options.uri ?? `https://tsa.${organization}`,
      organization,
      rootKey,
      leafKey,
      root,
      leaf,
      leafSerial,
      rootName,
    );
  }

  /** A `TimeStampResp` whose imprint is SHA-256 of `signedBytes`, at `genTime`. */
  async stamp(
    signedBytes: Uint8Array,
    options: { genTime?: Date; genTimeText?: string; embedCertificate?: boolean } = {},
  ): Promise<Uint8Array> {
    return await makeToken({
      signedBytes,
      signer: this.leafKey,
      issuer: "",
      issuerName: this.issuerName,
      serial: this.leafSerial,
      genTime: options.genTimeText ?? generalizedTimeText(options.genTime ?? DEFAULT_NOW),
      certificates: options.embedCertificate ? [this.leaf] : undefined,
    });
  }

  /** The trusted root's `timestampAuthorities[]` entry (leaf first, root last). */
  rootEntry(validFor: Window): Record<string, unknown> {
    return {
      subject: { organization: this.organization, commonName: "tsa" },
      uri: this.uri,
      certChain: { certificates: [{ rawBytes: b64(this.leaf) }, { rawBytes: b64(this.root) }] },
      validFor: windowJson(validFor),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Bundles

/** Puts signed content, key material, log entries and timestamps into a bundle document. */
export function assembleBundle(parts: BundleParts): BundleJson {
  const vm: Record<string, unknown> = {};
  if ("publicKeyHint" in parts.keyMaterial) {
    vm.publicKey = { hint: parts.keyMaterial.publicKeyHint };
  } else if (parts.version === "0.3") {
    vm.certificate = { rawBytes: b64(parts.keyMaterial.certificate) };
  } else {
    const chain = [parts.keyMaterial.certificate, ...(parts.keyMaterial.chain ?? [])];
    vm.x509CertificateChain = { certificates: chain.map((c) => ({ rawBytes: b64(c) })) };
  }
  vm.tlogEntries = parts.tlogEntries;
  if (parts.timestamps.length > 0) {
    vm.timestampVerificationData = {
      rfc3161Timestamps: parts.timestamps.map((t) => ({ signedTimestamp: b64(t) })),
    };
  }
  const doc: BundleJson = {
    mediaType: BUNDLE_MEDIA_TYPES[parts.version],
    verificationMaterial: vm,
  };
  const content = parts.content;
  if (content.kind === "message") {
    doc.messageSignature = {
      ...(content.digest
        ? {
          messageDigest: {
            algorithm: protoHashName(content.digestAlgorithm ?? "sha256"),
            digest: b64(content.digest),
          },
        }
        : {}),
      signature: b64(content.signature),
    };
  } else {
    doc.dsseEnvelope = {
      payload: b64(content.payload),
      payloadType: content.payloadType,
      signatures: [{ sig: b64(content.signature), keyid: "" }],
    };
  }
  return doc;
}

/** An in-toto v1 statement about `subjects` (SLSA provenance v1 predicate type, empty predicate). */
export function inTotoStatement(
  subjects: readonly { name: string; digest: Record<string, string> }[],
): Uint8Array {
  return utf8(JSON.stringify({
    _type: "https://in-toto.io/Statement/v1",
    subject: subjects,
    predicateType: "https://slsa.dev/provenance/v1",
    predicate: { buildDefinition: { buildType: "https://virtual-sigstore.test/build" } },
  }));
}

// ---------------------------------------------------------------------------------------------
// The instance

/** An in-memory Sigstore instance: see the module documentation. */
export class VirtualSigstore {
  private readonly managedKeys = new Map<ManagedKeyType, Promise<ManagedKey>>();

  private constructor(
    readonly name: string,
    /** The instant the instance is centred on: default signing time and window anchor. */
    readonly now: Date,
    readonly fulcio: VirtualFulcio,
    readonly ctlog: VirtualCtLog,
    readonly rekorV1: VirtualRekor,
    readonly rekorV2: VirtualRekor,
    readonly tsa: VirtualTsa,
  ) {}

  /** Creates an instance; instances with the same `name` in one module share keys. */
  static async create(options: VirtualSigstoreOptions = {}): Promise<VirtualSigstore> {
    const name = options.name ?? "virtual";
    const now = options.now ?? DEFAULT_NOW;
    const domain = options.domain ?? `${name}.test`;
    const ctlog = await VirtualCtLog.create(`${name}/ctlog`, `https://ctfe.${domain}/2026`);
    const organization = options.organization ?? `${name}.sigstore.test`;
    const fulcio = await VirtualFulcio.create(
      name,
      organization,
      now,
      options.caCurve ?? "P-384",
      ctlog,
    );
    const rekorV1 = await VirtualRekor.create(name, "v1", `https://rekor.${domain}`);
    const rekorV2 = await VirtualRekor.create(name, "v2", `https://log2026-1.rekor.${domain}`);
    const tsa = await VirtualTsa.create(name, organization, now, { uri: `https://tsa.${domain}` });
    return new VirtualSigstore(name, now, fulcio, ctlog, rekorV1, rekorV2, tsa);
  }

  /** The default window of every trusted-root entry: from a year before `now`, open-ended. */
  get defaultWindow(): Window {
    return { start: new Date(this.now.getTime() - YEAR) };
  }

  /** The trusted_root.json text that trusts this instance. */
  trustedRoot(options: TrustedRootOptions = {}): string {
    const w = this.defaultWindow;
    const tlogs = options.tlogs ?? ["rekor-v1", "rekor-v2"];
    const doc = {
      mediaType: TRUSTED_ROOT_MEDIA_TYPE,
      tlogs: tlogs.map((t) =>
        t === "rekor-v1"
          ? this.rekorV1.rootEntry(options.rekorV1ValidFor ?? w)
          : this.rekorV2.rootEntry(options.rekorV2ValidFor ?? w)
      ),
      certificateAuthorities: options.certificateAuthorities === false
        ? []
        : [this.fulcio.rootEntry(options.caValidFor ?? w)],
      ctlogs: options.ctlogs === false ? [] : [this.ctlog.rootEntry(options.ctlogValidFor ?? w)],
      timestampAuthorities: options.timestampAuthorities === false
        ? []
        : [this.tsa.rootEntry(options.tsaValidFor ?? w)],
    };
    return JSON.stringify(doc, null, 2);
  }

  /** A managed key of `type` (one per instance and type). */
  managedKey(type: ManagedKeyType): Promise<ManagedKey> {
    let key = this.managedKeys.get(type);
    if (!key) {
      key = (async () => {
        const kind = type === "p256"
          ? "P-256"
          : type === "p384"
          ? "P-384"
          : type === "p521"
          ? "P-521"
          : type === "ed25519"
          ? "ed25519"
          : "rsa";
        const k = await cachedKey(`${this.name}/managed`, kind);
        return {
          type,
          key: k,
          pem: pem(k.spki, "PUBLIC KEY"),
          hint: encodeHex(await sha256(k.spki)).slice(0, 32),
        };
      })();
      this.managedKeys.set(type, key);
    }
    return key;
  }

  /** Issues a Fulcio leaf (see {@link VirtualFulcio.issue}). */
  issueLeaf(options: LeafOptions = {}, time: Date = this.now): Promise<IssuedLeaf> {
    return this.fulcio.issue(options, time);
  }

  /** Signs `artifact` (message signature or DSSE envelope) with `key`. */
  async signContent(
    key: SynthKey,
    options: SignOptions,
  ): Promise<SignedContent> {
    const artifactDigest = await sha256(options.artifact);
    if ((options.content ?? "message") === "message") {
      const signed = options.signOver ?? options.artifact;
      const hash = options.messageHash ?? "SHA-256";
      const digestAlgorithm = options.digestAlgorithm ?? "sha256";
      return {
        kind: "message",
        digest: options.messageDigest === null
          ? undefined
          : options.messageDigest ?? (digestAlgorithm === "sha256"
            ? artifactDigest
            : await digestBytes(options.artifact, DIGEST_WEBCRYPTO[digestAlgorithm])),
        digestAlgorithm,
        signature: await sign(key, signed, hash),
      };
    }
    const payloadType = options.payloadType ?? IN_TOTO_PAYLOAD_TYPE;
    const payload = options.statement ?? inTotoStatement(
      options.subjects ?? [{ name: "artifact.bin", digest: { sha256: encodeHex(artifactDigest) } }],
    );
    const signed = options.signOver ?? pae(payloadType, payload);
    return {
      kind: "dsse",
      payloadType,
      payload,
      signature: await sign(key, signed, defaultHash(key)),
    };
  }

  /** A timestamp over `signature` per `options` (default: this TSA, at `time`). */
  async timestamp(
    signature: Uint8Array,
    options: TimestampOptions = {},
    time: Date = this.now,
  ): Promise<Uint8Array> {
    return await (options.tsa ?? this.tsa).stamp(options.over ?? signature, {
      genTime: options.genTime ?? time,
      ...(options.genTimeText !== undefined ? { genTimeText: options.genTimeText } : {}),
    });
  }

  /**
   * Signs `options.artifact` as Sigstore would and returns the bundle: a Fulcio certificate (or a
   * managed key), the log entry, timestamps; each knob of {@link SignOptions} breaks one piece.
   */
  async sign(options: SignOptions): Promise<VirtualBundle> {
    const time = options.time ?? this.now;
    const version = options.version ?? "0.3";
    const tlog = options.tlog ?? "rekor-v1";
    const managedKey = options.key ? await this.managedKey(options.key) : undefined;
    const leaf = managedKey ? undefined : await this.issueLeaf(options.leaf, time);
    const signingKey = managedKey?.key ?? leaf!.key;
    const content = await this.signContent(signingKey, options);
    const sha = await sha256(options.artifact);

    const tlogEntries: TlogEntryJson[] = [];
    if (tlog !== "none") {
      const input: BodyInput = {
        kind: options.entryKind ?? (content.kind === "message" ? "hashedrekord" : "dsse"),
        content,
        verifierDer: leaf?.der ?? managedKey!.key.spki,
        verifierIsCertificate: leaf !== undefined,
        artifactSha256: sha,
        artifact: options.artifact,
        digestAlgorithm: options.digestAlgorithm,
        record: options.record,
      };
      const log = tlog === "rekor-v1" ? this.rekorV1 : this.rekorV2;
      const made = tlog === "rekor-v1"
        ? await rekorV1Body(input)
        : await rekorV2Body(input, signingKey);
      const entry = await log.append(
        made.body,
        { kind: made.kind, version: made.version },
        options.entry,
        time,
      );
      for (let i = 0; i < (options.entry?.copies ?? 1); i++) tlogEntries.push(entry);
    }

    const stampOptions: readonly TimestampOptions[] = typeof options.timestamps === "number"
      ? Array.from({ length: options.timestamps }, () => ({}))
      : options.timestamps ?? (tlog === "rekor-v1" ? [] : [{}]);
    const timestamps: Uint8Array[] = [];
    for (const t of stampOptions) {
      const token = await this.timestamp(content.signature, t, time);
      for (let i = 0; i < (t.copies ?? 1); i++) timestamps.push(token);
    }

    const document = assembleBundle({
      version,
      keyMaterial: managedKey ? { publicKeyHint: managedKey.hint } : {
        certificate: leaf!.der,
        chain: options.chain === "full" ? [this.fulcio.intermediate, this.fulcio.root] : [],
      },
      tlogEntries,
      timestamps,
      content,
    });
    return {
      json: JSON.stringify(document, null, 2),
      document,
      artifact: options.artifact,
      sha256: sha,
      content,
      leaf,
      managedKey,
    };
  }
}
