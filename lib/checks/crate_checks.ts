/**
 * The checks of one crate from evidence already gathered: `crate-checksum` (the downloaded
 * `.crate` against the sparse index, the API and the lock file), `crate-vcs` (the commit in
 * `.cargo_vcs_info.json` against the repository's tag for the version) and
 * `trusted-publishing` (crates.io's record of a trusted publisher against the repository and
 * commit). Pure.
 * @module
 */
import type { CrateChecksumSource, CrateVcsEvidence } from "../evidence/crate_evidence.ts";
import type { CheckResult, EvidenceOrigin } from "./check_result.ts";

export type { CrateChecksumSource, CrateVcsEvidence } from "../evidence/crate_evidence.ts";

/** The `.crate`'s size as downloaded, and as the crates.io API declares it (`crate_size`). */
export interface CrateSizeEvidence {
  readonly actual: number;
  readonly declared?: number;
  readonly origin?: EvidenceOrigin;
}

/**
 * `crate-checksum`: every stated checksum must equal the downloaded bytes' SHA-256, and the bytes
 * must be as long as the crates.io API says. A complete download of other bytes is a `fail`
 * naming both digests (and both sizes when they differ), never an error.
 */
export function checkCrateChecksum(
  crate: string,
  actualSha256: string,
  sources: readonly CrateChecksumSource[],
  yanked: boolean,
  size?: CrateSizeEvidence,
): CheckResult {
  const note = yanked ? " (this version is yanked on crates.io)" : "";
  const sizeDiffers = size?.declared !== undefined && size.declared !== size.actual;
  const sizeNote = sizeDiffers
    ? `; it is ${size!.actual} bytes, the crates.io API says ${size!.declared}`
    : "";
  const wrongSources = sources.filter((s) => s.sha256 !== actualSha256);
  if (sizeDiffers && wrongSources.length === 0) {
    return {
      id: "crate-checksum",
      status: "fail",
      code: "crate-size-mismatch",
      message: `the downloaded ${crate}.crate (sha256 ${actualSha256}) is ${
        size!.actual
      } bytes, but the crates.io API says it is ${size!.declared} bytes${note}`,
      expected: `${size!.declared} bytes`,
      actual: `${size!.actual} bytes (sha256 ${actualSha256})`,
      ...(size!.origin ? { origin: size!.origin } : {}),
      loadBearing: false,
    };
  }
  if (sources.length === 0) {
    return {
      id: "crate-checksum",
      status: "skip",
      code: "crate-checksum-unavailable",
      message: `no checksum for ${crate} from the index, the API or the lock file${note}`,
      actual: actualSha256,
      loadBearing: false,
    };
  }
  const wrong = wrongSources;
  if (wrong.length > 0) {
    return {
      id: "crate-checksum",
      status: "fail",
      code: "crate-checksum-mismatch",
      message: `the downloaded ${crate}.crate (sha256 ${actualSha256}) is not what ` +
        wrong.map((s) => `${s.label} says (${s.sha256})`).join(" nor what ") + sizeNote + note,
      expected: wrong[0].sha256,
      actual: actualSha256,
      origin: wrong[0].origin,
      loadBearing: false,
    };
  }
  return {
    id: "crate-checksum",
    status: "pass",
    code: "crate-checksum-match",
    message: `matches ${sources.map((s) => s.label).join(", ")}${note}`,
    expected: actualSha256,
    actual: actualSha256,
    origin: sources[0].origin,
    loadBearing: true,
  };
}

export { tagCandidates } from "../evidence/crate_tags.ts";

/** `crate-vcs`: the commit the crate says it was packaged from, against the repository. */
export function checkCrateVcs(e: CrateVcsEvidence): CheckResult {
  const base = { id: "crate-vcs" as const, origin: e.origin, loadBearing: false };
  if (!e.vcsInfo) {
    return {
      ...base,
      status: "skip",
      code: "crate-vcs-no-info",
      message: `${e.crate} has no .cargo_vcs_info.json (published from outside git, or with ` +
        "--allow-dirty on an old cargo), so it names no commit",
      required: false,
    };
  }
  const sha1 = e.vcsInfo.sha1;
  const dirty = e.vcsInfo.dirty ? "; cargo packaged it from a DIRTY working tree" : "";
  if (!sha1) {
    return {
      ...base,
      status: "skip",
      code: "crate-vcs-no-commit",
      message: `.cargo_vcs_info.json records no commit${dirty}`,
      required: false,
    };
  }
  if (e.unavailable) {
    return {
      ...base,
      status: "skip",
      code: e.unavailable.code,
      message: `${e.unavailable.message} (the crate names commit ${sha1}${dirty})`,
      required: false,
    };
  }
  if (e.tag && e.tag.commit === sha1) {
    return {
      ...base,
      status: "pass",
      code: "crate-vcs-tag-match",
      message: `packaged from ${e.repository} at ${sha1}, the commit of tag ${e.tag.name}${dirty}`,
      expected: e.tag.commit,
      actual: sha1,
    };
  }
  const noTag = e.tag
    ? `not the commit of tag ${e.tag.name} (${e.tag.commit})`
    : `no tag for the version was found (tried ${e.triedTags.join(", ")})`;
  if (e.commitExists && e.defaultBranch?.history === "in-history" && e.tag) {
    // The repository says the version is another commit: the crate is not the tagged source.
    return {
      ...base,
      status: "skip",
      code: "crate-vcs-tag-mismatch",
      message: `the crate says it was packaged from ${sha1}, in the history of ${e.repository}'s ` +
        `default branch ${e.defaultBranch.name}, but tag ${e.tag.name} names ${e.tag.commit}: the ` +
        `published crate is not the tagged source${dirty} (if that is expected, add an exception ` +
        "for crate-vcs)",
      expected: e.tag.commit,
      actual: sha1,
    };
  }
  if (e.commitExists && e.defaultBranch?.history === "in-history") {
    return {
      ...base,
      status: "pass",
      code: "crate-vcs-commit-match",
      message: `packaged from commit ${sha1}, in the history of ${e.repository}'s default ` +
        `branch ${e.defaultBranch.name}; ${noTag}${dirty}`,
      actual: sha1,
    };
  }
  if (e.commitExists) {
    const why = e.bindingError
      ? `its history could not be asked (${e.bindingError})`
      : `it is not in the history of the default branch ${e.defaultBranch?.name ?? "(unknown)"}`;
    return {
      ...base,
      status: "skip",
      code: "crate-vcs-commit-unbound",
      message: `${e.repository} serves commit ${sha1}, but ${noTag}, and ${why}: it may be ` +
        "another branch's, or a fork's (GitHub serves the commits of every fork under each " +
        `member's URL), so it is not shown to be the repository's own${dirty}`,
      expected: e.tag?.commit ?? `a tag or a commit of ${e.repository}'s default branch`,
      actual: sha1,
      required: false,
    };
  }
  return {
    ...base,
    status: "fail",
    code: "crate-vcs-commit-unknown",
    message: `the crate says it was packaged from commit ${sha1}, which ${e.repository} does not ` +
      "have" + (e.tag ? ` (tag ${e.tag.name} is ${e.tag.commit})` : "") + dirty,
    expected: e.tag?.commit ?? `a commit of ${e.repository}`,
    actual: sha1,
  };
}

/** `trusted-publishing`: crates.io's record of the publishing workflow against the crate. */
export function checkTrustedPublishing(input: {
  readonly crate: string;
  readonly trustedPublishing?: {
    readonly provider: string;
    readonly repository?: string;
    readonly sha?: string;
    readonly runId?: string;
  };
  /** `owner/repo` the crate's metadata names. */
  readonly repository?: string;
  /** The commit in `.cargo_vcs_info.json`. */
  readonly sha1?: string;
  readonly origin?: EvidenceOrigin;
}): CheckResult {
  const base = { id: "trusted-publishing" as const, origin: input.origin, loadBearing: false };
  const tp = input.trustedPublishing;
  if (!tp) {
    return {
      ...base,
      status: "skip",
      code: "trusted-publishing-none",
      message: `crates.io records no trusted publisher for ${input.crate} (published with a token)`,
      required: false,
    };
  }
  const by = `${tp.provider} ${tp.repository ?? "(no repository)"}` +
    (tp.runId ? ` run ${tp.runId}` : "");
  if (
    input.repository && tp.repository &&
    tp.repository.toLowerCase() !== input.repository.toLowerCase()
  ) {
    return {
      ...base,
      status: "fail",
      code: "trusted-publishing-repository-mismatch",
      message: `published by ${by}, but the crate names ${input.repository} as its repository`,
      expected: input.repository,
      actual: tp.repository,
    };
  }
  if (input.sha1 && tp.sha && input.sha1 !== tp.sha.toLowerCase()) {
    return {
      ...base,
      status: "fail",
      code: "trusted-publishing-commit-mismatch",
      message: `published by ${by} at commit ${tp.sha}, but the crate says it was packaged ` +
        `from ${input.sha1}`,
      expected: input.sha1,
      actual: tp.sha,
    };
  }
  return {
    ...base,
    status: "pass",
    code: "trusted-publishing-match",
    message: `published by ${by}` + (tp.sha ? ` at ${tp.sha}` : "") +
      (input.repository ? `, the crate's own repository` : ""),
  };
}
