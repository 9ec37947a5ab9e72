/**
 * Transparency-log checkpoints in the signed-note format (C2SP signed-note and tlog-checkpoint),
 * as Rekor v1 and Rekor v2 put them in a bundle's `inclusionProof.checkpoint.envelope`:
 *
 * ```text
 * <origin>\n<tree size>\n<base64 root hash>\n[<other line>\n ...]\n
 * — <name> <base64(4-byte key hint || signature)>\n
 * [— <name> <base64(...)>\n ...]
 * ```
 *
 * The signed text (the "body") is everything up to and including the newline before the blank
 * line. Signature lines from keys we do not know (witness cosignatures, other keys of the same
 * origin) are ignored; one valid signature from the log that wrote the entry is required.
 *
 * Key hints. Rekor v1 (sigstore/rekor `pkg/util/signed_note.go`) uses the first 4 bytes of
 * SHA-256 of the DER SubjectPublicKeyInfo, which is also the v1 log id. Rekor v2
 * (sigstore/rekor-tiles `pkg/note/note.go`, used by sigstore-go with the log's baseUrl host as the
 * note name) uses the C2SP note key hash for Ed25519, `SHA-256(name || "\n" || 0x01 || raw key)`,
 * SHA-256 of the DER SPKI for ECDSA, and `SHA-256(name || "\n" || 0xff || "PKIX-RSA-PKCS#1v1.5" ||
 * SPKI)` for RSA; rekor-tiles publishes that full hash as the v2 log id. sigstore-js and
 * sigstore-python compare the hint with the first 4 bytes of the log id. All of these agree for
 * every log in the public-good and staging roots.
 *
 * This module checks signatures only: comparing the checkpoint's size and root hash with the
 * inclusion proof is {@link checkpointMatchesProof}, which the caller must also run.
 * @module
 */
import { bytesEqual, concatBytes, decodeBase64, encodeHex, utf8 } from "./bytes.ts";
import { digestBytes } from "./digest_bytes.ts";
import { verifySignature } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";
import type { TransparencyLogKey } from "../trust/trusted_root.ts";
import { decodeSpki } from "./x509_fields.ts";

/** One signature line of a signed note. */
export interface NoteSignature {
  /** The signer name (for a log, its origin or host name). */
  name: string;
  /** The first 4 bytes of the decoded signature: which key signed. */
  keyHint: Uint8Array;
  /** The signature proper (DER for ECDSA, 64 raw bytes for Ed25519). */
  signature: Uint8Array;
}

/** A parsed, not yet verified, checkpoint. */
export interface Checkpoint {
  /** The log's origin line, e.g. `rekor.sigstore.dev - 2605736670972794746` or `log2025-1.rekor.sigstore.dev`. */
  origin: string;
  /** The tree size the checkpoint commits to. */
  treeSize: bigint;
  /** The tree's root hash (32 bytes). */
  rootHash: Uint8Array;
  /** Lines after the root hash (e.g. Rekor v1's `Timestamp: …`), without their newlines. */
  otherContent: string[];
  /** The exact signed text: the body lines, each ending in a newline. */
  body: string;
  /** Every signature line, in order. */
  signatures: NoteSignature[];
}

const EM_DASH = "\u2014";
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^[0-9]+$/;
const MAX_UINT64 = (1n << 64n) - 1n;
/** A Rekor v1 origin: `<host name> - <tree id>` (sigstore-go `hasRekorV1STH`). */
const REKOR_V1_ORIGIN = /^.* - [0-9]+$/;

function malformed(message: string): Verified<never> {
  return fail("checkpoint-malformed", message);
}

function parseSignatureLine(line: string, n: number): Verified<NoteSignature> {
  // "— NAME BASE64": name and signature are separated by single spaces and contain none.
  const prefix = EM_DASH + " ";
  if (!line.startsWith(prefix)) {
    return malformed(`checkpoint signature line ${n} does not start with "${prefix}"`);
  }
  const parts = line.slice(prefix.length).split(" ");
  if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
    return malformed(`checkpoint signature line ${n} is not "${EM_DASH} <name> <base64>"`);
  }
  const [name, b64] = parts;
  if (/\s/.test(name) || name.includes("+")) {
    return malformed(`checkpoint signature line ${n} has an invalid signer name`);
  }
  if (!STD_BASE64.test(b64)) {
    return malformed(`checkpoint signature line ${n} is not standard base64`);
  }
  const bytes = decodeBase64(b64);
  if (bytes.length < 5) {
    return malformed(
      `checkpoint signature line ${n} is ${bytes.length} bytes, too short for a key hint and a signature`,
    );
  }
  return ok({ name, keyHint: bytes.slice(0, 4), signature: bytes.slice(4) });
}

/**
 * Parses a signed-note checkpoint envelope. Does not verify anything.
 *
 * The body is the text up to and including the first newline of the first `"\n\n"`; it must hold
 * a non-empty origin line, a decimal tree size, a standard-base64 32-byte root hash, then any
 * further non-empty lines. After the blank line come one or more signature lines
 * `"— NAME BASE64\n"` whose base64 decodes to a 4-byte key hint followed by the signature.
 * Anything else (no blank line, no signature line, a line that is not a well-formed signature
 * line, missing final newline) fails with `checkpoint-malformed`.
 */
export function parseCheckpoint(envelope: string): Verified<Checkpoint> {
  const split = envelope.indexOf("\n\n");
  if (split < 0) return malformed("checkpoint has no blank line between its body and signatures");
  const body = envelope.slice(0, split + 1);
  const sigBlock = envelope.slice(split + 2);

  const lines = body.slice(0, -1).split("\n");
  const [origin, sizeLine, rootLine, ...otherContent] = lines;
  if (!origin) return malformed("checkpoint has no origin line");
  if (sizeLine === undefined || !DECIMAL.test(sizeLine)) {
    return malformed(
      sizeLine === undefined
        ? "checkpoint has no tree size line"
        : `checkpoint tree size line ${JSON.stringify(sizeLine)} is not a decimal number`,
    );
  }
  const treeSize = BigInt(sizeLine);
  if (treeSize > MAX_UINT64) return malformed(`checkpoint tree size ${sizeLine} is too large`);
  if (rootLine === undefined) return malformed("checkpoint has no root hash line");
  if (!STD_BASE64.test(rootLine) || rootLine === "") {
    return malformed(
      `checkpoint root hash line ${JSON.stringify(rootLine)} is not standard base64`,
    );
  }
  const rootHash = decodeBase64(rootLine);
  if (rootHash.length !== 32) {
    return malformed(`checkpoint root hash is ${rootHash.length} bytes, expected 32`);
  }

  if (sigBlock === "") return malformed("checkpoint has no signature lines");
  if (!sigBlock.endsWith("\n")) return malformed("checkpoint signatures do not end with a newline");
  const signatures: NoteSignature[] = [];
  const sigLines = sigBlock.slice(0, -1).split("\n");
  for (let i = 0; i < sigLines.length; i++) {
    const parsed = parseSignatureLine(sigLines[i], i + 1);
    if (!parsed.ok) return parsed;
    signatures.push(parsed.value);
  }
  return ok({ origin, treeSize, rootHash, otherContent, body, signatures });
}

/** True when the origin has Rekor v1's `<host> - <tree id>` shape (sigstore-go `hasRekorV1STH`). */
export function isRekorV1Origin(origin: string): boolean {
  return REKOR_V1_ORIGIN.test(origin);
}

/** The host names (with and without port) a log's baseUrl allows as a Rekor v2 note name. */
function logHostNames(log: TransparencyLogKey): string[] {
  try {
    const url = new URL(log.baseUrl);
    return [...new Set([url.hostname, url.host])].filter((h) => h !== "");
  } catch {
    return [];
  }
}

function rawPublicKey(spki: Uint8Array): Uint8Array {
  return decodeSpki(spki).publicKey.slice();
}

/**
 * The key hint (4 bytes) a log's checkpoint signatures carry, computed from its key the way the
 * log software does: Rekor v1 origins (`<host> - <tree id>`) use SHA-256 of the DER SPKI; other
 * (Rekor v2) origins use the rekor-tiles note key hash with `name` as the note name: Ed25519
 * `SHA-256(name "\n" 0x01 rawkey)`, ECDSA `SHA-256(SPKI)`, RSA
 * `SHA-256(name "\n" 0xff "PKIX-RSA-PKCS#1v1.5" SPKI)`.
 */
export async function computeCheckpointKeyHint(
  log: TransparencyLogKey,
  name: string,
  rekorV1: boolean,
): Promise<Uint8Array> {
  const spki = log.key.spki;
  let preimage: Uint8Array;
  if (rekorV1 || log.key.algorithm.startsWith("ecdsa-")) {
    preimage = spki;
  } else if (log.key.algorithm === "ed25519") {
    preimage = concatBytes(utf8(name + "\n"), new Uint8Array([0x01]), rawPublicKey(spki));
  } else {
    preimage = concatBytes(
      utf8(name + "\n"),
      new Uint8Array([0xff]),
      utf8("PKIX-RSA-PKCS#1v1.5"),
      spki,
    );
  }
  return (await digestBytes(preimage)).slice(0, 4);
}

/**
 * Every key hint accepted for `log`: the first 4 bytes of its log id (what sigstore-js and
 * sigstore-python compare), of its `checkpointKeyId` when the root has one, and the hint computed
 * from its key ({@link computeCheckpointKeyHint}, what sigstore-go compares).
 */
async function acceptedKeyHints(
  log: TransparencyLogKey,
  name: string,
  rekorV1: boolean,
): Promise<Uint8Array[]> {
  const hints: Uint8Array[] = [log.logId.slice(0, 4)];
  if (log.checkpointKeyId) hints.push(log.checkpointKeyId.slice(0, 4));
  try {
    hints.push(await computeCheckpointKeyHint(log, name, rekorV1));
  } catch {
    // A key whose SPKI cannot be re-read: the log id hints still apply.
  }
  return hints.filter((h) => h.length === 4);
}

/**
 * Verifies a parsed checkpoint's signature by the log that wrote the entry.
 *
 * The log is the one in `logs` whose `logId` equals `expected.logId` (the bundle entry's log id);
 * none is `checkpoint-unknown-log`. Success needs at least one signature line that
 * - carries one of the log's key hints (first 4 bytes of the log id or `checkpointKeyId`, or the
 *   hint computed from the key, see {@link computeCheckpointKeyHint}),
 * - for a Rekor v2 checkpoint (origin not of the v1 `<host> - <tree id>` form), is named exactly
 *   like the origin, and the origin is the log's baseUrl host (as sigstore-go's note verifier
 *   requires); Rekor v1 signature names are not bound (sigstore-go and rekor do not),
 * - and verifies over the body with the log's key.
 * All other lines (witness cosignatures, unknown keys, extra same-origin signatures) are ignored.
 * Otherwise `checkpoint-signature-invalid`.
 *
 * The checkpoint's tree size and root hash are not compared with anything here; run
 * {@link checkpointMatchesProof} as well.
 */
export async function verifyCheckpoint(
  cp: Checkpoint,
  logs: readonly TransparencyLogKey[],
  expected: { logId: Uint8Array },
): Promise<Verified<{ log: TransparencyLogKey }>> {
  const log = logs.find((l) => bytesEqual(l.logId, expected.logId));
  if (!log) {
    return fail(
      "checkpoint-unknown-log",
      `no trusted transparency log has id ${encodeHex(expected.logId)}`,
    );
  }
  const rekorV1 = isRekorV1Origin(cp.origin);
  if (!rekorV1) {
    const hosts = logHostNames(log);
    if (!hosts.includes(cp.origin)) {
      return fail(
        "checkpoint-signature-invalid",
        `checkpoint origin ${JSON.stringify(cp.origin)} is not the host of log ` +
          `${JSON.stringify(log.baseUrl)} (expected ${
            hosts.map((h) => JSON.stringify(h)).join(" or ") || "a baseUrl with a host"
          })`,
      );
    }
  }
  const hints = await acceptedKeyHints(log, cp.origin, rekorV1);
  const data = utf8(cp.body);
  let candidates = 0;
  for (const sig of cp.signatures) {
    if (!hints.some((h) => bytesEqual(h, sig.keyHint))) continue;
    if (!rekorV1 && sig.name !== cp.origin) continue;
    candidates++;
    if (await verifySignature(log.key, data, sig.signature)) return ok({ log });
  }
  const what = candidates === 0
    ? `no signature line carries the key hint of log ${JSON.stringify(log.baseUrl)} ` +
      `(${hints.map(encodeHex).filter((h, i, a) => a.indexOf(h) === i).join(", ")})` +
      (rekorV1 ? "" : ` under the name ${JSON.stringify(cp.origin)}`)
    : `${candidates} signature line(s) from log ${JSON.stringify(log.baseUrl)} do not verify`;
  return fail("checkpoint-signature-invalid", `checkpoint signature is not valid: ${what}`);
}

/**
 * Compares a checkpoint with the inclusion proof it came with: the proof must be for the tree the
 * checkpoint signs (same size and root hash). Fails with `checkpoint-proof-mismatch`, e.g. for a
 * valid checkpoint of another tree state. Callers verify the inclusion proof against the proof's
 * root and then require this, so the proven root is a signed one.
 */
export function checkpointMatchesProof(
  cp: Checkpoint,
  proof: { treeSize: bigint; rootHash: Uint8Array },
): Verified<void> {
  const differences: string[] = [];
  if (cp.treeSize !== proof.treeSize) {
    differences.push(`tree size ${cp.treeSize} (proof: ${proof.treeSize})`);
  }
  if (!bytesEqual(cp.rootHash, proof.rootHash)) {
    differences.push(
      `root hash ${encodeHex(cp.rootHash)} (proof: ${encodeHex(proof.rootHash)})`,
    );
  }
  if (differences.length > 0) {
    return fail(
      "checkpoint-proof-mismatch",
      `the checkpoint is not for the tree the inclusion proof is for: checkpoint has ` +
        differences.join(" and "),
    );
  }
  return ok(undefined);
}
