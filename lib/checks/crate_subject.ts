/**
 * All the checks of one crate version, from its gathered evidence.
 * @module
 */
import type { CrateArchiveSummary, CrateEvidence } from "../evidence/crate_evidence.ts";
import { TEST_DIRECTORY } from "../evidence/crate_archive_types.ts";
import type { CheckResult } from "./check_result.ts";
import { checkCrateChecksum, checkCrateVcs, checkTrustedPublishing } from "./crate_checks.ts";
import { checkCrateSource, uncomparedCrateSource } from "./crate_source.ts";
import { checkPublishingWorkflow } from "./publishing_run.ts";
import type { SignerRules } from "./signer_rules.ts";

/**
 * Checks one crate: checksum, archive well-formedness, VCS commit, source, trusted publishing.
 * `rules` are the signer rules named for the crate (command line and policy): with any, the
 * workflow and ref of a trusted publisher's run must satisfy them (see `publishing_run.ts`).
 */
export async function checkCrate(
  evidence: CrateEvidence,
  rules?: SignerRules,
): Promise<CheckResult[]> {
  const crate = `${evidence.name}@${evidence.version}`;
  const checks: CheckResult[] = [
    checkCrateChecksum(
      crate,
      evidence.sha256,
      evidence.checksumSources,
      evidence.api?.yanked ?? evidence.index?.yanked ?? false,
      {
        actual: evidence.size,
        declared: evidence.api?.crateSize,
        ...(evidence.api ? { origin: { url: evidence.api.url } } : {}),
      },
    ),
  ];
  if (evidence.archiveError) {
    checks.push({
      id: "crate-source",
      status: "fail",
      code: evidence.archiveError.code,
      message: evidence.archiveError.message,
      origin: { url: evidence.downloadUrl },
      loadBearing: false,
    });
  }
  const archive = evidence.archiveSummary;
  if (archive && archive.problems.length > 0) {
    const byCode = new Map<string, string[]>();
    for (const p of archive.problems) {
      byCode.set(p.code, [...(byCode.get(p.code) ?? []), p.message]);
    }
    for (const [code, messages] of byCode) {
      checks.push({
        id: "crate-source",
        status: "fail",
        code,
        message: messages.slice(0, 5).join("; ") +
          (messages.length > 5 ? `; and ${messages.length - 5} more` : "") +
          (archive.omittedProblems
            ? ` (${archive.omittedProblems} further problems not kept)`
            : ""),
        origin: { url: evidence.downloadUrl },
        loadBearing: false,
      });
    }
  }
  if (archive) {
    const outside = outsidePackageCheck(archive, evidence.downloadUrl);
    if (outside) checks.push(outside);
  }
  const sha1 = archive?.vcsInfo?.sha1;
  const record = checkTrustedPublishing({
    crate,
    trustedPublishing: evidence.api?.trustedPublishing,
    repository: evidence.repository,
    sha1,
    origin: evidence.api ? { url: evidence.api.url } : undefined,
  });
  const publishing = rules
    ? checkPublishingWorkflow({
      record,
      trustedPublishing: evidence.api?.trustedPublishing,
      run: evidence.publishingRun,
      rules,
      origin: evidence.api ? { url: evidence.api.url } : undefined,
    })
    : record;
  // The record binds the repository and commit whatever the workflow (a workflow the rules do not
  // accept is a MISMATCH of its own).
  const vcs = bindByPublishing(checkCrateVcs(evidence.vcs), record, evidence);
  checks.push(vcs);
  const source = await crateSourceCheck(evidence);
  if (source) {
    // Without a repository to compare with, the comparison is evidence that is not there; but
    // code cargo compiles that could not be compared with it (`required: true`) blocks TRUSTED.
    checks.push(
      source.status === "skip"
        ? { ...source, required: source.required === true }
        : qualifyUnboundSource(source, vcs),
    );
  }
  checks.push(publishing);
  return checks;
}

/**
 * `crate-source-outside-package`: the crate's Rust files name, for the compiler to read, paths
 * that leave the package (`include!("../../other-1.0.0/x.rs")`, `#[path]`,
 * `concat!(env!("CARGO_MANIFEST_DIR"), "/../…")`). cargo unpacks every registry crate side by
 * side, so in a build of the published crate such a path reads a file of another package, which
 * comparing the crate's own files never saw: a failure whatever the comparison found (or could not
 * find). Undefined when there is none.
 */
export function outsidePackageCheck(
  archive: Pick<CrateArchiveSummary, "outsideReferences" | "omittedOutsideReferences">,
  downloadUrl?: string,
): CheckResult | undefined {
  const found = archive.outsideReferences;
  if (found.length === 0 && archive.omittedOutsideReferences === 0) return undefined;
  const total = found.length + archive.omittedOutsideReferences;
  // Only test, bench and example files (all of them known): a dependent's build, or
  // `cargo install`, never compiles those, so nothing it builds is shown to read another
  // package; but which files cargo compiles is not worked out here (a `#[path]` or a target may
  // reach them), so it is a required skip: never TRUSTED, and not called a mismatch.
  const testsOnly = archive.omittedOutsideReferences === 0 &&
    found.every((r) => (TEST_DIRECTORY.test(r.file) && !r.compiledOutsideTests) || r.fromCaller);
  const callers = found.some((r) => r.fromCaller);
  const listed = found.map((r) =>
    `${r.file}:${r.line} ${
      r.path.startsWith("(")
        ? `${r.form} ${r.path}`
        : r.form === "#[path]"
        ? `#[path = ${JSON.stringify(r.path)}]`
        : `${r.form}(${JSON.stringify(r.path)})`
    }`
  ).join("; ");
  return {
    id: "crate-source",
    status: testsOnly ? "skip" : "fail",
    code: "crate-source-outside-package",
    ...(testsOnly ? { required: true } : {}),
    message:
      `${
        total === 1
          ? "a Rust file of the crate names a path"
          : `Rust files of the crate name ${total} paths`
      } ` +
      `outside the package for the compiler to read: ${listed}` +
      (archive.omittedOutsideReferences > 0
        ? `; and ${archive.omittedOutsideReferences} more`
        : "") +
      ". cargo unpacks every registry crate side by side, so in a build of the published crate " +
      "such a path reads a file of another package, which was never compared with the repository" +
      (callers
        ? " (a path after a macro_rules!, or one another macro or a macro's caller names, is " +
          "read from the file that calls the macro: from the package root, or not read at all)"
        : "") +
      (testsOnly
        ? " (only test, bench and example files name them, or a macro's body may, read from " +
          "wherever it is called; whether a dependent's build reads them was not worked out, so " +
          "the crate is not TRUSTED)"
        : ""),
    ...(downloadUrl ? { origin: { url: downloadUrl } } : {}),
    loadBearing: false,
  };
}

/**
 * A commit no tag names and the default branch does not lead to is still the repository's own
 * when crates.io's trusted-publishing record says a GitHub Actions workflow of that repository
 * published the crate at that very commit (GitHub vouched for the repository and commit to
 * crates.io): `crate-vcs` then passes as `crate-vcs-publish-match`.
 */
export function bindByPublishing(
  vcs: CheckResult,
  publishing: CheckResult,
  evidence: Pick<CrateEvidence, "api" | "repository" | "archiveSummary">,
): CheckResult {
  const tp = evidence.api?.trustedPublishing;
  const sha1 = evidence.archiveSummary?.vcsInfo?.sha1;
  const repository = evidence.repository;
  if (
    vcs.code !== "crate-vcs-commit-unbound" || publishing.status !== "pass" || !tp ||
    tp.provider !== "github" || !tp.repository || !tp.sha || !sha1 || !repository ||
    tp.repository.toLowerCase() !== repository.toLowerCase() || tp.sha.toLowerCase() !== sha1
  ) {
    return vcs;
  }
  return {
    id: "crate-vcs",
    status: "pass",
    code: "crate-vcs-publish-match",
    message: `packaged from commit ${sha1}, at which a GitHub Actions workflow of ${repository}` +
      ` published it to crates.io (trusted publishing${tp.runId ? `, run ${tp.runId}` : ""}); ` +
      "no tag names it and the default branch does not lead to it",
    actual: sha1,
    ...(vcs.origin ? { origin: vcs.origin } : {}),
    loadBearing: false,
  };
}

/**
 * A passed `crate-source` whose commit `crate-vcs` did not bind to the repository (no tag names
 * it, and it is not in the default branch's history) proves that the crate is that commit's
 * tree, not that the tree is the repository's: it stays a pass, but not a load-bearing one, and
 * says so.
 */
export function qualifyUnboundSource(source: CheckResult, vcs: CheckResult): CheckResult {
  if (source.status !== "pass" || vcs.status === "pass") return source;
  return {
    ...source,
    message: `${source.message} — but that commit is not shown to be the repository's own ` +
      "(see crate-vcs), so this shows only that the crate is that commit's tree",
    loadBearing: false,
  };
}

/** `crate-source`: recalled, compared now, or (with no tree to compare with) a skip. */
async function crateSourceCheck(evidence: CrateEvidence): Promise<CheckResult | undefined> {
  if (evidence.rememberedSource) return evidence.rememberedSource;
  const repository = evidence.repository ?? evidence.repositoryUrl ?? "(no repository)";
  const full = evidence.archive;
  if (full) {
    return await checkCrateSource({
      archive: full,
      tree: evidence.tree,
      pathInVcs: full.vcsInfo?.pathInVcs ?? "",
      repository,
      fetchBlob: evidence.fetchBlob,
      crateFileBytes: (path) => full.files.find((f) => f.path === path)?.bytes,
    });
  }
  const summary = evidence.archiveSummary;
  if (!summary) return undefined;
  if (evidence.tree !== undefined) {
    // The gatherer reads the files whenever there is a tree to compare them with.
    throw new Error(`${evidence.name}@${evidence.version}: a tree to compare, but no files`);
  }
  return uncomparedCrateSource(summary.vcsInfo, repository);
}
