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
 *   `package.workspace`, else the nearest `Cargo.toml` with `[workspace]` above the package that
 *   does not `exclude` it); what does not is `crate-source-manifest-mismatch` naming the key path. `Cargo.lock` must be
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
 *   as plain files) matches the link's blob and is named as such — when it is documentation; any
 *   other file so matched is unresolved and blocks TRUSTED (no build of the repository reads a
 *   link's target text as code, and a symlinked source packaged on Windows holds a mere path).
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
import type { CrateArchive } from "../evidence/crate_archive.ts";
import { normalizeTreePath } from "../evidence/repository_paths.ts";
import type { CheckResult } from "./check_result.ts";
import { Comparer } from "./crate_source_comparer.ts";
import { examineManifest } from "./crate_source_manifest.ts";
import { dirName, short } from "./crate_source_paths.ts";
import { type FileOutcome, summarize } from "./crate_source_summary.ts";
import { inferPackageDir, pathInVcsRecorded, TreeIndex } from "./crate_source_tree.ts";
import type { CrateSourceInput } from "./crate_source_types.ts";

export { MAX_BLOB_FETCHES } from "./crate_source_comparer.ts";
export { MAX_LISTED_FILES } from "./crate_source_summary.ts";
export type {
  CrateSourceInput,
  CrateSourceTree,
  CrateSourceTreeEntry,
} from "./crate_source_types.ts";

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

  const index = TreeIndex.of(tree);
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

function skip(
  result: { code: string; message: string; expected?: string; actual?: string },
): CheckResult {
  return { id: "crate-source", status: "skip", ...result, loadBearing: false };
}

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}
