/**
 * What was gathered about one crate version, as pure data: the `.crate` and what states its
 * checksum, the repository's tag, commit and tree, the artifact attestations of its digest and
 * the workflow run crates.io's trusted-publishing record names. The sources stage gathers it
 * (`lib/sources/crate_evidence.ts`); the checks judge it (`lib/checks/crate_subject.ts`).
 * @module
 */
import type { CheckResult, EvidenceOrigin } from "../checks/check_result.ts";
import type {
  ArchiveProblem,
  CrateArchive,
  CrateVcsInfo,
  OutsideReference,
} from "./crate_archive.ts";
import type { GitTree } from "./git_repository.ts";
import type { CrateVersionInfo, IndexEntry } from "./registry_records.ts";
import type { BundleEvidence } from "./release_evidence.ts";
import type { BranchHistory } from "./repository_paths.ts";

/** One place that states what the `.crate` checksum should be. */
export interface CrateChecksumSource {
  /** `the sparse index`, `the crates.io API`, `Cargo.lock`. */
  readonly label: string;
  /** SHA-256 of the `.crate` it states, lowercase hex. */
  readonly sha256: string;
  /** Where the statement was read. */
  readonly origin: EvidenceOrigin;
}

/** What was learnt about the repository for `crate-vcs`. */
export interface CrateVcsEvidence {
  /** The crate's name. */
  readonly crate: string;
  /** From `.cargo_vcs_info.json`; undefined when the crate has none. */
  readonly vcsInfo?: {
    readonly sha1?: string;
    readonly dirty: boolean;
    readonly pathInVcs: string;
  };
  /** `owner/repo` on GitHub, from the crate's metadata. */
  readonly repository?: string;
  /** The repository URL as crates.io records it (for messages). */
  readonly repositoryUrl?: string;
  /** Why the repository could not be consulted (not GitHub, no token, …). */
  readonly unavailable?: { readonly code: string; readonly message: string };
  /** The first tag (of `tagCandidates` in `lib/checks/crate_checks.ts`) that exists, with its commit. */
  readonly tag?: { readonly name: string; readonly commit: string };
  /** The tags that were looked for. */
  readonly triedTags: readonly string[];
  /** Whether the recorded commit exists in the repository (asked when no tag matched it). */
  readonly commitExists?: boolean;
  /**
   * For a commit that exists but no tag names: whether it is in the history of the repository's
   * default branch (GitHub serves forks' commits under the repository's URL too).
   */
  readonly defaultBranch?: { readonly name: string; readonly history: BranchHistory };
  /** Why the default branch's history could not be asked (a reason, not an error). */
  readonly bindingError?: string;
  /** Where the repository's answers were read. */
  readonly origin?: EvidenceOrigin;
}

/** What the checks need of an archive besides its files. */
export interface CrateArchiveSummary {
  /** The archive's `.cargo_vcs_info.json`, when it has one. */
  readonly vcsInfo?: CrateVcsInfo;
  /** Every breach of the rules of a well-formed crate (kept up to a limit). */
  readonly problems: readonly ArchiveProblem[];
  /** Problems found beyond those kept. */
  readonly omittedProblems: number;
  /** Bytes the gzip stream inflated to before reading ended (or stopped at a cap). */
  readonly unpackedBytes: number;
  /** How many files the archive lists. */
  readonly fileCount: number;
  /** Paths its Rust files name that leave the package (kept up to a limit): each fails. */
  readonly outsideReferences: readonly OutsideReference[];
  /** Such paths found beyond those kept. */
  readonly omittedOutsideReferences: number;
}

/** What the repository's attestation API answered for the `.crate`'s digest. */
export interface CrateAttestations {
  /** The API URL asked. */
  readonly url: string;
  /** The attestations found (none when `unavailable`). */
  readonly bundles: readonly BundleEvidence[];
  /** Set when the answer is not known (offline, not cached): then `bundles` is empty. */
  readonly unavailable?: { readonly code: string; readonly message: string };
}

/** A GitHub Actions workflow run, as far as the trusted-publishing check reads it. Pure data. */
export interface PublishingRun {
  /** The run's id. */
  readonly id: number;
  /** The workflow file, e.g. `.github/workflows/publish.yml` (GitHub may append `@REF`). */
  readonly path?: string;
  /** The commit the run was for (`head_sha`), lowercased. */
  readonly headSha?: string;
  /** The branch or tag name the run was for (`head_branch`). */
  readonly headBranch?: string;
  /** The triggering event (`push`, `release`, `workflow_dispatch`, …). */
  readonly event?: string;
  /** `owner/repo` of the run's repository (`repository.full_name`). */
  readonly repository?: string;
  /** The run's page on GitHub (`html_url`). */
  readonly htmlUrl?: string;
}

/** What GitHub said about the run crates.io's record names. Pure data. */
export interface PublishingRunEvidence {
  /** The API URL asked. */
  readonly url: string;
  /** The run; absent when it could not be read (see {@link unavailable}). */
  readonly run?: PublishingRun;
  /**
   * The repository's tag named as the run's `head_branch`, when the tag list was read: its
   * commit, or `null` when the repository has no such tag. Absent: not known.
   */
  readonly headTag?: { readonly commit: string } | null;
  /** Why the run is not known (no token, not found, offline and not cached). */
  readonly unavailable?: { readonly code: string; readonly message: string };
}

/** Everything gathered about one crate version. */
export interface CrateEvidence {
  /** The crate's name. */
  readonly name: string;
  /** The version. */
  readonly version: string;
  /** SHA-256 of the `.crate` bytes, lowercase hex. */
  readonly sha256: string;
  /** The `.crate`'s size in bytes. */
  readonly size: number;
  /** The URL the `.crate` is downloaded from. */
  readonly downloadUrl: string;
  /** The version's sparse-index line, with the URL of the index file it is in. */
  readonly index?: IndexEntry & { readonly url: string };
  /** The crates.io API's record of the version. */
  readonly api?: CrateVersionInfo;
  /** The version published before this one, by the index (`--history` compares with it). */
  readonly previousVersion?: string;
  /** Every place that states what the `.crate`'s checksum should be. */
  readonly checksumSources: readonly CrateChecksumSource[];
  /** The archive, when it was read in this run. */
  readonly archive?: CrateArchive;
  /** What the checks need of the archive besides its files (read now, or recalled). */
  readonly archiveSummary?: CrateArchiveSummary;
  /**
   * A passed `crate-source` recalled from the cache: the same comparison (same `.crate` bytes,
   * repository, commit and path) passed before. Set only when {@link archive} is not.
   */
  readonly rememberedSource?: CheckResult;
  /** The archive could not be read at all (not gzip, not tar). */
  readonly archiveError?: { readonly code: string; readonly message: string };
  /** The repository URL as crates.io records it. */
  readonly repositoryUrl?: string;
  /** `owner/repo` on GitHub, when the repository URL names one. */
  readonly repository?: string;
  /** What was learnt about the repository for `crate-vcs`. */
  readonly vcs: CrateVcsEvidence;
  /** The repository tree at the recorded commit (for `crate-source`). */
  readonly tree?: GitTree;
  /**
   * GitHub artifact attestations of the `.crate`'s digest in its repository; undefined when the
   * repository could not be asked (not on GitHub, no token).
   */
  readonly attestations?: CrateAttestations;
  /** The `.crate`'s bytes, when read (attestations are verified against them). */
  readonly bytes?: Uint8Array;
  /**
   * GitHub's record of the workflow run crates.io's trusted-publishing record names; asked only
   * when signer rules are named for the crate (`GatherOptions.publishingRun` in `lib/sources/crate_evidence.ts`).
   */
  readonly publishingRun?: PublishingRunEvidence;
  /** Reads a blob of the repository by its SHA (for `crate-source`); undefined when not found. */
  readonly fetchBlob?: (sha: string) => Promise<Uint8Array | undefined>;
}
