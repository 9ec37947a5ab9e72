import assert from "node:assert/strict";
import { decodeBase64, encodeHex, utf8 } from "./bytes.ts";
import { hashChildren, hashLeaf, inclusionProofLength, verifyInclusionProof } from "./merkle.ts";

const CASES = new URL("../../tests/fixtures/corpus/cases/", import.meta.url);

interface ProofEntry {
  caseId: string;
  leafHash: Uint8Array;
  index: bigint;
  treeSize: bigint;
  hashes: Uint8Array[];
  rootHash: Uint8Array;
}

/** Every tlog entry with an inclusion proof in the corpus, read straight from the bundle JSON. */
async function corpusProofs(): Promise<ProofEntry[]> {
  const out: ProofEntry[] = [];
  const ids = [...Deno.readDirSync(CASES)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const caseId of ids) {
    let bundle;
    try {
      bundle = JSON.parse(Deno.readTextFileSync(new URL(`${caseId}/bundle.sigstore.json`, CASES)));
    } catch {
      continue; // the deliberately malformed bundle
    }
    for (const e of bundle.verificationMaterial?.tlogEntries ?? []) {
      const p = e.inclusionProof;
      if (!p) continue;
      out.push({
        caseId,
        leafHash: await hashLeaf(decodeBase64(e.canonicalizedBody)),
        index: BigInt(p.logIndex),
        treeSize: BigInt(p.treeSize),
        hashes: p.hashes.map(decodeBase64),
        rootHash: decodeBase64(p.rootHash),
      });
    }
  }
  return out;
}

async function happyPath(): Promise<ProofEntry> {
  const all = await corpusProofs();
  const found = all.find((p) => p.caseId === "conf-happy-path-v0.3");
  assert.ok(found);
  return found;
}

const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const c = b.slice();
  c[i] ^= 0x01;
  return c;
};

Deno.test("hashLeaf and hashChildren match RFC 6962 known answers", async () => {
  // SHA-256(0x00): the RFC 6962 hash of an empty leaf.
  assert.equal(
    encodeHex(await hashLeaf(new Uint8Array())),
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  );
  // SHA-256(0x01 || "" || ""): node prefix is 0x01.
  assert.equal(
    encodeHex(await hashChildren(new Uint8Array(), new Uint8Array())),
    "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a",
  );
  // A two-leaf tree: SHA-256(0x01 || SHA-256(0x00 "a") || SHA-256(0x00 "b")).
  const root = await hashChildren(await hashLeaf(utf8("a")), await hashLeaf(utf8("b")));
  assert.equal(encodeHex(root), "b137985ff484fb600db93107c77b0365c80d78f5b429ded0fd97361d077999eb");
  assert.equal(
    (await verifyInclusionProof({
      leafHash: await hashLeaf(utf8("b")),
      index: 1n,
      treeSize: 2n,
      hashes: [await hashLeaf(utf8("a"))],
      rootHash: root,
    })).ok,
    true,
  );
});

Deno.test("every corpus inclusion proof verifies except the corrupted ones", async () => {
  const proofs = await corpusProofs();
  assert.ok(proofs.length >= 70, `expected many proofs, found ${proofs.length}`);
  const failures = new Map<string, string>();
  for (const p of proofs) {
    const r = await verifyInclusionProof(p);
    if (!r.ok) failures.set(p.caseId, r.code);
  }
  assert.deepEqual(
    Object.fromEntries(failures),
    {
      // The two cases about the proof itself.
      "conf-inclusion-proof-corrupted-hash_fail": "inclusion-proof-invalid",
      "conf-invalid-inclusion-proof_fail": "inclusion-proof-invalid",
      // Cases whose canonicalizedBody was edited (so the leaf is not the logged one), or whose
      // proof was cut down to one hash; they fail for other reasons too.
      "conf-bundle-empty-certificate-chain_fail": "inclusion-proof-malformed",
      "conf-bundle-invalid-base64-signature_fail": "inclusion-proof-invalid",
      "conf-incorrect-public-key_fail": "inclusion-proof-invalid",
    },
  );
  // In particular every case expected to pass has proofs that verify.
  for (const p of proofs) {
    const info = JSON.parse(Deno.readTextFileSync(new URL(`${p.caseId}/case.json`, CASES)));
    if (info.expect === "pass") assert.ok(!failures.has(p.caseId), p.caseId);
  }
  // Rekor v2 entries are among the ones that verified.
  for (
    const id of [
      "conf-rekor2-happy-path",
      "sjava-bundle.dsse.rekor-v2",
      "conf-rekor2-dsse-happy-path",
    ]
  ) {
    assert.ok(proofs.some((p) => p.caseId === id), id);
  }
});

Deno.test("a root mismatch names the expected and computed roots in hex", async () => {
  const proofs = await corpusProofs();
  const bad = proofs.find((p) => p.caseId === "conf-inclusion-proof-corrupted-hash_fail");
  assert.ok(bad);
  const r = await verifyInclusionProof(bad);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.code, "inclusion-proof-invalid");
  assert.match(r.message, new RegExp(`expected ${encodeHex(bad.rootHash)}`));
  assert.match(r.message, /computed [0-9a-f]{64}/);
});

Deno.test("mutations of a real proof fail", async () => {
  const good = await happyPath();
  assert.equal((await verifyInclusionProof(good)).ok, true);

  const codeOf = async (p: ProofEntry) => {
    const r = await verifyInclusionProof(p);
    return r.ok ? "ok" : r.code;
  };
  // A flipped byte anywhere.
  assert.equal(await codeOf({ ...good, leafHash: flip(good.leafHash) }), "inclusion-proof-invalid");
  assert.equal(
    await codeOf({ ...good, rootHash: flip(good.rootHash, 31) }),
    "inclusion-proof-invalid",
  );
  for (let i = 0; i < good.hashes.length; i++) {
    const hashes = good.hashes.map((h, j) => (j === i ? flip(h, 5) : h));
    assert.equal(await codeOf({ ...good, hashes }), "inclusion-proof-invalid", `hash ${i}`);
  }
  // Swapped hashes.
  const swapped = [good.hashes[1], good.hashes[0], ...good.hashes.slice(2)];
  assert.equal(await codeOf({ ...good, hashes: swapped }), "inclusion-proof-invalid");
  // Wrong index (same tree).
  assert.notEqual(await codeOf({ ...good, index: good.index - 1n }), "ok");
  assert.notEqual(await codeOf({ ...good, index: good.index - 2n }), "ok");
  // Wrong tree size.
  assert.notEqual(await codeOf({ ...good, treeSize: good.treeSize + 1n }), "ok");
  // Index outside the tree.
  assert.equal(await codeOf({ ...good, index: good.treeSize }), "inclusion-proof-malformed");
  assert.equal(await codeOf({ ...good, index: -1n }), "inclusion-proof-malformed");
  assert.equal(await codeOf({ ...good, treeSize: 0n, index: 0n }), "inclusion-proof-malformed");
  // Extra or missing hashes.
  assert.equal(
    await codeOf({ ...good, hashes: [...good.hashes, new Uint8Array(32)] }),
    "inclusion-proof-malformed",
  );
  assert.equal(
    await codeOf({ ...good, hashes: good.hashes.slice(0, -1) }),
    "inclusion-proof-malformed",
  );
  assert.equal(await codeOf({ ...good, hashes: [] }), "inclusion-proof-malformed");
  // Hashes of the wrong size.
  assert.equal(
    await codeOf({ ...good, hashes: [good.hashes[0].slice(0, 31), ...good.hashes.slice(1)] }),
    "inclusion-proof-malformed",
  );
  assert.equal(
    await codeOf({ ...good, leafHash: new Uint8Array(33) }),
    "inclusion-proof-malformed",
  );
  assert.equal(
    await codeOf({ ...good, rootHash: new Uint8Array(20) }),
    "inclusion-proof-malformed",
  );
});

// An independent reference: RFC 6962 §2.1 MTH and PATH written straight from their recursive
// definitions, to check the iterative verifier on every (index, size) of small trees.
async function mth(leaves: Uint8Array[]): Promise<Uint8Array> {
  if (leaves.length === 1) return await hashLeaf(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return await hashChildren(await mth(leaves.slice(0, k)), await mth(leaves.slice(k)));
}

async function path(m: number, leaves: Uint8Array[]): Promise<Uint8Array[]> {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  if (m < k) return [...(await path(m, leaves.slice(0, k))), await mth(leaves.slice(k))];
  return [...(await path(m - k, leaves.slice(k))), await mth(leaves.slice(0, k))];
}

Deno.test("agrees with the RFC 6962 recursive definition on all small trees", async () => {
  const leaves = Array.from({ length: 18 }, (_, i) => utf8(`leaf ${i}`));
  for (let n = 1; n < leaves.length; n++) {
    const tree = leaves.slice(0, n);
    const root = await mth(tree);
    for (let m = 0; m < n; m++) {
      const hashes = await path(m, tree);
      assert.equal(inclusionProofLength(BigInt(m), BigInt(n)), hashes.length, `length ${m}/${n}`);
      const p = {
        leafHash: await hashLeaf(tree[m]),
        index: BigInt(m),
        treeSize: BigInt(n),
        hashes,
        rootHash: root,
      };
      assert.equal((await verifyInclusionProof(p)).ok, true, `proof ${m}/${n}`);
      // The same proof does not prove another leaf, another index, or in a bigger tree.
      if (n > 1) {
        const other = await hashLeaf(tree[(m + 1) % n]);
        assert.equal(
          (await verifyInclusionProof({ ...p, leafHash: other })).ok,
          false,
          `leaf ${m}/${n}`,
        );
        assert.equal(
          (await verifyInclusionProof({ ...p, index: BigInt((m + 1) % n) })).ok,
          false,
          `index ${m}/${n}`,
        );
      }
      // Nor against the root of a bigger tree.
      const bigger = await mth(leaves.slice(0, n + 1));
      assert.equal(
        (await verifyInclusionProof({ ...p, rootHash: bigger })).ok,
        false,
        `root ${m}/${n}`,
      );
      for (let i = 0; i < hashes.length; i++) {
        const bad = hashes.map((h, j) => (j === i ? flip(h, 31) : h));
        const r = await verifyInclusionProof({ ...p, hashes: bad });
        assert.equal(r.ok ? "ok" : r.code, "inclusion-proof-invalid", `flip ${i} of ${m}/${n}`);
      }
    }
  }
});

Deno.test("a single-leaf tree needs no hashes and its root is the leaf hash", async () => {
  const leafHash = await hashLeaf(utf8("only"));
  assert.equal(
    (await verifyInclusionProof({
      leafHash,
      index: 0n,
      treeSize: 1n,
      hashes: [],
      rootHash: leafHash,
    })).ok,
    true,
  );
  const r = await verifyInclusionProof({
    leafHash,
    index: 0n,
    treeSize: 1n,
    hashes: [leafHash],
    rootHash: leafHash,
  });
  assert.equal(r.ok ? "ok" : r.code, "inclusion-proof-malformed");
});
