/**
 * Synthetic RFC 3161 timestamp tokens and TSA certificates, built byte by byte so that tests can
 * reach paths no real token does (moved here from `lib/crypto/rfc3161_test.ts`).
 * @module
 */
import { concatBytes, utf8 } from "../../lib/crypto/bytes.ts";
import { digestBytes } from "../../lib/crypto/digest_bytes.ts";
import {
  int,
  name,
  NULL,
  octets,
  oid,
  seq,
  set,
  sigAlg,
  sign,
  type SynthKey,
  tlv,
  TRUE,
} from "./der.ts";

/** Options of {@link makeCert}: a CN-named certificate, by default a timestamping end entity. */
export interface CertOptions {
  /** Serial number. */
  serial: number;
  /** Issuer CN. */
  issuer: string;
  /** Subject CN. */
  subject: string;
  /** The certified key. */
  subjectKey: SynthKey;
  /** The key that signs the certificate. */
  issuerKey: SynthKey;
  /** A CA certificate (basicConstraints cA). */
  ca?: boolean;
  /** Extended key usage; `null` leaves it out (default: critical timeStamping for end entities). */
  eku?: { critical: boolean; purposes: string[] } | null;
  /** Subject key identifier, if any. */
  ski?: Uint8Array;
  /**
   * Default `250101000000Z`: a UTCTime when 13 characters long (`YYMMDDHHMMSSZ`), else written as
   * a GeneralizedTime.
   */
  notBefore?: string;
  /** Default `351231235959Z`; the encoding is chosen as for {@link notBefore}. */
  notAfter?: string;
  /** Whole DER extensions appended after the usual ones (a keyUsage, an unknown critical one). */
  extraExtensions?: readonly Uint8Array[];
}

/** The timeStamping extended key usage OID. */
export const TIMESTAMPING = "1.3.6.1.5.5.7.3.8";

/**
 * A certificate for TSA tests: a CA (basicConstraints cA, no EKU by default) or an end entity
 * with a critical timeStamping EKU (by default).
 */
export async function makeCert(o: CertOptions): Promise<Uint8Array> {
  const extensions: Uint8Array[] = [];
  if (o.ca) extensions.push(seq(oid("2.5.29.19"), TRUE, octets(seq(TRUE))));
  const defaultEku = o.ca ? null : { critical: true, purposes: [TIMESTAMPING] };
  const eku = o.eku === undefined ? defaultEku : o.eku;
  if (eku) {
    extensions.push(
      seq(
        oid("2.5.29.37"),
        ...(eku.critical ? [TRUE] : []),
        octets(seq(...eku.purposes.map(oid))),
      ),
    );
  }
  if (o.ski) extensions.push(seq(oid("2.5.29.14"), octets(octets(o.ski))));
  extensions.push(...(o.extraExtensions ?? []));
  const tbs = seq(
    tlv(0xa0, int(2)),
    int(o.serial),
    sigAlg(o.issuerKey),
    name(o.issuer),
    seq(time(o.notBefore ?? "250101000000Z"), time(o.notAfter ?? "351231235959Z")),
    name(o.subject),
    o.subjectKey.spki,
    tlv(0xa3, seq(...extensions)),
  );
  const signature = await sign(o.issuerKey, tbs);
  return seq(tbs, sigAlg(o.issuerKey), tlv(0x03, new Uint8Array([0]), signature));
}

/** A certificate time: a UTCTime for 13 characters, else a GeneralizedTime. */
function time(text: string): Uint8Array {
  return tlv(text.length === 13 ? 0x17 : 0x18, utf8(text));
}

/** Hash OIDs by WebCrypto name (SHA-1 included, to test its refusal). */
export const HASH_OIDS: Record<string, string> = {
  "SHA-1": "1.3.14.3.2.26",
  "SHA-256": "2.16.840.1.101.3.4.2.1",
  "SHA-384": "2.16.840.1.101.3.4.2.2",
  "SHA-512": "2.16.840.1.101.3.4.2.3",
};

/** Options of {@link makeToken}. */
export interface TokenOptions {
  /** The bytes the token's message imprint covers. */
  signedBytes: Uint8Array;
  /** The TSA key that signs the token. */
  signer: SynthKey;
  /** The signer certificate's issuer CN (for the issuer-and-serial signer id). */
  issuer: string;
  /** The signer certificate's issuer as DER Name; overrides `issuer` when given. */
  issuerName?: Uint8Array;
  /** The signer certificate's serial number. */
  serial: number;
  /** GeneralizedTime text, default `20250601120000Z`. */
  genTime?: string;
  /** Hash of the message imprint (default SHA-256). */
  imprintHash?: string;
  /** SignerInfo digest algorithm (default SHA-256). */
  digestHash?: "SHA-256" | "SHA-384" | "SHA-512";
  /** OID and parameters of the SignerInfo signature algorithm (default: by key kind). */
  signatureAlgorithm?: Uint8Array;
  /** Certificates embedded in the SignedData. */
  certificates?: Uint8Array[];
  /** Identify the signer by subject key identifier instead of issuer and serial. */
  keyId?: Uint8Array;
  /** The signed content-type attribute (default id-ct-TSTInfo). */
  contentType?: string;
  /** How many (identical) SignerInfos to include (default 1). */
  signerInfos?: number;
}

/** A `TimeStampResp` (status granted) holding a CMS SignedData TimeStampToken. */
export async function makeToken(o: TokenOptions): Promise<Uint8Array> {
  const imprintHash = o.imprintHash ?? "SHA-256";
  const imprint = new Uint8Array(
    await crypto.subtle.digest(imprintHash, o.signedBytes.slice().buffer),
  );
  const tstInfo = seq(
    int(1),
    oid("1.3.6.1.4.1.57264.2"),
    seq(seq(oid(HASH_OIDS[imprintHash]), NULL), octets(imprint)),
    int(42),
    tlv(0x18, utf8(o.genTime ?? "20250601120000Z")),
  );
  const digestHash = o.digestHash ?? "SHA-256";
  const attributes = concatBytes(
    seq(oid("1.2.840.113549.1.9.3"), set(oid(o.contentType ?? "1.2.840.113549.1.9.16.1.4"))),
    seq(oid("1.2.840.113549.1.9.4"), set(octets(await digestBytes(tstInfo, digestHash)))),
  );
  const signature = await sign(o.signer, tlv(0x31, attributes), digestHash);
  const sid = o.keyId ? tlv(0x80, o.keyId) : seq(o.issuerName ?? name(o.issuer), int(o.serial));
  const signerInfo = seq(
    int(o.keyId ? 3 : 1),
    sid,
    seq(oid(HASH_OIDS[digestHash])),
    tlv(0xa0, attributes),
    o.signatureAlgorithm ?? sigAlg(o.signer),
    octets(signature),
  );
  const signedData = seq(
    int(3),
    set(seq(oid(HASH_OIDS[digestHash]))),
    seq(oid("1.2.840.113549.1.9.16.1.4"), tlv(0xa0, octets(tstInfo))),
    ...(o.certificates?.length ? [tlv(0xa0, ...o.certificates)] : []),
    set(...Array(o.signerInfos ?? 1).fill(signerInfo)),
  );
  const contentInfo = seq(oid("1.2.840.113549.1.7.2"), tlv(0xa0, signedData));
  return seq(seq(int(0)), contentInfo);
}
