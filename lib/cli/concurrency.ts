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

/**
 * Runs `work` over `items` with at most `jobs` in flight, returning results in input order.
 * `onDone` is called as each item finishes (progress lines).
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  jobs: number,
  work: (item: T, index: number) => Promise<R>,
  onDone?: (item: T, index: number, finished: number) => void,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
      finished++;
      onDone?.(items[index], index, finished);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}
