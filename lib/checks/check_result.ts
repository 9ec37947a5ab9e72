/**
 * The outcome of one check on one subject: what the report lists, the verdict is decided from,
 * and the JSON report carries unchanged.
 * @module
 */

/** Stable check ids (kebab-case; documented in docs/checks.md). */
export type CheckId =
  | "checksum"
  | "attestation"
  | "identity"
  | "subject-digest"
  | "rekor"
  | "cosign"
  | "release-attestation"
  | "crate-checksum"
  | "crate-vcs"
  | "crate-source"
  | "trusted-publishing"
  | "downgrade"
  | "policy";

/** `pass`: verified; `fail`: present but wrong; `skip`: missing; `error`: could not be checked. */
export type CheckStatus = "pass" | "fail" | "skip" | "error";

/** Where a piece of evidence came from. */
export interface EvidenceOrigin {
  /** The URL the evidence was fetched from. */
  readonly url?: string;
  /** The local file the evidence was read from. */
  readonly path?: string;
  /** True when the evidence was answered from the local cache rather than the network. */
  readonly cached?: boolean;
}

/** One check's result. */
export interface CheckResult {
  /** Which check this is. */
  readonly id: CheckId;
  /** How it came out. */
  readonly status: CheckStatus;
  /** Stable kebab-case code (see `lib/codes.ts`). */
  readonly code: string;
  /** What happened, for a person. */
  readonly message: string;
  /** What the check expected to find (a digest, an identity), shown under a failure. */
  readonly expected?: string;
  /** What the check found instead. */
  readonly actual?: string;
  /** Where the evidence the check looked at came from. */
  readonly origin?: EvidenceOrigin;
  /** The policy file and line whose rule demanded this check, when a policy did. */
  readonly policyRef?: { readonly file: string; readonly line: number };
  /**
   * True when a pass of this check is a proof that binds the subject to its source (a checksum
   * the publisher published, an attestation whose signer matched). TRUSTED needs at least one.
   */
  readonly loadBearing: boolean;
  /**
   * Whether a `skip` of this check makes the subject UNVERIFIED. Defaults to true. Evidence a
   * publisher may or may not publish (an attestation, a checksum file) is reported as a skip
   * with `required: false` unless a policy or `--strict` demands it.
   */
  readonly required?: boolean;
}
