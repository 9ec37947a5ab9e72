/**
 * The path rules of a crate's entries that need no reader state (a symlink leaving the crate
 * root, a clean relative path), the prefix hash the reader indexes paths by, and how a path or
 * value is quoted in a problem's message.
 * @module
 */

/** Whether a symlink at `path` (relative to the crate root) pointing at `target` leaves it. */
export function linkEscapes(path: string, target: string): boolean {
  if (target.startsWith("/") || target.includes("\\") || /^[A-Za-z]:/.test(target)) return true;
  return resolveRelativeLink(path, target) === undefined;
}

/**
 * The path, as parts, that a symlink at `linkPath` (relative to a root) pointing at the relative
 * `target` names: `.` and empty parts skipped, `..` climbing; undefined when it climbs above the
 * root. The caller refuses absolute targets first.
 */
export function resolveRelativeLink(linkPath: string, target: string): string[] | undefined {
  const stack = linkPath.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.length === 0) return undefined;
      stack.pop();
    } else stack.push(part);
  }
  return stack;
}

/** Whether `path` is `""` or a relative `/`-separated path with no `..`, `.` or empty part. */
export function isCleanRelativePath(path: string): boolean {
  if (path === "") return true;
  if (path.startsWith("/") || path.includes("\\") || path.includes("\0")) return false;
  if (/^[A-Za-z]:/.test(path)) return false;
  return path.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/** A path or value quoted for a message: JSON-escaped, cut when long. */
/**
 * A value as it may appear in a message: JSON-quoted, cut to 200 characters, and with the
 * characters JSON leaves raw but a terminal would act on (DEL, C1 controls, bidirectional
 * overrides) escaped too.
 */
export function show(value: string): string {
  const cut = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  // Nearly every path is printable ASCII without quotes or backslashes: quoted as it is.
  if (PLAIN.test(cut)) return `"${cut}"`;
  return JSON.stringify(cut).replace(
    /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Printable ASCII other than `"` and `\\`: what {@link show} can quote without escaping. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** The hash {@link ArchiveReader} indexes paths by: of the first `length` characters. */
export function prefixHash(path: string, length: number): number {
  let h = 0;
  for (let i = 0; i < length; i++) h = (Math.imul(h, 31) + path.charCodeAt(i)) | 0;
  return h;
}
