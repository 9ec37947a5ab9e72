/**
 * TUF metadata documents (specification v1.0.x, §4): the signed envelope and the four top-level
 * roles' `signed` parts, checked for shape only. Pure: bytes in, typed values or a
 * {@link TufError} out.
 * @module
 */
import { TufError } from "./errors.ts";

/** A key of a root document, as given (`keytype`, `scheme`, `keyval.public`). */
export interface TufKey {
  readonly keytype: string;
  readonly scheme: string;
  readonly public: string;
}

/** A role's keys and how many of them must sign. */
export interface TufRole {
  readonly keyids: readonly string[];
  readonly threshold: number;
}

/** One signature of an envelope. */
export interface TufSignature {
  readonly keyid: string;
  readonly sig: string;
}

/** Hashes and length of a file, as timestamp, snapshot and targets give them. */
export interface TufFileMeta {
  readonly version?: number;
  readonly length?: number;
  /** Algorithm (`sha256`, `sha512`) → lowercase hex. */
  readonly hashes?: Readonly<Record<string, string>>;
}

/** What every role's `signed` part has. */
interface Common {
  readonly type: string;
  readonly version: number;
  readonly expires: Date;
  readonly specVersion: string;
}

/** The root role. */
export interface RootMeta extends Common {
  readonly type: "root";
  readonly consistentSnapshot: boolean;
  readonly keys: Readonly<Record<string, TufKey>>;
  readonly roles: Readonly<Record<"root" | "timestamp" | "snapshot" | "targets", TufRole>>;
}

/** The timestamp role: the snapshot's version (and maybe hashes). */
export interface TimestampMeta extends Common {
  readonly type: "timestamp";
  readonly snapshot: TufFileMeta & { readonly version: number };
}

/** The snapshot role: every targets metadata file's version. */
export interface SnapshotMeta extends Common {
  readonly type: "snapshot";
  readonly meta: Readonly<Record<string, TufFileMeta & { readonly version: number }>>;
}

/** A target file: its length and hashes. */
export interface TargetFile {
  readonly length: number;
  readonly hashes: Readonly<Record<string, string>>;
}

/** The top-level targets role. */
export interface TargetsMeta extends Common {
  readonly type: "targets";
  readonly targets: Readonly<Record<string, TargetFile>>;
}

/** A parsed envelope: the `signed` object as given (for canonical JSON) and its signatures. */
export interface Envelope<T> {
  /** The raw `signed` value, for canonical encoding. */
  readonly signedRaw: unknown;
  readonly signed: T;
  readonly signatures: readonly TufSignature[];
  /** The bytes the envelope was parsed from. */
  readonly bytes: Uint8Array;
}

/** Which role a document is, for parsing. */
export type RoleName = "root" | "timestamp" | "snapshot" | "targets";

type Parsed = RootMeta | TimestampMeta | SnapshotMeta | TargetsMeta;
/** The parsed `signed` of a role's metadata. */
export type ParsedOf<R extends RoleName> = Extract<Parsed, { type: R }>;

/**
 * Parses `bytes` as a TUF envelope of `role`; `repository` and `file` name it in errors.
 *
 * @throws {TufError} `tuf-malformed` naming the field at fault
 */
export function parseEnvelope<R extends RoleName>(
  bytes: Uint8Array,
  role: R,
  repository: string,
  file: string,
): Envelope<ParsedOf<R>> {
  const fail = (message: string): never => {
    throw new TufError("tuf-malformed", repository, file, message);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  const top = record(doc, "the document", fail);
  const signed = record(top.signed, "signed", fail);
  const sigs = Array.isArray(top.signatures) ? top.signatures : fail("signatures is not a list");
  const signatures = sigs.map((s, i) => {
    const sig = record(s, `signatures[${i}]`, fail);
    return {
      keyid: str(sig.keyid, `signatures[${i}].keyid`, fail),
      sig: str(sig.sig, `signatures[${i}].sig`, fail),
    };
  });
  // §4.2: "The keyid MUST be unique in the signatures array" (a repeated one never counts twice,
  // and metadata carrying one is refused, as python-tuf and tuf-conformance require).
  const seen = new Set<string>();
  for (const { keyid } of signatures) {
    if (seen.has(keyid)) fail(`two signatures by the key ${keyid}`);
    seen.add(keyid);
  }
  const type = str(signed._type, "signed._type", fail);
  if (type !== role) fail(`signed._type is '${type}', expected '${role}'`);
  const common = {
    version: int(signed.version, "signed.version", fail, 1),
    expires: date(signed.expires, fail),
    specVersion: str(signed.spec_version, "signed.spec_version", fail),
  };
  if (!/^1\.\d+(\.\d+)?$/.test(common.specVersion)) {
    fail(`spec_version '${common.specVersion}' is not a 1.x TUF specification`);
  }
  let parsed: Parsed;
  if (role === "root") parsed = { type: "root", ...common, ...parseRoot(signed, fail) };
  else if (role === "timestamp") {
    const meta = record(signed.meta, "signed.meta", fail);
    parsed = {
      type: "timestamp",
      ...common,
      snapshot: fileMeta(meta["snapshot.json"], "signed.meta['snapshot.json']", fail, true),
    };
  } else if (role === "snapshot") {
    const meta = record(signed.meta, "signed.meta", fail);
    parsed = {
      type: "snapshot",
      ...common,
      meta: Object.fromEntries(
        Object.entries(meta).map(([k, v]) => [k, fileMeta(v, `signed.meta['${k}']`, fail, true)]),
      ),
    };
  } else {
    const targets = record(signed.targets, "signed.targets", fail);
    parsed = {
      type: "targets",
      ...common,
      targets: Object.fromEntries(
        Object.entries(targets).map(([k, v]) => {
          const m = fileMeta(v, `signed.targets['${k}']`, fail, false);
          if (m.length === undefined || m.hashes === undefined) {
            fail(`signed.targets['${k}'] needs a length and hashes`);
          }
          return [k, { length: m.length!, hashes: m.hashes! }];
        }),
      ),
    };
  }
  return { signedRaw: signed, signed: parsed as ParsedOf<R>, signatures, bytes };
}

function parseRoot(
  signed: Record<string, unknown>,
  fail: (m: string) => never,
): Omit<RootMeta, keyof Common | "type"> {
  const consistent = signed.consistent_snapshot;
  if (typeof consistent !== "boolean") fail("signed.consistent_snapshot is not a boolean");
  const keys: Record<string, TufKey> = {};
  for (const [id, raw] of Object.entries(record(signed.keys, "signed.keys", fail))) {
    const key = record(raw, `signed.keys['${id}']`, fail);
    const keyval = record(key.keyval, `signed.keys['${id}'].keyval`, fail);
    keys[id] = {
      keytype: str(key.keytype, `signed.keys['${id}'].keytype`, fail),
      scheme: str(key.scheme, `signed.keys['${id}'].scheme`, fail),
      public: str(keyval.public, `signed.keys['${id}'].keyval.public`, fail),
    };
  }
  const rolesRaw = record(signed.roles, "signed.roles", fail);
  const role = (name: RoleName): TufRole => {
    const r = record(rolesRaw[name], `signed.roles.${name}`, fail);
    const keyids = Array.isArray(r.keyids) ? r.keyids : fail(`signed.roles.${name}.keyids`);
    const ids = keyids.map((k, i) => str(k, `signed.roles.${name}.keyids[${i}]`, fail));
    if (new Set(ids).size !== ids.length) fail(`signed.roles.${name}.keyids repeats a key`);
    return { keyids: ids, threshold: int(r.threshold, `signed.roles.${name}.threshold`, fail, 1) };
  };
  return {
    consistentSnapshot: consistent as boolean,
    keys,
    roles: {
      root: role("root"),
      timestamp: role("timestamp"),
      snapshot: role("snapshot"),
      targets: role("targets"),
    },
  };
}

function fileMeta(
  value: unknown,
  what: string,
  fail: (m: string) => never,
  versioned: true,
): TufFileMeta & { version: number };
function fileMeta(
  value: unknown,
  what: string,
  fail: (m: string) => never,
  versioned: false,
): TufFileMeta;
function fileMeta(
  value: unknown,
  what: string,
  fail: (m: string) => never,
  versioned: boolean,
): TufFileMeta {
  const m = record(value, what, fail);
  const out: { version?: number; length?: number; hashes?: Record<string, string> } = {};
  if (versioned) out.version = int(m.version, `${what}.version`, fail, 1);
  if (m.length !== undefined) out.length = int(m.length, `${what}.length`, fail, 0);
  if (m.hashes !== undefined) {
    const hashes = record(m.hashes, `${what}.hashes`, fail);
    out.hashes = {};
    for (const [alg, hex] of Object.entries(hashes)) {
      const h = str(hex, `${what}.hashes.${alg}`, fail).toLowerCase();
      if (!/^[0-9a-f]+$/.test(h)) fail(`${what}.hashes.${alg} is not hex`);
      out.hashes[alg] = h;
    }
    if (Object.keys(out.hashes).length === 0) fail(`${what}.hashes is empty`);
  }
  return out;
}

function record(
  value: unknown,
  what: string,
  fail: (m: string) => never,
): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return fail(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function str(value: unknown, what: string, fail: (m: string) => never): string {
  return typeof value === "string" ? value : fail(`${what} is not a string`);
}

function int(value: unknown, what: string, fail: (m: string) => never, min: number): number {
  return Number.isSafeInteger(value) && (value as number) >= min
    ? value as number
    : fail(`${what} is not an integer ≥ ${min}`);
}

function date(value: unknown, fail: (m: string) => never): Date {
  const text = str(value, "signed.expires", fail);
  // TUF writes UTC with a Z; Sigstore's first roots carried an offset and fractional seconds.
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text)) {
    fail(`signed.expires '${text}' is not an RFC 3339 time`);
  }
  // Date rolls an impossible calendar time over (30 February is 2 March, 24:00 the next day):
  // each field must be the one read back, or the metadata would be valid later than it says.
  const [y, mo, day, h, mi, sec] = text.slice(0, 19).split(/[-T:]/).map(Number);
  const calendar = new Date(Date.UTC(y, mo - 1, day, h, mi, sec));
  calendar.setUTCFullYear(y);
  const offset = text.match(/([+-])(\d\d):(\d\d)$/);
  if (
    calendar.getUTCFullYear() !== y || calendar.getUTCMonth() !== mo - 1 ||
    calendar.getUTCDate() !== day || calendar.getUTCHours() !== h ||
    calendar.getUTCMinutes() !== mi || calendar.getUTCSeconds() !== sec ||
    (offset !== null && (Number(offset[2]) > 23 || Number(offset[3]) > 59))
  ) {
    fail(`signed.expires '${text}' is not a calendar time`);
  }
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? fail(`signed.expires '${text}' is not a time`) : d;
}
