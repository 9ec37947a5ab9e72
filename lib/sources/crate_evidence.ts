/**
 * Gathers the evidence about one crate version: the sparse index line, the crates.io API record,
 * the `.crate` (streamed, hashed as it arrives, size-capped, read in memory: never extracted),
 * and — when GitHub can be asked — the repository's tags, the recorded commit and its tree.
 * @module
 */
import { createHash } from "node:crypto";
import type { CrateChecksumSource, CrateVcsEvidence } from "../checks/crate_checks.ts";
import { tagCandidates } from "../checks/crate_checks.ts";
import { concatBytes, decodeBase64 } from "../crypto/bytes.ts";
import {
  type CrateArchive,
  CrateArchiveError,
  readCrateArchive,
} from "../evidence/crate_archive.ts";
import { MAX_CRATE_DOWNLOAD_BYTES } from "../limits.ts";
import {
  type CrateVersionInfo,
  downloadCrate,
  fetchCrateInfo,
  fetchCrateVersion,
  fetchIndexEntries,
  findIndexEntry,
  type IndexEntry,
} from "./crates_io.ts";
import { endpointUrl } from "./endpoints.ts";
import {
  fetchCommitExists,
  fetchTree,
  type GithubTagList,
  type GitTree,
  listTags,
  parseGithubRepositoryUrl,
} from "./github_repo.ts";
import { type HttpClient, NotFoundError } from "./http.ts";

/** Most pages of tags read per repository (100 tags a page). */
export const MAX_TAG_PAGES = 20;

/** What the crate command runs with. */
export interface CrateSources {
  readonly crates: HttpClient;
  readonly cratesApi: URL;
  readonly cratesDl: URL;
  readonly cratesIndex: URL;
  /** GitHub, when it may be asked (a token is set); undefined: repository checks are skipped. */
  readonly github?: { readonly client: HttpClient; readonly api: URL };
  /** Why GitHub is not asked (for the skip messages). */
  readonly githubUnavailable?: string;
  /** Tag lists per repository, shared by every crate of a run. */
  readonly tagCache: Map<string, Promise<GithubTagList | undefined>>;
}

/** Everything gathered about one crate version. */
export interface CrateEvidence {
  readonly name: string;
  readonly version: string;
  readonly sha256: string;
  readonly size: number;
  readonly downloadUrl: string;
  readonly index?: IndexEntry & { readonly url: string };
  readonly api?: CrateVersionInfo;
  readonly checksumSources: readonly CrateChecksumSource[];
  readonly archive?: CrateArchive;
  /** The archive could not be read at all (not gzip, not tar). */
  readonly archiveError?: { readonly code: string; readonly message: string };
  readonly repositoryUrl?: string;
  readonly repository?: string;
  readonly vcs: CrateVcsEvidence;
  /** The repository tree at the recorded commit (for `crate-source`). */
  readonly tree?: GitTree;
  readonly fetchBlob?: (sha: string) => Promise<Uint8Array | undefined>;
}

function tagsOf(sources: CrateSources, owner: string, repo: string) {
  const key = `${owner}/${repo}`.toLowerCase();
  let tags = sources.tagCache.get(key);
  if (!tags) {
    tags = listTags(sources.github!.client, sources.github!.api, owner, repo, MAX_TAG_PAGES)
      .catch((error) => {
        if (error instanceof NotFoundError) return undefined;
        throw error;
      });
    sources.tagCache.set(key, tags);
  }
  return tags;
}

/** Gathers the evidence about `name@version`; `lockChecksum` is what Cargo.lock records. */
export async function gatherCrateEvidence(
  name: string,
  version: string,
  sources: CrateSources,
  lock?: { readonly checksum?: string; readonly file: string },
): Promise<CrateEvidence> {
  const [indexFile, api] = await Promise.all([
    fetchIndexEntries(sources.crates, sources.cratesIndex, name),
    fetchCrateVersion(sources.crates, sources.cratesApi, name, version),
  ]);
  const entry = findIndexEntry(indexFile.entries, version);
  const checksumSources: CrateChecksumSource[] = [];
  if (entry) {
    checksumSources.push({
      label: "the sparse index",
      sha256: entry.cksum,
      origin: { url: indexFile.url },
    });
  }
  if (api.checksum) {
    checksumSources.push({
      label: "the crates.io API",
      sha256: api.checksum,
      origin: { url: api.url },
    });
  }
  if (lock?.checksum) {
    checksumSources.push({ label: lock.file, sha256: lock.checksum, origin: { path: lock.file } });
  }

  const hash = createHash("sha256");
  const chunks: Uint8Array[] = [];
  let size = 0;
  const downloaded = await downloadCrate(
    sources.crates,
    sources.cratesDl,
    api.name,
    api.version,
    MAX_CRATE_DOWNLOAD_BYTES,
    (chunk) => {
      hash.update(chunk);
      chunks.push(chunk.slice());
      size += chunk.length;
    },
    {
      expectedSize: api.crateSize,
      sha256: entry?.cksum ?? api.checksum ?? lock?.checksum,
    },
  );
  const bytes = concatBytes(...chunks);
  const sha256 = hash.digest("hex");

  let archive: CrateArchive | undefined;
  let archiveError: CrateEvidence["archiveError"];
  try {
    archive = await readCrateArchive(bytes, { name: api.name, version: api.version });
  } catch (error) {
    if (!(error instanceof CrateArchiveError)) throw error;
    archiveError = { code: error.code, message: error.message };
  }

  const repositoryUrl = api.repository ??
    (await fetchCrateInfo(sources.crates, sources.cratesApi, name).catch(() => undefined))
      ?.repository;
  const ref = repositoryUrl ? parseGithubRepositoryUrl(repositoryUrl) : undefined;
  const repository = ref ? `${ref.owner}/${ref.repo}` : undefined;
  const vcsInfo = archive?.vcsInfo;
  const triedTags = tagCandidates(api.name, api.version);
  const vcsBase = {
    crate: `${api.name}@${api.version}`,
    vcsInfo,
    repository,
    repositoryUrl,
    triedTags,
  };
  let unavailable: CrateVcsEvidence["unavailable"];
  if (!repositoryUrl) {
    unavailable = { code: "crate-vcs-no-repository", message: "crates.io records no repository" };
  } else if (!ref) {
    unavailable = {
      code: "crate-vcs-unsupported-host",
      message: `the repository ${repositoryUrl} is not on GitHub (only GitHub is supported)`,
    };
  } else if (!sources.github) {
    unavailable = {
      code: "crate-vcs-github-unavailable",
      message: sources.githubUnavailable ?? "GitHub is not consulted",
    };
  }
  const common = {
    name: api.name,
    version: api.version,
    sha256,
    size,
    downloadUrl: downloaded.url,
    index: entry ? { ...entry, url: indexFile.url } : undefined,
    api,
    checksumSources,
    archive,
    archiveError,
    repositoryUrl,
    repository,
  };
  if (unavailable || !ref || !sources.github || !vcsInfo?.sha1) {
    return { ...common, vcs: { ...vcsBase, unavailable } };
  }

  const github = sources.github;
  const tags = await tagsOf(sources, ref.owner, ref.repo);
  const tag = triedTags
    .map((name) => tags?.tags.find((t) => t.name === name))
    .find((t) => t !== undefined);
  const commitExists = tag?.commit === vcsInfo.sha1
    ? true
    : await fetchCommitExists(github.client, github.api, ref.owner, ref.repo, vcsInfo.sha1);
  const origin = {
    url: endpointUrl(github.api, `repos/${ref.owner}/${ref.repo}/tags`).href,
  };
  const tree = commitExists
    ? await fetchTree(
      github.client,
      github.api,
      ref.owner,
      ref.repo,
      vcsInfo.sha1,
      vcsInfo.pathInVcs,
    )
    : undefined;
  const fetchBlob = async (sha: string) => {
    const url = endpointUrl(github.api, `repos/${ref.owner}/${ref.repo}/git/blobs/${sha}`);
    try {
      const blob = (await github.client.getJson(url)).data as Record<string, unknown>;
      return blob.encoding === "base64" && typeof blob.content === "string"
        ? decodeBase64(blob.content)
        : undefined;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  };
  return {
    ...common,
    vcs: {
      ...vcsBase,
      tag: tag ? { name: tag.name, commit: tag.commit } : undefined,
      commitExists,
      origin,
    },
    tree,
    fetchBlob,
  };
}
