/**
 * Verifies a Sigstore bundle in the order the Sigstore client specification gives: transparency
 * log entries (body, SET, inclusion proof, checkpoint), trusted time (integrated time, RFC 3161
 * timestamps), the certificate chain at every verified time, SCTs, the signature itself, and the
 * binding of the signed content to the artifact. Pure: trust material, the artifact's digests
 * and the clock come in as arguments. Fails closed: any step that does not verify fails the
 * bundle, and a `catch` here never produces a pass.
 * @module
 */
import { bytesEqual, digestBytes, encodeHex } from "../crypto/bytes.ts";
import { parseCertificatePublicKey } from "../crypto/certificate_key.ts";
import { checkpointMatchesProof, parseCheckpoint, verifyCheckpoint } from "../crypto/checkpoint.ts";
import { hashLeaf, verifyInclusionProof } from "../crypto/merkle.ts";
import { verifySignedEntryTimestamp } from "../crypto/rekor_set.ts";
import { verifyRfc3161Timestamp } from "../crypto/rfc3161.ts";
import { verifyEmbeddedScts } from "../crypto/sct.ts";
import { type PublicKeyMaterial, verifyPrehashed, verifySignature } from "../crypto/signature.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";
import { verifyCertificateChain } from "../crypto/x509_chain.ts";
import type { Bundle, TlogEntry } from "../evidence/bundle.ts";
import { encodePae, type InTotoStatement, parseInTotoStatement } from "../evidence/dsse.ts";
import { type CertificateIdentity, parseCertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { checkTlogBody } from "./tlog_body.ts";

/** The artifact a bundle is checked against: its digests, and its bytes where available. */
export interface ArtifactInput {
  /** SHA-256 of the artifact: always known (computed while streaming, or given as a digest). */
  readonly sha256: Uint8Array;
  /** Other digests, when they can be computed (a file) or are known. */
  digest?(algorithm: "sha384" | "sha512"): Promise<Uint8Array | undefined>;
  /** The whole artifact, for schemes that sign messages rather than digests (Ed25519). */
  readAll?(): Promise<Uint8Array>;
}

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
  readonly source: "tlog" | "timestamp-authority";
  readonly time: Date;
  /** Where it came from: log URL and index, or the TSA's name. */
  readonly detail: string;
}

/** A transparency-log entry that verified. */
export interface VerifiedTlogEntry {
  readonly logUrl: string;
  readonly logIndex: bigint;
  readonly kind: string;
  /** How inclusion was shown: a signed entry timestamp, an inclusion proof with checkpoint, or both. */
  readonly inclusion: readonly ("set" | "proof")[];
}

/** What a bundle that verified establishes. */
export interface VerifiedBundle {
  readonly root: TrustedRoot;
  /** The signer's certificate identity (certificate bundles). */
  readonly identity?: CertificateIdentity;
  /** True when the bundle was signed by the managed key given in the options. */
  readonly managedKey: boolean;
  readonly times: readonly VerifiedTime[];
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
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

/** A failed bundle verification also says which root it was judged against. */
export type BundleVerification =
  | { readonly ok: true; readonly value: VerifiedBundle }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly root?: string };

const HASH_NAMES: Record<string, "sha256" | "sha384" | "sha512"> = {
  SHA2_256: "sha256",
  SHA2_384: "sha384",
  SHA2_512: "sha512",
};

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
  let best: { code: string; message: string; root: string; stage: number } | undefined;
  for (const root of options.roots) {
    const progress = { stage: 0 };
    const result = await verifyUnderRoot(bundle, artifact, root, options, progress);
    if (result.ok) return result;
    if (!best || progress.stage > best.stage) {
      best = { code: result.code, message: result.message, root: root.name, stage: progress.stage };
    }
  }
  if (!best) return fail("no-trusted-root", "no trusted root to verify against");
  const where = options.roots.length > 1 ? ` (judged against trusted root '${best.root}')` : "";
  return { ok: false, code: best.code, message: best.message + where, root: best.root };
}

/**
 * Drops exact repeats of an entry (every field equal), so a duplicated entry counts once.
 * Entries that share a log index but differ in anything (body, time, proof, kind) are all kept,
 * and so all verified: which copy is checked never depends on order.
 */
function dedupeEntries(entries: readonly TlogEntry[]): TlogEntry[] {
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
  progress: { stage: number },
): Promise<BundleVerification> {
  // 1. Key material.
  let signingKey: PublicKeyMaterial;
  let verifierDer: Uint8Array;
  let identity: CertificateIdentity | undefined;
  if (bundle.key.kind === "certificate") {
    const key = parseCertificatePublicKey(bundle.key.leaf);
    if (!key.ok) return key;
    signingKey = key.value;
    verifierDer = bundle.key.leaf;
    try {
      identity = parseCertificateIdentity(bundle.key.leaf);
    } catch (error) {
      return fail("certificate-malformed", `the signing certificate: ${(error as Error).message}`);
    }
  } else {
    if (!options.key) {
      return fail(
        "key-required",
        "the bundle is signed with a managed key (no certificate); pass the public key with --key",
      );
    }
    signingKey = options.key;
    verifierDer = options.key.spki;
  }

  progress.stage = 1;

  // 2. Transparency-log entries: body, SET, inclusion proof + checkpoint.
  const times: VerifiedTime[] = [];
  const verifiedEntries: VerifiedTlogEntry[] = [];
  for (const entry of dedupeEntries(bundle.tlogEntries)) {
    const result = await verifyTlogEntry(entry, bundle, root, verifierDer, artifact.sha256);
    if (!result.ok) return result;
    verifiedEntries.push(result.value.entry);
    if (result.value.time) times.push(result.value.time);
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
    const id = encodeHex(await digestBytes(token));
    if (seenTokens.has(id)) {
      return fail("timestamp-duplicate", `rfc3161Timestamps[${i}] repeats an earlier timestamp`);
    }
    seenTokens.add(id);
    const ts = await verifyRfc3161Timestamp(
      token,
      signatureBytes(bundle),
      root.timestampAuthorities,
    );
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
    let issuer: Uint8Array | undefined;
    for (const t of times) {
      const chain = await verifyCertificateChain(
        bundle.key.leaf,
        root.certificateAuthorities,
        t.time,
      );
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
      const sct = await verifyEmbeddedScts(bundle.key.leaf, issuer!, root.ctlogs, 1);
      if (!sct.ok) return sct;
      scts = sct.value.verified;
    }
  }

  progress.stage = 5;

  // 5. The signature and the artifact binding.
  const binding = await verifyContent(bundle, artifact, signingKey);
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
  artifactSha256: Uint8Array,
): Promise<Verified<{ entry: VerifiedTlogEntry; time?: VerifiedTime }>> {
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
  const body = await checkTlogBody(entry, {
    content: bundle.content,
    verifierDer,
    artifactSha256,
  });
  if (!body.ok) return fail(body.code, `${where}: ${body.message}`);

  const inclusion: ("set" | "proof")[] = [];
  let time: VerifiedTime | undefined;
  if (entry.signedEntryTimestamp) {
    if (entry.integratedTime === undefined) {
      return fail(
        "tlog-set-invalid",
        `${where}: a signed entry timestamp without an integrated time`,
      );
    }
    const set = await verifySignedEntryTimestamp({
      set: entry.signedEntryTimestamp,
      canonicalizedBody: entry.canonicalizedBody,
      integratedTime: entry.integratedTime,
      logIndex: entry.logIndex,
      logId: entry.logId,
    }, root.tlogs);
    if (!set.ok) return fail(set.code, `${where}: ${set.message}`);
    inclusion.push("set");
    time = {
      source: "tlog",
      time: new Date(Number(entry.integratedTime) * 1000),
      detail: `${log.baseUrl} entry ${entry.logIndex}`,
    };
  }
  if (entry.inclusionProof) {
    const proof = entry.inclusionProof;
    if (!proof.checkpoint) {
      return fail("checkpoint-missing", `${where}: the inclusion proof has no checkpoint`);
    }
    const cp = parseCheckpoint(proof.checkpoint);
    if (!cp.ok) return fail(cp.code, `${where}: ${cp.message}`);
    const signed = await verifyCheckpoint(cp.value, root.tlogs, { logId: entry.logId });
    if (!signed.ok) return fail(signed.code, `${where}: ${signed.message}`);
    const sameTree = checkpointMatchesProof(cp.value, proof);
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
  });
}

/**
 * A message signature is made over the artifact's SHA-256 (the digest the bundle and the log
 * record), whatever the key's curve; some signers instead hash with the key's own default
 * (SHA-384 for P-384), so that digest is accepted too when it can be computed. Ed25519 signs
 * the message itself.
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
  if (await verifyPrehashed(key, artifact.sha256, signature, "SHA-256")) return ok(undefined);
  if (key.defaultHash !== "SHA-256") {
    const other = await artifact.digest?.(key.defaultHash === "SHA-384" ? "sha384" : "sha512");
    if (other && await verifyPrehashed(key, other, signature, key.defaultHash)) {
      return ok(undefined);
    }
  }
  return fail(
    "signature-invalid",
    `the message signature does not verify for this artifact (sha256 ${
      encodeHex(artifact.sha256)
    }) with the signer's key`,
  );
}

async function verifyContent(
  bundle: Bundle,
  artifact: ArtifactInput,
  key: PublicKeyMaterial,
): Promise<Verified<{ binding: string; statement?: InTotoStatement }>> {
  const content = bundle.content;
  if (content.kind === "messageSignature") {
    if (content.messageDigest) {
      const name = HASH_NAMES[content.messageDigest.algorithm];
      if (name !== "sha256") {
        return fail(
          "artifact-digest-unsupported",
          `messageDigest algorithm ${content.messageDigest.algorithm} is not supported (SHA2_256)`,
        );
      }
      if (!bytesEqual(content.messageDigest.digest, artifact.sha256)) {
        return fail(
          "artifact-mismatch",
          `the bundle signs sha256 ${encodeHex(content.messageDigest.digest)}, ` +
            `but the artifact's sha256 is ${encodeHex(artifact.sha256)}`,
        );
      }
    }
    const valid = await verifyMessageSignature(key, artifact, content.signature);
    if (!valid.ok) return valid;
    return ok({ binding: "sha256 (message signature)" });
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
