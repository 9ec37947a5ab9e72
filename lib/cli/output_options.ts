/**
 * Output options shared by the verifying commands: `--format`, `--json`, `--color`, `--quiet`,
 * `--verbose`.
 * @module
 */
import { UsageError } from "../errors.ts";
import { flag, type ParsedArgs, stringOption } from "./args.ts";
import type { CliIo } from "./io.ts";

/**
 * The formats of a verification report: `text` (a terminal or a CI log), `json` (the versioned
 * report), `markdown` (a GitHub job summary), `sarif` (SARIF 2.1.0, for code scanning).
 */
export const REPORT_FORMATS = ["text", "json", "markdown", "sarif"] as const;

/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = typeof REPORT_FORMATS[number];

/** Commands that print a verification report, and so take every format. */
const REPORT_COMMANDS: ReadonlySet<string> = new Set([
  "file",
  "release",
  "crate",
  "lock",
  "report",
]);

/** Resolved output settings. */
export interface OutputSettings {
  /** The report's format (`--format`; `--json` and `CARGO_ATTEST_JSON=1` mean `json`). */
  readonly format: ReportFormat;
  /** True when the format is `json` (the commands that print only text or JSON read this). */
  readonly json: boolean;
  readonly color: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
  /** `lock` only: the lock file its subjects come from (SARIF results point into it). */
  readonly lockFile?: string;
}

/**
 * The formats `command` accepts: all of {@link REPORT_FORMATS} for the commands that print a
 * verification report (`file`, `release`, `crate`, `lock`, `report`), `text` and `json` for the
 * others (`policy check`, `policy explain`).
 */
export function formatsFor(command: string): readonly ReportFormat[] {
  return REPORT_COMMANDS.has(command) ? REPORT_FORMATS : ["text", "json"];
}

/**
 * Resolves output settings from flags and the environment (`CARGO_ATTEST_JSON`, `NO_COLOR`).
 * `--json` is `--format json`; `--json` with another `--format` is a usage error. A flag wins
 * over the environment: `--format sarif` with `CARGO_ATTEST_JSON=1` set prints SARIF.
 */
export function resolveOutput(parsed: ParsedArgs, io: CliIo, command: string): OutputSettings {
  const colorOption = stringOption(parsed, "color") ?? "auto";
  if (!["auto", "always", "never"].includes(colorOption)) {
    throw new UsageError(
      `${command}: --color must be auto, always or never (got '${colorOption}')`,
    );
  }
  const noColor = (io.env("NO_COLOR") ?? "") !== "";
  const color = colorOption === "always" ||
    (colorOption === "auto" && io.stdoutIsTerminal && !noColor);
  const format = resolveFormat(parsed, io, command);
  return {
    format,
    json: format === "json",
    color,
    quiet: flag(parsed, "quiet"),
    verbose: flag(parsed, "verbose"),
    ...(command === "lock" ? { lockFile: parsed.positionals[0] ?? "Cargo.lock" } : {}),
  };
}

function resolveFormat(parsed: ParsedArgs, io: CliIo, command: string): ReportFormat {
  const formats = formatsFor(command);
  const given = stringOption(parsed, "format");
  if (given !== undefined && !(formats as readonly string[]).includes(given)) {
    throw new UsageError(
      `${command}: --format must be ${formats.slice(0, -1).join(", ")} or ${
        formats[formats.length - 1]
      } (got '${given}')`,
    );
  }
  const jsonFlag = flag(parsed, "json");
  if (jsonFlag && given !== undefined && given !== "json") {
    throw new UsageError(
      `${command}: --json and --format ${given} ask for two formats`,
      "--json is short for --format json: give one of them",
    );
  }
  const envJson = jsonFromEnvironment(io.env("CARGO_ATTEST_JSON"));
  if (given !== undefined) return given as ReportFormat;
  return jsonFlag || envJson ? "json" : "text";
}

const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["", "0", "false", "no", "off"];

/** Reads `CARGO_ATTEST_JSON`: a yes or no word (any case); anything else is a usage error. */
function jsonFromEnvironment(value: string | undefined): boolean {
  if (value === undefined) return false;
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  throw new UsageError(
    `CARGO_ATTEST_JSON=${JSON.stringify(value)} is neither yes nor no`,
    "set it to 1, true, yes or on for JSON output (0, false, no, off or empty for text)",
  );
}
