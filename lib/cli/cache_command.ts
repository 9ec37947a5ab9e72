/**
 * `cargo-attest cache info|clear|prune`: where the cache is and how big; empty it; drop what is
 * of no further use.
 * @module
 */
import { AttestError, UsageError } from "../errors.ts";
import { type Cache, openCache, parseDuration, resolveCacheDir } from "../sources/cache.ts";
import { flag, parseCommandArgs, type ParsedArgs, stringOption } from "./args.ts";
import { cacheTtlFrom } from "../sources/cache_settings.ts";
import type { CliIo } from "./io.ts";

/** How old (fetched, or last used) an entry `cache prune` keeps by default: 30 days. */
export const DEFAULT_PRUNE_MAX_AGE = "30d";

const USAGE = "usage: cargo-attest cache info [--json] | clear | prune [--max-age DURATION]";

/** Runs `cache`; returns the exit code (0, or 3 when no cache directory can be found). */
export async function runCache(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("cache", args);
  const [action, ...extra] = parsed.positionals;
  if (action === undefined || !["info", "clear", "prune"].includes(action)) {
    throw new UsageError(
      action === undefined ? "cache: no action given" : `cache: unknown action '${action}'`,
      USAGE,
    );
  }
  if (extra.length > 0) throw new UsageError(`cache: unexpected argument '${extra[0]}'`, USAGE);
  const dir = resolveCacheDir(io.env);
  if (dir === undefined) {
    throw new AttestError(
      "cache-unavailable",
      "cache: no cache directory: CARGO_ATTEST_CACHE_DIR, CARGO_HOME and HOME are all unset",
      { hint: "set CARGO_ATTEST_CACHE_DIR to a directory" },
    );
  }
  await checkCacheDir(dir);
  const cache = openCache({ dir, ttlMs: cacheTtlFrom(io.env), now: () => io.now().getTime() });
  try {
    return await runAction(action, cache, dir, parsed, io);
  } catch (error) {
    // The cache directory turned out unusable midway (permissions, a file in the way).
    if (
      error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotADirectory
    ) {
      throw new AttestError("cache-unavailable", `cache ${action}: ${dir}: ${error.message}`, {
        cause: error,
        hint: "set CARGO_ATTEST_CACHE_DIR to a directory you can write to",
      });
    }
    throw error;
  }
}

/** A cache directory that does not exist yet is fine (it is empty); a file in its place is not. */
async function checkCacheDir(dir: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new AttestError(
      "cache-unavailable",
      `cache: ${dir} cannot be read: ${(error as Error).message}`,
      {
        cause: error,
        hint: "set CARGO_ATTEST_CACHE_DIR to a directory you can write to",
      },
    );
  }
  if (!info.isDirectory) {
    throw new AttestError("cache-unavailable", `cache: ${dir} is not a directory`, {
      hint: "set CARGO_ATTEST_CACHE_DIR to a directory (it is created when missing)",
    });
  }
}

async function runAction(
  action: string,
  cache: Cache,
  dir: string,
  parsed: ParsedArgs,
  io: CliIo,
): Promise<number> {
  const quiet = flag(parsed, "quiet");
  switch (action) {
    case "info": {
      const stats = await cache.stats();
      if (flag(parsed, "json")) {
        io.stdout(`${JSON.stringify({ ...stats, ttlSeconds: cache.ttlMs / 1000 })}\n`);
      } else {
        io.stdout(
          `path:     ${stats.path}\n` +
            `entries:  ${stats.entries} (${stats.documents} documents, ${stats.blobs} blobs)\n` +
            `bytes:    ${stats.bytes} (${formatBytes(stats.bytes)})\n` +
            `ttl:      ${cache.ttlMs / 1000} s for documents (CARGO_ATTEST_CACHE_TTL)\n` +
            (stats.temporary
              ? `temporary files: ${stats.temporary} (cache prune drops old ones)\n`
              : ""),
        );
      }
      return 0;
    }
    case "clear": {
      const result = await cache.clear();
      if (flag(parsed, "json")) {
        io.stdout(`${JSON.stringify({ action: "clear", path: dir, ...result })}\n`);
      } else if (!quiet) {
        io.stdout(
          `cleared ${dir}: ${result.removed} entries and temporary files, ` +
            `${formatBytes(result.bytes)}\n`,
        );
      }
      return 0;
    }
    default: {
      const maxAge = stringOption(parsed, "max-age") ?? DEFAULT_PRUNE_MAX_AGE;
      const result = await cache.prune(parseDuration(maxAge, "--max-age"));
      if (flag(parsed, "json")) {
        io.stdout(`${JSON.stringify({ action: "prune", path: dir, maxAge, ...result })}\n`);
      } else if (!quiet) {
        io.stdout(
          `pruned ${dir}: removed ${result.removed} entries and temporary files, ` +
            `${formatBytes(result.bytes)}\n`,
        );
      }
      return 0;
    }
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
