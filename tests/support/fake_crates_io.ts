/**
 * A loopback fake of crates.io: the sparse index (`/index/config.json`, `/index/{path}`), the web
 * API (`/api/v1/crates/{name}`, `/api/v1/crates/{name}/{version}`, `…/download` redirecting to
 * the download host) and the download host (`/dl/{name}/{name}-{version}.crate`, as on
 * static.crates.io, and `/dl/{name}/{version}/download`, as cargo extends a marker-less `dl`).
 * Answers have the shapes crates.io gives (including `trustpub_data`), with switches for the
 * failure shapes users meet: 500 then 200, 404, an index checksum that disagrees with the API's,
 * truncated and stalled downloads, slow answers. One `Deno.serve` listener on 127.0.0.1:0.
 * @module
 */
import { createHash } from "node:crypto";

/** One published version of a fake crate. */
export interface FakeCrate {
  readonly name: string;
  readonly version: string;
  /** The `.crate` bytes; the index `cksum`, the API `checksum` and `crate_size` follow from them. */
  readonly bytes: Uint8Array;
  readonly yanked?: boolean;
  /** The repository URL (the crate's `repository` and the version's). */
  readonly repository?: string;
  /**
   * The version's `trustpub_data`, in crates.io's wire shape, e.g.
   * `{ provider: "github", repository: "o/r", run_id: "123", sha: "…" }`; absent: `null`.
   */
  readonly trustedPublishing?: Readonly<Record<string, unknown>>;
  /** The publisher (`published_by`); default a user, or `null` with trusted publishing. */
  readonly publishedBy?: { readonly login: string; readonly name?: string } | null;
  /** Serve this `cksum` in the index instead of the real one. */
  readonly indexCksumOverride?: string;
  /** Serve this `checksum` from the API instead of the real one. */
  readonly apiChecksumOverride?: string;
  /** Serve this `crate_size` from the API instead of the real one. */
  readonly crateSizeOverride?: number;
  /** Send only this many bytes of the download, declaring the full length, then reset. */
  readonly truncateAt?: number;
  /** Send this many bytes of the download, then stall until the client gives up. */
  readonly stallAt?: number;
  /** Answer 404 for this version on these hosts. */
  readonly missingFrom?: readonly ("index" | "api" | "dl")[];
  /** The index `rust_version`. */
  readonly rustVersion?: string;
  /** The index `links`. */
  readonly links?: string;
  /** The index `features` (default `{}`). */
  readonly features?: Readonly<Record<string, readonly string[]>>;
  /** The index `deps` (default `[]`). */
  readonly deps?: readonly unknown[];
}

/** Which part of crates.io a request went to. */
export type FakeCratesHost = "index" | "api" | "dl" | "other";

/** A recorded request. */
export interface CratesRequest {
  readonly host: FakeCratesHost;
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly userAgent: string | null;
  readonly accept: string | null;
  /** The `If-None-Match` header (a cache revalidating). */
  readonly ifNoneMatch: string | null;
}

/** Switches for failure shapes. */
export interface FakeCratesIoOptions {
  /** Answer the first N requests to each part (index, API, downloads) with 500. */
  readonly failFirst?: number;
  /** Answer every request with 500. */
  readonly alwaysFail?: boolean;
  /** Wait this long before answering each request. */
  readonly delayMs?: number;
  /** `config.json` gives `dl` as a template with `{crate}` and `{version}` markers. */
  readonly dlTemplate?: boolean;
  /** Lines appended to a crate's index file (by lowercase name), e.g. garbage. */
  readonly extraIndexLines?: Readonly<Record<string, readonly string[]>>;
  /** Answer 403 to requests without a User-Agent, as crates.io does (default true). */
  readonly requireUserAgent?: boolean;
}

/** A running fake crates.io. */
export interface FakeCratesIo {
  /** The server's base URL. */
  readonly baseUrl: string;
  /** The sparse index (`CARGO_ATTEST_CRATES_INDEX_URL`). */
  readonly indexUrl: string;
  /** The API (`CARGO_ATTEST_CRATES_API_URL`), ending in `/api/v1`. */
  readonly apiUrl: string;
  /** The download base (`CARGO_ATTEST_CRATES_DL_URL`). */
  readonly dlUrl: string;
  /** The three environment variables pointing cargo-attest at this fake. */
  readonly env: Readonly<Record<string, string>>;
  readonly requests: CratesRequest[];
  close(): Promise<void>;
}

/** The SHA-256 of bytes, lowercase hex (what the index's `cksum` holds). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}

function errors(detail: string, status: number): Response {
  return json({ errors: [{ detail }] }, status);
}

/** The sparse-index path, written independently of the code under test. */
function fakeIndexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length <= 2) return `${n.length}/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

/** crates.io treats names case-insensitively and `-` like `_`. */
function canonical(name: string): string {
  return name.toLowerCase().replaceAll("-", "_");
}

const CREATED_AT = "2025-06-01T12:00:00.000000Z";

/** Starts the fake on a loopback port. */
export function startFakeCratesIo(
  crates: readonly FakeCrate[],
  options: FakeCratesIoOptions = {},
): FakeCratesIo {
  const requests: CratesRequest[] = [];
  const counts: Record<FakeCratesHost, number> = { index: 0, api: 0, dl: 0, other: 0 };
  const hanging = new Set<() => void>();
  let base = "";

  const versionId = (c: FakeCrate) => crates.indexOf(c) + 1;
  const missing = (c: FakeCrate, host: "index" | "api" | "dl") =>
    c.missingFrom?.includes(host) ?? false;

  const versionJson = (c: FakeCrate) => {
    const publishedBy =
      c.publishedBy === null || (c.publishedBy === undefined && c.trustedPublishing) ? null : {
        id: 7,
        login: c.publishedBy?.login ?? "publisher",
        name: c.publishedBy?.name ?? null,
        avatar: null,
        url: `https://github.com/${c.publishedBy?.login ?? "publisher"}`,
      };
    const path = `/api/v1/crates/${c.name}/${c.version}`;
    return {
      id: versionId(c),
      crate: c.name,
      num: c.version,
      dl_path: `${path}/download`,
      readme_path: `${path}/readme`,
      updated_at: CREATED_AT,
      created_at: CREATED_AT,
      downloads: 0,
      features: c.features ?? {},
      yanked: c.yanked ?? false,
      yank_message: null,
      lib_links: c.links ?? null,
      license: "MIT OR Apache-2.0",
      links: {
        dependencies: `${path}/dependencies`,
        version_downloads: `${path}/downloads`,
        authors: `${path}/authors`,
      },
      crate_size: c.crateSizeOverride ?? c.bytes.length,
      published_by: publishedBy,
      audit_actions: [],
      checksum: c.apiChecksumOverride ?? sha256Hex(c.bytes),
      rust_version: c.rustVersion ?? null,
      has_lib: true,
      bin_names: [],
      edition: "2021",
      description: `the ${c.name} crate`,
      homepage: null,
      documentation: null,
      repository: c.repository ?? null,
      trustpub_data: c.trustedPublishing ?? null,
      linecounts: null,
    };
  };

  const serveIndex = (path: string, ifNoneMatch: string | null): Response => {
    if (path === "config.json") {
      return json({
        dl: options.dlTemplate ? `${base}/dl/{crate}/{version}/download` : `${base}/dl`,
        api: base,
      });
    }
    const lines: string[] = [];
    let lowerName: string | undefined;
    for (const c of crates) {
      if (fakeIndexPath(c.name) !== path || missing(c, "index")) continue;
      lowerName = c.name.toLowerCase();
      lines.push(JSON.stringify({
        name: c.name,
        vers: c.version,
        deps: c.deps ?? [],
        cksum: c.indexCksumOverride ?? sha256Hex(c.bytes),
        features: c.features ?? {},
        yanked: c.yanked ?? false,
        ...(c.links ? { links: c.links } : {}),
        ...(c.rustVersion ? { rust_version: c.rustVersion } : {}),
        v: 2,
      }));
    }
    if (lowerName === undefined) return new Response("Not Found", { status: 404 });
    lines.push(...(options.extraIndexLines?.[lowerName] ?? []));
    // The index answers a revalidation of an unchanged file with 304, as index.crates.io does
    // (its etag names the file's content: a changed file is answered whole).
    const body = lines.join("\n") + "\n";
    const etag = `"fake-${sha256Hex(new TextEncoder().encode(body)).slice(0, 16)}"`;
    if (ifNoneMatch === etag) return new Response(null, { status: 304, headers: { etag } });
    return new Response(body, { headers: { "content-type": "text/plain", etag } });
  };

  const serveApi = (parts: string[]): Response => {
    // parts: after /api/v1/
    if (parts[0] !== "crates" || parts.length < 2) return errors("Not Found", 404);
    const name = parts[1];
    const versions = crates.filter((c) => canonical(c.name) === canonical(name));
    if (versions.length === 0) return errors(`crate \`${name}\` does not exist`, 404);
    if (parts.length === 2) {
      const shown = versions.filter((c) => !missing(c, "api"));
      const newest = shown[shown.length - 1] ?? versions[versions.length - 1];
      return json({
        crate: {
          id: newest.name,
          name: newest.name,
          updated_at: CREATED_AT,
          versions: shown.map(versionId),
          keywords: [],
          categories: [],
          badges: [],
          created_at: CREATED_AT,
          downloads: 0,
          recent_downloads: 0,
          default_version: newest.version,
          num_versions: shown.length,
          yanked: shown.every((c) => c.yanked),
          max_version: newest.version,
          newest_version: newest.version,
          max_stable_version: newest.version,
          description: `the ${newest.name} crate`,
          homepage: null,
          documentation: null,
          repository: newest.repository ?? null,
          links: {
            version_downloads: `/api/v1/crates/${newest.name}/downloads`,
            versions: null,
            owners: `/api/v1/crates/${newest.name}/owners`,
            owner_team: `/api/v1/crates/${newest.name}/owner_team`,
            owner_user: `/api/v1/crates/${newest.name}/owner_user`,
            reverse_dependencies: `/api/v1/crates/${newest.name}/reverse_dependencies`,
          },
          exact_match: false,
        },
        versions: shown.map(versionJson),
        keywords: [],
        categories: [],
      });
    }
    const version = versions.find((c) => c.version === parts[2]);
    if (!version || missing(version, "api")) {
      return errors(`crate \`${versions[0].name}\` does not have a version \`${parts[2]}\``, 404);
    }
    if (parts.length === 3) return json({ version: versionJson(version) });
    if (parts.length === 4 && parts[3] === "download") {
      return new Response(null, {
        status: 302,
        headers: {
          location: `${base}/dl/${version.name}/${version.name}-${version.version}.crate`,
        },
      });
    }
    return errors("Not Found", 404);
  };

  const serveDownload = (parts: string[]): Response => {
    // /dl/{name}/{name}-{version}.crate or /dl/{name}/{version}/download
    let found: FakeCrate | undefined;
    if (parts.length === 2) {
      found = crates.find((c) =>
        c.name === parts[0] && `${c.name}-${c.version}.crate` === parts[1]
      );
    } else if (parts.length === 3 && parts[2] === "download") {
      found = crates.find((c) => c.name === parts[0] && c.version === parts[1]);
    }
    if (!found || missing(found, "dl")) {
      return new Response('<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>', {
        status: 404,
        headers: { "content-type": "application/xml" },
      });
    }
    const c = found;
    const headers = {
      "content-type": "application/gzip",
      "content-length": String(c.bytes.length),
    };
    if (c.truncateAt !== undefined) {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(c.bytes.slice(0, c.truncateAt));
          controller.close(); // fewer bytes than Content-Length: the server drops the connection
        },
      });
      return new Response(body, { headers });
    }
    if (c.stallAt !== undefined) {
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(c.bytes.slice(0, c.stallAt));
          await new Promise<void>((resolve) => hanging.add(resolve));
          try {
            controller.close();
          } catch {
            // the client went away
          }
        },
        cancel() {
          // the client gave up
        },
      });
      return new Response(body, { headers });
    }
    return new Response(c.bytes.slice(), { headers });
  };

  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const segments = url.pathname.split("/").slice(1).map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
    const host: FakeCratesHost = segments[0] === "index"
      ? "index"
      : segments[0] === "api" && segments[1] === "v1"
      ? "api"
      : segments[0] === "dl"
      ? "dl"
      : "other";
    requests.push({
      host,
      method: req.method,
      path: url.pathname + url.search,
      userAgent: req.headers.get("user-agent"),
      accept: req.headers.get("accept"),
      ifNoneMatch: req.headers.get("if-none-match"),
    });
    counts[host]++;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (options.alwaysFail || (options.failFirst && counts[host] <= options.failFirst)) {
      return errors("Internal Server Error", 500);
    }
    if ((options.requireUserAgent ?? true) && !req.headers.get("user-agent")) {
      return new Response(
        "We require that all requests include a `User-Agent` header.",
        { status: 403 },
      );
    }
    if (req.method !== "GET" && req.method !== "HEAD") return errors("Method Not Allowed", 405);
    switch (host) {
      case "index":
        return serveIndex(url.pathname.slice("/index/".length), req.headers.get("if-none-match"));
      case "api":
        return serveApi(segments.slice(2));
      case "dl":
        return serveDownload(segments.slice(1));
      default:
        return errors("Not Found", 404);
    }
  });
  base = `http://127.0.0.1:${server.addr.port}`;
  const indexUrl = `${base}/index`;
  const apiUrl = `${base}/api/v1`;
  const dlUrl = `${base}/dl`;
  return {
    baseUrl: base,
    indexUrl,
    apiUrl,
    dlUrl,
    env: {
      CARGO_ATTEST_CRATES_INDEX_URL: indexUrl,
      CARGO_ATTEST_CRATES_API_URL: apiUrl,
      CARGO_ATTEST_CRATES_DL_URL: dlUrl,
    },
    requests,
    async close() {
      for (const release of hanging) release();
      hanging.clear();
      await server.shutdown();
    },
  };
}
