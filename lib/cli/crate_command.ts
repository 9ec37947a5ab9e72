/**
 * `cargo-attest crate NAME@VERSION...` and `cargo-attest lock [Cargo.lock]`: parse the
 * arguments, build the options, run `verifyCrates`/`verifyLock` (lib/verify/crates.ts), write.
 * @module
 */
import { InputError, UsageError } from "../errors.ts";
import { DEFAULT_CRATE_JOBS } from "../limits.ts";
import { githubTokenFor, resolveEndpoints } from "../sources/endpoints.ts";
import {
  readFileAtRevision,
  revisionDirectoryProblem,
  RevisionReadError,
} from "../sources/git_revision.ts";
import { pathKind, readCappedText } from "../sources/local_files.ts";
import { type CargoLock, parseCargoLock } from "../evidence/cargo_lock.ts";
import { cacheTtlFrom } from "../sources/cache_settings.ts";
import { HttpClient } from "../sources/http.ts";
import {
  lockHasCrates,
  MAX_LOCK_BYTES,
  parseCrateSpec,
  verifyCrates,
  type VerifyCratesOptions,
  verifyParsedLock,
} from "../verify/crates.ts";
import { flag, parseCommandArgs, type ParsedArgs, stringOption } from "./args.ts";
import { jobsFromOption } from "./concurrency.ts";
import { writeReport } from "./emit_report.ts";
import type { CacheSettings } from "./cache_options.ts";
import {
  type ClientChoices,
  httpClientSettings,
  maxGithubRequestsFromOption,
} from "./http_options.ts";
import { FORECAST_FROM_CRATES, GithubBudget } from "../sources/github_budget.ts";
import type { CliIo } from "./io.ts";
import { type OutputSettings, resolveOutput } from "./output_options.ts";
import { policyFromArgs, rootsFromArgs, signerFromArgs } from "./verify_options.ts";

/** Runs `crate`. */
export async function runCrate(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("crate", args);
  if (parsed.positionals.length === 0) {
    throw new UsageError("crate: no NAME@VERSION given", "e.g. cargo-attest crate serde@1.0.200");
  }
  const targets = parsed.positionals.map(parseCrateSpec);
  const output = resolveOutput(parsed, io, "crate");
  const options = await optionsFromArgs(
    parsed,
    io,
    output,
    await cachedNetwork(parsed, io, output),
  );
  return writeReport(io, output, await verifyCrates(targets, options));
}

/** Runs `lock`. */
export async function runLock(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("lock", args);
  if (parsed.positionals.length > 1) {
    throw new UsageError(`lock: expected at most one PATH, got ${parsed.positionals.length}`);
  }
  const given = parsed.positionals[0] ?? "Cargo.lock";
  // `lock .` (a directory) means its Cargo.lock, as cargo finds it.
  const path = await pathKind(given) === "directory"
    ? `${given.replace(/\/+$/, "")}/Cargo.lock`
    : given;
  const output = resolveOutput(parsed, io, "lock");
  // Read first: a missing lock file is said before anything else (a token warning, a policy).
  const text = await readCappedText(path, MAX_LOCK_BYTES, "lock file");
  const base = await baseFromArgs(parsed, path);
  // A lock that lists only the workspace's own packages needs no network: the cache and its
  // clients (and what they load) are left out. One that does not parse is left to verifyLock,
  // which says why in its turn (after the policy, as for any lock).
  const lock = parseOrUndefined(text, path);
  const network = base === undefined && lock !== undefined && !lockHasCrates(lock, path)
    ? noNetwork(parsed, io)
    : await cachedNetwork(parsed, io, output);
  const options = await optionsFromArgs(parsed, io, output, network);
  return writeReport(
    io,
    output,
    await verifyParsedLock(
      { path, text, ...(lock ? { lock } : {}), ...(base ? { base } : {}) },
      options,
    ),
  );
}

function parseOrUndefined(text: string, path: string): CargoLock | undefined {
  try {
    return parseCargoLock(text, path);
  } catch {
    return undefined;
  }
}

/** Where a crate verification's clients come from, and the cache they share. */
interface Network {
  readonly cache: CacheSettings;
  client(options: ClientChoices): HttpClient;
}

/** Clients through the cache the command line and the environment name. */
async function cachedNetwork(
  parsed: ParsedArgs,
  io: CliIo,
  output: OutputSettings,
): Promise<Network> {
  const [{ cacheFromArgs }, { createHttpClient }] = await Promise.all([
    import("./cache_options.ts"),
    import("./http_client.ts"),
  ]);
  const cache = cacheFromArgs(parsed, io, { quiet: output.quiet });
  return { cache, client: (options) => createHttpClient(io, { ...options, cache }) };
}

/**
 * For a lock with nothing to verify: the same options are read and checked (a bad
 * `CARGO_ATTEST_CACHE_TTL` or `--timeout` is the same error), but no cache is opened and the
 * clients, which nothing asks, are plain ones.
 */
function noNetwork(parsed: ParsedArgs, io: CliIo): Network {
  cacheTtlFrom(io.env);
  return {
    cache: { offline: flag(parsed, "offline") },
    client: (options) => new HttpClient(httpClientSettings(io, options)),
  };
}

/**
 * `--base FILE|REF`: the base lock of a pull request, read now. A file is read as one, unless the
 * lock's repository also has a revision of that name: then which is meant cannot be told, and a
 * pull request could add a file named like its base revision (`origin/main`) to choose its own
 * base, so it is an ERROR (`./NAME` names the file). Anything else is a git revision, read with
 * `git show REF:./NAME` in the lock's directory (lib/sources/git_revision.ts).
 */
async function baseFromArgs(
  parsed: ParsedArgs,
  lockPath: string,
): Promise<{ path: string; text: string } | undefined> {
  const base = stringOption(parsed, "base");
  if (base === undefined) return undefined;
  const slash = lockPath.lastIndexOf("/");
  const directory = slash < 0 ? "." : slash === 0 ? "/" : lockPath.slice(0, slash);
  const name = lockPath.slice(slash + 1);
  if (await pathKind(base) === "file") {
    if (await isRevisionToo(directory, base, name)) {
      throw new InputError(
        base,
        `is both a file and a git revision of '${directory}': which one is the base cannot be ` +
          "told (a pull request may add a file named like its base revision)",
        {
          hint: `write ./${base.replace(/^\.\//, "")} for the file, or name the revision otherwise`,
        },
      );
    }
    return { path: base, text: await readCappedText(base, MAX_LOCK_BYTES, "base lock file") };
  }
  const problem = await revisionDirectoryProblem(directory);
  if (problem) {
    throw new InputError(`${base}:${name}`, `cannot read the lock at that revision: ${problem}`, {
      hint: `give --base a file instead: git show ${base}:PATH > base.Cargo.lock`,
    });
  }
  const { label, text } = await readFileAtRevision(directory, base, name, MAX_LOCK_BYTES);
  return { path: label, text };
}

/**
 * Whether the lock's repository has a revision `base` (with or without the lock in it, or too large
 * to read). False when git cannot be run or fails otherwise (a repository git refuses to read,
 * say: then no revision could be read either), the directory is in no repository, or `base`
 * cannot be a revision.
 */
async function isRevisionToo(directory: string, base: string, name: string): Promise<boolean> {
  try {
    await readFileAtRevision(directory, base, name, MAX_LOCK_BYTES);
    return true;
  } catch (error) {
    if (!(error instanceof RevisionReadError)) throw error;
    return ["no-file", "too-large", "ambiguous"].includes(error.reason);
  }
}

/** The options of a crate verification from the command line and the environment. */
async function optionsFromArgs(
  parsed: ParsedArgs,
  io: CliIo,
  output: OutputSettings,
  network: Network,
): Promise<VerifyCratesOptions> {
  const cache = network.cache;
  const concurrency = jobsFromOption(stringOption(parsed, "jobs"), DEFAULT_CRATE_JOBS);
  const policy = await policyFromArgs(parsed, io, output);
  const signer = signerFromArgs(parsed);
  const endpoints = resolveEndpoints(io.env);
  const timeout = stringOption(parsed, "timeout");
  const max = maxGithubRequestsFromOption(stringOption(parsed, "max-github-requests"));
  let planned = 0;
  const budget = new GithubBudget(endpoints.githubApi, {
    ...(max !== undefined ? { max } : {}),
    // Before the run's first GitHub request (a run the cache answers whole makes none): what
    // GitHub still allows, and for a big run what it expects to spend.
    beforeFirst: async () => {
      if (planned < FORECAST_FROM_CRATES && max === undefined) return;
      // Asked of GitHub itself, never of the cache: a remaining budget is only true now.
      const probe = new HttpClient(httpClientSettings(io, {
        token: githubTokenFor(io.env, endpoints.githubApi),
        timeout,
      }));
      await budget.probe(probe, endpoints.githubApi);
      if (!output.quiet && planned >= FORECAST_FROM_CRATES) {
        io.stderr(`cargo-attest: ${budget.forecast(planned)}\n`);
      }
    },
  });
  const githubToken = githubTokenFor(io.env, endpoints.githubApi);
  if (!githubToken && !output.quiet && !cache.offline) {
    io.stderr(
      "cargo-attest: warning: GH_TOKEN and GITHUB_TOKEN are not set: crate-vcs and crate-source " +
        "(which need the GitHub API) are skipped for every crate; set a token to run them\n",
    );
  }
  const progress = !output.quiet && (io.stderrIsTerminal || output.verbose);
  return {
    policy,
    // The Sigstore trust material is loaded (and reported) only when a crate has attestations.
    roots: () => rootsFromArgs(parsed, io),
    endpoints,
    crates: network.client({ timeout }),
    github: githubToken ? network.client({ token: githubToken, timeout, gate: budget }) : undefined,
    signer,
    strict: flag(parsed, "strict"),
    requireRekor: flag(parsed, "require-rekor"),
    ...(flag(parsed, "history") ? { history: true } : {}),
    cache: cache.cache,
    concurrency,
    now: () => io.now(),
    onProgress: (done, total, crate) => {
      if (!progress) return;
      const line = `[${done}/${total}] ${crate.name} ${crate.version}`;
      // On a terminal the line is updated in place (and ended when the run is done); in a log
      // (--verbose) each crate is a line of its own.
      if (io.stderrIsTerminal) {
        io.stderr(`\r\x1b[2K${line}${done === total ? "\n" : ""}`);
      } else io.stderr(`${line}\n`);
    },
    beforeGithub: (crates) => {
      planned = crates;
      return Promise.resolve();
    },
    onWarning: (message) => {
      if (!output.quiet) io.stderr(`cargo-attest: warning: ${message}\n`);
    },
  };
}
