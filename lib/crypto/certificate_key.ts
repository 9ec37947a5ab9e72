/**
 * The public key of an X.509 certificate, read from its DER (see `asn1_certificate.ts`).
 * @module
 */
import { certificatePublicKey, parseAsnCertificate } from "./asn1_certificate.ts";
import type { PublicKeyMaterial } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";

/** Parses a DER certificate's SubjectPublicKeyInfo into key material. Code `certificate-malformed`. */
export function parseCertificatePublicKey(der: Uint8Array): Verified<PublicKeyMaterial> {
  try {
    // The schema parse checks that this is a certificate; the key is read from its own bytes.
    parseAsnCertificate(der);
    return ok(certificatePublicKey(der));
  } catch (error) {
    return fail(
      "certificate-malformed",
      `the signing certificate does not parse as DER X.509: ${(error as Error).message}`,
    );
  }
}
