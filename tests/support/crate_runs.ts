/**
 * One `cargo-attest crate tiny-attest@0.1.0 --json` run, as a user would make it, against a fake
 * crates.io serving `bytes` as the crate and a fake GitHub serving `repository` (by default the
 * tiny-attest repository: tag v0.1.0 at its commit, its tree): the harness of the crate attack
 * tests, which change the `.crate`, the tree or the policy.
 * @module
 */
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { startFakeCratesIo } from "./fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./fake_github.ts";
import { tinyAttestCrate, tinyAttestRepository } from "./tiny_attest.ts";

/** What a run gave: the exit code, the report, and the crate-source checks of its subject. */
export interface CrateRun {
  readonly code: number;
  readonly verdict: string;
  readonly source: { id: string; status: string; code: string; message: string }[];
  readonly out: string;
  readonly err: string;
}

/** Runs `crate tiny-attest@0.1.0 --json` (with `policy` as the policy file, when given). */
export async function runTinyAttest(
  bytes: Uint8Array,
  options: { repository?: Partial<FakeRepository>; policy?: string } = {},
): Promise<CrateRun> {
  const cratesIo = startFakeCratesIo([tinyAttestCrate({ bytes })]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository(options.repository ?? {})],
  });
  const dir = await Deno.makeTempDir();
  try {
    const args = ["crate", "tiny-attest@0.1.0", "--json"];
    if (options.policy !== undefined) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      args.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(args, io);
    const report = JSON.parse(io.out);
    const source = report.subjects[0].checks.filter((c: { id: string }) => c.id === "crate-source");
    return { code, verdict: report.verdict, source, out: io.out, err: io.err };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}
