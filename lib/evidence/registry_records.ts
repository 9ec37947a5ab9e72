/**
 * What a crates registry (crates.io and its sparse index) says about a crate version, as pure
 * data: one sparse-index line, the API's version record, its publisher and its trusted-publishing
 * record. The sources stage reads and shapes them (`lib/sources/crates_io.ts`); the checks judge
 * them.
 * @module
 */

/** One line of a sparse-index file: one published version. The value is as the index has it. */
export interface IndexEntry {
  /** The crate name, in its published case. */
  readonly name: string;
  /** The version (`vers`), with any build metadata. */
  readonly vers: string;
  /** SHA-256 of the `.crate` file (`cksum`), lowercase hex as the index writes it. */
  readonly cksum: string;
  /** Whether the version is yanked (absent counts as not yanked, as cargo reads it). */
  readonly yanked: boolean;
  /** The `links` value, when the crate links a native library. */
  readonly links?: string;
  /** The index format version (`v`): 1 when absent, 2 when `features2` is used. */
  readonly v?: number;
  /** The minimum Rust version (`rust_version`), when declared. */
  readonly rustVersion?: string;
  /** The dependencies (`deps`) as written in the index. */
  readonly deps: readonly unknown[];
  /** The features (`features` merged with `features2`). */
  readonly features: Readonly<Record<string, readonly string[]>>;
  /** The line, parsed, as it is (for fields not modelled here). */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** The user crates.io records as the publisher of a version (`published_by`). */
export interface CratesUser {
  /** The user's crates.io id. */
  readonly id?: number;
  /** The user's login (GitHub user name). */
  readonly login: string;
  /** The user's display name. */
  readonly name?: string;
  /** The user's profile URL. */
  readonly url?: string;
}

/**
 * crates.io's record of a trusted-publishing upload (`version.trustpub_data`). crates.io marks
 * the field "unstable". For GitHub it carries `repository` (`owner/repo`), `run_id` and `sha`;
 * for GitLab `project_path`, `job_id` and `sha`. crates.io does not (as of the cited source)
 * put the workflow file or the environment into it: `workflow` and `environment` are filled only
 * when a future answer carries them.
 */
export interface TrustedPublishing {
  /** `github`, `gitlab`, or another provider crates.io adds later. */
  readonly provider: string;
  /** `owner/repo` on GitHub (`repository`), the project path on GitLab (`project_path`). */
  readonly repository?: string;
  /** The workflow (file), when crates.io records it (it did not in 2025). */
  readonly workflow?: string;
  /** The deployment environment, when crates.io records it (it did not in 2025). */
  readonly environment?: string;
  /** The GitHub Actions run id (`run_id`) or the GitLab job id (`job_id`), as a string. */
  readonly runId?: string;
  /** The commit the publishing workflow ran on (`sha`), lowercased. */
  readonly sha?: string;
  /** The object as crates.io sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** One version as the crates.io API describes it. */
export interface CrateVersionInfo {
  /** The crate name as crates.io spells it (`crate`), else as asked. */
  readonly name: string;
  /** The version (`num`), else as asked. */
  readonly version: string;
  /** SHA-256 of the `.crate` file, lowercased; absent when the API gave none. */
  readonly checksum?: string;
  /** Whether the version is yanked. */
  readonly yanked: boolean;
  /** The `.crate` size in bytes (`crate_size`). */
  readonly crateSize?: number;
  /** The API download path (`dl_path`, e.g. `/api/v1/crates/serde/1.0.0/download`). */
  readonly dlPath?: string;
  /** The repository URL recorded for this version (newer versions carry one). */
  readonly repository?: string;
  /** Who published it; absent for trusted publishing and for old versions. */
  readonly publishedBy?: CratesUser;
  /** The trusted-publishing record; absent when the version was published with a token. */
  readonly trustedPublishing?: TrustedPublishing;
  /** The API URL read. */
  readonly url: string;
  /** The `version` object as crates.io sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}
