/**
 * Cache writes that are still in flight when a command returns. The cache does not make the
 * verification wait for its files to be written (a cold `lock` writes thousands); `main` waits
 * here before the process exits, so every write a run started is finished (or has failed with a
 * warning) by then. A tiny module on purpose: `main` loads it for every command.
 * @module
 */

const pending = new Set<Promise<unknown>>();

/** Registers a write in flight (it must never reject: failures are the cache's warnings). */
export function trackWrite(write: Promise<unknown>): void {
  pending.add(write);
  write.finally(() => pending.delete(write));
}

/** Waits for every write in flight, including those started while waiting. */
export async function settleWrites(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
