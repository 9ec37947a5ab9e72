/**
 * Writes cache entries on a worker thread, so that a cold run's thousands of new files do not
 * stall verification (creating a file costs about a millisecond on some file systems, and Deno's
 * file operations run on the thread that asks). Each write still completes before its promise
 * resolves. The worker is started once a run has written a few entries (a small run never pays
 * for it) and stopped once nothing is pending, so it never keeps the process alive; if it cannot
 * be started, entries are written on this thread.
 *
 * One writer thread: creating a file waits on the file system more than it uses a CPU (1,000
 * files: about 1.9 s with one thread, 1.1 s with four, on the machine of BENCHMARKS.md), but a
 * cold `lock` there is bound by its two CPUs, and a second thread made it no faster.
 * @module
 */
import { type WriteDone, writeJob } from "./cache_writer_worker.ts";

/** Writes done on the calling thread before the worker is started (small runs never start it). */
const WRITES_BEFORE_WORKER = 24;

/** How long the worker waits, idle, for more writes before it is stopped. */
const IDLE_MS = 25;

/** Writes whole files atomically (temporary file, then rename), off the main thread. */
export class CacheWriter {
  #worker?: Worker;
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
    const worker = this.#start();
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

  #start(): Worker | undefined {
    if (this.#worker || this.#broken) return this.#worker;
    try {
      const worker = new Worker(new URL("./cache_writer_worker.ts", import.meta.url), {
        type: "module",
      });
      worker.onmessage = (event: MessageEvent<WriteDone>) => this.#done(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.#fail();
      };
      this.#worker = worker;
    } catch {
      this.#broken = true;
    }
    return this.#worker;
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
    this.#worker?.terminate();
    this.#worker = undefined;
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
