/**
 * Semver precedence (SemVer 2.0.0 §11) and "the version published before this one" from a
 * crate's sparse-index lines, for `--history`. Pure.
 * @module
 */
import type { IndexEntry } from "./registry_records.ts";

interface Parsed {
  readonly core: readonly [bigint, bigint, bigint];
  readonly pre: readonly string[];
}

function parse(version: string): Parsed | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!m) return undefined;
  return {
    core: [BigInt(m[1]), BigInt(m[2]), BigInt(m[3])],
    pre: m[4] === undefined ? [] : m[4].split("."),
  };
}

function compareIdentifiers(a: string, b: string): number {
  const an = /^\d+$/.test(a);
  const bn = /^\d+$/.test(b);
  if (an && bn) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (an !== bn) return an ? -1 : 1; // numeric identifiers have lower precedence
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Semver precedence of `a` against `b`: negative, zero or positive. Build metadata is ignored;
 * a pre-release is lower than its release. Undefined when either is not semver.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) {
    if (x.core[i] !== y.core[i]) return x.core[i] < y.core[i] ? -1 : 1;
  }
  if (x.pre.length === 0 || y.pre.length === 0) {
    return x.pre.length === y.pre.length ? 0 : x.pre.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.min(x.pre.length, y.pre.length); i++) {
    const c = compareIdentifiers(x.pre[i], y.pre[i]);
    if (c !== 0) return c;
  }
  return x.pre.length - y.pre.length;
}

/**
 * The version a crate published before `version`: the highest version of the index below it in
 * semver precedence. Yanked versions count: yanking is the publisher's own act, so skipping them
 * would let whoever holds the publishing token hide the versions a downgrade shows against. For a
 * release, only releases count (cargo picks no pre-release for `^1`, so no one looks at one: a
 * pre-release published by the token first would launder the downgrade); for a pre-release,
 * pre-releases count too. Undefined for a first version.
 */
export function previousVersion(
  entries: readonly IndexEntry[],
  version: string,
): string | undefined {
  const release = parse(version)?.pre.length === 0;
  let best: string | undefined;
  for (const entry of entries) {
    if (release && parse(entry.vers)?.pre.length !== 0) continue;
    const below = compareVersions(entry.vers, version);
    if (below === undefined || below >= 0) continue;
    if (best === undefined || compareVersions(entry.vers, best)! > 0) best = entry.vers;
  }
  return best;
}
