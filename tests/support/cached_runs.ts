/**
 * Runs of the command through `main()` against the loopback fakes with one cache directory, for
 * the tests of what a run leaves in the cache and what a later run makes of it (the remembered
 * lock runs among them).
 * @module
 */
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { budgetCrates } from "./budget_crates.ts";
import { type FakeCrate, startFakeCratesIo } from "./fake_crates_io.ts";
import { startFakeGithub } from "./fake_github.ts";
import { withTempDir } from "./temp_dir.ts";

/** The parts of a JSON report these tests read. */
export interface CachedRunReport {
  verdict: string;
  generatedAt?: string;
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

/** A run of {@link withBudgetLock}: a {@link CachedRun} and how many requests the fakes saw. */
export interface CountedRun extends CachedRun {
  requests: number;
}

/** What the body of {@link withBudgetLock} gets. */
export interface BudgetLockContext {
  /** Runs `main(args)` with the shared cache (and `extra` variables). */
  run(args: string[], extra?: Record<string, string>): Promise<CountedRun>;
  /** The temporary directory holding `Cargo.lock` and the cache (`cache/`). */
  readonly dir: string;
  /** The crates the fake crates.io serves: replace one to change what it answers. */
  readonly crates: FakeCrate[];
  /** `lock DIR/Cargo.lock --json`. */
  readonly lock: string[];
}

/**
 * Runs `body` with a lock of three crates of one GitHub owner (`budget-0`…`budget-2`, each
 * TRUSTED), served by the loopback fakes, and one cache; `now` as in {@link cachedRunner}.
 */
export async function withBudgetLock(
  body: (context: BudgetLockContext) => Promise<void>,
  now?: Date,
): Promise<void> {
  const data = await budgetCrates(3, 1);
  const crates = [...data.crates];
  const cratesIo = startFakeCratesIo(crates);
  const github = startFakeGithub([], { repositories: data.repositories });
  const requests = () => cratesIo.requests.length + github.requests.length;
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const runner = cachedRunner(
        { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl },
        dir,
        now,
      );
      const run = async (args: string[], extra?: Record<string, string>) => {
        const before = requests();
        const result = await runner(args, extra);
        return { ...result, requests: requests() - before };
      };
      await body({ run, dir, crates, lock: ["lock", `${dir}/Cargo.lock`, "--json"] });
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}
