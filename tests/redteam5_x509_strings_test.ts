/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: the strings of subjectAltName and of names.
 */
import { oid, seq, tlv } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  bytes,
  extensionValue,
  FIELD,
  latin1,
  replaceField,
} from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: subjectAltName strings are IA5 (ASCII), names' strings are valid", async () => {
  const uri = (text: Uint8Array) =>
    extensionValue(
      "2.5.29.17",
      seq(
        tlv(
          0x86,
          latin1(
            "https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.0.0",
          ),
        ),
        tlv(0x82, text),
      ),
    );
  await assertPasses({ editFields: uri(latin1("example.test")) });
  // A dNSName entry with a byte outside IA5 next to the URI the identity matches.
  await assertRejected(
    { editFields: uri(bytes(0x65, 0xe9, 0x2e, 0x74)) },
    /certificate-malformed/,
  );
  // A URI with a control character (Go's url.Parse, so crypto/x509, refuses it), here a NUL.
  const san =
    "https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.0.0";
  await assertRejected(
    {
      editFields: extensionValue(
        "2.5.29.17",
        seq(tlv(0x86, latin1(san)), tlv(0x86, latin1("https://x.test/\u0000"))),
      ),
    },
    /certificate-malformed/,
  );
  const subject = (value: Uint8Array) =>
    replaceField(FIELD.subject, seq(tlv(0x31, seq(oid("2.5.4.3"), value))));
  await assertPasses({ editFields: subject(tlv(0x13, latin1("Fulcio leaf"))) });
  // PrintableString with '@', UTF8String that is not UTF-8, a BMPString of odd length.
  for (
    const bad of [
      tlv(0x13, latin1("a@b")),
      tlv(0x0c, bytes(0xff, 0x41)),
      tlv(0x1e, bytes(0, 0x41, 0)),
    ]
  ) {
    await assertRejected({ editFields: subject(bad) }, /certificate-malformed/);
  }
});
