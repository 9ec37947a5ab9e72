/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: issuerUniqueID and subjectUniqueID (`[1]`/`[2] IMPLICIT BIT STRING`).
 */
import { tlv } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  bytes,
  type EditFields,
  FIELD,
} from "./support/x509_leaf_runs.ts";

/** Inserts `element` after the SubjectPublicKeyInfo (before the extensions). */
function afterKey(element: Uint8Array): EditFields {
  return (fields) => [...fields.slice(0, FIELD.spki + 1), element, ...fields.slice(FIELD.spki + 1)];
}

Deno.test("redteam5 x509: a unique identifier is a primitive DER BIT STRING", async () => {
  await assertPasses({ editFields: afterKey(tlv(0x81, bytes(0x00, 0x2a))) });
  // The constructed (BER-only) form of a BIT STRING is not DER (X.690 10.2).
  await assertRejected(
    { editFields: afterKey(tlv(0xa1, tlv(0x03, bytes(0x00, 0x2a)))) },
    /certificate-malformed/,
  );
  // No unused-bits octet; eight unused bits; an unused bit that is set.
  for (const bad of [bytes(), bytes(0x08, 0x2a), bytes(0x01, 0x2b)]) {
    await assertRejected({ editFields: afterKey(tlv(0x82, bad)) }, /certificate-malformed/);
  }
});
