/**
 * The TUF client workflow (specification v1.0.x, §5): from a trusted root, walk the root chain,
 * then timestamp → snapshot → targets, then download the targets cargo-attest needs
 * (`trusted_root.json`, and `signing_config.v0.2.json` where the repository has one). Every check
 * the specification asks for: signature thresholds of both the old and the new root, versions
 * (rollback), expiry (freeze), lengths and hashes (mix-and-match, endless data).
 *
 * Pure apart from the injected {@link TufFetcher}: the whole update happens in memory and returns
 * a {@link TufState}; the caller writes it only when it is complete, so a refused update leaves
 * the cache as it was (a deliberate departure from §5.3.8, which persists each new root as it is
 * verified: the next update walks the same chain again from the last stored root).
 * @module
 */
import { createHash } from "node:crypto";
import { encodeCanonicalJson } from "./canonical_json.ts";
import { TufError } from "./errors.ts";
import {
  type Envelope,
  type ParsedOf,
  parseEnvelope,
  type RootMeta,
  type SnapshotMeta,
  type TargetFile,
  type TargetsMeta,
  type TimestampMeta,
  type TufFileMeta,
  type TufRole,
} from "./metadata.ts";
import { verifiedKeyIds } from "./signatures.ts";
import {
  MAX_TRUSTED_ROOT_BYTES,
  MAX_TUF_ROOT_BYTES,
  MAX_TUF_ROOT_ROTATIONS,
  MAX_TUF_SNAPSHOT_BYTES,
  MAX_TUF_TARGETS_BYTES,
  MAX_TUF_TIMESTAMP_BYTES,
} from "../../limits.ts";

/** Downloads one file of a TUF repository, by its path under the repository's base URL. */
export interface TufFetcher {
  /**
   * The file's bytes (at most `maxBytes`: more is an error), or `"absent"` when the server says
   * it has no such file (404, 403). Any other failure throws.
   */
  fetch(path: string, maxBytes: number): Promise<Uint8Array | "absent">;
}

/** The targets cargo-attest reads: the trusted root (required) and the signing config. */
export const TRUSTED_ROOT_TARGET = "trusted_root.json";
/** The signing configuration target (kept when the repository has it; not used to verify). */
export const SIGNING_CONFIG_TARGET = "signing_config.v0.2.json";

/** A complete, verified TUF state: the four roles and the targets cargo-attest uses. */
export interface TufState {
  readonly root: Envelope<RootMeta>;
  readonly timestamp: Envelope<TimestampMeta>;
  readonly snapshot: Envelope<SnapshotMeta>;
  readonly targets: Envelope<TargetsMeta>;
  /** Target name → its verified bytes (`trusted_root.json` always). */
  readonly targetFiles: ReadonlyMap<string, Uint8Array>;
  /**
   * The roots an update walked past the one it started from, oldest first (kept with the state,
   * so that a verifying run can trace the stored root back to the embedded one).
   */
  readonly newRoots: readonly Envelope<RootMeta>[];
}

/** The earliest expiry of a state's four roles: past it, the state must not be used. */
export function stateExpires(state: TufState): Date {
  return new Date(
    Math.min(
      state.root.signed.expires.getTime(),
      state.timestamp.signed.expires.getTime(),
      state.snapshot.signed.expires.getTime(),
      state.targets.signed.expires.getTime(),
    ),
  );
}

/** What an update starts from. */
export interface UpdateInput {
  /** The repository's name, in messages (`public-good`, `github`). */
  readonly repository: string;
  /** The trusted root to start from: the last stored one, else the embedded one. */
  readonly trustedRoot: Uint8Array;
  /** The stored timestamp and snapshot (for rollback checks), when there are any. */
  readonly previous?: {
    readonly timestamp?: Uint8Array;
    readonly snapshot?: Uint8Array;
  };
  readonly fetcher: TufFetcher;
  readonly now: Date;
}

/**
 * Runs the client workflow once and returns the new state, or throws a {@link TufError} (or the
 * fetcher's network error) without side effects.
 */
export async function updateTufRepository(input: UpdateInput): Promise<TufState> {
  const { repository, fetcher, now } = input;
  // §5.2: the trusted root, checked against its own keys (a corrupted store is caught here).
  let root = await parseSelfSignedRoot(input.trustedRoot, repository, "trusted root.json");

  // §5.3: the root chain, one version at a time.
  const start = root.signed.version;
  const newRoots: Envelope<RootMeta>[] = [];
  for (let n = start + 1;; n++) {
    const file = `${n}.root.json`;
    const bytes = await fetcher.fetch(file, MAX_TUF_ROOT_BYTES);
    if (bytes === "absent") break;
    if (n > start + MAX_TUF_ROOT_ROTATIONS) {
      throw new TufError(
        "tuf-root-chain-too-long",
        repository,
        file,
        `more than ${MAX_TUF_ROOT_ROTATIONS} new root versions in one update (from version ${start}); refusing an endless root chain`,
      );
    }
    root = await verifyNextRoot(root, bytes, n, repository, file);
    newRoots.push(root);
  }
  // §5.3.10: a root that has expired stops the update (freeze attack).
  requireFresh(root.signed.expires, now, repository, `${root.signed.version}.root.json`);

  // §5.3.11: rotated timestamp or snapshot keys make the stored versions meaningless.
  const previous = await previousVersions(input, root);

  // §5.4: timestamp.
  const tsBytes = await required(fetcher, "timestamp.json", MAX_TUF_TIMESTAMP_BYTES, repository);
  let timestamp = await parseSignedBy(
    tsBytes,
    "timestamp",
    root.signed,
    repository,
    "timestamp.json",
  );
  if (previous.timestamp !== undefined && timestamp.signed.version === previous.timestamp) {
    // §5.4.3.1 as python-tuf and go-tuf read it: the same version again (even with other
    // content) changes nothing; the stored timestamp stays the one in use.
    timestamp = previous.timestampEnvelope!;
  }
  if (previous.timestamp !== undefined) {
    requireNoRollback(timestamp.signed.version, previous.timestamp, repository, "timestamp.json");
    requireNoRollback(
      timestamp.signed.snapshot.version,
      previous.snapshotFromTimestamp!,
      repository,
      "timestamp.json (snapshot version)",
    );
  }
  requireFresh(timestamp.signed.expires, now, repository, "timestamp.json");

  // §5.5: snapshot, pinned by the timestamp.
  const { file: snapFile, envelope: snapshot } = await fetchPinned(
    fetcher,
    root.signed,
    "snapshot",
    timestamp.signed.snapshot,
    { by: "timestamp", maxBytes: MAX_TUF_SNAPSHOT_BYTES, repository },
  );
  if (previous.snapshotMeta !== undefined) {
    for (const [name, old] of Object.entries(previous.snapshotMeta)) {
      const now = snapshot.signed.meta[name];
      if (now === undefined) {
        throw new TufError("tuf-rollback", repository, snapFile, `no longer lists ${name}`);
      }
      requireNoRollback(now.version, old.version, repository, `${snapFile} (${name})`);
    }
  }
  requireFresh(snapshot.signed.expires, now, repository, snapFile);

  // §5.6: top-level targets, pinned by the snapshot.
  const targetsMeta = snapshot.signed.meta["targets.json"];
  if (targetsMeta === undefined) {
    throw new TufError("tuf-malformed", repository, snapFile, "lists no targets.json");
  }
  const { file: targetsFile, envelope: targets } = await fetchPinned(
    fetcher,
    root.signed,
    "targets",
    targetsMeta,
    { by: "snapshot", maxBytes: MAX_TUF_TARGETS_BYTES, repository },
  );
  requireFresh(targets.signed.expires, now, repository, targetsFile);

  // §5.7: the targets, each by its length and hashes.
  const targetFiles = new Map<string, Uint8Array>();
  for (const name of [TRUSTED_ROOT_TARGET, SIGNING_CONFIG_TARGET]) {
    const info = targets.signed.targets[name];
    if (info === undefined) {
      if (name === TRUSTED_ROOT_TARGET) {
        throw new TufError(
          "tuf-target-missing",
          repository,
          targetsFile,
          `lists no ${name} target (delegated targets are not searched)`,
        );
      }
      continue;
    }
    targetFiles.set(name, await fetchTarget(fetcher, name, info, root.signed, repository));
  }
  return { root, timestamp, snapshot, targets, targetFiles, newRoots };
}

/**
 * §5.3.4–5.3.5: root version `n` (`bytes`) must be signed by a threshold of the trusted root's
 * root keys and of its own, and be version `n`.
 */
async function verifyNextRoot(
  root: Envelope<RootMeta>,
  bytes: Uint8Array,
  n: number,
  repository: string,
  file: string,
): Promise<Envelope<RootMeta>> {
  const next = parseEnvelope(bytes, "root", repository, file);
  await requireThreshold(
    next,
    root.signed.roles.root,
    root.signed,
    repository,
    file,
    "the trusted root's",
  );
  await requireThreshold(next, next.signed.roles.root, next.signed, repository, file, "its own");
  if (next.signed.version !== n) {
    throw new TufError(
      "tuf-version-mismatch",
      repository,
      file,
      `says version ${next.signed.version}, expected ${n}`,
    );
  }
  return next;
}

/**
 * Checks that the stored root `stored` descends from `anchor` (the embedded root): the same
 * root when their versions are equal, else reached through `chain` (version → the root of that
 * version, as an update stored them), each version signed as §5.3 asks. A root anyone wrote into
 * the cache with keys of their own does not descend from the embedded one. Expiry is not checked
 * (intermediate roots expire; §5.3 does not ask it of them).
 *
 * @throws {TufError} when the stored root is older than the anchor, a version of the chain is
 *   missing or does not hold, or the chain ends in another root
 */
export async function verifyRootDescent(
  repository: string,
  anchor: Uint8Array,
  chain: ReadonlyMap<number, Uint8Array>,
  stored: Uint8Array,
): Promise<void> {
  let root = parseEnvelope(anchor, "root", repository, "embedded root.json");
  const target = parseEnvelope(stored, "root", repository, "root.json");
  if (target.signed.version < root.signed.version) {
    throw new TufError(
      "tuf-rollback",
      repository,
      "root.json",
      `version ${target.signed.version} is older than the embedded root's ${root.signed.version}`,
    );
  }
  for (let n = root.signed.version + 1; n <= target.signed.version; n++) {
    const file = `roots/${n}.root.json`;
    const bytes = chain.get(n);
    if (bytes === undefined) {
      throw new TufError(
        "tuf-malformed",
        repository,
        file,
        `is not stored: the stored root (version ${target.signed.version}) cannot be traced to the embedded root`,
      );
    }
    root = await verifyNextRoot(root, bytes, n, repository, file);
  }
  if (canonicalOrUndefined(root.signedRaw) !== canonicalOrUndefined(target.signedRaw)) {
    throw new TufError(
      "tuf-version-mismatch",
      repository,
      "root.json",
      `is not the version ${target.signed.version} root that the embedded root leads to`,
    );
  }
}

/** True when `bytes` is a TUF root signed by a threshold of its own root keys. */
export async function isSelfSignedRoot(bytes: Uint8Array, repository: string): Promise<boolean> {
  try {
    await parseSelfSignedRoot(bytes, repository, "root.json");
    return true;
  } catch (error) {
    if (error instanceof TufError) return false;
    throw error;
  }
}

/**
 * Checks a stored state as a whole, without the network: the root against its own keys, each
 * role against the root, the versions, lengths and hashes that tie them together, and the
 * targets' bytes. Expiry is not checked here (the caller decides what an expired state means).
 *
 * @throws {TufError} when any part does not hold
 */
export async function verifyStoredState(
  repository: string,
  files: {
    root: Uint8Array;
    timestamp: Uint8Array;
    snapshot: Uint8Array;
    targets: Uint8Array;
    targetFiles: ReadonlyMap<string, Uint8Array>;
  },
): Promise<TufState> {
  const root = await parseSelfSignedRoot(files.root, repository, "root.json");
  const timestamp = await parseSignedBy(
    files.timestamp,
    "timestamp",
    root.signed,
    repository,
    "timestamp.json",
  );
  requireFileMeta(files.snapshot, timestamp.signed.snapshot, repository, "snapshot.json");
  const snapshot = await parseSignedBy(
    files.snapshot,
    "snapshot",
    root.signed,
    repository,
    "snapshot.json",
  );
  const targetsMeta = snapshot.signed.meta["targets.json"];
  if (snapshot.signed.version !== timestamp.signed.snapshot.version || !targetsMeta) {
    throw new TufError(
      "tuf-version-mismatch",
      repository,
      "snapshot.json",
      "is not the one the timestamp names",
    );
  }
  requireFileMeta(files.targets, targetsMeta, repository, "targets.json");
  const targets = await parseSignedBy(
    files.targets,
    "targets",
    root.signed,
    repository,
    "targets.json",
  );
  if (targets.signed.version !== targetsMeta.version) {
    throw new TufError(
      "tuf-version-mismatch",
      repository,
      "targets.json",
      "is not the one the snapshot names",
    );
  }
  for (const [name, bytes] of files.targetFiles) {
    const info = targets.signed.targets[name];
    if (!info) {
      throw new TufError("tuf-target-missing", repository, name, "is not a target of targets.json");
    }
    requireFileMeta(bytes, info, repository, name);
  }
  if (!files.targetFiles.has(TRUSTED_ROOT_TARGET)) {
    throw new TufError("tuf-target-missing", repository, TRUSTED_ROOT_TARGET, "is not stored");
  }
  return { root, timestamp, snapshot, targets, targetFiles: files.targetFiles, newRoots: [] };
}

/** The canonical form of `value`, or undefined when it has none (a float): never equal. */
function canonicalOrUndefined(value: unknown): string | undefined {
  try {
    return encodeCanonicalJson(value);
  } catch {
    return undefined;
  }
}

async function fetchTarget(
  fetcher: TufFetcher,
  name: string,
  info: TargetFile,
  root: RootMeta,
  repository: string,
): Promise<Uint8Array> {
  const sha256 = info.hashes.sha256;
  const path = root.consistentSnapshot && sha256 ? `targets/${sha256}.${name}` : `targets/${name}`;
  if (info.length > MAX_TRUSTED_ROOT_BYTES) {
    throw new TufError(
      "tuf-malformed",
      repository,
      path,
      `declares ${info.length} bytes, over the ${MAX_TRUSTED_ROOT_BYTES}-byte limit`,
    );
  }
  const bytes = await required(fetcher, path, info.length, repository);
  requireFileMeta(bytes, info, repository, path);
  return bytes;
}

/**
 * Fetches the snapshot or targets metadata a timestamp or snapshot pins (§5.5, §5.6): by version
 * under consistent snapshots, at most its signed length (capped: a length signed by the pinning
 * key still cannot make cargo-attest read without end), with its length and hashes checked, its
 * role's threshold met, and the version the pin names.
 */
async function fetchPinned<R extends "snapshot" | "targets">(
  fetcher: TufFetcher,
  root: RootMeta,
  role: R,
  meta: TufFileMeta & { readonly version: number },
  pin: { readonly by: string; readonly maxBytes: number; readonly repository: string },
): Promise<{ file: string; envelope: Envelope<ParsedOf<R>> }> {
  const { repository } = pin;
  const file = root.consistentSnapshot ? `${meta.version}.${role}.json` : `${role}.json`;
  const bytes = await required(
    fetcher,
    file,
    Math.min(meta.length ?? pin.maxBytes, pin.maxBytes),
    repository,
  );
  requireFileMeta(bytes, meta, repository, file);
  const envelope = await parseSignedBy(bytes, role, root, repository, file);
  const version = (envelope.signed as { readonly version: number }).version;
  if (version !== meta.version) {
    throw new TufError(
      "tuf-version-mismatch",
      repository,
      file,
      `is version ${version}, but the ${pin.by} names version ${meta.version} (mix-and-match)`,
    );
  }
  return { file, envelope };
}

/** Length and every known hash of `meta` (sha256, sha512); an unknown algorithm alone is refused. */
function requireFileMeta(bytes: Uint8Array, meta: TufFileMeta, repository: string, file: string) {
  if (meta.length !== undefined && bytes.length !== meta.length) {
    throw new TufError(
      "tuf-hash-mismatch",
      repository,
      file,
      `is ${bytes.length} bytes, but its metadata says ${meta.length}`,
    );
  }
  if (meta.hashes === undefined) return;
  let checked = 0;
  for (const [algorithm, expected] of Object.entries(meta.hashes)) {
    if (algorithm !== "sha256" && algorithm !== "sha512") continue;
    const actual = createHash(algorithm).update(bytes).digest("hex");
    if (actual !== expected) {
      throw new TufError(
        "tuf-hash-mismatch",
        repository,
        file,
        `${algorithm} is ${actual}, but its metadata says ${expected}`,
      );
    }
    checked++;
  }
  if (checked === 0) {
    throw new TufError(
      "tuf-hash-mismatch",
      repository,
      file,
      `its metadata gives only hashes cargo-attest cannot compute (${
        Object.keys(meta.hashes).join(", ")
      })`,
    );
  }
}

/** `bytes` parsed as `role`'s metadata, signed by a threshold of `root`'s keys for that role. */
async function parseSignedBy<R extends "timestamp" | "snapshot" | "targets">(
  bytes: Uint8Array,
  role: R,
  root: RootMeta,
  repository: string,
  file: string,
): Promise<Envelope<ParsedOf<R>>> {
  const envelope = parseEnvelope(bytes, role, repository, file);
  await requireThreshold(envelope, root.roles[role], root, repository, file);
  return envelope;
}

/** `bytes` parsed as a root, signed by a threshold of its own root keys. */
async function parseSelfSignedRoot(
  bytes: Uint8Array,
  repository: string,
  file: string,
): Promise<Envelope<RootMeta>> {
  const root = parseEnvelope(bytes, "root", repository, file);
  await requireThreshold(root, root.signed.roles.root, root.signed, repository, file);
  return root;
}

async function requireThreshold(
  envelope: Envelope<unknown>,
  role: TufRole,
  root: RootMeta,
  repository: string,
  file: string,
  whose = "the root's",
): Promise<void> {
  const valid = await verifiedKeyIds(envelope, role, root.keys, role.threshold);
  if (valid.size < role.threshold) {
    throw new TufError(
      "tuf-signature-threshold",
      repository,
      file,
      `${valid.size} valid signature(s) by ${whose} keys for this role, ${role.threshold} required`,
    );
  }
}

function requireFresh(expires: Date, now: Date, repository: string, file: string) {
  if (now.getTime() >= expires.getTime()) {
    throw new TufError(
      "tuf-expired",
      repository,
      file,
      `expired at ${expires.toISOString()} (now ${now.toISOString()})`,
      {
        hint:
          "the repository serves stale metadata (or the clock is wrong); nothing was written, the roots in use are unchanged",
      },
    );
  }
}

function requireNoRollback(version: number, previous: number, repository: string, file: string) {
  if (version < previous) {
    throw new TufError(
      "tuf-rollback",
      repository,
      file,
      `version ${version} is older than the stored version ${previous} (rollback)`,
    );
  }
}

async function required(
  fetcher: TufFetcher,
  path: string,
  maxBytes: number,
  repository: string,
): Promise<Uint8Array> {
  const bytes = await fetcher.fetch(path, maxBytes);
  if (bytes === "absent") {
    throw new TufError("tuf-malformed", repository, path, "the repository does not have it");
  }
  return bytes;
}

interface PreviousVersions {
  timestamp?: number;
  timestampEnvelope?: Envelope<TimestampMeta>;
  snapshotFromTimestamp?: number;
  snapshotMeta?: SnapshotMeta["meta"];
}

/**
 * The stored timestamp's and snapshot's versions, when they verify under the new root's keys
 * for their roles (§5.3.11: a rotation of those keys discards them, recovering from a
 * fast-forward attack). Unverifiable stored files are ignored, never trusted.
 */
async function previousVersions(
  input: UpdateInput,
  root: Envelope<RootMeta>,
): Promise<PreviousVersions> {
  const out: PreviousVersions = {};
  /** The stored file of `role`, when its role's keys in the new root sign it to threshold. */
  const storedAndSigned = async <R extends "timestamp" | "snapshot">(
    bytes: Uint8Array | undefined,
    role: R,
  ): Promise<Envelope<ParsedOf<R>> | undefined> => {
    if (!bytes) return undefined;
    const envelope = parseEnvelope(bytes, role, input.repository, `stored ${role}.json`);
    const valid = await verifiedKeyIds(envelope, root.signed.roles[role], root.signed.keys);
    return valid.size >= root.signed.roles[role].threshold ? envelope : undefined;
  };
  try {
    const ts = await storedAndSigned(input.previous?.timestamp, "timestamp");
    if (ts) {
      out.timestamp = ts.signed.version;
      out.timestampEnvelope = ts;
      out.snapshotFromTimestamp = ts.signed.snapshot.version;
    }
    const snap = await storedAndSigned(input.previous?.snapshot, "snapshot");
    if (snap) out.snapshotMeta = snap.signed.meta;
  } catch (error) {
    if (!(error instanceof TufError)) throw error;
  }
  return out;
}
