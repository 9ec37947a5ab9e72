/**
 * Argument parsing shared by every command: `node:util` parseArgs in strict mode, with errors
 * turned into {@link UsageError}s that name the command and say where to look.
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import { COMMAND_OPTION_TABLES, type CommandName } from "./option_tables.ts";

/** Parsed options and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` for `command` with its table in `option_tables.ts` (the options completion offers
 * too); unknown options and missing values become {@link UsageError}.
 */
export function parseCommandArgs(command: CommandName, args: readonly string[]): ParsedArgs {
  try {
    const parsed = parseArgs({
      args: [...args],
      options: COMMAND_OPTION_TABLES[command],
      allowPositionals: true,
      strict: true,
    });
    return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
  } catch (cause) {
    const raw = (cause as Error).message ?? String(cause);
    const message = raw.split("\n")[0].replace(/\. To specify a positional argument.*$/, "");
    throw new UsageError(`${command}: ${message}`, `run 'cargo-attest ${command} --help'`);
  }
}

/** Reads a string option (the last one wins when repeated without `multiple`). */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const v = parsed.values[name];
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return typeof v === "string" ? v : undefined;
}

/** Reads a repeatable string option as a list. */
export function listOption(parsed: ParsedArgs, name: string): string[] {
  const v = parsed.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).map(String);
}

/** Reads a boolean flag. */
export function flag(parsed: ParsedArgs, name: string): boolean {
  return parsed.values[name] === true;
}
