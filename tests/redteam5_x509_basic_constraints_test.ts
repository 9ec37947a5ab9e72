/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: basicConstraints.
 */
import { seq } from "./support/der.ts";
import { assertPasses, assertRejected, bytes } from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: basicConstraints never encodes cA FALSE, and pathLen is 0..MAX", async () => {
  const bc = (value: Uint8Array) => ({
    extraExtensions: [{ oid: "2.5.29.19", critical: true, value }],
  });
  await assertPasses(bc(seq()));
  await assertRejected(bc(seq(bytes(0x01, 0x01, 0x00))), /certificate-malformed/);
  // X.690 11.5: cA's DEFAULT FALSE is never encoded; RFC 5280: pathLenConstraint INTEGER (0..MAX).
  await assertRejected(bc(seq(bytes(0x02, 0x01, 0xff))), /certificate-malformed/);
});
