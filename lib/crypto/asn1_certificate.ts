/**
 * One ASN.1 parse per certificate byte array: the key, identity and chain checks of a bundle
 * all read the same leaf, and parsing it costs about a millisecond each time. The cache is keyed
 * by the byte array object itself (a WeakMap), so it lives exactly as long as the bundle that
 * holds those bytes; a re-parsed bundle is parsed afresh. Callers must not mutate the result.
 * The same goes for the certificate's public key (`certificatePublicKey`).
 * @module
 */
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import { parsePublicKey, type PublicKeyMaterial } from "./signature.ts";

const parsed = new WeakMap<Uint8Array, Certificate>();

/** Parses DER bytes as an X.509 Certificate (throws on malformed input), once per byte array. */
export function parseAsnCertificate(der: Uint8Array): Certificate {
  let cert = parsed.get(der);
  if (!cert) {
    cert = AsnConvert.parse(der, Certificate);
    parsed.set(der, cert);
  }
  return cert;
}

const keys = new WeakMap<Certificate, PublicKeyMaterial>();

/**
 * The certificate's public key (its SubjectPublicKeyInfo classified), once per parsed
 * certificate. Throws {@link UnsupportedKeyError} for a key cargo-attest cannot use.
 */
export function certificatePublicKey(cert: Certificate): PublicKeyMaterial {
  let key = keys.get(cert);
  if (!key) {
    key = parsePublicKey(
      new Uint8Array(AsnConvert.serialize(cert.tbsCertificate.subjectPublicKeyInfo)),
    );
    keys.set(cert, key);
  }
  return key;
}
