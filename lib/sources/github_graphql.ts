/**
 * GitHub's GraphQL API, for what it reads in one request that REST reads in many: the tag refs of
 * many repositories (each tag peeled to its commit), with each repository's default branch, its
 * owner's kind (organization or user) and its numeric id. One query names each repository once
 * (aliases `r0`, `r1`, …) and each tag once (`t0`, `t1`, …). Shapes are checked; a server without
 * GraphQL (404, as on a loopback fake or some mirrors), or an answer that cannot be read, is a
 * {@link GraphqlUnavailableError}: the callers then ask REST, as before.
 * @module
 */
import { AttestError } from "../errors.ts";
import { MAX_JSON_BYTES } from "../limits.ts";
import type { HttpClient } from "./http.ts";

/** What to read of one repository. */
export interface RepositoryRefsQuery {
  readonly owner: string;
  readonly repo: string;
  /** Tag names (without `refs/tags/`). */
  readonly tags: readonly string[];
}

/** What GraphQL said of one repository. */
export interface RepositoryRefs {
  /** The repository does not exist, or is not visible with the credentials given. */
  readonly missing?: true;
  /** `Organization` or `User`, when said. */
  readonly ownerType?: string;
  /** The owner's login as GitHub has it now (a transferred repository's is its new owner's). */
  readonly ownerLogin?: string;
  /** The numeric id (what REST calls `id` and attestations `repository_id`). */
  readonly databaseId?: number;
  /** The default branch's name, when the repository has one. */
  readonly defaultBranch?: string;
  /** Each tag asked for: the commit it points to (peeled, lowercase), or null when it has none. */
  readonly tags: ReadonlyMap<string, string | null>;
}

/** GraphQL cannot answer (not served, an error, an answer of the wrong shape). */
export class GraphqlUnavailableError extends AttestError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "GraphqlUnavailableError";
  /** Why, naming the URL. */
  constructor(message: string, options?: { cause?: unknown }) {
    super("unexpected-response", message, options);
  }
}

/**
 * The GraphQL endpoint of a REST API root: `https://api.github.com/graphql`, and on GitHub
 * Enterprise Server (`https://HOST/api/v3`) `https://HOST/api/graphql`.
 */
export function graphqlUrl(api: URL): URL {
  const url = new URL(api.href);
  const path = url.pathname.replace(/\/+$/, "");
  url.pathname = /\/api\/v3$/.test(path) ? `${path.slice(0, -3)}/graphql` : `${path}/graphql`;
  url.search = "";
  return url;
}

/**
 * Tags are peeled through at most this many tag objects (as REST's `fetchTagCommit`): the query
 * selects one level more, the object the last tag object points to. A tag deeper than that is
 * not "no commit": its repository is asked through REST (whose tag list peels every tag).
 */
const PEEL_DEPTH = 4;

function peelSelection(depth: number): string {
  const inner = depth <= 1 ? "" : ` ... on Tag { target { ${peelSelection(depth - 1)} } }`;
  return `__typename oid${inner}`;
}

/** The query text for `repos` (names quoted as JSON strings, which GraphQL strings accept). */
export function buildRefsQuery(repos: readonly RepositoryRefsQuery[]): string {
  const q = JSON.stringify;
  const parts = repos.map((r, i) => {
    const tags = r.tags.map((tag, j) =>
      `t${j}: ref(qualifiedName: ${q(`refs/tags/${tag}`)}) { target { ${
        peelSelection(PEEL_DEPTH + 1)
      } } }`
    );
    return `r${i}: repository(owner: ${q(r.owner)}, name: ${q(r.repo)}) { databaseId ` +
      `owner { __typename login } defaultBranchRef { name } ${tags.join(" ")} }`;
  });
  return `query { ${parts.join(" ")} }`;
}

/**
 * Reads the tag refs (and the default branch, owner kind, id) of `repos` in one request. An entry
 * is undefined when GraphQL said nothing usable of that repository (the caller asks REST).
 *
 * @throws {GraphqlUnavailableError} when GraphQL cannot answer at all
 * @throws {NetworkError} for a rate limit or the run's budget (never hidden behind a fallback)
 */
export async function queryRepositoryRefs(
  client: HttpClient,
  api: URL,
  repos: readonly RepositoryRefsQuery[],
): Promise<(RepositoryRefs | undefined)[]> {
  const url = graphqlUrl(api);
  let data: unknown;
  try {
    // Past the cache: the batches differ from run to run, and the callers keep the answers.
    const fresh = (client as { postJsonFresh?: HttpClient["postJson"] }).postJsonFresh;
    const post = fresh ? fresh.bind(client) : client.postJson.bind(client);
    data = (await post(url, { query: buildRefsQuery(repos) }, {
      accept: "application/json",
      maxBytes: MAX_JSON_BYTES,
    })).data;
  } catch (error) {
    if (isRateLimit(error)) throw error;
    throw new GraphqlUnavailableError(
      `${url.href}: GraphQL did not answer (${error instanceof Error ? error.message : error})`,
      { cause: error },
    );
  }
  const doc = record(data);
  const answers = record(doc?.data);
  if (!answers) {
    throw new GraphqlUnavailableError(
      `${url.href}: the GraphQL answer has no data${errorSummary(doc?.errors)}`,
    );
  }
  const notFound = new Set<string>();
  // Repositories some field of which GraphQL failed to resolve: that field is null in the data
  // (a tag ref among them, which would read as "no such tag"), so nothing of it is taken.
  const failed = new Set<string>();
  if (Array.isArray(doc?.errors)) {
    for (const e of doc.errors) {
      const err = record(e);
      const path = Array.isArray(err?.path) ? err.path : [];
      if (typeof path[0] !== "string" || !/^r\d+$/.test(path[0])) {
        // An error of no repository's: which null of the data it explains is unknown.
        throw new GraphqlUnavailableError(
          `${url.href}: the GraphQL answer holds an error that names no repository` +
            errorSummary([e]),
        );
      }
      if (err?.type === "NOT_FOUND" && path.length === 1) notFound.add(path[0]);
      else failed.add(path[0]);
    }
  }
  return repos.map((r, i) => {
    const alias = `r${i}`;
    if (failed.has(alias)) return undefined; // partly answered: ask REST
    const repo = answers[alias];
    if (repo === null && notFound.has(alias)) return { missing: true, tags: new Map() };
    const fields = record(repo);
    if (!fields) return undefined;
    const tags = new Map<string, string | null>();
    for (const [j, tag] of r.tags.entries()) {
      const refValue = fields[`t${j}`];
      if (refValue === undefined) return undefined; // not answered: not "no such tag"
      const commit = refValue === null ? null : peel(record(refValue)?.target);
      if (commit === undefined) return undefined; // not peeled here: not "no commit" either
      tags.set(tag, commit);
    }
    const owner = record(fields.owner)?.__typename;
    const login = record(fields.owner)?.login;
    const branch = record(fields.defaultBranchRef)?.name;
    return {
      ...(typeof owner === "string" ? { ownerType: owner } : {}),
      ...(typeof login === "string" && login !== "" ? { ownerLogin: login } : {}),
      ...(typeof fields.databaseId === "number" ? { databaseId: fields.databaseId } : {}),
      ...(typeof branch === "string" && branch !== "" ? { defaultBranch: branch } : {}),
      tags,
    };
  });
}

/**
 * The commit a ref's target comes to through tag objects; null when it is not a commit (a tree, a
 * blob); undefined when it was not peeled to its end (more tag objects than {@link PEEL_DEPTH},
 * or a level the answer left out).
 */
function peel(target: unknown): string | null | undefined {
  let object = record(target);
  for (let depth = 0; depth < PEEL_DEPTH && object?.__typename === "Tag"; depth++) {
    object = record(object.target);
  }
  if (!object || object.__typename === "Tag") return undefined;
  const oid = object.oid;
  return object.__typename === "Commit" && typeof oid === "string" &&
      /^[0-9a-f]{40,64}$/i.test(oid)
    ? oid.toLowerCase()
    : null;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? value as Record<string, unknown>
    : undefined;
}

function errorSummary(errors: unknown): string {
  if (!Array.isArray(errors) || errors.length === 0) return "";
  const first = record(errors[0])?.message;
  return typeof first === "string" ? ` (${first.slice(0, 200)})` : "";
}

function isRateLimit(error: unknown): boolean {
  const name = error instanceof Error ? error.name : "";
  return name === "GithubRateLimitError" || name === "OfflineMissError";
}
