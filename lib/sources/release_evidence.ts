/**
 * Gathers the evidence of a GitHub release: checksum files once per release, then, per asset,
 * the download (streamed and hashed, never held in memory), sidecar checksums, attestations for
 * its digest and cosign bundles published beside it.
 * @module
 */
import { createHash } from "node:crypto";
import type {
  AssetEvidence,
  BundleEvidence,
  ChecksumSource,
  SignatureEvidence,
} from "../evidence/release_evidence.ts";
import {
  isChecksumFileName,
  parseChecksumFile,
  parseReleaseBody,
  parseSidecar,
  sidecarNamesFor,
} from "../evidence/checksums.ts";
import { MAX_ASSET_BYTES, MAX_BUNDLE_BYTES, MAX_CHECKSUM_FILE_BYTES } from "../limits.ts";
import {
  attestationsUrl,
  downloadAsset,
  fetchAttestations,
  type GithubAsset,
  type GithubRelease,
} from "./github.ts";
import type { HttpClient } from "./http.ts";
import { fetchRekorEntriesForDigest } from "./rekor.ts";
import {
  assembleDetachedBundle,
  parseCertificateFile,
  parseDetachedSignature,
  parseRekorEntries,
} from "../evidence/rekor_entry.ts";
import { concatBytes, decodeHex } from "../crypto/bytes.ts";

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

/** A small file of the release, and why it is not the file the release declares (if it is not). */
interface SmallFile<T> {
  readonly content: T;
  /** Set when the complete download differs in size or digest from what the API declares. */
  readonly problem?: string;
}

async function fetchSmallText(
  client: HttpClient,
  asset: GithubAsset,
  max: number,
): Promise<SmallFile<string>> {
  const file = await fetchSmallBytes(client, asset, max);
  return { ...file, content: new TextDecoder().decode(file.content) };
}

/**
 * A small file of the release (a checksum file, a signature, a bundle). A complete download that
 * is not the file the API declares (another size, or another digest than its `digest` field) is
 * returned with a `problem`: evidence that is not the release's, which fails where it is used.
 */
async function fetchSmallBytes(
  client: HttpClient,
  asset: GithubAsset,
  max: number,
): Promise<SmallFile<Uint8Array>> {
  const chunks: Uint8Array[] = [];
  await client.download(asset.apiUrl, {
    accept: "application/octet-stream",
    maxBytes: max,
    expectedSize: asset.size,
    ...(asset.sha256 ? { sha256: asset.sha256 } : {}),
    onChunk: (chunk) => void chunks.push(chunk.slice()),
  });
  const content = concatBytes(...chunks);
  const sha256 = createHash("sha256").update(content).digest("hex");
  const problems: string[] = [];
  if (content.length !== asset.size) {
    problems.push(`is ${content.length} bytes, but the release declares ${asset.size}`);
  }
  if (asset.sha256 !== undefined && sha256 !== asset.sha256) {
    problems.push(`has sha256 ${sha256}, but GitHub recorded ${asset.sha256} at upload`);
  }
  return problems.length === 0
    ? { content }
    : { content, problem: `the downloaded ${asset.name} ${problems.join(" and ")}` };
}

/**
 * A checksum file over {@link MAX_CHECKSUM_FILE_BYTES}: not downloaded, so it is evidence that
 * could not be checked, and it fails the assets (as a bundle over its cap does).
 */
function oversizedChecksumFile(asset: GithubAsset): ChecksumSource {
  return {
    label: asset.name,
    parse: { entries: [], warnings: [] },
    origin: { url: asset.browserDownloadUrl },
    problem: `${asset.name} is ${asset.size} bytes, over the ${MAX_CHECKSUM_FILE_BYTES}-byte ` +
      "limit for a checksum file; not downloaded, so what it says about this asset is unknown",
    problemCode: "checksum-file-too-large",
  };
}

/** A SUMS-style file of the release, with the signatures published about it. */
export interface SignedChecksumFile {
  readonly source: ChecksumSource;
  readonly sha256: string;
  readonly signatures: SignatureEvidence;
}

/**
 * Checksums published for the whole release: the release notes and SUMS-style files, each file
 * with the signatures published about it (so a signed SHA256SUMS can vouch for what it lists).
 */
export async function gatherReleaseChecksums(
  options: SignatureSources,
): Promise<{ sources: ChecksumSource[]; signedFiles: SignedChecksumFile[] }> {
  const { client, release } = options;
  const sources: ChecksumSource[] = [{
    label: "the release notes",
    parse: parseReleaseBody(release.body),
    origin: { url: release.htmlUrl || release.url },
  }];
  const signedFiles: SignedChecksumFile[] = [];
  for (const asset of release.assets) {
    if (!isChecksumFileName(asset.name)) continue;
    if (asset.size > MAX_CHECKSUM_FILE_BYTES) {
      // Not read, so what it says about each asset is unknown: it may contradict the others.
      sources.push(oversizedChecksumFile(asset));
      continue;
    }
    const file = await fetchSmallBytes(client, asset, MAX_CHECKSUM_FILE_BYTES);
    const bytes = file.content;
    const source: ChecksumSource = {
      label: asset.name,
      parse: parseChecksumFile(new TextDecoder().decode(bytes), asset.name),
      origin: { url: asset.browserDownloadUrl },
      ...(file.problem ? { problem: file.problem } : {}),
    };
    sources.push(source);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    signedFiles.push({
      source,
      sha256,
      signatures: await gatherSignatureEvidence(asset.name, sha256, options),
    });
  }
  return { sources, signedFiles };
}

/**
 * A detached cosign signature (`.sig` + `.pem`/`.crt`) turned into bundles: one per Rekor entry
 * recorded for the asset's digest (the entry supplies the signed time and the log evidence).
 * No entry at all yields an empty bundle text, which the verifier rejects as evidence that
 * cannot be checked.
 */
async function gatherDetachedSignature(
  client: HttpClient,
  rekor: { client: HttpClient; url: URL },
  sigAsset: GithubAsset,
  certAsset: GithubAsset,
  sha256: string,
): Promise<BundleEvidence[]> {
  const origin = { url: sigAsset.browserDownloadUrl };
  const sigFile = await fetchSmallText(client, sigAsset, MAX_CHECKSUM_FILE_BYTES);
  const certFile = await fetchSmallText(client, certAsset, MAX_BUNDLE_BYTES);
  const served = sigFile.problem ?? certFile.problem;
  if (served) return [{ text: "", origin, problem: served }];
  const signature = parseDetachedSignature(new TextEncoder().encode(sigFile.content));
  const certificate = parseCertificateFile(new TextEncoder().encode(certFile.content));
  if (!certificate.ok) {
    return [{ text: "", origin, problem: `${certAsset.name}: ${certificate.message}` }];
  }
  const found = await fetchRekorEntriesForDigest(rekor.client, rekor.url, sha256);
  if (found.length === 0) {
    return [{
      text: "",
      origin,
      problem: `${sigAsset.name}: no Rekor entry in ${rekor.url.href} records sha256:${sha256}, ` +
        "so the short-lived certificate cannot be checked at a trusted time",
    }];
  }
  const out: BundleEvidence[] = [];
  for (const item of found) {
    const entries = parseRekorEntries(item.data);
    if (!entries.ok) {
      out.push({ text: "", origin: { url: item.url }, problem: entries.message });
      continue;
    }
    for (const entry of entries.value) {
      const bundle = assembleDetachedBundle({
        signature,
        certificateDer: certificate.value,
        artifactSha256: decodeHex(sha256),
        entry,
      });
      out.push(
        bundle.ok
          ? { text: bundle.value, origin: { url: `${origin.url} + ${item.url}` } }
          : { text: "", origin: { url: item.url }, problem: bundle.message },
      );
    }
  }
  return out;
}

/** Where to look for signatures about a file of the release. */
export interface SignatureSources {
  readonly client: HttpClient;
  readonly githubApi: URL;
  readonly owner: string;
  readonly repo: string;
  readonly release: GithubRelease;
  readonly rekor?: { readonly client: HttpClient; readonly url: URL };
}

/**
 * The signatures published about one file of the release (an asset or a checksum file): GitHub
 * attestations for its digest, `NAME.sigstore.json` / `.sigstore` / `.bundle` beside it, and
 * `NAME.sig` + `.pem`/`.crt` pairs (through Rekor).
 */
export async function gatherSignatureEvidence(
  name: string,
  sha256: string,
  options: SignatureSources,
): Promise<SignatureEvidence> {
  const { client } = options;
  const byName = new Map(options.release.assets.map((a) => [a.name, a]));
  const attestationsPage = attestationsUrl(options.githubApi, options.owner, options.repo, sha256);
  const attestations: BundleEvidence[] = (await fetchAttestations(
    client,
    options.githubApi,
    options.owner,
    options.repo,
    sha256,
  )).map((a) => ({
    text: a.text,
    origin: { url: a.url },
    ...(a.problem ? { problem: a.problem } : {}),
  }));

  const cosignBundles: BundleEvidence[] = [];
  for (const suffix of BUNDLE_SUFFIXES) {
    const bundleAsset = byName.get(name + suffix);
    if (!bundleAsset) continue;
    const origin = { url: bundleAsset.browserDownloadUrl };
    if (bundleAsset.size > MAX_BUNDLE_BYTES) {
      cosignBundles.push({
        text: "",
        origin,
        problem: `${bundleAsset.name} is ${bundleAsset.size} bytes, over the ` +
          `${MAX_BUNDLE_BYTES}-byte limit for a bundle; not downloaded`,
      });
      continue;
    }
    const file = await fetchSmallText(client, bundleAsset, MAX_BUNDLE_BYTES);
    cosignBundles.push(
      file.problem ? { text: "", origin, problem: file.problem } : { text: file.content, origin },
    );
  }
  const detachedSignatures: string[] = [];
  const sigAsset = byName.get(`${name}.sig`);
  const certAsset = [".pem", ".crt", ".cert"].map((x) => byName.get(name + x)).find((a) => a);
  if (sigAsset && certAsset && options.rekor) {
    cosignBundles.push(
      ...await gatherDetachedSignature(client, options.rekor, sigAsset, certAsset, sha256),
    );
  } else if (sigAsset) {
    detachedSignatures.push(sigAsset.name);
  }
  return {
    attestations,
    attestationsUrl: attestationsPage,
    cosignBundles,
    detachedSignatures,
  };
}

/** Options of {@link gatherAssetEvidence}. */
export interface GatherOptions extends SignatureSources {
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
    if (!sidecar) continue;
    // A sidecar that is also a SUMS-style file is already among the release's checksums.
    if (options.releaseChecksums.some((s) => s.label === sidecarName)) continue;
    if (sidecar.size > MAX_CHECKSUM_FILE_BYTES) {
      checksumSources.push(oversizedChecksumFile(sidecar));
      continue;
    }
    const file = await fetchSmallText(client, sidecar, MAX_CHECKSUM_FILE_BYTES);
    checksumSources.push({
      label: sidecarName,
      parse: parseSidecar(file.content, sidecarName, asset.name),
      origin: { url: sidecar.browserDownloadUrl },
      ...(file.problem ? { problem: file.problem } : {}),
    });
  }

  const signatures = await gatherSignatureEvidence(asset.name, sha256, options);
  return {
    name: asset.name,
    sha256,
    size: downloaded.size,
    apiSize: asset.size,
    apiSha256: asset.sha256,
    downloadUrl: downloaded.url,
    checksumSources,
    ...signatures,
  };
}
