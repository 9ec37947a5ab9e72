/**
 * Writes cache entries on a worker thread, so that a cold run's thousands of new files do not
 * stall verification (creating a file costs about a millisecond on some file systems, and Deno's
 * file operations run on the thread that asks). Each write still completes before its promise
 * resolves. The workers are started once a run has written a few entries (a small run never pays
 * for them) and stopped once nothing is pending, so they never keep the process alive; if none
 * can be started, entries are written on this thread.
 * @module
 */
import { type WriteDone, writeJob } from "./cache_writer_worker.ts";

/** Writes done on the calling thread before the worker is started (small runs never start it). */
const WRITES_BEFORE_WORKER = 24;

/**
 * Writer threads. Creating a file waits on the file system more than it uses a CPU (1,000 files:
 * about 1.9 s with one thread, 1.1 s with four, on the machine of BENCHMARKS.md), but a cold
 * `lock` there is bound by its two CPUs, and a second thread neither made it faster nor cost less
 * than its few megabytes; more may pay where writes are slower and CPUs more.
 */
const WRITER_THREADS = 1;

/** How long the worker waits, idle, for more writes before it is stopped. */
const IDLE_MS = 25;

/** Writes whole files atomically (temporary file, then rename), off the main thread. */
export class CacheWriter {
  readonly #workers: Worker[] = [];
  #broken = false;
  #writes = 0;
  #nextId = 0;
  readonly #pending = new Map<
    number,
    { resolve: () => void; reject: (error: Error) => void; job: Job; length: number }
  >();
  #idle?: ReturnType<typeof setTimeout>;

  /**
   * Creates `dirs` (0700; each must be listed, parents first), writes `data` to `tmp` (0600) and
   * renames it to `path`. Rejects with the reason when it could not (the temporary file is gone).
   * Bytes that own their whole buffer are handed over to the writer: the caller must not use them
   * afterwards.
   */
  write(job: Job): Promise<void> {
    // A run that writes a few entries writes them here: a worker costs more than it saves then.
    if (++this.#writes <= WRITES_BEFORE_WORKER) return writeHere(job);
    const worker = this.#pick();
    if (!worker) return writeHere(job);
    if (this.#idle !== undefined) {
      clearTimeout(this.#idle);
      this.#idle = undefined;
    }
    const id = ++this.#nextId;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, job, length: job.data.length });
      // Bytes that own their whole buffer are moved to the writer rather than copied.
      const data = job.data;
      const movable = typeof data !== "string" && data.byteOffset === 0 &&
        data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      worker.postMessage({ id, ...job }, movable ? [data.buffer as ArrayBuffer] : []);
    });
  }

  /** The next writer, in turn (started as needed, up to {@link WRITER_THREADS}). */
  #pick(): Worker | undefined {
    if (this.#broken) return undefined;
    if (this.#workers.length < WRITER_THREADS) {
      try {
        const worker = new Worker(new URL("./cache_writer_worker.ts", import.meta.url), {
          type: "module",
        });
        worker.onmessage = (event: MessageEvent<WriteDone>) => this.#done(event.data);
        worker.onerror = (event) => {
          event.preventDefault();
          this.#fail();
        };
        this.#workers.push(worker);
      } catch {
        if (this.#workers.length === 0) {
          this.#broken = true;
          return undefined;
        }
      }
    }
    return this.#workers[this.#nextId % this.#workers.length];
  }

  #done(message: WriteDone): void {
    const entry = this.#pending.get(message.id);
    if (!entry) return;
    this.#pending.delete(message.id);
    if (message.error === undefined) entry.resolve();
    else entry.reject(new Error(message.error));
    if (this.#pending.size === 0) {
      this.#idle = setTimeout(() => this.#stop(), IDLE_MS);
    }
  }

  /** The worker failed (it could not load, say): what it had not done is done here. */
  #fail(): void {
    this.#broken = true;
    this.#stop();
    const jobs = [...this.#pending.values()];
    this.#pending.clear();
    for (const { resolve, reject, job, length } of jobs) {
      // Bytes already handed to the worker are gone from here: that entry is not written.
      if (job.data.length !== length) reject(new Error("the cache writer stopped"));
      else writeHere(job).then(resolve, reject);
    }
  }

  #stop(): void {
    this.#idle = undefined;
    for (const worker of this.#workers) worker.terminate();
    this.#workers.length = 0;
  }
}

/** A write: see {@link CacheWriter.write}. */
export interface Job {
  readonly dirs: readonly string[];
  readonly tmp: string;
  readonly path: string;
  readonly data: string | Uint8Array;
}

function writeHere(job: Job): Promise<void> {
  const error = writeJob(job);
  return error === undefined ? Promise.resolve() : Promise.reject(new Error(error));
}
