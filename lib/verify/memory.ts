/**
 * Keeps a long run's memory near what it really holds. Verifying a lock streams hundreds of
 * archives and JSON documents through memory; each is garbage a moment later, but V8 collects
 * buffers outside its heap only after they have grown by tens of megabytes, so the peak is set by
 * garbage, not by work. When the resident size passes a budget and has grown well past what the
 * last collection left, a full collection is asked for (through `node:v8` and `node:vm`, the way
 * Node programs do it). Each costs tens of milliseconds, so they are kept few.
 * @module
 */
import process from "node:process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * The resident size above which a collection is asked for. A 300-crate lock holds about 105 MB
 * after a collection (some 40 MB of it the runtime's own code); the budget and headroom keep its
 * peak near 125 MB for a few collections (~40 ms each) per hundred crates.
 */
export const MEMORY_BUDGET_BYTES = 112 * 1024 * 1024;

/** Garbage let pile up on top of what was held after the last collection. */
const HEADROOM_BYTES = 20 * 1024 * 1024;

/**
 * Garbage let pile up over the budget (or what the last collection left) when nothing large was
 * read: cached documents only, which V8's own collector usually keeps in hand (a warm 1,000-crate
 * lock peaks near 133 MB), but not when they are large (crates with index files of hundreds of
 * kilobytes: 937 MB for 300 of them without this).
 */
const DOCUMENT_HEADROOM_BYTES = 96 * 1024 * 1024;

/** Fewest milliseconds between two looks at the resident size. */
const CHECK_INTERVAL_MS = 10;

/** Fewest milliseconds between two collections. */
const MIN_INTERVAL_MS = 100;

let collect: (() => void) | null | undefined;

/** A V8 collection, when the runtime lets it be had (else null). */
function collector(): (() => void) | null {
  if (collect !== undefined) return collect;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc");
    collect = typeof gc === "function" ? () => (gc as () => void)() : null;
  } catch {
    collect = null;
  }
  return collect;
}

/** Between units of work, keeps a run's resident size near what it holds (see the module doc). */
export interface MemoryGovernor {
  /**
   * Notes that a unit of work read something large (an archive, a tree, a `.crate`'s bytes),
   * whose buffers are garbage once it is done: only such garbage is worth a forced collection.
   */
  noteLargeReads(): void;
  /**
   * Asks for a collection when the resident size is over the budget and the last collection was
   * at least a moment ago, and either there were large reads since the last one or the garbage
   * of documents has piled up far over the budget. Does nothing where the runtime does not allow
   * it. (A run that reads only small cached documents, as a warm lock does, leaves its garbage to
   * V8's own collector, which keeps it well within the budget's reach: a forced collection would
   * cost it more time than it saves memory; large documents are another matter.)
   */
  relieve(): void;
}

/**
 * A governor for a run with `budget` bytes of resident size; `collect` forces a collection, `rss`
 * gives the resident size.
 */
export function memoryGovernor(
  budget = MEMORY_BUDGET_BYTES,
  collect: () => void = () => collector()?.(),
  rss: () => number = () => process.memoryUsage.rss(),
): MemoryGovernor {
  // -Infinity: the first call may collect at once (performance.now() starts near 0 in a worker).
  let last = -Infinity;
  // The resident size right after the last collection: what is really held. A collection is
  // worth its cost only once enough has piled up on top of that.
  let floor = 0;
  let checked = -Infinity;
  let largeReads = false;
  return {
    noteLargeReads() {
      // Their garbage is worth a look at once (a syscall next to the reads is nothing).
      if (!largeReads) checked = -Infinity;
      largeReads = true;
    },
    relieve() {
      const now = performance.now();
      // Reading the resident size costs a system call: at most every few milliseconds.
      if (now - last < MIN_INTERVAL_MS || now - checked < CHECK_INTERVAL_MS) return;
      checked = now;
      const resident = rss();
      if (resident <= budget || resident <= floor + HEADROOM_BYTES) return;
      if (!largeReads && resident <= Math.max(budget, floor) + DOCUMENT_HEADROOM_BYTES) return;
      collect();
      largeReads = false;
      last = performance.now();
      floor = rss();
    },
  };
}

/** Whether this runtime lets a collection be asked for (if not, the governor does nothing). */
export function canCollectGarbage(): boolean {
  return collector() !== null;
}
