/**
 * The command dispatcher: `main(args, io)` runs one command and returns its exit code. It never
 * throws: every failure becomes a message on stderr and exit 3, and nothing here can turn an
 * error into exit 0.
 * @module
 */
import { AttestError, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { CliIo } from "./io.ts";
import { settleWrites } from "../sources/write_behind.ts";
import { suggestClosest } from "../text/suggest.ts";
import { escapeForTerminal } from "../render/escape.ts";

type Command = (args: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  hash: async (args, io) => (await import("./hash_command.ts")).runHash(args, io),
  file: async (args, io) => (await import("./file_command.ts")).runFile(args, io),
  "verify-bundle": async (args, io) =>
    (await import("./verify_bundle_command.ts")).runVerifyBundle(args, io),
  release: async (args, io) => (await import("./release_command.ts")).runRelease(args, io),
  crate: async (args, io) => (await import("./crate_command.ts")).runCrate(args, io),
  lock: async (args, io) => (await import("./crate_command.ts")).runLock(args, io),
  policy: async (args, io) => (await import("./policy_command.ts")).runPolicy(args, io),
  init: async (args, io) => (await import("./init_command.ts")).runInit(args, io),
  cache: async (args, io) => (await import("./cache_command.ts")).runCache(args, io),
  report: async (args, io) => (await import("./report_command.ts")).runReport(args, io),
  completions: async (args, io) =>
    (await import("./completions_command.ts")).runCompletions(args, io),
  trust: async (args, io) => (await import("./trust_command.ts")).runTrust(args, io),
};

/** Every command `main` dispatches (a test drives each through its error paths). */
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** Exit code of a run that could not complete. */
export const EXIT_ERROR = 3;

/** Runs the command line `argv` (without the program name); returns the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const args = argv[0] === "attest" ? argv.slice(1) : [...argv];
  const verbose = args.includes("--verbose");
  try {
    return await dispatch(args, io);
  } catch (error) {
    return reportError(error, io, verbose);
  } finally {
    // Cache entries the command wrote behind its back are on disk before the run ends.
    await settleWrites();
  }
}

async function dispatch(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const { COMMAND_HELP, renderTopHelp } = await import("./help.ts");
    const topic = name === "help" ? rest[0] : undefined;
    io.stdout(topic && COMMAND_HELP[topic] ? COMMAND_HELP[topic] : renderTopHelp());
    return 0;
  }
  if (name === "--version" || name === "-V") {
    io.stdout(`cargo-attest ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    const hint = name.startsWith("-")
      ? "options come after the command: cargo-attest COMMAND [OPTIONS]"
      : didYouMean(name) ?? "run 'cargo-attest --help' for the commands";
    throw new UsageError(`unknown command '${name}'`, hint);
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    // `policy check --help` is the subcommand's help; `policy --help` the group's.
    const sub = rest[0] !== undefined && !rest[0].startsWith("-") ? `${name} ${rest[0]}` : name;
    const { COMMAND_HELP } = await import("./help.ts");
    io.stdout(COMMAND_HELP[sub] ?? COMMAND_HELP[name]);
    return 0;
  }
  if (!REPORTING_COMMANDS.has(name)) return await command(rest, io);
  try {
    return await command(rest, io);
  } catch (error) {
    // A script that asked for a machine-readable report gets one even when the run could not
    // complete; the error is also said on stderr, as always.
    const format = requestedReportFormat(rest, io);
    if (format === undefined || !(error instanceof AttestError)) throw error;
    const { buildErrorReport } = await import("../verdict/report.ts");
    const { renderReportAs } = await import("./emit_report.ts");
    const report = buildErrorReport({
      version: VERSION,
      now: io.now(),
      code: error.code,
      message: error.hint ? `${error.message} (hint: ${error.hint})` : error.message,
    });
    io.stdout(
      renderReportAs(report, {
        format,
        json: format === "json",
        color: false,
        quiet: false,
        verbose: false,
      }),
    );
    throw error;
  }
}

/** The verifying commands, which print a report. */
const REPORTING_COMMANDS = new Set(["file", "release", "crate", "lock"]);

/**
 * The machine-readable format the arguments ask for (`--json`, `--format json|markdown|sarif`,
 * `CARGO_ATTEST_JSON=1`), read leniently: the command's own parser may have failed on them.
 */
function requestedReportFormat(
  args: readonly string[],
  io: CliIo,
): "json" | "markdown" | "sarif" | undefined {
  for (const [i, arg] of args.entries()) {
    const value = arg.startsWith("--format=")
      ? arg.slice(9)
      : arg === "--format"
      ? args[i + 1]
      : "";
    if (value === "json" || value === "markdown" || value === "sarif") return value;
    if (arg === "--json") return "json";
  }
  const env = io.env("CARGO_ATTEST_JSON")?.trim().toLowerCase();
  return env && ["1", "true", "yes", "on"].includes(env) ? "json" : undefined;
}

function didYouMean(name: string): string | undefined {
  const closest = suggestClosest(name, Object.keys(COMMANDS));
  return closest === undefined ? undefined : `did you mean '${closest}'?`;
}

function reportError(error: unknown, io: CliIo, verbose: boolean): number {
  // Messages may quote a server's answer or a file's content: escaped, one line each.
  const safe = escapeForTerminal;
  if (error instanceof AttestError) {
    io.stderr(`cargo-attest: error: ${safe(error.message)}\n`);
    if (error.hint) io.stderr(`  hint: ${safe(error.hint)}\n`);
    if (verbose && error.cause) io.stderr(`  cause: ${safe(describeCause(error.cause))}\n`);
    return EXIT_ERROR;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`cargo-attest: internal error: ${safe(message)}\n`);
  if (verbose && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  else io.stderr("  hint: run again with --verbose for details, and please report it\n");
  return EXIT_ERROR;
}

function describeCause(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
