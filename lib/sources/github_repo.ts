/**
 * GitHub REST access to a repository's contents, for checking a crate against its source: the
 * tag list (paged), whether a commit exists, the git tree of a commit (with a fallback for trees
 * GitHub truncates), workflow runs (what crates.io's trusted-publishing record points at), and
 * the `OWNER/REPO` named by a `repository` URL. Resolving one tag to its commit is
 * `fetchTagCommit` in `github.ts`. Network I/O and shape checks only.
 * @module
 */
import { type BranchHistory, normalizeTreePath } from "../evidence/repository_paths.ts";
import { AttestError } from "../errors.ts";
import { endpointUrl } from "./endpoints.ts";
import { asRecord, ReleaseNotFoundError, repoPath } from "./github.ts";
import { type HttpClient, HttpStatusError, NotFoundError } from "./http.ts";
import type { GitTree, GitTreeEntry, WorkflowRun } from "../evidence/git_repository.ts";

export type { GitTree, GitTreeEntry, WorkflowRun } from "../evidence/git_repository.ts";

const GITHUB_JSON = "application/vnd.github+json";

/** Most tree listings one {@link fetchTree} fallback may request (each is one API call). */
export const MAX_TREE_REQUESTS = 300;

/** Most entries one {@link fetchTree} keeps; past it the tree is reported incomplete. */
export const MAX_TREE_ENTRIES = 1_000_000;

/** One tag: its name and the commit it points to (GitHub peels annotated tags here). */
export interface GithubTag {
  readonly name: string;
  /** The commit SHA, lowercased. */
  readonly commit: string;
}

/** The tags of a repository, as far as the pages read reach. */
export interface GithubTagList {
  readonly tags: readonly GithubTag[];
  /** False when more pages existed than `maxPages` allowed. */
  readonly complete: boolean;
  /** Pages read. */
  readonly pages: number;
}

/** A repository on GitHub. */
export interface GithubRepositoryRef {
  readonly owner: string;
  readonly repo: string;
}

const SHA = /^[0-9a-f]{7,64}$/i;

/** The URL of the first page of a repository's tags, as {@link listTags} asks for it. */
export function tagsUrl(api: URL, owner: string, repo: string): string {
  return endpointUrl(api, `${repoPath(owner, repo)}/tags`, { per_page: "100" }).href;
}

/**
 * Lists a repository's tags (`GET /repos/O/R/tags`, 100 per page, following `Link: rel="next"`
 * for at most `maxPages` pages).
 *
 * @throws {ReleaseNotFoundError} when the repository does not exist (or is not visible)
 * @throws {NetworkError} on other failures
 */
export async function listTags(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  maxPages: number,
): Promise<GithubTagList> {
  const tags: GithubTag[] = [];
  let next: string | undefined = tagsUrl(api, owner, repo);
  let pages = 0;
  while (next !== undefined && pages < maxPages) {
    let response;
    try {
      response = await client.getJson(next, { accept: GITHUB_JSON });
    } catch (error) {
      if (error instanceof NotFoundError) {
        throw new ReleaseNotFoundError(
          `no repository ${owner}/${repo} (${next} answered 404)`,
          {
            cause: error,
            hint: "check the repository URL the crate declares; a private repository needs " +
              "GH_TOKEN or GITHUB_TOKEN",
          },
        );
      }
      throw error;
    }
    pages++;
    if (!Array.isArray(response.data)) {
      throw new AttestError("unexpected-response", `${response.url}: the tag list is not an array`);
    }
    for (const item of response.data) {
      const t = asRecord(item, "a tag", response.url);
      const commit = typeof t.commit === "object" && t.commit !== null
        ? (t.commit as Record<string, unknown>).sha
        : undefined;
      if (typeof t.name !== "string" || typeof commit !== "string") {
        throw new AttestError("unexpected-response", `${response.url}: a tag lacks name or sha`);
      }
      tags.push({ name: t.name, commit: commit.toLowerCase() });
    }
    next = response.linkNext;
    if (next !== undefined && new URL(next).origin !== api.origin) {
      // A tag binds a commit to the repository only as the API says it: a "next page" on
      // another host is not the repository's answer.
      throw new AttestError(
        "unexpected-response",
        `${response.url}: the next page of tags is on another host (${next})`,
      );
    }
  }
  return { tags, complete: next === undefined, pages };
}

/**
 * Whether `sha` names a commit GitHub serves for OWNER/REPO (`GET /repos/O/R/commits/SHA`, asking
 * for the SHA only). False on 404, 422 (no such commit, or an ambiguous abbreviation) and 409
 * (an empty repository), and for a value that is not 7–64 hex digits (never a branch name).
 *
 * Beware: GitHub serves commits of every fork in a repository's network under each member's URL,
 * so `true` does not prove the commit is in OWNER/REPO's own history; a tag pointing at it does.
 *
 * @throws {NetworkError} on other failures
 */
export async function fetchCommitExists(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  sha: string,
): Promise<boolean> {
  if (!SHA.test(sha)) return false;
  const url = endpointUrl(api, `${repoPath(owner, repo)}/commits/${sha.toLowerCase()}`);
  let text: string;
  try {
    text =
      (await client.getText(url, { accept: "application/vnd.github.sha", maxBytes: 64 * 1024 }))
        .text.trim();
  } catch (error) {
    if (error instanceof HttpStatusError && [404, 409, 422].includes(error.status)) return false;
    throw error;
  }
  // Without support for the sha media type, a server sends the commit as JSON.
  let resolved = text;
  if (text.startsWith("{")) {
    try {
      const sha = (JSON.parse(text) as { sha?: unknown }).sha;
      resolved = typeof sha === "string" ? sha : "";
    } catch {
      resolved = "";
    }
  }
  return resolved.toLowerCase().startsWith(sha.toLowerCase());
}

/**
 * The default branch of OWNER/REPO (`GET /repos/O/R`); undefined when the repository is not there
 * (404) or the answer names none.
 *
 * @throws {NetworkError} on other failures
 */
export async function fetchDefaultBranch(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
): Promise<string | undefined> {
  try {
    const { data } = await client.getJson(endpointUrl(api, repoPath(owner, repo)), {
      accept: "application/vnd.github+json",
      maxBytes: 1024 * 1024,
    });
    const branch = asRecord(data, "repository", repoPath(owner, repo)).default_branch;
    return typeof branch === "string" && branch !== "" ? branch : undefined;
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export type { BranchHistory };

/**
 * Whether commit `sha` is in the history of `branch` of OWNER/REPO: `GET
 * /repos/O/R/compare/BRANCH...SHA` says `behind` or `identical` exactly when the commit is an
 * ancestor of the branch (the comparison's diff is then empty, so the answer is small). This is
 * what binds a commit to the repository's own history: GitHub serves the commits of every fork
 * in a repository's network under each member's URL, so that a commit exists there does not.
 * `unknown-commit` on 404 or 422 (no such commit or branch).
 *
 * @throws {NetworkError} on other failures (a comparison over the size cap among them)
 */
export async function fetchCommitOnBranch(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  branch: string,
  sha: string,
): Promise<BranchHistory> {
  if (!SHA.test(sha)) return "unknown-commit";
  const range = `${encodeURIComponent(branch).replace(/%2F/gi, "/")}...${sha.toLowerCase()}`;
  const url = endpointUrl(api, `${repoPath(owner, repo)}/compare/${range}`);
  url.searchParams.set("per_page", "1");
  let data: unknown;
  try {
    data = (await client.getJson(url, {
      accept: "application/vnd.github+json",
      maxBytes: 4 * 1024 * 1024,
    })).data;
  } catch (error) {
    if (error instanceof HttpStatusError && [404, 422].includes(error.status)) {
      return "unknown-commit";
    }
    throw error;
  }
  const status = asRecord(data, "comparison", url.href).status;
  return status === "behind" || status === "identical" ? "in-history" : "not-in-history";
}

/**
 * Fetches a workflow run (`GET /repos/O/R/actions/runs/ID`); undefined when there is none (404,
 * or an id that is not a number).
 *
 * @throws {NetworkError} on other failures
 */
export async function fetchWorkflowRun(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  runId: string | number,
): Promise<WorkflowRun | undefined> {
  const id = String(runId);
  if (!/^\d{1,20}$/.test(id)) return undefined;
  const url = endpointUrl(api, `${repoPath(owner, repo)}/actions/runs/${id}`);
  let response;
  try {
    response = await client.getJson(url, { accept: GITHUB_JSON });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const r = asRecord(response.data, "the workflow run", response.url);
  if (typeof r.id !== "number") {
    throw new AttestError("unexpected-response", `${response.url}: the workflow run has no id`);
  }
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const repository = typeof r.repository === "object" && r.repository !== null
    ? text((r.repository as Record<string, unknown>).full_name)
    : undefined;
  const fields = {
    path: text(r.path),
    headSha: text(r.head_sha)?.toLowerCase(),
    headBranch: text(r.head_branch),
    event: text(r.event),
    status: text(r.status),
    conclusion: text(r.conclusion),
    repository,
    htmlUrl: text(r.html_url),
  };
  const present = Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as Partial<typeof fields>;
  return { id: r.id, ...present, raw: r };
}

/** Options of {@link fetchTree}. */
export interface FetchTreeOptions {
  /** Most listings the fallback may request (default {@link MAX_TREE_REQUESTS}). */
  maxRequests?: number;
}

/**
 * Fetches the tree of a commit (`GET /repos/O/R/git/trees/SHA?recursive=1`). When GitHub
 * truncates the listing (about 100,000 entries or 7 MB) and `path` is given (a crate's
 * `path_in_vcs`; `""` for the root), it falls back to walking that directory only: down to it
 * through the listings on the way, then its own recursive listing, and when that is truncated
 * too, one listing per subdirectory (at most `maxRequests` in all). Undefined when the commit
 * does not exist (404/422) or `commitSha` is not 7–64 hex digits.
 *
 * @throws {NetworkError} on other failures
 * @throws {AttestError} `unexpected-response` when a listing has the wrong shape
 */
export async function fetchTree(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  commitSha: string,
  path?: string,
  options: FetchTreeOptions = {},
): Promise<GitTree | undefined> {
  if (!SHA.test(commitSha)) return undefined;
  const commit = commitSha.toLowerCase();
  const maxRequests = options.maxRequests ?? MAX_TREE_REQUESTS;
  let requests = 0;
  const list = async (sha: string, recursive: boolean) => {
    requests++;
    return await fetchTreeListing(client, api, owner, repo, sha, recursive);
  };

  const whole = await list(commit, true);
  if (whole === undefined) return undefined;
  if (!whole.truncated || path === undefined) {
    return {
      commit,
      sha: whole.sha,
      entries: whole.entries.slice(0, MAX_TREE_ENTRIES),
      truncated: whole.truncated,
      complete: !whole.truncated && whole.entries.length <= MAX_TREE_ENTRIES,
      requests,
    };
  }

  const scope = normalizeTreePath(path);
  const result = (entries: GitTreeEntry[], complete: boolean): GitTree => ({
    commit,
    sha: whole.sha,
    entries,
    truncated: true,
    scope: scope ?? path,
    complete,
    requests,
  });
  if (scope === undefined) return result([], true); // ".." or the like: nothing can be there

  // Down to the directory: known trees from the truncated listing spare requests.
  const known = new Map<string, string>();
  for (const entry of whole.entries) if (entry.type === "tree") known.set(entry.path, entry.sha);
  let treeSha = whole.sha;
  let walked = "";
  for (const part of scope === "" ? [] : scope.split("/")) {
    const here = walked === "" ? part : `${walked}/${part}`;
    let sha = known.get(here);
    if (sha === undefined) {
      if (requests >= maxRequests) return result([], false);
      const listing = await list(treeSha, false);
      const entry = listing?.entries.find((e) => e.path === part);
      if (listing === undefined || entry === undefined || entry.type !== "tree") {
        // The directory is not at this commit (or a listing on the way was cut off).
        return result([], listing !== undefined && !listing.truncated);
      }
      sha = entry.sha;
    }
    treeSha = sha;
    walked = here;
  }
  const prefix = scope === "" ? "" : `${scope}/`;

  if (requests >= maxRequests) return result([], false);
  const sub = await list(treeSha, true);
  if (sub !== undefined && !sub.truncated) {
    return result(sub.entries.map((e) => ({ ...e, path: prefix + e.path })), true);
  }

  // Breadth first, one listing per directory.
  const entries: GitTreeEntry[] = [];
  const queue: { sha: string; prefix: string }[] = [{ sha: treeSha, prefix }];
  let complete = true;
  while (queue.length > 0) {
    if (requests >= maxRequests || entries.length >= MAX_TREE_ENTRIES) {
      complete = false;
      break;
    }
    const dir = queue.shift()!;
    const listing = await list(dir.sha, false);
    if (listing === undefined || listing.truncated) complete = false;
    for (const entry of listing?.entries ?? []) {
      const full = { ...entry, path: dir.prefix + entry.path };
      entries.push(full);
      if (entry.type === "tree") queue.push({ sha: entry.sha, prefix: `${full.path}/` });
    }
  }
  return result(entries, complete);
}

/**
 * The entries under directory `path` (`""`: all), with paths relative to it; pure. An unusable
 * path (`..`) has no entries.
 */
export function treeEntriesUnder(
  entries: readonly GitTreeEntry[],
  path: string,
): GitTreeEntry[] {
  const scope = normalizeTreePath(path);
  if (scope === undefined) return [];
  if (scope === "") return [...entries];
  const prefix = `${scope}/`;
  return entries.filter((e) => e.path.startsWith(prefix)).map((e) => ({
    ...e,
    path: e.path.slice(prefix.length),
  }));
}

export { normalizeTreePath };

interface TreeListing {
  sha: string;
  entries: GitTreeEntry[];
  truncated: boolean;
}

const ENTRY_TYPES = new Set(["blob", "tree", "commit"]);

async function fetchTreeListing(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  sha: string,
  recursive: boolean,
): Promise<TreeListing | undefined> {
  const url = endpointUrl(
    api,
    `${repoPath(owner, repo)}/git/trees/${encodeURIComponent(sha)}`,
    recursive ? { recursive: "1" } : {},
  );
  let response;
  try {
    response = await client.getJson(url, { accept: GITHUB_JSON });
  } catch (error) {
    if (error instanceof HttpStatusError && (error.status === 404 || error.status === 422)) {
      return undefined;
    }
    throw error;
  }
  const data = asRecord(response.data, "the tree", response.url);
  if (typeof data.sha !== "string" || !Array.isArray(data.tree)) {
    throw new AttestError("unexpected-response", `${response.url}: the tree lacks sha or tree`);
  }
  const entries: GitTreeEntry[] = data.tree.map((item) => {
    const e = asRecord(item, "a tree entry", response.url);
    if (
      typeof e.path !== "string" || typeof e.mode !== "string" || typeof e.sha !== "string" ||
      typeof e.type !== "string" || !ENTRY_TYPES.has(e.type)
    ) {
      throw new AttestError(
        "unexpected-response",
        `${response.url}: a tree entry lacks path, mode, sha or a known type`,
      );
    }
    return {
      path: e.path,
      mode: e.mode,
      type: e.type as GitTreeEntry["type"],
      sha: e.sha.toLowerCase(),
      ...(typeof e.size === "number" ? { size: e.size } : {}),
    };
  });
  return { sha: data.sha.toLowerCase(), entries, truncated: data.truncated === true };
}

const GITHUB_HOSTS = new Set(["github.com", "www.github.com"]);
/** First path segments of github.com pages that are not owners. */
const NOT_OWNERS = new Set([
  "orgs",
  "users",
  "settings",
  "sponsors",
  "marketplace",
  "topics",
  "collections",
  "apps",
  "features",
  "enterprise",
  "about",
  "login",
  "search",
  "explore",
  "notifications",
]);

/**
 * The `OWNER/REPO` a crate's `repository` URL names on github.com: `https://github.com/O/R`,
 * with `.git`, a trailing slash, extra path (`/tree/main/crates/x`), `http://`, `www.`,
 * `git+https://`, `ssh://git@github.com/O/R.git`, `git://` or scp-like `git@github.com:O/R.git`.
 * Undefined for other hosts and for anything that is not a repository URL.
 */
export function parseGithubRepositoryUrl(url: string): GithubRepositoryRef | undefined {
  // Many crates of a lock name one repository (a workspace): each URL is read once.
  if (!repositoryUrlAnswers.has(url)) {
    if (repositoryUrlAnswers.size >= MAX_REMEMBERED_REPOSITORY_URLS) repositoryUrlAnswers.clear();
    repositoryUrlAnswers.set(url, readGithubRepositoryUrl(url));
  }
  const ref = repositoryUrlAnswers.get(url);
  return ref ? { ...ref } : undefined;
}

/** {@link parseGithubRepositoryUrl}'s answers, by URL. */
const repositoryUrlAnswers = new Map<string, GithubRepositoryRef | undefined>();

/** Most answers remembered (then they are forgotten, all at once). */
const MAX_REMEMBERED_REPOSITORY_URLS = 4096;

function readGithubRepositoryUrl(url: string): GithubRepositoryRef | undefined {
  const text = url.trim();
  let host: string;
  let path: string;
  // scp-like syntax (`git@github.com:O/R.git`): no scheme, a colon after the host.
  const scp = text.includes("://") ? null : text.match(/^(?:[^@/\s]+@)?([^:/\s]+):(.+)$/);
  if (scp) {
    host = scp[1];
    path = scp[2];
  } else {
    let parsed: URL;
    try {
      parsed = new URL(text.replace(/^git\+/i, ""));
    } catch {
      return undefined;
    }
    if (!["https:", "http:", "ssh:", "git:"].includes(parsed.protocol)) return undefined;
    host = parsed.hostname;
    path = parsed.pathname;
  }
  if (!GITHUB_HOSTS.has(host.toLowerCase().replace(/\.$/, ""))) return undefined;
  const segments = path.split("/").filter((s) => s !== "");
  if (segments.length < 2) return undefined;
  let owner: string;
  let repo: string;
  try {
    owner = decodeURIComponent(segments[0]);
    repo = decodeURIComponent(segments[1]).replace(/\.git$/i, "");
  } catch {
    return undefined;
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(owner) || NOT_OWNERS.has(owner.toLowerCase())) {
    return undefined;
  }
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(repo) || repo === "." || repo === "..") return undefined;
  return { owner, repo };
}
