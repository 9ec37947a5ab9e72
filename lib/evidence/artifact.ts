/**
 * The artifact evidence is about, as the verifier reads it: its digests, and its bytes where
 * they are at hand. Sources build it (a local file, a download); checks read it.
 * @module
 */

/** The artifact a bundle is checked against: its digests, and its bytes where available. */
export interface ArtifactInput {
  /** SHA-256 of the artifact: always known (computed while streaming, or given as a digest). */
  readonly sha256: Uint8Array;
  /** Other digests, when they can be computed (a file) or are known. */
  digest?(algorithm: "sha384" | "sha512"): Promise<Uint8Array | undefined>;
  /** The whole artifact, for schemes that sign messages rather than digests (Ed25519). */
  readAll?(): Promise<Uint8Array>;
  /** The artifact's size in bytes, when known: small artifacts are verified from their bytes. */
  readonly size?: number;
}
