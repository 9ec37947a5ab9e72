/**
 * Verifies a Sigstore bundle in the order the Sigstore client specification gives: transparency
 * log entries (body, SET, inclusion proof, checkpoint), trusted time (integrated time, RFC 3161
 * timestamps), the certificate chain at every verified time, SCTs, the signature itself, and the
 * binding of the signed content to the artifact. Pure: trust material, the artifact's digests
 * and the clock come in as arguments. Fails closed: any step that does not verify fails the
 * bundle, and a `catch` here never produces a pass.
 * @module
 */
import { bytesEqual, encodeHex } from "../crypto/bytes.ts";
import { digestBytesSync } from "../crypto/digest_bytes.ts";
import { certificatePublicKey } from "../crypto/asn1_certificate.ts";
import { parseCertificatePublicKey } from "../crypto/certificate_key.ts";
import { checkpointMatchesProof, parseCheckpoint, verifyCheckpoint } from "../crypto/checkpoint.ts";
import { hashLeaf, verifyInclusionProof } from "../crypto/merkle.ts";
import { verifySignedEntryTimestamp } from "../crypto/rekor_set.ts";
import { verifyRfc3161Timestamp } from "../crypto/rfc3161.ts";
import { verifyEmbeddedScts } from "../crypto/sct.ts";
import {
  type HashName,
  type PublicKeyMaterial,
  verifyPrehashed,
  verifySignature,
} from "../crypto/signature.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";
import {
  candidateIssuers,
  type ChainCache,
  createChainCache,
  primeCertificateChain,
  verifyCertificateChain,
} from "../crypto/x509_chain.ts";
import type { Bundle, TlogEntry } from "../evidence/bundle.ts";
import { encodePae, type InTotoStatement, parseInTotoStatement } from "../evidence/dsse.ts";
import { type CertificateIdentity, parseCertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { checkTlogBody, type DigestAlgorithm } from "./tlog_body.ts";
import type { ArtifactInput } from "../evidence/artifact.ts";

export type { ArtifactInput };

/** Artifacts up to this size are verified from their bytes (WebCrypto, off the main thread). */
const VERIFY_FROM_BYTES_LIMIT = 16 * 1024 * 1024;

/** Options that tighten verification. */
export interface BundleVerificationOptions {
  /** Trusted roots to try, in order (the bundle must verify completely against one of them). */
  readonly roots: readonly TrustedRoot[];
  /** A managed key (`--key`) for bundles signed without a certificate. */
  readonly key?: PublicKeyMaterial;
  /** Require at least one verified transparency-log entry (`--require-rekor`). */
  readonly requireTlog?: boolean;
}

/** A time established by verified evidence. */
export interface VerifiedTime {
  /** What established it: a transparency-log entry or an RFC 3161 timestamp authority. */
  readonly source: "tlog" | "timestamp-authority";
  /** The time established. */
  readonly time: Date;
  /** Where it came from: log URL and index, or the TSA's name. */
  readonly detail: string;
}

/** A transparency-log entry that verified. */
export interface VerifiedTlogEntry {
  /** The base URL of the trusted log that holds the entry. */
  readonly logUrl: string;
  /** The entry's index in that log. */
  readonly logIndex: bigint;
  /** The entry kind and its version, `KIND/VERSION` (e.g. `hashedrekord/0.0.1`). */
  readonly kind: string;
  /** How inclusion was shown: a signed entry timestamp, an inclusion proof with checkpoint, or both. */
  readonly inclusion: readonly ("set" | "proof")[];
}

/** What a bundle that verified establishes. */
export interface VerifiedBundle {
  /** The trusted root the bundle verified against. */
  readonly root: TrustedRoot;
  /** The signer's certificate identity (certificate bundles). */
  readonly identity?: CertificateIdentity;
  /** True when the bundle was signed by the managed key given in the options. */
  readonly managedKey: boolean;
  /** The times verified evidence established for the signature. */
  readonly times: readonly VerifiedTime[];
  /** The transparency-log entries that verified. */
  readonly tlogEntries: readonly VerifiedTlogEntry[];
  /** SCTs verified (0 when the root publishes no CT logs, as GitHub's instance does). */
  readonly scts: number;
  /** The in-toto statement (DSSE bundles). */
  readonly statement?: InTotoStatement;
  /** Which digest bound the artifact: `sha256` message digest, or the in-toto subject that matched. */
  readonly artifactBinding: string;
  /** RFC 3161 timestamps that did not verify and so established no time. */
  readonly ignoredTimestamps: readonly IgnoredTimestamp[];
}

/** A timestamp that did not verify, with why. */
export interface IgnoredTimestamp {
  /** Its position among the bundle's RFC 3161 timestamps (0-based). */
  readonly index: number;
  /** Stable kebab-case code of why it did not verify. */
  readonly code: string;
  /** Why it did not verify, for a person. */
  readonly message: string;
}

/** A failed bundle verification also says which root it was judged against. */
export type BundleVerification =
  | { readonly ok: true; readonly value: VerifiedBundle }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly root?: string };

const HASH_NAMES: Readonly<Record<string, DigestAlgorithm>> = {
  SHA2_256: "sha256",
  SHA2_384: "sha384",
  SHA2_512: "sha512",
};

/** The artifact's digest under `algorithm`, or `undefined` when it cannot be computed. */
async function artifactDigest(
  artifact: ArtifactInput,
  algorithm: DigestAlgorithm,
): Promise<Uint8Array | undefined> {
  return algorithm === "sha256" ? artifact.sha256 : await artifact.digest?.(algorithm);
}

/**
 * Verifies `bundle` against `artifact` under each trusted root in turn; the first root under
 * which every step passes wins. When none does, the most telling failure is returned: the one
 * from the root under which verification got furthest (a root that verified the log entries,
 * the time and the certificate explains the failure better than one that knew none of them).
 */
export async function verifyBundle(
  bundle: Bundle,
  artifact: ArtifactInput,
  options: BundleVerificationOptions,
): Promise<BundleVerification> {
  if (options.roots.length === 0) {
    return fail("no-trusted-root", "no trusted root to verify against");
  }
  // Work that needs neither a root nor the parsed certificate starts before the certificate is
  // parsed (the costliest step on this thread), so that the two overlap: the content signature,
  // whose key is read from the certificate's own SubjectPublicKeyInfo bytes, the first root's
  // log entries and the leaf's signature by its issuer. Everything is judged later, in the
  // specification's order.
  const chainCache = createChainCache();
  const early = startEarly(bundle, artifact, options, chainCache);
  const context = prepareBundle(bundle, options, chainCache);
  if (!context.ok) return context;
  const content = early.content && early.signingKey === context.value.signingKey
    ? early.content
    : settle(verifyContent(bundle, artifact, context.value.signingKey));
  let best: { code: string; message: string; root: string; stage: number } | undefined;
  for (const [i, root] of options.roots.entries()) {
    const progress = { stage: 0 };
    const result = await verifyUnderRoot(
      bundle,
      artifact,
      root,
      options,
      context.value,
      content,
      progress,
      i === 0 ? early.entries : undefined,
    );
    if (result.ok) return result;
    if (!best || progress.stage > best.stage) {
      best = { code: result.code, message: result.message, root: root.name, stage: progress.stage };
    }
  }
  if (!best) return fail("no-trusted-root", "no trusted root to verify against");
  const where = options.roots.length > 1 ? ` (judged against trusted root '${best.root}')` : "";
  return { ok: false, code: best.code, message: best.message + where, root: best.root };
}

/** Verifications started before the bundle's certificate is parsed (see {@link verifyBundle}). */
interface EarlyWork {
  readonly signingKey?: PublicKeyMaterial;
  readonly content?: Settled<Verified<{ binding: string; statement?: InTotoStatement }>>;
  /** The first root's log entry checks, in {@link dedupeEntries} order. */
  readonly entries?: readonly Settled<
    Verified<TlogEntryOutcome>
  >[];
}

function startEarly(
  bundle: Bundle,
  artifact: ArtifactInput,
  options: BundleVerificationOptions,
  chainCache: ChainCache,
): EarlyWork {
  let signingKey: PublicKeyMaterial | undefined;
  let verifierDer: Uint8Array | undefined;
  if (bundle.key.kind === "certificate") {
    try {
      signingKey = certificatePublicKey(bundle.key.leaf);
      verifierDer = bundle.key.leaf;
    } catch {
      return {}; // prepareBundle reports it
    }
    // The leaf's signature by its issuer (the slowest check, P-384 for Fulcio) starts too.
    primeCertificateChain(bundle.key.leaf, options.roots[0].certificateAuthorities, chainCache);
  } else if (options.key) {
    signingKey = options.key;
    verifierDer = options.key.spki;
  }
  if (!signingKey || !verifierDer) return {};
  const der = verifierDer;
  return {
    signingKey,
    content: settle(verifyContent(bundle, artifact, signingKey)),
    entries: dedupeEntries(bundle.tlogEntries).map((entry) =>
      settle(verifyTlogEntry(entry, bundle, options.roots[0], der, artifact))
    ),
  };
}

/** A log entry that verified: what it shows, and the time it establishes (a SET's). */
interface TlogEntryOutcome {
  readonly entry: VerifiedTlogEntry;
  readonly time?: VerifiedTime;
  /**
   * An integrated time no SET signs (an entry shown by its inclusion proof alone). It establishes
   * no time, but the certificate must still hold at it, as sigstore-go requires.
   */
  readonly unsignedTime?: Date;
}

/** What a bundle's key material gives, parsed once for all roots. */
interface BundleContext {
  readonly signingKey: PublicKeyMaterial;
  /** DER of the certificate, or the managed key's SPKI (what the log must record). */
  readonly verifierDer: Uint8Array;
  readonly identity?: CertificateIdentity;
  /** The chain checks' shared work for this bundle (never shared between bundles). */
  readonly chainCache: ChainCache;
}

function prepareBundle(
  bundle: Bundle,
  options: BundleVerificationOptions,
  chainCache: ChainCache,
): Verified<BundleContext> {
  if (bundle.key.kind === "certificate") {
    const key = parseCertificatePublicKey(bundle.key.leaf);
    if (!key.ok) return key;
    let identity: CertificateIdentity;
    try {
      identity = parseCertificateIdentity(bundle.key.leaf);
    } catch (error) {
      return fail("certificate-malformed", `the signing certificate: ${(error as Error).message}`);
    }
    return ok({
      signingKey: key.value,
      verifierDer: bundle.key.leaf,
      identity,
      chainCache,
    });
  }
  if (!options.key) {
    return fail(
      "key-required",
      "the bundle is signed with a managed key (no certificate); pass the public key with --key",
    );
  }
  return ok({
    signingKey: options.key,
    verifierDer: options.key.spki,
    chainCache,
  });
}

/** A promise's outcome captured, so work can start early and be judged later, in order. */
type Settled<T> = Promise<{ value: T } | { error: unknown }>;

function settle<T>(promise: Promise<T>): Settled<T> {
  return promise.then((value) => ({ value }), (error) => ({ error }));
}

async function unsettle<T>(settled: Settled<T>): Promise<T> {
  const outcome = await settled;
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

/**
 * Drops exact repeats of an entry (every field equal), so a duplicated entry counts once.
 * Entries that share a log index but differ in anything (body, time, proof, kind) are all kept,
 * and so all verified: which copy is checked never depends on order.
 */
function dedupeEntries(entries: readonly TlogEntry[]): readonly TlogEntry[] {
  if (entries.length < 2) return entries;
  const seen = new Set<string>();
  const out: TlogEntry[] = [];
  for (const e of entries) {
    const id = JSON.stringify(
      e,
      (_key, value) =>
        typeof value === "bigint"
          ? `n${value}`
          : value instanceof Uint8Array
          ? `b${encodeHex(value)}`
          : value,
    );
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(e);
  }
  return out;
}

function signatureBytes(bundle: Bundle): Uint8Array {
  return bundle.content.kind === "messageSignature"
    ? bundle.content.signature
    : bundle.content.signatures[0].sig;
}

async function verifyUnderRoot(
  bundle: Bundle,
  artifact: ArtifactInput,
  root: TrustedRoot,
  options: BundleVerificationOptions,
  context: BundleContext,
  content: Settled<Verified<{ binding: string; statement?: InTotoStatement }>>,
  progress: { stage: number },
  earlyEntries?: EarlyWork["entries"],
): Promise<BundleVerification> {
  const { verifierDer, identity } = context;
  // Work that needs no verified time starts now and overlaps the log and timestamp checks; it is
  // judged later, in the specification's order.
  let earlyScts: Promise<{ issuer?: Uint8Array; result?: Verified<{ verified: number }> }> = Promise
    .resolve({});
  if (bundle.key.kind === "certificate") {
    const leaf = bundle.key.leaf;
    primeCertificateChain(leaf, root.certificateAuthorities, context.chainCache);
    if (root.ctlogs.length > 0) {
      earlyScts = candidateIssuers(leaf, root.certificateAuthorities).then(async (issuers) =>
        issuers.length === 1
          ? {
            issuer: issuers[0],
            result: await verifyEmbeddedScts(leaf, issuers[0], root.ctlogs, 1),
          }
          : {}
      ).catch(() => ({}));
    }
  }
  progress.stage = 1;

  // 2. Transparency-log entries: body, SET, inclusion proof + checkpoint.
  const times: VerifiedTime[] = [];
  const verifiedEntries: VerifiedTlogEntry[] = [];
  const timestampResults = Promise.all(
    bundle.timestamps.map((token) =>
      verifyRfc3161Timestamp(token, signatureBytes(bundle), root.timestampAuthorities)
    ),
  );
  const entryResults = await Promise.all(
    earlyEntries?.map(unsettle) ??
      dedupeEntries(bundle.tlogEntries).map((entry) =>
        verifyTlogEntry(entry, bundle, root, verifierDer, artifact)
      ),
  );
  for (const result of entryResults) {
    if (!result.ok) return result;
    verifiedEntries.push(result.value.entry);
    if (result.value.time) times.push(result.value.time);
    const unsigned = result.value.unsignedTime;
    if (
      unsigned && identity &&
      (Number.isNaN(unsigned.getTime()) || unsigned < identity.notBefore ||
        unsigned > identity.notAfter)
    ) {
      return fail(
        "certificate-expired",
        `tlog entry ${result.value.entry.logIndex}: its integrated time ` +
          `${unsigned.toISOString()} is outside the signing certificate's validity ` +
          `${identity.notBefore.toISOString()}..${identity.notAfter.toISOString()}`,
      );
    }
  }
  const tlogRequired = options.requireTlog || root.tlogs.length > 0;
  if (tlogRequired && verifiedEntries.length === 0) {
    return fail(
      "tlog-missing",
      options.requireTlog
        ? "no transparency-log entry: Rekor evidence is required (--require-rekor or policy)"
        : `no transparency-log entry, but trusted root '${root.name}' expects one`,
    );
  }

  progress.stage = 2;

  // 3. RFC 3161 timestamps over the signature bytes. A byte-identical repeat is rejected; a
  // timestamp that does not verify establishes no time and is reported, not counted (as
  // sigstore-go and sigstore-python do). The certificate must then hold at every verified time.
  const seenTokens = new Set<string>();
  const ignoredTimestamps: IgnoredTimestamp[] = [];
  for (const [i, token] of bundle.timestamps.entries()) {
    const id = encodeHex(digestBytesSync(token));
    if (seenTokens.has(id)) {
      return fail("timestamp-duplicate", `rfc3161Timestamps[${i}] repeats an earlier timestamp`);
    }
    seenTokens.add(id);
  }
  for (const [i, ts] of (await timestampResults).entries()) {
    if (!ts.ok) {
      ignoredTimestamps.push({ index: i, code: ts.code, message: ts.message });
      continue;
    }
    times.push({
      source: "timestamp-authority",
      time: ts.value.time,
      detail: ts.value.authority.subject.commonName ?? ts.value.authority.uri,
    });
  }
  if (bundle.key.kind === "publicKey" && times.length === 0 && verifiedEntries.length === 0) {
    return fail(
      "no-verified-time",
      "a managed-key signature with no verified transparency-log entry and no verified timestamp: " +
        `nothing under trusted root '${root.name}' shows when (or that publicly) it was signed`,
    );
  }
  if (bundle.key.kind === "certificate" && times.length === 0) {
    const why = ignoredTimestamps.map((t) =>
      `; rfc3161Timestamps[${t.index}]: ${t.message} [${t.code}]`
    )
      .join("");
    return fail(
      ignoredTimestamps.length === 1 ? ignoredTimestamps[0].code : "no-verified-time",
      "no verified signing time: the bundle has no signed entry timestamp and no RFC 3161 timestamp " +
        `that verifies, so the short-lived certificate cannot be checked${why}`,
    );
  }

  progress.stage = 3;

  // 4. Certificate chain at every verified time, then SCTs.
  let scts = 0;
  if (bundle.key.kind === "certificate") {
    const leaf = bundle.key.leaf;
    let issuer: Uint8Array | undefined;
    const chains = await Promise.all(
      times.map((t) =>
        verifyCertificateChain(
          leaf,
          root.certificateAuthorities,
          t.time,
          context.chainCache,
        )
      ),
    );
    for (const [i, chain] of chains.entries()) {
      const t = times[i];
      if (!chain.ok) {
        return fail(
          chain.code,
          `at ${t.time.toISOString()} (${t.source}: ${t.detail}): ${chain.message}`,
        );
      }
      issuer = chain.value.issuer;
    }
    progress.stage = 4;
    if (root.ctlogs.length > 0) {
      const early = await earlyScts;
      const sct = early.issuer && early.result && bytesEqual(early.issuer, issuer!)
        ? early.result
        : await verifyEmbeddedScts(leaf, issuer!, root.ctlogs, 1);
      if (!sct.ok) return sct;
      scts = sct.value.verified;
    }
  }

  progress.stage = 5;

  // 5. The signature and the artifact binding (started before the roots were tried).
  const binding = await unsettle(content);
  if (!binding.ok) return binding;

  return ok({
    root,
    identity,
    managedKey: bundle.key.kind === "publicKey",
    times,
    tlogEntries: verifiedEntries,
    scts,
    statement: binding.value.statement,
    artifactBinding: binding.value.binding,
    ignoredTimestamps,
  });
}

async function verifyTlogEntry(
  entry: TlogEntry,
  bundle: Bundle,
  root: TrustedRoot,
  verifierDer: Uint8Array,
  artifact: ArtifactInput,
): Promise<Verified<TlogEntryOutcome>> {
  const where = `tlog entry ${entry.logIndex}`;
  const log = root.tlogs.find((l) => bytesEqual(l.logId, entry.logId));
  if (!log) {
    return fail(
      "tlog-unknown-log",
      `${where}: log id ${
        encodeHex(entry.logId).slice(0, 16)
      }… is not a log in trusted root '${root.name}'`,
    );
  }
  const messageDigest = bundle.content.kind === "messageSignature"
    ? bundle.content.messageDigest
    : undefined;
  const body = await checkTlogBody(entry, {
    content: bundle.content,
    verifierDer,
    artifactDigest: (algorithm) => artifactDigest(artifact, algorithm),
    messageDigestAlgorithm: messageDigest && HASH_NAMES[messageDigest.algorithm],
  });
  if (!body.ok) return fail(body.code, `${where}: ${body.message}`);

  // The SET and the checkpoint signature are independent: verify them concurrently, judge them
  // in order.
  const setResult = entry.signedEntryTimestamp && entry.integratedTime !== undefined
    ? verifySignedEntryTimestamp({
      set: entry.signedEntryTimestamp,
      canonicalizedBody: entry.canonicalizedBody,
      integratedTime: entry.integratedTime,
      logIndex: entry.logIndex,
      logId: entry.logId,
    }, root.tlogs)
    : undefined;
  const proof = entry.inclusionProof;
  const checkpoint = proof?.checkpoint ? parseCheckpoint(proof.checkpoint) : undefined;
  const checkpointSignature = checkpoint?.ok
    ? verifyCheckpoint(checkpoint.value, root.tlogs, { logId: entry.logId })
    : undefined;

  const inclusion: ("set" | "proof")[] = [];
  let time: VerifiedTime | undefined;
  if (entry.signedEntryTimestamp) {
    if (entry.integratedTime === undefined || !setResult) {
      return fail(
        "tlog-set-invalid",
        `${where}: a signed entry timestamp without an integrated time`,
      );
    }
    const set = await setResult;
    if (!set.ok) return fail(set.code, `${where}: ${set.message}`);
    inclusion.push("set");
    time = {
      source: "tlog",
      time: new Date(Number(entry.integratedTime) * 1000),
      detail: `${log.baseUrl} entry ${entry.logIndex}`,
    };
  }
  if (proof) {
    if (!checkpoint) {
      return fail("checkpoint-missing", `${where}: the inclusion proof has no checkpoint`);
    }
    if (!checkpoint.ok) return fail(checkpoint.code, `${where}: ${checkpoint.message}`);
    const signed = await checkpointSignature!;
    if (!signed.ok) return fail(signed.code, `${where}: ${signed.message}`);
    const sameTree = checkpointMatchesProof(checkpoint.value, proof);
    if (!sameTree.ok) return fail(sameTree.code, `${where}: ${sameTree.message}`);
    const included = await verifyInclusionProof({
      leafHash: await hashLeaf(entry.canonicalizedBody),
      index: proof.logIndex,
      treeSize: proof.treeSize,
      hashes: [...proof.hashes],
      rootHash: proof.rootHash,
    });
    if (!included.ok) return fail(included.code, `${where}: ${included.message}`);
    inclusion.push("proof");
  }
  if (inclusion.length === 0) {
    return fail(
      "tlog-inclusion-unverified",
      `${where}: neither a signed entry timestamp nor an inclusion proof shows the entry is in the log`,
    );
  }
  return ok({
    entry: {
      logUrl: log.baseUrl,
      logIndex: entry.logIndex,
      kind: `${entry.kind}/${entry.kindVersion}`,
      inclusion,
    },
    time,
    unsignedTime: !time && entry.integratedTime !== undefined && entry.integratedTime > 0n
      ? new Date(Number(entry.integratedTime) * 1000)
      : undefined,
  });
}

/**
 * A message signature is made over the artifact hashed with the key's own hash (SHA-256 for
 * P-256 and RSA, SHA-384 for P-384, SHA-512 for P-521); signatures over the SHA-256 are accepted
 * for P-384 and P-521 keys too, as sigstore-go's compatibility verifier does for every bundle
 * version so far. Ed25519 signs the message itself. The hash is never taken from the bundle: the
 * digest the bundle or the log records is bound to the artifact separately.
 */
async function verifyMessageSignature(
  key: PublicKeyMaterial,
  artifact: ArtifactInput,
  signature: Uint8Array,
): Promise<Verified<void>> {
  if (key.algorithm === "ed25519") {
    if (!artifact.readAll) {
      return fail(
        "signature-needs-artifact",
        "an Ed25519 message signature can only be checked against the artifact's bytes, not its digest",
      );
    }
    return await verifySignature(key, await artifact.readAll(), signature) ? ok(undefined) : fail(
      "signature-invalid",
      "the Ed25519 message signature does not verify for this artifact",
    );
  }
  const hashes: HashName[] = key.defaultHash === "SHA-256"
    ? ["SHA-256"]
    : ["SHA-256", key.defaultHash];
  const uncomputable: HashName[] = [];
  if (
    artifact.readAll && artifact.size !== undefined && artifact.size <= VERIFY_FROM_BYTES_LIMIT
  ) {
    const bytes = await artifact.readAll();
    if (!bytesEqual(digestBytesSync(bytes), artifact.sha256)) {
      return fail("artifact-mismatch", "the artifact changed while it was being verified");
    }
    for (const hash of hashes) {
      if (await verifySignature(key, bytes, signature, hash)) return ok(undefined);
    }
  } else {
    for (const hash of hashes) {
      const digest = await artifactDigest(artifact, DIGEST_NAMES[hash]);
      if (!digest) {
        uncomputable.push(hash);
        continue;
      }
      if (await verifyPrehashed(key, digest, signature, hash)) return ok(undefined);
    }
  }
  return fail(
    "signature-invalid",
    `the message signature does not verify for this artifact (sha256 ${
      encodeHex(artifact.sha256)
    }) with the signer's key` +
      (uncomputable.length > 0
        ? ` (a ${uncomputable.join(" or ")} signature could not be checked: only the artifact's ` +
          "sha256 is known; pass the artifact file)"
        : ""),
  );
}

const DIGEST_NAMES: Readonly<Record<HashName, DigestAlgorithm>> = {
  "SHA-256": "sha256",
  "SHA-384": "sha384",
  "SHA-512": "sha512",
};

async function verifyContent(
  bundle: Bundle,
  artifact: ArtifactInput,
  key: PublicKeyMaterial,
): Promise<Verified<{ binding: string; statement?: InTotoStatement }>> {
  const content = bundle.content;
  if (content.kind === "messageSignature") {
    let name: DigestAlgorithm = "sha256";
    if (content.messageDigest) {
      const algorithm = content.messageDigest.algorithm;
      if (!Object.hasOwn(HASH_NAMES, algorithm)) {
        return fail(
          "artifact-digest-unsupported",
          `messageDigest algorithm ${algorithm} is not supported (SHA2_256, SHA2_384, SHA2_512)`,
        );
      }
      name = HASH_NAMES[algorithm];
      const mine = await artifactDigest(artifact, name);
      if (!mine) {
        return fail(
          "signature-needs-artifact",
          `the bundle signs the artifact's ${name}, which cannot be computed from its sha256 ` +
            "alone: pass the artifact file",
        );
      }
      if (!bytesEqual(content.messageDigest.digest, mine)) {
        return fail(
          "artifact-mismatch",
          `the bundle signs ${name} ${encodeHex(content.messageDigest.digest)}, ` +
            `but the artifact's ${name} is ${encodeHex(mine)}`,
        );
      }
    }
    const valid = await verifyMessageSignature(key, artifact, content.signature);
    if (!valid.ok) return valid;
    return ok({ binding: `${name} (message signature)` });
  }

  const pae = encodePae(content.payloadType, content.payload);
  if (!await verifySignature(key, pae, content.signatures[0].sig)) {
    return fail(
      "signature-invalid",
      "the DSSE envelope signature does not verify with the signer's key",
    );
  }
  if (content.payloadType !== "application/vnd.in-toto+json") {
    return fail(
      "dsse-unsupported-payload",
      `DSSE payloadType ${content.payloadType} is not an in-toto statement`,
    );
  }
  const statement = parseInTotoStatement(content.payload);
  if (!statement.ok) return statement;
  const digests: Record<string, Uint8Array | undefined> = { sha256: artifact.sha256 };
  for (const subject of statement.value.subjects) {
    for (const [alg, value] of Object.entries(subject.digest)) {
      if (alg !== "sha256" && alg !== "sha384" && alg !== "sha512") continue;
      if (!(alg in digests) && alg !== "sha256") digests[alg] = await artifact.digest?.(alg);
      const mine = digests[alg];
      if (mine && bytesEqual(mine, value)) {
        return ok({
          binding: `${alg} of in-toto subject '${subject.name}'`,
          statement: statement.value,
        });
      }
    }
  }
  const listed = statement.value.subjects.map((s) =>
    `${s.name || "(unnamed)"} [${
      Object.entries(s.digest).map(([a, v]) => `${a}:${encodeHex(v).slice(0, 16)}…`).join(", ")
    }]`
  ).join("; ");
  return fail(
    "subject-digest-mismatch",
    `the artifact (sha256 ${
      encodeHex(artifact.sha256)
    }) is none of the statement's subjects: ${listed}`,
  );
}
