/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: validity times.
 */
import { seq, tlv } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  FIELD,
  latin1,
  replaceField,
} from "./support/x509_leaf_runs.ts";

/** A Validity with notBefore (UTCTime) and the given notAfter element. */
function validity(notBefore: string, notAfter: Uint8Array): Uint8Array {
  return seq(tlv(0x17, latin1(notBefore)), notAfter);
}

// vs.now is 2026-03-01T12:00:00Z; a leaf is valid from a minute before.
const NOT_BEFORE = "260301115900Z";

Deno.test("redteam5 x509: validity times follow RFC 5280 (no GeneralizedTime before 2050, no fractions)", async () => {
  await assertPasses({
    editFields: replaceField(
      FIELD.validity,
      validity(NOT_BEFORE, tlv(0x17, latin1("260301120900Z"))),
    ),
  });
  // GeneralizedTime for a 2026 date: RFC 5280 4.1.2.5 says UTCTime through 2049.
  await assertRejected(
    {
      editFields: replaceField(
        FIELD.validity,
        validity(NOT_BEFORE, tlv(0x18, latin1("20260301120900Z"))),
      ),
    },
    /certificate-malformed/,
  );
  // Fractional seconds: RFC 5280 4.1.2.5.2 "MUST NOT include fractional seconds".
  await assertRejected(
    {
      editFields: replaceField(
        FIELD.validity,
        validity(NOT_BEFORE, tlv(0x18, latin1("20500301120900.5Z"))),
      ),
    },
    /certificate-malformed/,
  );
});
