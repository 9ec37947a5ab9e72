/**
 * X.509 path validation for Sigstore signing certificates, against the certificate authorities of
 * a trusted root only.
 *
 * Sigstore verifies certificates in the "hybrid model": the leaf and every CA certificate above it
 * must be valid at the (already verified) signing time, not now. Intermediates a bundle carries are
 * never trusted: a path may only use the certificates of one authority's `certChain`.
 * @module
 */
import {
  certificateParts,
  certificatePublicKey,
  type DecodedCertificate,
  parseAsnCertificate,
  signatureBytes,
} from "./asn1_certificate.ts";
import { bytesEqual, encodeHex } from "./bytes.ts";
import { type HashName, type PublicKeyMaterial, verifySignature } from "./signature.ts";
import { fail, ok, type Verified } from "./verified.ts";
import {
  type AlgorithmId,
  decodeAlgorithmId,
  decodeBasicConstraints,
  type DecodedBasicConstraints,
  type DecodedName,
  decodeExtKeyUsage,
  decodeGeneralNames,
  decodeKeyUsage,
  type NameValue,
} from "./x509_fields.ts";
import {
  type CertificateAuthority,
  isWithinWindow,
  type ValidityWindow,
} from "../trust/trusted_root.ts";

/** What a successful chain verification established. */
export interface VerifiedChain {
  /** The trusted-root authority whose `certChain` the leaf chains to. */
  readonly authority: CertificateAuthority;
  /** DER of the certificate that signed the leaf (normally `authority.certChain[0]`). */
  readonly issuer: Uint8Array;
}

const OID_KEY_USAGE = "2.5.29.15";
const OID_BASIC_CONSTRAINTS = "2.5.29.19";
const OID_EXT_KEY_USAGE = "2.5.29.37";
const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const OID_ANY_EKU = "2.5.29.37.0";

/** Critical extensions this module understands (or that carry no constraint it must enforce). */
const HANDLED_CRITICAL = new Set([
  OID_KEY_USAGE,
  OID_BASIC_CONSTRAINTS,
  OID_EXT_KEY_USAGE,
  OID_SUBJECT_ALT_NAME, // read by lib/evidence/fulcio_identity.ts
  "2.5.29.14", // subjectKeyIdentifier
  "2.5.29.35", // authorityKeyIdentifier
  "2.5.29.32", // certificatePolicies (no policy is required)
]);

const KEY_USAGE_DIGITAL_SIGNATURE = 0;
const KEY_USAGE_KEY_CERT_SIGN = 5;

const SIGNATURE_ALGORITHMS: Record<
  string,
  { family: "ecdsa" | "rsa-pkcs1" | "ed25519"; hash: HashName }
> = {
  "1.2.840.10045.4.3.2": { family: "ecdsa", hash: "SHA-256" },
  "1.2.840.10045.4.3.3": { family: "ecdsa", hash: "SHA-384" },
  "1.2.840.10045.4.3.4": { family: "ecdsa", hash: "SHA-512" },
  "1.2.840.113549.1.1.11": { family: "rsa-pkcs1", hash: "SHA-256" },
  "1.2.840.113549.1.1.12": { family: "rsa-pkcs1", hash: "SHA-384" },
  "1.2.840.113549.1.1.13": { family: "rsa-pkcs1", hash: "SHA-512" },
  "1.3.101.112": { family: "ed25519", hash: "SHA-512" },
};
const OID_RSASSA_PSS = "1.2.840.113549.1.1.10";
const OID_MGF1 = "1.2.840.113549.1.1.8";
const HASH_OIDS: Record<string, HashName> = {
  "2.16.840.1.101.3.4.2.1": "SHA-256",
  "2.16.840.1.101.3.4.2.2": "SHA-384",
  "2.16.840.1.101.3.4.2.3": "SHA-512",
};
const HASH_LENGTH: Record<HashName, number> = { "SHA-256": 32, "SHA-384": 48, "SHA-512": 64 };

/** What a certificate's signature check needs: the signed bytes, the algorithm, the signature. */
interface SignedPart {
  readonly tbs: Uint8Array;
  readonly signatureAlgorithm: AlgorithmId;
  readonly signature: Uint8Array;
  readonly issuerName: Uint8Array;
}

/** A certificate decoded once, with the exact bytes its signature covers. */
interface ParsedCertificate extends SignedPart {
  readonly der: Uint8Array;
  readonly subjectName: Uint8Array;
  readonly issuerText: string;
  readonly subjectText: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly key: PublicKeyMaterial | undefined;
  readonly keyProblem?: string;
  readonly basicConstraints?: DecodedBasicConstraints;
  /** Key usage bits (undefined when the extension is absent). */
  readonly keyUsage?: (bit: number) => boolean;
  /** Extended key usage OIDs (undefined when the extension is absent). */
  readonly extKeyUsage?: readonly string[];
  /** An unhandled critical extension, if any. */
  readonly unhandledCritical?: string;
}

class MalformedCertificate extends Error {}

const SHORT_NAMES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
};

function nameText(name: DecodedName): string {
  const parts: string[] = [];
  for (const rdn of [...name].reverse()) {
    for (const atv of rdn) {
      parts.push(`${SHORT_NAMES[atv.type] ?? atv.type}=${valueText(atv.value)}`);
    }
  }
  return parts.length ? parts.join(",") : "(empty name)";
}

/** An attribute's text as `AttributeValue.toString()` gave it: a string type's text, else hex. */
function valueText(value: NameValue): string {
  if (value.kind === "any") {
    return value.bytes.length === 2 && value.bytes[0] === 0x05
      ? "" // NULL
      : encodeHex(value.bytes);
  }
  return value.text ?? "";
}

function parseCertificate(der: Uint8Array): ParsedCertificate {
  let cert: DecodedCertificate;
  try {
    cert = parseAsnCertificate(der);
  } catch (cause) {
    throw new MalformedCertificate(`not an X.509 certificate (${(cause as Error).message})`);
  }
  const raw = cert.parts;
  let key: PublicKeyMaterial | undefined;
  let keyProblem: string | undefined;
  try {
    key = certificatePublicKey(der);
  } catch (cause) {
    keyProblem = (cause as Error).message;
  }
  let basicConstraints: DecodedBasicConstraints | undefined;
  let keyUsage: ((bit: number) => boolean) | undefined;
  let extKeyUsage: string[] | undefined;
  let unhandledCritical: string | undefined;
  const seen = new Set<string>();
  for (const extension of cert.extensions) {
    const oid = extension.extnID;
    if (seen.has(oid)) throw new MalformedCertificate(`extension ${oid} appears more than once`);
    seen.add(oid);
    const value = extension.value;
    try {
      if (oid === OID_BASIC_CONSTRAINTS) {
        basicConstraints = decodeBasicConstraints(value);
      } else if (oid === OID_EXT_KEY_USAGE) {
        extKeyUsage = decodeExtKeyUsage(value);
      } else if (oid === OID_KEY_USAGE) keyUsage = decodeKeyUsage(value);
      // Read by lib/evidence/fulcio_identity.ts; a certificate it cannot read is malformed.
      else if (oid === OID_SUBJECT_ALT_NAME) decodeGeneralNames(value);
    } catch (cause) {
      if (cause instanceof MalformedCertificate) throw cause;
      throw new MalformedCertificate(`extension ${oid} is malformed`);
    }
    if (extension.critical && !HANDLED_CRITICAL.has(oid) && unhandledCritical === undefined) {
      unhandledCritical = oid;
    }
  }
  return {
    der,
    tbs: raw.tbs,
    signatureAlgorithm: cert.signatureAlgorithm,
    signature: cert.signature,
    issuerName: raw.issuer,
    subjectName: raw.subject,
    issuerText: nameText(cert.issuer),
    subjectText: nameText(cert.subject),
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    key,
    keyProblem,
    basicConstraints,
    keyUsage,
    extKeyUsage,
    unhandledCritical,
  };
}

/**
 * The signature-check parts of `der`, read from its DER outline without decoding the whole
 * certificate (the full decode follows in {@link parseCertificate}, which validates everything;
 * a check started from these parts is only ever judged after it). Throws for a malformed outline.
 */
function signedPart(der: Uint8Array): SignedPart {
  const raw = certificateParts(der);
  return {
    tbs: raw.tbs,
    signatureAlgorithm: decodeAlgorithmId(raw.signatureAlgorithm),
    signature: signatureBytes(raw),
    issuerName: raw.issuer,
  };
}

async function pssParameters(params: Uint8Array | undefined): Promise<HashName | undefined> {
  // Absent or NULL parameters name no hash.
  if (!params || (params.length === 2 && params[0] === 0x05 && params[1] === 0)) return undefined;
  // Loaded for RSA-PSS certificates only (none of Sigstore's).
  const [{ AsnConvert }, { RsaSaPssParams }, { AlgorithmIdentifier }] = await Promise.all([
    import("@peculiar/asn1-schema"),
    import("@peculiar/asn1-rsa"),
    import("@peculiar/asn1-x509"),
  ]);
  const parsed = AsnConvert.parse(params, RsaSaPssParams);
  const hash = HASH_OIDS[parsed.hashAlgorithm.algorithm];
  if (!hash || parsed.maskGenAlgorithm.algorithm !== OID_MGF1) return undefined;
  const mgfParams = parsed.maskGenAlgorithm.parameters;
  if (
    !mgfParams || HASH_OIDS[AsnConvert.parse(mgfParams, AlgorithmIdentifier).algorithm] !== hash
  ) {
    return undefined;
  }
  if (parsed.saltLength !== HASH_LENGTH[hash] || parsed.trailerField !== 1) return undefined;
  return hash;
}

/** True when `issuer`'s key produced `child`'s signature; explains why not otherwise. */
/**
 * Work shared by the chain checks of one bundle (one leaf, several verified times and trusted
 * roots): the parsed leaf and the leaf-signature checks per issuing certificate. Create one per
 * bundle verification with {@link createChainCache}; it is never shared between bundles.
 */
export interface ChainCache {
  leafDer?: Uint8Array;
  leaf?: ParsedCertificate;
  readonly signatures: Map<string, Promise<string | undefined>>;
}

/** A fresh {@link ChainCache} for one bundle. */
export function createChainCache(): ChainCache {
  return { signatures: new Map() };
}

/**
 * Starts the leaf-signature checks against every trusted CA certificate that could have issued
 * the leaf, without waiting: the later {@link verifyCertificateChain} calls with the same cache
 * then find them running (or done). Verification needs no time for this step, so it can overlap
 * the transparency-log and timestamp checks. Never throws.
 */
export function primeCertificateChain(
  leafDer: Uint8Array,
  authorities: readonly CertificateAuthority[],
  cache: ChainCache,
): void {
  let leaf: SignedPart;
  try {
    // The outline only: this runs before the leaf is fully decoded, so that its (slow) signature
    // check overlaps the decoding.
    leaf = cache.leaf && cache.leafDer === leafDer ? cache.leaf : signedPart(leafDer);
  } catch {
    return; // verifyCertificateChain reports it
  }
  if (cache.leafDer !== leafDer) {
    cache.leaf = undefined;
    cache.leafDer = leafDer;
    cache.signatures.clear();
  }
  for (const authority of authorities) {
    loadAuthority(authority).then((state) => {
      for (const issuer of state.certs) {
        if (bytesEqual(leaf.issuerName, issuer.subjectName)) {
          void checkLeafSignature(leaf, issuer, cache);
        }
      }
    }, () => {});
  }
}

/**
 * The DER of the trusted CA certificates whose subject is the leaf's issuer name (distinct by
 * bytes), before any signature is checked: a guess at the issuer that lets work needing it
 * (SCTs) start early. The chain check decides which one, if any, really issued the leaf.
 */
export async function candidateIssuers(
  leafDer: Uint8Array,
  authorities: readonly CertificateAuthority[],
): Promise<Uint8Array[]> {
  let leaf: ParsedCertificate;
  try {
    leaf = parseCertificate(leafDer);
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const authority of authorities) {
    const state = await loadAuthority(authority);
    for (const cert of state.certs) {
      if (!bytesEqual(leaf.issuerName, cert.subjectName)) continue;
      const id = encodeHex(cert.der);
      if (!seen.has(id)) {
        seen.add(id);
        out.push(cert.der);
      }
    }
  }
  return out;
}

function checkLeafSignature(
  leaf: SignedPart,
  issuer: ParsedCertificate,
  cache: ChainCache | undefined,
): Promise<string | undefined> {
  if (!cache) return checkSignature(leaf, issuer);
  // The leaf's signature depends only on the issuer's key: CA generations that share a key
  // (GitHub's root lists six) share one check.
  const id = issuer.key ? `key:${encodeHex(issuer.key.spki)}` : `der:${encodeHex(issuer.der)}`;
  let result = cache.signatures.get(id);
  if (!result) {
    result = checkSignature(leaf, issuer);
    cache.signatures.set(id, result);
  }
  return result;
}

async function checkSignature(
  child: SignedPart,
  issuer: ParsedCertificate,
): Promise<string | undefined> {
  const key = issuer.key;
  if (!key) return `the issuing certificate's key is unusable (${issuer.keyProblem})`;
  const oid = child.signatureAlgorithm.algorithm;
  let material: PublicKeyMaterial = key;
  let hash: HashName;
  if (oid === OID_RSASSA_PSS) {
    let pssHash: HashName | undefined;
    try {
      pssHash = await pssParameters(child.signatureAlgorithm.parameters);
    } catch {
      pssHash = undefined;
    }
    if (!pssHash) return "unsupported RSASSA-PSS parameters";
    if (key.algorithm !== "rsa-pkcs1" && key.algorithm !== "rsa-pss") {
      return `an RSASSA-PSS signature cannot come from a ${key.algorithm} key`;
    }
    material = { ...key, algorithm: "rsa-pss" };
    hash = pssHash;
  } else {
    const known = SIGNATURE_ALGORITHMS[oid];
    if (!known) return `unsupported signature algorithm ${oid}`;
    const family = key.algorithm.startsWith("ecdsa-") ? "ecdsa" : key.algorithm;
    if (family !== known.family) {
      return `a ${oid} signature cannot come from a ${key.algorithm} key`;
    }
    hash = known.hash;
  }
  const valid = await verifySignature(material, child.tbs, child.signature, hash);
  return valid ? undefined : "the signature does not verify with the issuing certificate's key";
}

/** A trusted-root authority, parsed and checked once (its own chain is trust material). */
interface AuthorityState {
  readonly certs: readonly ParsedCertificate[];
  /** Why this authority cannot issue anything, if it cannot. */
  readonly problem?: string;
}

const authorityCache = new WeakMap<CertificateAuthority, Promise<AuthorityState>>();

function loadAuthority(authority: CertificateAuthority): Promise<AuthorityState> {
  let state = authorityCache.get(authority);
  if (!state) {
    state = checkAuthority(authority);
    authorityCache.set(authority, state);
  }
  return state;
}

async function checkAuthority(authority: CertificateAuthority): Promise<AuthorityState> {
  const certs: ParsedCertificate[] = [];
  for (const [i, der] of authority.certChain.entries()) {
    try {
      certs.push(parseCertificate(der));
    } catch (cause) {
      return { certs, problem: `its certChain[${i}] is unreadable (${(cause as Error).message})` };
    }
  }
  if (certs.length === 0) return { certs, problem: "its certChain is empty" };
  for (const [i, cert] of certs.entries()) {
    const where = `its certChain[${i}] (${cert.subjectText})`;
    if (cert.unhandledCritical) {
      return {
        certs,
        problem: `${where} has an unsupported critical extension ${cert.unhandledCritical}`,
      };
    }
    const isRoot = i === certs.length - 1;
    const bc = cert.basicConstraints;
    if (bc ? !bc.cA : !isRoot) return { certs, problem: `${where} is not a CA certificate` };
    if (cert.keyUsage && !cert.keyUsage(KEY_USAGE_KEY_CERT_SIGN)) {
      return { certs, problem: `${where} may not sign certificates (keyUsage lacks keyCertSign)` };
    }
    const parent = isRoot ? cert : certs[i + 1];
    if (!bytesEqual(cert.issuerName, parent.subjectName)) {
      return {
        certs,
        problem: isRoot
          ? `${where} is not self-issued`
          : `${where} is issued by ${cert.issuerText}, not by certChain[${
            i + 1
          }] (${parent.subjectText})`,
      };
    }
    const why = await checkSignature(cert, parent);
    if (why) {
      return {
        certs,
        problem: `${where} is not signed by ${isRoot ? "itself" : `certChain[${i + 1}]`}: ${why}`,
      };
    }
  }
  return { certs };
}

/** A path from the leaf's issuer up to an authority's root. */
interface Candidate {
  readonly authority: CertificateAuthority;
  readonly state: AuthorityState;
  /** `certChain` from the certificate that signed the leaf up to the root. */
  readonly path: readonly ParsedCertificate[];
}

/**
 * Finds the certificate of an authority's chain that issued `leaf`: usually `certChain[0]`, but a
 * chain may hold several CA levels and a leaf may come from a higher one (GitHub's release
 * attestations are issued by "Fulcio Intermediate l1", above "l2"). Calls `found` with its index
 * and returns `undefined`, or explains why none did.
 */
async function findIssuer(
  leaf: ParsedCertificate,
  state: AuthorityState,
  found: (start: number) => void,
  cache: ChainCache | undefined,
): Promise<string | undefined> {
  const reasons: string[] = [];
  for (const [start, issuer] of state.certs.entries()) {
    if (!bytesEqual(leaf.issuerName, issuer.subjectName)) continue;
    const why = await checkLeafSignature(leaf, issuer, cache);
    if (why) {
      reasons.push(`certChain[${start}] (${issuer.subjectText}): ${why}`);
      continue;
    }
    // basicConstraints pathLenConstraint: CA certificates below certChain[i] on this path.
    const tooDeep = state.certs.slice(start).findIndex((cert, depth) =>
      cert.basicConstraints?.pathLenConstraint !== undefined &&
      cert.basicConstraints.pathLenConstraint < depth
    );
    if (tooDeep >= 0) {
      const cert = state.certs[start + tooDeep];
      reasons.push(
        `certChain[${start + tooDeep}] (${cert.subjectText}) allows a path length of only ` +
          `${cert.basicConstraints?.pathLenConstraint}`,
      );
      continue;
    }
    found(start);
    return undefined;
  }
  if (reasons.length) return reasons.join("; ");
  return `no certificate of its chain is named ${leaf.issuerText} (issuing certificate: ${
    state.certs[0].subjectText
  })`;
}

function windowText(window: ValidityWindow): string {
  return `${window.start?.toISOString() ?? "(unbounded)"}..${
    window.end?.toISOString() ?? "(unbounded)"
  }`;
}

function authorityText(authority: CertificateAuthority): string {
  const subject = [authority.subject.organization, authority.subject.commonName].filter(Boolean)
    .join("/");
  return `${authority.uri || "(no uri)"}${subject ? ` [${subject}]` : ""} valid ${
    windowText(authority.validFor)
  }`;
}

function withinCertificate(cert: ParsedCertificate, time: Date): boolean {
  const t = time.getTime();
  return t >= cert.notBefore.getTime() && t <= cert.notAfter.getTime();
}

function codeSigningAllowed(eku: readonly string[] | undefined): boolean {
  return eku === undefined || eku.includes(OID_CODE_SIGNING) || eku.includes(OID_ANY_EKU);
}

/**
 * Verifies that `leafDer` is a code-signing certificate issued, signature by signature, through one
 * of `authorities` (a trusted root's `certificateAuthorities`), valid at `time`.
 *
 * Checks, in order (the first failure is returned):
 * 1. the leaf is a DER X.509 certificate without duplicate or unsupported critical extensions
 *    (`certificate-malformed`);
 * 2. some authority chains it: the leaf's issuer name is the subject of a certificate of the
 *    authority's `certChain` (normally `certChain[0]`; a higher level is accepted, as a path through
 *    a pool of those certificates would be) and the leaf's signature verifies with its key; each
 *    `certChain[i]` is a CA (basicConstraints cA; keyCertSign when keyUsage is present) named and
 *    signed by `certChain[i + 1]`; the last is self-signed; path length constraints hold. Only
 *    trusted-root certificates are ever used: no intermediates from the bundle. Every authority is
 *    tried, since roots list several with the same subject (`certificate-untrusted`, naming each
 *    authority tried and why it failed);
 * 3. `time` lies within the leaf's notBefore..notAfter, inclusive (`certificate-expired`);
 * 4. for at least one chaining authority: `time` lies within its `validFor`
 *    (`certificate-authority-outside-validity`), every CA certificate on the path is valid at `time`
 *    (`certificate-expired`), and no CA certificate on the path has an extendedKeyUsage that
 *    excludes code signing (`certificate-key-usage`);
 * 5. the leaf is not a CA, its keyUsage includes digitalSignature and its extendedKeyUsage includes
 *    codeSigning 1.3.6.1.5.5.7.3.3 (`certificate-key-usage`).
 *
 * `time` must be a verified signing time (a transparency log integrated time or an RFC 3161
 * timestamp), never the current clock for short-lived Fulcio certificates. Never throws.
 */
export async function verifyCertificateChain(
  leafDer: Uint8Array,
  authorities: readonly CertificateAuthority[],
  time: Date,
  cache?: ChainCache,
): Promise<Verified<VerifiedChain>> {
  let leaf: ParsedCertificate;
  try {
    if (cache?.leaf && cache.leafDer === leafDer) {
      leaf = cache.leaf;
    } else {
      leaf = parseCertificate(leafDer);
      if (cache) {
        // Checks primed for this same leaf (primeCertificateChain) are kept.
        if (cache.leafDer !== leafDer) cache.signatures.clear();
        cache.leaf = leaf;
        cache.leafDer = leafDer;
      }
    }
  } catch (cause) {
    return fail("certificate-malformed", `signing certificate: ${(cause as Error).message}`);
  }
  if (leaf.unhandledCritical) {
    return fail(
      "certificate-malformed",
      `signing certificate has an unsupported critical extension ${leaf.unhandledCritical}`,
    );
  }
  if (Number.isNaN(time.getTime())) {
    return fail("certificate-expired", "no valid signing time to check the certificate against");
  }

  const chaining: Candidate[] = [];
  const tried: string[] = [];
  for (const authority of authorities) {
    const state = await loadAuthority(authority);
    const why = state.problem ?? await findIssuer(leaf, state, (start) => {
      chaining.push({ authority, state, path: state.certs.slice(start) });
    }, cache);
    if (why) tried.push(`${authorityText(authority)}: ${why}`);
  }
  if (chaining.length === 0) {
    return fail(
      "certificate-untrusted",
      `signing certificate (issuer ${leaf.issuerText}) does not chain to any certificate authority ` +
        `of the trusted root; tried ${
          tried.length
            ? tried.map((t, i) => `(${i + 1}) ${t}`).join("; ")
            : "none (the root lists no CAs)"
        }`,
    );
  }

  if (!withinCertificate(leaf, time)) {
    return fail(
      "certificate-expired",
      `signing time ${time.toISOString()} is outside the signing certificate's validity ` +
        `${leaf.notBefore.toISOString()}..${leaf.notAfter.toISOString()}`,
    );
  }

  let found: Candidate | undefined;
  let failure: { rank: number; code: string; message: string } | undefined;
  const note = (rank: number, code: string, message: string) => {
    if (!failure || rank > failure.rank) failure = { rank, code, message };
  };
  for (const candidate of chaining) {
    const { authority, path } = candidate;
    if (!isWithinWindow(authority.validFor, time)) {
      note(
        0,
        "certificate-authority-outside-validity",
        `signing time ${time.toISOString()} is outside the validity the trusted root gives the ` +
          `certificate authority ${authorityText(authority)}`,
      );
      continue;
    }
    const expired = path.find((cert) => !withinCertificate(cert, time));
    if (expired) {
      note(
        1,
        "certificate-expired",
        `signing time ${time.toISOString()} is outside the validity ` +
          `${expired.notBefore.toISOString()}..${expired.notAfter.toISOString()} of CA certificate ` +
          `${expired.subjectText} (${authorityText(authority)})`,
      );
      continue;
    }
    const narrowed = path.find((cert) => !codeSigningAllowed(cert.extKeyUsage));
    if (narrowed) {
      note(
        2,
        "certificate-key-usage",
        `CA certificate ${narrowed.subjectText} may not issue code-signing certificates ` +
          `(its extendedKeyUsage is ${narrowed.extKeyUsage?.join(", ")})`,
      );
      continue;
    }
    found = candidate;
    break;
  }
  if (!found) {
    const f = failure!;
    return fail(f.code, f.message);
  }

  if (leaf.basicConstraints?.cA) {
    return fail(
      "certificate-key-usage",
      "signing certificate is a CA certificate (basicConstraints cA)",
    );
  }
  if (!leaf.keyUsage) {
    return fail(
      "certificate-key-usage",
      "signing certificate has no keyUsage extension (needs digitalSignature)",
    );
  }
  if (!leaf.keyUsage(KEY_USAGE_DIGITAL_SIGNATURE)) {
    return fail("certificate-key-usage", "signing certificate's keyUsage lacks digitalSignature");
  }
  if (!leaf.extKeyUsage?.includes(OID_CODE_SIGNING)) {
    return fail(
      "certificate-key-usage",
      `signing certificate's extendedKeyUsage lacks codeSigning (${OID_CODE_SIGNING}); it has ` +
        (leaf.extKeyUsage
          ? leaf.extKeyUsage.join(", ") || "none"
          : "no extendedKeyUsage extension"),
    );
  }
  return ok({ authority: found.authority, issuer: found.path[0].der });
}
