/**
 * What a run of many crates asks GitHub in bulk before (and while) the crates are checked one by
 * one: each crate's crates.io record names its repository and its `.crate`'s digest; the tag refs
 * of every crate then go out in a few GraphQL queries ({@link GithubRefBatcher}), which also say
 * each repository's id and whether its owner is an organization or a user; and the attestations
 * of every `.crate` go out in one bulk listing per owner ({@link fetchAttestationsBulk}), kept
 * for the crate's own repository only (as the per-repository listing answers).
 *
 * A crate the prefetch could not cover (no repository in its record, a digest other than the
 * record's, GraphQL or the bulk listing unavailable or failing) is answered `undefined`: the crate
 * then asks GitHub for itself, as without the prefetch. Nothing is ever answered "none" unless a
 * bulk listing that covered the crate's digest and repository said so.
 * @module
 */
import { tagCandidates } from "../evidence/crate_tags.ts";
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import { fetchCrateVersion } from "./crates_io.ts";
import {
  type BulkAttestation,
  bulkAttestationsUrl,
  fetchAttestationsBulk,
  type FetchedAttestation,
  MAX_BULK_DIGESTS,
} from "./github.ts";
import { parseGithubRepositoryUrl } from "./github_repo.ts";
import type { CrateRefs, GithubRefBatcher } from "./github_refs.ts";
import type { HttpClient } from "./http.ts";
import type { Cache } from "./cache.ts";
import { CachedHttp } from "./cached_http.ts";

/** crates.io records read at once by the prefetch. */
const RECORD_JOBS = 16;

/** Owners' bulk listings asked at once. */
const BULK_JOBS = 4;

/**
 * The kind of the extracts that remember, per crate, what its owner's bulk listing answered (the
 * key names the API, the credential, the repository and the digest). Read `--offline` only, when
 * neither the listing (its body names the other crates of the owner, so another lock asks another
 * one) nor the per-digest listing is in the cache: a crate whose attestations a run saw is not
 * "not in the cache" offline because the lock around it changed.
 */
const ATTESTATIONS_EXTRACT = "github-bulk-attestations/v1";

/** One crate as the prefetch knows it. */
interface Planned {
  readonly owner: string;
  readonly repo: string;
  readonly sha256: string;
  readonly refs?: CrateRefs;
}

/** One owner's bulk listing, and what it covers. */
interface OwnerListing {
  readonly url: string;
  readonly digests: ReadonlySet<string>;
  readonly ids: ReadonlySet<number>;
  readonly answer: Promise<Map<string, BulkAttestation[]> | undefined>;
  /** The URL of every answer the listing read (pages, `bundle_url`s), once it is answered. */
  readonly read: readonly string[];
}

/** A crate's attestations as the bulk listing of its owner answered them. */
export interface PrefetchedAttestations {
  /** The listing's URL. */
  readonly url: string;
  readonly found: FetchedAttestation[];
}

/** The prefetch of one run (see the module doc). */
export class GithubPrefetch {
  readonly #crates: { client: HttpClient; api: URL };
  readonly #github: { client: HttpClient; api: URL };
  readonly #refs: GithubRefBatcher;
  readonly #versions = new Map<string, Promise<CrateVersionInfo>>();
  readonly #extracts?: Pick<Cache, "getExtract" | "putExtract">;
  #plan?: Promise<Map<string, { planned: Planned; listing?: OwnerListing }>>;
  /** Bulk listings sent (for tests and the bench). */
  listings = 0;

  /**
   * A prefetch reading crates.io through `crates` and GitHub through `github`, remembering each
   * crate's attestations in `extracts` (for `--offline` runs).
   */
  constructor(
    crates: { client: HttpClient; api: URL },
    github: { client: HttpClient; api: URL },
    refs: GithubRefBatcher,
    extracts?: Pick<Cache, "getExtract" | "putExtract">,
  ) {
    this.#crates = crates;
    this.#github = github;
    this.#refs = refs;
    this.#extracts = extracts;
  }

  #extractKey(owner: string, repo: string, sha256: string): string {
    const { client, api } = this.#github;
    const credential = client instanceof CachedHttp ? client.credentialFor(api) : "uncached";
    return `${api.href} as=${credential} ${`${owner}/${repo}`.toLowerCase()} ` +
      sha256.toLowerCase();
  }

  /**
   * Offline: the attestations an earlier run's bulk listing answered for this crate, when
   * remembered (see {@link ATTESTATIONS_EXTRACT}); undefined when not.
   */
  async remembered(
    owner: string,
    repo: string,
    sha256: string,
  ): Promise<PrefetchedAttestations | undefined> {
    const hit = await this.#extracts?.getExtract(
      ATTESTATIONS_EXTRACT,
      this.#extractKey(owner, repo, sha256),
    ).catch(() => undefined); // a cache that cannot be read is a miss
    const value = hit?.value as { url?: unknown; found?: unknown } | null | undefined;
    if (!value || typeof value.url !== "string" || !Array.isArray(value.found)) return undefined;
    const found: FetchedAttestation[] = [];
    for (const item of value.found) {
      const a = item as { text?: unknown; url?: unknown; problem?: unknown } | null;
      if (!a || typeof a.text !== "string" || typeof a.url !== "string") return undefined;
      if (a.problem !== undefined && typeof a.problem !== "string") return undefined;
      found.push({
        text: a.text,
        url: a.url,
        ...(typeof a.problem === "string" ? { problem: a.problem } : {}),
      });
    }
    return { url: value.url, found };
  }

  /** crates.io's record of NAME@VERSION, read once per run (the crate's checks share it). */
  versionInfo(name: string, version: string): Promise<CrateVersionInfo> {
    const key = `${name}@${version}`;
    let info = this.#versions.get(key);
    if (!info) {
      info = fetchCrateVersion(this.#crates.client, this.#crates.api, name, version);
      info.catch(() => {}); // the crate's own checks report it
      this.#versions.set(key, info);
    }
    return info;
  }

  /**
   * Resolves once everything the prefetch asked is answered (or failed): a run waits for it, so
   * that no request is left going, nor a cache write, after the run.
   */
  async settled(): Promise<void> {
    const plan = await this.#plan?.catch(() => undefined);
    await Promise.all([...(plan?.values() ?? [])].map((e) => e.listing?.answer));
    await this.#refs.settled();
  }

  /** Starts the prefetch of `crates` (once). */
  start(crates: readonly { name: string; version: string }[]): void {
    this.#plan ??= this.#prepare(crates);
    this.#plan.catch(() => {});
  }

  /**
   * The attestations of the `.crate` with digest `sha256` stored in OWNER/REPO, as its owner's
   * bulk listing answered; undefined when the prefetch does not cover it (ask per digest).
   */
  async attestations(
    owner: string,
    repo: string,
    sha256: string,
  ): Promise<PrefetchedAttestations | undefined> {
    const plan = await this.#plan?.catch(() => undefined);
    const entry = plan?.get(crateKey(owner, repo, sha256));
    const listing = entry?.listing;
    const id = entry?.planned.refs?.databaseId;
    if (!listing || id === undefined) return undefined;
    const answer = await listing.answer;
    const found = answer?.get(sha256.toLowerCase());
    if (!found) return undefined;
    const result = {
      url: listing.url,
      found: found.filter((a) => a.repositoryId === id).map(({ repositoryId: _, ...a }) => a),
    };
    if ((this.#github.client as { offline?: boolean }).offline !== true && this.#asked(listing)) {
      // Remembered for an offline run of another lock (a cache that cannot be written: a miss).
      // A listing the cache answered whole was remembered by the run that asked it: writing the
      // same extract again would only mark it fetched now (a line per crate in every warm run).
      await this.#extracts?.putExtract(
        ATTESTATIONS_EXTRACT,
        this.#extractKey(owner, repo, sha256),
        result,
      ).catch(() => {});
    }
    return result;
  }

  /** Whether any answer of `listing` came from GitHub in this run (not from the cache alone). */
  #asked(listing: OwnerListing): boolean {
    const client = this.#github.client;
    if (!(client instanceof CachedHttp)) return true;
    return listing.read.length === 0 || listing.read.some((url) => !client.servedFromCache(url));
  }

  async #prepare(
    crates: readonly { name: string; version: string }[],
  ): Promise<Map<string, { planned: Planned; listing?: OwnerListing }>> {
    const pending: Promise<Planned>[] = [];
    let next = 0;
    const worker = async () => {
      while (next < crates.length) {
        const { name, version } = crates[next++];
        let info: CrateVersionInfo;
        try {
          info = await this.versionInfo(name, version);
        } catch {
          continue;
        }
        const ref = info.repository ? parseGithubRepositoryUrl(info.repository) : undefined;
        const sha256 = info.checksum?.toLowerCase();
        if (!ref || !sha256 || !/^[0-9a-f]{64}$/.test(sha256)) continue;
        // Queued now, answered with the other crates' in a few GraphQL queries.
        const refs = this.#refs.lookup(
          ref.owner,
          ref.repo,
          `${info.name}@${info.version}`,
          tagCandidates(info.name, info.version),
        ).catch(() => undefined);
        pending.push(refs.then((r) => ({ ...ref, sha256, ...(r ? { refs: r } : {}) })));
      }
    };
    await Promise.all(Array.from({ length: Math.min(RECORD_JOBS, crates.length) }, worker));
    const planned = await Promise.all(pending);

    // One listing per owner (per MAX_BULK_DIGESTS digests), for the crates whose repository's id
    // and owner kind are known.
    const byOwner = new Map<string, Planned[]>();
    for (const p of planned) {
      const { databaseId, ownerType, ownerLogin } = p.refs ?? {};
      if (databaseId === undefined || !isOwnerKind(ownerType) || !ownerLogin) continue;
      // The owner GitHub names now (a transferred repository's attestations are its new owner's).
      const key = `${ownerLogin.toLowerCase()} ${ownerType}`;
      byOwner.set(key, [...(byOwner.get(key) ?? []), p]);
    }
    const plan = new Map<string, { planned: Planned; listing?: OwnerListing }>();
    for (const p of planned) plan.set(crateKey(p.owner, p.repo, p.sha256), { planned: p });
    const groups: Planned[][] = [];
    for (const members of byOwner.values()) {
      // Sorted, so the same crates make the same request (and a warm cache answers it).
      const sorted = [...members].sort((a, b) => a.sha256.localeCompare(b.sha256));
      for (let i = 0; i < sorted.length; i += MAX_BULK_DIGESTS) {
        groups.push(sorted.slice(i, i + MAX_BULK_DIGESTS));
      }
    }
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async () => {
      if (running >= BULK_JOBS) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
    };
    const release = () => {
      running--;
      waiting.shift()?.();
    };
    for (const members of groups) {
      const owner = members[0].refs!.ownerLogin!;
      const organization = members[0].refs!.ownerType === "Organization";
      const digests = new Set(members.map((m) => m.sha256));
      const ids = new Set(members.map((m) => m.refs!.databaseId!));
      const read: string[] = [];
      const answer = (async () => {
        await slot();
        try {
          this.listings++;
          return await fetchAttestationsBulk(
            this.#github.client,
            this.#github.api,
            owner,
            organization,
            [...digests],
            ids,
            { onRead: (url) => read.push(url) },
          );
        } catch {
          // Any failure (a rate limit among them): each crate asks per digest, and reports its
          // own answer or error.
          return undefined;
        } finally {
          release();
        }
      })();
      const listing: OwnerListing = {
        url: bulkAttestationsUrl(this.#github.api, owner, organization).href,
        digests,
        ids,
        answer,
        read,
      };
      for (const m of members) {
        plan.set(crateKey(m.owner, m.repo, m.sha256), { planned: m, listing });
      }
    }
    return plan;
  }
}

function isOwnerKind(kind: string | undefined): boolean {
  return kind === "Organization" || kind === "User";
}

function crateKey(owner: string, repo: string, sha256: string): string {
  return `${owner}/${repo}`.toLowerCase() + ` ${sha256.toLowerCase()}`;
}
