/**
 * The network edge: a small HTTP client over `fetch` for idempotent GETs, with per-request
 * timeouts, size caps, retries with exponential backoff on 5xx and network errors, redirects
 * followed by hand (each hop checked), and a token that only ever goes to the one host it is for.
 *
 * Every error is a {@link NetworkError} whose message starts with the URL at fault.
 * @module
 */
import { NetworkError } from "../errors.ts";
import { MAX_HTTP_ERROR_EXCERPT_BYTES, MAX_JSON_BYTES, MAX_REDIRECTS } from "../limits.ts";
import { isLoopbackHost } from "./endpoints.ts";
import { type BodySink, ChunkSink, readerFor, TeeSink, WholeBodySink } from "./body_sink.ts";

/** What {@link HttpClientOptions.onRetry} is told before the client waits and tries again. */
export interface RetryInfo {
  /** The URL of the attempt that failed. */
  readonly url: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  /** Attempts allowed in all (`retries + 1`). */
  readonly attempts: number;
  /** How long the client waits before the next attempt. */
  readonly delayMs: number;
  /** Why the attempt failed (a server error, a network error, a timeout). */
  readonly reason: string;
  /** The HTTP status, when the server answered. */
  readonly status?: number;
}

/** How an {@link HttpClient} behaves. */
export interface HttpClientOptions {
  /**
   * A bearer token and the only host (`host[:port]`, as `URL.host` spells it, e.g.
   * `api.github.com` or `127.0.0.1:8080`) it may be sent to. Never sent anywhere else, including
   * after a redirect to another host.
   */
  token?: { value: string; host: string };
  /**
   * Per-request timeout in milliseconds. For `getJson`/`getText` it covers the whole exchange
   * (headers and body); for `download` it covers the wait for the headers and then each wait for
   * the next chunk of the body (a stalled download fails, a long but flowing one does not).
   */
  timeoutMs: number;
  /** How many times a GET is retried after a 5xx answer or a network error (0: no retries). */
  retries: number;
  /** The `User-Agent` header (GitHub requires one). */
  userAgent: string;
  /** The `fetch` to use (injectable for tests); defaults to the global one. */
  fetch?: typeof fetch;
  /** Waits between retries (injectable so tests are instant); defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry, e.g. to print progress on stderr. */
  onRetry?: (info: RetryInfo) => void;
  /** First backoff delay in milliseconds, doubled on each retry up to {@link MAX_RETRY_DELAY_MS}; default 500. */
  retryDelayMs?: number;
  /**
   * When the run's network time is up (epoch milliseconds, `--timeout`): no attempt waits past it,
   * no retry starts after it, and a request made after it fails at once.
   */
  deadline?: number;
  /** The clock the deadline is read with (injectable for tests); defaults to `Date.now`. */
  now?: () => number;
  /**
   * Told of every attempt before it is made, and of every answer's status and headers; may refuse
   * an attempt by throwing (GitHub's request budget: `--max-github-requests`, its rate limit).
   */
  gate?: RequestGate;
  /**
   * The longest `retry-after` a secondary rate limit (403/429 with `retry-after`) is waited out
   * before retrying; a longer one is an error naming it. Default {@link MAX_RETRY_AFTER_MS}.
   */
  maxRetryAfterMs?: number;
}

/** What watches (and may refuse) each request of an {@link HttpClient}. */
export interface RequestGate {
  /** Before each attempt at `url` (retries included): throws (or rejects) to refuse it. */
  before(url: URL): void | Promise<void>;
  /** Every answer's status and headers (errors included). */
  observe(url: URL, status: number, headers: Headers): void;
  /**
   * After an answer that says a primary rate limit is used up: the error to report instead of
   * the plain {@link RateLimitError} (undefined: that one).
   */
  refusal(url: URL): Error | undefined;
}

/** The longest `retry-after` waited out by default (GitHub asks for a minute at most). */
export const MAX_RETRY_AFTER_MS = 60_000;

/** What a secondary rate limit without `retry-after` is waited out for (GitHub's guidance). */
export const SECONDARY_LIMIT_WAIT_MS = 60_000;

/** GitHub's words for a secondary rate limit, in an answer's message. */
const SECONDARY_LIMIT = /secondary rate limit/i;

/** What to try when a host cannot be reached: said with every connection failure. */
export const NETWORK_HINT =
  "check the network (and HTTPS_PROXY), run with --offline to use the cache alone, or point " +
  "CARGO_ATTEST_GITHUB_API_URL / CARGO_ATTEST_CRATES_*_URL at a mirror you can reach";

/**
 * Why a connection failed, in words, and whether another attempt can help: a name that does not
 * resolve, a refused connection or a TLS failure will fail the same way again; a reset might not.
 */
export function describeConnectFailure(
  url: URL,
  cause: unknown,
): { reason: string; retry: boolean } {
  const text = causeChain(cause).toLowerCase();
  const host = url.host;
  if (
    /dns|lookup address|name or service not known|nodename nor servname|no such host|getaddrinfo/
      .test(text)
  ) {
    return { reason: `the host name ${url.hostname} does not resolve (DNS)`, retry: false };
  }
  if (/are blocked|requires net access|permission/.test(text)) {
    return {
      reason: `the sandbox does not allow connecting to ${host} (Deno --allow-net)`,
      retry: false,
    };
  }
  if (/connection refused|os error 111|econnrefused/.test(text)) {
    return { reason: `${host} refused the connection`, retry: false };
  }
  if (/certificate|tls|ssl|handshake/.test(text)) {
    return { reason: `the TLS connection to ${host} failed (${firstLine(text)})`, retry: false };
  }
  if (/network is unreachable|no route to host|os error 101|os error 113/.test(text)) {
    return { reason: `${host} is unreachable (no route: is there a network?)`, retry: false };
  }
  return {
    reason: `the connection to ${host} failed (${firstLine(causeChain(cause))})`,
    retry: true,
  };
}

function causeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return parts.join(": ");
}

function firstLine(text: string): string {
  return text.split("\n")[0].slice(0, 200);
}

/** The longest wait between two attempts. */
export const MAX_RETRY_DELAY_MS = 8_000;

/** Options of {@link HttpClient.getJson} and {@link HttpClient.getText}. */
export interface GetOptions {
  /** The `Accept` header (`application/vnd.github+json` for GitHub). */
  accept?: string;
  /** The most body bytes read (after content decoding); more is an error. */
  maxBytes?: number;
  /** Extra request headers; `Authorization`, `Cookie` and `Host` are ignored (see `token`). */
  headers?: Record<string, string>;
}

/** Options of {@link HttpClient.download}. */
export interface DownloadOptions {
  /** The most body bytes accepted; the transfer is aborted as soon as the body exceeds it. */
  maxBytes: number;
  /**
   * The size a source declares for the body (a release asset's `size`, the API's `crate_size`),
   * when known: the buffer is sized by it, and the caller compares {@link DownloadResponse.size}
   * with it. A body that arrives complete (as long as its `Content-Length`, or a chunked body
   * that ended properly) is returned whatever its size: it is the server's whole answer, and one
   * that is not the declared artifact is the caller's MISMATCH, not a failed transfer. Over
   * `maxBytes` (declared or read), or cut short of its `Content-Length`, is still an error.
   */
  expectedSize?: number;
  /**
   * Receives the body chunk by chunk, in order (the caller hashes it); awaited when it returns a
   * promise. A chunk is valid only until then (its memory is reused): a caller that keeps bytes
   * copies them, or asks for {@link keepBody}.
   */
  onChunk?: (chunk: Uint8Array) => void | Promise<void>;
  /**
   * Keep the whole body in memory and return it as {@link DownloadResponse.body} (read straight
   * into one buffer of the declared size: no chunk is copied).
   */
  keepBody?: boolean;
  /** The `Accept` header (`application/octet-stream` for GitHub release assets). */
  accept?: string;
  /** Extra request headers; `Authorization`, `Cookie` and `Host` are ignored (see `token`). */
  headers?: Record<string, string>;
  /**
   * The SHA-256 (lowercase hex) the body should have, when known before downloading (the index
   * `cksum`, the API `digest`). {@link HttpClient} ignores it; a caching client may hand out its
   * own copy of bytes that hash to it instead of downloading them again.
   */
  sha256?: string;
}

/** What every successful request reports besides its body. */
export interface HttpResponseInfo {
  /** The final URL, after redirects. */
  readonly url: string;
  /** The HTTP status of the final response (2xx). */
  readonly status: number;
  /** The headers of the final response. */
  readonly headers: Headers;
  /** The `rel="next"` target of the `Link` header (RFC 8288), resolved against `url`; callers cap pages. */
  readonly linkNext?: string;
}

/** A parsed JSON response. The value is untrusted: callers check its shape. */
export interface JsonResponse<T = unknown> extends HttpResponseInfo {
  /** The parsed document. */
  readonly data: T;
}

/** A text response (UTF-8). */
export interface TextResponse extends HttpResponseInfo {
  /** The body, decoded as UTF-8. */
  readonly text: string;
}

/** A finished download. */
export interface DownloadResponse extends HttpResponseInfo {
  /** Bytes in the body. */
  readonly size: number;
  /** The whole body, when {@link DownloadOptions.keepBody} asked for it. */
  readonly body?: Uint8Array;
}

/** The server answered with an error status (after retries, for 5xx). */
export class HttpStatusError extends NetworkError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "HttpStatusError";
  /** The HTTP status. */
  readonly status: number;
  /** A short, sanitised excerpt of the response body ("" when there was none). */
  readonly excerpt: string;
  /** An error status `status` from `url`; `message` follows the URL. */
  constructor(
    url: string,
    status: number,
    message: string,
    options?: { excerpt?: string; cause?: unknown; hint?: string },
  ) {
    super(url, message, options);
    this.status = status;
    this.excerpt = options?.excerpt ?? "";
  }
}

/** HTTP 404: callers turn it into "no such repository / tag / crate / entry". */
export class NotFoundError extends HttpStatusError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "NotFoundError";
  /** A 404 from `url`, with the sanitised body excerpt. */
  constructor(url: string, excerpt: string) {
    super(url, 404, `not found (HTTP 404)${excerpt ? `: ${excerpt}` : ""}`, { excerpt });
  }
}

/** HTTP 403/429 with `x-ratelimit-remaining: 0` or `retry-after`: a rate limit was hit. */
export class RateLimitError extends HttpStatusError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "RateLimitError";
  /** When the limit resets (`x-ratelimit-reset`, or now + `retry-after`), when the server said. */
  readonly resetAt?: Date;
  /** The `retry-after` delay in seconds, when given as seconds. */
  readonly retryAfterSeconds?: number;
  /** The message without the URL in front. */
  readonly reason: string;
  /** A rate-limit answer from `url`; `hint` says whether a token would help. */
  constructor(
    url: string,
    status: number,
    message: string,
    options: { excerpt: string; hint: string; resetAt?: Date; retryAfterSeconds?: number },
  ) {
    super(url, status, message, options);
    this.reason = message;
    this.resetAt = options.resetAt;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const FORBIDDEN_EXTRA_HEADERS = new Set(["authorization", "cookie", "host", "proxy-authorization"]);
const EXCERPT_CHARS = 200;

/** A failure worth another attempt; turned into its NetworkError when attempts run out. */
class RetryableFailure extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
    readonly options: {
      status?: number;
      excerpt?: string;
      cause?: unknown;
      hint?: string;
      /** A server that did not answer in time: one more attempt at most (it costs a timeout). */
      timedOut?: boolean;
      /** A secondary rate limit: wait this long (its `retry-after`), then try again. */
      retryAfterMs?: number;
      /** The error to report when no retry is made (the rate limit's own). */
      error?: RateLimitError;
    } = {},
  ) {
    super(reason);
  }

  final(attempts: number, why?: string): NetworkError {
    const suffix = why !== undefined
      ? ` (${why})`
      : attempts > 1
      ? ` (gave up after ${attempts} attempts)`
      : "";
    const limited = this.options.error;
    if (limited) {
      return new RateLimitError(limited.url, limited.status, `${limited.reason}${suffix}`, {
        excerpt: limited.excerpt,
        hint: limited.hint ?? "",
        resetAt: limited.resetAt,
        retryAfterSeconds: limited.retryAfterSeconds,
      });
    }
    const { status, excerpt, cause, hint } = this.options;
    return status === undefined
      ? new NetworkError(this.url, `${this.reason}${suffix}`, { cause, ...(hint ? { hint } : {}) })
      : new HttpStatusError(this.url, status, `${this.reason}${suffix}`, { excerpt, cause });
  }
}

/** A timeout for one attempt, as an AbortSignal; restartable for stall detection. */
class Deadline {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  expired = false;

  constructor(ms: number) {
    this.#ms = ms;
    this.restart();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  restart(): void {
    if (this.expired) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.expired = true;
      this.#controller.abort(new DOMException(`timed out after ${this.#ms} ms`, "TimeoutError"));
    }, this.#ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

type Outcome<T> = { kind: "done"; value: T } | {
  kind: "redirect";
  status: number;
  location: string;
};

interface Exchange {
  accept: string;
  headers?: Record<string, string>;
  /** Ask for the bytes as stored (`Accept-Encoding: identity`): downloads are hashed. */
  identity: boolean;
  /** The timeout restarts on each body chunk (downloads) instead of covering the whole exchange. */
  stall: boolean;
  /** A JSON request body: the request is then a POST (only for idempotent queries). */
  jsonBody?: string;
}

type Consume<T> = (response: Response, url: URL, deadline: Deadline) => Promise<T>;

/** Parses a response body (bytes or text) as JSON; one that is not JSON is a NetworkError naming the URL. */
export function parseJsonBody<T>(body: Uint8Array | string, url: string): T {
  try {
    return JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body)) as T;
  } catch (cause) {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    throw new NetworkError(
      url,
      `the response is not JSON (${errorMessage(cause)}): ${excerptOf(bytes) || "(empty body)"}`,
      { cause },
    );
  }
}

/**
 * An HTTP client for idempotent GETs. One instance per run; it holds no connection state.
 *
 * @example
 * ```ts
 * const http = new HttpClient({ timeoutMs: 30_000, retries: 2, userAgent: "cargo-attest/0.1.0" });
 * const { data, linkNext } = await http.getJson(url, { accept: "application/vnd.github+json" });
 * ```
 */
export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #tokenHost?: string;

  /** A client with these options; throws RangeError for a non-positive timeout or bad retries. */
  constructor(options: HttpClientOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError("timeoutMs must be a positive number");
    if (!Number.isInteger(options.retries) || options.retries < 0) {
      throw new RangeError("retries must be a non-negative integer");
    }
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#tokenHost = options.token?.host.trim().toLowerCase();
  }

  /**
   * GETs a JSON document (at most `maxBytes`, default {@link MAX_JSON_BYTES}) and parses it.
   *
   * @throws {NotFoundError} on 404
   * @throws {RateLimitError} when a rate limit was hit
   * @throws {NetworkError} on any other failure, naming the URL
   */
  async getJson<T = unknown>(
    url: string | URL,
    options: GetOptions = {},
  ): Promise<JsonResponse<T>> {
    const { bytes, info } = await this.#getBytes(url, options, "application/json");
    return { ...info, data: parseJsonBody<T>(bytes, info.url) };
  }

  /**
   * GETs a text document of at most `maxBytes` bytes, decoded as UTF-8.
   *
   * @throws {NotFoundError} on 404
   * @throws {RateLimitError} when a rate limit was hit
   * @throws {NetworkError} on any other failure, naming the URL
   */
  async getText(
    url: string | URL,
    options: GetOptions & { maxBytes: number },
  ): Promise<TextResponse> {
    const { bytes, info } = await this.#getBytes(url, options, "text/plain, */*");
    return { ...info, text: new TextDecoder().decode(bytes) };
  }

  /**
   * Streams a body through `onChunk` without buffering it (unless `keepBody` asks). Fails
   * (aborting the transfer) when the `Content-Length` or `expectedSize` claims more than
   * `maxBytes` (before reading anything), when the body grows past `maxBytes`, and when it ends
   * before its `Content-Length` (or the connection fails). A complete body of another size than
   * `expectedSize` is returned: the caller compares `size` (see {@link DownloadOptions}).
   * Retries happen only before the first byte of the body; a body that fails midway is an error,
   * since the caller has already consumed part of it.
   *
   * @throws {NotFoundError} on 404
   * @throws {RateLimitError} when a rate limit was hit
   * @throws {NetworkError} on any other failure, naming the URL
   */
  async download(url: string | URL, options: DownloadOptions): Promise<DownloadResponse> {
    const { maxBytes, expectedSize } = options;
    if (expectedSize !== undefined && expectedSize > maxBytes) {
      throw new NetworkError(
        String(url),
        `the expected size of ${expectedSize} bytes is over the ${maxBytes}-byte limit; not downloaded`,
      );
    }
    return await this.#exchange(url, {
      accept: options.accept ?? "application/octet-stream",
      headers: options.headers,
      identity: true,
      stall: true,
    }, async (response, finalUrl, deadline) => {
      let whole: WholeBodySink | undefined;
      const size = await streamBody(response, finalUrl, deadline, this.#options.timeoutMs, {
        maxBytes,
        sizeHint: expectedSize,
        makeSink: (length) => {
          if (!options.keepBody) return new ChunkSink(options.onChunk ?? (() => {}), length);
          whole = new WholeBodySink(length);
          return options.onChunk ? new TeeSink(whole, options.onChunk) : whole;
        },
        retryable: false,
        stall: true,
      });
      const body = options.keepBody ? whole?.bytes() ?? new Uint8Array(0) : undefined;
      return { ...describe(response, finalUrl), size, ...(body ? { body } : {}) };
    });
  }

  /**
   * POSTs a JSON query and parses the JSON answer, for read-only query endpoints (Rekor's index
   * search); retried like a GET, since the query changes nothing.
   *
   * @throws {NotFoundError} on 404
   * @throws {NetworkError} on any other failure, naming the URL
   */
  async postJson<T = unknown>(
    url: string | URL,
    body: unknown,
    options: GetOptions = {},
  ): Promise<JsonResponse<T>> {
    const { bytes, info } = await this.#getBytes(
      url,
      options,
      "application/json",
      JSON.stringify(body),
    );
    return { ...info, data: parseJsonBody<T>(bytes, info.url) };
  }

  async #getBytes(
    url: string | URL,
    options: GetOptions,
    defaultAccept: string,
    jsonBody?: string,
  ): Promise<{ bytes: Uint8Array; info: HttpResponseInfo }> {
    const maxBytes = options.maxBytes ?? MAX_JSON_BYTES;
    return await this.#exchange(url, {
      accept: options.accept ?? defaultAccept,
      headers: options.headers,
      identity: false,
      stall: false,
      jsonBody,
    }, async (response, finalUrl, deadline) => {
      let sink: WholeBodySink | undefined;
      await streamBody(response, finalUrl, deadline, this.#options.timeoutMs, {
        maxBytes,
        makeSink: (length) => (sink = new WholeBodySink(length)),
        retryable: true,
        stall: false,
      });
      return { bytes: sink?.bytes() ?? new Uint8Array(0), info: describe(response, finalUrl) };
    });
  }

  /** Follows redirects by hand, checking every hop; each hop gets its own retries. */
  async #exchange<T>(input: string | URL, exchange: Exchange, consume: Consume<T>): Promise<T> {
    let url: URL;
    try {
      url = new URL(input);
    } catch (cause) {
      throw new NetworkError(String(input), "not an absolute URL", { cause });
    }
    checkTarget(url);
    const start = url;
    for (let redirects = 0;; redirects++) {
      const outcome = await this.#withRetries(url, exchange, consume);
      if (outcome.kind === "done") return outcome.value;
      let next: URL;
      try {
        next = new URL(outcome.location, url);
      } catch (cause) {
        throw new NetworkError(
          url.href,
          `HTTP ${outcome.status} redirect to an unusable Location '${sanitize(outcome.location)}'`,
          { cause },
        );
      }
      if (redirects >= MAX_REDIRECTS) {
        throw new NetworkError(
          start.href,
          `more than ${MAX_REDIRECTS} redirects (the last from ${url.href} to ${next.href}); ` +
            "a redirect loop?",
        );
      }
      checkTarget(next, url);
      url = next;
    }
  }

  async #withRetries<T>(url: URL, exchange: Exchange, consume: Consume<T>): Promise<Outcome<T>> {
    const attempts = this.#options.retries + 1;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#attempt(url, exchange, consume);
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw error;
        const waitMs = error.options.retryAfterMs;
        if (waitMs !== undefined) {
          // A secondary rate limit: wait what the server asks, within bounds, then try again.
          const bound = this.#options.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS;
          if (waitMs > bound) {
            throw error.final(
              attempt,
              `retry-after ${waitMs / 1000} s is more than the ${bound / 1000} s ` +
                "cargo-attest waits",
            );
          }
          if (waitMs >= this.#remaining()) {
            throw error.final(
              attempt,
              `retry-after ${waitMs / 1000} s is past the run's --timeout`,
            );
          }
          if (attempt >= attempts) throw error.final(attempts);
          this.#options.onRetry?.({
            url: url.href,
            attempt,
            attempts,
            delayMs: waitMs,
            reason: error.reason,
            status: error.options.status,
          });
          await this.#sleep(waitMs);
          continue;
        }
        if (attempt >= attempts) throw error.final(attempts);
        // A server that accepted and did not answer is asked once more, not `retries` times.
        if (error.options.timedOut && attempt >= 2) throw error.final(attempt);
        const delayMs = Math.min(
          (this.#options.retryDelayMs ?? 500) * 2 ** (attempt - 1),
          MAX_RETRY_DELAY_MS,
        );
        // No retry that would start after the run's deadline.
        if (delayMs >= this.#remaining()) throw error.final(attempt);
        this.#options.onRetry?.({
          url: url.href,
          attempt,
          attempts,
          delayMs,
          reason: error.reason,
          status: error.options.status,
        });
        await this.#sleep(delayMs);
      }
    }
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Milliseconds left before the run's deadline (Infinity without one). */
  #remaining(): number {
    const { deadline } = this.#options;
    return deadline === undefined ? Infinity : deadline - (this.#options.now ?? Date.now)();
  }

  #outOfTime(url: URL): NetworkError {
    return new NetworkError(url.href, "the run's network time (--timeout) is spent", {
      hint: "give the run more time with --timeout SECONDS, or use --offline with a warm cache",
    });
  }

  async #attempt<T>(url: URL, exchange: Exchange, consume: Consume<T>): Promise<Outcome<T>> {
    const remaining = this.#remaining();
    if (remaining <= 0) throw this.#outOfTime(url);
    const timeoutMs = Math.max(1, Math.min(this.#options.timeoutMs, remaining));
    await this.#options.gate?.before(url);
    const deadline = new Deadline(timeoutMs);
    const authorized = this.#tokenHost !== undefined && url.host === this.#tokenHost;
    try {
      let response: Response;
      try {
        response = await this.#fetch(url.href, {
          method: exchange.jsonBody === undefined ? "GET" : "POST",
          body: exchange.jsonBody,
          headers: this.#headers(exchange, authorized),
          redirect: "manual",
          signal: deadline.signal,
        });
      } catch (cause) {
        if (deadline.expired) {
          throw new RetryableFailure(
            url.href,
            `${url.host} sent no response within ${timeoutMs / 1000} s`,
            { cause, hint: NETWORK_HINT, timedOut: true },
          );
        }
        if (cause instanceof TypeError) {
          const failure = describeConnectFailure(url, cause);
          if (!failure.retry) {
            throw new NetworkError(url.href, failure.reason, { cause, hint: NETWORK_HINT });
          }
          throw new RetryableFailure(url.href, failure.reason, { cause, hint: NETWORK_HINT });
        }
        throw new NetworkError(url.href, `request failed: ${errorMessage(cause)}`, { cause });
      }
      const status = response.status;
      this.#options.gate?.observe(url, status, response.headers);
      if (REDIRECT_STATUSES.has(status)) {
        const location = response.headers.get("location");
        await discard(response);
        if (location === null) {
          throw new NetworkError(url.href, `HTTP ${status} redirect without a Location header`);
        }
        return { kind: "redirect", status, location };
      }
      if (status >= 200 && status < 300) {
        if (exchange.stall) deadline.restart();
        return { kind: "done", value: await consume(response, url, deadline) };
      }
      const excerpt = await readExcerpt(response);
      if (status >= 500) {
        throw new RetryableFailure(
          url.href,
          `HTTP ${status}${statusText(response)}${excerpt ? `: ${excerpt}` : ""}`,
          { status, excerpt },
        );
      }
      const failure = statusError(url.href, response, excerpt, authorized);
      if (failure instanceof RateLimitError) {
        if (response.headers.get("x-ratelimit-remaining")?.trim() === "0") {
          // A primary limit: used up until it resets; nothing is retried.
          throw this.#options.gate?.refusal(url) ?? failure;
        }
        // GitHub asks a secondary limit without `retry-after` to wait a minute at least.
        const waitMs = retryAfterMs(response.headers.get("retry-after"), this.#now()) ??
          (SECONDARY_LIMIT.test(excerpt) ? SECONDARY_LIMIT_WAIT_MS : undefined);
        if (waitMs !== undefined) {
          throw new RetryableFailure(url.href, failure.reason, {
            status,
            excerpt,
            retryAfterMs: waitMs,
            error: failure,
          });
        }
      }
      throw failure;
    } finally {
      deadline.clear();
    }
  }

  #headers(exchange: Exchange, authorized: boolean): Headers {
    const headers = new Headers();
    for (const [name, value] of Object.entries(exchange.headers ?? {})) {
      if (!FORBIDDEN_EXTRA_HEADERS.has(name.toLowerCase())) headers.set(name, value);
    }
    headers.set("user-agent", this.#options.userAgent);
    headers.set("accept", exchange.accept);
    if (exchange.identity) headers.set("accept-encoding", "identity");
    if (exchange.jsonBody !== undefined) headers.set("content-type", "application/json");
    if (authorized && this.#options.token) {
      headers.set("authorization", `Bearer ${this.#options.token.value}`);
    }
    return headers;
  }
}

/**
 * Refuses a URL before anything connects to it: only `https:`, or `http:` to a loopback host; no
 * credentials in the URL; never from `https:` down to `http:`.
 */
function checkTarget(url: URL, from?: URL): void {
  const why = refusal(url, from);
  if (why === undefined) return;
  throw from === undefined
    ? new NetworkError(url.href, `refused: ${why}`)
    : new NetworkError(from.href, `refused to follow the redirect to ${url.href}: ${why}`);
}

function refusal(url: URL, from?: URL): string | undefined {
  if (url.protocol !== "https:" && url.protocol !== "http:") return `${url.protocol} is not https:`;
  if (url.username !== "" || url.password !== "") return "the URL carries credentials";
  if (url.protocol === "http:") {
    if (from?.protocol === "https:") return "it downgrades https:// to plain http://";
    if (!isLoopbackHost(url.hostname)) {
      return `plain http:// is allowed only to loopback hosts, and ${url.hostname} is not one`;
    }
  }
  return undefined;
}

/**
 * Reads a 2xx body into `makeSink`'s sink (made once the declared length is known) with the caps;
 * returns the number of bytes read.
 */
async function streamBody(
  response: Response,
  url: URL,
  deadline: Deadline,
  timeoutMs: number,
  options: {
    maxBytes: number;
    /** The size the body is expected to have: only sizes the buffer (see {@link DownloadOptions}). */
    sizeHint?: number;
    makeSink: (expectedLength: number | undefined) => BodySink;
    retryable: boolean;
    stall: boolean;
  },
): Promise<number> {
  const { maxBytes, sizeHint } = options;
  // A failure of the transfer itself (worth another attempt when nothing was handed out yet).
  const failure = (reason: string, cause?: unknown): Error =>
    options.retryable
      ? new RetryableFailure(url.href, reason, { cause })
      : new NetworkError(url.href, reason, { cause });
  const declared = parseContentLength(response.headers.get("content-length"));
  if (declared !== undefined && declared > maxBytes) {
    await discard(response);
    throw new NetworkError(
      url.href,
      `the server declares ${declared} bytes (Content-Length), over the ${maxBytes}-byte limit; ` +
        "nothing was read",
    );
  }
  // With a content encoding (gzip for JSON) the declared length is that of the encoded bytes.
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  const length = encoding && encoding !== "identity" ? undefined : declared;
  if (response.body === null) return 0;
  // A Content-Length other than the size a source declared is read all the same: a complete body
  // is an answer (the caller's MISMATCH when it is not the declared artifact), not a failure.
  const reader = readerFor(response.body, options.makeSink(length ?? sizeHint));
  let total = 0;
  const of = length !== undefined ? ` of ${length}` : "";
  try {
    for (;;) {
      let chunk: Uint8Array | undefined;
      try {
        chunk = await reader.next();
      } catch (cause) {
        if (!deadline.expired) {
          throw failure(
            `truncated body: the connection failed after ${total}${of} bytes (${
              errorMessage(cause)
            })`,
            cause,
          );
        }
        throw failure(
          options.stall
            ? `the body stalled for more than the ${timeoutMs} ms timeout after ${total}${of} bytes`
            : `the response did not complete within the ${timeoutMs} ms timeout ` +
              `(${total}${of} bytes read)`,
          cause,
        );
      }
      if (chunk === undefined) break;
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new NetworkError(
          url.href,
          `the body exceeds the ${maxBytes}-byte limit; the transfer was aborted`,
        );
      }
      if (options.stall) deadline.restart();
      await reader.deliver(chunk);
    }
  } catch (error) {
    await reader.cancel();
    throw error;
  }
  if (length !== undefined && total !== length) {
    throw failure(
      `truncated body: ${total} of the ${length} bytes the server declared (Content-Length)`,
    );
  }
  return total;
}

/** Builds the error for a non-2xx, non-5xx, non-redirect answer. */
function statusError(
  url: string,
  response: Response,
  excerpt: string,
  authorized: boolean,
): NetworkError {
  const status = response.status;
  if (status === 404) return new NotFoundError(url, excerpt);
  const remaining = response.headers.get("x-ratelimit-remaining")?.trim();
  const retryAfter = response.headers.get("retry-after")?.trim();
  if (
    (status === 403 || status === 429) &&
    (remaining === "0" || retryAfter || SECONDARY_LIMIT.test(excerpt))
  ) {
    const parts = [
      `rate limit hit (HTTP ${status}${remaining === "0" ? ", x-ratelimit-remaining: 0" : ""})`,
    ];
    let resetAt: Date | undefined;
    let retryAfterSeconds: number | undefined;
    const reset = Number(response.headers.get("x-ratelimit-reset")?.trim() ?? NaN);
    // A time no date can hold (the server's words) is no time: left out, never a RangeError.
    resetAt = reset > 0 ? dateAt(reset * 1000) : undefined;
    if (resetAt) parts.push(`it resets at ${resetAt.toISOString()}`);
    if (retryAfter) {
      if (/^\d+$/.test(retryAfter)) {
        retryAfterSeconds = Number(retryAfter);
        resetAt ??= dateAt(Date.now() + retryAfterSeconds * 1000);
        parts.push(`retry after ${retryAfterSeconds} seconds`);
      } else {
        const at = dateAt(Date.parse(retryAfter));
        if (at) {
          resetAt ??= at;
          parts.push(`retry after ${at.toISOString()}`);
        }
      }
    }
    const hint = authorized
      ? "the limit applies to the token in GH_TOKEN/GITHUB_TOKEN; wait until it resets"
      : "authenticated requests get a much higher limit: set GH_TOKEN or GITHUB_TOKEN to a GitHub token";
    parts.push(hint);
    if (excerpt) parts.push(`server said: ${excerpt}`);
    return new RateLimitError(url, status, parts.join("; "), {
      excerpt,
      hint,
      resetAt,
      retryAfterSeconds,
    });
  }
  const hint = status === 401 && authorized
    ? "the token in GH_TOKEN/GITHUB_TOKEN was refused; check that it is valid"
    : undefined;
  return new HttpStatusError(
    url,
    status,
    `HTTP ${status}${statusText(response)}${excerpt ? `: ${excerpt}` : ""}`,
    { excerpt, hint },
  );
}

/**
 * The date `ms` milliseconds after the epoch; undefined when no date can hold it (not a number,
 * or past ±8.64e15 ms, as a rate-limit header may say).
 */
export function dateAt(ms: number): Date | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * A `retry-after` header as milliseconds from `now`: delay-seconds or an HTTP date (RFC 9110);
 * undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | null | undefined, now: number): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The `rel="next"` target of an RFC 8288 `Link` header (GitHub's pagination), resolved against
 * `base`; undefined when there is none or it is not a URL.
 */
export function parseLinkNext(
  header: string | null | undefined,
  base: string | URL,
): string | undefined {
  if (!header) return undefined;
  for (const match of header.matchAll(/<([^>]*)>([^<]*)/g)) {
    const params = match[2].split(";").slice(1);
    const isNext = params.some((param) => {
      const rel = param.match(/^\s*rel\s*=\s*(?:"([^"]*)"|([^\s,]*))/i);
      const value = rel?.[1] ?? rel?.[2];
      return value !== undefined && value.toLowerCase().split(/\s+/).includes("next");
    });
    if (!isNext) continue;
    try {
      return new URL(match[1].trim(), base).href;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function describe(response: Response, url: URL): HttpResponseInfo {
  const linkNext = parseLinkNext(response.headers.get("link"), url);
  return {
    url: url.href,
    status: response.status,
    headers: response.headers,
    ...(linkNext === undefined ? {} : { linkNext }),
  };
}

function parseContentLength(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

function statusText(response: Response): string {
  const text = sanitize(response.statusText);
  return text ? ` ${text}` : "";
}

/** Reads at most MAX_HTTP_ERROR_EXCERPT_BYTES of an error body and makes a one-line excerpt. */
async function readExcerpt(response: Response): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < MAX_HTTP_ERROR_EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // An excerpt is best effort.
  } finally {
    await reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return excerptOf(bytes.subarray(0, MAX_HTTP_ERROR_EXCERPT_BYTES));
}

/** A one-line excerpt of a body: GitHub's JSON `message` when there is one, else the text. */
function excerptOf(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === "object" && "message" in parsed) {
      const message = (parsed as { message: unknown }).message;
      if (typeof message === "string") return sanitize(message);
    }
  } catch {
    // not JSON, or cut off
  }
  return sanitize(text);
}

/** Collapses whitespace, drops control characters (no terminal escapes) and cuts to length. */
function sanitize(text: string): string {
  // deno-lint-ignore no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/\s+/g, " ").trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS)}…` : clean;
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => {});
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
