/**
 * Gathers the evidence of a GitHub release: checksum files once per release, then, per asset,
 * the download (streamed and hashed, never held in memory), sidecar checksums, attestations for
 * its digest and cosign bundles published beside it.
 * @module
 */
import { createHash } from "node:crypto";
import type { ChecksumSource } from "../checks/checksum_check.ts";
import type { AssetEvidence, BundleEvidence } from "../checks/release_checks.ts";
import {
  isChecksumFileName,
  parseChecksumFile,
  parseReleaseBody,
  parseSidecar,
  sidecarNamesFor,
} from "../evidence/checksums.ts";
import { MAX_ASSET_BYTES, MAX_BUNDLE_BYTES, MAX_CHECKSUM_FILE_BYTES } from "../limits.ts";
import { endpointUrl } from "./endpoints.ts";
import {
  downloadAsset,
  fetchAttestations,
  type GithubAsset,
  type GithubRelease,
} from "./github.ts";
import type { HttpClient } from "./http.ts";

const BUNDLE_SUFFIXES = [".sigstore.json", ".sigstore", ".bundle"];
const SIGNATURE_SUFFIXES = [".sig", ".pem", ".crt", ".asc", ".minisig", ".intoto.jsonl"];

/** True for assets that are evidence about other assets (checksums, signatures, bundles). */
export function isEvidenceAsset(name: string, all: readonly string[]): boolean {
  if (isChecksumFileName(name)) return true;
  const lower = name.toLowerCase();
  return [...BUNDLE_SUFFIXES, ...SIGNATURE_SUFFIXES].some((suffix) =>
    lower.endsWith(suffix) && all.includes(name.slice(0, -suffix.length))
  ) || lower.endsWith(".intoto.jsonl");
}

async function fetchSmallText(
  client: HttpClient,
  asset: GithubAsset,
  max: number,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  await client.download(asset.apiUrl, {
    accept: "application/octet-stream",
    maxBytes: max,
    expectedSize: asset.size,
    onChunk: (chunk) => void chunks.push(chunk.slice()),
  });
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Checksums published for the whole release: the release notes and SUMS-style files. */
export async function gatherReleaseChecksums(
  client: HttpClient,
  release: GithubRelease,
): Promise<ChecksumSource[]> {
  const sources: ChecksumSource[] = [{
    label: "the release notes",
    parse: parseReleaseBody(release.body),
    origin: { url: release.htmlUrl || release.url },
  }];
  for (const asset of release.assets) {
    if (!isChecksumFileName(asset.name) || asset.size > MAX_CHECKSUM_FILE_BYTES) continue;
    const text = await fetchSmallText(client, asset, MAX_CHECKSUM_FILE_BYTES);
    sources.push({
      label: asset.name,
      parse: parseChecksumFile(text, asset.name),
      origin: { url: asset.browserDownloadUrl },
    });
  }
  return sources;
}

/** Options of {@link gatherAssetEvidence}. */
export interface GatherOptions {
  readonly client: HttpClient;
  readonly githubApi: URL;
  readonly owner: string;
  readonly repo: string;
  readonly release: GithubRelease;
  readonly releaseChecksums: readonly ChecksumSource[];
  /** Called as the download progresses (bytes so far, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Downloads one asset (hashing as it streams) and gathers the evidence about it. */
export async function gatherAssetEvidence(
  asset: GithubAsset,
  options: GatherOptions,
): Promise<AssetEvidence> {
  const { client, release } = options;
  const hash = createHash("sha256");
  let done = 0;
  const downloaded = await downloadAsset(client, asset, MAX_ASSET_BYTES, (chunk) => {
    hash.update(chunk);
    done += chunk.length;
    options.onProgress?.(done, asset.size);
  });
  const sha256 = hash.digest("hex");

  const byName = new Map(release.assets.map((a) => [a.name, a]));
  const checksumSources: ChecksumSource[] = [...options.releaseChecksums];
  for (const sidecarName of sidecarNamesFor(asset.name)) {
    const sidecar = byName.get(sidecarName);
    if (!sidecar || sidecar.size > MAX_CHECKSUM_FILE_BYTES) continue;
    // A sidecar that is also a SUMS-style file is already among the release's checksums.
    if (options.releaseChecksums.some((s) => s.label === sidecarName)) continue;
    const text = await fetchSmallText(client, sidecar, MAX_CHECKSUM_FILE_BYTES);
    checksumSources.push({
      label: sidecarName,
      parse: parseSidecar(text, sidecarName, asset.name),
      origin: { url: sidecar.browserDownloadUrl },
    });
  }

  const attestationsUrl = endpointUrl(
    options.githubApi,
    `repos/${encodeURIComponent(options.owner)}/${
      encodeURIComponent(options.repo)
    }/attestations/sha256:${sha256}`,
  ).href;
  const attestations: BundleEvidence[] = (await fetchAttestations(
    client,
    options.githubApi,
    options.owner,
    options.repo,
    sha256,
  )).map((a) => ({ text: a.text, origin: { url: a.url } }));

  const cosignBundles: BundleEvidence[] = [];
  for (const suffix of BUNDLE_SUFFIXES) {
    const bundleAsset = byName.get(asset.name + suffix);
    if (!bundleAsset) continue;
    if (bundleAsset.size > MAX_BUNDLE_BYTES) {
      cosignBundles.push({ text: "", origin: { url: bundleAsset.browserDownloadUrl } });
      continue;
    }
    cosignBundles.push({
      text: await fetchSmallText(client, bundleAsset, MAX_BUNDLE_BYTES),
      origin: { url: bundleAsset.browserDownloadUrl },
    });
  }
  const detachedSignatures = byName.has(`${asset.name}.sig`) ? [`${asset.name}.sig`] : [];

  return {
    name: asset.name,
    sha256,
    apiSha256: asset.sha256,
    downloadUrl: downloaded.url,
    checksumSources,
    attestations,
    attestationsUrl,
    cosignBundles,
    detachedSignatures,
  };
}
