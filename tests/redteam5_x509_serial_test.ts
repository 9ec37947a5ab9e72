/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: the serial number.
 */
import { tlv } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  bytes,
  FIELD,
  replaceField,
} from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: the serial number is a minimal, positive INTEGER", async () => {
  await assertPasses({ editFields: replaceField(FIELD.serial, tlv(0x02, bytes(0x03, 0xe8))) });
  // X.690 8.3.2: the first nine bits of an INTEGER are never all zero (or all one).
  await assertRejected(
    { editFields: replaceField(FIELD.serial, tlv(0x02, bytes(0x00, 0x03, 0xe8))) },
    /certificate-malformed/,
  );
  await assertRejected(
    { editFields: replaceField(FIELD.serial, tlv(0x02, bytes())) },
    /certificate-malformed/,
  );
  // RFC 5280 4.1.2.2: a positive integer.
  await assertRejected(
    { editFields: replaceField(FIELD.serial, tlv(0x02, bytes(0xfc, 0x18))) },
    /certificate-malformed/,
  );
  // Zero is tolerated (RFC 5280 asks users to handle non-conforming CAs' zero serials).
  await assertPasses({ editFields: replaceField(FIELD.serial, tlv(0x02, bytes(0x00))) });
});
