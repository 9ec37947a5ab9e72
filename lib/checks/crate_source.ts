/**
 * The `crate-source` check: does every file of a `.crate` equal the file of the repository at the
 * commit the crate names (`.cargo_vcs_info.json`'s `git.sha1`), under its `path_in_vcs`? Files are
 * compared by Git blob id, so the repository's bytes are needed only to explain a difference. A
 * pure function: the tree, and optionally a way to read blobs and the crate's bytes, are inputs.
 *
 * This is the check that catches a tarball that differs from its source. A check that cries wolf
 * gets switched off, so what published crates really contain is handled, each as a named,
 * explained outcome — never a silent pass, never a false MISMATCH:
 *
 * - **Files cargo writes** (`Cargo.toml` beside a `Cargo.toml.orig`, `Cargo.lock`,
 *   `.cargo_vcs_info.json`; {@link CrateFile.generated}) are checked for what cargo writes
 *   (`./crate_manifest.ts`): the normalized `Cargo.toml` must follow from `Cargo.toml.orig` and,
 *   for inherited fields, the workspace root's `Cargo.toml` at the commit (read from the tree:
 *   `package.workspace`, else the nearest `Cargo.toml` with `[workspace]` above the package);
 *   what does not is `crate-source-manifest-mismatch` naming the key path. `Cargo.lock` must be
 *   a lock file holding the crate itself, else `crate-source-lock-mismatch`.
 *   `.cargo_vcs_info.json` is `crate-vcs`'s. `Cargo.toml.orig` is the manifest as written and is
 *   compared with the repository's `PATH_IN_VCS/Cargo.toml`: a difference there is a mismatch.
 * - **Files from outside `path_in_vcs`**: cargo copies the `readme` or `license-file` the
 *   original manifest names (directly or inherited from the workspace root) to the crate root
 *   under its file name when it lies outside the package (`readme = "../README.md"`). Such a
 *   crate-root file matches only the file at that exact path; nothing else may come from outside
 *   (a same-named file elsewhere in the tree explains nothing).
 * - **Symlinks** (mode `120000`): cargo archives what a link points at. Links are followed in any
 *   component of the path, relative to the link, against the tree; reading a link's target needs
 *   {@link CrateSourceInput.fetchBlob}, and without it the file is unresolved. A link pointing
 *   outside the repository, or a chain that does not end, is unresolved (the content came from the
 *   packager's disk). A crate file holding a link's target text (git on Windows checks links out
 *   as plain files) matches the link's blob and is named as such.
 * - **Line endings**: git's `autocrlf` turns LF into CRLF on checkout, and cargo archives the
 *   checkout. A text file (no NUL in its first 8,000 bytes, git's own test) whose blob differs
 *   matches when it equals the repository's blob after CRLF → LF. This is proved by blob id from
 *   either side's bytes alone when the conversion is the whole-file one git makes, else from both.
 *   Without the bytes, a difference that could be only line endings (the sizes allow it) is
 *   unresolved; one that cannot (equal sizes, or sizes no CR/LF conversion can bridge) is a
 *   mismatch. Two files of equal size are never taken to differ only in line endings (that needs
 *   mixed endings that trade places, which git's conversion never produces).
 * - **git-lfs**: a repository blob that is an LFS pointer matches a crate file whose SHA-256 and
 *   size are the pointer's (checked from the crate's bytes; the canonical pointer of the crate's
 *   bytes is compared by blob id without fetching anything).
 * - **Submodules**: a file inside one is unresolved (its content is in another repository).
 * - **`.cargo_vcs_info.json` without `path_in_vcs`** (older cargo): when the path given is the root
 *   and the crate's record has no `path_in_vcs`, the package directory is the directory with a
 *   `Cargo.toml` under which the most crate files match by blob (a tie or no match at all:
 *   `crate-source-path-unknown`).
 * - **No commit** (no `.cargo_vcs_info.json`, no `git.sha1`): `crate-source-no-vcs-info`. A tree of
 *   another commit (a tag's, in a monorepo whose tags are per crate) is not compared:
 *   `crate-source-unavailable`.
 * - Files in the repository but not in the crate are fine (crates exclude files) and not reported.
 *
 * Bytes are never taken on trust: bytes from {@link CrateSourceInput.fetchBlob} must hash to the
 * blob asked for and bytes from {@link CrateSourceInput.crateFileBytes} to the crate file's blob,
 * or they are not used (and the file may stay unresolved).
 *
 * Codes: `crate-source-match` (pass), `crate-source-mismatch`, `crate-source-manifest-mismatch`,
 * `crate-source-lock-mismatch` (fails), `crate-source-unresolved`, `crate-source-incomplete`,
 * `crate-source-unavailable`, `crate-source-no-vcs-info`, `crate-source-path-unknown` (skips). A
 * mismatch wins over files that could not be compared. A skip is `required: true` when what could
 * not be decided is code cargo compiles (under `src/`, a build script or target of either
 * manifest, Rust, C/C++/assembly and other compiled sources, vendored directories) or the
 * manifest cargo builds with: the crate is then not TRUSTED. Otherwise `required` is left unset
 * and the caller decides (undecidable documentation or data does not block).
 *
 * **loadBearing.** A pass is load-bearing when at least one file was compared, the archive has no
 * problems (else its listing may be partial or ambiguous), and every file that is not cargo's own
 * matched: directly by blob, or through an explained case that was itself
 * verified by a hash (an outside file or a link target by blob id; line endings by the blob id or
 * bytes of both sides, bytes that hashed to their blob ids; an LFS object by SHA-256). It then
 * proves that the crate's content is the tree of the commit the crate names. What it does not
 * prove is that the commit belongs to the repository's own history: GitHub serves the commits of
 * every fork under each member's URL, so binding the commit to the repository (a tag pointing at
 * it) is `crate-vcs`'s job, and a verdict should want both. Skips and failures are never
 * load-bearing.
 * @module
 */
import { createHash } from "node:crypto";
import type { CrateArchive, CrateFile, CrateVcsInfo } from "../evidence/crate_archive.ts";
import { gitBlobSha1 } from "../evidence/git_blob.ts";
import { normalizeTreePath } from "../evidence/repository_paths.ts";
import type { CheckResult } from "./check_result.ts";
import {
  checkCrateLock,
  compareCrateManifest,
  declaredWorkspace,
  isWorkspaceRoot,
  manifestCodePaths,
  manifestCopiedFiles,
  manifestInherits,
  parseManifest,
} from "./crate_manifest.ts";

type Table = Record<string, unknown>;

/** Messages name at most this many files, then "and N more". */
export const MAX_LISTED_FILES = 20;

/** Most distinct blobs one check reads through {@link CrateSourceInput.fetchBlob}. */
export const MAX_BLOB_FETCHES = 200;

/** Most symlinks followed for one path (as Linux's `MAXSYMLINKS`). */
const MAX_SYMLINK_HOPS = 40;

/** Git's binary test: a NUL within the first this many bytes. */
const BINARY_SNIFF_BYTES = 8000;

const SYMLINK_MODE = "120000";
const LFS_VERSION_LINE = "version https://git-lfs.github.com/spec/v1\n";
/** LFS pointers are smaller than this (the spec's limit). */
const MAX_LFS_POINTER_BYTES = 1024;

/** One entry of a git tree (as {@link GitTreeEntry}); paths from the repository root. */
export interface CrateSourceTreeEntry {
  readonly path: string;
  /** `100644`, `100755`, `120000` (symlink), `040000` (tree), `160000` (submodule). */
  readonly mode: string;
  /** `blob`, `tree` or `commit` (submodule). */
  readonly type: string;
  /** The object id (for a blob, its Git blob id). */
  readonly sha: string;
  /** A blob's size in bytes, when known (GitHub lists it): lets a difference be told from sizes. */
  readonly size?: number;
}

/** The repository's tree at the commit (a `GitTree` from `fetchTree` fits). */
export interface CrateSourceTree {
  readonly entries: readonly CrateSourceTreeEntry[];
  /** Every entry (of {@link scope}, when given) is listed: an unlisted path is absent. */
  readonly complete: boolean;
  /** The commit the tree is of. */
  readonly commit: string;
  /**
   * When set, the entries cover this directory only (`fetchTree`'s fallback for huge trees):
   * paths outside it are unknown, not absent.
   */
  readonly scope?: string;
}

/** What {@link checkCrateSource} compares. */
export interface CrateSourceInput {
  /** The crate: files with their Git blob ids and generated flags, and its VCS record. */
  archive: CrateArchive;
  /** The full recursive tree at the crate's commit; undefined when unavailable. */
  tree: CrateSourceTree | undefined;
  /** The package's directory in the repository (`""` for the root); normally `path_in_vcs`. */
  pathInVcs: string;
  /** `owner/repo`, for messages. */
  repository: string;
  /** Fetches a blob's bytes from the repository by sha (for normalisation checks); may be undefined (offline). */
  fetchBlob?: (sha: string) => Promise<Uint8Array | undefined>;
  /** The crate file's bytes by path (for normalisation checks). */
  crateFileBytes?: (path: string) => Uint8Array | undefined;
}

/**
 * The `crate-source` outcome when there is nothing to compare the files with: the crate names no
 * commit (no `.cargo_vcs_info.json`, or no `git.sha1` in it), or the repository's tree at that
 * commit is unavailable. Always a skip; it needs none of the crate's files.
 */
export function uncomparedCrateSource(
  vcs: CrateArchive["vcsInfo"],
  repository: string,
): CheckResult {
  if (vcs === undefined) {
    return skip({
      code: "crate-source-no-vcs-info",
      message:
        "the crate has no .cargo_vcs_info.json, so nothing names the commit to compare its files " +
        "with (cargo writes one only when it packages a git checkout)",
    });
  }
  if (vcs.sha1 === undefined) {
    return skip({
      code: "crate-source-no-vcs-info",
      message:
        "the crate's .cargo_vcs_info.json records no commit (git.sha1), so nothing names the " +
        "commit to compare its files with",
    });
  }
  return skip({
    code: "crate-source-unavailable",
    message: `the tree of ${repository} at ${
      short(vcs.sha1)
    } is unavailable, so the crate's files could not be compared with it`,
  });
}

/**
 * Compares every file of the crate with the repository tree at the commit the crate names, under
 * `pathInVcs`, by Git blob id (see the module documentation for every outcome). Never throws for
 * what it is given; a `fetchBlob` that throws leaves the files that needed it unresolved.
 *
 * @example
 * ```ts
 * const result = await checkCrateSource({ archive, tree, pathInVcs: "crates/foo", repository: "o/r" });
 * if (result.status === "fail") console.log(result.message); // "1 file of the crate does not match …"
 * ```
 */
export async function checkCrateSource(input: CrateSourceInput): Promise<CheckResult> {
  const { archive, tree, repository } = input;
  const vcs = archive.vcsInfo;
  if (vcs?.sha1 === undefined || tree === undefined) {
    return uncomparedCrateSource(vcs, repository);
  }
  const commit = vcs.sha1;
  const at = `${repository} at ${short(commit)}`;
  if (!sameCommit(tree.commit, commit)) {
    return skip({
      code: "crate-source-unavailable",
      message:
        `the tree given is of commit ${tree.commit}, not of ${commit}, the commit the crate was ` +
        `packaged from; the files were not compared with it`,
      expected: commit,
      actual: tree.commit,
    });
  }
  let base = normalizeTreePath(input.pathInVcs);
  if (base === undefined) {
    return skip({
      code: "crate-source-no-vcs-info",
      message: `path_in_vcs ${
        JSON.stringify(input.pathInVcs)
      } is not a directory inside the repository`,
    });
  }

  const index = new TreeIndex(tree);
  const generated = archive.files.filter((f) => f.generated);
  const compared = archive.files.filter((f) => !f.generated);

  let inferred: string | undefined;
  if (base === "" && !pathInVcsRecorded(vcs)) {
    const found = inferPackageDir(index, compared);
    if (found.dir === undefined) {
      return skip({
        code: "crate-source-path-unknown",
        message:
          `the crate's .cargo_vcs_info.json records no path_in_vcs (older cargo), and which ` +
          `directory of ${at} it was packaged from cannot be told: ${found.why}`,
      });
    }
    base = found.dir;
    if (found.dir !== "" || found.candidates > 1) {
      inferred = `path_in_vcs is not recorded (older cargo): the package directory was taken ` +
        `to be ${dirName(base)}, ${
          found.candidates > 1
            ? "the directory with a Cargo.toml under which most of the crate's files match"
            : "the only directory with a Cargo.toml"
        }`;
    }
  }

  const comparer = new Comparer(input, index, base);
  const manifest = await examineManifest(comparer, archive, base);
  comparer.outside = manifest.outside;
  if (manifest.outsideUnknown !== undefined) comparer.outsideUnknown = manifest.outsideUnknown;
  const outcomes: FileOutcome[] = [];
  for (const file of compared) outcomes.push(await comparer.compare(file));

  return summarize({
    at,
    base,
    outcomes,
    generated,
    dirty: vcs.dirty,
    inferred,
    problems: archive.problems.length + archive.omittedProblems,
    manifest,
  });
}

// ---------------------------------------------------------------------------------------------
// What cargo writes

/** What the manifests say, and what the files cargo writes were found to be. */
interface ManifestExam {
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
async function examineManifest(
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
 * the package whose `Cargo.toml` has `[workspace]`.
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
    if (isWorkspaceRoot(parsed.table)) return { table: parsed.table, dir, text: read.text };
  }
  return { why: `no Cargo.toml with [workspace] above ${dirName(base)}` };
}

// ---------------------------------------------------------------------------------------------
// Outcomes

type Explanation = "outside" | "symlink" | "link-text" | "lfs" | "line-endings";

/** Explanations in the order messages group them (a file goes under its first). */
const EXPLANATION_ORDER: readonly Explanation[] = [
  "outside",
  "symlink",
  "link-text",
  "lfs",
  "line-endings",
];

const EXPLANATION_TITLES: Record<Explanation, (n: number) => string> = {
  "outside": (n) => `${n} taken from outside path_in_vcs`,
  "symlink": (n) => `${n} through symlinks in the repository`,
  "link-text": (n) =>
    `${n} holding the target of a repository symlink as text (checked out where git ` +
    `writes links as plain files, e.g. on Windows)`,
  "lfs": (n) => `${n} git-lfs ${n === 1 ? "object" : "objects"} matching the repository's pointer`,
  "line-endings": (n) =>
    `${n} differing only in line endings (CRLF vs LF, as git's autocrlf converts them)`,
};

type FileOutcome =
  | { status: "match"; file: CrateFile; repoPath: string }
  | { status: "explained"; file: CrateFile; how: Explanation[]; detail: string }
  | { status: "differs"; file: CrateFile; repoPath: string; repoSha: string; note?: string }
  | { status: "absent"; file: CrateFile; repoPath: string; note?: string }
  | { status: "unresolved"; file: CrateFile; reason: string; listing: boolean };

interface Summary {
  at: string;
  base: string;
  outcomes: FileOutcome[];
  generated: CrateFile[];
  dirty: boolean;
  inferred?: string;
  /** The archive's problems: its listing may be partial, so a pass proves less. */
  problems: number;
  /** The files cargo writes, checked; the manifests' code paths. */
  manifest: ManifestExam;
}

/**
 * Documentation only: a file with one of these names or extensions cannot change what is built
 * or run (a README a crate's docs include changes only its rustdoc). Anything else a build script
 * may read (a `Configure`, a `CMakeLists.txt`, a Python generator, `include_bytes!` data).
 */
const DOCUMENTATION =
  /(^|\/)((README|LICEN[CS]E|COPYING|NOTICE|AUTHORS|CONTRIBUTORS|CHANGELOG|CHANGES|HISTORY|CONTRIBUTING|CODE_OF_CONDUCT|SECURITY)([._-][^/]*)?|[^/]*\.(md|markdown|rst|adoc))$/i;

/**
 * Whether cargo compiles this crate file, or a build script or `include_*!` may read it: every
 * file but documentation (the manifests and lock file included).
 */
function isCompiledCode(path: string, codePaths: ReadonlySet<string>): boolean {
  return codePaths.has(path) || !DOCUMENTATION.test(path);
}

function summarize(s: Summary): CheckResult {
  const { outcomes, base } = s;
  const mismatched = outcomes.filter((o) => o.status === "differs" || o.status === "absent");
  const unresolved = outcomes.filter((o) => o.status === "unresolved");
  const differing = outcomes.filter((o) => o.status === "differs");
  const absent = outcomes.filter((o) => o.status === "absent");
  const notes = [
    ...(s.inferred ? [s.inferred] : []),
    ...(s.dirty
      ? ["the crate's .cargo_vcs_info.json records that cargo packaged a dirty working tree"]
      : []),
    ...(s.problems > 0
      ? [
        `the archive itself has ${plural(s.problems, "problem")} (reported on their own), so ` +
        `this covers the files it lists only`,
      ]
      : []),
  ];

  if (mismatched.length > 0) {
    const defaultPath = (f: CrateFile) => joinPath(base, f.path);
    const groups = [
      {
        title: `${differing.length} ${differing.length === 1 ? "differs" : "differ"}`,
        items: differing.map((o) =>
          `${o.file.path}${o.repoPath !== defaultPath(o.file) ? ` (vs ${o.repoPath})` : ""} ` +
          `(crate blob ${short(o.file.gitBlob)}, repository blob ${short(o.repoSha)}${
            o.note ? `; ${o.note}` : ""
          })`
        ),
      },
      {
        title: `${absent.length} not in the repository`,
        items: absent.map((o) => (o.note ? `${o.file.path} (${o.note})` : o.file.path)),
      },
    ].filter((g) => g.items.length > 0);
    const tail = [
      ...s.manifest.findings.map((f) => f.text),
      ...(unresolved.length > 0
        ? [`${plural(unresolved.length, "more file")} could not be compared`]
        : []),
      ...notes,
    ];
    return {
      id: "crate-source",
      status: "fail",
      code: "crate-source-mismatch",
      message: `${plural(mismatched.length, "file")} of the crate ${
        mismatched.length === 1 ? "does" : "do"
      } not match ${s.at} ${where(base)}: ${listGroups(groups)}${
        tail.length > 0 ? `; ${tail.join("; ")}` : ""
      }`,
      ...(differing.length > 0
        ? {
          expected: capped(
            differing.map((o) => `${o.repoPath} ${o.repoSha}`),
          ),
        }
        : {}),
      actual: capped([...differing, ...absent].map((o) => `${o.file.path} ${o.file.gitBlob}`)),
      loadBearing: false,
    };
  }

  const findings = s.manifest.findings;
  if (findings.length > 0) {
    const manifest = findings.some((f) => f.code === "crate-source-manifest-mismatch");
    return {
      id: "crate-source",
      status: "fail",
      code: manifest ? "crate-source-manifest-mismatch" : "crate-source-lock-mismatch",
      message: `what cargo wrote into the crate does not follow from ${s.at} ${where(base)}: ` +
        `${listCapped(findings.map((f) => f.text), "; ")}${
          unresolved.length > 0
            ? `; ${plural(unresolved.length, "more file")} could not be compared`
            : ""
        }${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`,
      loadBearing: false,
    };
  }

  const matched = outcomes.length - unresolved.length;
  const undecided = s.manifest.undecided;
  if (unresolved.length > 0 || undecided.length > 0) {
    const listing = unresolved.some((o) => o.listing);
    const reasons = unresolved.map((o) => `${o.file.path} (${o.reason})`);
    const code = unresolved.filter((o) => isCompiledCode(o.file.path, s.manifest.codePaths));
    const blocking = code.length > 0 || undecided.length > 0;
    const verdictNote = blocking
      ? `${
        [
          ...(code.length > 0 ? [capped(code.map((o) => o.file.path))] : []),
          ...(undecided.length > 0 ? ["the manifest cargo builds with"] : []),
        ].join(" and ")
      } ${
        code.length + (undecided.length > 0 ? 1 : 0) === 1 ? "is" : "are"
      } code cargo compiles (or builds with), so the crate is not shown to be its source`
      : `they are documentation only (README, licence, changelog, Markdown), not anything a ` +
        `build reads, so this does not keep the crate from TRUSTED`;
    const head = unresolved.length > 0
      ? `${unresolved.length} of ${plural(outcomes.length, "file")} of the crate could ` +
        `not be compared with ${s.at} ${where(base)} (${
          matched === 1 ? "the other matches" : `the other ${matched} match`
        }): ${listCapped(reasons, "; ")}`
      : `the crate's files match ${s.at} ${where(base)}, but`;
    return {
      id: "crate-source",
      status: "skip",
      ...(listing ? { code: "crate-source-incomplete" } : { code: "crate-source-unresolved" }),
      message: `${head}${
        undecided.length > 0 ? `${unresolved.length > 0 ? ";" : ""} ${undecided.join("; ")}` : ""
      }; ${verdictNote}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`,
      loadBearing: false,
      ...(blocking ? { required: true } : {}),
    };
  }

  const parts: string[] = [];
  const orig = outcomes.find((o) => o.file.path === "Cargo.toml.orig");
  if (orig?.status === "match") {
    parts.push(`Cargo.toml.orig matches ${orig.repoPath}`);
  }
  for (const kind of EXPLANATION_ORDER) {
    const items = outcomes.flatMap((o) =>
      o.status === "explained" && o.how[0] === kind ? [o.detail] : []
    );
    if (items.length > 0) parts.push(`${EXPLANATION_TITLES[kind](items.length)}: ${capped(items)}`);
  }
  parts.push(...s.manifest.verified);
  // The generated files left are `.cargo_vcs_info.json`'s kind: records crate-vcs checks.
  const unchecked = s.generated.filter((f) => f.path !== "Cargo.toml" && f.path !== "Cargo.lock");
  if (unchecked.length > 0) {
    parts.push(`${capped(unchecked.map((f) => f.path))} written by cargo, checked by crate-vcs`);
  }
  parts.push(...notes);
  const head = outcomes.length === 0
    ? `the crate has no files but those cargo writes, so nothing was compared with ${s.at}`
    : `${
      outcomes.length === 1 ? "the crate's 1 file matches" : `all ${outcomes.length} files of ` +
        "the crate match"
    } ${s.at} ${where(base)} by git blob`;
  return {
    id: "crate-source",
    status: "pass",
    code: "crate-source-match",
    message: [head, ...parts].join("; "),
    loadBearing: outcomes.length > 0 && s.problems === 0,
  };
}

function skip(
  result: { code: string; message: string; expected?: string; actual?: string },
): CheckResult {
  return { id: "crate-source", status: "skip", ...result, loadBearing: false };
}

// ---------------------------------------------------------------------------------------------
// The tree

class TreeIndex {
  readonly byPath = new Map<string, CrateSourceTreeEntry>();
  /** Directories: tree entries and every proper prefix of a listed path. */
  readonly dirs = new Set<string>();
  private byName?: Map<string, CrateSourceTreeEntry[]>;
  private readonly scope: string | undefined;

  constructor(private readonly tree: CrateSourceTree) {
    for (const raw of tree.entries) {
      const entry = { ...raw, sha: raw.sha.toLowerCase() };
      this.byPath.set(entry.path, entry);
      if (entry.type === "tree") this.dirs.add(entry.path);
      for (
        let slash = entry.path.indexOf("/");
        slash > 0;
        slash = entry.path.indexOf("/", slash + 1)
      ) {
        this.dirs.add(entry.path.slice(0, slash));
      }
    }
    // A scope that is no directory inside the repository limits the listing to nothing.
    this.scope = tree.scope === undefined ? undefined : (normalizeTreePath(tree.scope) ?? "\0");
  }

  /** Whether a path missing from the listing is missing from the commit. */
  knowsAbsence(path: string): boolean {
    if (!this.tree.complete) return false;
    if (this.scope === undefined || this.scope === "") return true;
    return path === this.scope || path.startsWith(`${this.scope}/`);
  }

  /** Whether the listing is the whole tree. */
  get whole(): boolean {
    return this.tree.complete && (this.scope === undefined || this.scope === "");
  }

  /** What the listing is, for messages. */
  get listingWhat(): string {
    if (!this.tree.complete) return "incomplete listing of the tree";
    return `listing of the tree, which covers ${
      this.scope === undefined || this.scope === "\0" ? "nothing" : this.scope
    } only`;
  }

  /** Blob entries whose file name is `name`. */
  named(name: string): readonly CrateSourceTreeEntry[] {
    if (this.byName === undefined) {
      this.byName = new Map();
      for (const entry of this.byPath.values()) {
        if (entry.type !== "blob") continue;
        const key = baseName(entry.path);
        const list = this.byName.get(key);
        if (list === undefined) this.byName.set(key, [entry]);
        else list.push(entry);
      }
    }
    return this.byName.get(name) ?? [];
  }
}

function pathInVcsRecorded(vcs: CrateVcsInfo): boolean {
  const raw = vcs.raw;
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "path_in_vcs" in raw;
}

/**
 * The package directory of a crate whose record has no `path_in_vcs`: among the directories with
 * a `Cargo.toml`, the one under which the most crate files match by blob (unique, at least one).
 */
function inferPackageDir(
  index: TreeIndex,
  files: readonly CrateFile[],
): { dir: string; candidates: number } | { dir: undefined; why: string } {
  const dirs: string[] = [];
  for (const entry of index.named("Cargo.toml")) {
    if (entry.mode === SYMLINK_MODE) continue;
    dirs.push(entry.path === "Cargo.toml" ? "" : entry.path.slice(0, -"/Cargo.toml".length));
  }
  if (dirs.length === 0) return { dir: undefined, why: "the tree has no Cargo.toml" };
  const scored = dirs.map((dir) => ({
    dir,
    score:
      files.filter((f) =>
        f.kind === "file" && index.byPath.get(joinPath(dir, repoRelative(f)))?.sha === f.gitBlob
      ).length,
  })).sort((a, b) => b.score - a.score);
  const [best, second] = scored;
  if (dirs.length === 1) return { dir: best.dir, candidates: 1 };
  if (best.score === 0) {
    return {
      dir: undefined,
      why: `none of the ${dirs.length} directories with a Cargo.toml holds any of its files`,
    };
  }
  if (second !== undefined && second.score === best.score) {
    return {
      dir: undefined,
      why: `${dirName(best.dir)} and ${dirName(second.dir)} hold equally many of its files`,
    };
  }
  return { dir: best.dir, candidates: dirs.length };
}

// ---------------------------------------------------------------------------------------------
// Comparing one file

type Resolved =
  | { kind: "blob"; entry: CrateSourceTreeEntry; path: string; links: string[] }
  | { kind: "link-text"; entry: CrateSourceTreeEntry; path: string; links: string[] }
  | { kind: "absent"; note?: string }
  | { kind: "unknown"; reason: string; listing: boolean };

type Content =
  | { kind: "equal" }
  | { kind: "explained"; how: "lfs" | "line-endings" }
  | { kind: "differs"; note?: string }
  | { kind: "unknown"; reason: string };

type Bytes = { bytes: Uint8Array } | { why: string };

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

class Comparer {
  private readonly repoBlobs = new Map<string, Promise<Bytes>>();
  private readonly crateBlobs = new Map<string, Bytes>();
  private fetches = 0;
  /** Crate-root files cargo copied from outside the package: name → repository path. */
  outside = new Map<string, string>();
  /** Set when the manifest's readme or license-file could not be read (inherited): which. */
  outsideUnknown?: string;

  constructor(
    private readonly input: CrateSourceInput,
    private readonly index: TreeIndex,
    private readonly base: string,
  ) {}

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

  private crateBytes(file: CrateFile): Bytes {
    let result = this.crateBlobs.get(file.path);
    if (result === undefined) {
      result = readCrateBytes(this.input.crateFileBytes, file);
      this.crateBlobs.set(file.path, result);
    }
    return result;
  }

  private repoBytes(sha: string): Promise<Bytes> {
    let cached = this.repoBlobs.get(sha);
    if (cached === undefined) {
      cached = this.fetchRepoBytes(sha);
      this.repoBlobs.set(sha, cached);
    }
    return cached;
  }

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

// ---------------------------------------------------------------------------------------------
// Line endings and git-lfs

/** Git's test for binary content: a NUL in the first 8,000 bytes. */
function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** CRLF → LF (what git's `crlf_to_git` does on check-in). */
function toLf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) continue;
    out[n++] = bytes[i];
  }
  return out.subarray(0, n);
}

/** LF → CRLF where no CR precedes it (what git's `autocrlf` does on checkout). */
function toCrlf(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) extra++;
  }
  const out = new Uint8Array(bytes.length + extra);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) out[n++] = 0x0d;
    out[n++] = bytes[i];
  }
  return out;
}

/** A normalized (LF) text: its length and its number of LFs. */
function exact(normalized: Uint8Array): { length: number; lfs: number } {
  let lfs = 0;
  for (const b of normalized) if (b === 0x0a) lfs++;
  return { length: normalized.length, lfs };
}

/**
 * Whether a file of `otherSize` bytes could be a text whose LF form is `known`, given a raw size
 * `rawSize` of the file `known` came from: its LF form must be `known`, so its size lies between
 * `known.length` and `known.length + known.lfs`; equal raw sizes never differ only in endings.
 */
function lineEndingsPossible(
  otherSize: number,
  rawSize: number,
  known: { length: number; lfs: number },
): boolean {
  return otherSize !== rawSize && otherSize >= known.length &&
    otherSize <= known.length + known.lfs;
}

/**
 * Whether two texts of these raw sizes could have the same LF form (each loses at most half its
 * bytes to CRs); equal sizes never differ only in endings.
 */
function sizesAllowLineEndings(a: number, b: number): boolean {
  return a !== b && Math.ceil(a / 2) <= b && Math.ceil(b / 2) <= a;
}

/** The canonical git-lfs pointer of `bytes` (what `git lfs` commits in their place). */
function lfsPointer(bytes: Uint8Array): Uint8Array {
  return new TextEncoder().encode(
    `${LFS_VERSION_LINE}oid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`,
  );
}

function lfsPointerLength(size: number): number {
  return `${LFS_VERSION_LINE}oid sha256:${"0".repeat(64)}\nsize ${size}\n`.length;
}

function parseLfsPointer(bytes: Uint8Array): { oid: string; size: number } | undefined {
  if (bytes.length >= MAX_LFS_POINTER_BYTES) return undefined;
  let text: string;
  try {
    text = utf8Fatal.decode(bytes);
  } catch {
    return undefined;
  }
  if (!text.startsWith(LFS_VERSION_LINE)) return undefined;
  const oid = text.match(/^oid sha256:([0-9a-f]{64})$/m)?.[1];
  const size = text.match(/^size (\d{1,15})$/m)?.[1];
  if (oid === undefined || size === undefined) return undefined;
  return { oid, size: Number(size) };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Paths and text

/** Where a crate file is in the package: `Cargo.toml.orig` is the package's `Cargo.toml`. */
function repoRelative(file: CrateFile): string {
  return file.path === "Cargo.toml.orig" ? "Cargo.toml" : file.path;
}

function joinPath(dir: string, path: string): string {
  return dir === "" ? path : `${dir}/${path}`;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function isUnder(path: string, dir: string): boolean {
  return dir === "" || path.startsWith(`${dir}/`);
}

/** `path` relative to directory `from`: `crates/foo` → `README.md` is `../../README.md`. */
function relativePath(from: string, path: string): string {
  const a = from === "" ? [] : from.split("/");
  const b = path.split("/");
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  return [...Array(a.length - common).fill(".."), ...b.slice(common)].join("/");
}

/** The path a symlink at `linkPath` pointing at `target` names, as parts; undefined outside. */
function resolveLink(linkPath: string, target: string): string[] | undefined {
  if (target === "" || target.startsWith("/") || target.includes("\0")) return undefined;
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

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

function where(base: string): string {
  return base === "" ? "at the repository root" : `under ${base}`;
}

function dirName(dir: string): string {
  return dir === "" ? "the repository root" : dir;
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function suffixText(parts: readonly string[]): string {
  return parts.length > 0 ? ` (${parts.join("; ")})` : "";
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Items joined, at most {@link MAX_LISTED_FILES} of them, then "and N more". */
function listCapped(items: readonly string[], separator = ", "): string {
  if (items.length <= MAX_LISTED_FILES) return items.join(separator);
  return `${items.slice(0, MAX_LISTED_FILES).join(separator)} and ${
    items.length - MAX_LISTED_FILES
  } more`;
}

function capped(items: readonly string[]): string {
  return listCapped(items);
}

/** Titled groups sharing one budget of {@link MAX_LISTED_FILES} names. */
function listGroups(groups: readonly { title: string; items: readonly string[] }[]): string {
  let budget = MAX_LISTED_FILES;
  return groups.map((g) => {
    const shown = g.items.slice(0, budget);
    budget -= shown.length;
    const more = g.items.length - shown.length;
    const list = shown.join(", ");
    const rest = more > 0 ? `${shown.length > 0 ? " and " : ""}${more} more` : "";
    return `${g.title}: ${list}${rest}`;
  }).join("; ");
}
