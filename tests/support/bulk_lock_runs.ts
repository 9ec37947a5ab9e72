/**
 * A lock of crates of one GitHub organization whose first crate (`budget-0`) has an attestation
 * in the owner's bulk listing, with a smaller lock beside it (the same without `budget-1`: another
 * listing body), run through `main()` against the loopback fakes with one cache. For the tests of
 * what the bulk listing leaves in the cache (offline runs of another lock, warm runs).
 * @module
 */
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { budgetCrates } from "./budget_crates.ts";
import { sha256Hex, startFakeCratesIo } from "./fake_crates_io.ts";
import { type FakeGithub, startFakeGithub } from "./fake_github.ts";
import { withTempDir } from "./temp_dir.ts";

/** A checked crate of a report. */
export interface BulkLockCheck {
  readonly id: string;
  readonly code: string;
}

/** One run: its exit code, `budget-0`'s verdict and checks, the whole JSON report. */
export interface BulkLockRun {
  readonly code: number;
  readonly zero: { readonly verdict: string; readonly checks: readonly BulkLockCheck[] };
  readonly out: string;
}

/** What the test body gets. */
export interface BulkLockContext {
  /** Runs `lock FILE --json [extra]` (`Cargo.lock` or `smaller.lock`) with the shared cache. */
  run(file: "Cargo.lock" | "smaller.lock", extra?: readonly string[]): Promise<BulkLockRun>;
  /** The temporary directory holding both locks and the cache (`cache/`). */
  readonly dir: string;
  readonly github: FakeGithub;
}

/** Runs `body` with `crates` crates (at least 2) of one organization; cleans up after. */
export async function withBulkLock(
  crates: number,
  body: (context: BulkLockContext) => Promise<void>,
): Promise<void> {
  const data = await budgetCrates(crates, 1);
  const repositories = data.repositories.map((r) => ({ ...r, ownerType: "Organization" as const }));
  const digest = sha256Hex(data.crates[0].bytes);
  const cratesIo = startFakeCratesIo(data.crates);
  const github = startFakeGithub([], {
    repositories,
    attestations: { [digest]: [{ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }] },
  });
  try {
    await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const smaller = data.lock.split("\n[[package]]")
        .filter((p) => !p.includes('name = "budget-1"')).join("\n[[package]]");
      await Deno.writeTextFile(`${dir}/smaller.lock`, smaller);
      const run = async (file: string, extra: readonly string[] = []): Promise<BulkLockRun> => {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
          GH_TOKEN: "ghp_test",
        });
        const code = await main(["lock", `${dir}/${file}`, "--json", ...extra], io);
        const report = JSON.parse(io.out) as {
          subjects: { subject: { name: string }; verdict: string; checks: BulkLockCheck[] }[];
        };
        const zero = report.subjects.find((s) => s.subject.name === "budget-0")!;
        return { code, zero, out: io.out };
      };
      await body({ run, dir, github });
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}
