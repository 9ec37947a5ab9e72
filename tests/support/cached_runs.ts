/**
 * Runs of the command through `main()` against the loopback fakes with one cache directory, for
 * the tests of what a run leaves in the cache and what a later run makes of it (the remembered
 * lock runs among them).
 * @module
 */
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";

/** The parts of a JSON report these tests read. */
export interface CachedRunReport {
  verdict: string;
  diagnostics: { code: string }[];
  subjects: { subject: { name: string; version: string }; verdict: string }[];
}

/** One run: its exit code, JSON report, stdout and stderr. */
export interface CachedRun {
  code: number;
  report: CachedRunReport;
  out: string;
  err: string;
}

/**
 * A runner of `main(args)` with `env` (the fakes' URLs), the cache in `${dir}/cache`, a GitHub
 * token, and `extra` variables per run; `now` is the time the runs see (default: the real time).
 */
export function cachedRunner(
  env: Record<string, string>,
  dir: string,
  now?: Date,
): (args: string[], extra?: Record<string, string>) => Promise<CachedRun> {
  return async (args, extra = {}) => {
    const io = createMemoryIo(
      { GH_TOKEN: "ghp_test", ...env, CARGO_ATTEST_CACHE_DIR: `${dir}/cache`, ...extra },
      ...(now ? [now] : []),
    );
    const code = await main(args, io);
    return { code, report: JSON.parse(io.out) as CachedRunReport, out: io.out, err: io.err };
  };
}

/** Whether a run recalled the checks of an earlier run of the same lock (`checks-recalled`). */
export function recalled(run: { report: { diagnostics: { code: string }[] } }): boolean {
  return run.report.diagnostics.some((d) => d.code === "checks-recalled");
}
