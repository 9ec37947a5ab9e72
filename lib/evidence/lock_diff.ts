/**
 * What a pull request changed in a Cargo.lock: each package of the new lock is added, updated
 * (from which version) or unchanged against the base lock, and the base's packages that are gone
 * are removed. Path packages (the workspace's own) are not compared: nothing is downloaded for
 * them. A package is the same one when its name and source are (crates.io is one source however
 * the lock spells it: the git index, the sparse index, with or without a trailing slash); an
 * update keeps both and changes the version, or keeps the version and changes the checksum (the
 * same version with other bytes is never "unchanged") or its `replace` (cargo builds another
 * package in its place). Every version the base did not have, of a package the base had, is an
 * update from the base's version nearest below it (else its lowest): another version slipped in
 * beside it never makes an update read as an addition.
 * @module
 */
import type { CargoLock, LockPackage } from "./cargo_lock.ts";
import { compareVersions } from "./version_order.ts";

/** How a package of the new lock differs from the base lock. */
export type LockChange =
  | { readonly kind: "added" }
  | { readonly kind: "updated"; readonly from: string }
  | { readonly kind: "unchanged" }
  | { readonly kind: "removed" };

/** The packages of both locks, each with its change. */
export interface LockDiff {
  /** The new lock's non-path packages, in its order, with their change. */
  readonly packages: readonly { readonly pkg: LockPackage; readonly change: LockChange }[];
  /** The base lock's non-path packages that the new lock no longer has. */
  readonly removed: readonly LockPackage[];
}

function identity(p: LockPackage): string {
  const source = p.kind === "registry-crates-io" ? "crates.io" : p.source ?? p.kind;
  return `${p.name}\u0000${source}`;
}

/**
 * The base's version a new one replaces (`sorted`: the base's versions, oldest first): the
 * highest at or below it, else the lowest.
 */
function replacedBy(sorted: readonly LockPackage[], version: string): LockPackage | undefined {
  return sorted.findLast((o) => byVersion(o.version, version) <= 0) ?? sorted[0];
}

function byVersion(a: string, b: string): number {
  return compareVersions(a, b) ?? a.localeCompare(b);
}

/** A lock's packages from outside the workspace (path packages aside), grouped by identity. */
function groupByIdentity(lock: CargoLock): Map<string, LockPackage[]> {
  const groups = new Map<string, LockPackage[]>();
  for (const p of lock.packages) {
    if (p.kind === "path") continue;
    const group = groups.get(identity(p)) ?? [];
    group.push(p);
    groups.set(identity(p), group);
  }
  return groups;
}

/** Compares a new lock with its base. Pure. */
export function diffLocks(base: CargoLock, head: CargoLock): LockDiff {
  const baseGroups = groupByIdentity(base);
  const changes = new Map<LockPackage, LockChange>();
  const headGroups = groupByIdentity(head);
  const removed: LockPackage[] = [];
  for (const [key, newer] of headGroups) {
    const all = [...(baseGroups.get(key) ?? [])].sort((a, b) => byVersion(a.version, b.version));
    const older = [...all];
    const left: LockPackage[] = [];
    for (const p of newer) {
      const same = older.findIndex((o) => o.version === p.version);
      if (same < 0) {
        left.push(p);
        continue;
      }
      const [o] = older.splice(same, 1);
      changes.set(
        p,
        // A replacement added, changed or dropped (`[replace]`) changes what cargo builds.
        o.checksum === p.checksum && o.replace === p.replace
          ? { kind: "unchanged" }
          : { kind: "updated", from: o.version },
      );
    }
    // Versions the base did not have: each is compared with the base's version it replaces
    // (even one the new lock keeps); a base version no new one replaces is removed.
    const replaced = new Set<LockPackage>();
    for (const p of left) {
      const from = replacedBy(all, p.version);
      if (from) replaced.add(from);
      changes.set(p, from ? { kind: "updated", from: from.version } : { kind: "added" });
    }
    removed.push(...older.filter((o) => !replaced.has(o)));
    baseGroups.delete(key);
  }
  for (const rest of baseGroups.values()) removed.push(...rest);
  return {
    packages: head.packages.filter((p) => p.kind !== "path").map((pkg) => ({
      pkg,
      change: changes.get(pkg)!,
    })),
    removed,
  };
}
