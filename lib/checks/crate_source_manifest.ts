/**
 * What cargo writes, for the `crate-source` check (`./crate_source.ts`): the original manifest
 * (`Cargo.toml.orig`) read, the workspace root's `Cargo.toml` found at the commit when the
 * package inherits from it, the files the manifests copy from outside the package (`readme`,
 * `license-file`), the paths cargo compiles, and the files cargo generates checked — the
 * normalized `Cargo.toml` against the original, `Cargo.lock` for the crate. Internal to
 * `lib/checks/crate_source*.ts`.
 * @module
 */
import type { CrateArchive } from "../evidence/crate_archive.ts";
import { normalizeTreePath } from "../evidence/repository_paths.ts";
import { utf8Fatal } from "./crate_source_bytes.ts";
import type { Comparer } from "./crate_source_comparer.ts";
import { baseName, dirName, isUnder, joinPath } from "./crate_source_paths.ts";
import {
  checkCrateLock,
  compareCrateManifest,
  declaredWorkspace,
  isWorkspaceRoot,
  manifestCodePaths,
  manifestCopiedFiles,
  manifestInherits,
  manifestPathsOutside,
  parseManifest,
} from "./crate_manifest.ts";

type Table = Record<string, unknown>;

/** What the manifests say, and what the files cargo writes were found to be. */
export interface ManifestExam {
  /** Crate-root files cargo copied from outside the package: name → repository path. */
  outside: Map<string, string>;
  /** The manifest field whose outside file is unknown (inherited, workspace unreadable). */
  outsideUnknown?: string;
  /** Crate paths cargo compiles as targets or build scripts (by either manifest). */
  codePaths: Set<string>;
  /** Mismatches of the files cargo writes, each with its code. */
  findings: {
    code: "crate-source-manifest-mismatch" | "crate-source-lock-mismatch";
    text: string;
  }[];
  /** Why a file cargo writes could not be checked. */
  undecided: string[];
  /** What was checked and holds, for the pass message. */
  verified: string[];
}

/**
 * Reads the original manifest (and the workspace root's, when it inherits), and checks the files
 * cargo writes: the normalized `Cargo.toml` against the original, `Cargo.lock` for the crate.
 */
export async function examineManifest(
  comparer: Comparer,
  archive: CrateArchive,
  base: string,
): Promise<ManifestExam> {
  const exam: ManifestExam = {
    outside: new Map(),
    codePaths: new Set(),
    findings: [],
    undecided: [],
    verified: [],
  };
  const byPath = new Map(archive.files.map((f) => [f.path, f]));
  const text = (path: string): string | undefined => {
    const file = byPath.get(path);
    const bytes = file?.kind === "file" ? comparer.bytesOf(file) : undefined;
    if (bytes === undefined) return undefined;
    try {
      return utf8Fatal.decode(bytes);
    } catch {
      return undefined;
    }
  };
  const normalizedFile = byPath.get("Cargo.toml");
  const generatedManifest = normalizedFile?.generated === true;
  const origText = archive.cargoTomlOrig ??
    text(generatedManifest ? "Cargo.toml.orig" : "Cargo.toml");
  const parsedOrig = origText === undefined ? undefined : parseManifest(origText);
  const orig = parsedOrig && "table" in parsedOrig ? parsedOrig.table : undefined;
  const files = archive.files.map((f) => f.path);

  // The workspace root, when the original inherits from it.
  let workspace: { table: Table; dir: string; text: string } | undefined;
  let workspaceWhy: string | undefined;
  if (orig !== undefined && manifestInherits(orig)) {
    const found = await findWorkspaceRoot(comparer, orig, origText!, base);
    if ("why" in found) workspaceWhy = found.why;
    else workspace = found;
  }

  if (orig !== undefined) {
    for (const copied of manifestCopiedFiles(orig, base, workspace)) {
      if (copied.path === undefined) exam.outsideUnknown = copied.field;
      else if (!isUnder(copied.path, base)) exam.outside.set(baseName(copied.path), copied.path);
    }
  }

  const tables: Table[] = orig !== undefined ? [orig] : [];
  if (generatedManifest) {
    const normalized = text("Cargo.toml");
    if (normalized === undefined || origText === undefined) {
      exam.undecided.push(
        `Cargo.toml (the manifest cargo builds with) could not be compared with ` +
          `Cargo.toml.orig: ${normalized === undefined ? "its" : "Cargo.toml.orig's"} bytes ` +
          `are not at hand`,
      );
    } else {
      const parsed = parseManifest(normalized);
      if ("table" in parsed) tables.push(parsed.table);
      const result = compareCrateManifest({
        normalized,
        orig: origText,
        ...(workspace ? { workspaceRoot: workspace.text } : {}),
        files,
      });
      if (result.kind === "mismatch") {
        for (const f of result.findings) {
          exam.findings.push({ code: "crate-source-manifest-mismatch", text: f });
        }
      } else if (result.kind === "undecidable") {
        exam.undecided.push(
          `Cargo.toml (the manifest cargo builds with) could not be compared: ${result.reason}` +
            (workspaceWhy ? ` (${workspaceWhy})` : ""),
        );
      } else {
        exam.verified.push(
          `Cargo.toml follows from Cargo.toml.orig${workspace ? " and the workspace root" : ""}`,
        );
      }
    }
  }
  for (const path of manifestCodePaths(tables, files)) exam.codePaths.add(path);
  // A build script or target outside the package is, in a build of the published crate, a file
  // of another crate unpacked beside it: never compared with anything.
  const outsidePaths = new Set(tables.flatMap(manifestPathsOutside));
  for (const path of outsidePaths) {
    exam.findings.push({
      code: "crate-source-manifest-mismatch",
      text: `${path} lies outside the crate: cargo builds it from whatever is beside the ` +
        "unpacked crate (another crate's files), which was not compared",
    });
  }

  const lockFile = byPath.get("Cargo.lock");
  if (lockFile?.generated) {
    // The normalized manifest's package (the original's version may be inherited).
    const pkg = [...tables].reverse().map((t) => t.package).find((p): p is Table =>
      isPlainTable(p) && typeof p.name === "string" && typeof p.version === "string"
    );
    const bytes = lockFile.kind === "file" ? comparer.bytesOf(lockFile) : undefined;
    if (bytes === undefined || typeof pkg?.name !== "string" || typeof pkg.version !== "string") {
      exam.undecided.push(
        `Cargo.lock could not be checked: ${
          bytes === undefined ? "its bytes are not at hand" : "the manifest names no version"
        }`,
      );
    } else {
      const problem = checkCrateLock(bytes, { name: pkg.name, version: pkg.version });
      if (problem !== undefined) {
        exam.findings.push({ code: "crate-source-lock-mismatch", text: problem });
      } else exam.verified.push(`Cargo.lock is a lock file of ${pkg.name} ${pkg.version}`);
    }
  }
  return exam;
}

function isPlainTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The workspace root's `Cargo.toml` at the commit, as cargo finds it: the original itself when
 * it has `[workspace]`, the directory `package.workspace` names, else the nearest directory above
 * the package whose `Cargo.toml` has `[workspace]` and does not exclude it.
 */
async function findWorkspaceRoot(
  comparer: Comparer,
  orig: Table,
  origText: string,
  base: string,
): Promise<{ table: Table; dir: string; text: string } | { why: string }> {
  if (isWorkspaceRoot(orig)) return { table: orig, dir: base, text: origText };
  const declared = declaredWorkspace(orig);
  const dirs: string[] = [];
  if (declared !== undefined) {
    const dir = normalizeTreePath(base === "" ? declared : `${base}/${declared}`);
    if (dir === undefined) {
      return { why: `package.workspace ${JSON.stringify(declared)} is outside the repository` };
    }
    dirs.push(dir);
  } else {
    const parts = base === "" ? [] : base.split("/");
    for (let k = parts.length - 1; k >= 0; k--) dirs.push(parts.slice(0, k).join("/"));
  }
  for (const dir of dirs) {
    const path = joinPath(dir, "Cargo.toml");
    const read = await comparer.readRepoText(path);
    if ("absent" in read) continue;
    if ("why" in read) return { why: `the workspace root's manifest: ${read.why}` };
    const parsed = parseManifest(read.text);
    if ("error" in parsed) return { why: `${path} is not TOML` };
    if (!isWorkspaceRoot(parsed.table)) continue;
    // cargo passes over a root that excludes the package (unless it names it a member), but not
    // over one `package.workspace` names.
    if (declared === undefined && excludesPackage(parsed.table, dir, base)) continue;
    return { table: parsed.table, dir, text: read.text };
  }
  return { why: `no Cargo.toml with [workspace] above ${dirName(base)}` };
}

/**
 * Whether the workspace root at `dir` excludes the package at `base`, as cargo's
 * `is_excluded` reads it: an `exclude` path is a prefix of the package's (by components), and no
 * `members` entry, taken as a plain path, is.
 */
function excludesPackage(root: Table, dir: string, base: string): boolean {
  const ws = root.workspace as Table;
  const under = (entries: unknown) =>
    Array.isArray(entries) && entries.some((entry) => {
      if (typeof entry !== "string") return false;
      const path = normalizeTreePath(dir === "" ? entry : `${dir}/${entry}`);
      return path !== undefined && (path === "" || base === path || base.startsWith(`${path}/`));
    });
  return under(ws.exclude) && !under(ws.members);
}
