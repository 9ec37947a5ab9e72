/**
 * The TUF metadata in the cache: `tuf/<repository>/` holds `root.json`, `timestamp.json`,
 * `snapshot.json`, `targets.json`, the targets under `targets/`, the roots that led to `root.json`
 * under `roots/` (`N.root.json`), and `origin.json` (the URL it
 * came from and when; informational). Directories 0700, files 0600, each written to a temporary
 * file and renamed into place; the caller writes only a complete, verified state.
 * @module
 */
import { isNotFound, join } from "./_cache_util.ts";

/** The stored files of one repository, as bytes (verified by the caller, not here). */
export interface StoredTufFiles {
  readonly root: Uint8Array;
  readonly timestamp: Uint8Array;
  readonly snapshot: Uint8Array;
  readonly targets: Uint8Array;
  readonly targetFiles: ReadonlyMap<string, Uint8Array>;
  /**
   * The roots newer than the embedded one that led to `root`, by version (`roots/N.root.json`):
   * what ties the stored root to the embedded one. Written by an update for the versions it
   * walked; the others already there are kept.
   */
  readonly roots?: ReadonlyMap<number, Uint8Array>;
  /** Where the state came from and when (unsigned; for `trust show`). */
  readonly origin?: { readonly url?: string; readonly updated?: string };
}

/** Target names that may be stored (nothing else is read back). */
const TARGET_NAMES = ["trusted_root.json", "signing_config.v0.2.json"];
const ROLE_FILES = ["root", "timestamp", "snapshot", "targets"] as const;

/** The directory of `repository`'s TUF metadata under the cache directory `cacheDir`. */
export function tufStoreDir(cacheDir: string, repository: string): string {
  return join(cacheDir, "tuf", repository);
}

/**
 * Reads what is stored for `repository`: undefined when nothing is, `partial` when some role
 * file is missing (an interrupted first update), else every file.
 */
export async function readTufStore(
  cacheDir: string,
  repository: string,
): Promise<StoredTufFiles | "partial" | undefined> {
  const dir = tufStoreDir(cacheDir, repository);
  const read = async (path: string): Promise<Uint8Array | undefined> => {
    try {
      return await Deno.readFile(join(dir, path));
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw error;
    }
  };
  const roles = await Promise.all(ROLE_FILES.map((r) => read(`${r}.json`)));
  if (roles.every((r) => r === undefined)) return undefined;
  if (roles.some((r) => r === undefined)) return "partial";
  const targetFiles = new Map<string, Uint8Array>();
  for (const name of TARGET_NAMES) {
    const bytes = await read(`targets/${name}`);
    if (bytes) targetFiles.set(name, bytes);
  }
  let origin: StoredTufFiles["origin"];
  const originBytes = await read("origin.json");
  if (originBytes) {
    try {
      const o = JSON.parse(new TextDecoder().decode(originBytes));
      origin = {
        url: typeof o.url === "string" ? o.url : undefined,
        updated: typeof o.updated === "string" ? o.updated : undefined,
      };
    } catch {
      origin = undefined;
    }
  }
  const [root, timestamp, snapshot, targets] = roles as Uint8Array[];
  const roots = await readStoredRootChain(cacheDir, repository);
  return { root, timestamp, snapshot, targets, targetFiles, roots, ...(origin ? { origin } : {}) };
}

/** The stored roots under `roots/` (`N.root.json`), by version; empty when there are none. */
export async function readStoredRootChain(
  cacheDir: string,
  repository: string,
): Promise<Map<number, Uint8Array>> {
  const dir = join(tufStoreDir(cacheDir, repository), "roots");
  const roots = new Map<number, Uint8Array>();
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (isAbsent(error)) return roots;
    throw error;
  }
  for (const entry of entries) {
    const match = entry.name.match(/^([1-9]\d{0,15})\.root\.json$/);
    if (!match || !entry.isFile) continue;
    roots.set(Number(match[1]), await Deno.readFile(join(dir, entry.name)));
  }
  return roots;
}

/** The stored `root.json` alone (an update starts from it), or undefined. */
export async function readStoredTufRoot(
  cacheDir: string,
  repository: string,
): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(join(tufStoreDir(cacheDir, repository), "root.json"));
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

/**
 * Stores a complete state for `repository`: targets first, the timestamp last, each file
 * atomically; a target no longer in the state is removed.
 */
export async function writeTufStore(
  cacheDir: string,
  repository: string,
  files: StoredTufFiles,
): Promise<void> {
  const dir = tufStoreDir(cacheDir, repository);
  for (
    const level of [cacheDir, join(cacheDir, "tuf"), dir, join(dir, "targets"), join(dir, "roots")]
  ) {
    await ensureDir(level);
  }
  for (const [version, bytes] of files.roots ?? []) {
    await writeAtomic(join(dir, "roots", `${version}.root.json`), bytes);
  }
  for (const name of TARGET_NAMES) {
    const bytes = files.targetFiles.get(name);
    if (bytes) await writeAtomic(join(dir, "targets", name), bytes);
    else await Deno.remove(join(dir, "targets", name)).catch(() => {});
  }
  await writeAtomic(join(dir, "targets.json"), files.targets);
  await writeAtomic(join(dir, "snapshot.json"), files.snapshot);
  await writeAtomic(join(dir, "root.json"), files.root);
  await writeAtomic(join(dir, "timestamp.json"), files.timestamp);
  if (files.origin) {
    await writeAtomic(
      join(dir, "origin.json"),
      new TextEncoder().encode(JSON.stringify(files.origin, null, 2) + "\n"),
    );
  }
}

async function ensureDir(path: string): Promise<void> {
  try {
    await Deno.mkdir(path, { mode: 0o700 });
    if (Deno.build.os !== "windows") await Deno.chmod(path, 0o700);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${crypto.randomUUID()}`;
  try {
    await Deno.writeFile(tmp, bytes, { mode: 0o600, createNew: true });
    if (Deno.build.os !== "windows") await Deno.chmod(tmp, 0o600);
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** A file that is not there, or whose directory is not one (a file in its place). */
function isAbsent(error: unknown): boolean {
  return isNotFound(error) || error instanceof Deno.errors.NotADirectory;
}
