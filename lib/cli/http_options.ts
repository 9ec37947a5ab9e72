/**
 * What a command's HTTP clients are made of, without the clients: the `--timeout` and
 * `--max-github-requests` parsers and a client's settings. Kept apart from `http_client.ts`
 * (which builds the cached clients, and so loads the cache) so that a run that needs no network
 * does not load it.
 * @module
 */
import { UsageError } from "../errors.ts";
import { DEFAULT_HTTP_RETRIES, DEFAULT_HTTP_TIMEOUT_MS } from "../limits.ts";
import type { HttpClientOptions, RequestGate } from "../sources/http.ts";
import { VERSION } from "../version.ts";
import type { CliIo } from "./io.ts";

/**
 * Parses `--timeout SECONDS`, the bound on the whole run's network time, into milliseconds
 * (undefined when absent: no bound beyond each request's own).
 */
export function timeoutFromOption(timeout: string | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  const seconds = Number(timeout);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(`--timeout must be a positive number of seconds (got '${timeout}')`);
  }
  return seconds * 1000;
}

/**
 * Parses `--max-github-requests N` (a whole number, 0 allowed: GitHub is then never asked);
 * undefined when absent.
 */
export function maxGithubRequestsFromOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value.trim())) {
    throw new UsageError(
      `--max-github-requests must be a whole number of requests (got '${value}')`,
    );
  }
  return Number(value.trim());
}

/** What a command says about one client: its token, `--timeout`, and what watches its requests. */
export interface ClientChoices {
  /** Sent to `host` only (never after a redirect away). */
  readonly token?: { value: string; host: string };
  /** `--timeout SECONDS`, as given. */
  readonly timeout?: string;
  /** Watches (and may refuse) each request: GitHub's budget for the GitHub client. */
  readonly gate?: RequestGate;
}

/**
 * The settings of a client for one service: `--timeout` bounds the whole run, each request waits
 * at most {@link DEFAULT_HTTP_TIMEOUT_MS}, retries are said on stderr.
 */
export function httpClientSettings(io: CliIo, options: ClientChoices): HttpClientOptions {
  const budget = timeoutFromOption(options.timeout);
  const deadline = budget === undefined ? undefined : Date.now() + budget;
  return {
    token: options.token,
    // Each request waits at most DEFAULT_HTTP_TIMEOUT_MS, and never past the run's deadline.
    timeoutMs: Math.min(DEFAULT_HTTP_TIMEOUT_MS, budget ?? Infinity),
    ...(deadline !== undefined ? { deadline } : {}),
    retries: DEFAULT_HTTP_RETRIES,
    ...(options.gate ? { gate: options.gate } : {}),
    userAgent: `cargo-attest/${VERSION} (https://github.com/cargo-attest/cargo-attest)`,
    onRetry: (info) =>
      io.stderr(
        `cargo-attest: retrying ${info.url} ${
          info.status === 403 || info.status === 429 ? `in ${info.delayMs / 1000} s ` : ""
        }(attempt ${info.attempt + 1} of ${info.attempts}: ${info.reason})\n`,
      ),
  };
}
