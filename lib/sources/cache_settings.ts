/**
 * The cache's settings from the environment and the command line: where it is
 * ({@link resolveCacheDir}), how long a document stays fresh ({@link DEFAULT_CACHE_TTL_MS}), and
 * durations as `CARGO_ATTEST_CACHE_TTL` and `cache prune --max-age` write them
 * ({@link parseDuration}).
 * @module
 */
import { UsageError } from "../errors.ts";

/** How long a cached document counts as fresh without asking the server: 10 minutes. */
export const DEFAULT_CACHE_TTL_MS = 10 * 60 * 1000;

/**
 * The cache directory from the environment: `CARGO_ATTEST_CACHE_DIR`, else
 * `$CARGO_HOME/attest/cache`, else `$HOME/.cargo/attest/cache` (`USERPROFILE` on Windows);
 * undefined when none is set.
 */
export function resolveCacheDir(env: (name: string) => string | undefined): string | undefined {
  const explicit = env("CARGO_ATTEST_CACHE_DIR")?.trim();
  if (explicit) return explicit;
  const cargoHome = env("CARGO_HOME")?.trim();
  if (cargoHome) return join(cargoHome, "attest", "cache");
  const home = env("HOME")?.trim() || env("USERPROFILE")?.trim();
  if (home) return join(home, ".cargo", "attest", "cache");
  return undefined;
}

/**
 * Parses a TTL: seconds (`600`) or a number with a unit (`30s`, `10m`, `2h`, `1d`); `0` means
 * every document is revalidated.
 *
 * @throws {UsageError} naming the value when it is not one
 */
export function parseDuration(text: string, what: string): number {
  const match = text.trim().match(/^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/);
  if (!match) {
    throw new UsageError(
      `${what} must be a duration like 600, 30s, 10m, 2h or 1d (got '${text}')`,
    );
  }
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "s"]!;
  const ms = Math.round(Number(match[1]) * unit);
  // Beyond ten years is not a cache lifetime but "forever", which would never revalidate.
  if (!Number.isSafeInteger(ms) || ms > MAX_DURATION_MS) {
    throw new UsageError(`${what} must be at most 3650d (got '${text}')`);
  }
  return ms;
}

/**
 * The TTL `CARGO_ATTEST_CACHE_TTL` names (seconds, or `30s`/`10m`/`2h`/`1d`), else
 * {@link DEFAULT_CACHE_TTL_MS}.
 * @throws {UsageError} when it is not a duration
 */
export function cacheTtlFrom(env: (name: string) => string | undefined): number {
  const text = env("CARGO_ATTEST_CACHE_TTL")?.trim();
  return text ? parseDuration(text, "CARGO_ATTEST_CACHE_TTL") : DEFAULT_CACHE_TTL_MS;
}

/** The longest duration {@link parseDuration} accepts: ten years. */
const MAX_DURATION_MS = 3650 * 86_400_000;

/** `parts` joined with single `/` separators (the first keeps its leading slashes). */
export function join(...parts: string[]): string {
  return parts.map((
    p,
    i,
  ) => (i === 0 ? p.replace(/[\\/]+$/, "") : p.replace(/^[\\/]+|[\\/]+$/g, "")))
    .join("/");
}
