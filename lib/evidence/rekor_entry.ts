/**
 * Rekor v1 API log entries (`GET /api/v1/log/entries/{uuid}`) and detached cosign signatures
 * (`<asset>.sig` + `<asset>.pem`/`.crt`), assembled into a v0.1 Sigstore bundle so the same
 * verification core checks them. Shape only: nothing here is trusted or verified.
 * @module
 */
import { decodeBase64, decodeHex, encodeBase64 } from "../crypto/bytes.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";

/** A Rekor v1 log entry as the API returns it (the value under its UUID). */
export interface RekorApiEntry {
  readonly body: string;
  readonly integratedTime: number;
  readonly logID: string;
  readonly logIndex: number;
  readonly verification?: {
    readonly signedEntryTimestamp?: string;
    readonly inclusionProof?: {
      readonly checkpoint?: string;
      readonly hashes?: readonly string[];
      readonly logIndex: number;
      readonly rootHash: string;
      readonly treeSize: number;
    };
  };
}

/** Reads a detached signature file: base64 text (as cosign writes it) or raw DER bytes. */
export function parseDetachedSignature(bytes: Uint8Array): Uint8Array {
  const text = new TextDecoder().decode(bytes).trim();
  if (/^[A-Za-z0-9+/=\s]+$/.test(text)) {
    try {
      return decodeBase64(text);
    } catch {
      // fall through: not base64 after all
    }
  }
  return bytes;
}

/**
 * Reads a certificate file: PEM, base64 of PEM (what `cosign sign-blob --output-certificate`
 * writes) or DER. Returns the DER, or a failure saying what the file looked like.
 */
export function parseCertificateFile(bytes: Uint8Array): Verified<Uint8Array> {
  let text = new TextDecoder().decode(bytes).trim();
  if (!text.includes("-----BEGIN")) {
    try {
      const inner = new TextDecoder().decode(decodeBase64(text));
      if (inner.includes("-----BEGIN")) text = inner;
    } catch {
      // not base64: maybe DER
    }
  }
  const pem = text.match(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/);
  if (pem) {
    try {
      return ok(decodeBase64(pem[1].replace(/\s+/g, "")));
    } catch {
      return fail("certificate-malformed", "the certificate file's PEM block is not base64");
    }
  }
  if (bytes[0] === 0x30) return ok(bytes);
  return fail("certificate-malformed", "the certificate file is neither PEM nor DER");
}

/** Extracts the API entries of a `{uuid: entry}` map, with their UUIDs. */
export function parseRekorEntries(data: unknown): Verified<RekorApiEntry[]> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return fail("rekor-entry-malformed", "the Rekor answer is not a {uuid: entry} object");
  }
  const out: RekorApiEntry[] = [];
  for (const value of Object.values(data as Record<string, unknown>)) {
    const e = value as Record<string, unknown>;
    if (
      typeof e?.body !== "string" || typeof e.integratedTime !== "number" ||
      typeof e.logID !== "string" || typeof e.logIndex !== "number"
    ) {
      return fail(
        "rekor-entry-malformed",
        "a Rekor entry lacks body, integratedTime, logID or logIndex",
      );
    }
    out.push(e as unknown as RekorApiEntry);
  }
  return ok(out);
}

/**
 * Assembles a v0.1 bundle (certificate, message signature over the artifact's sha256, one tlog
 * entry with its SET and proof) from a detached signature and a Rekor API entry. The result is
 * JSON text for `parseBundle`; whether it verifies is the verifier's business.
 */
export function assembleDetachedBundle(input: {
  readonly signature: Uint8Array;
  readonly certificateDer: Uint8Array;
  readonly artifactSha256: Uint8Array;
  readonly entry: RekorApiEntry;
}): Verified<string> {
  const { entry } = input;
  let kind: string;
  let version: string;
  let logId: Uint8Array;
  let hashAlgorithm: unknown;
  try {
    const body = JSON.parse(new TextDecoder().decode(decodeBase64(entry.body)));
    kind = String(body.kind);
    version = String(body.apiVersion);
    hashAlgorithm = body?.spec?.data?.hash?.algorithm;
    logId = decodeHex(entry.logID);
  } catch {
    return fail(
      "rekor-entry-malformed",
      "the Rekor entry's body is not base64 JSON, or its logID not hex",
    );
  }
  const proof = entry.verification?.inclusionProof;
  let inclusionProof: Record<string, unknown> | undefined;
  if (proof) {
    try {
      inclusionProof = {
        logIndex: String(proof.logIndex),
        rootHash: encodeBase64(decodeHex(proof.rootHash)),
        treeSize: String(proof.treeSize),
        hashes: (proof.hashes ?? []).map((h) => encodeBase64(decodeHex(h))),
        ...(proof.checkpoint ? { checkpoint: { envelope: proof.checkpoint } } : {}),
      };
    } catch {
      return fail("rekor-entry-malformed", "the Rekor entry's inclusion proof hashes are not hex");
    }
  }
  const bundle = {
    mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1",
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: encodeBase64(input.certificateDer) }] },
      tlogEntries: [{
        logIndex: String(entry.logIndex),
        logId: { keyId: encodeBase64(logId) },
        kindVersion: { kind, version },
        integratedTime: String(entry.integratedTime),
        ...(entry.verification?.signedEntryTimestamp
          ? { inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp } }
          : {}),
        ...(inclusionProof ? { inclusionProof } : {}),
        canonicalizedBody: entry.body,
      }],
    },
    // The messageDigest is a hint the verifier recomputes; only the SHA-256 is known here, so an
    // entry over another digest (a P-384 or P-521 signer's sha384/sha512) gets none, and the
    // log's digest is bound to the artifact by the verifier alone.
    messageSignature: {
      ...(hashAlgorithm === "sha256" || hashAlgorithm === undefined
        ? { messageDigest: { algorithm: "SHA2_256", digest: encodeBase64(input.artifactSha256) } }
        : {}),
      signature: encodeBase64(input.signature),
    },
  };
  return ok(JSON.stringify(bundle));
}
