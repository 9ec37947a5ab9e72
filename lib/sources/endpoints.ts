/**
 * Where cargo-attest talks to: the base URLs of the GitHub API, crates.io, its download host, its
 * sparse index and Rekor, each overridable by an environment variable (GitHub Enterprise, mirrors,
 * loopback test servers), and the GitHub token. Plain `http://` is accepted only for loopback hosts.
 * @module
 */
import { UsageError } from "../errors.ts";

/** Base URLs of every service cargo-attest may contact. Each is a fresh `URL` without a trailing slash. */
export interface Endpoints {
  /** GitHub REST API (`CARGO_ATTEST_GITHUB_API_URL`; GHES: `https://HOST/api/v3`). */
  githubApi: URL;
  /** crates.io API (`CARGO_ATTEST_CRATES_API_URL`). */
  cratesApi: URL;
  /** crates.io download host (`CARGO_ATTEST_CRATES_DL_URL`): `{name}/{name}-{version}.crate`. */
  cratesDl: URL;
  /** The crates.io sparse index (`CARGO_ATTEST_CRATES_INDEX_URL`). */
  cratesIndex: URL;
  /** Rekor transparency log (`CARGO_ATTEST_REKOR_URL`). */
  rekor: URL;
}

/** Reads one environment variable (`Deno.env.get`, or a map in tests). */
export type EnvReader = (name: string) => string | undefined;

/** The environment variable and default of each endpoint. */
export const ENDPOINT_DEFAULTS: Readonly<
  Record<keyof Endpoints, { variable: string; url: string }>
> = {
  githubApi: { variable: "CARGO_ATTEST_GITHUB_API_URL", url: "https://api.github.com" },
  cratesApi: { variable: "CARGO_ATTEST_CRATES_API_URL", url: "https://crates.io/api/v1" },
  cratesDl: { variable: "CARGO_ATTEST_CRATES_DL_URL", url: "https://static.crates.io/crates" },
  cratesIndex: { variable: "CARGO_ATTEST_CRATES_INDEX_URL", url: "https://index.crates.io" },
  rekor: { variable: "CARGO_ATTEST_REKOR_URL", url: "https://rekor.sigstore.dev" },
};

/**
 * Resolves every endpoint from the environment, falling back to the public defaults (an unset or
 * empty variable means the default).
 *
 * @throws {UsageError} naming the variable when its value is not an absolute `https://` URL (or
 * `http://` to a loopback host), carries credentials, a query or a fragment.
 */
export function resolveEndpoints(env: EnvReader): Endpoints {
  const resolve = (key: keyof Endpoints): URL => {
    const { variable, url } = ENDPOINT_DEFAULTS[key];
    const value = env(variable)?.trim();
    return parseEndpointUrl(variable, value === undefined || value === "" ? url : value);
  };
  return {
    githubApi: resolve("githubApi"),
    cratesApi: resolve("cratesApi"),
    cratesDl: resolve("cratesDl"),
    cratesIndex: resolve("cratesIndex"),
    rekor: resolve("rekor"),
  };
}

/**
 * Parses one endpoint base URL, as {@link resolveEndpoints} does for each variable.
 *
 * @param variable the environment variable the value came from (named in errors)
 * @throws {UsageError} when the value is unusable as a base URL
 */
export function parseEndpointUrl(variable: string, value: string): URL {
  const hint = `set ${variable} to an https:// URL (http:// only for 127.0.0.1, ::1 or localhost)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${variable}: '${value}' is not an absolute URL`, hint);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(
      `${variable}: '${value}' uses ${url.protocol}, but only https:// is supported`,
      hint,
    );
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    throw new UsageError(
      `${variable}: '${value}' uses plain http:// to ${url.hostname}, which is not a loopback host`,
      hint,
    );
  }
  if (url.username !== "" || url.password !== "") {
    throw new UsageError(
      `${variable}: '${url.protocol}//${url.host}…' carries credentials in the URL`,
      "put a GitHub token in GH_TOKEN or GITHUB_TOKEN instead",
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new UsageError(
      `${variable}: '${value}' has a query or fragment; give the base URL only`,
      hint,
    );
  }
  url.pathname = url.pathname.replace(/\/+$/, "");
  return url;
}

/**
 * Builds the URL of `path` under a base endpoint, keeping the base's own path
 * (`https://HOST/api/v3` + `repos/o/r` → `https://HOST/api/v3/repos/o/r`). Callers encode the
 * segments they put into `path` (`encodeURIComponent`).
 */
export function endpointUrl(base: URL, path: string, query?: Record<string, string>): URL {
  const joined = `${base.pathname.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
  if (
    joined.includes("?") || joined.includes("#") || base.search || base.username || base.password
  ) {
    // The general case: the setter keeps `?`/`#` in the path, and the base keeps its query and
    // credentials.
    const url = new URL(base.href);
    url.pathname = joined;
    for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
    return url;
  }
  // One parse of the whole string (this runs for every request of a lock).
  const search = query && Object.keys(query).length ? `?${new URLSearchParams(query)}` : "";
  return new URL(`${base.origin}${joined}${search}`);
}

/**
 * True for a loopback host: `localhost`, any address in 127.0.0.0/8, `::1` (with or without
 * brackets). Accepts a bare hostname (`URL.hostname`) or one with a port (`URL.host`).
 */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    if (end < 0) return false;
    name = name.slice(1, end);
  } else if (name.split(":").length === 2) {
    name = name.slice(0, name.indexOf(":")); // host:port
  }
  if (name.endsWith(".") && !name.endsWith("..")) name = name.slice(0, -1);
  if (name === "localhost") return true;
  if (name === "::1" || name === "0:0:0:0:0:0:0:1") return true;
  const octets = name.split(".");
  return octets.length === 4 && octets[0] === "127" &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
}

/**
 * The host repositories live on for the GitHub API in use, as certificates name them
 * (`https://HOST/OWNER/REPO`): `github.com` for api.github.com and anything that stands in for it
 * (a mirror, a loopback fake), and `HOST` for GitHub Enterprise Server (`https://HOST/api/v3`),
 * where `OWNER/REPO` is another repository than github.com's, and `SUB.ghe.com` for GitHub
 * Enterprise Cloud with data residency (`https://api.SUB.ghe.com`).
 */
export function githubWebHost(githubApi: URL): string {
  const path = githubApi.pathname.replace(/\/+$/, "");
  if (path.endsWith("/api/v3")) return githubApi.host.toLowerCase();
  const residency = /^api\.([a-z0-9-]+\.ghe\.com)$/i.exec(githubApi.hostname);
  return residency ? residency[1].toLowerCase() : "github.com";
}

/** The GitHub token from `GH_TOKEN`, else `GITHUB_TOKEN` (as `gh` reads them); blank means none. */
export function githubToken(env: EnvReader): string | undefined {
  for (const name of ["GH_TOKEN", "GITHUB_TOKEN"]) {
    const value = env(name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/**
 * The GitHub token bound to the GitHub API host (`host:port` of `githubApi`), in the shape
 * `HttpClientOptions.token` takes, so it is sent to that host only; undefined without a token.
 */
export function githubTokenFor(
  env: EnvReader,
  githubApi: URL,
): { value: string; host: string } | undefined {
  const value = githubToken(env);
  return value === undefined ? undefined : { value, host: githubApi.host };
}
