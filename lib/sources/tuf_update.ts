/**
 * `trust update`'s work for one TUF repository: start from the stored root (or the embedded one),
 * run the client workflow over HTTP, and store the new state only when all of it verified.
 * @module
 */
import { AttestError, NetworkError } from "../errors.ts";
import { type HttpClient, HttpStatusError } from "./http.ts";
import {
  isSelfSignedRoot,
  TRUSTED_ROOT_TARGET,
  type TufFetcher,
  type TufState,
  updateTufRepository,
  verifyRootDescent,
} from "../trust/tuf/client.ts";
import { TufError } from "../trust/tuf/errors.ts";
import { parseEnvelope } from "../trust/tuf/metadata.ts";
import type { TufRepository } from "../trust/tuf/repositories.ts";
import {
  readStoredRootChain,
  readStoredTufRoot,
  readTufStore,
  writeTufStore,
} from "./tuf_store.ts";
import { parseTufTrustedRoot } from "./tuf_status.ts";
import { TrustedRootError } from "../trust/trusted_root.ts";

/** A {@link TufFetcher} over HTTP under `base`; counts its requests. */
export function createTufFetcher(
  http: HttpClient,
  base: URL,
  repository: string,
): TufFetcher & { readonly requests: () => number } {
  let requests = 0;
  return {
    requests: () => requests,
    async fetch(path: string, maxBytes: number) {
      const url = new URL(`${base.href.replace(/\/+$/, "")}/${path}`);
      requests++;
      try {
        const response = await http.download(url, { maxBytes, keepBody: true });
        return response.body ?? new Uint8Array(0);
      } catch (error) {
        // §5.3.3: a missing next root (404, or 403 as S3-like stores answer) ends the chain.
        if (error instanceof HttpStatusError && (error.status === 404 || error.status === 403)) {
          return "absent";
        }
        if (error instanceof NetworkError && /-byte limit/.test(error.message)) {
          throw new TufError(
            "tuf-hash-mismatch",
            repository,
            path,
            `is longer than the ${maxBytes} bytes its metadata allows; the transfer was aborted`,
            { cause: error },
          );
        }
        if (error instanceof NetworkError && !(error instanceof HttpStatusError)) {
          // The generic hint speaks of GitHub and crates.io mirrors and --offline.
          const reason = error.message.startsWith(`${error.url}: `)
            ? error.message.slice(error.url.length + 2)
            : error.message;
          throw new NetworkError(error.url, reason, {
            cause: error,
            hint:
              "check the network, or point --tuf-url / CARGO_ATTEST_TUF_URL at a TUF repository you can reach; nothing was written to the cache",
          });
        }
        throw error;
      }
    },
  };
}

/** What one refresh did. */
export interface TufRefresh {
  readonly state: TufState;
  /** The root version the update started from. */
  readonly fromRootVersion: number;
  /** Whether it started from the stored root (else the embedded one). */
  readonly fromStored: boolean;
  /** Requests made. */
  readonly requests: number;
}

/**
 * Refreshes `repository` from `url` into the cache at `cacheDir`; writes nothing unless the whole
 * update verified.
 *
 * @throws {TufError} when metadata is refused; {@link NetworkError} when the repository cannot
 *   be reached or a transfer fails
 */
export async function refreshTufRepository(options: {
  cacheDir: string;
  repository: TufRepository;
  url: URL;
  http: HttpClient;
  now: Date;
}): Promise<TufRefresh> {
  const { cacheDir, repository, url, http, now } = options;
  const stored = await readTufStore(cacheDir, repository.name);
  const storedRoot = await readStoredTufRoot(cacheDir, repository.name);
  const embedded = new TextEncoder().encode(repository.embeddedRoot);
  const embeddedVersion = versionOf(embedded, repository.name) ?? 0;
  // The stored root is the start when it is at least as new as the embedded one (a newer
  // cargo-attest may embed a newer root), holds against its own keys, and descends from the
  // embedded root through the stored roots (a root written into the cache by anyone else does
  // not); otherwise the update walks the chain from the embedded root again.
  const fromStored = storedRoot !== undefined &&
    (versionOf(storedRoot, repository.name) ?? 0) >= embeddedVersion &&
    await isSelfSignedRoot(storedRoot, repository.name) &&
    await descends(repository.name, embedded, cacheDir, storedRoot);
  const start = fromStored ? storedRoot : embedded;
  const fetcher = createTufFetcher(http, url, repository.name);
  const state = await updateTufRepository({
    repository: repository.name,
    trustedRoot: start,
    // The stored versions guard against rollback whatever root the update starts from (after an
    // upgrade the embedded root may be the newer start): they count only when they verify
    // under the new root's keys, so an unverifiable store is ignored, never trusted.
    ...(typeof stored === "object"
      ? { previous: { timestamp: stored.timestamp, snapshot: stored.snapshot } }
      : {}),
    fetcher,
    now,
  });
  await requireUsableTrustedRoot(state, repository.name);
  try {
    await writeTufStore(cacheDir, repository.name, {
      root: state.root.bytes,
      timestamp: state.timestamp.bytes,
      snapshot: state.snapshot.bytes,
      targets: state.targets.bytes,
      targetFiles: state.targetFiles,
      roots: new Map(state.newRoots.map((r) => [r.signed.version, r.bytes])),
      origin: { url: url.href, updated: now.toISOString() },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new AttestError(
      "cache-unavailable",
      `trust update: the verified metadata of '${repository.name}' could not be stored in ${cacheDir}: ${
        (error as Error).message
      }`,
      { cause: error, hint: "set CARGO_ATTEST_CACHE_DIR to a directory you can write to" },
    );
  }
  return {
    state,
    fromRootVersion: versionOf(start, repository.name) ?? 0,
    fromStored,
    requests: fetcher.requests(),
  };
}

/**
 * The verified `trusted_root.json` must be one verifying runs can use: storing one they refuse
 * would replace a good stored state and send every run back to the (older) embedded root.
 *
 * @throws {TufError} `tuf-malformed` naming the target
 */
async function requireUsableTrustedRoot(state: TufState, repository: string): Promise<void> {
  try {
    await parseTufTrustedRoot(state.targetFiles.get(TRUSTED_ROOT_TARGET)!, repository);
  } catch (error) {
    if (!(error instanceof TrustedRootError)) throw error;
    const sha256 = state.targets.signed.targets[TRUSTED_ROOT_TARGET]?.hashes.sha256;
    const file = state.root.signed.consistentSnapshot && sha256
      ? `targets/${sha256}.${TRUSTED_ROOT_TARGET}`
      : `targets/${TRUSTED_ROOT_TARGET}`;
    throw new TufError(
      "tuf-malformed",
      repository,
      file,
      `is not a trusted root cargo-attest can use (${error.message})`,
      { cause: error },
    );
  }
}

async function descends(
  repository: string,
  embedded: Uint8Array,
  cacheDir: string,
  storedRoot: Uint8Array,
): Promise<boolean> {
  try {
    const chain = await readStoredRootChain(cacheDir, repository);
    await verifyRootDescent(repository, embedded, chain, storedRoot);
    return true;
  } catch (error) {
    if (error instanceof TufError) return false;
    throw error;
  }
}

function versionOf(bytes: Uint8Array, repository: string): number | undefined {
  try {
    return parseEnvelope(bytes, "root", repository, "root.json").signed.version;
  } catch (error) {
    if (error instanceof TufError) return undefined;
    throw error;
  }
}
