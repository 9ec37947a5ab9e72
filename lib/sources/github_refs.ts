/**
 * The tag refs a crate's `crate-vcs` needs (its version's candidate tags in its repository), read
 * for many crates at once through GraphQL ({@link queryRepositoryRefs}): lookups queue up and go
 * out together, {@link MAX_BATCH_CRATES} crates a query, or when {@link BATCH_WINDOW_MS} passed
 * since the first was queued. Each crate's answer is kept in the cache (an extract, fresh as long
 * as the answers it came from), so a warm run asks nothing. GraphQL unavailable, offline with
 * nothing cached, or a repository GraphQL said nothing usable of: the lookup answers undefined,
 * and the caller reads the repository's tag list through REST as before.
 * @module
 */
import type { Cache } from "./cache.ts";
import { CachedHttp } from "./cached_http.ts";
import {
  GraphqlUnavailableError,
  queryRepositoryRefs,
  type RepositoryRefs,
  type RepositoryRefsQuery,
} from "./github_graphql.ts";
import type { HttpClient } from "./http.ts";

/** Crates (of any repositories) one GraphQL query asks about at most. */
export const MAX_BATCH_CRATES = 40;

/** How long the first queued lookup waits for others to join it. */
export const BATCH_WINDOW_MS = 15;

/**
 * The kind of the per-crate ref extracts in the cache. The key names the API, the credential, the
 * repository and the crate version (whose candidate tags were asked). v2: v1 was written by a
 * reading that took a tag ref GraphQL failed to resolve, or a tag of more than three tag objects,
 * for "no such tag"; such an extract would answer so for the TTL (and `--offline`, for ever).
 */
const REFS_EXTRACT = "github-refs/v2";

/** What one crate's lookup answers. */
export type CrateRefs = RepositoryRefs;

interface Pending {
  readonly owner: string;
  readonly repo: string;
  readonly tags: readonly string[];
  readonly key: string;
  readonly resolve: (refs: CrateRefs | undefined) => void;
}

/** Batches the ref lookups of one run against one GitHub API. */
export class GithubRefBatcher {
  readonly #client: HttpClient;
  readonly #api: URL;
  readonly #extracts?: Pick<Cache, "getExtract" | "putExtract">;
  readonly #offline: boolean;
  readonly #answers = new Map<string, Promise<CrateRefs | undefined>>();
  #queue: Pending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once GraphQL proved unavailable: every later lookup goes to REST at once. */
  #unavailable = false;
  /** Batches being sent (and their answers remembered). */
  readonly #sending = new Set<Promise<void>>();
  /** GraphQL queries sent (for tests and the bench). */
  queries = 0;
  #unanswered = false;

  /**
   * True once a lookup of this run was left to REST because GraphQL did not answer it (failed,
   * refused, answered in part, or proved unavailable): nothing of it is kept, so a later run asks
   * GraphQL again and may read it otherwise (`lock_memo.ts` does not remember such a run).
   */
  get unanswered(): boolean {
    return this.#unanswered;
  }

  /** A batcher asking `api` through `client`, remembering answers in `extracts`. */
  constructor(
    client: HttpClient,
    api: URL,
    extracts?: Pick<Cache, "getExtract" | "putExtract">,
  ) {
    this.#client = client;
    this.#api = api;
    this.#extracts = extracts;
    this.#offline = (client as { offline?: boolean }).offline === true;
  }

  /**
   * The refs `tags` of OWNER/REPO for crate `crate` (NAME@VERSION: the same crate asks once per
   * run); undefined: ask REST.
   */
  lookup(owner: string, repo: string, crate: string, tags: readonly string[]) {
    const credential = this.#client instanceof CachedHttp
      ? this.#client.credentialFor(this.#api)
      : "uncached";
    const key = `${this.#api.href} as=${credential} ${`${owner}/${repo}`.toLowerCase()} ${crate}`;
    let answer = this.#answers.get(key);
    if (!answer) {
      answer = this.#find(owner, repo, key, tags);
      this.#answers.set(key, answer);
    }
    return answer;
  }

  async #find(
    owner: string,
    repo: string,
    key: string,
    tags: readonly string[],
  ): Promise<CrateRefs | undefined> {
    // A cache that cannot be read is a miss.
    const cached = await this.#extracts?.getExtract(REFS_EXTRACT, key).catch(() => undefined);
    if (cached && (cached.fresh || this.#offline)) {
      const refs = fromExtract(cached.value, tags);
      if (refs) return refs;
    }
    if (this.#offline) return undefined;
    if (this.#unavailable) {
      this.#unanswered = true;
      return undefined;
    }
    return await new Promise<CrateRefs | undefined>((resolve) => {
      this.#queue.push({ owner, repo, tags, key, resolve });
      if (this.#queue.length >= MAX_BATCH_CRATES) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), BATCH_WINDOW_MS);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const sending = this.#send(batch).catch(() => {
      this.#unanswered = true;
      for (const p of batch) p.resolve(undefined);
    });
    this.#sending.add(sending);
    void sending.finally(() => this.#sending.delete(sending));
  }

  /** Resolves once every batch sent has been answered and remembered (before the run ends). */
  async settled(): Promise<void> {
    while (this.#sending.size > 0) await Promise.all([...this.#sending]);
  }

  async #send(batch: readonly Pending[]): Promise<void> {
    // One entry per repository, asking for every tag its crates name.
    const byRepo = new Map<string, { query: RepositoryRefsQuery; tags: Set<string> }>();
    for (const p of batch) {
      const id = `${p.owner}/${p.repo}`.toLowerCase();
      let entry = byRepo.get(id);
      if (!entry) {
        entry = { query: { owner: p.owner, repo: p.repo, tags: [] }, tags: new Set() };
        byRepo.set(id, entry);
      }
      for (const tag of p.tags) entry.tags.add(tag);
    }
    const ids = [...byRepo.keys()];
    const queries = ids.map((id) => ({
      ...byRepo.get(id)!.query,
      tags: [...byRepo.get(id)!.tags],
    }));
    let answers: (RepositoryRefs | undefined)[];
    try {
      this.queries++;
      answers = await queryRepositoryRefs(this.#client, this.#api, queries);
    } catch (error) {
      if (error instanceof GraphqlUnavailableError) this.#unavailable = true;
      this.#unanswered = true;
      // Unavailable, a rate limit, the run's budget: each crate then reads REST (which says,
      // or is refused in turn, for itself).
      for (const p of batch) p.resolve(undefined);
      return;
    }
    for (const p of batch) {
      const answer = answers[ids.indexOf(`${p.owner}/${p.repo}`.toLowerCase())];
      const refs = answer && {
        ...answer,
        tags: new Map(p.tags.map((t) => [t, answer.tags.get(t) ?? null])),
      };
      if (!refs) this.#unanswered = true;
      p.resolve(refs);
      // Remembered for the next run (a cache that cannot be written is only a miss then).
      if (refs) {
        await this.#extracts?.putExtract(REFS_EXTRACT, p.key, toExtract(refs)).catch(() => {});
      }
    }
  }
}

function toExtract(refs: CrateRefs): unknown {
  return {
    ...(refs.missing ? { missing: true } : {}),
    ...(refs.ownerType ? { ownerType: refs.ownerType } : {}),
    ...(refs.ownerLogin ? { ownerLogin: refs.ownerLogin } : {}),
    ...(refs.databaseId !== undefined ? { databaseId: refs.databaseId } : {}),
    ...(refs.defaultBranch ? { defaultBranch: refs.defaultBranch } : {}),
    tags: [...refs.tags],
  };
}

/** An extract back as refs, when it answers every tag asked (else undefined: ask again). */
function fromExtract(value: unknown, tags: readonly string[]): CrateRefs | undefined {
  const v = value as {
    missing?: unknown;
    ownerType?: unknown;
    ownerLogin?: unknown;
    databaseId?: unknown;
    defaultBranch?: unknown;
    tags?: unknown;
  } | null;
  if (!v || !Array.isArray(v.tags)) return undefined;
  const map = new Map<string, string | null>();
  for (const item of v.tags) {
    if (!Array.isArray(item) || typeof item[0] !== "string") return undefined;
    if (item[1] !== null && (typeof item[1] !== "string" || !/^[0-9a-f]{40,64}$/.test(item[1]))) {
      return undefined;
    }
    map.set(item[0], item[1]);
  }
  if (v.missing !== true && !tags.every((t) => map.has(t))) return undefined;
  return {
    ...(v.missing === true ? { missing: true as const } : {}),
    ...(typeof v.ownerType === "string" ? { ownerType: v.ownerType } : {}),
    ...(typeof v.ownerLogin === "string" ? { ownerLogin: v.ownerLogin } : {}),
    ...(typeof v.databaseId === "number" ? { databaseId: v.databaseId } : {}),
    ...(typeof v.defaultBranch === "string" ? { defaultBranch: v.defaultBranch } : {}),
    tags: map,
  };
}
