/**
 * A loopback fake of the GitHub REST API and of its asset download host, serving release-shaped
 * JSON and real attestation bundles, with switches for the failure shapes users meet (5xx then
 * success, rate limits, truncated downloads, missing tags). Two `Deno.serve` listeners on
 * 127.0.0.1:0: the API, and a separate download host (so cross-host redirects are real).
 * @module
 */

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
  /** Serve attestations this many per page (Link rel="next"). */
  readonly attestationsPerPage?: number;
  /** Answer the first N API requests with 500. */
  readonly failFirst?: number;
  /** Answer every API request with 403 + x-ratelimit-remaining: 0. */
  readonly rateLimited?: { readonly resetEpochSeconds: number };
  /** Answer every API request with 500. */
  readonly alwaysFail?: boolean;
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
          controller.error(new Error("connection reset"));
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
  const api: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
  }, (req): Response => {
    const url = new URL(req.url);
    requests.push({
      host: "api",
      method: req.method,
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
      accept: req.headers.get("accept"),
    });
    apiRequests++;
    if (options.alwaysFail || (options.failFirst && apiRequests <= options.failFirst)) {
      return json({ message: "Server Error" }, 500);
    }
    if (options.rateLimited) {
      return json({ message: "API rate limit exceeded for 127.0.0.1." }, 403, {
        "x-ratelimit-limit": "60",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(options.rateLimited.resetEpochSeconds),
      });
    }
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] !== "repos" || parts.length < 4) return json(NOT_FOUND, 404);
    const [, owner, repo, ...rest] = parts;
    const ofRepo = releases.filter((r) => r.owner === owner && r.repo === repo);
    if (ofRepo.length === 0) return json(NOT_FOUND, 404);
    const base = `http://127.0.0.1:${apiPort}/repos/${owner}/${repo}`;

    // GET /repos/O/R/releases/tags/TAG
    if (rest[0] === "releases" && rest[1] === "tags" && rest.length === 3) {
      const release = ofRepo.find((r) => r.tag === rest[2]);
      if (!release) return json(NOT_FOUND, 404);
      return json({
        id: 1000,
        tag_name: release.tag,
        name: release.tag,
        body: release.body ?? "",
        draft: false,
        prerelease: false,
        html_url: `https://github.com/${owner}/${repo}/releases/tag/${release.tag}`,
        assets: release.assets.map((a, i) => ({
          id: i + 1,
          name: a.name,
          size: a.size ?? a.bytes.length,
          ...(a.digest !== undefined ? { digest: a.digest } : {}),
          content_type: "application/octet-stream",
          state: "uploaded",
          url: `${base}/releases/assets/${i + 1}`,
          browser_download_url: `${downloadUrl}/${owner}/${repo}/${release.tag}/${a.name}`,
        })),
      });
    }
    // GET /repos/O/R/releases/assets/ID (Accept: application/octet-stream) → redirect
    if (rest[0] === "releases" && rest[1] === "assets" && rest.length === 3) {
      for (const release of ofRepo) {
        const asset = release.assets[Number(rest[2]) - 1];
        if (asset) {
          return new Response(null, {
            status: 302,
            headers: {
              location: `${downloadUrl}/${owner}/${repo}/${release.tag}/${asset.name}`,
            },
          });
        }
      }
      return json(NOT_FOUND, 404);
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
    // GET /repos/O/R/attestations/sha256:HEX[?page=N]
    if (rest[0] === "attestations" && rest.length === 2) {
      const hex = rest[1].replace(/^sha256:/, "");
      const all = options.attestations?.[hex] ?? [];
      if (all.length === 0) return json(NOT_FOUND, 404);
      const perPage = options.attestationsPerPage ?? 30;
      const page = Number(url.searchParams.get("page") ?? "1");
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const headers: Record<string, string> = {};
      if (page * perPage < all.length) {
        headers.link = `<${base}/attestations/sha256:${hex}?page=${page + 1}>; rel="next"`;
      }
      return json(
        { attestations: slice.map((bundle) => ({ bundle, repository_id: 42 })) },
        200,
        headers,
      );
    }
    return json(NOT_FOUND, 404);
  });
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
