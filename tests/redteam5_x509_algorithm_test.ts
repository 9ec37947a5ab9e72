/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: the signature AlgorithmIdentifier (in TBSCertificate and outside, alike).
 */
import { NULL, oid, seq } from "./support/der.ts";
import { assertPasses, assertRejected, replaceField } from "./support/x509_leaf_runs.ts";

/** TBSCertificate.signature; the virtual Fulcio's CA is P-384, so ecdsa-with-SHA384. */
const SIGNATURE = 2;
const ECDSA_SHA384 = "1.2.840.10045.4.3.3";

Deno.test("redteam5 x509: an ECDSA signature AlgorithmIdentifier has no parameters (RFC 5758 3.2)", async () => {
  await assertPasses({ editFields: replaceField(SIGNATURE, seq(oid(ECDSA_SHA384))) });
  await assertRejected(
    { editFields: replaceField(SIGNATURE, seq(oid(ECDSA_SHA384), NULL)) },
    /certificate-malformed/,
  );
  await assertRejected(
    { editFields: replaceField(SIGNATURE, seq(oid(ECDSA_SHA384), oid("1.3.132.0.34"))) },
    /certificate-malformed/,
  );
});
