/**
 * `Cargo.lock` parsed into typed packages: name, version, source and the `.crate` checksum cargo
 * recorded, for every lock file format cargo has written (v1 to v4). Pure text → packages: no I/O.
 *
 * The formats, as cargo writes them:
 * - v1 (no `version` key): checksums live in a `[metadata]` table, one key per package,
 *   `"checksum NAME VERSION (SOURCE)" = "<hex>"` (`"<none>"` when there is none); very old files
 *   also have a `[root]` table for the root package;
 * - v2 (no `version` key): `checksum = "<hex>"` on each `[[package]]`;
 * - v3 (`version = 3`) and v4 (`version = 4`): as v2, with the version written out (v4 changes
 *   how git references are URL-encoded, nothing this module reads differently).
 *
 * A lock file that cannot be used at all (not TOML, no packages, an entry without a name, a
 * version or a well-formed checksum, two entries for the same package, a format version newer
 * than v4) throws {@link CargoLockError}: every verdict about its crates would rest on guesses.
 * Oddities that leave the packages usable are {@link CargoLockDiagnostic}s.
 * @module
 */
import { parse, TomlDate, TomlError } from "smol-toml";
import { InputError } from "../errors.ts";
import { parseCanonicalLock } from "./cargo_lock_fast.ts";

/** Where a locked package comes from, from its `source` field. */
export type LockPackageKind =
  /** crates.io, through its git index or its sparse index. */
  | "registry-crates-io"
  /** Another registry (`registry+URL` or `sparse+URL`). */
  | "registry-other"
  /** A git repository (`git+URL?branch=…#<commit>`). */
  | "git"
  /** No source: a path dependency or a workspace member. */
  | "path"
  /** A source of a kind cargo-attest does not know (a diagnostic names it). */
  | "unknown";

/** One `[[package]]` of a lock file. */
export interface LockPackage {
  /** The package name, as written. */
  name: string;
  /** The exact version (semver, with any pre-release and build metadata). */
  version: string;
  /** The `source` field as written; absent for path dependencies and workspace members. */
  source?: string;
  /** The SHA-256 of the `.crate` file, 64 lowercase hex characters, when the lock records one. */
  checksum?: string;
  /** What kind of source the package comes from. */
  kind: LockPackageKind;
  /**
   * For registry packages: the index URL without the `registry+` or `sparse+` prefix
   * (`https://index.crates.io/`, `https://github.com/rust-lang/crates.io-index`, …).
   */
  registry?: string;
  /** For git packages: the repository URL without the query (`?branch=…`) and fragment. */
  gitUrl?: string;
  /** For git packages: the commit cargo resolved (the `#…` fragment), when present. */
  gitRev?: string;
  /**
   * The package cargo builds in its place (`replace = "NAME VERSION (SOURCE)"`, written for a
   * workspace's `[replace]`), as written; absent when it is not replaced.
   */
  replace?: string;
}

/** Something odd in a lock file that still leaves its packages usable. */
export interface CargoLockDiagnostic {
  /** Always a warning: unusable lock files throw {@link CargoLockError} instead. */
  level: "warning";
  /**
   * Stable kebab-case code:
   * - `lock-unknown-source`: a `source` of a kind cargo-attest does not know;
   * - `lock-git-without-commit`: a git source without the `#<commit>` cargo always records;
   * - `lock-missing-checksum`: a registry package without a checksum (v1 `"<none>"`, or absent);
   * - `lock-orphan-checksum`: a v1 `[metadata]` checksum for a package that is not in the file;
   * - `lock-ignored-metadata-checksum`: `[metadata]` checksums in a v2+ file: cargo then discards
   *   every checksum of the file, the packages' own included, and so does this parser.
   */
  code:
    | "lock-unknown-source"
    | "lock-git-without-commit"
    | "lock-missing-checksum"
    | "lock-orphan-checksum"
    | "lock-ignored-metadata-checksum";
  /** What is odd, for a person (names the file and, when there is one, the package). */
  message: string;
  /** The package concerned, as `name@version`. */
  package?: string;
}

/** A parsed lock file. */
export interface CargoLock {
  /** The lock file format version (detected from its content when no `version` key is written). */
  version: 1 | 2 | 3 | 4;
  /** The packages, in file order (`[root]` first in old v1 files). */
  packages: LockPackage[];
  /** Warnings about entries that were still usable. */
  diagnostics: CargoLockDiagnostic[];
}

/** Why a lock file is unusable. */
export type CargoLockErrorReason =
  /** Not TOML (the message has the line and column of the first syntax error). */
  | "not-toml"
  /** No `[[package]]` array of tables (and no v1 `[root]`). */
  | "no-packages"
  /** A `version` other than 3 or 4 (newer formats may mean things this parser cannot know). */
  | "unsupported-version"
  /** A package entry (or a v1 `[metadata]` checksum) of the wrong shape. */
  | "malformed-entry"
  /** Two entries for the same name, version and source. */
  | "duplicate-package";

/**
 * A lock file that cannot be used. An {@link InputError} (code `input-unusable`, exit 3): the
 * message names the file and, where there is one, the package; `reason` says what is wrong.
 */
export class CargoLockError extends InputError {
  override name = "CargoLockError";
  /** What is wrong with the file. */
  readonly reason: CargoLockErrorReason;
  /** The package at fault (`name@version`, or `package #N` when it has no usable name). */
  readonly package?: string;

  constructor(
    file: string,
    reason: CargoLockErrorReason,
    message: string,
    options?: { cause?: unknown; package?: string; hint?: string },
  ) {
    super(file, message, {
      cause: options?.cause,
      hint: options?.hint ?? "regenerate it with `cargo generate-lockfile`, or check its path",
    });
    this.reason = reason;
    this.package = options?.package;
  }
}

/** The crates.io index, as the git protocol names it. */
export const CRATES_IO_GIT_INDEX = "https://github.com/rust-lang/crates.io-index";
/** The crates.io index, as the sparse protocol names it. */
export const CRATES_IO_SPARSE_INDEX = "https://index.crates.io/";

const CHECKSUM_HEX = /^[0-9a-f]{64}$/;
const COMMIT_HEX = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
/** Cargo accepts Unicode identifiers; ASCII punctuation other than `-` and `_` never occurs. */
const PACKAGE_NAME = /^[\p{L}\p{N}_][\p{L}\p{N}_-]{0,127}$/u;
/** crates.io names: ASCII letters, digits, `-`, `_`, starting with a letter (at most 64). */
const CRATES_IO_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Semver 2.0 (the shape cargo accepts; numeric identifiers without leading zeros). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
/** `checksum NAME VERSION (SOURCE)` (the source is optional in principle: path packages). */
const V1_CHECKSUM_KEY = /^checksum (\S+) (\S+)(?: \((\S+)\))?$/;
const MAX_SHOWN_CHARS = 80;

/**
 * Parses the text of a `Cargo.lock`. `file` names it in messages (as the user wrote it).
 * Throws {@link CargoLockError} when the file is unusable; see the module documentation.
 *
 * @example
 * ```ts
 * const lock = parseCargoLock(await Deno.readTextFile("Cargo.lock"), "Cargo.lock");
 * const fromCratesIo = lock.packages.filter((p) => p.kind === "registry-crates-io");
 * ```
 */
export function parseCargoLock(text: string, file: string): CargoLock {
  let doc: Record<string, unknown>;
  try {
    const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
    // The form cargo writes is read directly (the same value, sooner); anything else by TOML.
    doc = parseCanonicalLock(body) ?? parse(body) as Record<string, unknown>;
  } catch (cause) {
    const where = cause instanceof TomlError ? `:${cause.line}:${cause.column}` : "";
    const first = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new CargoLockError(
      file,
      "not-toml",
      `is not a valid TOML file (at ${file}${where}: ${
        first.replace(/^Invalid TOML document: /, "")
      })`,
      { cause },
    );
  }

  const diagnostics: CargoLockDiagnostic[] = [];
  const explicitVersion = readFormatVersion(doc, file);

  const entries: { raw: unknown; label: string }[] = [];
  if (doc.root !== undefined) entries.push({ raw: doc.root, label: "[root]" });
  const packageArray = doc.package;
  if (packageArray !== undefined) {
    if (!Array.isArray(packageArray)) {
      throw new CargoLockError(
        file,
        "no-packages",
        "has a `package` key that is not an array of [[package]] tables",
      );
    }
    packageArray.forEach((raw, i) => entries.push({ raw, label: `[[package]] #${i + 1}` }));
  }
  if (entries.length === 0) {
    throw new CargoLockError(
      file,
      "no-packages",
      "has no [[package]] entries: it is not a Cargo.lock (every lock lists at least its root package)",
    );
  }

  const packages: LockPackage[] = [];
  const seen = new Set<string>();
  let anyPackageChecksum = false;
  for (const { raw, label } of entries) {
    const pkg = readPackage(raw, label, file);
    const key = packageKey(pkg.name, pkg.version, pkg.source);
    if (seen.has(key)) {
      throw new CargoLockError(
        file,
        "duplicate-package",
        `lists ${
          describe(pkg)
        } twice (cargo refuses such a file: which entry would its checksum come from?)`,
        { package: `${pkg.name}@${pkg.version}` },
      );
    }
    seen.add(key);
    if (pkg.checksum !== undefined) anyPackageChecksum = true;
    packages.push(pkg);
  }

  const metadataChecksums = readMetadataChecksums(doc, file);
  let version: CargoLock["version"];
  if (explicitVersion !== undefined) version = explicitVersion;
  else if (anyPackageChecksum) version = 2;
  else version = 1;

  if (metadataChecksums.size > 0) {
    if (version === 1) {
      applyMetadataChecksums(packages, metadataChecksums, file, diagnostics);
    } else {
      // cargo takes v1 checksums in a v2+ file for a bad merge and discards every checksum of
      // the file, the packages' own included ("let's regenerate them later"): it then checks a
      // download against nothing the lock says. So the packages have no checksum here either.
      for (const pkg of packages) delete pkg.checksum;
      diagnostics.push({
        level: "warning",
        code: "lock-ignored-metadata-checksum",
        message:
          `${file}: [metadata] has ${metadataChecksums.size} v1-style checksum entr${
            metadataChecksums.size === 1 ? "y" : "ies"
          }, but the file is format v${version}: cargo then discards every checksum in the ` +
          "file (the packages' own too) and checks no download against the lock, so neither " +
          "does cargo-attest",
      });
    }
  }

  for (const pkg of packages) {
    if (pkg.kind === "unknown") {
      diagnostics.push({
        level: "warning",
        code: "lock-unknown-source",
        message: `${file}: ${describe(pkg)} has a source of an unknown kind (${
          show(pkg.source ?? "")
        }); it is not verified as a registry crate`,
        package: `${pkg.name}@${pkg.version}`,
      });
    } else if (pkg.kind === "git" && pkg.gitRev === undefined) {
      diagnostics.push({
        level: "warning",
        code: "lock-git-without-commit",
        message: `${file}: ${
          describe(pkg)
        } is a git dependency without the #<commit> cargo records`,
        package: `${pkg.name}@${pkg.version}`,
      });
    } else if (
      (pkg.kind === "registry-crates-io" || pkg.kind === "registry-other") &&
      pkg.checksum === undefined
    ) {
      diagnostics.push({
        level: "warning",
        code: "lock-missing-checksum",
        message: `${file}: ${
          describe(pkg)
        } comes from a registry but the lock records no checksum for it`,
        package: `${pkg.name}@${pkg.version}`,
      });
    }
  }

  return { version, packages, diagnostics };
}

/** The `version` key: absent (v1 or v2), 3 or 4. */
function readFormatVersion(doc: Record<string, unknown>, file: string): 3 | 4 | undefined {
  const v = doc.version;
  if (v === undefined) return undefined;
  if (v === 3 || v === 4) return v;
  if (typeof v === "number" && Number.isInteger(v)) {
    throw new CargoLockError(
      file,
      "unsupported-version",
      `is lock file format version ${v}; cargo-attest reads versions 1 to 4`,
      { hint: "update cargo-attest, or regenerate the lock with the cargo that matches it" },
    );
  }
  throw new CargoLockError(
    file,
    "unsupported-version",
    `has a top-level \`version\` that is not a lock file format number (${showValue(v)})`,
  );
}

function readPackage(raw: unknown, label: string, file: string): LockPackage {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new CargoLockError(file, "malformed-entry", `${label} is not a table`, {
      package: label,
    });
  }
  const table = raw as Record<string, unknown>;
  const name = table.name;
  if (typeof name !== "string" || !PACKAGE_NAME.test(name)) {
    throw new CargoLockError(
      file,
      "malformed-entry",
      name === undefined
        ? `${label} has no name`
        : `${label} has a name that is not a package name (${showValue(name)})`,
      { package: label },
    );
  }
  const version = table.version;
  if (typeof version !== "string" || !SEMVER.test(version)) {
    throw new CargoLockError(
      file,
      "malformed-entry",
      version === undefined
        ? `${label} (${name}) has no version`
        : `${label} (${name}) has a version that is not semver (${showValue(version)})`,
      { package: name },
    );
  }
  const id = `${name}@${version}`;
  const source = table.source;
  if (source !== undefined && (typeof source !== "string" || source === "")) {
    throw new CargoLockError(
      file,
      "malformed-entry",
      `package ${id} has a source that is not a non-empty string`,
      { package: id },
    );
  }
  const checksum = table.checksum;
  if (checksum !== undefined && (typeof checksum !== "string" || !CHECKSUM_HEX.test(checksum))) {
    throw new CargoLockError(
      file,
      "malformed-entry",
      `package ${id} has a checksum that is not 64 lowercase hex characters (${
        showValue(checksum)
      })`,
      { package: id },
    );
  }
  const pkg: LockPackage = { name, version, kind: "path" };
  if (source !== undefined) pkg.source = source;
  if (checksum !== undefined) pkg.checksum = checksum;
  const replace = table.replace;
  if (replace !== undefined) {
    if (typeof replace !== "string" || replace === "") {
      throw new CargoLockError(
        file,
        "malformed-entry",
        `package ${id} has a replace that is not a non-empty string`,
        { package: id },
      );
    }
    pkg.replace = replace;
  }
  if (source !== undefined) classifySource(pkg, source);
  if (pkg.kind === "registry-crates-io" && !CRATES_IO_NAME.test(name)) {
    throw new CargoLockError(
      file,
      "malformed-entry",
      `package ${
        show(name)
      } comes from crates.io, but crates.io names are ASCII letters, digits, '-' and '_'`,
      { package: id },
    );
  }
  return pkg;
}

/** Fills kind, registry, gitUrl and gitRev from a `source` string. */
function classifySource(pkg: LockPackage, source: string): void {
  const plus = source.indexOf("+");
  const scheme = plus < 0 ? "" : source.slice(0, plus);
  const rest = plus < 0 ? "" : source.slice(plus + 1);
  switch (scheme) {
    case "registry":
    case "sparse": {
      if (!isHttpUrl(rest)) {
        pkg.kind = "unknown";
        return;
      }
      pkg.registry = rest;
      const cratesIo = scheme === "registry"
        ? stripSlash(rest) === CRATES_IO_GIT_INDEX
        : stripSlash(rest) === stripSlash(CRATES_IO_SPARSE_INDEX);
      pkg.kind = cratesIo ? "registry-crates-io" : "registry-other";
      return;
    }
    case "git": {
      const hash = rest.indexOf("#");
      const withoutFragment = hash < 0 ? rest : rest.slice(0, hash);
      const query = withoutFragment.indexOf("?");
      const url = query < 0 ? withoutFragment : withoutFragment.slice(0, query);
      if (!isUrl(url)) {
        pkg.kind = "unknown";
        return;
      }
      pkg.kind = "git";
      pkg.gitUrl = url;
      const fragment = hash < 0 ? "" : rest.slice(hash + 1);
      if (COMMIT_HEX.test(fragment)) pkg.gitRev = fragment;
      return;
    }
    case "path":
      pkg.kind = "path";
      return;
    default:
      pkg.kind = "unknown";
  }
}

/** v1 `[metadata]` checksums, keyed by {@link packageKey}; `undefined` stands for `"<none>"`. */
function readMetadataChecksums(
  doc: Record<string, unknown>,
  file: string,
): Map<string, { checksum?: string; key: string }> {
  const out = new Map<string, { checksum?: string; key: string }>();
  const metadata = doc.metadata;
  if (metadata === undefined || metadata === null || typeof metadata !== "object") return out;
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    if (!key.startsWith("checksum ")) continue;
    const m = V1_CHECKSUM_KEY.exec(key);
    if (m === null || !SEMVER.test(m[2])) {
      throw new CargoLockError(
        file,
        "malformed-entry",
        `[metadata] has a checksum key that is not "checksum NAME VERSION (SOURCE)": ${show(key)}`,
      );
    }
    const id = `${m[1]}@${m[2]}`;
    if (typeof value !== "string" || (value !== "<none>" && !CHECKSUM_HEX.test(value))) {
      throw new CargoLockError(
        file,
        "malformed-entry",
        `[metadata] checksum of ${id} is neither 64 lowercase hex characters nor "<none>" (${
          showValue(value)
        })`,
        { package: id },
      );
    }
    out.set(packageKey(m[1], m[2], m[3]), {
      checksum: value === "<none>" ? undefined : value,
      key,
    });
  }
  return out;
}

function applyMetadataChecksums(
  packages: LockPackage[],
  checksums: Map<string, { checksum?: string; key: string }>,
  file: string,
  diagnostics: CargoLockDiagnostic[],
): void {
  const used = new Set<string>();
  for (const pkg of packages) {
    // v1 keys name git sources with or without the `#<commit>` fragment, depending on the
    // cargo that wrote them; both name the same package.
    let key = packageKey(pkg.name, pkg.version, pkg.source);
    let entry = checksums.get(key);
    if (entry === undefined && pkg.source?.includes("#")) {
      key = packageKey(pkg.name, pkg.version, pkg.source.slice(0, pkg.source.indexOf("#")));
      entry = checksums.get(key);
    }
    if (entry === undefined) continue;
    used.add(key);
    if (entry.checksum !== undefined) pkg.checksum = entry.checksum;
  }
  for (const [key, entry] of checksums) {
    if (used.has(key)) continue;
    diagnostics.push({
      level: "warning",
      code: "lock-orphan-checksum",
      message: `${file}: [metadata] ${show(entry.key)} names a package that is not in the file`,
    });
  }
}

function packageKey(name: string, version: string, source: string | undefined): string {
  return `${name}\0${version}\0${source ?? ""}`;
}

function describe(pkg: LockPackage): string {
  return pkg.source === undefined
    ? `${pkg.name}@${pkg.version}`
    : `${pkg.name}@${pkg.version} (${show(pkg.source)})`;
}

/** {@link isHttpUrl}'s answers: a lock names a handful of registries over and over. */
const httpUrlAnswers = new Map<string, boolean>();

function isHttpUrl(text: string): boolean {
  let answer = httpUrlAnswers.get(text);
  if (answer === undefined) {
    try {
      const url = new URL(text);
      answer = url.protocol === "https:" || url.protocol === "http:";
    } catch {
      answer = false;
    }
    if (httpUrlAnswers.size < 64) httpUrlAnswers.set(text, answer);
  }
  return answer;
}

function isUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

function stripSlash(url: string): string {
  return url.endsWith("/") ? url.slice(0, -1) : url;
}

/**
 * A TOML value of any type for a message: a table or an array is named (smol-toml builds tables
 * without a prototype, so `String()` of one would throw a TypeError), a date is written as in
 * TOML, anything else is quoted.
 */
function showValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof TomlDate) return show(value.toISOString());
  if (value !== null && typeof value === "object") return "a table";
  return show(String(value));
}

/** A value quoted for a message: JSON-escaped (no control characters), cut when long. */
function show(value: string): string {
  const cut = value.length > MAX_SHOWN_CHARS ? `${value.slice(0, MAX_SHOWN_CHARS)}…` : value;
  return JSON.stringify(cut);
}
