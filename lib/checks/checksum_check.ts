/**
 * The `checksum` check for a release asset: does the asset's SHA-256 equal what the release
 * publishes for it (release notes, `<asset>.sha256` sidecars, SHA256SUMS-style files)?
 * @module
 */
import { lookupChecksum } from "../evidence/checksums.ts";
import type { ChecksumSource } from "../evidence/release_evidence.ts";
import type { CheckResult } from "./check_result.ts";

export type { ChecksumSource } from "../evidence/release_evidence.ts";

/**
 * Compares `actualHex` with every published checksum for `assetName`. Every source that lists
 * the asset must agree with the bytes; none listing it is an optional skip.
 */
export function checkPublishedChecksum(
  assetName: string,
  actualHex: string,
  sources: readonly ChecksumSource[],
): CheckResult {
  const listed: { source: ChecksumSource; sha256: string; line: number }[] = [];
  for (const source of sources) {
    if (source.problem !== undefined) {
      return {
        id: "checksum",
        status: "fail",
        code: source.problemCode ?? "checksum-file-mismatch",
        message: source.problemCode === undefined
          ? `${source.problem}: its checksums are not the release's`
          : source.problem,
        actual: actualHex,
        origin: source.origin,
        loadBearing: false,
      };
    }
    const found = lookupChecksum([source.parse], assetName);
    if (found === undefined) continue;
    if ("conflict" in found) {
      const values = found.conflict.map((e) => `${e.sha256} (line ${e.line})`).join(" vs ");
      return {
        id: "checksum",
        status: "fail",
        code: "checksum-conflict",
        message: `${source.label} lists ${assetName} with different checksums: ${values}`,
        actual: actualHex,
        origin: source.origin,
        loadBearing: false,
      };
    }
    listed.push({ source, sha256: found.sha256, line: found.entry.line });
  }
  if (listed.length === 0) {
    return {
      id: "checksum",
      status: "skip",
      code: "checksum-not-published",
      message: `no checksum for ${assetName} is published with the release (looked in: ${
        sources.map((s) => s.label).join(", ") || "release notes"
      })`,
      loadBearing: false,
      required: false,
    };
  }
  const wrong = listed.find((l) => l.sha256 !== actualHex);
  if (wrong) {
    return {
      id: "checksum",
      status: "fail",
      code: "checksum-mismatch",
      message: `the downloaded ${assetName} does not match the checksum published in ` +
        `${wrong.source.label} (line ${wrong.line})`,
      expected: wrong.sha256,
      actual: actualHex,
      origin: wrong.source.origin,
      loadBearing: false,
    };
  }
  return {
    id: "checksum",
    status: "pass",
    code: "checksum-match",
    message: `matches the checksum published in ${
      listed.map((l) => `${l.source.label} (line ${l.line})`).join(", ")
    }`,
    expected: listed[0].sha256,
    actual: actualHex,
    origin: listed[0].source.origin,
    loadBearing: true,
  };
}
