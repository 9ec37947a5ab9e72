/**
 * `deno task compile` and `deno task compile:all`: builds the standalone `cargo-attest` binary
 * with `deno compile`, with the narrowest permissions it works with (see docs/permissions.md;
 * {@link PERMISSION_FLAGS} is the single source of truth, and a test holds `deno.json`, the
 * README, docs/install.md, docs/permissions.md and the code to it).
 *
 * ```sh
 * deno task compile:all                  # dist/cargo-attest-<target>[.exe] for every target, and dist/SHA256SUMS
 * deno task compile:all --target aarch64-apple-darwin   # only that one (repeatable)
 * deno task compile                      # only the host, as dist/cargo-attest[.exe]
 * deno task compile:all --dry-run        # print the exact deno compile commands, run nothing
 * ```
 *
 * `deno compile` downloads the runtime of each target (`denort-<target>.zip` from dl.deno.land)
 * the first time it builds for it, and caches it in `DENO_DIR`; without that network access the
 * target fails with a message that says so, and nothing is left in `dist/` for it.
 *
 * `dist/SHA256SUMS` (`sha256sum` format, over the binaries this run built) is written only when
 * every target built; a failed run removes it, so it never vouches for a stale or missing file.
 * `--current` leaves it alone (a local build is not a release).
 *
 * Exit codes: 0 built (or printed, with `--dry-run`); 1 a target failed to build; 2 bad
 * arguments (an unknown target or option).
 * @module
 */
import { createHash } from "node:crypto";

/** The release targets, in the order they are built. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One release target (a Rust-style triple, as `deno compile --target` names it). */
export type Target = typeof TARGETS[number];

/**
 * Every environment variable cargo-attest reads, and no other: the binary may read exactly these
 * (`--allow-env=…`). A test scans `lib/` and `cli.ts` and fails when code reads a name that is not
 * here (the binary would stop with "Requires env access") or this lists one nobody reads.
 */
export const ENV_NAMES: readonly string[] = [
  // cache location and lifetime (lib/sources/cache.ts, lib/cli/cache_options.ts)
  "CARGO_ATTEST_CACHE_DIR",
  "CARGO_ATTEST_CACHE_TTL",
  "CARGO_HOME",
  "HOME",
  "USERPROFILE",
  // output (lib/cli/output_options.ts, lib/cli/policy_command.ts)
  "CARGO_ATTEST_JSON",
  "NO_COLOR",
  // endpoints and the GitHub token (lib/sources/endpoints.ts)
  "CARGO_ATTEST_GITHUB_API_URL",
  "CARGO_ATTEST_CRATES_API_URL",
  "CARGO_ATTEST_CRATES_DL_URL",
  "CARGO_ATTEST_CRATES_INDEX_URL",
  "CARGO_ATTEST_REKOR_URL",
  // the TUF repository trust update refreshes from (lib/sources/tuf_endpoints.ts)
  "CARGO_ATTEST_TUF_URL",
  "GH_TOKEN",
  "GITHUB_TOKEN",
];

/**
 * The permissions of the shipped `cargo-attest`: compiled into the binary, and the same for
 * `deno task run`, `deno run` and `deno install` (docs/permissions.md says why each is needed).
 * `--no-prompt` makes a missing permission an error rather than a question, as in the binary.
 */
export const PERMISSION_FLAGS: readonly string[] = [
  "--no-prompt",
  "--allow-read",
  `--allow-env=${ENV_NAMES.join(",")}`,
  "--allow-net",
  "--allow-write",
  "--allow-run=git",
];

/**
 * Modules `deno compile` cannot find by following static imports, embedded with `--include`:
 * workers started with `new Worker(new URL("./module.ts", import.meta.url))`. None today (a test
 * holds this list to the code).
 */
export const INCLUDES: readonly string[] = [];

/** The program's entry point, relative to the repository root. */
export const ENTRY = "cli.ts";

/** Where the binaries go, relative to the repository root. */
export const DIST = "dist";

/** The checksum file written beside the release binaries. */
export const CHECKSUM_FILE = "SHA256SUMS";

/**
 * The permissions of this script itself (`deno.json` tasks `compile` and `compile:all`): read the
 * repository (to hash the binaries), write `dist/`, run `deno compile`.
 */
export const SCRIPT_FLAGS: readonly string[] = [
  "--allow-read=.",
  "--allow-write=dist",
  "--allow-run",
];

const USAGE = `usage: deno task compile:all [--target TARGET]... [--dry-run]
       deno task compile [--dry-run]       (same as: scripts/compile.ts --current)

  --target TARGET  build only this target (repeatable); default: all of
                   ${TARGETS.join("\n                   ")}
  --current        build only for this machine, as ${DIST}/cargo-attest[.exe] (no ${CHECKSUM_FILE})
  --dry-run        print the exact deno compile commands, one per line, and run nothing
`;

/** Bad arguments: printed with the usage, exit 2. */
export class CompileUsageError extends Error {
  override name = "CompileUsageError";
}

/** What to build, from the command line. */
export interface CompileOptions {
  /** The release targets to build (empty with `current`). */
  readonly targets: readonly Target[];
  /** Build only for the host, as `dist/cargo-attest[.exe]`. */
  readonly current: boolean;
  /** Print the commands instead of running them. */
  readonly dryRun: boolean;
  /** Print the usage and stop. */
  readonly help: boolean;
}

function isTarget(value: string): value is Target {
  return (TARGETS as readonly string[]).includes(value);
}

/**
 * Parses the script's arguments.
 *
 * @throws {CompileUsageError} naming an unknown target (and listing the valid ones), an unknown
 * option, a stray argument, or `--current` together with `--target`
 */
export function parseCompileArgs(args: readonly string[]): CompileOptions {
  const targets: Target[] = [];
  let current = false;
  let dryRun = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    let value: string | undefined;
    if (arg === "--target") {
      value = args[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new CompileUsageError(
          `--target needs a value, one of: ${TARGETS.join(", ")}`,
        );
      }
    } else if (arg.startsWith("--target=")) {
      value = arg.slice("--target=".length);
    } else if (arg === "--current") {
      current = true;
      continue;
    } else if (arg === "--dry-run") {
      dryRun = true;
      continue;
    } else if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    } else if (arg.startsWith("-")) {
      throw new CompileUsageError(`unknown option '${arg}'`);
    } else {
      throw new CompileUsageError(`unexpected argument '${arg}'`);
    }
    if (!isTarget(value)) {
      throw new CompileUsageError(
        `unknown target '${value}'; valid targets: ${TARGETS.join(", ")}`,
      );
    }
    if (!targets.includes(value)) targets.push(value);
  }
  if (current && targets.length > 0) {
    throw new CompileUsageError(
      "--current builds for this machine only; it cannot be combined with --target",
    );
  }
  return {
    targets: current ? [] : targets.length > 0 ? targets : [...TARGETS],
    current,
    dryRun,
    help,
  };
}

/** One `deno compile` run. */
export interface Build {
  /** The target, or undefined for the host (`--current`). */
  readonly target?: Target;
  /** Its output file, relative to the repository root (`dist/…`). */
  readonly output: string;
  /** The arguments after the deno executable (`compile …`). */
  readonly args: readonly string[];
}

/** The output file of a target (`dist/cargo-attest-<target>[.exe]`), relative to the root. */
export function outputFor(target: Target): string {
  return `${DIST}/cargo-attest-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** The `deno compile` arguments for one target (the host when `target` is undefined). */
export function compileArgs(target: Target | undefined, output: string): string[] {
  return [
    "compile",
    ...PERMISSION_FLAGS,
    ...INCLUDES.flatMap((path) => ["--include", path]),
    ...(target === undefined ? [] : ["--target", target]),
    "--output",
    output,
    ENTRY,
  ];
}

/** The builds the options ask for; `hostOs` decides the `.exe` of a `--current` build. */
export function planBuilds(
  options: CompileOptions,
  hostOs: typeof Deno.build.os = Deno.build.os,
): Build[] {
  if (options.current) {
    const output = `${DIST}/cargo-attest${hostOs === "windows" ? ".exe" : ""}`;
    return [{ output, args: compileArgs(undefined, output) }];
  }
  return options.targets.map((target) => {
    const output = outputFor(target);
    return { target, output, args: compileArgs(target, output) };
  });
}

/** Quotes one word for a POSIX shell, only when it needs it. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A command line as a shell would take it (run from the repository root). */
export function formatCommand(executable: string, args: readonly string[]): string {
  return [executable, ...args].map(shellQuote).join(" ");
}

/** True when `deno compile` failed because it could not download the target's runtime. */
export function isRuntimeDownloadFailure(stderr: string): boolean {
  return /dl\.deno\.land|denort|Setting up base binary/i.test(stderr);
}

/** What {@link runBuilds} needs from the outside world (a real subprocess, or a test's fake). */
export interface BuildEnvironment {
  /** The repository root (absolute path). */
  readonly root: string;
  /** Runs `deno <args>` in the root; resolves to its exit code and what it wrote to stderr. */
  readonly spawn: (args: readonly string[]) => Promise<{ code: number; stderr: string }>;
  /** Progress and errors (stderr). */
  readonly log: (line: string) => void;
  /** The host's target triple, for messages about a `--current` build. */
  readonly hostTarget: string;
}

function join(root: string, relative: string): string {
  return `${root.replace(/[\\/]+$/, "")}/${relative}`;
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Removes a build's output and any temporary file `deno compile` left beside it. */
async function removeOutput(root: string, output: string): Promise<void> {
  await removeIfPresent(join(root, output));
  const slash = output.lastIndexOf("/");
  const dir = join(root, output.slice(0, slash));
  const prefix = `${output.slice(slash + 1)}.tmp-`;
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(prefix)) await removeIfPresent(`${dir}/${entry.name}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The SHA-256 of a file, read in chunks (binaries are ~100 MB). */
async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * `SHA256SUMS` over the given outputs, in `sha256sum` format (`<hex>  <name>`, names relative to
 * `dist/`, sorted), written atomically.
 */
export async function writeChecksums(root: string, outputs: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const output of [...outputs].sort()) {
    const name = output.slice(output.lastIndexOf("/") + 1);
    lines.push(`${await sha256File(join(root, output))}  ${name}\n`);
  }
  const path = join(root, `${DIST}/${CHECKSUM_FILE}`);
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, lines.join(""));
  await Deno.rename(tmp, path);
  return lines.join("");
}

/**
 * Runs the builds one after another; a failed target does not stop the others. Returns the exit
 * code: 0 when every build succeeded, else 1 (each failure named on the log, its output removed,
 * and `SHA256SUMS` removed unless this is a `--current` build).
 */
export async function runBuilds(builds: readonly Build[], env: BuildEnvironment): Promise<number> {
  await Deno.mkdir(join(env.root, DIST), { recursive: true });
  const built: string[] = [];
  const failed: string[] = [];
  for (const build of builds) {
    const label = build.target ?? `this machine (${env.hostTarget})`;
    // An old binary must not outlive a failed rebuild of the same target.
    await removeOutput(env.root, build.output);
    env.log(`compile.ts: building ${build.output} for ${label}`);
    let result: { code: number; stderr: string };
    try {
      result = await env.spawn(build.args);
    } catch (error) {
      result = { code: -1, stderr: (error as Error).message };
    }
    if (result.code === 0) {
      try {
        const info = await Deno.stat(join(env.root, build.output));
        if (info.isFile && info.size > 0) {
          built.push(build.output);
          continue;
        }
      } catch {
        // reported below
      }
      result = { code: result.code, stderr: `deno compile wrote no ${build.output}` };
    }
    await removeOutput(env.root, build.output);
    failed.push(label);
    if (isRuntimeDownloadFailure(result.stderr)) {
      const runtime = `denort-${build.target ?? env.hostTarget}.zip`;
      env.log(
        `compile.ts: error: ${label}: deno compile could not download the Deno runtime for this ` +
          `target (${runtime}). deno compile needs network access to dl.deno.land for cross ` +
          "targets (and once for this machine's own target; the runtime is cached in DENO_DIR " +
          "afterwards). Run it where dl.deno.land is reachable. " +
          `Nothing was left in ${DIST}/ for ${label}.`,
      );
    } else {
      env.log(
        `compile.ts: error: ${label}: deno compile failed (exit ${result.code}); its output is ` +
          `above. Nothing was left in ${DIST}/ for ${label}.`,
      );
    }
  }
  const release = builds.some((build) => build.target !== undefined);
  if (failed.length > 0) {
    if (release) {
      await removeIfPresent(join(env.root, `${DIST}/${CHECKSUM_FILE}`));
    }
    env.log(
      `compile.ts: ${failed.length} of ${builds.length} failed (${failed.join(", ")})` +
        (release ? `; no ${DIST}/${CHECKSUM_FILE} was written (an old one is removed)` : ""),
    );
    return 1;
  }
  if (release) {
    await writeChecksums(env.root, built);
    env.log(`compile.ts: wrote ${DIST}/${CHECKSUM_FILE} over ${built.length} binaries`);
  }
  for (const output of built) env.log(`compile.ts: built ${output}`);
  return 0;
}

/** Runs `deno` in `root`, passing its stderr through while keeping a copy for diagnosis. */
function spawnDeno(root: string): BuildEnvironment["spawn"] {
  return async (args) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [...args],
      cwd: root,
      stdin: "null",
      stdout: "inherit",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    let stderr = "";
    for await (const chunk of child.stderr) {
      Deno.stderr.writeSync(chunk);
      stderr += decoder.decode(chunk, { stream: true });
    }
    const status = await child.status;
    return { code: status.code, stderr };
  };
}

/** The script: parses `args`, then prints or runs the builds; returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  let options: CompileOptions;
  try {
    options = parseCompileArgs(args);
  } catch (error) {
    if (!(error instanceof CompileUsageError)) throw error;
    console.error(`compile.ts: error: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const builds = planBuilds(options);
  const root = decodeURIComponent(new URL(".", new URL("..", import.meta.url)).pathname)
    .replace(/^\/([A-Za-z]:)/, "$1") // file:///C:/… on Windows
    .replace(/\/+$/, "");
  if (options.dryRun) {
    for (const build of builds) console.log(formatCommand(Deno.execPath(), build.args));
    console.error(
      `compile.ts: dry run: these commands run in ${root}` +
        (options.current ? "" : `, then ${DIST}/${CHECKSUM_FILE} is written over their outputs`),
    );
    return 0;
  }
  return await runBuilds(builds, {
    root,
    spawn: spawnDeno(root),
    log: (line) => console.error(line),
    hostTarget: Deno.build.target,
  });
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
