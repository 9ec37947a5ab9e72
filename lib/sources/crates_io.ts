/**
 * crates.io access: the sparse index (`index.crates.io`: `config.json` and one JSON line per
 * published version), the web API (`/api/v1/crates/{name}` and `/api/v1/crates/{name}/{version}`,
 * including the trusted-publishing record `trustpub_data`), and `.crate` downloads (streamed; the
 * caller hashes). Network I/O and shape checks only: nothing is verified here.
 *
 * Facts this module relies on (sources: cargo's "Index Format" reference,
 * doc.rust-lang.org/cargo/reference/registry-index.html; crates.io's `EncodableVersion` in
 * rust-lang/crates.io `src/views.rs` and `TrustpubData` in
 * `crates/crates_io_database/src/models/trustpub/data.rs`):
 * - Index file paths are the lowercased name under `1/`, `2/`, `3/{c}/` or `{ab}/{cd}/`.
 * - `config.json` has `dl` (a base, or a template with `{crate}`, `{version}`, `{prefix}`,
 *   `{lowerprefix}`, `{sha256-checksum}` markers) and `api`.
 * - `GET /api/v1/crates/{name}/{version}` answers `{ "version": { checksum, yanked, crate_size,
 *   dl_path, published_by, repository, trustpub_data, … } }`; `trustpub_data` is `null` or tagged by
 *   `provider`: `{"provider":"github","repository":"o/r","run_id":"…","sha":"…"}` or
 *   `{"provider":"gitlab","project_path":"g/p","job_id":"…","sha":"…"}`.
 * - crates.io refuses requests without a `User-Agent`; {@link HttpClient} always sends one.
 * @module
 */
import { AttestError, UsageError } from "../errors.ts";
import { MAX_JSON_BYTES } from "../limits.ts";
import { endpointUrl } from "./endpoints.ts";
import { type HttpClient, HttpStatusError, NotFoundError } from "./http.ts";
import type {
  CratesUser,
  CrateVersionInfo,
  IndexEntry,
  TrustedPublishing,
} from "../evidence/registry_records.ts";

export type {
  CratesUser,
  CrateVersionInfo,
  IndexEntry,
  TrustedPublishing,
} from "../evidence/registry_records.ts";

/** Most characters in a crate name (crates.io's limit). */
export const MAX_CRATE_NAME_LENGTH = 64;

/** The `dl` markers cargo substitutes (a `dl` without any of them is a base URL). */
export const DL_MARKERS: readonly string[] = [
  "{crate}",
  "{version}",
  "{prefix}",
  "{lowerprefix}",
  "{sha256-checksum}",
];

/** Statuses the sparse index uses for "no such crate" (as cargo reads them). */
const INDEX_NOT_FOUND_STATUSES = new Set([404, 410, 451]);

/** The crate (or this version of it) does not exist in the registry. */
export class CrateNotFoundError extends AttestError {
  /** The class name, for messages and `instanceof`-free checks. */
  override name = "CrateNotFoundError";
  /** The crate's name, as asked for. */
  readonly crate: string;
  /** The version asked for, when the question was about one version. */
  readonly version?: string;
  /** The URL that answered "not found". */
  readonly url: string;
  /** `crate` (or `crate@version`) was not found at `url`. */
  constructor(
    crate: string,
    version: string | undefined,
    url: string,
    message: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super("crate-not-found", message, options);
    this.crate = crate;
    this.version = version;
    this.url = url;
  }
}

/** A sparse-index file, parsed. */
export interface IndexFile {
  /** The URL it was read from (after redirects). */
  readonly url: string;
  /** One entry per well-formed line, in file order. */
  readonly entries: readonly IndexEntry[];
  /** One note per line that was skipped (not JSON, or lacking `name`, `vers` or `cksum`). */
  readonly notes: readonly string[];
}

/** `config.json` at the root of a sparse index. */
export interface IndexConfig {
  /** The download base or template (`dl`). */
  readonly dl: string;
  /** The web API base (`api`), when the registry has one (`https://crates.io`, without `/api/v1`). */
  readonly api?: string;
  /** `auth-required`: the registry wants credentials for every request. */
  readonly authRequired: boolean;
  /** The URL it was read from. */
  readonly url: string;
}

/** A crate as the crates.io API describes it (`GET /crates/{name}`). */
export interface CrateInfo {
  readonly name: string;
  /** The crate's repository URL (`crate.repository`), as the latest upload set it. */
  readonly repository?: string;
  readonly homepage?: string;
  /** The API URL read. */
  readonly url: string;
  /** The `crate` object as crates.io sent it. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/**
 * Checks that `name` is a crate name crates.io could hold (ASCII letters, digits, `-` and `_`,
 * starting with a letter or digit, at most {@link MAX_CRATE_NAME_LENGTH} characters), so it is safe
 * in URLs and index paths.
 *
 * @throws {UsageError} naming the value otherwise
 */
export function checkCrateName(name: string): void {
  if (
    name.length === 0 || name.length > MAX_CRATE_NAME_LENGTH ||
    !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)
  ) {
    throw new UsageError(
      `'${name.slice(0, 80)}' is not a crate name`,
      `a crate name is 1 to ${MAX_CRATE_NAME_LENGTH} ASCII letters, digits, '-' or '_'`,
    );
  }
}

/**
 * The directory prefix of a crate name in the index layout: `1`, `2`, `3/{c}` or `{ab}/{cd}`, in
 * the name's own case (`{prefix}` of a `dl` template; lowercase it for `{lowerprefix}`).
 */
export function indexPrefix(name: string): string {
  checkCrateName(name);
  switch (name.length) {
    case 1:
      return "1";
    case 2:
      return "2";
    case 3:
      return `3/${name[0]}`;
    default:
      return `${name.slice(0, 2)}/${name.slice(2, 4)}`;
  }
}

/**
 * The path of a crate's file in the sparse index, lowercased as cargo requests it:
 * `a` → `1/a`, `ab` → `2/ab`, `abc` → `3/a/abc`, `Serde` → `se/rd/serde`.
 *
 * @throws {UsageError} when `name` is not a crate name
 */
export function indexPath(name: string): string {
  const lower = name.toLowerCase();
  return `${indexPrefix(lower)}/${lower}`;
}

/** Reads `config.json` at the root of a sparse index. */
export async function fetchIndexConfig(client: HttpClient, indexUrl: URL): Promise<IndexConfig> {
  const url = endpointUrl(indexUrl, "config.json");
  const response = await client.getJson(url, { accept: "application/json" });
  const data = asRecord(response.data, "config.json", response.url);
  if (typeof data.dl !== "string" || data.dl.trim() === "") {
    throw new AttestError("unexpected-response", `${response.url}: config.json has no "dl" string`);
  }
  return {
    dl: data.dl.trim(),
    api: typeof data.api === "string" && data.api.trim() !== "" ? data.api.trim() : undefined,
    authRequired: data["auth-required"] === true,
    url: response.url,
  };
}

/**
 * Fetches and parses a crate's sparse-index file. A line that is not a JSON object with string
 * `name`, `vers` and `cksum` is skipped with a note (cargo skips what it cannot read, too); a
 * blank line is ignored.
 *
 * @throws {CrateNotFoundError} when the index has no such crate (HTTP 404, 410 or 451)
 * @throws {UsageError} when `name` is not a crate name
 * @throws {NetworkError} on other failures
 */
export async function fetchIndexEntries(
  client: HttpClient,
  indexUrl: URL,
  name: string,
): Promise<IndexFile> {
  const url = endpointUrl(indexUrl, indexPath(name));
  let response;
  try {
    response = await client.getText(url, { maxBytes: MAX_JSON_BYTES });
  } catch (error) {
    if (error instanceof HttpStatusError && INDEX_NOT_FOUND_STATUSES.has(error.status)) {
      throw new CrateNotFoundError(
        name,
        undefined,
        url.href,
        `crate '${name}' is not in the index (${url.href} answered ${error.status})`,
        {
          cause: error,
          hint: "check the crate name; a crate from another registry needs that registry's " +
            "index (CARGO_ATTEST_CRATES_INDEX_URL)",
        },
      );
    }
    throw error;
  }
  return { url: response.url, ...parseIndexLines(response.text, response.url, name) };
}

/**
 * Parses the text of a sparse-index file (pure; {@link fetchIndexEntries} uses it). `where`
 * names the file in notes. With `crate`, a line for another crate (a name that differs other than
 * in case) is skipped with a note too: an index file holds one crate.
 */
export function parseIndexLines(
  text: string,
  where: string,
  crate?: string,
): { entries: IndexEntry[]; notes: string[] } {
  const entries: IndexEntry[] = [];
  const notes: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const at = `${where} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      notes.push(`${at}: skipped, not JSON (${error instanceof Error ? error.message : error})`);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      notes.push(`${at}: skipped, not a JSON object`);
      continue;
    }
    const raw = value as Record<string, unknown>;
    const missing = ["name", "vers", "cksum"].filter((key) => typeof raw[key] !== "string");
    if (missing.length > 0) {
      notes.push(`${at}: skipped, no string ${missing.map((k) => `"${k}"`).join(", ")}`);
      continue;
    }
    if (crate !== undefined && (raw.name as string).toLowerCase() !== crate.toLowerCase()) {
      notes.push(`${at}: skipped, it is for crate '${raw.name}', not '${crate}'`);
      continue;
    }
    entries.push({
      name: raw.name as string,
      vers: raw.vers as string,
      cksum: (raw.cksum as string).trim().toLowerCase(),
      yanked: raw.yanked === true,
      ...(typeof raw.links === "string" ? { links: raw.links } : {}),
      ...(typeof raw.v === "number" ? { v: raw.v } : {}),
      ...(typeof raw.rust_version === "string" ? { rustVersion: raw.rust_version } : {}),
      deps: Array.isArray(raw.deps) ? raw.deps : [],
      features: { ...featureMap(raw.features), ...featureMap(raw.features2) },
      raw,
    });
  }
  return { entries, notes };
}

/**
 * The entry for `version`: the exact `vers`, else the one entry equal to it without build
 * metadata (crates.io refuses two versions that differ only in metadata); undefined when none.
 */
export function findIndexEntry(
  entries: readonly IndexEntry[],
  version: string,
): IndexEntry | undefined {
  const exact = entries.find((e) => e.vers === version);
  if (exact) return exact;
  const bare = (v: string) => v.split("+")[0];
  const loose = entries.filter((e) => bare(e.vers) === bare(version));
  return loose.length === 1 ? loose[0] : undefined;
}

/**
 * Fetches one version from the crates.io API (`{api}/crates/{name}/{version}`, `api` being e.g.
 * `https://crates.io/api/v1`).
 *
 * @throws {CrateNotFoundError} naming the crate and version on 404
 * @throws {AttestError} `unexpected-response` when the answer lacks a `version` object or `yanked`
 * @throws {NetworkError} on other failures
 */
export async function fetchCrateVersion(
  client: HttpClient,
  apiUrl: URL,
  name: string,
  version: string,
): Promise<CrateVersionInfo> {
  checkCrateName(name);
  const url = endpointUrl(
    apiUrl,
    `crates/${encodeURIComponent(name)}/${encodeURIComponent(version)}`,
  );
  const response = await getApiRecord(client, url, name, version);
  const body = asRecord(response.data, "the answer", response.url);
  const v = asRecord(body.version, "the version", response.url);
  if (typeof v.yanked !== "boolean") {
    throw new AttestError(
      "unexpected-response",
      `${response.url}: the version has no boolean "yanked"`,
    );
  }
  const checksum = optionalString(v.checksum)?.trim().toLowerCase();
  return {
    name: optionalString(v.crate) ?? name,
    version: optionalString(v.num) ?? version,
    ...(checksum ? { checksum } : {}),
    yanked: v.yanked,
    ...(typeof v.crate_size === "number" && Number.isSafeInteger(v.crate_size) && v.crate_size >= 0
      ? { crateSize: v.crate_size }
      : {}),
    ...(optionalString(v.dl_path) ? { dlPath: v.dl_path as string } : {}),
    ...(nonEmpty(v.repository) ? { repository: (v.repository as string).trim() } : {}),
    ...optionalField("publishedBy", parseUser(v.published_by)),
    ...optionalField("trustedPublishing", parseTrustedPublishing(v.trustpub_data)),
    url: response.url,
    raw: v,
  };
}

/**
 * GETs a crates.io API record about `name` (or its `version`); a 404 is a
 * {@link CrateNotFoundError} naming what is missing and the URL that said so.
 */
async function getApiRecord(client: HttpClient, url: URL, name: string, version?: string) {
  try {
    return await client.getJson(url, { accept: "application/json" });
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const missing = version === undefined
      ? `crate '${name}'`
      : `version ${version} of crate '${name}'`;
    throw new CrateNotFoundError(
      name,
      version,
      url.href,
      `crates.io has no ${missing} (${url.href} answered 404${cratesErrorDetail(error)})`,
      {
        cause: error,
        hint: version === undefined
          ? "check the crate name"
          : "check the crate name and the exact version (see Cargo.lock)",
      },
    );
  }
}

/**
 * Fetches a crate from the crates.io API (`{api}/crates/{name}`): its repository and homepage.
 *
 * @throws {CrateNotFoundError} naming the crate on 404
 * @throws {NetworkError} on other failures
 */
export async function fetchCrateInfo(
  client: HttpClient,
  apiUrl: URL,
  name: string,
): Promise<CrateInfo> {
  checkCrateName(name);
  const url = endpointUrl(apiUrl, `crates/${encodeURIComponent(name)}`);
  const response = await getApiRecord(client, url, name);
  const body = asRecord(response.data, "the answer", response.url);
  const c = asRecord(body.crate, "the crate", response.url);
  return {
    name: optionalString(c.name) ?? name,
    ...(nonEmpty(c.repository) ? { repository: (c.repository as string).trim() } : {}),
    ...(nonEmpty(c.homepage) ? { homepage: (c.homepage as string).trim() } : {}),
    url: response.url,
    raw: c,
  };
}

/** How {@link crateDownloadUrl} extends a `dl` that has no markers. */
export type DlLayout =
  /** `{dl}/{name}/{name}-{version}.crate`: static.crates.io, `CARGO_ATTEST_CRATES_DL_URL`. */
  | "static"
  /** `{dl}/{name}/{version}/download`: what cargo appends to a `config.json` `dl` without markers. */
  | "cargo";

/**
 * The download URL of a `.crate`. A `dl` with cargo's markers (`{crate}`, `{version}`,
 * `{prefix}`, `{lowerprefix}`, `{sha256-checksum}`) is a template and is filled in; a `dl`
 * without markers is a base, extended per `layout` (default `static`, the layout of
 * static.crates.io and of `CARGO_ATTEST_CRATES_DL_URL`; `cargo` for a `config.json` `dl`).
 *
 * @throws {UsageError} when the template needs `{sha256-checksum}` and none was given, or the name
 * is not a crate name
 */
export function crateDownloadUrl(
  dl: string | URL,
  name: string,
  version: string,
  options: { checksum?: string; layout?: DlLayout } = {},
): string {
  checkCrateName(name);
  const base = String(dl);
  const encodedName = encodeURIComponent(name);
  const encodedVersion = encodeURIComponent(version);
  if (!DL_MARKERS.some((marker) => base.includes(marker))) {
    const root = base.replace(/\/+$/, "");
    return (options.layout ?? "static") === "static"
      ? `${root}/${encodedName}/${encodedName}-${encodedVersion}.crate`
      : `${root}/${encodedName}/${encodedVersion}/download`;
  }
  if (base.includes("{sha256-checksum}") && !options.checksum) {
    throw new UsageError(
      `the download template '${base}' needs the crate's checksum ({sha256-checksum})`,
      "read the checksum from the index first",
    );
  }
  const prefix = indexPrefix(name);
  return base
    .replaceAll("{crate}", encodedName)
    .replaceAll("{version}", encodedVersion)
    .replaceAll("{prefix}", prefix)
    .replaceAll("{lowerprefix}", prefix.toLowerCase())
    .replaceAll("{sha256-checksum}", encodeURIComponent(options.checksum ?? ""));
}

/** Options of {@link downloadCrate}. */
export interface DownloadCrateOptions {
  /** The size the API declares for the `.crate` (`crate_size`), when known (sizes the buffer). */
  expectedSize?: number;
  /** The checksum, for a `dl` template with `{sha256-checksum}`. */
  checksum?: string;
  /** How a `dl` without markers is extended (see {@link crateDownloadUrl}). */
  layout?: DlLayout;
  /**
   * The SHA-256 the `.crate` should have (the index `cksum`), passed to the client as
   * `DownloadOptions.sha256` so a cache may hand out its verified copy.
   */
  sha256?: string;
}

/**
 * Downloads a `.crate` (at most `maxBytes` bytes) from {@link crateDownloadUrl}, read straight
 * into one buffer of its size. A body cut short of its `Content-Length`, or longer than the cap,
 * fails; a complete body of another size than `expectedSize` is returned (the `crate-checksum`
 * check names both sizes).
 *
 * @throws {CrateNotFoundError} naming the crate and version on 404
 * @throws {NetworkError} on other failures (truncated, over the cap, timeouts)
 */
export async function downloadCrate(
  client: HttpClient,
  dlUrl: string | URL,
  name: string,
  version: string,
  maxBytes: number,
  options: DownloadCrateOptions = {},
): Promise<{ url: string; size: number; bytes: Uint8Array }> {
  const url = crateDownloadUrl(dlUrl, name, version, options);
  try {
    const response = await client.download(url, {
      accept: "application/octet-stream, application/x-tar, */*",
      maxBytes,
      ...(options.expectedSize === undefined ? {} : { expectedSize: options.expectedSize }),
      ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
      keepBody: true,
    });
    return { url: response.url, size: response.size, bytes: response.body ?? new Uint8Array(0) };
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new CrateNotFoundError(
        name,
        version,
        url,
        `no download of ${name} ${version} at ${url} (HTTP 404)`,
        {
          cause: error,
          hint: "check the version; a mirror needs CARGO_ATTEST_CRATES_DL_URL set to its base",
        },
      );
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

function asRecord(value: unknown, what: string, url: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AttestError("unexpected-response", `${url}: ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function nonEmpty(value: unknown): boolean {
  return typeof value === "string" && value.trim() !== "";
}

function optionalField<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function featureMap(value: unknown): Record<string, readonly string[]> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  const out: Record<string, readonly string[]> = {};
  for (const [key, list] of Object.entries(value)) {
    if (Array.isArray(list)) out[key] = list.filter((x): x is string => typeof x === "string");
  }
  return out;
}

function parseUser(value: unknown): CratesUser | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const u = value as Record<string, unknown>;
  if (typeof u.login !== "string") return undefined;
  return {
    login: u.login,
    ...(typeof u.id === "number" ? { id: u.id } : {}),
    ...(typeof u.name === "string" ? { name: u.name } : {}),
    ...(typeof u.url === "string" ? { url: u.url } : {}),
  };
}

/** `trustpub_data` → {@link TrustedPublishing}; `null`/absent/malformed → undefined. */
export function parseTrustedPublishing(value: unknown): TrustedPublishing | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const t = value as Record<string, unknown>;
  if (typeof t.provider !== "string" || t.provider === "") return undefined;
  const text = (v: unknown): string | undefined =>
    typeof v === "string" && v !== ""
      ? v
      : typeof v === "number" && Number.isFinite(v)
      ? String(v)
      : undefined;
  const repository = text(t.repository) ?? text(t.project_path);
  const runId = text(t.run_id) ?? text(t.job_id);
  const sha = text(t.sha)?.toLowerCase();
  const workflow = text(t.workflow) ?? text(t.workflow_filename);
  const environment = text(t.environment);
  return {
    provider: t.provider,
    ...(repository ? { repository } : {}),
    ...(workflow ? { workflow } : {}),
    ...(environment ? { environment } : {}),
    ...(runId ? { runId } : {}),
    ...(sha ? { sha } : {}),
    raw: t,
  };
}

/** crates.io's error detail (`{"errors":[{"detail":"…"}]}`) from a 404 excerpt, if any. */
function cratesErrorDetail(error: NotFoundError): string {
  if (!error.excerpt) return "";
  try {
    const parsed = JSON.parse(error.excerpt) as { errors?: { detail?: unknown }[] };
    const detail = parsed.errors?.[0]?.detail;
    if (typeof detail === "string" && detail !== "") return `: ${detail}`;
  } catch {
    // not JSON (or cut off): quote it as it is
  }
  return `: ${error.excerpt}`;
}
