/**
 * Comparing one crate file with the tree, for the `crate-source` check (`./crate_source.ts`):
 * its path resolved in the tree (symlinks followed in any component, submodules, partial
 * listings), a crate-root file the manifest copies from outside the package matched at that one
 * path, and a blob that differs explained — line endings, a git-lfs object, a link's target
 * written as text — only from bytes that hash to their blob ids. Repository blobs are fetched at
 * most once each and at most {@link MAX_BLOB_FETCHES} per crate. Internal to
 * `lib/checks/crate_source*.ts`.
 * @module
 */
import type { CrateFile } from "../evidence/crate_archive.ts";
import { gitBlobSha1 } from "../evidence/git_blob.ts";
import {
  bytesEqual,
  exact,
  isBinary,
  lfsPointer,
  lfsPointerLength,
  lineEndingsPossible,
  MAX_LFS_POINTER_BYTES,
  parseLfsPointer,
  sha256,
  sizesAllowLineEndings,
  toCrlf,
  toLf,
  utf8Fatal,
} from "./crate_source_bytes.ts";
import {
  joinPath,
  relativePath,
  repoRelative,
  resolveLink,
  short,
  where,
} from "./crate_source_paths.ts";
import type { Explanation, FileOutcome } from "./crate_source_summary.ts";
import { SYMLINK_MODE, type TreeIndex } from "./crate_source_tree.ts";
import type { CrateSourceInput, CrateSourceTreeEntry } from "./crate_source_types.ts";

/** Most distinct blobs one check reads through {@link CrateSourceInput.fetchBlob}. */
export const MAX_BLOB_FETCHES = 200;

/** Most symlinks followed for one path (as Linux's `MAXSYMLINKS`). */
const MAX_SYMLINK_HOPS = 40;

/** Where a path leads in the tree, symlinks followed. */
type Resolved =
  | { kind: "blob"; entry: CrateSourceTreeEntry; path: string; links: string[] }
  | { kind: "link-text"; entry: CrateSourceTreeEntry; path: string; links: string[] }
  | { kind: "absent"; note?: string }
  | { kind: "unknown"; reason: string; listing: boolean };

/** A crate file's content against a repository blob. */
type Content =
  | { kind: "equal" }
  | { kind: "explained"; how: "lfs" | "line-endings" }
  | { kind: "differs"; note?: string }
  | { kind: "unknown"; reason: string };

/** Bytes checked against their blob id, or why there are none. */
type Bytes = { bytes: Uint8Array } | { why: string };

/**
 * Compares crate files with the tree, one at a time: resolves each path (symlinks, submodules,
 * partial listings, files from outside the package) and explains a differing blob (line endings,
 * git-lfs) from bytes that hash to their blob ids; reads each blob at most once.
 */
export class Comparer {
  private readonly repoBlobs = new Map<string, Promise<Bytes>>();
  private readonly crateBlobs = new Map<string, Bytes>();
  private fetches = 0;
  /** Crate-root files cargo copied from outside the package: name → repository path. */
  outside = new Map<string, string>();
  /** Set when the manifest's readme or license-file could not be read (inherited): which. */
  outsideUnknown?: string;

  /** A comparer of crate files with the tree in `index`, under the package directory `base`. */
  constructor(
    private readonly input: CrateSourceInput,
    private readonly index: TreeIndex,
    private readonly base: string,
  ) {}

  /** One crate file compared with the tree: its {@link FileOutcome}. */
  async compare(file: CrateFile): Promise<FileOutcome> {
    const repoPath = joinPath(this.base, repoRelative(file));
    if (file.kind === "symlink") return this.compareCrateSymlink(file, repoPath);

    const local = await this.resolve(repoPath, file.gitBlob);
    let outcome: FileOutcome;
    if (local.kind === "blob" || local.kind === "link-text") {
      const found = await this.matchFound(file, local);
      if (found.status === "other") return found.outcome; // the package's own file decides
      if (found.how.length === 0) return { status: "match", file, repoPath };
      return { status: "explained", file, how: found.how, detail: `${file.path}${found.suffix}` };
    } else if (local.kind === "absent") {
      outcome = { status: "absent", file, repoPath, note: local.note };
    } else {
      outcome = { status: "unresolved", file, reason: local.reason, listing: local.listing };
    }

    if (outcome.status === "unresolved" && outcome.listing === false) return outcome;
    const source = this.outside.get(file.path);
    if (source === undefined) {
      return this.outsideUnknown !== undefined && outcome.status === "absent" &&
          !file.path.includes("/")
        ? {
          status: "unresolved",
          file,
          reason: `not ${where(this.base)}; cargo may have copied it from where the ` +
            `manifest's ${this.outsideUnknown} says, which is inherited from the workspace ` +
            `root's Cargo.toml, and that could not be read`,
          listing: false,
        }
        : outcome;
    }
    const outside = await this.fromOutside(file, source);
    if (outside.kind === "explained" || outcome.status !== "absent") {
      return outside.kind === "explained" ? outside.outcome : outcome;
    }
    if (outside.kind === "unknown") {
      return {
        status: "unresolved",
        file,
        reason: `not ${where(this.base)}; ${outside.reason}`,
        listing: outside.listing,
      };
    }
    if (outside.kind === "differs") return outside.outcome;
    const notes = [outcome.note, outside.note].filter((n) => n !== undefined);
    return { ...outcome, note: notes.length > 0 ? notes.join("; ") : undefined };
  }

  /**
   * A file the resolver found, its content compared: `match` with the explanations (none for a
   * direct blob match) and their message suffix, or the differing or unresolved outcome.
   */
  private async matchFound(
    file: CrateFile,
    found: Extract<Resolved, { kind: "blob" | "link-text" }>,
  ): Promise<
    | { status: "match"; how: Explanation[]; suffix: string }
    | { status: "other"; outcome: FileOutcome }
  > {
    const how: Explanation[] = [];
    const suffixes: string[] = [];
    if (found.links.length > 0) {
      how.push("symlink");
      suffixes.push(`via ${found.links.join(", ")}`);
    }
    if (found.kind === "link-text") {
      how.push("link-text");
      suffixes.push(`the text of the symlink ${found.path}`);
      return { status: "match", how, suffix: suffixText(suffixes) };
    }
    const content = await this.compareContent(file, found.entry, found.path);
    switch (content.kind) {
      case "equal":
        return { status: "match", how, suffix: suffixText(suffixes) };
      case "explained":
        how.push(content.how);
        if (how.length > 1 || found.path !== joinPath(this.base, repoRelative(file))) {
          suffixes.push(content.how === "lfs" ? "a git-lfs object" : "line endings only");
        }
        return { status: "match", how, suffix: suffixText(suffixes) };
      case "differs":
        return {
          status: "other",
          outcome: {
            status: "differs",
            file,
            repoPath: found.path,
            repoSha: found.entry.sha,
            note: [
              ...(found.links.length > 0 ? [`via ${found.links.join(", ")}`] : []),
              ...(content.note ? [content.note] : []),
            ].join("; ") || undefined,
          },
        };
      case "unknown":
        return {
          status: "other",
          outcome: { status: "unresolved", file, reason: content.reason, listing: false },
        };
    }
  }

  /** A symlink in the crate: matches a repository symlink with the same blob (its target). */
  private compareCrateSymlink(file: CrateFile, repoPath: string): FileOutcome {
    const entry = this.index.byPath.get(repoPath);
    const what = `a symlink in the crate (to ${JSON.stringify(file.linkTarget ?? "")})`;
    if (entry !== undefined && entry.mode === SYMLINK_MODE && entry.sha === file.gitBlob) {
      return { status: "match", file, repoPath };
    }
    if (entry === undefined) {
      if (!this.index.knowsAbsence(repoPath)) {
        return {
          status: "unresolved",
          file,
          reason: `${what}; ${repoPath} is not in the ${this.index.listingWhat}`,
          listing: true,
        };
      }
      return { status: "absent", file, repoPath, note: what };
    }
    return {
      status: "differs",
      file,
      repoPath,
      repoSha: entry.sha,
      note: entry.mode === SYMLINK_MODE ? `${what}, to another target` : `${what}, not a link`,
    };
  }

  /** A crate file's bytes (kept by the archive, else asked for), checked against its blob. */
  bytesOf(file: CrateFile): Uint8Array | undefined {
    if (file.bytes !== undefined && gitBlobSha1(file.bytes) === file.gitBlob) return file.bytes;
    const b = this.crateBytes(file);
    return "bytes" in b ? b.bytes : undefined;
  }

  /** The text of the repository's file at `path` (symlinks followed), or why it is unknown. */
  async readRepoText(path: string): Promise<{ text: string } | { absent: true } | { why: string }> {
    const r = await this.resolve(path, "");
    if (r.kind === "absent") return { absent: true };
    if (r.kind === "unknown") return { why: r.reason };
    if (r.kind !== "blob") return { why: `${path} is not a file` };
    const bytes = await this.repoBytes(r.entry.sha);
    if ("why" in bytes) return { why: `${path}: ${bytes.why}` };
    try {
      return { text: utf8Fatal.decode(bytes.bytes) };
    } catch {
      return { why: `${path} is not UTF-8` };
    }
  }

  /**
   * A crate-root file the manifest's `readme` or `license-file` names outside the package:
   * cargo copied it from that one path (`candidate`, from the repository root), and from
   * nowhere else.
   */
  private async fromOutside(
    file: CrateFile,
    candidate: string,
  ): Promise<
    | { kind: "explained"; outcome: FileOutcome }
    | { kind: "differs"; outcome: FileOutcome }
    | { kind: "unknown"; reason: string; listing: boolean }
    | { kind: "absent"; note?: string }
  > {
    const from = relativePath(this.base, candidate);
    const r = await this.resolve(candidate, file.gitBlob);
    if (r.kind === "absent") {
      return { kind: "absent", note: `nor at ${from}, where the manifest says it comes from` };
    }
    if (r.kind === "unknown") {
      return { kind: "unknown", reason: `${from}: ${r.reason}`, listing: r.listing };
    }
    const found = await this.matchFound(file, r);
    if (found.status === "match") {
      return {
        kind: "explained",
        outcome: {
          status: "explained",
          file,
          how: ["outside", ...found.how],
          detail: `${file.path} ← ${from}${found.suffix}`,
        },
      };
    }
    if (found.outcome.status === "unresolved") {
      return { kind: "unknown", reason: `${from}: ${found.outcome.reason}`, listing: false };
    }
    return { kind: "differs", outcome: found.outcome };
  }

  /**
   * Finds `start` in the tree, following symlinks in any component. `link-text` when the final
   * component is a symlink whose blob (its target as text) is the crate file's blob.
   */
  private async resolve(start: string, crateBlob: string): Promise<Resolved> {
    let parts = start.split("/");
    let i = 0;
    let prefix = "";
    let hops = 0;
    const links: string[] = [];
    while (true) {
      const here = prefix === "" ? parts[i] : `${prefix}/${parts[i]}`;
      const last = i === parts.length - 1;
      const entry = this.index.byPath.get(here);
      if (entry === undefined) {
        if (this.index.dirs.has(here)) {
          if (last) return { kind: "absent", note: `${here} is a directory in the repository` };
          prefix = here;
          i++;
          continue;
        }
        if (!this.index.knowsAbsence(here)) {
          return {
            kind: "unknown",
            reason: `${here} is not in the ${this.index.listingWhat}`,
            listing: true,
          };
        }
        return { kind: "absent" };
      }
      if (entry.type === "commit") {
        return {
          kind: "unknown",
          reason: `it lies in the submodule ${here} (commit ${
            short(entry.sha)
          }), whose files are in another repository`,
          listing: false,
        };
      }
      if (entry.type === "tree") {
        if (last) return { kind: "absent", note: `${here} is a directory in the repository` };
        prefix = here;
        i++;
        continue;
      }
      if (entry.mode === SYMLINK_MODE) {
        if (last && entry.sha === crateBlob) return { kind: "link-text", entry, path: here, links };
        if (++hops > MAX_SYMLINK_HOPS) {
          return {
            kind: "unknown",
            reason: `following the symlinks from ${start} does not end (a loop?)`,
            listing: false,
          };
        }
        const target = await this.readLink(entry.sha);
        if ("why" in target) {
          return {
            kind: "unknown",
            reason: `${here} is a symlink in the repository, and its target could not be read: ` +
              target.why,
            listing: false,
          };
        }
        const resolved = resolveLink(here, target.text);
        if (resolved === undefined) {
          return {
            kind: "unknown",
            reason: `${here} is a symlink to ${
              JSON.stringify(target.text)
            }, outside the repository: cargo read it from the packager's disk`,
            listing: false,
          };
        }
        links.push(`${here} → ${target.text}`);
        parts = [...resolved, ...parts.slice(i + 1)];
        if (parts.length === 0) {
          return { kind: "absent", note: `${here} links to the repository's root directory` };
        }
        prefix = "";
        i = 0;
        continue;
      }
      if (!last) return { kind: "absent", note: `${here} is a file in the repository` };
      return { kind: "blob", entry, path: here, links };
    }
  }

  /** A crate file against a repository blob whose id differs or not. */
  private async compareContent(
    file: CrateFile,
    entry: CrateSourceTreeEntry,
    repoPath: string,
  ): Promise<Content> {
    if (file.gitBlob === entry.sha) return { kind: "equal" };
    const crate = this.crateBytes(file);
    const crateBytes = "bytes" in crate ? crate.bytes : undefined;
    if (crateBytes !== undefined) {
      if (gitBlobSha1(lfsPointer(crateBytes)) === entry.sha) {
        return { kind: "explained", how: "lfs" };
      }
      if (
        !isBinary(crateBytes) &&
        (gitBlobSha1(toLf(crateBytes)) === entry.sha ||
          gitBlobSha1(toCrlf(crateBytes)) === entry.sha)
      ) {
        return { kind: "explained", how: "line-endings" };
      }
      // Sizes that rule out both a (non-canonical) LFS pointer and a line-ending difference
      // settle it without fetching the repository's blob.
      if (
        entry.size !== undefined && entry.size >= MAX_LFS_POINTER_BYTES &&
        (isBinary(crateBytes) ||
          !lineEndingsPossible(entry.size, file.size, exact(toLf(crateBytes))))
      ) {
        return { kind: "differs" };
      }
    }

    const repo = await this.repoBytes(entry.sha);
    const unknown = (why: string): Content => ({
      kind: "unknown",
      reason: `its blob ${short(file.gitBlob)} differs from ${repoPath}'s ${
        short(entry.sha)
      }, ${why}`,
    });
    const missing = () =>
      [
        ...("why" in crate ? [`the crate's bytes (${crate.why})`] : []),
        ...("why" in repo ? [`the repository's blob (${repo.why})`] : []),
      ].join(" and ");

    if ("bytes" in repo) {
      const repoBytes = repo.bytes;
      const pointer = parseLfsPointer(repoBytes);
      if (pointer !== undefined) {
        if (crateBytes !== undefined) {
          return sha256(crateBytes) === pointer.oid && crateBytes.length === pointer.size
            ? { kind: "explained", how: "lfs" }
            : { kind: "differs", note: "the repository's git-lfs pointer names other content" };
        }
        return pointer.size === file.size
          ? unknown(
            `and the repository holds a git-lfs pointer to an object of its size; checking it ` +
              `needs ${missing()}`,
          )
          : {
            kind: "differs",
            note: `the repository's git-lfs pointer names an object of ${pointer.size} bytes`,
          };
      }
      if (crateBytes !== undefined) {
        return !isBinary(crateBytes) && !isBinary(repoBytes) &&
            bytesEqual(toLf(crateBytes), toLf(repoBytes))
          ? { kind: "explained", how: "line-endings" }
          : { kind: "differs" };
      }
      if (isBinary(repoBytes)) return { kind: "differs" };
      const normalized = toLf(repoBytes);
      if (
        gitBlobSha1(normalized) === file.gitBlob || gitBlobSha1(toCrlf(repoBytes)) === file.gitBlob
      ) {
        return { kind: "explained", how: "line-endings" };
      }
      return lineEndingsPossible(file.size, repoBytes.length, exact(normalized))
        ? unknown(`possibly only in line endings; telling needs ${missing()}`)
        : { kind: "differs" };
    }

    if (crateBytes !== undefined) {
      if (isBinary(crateBytes)) return { kind: "differs" };
      if (entry.size === undefined) {
        return unknown(`possibly only in line endings; telling needs ${missing()}`);
      }
      return lineEndingsPossible(entry.size, file.size, exact(toLf(crateBytes)))
        ? unknown(`possibly only in line endings; telling needs ${missing()}`)
        : { kind: "differs" };
    }

    if (entry.size === undefined) {
      return unknown(`and without the bytes of either it cannot be told why; needs ${missing()}`);
    }
    if (entry.size === lfsPointerLength(file.size)) {
      return unknown(
        `possibly a git-lfs pointer to the crate's file; telling needs ${missing()}`,
      );
    }
    return sizesAllowLineEndings(file.size, entry.size)
      ? unknown(`possibly only in line endings; telling needs ${missing()}`)
      : { kind: "differs" };
  }

  /** A crate file's bytes, read once, or why there are none. */
  private crateBytes(file: CrateFile): Bytes {
    let result = this.crateBlobs.get(file.path);
    if (result === undefined) {
      result = readCrateBytes(this.input.crateFileBytes, file);
      this.crateBlobs.set(file.path, result);
    }
    return result;
  }

  /** A repository blob's bytes, fetched once per id, or why there are none. */
  private repoBytes(sha: string): Promise<Bytes> {
    let cached = this.repoBlobs.get(sha);
    if (cached === undefined) {
      cached = this.fetchRepoBytes(sha);
      this.repoBlobs.set(sha, cached);
    }
    return cached;
  }

  /** Fetches a blob (within {@link MAX_BLOB_FETCHES}) and keeps it only if it hashes to `sha`. */
  private async fetchRepoBytes(sha: string): Promise<Bytes> {
    const fetchBlob = this.input.fetchBlob;
    if (fetchBlob === undefined) return { why: "no way to fetch repository blobs (offline)" };
    if (this.fetches >= MAX_BLOB_FETCHES) {
      return { why: `not fetched: at most ${MAX_BLOB_FETCHES} blobs are fetched per crate` };
    }
    this.fetches++;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await fetchBlob(sha);
    } catch (error) {
      return { why: `fetching it failed: ${errorText(error)}` };
    }
    if (bytes === undefined) return { why: "it could not be fetched" };
    if (gitBlobSha1(bytes) !== sha) return { why: "the bytes fetched do not hash to its id" };
    return { bytes };
  }

  /** A symlink's target, from its blob as UTF-8. */
  private async readLink(sha: string): Promise<{ text: string } | { why: string }> {
    const blob = await this.repoBytes(sha);
    if ("why" in blob) return blob;
    try {
      return { text: utf8Fatal.decode(blob.bytes) };
    } catch {
      return { why: "the link's target is not UTF-8" };
    }
  }
}

/** A crate file's bytes from `read`, used only when they hash to the file's blob. */
function readCrateBytes(
  read: CrateSourceInput["crateFileBytes"],
  file: CrateFile,
): Bytes {
  if (read === undefined) return { why: "none were given" };
  let bytes: Uint8Array | undefined;
  try {
    bytes = read(file.path);
  } catch (error) {
    return { why: `reading them failed: ${errorText(error)}` };
  }
  if (bytes === undefined) return { why: "unavailable" };
  if (gitBlobSha1(bytes) !== file.gitBlob) {
    return { why: "the bytes given do not hash to the file's blob" };
  }
  return { bytes };
}

/** The parts as a parenthesized suffix, or nothing. */
function suffixText(parts: readonly string[]): string {
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

/** A thrown value as text. */
function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
