/**
 * Mutation testing support: loads the passing cases of the verification corpus, verifies a
 * bundle in-process the way `verify-bundle` does (parse, verify, identity or key), and generates
 * deterministic mutants of each passing bundle (seeded PRNG plus structured edits).
 *
 * Every mutant says whether it must be rejected (`reject`) or is only run to prove the verifier
 * does not throw on it (`tolerate`, with the reason it may legitimately still verify). A mutant
 * that must be rejected but verifies because of a suspected lib/ issue carries `knownIssue`.
 * Evidence shared by several bundles (one log entry, certificate or checkpoint in its v0.1, v0.2
 * and v0.3 encodings) is mutated once.
 * @module
 */
import {
  type ArtifactInput,
  type VerifiedBundle,
  verifyBundle,
} from "../../lib/checks/sigstore_bundle.ts";
import { decodeBase64, encodeBase64, encodeHex } from "../../lib/crypto/bytes.ts";
import { computeCheckpointKeyHint, isRekorV1Origin } from "../../lib/crypto/checkpoint.ts";
import {
  parsePublicKey,
  parsePublicKeyPem,
  type PublicKeyMaterial,
} from "../../lib/crypto/signature.ts";
import { parseBundle } from "../../lib/evidence/bundle.ts";
import { matchIdentity } from "../../lib/evidence/fulcio_identity.ts";
import { loadEmbeddedRoot } from "../../lib/trust/embedded.ts";
import { parseTrustedRoot, type TrustedRoot } from "../../lib/trust/trusted_root.ts";

const CASES_DIR = new URL("../fixtures/corpus/cases/", import.meta.url).pathname;

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Corpus cases

/** A passing corpus case, loaded and ready to verify. */
export interface PassCase {
  readonly id: string;
  readonly bundleText: string;
  readonly doc: Json;
  readonly roots: readonly TrustedRoot[];
  /** The artifact's bytes (file cases) or only its SHA-256 (digest cases). */
  readonly artifactBytes?: Uint8Array;
  readonly artifactSha256: Uint8Array;
  readonly identity?: string;
  readonly issuer?: string;
  readonly key?: PublicKeyMaterial;
  /** The case's key file text, when it has one. */
  readonly keyPem?: string;
}

/** How a case's `trusted_root` is turned into roots, exactly as `verify-bundle` selects them. */
async function rootsFor(
  name: string,
  dir: string,
  custom: Map<string, Promise<TrustedRoot>>,
): Promise<TrustedRoot[]> {
  // public-good without --trusted-root: the CLI default is public-good, then GitHub's instance.
  if (name === "public-good") {
    return [await loadEmbeddedRoot("public-good"), await loadEmbeddedRoot("github")];
  }
  if (name === "staging") return [await loadEmbeddedRoot("staging")];
  // The corpus passes GitHub's root with --trusted-root (it alone, then).
  if (name === "github") return [await loadEmbeddedRoot("github")];
  const text = Deno.readTextFileSync(`${dir}/${name}`);
  let root = custom.get(text);
  if (!root) {
    root = parseTrustedRoot(text, `${dir}/${name}`);
    custom.set(text, root);
  }
  return [await root];
}

/** Every `expect: "pass"` case of the corpus, sorted by id. */
export async function loadPassCases(): Promise<PassCase[]> {
  const custom = new Map<string, Promise<TrustedRoot>>();
  const out: PassCase[] = [];
  const names = [...Deno.readDirSync(CASES_DIR)].map((e) => e.name).sort();
  for (const name of names) {
    const dir = `${CASES_DIR}${name}`;
    const c = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`));
    if (c.expect !== "pass") continue;
    const bundleText = Deno.readTextFileSync(`${dir}/${c.bundle ?? "bundle.sigstore.json"}`);
    let artifactBytes: Uint8Array | undefined;
    let artifactSha256: Uint8Array;
    if (c.digest) {
      artifactSha256 = decodeHexStrict(String(c.digest).replace(/^sha256:/i, ""));
    } else {
      artifactBytes = Deno.readFileSync(`${dir}/${c.artifact}`);
      artifactSha256 = await sha(artifactBytes, "SHA-256");
    }
    const keyPem = c.key ? Deno.readTextFileSync(`${dir}/${c.key}`) : undefined;
    out.push({
      id: c.id,
      bundleText,
      doc: JSON.parse(bundleText),
      roots: await rootsFor(c.trusted_root ?? "public-good", dir, custom),
      artifactBytes,
      artifactSha256,
      identity: c.identity,
      issuer: c.issuer,
      key: keyPem ? parsePublicKeyPem(keyPem) : undefined,
      keyPem,
    });
  }
  return out;
}

function decodeHexStrict(hex: string): Uint8Array {
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not hex: ${hex}`);
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

async function sha(bytes: Uint8Array, alg: "SHA-256" | "SHA-384" | "SHA-512"): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(alg, bytes as Uint8Array<ArrayBuffer>));
}

/** An artifact input like `openArtifact` builds: digests computed on demand, bytes in memory. */
export function artifactInput(bytes: Uint8Array | undefined, sha256: Uint8Array): ArtifactInput {
  if (!bytes) return { sha256 };
  const others = new Map<string, Promise<Uint8Array>>();
  return {
    sha256,
    digest(algorithm) {
      let d = others.get(algorithm);
      if (!d) {
        d = sha(bytes, algorithm === "sha384" ? "SHA-384" : "SHA-512");
        others.set(algorithm, d);
      }
      return d;
    },
    readAll: () => Promise.resolve(bytes),
  };
}

// ---------------------------------------------------------------------------------------------
// Verification as verify-bundle does it

/** What became of a bundle: verified, rejected at some stage (with a code), or an exception. */
export type Outcome =
  | { readonly kind: "verified" }
  | {
    readonly kind: "rejected";
    readonly stage: "parse" | "verify" | "identity";
    readonly code: string;
  }
  | { readonly kind: "threw"; readonly error: unknown };

/** What the verifier is given besides the bundle. */
export interface VerifyInputs {
  readonly roots: readonly TrustedRoot[];
  readonly artifact: ArtifactInput;
  /** `--key`; when absent, `san` and `issuer` name the signer. */
  readonly key?: PublicKeyMaterial;
  readonly san?: string;
  /** `""` demands a certificate without an issuer, as in `verify-bundle`. */
  readonly issuer?: string;
}

/** A bundle that parsed and verified (before the signer is compared), or why not. */
export type BundleCheck =
  | { readonly ok: true; readonly verified: VerifiedBundle }
  | { readonly ok: false; readonly outcome: Outcome };

/** Parses and verifies `bundleText` (steps 1-6 of `verify-bundle`); never throws. */
export async function checkBundle(bundleText: string, inputs: VerifyInputs): Promise<BundleCheck> {
  try {
    const bundle = parseBundle(bundleText);
    if (!bundle.ok) {
      return { ok: false, outcome: { kind: "rejected", stage: "parse", code: bundle.code } };
    }
    const result = await verifyBundle(bundle.value, inputs.artifact, {
      roots: inputs.roots,
      key: inputs.key,
    });
    if (!result.ok) {
      return { ok: false, outcome: { kind: "rejected", stage: "verify", code: result.code } };
    }
    return { ok: true, verified: result.value };
  } catch (error) {
    return { ok: false, outcome: { kind: "threw", error } };
  }
}

/** Compares the signer of a verified bundle with the one named, as `verify-bundle` does. */
export function judgeSigner(verified: VerifiedBundle, inputs: VerifyInputs): Outcome {
  try {
    if (inputs.key) {
      return verified.managedKey
        ? { kind: "verified" }
        : { kind: "rejected", stage: "identity", code: "key-mismatch" };
    }
    if (!verified.identity) {
      return { kind: "rejected", stage: "identity", code: "identity-mismatch" };
    }
    const issuer = inputs.issuer;
    const match = matchIdentity(verified.identity, {
      san: inputs.san,
      // An empty issuer demands a certificate without one; it never means "any issuer".
      issuer: issuer === "" ? undefined : issuer,
    });
    if (!match.ok) return { kind: "rejected", stage: "identity", code: match.code };
    if (issuer === "" && verified.identity.issuer !== undefined) {
      return { kind: "rejected", stage: "identity", code: "identity-issuer-mismatch" };
    }
    return { kind: "verified" };
  } catch (error) {
    return { kind: "threw", error };
  }
}

/** Parses and verifies `bundleText` exactly as `lib/cli/verify_bundle_command.ts` decides. */
export async function verifyText(bundleText: string, inputs: VerifyInputs): Promise<Outcome> {
  const checked = await checkBundle(bundleText, inputs);
  return checked.ok ? judgeSigner(checked.verified, inputs) : checked.outcome;
}

/** The unmutated inputs of a case. */
export function caseInputs(c: PassCase): VerifyInputs {
  return {
    roots: c.roots,
    artifact: artifactInput(c.artifactBytes, c.artifactSha256),
    key: c.key,
    san: c.key ? undefined : c.identity,
    issuer: c.key ? undefined : c.issuer,
  };
}

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/** FNV-1a, to derive a per-(case, field) seed that does not shift when other cases are added. */
function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: a small seeded PRNG; `next(n)` is an integer in [0, n). */
export function prng(seed: string): { next(n: number): number } {
  let a = seedOf(seed);
  return {
    next(n: number): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const r = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      return Math.floor(r * n);
    },
  };
}

/**
 * `count` distinct (byte, bit) positions: the first, middle and last byte (structure lives at
 * the edges of DER and base64), then random ones; with `structured` false, only random ones.
 */
function bitPositions(
  length: number,
  count: number,
  seed: string,
  structured = true,
): [number, number][] {
  const rng = prng(seed);
  const out: [number, number][] = [];
  const seen = new Set<string>();
  const add = (byte: number, bit: number) => {
    const k = `${byte}:${bit}`;
    if (out.length >= count || byte < 0 || byte >= length || seen.has(k)) return;
    seen.add(k);
    out.push([byte, bit]);
  };
  if (structured) {
    add(0, rng.next(8));
    add(length >> 1, rng.next(8));
    add(length - 1, rng.next(8));
  }
  for (let i = 0; i < count * 8 && out.length < count; i++) add(rng.next(length), rng.next(8));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutants

/** One mutant of a case. */
export interface Mutant {
  readonly caseId: string;
  readonly category: Category;
  /** What was changed, precisely enough to reproduce. */
  readonly label: string;
  /** `reject`: must not verify. `tolerate`: may verify (see `why`); must not throw. */
  readonly expect: "reject" | "tolerate";
  readonly why?: string;
  /** The mutated bundle (the case's own bundle when only the inputs change). */
  readonly bundle: () => string;
  /** Inputs replacing the case's own (artifact, identity, key). */
  readonly inputs?: () => Promise<Partial<VerifyInputs>>;
  /**
   * Only the named signer (SAN, issuer) differs from the case: the verification of the case's
   * own bundle can be reused and only the signer comparison run again.
   */
  readonly signerOnly?: boolean;
  /**
   * Set when the mutant must be rejected but is not, because of a suspected lib/ issue (reported,
   * not fixed here): it is left out of its category's assertion and asserted in an ignored test
   * of its own, to be enabled when lib/ is fixed.
   */
  readonly knownIssue?: string;
  /**
   * The evidence edited, as text: the same edit of the same evidence carried by another bundle
   * (one log entry in its v0.1, v0.2 and v0.3 encodings) is generated once.
   */
  readonly evidence?: string;
}

/** Mutation categories, in report order. */
export const CATEGORIES = [
  "base64-bitflip",
  "integer-edit",
  "checkpoint-edit",
  "kind-version",
  "dsse-payload",
  "drop-evidence",
  "duplicate-evidence",
  "media-type",
  "wrong-artifact",
  "wrong-identity",
] as const;

/** A mutation category. */
export type Category = typeof CATEGORIES[number];

const MEDIA = {
  v01: "application/vnd.dev.sigstore.bundle+json;version=0.1",
  v02: "application/vnd.dev.sigstore.bundle+json;version=0.2",
  v03: "application/vnd.dev.sigstore.bundle+json;version=0.3",
  v03b: "application/vnd.dev.sigstore.bundle.v0.3+json",
} as const;

const MEDIA_VERSION: Record<string, string> = {
  [MEDIA.v01]: "0.1",
  [MEDIA.v02]: "0.2",
  [MEDIA.v03]: "0.3",
  [MEDIA.v03b]: "0.3",
};

/** Media types that are no bundle version the verifier knows: always rejected. */
const UNKNOWN_MEDIA_TYPES: unknown[] = [
  "application/vnd.dev.sigstore.bundle+json;version=0.4",
  "application/vnd.dev.sigstore.bundle.v0.4+json",
  "application/vnd.dev.sigstore.bundle.v0.2+json",
  "application/vnd.dev.sigstore.bundle+json",
  "application/vnd.dev.sigstore.bundle+json;version=0.3 ",
  "application/vnd.dev.sigstore.bundle+json; version=0.3",
  "APPLICATION/VND.DEV.SIGSTORE.BUNDLE.V0.3+JSON",
  "application/json",
  "",
  3,
  null,
];

function obj(value: unknown): Json {
  return value as Json;
}

/** The base64 fields of a bundle: JSON path (for labels) and how to reach its parent object. */
interface B64Field {
  readonly path: string;
  readonly get: (doc: Json) => Json;
  readonly key: string;
  /** When flipping it may legitimately leave the bundle valid. */
  readonly tolerate?: string;
  /** Byte-dependent tolerance, for fields only part of which is evidence. */
  readonly tolerateAt?: (byte: number, bit: number) => string | undefined;
}

function vmOf(doc: Json): Json {
  return obj(doc.verificationMaterial);
}

function entriesOf(doc: Json): Json[] {
  return (vmOf(doc).tlogEntries as Json[] | undefined) ?? [];
}

function timestampsOf(doc: Json): Json[] {
  const tvd = vmOf(doc).timestampVerificationData as Json | undefined;
  return (tvd?.rfc3161Timestamps as Json[] | undefined) ?? [];
}

/** Facts about a bundle that decide which mutants must be rejected. */
interface Facts {
  readonly version: string;
  readonly certificateField: boolean;
  readonly certificateSigned: boolean;
  readonly entriesWithSet: number;
  readonly timestamps: number;
  readonly allEntriesHaveProof: boolean;
  readonly allEntriesHavePromise: boolean;
}

function factsOf(doc: Json): Facts {
  const vm = vmOf(doc);
  const entries = entriesOf(doc);
  return {
    version: MEDIA_VERSION[doc.mediaType as string],
    certificateField: vm.certificate !== undefined,
    certificateSigned: vm.publicKey === undefined,
    entriesWithSet: entries.filter((e) => e.inclusionPromise).length,
    timestamps: timestampsOf(doc).length,
    allEntriesHaveProof: entries.every((e) => e.inclusionProof),
    allEntriesHavePromise: entries.every((e) => e.inclusionPromise),
  };
}

/** True when the bundle's only verified times come from its RFC 3161 timestamps. */
function timestampsAreOnlyTime(f: Facts): boolean {
  return f.certificateSigned && f.entriesWithSet === 0;
}

function base64Fields(doc: Json, f: Facts): B64Field[] {
  const fields: B64Field[] = [];
  const ms = doc.messageSignature as Json | undefined;
  if (ms) {
    fields.push({
      path: "messageSignature.signature",
      get: (d) => obj(d.messageSignature),
      key: "signature",
    });
    if (ms.messageDigest) {
      fields.push({
        path: "messageSignature.messageDigest.digest",
        get: (d) => obj(obj(d.messageSignature).messageDigest),
        key: "digest",
      });
    }
  }
  const env = doc.dsseEnvelope as Json | undefined;
  if (env) {
    fields.push({ path: "dsseEnvelope.payload", get: (d) => obj(d.dsseEnvelope), key: "payload" });
    (env.signatures as Json[]).forEach((_, i) =>
      fields.push({
        path: `dsseEnvelope.signatures[${i}].sig`,
        get: (d) => obj((obj(d.dsseEnvelope).signatures as Json[])[i]),
        key: "sig",
      })
    );
  }
  const vm = vmOf(doc);
  if (vm.certificate) {
    fields.push({
      path: "verificationMaterial.certificate.rawBytes",
      get: (d) => obj(vmOf(d).certificate),
      key: "rawBytes",
    });
  }
  if (vm.x509CertificateChain) {
    const certs = obj(vm.x509CertificateChain).certificates as Json[];
    certs.forEach((_, i) =>
      fields.push({
        path: `verificationMaterial.x509CertificateChain.certificates[${i}].rawBytes`,
        get: (d) => obj((obj(vmOf(d).x509CertificateChain).certificates as Json[])[i]),
        key: "rawBytes",
        // Only the leaf is evidence: clients chain it to the trusted root's own CA certificates
        // and never trust (so never need) the intermediates a bundle carries.
        tolerate: i === 0
          ? undefined
          : "a chain certificate after the leaf is never trusted, only carried",
      })
    );
  }
  entriesOf(doc).forEach((e, i) => {
    const at = `verificationMaterial.tlogEntries[${i}]`;
    const entry = (d: Json) => entriesOf(d)[i];
    fields.push({ path: `${at}.canonicalizedBody`, get: entry, key: "canonicalizedBody" });
    fields.push({ path: `${at}.logId.keyId`, get: (d) => obj(entry(d).logId), key: "keyId" });
    if (e.inclusionPromise) {
      fields.push({
        path: `${at}.inclusionPromise.signedEntryTimestamp`,
        get: (d) => obj(entry(d).inclusionPromise),
        key: "signedEntryTimestamp",
      });
    }
    const proof = e.inclusionProof as Json | undefined;
    if (proof) {
      const p = (d: Json) => obj(entry(d).inclusionProof);
      fields.push({ path: `${at}.inclusionProof.rootHash`, get: p, key: "rootHash" });
      // The first and last hash of the path (the leaf's sibling and the top), and one between.
      const n = ((proof.hashes as string[] | undefined) ?? []).length;
      const between = 1 + prng(`${at}|${proof.rootHash}`).next(Math.max(n - 2, 1));
      for (const j of new Set([0, between, n - 1].filter((j) => j >= 0 && j < n))) {
        fields.push({
          path: `${at}.inclusionProof.hashes[${j}]`,
          get: (d) => obj(p(d).hashes),
          key: String(j),
        });
      }
    }
  });
  timestampsOf(doc).forEach((t, i) => {
    const unsigned = unsignedTokenBits(decodeBase64(String(t.signedTimestamp)));
    fields.push({
      path:
        `verificationMaterial.timestampVerificationData.rfc3161Timestamps[${i}].signedTimestamp`,
      get: (d) => timestampsOf(d)[i],
      key: "signedTimestamp",
      // A timestamp that does not verify establishes no time and is ignored (as sigstore-go and
      // sigstore-python do); the bundle still verifies when another verified time exists.
      tolerate: timestampsAreOnlyTime(f) && f.timestamps === 1
        ? undefined
        : "another verified time (a signed entry timestamp or another RFC 3161 timestamp) remains",
      // Parts of the token that nothing signs and no client relies on (see unsignedTokenBits).
      tolerateAt: unsigned,
    });
  });
  return fields;
}

/** One DER element: tag, and where its header, content and end are. */
interface Der {
  readonly tag: number;
  readonly start: number;
  readonly content: number;
  readonly end: number;
}

function derAt(bytes: Uint8Array, pos: number): Der {
  const tag = bytes[pos];
  let len = bytes[pos + 1];
  let content = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + bytes[pos + 2 + k];
    content += n;
  }
  return { tag, start: pos, content, end: content + len };
}

function derChildren(bytes: Uint8Array, parent: Der): Der[] {
  const out: Der[] = [];
  for (let pos = parent.content; pos < parent.end;) {
    const child = derAt(bytes, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/**
 * Which bit flips of an RFC 3161 token (a TimeStampResp or a bare ContentInfo) change only what
 * no signature covers and no client relies on, and why; every other flip must make the token
 * fail. Found by flipping every bit of real tokens:
 * - `PKIStatusInfo.status` 0 (granted) to 1 (grantedWithMods): both are success statuses;
 * - `SignedData.version`, `SignerInfo.version`, `SignedData.digestAlgorithms`: unsigned
 *   metadata; the signer's own `digestAlgorithm` (checked) is what counts;
 * - the `certificates` tag, and the tag, serial number and issuer of an embedded certificate: a
 *   certificate that no longer names the signer (`SignerInfo.sid`) is not the signer's, and is
 *   ignored in favour of the trusted root's pinned TSA certificate (lib/crypto/rfc3161.ts).
 */
function unsignedTokenBits(token: Uint8Array): (byte: number, bit: number) => string | undefined {
  const ranges: { from: number; to: number; bit?: number; why: string }[] = [];
  const add = (from: number, to: number, why: string, bit?: number) =>
    ranges.push({ from, to, why, bit });
  const outer = derAt(token, 0);
  let contentInfo = outer;
  const [first, second] = derChildren(token, outer);
  if (first.tag === 0x30) {
    // TimeStampResp { status PKIStatusInfo, timeStampToken }
    const status = derChildren(token, first)[0];
    add(status.content, status.end, "status granted (0) and grantedWithMods (1) both succeed", 0);
    contentInfo = second;
  }
  const explicit = derChildren(token, contentInfo)[1];
  const signedData = derChildren(token, explicit)[0];
  const parts = derChildren(token, signedData);
  add(parts[0].content, parts[0].end, "SignedData.version is not signed");
  add(parts[1].content, parts[1].end, "SignedData.digestAlgorithms is not signed");
  const certificates = parts.find((e) => e.tag === 0xa0);
  if (certificates) {
    const ignored = "an embedded certificate that no longer names the signer is ignored";
    add(certificates.start, certificates.start + 1, ignored);
    for (const cert of derChildren(token, certificates)) {
      add(cert.start, cert.start + 1, ignored);
      const tbs = derChildren(token, derChildren(token, cert)[0]);
      const fields = tbs[0].tag === 0xa0 ? tbs.slice(1) : tbs; // [serial, signature, issuer, …]
      add(fields[0].content, fields[0].end, ignored);
      add(fields[2].content, fields[2].end, ignored);
    }
  }
  const signerInfo = derChildren(token, parts[parts.length - 1])[0];
  const version = derChildren(token, signerInfo)[0];
  add(version.content, version.end, "SignerInfo.version is not signed");
  return (byte, bit) => {
    const hit = ranges.find((r) =>
      byte >= r.from && byte < r.to && (r.bit === undefined || r.bit === bit)
    );
    return hit ? `RFC 3161 token: ${hit.why}` : undefined;
  };
}

function flipBit(bytes: Uint8Array, byte: number, bit: number): Uint8Array {
  const out = bytes.slice();
  out[byte] ^= 1 << bit;
  return out;
}

/** A mutant that edits a clone of the case's bundle JSON. */
function edit(
  c: PassCase,
  category: Category,
  label: string,
  change: (doc: Json) => void,
  tolerate?: string,
): Mutant {
  return {
    caseId: c.id,
    category,
    label,
    expect: tolerate ? "tolerate" : "reject",
    why: tolerate,
    bundle: () => {
      const doc = structuredClone(c.doc);
      change(doc);
      return JSON.stringify(doc);
    },
  };
}

function base64Mutants(c: PassCase, f: Facts, seen: Set<string>): Mutant[] {
  const out: Mutant[] = [];
  for (const field of base64Fields(c.doc, f)) {
    const text = String(field.get(c.doc)[field.key]);
    const original = decodeBase64(text);
    // Merkle hashes are small and many: one random position each. Digests and log entry bodies
    // are hashed whole (any flip is another value): three. RFC 3161 tokens are few and rich in
    // structure: eight. Signatures, certificates, the rest: four.
    const hash = /hashes\[/.test(field.path);
    const count = hash
      ? 1
      : /rfc3161/.test(field.path)
      ? 8
      : /Digest|Body/.test(field.path)
      ? 3
      : 4;
    // Positions derive from the value, so evidence shared by several bundles (the same log
    // entry or certificate re-encoded as v0.1, v0.2, v0.3) is mutated the same way, once.
    const seed = `${field.key}|${text}`;
    for (const [byte, bit] of bitPositions(original.length, count, seed, !hash)) {
      const tolerate = field.tolerate ?? field.tolerateAt?.(byte, bit);
      const id = `${field.key}|${text}|${byte}:${bit}|${tolerate}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const mutated = encodeBase64(flipBit(original, byte, bit));
      out.push(edit(
        c,
        "base64-bitflip",
        `${field.path}: flip bit ${bit} of byte ${byte}/${original.length}`,
        (doc) => {
          field.get(doc)[field.key] = mutated;
        },
        tolerate,
      ));
    }
  }
  return out;
}

function shift(value: unknown, by: bigint): string {
  return String(BigInt(String(value)) + by);
}

function integerMutants(c: PassCase): Mutant[] {
  const out: Mutant[] = [];
  entriesOf(c.doc).forEach((e, i) => {
    const at = `tlogEntries[${i}]`;
    const entry = (d: Json) => entriesOf(d)[i];
    const hasSet = e.inclusionPromise !== undefined;
    for (const by of [-1n, 1n]) {
      const sign = by > 0n ? "+1" : "-1";
      out.push(edit(
        c,
        "integer-edit",
        `${at}.logIndex ${sign}`,
        (d) => {
          entry(d).logIndex = shift(e.logIndex, by);
        },
        // Only the signed entry timestamp covers the entry's own logIndex. Without one (Rekor
        // v2), the inclusion proof's logIndex is what is proven and the entry's is a lookup hint.
        hasSet ? undefined : "no signed entry timestamp covers tlogEntries[].logIndex",
      ));
      const proof = e.inclusionProof as Json | undefined;
      if (proof) {
        out.push(edit(c, "integer-edit", `${at}.inclusionProof.logIndex ${sign}`, (d) => {
          obj(entry(d).inclusionProof).logIndex = shift(proof.logIndex, by);
        }));
        out.push(edit(c, "integer-edit", `${at}.inclusionProof.treeSize ${sign}`, (d) => {
          obj(entry(d).inclusionProof).treeSize = shift(proof.treeSize, by);
        }));
      }
      // integratedTime is evidence only under a signed entry timestamp; Rekor v2 entries carry
      // none (0 or absent), so editing theirs changes nothing that is verified.
      if (hasSet) {
        for (const [name, step] of [["1 s", 1n], ["1 day", 86400n]] as const) {
          out.push(edit(
            c,
            "integer-edit",
            `${at}.integratedTime ${by > 0n ? "+" : "-"}${name}`,
            (d) => {
              entry(d).integratedTime = shift(e.integratedTime, by * step);
            },
          ));
        }
      }
    }
  });
  return out;
}

/** Which checkpoint signature lines are the log's own (the ones whose validity is load-bearing). */
async function logSignatureLines(
  c: PassCase,
  envelope: string,
  logIdB64: string,
): Promise<Set<number>> {
  const logId = decodeBase64(logIdB64);
  const [body, sigBlock] = [
    envelope.slice(0, envelope.indexOf("\n\n")),
    envelope.slice(envelope.indexOf("\n\n") + 2),
  ];
  const origin = body.split("\n")[0];
  const v1 = isRekorV1Origin(origin);
  const hints = new Set<string>();
  for (const root of c.roots) {
    for (const log of root.tlogs) {
      if (encodeHex(log.logId) !== encodeHex(logId)) continue;
      hints.add(encodeHex(log.logId.slice(0, 4)));
      if (log.checkpointKeyId) hints.add(encodeHex(log.checkpointKeyId.slice(0, 4)));
      hints.add(encodeHex(await computeCheckpointKeyHint(log, origin, v1)));
    }
  }
  const lines = new Set<number>();
  sigBlock.slice(0, -1).split("\n").forEach((line, n) => {
    const [, name, b64] = line.split(" ");
    const hint = encodeHex(decodeBase64(b64).slice(0, 4));
    if (hints.has(hint) && (v1 || name === origin)) lines.add(n);
  });
  return lines;
}

async function checkpointMutants(
  c: PassCase,
  seen: Set<string>,
  checkpoints: ReadonlyMap<string, readonly string[]>,
): Promise<Mutant[]> {
  const out: Mutant[] = [];
  const entries = entriesOf(c.doc);
  for (const [i, e] of entries.entries()) {
    const proof = e.inclusionProof as Json | undefined;
    const cp = proof?.checkpoint as Json | undefined;
    const envelope = cp?.envelope as string | undefined;
    if (!envelope) continue;
    // A checkpoint shared by several bundles (one log entry in several encodings) is edited once.
    const id = `${envelope}|${obj(e.logId).keyId}|${c.roots.map((r) => r.sha256).join()}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const at = `tlogEntries[${i}].inclusionProof.checkpoint`;
    const set = (text: string) => (d: Json) => {
      obj(obj(entriesOf(d)[i].inclusionProof).checkpoint).envelope = text;
    };
    const split = envelope.indexOf("\n\n");
    const bodyLines = envelope.slice(0, split).split("\n");
    const sigLines = envelope.slice(split + 2, -1).split("\n");
    const rebuild = (b: string[], s: string[]) => b.join("\n") + "\n\n" + s.join("\n") + "\n";
    const withBody = (n: number, text: string) => {
      const b = [...bodyLines];
      b[n] = text;
      return rebuild(b, sigLines);
    };
    const [origin, size, rootLine] = bodyLines;
    const v1 = isRekorV1Origin(origin);
    const add = (label: string, text: string, tolerate?: string) =>
      out.push(edit(c, "checkpoint-edit", `${at}: ${label}`, set(text), tolerate));

    add("origin + 'x'", withBody(0, origin + "x"));
    add("origin emptied", withBody(0, ""));
    add("size + 1", withBody(1, String(BigInt(size) + 1n)));
    add("size - 1", withBody(1, String(BigInt(size) - 1n)));
    const root = decodeBase64(rootLine);
    for (const [byte, bit] of bitPositions(root.length, 1, `${envelope}|root`, false)) {
      add(
        `root hash line: flip bit ${bit} of byte ${byte}`,
        withBody(2, encodeBase64(flipBit(root, byte, bit))),
      );
    }
    add("root hash line without padding", withBody(2, rootLine.replace(/=+$/, "")));
    if (bodyLines.length > 3) add("extra body line edited", withBody(3, bodyLines[3] + "x"));
    else add("extra body line added", rebuild([...bodyLines, "extra"], sigLines));
    if (bodyLines.length > 3) {
      add("body lines after the root hash removed", rebuild(bodyLines.slice(0, 3), sigLines));
    }
    add("blank line removed", bodyLines.join("\n") + "\n" + sigLines.join("\n") + "\n");
    add("all signature lines removed", bodyLines.join("\n") + "\n\n");

    const logLines = await logSignatureLines(c, envelope, String(obj(e.logId).keyId));
    const flipLine = (line: string, byte: number, bit: number) => {
      const [dash, name, b64] = line.split(" ");
      return [dash, name, encodeBase64(flipBit(decodeBase64(b64), byte, bit))].join(" ");
    };
    for (const [n, line] of sigLines.entries()) {
      const onlyLogLine = logLines.size === 1 && logLines.has(n);
      const why = onlyLogLine
        ? undefined
        : logLines.has(n)
        ? "another signature line from the log's key may carry the valid signature"
        : "a line without the log's key hint (a witness or unknown key) is ignored";
      const sig = decodeBase64(line.split(" ")[2]);
      // Ignored lines are only run for crashes: one flip is enough there.
      for (const [byte, bit] of bitPositions(sig.length, why ? 1 : 2, `${envelope}|sig${n}`)) {
        const s = [...sigLines];
        s[n] = flipLine(line, byte, bit);
        add(
          `signature line ${n}: flip bit ${bit} of byte ${byte} (hint is bytes 0-3)`,
          rebuild(bodyLines, s),
          why,
        );
      }
      const [dash, name, b64] = line.split(" ");
      const renamed = [...sigLines];
      renamed[n] = [dash, name + "x", b64].join(" ");
      add(
        `signature line ${n}: signer name + 'x'`,
        rebuild(bodyLines, renamed),
        // checkpoint.ts: Rekor v1 signature names are not bound (sigstore-go and rekor do not).
        why ?? (v1 ? "Rekor v1 checkpoint signature names are not bound to the origin" : undefined),
      );
      const dropped = sigLines.filter((_, k) => k !== n);
      if (dropped.length > 0) {
        add(`signature line ${n} removed`, rebuild(bodyLines, dropped), why);
      }
    }
    add(
      "every signature line: flip bit 0 of its last byte",
      rebuild(
        bodyLines,
        sigLines.map((l) => flipLine(l, decodeBase64(l.split(" ")[2]).length - 1, 0)),
      ),
    );
    add(
      "signature lines: '—' replaced by '-'",
      rebuild(bodyLines, sigLines.map((l) => l.replace("\u2014", "-"))),
    );
    out.push(edit(c, "checkpoint-edit", `${at}: envelope removed (checkpoint {})`, (d) => {
      obj(entriesOf(d)[i].inclusionProof).checkpoint = {};
    }));
    // A genuine checkpoint signed by the same log, but for another tree.
    const logId = String(obj(e.logId).keyId);
    const foreign = (checkpoints.get(logId) ?? []).find((other) =>
      other.split("\n")[2] !== rootLine
    );
    if (foreign) add("a genuine checkpoint of the same log for another tree", foreign);
  }
  return out;
}

function kindVersionMutants(c: PassCase): Mutant[] {
  const out: Mutant[] = [];
  const kinds = ["hashedrekord", "dsse", "intoto", "rekord"];
  const versions = ["0.0.1", "0.0.2", "0.0.3"];
  entriesOf(c.doc).forEach((e, i) => {
    const kv = obj(e.kindVersion);
    const at = `tlogEntries[${i}].kindVersion`;
    const setKv = (kind: unknown, version: unknown) => (d: Json) => {
      entriesOf(d)[i].kindVersion = { kind, version };
    };
    out.push(
      edit(c, "kind-version", `${at}: kind and version swapped`, setKv(kv.version, kv.kind)),
    );
    for (const k of kinds) {
      if (k !== kv.kind) {
        out.push(edit(c, "kind-version", `${at}.kind = ${k}`, setKv(k, kv.version)));
      }
    }
    for (const v of versions) {
      if (v !== kv.version) {
        out.push(edit(c, "kind-version", `${at}.version = ${v}`, setKv(kv.kind, v)));
      }
    }
    out.push(
      edit(
        c,
        "kind-version",
        `${at}.kind upper-cased`,
        setKv(String(kv.kind).toUpperCase(), kv.version),
      ),
    );
  });
  return out;
}

function dssePayloadMutants(c: PassCase): Mutant[] {
  const out: Mutant[] = [];
  const env = c.doc.dsseEnvelope as Json | undefined;
  if (env) {
    for (
      const type of [
        "application/vnd.in-toto+JSON",
        "",
      ]
    ) {
      out.push(
        edit(c, "dsse-payload", `dsseEnvelope.payloadType = ${JSON.stringify(type)}`, (d) => {
          obj(d.dsseEnvelope).payloadType = type;
        }),
      );
    }
    const payloadBytes = decodeBase64(String(env.payload));
    const statement = JSON.parse(new TextDecoder().decode(payloadBytes));
    const reencode = (s: unknown, indent?: number) =>
      encodeBase64(new TextEncoder().encode(JSON.stringify(s, null, indent)));
    // The same statement in other bytes: the signature covers bytes, not meaning.
    out.push(edit(c, "dsse-payload", "payload re-serialized with indentation", (d) => {
      obj(d.dsseEnvelope).payload = reencode(statement, 1);
    }));
    out.push(edit(c, "dsse-payload", "payload + a trailing newline", (d) => {
      obj(d.dsseEnvelope).payload = encodeBase64(new Uint8Array([...payloadBytes, 0x0a]));
    }));
    out.push(edit(c, "dsse-payload", "payload emptied", (d) => {
      obj(d.dsseEnvelope).payload = "";
    }));
    const rng = prng(`${c.id}|subject`);
    (statement.subject as { digest: Record<string, string> }[]).forEach((subject, s) => {
      for (const alg of Object.keys(subject.digest)) {
        const hex = subject.digest[alg];
        for (const pos of [rng.next(hex.length)]) {
          const changed = structuredClone(statement);
          const ch = hex[pos];
          const repl = ((parseInt(ch, 16) + 1 + rng.next(15)) % 16).toString(16);
          changed.subject[s].digest[alg] = hex.slice(0, pos) + repl + hex.slice(pos + 1);
          out.push(
            edit(
              c,
              "dsse-payload",
              `subject[${s}].digest.${alg}: hex digit ${pos} changed`,
              (d) => {
                obj(d.dsseEnvelope).payload = reencode(changed);
              },
            ),
          );
        }
      }
    });
    out.push(edit(c, "dsse-payload", "dsseEnvelope.signatures duplicated", (d) => {
      const sigs = obj(d.dsseEnvelope).signatures as Json[];
      sigs.push(structuredClone(sigs[0]));
    }));
    out.push(edit(c, "dsse-payload", "dsseEnvelope.signatures emptied", (d) => {
      obj(d.dsseEnvelope).signatures = [];
    }));
  }
  const ms = c.doc.messageSignature as Json | undefined;
  const md = ms?.messageDigest as Json | undefined;
  if (md) {
    for (const alg of ["SHA2_384", "SHA2_512", "HASH_ALGORITHM_UNSPECIFIED", "sha256"]) {
      out.push(edit(c, "dsse-payload", `messageDigest.algorithm = ${alg}`, (d) => {
        obj(obj(d.messageSignature).messageDigest).algorithm = alg;
      }));
    }
  }
  return out;
}

function dropMutants(c: PassCase, f: Facts): Mutant[] {
  const out: Mutant[] = [];
  const entries = entriesOf(c.doc);
  const add = (label: string, change: (d: Json) => void, tolerate?: string) =>
    out.push(edit(c, "drop-evidence", label, change, tolerate));
  if (entries.length > 0) {
    // Without --trusted-root the roots are public-good, then GitHub's instance, which lists no
    // logs. A certificate-signed bundle is judged under the root whose CA issued it (for every
    // bundle here with log entries, one that lists logs) and needs a verified time; a managed-key
    // bundle needs a verified log entry or timestamp under the root that accepts it. (Found by
    // this file: stripped of its entries, sgo-bundle-publish once verified under GitHub's root.)
    const mustReject = c.roots.every((r) => r.tlogs.length > 0) || f.certificateSigned ||
      f.timestamps === 0;
    const why = mustReject ? undefined : "a timestamp remains, and a root without logs is tried";
    add("tlogEntries dropped", (d) => {
      delete vmOf(d).tlogEntries;
    }, why);
    add("tlogEntries emptied ([])", (d) => {
      vmOf(d).tlogEntries = [];
    }, why);
  }
  entries.forEach((e, i) => {
    const at = `tlogEntries[${i}]`;
    if (e.inclusionProof) {
      add(
        `${at}.inclusionProof dropped`,
        (d) => {
          delete entriesOf(d)[i].inclusionProof;
        },
        // A v0.1 bundle needs only the inclusion promise (sjava-bundle.v1.no.inclusion passes).
        f.version === "0.1" ? "v0.1 bundles need only an inclusion promise" : undefined,
      );
      if (f.version !== "0.1") {
        if ((obj(e.inclusionProof).hashes as unknown[] | undefined)?.length) {
          add(`${at}.inclusionProof.hashes dropped`, (d) => {
            delete obj(entriesOf(d)[i].inclusionProof).hashes;
          });
        }
        add(`${at}.inclusionProof.checkpoint dropped`, (d) => {
          delete obj(entriesOf(d)[i].inclusionProof).checkpoint;
        });
      }
    }
    if (e.inclusionPromise) {
      const otherTime = f.timestamps > 0 || f.entriesWithSet > 1 || !f.certificateSigned;
      add(
        `${at}.inclusionPromise dropped`,
        (d) => {
          delete entriesOf(d)[i].inclusionPromise;
        },
        f.version === "0.1" || !otherTime
          ? undefined
          // v0.2+: the inclusion proof still shows inclusion; the time comes from elsewhere.
          : "the inclusion proof remains and another verified time exists",
      );
    }
    add(`${at}.canonicalizedBody dropped`, (d) => {
      delete entriesOf(d)[i].canonicalizedBody;
    });
  });
  if (f.timestamps > 0) {
    const only = timestampsAreOnlyTime(f);
    const why = only ? undefined : "a signed entry timestamp (or a managed key) remains";
    add("timestampVerificationData dropped", (d) => {
      delete vmOf(d).timestampVerificationData;
    }, why);
    add("rfc3161Timestamps emptied", (d) => {
      obj(vmOf(d).timestampVerificationData).rfc3161Timestamps = [];
    }, why);
  }
  const vm = vmOf(c.doc);
  if (vm.certificate) {
    add("verificationMaterial.certificate dropped", (d) => {
      delete vmOf(d).certificate;
    });
  }
  if (vm.x509CertificateChain) {
    add("x509CertificateChain emptied", (d) => {
      obj(vmOf(d).x509CertificateChain).certificates = [];
    });
    add("x509CertificateChain: leaf dropped", (d) => {
      (obj(vmOf(d).x509CertificateChain).certificates as Json[]).shift();
    });
  }
  if (vm.publicKey) {
    add("verificationMaterial.publicKey dropped", (d) => {
      delete vmOf(d).publicKey;
    });
  }
  const ms = c.doc.messageSignature as Json | undefined;
  if (ms) {
    add("messageSignature.signature dropped", (d) => {
      delete obj(d.messageSignature).signature;
    });
  }
  return out;
}

function duplicateMutants(c: PassCase, f: Facts): Mutant[] {
  const out: Mutant[] = [];
  // A repeated log entry: an exact repeat is the same evidence (de-duplicated; sigstore-go
  // rejects any repeat of a log id and index); a copy that differs is verified in its own right,
  // so a corrupted copy must fail the bundle wherever it stands.
  entriesOf(c.doc).forEach((e, i) => {
    const at = `tlogEntries[${i}]`;
    const copy = (
      label: string,
      change: (entry: Json) => void,
      options: { tolerate?: string; knownIssue?: string } = {},
    ) => {
      const add = (first: boolean) =>
        out.push({
          ...edit(
            c,
            "duplicate-evidence",
            `${at} repeated ${first ? "before" : "after"} itself, ${label}`,
            (d) => {
              const entry = structuredClone(e);
              change(entry);
              if (first) entriesOf(d).unshift(entry);
              else entriesOf(d).push(entry);
            },
            options.tolerate,
          ),
          knownIssue: first ? undefined : options.knownIssue,
        });
      add(false);
      if (!options.tolerate) add(true); // an exact repeat is the same wherever it stands
    };
    copy("exactly", () => {}, { tolerate: "an exact repeat of an entry is the same evidence" });
    const body = decodeBase64(String(e.canonicalizedBody));
    copy("the copy's canonicalizedBody with its last byte flipped", (entry) => {
      entry.canonicalizedBody = encodeBase64(flipBit(body, body.length - 1, 0));
    });
    if (e.inclusionPromise) {
      copy("the copy's integratedTime + 1 s", (entry) => {
        entry.integratedTime = shift(e.integratedTime, 1n);
      });
    }
    copy("the copy's kindVersion.version + '.1'", (entry) => {
      entry.kindVersion = { ...obj(e.kindVersion), version: `${obj(e.kindVersion).version}.1` };
    });
    const proof = e.inclusionProof as Json | undefined;
    if (proof) {
      copy("the copy's inclusionProof.treeSize + 1", (entry) => {
        obj(entry.inclusionProof).treeSize = shift(proof.treeSize, 1n);
      });
    }
  });
  timestampsOf(c.doc).forEach((t, i) => {
    out.push(edit(c, "duplicate-evidence", `rfc3161Timestamps[${i}] appended again`, (d) => {
      timestampsOf(d).push(structuredClone(t));
    }));
    out.push(edit(c, "duplicate-evidence", `rfc3161Timestamps[${i}] repeated first`, (d) => {
      timestampsOf(d).unshift(structuredClone(t));
    }));
  });
  // The same timestamp under different base64 spellings is still the same token.
  if (f.timestamps > 0) {
    out.push(
      edit(
        c,
        "duplicate-evidence",
        "rfc3161Timestamps[0] repeated as unpadded url-safe base64",
        (d) => {
          const ts = timestampsOf(d);
          const b64 = String(ts[0].signedTimestamp);
          ts.push({
            signedTimestamp: b64.replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_"),
          });
        },
      ),
    );
  }
  return out;
}

function mediaTypeMutants(c: PassCase, f: Facts): Mutant[] {
  const out: Mutant[] = [];
  for (const [name, type] of Object.entries(MEDIA)) {
    if (type === c.doc.mediaType) continue;
    const to = MEDIA_VERSION[type];
    // Decided by the format rules of lib/evidence/bundle.ts: a `certificate` field only in v0.3;
    // inclusion proofs required from v0.2; an inclusion promise required in v0.1. A relabelled
    // bundle that still follows the rules of its new version is as valid as the original (the
    // version changes no signed byte), so it is not asserted.
    const breaks = (f.certificateField && to !== "0.3") ||
      (to !== "0.1" && !f.allEntriesHaveProof) ||
      (to === "0.1" && !f.allEntriesHavePromise);
    out.push(edit(
      c,
      "media-type",
      `mediaType ${f.version} -> ${type} (${name})`,
      (d) => {
        d.mediaType = type;
      },
      breaks ? undefined : `the bundle also follows the v${to} format rules`,
    ));
  }
  for (const type of UNKNOWN_MEDIA_TYPES) {
    out.push(edit(c, "media-type", `mediaType = ${JSON.stringify(type)}`, (d) => {
      d.mediaType = type;
    }));
  }
  out.push(edit(c, "media-type", "mediaType removed", (d) => {
    delete d.mediaType;
  }));
  return out;
}

function wrongArtifactMutants(c: PassCase): Mutant[] {
  const out: Mutant[] = [];
  const add = (label: string, bytes: Uint8Array | undefined, sha256: () => Promise<Uint8Array>) =>
    out.push({
      caseId: c.id,
      category: "wrong-artifact",
      label,
      expect: "reject",
      bundle: () => c.bundleText,
      inputs: async () => ({ artifact: artifactInput(bytes, await sha256()) }),
    });
  const artifact = c.artifactBytes;
  if (artifact) {
    for (const [byte, bit] of bitPositions(artifact.length, 2, `${c.id}|artifact`)) {
      const bytes = flipBit(artifact, byte, bit);
      add(
        `artifact: flip bit ${bit} of byte ${byte}/${artifact.length}`,
        bytes,
        () => sha(bytes, "SHA-256"),
      );
    }
    const longer = new Uint8Array([...artifact, 0x0a]);
    add("artifact: a newline appended", longer, () => sha(longer, "SHA-256"));
    const shorter = artifact.slice(0, -1);
    add("artifact: last byte removed", shorter, () => sha(shorter, "SHA-256"));
  }
  // Digest mode (`sha256:<hex>`), as the conformance judge also runs it.
  for (const [byte, bit] of bitPositions(32, 1, `${c.id}|digest`, false)) {
    const digest = flipBit(c.artifactSha256, byte, bit);
    add(`sha256 digest: flip bit ${bit} of byte ${byte}`, undefined, () => Promise.resolve(digest));
  }
  return out;
}

/** A P-256 key nobody signed with: for managed-key cases, the wrong `--key`. */
async function strangerKey(): Promise<PublicKeyMaterial> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  return parsePublicKey(new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey)));
}

function wrongIdentityMutants(
  c: PassCase,
  others: readonly PassCase[],
  stranger: PublicKeyMaterial,
): Mutant[] {
  const out: Mutant[] = [];
  const add = (label: string, inputs: Partial<VerifyInputs>) =>
    out.push({
      caseId: c.id,
      category: "wrong-identity",
      label,
      expect: "reject",
      bundle: () => c.bundleText,
      inputs: () => Promise.resolve(inputs),
      signerOnly: !("key" in inputs),
    });
  if (c.key) {
    add("--key: a freshly generated P-256 key", { key: stranger });
    for (const o of others) {
      if (o.key && o.keyPem !== c.keyPem) add(`--key: the key of ${o.id}`, { key: o.key });
    }
    // No --key: a managed-key bundle cannot satisfy a certificate identity.
    add("no --key, an identity instead", {
      key: undefined,
      san: "https://example.com/x",
      issuer: "https://example.com",
    });
    return out;
  }
  const san = c.identity!;
  const issuer = c.issuer!;
  const sans: [string, string][] = [
    ["SAN + 'x'", san + "x"],
    ["SAN + '/'", san + "/"],
    ["'x' + SAN", "x" + san],
    ["SAN without its last character", san.slice(0, -1)],
    ["SAN without its first character", san.slice(1)],
    ["SAN with a trailing space", san + " "],
    ["SAN upper-cased", san.toUpperCase()],
    ["SAN with '@' replaced by '!'", san.replace("@", "!")],
    ["SAN with '!' replaced by '@'", san.replace("!", "@")],
    ["SAN without its @ref", san.replace(/@refs\/.*$/, "")],
    ["SAN as a regular expression", `^${san.replace(/[.]/g, "\\.")}$`],
    ["SAN = the issuer", issuer || "https://token.actions.githubusercontent.com"],
  ];
  for (const [label, value] of sans) {
    if (value !== san && value !== "") add(`identity: ${label}`, { san: value, issuer });
  }
  const issuers: [string, string][] = issuer === ""
    ? [
      [
        "issuer https://token.actions.githubusercontent.com (the certificate has none)",
        "https://token.actions.githubusercontent.com",
      ],
      ["issuer 'x'", "x"],
    ]
    : [
      ["issuer + '/'", issuer + "/"],
      ["issuer without its last character", issuer.slice(0, -1)],
      ["'x' + issuer", "x" + issuer],
      ["issuer upper-cased", issuer.toUpperCase()],
      ["issuer http:// instead of https://", issuer.replace(/^https:/, "http:")],
      ["issuer '' (demands a certificate without an issuer)", ""],
      [
        "issuer of another provider",
        issuer === "https://accounts.google.com"
          ? "https://github.com/login/oauth"
          : "https://accounts.google.com",
      ],
      ["issuer = the SAN", san],
    ];
  for (const [label, value] of issuers) {
    if (value !== issuer) add(`identity: ${label}`, { san, issuer: value });
  }
  add("a managed key given for a certificate bundle (--key)", {
    key: stranger,
    san: undefined,
    issuer: undefined,
  });
  return out;
}

/** Every mutant of every case, in a fixed order. */
export async function generateMutants(cases: readonly PassCase[]): Promise<Mutant[]> {
  const stranger = await strangerKey();
  const out: Mutant[] = [];
  const seen = new Set<string>();
  // Every checkpoint envelope in the corpus, by log id.
  const checkpoints = new Map<string, string[]>();
  for (const c of cases) {
    for (const e of entriesOf(c.doc)) {
      const envelope = obj(obj(e.inclusionProof ?? {}).checkpoint ?? {}).envelope;
      if (typeof envelope !== "string" || envelope === "") continue;
      const logId = String(obj(e.logId).keyId);
      checkpoints.set(logId, [...(checkpoints.get(logId) ?? []), envelope]);
    }
  }
  for (const c of cases) {
    const f = factsOf(c.doc);
    out.push(
      ...base64Mutants(c, f, seen),
      ...sharedEntry(c, integerMutants(c)),
      ...await checkpointMutants(c, seen, checkpoints),
      ...sharedEntry(c, kindVersionMutants(c)),
      ...dssePayloadMutants(c),
      ...dropMutants(c, f),
      ...sharedEntry(c, duplicateMutants(c, f).filter((m) => /^tlogEntries/.test(m.label))),
      ...duplicateMutants(c, f).filter((m) => !/^tlogEntries/.test(m.label)),
      ...mediaTypeMutants(c, f),
      ...wrongArtifactMutants(c),
      ...wrongIdentityMutants(c, cases, stranger),
    );
  }
  return out.filter((m) => {
    if (m.evidence === undefined) return true;
    if (seen.has(m.evidence)) return false;
    seen.add(m.evidence);
    return true;
  });
}

/** Tags mutants of a log entry with the entry they edit (see {@link Mutant.evidence}). */
function sharedEntry(c: PassCase, list: Mutant[]): Mutant[] {
  return list.map((m) => {
    const i = Number(/tlogEntries\[(\d+)\]/.exec(m.label)![1]);
    return { ...m, evidence: `${JSON.stringify(entriesOf(c.doc)[i])}|${m.label}|${m.expect}` };
  });
}
