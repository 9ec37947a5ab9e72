/**
 * The `downgrade` check of a crate a pull request updates: is the new version published at least
 * as trustworthily as the one it replaces, by crates.io's records of both? A trusted publisher
 * before and none now, a trusted publisher of another repository, or another repository URL is a
 * downgrade. With the policy's `no_downgrade = true` it fails (MISMATCH); without, it is a required
 * skip (UNVERIFIED): shown, never a silent TRUSTED.
 * @module
 */
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import type { CheckResult } from "./check_result.ts";

/** What the check compares, and how strict the policy is about it. */
export interface DowngradeInput {
  /** `NAME`. */
  readonly crate: string;
  /** crates.io's record of the version replaced, and of the new one. */
  readonly before: CrateVersionInfo;
  readonly after: CrateVersionInfo;
  /** `no_downgrade = true` for this crate, and the line that says so. */
  readonly noDowngrade?: { readonly file: string; readonly line: number };
}

function normalizeRepositoryUrl(url: string | undefined): string | undefined {
  return url?.trim().toLowerCase().replace(/\/+$/, "").replace(/\.git$/, "");
}

/** Compares the two versions' records; a pass when nothing got weaker. */
export function checkDowngrade(input: DowngradeInput): CheckResult {
  const { before, after } = input;
  const from = `${input.crate}@${before.version}`;
  const to = `${input.crate}@${after.version}`;
  const found: { code: string; message: string; expected: string; actual: string }[] = [];
  const tpBefore = before.trustedPublishing;
  const tpAfter = after.trustedPublishing;
  if (tpBefore && !tpAfter) {
    found.push({
      code: "downgrade-trusted-publishing-dropped",
      message: `${from} was published by trusted publishing (${tpBefore.provider} ` +
        `${tpBefore.repository ?? ""}), ${to} with a token`,
      expected: `trusted publishing by ${tpBefore.repository ?? tpBefore.provider}`,
      actual: "a token",
    });
  } else if (
    tpBefore?.repository && tpAfter?.repository &&
    tpBefore.repository.toLowerCase() !== tpAfter.repository.toLowerCase()
  ) {
    found.push({
      code: "downgrade-trusted-publishing-repository",
      message: `${from} was published from ${tpBefore.repository}, ${to} from ` +
        tpAfter.repository,
      expected: tpBefore.repository,
      actual: tpAfter.repository,
    });
  }
  const repoBefore = normalizeRepositoryUrl(before.repository);
  const repoAfter = normalizeRepositoryUrl(after.repository);
  if (repoBefore && repoBefore !== repoAfter) {
    found.push({
      code: "downgrade-repository-changed",
      message: `${from} names the repository ${before.repository}, ${to} ` +
        (after.repository ? `names ${after.repository}` : "names none"),
      expected: before.repository!,
      actual: after.repository ?? "(none)",
    });
  }
  const base = { id: "downgrade" as const, loadBearing: false };
  if (found.length === 0) {
    return {
      ...base,
      status: "pass",
      code: "downgrade-none",
      message: `${to} is published at least as ${from} was (trusted publishing, repository)`,
    };
  }
  const first = found[0];
  const all = found.map((f) => f.message).join("; ");
  return input.noDowngrade
    ? {
      ...base,
      status: "fail",
      code: first.code,
      message: `${all} (no_downgrade at ${input.noDowngrade.file}:${input.noDowngrade.line})`,
      expected: first.expected,
      actual: first.actual,
      policyRef: input.noDowngrade,
    }
    : {
      ...base,
      status: "skip",
      code: first.code,
      message: `${all}: a downgrade, so ${to} is not TRUSTED (set no_downgrade = true to make ` +
        "it a MISMATCH, or add an exception)",
      expected: first.expected,
      actual: first.actual,
      required: true,
    };
}
