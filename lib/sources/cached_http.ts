/**
 * {@link CachedHttp}: the {@link HttpClient} the verifying commands use, with the on-disk cache
 * ({@link Cache}) in front of the network and `--offline` behind it.
 *
 * - `getJson`, `getText`, `postJson` (mutable documents) are cached by request (method, `Accept`,
 *   URL, body) for the TTL; after it they are revalidated with `If-None-Match` /
 *   `If-Modified-Since`, and a `304 Not Modified` reuses the cached body. A git tree or blob named
 *   by its SHA never changes: once answered, it is not asked again. "Not found" answers
 *   (404, 410, 451) are cached too, so a warm `--offline` run sees the same absences.
 * - `download` (immutable bytes) first looks for a blob with the expected SHA-256 (the caller's
 *   `sha256`, else the digest this URL gave last time) and, on a verified hit, hands out the
 *   cached bytes instead of downloading; otherwise the body is written to a temporary file while
 *   it streams, then stored under its own digest. A failed or truncated download stores nothing.
 * - Offline, nothing touches the network: a miss is an {@link OfflineMissError}
 *   (`not-in-cache`), which the commands turn into a skipped check.
 * @module
 */
import { ByteCollector, encodeHex } from "../crypto/bytes.ts";
import { digestBytesSync } from "../crypto/digest_bytes.ts";
import { AttestError } from "../errors.ts";
import { MAX_JSON_BYTES } from "../limits.ts";
import { Cache, type DocumentHit } from "./cache.ts";
import {
  type DownloadOptions,
  type DownloadResponse,
  type GetOptions,
  HttpClient,
  type HttpClientOptions,
  type HttpResponseInfo,
  HttpStatusError,
  type JsonResponse,
  NotFoundError,
  parseJsonBody,
  type TextResponse,
} from "./http.ts";

/** Statuses cached as "not found" answers (what the sources read as absence). */
const NOT_FOUND_STATUSES = new Set([404, 410, 451]);

/** `--offline` and the answer is not in the cache. */
export class OfflineMissError extends AttestError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "OfflineMissError";
  /** The URL that would have been asked. */
  readonly url: string;
  /** `url` is not cached and the run is offline. */
  constructor(url: string) {
    super("not-in-cache", `not in cache; run once online to fill it: ${url}`, {
      hint: "run once without --offline (with the same CARGO_ATTEST_CACHE_DIR)",
    });
    this.url = url;
  }
}

/** How a {@link CachedHttp} uses the cache. */
export interface CacheMode {
  /** The cache; undefined with `--no-cache` (or when no cache directory can be found). */
  readonly cache?: Cache;
  /** `--offline`: never touch the network. */
  readonly offline: boolean;
}

/** A download record: which blob a URL gave. */
interface DownloadRecord {
  readonly sha256: string;
  readonly size: number;
}

/**
 * An {@link HttpClient} with the cache in front (see the module doc). Same surface, same errors;
 * offline, every miss is an {@link OfflineMissError}.
 */
export class CachedHttp extends HttpClient {
  readonly #cache?: Cache;
  readonly #offline: boolean;
  /** URLs answered from the cache in this run (asked-for and final). */
  readonly #fromCache = new Set<string>();
  /** URLs answered by the network in this run. */
  readonly #fromNetwork = new Set<string>();
  /** Whether a request failed with nothing the cache keeps (see {@link failedUncached}). */
  #failedUncached = false;
  /** The host the token goes to, and the token's identity in cache keys. */
  readonly #credential?: { readonly host: string; readonly id: string };

  /** A client with `options`, using the cache as `mode` says. */
  constructor(options: HttpClientOptions, mode: CacheMode) {
    super(
      mode.offline
        ? {
          ...options,
          // Belt and braces: offline, nothing below this class may reach the network.
          fetch: (input) => Promise.reject(new OfflineMissError(String(input))),
        }
        : options,
    );
    this.#cache = mode.cache;
    this.#offline = mode.offline;
    if (options.token) {
      this.#credential = {
        host: options.token.host.trim().toLowerCase(),
        id: credentialId(options.token.value),
      };
    }
  }

  /**
   * The credential a request to `url` carries, as cache keys name it: `anonymous`, or
   * `token:` and a digest of the token (never the token itself). Answers may differ by token
   * (private repositories), so what one token was told never answers another.
   */
  credentialFor(url: string | URL): string {
    const credential = this.#credential;
    if (!credential) return "anonymous";
    let host: string;
    try {
      host = new URL(String(url)).host.toLowerCase();
    } catch {
      return "anonymous";
    }
    return host === credential.host ? credential.id : "anonymous";
  }

  /** True when the client never touches the network. */
  get offline(): boolean {
    return this.#offline;
  }

  /**
   * True when this run's answers for `url` came from the cache only (no request confirmed them):
   * what the report's `origin.cached` says.
   */
  servedFromCache(url: string): boolean {
    return this.#fromCache.has(url) && !this.#fromNetwork.has(url);
  }

  /** True when this run asked for `url` (answered by the cache or the network). */
  asked(url: string): boolean {
    return this.#fromCache.has(url) || this.#fromNetwork.has(url);
  }

  /**
   * True when a request of this run failed with nothing the cache keeps (a server error, a
   * refused request, a network failure; not a "not found", which is kept): whatever a caller made
   * of the failure may come out otherwise when it is asked again, so no result of this run may be
   * taken as resting on the cache alone (`lock_memo.ts`).
   */
  get failedUncached(): boolean {
    return this.#failedUncached;
  }

  /** Notes that `url` was answered from the cache (a result recalled from what it answered). */
  noteServedFromCache(url: string): void {
    this.#fromCache.add(url);
  }

  #record(set: Set<string>, ...urls: string[]): void {
    for (const url of urls) set.add(url);
  }

  /** As {@link HttpClient.getJson}, through the cache. */
  override async getJson<T = unknown>(
    url: string | URL,
    options: GetOptions = {},
  ): Promise<JsonResponse<T>> {
    const accept = options.accept ?? "application/json";
    const { info, body } = await this.#document("GET", accept, url, undefined, async (headers) => {
      const r = await super.getText(url, {
        ...options,
        accept,
        maxBytes: options.maxBytes ?? MAX_JSON_BYTES,
        headers: { ...options.headers, ...headers },
      });
      return { info: infoOf(r), body: r.text };
    });
    return { ...info, data: parseJsonBody<T>(body, info.url) };
  }

  /** As {@link HttpClient.getText}, through the cache. */
  override async getText(
    url: string | URL,
    options: GetOptions & { maxBytes: number },
  ): Promise<TextResponse> {
    const accept = options.accept ?? "text/plain, */*";
    const { info, body } = await this.#document("GET", accept, url, undefined, async (headers) => {
      const r = await super.getText(url, {
        ...options,
        accept,
        headers: { ...options.headers, ...headers },
      });
      return { info: infoOf(r), body: r.text };
    });
    return { ...info, text: typeof body === "string" ? body : new TextDecoder().decode(body) };
  }

  /** As {@link HttpClient.postJson} (a read-only query), through the cache. */
  override async postJson<T = unknown>(
    url: string | URL,
    body: unknown,
    options: GetOptions = {},
  ): Promise<JsonResponse<T>> {
    const accept = options.accept ?? "application/json";
    const requestBody = JSON.stringify(body);
    const answer = await this.#document("POST", accept, url, requestBody, async () => {
      const r = await super.postJson(url, body, { ...options, accept });
      return { info: infoOf(r), body: JSON.stringify(r.data) };
    });
    return { ...answer.info, data: parseJsonBody<T>(answer.body, answer.info.url) };
  }

  /**
   * As {@link HttpClient.postJson}, past the cache both ways (never answered from it, never
   * stored): for queries whose answers the caller keeps itself (GitHub's GraphQL batches, whose
   * bodies differ from run to run). Offline it fails as a miss.
   */
  async postJsonFresh<T = unknown>(
    url: string | URL,
    body: unknown,
    options: GetOptions = {},
  ): Promise<JsonResponse<T>> {
    if (this.#offline) throw new OfflineMissError(String(url));
    let answer: JsonResponse<T>;
    try {
      answer = await super.postJson<T>(url, body, options);
    } catch (error) {
      this.#failedUncached = true;
      throw error;
    }
    this.#record(this.#fromNetwork, String(url), answer.url);
    return answer;
  }

  /** As {@link HttpClient.download}, from the blob store when a verified copy is there. */
  override async download(url: string | URL, options: DownloadOptions): Promise<DownloadResponse> {
    const href = String(url);
    const cache = this.#cache;
    if (!cache) {
      if (this.#offline) throw new OfflineMissError(href);
      return await super.download(url, options);
    }
    const key = Cache.requestKey(
      "DOWNLOAD",
      options.accept ?? "application/octet-stream",
      href,
      this.credentialFor(href),
    );
    const hit = await cache.getDocument(key);
    const record = hit?.doc.status === 200 ? parseRecord(hit) : undefined;
    const usable = record && (hit!.fresh || this.#offline) ? record.sha256 : undefined;
    const candidates = [options.sha256?.toLowerCase(), usable]
      .filter((s, i, all): s is string => s !== undefined && all.indexOf(s) === i);
    for (const sha256 of candidates) {
      const kept = options.keepBody ? new ByteCollector(options.expectedSize ?? 0) : undefined;
      const size = await cache.streamBlob(sha256, {
        maxBytes: options.maxBytes,
        expectedSize: options.expectedSize,
        onChunk: async (chunk) => {
          kept?.push(chunk);
          await options.onChunk?.(chunk);
        },
      });
      if (size === undefined) continue;
      await cache.touchBlob(sha256);
      const finalUrl = record?.sha256 === sha256 ? hit!.doc.finalUrl : href;
      this.#record(this.#fromCache, href, finalUrl);
      return {
        url: finalUrl,
        status: 200,
        headers: new Headers(),
        size,
        ...(kept ? { body: kept.bytes() } : {}),
      };
    }
    if (this.#offline) throw new OfflineMissError(href);
    const writer = await cache.openBlobWriter(options.expectedSize);
    let response: DownloadResponse;
    try {
      response = await super.download(url, {
        ...options,
        onChunk: async (chunk) => {
          await writer?.write(chunk);
          await options.onChunk?.(chunk);
        },
      });
    } catch (error) {
      this.#failedUncached = true;
      await writer?.abort();
      throw error;
    }
    this.#record(this.#fromNetwork, href, response.url);
    const digest = await writer?.commit();
    // The record is what finds the blob again when the next caller cannot name its digest; a
    // caller that named it (and got it) will name it again.
    if (digest !== undefined && digest !== options.sha256?.toLowerCase()) {
      await cache.putDocument(key, {
        url: href,
        finalUrl: response.url,
        status: response.status,
        body: JSON.stringify({ sha256: digest, size: response.size }),
      });
    }
    return response;
  }

  /** A document from the cache (fresh, or revalidated), else from the network (then stored). */
  async #document(
    method: string,
    accept: string,
    url: string | URL,
    requestBody: string | undefined,
    fetchFresh: (
      conditional: Record<string, string>,
    ) => Promise<{ info: HttpResponseInfo; body: Payload }>,
  ): Promise<{ info: HttpResponseInfo; body: Payload }> {
    const href = String(url);
    const cache = this.#cache;
    const key = Cache.requestKey(method, accept, href, this.credentialFor(href), requestBody);
    const hit = cache ? await cache.getDocument(key) : undefined;
    // A git object named by its SHA never changes: its listing, once answered, needs no asking
    // again (asked only of a stale answer: a fresh one is used anyway).
    const settled = () => isOk(hit!.doc.status) && method === "GET" && isImmutableGitObject(href);
    if (hit && (hit.fresh || this.#offline || settled())) {
      this.#record(this.#fromCache, href, hit.doc.finalUrl);
      return answerFrom(hit);
    }
    if (this.#offline) throw new OfflineMissError(href);
    const conditional: Record<string, string> = {};
    if (hit && isOk(hit.doc.status) && method === "GET") {
      if (hit.doc.etag) conditional["if-none-match"] = hit.doc.etag;
      if (hit.doc.lastModified) conditional["if-modified-since"] = hit.doc.lastModified;
    }
    let fetched: { info: HttpResponseInfo; body: Payload };
    try {
      fetched = await fetchFresh(conditional);
    } catch (error) {
      if (error instanceof HttpStatusError && cache) {
        if (error.status === 304 && hit && Object.keys(conditional).length > 0) {
          // Confirmed by the server just now: not an answer from the cache alone.
          this.#record(this.#fromNetwork, href, hit.doc.finalUrl);
          await cache.touchDocument(key, hit);
          return answerFrom(hit);
        }
        if (NOT_FOUND_STATUSES.has(error.status)) {
          await cache.putDocument(key, {
            url: href,
            finalUrl: href,
            status: error.status,
            body: error.excerpt,
          });
          throw error;
        }
      }
      this.#failedUncached = true;
      throw error;
    }
    this.#record(this.#fromNetwork, href, fetched.info.url);
    if (cache) {
      const headers = fetched.info.headers;
      await cache.putDocument(key, {
        url: href,
        finalUrl: fetched.info.url,
        status: fetched.info.status,
        body: fetched.body,
        etag: headers.get("etag") ?? undefined,
        lastModified: headers.get("last-modified") ?? undefined,
        linkNext: fetched.info.linkNext,
      });
    }
    return fetched;
  }
}

/** A token's identity in cache keys: a digest (truncated; it names, it does not protect). */
function credentialId(token: string): string {
  const digest = digestBytesSync(new TextEncoder().encode(`cargo-attest credential\0${token}`));
  return `token:${encodeHex(digest).slice(0, 24)}`;
}

/**
 * A GitHub API URL of a git object named by its full SHA (`/repos/O/R/git/trees/SHA`,
 * `/repos/O/R/git/blobs/SHA`): what it answers is the object, the same for as long as it exists.
 */
export function isImmutableGitObject(url: string): boolean {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return false;
  }
  return /\/repos\/[^/]+\/[^/]+\/git\/(?:trees|blobs)\/[0-9a-f]{40}(?:[0-9a-f]{24})?$/i.test(path);
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

function infoOf(r: HttpResponseInfo): HttpResponseInfo {
  return {
    url: r.url,
    status: r.status,
    headers: r.headers,
    ...(r.linkNext === undefined ? {} : { linkNext: r.linkNext }),
  };
}

/** The cached answer, or the cached "not found" as the error the network would have given. */
function answerFrom(hit: DocumentHit): { info: HttpResponseInfo; body: Payload } {
  const { doc } = hit;
  const body = hit.text ?? hit.body;
  if (!isOk(doc.status)) {
    const excerpt = typeof body === "string" ? body : new TextDecoder().decode(body);
    if (doc.status === 404) throw new NotFoundError(doc.url, excerpt);
    throw new HttpStatusError(
      doc.url,
      doc.status,
      `HTTP ${doc.status} (cached)${excerpt ? `: ${excerpt}` : ""}`,
      { excerpt },
    );
  }
  const headers = new Headers();
  if (doc.etag) headers.set("etag", doc.etag);
  if (doc.lastModified) headers.set("last-modified", doc.lastModified);
  headers.set("x-cargo-attest-cache", "hit");
  return {
    info: {
      url: doc.finalUrl,
      status: doc.status,
      headers,
      ...(doc.linkNext === undefined ? {} : { linkNext: doc.linkNext }),
    },
    body,
  };
}

/** A body as stored: text (most answers), or bytes. */
type Payload = string | Uint8Array;

function parseRecord(hit: DocumentHit): DownloadRecord | undefined {
  try {
    const value = JSON.parse(hit.text ?? new TextDecoder().decode(hit.body)) as Record<
      string,
      unknown
    >;
    return typeof value.sha256 === "string" && /^[0-9a-f]{64}$/.test(value.sha256) &&
        typeof value.size === "number"
      ? { sha256: value.sha256, size: value.size }
      : undefined;
  } catch {
    return undefined;
  }
}
