/**
 * `cargo-attest init [--path PATH] [--force]`: writes a commented `attest.toml` (the template is
 * embedded at compile time) that passes `policy check` and demands nothing beyond the built-in
 * rules until it is edited. It never overwrites a file without `--force`.
 * @module
 */
import TEMPLATE from "../../policies/template.toml" with { type: "text" };
import { AttestError, InputError, UsageError } from "../errors.ts";
import { DEFAULT_POLICY_FILE } from "../policy/model.ts";
import { flag, parseCommandArgs, stringOption } from "./args.ts";
import type { CliIo } from "./io.ts";

/** The policy template `init` writes (`policies/template.toml`). */
export const POLICY_TEMPLATE: string = TEMPLATE;

/** Runs `init`; returns the exit code (0 written; 3 when the file exists or cannot be written). */
export async function runInit(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("init", args);
  if (parsed.positionals.length > 0) {
    throw new UsageError(
      `init: unexpected argument '${parsed.positionals[0]}'`,
      "usage: cargo-attest init [--path PATH] [--force]",
    );
  }
  const path = stringOption(parsed, "path") ?? DEFAULT_POLICY_FILE;
  const force = flag(parsed, "force");
  let existed = false;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new InputError(path, "is a directory, not a file");
    existed = true;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      if (error instanceof AttestError) throw error;
      throw new InputError(path, `cannot be inspected: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (existed && !force) {
    throw new AttestError("policy-file-exists", `${path} already exists; it was left as it is`, {
      hint: `check it with 'cargo-attest policy check ${path}', or overwrite it with --force`,
    });
  }
  try {
    // createNew closes the race between the check above and the write.
    await Deno.writeTextFile(path, POLICY_TEMPLATE, force ? {} : { createNew: true });
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) {
      throw new AttestError("policy-file-exists", `${path} already exists; it was left as it is`, {
        hint: "overwrite it with --force",
      });
    }
    throw new InputError(path, `cannot be written: ${(error as Error).message}`, { cause: error });
  }
  if (!flag(parsed, "quiet")) {
    const check = path === DEFAULT_POLICY_FILE ? "" : ` ${path}`;
    io.stdout(
      `${existed ? "overwrote" : "wrote"} ${path}: a commented policy that demands nothing ` +
        "beyond the built-in rules yet.\n" +
        `Edit it, then run 'cargo-attest policy check${check}'.\n`,
    );
  }
  return 0;
}
