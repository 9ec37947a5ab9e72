/**
 * Rekor v1 signed entry timestamps (SETs, a bundle's `inclusionPromise.signedEntryTimestamp`): the
 * log's signature over the RFC 8785 canonical JSON
 * `{"body":"<base64 body>","integratedTime":N,"logID":"<hex log id>","logIndex":N}`.
 * Rekor v2 has no SETs.
 * @module
 */
import { bytesEqual, encodeBase64, encodeHex, utf8 } from "./bytes.ts";
import { verifySignature } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";
import { isWithinWindow, type TransparencyLogKey } from "../trust/trusted_root.ts";

/** Input of {@link verifySignedEntryTimestamp}: the SET and the entry fields it signs. */
export interface SignedEntryTimestampInput {
  /** The SET: the log's signature (DER ECDSA for Rekor's keys). */
  readonly set: Uint8Array;
  /** The entry's canonicalized body bytes (decoded from the bundle's base64). */
  readonly canonicalizedBody: Uint8Array;
  /** Seconds since the epoch at which the log integrated the entry. */
  readonly integratedTime: bigint;
  /** The entry's log index (the entry's own `logIndex`, not the inclusion proof's). */
  readonly logIndex: bigint;
  /** The entry's log id (SHA-256 of the log's DER public key). */
  readonly logId: Uint8Array;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** The latest second a JavaScript `Date` can represent (also below 2^53). */
const MAX_DATE_SECONDS = 8_640_000_000_000n;

/**
 * The exact bytes a Rekor v1 SET signs: RFC 8785 canonical JSON (keys sorted, no whitespace) of
 * `{"body","integratedTime","logID","logIndex"}`, the body as standard padded base64 and the log id
 * as lowercase hex. Requires both numbers to be non-negative and at most 2^53 - 1 (beyond that,
 * canonical JSON numbers lose precision and clients would disagree).
 */
export function signedEntryTimestampPayload(
  e: Omit<SignedEntryTimestampInput, "set">,
): Uint8Array {
  // Every value is a base64/hex string or a non-negative integer, so no escaping is needed and
  // JSON.stringify of the strings is already canonical.
  const json = `{"body":${JSON.stringify(encodeBase64(e.canonicalizedBody))},` +
    `"integratedTime":${e.integratedTime},` +
    `"logID":${JSON.stringify(encodeHex(e.logId))},` +
    `"logIndex":${e.logIndex}}`;
  return utf8(json);
}

/**
 * Verifies a Rekor v1 signed entry timestamp.
 *
 * The log is the one in `logs` whose `logId` equals the entry's (`set-unknown-log` if none); the
 * integrated time must lie within that log key's `validFor` window, both ends inclusive
 * (`tlog-key-outside-validity`); and the SET must be the log key's signature over
 * {@link signedEntryTimestampPayload} (`set-signature-invalid`). A negative or out-of-range
 * integrated time or log index fails with `set-malformed`. Never throws for bad evidence.
 */
export async function verifySignedEntryTimestamp(
  e: SignedEntryTimestampInput,
  logs: readonly TransparencyLogKey[],
): Promise<Verified<{ log: TransparencyLogKey }>> {
  if (e.integratedTime < 0n || e.integratedTime > MAX_DATE_SECONDS) {
    return fail("set-malformed", `integrated time ${e.integratedTime} is out of range`);
  }
  if (e.logIndex < 0n || e.logIndex > MAX_SAFE) {
    return fail("set-malformed", `log index ${e.logIndex} is out of range`);
  }
  const log = logs.find((l) => bytesEqual(l.logId, e.logId));
  if (!log) {
    return fail("set-unknown-log", `no trusted transparency log has id ${encodeHex(e.logId)}`);
  }
  const time = new Date(Number(e.integratedTime) * 1000);
  if (!isWithinWindow(log.validFor, time)) {
    const { start, end } = log.validFor;
    return fail(
      "tlog-key-outside-validity",
      `integrated time ${time.toISOString()} is outside the validity of log ` +
        `${JSON.stringify(log.baseUrl)}'s key (${start?.toISOString() ?? "unbounded"} to ` +
        `${end?.toISOString() ?? "unbounded"})`,
    );
  }
  if (!(await verifySignature(log.key, signedEntryTimestampPayload(e), e.set))) {
    return fail(
      "set-signature-invalid",
      `signed entry timestamp does not verify with the key of log ${JSON.stringify(log.baseUrl)} ` +
        `(log index ${e.logIndex}, integrated time ${e.integratedTime})`,
    );
  }
  return ok({ log });
}
