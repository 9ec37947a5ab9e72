/**
 * Digests of in-memory bytes, computed synchronously with `node:crypto` (small digests through
 * WebCrypto each cost a thread-pool round trip, about 25× slower here). Kept apart from
 * `bytes.ts` so that commands which never hash in memory do not load Node compatibility.
 * @module
 */
import { createHash } from "node:crypto";

const NODE_HASH_NAMES = { "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512" } as const;

/** SHA-256 (or another SHA-2) digest of in-memory bytes (async for callers that may stream). */
export function digestBytes(
  bytes: Uint8Array,
  algorithm: "SHA-256" | "SHA-384" | "SHA-512" = "SHA-256",
): Promise<Uint8Array> {
  return Promise.resolve(digestBytesSync(bytes, algorithm));
}

/** The synchronous form of {@link digestBytes}. */
export function digestBytesSync(
  bytes: Uint8Array,
  algorithm: "SHA-256" | "SHA-384" | "SHA-512" = "SHA-256",
): Uint8Array {
  return new Uint8Array(createHash(NODE_HASH_NAMES[algorithm]).update(bytes).digest());
}
