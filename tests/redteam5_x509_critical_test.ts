/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. The
 * virtual Fulcio signs a leaf that is wrong in one field only and `verify-bundle` runs on it
 * through `main()`: it must not verify. Each case has a passing twin that differs only in that
 * field. This file: an extension's critical flag.
 */
import { derChildren, parseDerNode } from "../lib/crypto/der.ts";
import { seq } from "./support/der.ts";
import {
  assertPasses,
  assertRejected,
  bytes,
  editExtensions,
  oidHex,
} from "./support/x509_leaf_runs.ts";

Deno.test("redteam5 x509: an extension's critical flag is never an encoded DEFAULT FALSE", async () => {
  const withCritical = (flag: Uint8Array) =>
    editExtensions((e, id) => {
      if (id !== oidHex("2.5.29.37")) return e;
      const parts = derChildren(parseDerNode(e));
      return seq(parts[0].bytes, flag, parts[parts.length - 1].bytes);
    });
  await assertPasses({ editFields: withCritical(bytes(0x01, 0x01, 0xff)) });
  // X.690 11.5: a DEFAULT value is never encoded in DER.
  await assertRejected(
    { editFields: withCritical(bytes(0x01, 0x01, 0x00)) },
    /certificate-malformed/,
  );
});
