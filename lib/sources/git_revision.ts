/**
 * Reading a file as it was at a git revision (`lock --base REF`): `git show REF:./NAME` run in
 * the file's directory. The only subprocess cargo-attest starts: a fixed program (`git`), a fixed
 * argument shape with no shell, a revision checked before it reaches git, and a capped output.
 * @module
 */
import { concatBytes } from "../crypto/bytes.ts";
import { InputError } from "../errors.ts";
import { decodeUtf8Text } from "./local_files.ts";

/** A file's text at a revision, and how to name it in a report (`REF:path`). */
export interface FileAtRevision {
  /** `REF:NAME`, e.g. `origin/main:Cargo.lock`. */
  readonly label: string;
  /** The file's text. */
  readonly text: string;
}

/** Why a file could not be read at a revision. */
export type RevisionReadFailure =
  /** The revision string was refused before git ran ({@link revisionProblem}). */
  | "refused"
  /** git is not installed, or running it is not permitted. */
  | "no-git"
  /** The directory is in no git repository. */
  | "not-a-repository"
  /** The repository has no such revision. */
  | "no-revision"
  /** git finds the revision's name ambiguous (a tag and a branch of that name, say). */
  | "ambiguous"
  /** The revision exists, but the file is not in it. */
  | "no-file"
  /** The file is over the size limit. */
  | "too-large"
  /** git failed for another reason. */
  | "git-failed";

/**
 * A file that could not be read at a revision: an {@link InputError} (exit 3) naming `REF:NAME`;
 * `reason` says why (whether the revision exists, for one).
 */
export class RevisionReadError extends InputError {
  override name = "RevisionReadError";
  /** Why the file could not be read. */
  readonly reason: RevisionReadFailure;
  constructor(
    label: string,
    reason: RevisionReadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(label, message, options);
    this.reason = reason;
  }
}

/** Why a revision string is refused before git sees it, or undefined when it may be asked for. */
export function revisionProblem(revision: string): string | undefined {
  if (revision === "") return "is empty";
  if (revision.length > 256) return "is longer than 256 characters";
  if (revision.startsWith("-")) return "starts with '-' (it would read as an option of git)";
  if (revision.includes(":")) {
    return "contains ':' (name the revision only; the file is the lock's)";
  }
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(revision)) return "contains a space or a control character";
  return undefined;
}

/**
 * Why `git show REF:./NAME` run in `directory` would not read the lock at the path it is written
 * as, or undefined. git works in the directory as the system resolves it, so: a directory between
 * it and its repository's root that is a symbolic link (git would read the revision's file where
 * the link points: a pull request could point `app/` at a lock no one verifies), or a repository
 * nested in another, as a submodule is (git would read that repository's revision, whose branches
 * its owner names). A repository's root reached through a link is fine; no repository: git says.
 */
export async function revisionDirectoryProblem(directory: string): Promise<string | undefined> {
  const parts = lexicalParts(directory.startsWith("/") ? directory : `${Deno.cwd()}/${directory}`);
  const path = (n: number) => `/${parts.slice(0, n).join("/")}`;
  const gitIn = (n: number) => lstatOf(`${n === 0 ? "" : path(n)}/.git`);
  const gitAbove = async (n: number) => {
    for (let m = n - 1; m >= 0; m--) if (await gitIn(m)) return path(m);
    return undefined;
  };
  // The repository's root, as git finds it: the nearest directory with a `.git`.
  let root = parts.length;
  while (root >= 0 && !await statOf(`${root === 0 ? "" : path(root)}/.git`)) root--;
  if (root < 0) return undefined;
  for (let n = parts.length; n >= root; n--) {
    // A link inside the repository; the root itself may be reached through one, unless it is
    // inside another repository (a link to the repository's own root, say).
    if ((await lstatOf(path(n)))?.isSymlink && (n > root || await gitAbove(n))) {
      return `'${path(n)}' is a symbolic link inside the repository: git would read the file ` +
        "where it points at the revision, not the lock's own";
    }
  }
  const above = (await gitIn(root))?.isFile ? await gitAbove(root) : undefined;
  return above
    ? `'${path(root)}' is a git repository inside another ('${above}'), as a submodule is: git ` +
      "would read its revision, not the checkout's"
    : undefined;
}

/** An absolute path's components, with `.` and `..` applied as written (no link followed). */
function lexicalParts(path: string): string[] {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts;
}

async function lstatOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch {
    return undefined;
  }
}

async function statOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch {
    return undefined;
  }
}

/**
 * Runs `git -C DIRECTORY show --no-textconv --end-of-options REVISION:./NAME` and returns the
 * file's text. Throws {@link RevisionReadError} naming the revision and directory when git is
 * missing or not permitted, the directory is not in a git repository, the revision does not exist
 * or its name is ambiguous (a tag and a branch of that name: git would read the tag), the file is
 * not in it, or the output is over `limit` bytes.
 */
export async function readFileAtRevision(
  directory: string,
  revision: string,
  name: string,
  limit: number,
): Promise<FileAtRevision> {
  const label = `${revision}:${name}`;
  const problem = revisionProblem(revision);
  if (problem) {
    throw new RevisionReadError(label, "refused", `the git revision '${revision}' ${problem}`);
  }
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("git", {
      // core.warnAmbiguousRefs: git warns when a name is a tag and a branch (it reads the tag);
      // that warning is refused below, whatever the repository's configuration says.
      args: [
        "-c",
        "core.warnAmbiguousRefs=true",
        "-C",
        directory,
        "show",
        "--no-textconv",
        "--end-of-options",
        `${revision}:./${name}`,
      ],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (cause) {
    throw new RevisionReadError(label, "no-git", cannotRun(cause), { cause });
  }
  const [stdout, stderr] = await Promise.all([
    readCapped(child.stdout, limit, () => child.kill()),
    readCapped(child.stderr, 64 * 1024, () => {}),
  ]);
  const status = await child.status;
  if (stdout === undefined) {
    throw new RevisionReadError(
      label,
      "too-large",
      `is over the ${limit}-byte limit for a lock file`,
    );
  }
  const said = new TextDecoder().decode(stderr);
  if (!status.success) {
    const [reason, message] = gitFailure(said, revision, directory);
    throw new RevisionReadError(label, reason, message);
  }
  const ambiguous = said.split("\n").find((line) => /refname .* is ambiguous/i.test(line));
  if (ambiguous) {
    // `origin/main` as a tag and as a remote branch: git reads the tag, which whoever may push a
    // tag chooses. Which one is the base cannot be told.
    throw new RevisionReadError(
      label,
      "ambiguous",
      `git finds the revision name '${revision}' ambiguous (git: ${ambiguous.trim()}); name it ` +
        "in full (refs/remotes/origin/main, refs/heads/main, refs/tags/v1) or by its commit",
    );
  }
  return { label, text: decodeUtf8Text(stdout, label, "base lock file") };
}

/** Reads a stream whole, or undefined (after `onOver`) once it passes `limit` bytes. */
async function readCapped(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  onOver: () => void,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) {
      onOver();
      await stream.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return concatBytes(...chunks);
}

/** Why git could not be started, in words. */
function cannotRun(cause: unknown): string {
  if (cause instanceof Deno.errors.NotFound) {
    return "cannot read a git revision: git is not installed or not on PATH " +
      "(give --base a file instead: git show REF:Cargo.lock > base.Cargo.lock)";
  }
  if (cause instanceof Deno.errors.NotCapable || cause instanceof Deno.errors.PermissionDenied) {
    return "cannot read a git revision: running git is not permitted (Deno needs --allow-run=git)";
  }
  return `cannot run git: ${cause instanceof Error ? cause.message : String(cause)}`;
}

/** What git's error output means, in words that name the revision and directory. */
function gitFailure(
  stderr: string,
  revision: string,
  directory: string,
): [RevisionReadFailure, string] {
  const said = stderr.split("\n").map((line) => line.trim()).find((line) => line !== "") ?? "";
  if (/not a git repository/i.test(said)) {
    return [
      "not-a-repository",
      `'${directory}' is not inside a git repository, so --base '${revision}' cannot be read ` +
      "as a revision (and it is not a file)",
    ];
  }
  if (/exists on disk, but not in|does not exist in/i.test(said)) {
    return ["no-file", `the file does not exist at revision '${revision}' (git: ${said})`];
  }
  if (/invalid object name|unknown revision|bad revision|ambiguous argument/i.test(said)) {
    return [
      "no-revision",
      `--base '${revision}' is neither a file nor a git revision of '${directory}' ` +
      `(git: ${said}); fetch it first (e.g. fetch-depth: 0 in actions/checkout)`,
    ];
  }
  return ["git-failed", `git show failed${said ? `: ${said}` : ""}`];
}
