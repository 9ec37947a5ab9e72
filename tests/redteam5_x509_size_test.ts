/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: the `SIZE (1..MAX)` lists (a Name's RDN, GeneralNames, ExtKeyUsageSyntax).
 */
import { oid, seq, tlv, utf8String } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  extensionValue,
  FIELD,
  replaceField,
} from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: an RDN, GeneralNames and extKeyUsage are never empty (SIZE (1..MAX))", async () => {
  const cn = tlv(0x31, seq(oid("2.5.4.3"), utf8String("leaf")));
  await assertPasses({ editFields: replaceField(FIELD.subject, seq(cn)) });
  // X.501: RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue.
  await assertRejected(
    { editFields: replaceField(FIELD.subject, seq(cn, tlv(0x31))) },
    /certificate-malformed/,
  );
  // RFC 5280: GeneralNames and ExtKeyUsageSyntax are SEQUENCE SIZE (1..MAX).
  await assertRejected({ editFields: extensionValue("2.5.29.17", seq()) }, /certificate-malformed/);
  await assertRejected({ editFields: extensionValue("2.5.29.37", seq()) }, /certificate-malformed/);
});
