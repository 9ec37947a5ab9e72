/**
 * Output options shared by the verifying commands: `--json`, `--color`, `--quiet`, `--verbose`.
 * @module
 */
import { UsageError } from "../errors.ts";
import { flag, type OptionTable, type ParsedArgs, stringOption } from "./args.ts";
import type { CliIo } from "./io.ts";

/** The option table entries for output options. */
export const OUTPUT_OPTIONS: OptionTable = {
  json: { type: "boolean" },
  color: { type: "string" },
  quiet: { type: "boolean" },
  verbose: { type: "boolean" },
};

/** Resolved output settings. */
export interface OutputSettings {
  readonly json: boolean;
  readonly color: boolean;
  readonly quiet: boolean;
  readonly verbose: boolean;
}

/** Resolves output settings from flags and the environment (`CARGO_ATTEST_JSON`, `NO_COLOR`). */
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
  const envJson = io.env("CARGO_ATTEST_JSON");
  return {
    json: flag(parsed, "json") || envJson === "1" || envJson === "true",
    color,
    quiet: flag(parsed, "quiet"),
    verbose: flag(parsed, "verbose"),
  };
}
