/**
 * RFC 6962 / RFC 9162 Merkle tree hashing and inclusion-proof verification (SHA-256), as used
 * by Rekor v1 and Rekor v2 transparency logs.
 *
 * A leaf hash is `SHA-256(0x00 || leaf)`; an interior node is `SHA-256(0x01 || left || right)`.
 * The proof check follows RFC 9162 §2.1.3.2, with the proof length checked up front (as
 * transparency-dev/merkle does) so that a proof with too many or too few hashes is reported as
 * malformed rather than as a root mismatch.
 * @module
 */
import { bytesEqual, concatBytes, encodeHex } from "./bytes.ts";
import { digestBytes } from "./digest_bytes.ts";
import { fail, ok, type Verified } from "./verified.ts";

/** Size in bytes of every hash in a SHA-256 Merkle tree. */
export const MERKLE_HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** RFC 6962 leaf hash: `SHA-256(0x00 || leaf)`, e.g. of a log entry's `canonicalizedBody`. */
export async function hashLeaf(leaf: Uint8Array): Promise<Uint8Array> {
  return await digestBytes(concatBytes(LEAF_PREFIX, leaf));
}

/** RFC 6962 interior node hash: `SHA-256(0x01 || left || right)`. */
export async function hashChildren(left: Uint8Array, right: Uint8Array): Promise<Uint8Array> {
  return await digestBytes(concatBytes(NODE_PREFIX, left, right));
}

/** Number of bits needed to represent `n` (0 for 0). */
function bitLength(n: bigint): number {
  let bits = 0;
  while (n > 0n) {
    n >>= 1n;
    bits++;
  }
  return bits;
}

/** Number of set bits in `n`. */
function popCount(n: bigint): number {
  let count = 0;
  while (n > 0n) {
    count += Number(n & 1n);
    n >>= 1n;
  }
  return count;
}

/**
 * The number of hashes an inclusion proof for `index` in a tree of `treeSize` leaves has: the
 * hashes below the point where the leaf's path and the tree's right border diverge, plus one per
 * full subtree on the border above it. Requires `0 <= index < treeSize`.
 */
export function inclusionProofLength(index: bigint, treeSize: bigint): number {
  const inner = bitLength(index ^ (treeSize - 1n));
  const border = popCount(index >> BigInt(inner));
  return inner + border;
}

/** Input of {@link verifyInclusionProof}. */
export interface InclusionProofInput {
  /** The leaf hash ({@link hashLeaf} of the entry's `canonicalizedBody`). */
  readonly leafHash: Uint8Array;
  /** The leaf's 0-based index in the tree (for Rekor v1 the proof's `logIndex`, not the entry's). */
  readonly index: bigint;
  /** Number of leaves in the tree the proof is for. */
  readonly treeSize: bigint;
  /** The audit path, from the leaf towards the root. */
  readonly hashes: readonly Uint8Array[];
  /** The root hash the proof must reproduce. */
  readonly rootHash: Uint8Array;
}

/**
 * Verifies an RFC 6962/9162 inclusion proof: that the leaf with `leafHash` sits at `index` in the
 * tree of `treeSize` leaves whose root is `rootHash`.
 *
 * Fails with `inclusion-proof-malformed` when the index is negative or not below the tree size,
 * when the proof has more or fewer hashes than such a proof must have, or when any hash is not
 * 32 bytes; with `inclusion-proof-invalid` when the computed root differs from `rootHash` (the
 * message gives both roots in hex). Never throws for bad evidence.
 */
export async function verifyInclusionProof(p: InclusionProofInput): Promise<Verified<void>> {
  const { leafHash, index, treeSize, hashes, rootHash } = p;
  if (index < 0n || treeSize <= 0n || index >= treeSize) {
    return fail(
      "inclusion-proof-malformed",
      `inclusion proof index ${index} is not within a tree of size ${treeSize}`,
    );
  }
  if (leafHash.length !== MERKLE_HASH_SIZE) {
    return fail(
      "inclusion-proof-malformed",
      `leaf hash is ${leafHash.length} bytes, expected ${MERKLE_HASH_SIZE}`,
    );
  }
  if (rootHash.length !== MERKLE_HASH_SIZE) {
    return fail(
      "inclusion-proof-malformed",
      `root hash is ${rootHash.length} bytes, expected ${MERKLE_HASH_SIZE}`,
    );
  }
  const expectedLength = inclusionProofLength(index, treeSize);
  if (hashes.length !== expectedLength) {
    return fail(
      "inclusion-proof-malformed",
      `inclusion proof for index ${index} in a tree of size ${treeSize} must have ` +
        `${expectedLength} hashes, got ${hashes.length}`,
    );
  }
  const badHash = hashes.findIndex((h) => h.length !== MERKLE_HASH_SIZE);
  if (badHash >= 0) {
    return fail(
      "inclusion-proof-malformed",
      `inclusion proof hash ${badHash} is ${
        hashes[badHash].length
      } bytes, expected ${MERKLE_HASH_SIZE}`,
    );
  }

  // RFC 9162 §2.1.3.2.
  let fn = index;
  let sn = treeSize - 1n;
  let r = leafHash;
  for (const p of hashes) {
    // Cannot happen after the length check; kept so the loop is safe on its own.
    if (sn === 0n) return fail("inclusion-proof-malformed", "inclusion proof has too many hashes");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await hashChildren(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) return fail("inclusion-proof-malformed", "inclusion proof has too few hashes");
  if (!bytesEqual(r, rootHash)) {
    return fail(
      "inclusion-proof-invalid",
      `inclusion proof does not lead to the expected root: expected ${encodeHex(rootHash)}, ` +
        `computed ${encodeHex(r)}`,
    );
  }
  return ok(undefined);
}
