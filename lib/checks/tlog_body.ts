/**
 * Compares a transparency-log entry's canonicalized body with the bundle it came with: the
 * log must record this signature, this key or certificate, and this artifact (hashedrekord) or
 * this envelope (dsse, intoto). Rekor v1 (hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2) and
 * Rekor v2 (hashedrekord 0.0.2, dsse 0.0.2) bodies.
 * @module
 */
import { bytesEqual, decodeBase64, decodeHex, encodeHex } from "../crypto/bytes.ts";
import { digestBytes } from "../crypto/digest_bytes.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";
import type { BundleContent, TlogEntry } from "../evidence/bundle.ts";
import { encodePae } from "../evidence/dsse.ts";

/** A SHA-2 digest a hashedrekord entry may record. */
export type DigestAlgorithm = "sha256" | "sha384" | "sha512";

/** What the body must agree with. */
export interface TlogBodyExpectation {
  readonly content: BundleContent;
  /** DER of the signing certificate, or the SPKI of a managed key. */
  readonly verifierDer: Uint8Array;
  /**
   * For message signatures: the artifact's digest under an algorithm (computed, never taken from
   * the bundle); `undefined` when it cannot be computed (only the SHA-256 was given).
   */
  readonly artifactDigest?: (algorithm: DigestAlgorithm) => Promise<Uint8Array | undefined>;
  /**
   * The algorithm of the bundle's `messageDigest`, when it has one: a hashedrekord entry must
   * record the same algorithm (sigstore-go refuses a mismatch too).
   */
  readonly messageDigestAlgorithm?: DigestAlgorithm;
}

/** hashedrekord 0.0.1 `data.hash.algorithm` (Rekor v1 spelling). */
const V1_ALGORITHMS: Readonly<Record<string, DigestAlgorithm>> = {
  sha256: "sha256",
  sha384: "sha384",
  sha512: "sha512",
};

/** hashedrekord 0.0.2 `data.algorithm` (protobuf-specs `HashAlgorithm`). */
const V2_ALGORITHMS: Readonly<Record<string, DigestAlgorithm>> = {
  SHA2_256: "sha256",
  SHA2_384: "sha384",
  SHA2_512: "sha512",
};

const WEBCRYPTO_HASH: Readonly<Record<DigestAlgorithm, "SHA-256" | "SHA-384" | "SHA-512">> = {
  sha256: "SHA-256",
  sha384: "SHA-384",
  sha512: "SHA-512",
};

type Json = Record<string, unknown>;

function get(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Json)[key];
  }
  return cur;
}

function b64(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return decodeBase64(value);
  } catch {
    return undefined;
  }
}

function hex(value: unknown): Uint8Array | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return decodeHex(value);
  } catch {
    return undefined;
  }
}

/** Extracts the DER from a PEM block (certificate or public key); `undefined` if it is not PEM. */
function pemToDer(pem: Uint8Array): Uint8Array | undefined {
  const text = new TextDecoder().decode(pem);
  const match = text.match(/-----BEGIN [A-Z ]+-----([\s\S]*?)-----END [A-Z ]+-----/);
  if (!match) return undefined;
  return b64(match[1].replace(/\s+/g, ""));
}

function mismatch(what: string, expected: string, actual: string): Verified<void> {
  return fail(
    "tlog-body-mismatch",
    `the log entry records a different ${what} than the bundle (bundle: ${expected}; log: ${actual})`,
  );
}

function short(bytes: Uint8Array | undefined): string {
  if (!bytes) return "(missing)";
  const h = encodeHex(bytes);
  return h.length > 24 ? `${h.slice(0, 24)}…` : h;
}

function checkVerifier(recorded: Uint8Array | undefined, expected: Uint8Array): Verified<void> {
  if (!recorded || !bytesEqual(recorded, expected)) {
    return mismatch(
      "certificate or public key",
      `${expected.length} bytes`,
      recorded ? `${recorded.length} bytes, different` : "(missing)",
    );
  }
  return ok(undefined);
}

async function signedDigest(
  exp: TlogBodyExpectation,
  algorithm: DigestAlgorithm,
): Promise<Uint8Array | undefined> {
  if (exp.content.kind === "messageSignature") return await exp.artifactDigest?.(algorithm);
  return await digestBytes(
    encodePae(exp.content.payloadType, exp.content.payload),
    WEBCRYPTO_HASH[algorithm],
  );
}

/**
 * The hashedrekord's recorded digest against the bundle: the algorithm must be a SHA-2 one, the
 * bundle's `messageDigest` algorithm when it has one, and the value the artifact's (or the
 * envelope's PAE's) digest computed here with that algorithm.
 */
async function checkHashedDigest(
  exp: TlogBodyExpectation,
  algorithms: Readonly<Record<string, DigestAlgorithm>>,
  algorithmField: unknown,
  recorded: Uint8Array | undefined,
): Promise<Verified<void>> {
  const algorithm = typeof algorithmField === "string" && Object.hasOwn(algorithms, algorithmField)
    ? algorithms[algorithmField]
    : undefined;
  if (!algorithm) {
    return fail(
      "tlog-body-unsupported",
      `hashedrekord digest algorithm ${String(algorithmField)} is not supported ` +
        "(SHA-256, SHA-384, SHA-512)",
    );
  }
  if (exp.messageDigestAlgorithm && exp.messageDigestAlgorithm !== algorithm) {
    return fail(
      "tlog-body-mismatch",
      `the log entry records the artifact's ${algorithm}, but the bundle's messageDigest is ` +
        `${exp.messageDigestAlgorithm}`,
    );
  }
  const expected = await signedDigest(exp, algorithm);
  if (!expected) {
    return fail(
      "signature-needs-artifact",
      `the log entry records the artifact's ${algorithm}, which cannot be computed from its ` +
        "sha256 alone: pass the artifact file",
    );
  }
  if (!recorded || !bytesEqual(recorded, expected)) {
    return mismatch(`${algorithm} artifact digest`, short(expected), short(recorded));
  }
  return ok(undefined);
}

function contentSignature(content: BundleContent): Uint8Array {
  return content.kind === "messageSignature" ? content.signature : content.signatures[0].sig;
}

/** Verifies that `entry.canonicalizedBody` records exactly the bundle's signature, key and content. */
export async function checkTlogBody(
  entry: TlogEntry,
  exp: TlogBodyExpectation,
): Promise<Verified<void>> {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(entry.canonicalizedBody));
  } catch {
    return fail("tlog-body-malformed", "the log entry's canonicalizedBody is not JSON");
  }
  const kind = get(body, "kind");
  const apiVersion = get(body, "apiVersion");
  if (kind !== entry.kind || apiVersion !== entry.kindVersion) {
    return fail(
      "tlog-body-mismatch",
      `the log entry says ${entry.kind}/${entry.kindVersion} but its body is ${String(kind)}/${
        String(apiVersion)
      }`,
    );
  }
  const signature = contentSignature(exp.content);
  const key = `${kind}/${apiVersion}`;
  switch (key) {
    case "hashedrekord/0.0.1": {
      const sig = b64(get(body, "spec", "signature", "content"));
      if (!sig || !bytesEqual(sig, signature)) {
        return mismatch("signature", short(signature), short(sig));
      }
      const pem = b64(get(body, "spec", "signature", "publicKey", "content"));
      const verifier = checkVerifier(pem && pemToDer(pem), exp.verifierDer);
      if (!verifier.ok) return verifier;
      return await checkHashedDigest(
        exp,
        V1_ALGORITHMS,
        get(body, "spec", "data", "hash", "algorithm"),
        hex(get(body, "spec", "data", "hash", "value")),
      );
    }
    case "hashedrekord/0.0.2": {
      const spec = get(body, "spec", "hashedRekordV002") ?? get(body, "spec", "hashed_rekord_v002");
      const sig = b64(get(spec, "signature", "content"));
      if (!sig || !bytesEqual(sig, signature)) {
        return mismatch("signature", short(signature), short(sig));
      }
      const recordedVerifier =
        b64(get(spec, "signature", "verifier", "x509Certificate", "rawBytes")) ??
          b64(get(spec, "signature", "verifier", "publicKey", "rawBytes"));
      const verifier = checkVerifier(recordedVerifier, exp.verifierDer);
      if (!verifier.ok) return verifier;
      return await checkHashedDigest(
        exp,
        V2_ALGORITHMS,
        get(spec, "data", "algorithm"),
        b64(get(spec, "data", "digest")),
      );
    }
    case "dsse/0.0.1":
    case "dsse/0.0.2":
    case "intoto/0.0.2": {
      if (exp.content.kind !== "dsseEnvelope") {
        return fail("tlog-body-mismatch", `a ${kind} log entry cannot record a message signature`);
      }
      const payloadDigest = await digestBytes(exp.content.payload);
      let sigs: unknown;
      let recordedHash: Uint8Array | undefined;
      let recordedAlgorithm: unknown;
      if (key === "dsse/0.0.1") {
        sigs = get(body, "spec", "signatures");
        recordedAlgorithm = get(body, "spec", "payloadHash", "algorithm");
        recordedHash = hex(get(body, "spec", "payloadHash", "value"));
      } else if (key === "dsse/0.0.2") {
        const spec = get(body, "spec", "dsseV002") ?? get(body, "spec", "dsse_v002");
        sigs = get(spec, "signatures");
        recordedAlgorithm = get(spec, "payloadHash", "algorithm") === "SHA2_256"
          ? "sha256"
          : get(spec, "payloadHash", "algorithm");
        recordedHash = b64(get(spec, "payloadHash", "digest"));
      } else {
        sigs = get(body, "spec", "content", "envelope", "signatures");
        recordedAlgorithm = get(body, "spec", "content", "payloadHash", "algorithm");
        recordedHash = hex(get(body, "spec", "content", "payloadHash", "value"));
      }
      if (!Array.isArray(sigs) || sigs.length !== 1) {
        return fail(
          "tlog-body-mismatch",
          `the log entry records ${
            Array.isArray(sigs) ? sigs.length : 0
          } signatures; the bundle has 1`,
        );
      }
      let recordedSig: Uint8Array | undefined;
      let recordedVerifier: Uint8Array | undefined;
      if (key === "dsse/0.0.1") {
        recordedSig = b64(get(sigs[0], "signature"));
        const pem = b64(get(sigs[0], "verifier"));
        recordedVerifier = pem && pemToDer(pem);
      } else if (key === "dsse/0.0.2") {
        recordedSig = b64(get(sigs[0], "content"));
        recordedVerifier = b64(get(sigs[0], "verifier", "x509Certificate", "rawBytes")) ??
          b64(get(sigs[0], "verifier", "publicKey", "rawBytes"));
      } else {
        // intoto 0.0.2 double-encodes: base64 of the base64 signature text.
        const inner = b64(get(sigs[0], "sig"));
        recordedSig = inner && b64(new TextDecoder().decode(inner));
        const pem = b64(get(sigs[0], "publicKey"));
        recordedVerifier = pem && pemToDer(pem);
      }
      if (!recordedSig || !bytesEqual(recordedSig, signature)) {
        return mismatch("envelope signature", short(signature), short(recordedSig));
      }
      const verifier = checkVerifier(recordedVerifier, exp.verifierDer);
      if (!verifier.ok) return verifier;
      if (recordedAlgorithm !== "sha256") {
        return fail(
          "tlog-body-unsupported",
          `payload hash algorithm ${String(recordedAlgorithm)} is not supported (sha256)`,
        );
      }
      if (!recordedHash || !bytesEqual(recordedHash, payloadDigest)) {
        return mismatch("envelope payload digest", short(payloadDigest), short(recordedHash));
      }
      return ok(undefined);
    }
    default:
      return fail("tlog-body-unsupported", `log entries of kind ${key} are not supported`);
  }
}
