/**
 * Memoised Sigstore bundle verifications: a bundle that verified once against an artifact, under
 * a set of trusted roots, verifies the same way again (nothing in the verification depends on
 * the clock or the network), so the cache remembers it (see {@link Cache.getMemo}) and a second
 * run does no crypto it already did. The key names everything the result depends on: the
 * bundle's bytes, the artifact's SHA-256, every trusted root's digest, whether a log entry was
 * required, the managed key if any, and (added by the cache) cargo-attest's version. Only
 * verifications that succeeded are remembered; whom the signer must be is judged every run.
 * @module
 */
import type { BundleMemo } from "../checks/bundle_checks.ts";
import { decodeVerifiedBundle, encodeVerifiedBundle } from "../checks/verified_bundle_codec.ts";
import type { VerifiedBundle } from "../checks/sigstore_bundle.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Cache } from "../sources/cache.ts";

/** The memo's kind: bump the version when what is stored, or how it is derived, changes. */
export const BUNDLE_MEMO_KIND = "bundle/v2";

/** A {@link BundleMemo} in `cache`. */
export function cacheBundleMemo(cache: Cache): BundleMemo {
  return {
    recall: async (key: string, roots: readonly TrustedRoot[]) =>
      decodeVerifiedBundle(await cache.getMemo(BUNDLE_MEMO_KIND, key), roots),
    remember: async (key: string, verified: VerifiedBundle) =>
      await cache.putMemo(BUNDLE_MEMO_KIND, key, encodeVerifiedBundle(verified)),
  };
}
