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

/** What the body must agree with. */
export interface TlogBodyExpectation {
  readonly content: BundleContent;
  /** DER of the signing certificate, or the SPKI of a managed key. */
  readonly verifierDer: Uint8Array;
  /** For message signatures: the SHA-256 of the artifact (computed, never taken from the bundle). */
  readonly artifactSha256?: Uint8Array;
}

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

async function signedDigest(exp: TlogBodyExpectation): Promise<Uint8Array | undefined> {
  if (exp.content.kind === "messageSignature") return exp.artifactSha256;
  return await digestBytes(encodePae(exp.content.payloadType, exp.content.payload));
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
      const algorithm = get(body, "spec", "data", "hash", "algorithm");
      if (algorithm !== "sha256") {
        return fail(
          "tlog-body-unsupported",
          `hashedrekord hash algorithm ${String(algorithm)} is not supported (sha256)`,
        );
      }
      const recorded = hex(get(body, "spec", "data", "hash", "value"));
      const expected = await signedDigest(exp);
      if (!expected || !recorded || !bytesEqual(recorded, expected)) {
        return mismatch("artifact digest", short(expected), short(recorded));
      }
      return ok(undefined);
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
      const algorithm = get(spec, "data", "algorithm");
      if (algorithm !== "SHA2_256") {
        return fail(
          "tlog-body-unsupported",
          `hashedrekord digest algorithm ${String(algorithm)} is not supported (SHA2_256)`,
        );
      }
      const recorded = b64(get(spec, "data", "digest"));
      const expected = await signedDigest(exp);
      if (!expected || !recorded || !bytesEqual(recorded, expected)) {
        return mismatch("signed digest", short(expected), short(recorded));
      }
      return ok(undefined);
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
