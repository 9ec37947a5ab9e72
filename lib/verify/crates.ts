/**
 * `verifyCrates` and `verifyLock`: crates as crates.io publishes them — the `.crate` against
 * the index, the API and the lock file; its recorded commit against the repository's tags; its
 * files against the repository tree; crates.io's trusted-publishing record; its attestations.
 * No argv, no stdout: options in, the report out. The verification itself is `crate_run.ts`,
 * loaded once there is a crate to verify: a lock with none never loads the crate checks.
 * @module
 */
import type { SignerRequirement } from "../checks/identity.ts";
import { type CargoLock, type LockPackage, parseCargoLock } from "../evidence/cargo_lock.ts";
import { diffLocks, type LockChange } from "../evidence/lock_diff.ts";
import { UsageError } from "../errors.ts";
import { findUnmatchedEntries } from "../policy/explain.ts";
import type { Cache } from "../sources/cache.ts";
import { checkCrateName } from "../sources/crates_io.ts";
import type { Endpoints } from "../sources/endpoints.ts";
import type { HttpClient } from "../sources/http.ts";
import { readCappedText } from "../sources/local_files.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import type { Diagnostic, Report } from "../verdict/report.ts";
import type { LoadedPolicy } from "./policy_file.ts";
import { buildPolicyReport } from "./policy_report.ts";

/** How {@link verifyCrates} and {@link verifyLock} run. */
export interface VerifyCratesOptions {
  /** The policy (see `readPolicyFile`, or `BUILTIN_LOADED_POLICY`). */
  readonly policy: LoadedPolicy;
  /** The Sigstore trusted roots, loaded the first time a crate has an attestation. */
  readonly roots: () => Promise<TrustedRoot[]>;
  /** Where crates.io and GitHub are. */
  readonly endpoints: Endpoints;
  /** The client for crates.io (index, API, downloads). */
  readonly crates: HttpClient;
  /** The client for GitHub's API (with a token); absent: GitHub is not consulted. */
  readonly github?: HttpClient;
  /** Why GitHub is not consulted (shown in the skipped checks), when `github` is absent. */
  readonly githubUnavailable?: string;
  /** The command line's signer rule, if any. */
  readonly signer?: SignerRequirement;
  /** Every missing piece of evidence fails. */
  readonly strict?: boolean;
  /** A bundle without verified transparency-log evidence fails. */
  readonly requireRekor?: boolean;
  /** Remembers crates, tag lists and verified bundles between runs. */
  readonly cache?: Cache;
  /** Crates verified at once (default 8). */
  readonly concurrency?: number;
  /** The clock (default: the system's). */
  readonly now?: () => Date;
  /**
   * Compare every crate verified (not only the updates of `lock --base`) with the version it
   * published before, by the index: a `downgrade` check as for an update.
   */
  readonly history?: boolean;
  /** Told as each crate is done (`done` of `total`). */
  readonly onProgress?: (done: number, total: number, crate: CrateTarget) => void;
  /** Told of warnings the report also records (a policy rule for no crate of the lock). */
  readonly onWarning?: (message: string) => void;
  /**
   * Awaited once before the first crate when GitHub is consulted, with how many crates will be
   * verified (the CLI reads GitHub's remaining budget and says what the run expects to spend).
   */
  readonly beforeGithub?: (crates: number) => Promise<void>;
}

/** Largest Cargo.lock read. */
export const MAX_LOCK_BYTES = 16 * 1024 * 1024;

/** A crate to verify, and what the lock file says of it. */
export interface CrateTarget {
  /** The crate name. */
  readonly name: string;
  /** The exact version. */
  readonly version: string;
  /** For a crate from a lock: the lock's `checksum` for it (when it has one) and the lock file. */
  readonly lock?: { readonly checksum?: string; readonly file: string };
  /** Set for lock packages that this command cannot verify (git, other registries). */
  readonly unverifiable?: { readonly code: string; readonly message: string };
  /** Under `lock --base`: how it changed; unchanged and removed crates are listed, not verified. */
  readonly change?: LockChange;
}

/** Parses `NAME@VERSION` (an exact version). @throws {UsageError} when it is not one */
export function parseCrateSpec(spec: string): CrateTarget {
  const at = spec.lastIndexOf("@");
  if (at <= 0 || at === spec.length - 1) {
    throw new UsageError(
      `crate: '${spec}' is not NAME@VERSION`,
      "e.g. cargo-attest crate serde@1.0.200",
    );
  }
  const name = spec.slice(0, at);
  const version = spec.slice(at + 1);
  checkCrateName(name);
  if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/.test(version)) {
    throw new UsageError(`crate: '${version}' is not an exact version (like 1.0.200)`);
  }
  return { name, version };
}

/**
 * Whether a lock has a package that {@link verifyLock} would verify or list as unverifiable (one
 * not of the workspace's own paths): without one, a run needs no network, cache or client.
 */
export function lockHasCrates(lock: CargoLock, file: string): boolean {
  return lockTargets(lock, file).targets.length > 0;
}

function lockTargets(lock: CargoLock, file: string): { targets: CrateTarget[]; paths: number } {
  const targets: CrateTarget[] = [];
  let paths = 0;
  for (const p of lock.packages) {
    if (p.kind === "path") {
      paths++;
      continue;
    }
    targets.push({
      name: p.name,
      version: p.version,
      lock: { checksum: p.checksum, file },
      unverifiable: unverifiableReason(p),
    });
  }
  return { targets, paths };
}

function unverifiableReason(p: LockPackage): CrateTarget["unverifiable"] {
  if (p.replace !== undefined) {
    // `[replace]`: cargo builds the package named here instead, whatever this entry's checksum.
    return {
      code: "crate-not-verifiable",
      message: `replaced by ${JSON.stringify(p.replace)} (the workspace's [replace]): cargo ` +
        "builds that package in its place, so verifying this one would prove nothing about the " +
        "build",
    };
  }
  if (p.kind === "registry-crates-io") return undefined;
  if (p.kind === "git") {
    return {
      code: "crate-not-verifiable",
      message: `a git dependency (${p.gitUrl ?? p.source}${p.gitRev ? ` at ${p.gitRev}` : ""}): ` +
        "this command verifies crates.io packages only",
    };
  }
  return {
    code: "crate-not-verifiable",
    message: `from ${p.registry ?? p.source ?? "an unknown source"}: this command verifies ` +
      "crates.io packages only",
  };
}

/**
 * Verifies crates from crates.io and returns the report.
 *
 * @example
 * ```ts
 * import { BUILTIN_LOADED_POLICY, resolveEndpoints, verifyCrates } from "../../mod.ts";
 * import { HttpClient } from "../sources/http.ts";
 * const crates = new HttpClient({ timeoutMs: 30_000, retries: 2, userAgent: "me" });
 * const report = await verifyCrates(["serde@1.0.200"], {
 *   policy: BUILTIN_LOADED_POLICY,
 *   roots: () => Promise.resolve([]),
 *   endpoints: resolveEndpoints(() => undefined),
 *   crates,
 * });
 * console.log(report.verdict);
 * ```
 * @throws {UsageError} for a spec that is not NAME@VERSION
 */
export async function verifyCrates(
  specs: readonly (string | CrateTarget)[],
  options: VerifyCratesOptions,
): Promise<Report> {
  const targets = specs.map((s) => (typeof s === "string" ? parseCrateSpec(s) : s));
  const { verifyTargets } = await import("./crate_run.ts");
  return await verifyTargets(targets, options, []);
}

/**
 * Verifies every registry crate of a Cargo.lock (read from `path`, or given as `text`) and
 * returns the report; git and other-registry packages are subjects that cannot be verified
 * here, path packages are named in a warning.
 *
 * @example
 * ```ts
 * import { BUILTIN_LOADED_POLICY, resolveEndpoints, verifyLock } from "../../mod.ts";
 * import { HttpClient } from "../sources/http.ts";
 * const crates = new HttpClient({ timeoutMs: 30_000, retries: 2, userAgent: "me" });
 * const report = await verifyLock({ path: "Cargo.lock" }, {
 *   policy: BUILTIN_LOADED_POLICY,
 *   roots: () => Promise.resolve([]),
 *   endpoints: resolveEndpoints(() => undefined),
 *   crates,
 * });
 * console.log(report.subjects.length);
 * ```
 * @throws {InputError} when the lock file cannot be read; {@link AttestError} when it is not one
 */
export function verifyLock(
  lockFile: {
    readonly path: string;
    readonly text?: string;
    /**
     * The base lock of a pull request (`lock --base REF|FILE`, read by the caller): only the crates added or updated
     * against it are verified; unchanged and removed ones are listed with their change.
     */
    readonly base?: { readonly path: string; readonly text?: string };
  },
  options: VerifyCratesOptions,
): Promise<Report> {
  return verifyParsedLock(lockFile, options);
}

/**
 * {@link verifyLock}, given also the lock already parsed from `text` by a caller that looked at it
 * first (the `lock` command). Kept out of `mod.ts`, whose API does not name the parsed lock.
 */
export async function verifyParsedLock(
  lockFile: Parameters<typeof verifyLock>[0] & { readonly lock?: CargoLock },
  options: VerifyCratesOptions,
): Promise<Report> {
  const file = lockFile.path;
  const text = lockFile.text ?? await readCappedText(file, MAX_LOCK_BYTES, "lock file");
  const lock = lockFile.lock ?? parseCargoLock(text, file);
  const listed = lockTargets(lock, file);
  const { paths } = listed;
  let targets = listed.targets;
  let removed: CrateTarget[] = [];
  const changeNotes: Diagnostic[] = [];
  if (lockFile.base) {
    const basePath = lockFile.base.path;
    const baseText = lockFile.base.text ??
      await readCappedText(basePath, MAX_LOCK_BYTES, "base lock file");
    const diff = diffLocks(parseCargoLock(baseText, basePath), lock);
    // lockTargets and diffLocks both list the non-path packages in file order.
    targets = targets.map((t, i) => ({ ...t, change: diff.packages[i].change }));
    removed = diff.removed.map((p) => ({
      name: p.name,
      version: p.version,
      change: { kind: "removed" as const },
    }));
    const count = (kind: LockChange["kind"]) =>
      [...targets, ...removed].filter((t) => t.change?.kind === kind).length;
    const changed = count("added") + count("updated");
    changeNotes.push({
      level: "note",
      code: changed === 0 ? "lock-nothing-changed" : "lock-changes",
      message: `against ${basePath}: ${count("added")} added, ${count("updated")} updated, ` +
        `${count("removed")} removed, ${count("unchanged")} unchanged` +
        (changed === 0 ? ": nothing changed, nothing to verify" : ""),
    });
  }
  const notes: Diagnostic[] = lock.diagnostics.map((d) => ({
    level: "warning",
    code: d.code,
    message: d.message,
  }));
  if (paths > 0) {
    notes.push({
      level: "warning",
      code: "lock-path-packages",
      message: `${paths} path package${paths === 1 ? "" : "s"} (the workspace's own) ` +
        `${paths === 1 ? "is" : "are"} not verified: ${file} does not say where ${
          paths === 1 ? "it comes" : "they come"
        } from`,
    });
  }
  if (!options.policy.policy.builtin) {
    // A rule for a crate that is not in the lock is a warning: likely stale, never an error.
    const crates = targets.map((t) => ({
      kind: "crate" as const,
      name: t.name,
      version: t.version,
    }));
    for (const d of findUnmatchedEntries(options.policy.policy, crates)) {
      const message = `${d.file}:${d.line}: ${d.message}`;
      notes.push({ level: "warning", code: d.code, message });
      options.onWarning?.(message);
    }
  }
  if (targets.length === 0 && !lockFile.base) {
    // Only the workspace's own path packages: nothing comes from outside, so nothing can be
    // wrong with what was downloaded. TRUSTED (exit 0), and the report says why.
    return nothingToVerify(file, paths, options, notes);
  }
  // Under --base, a lock in which no crate changed is TRUSTED: nothing new came from outside.
  const { verifyTargets } = await import("./crate_run.ts");
  return await verifyTargets([...targets, ...removed], options, [...changeNotes, ...notes], {
    nothingToVerifyIsTrusted: lockFile.base !== undefined,
  });
}

function nothingToVerify(
  file: string,
  paths: number,
  options: VerifyCratesOptions,
  notes: readonly Diagnostic[],
): Report {
  return buildPolicyReport({
    loaded: options.policy,
    roots: [],
    subjects: [],
    strict: options.strict ?? false,
    requireRekor: options.requireRekor ?? false,
    now: (options.now ?? (() => new Date()))(),
    diagnostics: [...notes, {
      level: "note",
      code: "lock-nothing-to-verify",
      message: `${file} has no package from a registry or git (${paths} path package${
        paths === 1 ? "" : "s"
      } of the workspace): nothing was downloaded, so nothing to verify`,
    }],
    nothingToVerifyIsTrusted: true,
  });
}
