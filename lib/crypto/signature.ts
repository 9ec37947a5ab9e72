/**
 * Public keys and signature verification (WebCrypto, with `@noble/curves` for pre-hashed ECDSA).
 * WebCrypto is preferred to node:crypto: its verifications run off the main thread, so the
 * independent signatures of a bundle are checked in parallel.
 *
 * Every verify function returns `false` for a signature that is malformed or does not verify; it
 * never throws for bad evidence. Only a key that cannot be imported at all throws
 * ({@link UnsupportedKeyError}), because that is a property of the trust material, not of the
 * evidence being checked.
 * @module
 */
import { bytesEqual, decodeHex, toArrayBuffer } from "./bytes.ts";
import {
  decodeDerOid,
  derChildren,
  DerError,
  type DerNode,
  parseDerNode,
  TAG_BIT_STRING,
  TAG_OID,
  TAG_SEQUENCE,
} from "./der.ts";
import { decodeSpki, encodeSpkiWithNullParameters } from "./x509_fields.ts";

/** The signature schemes cargo-attest verifies. */
export type KeyAlgorithm =
  | "ecdsa-p256"
  | "ecdsa-p384"
  | "ecdsa-p521"
  | "ed25519"
  | "rsa-pkcs1"
  | "rsa-pss";

/** A SHA-2 hash name as WebCrypto spells it. */
export type HashName = "SHA-256" | "SHA-384" | "SHA-512";

/** A public key as DER SubjectPublicKeyInfo plus what it is. */
export interface PublicKeyMaterial {
  /** DER-encoded SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** The scheme, derived from the SPKI algorithm identifier. */
  readonly algorithm: KeyAlgorithm;
  /** The hash this key signs with by default (curve size for ECDSA; SHA-256 for RSA). */
  readonly defaultHash: HashName;
}

/** Thrown when a key's SPKI cannot be parsed or names an algorithm we do not support. */
export class UnsupportedKeyError extends Error {
  override name = "UnsupportedKeyError";
}

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_ED25519 = "1.3.101.112";
const OID_RSA = "1.2.840.113549.1.1.1";
const OID_RSA_PSS = "1.2.840.113549.1.1.10";
const CURVES: Record<string, { algorithm: KeyAlgorithm; hash: HashName }> = {
  "1.2.840.10045.3.1.7": { algorithm: "ecdsa-p256", hash: "SHA-256" },
  "1.3.132.0.34": { algorithm: "ecdsa-p384", hash: "SHA-384" },
  "1.3.132.0.35": { algorithm: "ecdsa-p521", hash: "SHA-512" },
};

/**
 * The DER AlgorithmIdentifiers of the common keys, byte for byte (DER has one encoding of each):
 * a key with one of these is classified without decoding its SubjectPublicKeyInfo with a schema.
 */
const KNOWN_KEY_ALGORITHMS: readonly {
  der: Uint8Array;
  algorithm: KeyAlgorithm;
  hash: HashName;
}[] = [
  // id-ecPublicKey + prime256v1 / secp384r1 / secp521r1
  {
    der: hex("301306072a8648ce3d020106082a8648ce3d030107"),
    algorithm: "ecdsa-p256",
    hash: "SHA-256",
  },
  { der: hex("301006072a8648ce3d020106052b81040022"), algorithm: "ecdsa-p384", hash: "SHA-384" },
  { der: hex("301006072a8648ce3d020106052b81040023"), algorithm: "ecdsa-p521", hash: "SHA-512" },
  // id-Ed25519 (no parameters); rsaEncryption with NULL parameters
  { der: hex("300506032b6570"), algorithm: "ed25519", hash: "SHA-512" },
  { der: hex("300d06092a864886f70d0101010500"), algorithm: "rsa-pkcs1", hash: "SHA-256" },
];

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));
}

/**
 * The key's class when its SPKI is `SEQUENCE { <a known AlgorithmIdentifier>, BIT STRING }`;
 * undefined for another algorithm. Throws {@link UnsupportedKeyError} for bytes that are not one
 * DER SEQUENCE (trailing bytes included).
 */
function knownKey(spki: Uint8Array): PublicKeyMaterial | undefined {
  let node: DerNode;
  let fields: DerNode[];
  try {
    node = parseDerNode(spki);
    fields = derChildren(node);
  } catch (cause) {
    throw new UnsupportedKeyError("public key is not a DER SubjectPublicKeyInfo", { cause });
  }
  // Anything else (another tag, a key with unused bits) is left to decodeSpki to refuse.
  if (
    node.tag !== TAG_SEQUENCE || fields.length !== 2 || fields[1].tag !== TAG_BIT_STRING ||
    fields[1].value[0] !== 0
  ) {
    return undefined;
  }
  const known = KNOWN_KEY_ALGORITHMS.find((k) => bytesEqual(k.der, fields[0].bytes));
  return known && { spki, algorithm: known.algorithm, defaultHash: known.hash };
}

/** Parses a DER SubjectPublicKeyInfo and classifies it; throws {@link UnsupportedKeyError}. */
export function parsePublicKey(spki: Uint8Array): PublicKeyMaterial {
  const known = knownKey(spki);
  if (known) return known;
  let info: ReturnType<typeof decodeSpki>;
  try {
    info = decodeSpki(spki);
  } catch (cause) {
    throw new UnsupportedKeyError("public key is not a DER SubjectPublicKeyInfo", { cause });
  }
  const oid = info.algorithm.algorithm;
  if (oid === OID_EC_PUBLIC_KEY) {
    const params = info.algorithm.parameters;
    // No parameters, or NULL: no curve named.
    if (!params || (params.length === 2 && params[0] === 0x05 && params[1] === 0)) {
      throw new UnsupportedKeyError("EC public key without curve parameters");
    }
    let curve: string | undefined;
    try {
      // ECParameters ::= CHOICE { namedCurve OID, implicitCurve NULL, specifiedCurve SEQUENCE }
      const node = parseDerNode(params);
      curve = node.tag === TAG_OID ? decodeDerOid(node) : undefined;
      if (node.tag !== TAG_OID && node.tag !== 0x05 && node.tag !== TAG_SEQUENCE) {
        throw new DerError("ECParameters is an OID, NULL or a SEQUENCE");
      }
    } catch (cause) {
      throw new UnsupportedKeyError("EC public key with unreadable curve parameters", { cause });
    }
    const known = curve ? CURVES[curve] : undefined;
    if (!known) throw new UnsupportedKeyError(`unsupported EC curve ${curve ?? "(explicit)"}`);
    return { spki, algorithm: known.algorithm, defaultHash: known.hash };
  }
  if (oid === OID_ED25519) return { spki, algorithm: "ed25519", defaultHash: "SHA-512" };
  if (oid === OID_RSA) return { spki, algorithm: "rsa-pkcs1", defaultHash: "SHA-256" };
  if (oid === OID_RSA_PSS) return { spki, algorithm: "rsa-pss", defaultHash: "SHA-256" };
  throw new UnsupportedKeyError(`unsupported public key algorithm ${oid}`);
}

/** Wraps a PKCS#1 RSAPublicKey (as some trusted roots carry, `PKCS1_RSA_*`) into an SPKI key. */
export function parsePkcs1RsaPublicKey(der: Uint8Array): PublicKeyMaterial {
  // rsaEncryption (1.2.840.113549.1.1.1) with NULL parameters, the key as the BIT STRING.
  const oid = new Uint8Array([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]);
  return parsePublicKey(encodeSpkiWithNullParameters(oid, der));
}

/** Parses a PEM "PUBLIC KEY" block (or bare base64 DER) into key material. */
export function parsePublicKeyPem(pem: string): PublicKeyMaterial {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) {
    throw new UnsupportedKeyError("not a PEM public key (expected -----BEGIN PUBLIC KEY-----)");
  }
  const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  return parsePublicKey(der);
}

const keyCache = new WeakMap<PublicKeyMaterial, Map<string, Promise<CryptoKey>>>();

function importParams(
  key: PublicKeyMaterial,
  hash: HashName,
): RsaHashedImportParams | EcKeyImportParams | Algorithm {
  switch (key.algorithm) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ecdsa-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "ecdsa-p521":
      return { name: "ECDSA", namedCurve: "P-521" };
    case "ed25519":
      return { name: "Ed25519" };
    case "rsa-pkcs1":
      return { name: "RSASSA-PKCS1-v1_5", hash };
    case "rsa-pss":
      return { name: "RSA-PSS", hash };
  }
}

function importKey(key: PublicKeyMaterial, hash: HashName): Promise<CryptoKey> {
  let perKey = keyCache.get(key);
  if (!perKey) keyCache.set(key, perKey = new Map());
  let imported = perKey.get(hash);
  if (!imported) {
    imported = crypto.subtle.importKey(
      "spki",
      toArrayBuffer(key.spki),
      importParams(key, hash),
      false,
      ["verify"],
    );
    perKey.set(hash, imported);
  }
  return imported;
}

function coordinateSize(algorithm: KeyAlgorithm): number {
  return algorithm === "ecdsa-p256" ? 32 : algorithm === "ecdsa-p384" ? 48 : 66;
}

/**
 * Converts a DER ECDSA-Sig-Value (`SEQUENCE { INTEGER r, INTEGER s }`) to IEEE P1363 `r || s`;
 * returns `undefined` for anything that is not exactly that in DER: BER lengths, non-minimal or
 * negative integers, values wider than the curve, trailing bytes.
 */
export function ecdsaDerToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  let at = 0;
  const readLength = (): number | undefined => {
    if (at >= der.length) return undefined;
    const first = der[at++];
    if (first < 0x80) return first;
    const octets = first & 0x7f;
    if (octets === 0 || octets > 2 || at + octets > der.length) return undefined;
    let length = 0;
    for (let i = 0; i < octets; i++) length = (length << 8) | der[at++];
    // DER: the shortest form only.
    if (length < 0x80 || (octets === 2 && length < 0x100)) return undefined;
    return length;
  };
  if (der[at++] !== 0x30) return undefined;
  const sequence = readLength();
  if (sequence === undefined || at + sequence !== der.length) return undefined;
  const out = new Uint8Array(size * 2);
  for (const offset of [0, size]) {
    if (der[at++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || length === 0 || at + length > der.length) return undefined;
    let value = der.subarray(at, at + length);
    at += length;
    if (value[0] & 0x80) return undefined; // negative
    if (value.length > 1 && value[0] === 0) {
      if (!(value[1] & 0x80)) return undefined; // a leading zero that is not needed
      value = value.subarray(1);
    }
    if (value.length > size) return undefined;
    out.set(value, offset + size - value.length);
  }
  return at === der.length ? out : undefined;
}

function isEcdsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith("ecdsa-");
}

/**
 * Verifies `signature` over `data` with `key`. ECDSA signatures are DER (as Sigstore, X.509
 * and Rekor carry them). `hash` overrides the key's default hash (e.g. an X.509 signature
 * algorithm that names SHA-384 for a P-256 key). Returns `false` for anything that does not verify.
 */
export async function verifySignature(
  key: PublicKeyMaterial,
  data: Uint8Array,
  signature: Uint8Array,
  hash: HashName = key.defaultHash,
): Promise<boolean> {
  try {
    let sig = signature;
    let algorithm: Algorithm | EcdsaParams | RsaPssParams;
    if (isEcdsa(key.algorithm)) {
      const raw = ecdsaDerToP1363(signature, coordinateSize(key.algorithm));
      if (!raw) return false;
      sig = raw;
      algorithm = { name: "ECDSA", hash };
    } else if (key.algorithm === "ed25519") {
      algorithm = { name: "Ed25519" };
    } else if (key.algorithm === "rsa-pss") {
      algorithm = {
        name: "RSA-PSS",
        saltLength: hash === "SHA-256" ? 32 : hash === "SHA-384" ? 48 : 64,
      };
    } else {
      algorithm = { name: "RSASSA-PKCS1-v1_5" };
    }
    return await crypto.subtle.verify(
      algorithm,
      await importKey(key, hash),
      toArrayBuffer(sig),
      toArrayBuffer(data),
    );
  } catch {
    return false;
  }
}

/**
 * Verifies a signature over an already computed digest (the artifact was hashed while streaming,
 * or only its digest is known). Supports ECDSA and RSA PKCS#1 v1.5; Ed25519 signs messages, not
 * digests, so it returns `false` there (callers must pass the message to {@link verifySignature}).
 */
export async function verifyPrehashed(
  key: PublicKeyMaterial,
  digest: Uint8Array,
  signature: Uint8Array,
  hash: HashName = key.defaultHash,
): Promise<boolean> {
  try {
    const point = decodeSpki(key.spki).publicKey;
    if (isEcdsa(key.algorithm)) {
      const { p256, p384, p521 } = await import("@noble/curves/nist.js");
      const curve = key.algorithm === "ecdsa-p256"
        ? p256
        : key.algorithm === "ecdsa-p384"
        ? p384
        : p521;
      return curve.verify(signature, digest, point, { prehash: false, format: "der", lowS: false });
    }
    if (key.algorithm === "rsa-pkcs1") {
      return verifyRsaPkcs1Prehashed(point, digest, signature, hash);
    }
    return false;
  } catch {
    return false;
  }
}

/** DER of a DigestInfo's algorithm and the digest's OCTET STRING header (RFC 8017 §9.2, note 1). */
const DIGEST_INFO_PREFIX: Record<HashName, Uint8Array> = {
  "SHA-256": decodeHex("3031300d060960864801650304020105000420"),
  "SHA-384": decodeHex("3041300d060960864801650304020205000430"),
  "SHA-512": decodeHex("3051300d060960864801650304020305000440"),
};

async function verifyRsaPkcs1Prehashed(
  rsaPublicKey: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
  hash: HashName,
): Promise<boolean> {
  // Loaded for an RSA key checked against a digest only.
  const [{ AsnConvert }, { RSAPublicKey }] = await Promise.all([
    import("@peculiar/asn1-schema"),
    import("@peculiar/asn1-rsa"),
  ]);
  const pub = AsnConvert.parse(rsaPublicKey, RSAPublicKey);
  const n = bigintFrom(new Uint8Array(pub.modulus));
  const e = bigintFrom(new Uint8Array(pub.publicExponent));
  const k = Math.ceil(n.toString(16).length / 2);
  if (signature.length !== k) return false;
  const s = bigintFrom(signature);
  if (s >= n) return false;
  const m = modPow(s, e, n);
  const em = new Uint8Array(k);
  let hex = m.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const mBytes = Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16));
  em.set(mBytes, k - mBytes.length);
  // EM = 0x00 || 0x01 || PS (0xff..., at least 8) || 0x00 || DigestInfo
  const t = [...DIGEST_INFO_PREFIX[hash], ...digest];
  if (k < t.length + 11) return false;
  const expected = new Uint8Array(k);
  expected[1] = 0x01;
  expected.fill(0xff, 2, k - t.length - 1);
  expected.set(t, k - t.length);
  let diff = 0;
  for (let i = 0; i < k; i++) diff |= em[i] ^ expected[i];
  return diff === 0;
}

function bigintFrom(bytes: Uint8Array): bigint {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex ? BigInt("0x" + hex) : 0n;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}
