/**
 * A loopback fake of the GitHub REST API and of its asset download host, serving release-shaped
 * JSON and real attestation bundles, with switches for the failure shapes users meet (5xx then
 * success, rate limits, truncated downloads, missing tags). Two `Deno.serve` listeners on
 * 127.0.0.1:0: the API, and a separate download host (so cross-host redirects are real).
 *
 * Repositories (`options.repositories`) add the routes a crate's source check uses: the tag list
 * (paged), commits, git trees (recursive or not, with truncation switches) and workflow runs.
 * `gitTreeEntries` builds a tree with real git object hashes from file contents.
 * @module
 */
import { encodeBase64 } from "../../lib/crypto/bytes.ts";
import { createHash } from "node:crypto";

/** One asset of a fake release. */
export interface FakeAsset {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Override the API's `size` (to simulate a lying API). */
  readonly size?: number;
  /** The API's `digest` field (`sha256:<hex>`); omitted when undefined. */
  readonly digest?: string;
  /** Serve only this many bytes while declaring the full length (a truncated download). */
  readonly truncateAt?: number;
}

/** One fake release. */
export interface FakeRelease {
  readonly owner: string;
  readonly repo: string;
  readonly tag: string;
  /** The commit the tag points to. */
  readonly commit: string;
  /** Annotated tag (ref → tag object → commit) instead of a lightweight one. */
  readonly annotated?: boolean;
  readonly body?: string;
  readonly assets: readonly FakeAsset[];
}

/** A recorded request. */
export interface LoggedRequest {
  readonly host: "api" | "download";
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly accept: string | null;
}

/** Switches for failure shapes. */
export interface FakeGithubOptions {
  /** Attestation bundles (JSON objects) by sha256 hex of the subject. */
  readonly attestations?: Record<string, readonly unknown[]>;
  /**
   * The repositories (`owner/repo`) each digest's attestations are stored in; a digest not named
   * here has its attestations in every repository (the per-repository route answers them all).
   */
  readonly attestationsIn?: Record<string, readonly string[]>;
  /** Serve attestations this many per page (Link rel="next"). */
  readonly attestationsPerPage?: number;
  /** Answer the first N API requests with 500. */
  readonly failFirst?: number;
  /** Answer every API request with 403 + x-ratelimit-remaining: 0. */
  readonly rateLimited?: { readonly resetEpochSeconds: number };
  /** Answer every API request with 500. */
  readonly alwaysFail?: boolean;
  /** Answer the API requests whose path (with the query) matches with 500. */
  readonly failPaths?: RegExp;
  /** Repositories with tags, commits, trees and workflow runs (independent of `releases`). */
  readonly repositories?: readonly FakeRepository[];
  /**
   * `POST /graphql`: answered (the default) for the queries cargo-attest sends (repositories by
   * alias, their tag refs, default branch, owner kind and id); `false`: 404, as a server without
   * GraphQL; `"errors"`: 200 with only `errors` (GraphQL refusing the query).
   */
  readonly graphql?: false | "errors";
  /**
   * Tag names whose `ref` GraphQL fails to resolve: answered `null` with an error naming its path
   * (as GitHub answers a field that timed out or errored, beside the rest of the data).
   */
  readonly graphqlFailingTags?: readonly string[];
  /** The `path` the errors of `graphqlFailingTags` give (default: the ref's own), none: no path. */
  readonly graphqlErrorPath?: readonly string[] | "none";
  /**
   * `POST /orgs|users/O/attestations/bulk-list`: answered (the default) from `attestations`, each
   * bundle listed once per repository of the owner; `false`: 404.
   */
  readonly bulkAttestations?: false;
  /** Answer every bulk attestation listing with this JSON (200) instead. */
  readonly bulkAttestationsBody?: unknown;
  /**
   * GitHub's primary rate limit: every API answer carries `x-ratelimit-limit`, `-remaining`,
   * `-reset` and `-resource`; past `limit` requests each answers 403 with `remaining: 0`.
   * `GET /rate_limit` says the same and is not counted (as on GitHub).
   */
  readonly rateLimit?: { readonly limit: number; readonly resetEpochSeconds: number };
  /**
   * A secondary rate limit: the first `first` API requests answer `status` (default 403) with
   * `retry-after: retryAfter` and GitHub's "secondary rate limit" message.
   */
  readonly secondaryLimit?: {
    readonly first: number;
    readonly retryAfter: string;
    readonly status?: 403 | 429;
  };
}

/** One entry of a fake git tree; `path` is from the repository root (as `recursive=1` lists it). */
export interface FakeTreeEntry {
  readonly path: string;
  readonly mode: string;
  readonly type: "blob" | "tree" | "commit";
  readonly sha: string;
  readonly size?: number;
}

/** A workflow run of a fake repository (`GET /repos/O/R/actions/runs/ID`). */
export interface FakeWorkflowRun {
  readonly id: number;
  /** The workflow file, e.g. `.github/workflows/release.yml`. */
  readonly path: string;
  readonly headSha: string;
  readonly event?: string;
  readonly headBranch?: string;
}

/** A repository's contents, for the tags, commits, git/trees and actions/runs routes. */
export interface FakeRepository {
  readonly owner: string;
  readonly repo: string;
  /** Tags in the order `GET /repos/O/R/tags` lists them; also served by `git/ref/tags/TAG`. */
  readonly tags: readonly {
    readonly name: string;
    readonly commit: string;
    /**
     * Annotated tag objects between the ref and the commit (a tag of a tag…): GraphQL answers
     * them (as deep as the query selects); `GET /repos/O/R/tags` lists the commit they come to.
     */
    readonly tagObjects?: number;
  }[];
  /** The full recursive tree of each commit (every directory as a `tree` entry with its sha). */
  readonly trees: Readonly<Record<string, readonly FakeTreeEntry[]>>;
  /** More commits that exist (without a tree), all in the default branch's history. */
  readonly commits?: readonly string[];
  /**
   * Commits GitHub serves under this repository that are not in its default branch's history (a
   * fork's, or another branch's): `commits/SHA` finds them, `compare/BRANCH...SHA` says diverged.
   */
  readonly forkCommits?: readonly string[];
  /** The default branch (`GET /repos/O/R`), default `main`. */
  readonly defaultBranch?: string;
  readonly runs?: readonly FakeWorkflowRun[];
  /** Tags per page (`Link: rel="next"`); default 100. */
  readonly tagsPerPage?: number;
  /** Truncate the recursive listing of a commit's whole tree (to half its entries). */
  readonly truncated?: boolean;
  /** Truncate every recursive listing longer than this many entries (to this many). */
  readonly recursiveLimit?: number;
  /** Blob contents by SHA (`GET /repos/O/R/git/blobs/SHA`); others answer 404. */
  readonly blobs?: Readonly<Record<string, string | Uint8Array>>;
  /** The owner's kind as GraphQL names it (default `User`). */
  readonly ownerType?: "User" | "Organization";
  /**
   * The repository was transferred to this owner: GraphQL names it as the owner's login, and its
   * attestations are in this owner's bulk listing (REST still answers under `owner`, as GitHub's
   * redirects make it).
   */
  readonly transferredTo?: string;
  /** The repository's numeric id (default 1000 + its index in `repositories`). */
  readonly id?: number;
}

/** A running fake GitHub. */
export interface FakeGithub {
  /** The API base URL (set CARGO_ATTEST_GITHUB_API_URL to it). */
  readonly apiUrl: string;
  readonly downloadUrl: string;
  readonly requests: LoggedRequest[];
  close(): Promise<void>;
}

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Asset ids are (release's index + 1) × this + the asset's index. */
const ASSETS_PER_RELEASE = 1000;

const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

/** Starts the fake on two loopback ports. */
export function startFakeGithub(
  releases: readonly FakeRelease[],
  options: FakeGithubOptions = {},
): FakeGithub {
  const requests: LoggedRequest[] = [];
  let apiRequests = 0;
  const download = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    requests.push({
      host: "download",
      method: req.method,
      path: url.pathname,
      authorization: req.headers.get("authorization"),
      accept: req.headers.get("accept"),
    });
    const [, owner, repo, tag, name] = url.pathname.split("/").map(decodeURIComponent);
    const release = releases.find((r) => r.owner === owner && r.repo === repo && r.tag === tag);
    const asset = release?.assets.find((a) => a.name === name);
    if (!asset) return new Response("not found", { status: 404 });
    if (asset.truncateAt !== undefined) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(asset.bytes.slice(0, asset.truncateAt));
          controller.close(); // fewer bytes than Content-Length: the server drops the connection
        },
      });
      return new Response(body, {
        headers: { "content-length": String(asset.bytes.length) },
      });
    }
    return new Response(asset.bytes.slice(), {
      headers: { "content-type": "application/octet-stream" },
    });
  });
  const downloadUrl = `http://127.0.0.1:${download.addr.port}`;

  let apiPort = 0;
  /** Requests counted against `rateLimit` (all but `/rate_limit`). */
  let counted = 0;
  const rateLimitHeaders = (): Record<string, string> => {
    const limit = options.rateLimit!;
    return {
      "x-ratelimit-limit": String(limit.limit),
      "x-ratelimit-remaining": String(Math.max(0, limit.limit - counted)),
      "x-ratelimit-reset": String(limit.resetEpochSeconds),
      "x-ratelimit-resource": "core",
      "x-ratelimit-used": String(Math.min(counted, limit.limit)),
    };
  };
  const api: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, async (req): Promise<Response> => {
    const url = new URL(req.url);
    const body = req.method === "POST" ? await req.text() : "";
    requests.push({
      host: "api",
      method: req.method,
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
      accept: req.headers.get("accept"),
    });
    if (url.pathname === "/rate_limit") {
      const limit = options.rateLimit;
      if (!limit) return json(NOT_FOUND, 404);
      const core = {
        limit: limit.limit,
        remaining: Math.max(0, limit.limit - counted),
        reset: limit.resetEpochSeconds,
        used: Math.min(counted, limit.limit),
      };
      return json({ resources: { core }, rate: core });
    }
    counted++;
    if (options.rateLimit) {
      if (counted > options.rateLimit.limit) {
        return json(
          {
            message: "API rate limit exceeded for user ID 1.",
            documentation_url: "https://docs.github.com/rest/rate-limit",
          },
          403,
          rateLimitHeaders(),
        );
      }
      const response = answerApi(req, url, body);
      for (const [name, value] of Object.entries(rateLimitHeaders())) {
        response.headers.set(name, value);
      }
      return response;
    }
    return answerApi(req, url, body);
  });
  function answerApi(req: Request, url: URL, body: string): Response {
    apiRequests++;
    if (options.secondaryLimit && apiRequests <= options.secondaryLimit.first) {
      return json(
        {
          message: "You have exceeded a secondary rate limit. Please wait a few minutes before " +
            "you try again.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        },
        options.secondaryLimit.status ?? 403,
        { "retry-after": options.secondaryLimit.retryAfter },
      );
    }
    if (
      options.alwaysFail || (options.failFirst && apiRequests <= options.failFirst) ||
      options.failPaths?.test(url.pathname + url.search)
    ) {
      return json({ message: "Server Error" }, 500);
    }
    if (options.rateLimited) {
      return json({ message: "API rate limit exceeded for 127.0.0.1." }, 403, {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(options.rateLimited.resetEpochSeconds),
      });
    }
    if (url.pathname === "/graphql" && req.method === "POST" && options.graphql !== false) {
      return answerGraphql(body, options);
    }
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    // POST /orgs/O/attestations/bulk-list, POST /users/O/attestations/bulk-list
    if (
      req.method === "POST" && parts.length === 4 &&
      (parts[0] === "orgs" || parts[0] === "users") &&
      parts[2] === "attestations" && parts[3] === "bulk-list" && options.bulkAttestations !== false
    ) {
      if (options.bulkAttestationsBody !== undefined) return json(options.bulkAttestationsBody);
      return answerBulkAttestations(parts[0], parts[1], url, body, options);
    }
    if (parts[0] !== "repos" || parts.length < 3) return json(NOT_FOUND, 404);
    const [, owner, repo, ...rest] = parts;
    const repository = options.repositories?.find((r) => r.owner === owner && r.repo === repo);
    if (repository) {
      const answer = serveRepository(repository, rest, url, req, releases, apiPort);
      if (answer) return answer;
    }
    // GET /repos/O/R/attestations/sha256:HEX[?page=N]
    if (rest[0] === "attestations" && rest.length === 2) {
      const hex = rest[1].replace(/^sha256:/, "");
      const stored = options.attestationsIn?.[hex];
      const here = !stored ||
        stored.some((r) => r.toLowerCase() === `${owner}/${repo}`.toLowerCase());
      const all = here ? options.attestations?.[hex] ?? [] : [];
      if (all.length === 0) return json(NOT_FOUND, 404);
      const perPage = options.attestationsPerPage ?? 30;
      const page = Number(url.searchParams.get("page") ?? "1");
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        headers.link =
          `<http://127.0.0.1:${apiPort}/repos/${owner}/${repo}/attestations/sha256:${hex}?page=${
            page + 1
          }>; rel="next"`;
      }
      return json(
        { attestations: slice.map((bundle) => ({ bundle, repository_id: 42 })) },
        200,
        headers,
      );
    }
    const ofRepo = releases.filter((r) => r.owner === owner && r.repo === repo);
    if (ofRepo.length === 0) return json(NOT_FOUND, 404);
    const base = `http://127.0.0.1:${apiPort}/repos/${owner}/${repo}`;

    // GET /repos/O/R/releases/tags/TAG
    if (rest[0] === "releases" && rest[1] === "tags" && rest.length === 3) {
      const index = ofRepo.findIndex((r) => r.tag === rest[2]);
      if (index < 0) return json(NOT_FOUND, 404);
      const release = ofRepo[index];
      // Asset ids are unique across the repository's releases, as on GitHub.
      const assetId = (i: number) => (index + 1) * ASSETS_PER_RELEASE + i;
      return json({
        id: 1000 + index,
        tag_name: release.tag,
        name: release.tag,
        body: release.body ?? "",
        draft: false,
        prerelease: false,
        html_url: `https://github.com/${owner}/${repo}/releases/tag/${release.tag}`,
        assets: release.assets.map((a, i) => ({
          id: assetId(i),
          name: a.name,
          size: a.size ?? a.bytes.length,
          ...(a.digest !== undefined ? { digest: a.digest } : {}),
          content_type: "application/octet-stream",
          state: "uploaded",
          url: `${base}/releases/assets/${assetId(i)}`,
          browser_download_url: `${downloadUrl}/${owner}/${repo}/${release.tag}/${a.name}`,
        })),
      });
    }
    // GET /repos/O/R/releases/assets/ID (Accept: application/octet-stream) → redirect
    if (rest[0] === "releases" && rest[1] === "assets" && rest.length === 3) {
      const id = Number(rest[2]);
      const release = ofRepo[Math.floor(id / ASSETS_PER_RELEASE) - 1];
      const asset = release?.assets[id % ASSETS_PER_RELEASE];
      if (!release || !asset) return json(NOT_FOUND, 404);
      return new Response(null, {
        status: 302,
        headers: { location: `${downloadUrl}/${owner}/${repo}/${release.tag}/${asset.name}` },
      });
    }
    // GET /repos/O/R/git/ref/tags/TAG
    if (rest[0] === "git" && rest[1] === "ref" && rest[2] === "tags" && rest.length === 4) {
      const release = ofRepo.find((r) => r.tag === rest[3]);
      if (!release) return json(NOT_FOUND, 404);
      const tagObject = `7a${release.commit.slice(2)}`;
      return json({
        ref: `refs/tags/${release.tag}`,
        object: release.annotated
          ? { type: "tag", sha: tagObject, url: `${base}/git/tags/${tagObject}` }
          : { type: "commit", sha: release.commit, url: `${base}/git/commits/${release.commit}` },
      });
    }
    // GET /repos/O/R/git/tags/SHA (annotated tag object)
    if (rest[0] === "git" && rest[1] === "tags" && rest.length === 3) {
      const release = ofRepo.find((r) => r.annotated && `7a${r.commit.slice(2)}` === rest[2]);
      if (!release) return json(NOT_FOUND, 404);
      return json({
        sha: rest[2],
        tag: release.tag,
        object: { type: "commit", sha: release.commit },
      });
    }
    return json(NOT_FOUND, 404);
  }
  apiPort = api.addr.port;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  return {
    apiUrl,
    downloadUrl,
    requests,
    async close() {
      await Promise.all([api.shutdown(), download.shutdown()]);
    },
  };
}

/**
 * A bulk attestation listing for OWNER (an organization under `orgs/`, a user under `users/`, as
 * its repositories' `ownerType` says): for each digest asked, every bundle of `attestations`,
 * once per repository of the owner (with its id). Paged by `per_page` (attestations) and `after`.
 */
function answerBulkAttestations(
  kind: string,
  owner: string,
  url: URL,
  body: string,
  options: FakeGithubOptions,
): Response {
  const all = options.repositories ?? [];
  const owned = all
    .map((r, index) => ({ r, id: r.id ?? 1000 + index }))
    .filter(({ r }) =>
      (r.transferredTo ?? r.owner).toLowerCase() === owner.toLowerCase() &&
      (r.ownerType ?? "User") === (kind === "orgs" ? "Organization" : "User")
    );
  if (owned.length === 0) return json(NOT_FOUND, 404);
  let digests: string[];
  try {
    digests = (JSON.parse(body) as { subject_digests: string[] }).subject_digests;
  } catch {
    return json({ message: "Problems parsing JSON" }, 400);
  }
  const flat: [string, unknown][] = [];
  for (const digest of digests) {
    const hex = digest.replace(/^sha256:/, "");
    const stored = options.attestationsIn?.[hex];
    for (const bundle of options.attestations?.[hex] ?? []) {
      for (const { r, id } of owned) {
        const here = !stored ||
          stored.some((name) => name.toLowerCase() === `${r.owner}/${r.repo}`.toLowerCase());
        if (here) flat.push([digest, { bundle, repository_id: id }]);
      }
    }
  }
  const perPage = Number(url.searchParams.get("per_page") ?? "30");
  const pageSize = Math.min(perPage, options.attestationsPerPage ?? perPage);
  const after = Number(url.searchParams.get("after") ?? "0");
  const page = flat.slice(after, after + pageSize);
  const map: Record<string, unknown[] | null> = Object.fromEntries(digests.map((d) => [d, null]));
  for (const [digest, item] of page) (map[digest] ??= []).push(item);
  const hasNext = after + pageSize < flat.length;
  return json({
    attestations_subject_digests: map,
    page_info: {
      has_next: hasNext,
      has_previous: after > 0,
      next: hasNext ? String(after + pageSize) : "",
      previous: "",
    },
  });
}

/**
 * `POST /graphql` for the queries `lib/sources/github_graphql.ts` builds: each
 * `rN: repository(owner: "O", name: "R") { … tM: ref(qualifiedName: "refs/tags/T") … }`.
 */
function answerGraphql(body: string, options: FakeGithubOptions): Response {
  if (options.graphql === "errors") {
    return json({ errors: [{ message: "Something went wrong while executing your query." }] });
  }
  let query = "";
  try {
    query = String((JSON.parse(body) as { query?: unknown }).query ?? "");
  } catch {
    return json({ message: "Problems parsing JSON" }, 400);
  }
  const string = String.raw`"(?:[^"\\]|\\.)*"`;
  const repoPattern = new RegExp(
    String.raw`(r\d+): repository\(owner: (${string}), name: (${string})\)`,
    "g",
  );
  const starts = [...query.matchAll(repoPattern)];
  const data: Record<string, unknown> = {};
  const errors: unknown[] = [];
  for (const [i, m] of starts.entries()) {
    const [, alias, ownerText, nameText] = m;
    const owner = JSON.parse(ownerText) as string;
    const name = JSON.parse(nameText) as string;
    const end = starts[i + 1]?.index ?? query.length;
    const text = query.slice(m.index!, end);
    const index = (options.repositories ?? []).findIndex((r) =>
      r.owner.toLowerCase() === owner.toLowerCase() && r.repo.toLowerCase() === name.toLowerCase()
    );
    const repository = options.repositories?.[index];
    if (!repository) {
      data[alias] = null;
      errors.push({
        type: "NOT_FOUND",
        path: [alias],
        message: `Could not resolve to a Repository with the name '${owner}/${name}'.`,
      });
      continue;
    }
    const answer: Record<string, unknown> = {
      databaseId: repository.id ?? 1000 + index,
      owner: {
        __typename: repository.ownerType ?? "User",
        login: repository.transferredTo ?? repository.owner,
      },
      defaultBranchRef: { name: repository.defaultBranch ?? "main" },
    };
    const refPattern = new RegExp(String.raw`(t\d+): ref\(qualifiedName: (${string})\)`, "g");
    for (const [, tagAlias, refText] of text.matchAll(refPattern)) {
      const qualified = JSON.parse(refText) as string;
      const tag = qualified.startsWith("refs/tags/")
        ? repository.tags.find((t) => t.name === qualified.slice("refs/tags/".length))
        : undefined;
      if (tag && options.graphqlFailingTags?.includes(tag.name)) {
        answer[tagAlias] = null;
        const path = options.graphqlErrorPath ?? [alias, tagAlias];
        errors.push({
          ...(path === "none" ? {} : { path }),
          message: "Something went wrong while executing your query. This may be the result " +
            "of a timeout, or it could be a GitHub bug.",
        });
        continue;
      }
      // The levels of `target { … }` the query selects for this ref.
      const selection = text.slice(text.indexOf(`${tagAlias}: ref(`));
      const next = selection.slice(1).search(/ t\d+: ref\(/);
      const levels = (next < 0 ? selection : selection.slice(0, next + 1)).split("target {")
        .length - 1;
      answer[tagAlias] = tag ? { target: graphqlTarget(tag, levels) } : null;
    }
    data[alias] = answer;
  }
  return json({ data, ...(errors.length > 0 ? { errors } : {}) });
}

/** A tag ref's `target` as GraphQL answers it, `levels` deep (the query's selection). */
function graphqlTarget(
  tag: FakeRepository["tags"][number],
  levels: number,
): Record<string, unknown> {
  const objects = tag.tagObjects ?? 0;
  const at = (level: number): Record<string, unknown> => {
    if (level > objects) return { __typename: "Commit", oid: tag.commit };
    const oid = createHash("sha1").update(`tag:${tag.name}:${level}`).digest("hex");
    return level < levels
      ? { __typename: "Tag", oid, target: at(level + 1) }
      : { __typename: "Tag", oid };
  };
  return at(1);
}

/** The routes of a {@link FakeRepository}; undefined hands the request to the release routes. */
function serveRepository(
  repository: FakeRepository,
  rest: readonly string[],
  url: URL,
  req: Request,
  releases: readonly FakeRelease[],
  apiPort: number,
): Response | undefined {
  const { owner, repo } = repository;
  const base = `http://127.0.0.1:${apiPort}/repos/${owner}/${repo}`;
  // GET /repos/O/R/tags[?per_page=N&page=N]
  if (rest[0] === "tags" && rest.length === 1) {
    const perPage = repository.tagsPerPage ?? 100;
    const page = Number(url.searchParams.get("page") ?? "1");
    const slice = repository.tags.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < repository.tags.length) {
      headers.link = `<${base}/tags?per_page=${perPage}&page=${page + 1}>; rel="next", ` +
        `<${base}/tags?per_page=${perPage}&page=${
          Math.ceil(repository.tags.length / perPage)
        }>; rel="last"`;
    }
    return json(
      slice.map((t) => ({
        name: t.name,
        commit: { sha: t.commit, url: `${base}/commits/${t.commit}` },
        zipball_url: `${base}/zipball/refs/tags/${t.name}`,
        tarball_url: `${base}/tarball/refs/tags/${t.name}`,
        node_id: "MDM6UmVmMQ==",
      })),
      200,
      headers,
    );
  }
  // GET /repos/O/R/git/ref/tags/TAG, for tags no release of `releases` answers
  if (rest[0] === "git" && rest[1] === "ref" && rest[2] === "tags" && rest.length === 4) {
    const byRelease = releases.some((r) =>
      r.owner === owner && r.repo === repo && r.tag === rest[3]
    );
    const tag = repository.tags.find((t) => t.name === rest[3]);
    if (byRelease || !tag) return undefined;
    return json({
      ref: `refs/tags/${tag.name}`,
      object: { type: "commit", sha: tag.commit, url: `${base}/git/commits/${tag.commit}` },
    });
  }
  const inHistory = new Set([
    ...Object.keys(repository.trees),
    ...repository.tags.map((t) => t.commit),
    ...(repository.commits ?? []),
    ...(repository.runs ?? []).map((r) => r.headSha),
  ].map((c) => c.toLowerCase()));
  const defaultBranch = repository.defaultBranch ?? "main";
  // GET /repos/O/R
  if (rest.length === 0) {
    return json({ full_name: `${owner}/${repo}`, default_branch: defaultBranch, private: false });
  }
  // GET /repos/O/R/compare/BASE...HEAD (BASE the default branch, HEAD a full commit SHA)
  if (rest[0] === "compare" && rest.length >= 2) {
    const [baseRef, head = ""] = rest.slice(1).join("/").split("...");
    const sha = head.toLowerCase();
    const fork = (repository.forkCommits ?? []).some((c) => c.toLowerCase() === sha);
    if (baseRef !== defaultBranch || (!fork && !inHistory.has(sha))) {
      return json({ message: "Not Found", status: "404" }, 404);
    }
    return json({
      status: fork ? "diverged" : "behind",
      ahead_by: fork ? 1 : 0,
      behind_by: 3,
      total_commits: fork ? 1 : 0,
      merge_base_commit: { sha: fork ? Object.keys(repository.trees)[0] ?? sha : sha },
      commits: [],
      files: [],
    });
  }
  // GET /repos/O/R/commits/SHA
  if (rest[0] === "commits" && rest.length === 2) {
    const wanted = rest[1].toLowerCase();
    const known = new Set([...inHistory, ...(repository.forkCommits ?? [])]);
    const matches = /^[0-9a-f]{7,64}$/.test(wanted)
      ? [...known].filter((c) => c.startsWith(wanted))
      : [];
    if (matches.length !== 1) {
      return json({
        message: matches.length > 1
          ? `Ambiguous SHA: ${rest[1]}`
          : `No commit found for SHA: ${rest[1]}`,
        documentation_url: "https://docs.github.com/rest/commits/commits#get-a-commit",
        status: "422",
      }, 422);
    }
    if (req.headers.get("accept") === "application/vnd.github.sha") {
      return new Response(matches[0], { headers: { "content-type": "text/plain" } });
    }
    return json({ sha: matches[0], commit: { message: "a commit" }, files: [] });
  }
  // GET /repos/O/R/git/blobs/SHA: the content of a blob listed in `blobs`.
  if (rest[0] === "git" && rest[1] === "blobs" && rest.length === 3) {
    const content = repository.blobs?.[rest[2].toLowerCase()];
    if (content === undefined) return json(NOT_FOUND, 404);
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    return json({
      sha: rest[2].toLowerCase(),
      size: bytes.length,
      encoding: "base64",
      content: encodeBase64(bytes),
    });
  }
  // GET /repos/O/R/git/trees/SHA[?recursive=1]
  if (rest[0] === "git" && rest[1] === "trees" && rest.length === 3) {
    const found = findTree(repository, rest[2].toLowerCase());
    if (!found) return json(NOT_FOUND, 404);
    const recursive = url.searchParams.has("recursive") &&
      !["0", "false"].includes(url.searchParams.get("recursive") ?? "");
    const prefix = found.dir === "" ? "" : `${found.dir}/`;
    const under = found.entries
      .filter((e) => e.path.startsWith(prefix) && e.path !== found.dir)
      .map((e) => ({ ...e, path: e.path.slice(prefix.length) }))
      .filter((e) => recursive || !e.path.includes("/"));
    let listed = under;
    let truncated = false;
    if (recursive && repository.truncated && found.dir === "") {
      listed = under.slice(0, Math.floor(under.length / 2));
      truncated = true;
    }
    if (
      recursive && repository.recursiveLimit !== undefined &&
      listed.length > repository.recursiveLimit
    ) {
      listed = listed.slice(0, repository.recursiveLimit);
      truncated = true;
    }
    return json({
      sha: found.sha,
      url: `${base}/git/trees/${found.sha}`,
      tree: listed.map((e) => ({
        path: e.path,
        mode: e.mode,
        type: e.type,
        sha: e.sha,
        ...(e.type === "blob" ? { size: e.size ?? 0 } : {}),
        url: `${base}/git/${e.type === "tree" ? "trees" : "blobs"}/${e.sha}`,
      })),
      truncated,
    });
  }
  // GET /repos/O/R/actions/runs/ID
  if (rest[0] === "actions" && rest[1] === "runs" && rest.length === 3) {
    const run = repository.runs?.find((r) => String(r.id) === rest[2]);
    if (!run) return json(NOT_FOUND, 404);
    return json({
      id: run.id,
      name: "release",
      path: run.path,
      head_sha: run.headSha,
      head_branch: run.headBranch ?? null,
      event: run.event ?? "push",
      status: "completed",
      conclusion: "success",
      html_url: `https://github.com/${owner}/${repo}/actions/runs/${run.id}`,
      repository: { full_name: `${owner}/${repo}` },
    });
  }
  return undefined;
}

/** The SHA the fake gives a commit's root tree (deterministic, 40 hex digits). */
export function fakeRootTreeSha(commit: string): string {
  return createHash("sha1").update(`root-tree:${commit.toLowerCase()}`).digest("hex");
}

/** Finds the directory a tree SHA (or a commit SHA, for its root) names. */
function findTree(
  repository: FakeRepository,
  sha: string,
): { dir: string; sha: string; entries: readonly FakeTreeEntry[] } | undefined {
  for (const [commit, entries] of Object.entries(repository.trees)) {
    const root = fakeRootTreeSha(commit);
    if (commit.toLowerCase() === sha || root === sha) return { dir: "", sha: root, entries };
    const entry = entries.find((e) => e.type === "tree" && e.sha.toLowerCase() === sha);
    if (entry) return { dir: entry.path, sha: entry.sha.toLowerCase(), entries };
  }
  return undefined;
}

/**
 * A recursive tree listing of `files` (path → content) with real git object hashes: blob SHAs as
 * `git hash-object` computes them and tree SHAs of the actual tree objects, so a test can compare
 * file contents with tree entries the way git would. Paths listed in `executable` get mode 100755.
 */
export function gitTreeEntries(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { executable?: readonly string[] } = {},
): FakeTreeEntry[] {
  return buildGitTree(files, options).entries;
}

/** The git SHA of the root tree of `files` (as `git write-tree` computes it). */
export function gitRootTreeSha(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { executable?: readonly string[] } = {},
): string {
  return buildGitTree(files, options).root;
}

function buildGitTree(
  files: Readonly<Record<string, string | Uint8Array>>,
  options: { executable?: readonly string[] },
): { root: string; entries: FakeTreeEntry[] } {
  const encoder = new TextEncoder();
  const out: FakeTreeEntry[] = [];
  interface Dir {
    dirs: Map<string, Dir>;
    blobs: Map<string, { mode: string; sha: string }>;
  }
  const root: Dir = { dirs: new Map(), blobs: new Map() };
  for (const [path, content] of Object.entries(files)) {
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    const sha = gitObjectSha("blob", bytes);
    const mode = options.executable?.includes(path) ? "100755" : "100644";
    out.push({ path, mode, type: "blob", sha, size: bytes.length });
    const parts = path.split("/");
    let dir = root;
    for (const part of parts.slice(0, -1)) {
      let next = dir.dirs.get(part);
      if (!next) {
        next = { dirs: new Map(), blobs: new Map() };
        dir.dirs.set(part, next);
      }
      dir = next;
    }
    dir.blobs.set(parts[parts.length - 1], { mode, sha });
  }
  const hashDir = (dir: Dir, path: string): string => {
    const items: { name: string; sortKey: string; mode: string; sha: string }[] = [];
    for (const [name, blob] of dir.blobs) items.push({ name, sortKey: name, ...blob });
    for (const [name, sub] of dir.dirs) {
      const subPath = path === "" ? name : `${path}/${name}`;
      const sha = hashDir(sub, subPath);
      out.push({ path: subPath, mode: "040000", type: "tree", sha });
      items.push({ name, sortKey: `${name}/`, mode: "40000", sha });
    }
    items.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    const chunks: Uint8Array[] = [];
    for (const item of items) {
      chunks.push(encoder.encode(`${item.mode} ${item.name}\0`));
      chunks.push(hexBytes(item.sha));
    }
    return gitObjectSha("tree", concat(chunks));
  };
  const rootSha = hashDir(root, "");
  return {
    root: rootSha,
    entries: out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

function gitObjectSha(kind: "blob" | "tree", body: Uint8Array): string {
  return createHash("sha1").update(`${kind} ${body.length}\0`).update(body).digest("hex");
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
