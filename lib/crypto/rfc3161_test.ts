import assert from "node:assert/strict";
import { type VerifiedTimestamp, verifyRfc3161Timestamp } from "./rfc3161.ts";
import { concatBytes, decodeBase64, utf8 } from "./bytes.ts";
import { digestBytes } from "./digest_bytes.ts";
import {
  ecKey,
  NULL,
  octets,
  oid,
  rsaKey,
  seq,
  type SynthKey,
  tlv,
  TRUE,
} from "../../tests/support/der.ts";
import {
  type CertOptions,
  makeCert,
  makeToken,
  TIMESTAMPING,
} from "../../tests/support/rfc3161_token.ts";
import type { Verified } from "./verified.ts";
import { type CertificateAuthority, parseTrustedRoot } from "../trust/trusted_root.ts";

// ---------------------------------------------------------------------------------------------
// Corpus helpers

const CORPUS = new URL("../../tests/fixtures/corpus/", import.meta.url);

interface CorpusCase {
  readonly id: string;
  readonly expect: string;
  readonly tokens: Uint8Array[];
  readonly signedBytes: Uint8Array;
  readonly authorities: readonly CertificateAuthority[];
}

async function loadRoot(
  caseId: string,
  rootName: string,
): Promise<readonly CertificateAuthority[]> {
  const url = rootName === "trusted_root.json"
    ? new URL(`cases/${caseId}/trusted_root.json`, CORPUS)
    : new URL(`roots/${rootName}.trusted_root.json`, CORPUS);
  return (await parseTrustedRoot(await Deno.readTextFile(url), rootName)).timestampAuthorities;
}

async function loadCase(id: string): Promise<CorpusCase> {
  const meta = JSON.parse(await Deno.readTextFile(new URL(`cases/${id}/case.json`, CORPUS)));
  const bundle = JSON.parse(
    await Deno.readTextFile(new URL(`cases/${id}/${meta.bundle}`, CORPUS)),
  );
  const entries: { signedTimestamp: string }[] =
    bundle.verificationMaterial?.timestampVerificationData?.rfc3161Timestamps ?? [];
  const signature: string = bundle.messageSignature
    ? bundle.messageSignature.signature
    : bundle.dsseEnvelope.signatures[0].sig;
  return {
    id,
    expect: meta.expect,
    tokens: entries.map((e) => decodeBase64(e.signedTimestamp)),
    signedBytes: decodeBase64(signature),
    authorities: await loadRoot(id, meta.trusted_root),
  };
}

function assertOk(
  result: Verified<VerifiedTimestamp>,
  context: string,
): VerifiedTimestamp {
  if (!result.ok) {
    assert.fail(`${context}: expected success, got ${result.code}: ${result.message}`);
  }
  return result.value;
}

function assertFails(result: Verified<VerifiedTimestamp>, code: string, context: string): void {
  assert.equal(result.ok, false, `${context}: expected failure ${code}, got success`);
  if (!result.ok) {
    assert.equal(result.code, code, `${context}: ${result.message}`);
    assert.ok(result.message.length > 20, `${context}: message should explain: ${result.message}`);
  }
}

/** Minimal TLV walker for tests: returns [headerLength, totalLength] at `offset`. */
function tlvAt(buf: Uint8Array, offset: number): [number, number] {
  const first = buf[offset + 1];
  if (first < 0x80) return [2, 2 + first];
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i];
  return [2 + n, 2 + n + len];
}

/** Extracts the TimeStampToken (ContentInfo) from a TimeStampResp. */
function bareToken(response: Uint8Array): Uint8Array {
  const [header] = tlvAt(response, 0);
  const [, statusLength] = tlvAt(response, header);
  const start = header + statusLength;
  const [, tokenLength] = tlvAt(response, start);
  return response.slice(start, start + tokenLength);
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function flipped(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice();
  copy[index] ^= 0x01;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Real pass cases

const PASS_CASES: Record<string, { times: string[]; hashes: string[] }> = {
  "gh-github-provenance-demo": { times: ["2024-04-22T17:33:26.000Z"], hashes: ["SHA-256"] },
  "gh-github-provenance-demo-v0.2": { times: ["2024-04-22T17:33:26.000Z"], hashes: ["SHA-256"] },
  "conf-rekor2-happy-path": { times: ["2025-06-12T12:02:20.000Z"], hashes: ["SHA-256"] },
  "conf-rekor2-dsse-happy-path": { times: ["2026-05-13T19:23:33.000Z"], hashes: ["SHA-256"] },
  "conf-rekor2-timestamp-with-embedded-cert": {
    times: ["2025-08-06T18:51:36.000Z"],
    hashes: ["SHA-256"],
  },
  "conf-rekor2-timestamp-with-expired-cert-chain": {
    times: ["2025-08-07T15:32:26.000Z"],
    hashes: ["SHA-256"],
  },
  "conf-trust-root-tsa-validity-end-inclusive": {
    times: ["2025-06-12T12:02:20.000Z"],
    hashes: ["SHA-256"],
  },
  "conf-intoto-with-custom-trust-root": {
    times: ["2023-02-01T00:00:00.000Z"],
    hashes: ["SHA-256"],
  },
  // The bundle's second timestamp does not cover the signature (see the test below).
  "spy-tsa-bundle.txt": { times: ["2024-10-31T10:23:39.000Z"], hashes: ["SHA-256"] },
};

for (const [id, expected] of Object.entries(PASS_CASES)) {
  Deno.test(`rfc3161: ${id} verifies at ${expected.times.join(", ")}`, async () => {
    const c = await loadCase(id);
    assert.equal(c.expect, "pass");
    assert.ok(c.tokens.length >= expected.times.length);
    for (const [n, token] of c.tokens.slice(0, expected.times.length).entries()) {
      const value = assertOk(await verifyRfc3161Timestamp(token, c.signedBytes, c.authorities), id);
      assert.equal(value.time.toISOString(), expected.times[n]);
      assert.equal(value.hashAlgorithm, expected.hashes[n]);
      assert.ok(c.authorities.includes(value.authority), "returns one of the given authorities");
    }
  });
}

Deno.test("rfc3161: gh-github-provenance-demo picks the GitHub TSA whose validFor covers genTime", async () => {
  const c = await loadCase("gh-github-provenance-demo");
  const value = assertOk(
    await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, c.authorities),
    c.id,
  );
  assert.equal(value.authority.uri, "timestamp.githubapp.com");
  assert.equal(value.authority.validFor.start?.toISOString(), "2023-10-27T16:30:00.000Z");
  assert.equal(value.authority.validFor.end?.toISOString(), "2024-05-25T00:00:00.000Z");
});

Deno.test('rfc3161: spy-tsa-bundle.txt\'s second timestamp covers SHA-512("hello"), not the signature', async () => {
  // sigstore-python counts the timestamps that verify and ignores the rest; this one cannot.
  const c = await loadCase("spy-tsa-bundle.txt");
  assert.equal(c.tokens.length, 2);
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[1], c.signedBytes, c.authorities),
    "timestamp-imprint-mismatch",
    "second timestamp",
  );
  const value = assertOk(
    await verifyRfc3161Timestamp(c.tokens[1], utf8("hello"), c.authorities),
    "second timestamp over hello",
  );
  assert.equal(value.time.toISOString(), "2024-10-31T13:31:44.000Z");
  assert.equal(value.hashAlgorithm, "SHA-512");
});

/** Corpus timestamps in passing cases that are known not to cover the bundle's signature. */
const KNOWN_UNRELATED = new Set(["spy-tsa-bundle.txt#1"]);

Deno.test("rfc3161: every timestamp in every passing corpus case verifies", async () => {
  let checked = 0;
  for await (const entry of Deno.readDir(new URL("cases/", CORPUS))) {
    if (!entry.isDirectory) continue;
    const meta = JSON.parse(
      await Deno.readTextFile(new URL(`cases/${entry.name}/case.json`, CORPUS)),
    );
    if (meta.expect !== "pass" || !(meta.tags ?? []).includes("rfc3161")) continue;
    const c = await loadCase(entry.name);
    for (const [n, token] of c.tokens.entries()) {
      const result = await verifyRfc3161Timestamp(token, c.signedBytes, c.authorities);
      if (KNOWN_UNRELATED.has(`${c.id}#${n}`)) {
        assertFails(result, "timestamp-imprint-mismatch", `${c.id}#${n}`);
      } else {
        assertOk(result, `${c.id}#${n}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 12, `expected at least 12 corpus timestamps, checked ${checked}`);
});

// ---------------------------------------------------------------------------------------------
// Real fail cases

const FAIL_CASES: Record<string, string> = {
  // The trusted root's validFor.end (2025-06-01) precedes genTime (2025-06-12T12:02:20Z).
  "conf-rekor2-timestamp-outside-trust-root-tsa-validity_fail": "timestamp-outside-validity",
  // genTime 15:38:32 is after the TSA chain's notAfter 15:37:08.
  "conf-rekor2-timestamp-outside-tsa-cert-validity_fail": "timestamp-outside-validity",
  // Signed by FreeTSA, which the root does not list, and the token embeds no certificates.
  "conf-rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": "timestamp-untrusted-authority",
};

for (const [id, code] of Object.entries(FAIL_CASES)) {
  Deno.test(`rfc3161: ${id} fails with ${code}`, async () => {
    const c = await loadCase(id);
    assert.equal(c.expect, "fail");
    assert.equal(c.tokens.length, 1);
    assertFails(await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, c.authorities), code, id);
  });
}

Deno.test("rfc3161: messages say what was expected and what was found", async () => {
  const c = await loadCase("conf-rekor2-timestamp-outside-trust-root-tsa-validity_fail");
  const result = await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, c.authorities);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.match(result.message, /20250612120220Z/);
    assert.match(result.message, /2025-06-01T00:00:00\.000Z/);
  }
  const cert = await loadCase("conf-rekor2-timestamp-outside-tsa-cert-validity_fail");
  const certResult = await verifyRfc3161Timestamp(
    cert.tokens[0],
    cert.signedBytes,
    cert.authorities,
  );
  assert.equal(certResult.ok, false);
  if (!certResult.ok) assert.match(certResult.message, /2025-08-07T15:37:08\.000Z/);
});

// ---------------------------------------------------------------------------------------------
// Mutations of real tokens

Deno.test("rfc3161: mutations of a real token fail", async () => {
  for (const id of ["conf-rekor2-happy-path", "gh-github-provenance-demo"]) {
    const c = await loadCase(id);
    const token = c.tokens[0];
    const verify = (t: Uint8Array) => verifyRfc3161Timestamp(t, c.signedBytes, c.authorities);
    assertOk(await verify(token), `${id} unmodified`);

    const imprint = await digestBytes(c.signedBytes, "SHA-256");
    const at = indexOf(token, imprint);
    assert.ok(at > 0, "the imprint is in the token");
    assertFails(await verify(flipped(token, at + 5)), "timestamp-imprint-mismatch", "imprint");

    // The SignerInfo signature is the last element of the token (no unsigned attributes).
    assertFails(
      await verify(flipped(token, token.length - 3)),
      "timestamp-signature-invalid",
      `${id} signature byte`,
    );

    // A TSTInfo change that keeps the imprint: genTime's last digit before "Z".
    const genTime = indexOf(
      token,
      utf8(id === "gh-github-provenance-demo" ? "20240422173326" : "20250612120220"),
    );
    assert.ok(genTime > 0, "genTime is in the token");
    assertFails(
      await verify(flipped(token, genTime + 13)),
      "timestamp-signature-invalid",
      `${id} genTime byte`,
    );

    assertFails(await verify(token.subarray(0, token.length - 10)), "timestamp-malformed", "cut");
    assertFails(await verify(token.subarray(0, 40)), "timestamp-malformed", "cut short");
    assertFails(await verify(concatBytes(token, new Uint8Array([0]))), "timestamp-malformed", "+1");
    assertFails(await verify(new Uint8Array()), "timestamp-malformed", "empty");
    assertFails(await verify(utf8("not a timestamp at all")), "timestamp-malformed", "garbage");
    const random = crypto.getRandomValues(new Uint8Array(300));
    random[0] = 0x30;
    assertFails(await verify(random), "timestamp-malformed", "random");
  }
});

Deno.test("rfc3161: a bare TimeStampToken (ContentInfo) verifies like the response", async () => {
  for (const id of ["conf-rekor2-timestamp-with-embedded-cert", "gh-github-provenance-demo"]) {
    const c = await loadCase(id);
    const bare = bareToken(c.tokens[0]);
    assert.equal(bare[0], 0x30);
    assert.equal(bare[4], 0x06, "ContentInfo starts with its content type OID");
    const value = assertOk(await verifyRfc3161Timestamp(bare, c.signedBytes, c.authorities), id);
    assert.equal(value.time.toISOString(), PASS_CASES[id].times[0]);
  }
});

Deno.test("rfc3161: wrong signed bytes fail with an imprint mismatch", async () => {
  const c = await loadCase("conf-rekor2-happy-path");
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], flipped(c.signedBytes, 0), c.authorities),
    "timestamp-imprint-mismatch",
    "flipped signature",
  );
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], new Uint8Array(), c.authorities),
    "timestamp-imprint-mismatch",
    "empty signed bytes",
  );
});

Deno.test("rfc3161: the DSSE timestamp covers the envelope signature, not the payload", async () => {
  const c = await loadCase("gh-github-provenance-demo");
  const bundle = JSON.parse(
    await Deno.readTextFile(
      new URL("cases/gh-github-provenance-demo/bundle.sigstore.json", CORPUS),
    ),
  );
  const payload = decodeBase64(bundle.dsseEnvelope.payload);
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], payload, c.authorities),
    "timestamp-imprint-mismatch",
    "payload",
  );
});

Deno.test("rfc3161: no authorities, or the wrong ones, fail as untrusted", async () => {
  const c = await loadCase("conf-rekor2-happy-path");
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, []),
    "timestamp-untrusted-authority",
    "empty list",
  );
  const github = await loadRoot("", "github");
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, github),
    "timestamp-untrusted-authority",
    "github root for a staging token",
  );
  const gh = await loadCase("gh-github-provenance-demo");
  assertFails(
    await verifyRfc3161Timestamp(gh.tokens[0], gh.signedBytes, c.authorities),
    "timestamp-untrusted-authority",
    "staging root for a GitHub token",
  );
});

Deno.test("rfc3161: the authority's validFor window is a closed interval", async () => {
  const c = await loadCase("conf-rekor2-happy-path");
  const genTime = new Date("2025-06-12T12:02:20Z");
  const withWindow = (start?: Date, end?: Date) =>
    c.authorities.map((a) => ({ ...a, validFor: { start, end } }));
  const verify = (authorities: readonly CertificateAuthority[]) =>
    verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, authorities);
  assertOk(await verify(withWindow(genTime, genTime)), "start == end == genTime");
  assertFails(
    await verify(withWindow(undefined, new Date(genTime.getTime() - 1))),
    "timestamp-outside-validity",
    "end 1ms before",
  );
  assertFails(
    await verify(withWindow(new Date(genTime.getTime() + 1), undefined)),
    "timestamp-outside-validity",
    "start 1ms after",
  );
});

Deno.test("rfc3161: an embedded signer chains to an authority that lists only CAs", async () => {
  const c = await loadCase("conf-rekor2-timestamp-with-embedded-cert");
  const caOnly = c.authorities.map((a) => ({ ...a, certChain: a.certChain.slice(1) }));
  assertOk(await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, caOnly), "root only");

  // Without embedded certificates there is no signer certificate to use.
  const gh = await loadCase("gh-github-provenance-demo");
  const ghCaOnly = gh.authorities.map((a) => ({ ...a, certChain: a.certChain.slice(1) }));
  assertFails(
    await verifyRfc3161Timestamp(gh.tokens[0], gh.signedBytes, ghCaOnly),
    "timestamp-untrusted-authority",
    "GitHub token, CA-only chain",
  );
});

Deno.test("rfc3161: a broken trusted chain is not trusted", async () => {
  const c = await loadCase("gh-github-provenance-demo");
  // Leaf, then the root directly: the leaf's issuer (the intermediate) is skipped.
  const skipped = c.authorities.map((a) => ({ ...a, certChain: [a.certChain[0], a.certChain[2]] }));
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, skipped),
    "timestamp-untrusted-authority",
    "skipped intermediate",
  );
  // A corrupted signature on the TSA certificate (last byte of the certificate).
  const corrupt = c.authorities.map((a) => ({
    ...a,
    certChain: [flipped(a.certChain[0], a.certChain[0].length - 2), ...a.certChain.slice(1)],
  }));
  assertFails(
    await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, corrupt),
    "timestamp-untrusted-authority",
    "corrupted certificate signature",
  );
});

Deno.test("rfc3161: a rejected TimeStampResp fails with its status", async () => {
  // TimeStampResp { status { rejection(2) } } with no token.
  const rejected = new Uint8Array([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02]);
  assertFails(await verifyRfc3161Timestamp(rejected, utf8("x"), []), "timestamp-rejected", "2");
  // granted but no token
  const empty = new Uint8Array([0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00]);
  assertFails(await verifyRfc3161Timestamp(empty, utf8("x"), []), "timestamp-malformed", "none");
});

// ---------------------------------------------------------------------------------------------
// Synthetic PKI: tokens this test signs itself, to reach the paths the corpus does not.

interface Pki {
  rootKey: SynthKey;
  root: Uint8Array;
  authority(leaf: Uint8Array, validFor?: { start?: Date; end?: Date }): CertificateAuthority;
  /** A TSA certificate ("TSA") for `subjectKey`, issued by the root, with `extra` options. */
  leaf(serial: number, subjectKey: SynthKey, extra?: Partial<CertOptions>): Promise<Uint8Array>;
}

async function makePki(): Promise<Pki> {
  const rootKey = await ecKey();
  const root = await makeCert({
    serial: 1,
    issuer: "Synthetic Root",
    subject: "Synthetic Root",
    subjectKey: rootKey,
    issuerKey: rootKey,
    ca: true,
  });
  return {
    rootKey,
    root,
    authority: (leaf, validFor = {}) => ({
      uri: "https://tsa.example",
      subject: { commonName: "Synthetic Root" },
      certChain: [leaf, root],
      validFor,
    }),
    leaf: (serial, subjectKey, extra = {}) =>
      makeCert({
        serial,
        issuer: "Synthetic Root",
        subject: "TSA",
        subjectKey,
        issuerKey: rootKey,
        ...extra,
      }),
  };
}

const DATA = utf8("the signature bytes being timestamped");

Deno.test("rfc3161 (synthetic): ECDSA and RSA signers, digest and signature algorithms", async () => {
  const pki = await makePki();
  const ecLeafKey = await ecKey();
  const ecLeaf = await makeCert({
    serial: 10,
    issuer: "Synthetic Root",
    subject: "EC TSA",
    subjectKey: ecLeafKey,
    issuerKey: pki.rootKey,
  });
  const ecToken = await makeToken({
    signedBytes: DATA,
    signer: ecLeafKey,
    issuer: "Synthetic Root",
    serial: 10,
  });
  const ec = assertOk(await verifyRfc3161Timestamp(ecToken, DATA, [pki.authority(ecLeaf)]), "ec");
  assert.equal(ec.time.toISOString(), "2025-06-01T12:00:00.000Z");

  const rsaLeafKey = await rsaKey();
  const rsaLeaf = await makeCert({
    serial: 11,
    issuer: "Synthetic Root",
    subject: "RSA TSA",
    subjectKey: rsaLeafKey,
    issuerKey: pki.rootKey,
  });
  const authorities = [pki.authority(ecLeaf), pki.authority(rsaLeaf)];
  // sha256WithRSAEncryption
  const rsa = await makeToken({
    signedBytes: DATA,
    signer: rsaLeafKey,
    issuer: "Synthetic Root",
    serial: 11,
  });
  const value = assertOk(await verifyRfc3161Timestamp(rsa, DATA, authorities), "rsa");
  assert.equal(value.authority, authorities[1]);
  // rsaEncryption with a SHA-384 digest algorithm, and a SHA-512 imprint
  const rsa384 = await makeToken({
    signedBytes: DATA,
    signer: rsaLeafKey,
    issuer: "Synthetic Root",
    serial: 11,
    digestHash: "SHA-384",
    imprintHash: "SHA-512",
    signatureAlgorithm: seq(oid("1.2.840.113549.1.1.1"), NULL),
  });
  const v384 = assertOk(await verifyRfc3161Timestamp(rsa384, DATA, authorities), "rsa384");
  assert.equal(v384.hashAlgorithm, "SHA-512");
  // The RSA token's signature does not verify when the sid points at the EC leaf.
  const wrongKey = await makeToken({
    signedBytes: DATA,
    signer: rsaLeafKey,
    issuer: "Synthetic Root",
    serial: 10,
    signatureAlgorithm: seq(oid("1.2.840.10045.4.3.2")),
  });
  assertFails(
    await verifyRfc3161Timestamp(wrongKey, DATA, authorities),
    "timestamp-signature-invalid",
    "RSA signature claimed to be the EC leaf's",
  );
  // A SHA-1 imprint is refused.
  const sha1 = await makeToken({
    signedBytes: DATA,
    signer: ecLeafKey,
    issuer: "Synthetic Root",
    serial: 10,
    imprintHash: "SHA-1",
  });
  assertFails(
    await verifyRfc3161Timestamp(sha1, DATA, authorities),
    "timestamp-unsupported-algorithm",
    "sha1",
  );
});

Deno.test("rfc3161 (synthetic): the TSA certificate must be a timestamping end entity", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const cases: [string, Partial<CertOptions>][] = [
    ["no EKU", { eku: null }],
    ["non-critical EKU", { eku: { critical: false, purposes: [TIMESTAMPING] } }],
    ["extra EKU", { eku: { critical: true, purposes: [TIMESTAMPING, "1.3.6.1.5.5.7.3.3"] } }],
    ["code-signing EKU", { eku: { critical: true, purposes: ["1.3.6.1.5.5.7.3.3"] } }],
  ];
  const token = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 20,
  });
  for (const [label, overrides] of cases) {
    const leaf = await pki.leaf(20, leafKey, overrides);
    assertFails(
      await verifyRfc3161Timestamp(token, DATA, [pki.authority(leaf)]),
      "timestamp-untrusted-authority",
      label,
    );
  }
  // A CA certificate (with the timestamping EKU) embedded as the signer of a CA-only authority.
  const caLeaf = await pki.leaf(20, leafKey, {
    ca: true,
    eku: { critical: true, purposes: [TIMESTAMPING] },
  });
  const embeddedCa = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 20,
    certificates: [caLeaf],
  });
  const rootOnly: CertificateAuthority = { ...pki.authority(pki.root), certChain: [pki.root] };
  assertFails(
    await verifyRfc3161Timestamp(embeddedCa, DATA, [rootOnly]),
    "timestamp-untrusted-authority",
    "CA as signer",
  );
  // The same shape with a proper end-entity leaf passes (the control for the case above).
  const goodLeaf = await pki.leaf(20, leafKey);
  const embeddedGood = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 20,
    certificates: [goodLeaf],
  });
  assertOk(
    await verifyRfc3161Timestamp(embeddedGood, DATA, [rootOnly]),
    "embedded leaf, root only",
  );
});

Deno.test("rfc3161 (synthetic): an embedded certificate must be the pinned TSA certificate", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const otherKey = await ecKey();
  const leaf = await pki.leaf(30, leafKey);
  // Same issuer and serial, different key, validly issued by the same root.
  const impostor = await pki.leaf(30, otherKey);
  const token = await makeToken({
    signedBytes: DATA,
    signer: otherKey,
    issuer: "Synthetic Root",
    serial: 30,
    certificates: [impostor],
  });
  assertFails(
    await verifyRfc3161Timestamp(token, DATA, [pki.authority(leaf)]),
    "timestamp-untrusted-authority",
    "impostor",
  );
  // Embedding the genuine leaf and signing with its key is fine; so is a key-id sid.
  const ski = new Uint8Array(20).fill(7);
  const leafWithSki = await pki.leaf(31, leafKey, {
    ski,
  });
  const byKeyId = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 31,
    keyId: ski,
    certificates: [pki.root, leafWithSki],
  });
  assertOk(await verifyRfc3161Timestamp(byKeyId, DATA, [pki.authority(leafWithSki)]), "key id");
  assertOk(
    await verifyRfc3161Timestamp(bareToken(byKeyId), DATA, [pki.authority(leafWithSki)]),
    "key id, bare token",
  );
  // A leaf issued by a different root does not chain.
  const strangerRoot = await ecKey();
  const strangerLeaf = await makeCert({
    serial: 32,
    issuer: "Synthetic Root",
    subject: "TSA",
    subjectKey: leafKey,
    issuerKey: strangerRoot,
  });
  const stranger = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 32,
  });
  assertFails(
    await verifyRfc3161Timestamp(stranger, DATA, [pki.authority(strangerLeaf)]),
    "timestamp-untrusted-authority",
    "leaf from another root",
  );
});

Deno.test("rfc3161 (synthetic): structure checks on the CMS SignedData", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const leaf = await pki.leaf(40, leafKey);
  const base = { signedBytes: DATA, signer: leafKey, issuer: "Synthetic Root", serial: 40 };
  const authorities = [pki.authority(leaf)];
  assertOk(await verifyRfc3161Timestamp(await makeToken(base), DATA, authorities), "control");
  assertFails(
    await verifyRfc3161Timestamp(await makeToken({ ...base, signerInfos: 2 }), DATA, authorities),
    "timestamp-malformed",
    "two SignerInfos",
  );
  assertFails(
    await verifyRfc3161Timestamp(
      await makeToken({ ...base, contentType: "1.2.840.113549.1.7.1" }),
      DATA,
      authorities,
    ),
    "timestamp-malformed",
    "content-type attribute is id-data",
  );
});

Deno.test("rfc3161 (synthetic): genTime against certificate validity and sub-ms precision", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const leaf = await pki.leaf(50, leafKey, {
    notBefore: "250601000000Z",
    notAfter: "250601120000Z",
  });
  const base = { signedBytes: DATA, signer: leafKey, issuer: "Synthetic Root", serial: 50 };
  const verify = async (genTime: string, validFor?: { start?: Date; end?: Date }) =>
    verifyRfc3161Timestamp(await makeToken({ ...base, genTime }), DATA, [
      pki.authority(leaf, validFor),
    ]);
  assertOk(await verify("20250601120000Z"), "at notAfter");
  assertOk(await verify("20250601000000Z"), "at notBefore");
  assertFails(await verify("20250601120000.001Z"), "timestamp-outside-validity", "1ms late");
  assertFails(await verify("20250531235959.999Z"), "timestamp-outside-validity", "1ms early");
  assertFails(await verify("20250601120000.0001Z"), "timestamp-outside-validity", "0.1ms late");
  const end = new Date("2025-06-01T06:00:00.500Z");
  const at = assertOk(await verify("20250601060000.5Z", { end }), "at validFor end, with .5");
  assert.equal(at.time.toISOString(), "2025-06-01T06:00:00.500Z");
  assertFails(
    await verify("20250601060000.5000001Z", { end }),
    "timestamp-outside-validity",
    "sub-ms after validFor end",
  );
});

Deno.test("rfc3161 (synthetic): chain links must be named, CA-flagged and allow timestamping", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const token = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 60,
  });
  const leaf = await pki.leaf(60, leafKey);
  assertOk(await verifyRfc3161Timestamp(token, DATA, [pki.authority(leaf)]), "control");

  // Signed with the root's key, but naming another issuer.
  const misnamed = await makeCert({
    serial: 60,
    issuer: "Someone Else",
    subject: "TSA",
    subjectKey: leafKey,
    issuerKey: pki.rootKey,
  });
  const misnamedToken = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Someone Else",
    serial: 60,
  });
  assertFails(
    await verifyRfc3161Timestamp(misnamedToken, DATA, [pki.authority(misnamed)]),
    "timestamp-untrusted-authority",
    "issuer name differs from the next certificate's subject",
  );

  // Leaf -> intermediate -> root, where the intermediate's EKU may or may not allow timestamping.
  const intermediateKey = await ecKey();
  const viaIntermediate = async (purposes: string[] | null, ca = true) => {
    const intermediate = await makeCert({
      serial: 2,
      issuer: "Synthetic Root",
      subject: "Intermediate",
      subjectKey: intermediateKey,
      issuerKey: pki.rootKey,
      ca,
      eku: purposes ? { critical: false, purposes } : null,
    });
    const leaf3 = await makeCert({
      serial: 61,
      issuer: "Intermediate",
      subject: "TSA",
      subjectKey: leafKey,
      issuerKey: intermediateKey,
    });
    const t = await makeToken({
      signedBytes: DATA,
      signer: leafKey,
      issuer: "Intermediate",
      serial: 61,
    });
    const authority = { ...pki.authority(leaf3), certChain: [leaf3, intermediate, pki.root] };
    return verifyRfc3161Timestamp(t, DATA, [authority]);
  };
  assertOk(await viaIntermediate(null), "intermediate without EKU");
  assertOk(await viaIntermediate([TIMESTAMPING]), "intermediate with timestamping EKU");
  assertOk(await viaIntermediate(["2.5.29.37.0"]), "intermediate with anyExtendedKeyUsage");
  assertFails(
    await viaIntermediate(["1.3.6.1.5.5.7.3.3"]),
    "timestamp-untrusted-authority",
    "intermediate restricted to code signing",
  );
  assertFails(
    await viaIntermediate(null, false),
    "timestamp-untrusted-authority",
    "intermediate without cA",
  );
});

Deno.test("rfc3161: timestamps outside the signing certificate's life verify here (the caller rejects them)", async () => {
  // These cases fail because genTime lies outside the Fulcio leaf's validity, which is the
  // caller's check: the timestamp itself is genuine.
  for (
    const id of [
      "conf-intoto-tsa-timestamp-outside-cert-validity_fail",
      "conf-rekor2-timestamp-with-incorrect-time_fail",
    ]
  ) {
    const c = await loadCase(id);
    const meta = JSON.parse(await Deno.readTextFile(new URL(`cases/${id}/case.json`, CORPUS)));
    const value = assertOk(
      await verifyRfc3161Timestamp(c.tokens[0], c.signedBytes, c.authorities),
      id,
    );
    const notBefore = new Date(meta.bundle_facts.leaf.not_before).getTime();
    const notAfter = new Date(meta.bundle_facts.leaf.not_after).getTime();
    const t = value.time.getTime();
    assert.ok(t < notBefore || t > notAfter, `${id}: ${value.time.toISOString()}`);
  }
});

Deno.test("rfc3161 (synthetic): TSA certificate extensions are read as RFC 5280 asks (critical ones understood, keyUsage honoured, DER defaults left out)", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const token = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Synthetic Root",
    serial: 21,
  });
  const FALSE = new Uint8Array([0x01, 0x01, 0x00]);
  /** keyUsage with these bits set (named bit list: DER drops trailing zero bits). */
  const keyUsage = (bit: number) => {
    const byte = 0x80 >> bit;
    const unused = Math.log2(byte & -byte);
    return seq(oid("2.5.29.15"), TRUE, octets(tlv(0x03, new Uint8Array([unused, byte]))));
  };
  const leafWith = (extra: Partial<CertOptions>) => pki.leaf(21, leafKey, extra);
  const failing: [string, Partial<CertOptions>][] = [
    ["an unknown critical extension", {
      extraExtensions: [seq(oid("1.3.6.1.4.1.99999.1"), TRUE, octets(seq()))],
    }],
    ["keyUsage keyCertSign only", { extraExtensions: [keyUsage(5)] }],
    ["critical FALSE written out", {
      eku: null,
      extraExtensions: [seq(oid("2.5.29.37"), FALSE, octets(seq(oid(TIMESTAMPING))))],
    }],
  ];
  for (const [label, extra] of failing) {
    const result = await verifyRfc3161Timestamp(token, DATA, [
      pki.authority(await leafWith(extra)),
    ]);
    assert.equal(result.ok, false, label);
  }
  // The controls: keyUsage digitalSignature, and a known critical extension, verify.
  const passing: [string, Partial<CertOptions>][] = [
    ["keyUsage digitalSignature", { extraExtensions: [keyUsage(0)] }],
    ["keyUsage contentCommitment", { extraExtensions: [keyUsage(1)] }],
  ];
  for (const [label, extra] of passing) {
    assertOk(
      await verifyRfc3161Timestamp(token, DATA, [pki.authority(await leafWith(extra))]),
      label,
    );
  }
});

Deno.test("rfc3161 (synthetic): TSA certificate validity times are read as RFC 5280 writes them, genTime as DER does", async () => {
  const pki = await makePki();
  const leafKey = await ecKey();
  const tokenAt = (genTime?: string) =>
    makeToken({
      signedBytes: DATA,
      signer: leafKey,
      issuer: "Synthetic Root",
      serial: 22,
      ...(genTime ? { genTime } : {}),
    });
  const leafWith = (extra: Partial<CertOptions>) => pki.leaf(22, leafKey, extra);
  const failing: [string, Partial<CertOptions>, string?][] = [
    // RFC 5280 4.1.2.5: a time through 2049 is a UTCTime.
    ["a GeneralizedTime notBefore before 2050", { notBefore: "20250101000000Z" }],
    ["a GeneralizedTime notAfter before 2050", { notAfter: "20351231235959Z" }],
    // … and a GeneralizedTime there has no fractional seconds.
    ["a fractional GeneralizedTime notAfter", { notAfter: "20551231235959.5Z" }],
    // X.690 11.7: DER writes no trailing zero in a fraction (Go's encoding/asn1 refuses one).
    ["a genTime fraction with a trailing zero", {}, "20250601120000.50Z"],
  ];
  for (const [label, extra, genTime] of failing) {
    const result = await verifyRfc3161Timestamp(await tokenAt(genTime), DATA, [
      pki.authority(await leafWith(extra)),
    ]);
    assert.equal(result.ok, false, label);
  }
  const passing: [string, Partial<CertOptions>, string?][] = [
    ["a GeneralizedTime notAfter from 2050 on", { notAfter: "20551231235959Z" }],
    ["a genTime with a fraction", {}, "20250601120000.5Z"],
  ];
  for (const [label, extra, genTime] of passing) {
    assertOk(
      await verifyRfc3161Timestamp(await tokenAt(genTime), DATA, [
        pki.authority(await leafWith(extra)),
      ]),
      label,
    );
  }
});
