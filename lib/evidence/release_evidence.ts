/**
 * What was gathered about a release's files, as pure data: the bundles and signatures published
 * about a file, an asset as downloaded, and the places checksums were published. The sources
 * stage gathers them (`lib/sources/release_evidence.ts`); the checks judge them
 * (`lib/checks/release_checks.ts`, `lib/checks/checksum_check.ts`).
 * @module
 */
import type { CheckResult, EvidenceOrigin } from "../checks/check_result.ts";
import type { ChecksumParse } from "./checksums.ts";

/** A bundle's text and where it came from. */
export interface BundleEvidence {
  /** The bundle (JSON) as published or assembled. */
  readonly text: string;
  /** Where it was read. */
  readonly origin: EvidenceOrigin;
  /** Why the evidence could not be assembled into a bundle (it then fails as unverifiable). */
  readonly problem?: string;
}

/** The signatures published about one file (an asset, or a checksum file). */
export interface SignatureEvidence {
  /** GitHub artifact attestations for the file's digest. */
  readonly attestations: readonly BundleEvidence[];
  /** Where attestations were looked up (for the "none found" message). */
  readonly attestationsUrl: string;
  /** Sigstore bundles beside the file, and detached signatures assembled through Rekor. */
  readonly cosignBundles: readonly BundleEvidence[];
  /** `.sig` files beside the file with no certificate (key-based; not verifiable here). */
  readonly detachedSignatures: readonly string[];
}

/** Everything gathered for one asset. */
export interface AssetEvidence extends SignatureEvidence {
  /** The asset's file name. */
  readonly name: string;
  /** SHA-256 of the downloaded bytes (lowercase hex). */
  readonly sha256: string;
  /** The digest GitHub recorded for the asset at upload, when the API gives one. */
  readonly apiSha256?: string;
  /** Bytes downloaded (a complete answer: a cut-short transfer is an error, not evidence). */
  readonly size?: number;
  /** The size the release API declares for the asset. */
  readonly apiSize?: number;
  /** The URL the asset was downloaded from. */
  readonly downloadUrl: string;
  /** Every place the release publishes checksums that may list the asset. */
  readonly checksumSources: readonly ChecksumSource[];
}

/** One place checksums were published, parsed. */
export interface ChecksumSource {
  /** How to name it to a person: `release notes`, `SHA256SUMS`, `app.tar.gz.sha256`. */
  readonly label: string;
  /** The checksums it lists, parsed. */
  readonly parse: ChecksumParse;
  /** Where it was read. */
  readonly origin: EvidenceOrigin;
  /**
   * The checks of the signatures on the checksum file itself (its attestations, bundles beside
   * it), when it has any: a signed checksum file vouches for the assets it lists.
   */
  readonly signatureChecks?: readonly CheckResult[];
  /**
   * Why the file is not the one the release declares (a complete download of another size or
   * digest): its checksums are not the release's, and using it fails.
   */
  readonly problem?: string;
  /** The code of the failure a `problem` causes (default `checksum-file-mismatch`). */
  readonly problemCode?: string;
}
