/**
 * Canonical JSON as TUF signs it (securesystemslib's `encode_canonical`, the form python-tuf,
 * go-tuf and tuf-js verify): object keys sorted by code point, no whitespace, strings with only
 * `\` and `"` escaped, integers only.
 * @module
 */

/** A value canonical JSON cannot encode (a float, a non-JSON value). */
export class CanonicalJsonError extends Error {
  override name = "CanonicalJsonError";
}

/** Encodes `value` as canonical JSON text. */
export function encodeCanonicalJson(value: unknown): string {
  const parts: string[] = [];
  encode(value, parts, "$");
  return parts.join("");
}

/** Encodes `value` as canonical JSON, UTF-8 bytes (what TUF signatures are over). */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(encodeCanonicalJson(value));
}

function encode(value: unknown, parts: string[], path: string): void {
  if (value === null) parts.push("null");
  else if (value === true) parts.push("true");
  else if (value === false) parts.push("false");
  else if (typeof value === "string") parts.push(encodeString(value));
  else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new CanonicalJsonError(`${path}: ${value} is not an integer (canonical JSON has none)`);
    }
    parts.push(String(value));
  } else if (Array.isArray(value)) {
    parts.push("[");
    value.forEach((item, i) => {
      if (i > 0) parts.push(",");
      encode(item, parts, `${path}[${i}]`);
    });
    parts.push("]");
  } else if (typeof value === "object") {
    const keys = Object.keys(value as object).sort(compareCodePoints);
    parts.push("{");
    keys.forEach((key, i) => {
      if (i > 0) parts.push(",");
      parts.push(encodeString(key), ":");
      encode((value as Record<string, unknown>)[key], parts, `${path}.${key}`);
    });
    parts.push("}");
  } else {
    throw new CanonicalJsonError(`${path}: a ${typeof value} is not JSON`);
  }
}

function encodeString(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Python sorts str keys by code point; JS's default sort compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}
