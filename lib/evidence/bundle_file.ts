/**
 * The documents a "bundle file" may hold: one Sigstore bundle; a `.jsonl` of bundles (what
 * `gh attestation download` writes); an attestation as GitHub's API returns it (`{"bundle": …}`);
 * or an API page (`{"attestations": [{"bundle": …}, …]}`). Shape only.
 * @module
 */

/** One bundle's JSON text and where in the file it was. */
export interface BundleDocument {
  readonly text: string;
  /** `line 3` for JSONL, `attestations[1]` for API pages, `` for a single bundle. */
  readonly location: string;
}

/**
 * The bundles of an API page or attestation, or `undefined` when `value` is neither. An
 * attestation of a page is unwrapped only as `{"bundle": …}`: a page inside a page is no shape
 * GitHub writes, and unwrapping pages recursively let a file of pages nested thousands deep
 * overflow the stack (a RangeError instead of a bundle the parser reports).
 */
function unwrap(value: unknown, location: string, inPage = false): BundleDocument[] | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const obj = value as Record<string, unknown>;
  if (Array.isArray(obj.attestations) && !inPage) {
    return obj.attestations.flatMap((a, i) =>
      unwrap(a, `${location}attestations[${i}]`, true) ?? [{
        text: JSON.stringify(a),
        location: `${location}attestations[${i}]`,
      }]
    );
  }
  if (obj.mediaType === undefined && typeof obj.bundle === "object" && obj.bundle !== null) {
    return [{ text: JSON.stringify(obj.bundle), location: `${location}bundle` }];
  }
  return undefined;
}

/**
 * Splits a bundle file into bundle documents. Text that is not JSON (or not one of the shapes
 * above) is returned whole, so the bundle parser reports what is wrong with it.
 */
export function splitBundleDocuments(text: string): BundleDocument[] {
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    const lines = text.split("\n").map((l, i) => ({ l: l.trim(), i })).filter((x) => x.l);
    if (lines.length > 1 && lines.every((x) => x.l.startsWith("{"))) {
      return lines.flatMap(({ l, i }) => {
        let value: unknown;
        try {
          value = JSON.parse(l);
        } catch {
          return [{ text: l, location: `line ${i + 1}` }];
        }
        return unwrap(value, `line ${i + 1}: `) ?? [{ text: l, location: `line ${i + 1}` }];
      });
    }
    return [{ text, location: "" }];
  }
  return unwrap(whole, "") ?? [{ text, location: "" }];
}
