/**
 * `cargo-attest release OWNER/REPO TAG [--asset NAME]...`: verify a GitHub release's assets
 * against the checksums published with the release, GitHub artifact attestations for each
 * asset's digest (signed by a workflow of the repository, built from the tag) and cosign bundles
 * published beside the assets.
 * @module
 */
import { UsageError } from "../errors.ts";
import { githubTokenFor, resolveEndpoints } from "../sources/endpoints.ts";
import { verifyRelease } from "../verify/release.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import { cacheFromArgs } from "./cache_options.ts";
import { jobsFromOption } from "./concurrency.ts";
import { writeReport } from "./emit_report.ts";
import { createHttpClient, maxGithubRequestsFromOption } from "./http_client.ts";
import { GithubBudget } from "../sources/github_budget.ts";
import type { CliIo } from "./io.ts";
import { resolveOutput } from "./output_options.ts";
import { policyFromArgs, rootsFromArgs, signerFromArgs } from "./verify_options.ts";

/** Runs `release`; returns the verdict's exit code. */
export async function runRelease(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("release", args);
  const output = resolveOutput(parsed, io, "release");
  const usage = "usage: cargo-attest release OWNER/REPO TAG [--asset NAME]...";
  if (parsed.positionals.length !== 2) {
    throw new UsageError(
      `release: expected OWNER/REPO and TAG, got ${parsed.positionals.length} argument(s)`,
      usage,
    );
  }
  const [slug, tag] = parsed.positionals;
  const match = slug.match(/^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/);
  if (!match) throw new UsageError(`release: '${slug}' is not OWNER/REPO`, usage);
  const [, owner, repo] = match;
  jobsFromOption(stringOption(parsed, "jobs"), 1); // assets are verified in turn: checked, not used
  const cliSigner = signerFromArgs(parsed);
  const loaded = await policyFromArgs(parsed, io, output);
  const roots = await rootsFromArgs(parsed, io);
  const endpoints = resolveEndpoints(io.env);
  const cache = cacheFromArgs(parsed, io, { quiet: output.quiet });
  const timeout = stringOption(parsed, "timeout");
  const max = maxGithubRequestsFromOption(stringOption(parsed, "max-github-requests"));
  const client = createHttpClient(io, {
    token: githubTokenFor(io.env, endpoints.githubApi),
    timeout,
    cache,
    gate: new GithubBudget(endpoints.githubApi, { ...(max !== undefined ? { max } : {}) }),
  });
  // Rekor gets a client of its own, without the GitHub token.
  const rekorClient = createHttpClient(io, { timeout, cache });
  const report = await verifyRelease(
    { repo: `${owner}/${repo}`, tag, assets: listOption(parsed, "asset") },
    {
      policy: loaded,
      roots,
      endpoints,
      github: client,
      rekor: rekorClient,
      signer: cliSigner,
      strict: flag(parsed, "strict"),
      requireRekor: flag(parsed, "require-rekor"),
      cache: cache.cache,
      now: () => io.now(),
      onProgress: (text) => {
        if (!output.quiet && (io.stderrIsTerminal || output.verbose)) {
          io.stderr(`cargo-attest: ${text}\n`);
        }
      },
    },
  );
  return writeReport(io, output, report);
}
