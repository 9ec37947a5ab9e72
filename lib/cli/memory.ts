/**
 * Keeps a long run's memory near what it really holds. Verifying a lock streams hundreds of
 * archives and JSON documents through memory; each is garbage a moment later, but V8 collects
 * buffers outside its heap only after they have grown by tens of megabytes, so the peak is set by
 * garbage, not by work. When the resident size passes a budget, a collection of the young
 * generation is asked for (through `node:v8` and `node:vm`, the way Node programs do it), at most
 * once per interval.
 * @module
 */
import process from "node:process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** The resident size above which a collection is asked for. */
export const MEMORY_BUDGET_BYTES = 112 * 1024 * 1024;

/** Fewest milliseconds between two collections (each costs a few milliseconds). */
const MIN_INTERVAL_MS = 100;

let collect: (() => void) | null | undefined;

/** A V8 collection, when the runtime lets it be had (else null). */
function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    // A minor collection (the young generation, where the short-lived buffers are) is enough
    // and costs a few milliseconds; a full one would cost tens.
    collect = typeof gc === "function"
      ? () => (gc as (options: { type: "minor" }) => void)({ type: "minor" })
      : null;
  } catch {
    collect = null;
  }
  return collect;
}

/**
 * A function to call between units of work: it asks for a collection when the resident size
 * is over `budget` bytes and the last one was at least a moment ago. Does nothing where the
 * runtime does not allow it.
 */
export function memoryGovernor(budget = MEMORY_BUDGET_BYTES): () => void {
  let last = 0;
  return () => {
    const now = performance.now();
    if (now - last < MIN_INTERVAL_MS) return;
    if (process.memoryUsage.rss() <= budget) return;
    last = now;
    collector()?.();
  };
}

/** Whether this runtime lets a collection be asked for (if not, the governor does nothing). */
export function canCollectGarbage(): boolean {
  return collector() !== null;
}
