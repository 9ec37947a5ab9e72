/**
 * What a run trusts from the TUF cache: for each repository, the stored state when it verifies
 * as a whole, is at least as new as the embedded TUF root, and has not expired; otherwise the
 * embedded trusted root, with the reason. No network: refreshing is `trust update`'s job.
 * @module
 */
import {
  stateExpires,
  TRUSTED_ROOT_TARGET,
  type TufState,
  verifyRootDescent,
  verifyStoredState,
} from "../trust/tuf/client.ts";
import { TufError } from "../trust/tuf/errors.ts";
import { parseEnvelope } from "../trust/tuf/metadata.ts";
import {
  TUF_REPOSITORIES,
  type TufRepository,
  type TufRepositoryName,
} from "../trust/tuf/repositories.ts";
import { readTufStore } from "./tuf_store.ts";
import { parseTrustedRoot, type TrustedRoot, TrustedRootError } from "../trust/trusted_root.ts";

/** What the cache holds for one repository, and whether a run may use it. */
export interface StoredTufStatus {
  readonly repository: TufRepositoryName;
  /** The verified stored state (absent when nothing usable is stored). */
  readonly state?: TufState;
  /** The stored `trusted_root.json`, parsed, named after the repository. */
  readonly trustedRoot?: TrustedRoot;
  /** When the stored metadata expires (earliest of its four roles). */
  readonly expires?: Date;
  /** True when the stored state verifies and has not expired: a run uses it. */
  readonly usable: boolean;
  /** Why the stored state is not used (nothing stored, expired, refused), when it is not. */
  readonly reason?: string;
  /** The URL the state was fetched from, as stored (unsigned, informational). */
  readonly url?: string;
  /** When it was stored, as stored (informational). */
  readonly updated?: string;
}

/** The embedded TUF root's version for a repository. */
export function embeddedTufRootVersion(repository: TufRepository): number {
  return parseEnvelope(
    new TextEncoder().encode(repository.embeddedRoot),
    "root",
    repository.name,
    "embedded root.json",
  ).signed.version;
}

/**
 * Reads and verifies what the cache at `cacheDir` holds for `repository` at time `now`.
 * Never throws for bad stored content (it is reported as `reason`); I/O errors other than a
 * missing file do throw.
 */
export async function loadStoredTufStatus(
  cacheDir: string,
  repository: TufRepository,
  now: Date,
): Promise<StoredTufStatus> {
  const name = repository.name;
  const files = await readTufStore(cacheDir, name);
  if (files === undefined) {
    return {
      repository: name,
      usable: false,
      reason: "no TUF metadata stored (run `trust update`)",
    };
  }
  if (files === "partial") {
    return { repository: name, usable: false, reason: "the stored TUF metadata is incomplete" };
  }
  const info = { url: files.origin?.url, updated: files.origin?.updated };
  let state: TufState;
  let trustedRoot: TrustedRoot;
  try {
    state = await verifyStoredState(name, files);
    // The stored root must descend from the embedded one (a root anyone wrote into the cache
    // with keys of their own does not); an older one is said so below.
    if (state.root.signed.version >= embeddedTufRootVersion(repository)) {
      await verifyRootDescent(
        name,
        new TextEncoder().encode(repository.embeddedRoot),
        files.roots ?? new Map(),
        files.root,
      );
    }
    const bytes = state.targetFiles.get(TRUSTED_ROOT_TARGET)!;
    trustedRoot = withOrigin(await parseTufTrustedRoot(bytes, name), state, info.url);
  } catch (error) {
    if (error instanceof TufError || error instanceof TrustedRootError) {
      return {
        repository: name,
        usable: false,
        reason: `the stored TUF metadata was refused: ${error.message}`,
        ...info,
      };
    }
    throw error;
  }
  const expires = stateExpires(state);
  const verified = { repository: name, state, trustedRoot, expires, ...info };
  if (state.root.signed.version < embeddedTufRootVersion(repository)) {
    return {
      ...verified,
      usable: false,
      reason:
        `the stored TUF root (version ${state.root.signed.version}) is older than the embedded one`,
    };
  }
  if (now.getTime() >= expires.getTime()) {
    return {
      ...verified,
      usable: false,
      reason: `the stored TUF metadata expired at ${expires.toISOString()} (run \`trust update\`)`,
    };
  }
  return { ...verified, usable: true };
}

/**
 * Parses a TUF `trusted_root.json` target exactly as its bytes were verified: strict UTF-8 with
 * no byte-order mark dropped, so the parsed root's `sha256` (in reports) is the target's.
 *
 * @throws {TrustedRootError} when it is not a trusted root cargo-attest can use
 */
export async function parseTufTrustedRoot(bytes: Uint8Array, name: string): Promise<TrustedRoot> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new TrustedRootError(`${name}: not UTF-8 text`, { cause });
  }
  return await parseTrustedRoot(text, name);
}

/** Every repository's stored status. */
export async function loadStoredTufStatuses(
  cacheDir: string,
  now: Date,
): Promise<StoredTufStatus[]> {
  return await Promise.all(TUF_REPOSITORIES.map((r) => loadStoredTufStatus(cacheDir, r, now)));
}

function withOrigin(root: TrustedRoot, state: TufState, url: string | undefined): TrustedRoot {
  return {
    ...root,
    origin: {
      kind: "tuf",
      tufRootVersion: state.root.signed.version,
      tufTargetsVersion: state.targets.signed.version,
      expires: stateExpires(state).toISOString(),
      ...(url ? { url } : {}),
    },
  };
}
