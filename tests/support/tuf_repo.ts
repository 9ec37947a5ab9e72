/**
 * A synthetic TUF repository for tests: Ed25519 keys made with WebCrypto, metadata signed over
 * canonical JSON (as python-tuf writes it), consistent snapshots, and a loopback HTTP server
 * (`Deno.serve` on 127.0.0.1:0) that serves the files and any failure shape a test routes in.
 * @module
 */
import { encodeCanonicalJson } from "../../lib/trust/tuf/canonical_json.ts";
import { createHash } from "node:crypto";
import { TUF_REPOSITORIES, type TufRepositoryName } from "../../lib/trust/tuf/repositories.ts";
import { withTempDir } from "./temp_dir.ts";

const enc = new TextEncoder();

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** An Ed25519 TUF key: its id, its public form, and a signer. */
export interface TufTestKey {
  readonly id: string;
  readonly json: { keytype: string; scheme: string; keyval: { public: string } };
  sign(message: Uint8Array): Promise<string>;
}

/** Makes a fresh Ed25519 key. */
export async function makeKey(): Promise<TufTestKey> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const json = { keytype: "ed25519", scheme: "ed25519", keyval: { public: hex(raw) } };
  return {
    id: sha256(enc.encode(encodeCanonicalJson(json))),
    json,
    sign: async (message) =>
      hex(
        new Uint8Array(
          await crypto.subtle.sign("Ed25519", pair.privateKey, message as BufferSource),
        ),
      ),
  };
}

/** Signs `signed` with `signers` and returns the envelope's JSON bytes. */
export async function signEnvelope(
  signed: Record<string, unknown>,
  signers: readonly TufTestKey[],
): Promise<Uint8Array> {
  const message = enc.encode(encodeCanonicalJson(signed));
  const signatures = [];
  for (const key of signers) signatures.push({ keyid: key.id, sig: await key.sign(message) });
  return enc.encode(JSON.stringify({ signatures, signed }, null, 1));
}

/** A date `days` after `from`, as TUF writes it. */
export function inDays(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The keys of one root version. */
export interface RootKeys {
  readonly root: readonly TufTestKey[];
  readonly rootThreshold: number;
  readonly timestamp: TufTestKey;
  readonly snapshot: TufTestKey;
  readonly targets: TufTestKey;
}

/** Makes a fresh set of keys: `rootCount` root keys with `rootThreshold`. */
export async function makeRootKeys(rootCount = 3, rootThreshold = 2): Promise<RootKeys> {
  const root = [];
  for (let i = 0; i < rootCount; i++) root.push(await makeKey());
  return {
    root,
    rootThreshold,
    timestamp: await makeKey(),
    snapshot: await makeKey(),
    targets: await makeKey(),
  };
}

/** The `signed` part of a root. */
export function rootSigned(
  version: number,
  keys: RootKeys,
  expires: string,
): Record<string, unknown> {
  const all = [...keys.root, keys.timestamp, keys.snapshot, keys.targets];
  return {
    _type: "root",
    spec_version: "1.0.31",
    version,
    expires,
    consistent_snapshot: true,
    keys: Object.fromEntries(all.map((k) => [k.id, k.json])),
    roles: {
      root: { keyids: keys.root.map((k) => k.id), threshold: keys.rootThreshold },
      timestamp: { keyids: [keys.timestamp.id], threshold: 1 },
      snapshot: { keyids: [keys.snapshot.id], threshold: 1 },
      targets: { keyids: [keys.targets.id], threshold: 1 },
    },
  };
}

/** One published top-level state of a {@link TufTestRepo}. */
export interface Publication {
  readonly timestamp: Uint8Array;
  readonly snapshot: Uint8Array;
  readonly targets: Uint8Array;
  readonly snapshotVersion: number;
  readonly targetsVersion: number;
  readonly trustedRoot: Uint8Array;
}

/**
 * A TUF repository being built: roots by version, and the current timestamp, snapshot, targets
 * and target files, as a map from URL path to bytes.
 */
export class TufTestRepo {
  /** URL path (no leading slash) → bytes served. */
  readonly files = new Map<string, Uint8Array>();
  /** The keys of the newest root. */
  keys: RootKeys;
  rootVersion: number;
  timestampVersion = 0;
  snapshotVersion = 0;
  targetsVersion = 0;
  readonly now: Date;

  private constructor(keys: RootKeys, rootVersion: number, now: Date) {
    this.keys = keys;
    this.rootVersion = rootVersion;
    this.now = now;
  }

  /** A repository whose first root is `version`, valid a year from `now`. */
  static async create(
    options: { version: number; now: Date; keys?: RootKeys },
  ): Promise<TufTestRepo> {
    const keys = options.keys ?? await makeRootKeys();
    const repo = new TufTestRepo(keys, options.version, options.now);
    repo.files.set(
      `${options.version}.root.json`,
      await signEnvelope(rootSigned(options.version, keys, inDays(options.now, 365)), keys.root),
    );
    return repo;
  }

  /** The bytes of root `version` (the first is the one a client is seeded with). */
  root(version = this.rootVersion): Uint8Array {
    return this.files.get(`${version}.root.json`)!;
  }

  /**
   * Adds root `rootVersion + 1` with `keys` (default: the same), signed by `signers` (default:
   * the old and the new root keys, as a rotation must be).
   */
  async rotate(options: {
    keys?: RootKeys;
    signers?: readonly TufTestKey[];
    expires?: string;
    version?: number;
  } = {}): Promise<Uint8Array> {
    const keys = options.keys ?? this.keys;
    const version = options.version ?? this.rootVersion + 1;
    const signers = options.signers ??
      [...new Map([...this.keys.root, ...keys.root].map((k) => [k.id, k])).values()];
    const bytes = await signEnvelope(
      rootSigned(version, keys, options.expires ?? inDays(this.now, 365)),
      signers,
    );
    this.files.set(`${version}.root.json`, bytes);
    this.keys = keys;
    this.rootVersion = version;
    return bytes;
  }

  /** Publishes new targets, snapshot and timestamp around `trustedRoot`; returns the bytes. */
  async publish(trustedRoot: string | Uint8Array, options: {
    timestampExpires?: string;
    targetsExpires?: string;
    extraTargets?: Record<string, Uint8Array>;
  } = {}): Promise<Publication> {
    const target = typeof trustedRoot === "string" ? enc.encode(trustedRoot) : trustedRoot;
    const targetFiles: Record<string, Uint8Array> = {
      "trusted_root.json": target,
      ...options.extraTargets,
    };
    this.targetsVersion++;
    this.snapshotVersion++;
    this.timestampVersion++;
    const targetsEntries: Record<string, unknown> = {};
    for (const [name, bytes] of Object.entries(targetFiles)) {
      const digest = sha256(bytes);
      targetsEntries[name] = { length: bytes.length, hashes: { sha256: digest } };
      this.files.set(`targets/${digest}.${name}`, bytes);
    }
    const targets = await signEnvelope({
      _type: "targets",
      spec_version: "1.0.31",
      version: this.targetsVersion,
      expires: options.targetsExpires ?? inDays(this.now, 180),
      targets: targetsEntries,
    }, [this.keys.targets]);
    this.files.set(`${this.targetsVersion}.targets.json`, targets);
    const snapshot = await signEnvelope({
      _type: "snapshot",
      spec_version: "1.0.31",
      version: this.snapshotVersion,
      expires: inDays(this.now, 30),
      meta: {
        "targets.json": {
          version: this.targetsVersion,
          length: targets.length,
          hashes: { sha256: sha256(targets) },
        },
      },
    }, [this.keys.snapshot]);
    this.files.set(`${this.snapshotVersion}.snapshot.json`, snapshot);
    const timestamp = await signEnvelope({
      _type: "timestamp",
      spec_version: "1.0.31",
      version: this.timestampVersion,
      expires: options.timestampExpires ?? inDays(this.now, 7),
      meta: {
        "snapshot.json": {
          version: this.snapshotVersion,
          length: snapshot.length,
          hashes: { sha256: sha256(snapshot) },
        },
      },
    }, [this.keys.timestamp]);
    this.files.set("timestamp.json", timestamp);
    return {
      timestamp,
      snapshot,
      targets,
      snapshotVersion: this.snapshotVersion,
      targetsVersion: this.targetsVersion,
      trustedRoot: target,
    };
  }
}

/** A route that answers instead of the repository's file (failure shapes). */
export type TufRoute = (request: Request) => Response | Promise<Response>;

/** A running loopback TUF server. */
export interface TufServer {
  /** The repository's base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** Paths requested, in order. */
  readonly requests: string[];
  /** Routes by path (no leading slash), consulted before the repository's files. */
  readonly routes: Map<string, TufRoute>;
  /** A route for every path the others do not answer (e.g. any `N.root.json`). */
  fallback?: (path: string) => Promise<Response | undefined> | Response | undefined;
  close(): Promise<void>;
}

/** Serves `files` (a map from path to bytes, read at each request) on 127.0.0.1. */
export function serveTuf(files: ReadonlyMap<string, Uint8Array>): TufServer {
  const requests: string[] = [];
  const routes = new Map<string, TufRoute>();
  const handle: TufServer = {
    url: "",
    requests,
    routes,
    close: () => Promise.resolve(),
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname.replace(/^\/+/, ""));
    requests.push(path);
    const route = routes.get(path);
    if (route) return await route(request);
    const bytes = files.get(path);
    if (!bytes && handle.fallback) {
      const answer = await handle.fallback(path);
      if (answer) return answer;
    }
    return bytes
      ? new Response(bytes as BodyInit, { headers: { "content-type": "application/json" } })
      : new Response("not found", { status: 404 });
  });
  return Object.assign(handle, {
    url: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  });
}

/** Serves the files of a directory (the real Sigstore metadata fixture). */
export async function readRepositoryDir(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".json")) {
      files.set(entry.name, await Deno.readFile(`${dir}/${entry.name}`));
    }
  }
  for await (const entry of Deno.readDir(`${dir}/targets`)) {
    files.set(`targets/${entry.name}`, await Deno.readFile(`${dir}/targets/${entry.name}`));
  }
  return files;
}

/** Every file under `dir` with its bytes, to compare before and after a refused update. */
export async function snapshotDir(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (d: string, prefix: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
      else out.set(`${prefix}${entry.name}`, sha256(await Deno.readFile(path)));
    }
  };
  await walk(dir, "");
  return out;
}

/** A {@link TufFetcher} over a map of files (no HTTP), recording the paths asked for. */
export function memoryFetcher(
  files: ReadonlyMap<string, Uint8Array>,
  requests: string[] = [],
): { fetch(path: string, maxBytes: number): Promise<Uint8Array | "absent">; requests: string[] } {
  return {
    requests,
    fetch(path: string, maxBytes: number) {
      requests.push(path);
      const bytes = files.get(path);
      if (!bytes) return Promise.resolve("absent" as const);
      if (bytes.length > maxBytes) {
        return Promise.reject(new Error(`${path}: over ${maxBytes} bytes`));
      }
      return Promise.resolve(bytes);
    },
  };
}

/** Parses an envelope's JSON bytes (to change and re-sign it). */
export function parseJson(
  bytes: Uint8Array,
): { signed: Record<string, unknown>; signatures: { keyid: string; sig: string }[] } {
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * Replaces the embedded TUF root of repository `name` (as a newer cargo-attest would embed it)
 * with `root`, a synthetic repository's: a stored root must descend from the embedded one, and
 * Sigstore's real keys cannot sign a synthetic chain. Returns the function that restores it.
 * Module state: each test file runs in its own isolate, and its tests one after another.
 */
export function setEmbeddedTufRoot(name: TufRepositoryName, root: Uint8Array): () => void {
  const repository = TUF_REPOSITORIES.find((r) => r.name === name) as { embeddedRoot: string };
  const original = repository.embeddedRoot;
  repository.embeddedRoot = new TextDecoder().decode(root);
  return () => {
    repository.embeddedRoot = original;
  };
}

/** Runs `fn` with the embedded TUF root of `name` replaced by `root` ({@link setEmbeddedTufRoot}). */
export async function withEmbeddedTufRoot<T>(
  name: TufRepositoryName,
  root: Uint8Array,
  fn: () => Promise<T>,
): Promise<T> {
  const restore = setEmbeddedTufRoot(name, root);
  try {
    return await fn();
  } finally {
    restore();
  }
}

/** What {@link withSeededTufRepo} gives its body. */
export interface SeededTufRepo {
  readonly repo: TufTestRepo;
  readonly server: TufServer;
  /** The temporary directory (the cache is `cache/` in it). */
  readonly dir: string;
  readonly cache: string;
  /** `CARGO_ATTEST_CACHE_DIR` and `CARGO_ATTEST_TUF_URL` for `trust update`. */
  readonly env: Record<string, string>;
}

/**
 * A public-good repository at root 20 that has published `trustedRoot`, served on loopback; its
 * root 20 standing for the embedded one (a stored root must descend from it); and a cache seeded
 * with that root, as a first `trust update` finds it. Everything is restored and removed after.
 */
export async function withSeededTufRepo(
  options: { readonly now: Date; readonly trustedRoot: string },
  body: (seeded: SeededTufRepo) => Promise<void>,
): Promise<void> {
  const repo = await TufTestRepo.create({ version: 20, now: options.now });
  await repo.publish(options.trustedRoot);
  const server = serveTuf(repo.files);
  const restore = setEmbeddedTufRoot("public-good", repo.root(20));
  try {
    await withTempDir(async (dir) => {
      const cache = `${dir}/cache`;
      await Deno.mkdir(`${cache}/tuf/public-good`, { recursive: true });
      await Deno.writeFile(`${cache}/tuf/public-good/root.json`, repo.root(20));
      const env = { CARGO_ATTEST_CACHE_DIR: cache, CARGO_ATTEST_TUF_URL: server.url };
      await body({ repo, server, dir, cache, env });
    });
  } finally {
    restore();
    await server.close();
  }
}
