/**
 * Work a run leaves for its end. The cache does not make the verification wait for its records to
 * be written (a cold `lock` writes thousands), and writes each pack's index once the run's records
 * are all written; `main` waits here before the process exits, so every write a run started is
 * finished (or has failed with a warning), the index included, and the cache's files are closed.
 * A tiny module on purpose: `main` loads it for every command.
 * @module
 */

/** Work asked for and not started yet. */
const asked = new Set<() => Promise<void>>();
/** Work started and not finished. */
const running = new Set<Promise<void>>();

/**
 * Asks for `finish` to run when the writes are settled (once: ask again for another run). It must
 * never reject: failures are the cache's warnings.
 */
export function atSettle(finish: () => Promise<void>): void {
  asked.add(finish);
}

/** Runs the work asked for, and waits for it and for any other still running. */
export async function settleWrites(): Promise<void> {
  for (const finish of [...asked]) {
    asked.delete(finish);
    const done: Promise<void> = finish().catch(() => {}).finally(() => running.delete(done));
    running.add(done);
  }
  while (running.size > 0) await Promise.allSettled([...running]);
}
