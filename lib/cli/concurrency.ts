/**
 * Bounded concurrency for per-subject work (`lock --jobs N`).
 * @module
 */
import { UsageError } from "../errors.ts";

/** Most subjects verified at once (`--jobs`). */
export const MAX_JOBS = 64;

/**
 * Parses `--jobs N`: a whole number from 1 to {@link MAX_JOBS}; `fallback` when absent. Every
 * verifying command accepts `--jobs` (it is in the shared option table) and checks it, even those
 * that verify their subjects one at a time, so `--jobs 0` is a usage error everywhere.
 */
export function jobsFromOption(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 1 || n > MAX_JOBS) {
    throw new UsageError(`--jobs must be a whole number from 1 to ${MAX_JOBS} (got '${text}')`);
  }
  return n;
}

export { mapWithConcurrency } from "../verify/concurrency.ts";
