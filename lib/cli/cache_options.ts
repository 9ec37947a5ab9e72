/**
 * The cache settings of a verifying command: where the cache is (`CARGO_ATTEST_CACHE_DIR`, else
 * `$CARGO_HOME/attest/cache`, else `~/.cargo/attest/cache`), its TTL (`CARGO_ATTEST_CACHE_TTL`),
 * `--no-cache` and `--offline`.
 * @module
 */
import { type Cache, openCache, resolveCacheDir } from "../sources/cache.ts";
import { cacheTtlFrom } from "../sources/cache_settings.ts";
import type { CacheMode } from "../sources/cached_http.ts";
import { flag, type ParsedArgs } from "./args.ts";
import type { CliIo } from "./io.ts";

/** The cache a command runs with, and whether it may use the network. */
export interface CacheSettings extends CacheMode {
  readonly cache?: Cache;
  readonly offline: boolean;
}

/** Opens the cache the environment names, unless `--no-cache`; reads `--offline`. */
export function cacheFromArgs(
  parsed: ParsedArgs,
  io: CliIo,
  options: { quiet: boolean },
): CacheSettings {
  const offline = flag(parsed, "offline");
  const ttlMs = cacheTtlFrom(io.env);
  if (flag(parsed, "no-cache")) return { offline };
  const dir = resolveCacheDir(io.env);
  if (dir === undefined) return { offline };
  return {
    cache: openCache({
      dir,
      ttlMs,
      now: () => io.now().getTime(),
      warn: (message) => {
        if (!options.quiet) io.stderr(`cargo-attest: warning: ${message}\n`);
      },
    }),
    offline,
  };
}
