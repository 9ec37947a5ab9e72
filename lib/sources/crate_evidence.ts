/**
 * Gathers the evidence about one crate version: the sparse index line, the crates.io API record,
 * the `.crate` (streamed, hashed as it arrives, size-capped, read in memory: never extracted),
 * and — when GitHub can be asked — the repository's tags, the recorded commit and its tree.
 * @module
 */
import { previousVersion } from "../evidence/version_order.ts";
import { createHash } from "node:crypto";
import { findTag, tagCandidates } from "../evidence/crate_tags.ts";
import { decodeBase64, releaseBuffer } from "../crypto/bytes.ts";
import {
  type CrateArchive,
  CrateArchiveError,
  readCrateArchive,
  releaseCrateArchive,
} from "../evidence/crate_archive.ts";
import type {
  CrateArchiveSummary,
  CrateAttestations,
  CrateChecksumSource,
  CrateEvidence,
  CrateVcsEvidence,
  PublishingRunEvidence,
} from "../evidence/crate_evidence.ts";
import type { GitTree } from "../evidence/git_repository.ts";
import type { TreeShelf } from "./tree_shelf.ts";
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import { AttestError } from "../errors.ts";
import { MAX_CRATE_DOWNLOAD_BYTES } from "../limits.ts";
import {
  crateDownloadUrl,
  CrateNotFoundError,
  downloadCrate,
  fetchCrateInfo,
  fetchCrateVersion,
  fetchIndexEntries,
  findIndexEntry,
} from "./crates_io.ts";
import { endpointUrl, githubWebHost } from "./endpoints.ts";
import {
  fetchCommitExists,
  fetchCommitOnBranch,
  fetchDefaultBranch,
  fetchTree,
  fetchWorkflowRun,
  type GithubTagList,
  listTags,
  parseGithubRepositoryUrl,
  tagsUrl,
} from "./github_repo.ts";
import { type HttpClient, NotFoundError, RateLimitError } from "./http.ts";
import { CachedHttp, OfflineMissError } from "./cached_http.ts";
import { GithubRateLimitError } from "./github_budget.ts";
import type { CrateRefs, GithubRefBatcher } from "./github_refs.ts";
import type { GithubPrefetch } from "./github_prefetch.ts";
import type { Cache } from "./cache.ts";
import { attestationsUrl, fetchAttestations, repoPath } from "./github.ts";
import type { CheckResult } from "../checks/check_result.ts";
import {
  type CrateMemo,
  type CrateMemoStore,
  sourceMemoKey,
  summarizeArchive,
} from "./crate_memo.ts";

export type { CrateAttestations, CrateEvidence } from "../evidence/crate_evidence.ts";

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
  /** Tree listings per (repository, commit, path) being fetched, shared by the crates asking. */
  readonly treeCache?: Map<string, Promise<GitTree | undefined>>;
  /** Whole tree listings kept for the other crates of their repository and commit. */
  readonly wholeTrees?: TreeShelf;
  /**
   * Where untagged commits stand against their repository's default branch, per (repository,
   * commit), shared by the crates asking (the crates of a workspace often share one commit).
   */
  readonly historyCache?: Map<
    string,
    Promise<Pick<CrateVcsEvidence, "defaultBranch" | "bindingError">>
  >;
  /**
   * Batched tag-ref lookups through GitHub's GraphQL API (undefined: each repository's tag list
   * is read through REST).
   */
  readonly refs?: GithubRefBatcher;
  /**
   * What a run of many crates reads in bulk (crates.io records, tag refs, attestations per
   * owner); undefined: each crate asks for itself.
   */
  readonly prefetch?: GithubPrefetch;
  /** Memoised results in the cache (undefined with `--no-cache`). */
  readonly memo?: CrateMemoStore;
  /** The cache, for extracts of expiring answers (undefined with `--no-cache`). */
  readonly extracts?: Pick<Cache, "getExtract" | "putExtract">;
}

/**
 * The kind of the tag-list extracts in the cache (see {@link tagsOf}). v2: the key names the API
 * and the credential (v1 named the repository alone, so one host's tags answered another's).
 */
const TAGS_EXTRACT = "github-tags/v2";

/**
 * The key of a repository's tag list: everything the answer depends on, i.e. which API was asked
 * (GitHub or an enterprise host: the same OWNER/REPO is another repository there), with which
 * credential (a token may see a private repository another cannot), and the repository.
 */
export function tagListKey(
  github: NonNullable<CrateSources["github"]>,
  owner: string,
  repo: string,
): string {
  const credential = github.client instanceof CachedHttp
    ? github.client.credentialFor(github.api)
    : "uncached";
  return `${github.api.href} as=${credential} ${`${owner}/${repo}`.toLowerCase()}`;
}

function tagsOf(sources: CrateSources, owner: string, repo: string) {
  const key = tagListKey(sources.github!, owner, repo);
  let tags = sources.tagCache.get(key);
  if (!tags) {
    tags = readTags(sources, owner, repo, key);
    sources.tagCache.set(key, tags);
  }
  return tags;
}

/**
 * A repository's tags: from the cache's extract of its tag pages (names and commits only) while
 * it is fresh, or offline; else from the pages (revalidated or fetched), then remembered so —
 * but only when the network answered them in this run. An extract is fresh from when it is
 * written, so one made from pages the cache alone answered (offline, whatever their age, or
 * still within their TTL) would keep them fresh longer than they are: those pages are read again
 * next time instead, and the extract is written once a run has asked GitHub.
 */
async function readTags(
  sources: CrateSources,
  owner: string,
  repo: string,
  key: string,
): Promise<GithubTagList | undefined> {
  const github = sources.github!;
  const extracts = sources.extracts;
  const offline = (github.client as { offline?: boolean }).offline === true;
  const cached = await extracts?.getExtract(TAGS_EXTRACT, key);
  if (cached && (cached.fresh || offline)) {
    const value = cached.value as { missing?: boolean; list?: GithubTagList } | null;
    if (value?.missing === true) return undefined;
    if (value?.list && Array.isArray(value.list.tags)) return value.list;
  }
  let list: GithubTagList | undefined;
  try {
    list = await listTags(github.client, github.api, owner, repo, MAX_TAG_PAGES);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const confirmed = !offline &&
    !(github.client instanceof CachedHttp &&
      github.client.servedFromCache(tagsUrl(github.api, owner, repo)));
  if (confirmed) {
    await extracts?.putExtract(TAGS_EXTRACT, key, list ? { list } : { missing: true });
  }
  return list;
}

function treeOf(
  sources: CrateSources,
  github: NonNullable<CrateSources["github"]>,
  ref: { owner: string; repo: string },
  commit: string,
  pathInVcs: string,
): Promise<GitTree | undefined> {
  const fetch = () => fetchTree(github.client, github.api, ref.owner, ref.repo, commit, pathInVcs);
  const cache = sources.treeCache;
  if (!cache) return fetch();
  // A whole listing (not truncated) is the same for every path of the commit: the crates of a
  // workspace share it (and the index `crate-source` builds of it) instead of each reading and
  // parsing it again.
  const wholeKey = `${ref.owner}/${ref.repo}@${commit}`.toLowerCase();
  const whole = sources.wholeTrees?.get(wholeKey);
  if (whole) return Promise.resolve(whole);
  const key = `${wholeKey}:${pathInVcs}`.toLowerCase();
  let tree = cache.get(key);
  if (!tree) {
    tree = fetch();
    cache.set(key, tree);
    // Shared by the crates that asked while it was being fetched (a workspace's crates start
    // together), then dropped: a later crate finds it among the whole trees kept, or reads it
    // from the cache. A failure is not shared either: each later crate asks again and reports
    // its own error.
    const drop = () => cache.delete(key);
    tree.then((t) => {
      drop();
      if (t && !t.truncated) sources.wholeTrees?.keep(wholeKey, t);
    }, drop);
  }
  return tree;
}

async function fetchCrateAttestations(
  sources: CrateSources,
  github: NonNullable<CrateSources["github"]>,
  ref: { owner: string; repo: string },
  sha256: string,
): Promise<CrateAttestations> {
  // The owner's bulk listing, when the prefetch covered this digest in this repository.
  const listed = await sources.prefetch?.attestations(ref.owner, ref.repo, sha256);
  if (listed) {
    return {
      url: listed.url,
      bundles: listed.found.map((a) => ({
        text: a.text,
        origin: { url: a.url },
        ...(a.problem ? { problem: a.problem } : {}),
      })),
    };
  }
  const url = attestationsUrl(github.api, ref.owner, ref.repo, sha256);
  try {
    const found = await fetchAttestations(github.client, github.api, ref.owner, ref.repo, sha256);
    return {
      url,
      bundles: found.map((a) => ({
        text: a.text,
        origin: { url: a.url },
        ...(a.problem ? { problem: a.problem } : {}),
      })),
    };
  } catch (error) {
    if (!(error instanceof OfflineMissError)) throw error;
    // What an earlier run's bulk listing answered for this crate (its lock may have differed).
    const remembered = await sources.prefetch?.remembered(ref.owner, ref.repo, sha256);
    if (remembered) {
      return {
        url: remembered.url,
        bundles: remembered.found.map((a) => ({
          text: a.text,
          origin: { url: a.url },
          ...(a.problem ? { problem: a.problem } : {}),
        })),
      };
    }
    return { url, bundles: [], unavailable: { code: "not-in-cache", message: error.message } };
  }
}

/** The `.crate` as downloaded and read (or its summary, recalled). */
interface CrateContent {
  readonly sha256: string;
  readonly size: number;
  readonly downloadUrl: string;
  readonly archive?: CrateArchive;
  readonly archiveSummary?: CrateArchiveSummary;
  readonly archiveError?: CrateEvidence["archiveError"];
  readonly recalled?: CrateMemo;
  /** The bytes (not when recalled). */
  readonly bytes?: Uint8Array;
}

/** Downloads (or takes from the cache) the `.crate`, hashing it as it arrives. */
async function downloadCrateBytes(
  sources: CrateSources,
  api: CrateVersionInfo,
  expectedSha256: string | undefined,
): Promise<{ sha256: string; bytes: Uint8Array; url: string }> {
  const downloaded = await downloadCrate(
    sources.crates,
    sources.cratesDl,
    api.name,
    api.version,
    MAX_CRATE_DOWNLOAD_BYTES,
    { expectedSize: api.crateSize, sha256: expectedSha256 },
  );
  const sha256 = createHash("sha256").update(downloaded.bytes).digest("hex");
  return { sha256, bytes: downloaded.bytes, url: downloaded.url };
}

/** The `.crate`, downloaded (or from the cache) and read in memory. */
async function readCrateContent(
  sources: CrateSources,
  api: CrateVersionInfo,
  expectedSha256: string | undefined,
): Promise<CrateContent> {
  const { sha256, bytes, url } = await downloadCrateBytes(sources, api, expectedSha256);
  const size = bytes.length;
  try {
    const archive = await readCrateArchive(bytes, { name: api.name, version: api.version });
    return {
      sha256,
      size,
      downloadUrl: url,
      archive,
      archiveSummary: summarizeArchive(archive),
      bytes,
    };
  } catch (error) {
    if (!(error instanceof CrateArchiveError)) throw error;
    return {
      sha256,
      size,
      downloadUrl: url,
      archiveError: { code: error.code, message: error.message },
      bytes,
    };
  }
}

/** What {@link gatherCrateEvidence} gathers beyond what every crate needs. */
export interface GatherOptions {
  /**
   * Read GitHub's record of the workflow run that published the crate through trusted publishing
   * (one request, when crates.io records a GitHub run): set when signer rules are named for the
   * crate, which the run's workflow and ref must then satisfy.
   */
  readonly publishingRun?: boolean;
}

/** A trusted-publishing record's repository, when it is `OWNER/REPO`. */
const OWNER_REPO = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/**
 * GitHub's record of the run crates.io says published the crate, and the repository's tag named
 * as the run's `head_branch` (from the tag list the crate's checks share). A run GitHub does not
 * have, or cannot be asked for (no token, offline and not cached), is a reason, not an error.
 */
async function fetchPublishingRun(
  sources: CrateSources,
  tp: { readonly repository?: string; readonly runId?: string },
): Promise<PublishingRunEvidence> {
  const github = sources.github;
  const parts = tp.repository?.match(OWNER_REPO);
  const unavailable = (url: string, code: string, message: string): PublishingRunEvidence => ({
    url,
    unavailable: { code, message },
  });
  if (!github) {
    return unavailable(
      "",
      "trusted-publishing-run-unavailable",
      sources.githubUnavailable ?? "GitHub is not consulted",
    );
  }
  if (!parts || !tp.runId) {
    return unavailable(
      github.api.href,
      "trusted-publishing-run-unavailable",
      `crates.io's record names no run of a GitHub repository (${tp.repository ?? "none"})`,
    );
  }
  const [, owner, repo] = parts;
  const url = endpointUrl(github.api, `${repoPath(owner, repo)}/actions/runs/${tp.runId}`).href;
  const host = githubWebHost(github.api);
  if (host !== "github.com") {
    // crates.io trusts github.com's workflows; the same OWNER/REPO elsewhere is another repository.
    return unavailable(
      url,
      "trusted-publishing-run-unavailable",
      `crates.io's trusted publishing is from github.com, but the GitHub in use is ${host}`,
    );
  }
  let run;
  try {
    run = await fetchWorkflowRun(github.client, github.api, owner, repo, tp.runId);
  } catch (error) {
    if (!(error instanceof OfflineMissError)) throw error;
    return unavailable(url, "not-in-cache", error.message);
  }
  if (!run) {
    return unavailable(
      url,
      "trusted-publishing-run-not-found",
      `GitHub has no run ${tp.runId} in ${owner}/${repo} (${url})`,
    );
  }
  const { raw: _raw, status: _status, conclusion: _conclusion, ...fields } = run;
  let headTag: PublishingRunEvidence["headTag"];
  if (run.headBranch && (run.event === "push" || run.event === "workflow_dispatch")) {
    // Whether head_branch is a tag at the run's commit (GitHub's run does not say branch or tag).
    try {
      const tags = await tagsOf(sources, owner, repo);
      if (tags) {
        const tag = tags.tags.find((t) => t.name === run.headBranch);
        headTag = tag ? { commit: tag.commit.toLowerCase() } : null;
      }
    } catch (error) {
      if (!(error instanceof OfflineMissError)) throw error;
    }
  }
  return { url, run: fields, ...(headTag !== undefined ? { headTag } : {}) };
}

/** Gathers the evidence about `name@version`; `lockChecksum` is what Cargo.lock records. */
export async function gatherCrateEvidence(
  name: string,
  version: string,
  sources: CrateSources,
  lock?: { readonly checksum?: string; readonly file: string },
  options: GatherOptions = {},
): Promise<CrateEvidence> {
  const [indexFile, api] = await Promise.all([
    fetchIndexEntries(sources.crates, sources.cratesIndex, name),
    sources.prefetch?.versionInfo(name, version) ??
      fetchCrateVersion(sources.crates, sources.cratesApi, name, version),
  ]);
  const entry = findIndexEntry(indexFile.entries, version);
  const previous = previousVersion(indexFile.entries, version);
  const checksumSources: CrateChecksumSource[] = [];
  if (entry) {
    checksumSources.push({
      label: "the sparse index",
      sha256: entry.cksum,
      origin: { url: indexFile.url },
    });
    // Another line for the same version with another checksum: the index contradicts itself
    // (cargo may read either line), so every one of them must agree with the bytes.
    const others = new Set(
      indexFile.entries
        .filter((e) => e !== entry && e.vers === entry.vers && e.cksum !== entry.cksum)
        .map((e) => e.cksum),
    );
    for (const cksum of others) {
      checksumSources.push({
        label: `the sparse index (another line for ${entry.vers})`,
        sha256: cksum,
        origin: { url: indexFile.url },
      });
    }
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

  // What a verified, cached copy of the expected .crate was found to hold, if remembered: then
  // the .crate is neither read again nor inflated (unless its files must be compared again).
  const expectedSha256 = entry?.cksum ?? api.checksum ?? lock?.checksum;
  const recalled = expectedSha256
    ? await sources.memo?.recall(api.name, api.version, expectedSha256, api.crateSize)
    : undefined;
  let content: CrateContent = recalled
    ? {
      sha256: expectedSha256!.toLowerCase(),
      size: recalled.size,
      downloadUrl: crateDownloadUrl(sources.cratesDl, api.name, api.version, {
        checksum: expectedSha256,
      }),
      archiveSummary: recalled.summary,
      recalled,
    }
    : await readCrateContent(sources, api, expectedSha256);

  // The version names no repository: the crate's own record may. Only its absence (or, offline,
  // its not being cached) means "none"; a failure to read it is the crate's ERROR, never "no
  // repository", which would leave the crate's files uncompared.
  const repositoryUrl = api.repository ??
    (await fetchCrateInfo(sources.crates, sources.cratesApi, name).catch((error) => {
      if (error instanceof CrateNotFoundError || error instanceof OfflineMissError) {
        return undefined;
      }
      throw error;
    }))?.repository;
  const ref = repositoryUrl ? parseGithubRepositoryUrl(repositoryUrl) : undefined;
  const repository = ref ? `${ref.owner}/${ref.repo}` : undefined;
  // A crate's repository URL is github.com's (parseGithubRepositoryUrl reads no other host): on
  // a GitHub Enterprise Server the same OWNER/REPO is another repository, whose tags, trees and
  // attestations say nothing about the crate's.
  const githubHost = sources.github ? githubWebHost(sources.github.api) : undefined;
  const otherGithub = githubHost !== undefined && githubHost !== "github.com";
  // Asked alongside the tags and the tree; awaited once everything else is known.
  const attestationsAnswer = ref && sources.github && !otherGithub
    ? fetchCrateAttestations(sources, sources.github, ref, content.sha256)
    : undefined;
  attestationsAnswer?.catch(() => {}); // judged (rethrown) where it is awaited
  // The version's tags, asked now (batched with other crates') while the rest is gathered.
  const refsAnswer = ref && sources.github && !otherGithub && sources.refs &&
      content.archiveSummary?.vcsInfo?.sha1
    ? sources.refs.lookup(
      ref.owner,
      ref.repo,
      `${api.name}@${api.version}`,
      tagCandidates(api.name, api.version),
    )
    : undefined;
  refsAnswer?.catch(() => {}); // judged (rethrown) where it is awaited
  const tp = api.trustedPublishing;
  const runAnswer = options.publishingRun && tp?.provider === "github" && tp.runId
    ? fetchPublishingRun(sources, tp)
    : undefined;
  runAnswer?.catch(() => {}); // judged (rethrown) where it is awaited
  const finish = async (gathered: CrateEvidence): Promise<CrateEvidence> => {
    const publishingRun = await runAnswer;
    const evidence = publishingRun ? { ...gathered, publishingRun } : gathered;
    const attestations = await attestationsAnswer;
    if (!attestations?.bundles.length || evidence.bytes) {
      return attestations ? { ...evidence, attestations } : evidence;
    }
    // Attestations to verify, and the .crate was not read (its results were remembered).
    const read = await downloadCrateBytes(sources, api, expectedSha256);
    return read.sha256 === evidence.sha256
      ? { ...evidence, attestations, bytes: read.bytes }
      : { ...evidence, attestations };
  };
  const vcsInfo = content.archiveSummary?.vcsInfo;
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
  } else if (otherGithub) {
    unavailable = {
      code: "crate-vcs-unsupported-host",
      message: `the repository ${repositoryUrl} is on github.com, but the GitHub in use is ` +
        `${githubHost}, where ${repository} is another repository`,
    };
  }
  const common = (c: CrateContent) => ({
    name: api.name,
    version: api.version,
    sha256: c.sha256,
    size: c.size,
    downloadUrl: c.downloadUrl,
    index: entry ? { ...entry, url: indexFile.url } : undefined,
    api,
    ...(previous ? { previousVersion: previous } : {}),
    checksumSources,
    archive: c.archive,
    archiveSummary: c.archiveSummary,
    archiveError: c.archiveError,
    repositoryUrl,
    repository,
    ...(c.bytes ? { bytes: c.bytes } : {}),
  });
  if (unavailable || !ref || !sources.github || !vcsInfo?.sha1) {
    // No tree to compare with: `crate-source` needs none of the files.
    return await finish({ ...common(content), vcs: { ...vcsBase, unavailable } });
  }

  const github = sources.github;
  let tag: { name: string; commit: string } | undefined;
  let commitExists: boolean;
  let binding: Pick<CrateVcsEvidence, "defaultBranch" | "bindingError"> = {};
  try {
    // A repository GraphQL does not find is asked through REST, which follows a renamed
    // repository's redirect (and says "no repository" itself when there is none).
    const answered: CrateRefs | undefined = await refsAnswer;
    const refs = answered?.missing ? undefined : answered;
    const tags = refs ? undefined : await tagsOf(sources, ref.owner, ref.repo);
    const named = (name: string) => {
      if (!refs) return tags ? findTag(tags.tags, name) : undefined;
      const commit = refs.tags.get(name);
      return commit ? { name, commit } : undefined;
    };
    // Prefer a tag for the version that names the crate's commit (a monorepo may also have a
    // bare `vX.Y.Z` of another crate); else the first that exists.
    const found = triedTags.map(named).filter((t) => t !== undefined);
    tag = found.find((t) => t.commit === vcsInfo.sha1) ?? found[0];
    if (tag?.commit === vcsInfo.sha1) {
      commitExists = true;
    } else {
      // Where the commit stands against the default branch: a comparison that finds it also
      // says it exists; one that does not (404: no such commit, or no such branch) is settled
      // by asking for the commit itself.
      const key = `${ref.owner}/${ref.repo}@${vcsInfo.sha1}`;
      let history = sources.historyCache?.get(key);
      if (!history) {
        history = defaultBranchHistory(github, ref, vcsInfo.sha1, refs?.defaultBranch);
        sources.historyCache?.set(key, history);
        // A failure (offline, rate limit) is this crate's; the next one asks again.
        history.catch(() => sources.historyCache?.delete(key));
      }
      const standing = await history;
      const seen = standing.defaultBranch !== undefined &&
        standing.defaultBranch.history !== "unknown-commit";
      commitExists = seen ||
        await fetchCommitExists(github.client, github.api, ref.owner, ref.repo, vcsInfo.sha1);
      if (commitExists) binding = standing;
    }
  } catch (error) {
    // Offline, with the crate cached but not its repository: the repository checks are what is
    // missing, not the crate.
    if (!(error instanceof OfflineMissError)) throw error;
    return await finish({
      ...common(content),
      vcs: { ...vcsBase, unavailable: { code: "not-in-cache", message: error.message } },
    });
  }
  const origin = {
    url: endpointUrl(github.api, `repos/${ref.owner}/${ref.repo}/tags`).href,
  };
  const vcs = {
    ...vcsBase,
    tag: tag ? { name: tag.name, commit: tag.commit } : undefined,
    commitExists,
    ...binding,
    origin,
  };
  if (!commitExists) return await finish({ ...common(content), vcs });

  const remembered = content.recalled?.source;
  if (
    remembered?.key === sourceMemoKey(github.api, repository!, vcsInfo.sha1, vcsInfo.pathInVcs)
  ) {
    return await finish({ ...common(content), vcs, rememberedSource: remembered.result });
  }
  if (!content.archive && !content.archiveError) {
    // Recalled, but this comparison was not: the files are needed after all.
    const recalledSha256 = content.sha256;
    content = await readCrateContent(sources, api, expectedSha256);
    if (content.sha256 !== recalledSha256) {
      // Not the bytes the memo was made from (the cached copy went away and the download differs):
      // start again from these bytes alone.
      return await gatherCrateEvidence(
        name,
        version,
        { ...sources, memo: undefined },
        lock,
        options,
      );
    }
  }
  const tree = await treeOf(sources, github, ref, vcsInfo.sha1, vcsInfo.pathInVcs).catch(
    (error) => {
      // Offline without the tree: crate-source says the tree is unavailable (a skip).
      if (error instanceof OfflineMissError) return undefined;
      throw error;
    },
  );
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
  return await finish({ ...common(content), vcs, tree, fetchBlob });
}

/**
 * Where a commit that no tag names stands against the repository's default branch: in its
 * history (so the repository's own), or not (another branch's, or a fork's: GitHub serves those
 * under the repository's URL too). A failure to tell is a reason, not an error: the commit is then
 * just not shown to be the repository's.
 */
async function defaultBranchHistory(
  github: NonNullable<CrateSources["github"]>,
  ref: { owner: string; repo: string },
  sha: string,
  knownBranch?: string,
): Promise<Pick<CrateVcsEvidence, "defaultBranch" | "bindingError">> {
  try {
    const branch = knownBranch ??
      await fetchDefaultBranch(github.client, github.api, ref.owner, ref.repo);
    if (!branch) return { bindingError: `${ref.owner}/${ref.repo} names no default branch` };
    const history = await fetchCommitOnBranch(
      github.client,
      github.api,
      ref.owner,
      ref.repo,
      branch,
      sha,
    );
    return { defaultBranch: { name: branch, history } };
  } catch (error) {
    if (
      error instanceof OfflineMissError || error instanceof RateLimitError ||
      error instanceof GithubRateLimitError || !(error instanceof AttestError)
    ) {
      throw error;
    }
    return { bindingError: error.message };
  }
}

/**
 * Remembers what this run derived from a `.crate` it read (its summary, and a passed
 * `crate-source` with what it compared against), so the next run need not read it again. Returns
 * whether the next run is spared reading the `.crate` (hashing its cached bytes): false when it
 * has no memo of the crate (its archive could not be read), or when it compares the crate's files
 * again (the comparison made here, `fetchBlob` set, was not remembered).
 */
export async function rememberCrate(
  sources: CrateSources,
  evidence: CrateEvidence,
  checks: readonly CheckResult[],
): Promise<boolean> {
  const { archive, archiveSummary, tree } = evidence;
  // Recalled from a memo (and not read, so not compared again): the next run recalls it too.
  if (!archive) return !evidence.archiveError;
  if (!sources.memo || !archiveSummary) return false;
  // Only a comparison that bears weight: one against a commit crate-vcs did not bind is qualified
  // by this run's crate-vcs (see `qualifyUnboundSource`), which a later run judges afresh.
  const passed = checks.find((c) =>
    c.id === "crate-source" && c.status === "pass" && c.loadBearing
  );
  const sha1 = archive.vcsInfo?.sha1;
  const api = sources.github?.api;
  const source = passed && tree && sha1 && evidence.repository && api && tree.commit === sha1
    ? {
      key: sourceMemoKey(api, evidence.repository, sha1, archive.vcsInfo?.pathInVcs ?? ""),
      result: passed,
    }
    : undefined;
  await sources.memo.remember(evidence.name, evidence.version, evidence.sha256, {
    size: evidence.size,
    summary: archiveSummary,
    ...(source ? { source } : {}),
  });
  return evidence.fetchBlob === undefined || source !== undefined;
}

/**
 * Frees the memory of a crate's bytes and of its archive's kept file bytes once everything about
 * the crate has been checked and remembered (the collector would free it later; a lock reads
 * hundreds of megabytes, and it lets tens of them pile up meanwhile). The evidence's bytes are
 * empty afterwards.
 */
export function releaseCrateEvidence(evidence: CrateEvidence): void {
  if (evidence.archive) releaseCrateArchive(evidence.archive);
  // Only a buffer of the crate's own (a download, or a copy from the cache) is freed.
  if (evidence.bytes?.byteOffset === 0) releaseBuffer(evidence.bytes.buffer);
}
