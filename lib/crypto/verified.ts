/**
 * The result shape of every pure verification primitive: a value, or a failure with a stable
 * kebab-case code and a message that says what was expected and what was found.
 * @module
 */

/** A successful verification carrying what it established. */
export interface VerifiedOk<T> {
  /** Always `true`: the discriminant. */
  readonly ok: true;
  /** What the verification established. */
  readonly value: T;
}

/** A failed verification: `code` is stable kebab-case; `message` explains it to a person. */
export interface VerifiedFail {
  /** Always `false`: the discriminant. */
  readonly ok: false;
  /** Stable kebab-case failure code. */
  readonly code: string;
  /** What was expected and what was found, for a person. */
  readonly message: string;
}

/** Either outcome. Primitives return this and never throw for bad evidence. */
export type Verified<T> = VerifiedOk<T> | VerifiedFail;

/** Builds a success. */
export function ok<T>(value: T): VerifiedOk<T> {
  return { ok: true, value };
}

/** Builds a failure. */
export function fail(code: string, message: string): VerifiedFail {
  return { ok: false, code, message };
}
