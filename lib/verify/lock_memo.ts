/**
 * A warm run of a whole lock, remembered: the checks of every crate, kept with the ledger of the
 * cache documents and blobs the run used (`Cache.startLedger`). A later run of the same lock,
 * with the same options, policy, endpoints and credentials, on the same UTC day, uses the checks
 * again while the ledger holds: every document it used is still the current record and fresh, as
 * the run would read it, none it found absent has appeared, and every `.crate` is still cached
 * and intact. Then the run would have read exactly those documents and derived exactly those
 * checks; the policy is still applied anew (`buildPolicyReport`). Anything else — a document
 * refreshed or revalidated by another run, a TTL passed, a blob pruned — and the crates are
 * verified as usual.
 *
 * Only a run that was itself complete is remembered: no check in error (a transient failure), no
 * request failed with nothing the cache keeps (`CachedHttp.failedUncached`: a failure a caller
 * took for an absence), no GraphQL lookup left to REST (`GithubRefBatcher.unanswered`: a later
 * run asks GraphQL again), no document answered twice otherwise and no `.crate` the cache could
 * not keep (`Cache.takeLedger` keeps no ledger then), no Sigstore trust material loaded (the
 * report names the roots it used), not `--offline` (which uses stale documents), not `lock
 * --base` or `--history`, and only by a run that wrote to the cache anyway (a warm run writes
 * nothing).
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { sha256HexOfText } from "../crypto/text_digest.ts";
import { MAX_CRATE_DOWNLOAD_BYTES } from "../limits.ts";
import type { Cache, CacheLedger } from "../sources/cache.ts";
import type { SubjectDescription } from "../verdict/report.ts";
import type { CrateTarget, VerifyCratesOptions } from "./crates.ts";

/**
 * The memo's kind: bump the version when what is stored, how it is derived, or which runs may be
 * remembered changes (cargo-attest's version, also in the key, is the same for every build, so an
 * earlier build's memo is otherwise recalled by a later one). v2: v1 memos may hold runs no longer
 * remembered (a request failed uncached, a GraphQL lookup left to REST, an answer replaced in the
 * run, a `.crate` not kept), and name no `.crate` to hash at recall (`reread`).
 * v3: the crates' files are scanned for paths that leave the package
 * (`crate-source-outside-package`); a run remembered before that is never recalled.
 * v4: the outside-package scan reads more forms: a v3 run may have missed them. v5: a file
 * compiled by `include!` or `#[path]` is code whatever its name. v6: paths outside the package
 * named only by test, bench and example files are a required skip, not a failure. v7: a path
 * after a `macro_rules!` that leaves the package read from its root is a required skip. v8: a path
 * another macro names is a required skip; a test file the library compiles fails (a v7 run may
 * have been TRUSTED or a skip).
 */
export const LOCK_MEMO_KIND = "lock-run/v8";

/** Largest memo kept, in characters of JSON (under the cache's 16 MiB per document). */
const MAX_MEMO_CHARS = 8 * 1024 * 1024;

/** One crate's result, as the run made it (before the policy). */
export interface CrateResult {
  readonly subject: SubjectDescription;
  readonly checks: CheckResult[];
}

/** What is remembered of a run. */
interface LockMemo {
  readonly crates: CrateResult[];
  readonly ledger: CacheLedger;
  /** The check origins' URLs the run asked for (the report marks them answered by the cache). */
  readonly asked: string[];
  /**
   * The SHA-256 of each `.crate` a full verification would read again (see `rememberCrate`): a
   * recall hashes its cached bytes, as that verification would, instead of trusting its pack's
   * seal.
   */
  readonly reread: string[];
}

/** A client that can say which URLs it was asked for (`CachedHttp`). */
interface AskedClient {
  asked(url: string): boolean;
  noteServedFromCache(url: string): void;
}

/**
 * The memo's key for `targets` under `options`, or undefined when such a run is not remembered
 * (no cache, offline, `lock --base`, `--history`).
 */
export async function lockMemoKey(
  targets: readonly CrateTarget[],
  options: VerifyCratesOptions,
  now: Date,
): Promise<string | undefined> {
  const cache = options.cache;
  if (!cache || options.history) return undefined;
  if (isOffline(options.crates) || isOffline(options.github)) return undefined;
  if (targets.some((t) => t.change !== undefined)) return undefined;
  const credential = (client: unknown, api: URL) =>
    (client as { credentialFor?(url: URL): string } | undefined)?.credentialFor?.(api) ??
      "uncached";
  const e = options.endpoints;
  const what = {
    day: now.toISOString().slice(0, 10),
    targets: targets.map((t) => [t.name, t.version, t.lock ?? null, t.unverifiable ?? null]),
    policy: options.policy.policy,
    policyReport: options.policy.report,
    signer: options.signer ?? null,
    strict: options.strict ?? false,
    requireRekor: options.requireRekor ?? false,
    endpoints: [e.cratesApi.href, e.cratesIndex.href, e.cratesDl.href, e.githubApi.href],
    crates: credential(options.crates, e.cratesApi),
    github: options.github ? credential(options.github, e.githubApi) : null,
    githubUnavailable: options.github ? null : options.githubUnavailable ?? null,
  };
  return await sha256HexOfText(JSON.stringify(what));
}

/**
 * The remembered results for `key` when its ledger still holds (the URLs they rest on are then
 * noted as answered by the cache on `clients`); else undefined.
 */
export async function recallLockRun(
  cache: Cache,
  key: string,
  clients: readonly unknown[],
): Promise<CrateResult[] | undefined> {
  const memo = parseMemo(await cache.getMemo(LOCK_MEMO_KIND, key).catch(() => undefined));
  if (!memo || !await cache.ledgerHolds(memo.ledger)) return undefined;
  for (const sha256 of memo.reread) {
    const size = await cache.streamBlob(sha256, {
      maxBytes: MAX_CRATE_DOWNLOAD_BYTES,
      onChunk() {},
    })
      .catch(() => undefined);
    if (size === undefined) return undefined;
  }
  const client = clients.find(isAskedClient);
  if (!client) return undefined;
  for (const url of memo.asked) client.noteServedFromCache(url);
  return memo.crates;
}

/**
 * Remembers a run's `crates` under `key`, with the ledger `cache` kept, when the run may be (see
 * the module doc). `rootsLoaded` says whether Sigstore trust material was loaded; `unkept`, whether
 * the run went by an answer the cache does not keep (a GraphQL lookup left to REST); `reread`,
 * the SHA-256 of each `.crate` a full verification would read again (hashed at recall).
 */
export async function rememberLockRun(
  cache: Cache,
  key: string,
  crates: readonly CrateResult[],
  clients: readonly unknown[],
  rootsLoaded: boolean,
  unkept = false,
  reread: readonly string[] = [],
): Promise<void> {
  const ledger = cache.takeLedger();
  if (!ledger || rootsLoaded || unkept || !cache.wroteThisRun) return;
  if (crates.some((c) => c.checks.some((check) => check.status === "error"))) return;
  // A request that failed with nothing cached (a caller may have read it as an absence): asked
  // again, it may be answered, and the checks come out otherwise.
  if (clients.some((c) => (c as { failedUncached?: boolean } | undefined)?.failedUncached)) return;
  const asking = clients.filter(isAskedClient);
  const asked = new Set<string>();
  for (const { checks } of crates) {
    for (const check of checks) {
      const url = check.origin?.url;
      if (url !== undefined && asking.some((c) => c.asked(url))) asked.add(url);
    }
  }
  const memo: LockMemo = { crates: [...crates], ledger, asked: [...asked], reread: [...reread] };
  // A cache record holds at most 16 MiB: a lock of tens of thousands of crates is not remembered.
  // (Measured only for large locks: the copy would raise the peak memory of every cold run.)
  if (crates.length > 1000 && JSON.stringify(memo).length > MAX_MEMO_CHARS) return;
  await cache.putMemo(LOCK_MEMO_KIND, key, memo).catch(() => {});
}

function isOffline(client: unknown): boolean {
  return (client as { offline?: boolean } | undefined)?.offline === true;
}

function isAskedClient(client: unknown): client is AskedClient {
  const c = client as Partial<AskedClient> | undefined;
  return typeof c?.asked === "function" && typeof c.noteServedFromCache === "function";
}

/** The memo, when the stored value has its shape. */
function parseMemo(value: unknown): LockMemo | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const memo = value as Partial<LockMemo>;
  const ledger = memo.ledger as Partial<CacheLedger> | undefined;
  if (
    !Array.isArray(memo.crates) || !Array.isArray(memo.asked) ||
    !memo.asked.every((u) => typeof u === "string") || !Array.isArray(memo.reread) ||
    !memo.reread.every((sha) => typeof sha === "string") || typeof ledger !== "object" ||
    ledger === null || !Array.isArray(ledger.documents) || !Array.isArray(ledger.blobs) ||
    !ledger.documents.every((d) =>
      Array.isArray(d) && typeof d[0] === "string" && Number.isFinite(d[1]) &&
      (d[2] === undefined || typeof d[2] === "string")
    ) ||
    !ledger.blobs.every((b) =>
      Array.isArray(b) && typeof b[0] === "string" && Number.isFinite(b[1])
    )
  ) {
    return undefined;
  }
  for (const c of memo.crates) {
    const r = c as Partial<CrateResult> | null;
    if (
      !r || typeof r.subject !== "object" || r.subject === null || !Array.isArray(r.checks) ||
      !r.checks.every((check) => typeof check === "object" && check !== null)
    ) {
      return undefined;
    }
  }
  return memo as LockMemo;
}
