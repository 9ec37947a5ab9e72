/**
 * TUF signature thresholds: how many distinct keys of a role signed the canonical form of a
 * document's `signed` part. Keys as TUF writes them: ECDSA P-256 (`ecdsa`/`ecdsa-sha2-nistp256`,
 * PEM or a hex point, as Sigstore's first roots had) and Ed25519 (hex). Pure.
 * @module
 */
import { canonicalJsonBytes, CanonicalJsonError } from "./canonical_json.ts";
import type { Envelope, TufKey, TufRole } from "./metadata.ts";
import {
  parsePublicKey,
  parsePublicKeyPem,
  type PublicKeyMaterial,
  verifySignature,
} from "../../crypto/signature.ts";

const P256_SPKI_PREFIX = "3059301306072a8648ce3d020106082a8648ce3d030107034200";
const ED25519_SPKI_PREFIX = "302a300506032b6570032100";

/** A key TUF names, as WebCrypto-ready material; undefined when of a kind not supported. */
export function parseTufKey(key: TufKey): PublicKeyMaterial | undefined {
  try {
    if (
      (key.keytype === "ecdsa" || key.keytype === "ecdsa-sha2-nistp256") &&
      key.scheme === "ecdsa-sha2-nistp256"
    ) {
      const material = key.public.includes("-----BEGIN")
        ? parsePublicKeyPem(key.public)
        : /^04[0-9a-f]{128}$/i.test(key.public)
        ? parsePublicKey(hex(P256_SPKI_PREFIX + key.public))
        : undefined;
      return material?.algorithm === "ecdsa-p256" ? material : undefined;
    }
    if (key.keytype === "ed25519" && key.scheme === "ed25519") {
      return /^[0-9a-f]{64}$/i.test(key.public)
        ? parsePublicKey(hex(ED25519_SPKI_PREFIX + key.public))
        : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * The key ids of `role` whose signature over `envelope`'s canonical `signed` part verifies with
 * the key `keys` gives for it. Each key counts once, whatever number of signatures it has, and
 * whatever number of key ids the root lists it under (a key id is a label the root chose: one
 * public key under two ids counts for the first only, as go-tuf and python-tuf count); a
 * signature by a key outside the role, or that does not verify, counts for nothing. With
 * `stopAt`, verification stops once that many keys are counted.
 */
export async function verifiedKeyIds(
  envelope: Envelope<unknown>,
  role: TufRole,
  keys: Readonly<Record<string, TufKey>>,
  stopAt?: number,
): Promise<Set<string>> {
  let message: Uint8Array;
  try {
    message = canonicalJsonBytes(envelope.signedRaw);
  } catch (error) {
    if (error instanceof CanonicalJsonError) return new Set();
    throw error;
  }
  const verified = new Set<string>();
  const counted = new Set<string>();
  for (const { keyid, sig } of envelope.signatures) {
    if (verified.has(keyid) || !role.keyids.includes(keyid)) continue;
    const key = Object.hasOwn(keys, keyid) ? parseTufKey(keys[keyid]) : undefined;
    if (!key || !/^([0-9a-f]{2})+$/i.test(sig)) continue;
    if (!await verifySignature(key, message, hex(sig))) continue;
    const identity = await publicKeyIdentity(key);
    if (counted.has(identity)) continue;
    counted.add(identity);
    verified.add(keyid);
    // Enough is enough: a threshold met needs no more ECDSA verifications (a shortfall still
    // counts every signature, for the message).
    if (stopAt !== undefined && verified.size >= stopAt) break;
  }
  return verified;
}

/**
 * What makes two keys the same key, whatever their encoding (a PEM and a hex point, a compressed
 * and an uncompressed point): the algorithm and the key's raw public form as WebCrypto exports
 * it (the uncompressed point for ECDSA, the 32 bytes for Ed25519).
 */
async function publicKeyIdentity(key: PublicKeyMaterial): Promise<string> {
  const params = key.algorithm === "ed25519"
    ? { name: "Ed25519" }
    : { name: "ECDSA", namedCurve: "P-256" };
  try {
    const imported = await crypto.subtle.importKey(
      "spki",
      key.spki as BufferSource,
      params,
      true,
      ["verify"],
    );
    const raw = new Uint8Array(await crypto.subtle.exportKey("raw", imported));
    return `${key.algorithm}:${[...raw].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
  } catch {
    // A key that verified a signature imports; should one not, its SPKI bytes stand for it.
    return `${key.algorithm}:spki:${[...key.spki].join(",")}`;
  }
}

function hex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
