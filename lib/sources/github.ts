/**
 * GitHub REST API access for releases: the release by tag, the tag's commit, asset downloads
 * (streamed, hashed by the caller) and artifact attestations by digest (paged; snappy
 * `bundle_url`s). Network I/O only: shapes are checked, nothing is verified here.
 * @module
 */
import { concatBytes } from "../crypto/bytes.ts";
import { AttestError } from "../errors.ts";
import { MAX_BUNDLE_BYTES, MAX_JSON_BYTES } from "../limits.ts";
import { endpointUrl } from "./endpoints.ts";
import { type HttpClient, NotFoundError } from "./http.ts";

const GITHUB_JSON = "application/vnd.github+json";

/** Most pages of attestations read for one digest. */
export const MAX_ATTESTATION_PAGES = 10;

/** A release asset as the API describes it. */
export interface GithubAsset {
  readonly id: number;
  readonly name: string;
  readonly size: number;
  /** The API's own `digest` field (`sha256:<hex>`), lowercase hex; absent on older releases. */
  readonly sha256?: string;
  /** The API URL that serves the bytes with `Accept: application/octet-stream`. */
  readonly apiUrl: string;
  readonly browserDownloadUrl: string;
}

/** A release. */
export interface GithubRelease {
  readonly tag: string;
  readonly name: string;
  readonly body: string;
  readonly htmlUrl: string;
  readonly assets: readonly GithubAsset[];
  /** The API URL the release was read from. */
  readonly url: string;
}

/** An attestation bundle fetched from the attestations API. */
export interface FetchedAttestation {
  /** The bundle's JSON text. */
  readonly text: string;
  /** Where it came from (API page URL, or its bundle_url). */
  readonly url: string;
  /** Why the entry holds no bundle that can be read (it then fails as unverifiable). */
  readonly problem?: string;
}

/** The repository or tag does not exist (or is not visible with the credentials given). */
export class ReleaseNotFoundError extends AttestError {
  override name = "ReleaseNotFoundError";
  constructor(message: string, options?: { cause?: unknown; hint?: string }) {
    super("release-not-found", message, options);
  }
}

/** The API path of a repository: `repos/OWNER/REPO`, each part URL-encoded. */
export function repoPath(owner: string, repo: string): string {
  return `repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

/** A JSON value that must be an object; anything else is an `unexpected-response` naming the URL. */
export function asRecord(value: unknown, what: string, url: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AttestError("unexpected-response", `${url}: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function parseAsset(value: unknown, url: string): GithubAsset {
  const a = asRecord(value, "an asset", url);
  if (typeof a.name !== "string" || typeof a.size !== "number" || typeof a.url !== "string") {
    throw new AttestError("unexpected-response", `${url}: an asset lacks name, size or url`);
  }
  const digest = typeof a.digest === "string" ? a.digest.match(/^sha256:([0-9a-fA-F]{64})$/) : null;
  return {
    id: typeof a.id === "number" ? a.id : 0,
    name: a.name,
    size: a.size,
    sha256: digest ? digest[1].toLowerCase() : undefined,
    apiUrl: a.url,
    browserDownloadUrl: typeof a.browser_download_url === "string" ? a.browser_download_url : a.url,
  };
}

/** Fetches the release for `tag`; a missing repository or tag is a {@link ReleaseNotFoundError}. */
export async function fetchRelease(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  tag: string,
): Promise<GithubRelease> {
  const url = endpointUrl(api, `${repoPath(owner, repo)}/releases/tags/${encodeURIComponent(tag)}`);
  let response;
  try {
    response = await client.getJson(url, { accept: GITHUB_JSON, maxBytes: MAX_JSON_BYTES });
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ReleaseNotFoundError(
        `no release ${tag} in ${owner}/${repo} (${url.href} answered 404)`,
        {
          cause: error,
          hint: "check the repository and tag names (tags are case-sensitive); " +
            "a private repository needs GH_TOKEN or GITHUB_TOKEN",
        },
      );
    }
    throw error;
  }
  const r = asRecord(response.data, "the release", url.href);
  if (r.tag_name !== tag) {
    // Everything the release holds is evidence about its own tag: an answer about another tag
    // (or about none) vouches for nothing of this one.
    throw new AttestError(
      "unexpected-response",
      `${response.url}: asked for the release ${tag}, but the answer is the release ` +
        `${typeof r.tag_name === "string" ? `'${r.tag_name}'` : "of no tag"}`,
    );
  }
  if (!Array.isArray(r.assets)) {
    throw new AttestError("unexpected-response", `${url.href}: the release has no assets array`);
  }
  return {
    tag,
    name: typeof r.name === "string" ? r.name : tag,
    body: typeof r.body === "string" ? r.body : "",
    htmlUrl: typeof r.html_url === "string" ? r.html_url : "",
    assets: r.assets.map((a) => parseAsset(a, url.href)),
    url: response.url,
  };
}

/** Resolves a tag to its commit (lightweight and annotated tags); `undefined` if it has none. */
export async function fetchTagCommit(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  tag: string,
): Promise<string | undefined> {
  const url = endpointUrl(api, `${repoPath(owner, repo)}/git/ref/tags/${encodeURIComponent(tag)}`);
  let ref;
  try {
    ref = await client.getJson(url, { accept: GITHUB_JSON });
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
  const refData = asRecord(ref.data, "the tag ref", url.href);
  if (refData.ref !== `refs/tags/${tag}`) {
    // `git/ref/` answers the exact ref or 404; a ref of another name (a prefix match, as
    // `git/matching-refs/` gives) is another tag's commit, which must not bind this tag.
    throw new AttestError(
      "unexpected-response",
      `${ref.url}: asked for refs/tags/${tag}, but the answer is for ` +
        `${typeof refData.ref === "string" ? `'${refData.ref}'` : "no ref"}`,
    );
  }
  let object = asRecord(refData.object, "the ref object", url.href);
  for (let depth = 0; depth < 4 && object.type === "tag"; depth++) {
    if (typeof object.sha !== "string") break;
    const tagUrl = endpointUrl(api, `${repoPath(owner, repo)}/git/tags/${object.sha}`);
    const tagObject = await client.getJson(tagUrl, { accept: GITHUB_JSON });
    object = asRecord(
      asRecord(tagObject.data, "the tag", tagUrl.href).object,
      "the tag object",
      tagUrl.href,
    );
  }
  return object.type === "commit" && typeof object.sha === "string" &&
      /^[0-9a-f]{40,64}$/i.test(object.sha)
    ? object.sha.toLowerCase()
    : undefined;
}

/** Streams an asset's bytes to `onChunk`, checking its size against the API's. */
export async function downloadAsset(
  client: HttpClient,
  asset: GithubAsset,
  maxBytes: number,
  onChunk: (chunk: Uint8Array) => void,
): Promise<{ url: string; size: number }> {
  const response = await client.download(asset.apiUrl, {
    accept: "application/octet-stream",
    maxBytes,
    expectedSize: asset.size,
    ...(asset.sha256 ? { sha256: asset.sha256 } : {}),
    onChunk,
  });
  return { url: response.url, size: response.size };
}

/** The API URL of OWNER/REPO's attestations for a SHA-256 digest (hex). */
export function attestationsUrl(
  api: URL,
  owner: string,
  repo: string,
  sha256: string,
  query?: Record<string, string>,
): string {
  return endpointUrl(api, `${repoPath(owner, repo)}/attestations/sha256:${sha256}`, query).href;
}

/**
 * Fetches every attestation stored in OWNER/REPO for the digest (paged, at most
 * {@link MAX_ATTESTATION_PAGES} pages). None (404 on the first page) is an empty list. A list
 * that cannot be read whole (a later page missing, more pages than the cap) is an error, never a
 * shorter list: an attestation left unread could be the one that fails. An entry with neither a
 * bundle nor a `bundle_url` is returned with a `problem` (it fails as unverifiable).
 */
export async function fetchAttestations(
  client: HttpClient,
  api: URL,
  owner: string,
  repo: string,
  sha256: string,
): Promise<FetchedAttestation[]> {
  const out: FetchedAttestation[] = [];
  let next: string | undefined = attestationsUrl(api, owner, repo, sha256, { per_page: "30" });
  for (let page = 0; next; page++) {
    if (page >= MAX_ATTESTATION_PAGES) {
      throw new AttestError(
        "unexpected-response",
        `${next}: more than ${MAX_ATTESTATION_PAGES} pages of attestations for sha256:${sha256} ` +
          "(a pagination loop?); the list cannot be read whole",
      );
    }
    let response;
    try {
      response = await client.getJson(next, { accept: GITHUB_JSON });
    } catch (error) {
      if (error instanceof NotFoundError && page === 0) return out;
      if (error instanceof NotFoundError) {
        throw new AttestError(
          "unexpected-response",
          `${next}: page ${page + 1} of the attestations for sha256:${sha256} answered 404; ` +
            "the list cannot be read whole",
          { cause: error },
        );
      }
      throw error;
    }
    const data = asRecord(response.data, "the attestations page", response.url);
    if (!Array.isArray(data.attestations)) {
      throw new AttestError("unexpected-response", `${response.url}: no attestations array`);
    }
    for (const item of data.attestations) {
      const a = asRecord(item, "an attestation", response.url);
      if (typeof a.bundle === "object" && a.bundle !== null) {
        out.push({ text: JSON.stringify(a.bundle), url: response.url });
      } else if (typeof a.bundle_url === "string") {
        out.push({ text: await fetchSnappyBundle(client, a.bundle_url), url: a.bundle_url });
      } else {
        out.push({
          text: "",
          url: response.url,
          problem: `${response.url}: an attestation has neither a bundle nor a bundle_url`,
        });
      }
    }
    next = response.linkNext;
  }
  return out;
}

/** Fetches a snappy-compressed bundle (`bundle_url`) and decompresses it within the bundle cap. */
async function fetchSnappyBundle(client: HttpClient, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  await client.download(url, {
    maxBytes: MAX_BUNDLE_BYTES,
    onChunk: (chunk) => void chunks.push(chunk.slice()),
  });
  const compressed = concatBytes(...chunks);
  // Loaded when first needed: most runs (crate, lock) never fetch a bundle_url.
  const { default: snappy } = await import("snappyjs");
  try {
    const raw = snappy.uncompress(compressed, MAX_BUNDLE_BYTES) as Uint8Array;
    return new TextDecoder().decode(raw);
  } catch (cause) {
    // Not snappy (or corrupt): hand the bytes over as they are; the bundle parser will say why.
    void cause;
    return new TextDecoder().decode(compressed);
  }
}

/** Most pages of one bulk attestation listing read (100 attestations a page). */
export const MAX_BULK_ATTESTATION_PAGES = 10;

/** Most digests one bulk listing asks about. */
export const MAX_BULK_DIGESTS = 256;

/** An attestation a bulk listing holds, with the repository it is stored in. */
export interface BulkAttestation extends FetchedAttestation {
  /** The numeric id of the repository the attestation is associated with. */
  readonly repositoryId: number;
}

/** The API URL of an owner's bulk attestation listing (`orgs/O` or `users/O`). */
export function bulkAttestationsUrl(api: URL, owner: string, organization: boolean): URL {
  return endpointUrl(
    api,
    `${organization ? "orgs" : "users"}/${encodeURIComponent(owner)}/attestations/bulk-list`,
    { per_page: "100" },
  );
}

/**
 * Lists, in one request (or a few pages), the attestations stored in any repository of OWNER for
 * each of `digests` (SHA-256 hex): `POST /orgs/O/attestations/bulk-list` for an organization,
 * `/users/O/…` for a user. Only attestations of the repositories `repositoryIds` are kept, and
 * only those have their `bundle_url` fetched. Every digest asked for that the listing named has an
 * entry (empty: none); one it never named has none (not answered: the caller asks per digest).
 * A listing that cannot be read whole (more pages than the cap, an entry naming no repository, a
 * page whose `page_info.has_next` is not a boolean, a shape not understood) is an error, never a
 * shorter list: the caller then asks per digest.
 *
 * @throws {AttestError} `unexpected-response`, or the {@link NetworkError} of the request
 */
export async function fetchAttestationsBulk(
  client: HttpClient,
  api: URL,
  owner: string,
  organization: boolean,
  digests: readonly string[],
  repositoryIds: ReadonlySet<number>,
  options: {
    /** Told the URL of every answer read (each page, each `bundle_url`). */
    readonly onRead?: (url: string) => void;
  } = {},
): Promise<Map<string, BulkAttestation[]>> {
  if (digests.length > MAX_BULK_DIGESTS) {
    throw new AttestError("unexpected-response", `more than ${MAX_BULK_DIGESTS} digests at once`);
  }
  const out = new Map<string, BulkAttestation[]>(digests.map((d) => [d.toLowerCase(), []]));
  // The digests some page named (with a list, or null: none): only those are covered.
  const named = new Set<string>();
  const first = bulkAttestationsUrl(api, owner, organization);
  const body = { subject_digests: digests.map((d) => `sha256:${d.toLowerCase()}`) };
  let url: URL | undefined = first;
  for (let page = 0; url; page++) {
    if (page >= MAX_BULK_ATTESTATION_PAGES) {
      throw new AttestError(
        "unexpected-response",
        `${first.href}: more than ${MAX_BULK_ATTESTATION_PAGES} pages of attestations`,
      );
    }
    const response = await client.postJson(url, body, { accept: GITHUB_JSON });
    options.onRead?.(url.href);
    const data = asRecord(response.data, "the bulk attestation listing", response.url);
    for (const [digest, items] of bulkEntries(data.attestations_subject_digests, response.url)) {
      const hex = digest.replace(/^sha256:/i, "").toLowerCase();
      const list = out.get(hex);
      if (!list) continue; // not asked for
      named.add(hex);
      for (const item of items) {
        const a = asRecord(item, "an attestation", response.url);
        if (typeof a.repository_id !== "number") {
          throw new AttestError(
            "unexpected-response",
            `${response.url}: an attestation names no repository_id`,
          );
        }
        if (!repositoryIds.has(a.repository_id)) continue;
        const where = { repositoryId: a.repository_id };
        if (typeof a.bundle === "object" && a.bundle !== null) {
          list.push({ ...where, text: JSON.stringify(a.bundle), url: response.url });
        } else if (typeof a.bundle_url === "string") {
          const text = await fetchSnappyBundle(client, a.bundle_url);
          options.onRead?.(a.bundle_url);
          list.push({ ...where, text, url: a.bundle_url });
        } else {
          list.push({
            ...where,
            text: "",
            url: response.url,
            problem: `${response.url}: an attestation has neither a bundle nor a bundle_url`,
          });
        }
      }
    }
    // Whether more pages follow is what says the listing is whole: an answer that does not say
    // (no page_info, a has_next that is not a boolean) cannot be read as the last page.
    const info = asRecord(data.page_info, "page_info", response.url);
    if (typeof info.has_next !== "boolean") {
      throw new AttestError(
        "unexpected-response",
        `${response.url}: page_info does not say whether more attestations follow (has_next)`,
      );
    }
    if (info.has_next) {
      if (typeof info.next !== "string" || info.next === "") {
        throw new AttestError(
          "unexpected-response",
          `${response.url}: more attestations follow, but page_info names no cursor`,
        );
      }
      url = new URL(first.href);
      url.searchParams.set("after", info.next);
    } else url = undefined;
  }
  // A digest no page named was not answered: left out, so its crate asks per digest.
  for (const hex of [...out.keys()]) if (!named.has(hex)) out.delete(hex);
  return out;
}

/**
 * The digest → attestations pairs of a bulk listing (a map, or a list of maps; a digest with none
 * is named with `null` or `[]`). A listing without `attestations_subject_digests` is not one that
 * says "none": it is an error (the caller then asks per digest).
 */
function bulkEntries(value: unknown, url: string): [string, unknown[]][] {
  if (value === undefined || value === null) {
    throw new AttestError(
      "unexpected-response",
      `${url}: the bulk listing has no attestations_subject_digests`,
    );
  }
  const maps = Array.isArray(value) ? value : [value];
  const out: [string, unknown[]][] = [];
  for (const map of maps) {
    for (const [digest, items] of Object.entries(asRecord(map, "the digests", url))) {
      if (items === null) {
        out.push([digest, []]);
        continue;
      }
      if (!Array.isArray(items)) {
        throw new AttestError("unexpected-response", `${url}: ${digest}: not a list`);
      }
      out.push([digest, items]);
    }
  }
  return out;
}
