/**
 * Bounded concurrency for per-subject work (the crates of a lock).
 * @module
 */

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
