/**
 * A tiny DER encoder and WebCrypto test keys, for tests that build their own certificates,
 * timestamps and log signatures byte by byte (so that every field can be made wrong on purpose).
 * Moved here from `lib/crypto/rfc3161_test.ts` and generalised (P-384, Ed25519, dates).
 * @module
 */
import { concatBytes, utf8 } from "../../lib/crypto/bytes.ts";

/** One DER element: `tag`, definite length, then the concatenated `parts`. */
export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = concatBytes(...parts);
  const n = body.length;
  const length = n < 0x80
    ? [n]
    : n < 0x100
    ? [0x81, n]
    : n < 0x10000
    ? [0x82, n >> 8, n & 0xff]
    : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concatBytes(new Uint8Array([tag, ...length]), body);
}

/** DER SEQUENCE. */
export const seq = (...p: Uint8Array[]): Uint8Array => tlv(0x30, ...p);
/** DER SET (the parts are not sorted: callers pass them in the order they want). */
export const set = (...p: Uint8Array[]): Uint8Array => tlv(0x31, ...p);
/** DER OCTET STRING. */
export const octets = (b: Uint8Array): Uint8Array => tlv(0x04, b);
/** DER NULL. */
export const NULL: Uint8Array = new Uint8Array([0x05, 0x00]);
/** DER BOOLEAN true. */
export const TRUE: Uint8Array = new Uint8Array([0x01, 0x01, 0xff]);

/** DER OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Uint8Array {
  const arcs = dotted.split(".").map(Number);
  const out = [arcs[0] * 40 + arcs[1]];
  for (const arc of arcs.slice(2)) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      chunk.unshift((v & 0x7f) | 0x80);
    }
    out.push(...chunk);
  }
  return tlv(0x06, new Uint8Array(out));
}

/** DER INTEGER from a small non-negative number or big-endian unsigned bytes (minimal form). */
export function int(value: number | Uint8Array): Uint8Array {
  let bytes = typeof value === "number"
    ? new Uint8Array([value >> 24, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff])
    : value;
  while (bytes.length > 1 && bytes[0] === 0 && bytes[1] < 0x80) bytes = bytes.subarray(1);
  if (bytes[0] >= 0x80) bytes = concatBytes(new Uint8Array([0]), bytes);
  return tlv(0x02, bytes);
}

/** DER UTF8String. */
export const utf8String = (text: string): Uint8Array => tlv(0x0c, utf8(text));

/** A distinguished name with one RDN: CN (UTF8String). */
export const name = (cn: string): Uint8Array => seq(set(seq(oid("2.5.4.3"), utf8String(cn))));

/** A distinguished name `O=organization, CN=commonName` (either may be omitted; both omitted is the empty name). */
export function distinguishedName(n: { organization?: string; commonName?: string }): Uint8Array {
  const rdns: Uint8Array[] = [];
  if (n.organization !== undefined) {
    rdns.push(set(seq(oid("2.5.4.10"), utf8String(n.organization))));
  }
  if (n.commonName !== undefined) rdns.push(set(seq(oid("2.5.4.3"), utf8String(n.commonName))));
  return seq(...rdns);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** `YYYYMMDDhhmmss[.fff]Z` (GeneralizedTime text; milliseconds only when non-zero). */
export function generalizedTimeText(date: Date): string {
  const ms = date.getUTCMilliseconds();
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}` +
    `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}` +
    (ms ? `.${pad(ms, 3).replace(/0+$/, "")}` : "") + "Z";
}

/** An X.509 `Time`: UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5). */
export function x509Time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const text = generalizedTimeText(whole);
  return year >= 1950 && year < 2050 ? tlv(0x17, utf8(text.slice(2))) : tlv(0x18, utf8(text));
}

/** DER BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array): Uint8Array => tlv(0x03, new Uint8Array([0]), bytes);

/** IEEE P1363 `r || s` (WebCrypto's ECDSA output) to a DER ECDSA-Sig-Value. */
export function p1363ToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return seq(int(raw.subarray(0, half)), int(raw.subarray(half)));
}

// ---------------------------------------------------------------------------------------------
// Keys

/** The ECDSA curves tests generate keys on. */
export type EcCurve = "P-256" | "P-384" | "P-521";

/** The key kinds tests generate. */
export type SynthKeyKind = "ec" | "rsa" | "ed25519";

/** A WebCrypto key pair with its DER SubjectPublicKeyInfo. */
export interface SynthKey {
  /** The WebCrypto key pair. */
  readonly pair: CryptoKeyPair;
  /** Which scheme the key is for. */
  readonly kind: SynthKeyKind;
  /** `P-256` / `P-384` / `P-521` for EC keys. */
  readonly curve?: EcCurve;
  /** DER SubjectPublicKeyInfo of the public key. */
  readonly spki: Uint8Array;
}

async function withSpki(
  pair: CryptoKeyPair,
  kind: SynthKeyKind,
  curve?: EcCurve,
): Promise<SynthKey> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { pair, kind, curve, spki };
}

/** A new ECDSA key (P-256 unless told otherwise). */
export async function ecKey(curve: EcCurve = "P-256"): Promise<SynthKey> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  return await withSpki(pair, "ec", curve);
}

/** A new RSA-2048 PKCS#1 v1.5 key. */
export async function rsaKey(): Promise<SynthKey> {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  return await withSpki(pair, "rsa");
}

/** A new Ed25519 key. */
export async function ed25519Key(): Promise<SynthKey> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  return await withSpki(pair, "ed25519");
}

/**
 * Signs `data`: ECDSA with `hash` (DER signature), RSA PKCS#1 v1.5 with `hash`, Ed25519 over the
 * message (`hash` ignored).
 */
export async function sign(key: SynthKey, data: Uint8Array, hash = "SHA-256"): Promise<Uint8Array> {
  const buffer = data.slice().buffer;
  if (key.kind === "ec") {
    const raw = await crypto.subtle.sign({ name: "ECDSA", hash }, key.pair.privateKey, buffer);
    return p1363ToDer(new Uint8Array(raw));
  }
  if (key.kind === "ed25519") {
    return new Uint8Array(
      await crypto.subtle.sign({ name: "Ed25519" }, key.pair.privateKey, buffer),
    );
  }
  let privateKey = key.pair.privateKey;
  if (hash !== "SHA-256") {
    const pkcs8 = await crypto.subtle.exportKey("pkcs8", privateKey);
    privateKey = await crypto.subtle.importKey(
      "pkcs8",
      pkcs8,
      {
        name: "RSASSA-PKCS1-v1_5",
        hash,
      },
      false,
      ["sign"],
    );
  }
  return new Uint8Array(
    await crypto.subtle.sign({ name: "RSASSA-PKCS1-v1_5" }, privateKey, buffer),
  );
}

/**
 * The DER AlgorithmIdentifier `key` signs with in CMS tokens made by `makeToken`: ECDSA with
 * SHA-256 (whatever the curve), sha256WithRSAEncryption, or Ed25519.
 */
export const sigAlg = (key: SynthKey): Uint8Array =>
  key.kind === "ec"
    ? seq(oid("1.2.840.10045.4.3.2"))
    : key.kind === "ed25519"
    ? seq(oid("1.3.101.112"))
    : seq(oid("1.2.840.113549.1.1.11"), NULL);

const keyCache = new Map<string, Promise<SynthKey>>();

/**
 * A key generated once per test module under `label` (RSA generation is slow; every test of a
 * module shares its keys). Different labels give different keys.
 */
export function cachedKey(
  label: string,
  kind: EcCurve | "rsa" | "ed25519",
): Promise<SynthKey> {
  const id = `${label}|${kind}`;
  let key = keyCache.get(id);
  if (!key) {
    key = kind === "rsa" ? rsaKey() : kind === "ed25519" ? ed25519Key() : ecKey(kind);
    keyCache.set(id, key);
  }
  return key;
}
