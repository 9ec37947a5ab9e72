/**
 * Typed errors for runs that cannot complete. Every one maps to exit code 3 (ERROR): evidence
 * that does not verify is never an error, it is a failed check.
 * @module
 */

/** Base class: a run-stopping problem with a stable code and, where useful, a hint. */
export class AttestError extends Error {
  /** The error class name, `AttestError` (subclasses set their own). */
  override name = "AttestError";
  /** Stable kebab-case code (registered in lib/codes.ts, documented in docs/codes.md). */
  readonly code: string;
  /** One line telling the user what to do next. */
  readonly hint?: string;

  /** An error with stable `code`, `message` for a person, and optional `cause` and `hint`. */
  constructor(code: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options?.hint;
  }
}

/** The command line was wrong: unknown flag, missing argument, bad value. */
export class UsageError extends AttestError {
  override name = "UsageError";
  constructor(message: string, hint?: string) {
    super("usage", message, { hint });
  }
}

/** An input file could not be read or is not usable at all (missing, a directory, too large). */
export class InputError extends AttestError {
  override name = "InputError";
  /** The path at fault. */
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super("input-unusable", `${path}: ${message}`, options);
    this.path = path;
  }
}

/** Trust material (a trusted root, a key given with --key) could not be used. */
export class TrustMaterialError extends AttestError {
  override name = "TrustMaterialError";
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super("trust-material-unusable", message, options);
  }
}

/** A network request failed after retries, or answered with something unusable. */
export class NetworkError extends AttestError {
  override name = "NetworkError";
  /** The URL at fault. */
  readonly url: string;
  constructor(url: string, message: string, options?: { cause?: unknown; hint?: string }) {
    super("network", `${url}: ${message}`, options);
    this.url = url;
  }
}

/** A command that is part of the contract but not built yet in this version. */
export class NotImplementedError extends AttestError {
  override name = "NotImplementedError";
  constructor(command: string) {
    super(
      "not-implemented",
      `'${command}' is not implemented in this version of cargo-attest`,
      { hint: "see the README's status section for what works today" },
    );
  }
}
