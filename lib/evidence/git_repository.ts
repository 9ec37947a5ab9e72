/**
 * What a GitHub repository says, as pure data: the git tree of a commit (what `crate-source`
 * compares a `.crate` with) and a GitHub Actions workflow run (what crates.io's
 * trusted-publishing record points at). The sources stage reads them
 * (`lib/sources/github_repo.ts`); the checks judge them. Paths and branch history are in
 * `repository_paths.ts`.
 * @module
 */

/** One entry of a git tree. Paths are from the repository root, `/`-separated. */
export interface GitTreeEntry {
  /** The entry's path from the repository root. */
  readonly path: string;
  /** The git mode (`100644`, `100755`, `120000` symlink, `040000` tree, `160000` submodule). */
  readonly mode: string;
  /** `blob` (file or symlink), `tree` (directory) or `commit` (submodule). */
  readonly type: "blob" | "tree" | "commit";
  /** The object's SHA (for a blob, the git blob hash of its content). */
  readonly sha: string;
  /** A blob's size in bytes. */
  readonly size?: number;
}

/** The tree of a commit. */
export interface GitTree {
  /** The commit asked for. */
  readonly commit: string;
  /** The SHA of the commit's root tree. */
  readonly sha: string;
  /**
   * The entries. When GitHub listed the tree whole: every entry. After the truncation fallback:
   * the entries under {@link scope} only. Without a fallback path: what GitHub sent.
   */
  readonly entries: readonly GitTreeEntry[];
  /** GitHub truncated the recursive listing of the whole tree (too many entries or bytes). */
  readonly truncated: boolean;
  /** The directory the fallback walked (`""`: the root); absent when no fallback ran. */
  readonly scope?: string;
  /** Every entry of the tree (or of `scope`, after the fallback) is in `entries`. */
  readonly complete: boolean;
  /** API requests made. */
  readonly requests: number;
}

/** A GitHub Actions workflow run, as far as a trusted-publishing check needs it. */
export interface WorkflowRun {
  /** The run's id. */
  readonly id: number;
  /** The workflow file, e.g. `.github/workflows/release.yml` (GitHub may add `@ref`). */
  readonly path?: string;
  /** The commit the run checked out. */
  readonly headSha?: string;
  /** The branch or tag name the run was for (`head_branch`). */
  readonly headBranch?: string;
  /** The triggering event (`push`, `release`, `workflow_dispatch`, …). */
  readonly event?: string;
  /** The run's status (`queued`, `in_progress`, `completed`, …). */
  readonly status?: string;
  /** How a completed run ended (`success`, `failure`, …). */
  readonly conclusion?: string;
  /** `owner/repo` of the run's repository. */
  readonly repository?: string;
  /** The run's page on GitHub (`html_url`). */
  readonly htmlUrl?: string;
  /** The run object as GitHub sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}
