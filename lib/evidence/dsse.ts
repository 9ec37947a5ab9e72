/**
 * DSSE envelopes and in-toto statements: the pre-authentication encoding that DSSE signatures
 * cover, and the statement's subjects. Shape only: no cryptography.
 * @module
 */
import { concatBytes, decodeHex, utf8 } from "../crypto/bytes.ts";
import { fail, ok, type Verified } from "../crypto/verified.ts";

/** The DSSE pre-authentication encoding: `DSSEv1 <len> <type> <len> <payload>`. */
export function encodePae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  return concatBytes(
    utf8(`DSSEv1 ${type.length} `),
    type,
    utf8(` ${payload.length} `),
    payload,
  );
}

/** The in-toto payload type. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** One subject of an in-toto statement, with its digests (algorithm name → raw bytes). */
export interface InTotoSubject {
  /** The subject's name (empty when the statement gives none). */
  readonly name: string;
  /** The subject's `uri` (a package URL such as `pkg:github/OWNER/REPO@TAG`), when it has one. */
  readonly uri?: string;
  /** The subject's digests, keyed by lower-cased algorithm name (`sha256`, …). */
  readonly digest: Readonly<Record<string, Uint8Array>>;
}

/** A parsed in-toto statement (v0.1 or v1). */
export interface InTotoStatement {
  /** The statement's `_type` (`https://in-toto.io/Statement/v0.1` or `…/v1`). */
  readonly type: string;
  /** The predicate's type URI (e.g. SLSA provenance); empty when not given. */
  readonly predicateType: string;
  /** What the statement is about (at least one). */
  readonly subjects: readonly InTotoSubject[];
  /** The predicate as parsed JSON, unchecked. */
  readonly predicate: unknown;
}

const STATEMENT_TYPES = new Set([
  "https://in-toto.io/Statement/v0.1",
  "https://in-toto.io/Statement/v1",
]);

/**
 * Parses an in-toto statement from a DSSE payload. Codes: `statement-malformed`,
 * `statement-unknown-type`, `statement-no-subjects`.
 */
export function parseInTotoStatement(payload: Uint8Array): Verified<InTotoStatement> {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch (error) {
    return fail(
      "statement-malformed",
      `in-toto statement is not JSON: ${(error as Error).message}`,
    );
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return fail("statement-malformed", "in-toto statement is not a JSON object");
  }
  const obj = doc as Record<string, unknown>;
  if (typeof obj._type !== "string" || !STATEMENT_TYPES.has(obj._type)) {
    return fail(
      "statement-unknown-type",
      `in-toto _type ${JSON.stringify(obj._type ?? null)} is not a known statement type ` +
        "(expected https://in-toto.io/Statement/v1 or v0.1)",
    );
  }
  if (!Array.isArray(obj.subject) || obj.subject.length === 0) {
    return fail("statement-no-subjects", "in-toto statement has no subject");
  }
  const subjects: InTotoSubject[] = [];
  for (const [i, raw] of obj.subject.entries()) {
    if (typeof raw !== "object" || raw === null) {
      return fail("statement-malformed", `in-toto subject[${i}] is not an object`);
    }
    const s = raw as Record<string, unknown>;
    const digest: Record<string, Uint8Array> = {};
    if (typeof s.digest === "object" && s.digest !== null) {
      for (const [alg, value] of Object.entries(s.digest as Record<string, unknown>)) {
        if (typeof value !== "string") continue;
        try {
          digest[alg.toLowerCase()] = decodeHex(value);
        } catch {
          return fail("statement-malformed", `in-toto subject[${i}].digest.${alg} is not hex`);
        }
      }
    }
    subjects.push({
      name: typeof s.name === "string" ? s.name : "",
      ...(typeof s.uri === "string" ? { uri: s.uri } : {}),
      digest,
    });
  }
  return ok({
    type: obj._type,
    predicateType: typeof obj.predicateType === "string" ? obj.predicateType : "",
    subjects,
    predicate: obj.predicate,
  });
}
