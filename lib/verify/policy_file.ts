/**
 * The policy a verification runs with: read from a file (validated, with diagnostics) or the
 * built-in one, and what the report records about it.
 * @module
 */
import { sha256HexOfText } from "../crypto/text_digest.ts";
import { AttestError } from "../errors.ts";
import type { PolicyDiagnostic } from "../policy/diagnostics.ts";
import { loadPolicy } from "../policy/load.ts";
import { BUILTIN_POLICY, type Policy } from "../policy/model.ts";
import { readCappedText } from "../sources/local_files.ts";

/** Largest policy file read (real ones are a few KiB). */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** The policy a verification runs with, and what the report says about it. */
export interface LoadedPolicy {
  /** The validated rules. */
  readonly policy: Policy;
  /** For `Report.policy`: the file and its SHA-256, or the built-in policy. */
  readonly report: { path: string | null; sha256: string | null; builtin: boolean };
  /** Warnings the file produced (a valid policy has no errors). */
  readonly diagnostics: readonly PolicyDiagnostic[];
}

/** The built-in policy (no file): checks that are present must pass, one proof is enough. */
export const BUILTIN_LOADED_POLICY: LoadedPolicy = {
  policy: BUILTIN_POLICY,
  report: { path: null, sha256: null, builtin: true },
  diagnostics: [],
};

/** Thrown when a policy file has errors. Exit 3; `diagnostics` say what and where. */
export class PolicyInvalidError extends AttestError {
  /** The error class name, `PolicyInvalidError`. */
  override name = "PolicyInvalidError";
  /** Every diagnostic of the file, errors and warnings. */
  readonly diagnostics: readonly PolicyDiagnostic[];
  /** Builds the error for `file` from its diagnostics. */
  constructor(file: string, diagnostics: readonly PolicyDiagnostic[]) {
    const errors = diagnostics.filter((d) => d.level === "error").length;
    super(
      "policy-invalid",
      `${file} is not a valid policy (${errors} error${
        errors === 1 ? "" : "s"
      }); nothing was verified`,
      { hint: `fix the problems above, then run 'cargo-attest policy check ${file}'` },
    );
    this.diagnostics = diagnostics;
  }
}

/**
 * Reads and validates a policy file (`attest.toml`).
 *
 * @example
 * ```ts
 * import { readPolicyFile } from "./policy_file.ts";
 * const loaded = await readPolicyFile("policies/high-assurance.toml");
 * console.log(loaded.report.sha256);
 * ```
 * @throws {PolicyInvalidError} when the file has errors (its diagnostics say which)
 * @throws {InputError} when it cannot be read
 */
export async function readPolicyFile(
  path: string,
  options: { readonly now?: Date } = {},
): Promise<LoadedPolicy> {
  const text = await readCappedText(path, MAX_POLICY_BYTES, "policy file");
  const result = await loadPolicy(text, path, { now: options.now ?? new Date() });
  if (!result.policy) throw new PolicyInvalidError(path, result.diagnostics);
  return {
    policy: result.policy,
    report: { path, sha256: await sha256HexOfText(text), builtin: false },
    diagnostics: result.diagnostics,
  };
}
