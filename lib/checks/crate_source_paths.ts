/**
 * Repository paths for the `crate-source` check (`./crate_source.ts`): where a crate file sits
 * in the package, joining and relating slash-separated tree paths, resolving a symlink's target
 * against the tree, and naming directories and ids in messages. Pure functions; internal to
 * `lib/checks/crate_source*.ts`.
 * @module
 */
import type { CrateFile } from "../evidence/crate_archive.ts";
import { resolveRelativeLink } from "../evidence/crate_archive_paths.ts";

/** Where a crate file is in the package: `Cargo.toml.orig` is the package's `Cargo.toml`. */
export function repoRelative(file: CrateFile): string {
  return file.path === "Cargo.toml.orig" ? "Cargo.toml" : file.path;
}

/** `path` under directory `dir` (`""` is the repository root). */
export function joinPath(dir: string, path: string): string {
  return dir === "" ? path : `${dir}/${path}`;
}

/** The last component of a slash-separated path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Whether `path` lies under directory `dir` (everything lies under the root, `""`). */
export function isUnder(path: string, dir: string): boolean {
  return dir === "" || path.startsWith(`${dir}/`);
}

/** `path` relative to directory `from`: `crates/foo` → `README.md` is `../../README.md`. */
export function relativePath(from: string, path: string): string {
  const a = from === "" ? [] : from.split("/");
  const b = path.split("/");
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}

/** The path a symlink at `linkPath` pointing at `target` names, as parts; undefined outside. */
export function resolveLink(linkPath: string, target: string): string[] | undefined {
  if (target === "" || target.startsWith("/") || target.includes("\0")) return undefined;
  return resolveRelativeLink(linkPath, target);
}

/** Where the package is, for messages: "at the repository root" or "under DIR". */
export function where(base: string): string {
  return base === "" ? "at the repository root" : `under ${base}`;
}

/** A directory for messages: "the repository root" for `""`. */
export function dirName(dir: string): string {
  return dir === "" ? "the repository root" : dir;
}

/** A commit or blob id shortened to 12 characters for messages. */
export function short(sha: string): string {
  return sha.slice(0, 12);
}
