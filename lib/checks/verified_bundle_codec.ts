/**
 * A {@link VerifiedBundle} as JSON and back, for the memo of verified bundles
 * (`lib/sources/bundle_memo.ts`): times as ISO strings, log indexes as decimal strings, bytes (an
 * in-toto subject's digests) as base64, and the trusted root by name and digest (resolved again
 * among the roots of the run; a root that is not among them makes the memo unusable).
 * @module
 */
import { decodeBase64, encodeBase64 } from "../crypto/bytes.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { VerifiedBundle } from "./sigstore_bundle.ts";

/** The JSON form of a {@link VerifiedBundle}. */
export interface EncodedVerifiedBundle {
  readonly root: { readonly name: string; readonly sha256: string };
  readonly rest: unknown;
}

/** Encodes `verified` for storage. */
export function encodeVerifiedBundle(verified: VerifiedBundle): EncodedVerifiedBundle {
  const { root, ...rest } = verified;
  return {
    root: { name: root.name, sha256: root.sha256 },
    rest: JSON.parse(JSON.stringify(rest, function (this: Record<string, unknown>, key, value) {
      // The `value` of a Date is already its toJSON() string: look at the property itself.
      const raw = this[key];
      if (raw instanceof Date) return { $date: raw.toISOString() };
      if (raw instanceof Uint8Array) return { $bytes: encodeBase64(raw) };
      return typeof value === "bigint" ? { $bigint: value.toString() } : value;
    })),
  };
}

/**
 * Decodes what {@link encodeVerifiedBundle} stored; undefined when it is not that, or when its
 * root is not one of `roots` (same name and digest).
 */
export function decodeVerifiedBundle(
  value: unknown,
  roots: readonly TrustedRoot[],
): VerifiedBundle | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const encoded = value as Partial<EncodedVerifiedBundle>;
  const root = roots.find((r) =>
    r.name === encoded.root?.name && r.sha256 === encoded.root?.sha256
  );
  if (!root || typeof encoded.rest !== "object" || encoded.rest === null) return undefined;
  const rest = JSON.parse(JSON.stringify(encoded.rest), (_key, v) => {
    if (typeof v === "object" && v !== null) {
      if (typeof v.$bigint === "string" && /^-?\d+$/.test(v.$bigint)) return BigInt(v.$bigint);
      if (typeof v.$date === "string") return new Date(v.$date);
      if (typeof v.$bytes === "string") return decodeBase64(v.$bytes);
    }
    return v;
  }) as Omit<VerifiedBundle, "root">;
  if (
    !Array.isArray(rest.times) || !Array.isArray(rest.tlogEntries) ||
    typeof rest.managedKey !== "boolean" || typeof rest.artifactBinding !== "string" ||
    typeof rest.scts !== "number" || !Array.isArray(rest.ignoredTimestamps)
  ) {
    return undefined;
  }
  return { ...rest, root };
}
