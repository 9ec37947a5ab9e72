/**
 * The error a TUF update or a cached TUF state raises when it refuses metadata: the repository,
 * the role and file, and why. Every one stops the run (exit 3) before anything is written.
 * @module
 */
import { AttestError } from "../../errors.ts";

/** Why TUF metadata was refused (stable codes, registered in lib/codes.ts). */
export type TufRefusal =
  | "tuf-signature-threshold"
  | "tuf-rollback"
  | "tuf-expired"
  | "tuf-hash-mismatch"
  | "tuf-version-mismatch"
  | "tuf-malformed"
  | "tuf-root-chain-too-long"
  | "tuf-target-missing";

/** TUF metadata (or a target) was refused; nothing of the update is kept. */
export class TufError extends AttestError {
  override name = "TufError";
  /** The TUF repository's name (`public-good`, `github`). */
  readonly repository: string;
  /** The file at fault (`3.root.json`, `timestamp.json`, `targets/…trusted_root.json`). */
  readonly file: string;
  /** A refusal `code` of `file` in `repository`. */
  constructor(
    code: TufRefusal,
    repository: string,
    file: string,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(code, `TUF repository '${repository}', ${file}: ${message}`, {
      cause: options?.cause,
      hint: options?.hint ??
        "the repository's metadata was refused and nothing was written to the cache; the roots in use are unchanged",
    });
    this.repository = repository;
    this.file = file;
  }
}
