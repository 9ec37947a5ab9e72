/**
 * The HTTP client a verifying command uses: `--timeout`, retries with progress on stderr, the
 * cache settings, and a token bound to the one host it may be sent to.
 * @module
 */
import { CachedHttp } from "../sources/cached_http.ts";
import type { HttpClient } from "../sources/http.ts";
import type { CacheSettings } from "./cache_options.ts";
import { type ClientChoices, httpClientSettings } from "./http_options.ts";
import type { CliIo } from "./io.ts";

export { maxGithubRequestsFromOption, timeoutFromOption } from "./http_options.ts";

/** A client for one service; `token` is sent to its `host` only (never after a redirect away). */
export function createHttpClient(
  io: CliIo,
  options: ClientChoices & { readonly cache?: CacheSettings },
): HttpClient {
  return new CachedHttp(httpClientSettings(io, options), options.cache ?? { offline: false });
}
