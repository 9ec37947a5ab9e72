import assert from "node:assert/strict";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from "@peculiar/asn1-x509";
import { ECDSASigValue } from "@peculiar/asn1-ecc";
import { decodeBase64 } from "./bytes.ts";
import { verifyCertificateChain } from "./x509_chain.ts";
import {
  type CertificateAuthority,
  parseTrustedRoot,
  type TrustedRoot,
} from "../trust/trusted_root.ts";

// ---------------------------------------------------------------------------------------------
// Corpus cases

const CORPUS = new URL("../../tests/fixtures/corpus/", import.meta.url);

interface CorpusCase {
  id: string;
  expect: string;
  leafDer: Uint8Array;
  root: TrustedRoot;
  time: Date;
}

const rootCache = new Map<string, Promise<TrustedRoot>>();
function loadRoot(file: URL, name: string): Promise<TrustedRoot> {
  let root = rootCache.get(file.href);
  if (!root) {
    root = parseTrustedRoot(Deno.readTextFileSync(file), name);
    rootCache.set(file.href, root);
  }
  return root;
}

function rootFile(trustedRoot: string, dir: URL): URL {
  return ["public-good", "staging", "github"].includes(trustedRoot)
    ? new URL(`roots/${trustedRoot}.trusted_root.json`, CORPUS)
    : new URL(trustedRoot, dir);
}

async function loadCases(): Promise<CorpusCase[]> {
  const out: CorpusCase[] = [];
  for (const entry of Deno.readDirSync(new URL("cases/", CORPUS))) {
    if (!entry.isDirectory) continue;
    const dir = new URL(`cases/${entry.name}/`, CORPUS);
    const meta = JSON.parse(Deno.readTextFileSync(new URL("case.json", dir)));
    const facts = meta.bundle_facts?.leaf;
    if (!facts) continue;
    const bundle = JSON.parse(Deno.readTextFileSync(new URL(meta.bundle, dir)));
    const vm = bundle.verificationMaterial ?? {};
    const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates?.[0]?.rawBytes;
    if (typeof raw !== "string") continue;
    // The verified signing time: Rekor's integrated time, else (GitHub's instance, Rekor v2 with a
    // TSA timestamp) one minute into the certificate's validity.
    const integrated = (vm.tlogEntries ?? [])
      .map((e: { integratedTime?: string }) => Number(e.integratedTime ?? 0))
      .find((t: number) => t > 0);
    const time = integrated
      ? new Date(integrated * 1000)
      : new Date(Date.parse(facts.not_before) + 60_000);
    out.push({
      id: meta.id,
      expect: meta.expect,
      leafDer: decodeBase64(raw),
      root: await loadRoot(rootFile(meta.trusted_root, dir), meta.trusted_root),
      time,
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

const cases = await loadCases();

function caseById(id: string): CorpusCase {
  const found = cases.find((c) => c.id === id);
  assert.ok(found, `case ${id} is in the corpus`);
  return found;
}

function assertFail(
  result: Awaited<ReturnType<typeof verifyCertificateChain>>,
  code: string,
  pattern?: RegExp,
): string {
  assert.equal(result.ok, false, `expected ${code}, got ok`);
  if (result.ok) return "";
  assert.equal(result.code, code, result.message);
  if (pattern) assert.match(result.message, pattern);
  return result.message;
}

Deno.test("every certificate-based pass case chains to its trusted root", async () => {
  const pass = cases.filter((c) => c.expect === "pass");
  assert.ok(pass.length >= 40, `found ${pass.length} pass cases`);
  const roots = new Set<string>();
  for (const c of pass) {
    const result = await verifyCertificateChain(
      c.leafDer,
      c.root.certificateAuthorities,
      c.time,
    );
    assert.ok(result.ok, `${c.id}: ${!result.ok && `${result.code}: ${result.message}`}`);
    assert.ok(c.root.certificateAuthorities.includes(result.value.authority), c.id);
    assert.ok(
      result.value.authority.certChain.some((der) => der === result.value.issuer),
      `${c.id}: issuer is a trusted-root certificate`,
    );
    roots.add(c.root.name);
  }
  // public-good, staging, GitHub's instance and custom roots are all exercised.
  for (const name of ["public-good", "staging", "github", "trusted_root.json"]) {
    assert.ok(roots.has(name), `a pass case uses the ${name} root`);
  }
});

Deno.test("the authority whose window covers the signing time is chosen", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const result = await verifyCertificateChain(c.leafDer, c.root.certificateAuthorities, c.time);
  assert.ok(result.ok);
  assert.equal(result.value.authority, c.root.certificateAuthorities[1]);
  assert.equal(result.value.authority.validFor.start?.toISOString(), "2022-04-13T20:06:15.000Z");
  assert.equal(result.value.issuer, c.root.certificateAuthorities[1].certChain[0]);
});

Deno.test("GitHub's instance: the right generation of six, and a leaf issued one level up", async () => {
  const demo = caseById("gh-github-provenance-demo");
  assert.equal(demo.root.ctlogs.length, 0);
  const result = await verifyCertificateChain(
    demo.leafDer,
    demo.root.certificateAuthorities,
    demo.time,
  );
  assert.ok(result.ok);
  const window = result.value.authority.validFor;
  assert.ok(window.start! <= demo.time && (!window.end || demo.time <= window.end));

  // Release attestations are signed by "Fulcio Intermediate l1", certChain[1] of the authority.
  const release = caseById("gh-github-release-attestation");
  const chained = await verifyCertificateChain(
    release.leafDer,
    release.root.certificateAuthorities,
    release.time,
  );
  assert.ok(chained.ok, !chained.ok ? chained.message : "");
  assert.equal(chained.value.issuer, chained.value.authority.certChain[1]);
});

Deno.test("a staging bundle does not chain to the public-good root", async () => {
  const c = caseById("conf-bundle-from-wrong-instance_fail");
  assert.equal(c.root.name, "public-good");
  const result = await verifyCertificateChain(c.leafDer, c.root.certificateAuthorities, c.time);
  const message = assertFail(result, "certificate-untrusted");
  // Both public-good authorities are named with the reason each failed.
  assert.match(
    message,
    /\(1\) https:\/\/fulcio\.sigstore\.dev .*\(2\) https:\/\/fulcio\.sigstore\.dev/,
  );
  assert.match(message, /does not verify/);
  const staging = await loadRoot(new URL("roots/staging.trusted_root.json", CORPUS), "staging");
  const ok = await verifyCertificateChain(c.leafDer, staging.certificateAuthorities, c.time);
  assert.ok(ok.ok);
});

Deno.test("signing time outside the leaf validity fails with certificate-expired", async () => {
  const expired = caseById("conf-intoto-expired-certificate_fail");
  assertFail(
    await verifyCertificateChain(
      expired.leafDer,
      expired.root.certificateAuthorities,
      expired.time,
    ),
    "certificate-expired",
    /2023-02-01T00:00:00\.000Z.*2030-01-01T00:00:00\.000Z\.\.2030-01-01T00:10:00\.000Z/,
  );
  const future = caseById("conf-integrated-time-in-future_fail");
  assertFail(
    await verifyCertificateChain(future.leafDer, future.root.certificateAuthorities, future.time),
    "certificate-expired",
    /2026-05-07T15:34:11\.000Z/,
  );
  // The validity bounds are inclusive; one millisecond past notAfter is not.
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const cas = c.root.certificateAuthorities;
  const notAfter = new Date("2023-08-29T15:50:23Z");
  assert.ok((await verifyCertificateChain(c.leafDer, cas, notAfter)).ok);
  assertFail(
    await verifyCertificateChain(c.leafDer, cas, new Date(notAfter.getTime() + 1)),
    "certificate-expired",
  );
  assertFail(
    await verifyCertificateChain(c.leafDer, cas, new Date("2023-08-29T15:40:22.999Z")),
    "certificate-expired",
  );
  assertFail(await verifyCertificateChain(c.leafDer, cas, new Date(NaN)), "certificate-expired");
});

Deno.test("signing time outside the authority's validFor fails", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const narrowed: CertificateAuthority[] = c.root.certificateAuthorities.map((ca) => ({
    ...ca,
    validFor: { start: ca.validFor.start, end: new Date("2023-01-01T00:00:00Z") },
  }));
  assertFail(
    await verifyCertificateChain(c.leafDer, narrowed, c.time),
    "certificate-authority-outside-validity",
    /2023-08-29T15:40:23\.000Z.*fulcio\.sigstore\.dev/,
  );
});

Deno.test("a flipped byte in the leaf signature makes it untrusted", async () => {
  const c = caseById("sjs-bundleV03-dsse");
  const mutated = c.leafDer.slice();
  mutated[mutated.length - 1] ^= 0x01;
  assertFail(
    await verifyCertificateChain(mutated, c.root.certificateAuthorities, c.time),
    "certificate-untrusted",
    /does not verify/,
  );
  // …and so does a flipped byte inside the signed part (here: in the SAN e-mail address).
  const signed = c.leafDer.slice();
  const at = indexOf(signed, new TextEncoder().encode("brian@dehamer.com"));
  assert.ok(at > 0);
  signed[at] ^= 0x20;
  assertFail(
    await verifyCertificateChain(signed, c.root.certificateAuthorities, c.time),
    "certificate-untrusted",
  );
});

Deno.test("bundle intermediates are never used: a root-only authority does not chain", async () => {
  const c = caseById("sgo-bundle-provenance");
  const [ca] = c.root.certificateAuthorities.slice(-1);
  const rootOnly: CertificateAuthority = { ...ca, certChain: ca.certChain.slice(-1) };
  assertFail(
    await verifyCertificateChain(c.leafDer, [rootOnly], c.time),
    "certificate-untrusted",
    /no certificate of its chain is named CN=sigstore-intermediate/,
  );
  assertFail(
    await verifyCertificateChain(c.leafDer, [], c.time),
    "certificate-untrusted",
    /none/,
  );
});

Deno.test("garbage and truncated certificates are malformed", async () => {
  const c = caseById("sjs-bundleV03-dsse");
  const cas = c.root.certificateAuthorities;
  assertFail(await verifyCertificateChain(new Uint8Array(), cas, c.time), "certificate-malformed");
  assertFail(
    await verifyCertificateChain(new Uint8Array([0x30, 0x02, 0x05, 0x00]), cas, c.time),
    "certificate-malformed",
  );
  assertFail(
    await verifyCertificateChain(c.leafDer.subarray(0, c.leafDer.length - 3), cas, c.time),
    "certificate-malformed",
  );
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Synthetic certificates, for properties the corpus has no example of.

const ECDSA_SHA256 = "1.2.840.10045.4.3.2";
const CODE_SIGNING = "1.3.6.1.5.5.7.3.3";
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
// keyUsage BIT STRINGs: digitalSignature (bit 0); keyCertSign | cRLSign (bits 5, 6).
const KU_DIGITAL_SIGNATURE = new Uint8Array([0x03, 0x02, 0x07, 0x80]);
const KU_CERT_SIGN = new Uint8Array([0x03, 0x02, 0x01, 0x06]);

interface TestKey {
  readonly pair: CryptoKeyPair;
  readonly spki: Uint8Array;
}

async function newKey(): Promise<TestKey> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { pair, spki };
}

function name(cn: string): Name {
  return new Name([
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({
        type: "2.5.4.3",
        value: new AttributeValue({ utf8String: cn }),
      }),
    ]),
  ]);
}

interface CertSpec {
  subject: string;
  issuer: string;
  key: TestKey;
  signer: TestKey;
  notBefore: Date;
  notAfter: Date;
  ca?: { pathLen?: number };
  /** Omit to leave out the extension. */
  keyUsage?: Uint8Array;
  eku?: string[];
}

let serial = 1;

async function makeCert(spec: CertSpec): Promise<Uint8Array> {
  const extensions: Extension[] = [];
  if (spec.ca) {
    extensions.push(
      new Extension({
        extnID: "2.5.29.19",
        critical: true,
        extnValue: new OctetString(
          AsnConvert.serialize(
            new BasicConstraints({ cA: true, pathLenConstraint: spec.ca.pathLen }),
          ),
        ),
      }),
    );
  }
  if (spec.keyUsage) {
    extensions.push(
      new Extension({
        extnID: "2.5.29.15",
        critical: true,
        extnValue: new OctetString(spec.keyUsage),
      }),
    );
  }
  if (spec.eku) {
    extensions.push(
      new Extension({
        extnID: "2.5.29.37",
        extnValue: new OctetString(AsnConvert.serialize(new ExtendedKeyUsage(spec.eku))),
      }),
    );
  }
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array([serial++]).buffer,
    signature: algorithm,
    issuer: name(spec.issuer),
    validity: new Validity({ notBefore: spec.notBefore, notAfter: spec.notAfter }),
    subject: name(spec.subject),
    subjectPublicKeyInfo: AsnConvert.parse(spec.key.spki, SubjectPublicKeyInfo),
  });
  if (extensions.length) tbs.extensions = new Extensions(extensions);
  const tbsDer = AsnConvert.serialize(tbs);
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" },
      spec.signer.pair.privateKey,
      tbsDer,
    ),
  );
  const signature = AsnConvert.serialize(
    new ECDSASigValue({ r: positive(raw.subarray(0, 32)), s: positive(raw.subarray(32)) }),
  );
  return new Uint8Array(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm: algorithm,
        signatureValue: signature,
      }),
    ),
  );
}

/** A big-endian unsigned integer as a DER INTEGER body (leading zero when the top bit is set). */
function positive(bytes: Uint8Array): ArrayBuffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  const out = new Uint8Array(body[0] & 0x80 ? body.length + 1 : body.length);
  out.set(body, out.length - body.length);
  return out.buffer;
}

const T0 = new Date("2025-01-01T00:00:00Z");
const T1 = new Date("2030-01-01T00:00:00Z");
const SIGNED_AT = new Date("2026-01-01T00:05:00Z");

interface Pki {
  rootKey: TestKey;
  intermediateKey: TestKey;
  leafKey: TestKey;
  authority: (
    overrides?: { intermediate?: Partial<CertSpec>; root?: Partial<CertSpec> },
  ) => Promise<
    CertificateAuthority
  >;
  leaf: (overrides?: Partial<CertSpec>) => Promise<Uint8Array>;
}

async function pki(): Promise<Pki> {
  const rootKey = await newKey();
  const intermediateKey = await newKey();
  const leafKey = await newKey();
  return {
    rootKey,
    intermediateKey,
    leafKey,
    authority: async (overrides = {}) => {
      const root = await makeCert({
        subject: "Test Root",
        issuer: "Test Root",
        key: rootKey,
        signer: rootKey,
        notBefore: T0,
        notAfter: T1,
        ca: { pathLen: 1 },
        keyUsage: KU_CERT_SIGN,
        ...overrides.root,
      });
      const intermediate = await makeCert({
        subject: "Test Intermediate",
        issuer: "Test Root",
        key: intermediateKey,
        signer: rootKey,
        notBefore: T0,
        notAfter: T1,
        ca: { pathLen: 0 },
        keyUsage: KU_CERT_SIGN,
        eku: [CODE_SIGNING],
        ...overrides.intermediate,
      });
      return {
        uri: "https://fulcio.test",
        subject: { organization: "test", commonName: "Test Root" },
        certChain: [intermediate, root],
        validFor: { start: T0 },
      };
    },
    leaf: (overrides = {}) =>
      makeCert({
        subject: "",
        issuer: "Test Intermediate",
        key: leafKey,
        signer: intermediateKey,
        notBefore: new Date("2026-01-01T00:00:00Z"),
        notAfter: new Date("2026-01-01T00:10:00Z"),
        keyUsage: KU_DIGITAL_SIGNATURE,
        eku: [CODE_SIGNING],
        ...overrides,
      }),
  };
}

Deno.test("synthetic: a well-formed code-signing chain verifies", async () => {
  const p = await pki();
  const authority = await p.authority();
  const result = await verifyCertificateChain(await p.leaf(), [authority], SIGNED_AT);
  assert.ok(result.ok, !result.ok ? result.message : "");
  assert.equal(result.value.issuer, authority.certChain[0]);
});

Deno.test("synthetic: leaf key usage, EKU and CA flag are enforced", async () => {
  const p = await pki();
  const authority = await p.authority();
  const check = async (overrides: Partial<CertSpec>, pattern: RegExp) =>
    assertFail(
      await verifyCertificateChain(await p.leaf(overrides), [authority], SIGNED_AT),
      "certificate-key-usage",
      pattern,
    );
  await check({ eku: [SERVER_AUTH] }, /codeSigning/);
  await check({ eku: undefined }, /no extendedKeyUsage/);
  await check({ keyUsage: undefined }, /no keyUsage/);
  await check({ keyUsage: KU_CERT_SIGN }, /digitalSignature/);
  await check({ ca: {} }, /CA certificate/);
});

Deno.test("synthetic: CA certificates must be valid at the signing time", async () => {
  const p = await pki();
  const authority = await p.authority({
    intermediate: { notAfter: new Date("2026-01-01T00:01:00Z") },
  });
  assertFail(
    await verifyCertificateChain(await p.leaf(), [authority], SIGNED_AT),
    "certificate-expired",
    /CA certificate CN=Test Intermediate/,
  );
});

Deno.test("synthetic: an intermediate without code signing in its EKU cannot issue", async () => {
  const p = await pki();
  const authority = await p.authority({ intermediate: { eku: [SERVER_AUTH] } });
  assertFail(
    await verifyCertificateChain(await p.leaf(), [authority], SIGNED_AT),
    "certificate-key-usage",
    /may not issue code-signing/,
  );
});

Deno.test("synthetic: trust-root structure is checked (CA flag, self-signature, path length)", async () => {
  const p = await pki();
  const leaf = await p.leaf();
  const notCa = await p.authority({ intermediate: { ca: undefined } });
  assertFail(
    await verifyCertificateChain(leaf, [notCa], SIGNED_AT),
    "certificate-untrusted",
    /not a CA/,
  );
  const other = await newKey();
  const badRoot = await p.authority({ root: { signer: other } });
  assertFail(
    await verifyCertificateChain(leaf, [badRoot], SIGNED_AT),
    "certificate-untrusted",
    /not signed by itself/,
  );
  const shortPath = await p.authority({ root: { ca: { pathLen: 0 } } });
  assertFail(
    await verifyCertificateChain(leaf, [shortPath], SIGNED_AT),
    "certificate-untrusted",
    /path length/,
  );
  // The same leaf verifies once a good authority is also listed: all authorities are tried.
  const good = await p.authority();
  const result = await verifyCertificateChain(leaf, [notCa, badRoot, shortPath, good], SIGNED_AT);
  assert.ok(result.ok);
  assert.equal(result.value.authority, good);
});

Deno.test("synthetic: a leaf signed by another key with the right issuer name is untrusted", async () => {
  const p = await pki();
  const authority = await p.authority();
  const impostor = await newKey();
  assertFail(
    await verifyCertificateChain(await p.leaf({ signer: impostor }), [authority], SIGNED_AT),
    "certificate-untrusted",
    /certChain\[0\] \(CN=Test Intermediate\): the signature does not verify/,
  );
});
