/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: keyUsage.
 */
import { assertPasses, assertRejected, bytes, extensionValue } from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: keyUsage is a DER BIT STRING (unused bits 0..7, and zero)", async () => {
  await assertPasses({ editFields: extensionValue("2.5.29.15", bytes(0x03, 0x02, 0x07, 0x80)) });
  // Eight "unused" bits: no bit is in the string, digitalSignature included.
  await assertRejected(
    { editFields: extensionValue("2.5.29.15", bytes(0x03, 0x02, 0x08, 0x80)) },
    /certificate-malformed/,
  );
  // Trailing zero bits kept: DER drops them from a named bit list (X.690 11.2.2).
  for (const kept of [bytes(0x03, 0x02, 0x00, 0x80), bytes(0x03, 0x03, 0x07, 0x80, 0x00)]) {
    await assertRejected(
      { editFields: extensionValue("2.5.29.15", kept) },
      /certificate-malformed/,
    );
  }
  // An unused bit that is set.
  await assertRejected(
    { editFields: extensionValue("2.5.29.15", bytes(0x03, 0x02, 0x07, 0x81)) },
    /certificate-malformed/,
  );
});
