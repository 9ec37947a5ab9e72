/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: the leaf's SubjectPublicKeyInfo.
 */
import { derChildren, parseDerNode } from "../lib/crypto/der.ts";
import { seq, tlv } from "./support/der.ts";
import { assertPasses, assertRejected, type EditFields, FIELD } from "./support/x509_leaf_runs.ts";

/** The leaf's SPKI with its BIT STRING's unused-bits octet set to `unused`. */
function spkiUnusedBits(unused: number): EditFields {
  return (fields) => {
    const parts = derChildren(parseDerNode(fields[FIELD.spki]));
    const bits = parts[1].value.slice();
    bits[0] = unused;
    return fields.map((f, i) => i === FIELD.spki ? seq(parts[0].bytes, tlv(0x03, bits)) : f);
  };
}

Deno.test("redteam5 x509: the leaf key's BIT STRING has no unused bits (file and digest)", async () => {
  for (const digest of [false, true]) {
    await assertPasses({ editFields: spkiUnusedBits(0) }, digest);
    // Eight is never DER; a key's bits are whole octets (RFC 5480), so any is wrong.
    for (const unused of [8, 1]) {
      await assertRejected(
        { editFields: spkiUnusedBits(unused) },
        /certificate-malformed/,
        digest,
      );
    }
  }
});
