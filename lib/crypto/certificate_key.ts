/**
 * The public key of an X.509 certificate, read with the `@peculiar/asn1-x509` schema.
 * @module
 */
import { parseAsnCertificate } from "./asn1_certificate.ts";
import { AsnConvert } from "@peculiar/asn1-schema";
import { parsePublicKey, type PublicKeyMaterial } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";

/** Parses a DER certificate's SubjectPublicKeyInfo into key material. Code `certificate-malformed`. */
export function parseCertificatePublicKey(der: Uint8Array): Verified<PublicKeyMaterial> {
  try {
    const cert = parseAsnCertificate(der);
    const spki = new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo));
    return ok(parsePublicKey(spki));
  } catch (error) {
    return fail(
      "certificate-malformed",
      `the signing certificate does not parse as DER X.509: ${(error as Error).message}`,
    );
  }
}
