/**
 * Shapes of what a git repository says, shared by the sources that ask and the checks that judge:
 * where a commit stands against a branch, and repository-relative paths in canonical form.
 * @module
 */

/** Where a commit stands against a branch of the repository. */
export type BranchHistory = "in-history" | "not-in-history" | "unknown-commit";

/**
 * A repository-relative directory path in canonical form (`./a//b/` → `a/b`, `.` or `/` → `""`);
 * undefined when it climbs out (`..`) or holds a NUL or a backslash.
 */
export function normalizeTreePath(path: string): string | undefined {
  if (path.includes("\0") || path.includes("\\")) return undefined;
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) return undefined;
  return parts.join("/");
}
