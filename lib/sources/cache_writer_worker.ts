/**
 * The cache's writer thread (see `cache_writer.ts`): creates directories (0700) and writes each
 * entry to its temporary file (0600), then renames it into place. Creating files is slow on some
 * file systems and Deno's file operations block the thread that asks, so the cache asks here.
 * @module
 */

/** One entry to write: the directories to create first, the temporary file, the final path. */
export interface WriteJob {
  readonly id: number;
  readonly dirs: readonly string[];
  readonly tmp: string;
  readonly path: string;
  readonly data: string | Uint8Array;
}

/** The answer to a {@link WriteJob}: done, or why not. */
export interface WriteDone {
  readonly id: number;
  readonly error?: string;
}

/** Writes one job; returns the error message when it failed (the temporary file is removed). */
export function writeJob(job: Omit<WriteJob, "id">): string | undefined {
  try {
    for (const dir of job.dirs) {
      try {
        Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
        if (Deno.build.os !== "windows") Deno.chmodSync(dir, 0o700);
      } catch (error) {
        if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      }
    }
    // Created 0600 (a umask can only take bits away).
    const write = () =>
      typeof job.data === "string"
        ? Deno.writeTextFileSync(job.tmp, job.data, { mode: 0o600, createNew: true })
        : Deno.writeFileSync(job.tmp, job.data, { mode: 0o600, createNew: true });
    try {
      write();
    } catch (error) {
      // The directory went away (a `cache clear` meanwhile) or was never made: create it, once.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      Deno.mkdirSync(job.tmp.slice(0, job.tmp.lastIndexOf("/")), { recursive: true, mode: 0o700 });
      write();
    }
    Deno.renameSync(job.tmp, job.path);
    return undefined;
  } catch (error) {
    try {
      Deno.removeSync(job.tmp);
    } catch {
      // never created, or gone
    }
    return error instanceof Error ? error.message : String(error);
  }
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<WriteJob>) => void) | null;
  postMessage(message: WriteDone): void;
}

// Only when run as a worker (importing this module for `writeJob` has no side effect).
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = (event) => {
    const { id, ...job } = event.data;
    const error = writeJob(job);
    scope.postMessage(error === undefined ? { id } : { id, error });
  };
}
