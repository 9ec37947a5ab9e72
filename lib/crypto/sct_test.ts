import assert from "node:assert/strict";
import { decodeBase64, encodeHex } from "./bytes.ts";
import { verifyEmbeddedScts } from "./sct.ts";
import { verifyCertificateChain } from "./x509_chain.ts";
import {
  parseTrustedRoot,
  type TransparencyLogKey,
  type TrustedRoot,
} from "../trust/trusted_root.ts";

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
    const integrated = (vm.tlogEntries ?? [])
      .map((e: { integratedTime?: string }) => Number(e.integratedTime ?? 0))
      .find((t: number) => t > 0);
    const file = ["public-good", "staging", "github"].includes(meta.trusted_root)
      ? new URL(`roots/${meta.trusted_root}.trusted_root.json`, CORPUS)
      : new URL(meta.trusted_root, dir);
    out.push({
      id: meta.id,
      expect: meta.expect,
      leafDer: decodeBase64(raw),
      root: await loadRoot(file, meta.trusted_root),
      time: integrated
        ? new Date(integrated * 1000)
        : new Date(Date.parse(facts.not_before) + 60_000),
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

/** The certificate that signed the leaf, as the chain check establishes it. */
async function issuerOf(c: CorpusCase): Promise<Uint8Array> {
  const chain = await verifyCertificateChain(c.leafDer, c.root.certificateAuthorities, c.time);
  assert.ok(chain.ok, `${c.id}: ${!chain.ok && chain.message}`);
  return chain.value.issuer;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function assertFail(
  result: Awaited<ReturnType<typeof verifyEmbeddedScts>>,
  code: string,
  pattern?: RegExp,
): void {
  assert.equal(result.ok, false, `expected ${code}, got ok`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  if (pattern) assert.match(result.message, pattern);
}

/** Offset of the (single) SCT in the leaf: the index of the log id that issued it. */
function sctOffset(c: CorpusCase): { at: number; log: TransparencyLogKey } {
  for (const log of c.root.ctlogs) {
    const at = indexOf(c.leafDer, log.logId);
    if (at >= 0) return { at, log };
  }
  throw new Error(`${c.id}: no SCT from a known log`);
}

Deno.test("every certificate-based pass case has a verifying SCT (or no CT logs at all)", async () => {
  const pass = cases.filter((c) => c.expect === "pass");
  assert.ok(pass.length >= 40, `found ${pass.length} pass cases`);
  let withLogs = 0;
  let github = 0;
  const roots = new Set<string>();
  for (const c of pass) {
    const result = await verifyEmbeddedScts(c.leafDer, await issuerOf(c), c.root.ctlogs);
    assert.ok(result.ok, `${c.id}: ${!result.ok && `${result.code}: ${result.message}`}`);
    if (c.root.ctlogs.length === 0) {
      assert.equal(result.value.verified, 0, c.id);
      github++;
    } else {
      assert.equal(result.value.verified, 1, c.id);
      withLogs++;
      roots.add(c.root.name);
    }
  }
  assert.ok(github >= 3, `GitHub-instance cases: ${github}`);
  assert.ok(withLogs >= 35, `cases with CT logs: ${withLogs}`);
  for (const name of ["public-good", "staging", "trusted_root.json"]) {
    assert.ok(roots.has(name), `SCTs verified against the ${name} root`);
  }
});

Deno.test("a flipped byte in the SCT signature, timestamp or signed TBS fails", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const issuer = await issuerOf(c);
  const { at } = sctOffset(c);
  // log_id(32) timestamp(8) extensions length(2) = 0, hash(1), signature alg(1), length(2), DER…
  assert.equal(c.leafDer[at + 40], 0);
  assert.equal(c.leafDer[at + 41], 0);
  const sigLength = (c.leafDer[at + 44] << 8) | c.leafDer[at + 45];
  const lastSigByte = at + 46 + sigLength - 1;

  const signature = c.leafDer.slice();
  signature[lastSigByte] ^= 0x01;
  assertFail(
    await verifyEmbeddedScts(signature, issuer, c.root.ctlogs),
    "sct-invalid",
    /does not verify/,
  );

  const timestamp = c.leafDer.slice();
  timestamp[at + 39] ^= 0x01;
  assertFail(
    await verifyEmbeddedScts(timestamp, issuer, c.root.ctlogs),
    "sct-invalid",
    /does not verify/,
  );

  // A byte of the certificate outside the SCT (the SAN) changes the precertificate TBS.
  const tbs = c.leafDer.slice();
  tbs[indexOf(tbs, new TextEncoder().encode("sigstore-js/.github"))] ^= 0x20;
  assertFail(await verifyEmbeddedScts(tbs, issuer, c.root.ctlogs), "sct-invalid");

  // The untouched certificate still verifies (the mutations above were the cause).
  assert.ok((await verifyEmbeddedScts(c.leafDer, issuer, c.root.ctlogs)).ok);
});

Deno.test("the issuer key hash binds the SCT to the issuing certificate", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const wrongIssuer = c.root.certificateAuthorities[1].certChain[1]; // the root, not the intermediate
  assertFail(await verifyEmbeddedScts(c.leafDer, wrongIssuer, c.root.ctlogs), "sct-invalid");
});

Deno.test("an SCT from a log the root does not list is sct-unknown-log", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const issuer = await issuerOf(c);
  const { log } = sctOffset(c);
  const others = c.root.ctlogs.filter((l) => l !== log);
  assert.ok(others.length > 0);
  assertFail(
    await verifyEmbeddedScts(c.leafDer, issuer, others),
    "sct-unknown-log",
    new RegExp(`log ${encodeHex(log.logId).slice(0, 16)}`),
  );
  // A log with the right id but another key does not verify it.
  const impostor: TransparencyLogKey = { ...log, key: others[0].key };
  assertFail(await verifyEmbeddedScts(c.leafDer, issuer, [impostor]), "sct-invalid");
});

Deno.test("the SCT timestamp must lie inside the log key's validity", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const issuer = await issuerOf(c);
  const { log } = sctOffset(c);
  const retired: TransparencyLogKey = {
    ...log,
    validFor: { start: log.validFor.start, end: new Date("2023-01-01T00:00:00Z") },
  };
  assertFail(
    await verifyEmbeddedScts(c.leafDer, issuer, [retired]),
    "sct-invalid",
    /outside the log key's validity/,
  );
  const notYet: TransparencyLogKey = {
    ...log,
    validFor: { start: new Date("2024-01-01T00:00:00Z") },
  };
  assertFail(await verifyEmbeddedScts(c.leafDer, issuer, [notYet]), "sct-invalid", /2023-08-29/);
});

Deno.test("threshold counts distinct logs", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const issuer = await issuerOf(c);
  assertFail(
    await verifyEmbeddedScts(c.leafDer, issuer, c.root.ctlogs, 2),
    "sct-missing",
    /1 of the required 2/,
  );
  const zero = await verifyEmbeddedScts(c.leafDer, issuer, c.root.ctlogs, 0);
  assert.deepEqual(zero, { ok: true, value: { verified: 1 } });
});

Deno.test("a certificate without SCTs: sct-missing, unless the root has no CT logs", async () => {
  const c = caseById("gh-github-release-attestation");
  const issuer = await issuerOf(c);
  assert.deepEqual(await verifyEmbeddedScts(c.leafDer, issuer, c.root.ctlogs), {
    ok: true,
    value: { verified: 0 },
  });
  const publicGood = caseById("gh-sigstore-js-2.1.0-v0.3").root;
  assertFail(
    await verifyEmbeddedScts(c.leafDer, issuer, publicGood.ctlogs),
    "sct-missing",
    /no embedded SCTs/,
  );
  assert.deepEqual(await verifyEmbeddedScts(c.leafDer, issuer, publicGood.ctlogs, 0), {
    ok: true,
    value: { verified: 0 },
  });
});

Deno.test("a corrupt SCT list or certificate is sct-malformed", async () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3");
  const issuer = await issuerOf(c);
  const { at } = sctOffset(c);
  // The SCT's own 2-byte length sits just before its version byte (at - 3, at - 2).
  const length = c.leafDer.slice();
  length[at - 2] ^= 0x01;
  assertFail(await verifyEmbeddedScts(length, issuer, c.root.ctlogs), "sct-malformed");
  assertFail(
    await verifyEmbeddedScts(c.leafDer.subarray(0, 100), issuer, c.root.ctlogs),
    "sct-malformed",
  );
  assertFail(
    await verifyEmbeddedScts(c.leafDer, new Uint8Array([0x30, 0x00]), c.root.ctlogs),
    "sct-malformed",
  );
});
