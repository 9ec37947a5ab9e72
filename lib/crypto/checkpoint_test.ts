import assert from "node:assert/strict";
import { concatBytes, decodeBase64, encodeBase64, encodeHex, utf8 } from "./bytes.ts";
import { digestBytes } from "./digest_bytes.ts";
import {
  type Checkpoint,
  checkpointMatchesProof,
  computeCheckpointKeyHint,
  isRekorV1Origin,
  parseCheckpoint,
  verifyCheckpoint,
} from "./checkpoint.ts";
import { parsePublicKey } from "./signature.ts";
import type { Verified } from "./verified.ts";
import { parseTrustedRoot, type TransparencyLogKey } from "../trust/trusted_root.ts";

const CORPUS = new URL("../../tests/fixtures/corpus/", import.meta.url);
const CASES = new URL("cases/", CORPUS);

interface CorpusCheckpoint {
  caseId: string;
  expect: string;
  envelope: string;
  logId: Uint8Array;
  proof: { treeSize: bigint; rootHash: Uint8Array };
  logs: readonly TransparencyLogKey[];
}

const rootCache = new Map<string, Promise<readonly TransparencyLogKey[]>>();

function rootLogs(caseId: string, trustedRoot: string): Promise<readonly TransparencyLogKey[]> {
  const url = ["public-good", "staging", "github"].includes(trustedRoot)
    ? new URL(`roots/${trustedRoot}.trusted_root.json`, CORPUS)
    : new URL(`${caseId}/${trustedRoot}`, CASES);
  let logs = rootCache.get(url.href);
  if (!logs) {
    logs = parseTrustedRoot(Deno.readTextFileSync(url), trustedRoot).then((r) => r.tlogs);
    rootCache.set(url.href, logs);
  }
  return logs;
}

/** Every checkpoint in the corpus, with the entry's log id, its proof and the case's root. */
async function corpusCheckpoints(): Promise<CorpusCheckpoint[]> {
  const out: CorpusCheckpoint[] = [];
  const ids = [...Deno.readDirSync(CASES)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (const caseId of ids) {
    const info = JSON.parse(Deno.readTextFileSync(new URL(`${caseId}/case.json`, CASES)));
    let bundle;
    try {
      bundle = JSON.parse(Deno.readTextFileSync(new URL(`${caseId}/bundle.sigstore.json`, CASES)));
    } catch {
      continue; // the deliberately malformed bundle
    }
    for (const e of bundle.verificationMaterial?.tlogEntries ?? []) {
      const envelope = e.inclusionProof?.checkpoint?.envelope;
      if (typeof envelope !== "string") continue;
      out.push({
        caseId,
        expect: info.expect,
        envelope,
        logId: decodeBase64(e.logId.keyId),
        proof: {
          treeSize: BigInt(e.inclusionProof.treeSize),
          rootHash: decodeBase64(e.inclusionProof.rootHash),
        },
        logs: await rootLogs(caseId, info.trusted_root),
      });
    }
  }
  return out;
}

async function corpusCase(caseId: string): Promise<CorpusCheckpoint> {
  const found = (await corpusCheckpoints()).find((c) => c.caseId === caseId);
  assert.ok(found, caseId);
  return found;
}

/** Parse, verify the signature, compare with the proof: the full check a caller does. */
async function fullCheck(c: {
  envelope: string;
  logId: Uint8Array;
  proof: { treeSize: bigint; rootHash: Uint8Array };
  logs: readonly TransparencyLogKey[];
}): Promise<string> {
  const cp = parseCheckpoint(c.envelope);
  if (!cp.ok) return cp.code;
  const v = await verifyCheckpoint(cp.value, c.logs, { logId: c.logId });
  if (!v.ok) return v.code;
  const m = checkpointMatchesProof(cp.value, c.proof);
  return m.ok ? "ok" : m.code;
}

function must<T>(v: Verified<T>): T {
  if (!v.ok) throw new Error(`${v.code}: ${v.message}`);
  return v.value;
}

function codeOf(v: Verified<unknown>): string {
  return v.ok ? "ok" : v.code;
}

Deno.test("every corpus checkpoint verifies except the ones meant to fail", async () => {
  const all = await corpusCheckpoints();
  assert.ok(all.length >= 60, `expected many checkpoints, found ${all.length}`);
  const failures: Record<string, string> = {};
  for (const c of all) {
    const code = await fullCheck(c);
    if (code !== "ok") failures[c.caseId] = code;
  }
  assert.deepEqual(failures, {
    "conf-bundle-from-wrong-instance_fail": "checkpoint-unknown-log",
    "conf-checkpoint-wrong-roothash_fail": "checkpoint-proof-mismatch",
    "conf-invalid-checkpoint-signature_fail": "checkpoint-signature-invalid",
    "conf-rekor2-checkpoint-missing-log-signature_fail": "checkpoint-malformed",
    "conf-rekor2-checkpoint-missing-origin_fail": "checkpoint-malformed",
    "conf-rekor2-checkpoint-missing-root-hash_fail": "checkpoint-malformed",
  });
  for (const c of all) {
    if (c.expect === "pass") assert.ok(!(c.caseId in failures), c.caseId);
  }
  // Rekor v2 pass cases, witnessed or not, are among those that verified.
  for (
    const id of [
      "conf-rekor2-happy-path",
      "conf-rekor2-dsse-happy-path",
      "conf-rekor2-checkpoint-cosigned",
      "conf-rekor2-checkpoint-multiple-cosigs",
      "conf-rekor2-checkpoint-two-sigs-cosigned",
      "conf-rekor2-checkpoint-two-sigs-from-origin",
      "sjava-bundle.dsse.rekor-v2",
    ]
  ) {
    assert.ok(all.some((c) => c.caseId === id), id);
  }
});

Deno.test("the wrong-root-hash checkpoint is validly signed; only the proof comparison catches it", async () => {
  const c = await corpusCase("conf-checkpoint-wrong-roothash_fail");
  const cp = must(parseCheckpoint(c.envelope));
  assert.equal((await verifyCheckpoint(cp, c.logs, { logId: c.logId })).ok, true);
  const m = checkpointMatchesProof(cp, c.proof);
  assert.equal(codeOf(m), "checkpoint-proof-mismatch");
  assert.ok(!m.ok && m.message.includes(encodeHex(cp.rootHash)));
  // Same size, other root; and other size, same root.
  assert.equal(
    codeOf(checkpointMatchesProof(cp, { treeSize: cp.treeSize, rootHash: c.proof.rootHash })),
    "checkpoint-proof-mismatch",
  );
  assert.equal(
    codeOf(checkpointMatchesProof(cp, { treeSize: c.proof.treeSize, rootHash: cp.rootHash })),
    "checkpoint-proof-mismatch",
  );
  assert.equal(
    codeOf(checkpointMatchesProof(cp, { treeSize: cp.treeSize, rootHash: cp.rootHash })),
    "ok",
  );
});

Deno.test("parseCheckpoint: Rekor v1 checkpoint with a Timestamp line", async () => {
  const c = await corpusCase("conf-invalid-checkpoint-signature_fail");
  const cp = must(parseCheckpoint(c.envelope));
  assert.equal(cp.origin, "rekor.sigstore.dev - 2605736670972794746");
  assert.equal(cp.treeSize, 23083062n);
  assert.equal(encodeBase64(cp.rootHash), "dauhleYK4YyAdxwwDtR0l0KnSOWZdG2bwqHftlanvcI=");
  assert.deepEqual(cp.otherContent, ["Timestamp: 1689177396617352539"]);
  assert.equal(
    cp.body,
    "rekor.sigstore.dev - 2605736670972794746\n23083062\n" +
      "dauhleYK4YyAdxwwDtR0l0KnSOWZdG2bwqHftlanvcI=\nTimestamp: 1689177396617352539\n",
  );
  assert.equal(cp.signatures.length, 1);
  assert.equal(cp.signatures[0].name, "rekor.sigstore.dev");
  assert.equal(encodeHex(cp.signatures[0].keyHint), "c0d23d6a");
  assert.ok(isRekorV1Origin(cp.origin));
});

Deno.test("parseCheckpoint: Rekor v2 checkpoint with witness cosignatures", async () => {
  const c = await corpusCase("conf-rekor2-checkpoint-multiple-cosigs");
  const cp = must(parseCheckpoint(c.envelope));
  assert.equal(cp.origin, "log2025-alpha1.rekor.sigstage.dev");
  assert.equal(cp.treeSize, 736n);
  assert.deepEqual(cp.otherContent, []);
  assert.equal(
    cp.body,
    "log2025-alpha1.rekor.sigstage.dev\n736\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n",
  );
  assert.deepEqual(cp.signatures.map((s) => s.name), [
    "log2025-alpha1.rekor.sigstage.dev",
    "witness.example/w1",
    "witness.example/w2",
  ]);
  assert.equal(cp.signatures[0].signature.length, 64); // Ed25519
  assert.ok(!isRekorV1Origin(cp.origin));
});

Deno.test("parseCheckpoint rejects malformed envelopes", async () => {
  const good = (await corpusCase("conf-rekor2-happy-path")).envelope;
  assert.equal(codeOf(parseCheckpoint(good)), "ok");
  const [body, sigs] = good.split("\n\n");
  const [origin, size, root] = body.split("\n");
  const sigLine = sigs.trimEnd();
  const bad: Record<string, string> = {
    "empty": "",
    "no blank line": good.replace("\n\n", "\n"),
    "no signatures": body + "\n\n",
    "no final newline": good.slice(0, -1),
    "missing origin": [size, root].join("\n") + "\n\n" + sigs,
    "missing size": [origin, root].join("\n") + "\n\n" + sigs,
    "missing root hash": [origin, size].join("\n") + "\n\n" + sigs,
    "empty origin": ["", size, root].join("\n") + "\n\n" + sigs,
    "non-decimal size": [origin, "0x2e0", root].join("\n") + "\n\n" + sigs,
    "negative size": [origin, "-736", root].join("\n") + "\n\n" + sigs,
    "size over 2^64": [origin, "18446744073709551616", root].join("\n") + "\n\n" + sigs,
    "root hash not base64": [origin, size, "not base64!"].join("\n") + "\n\n" + sigs,
    "root hash 31 bytes": [origin, size, encodeBase64(new Uint8Array(31))].join("\n") + "\n\n" +
      sigs,
    "hyphen instead of em dash": body + "\n\n" + sigs.replace("\u2014", "-"),
    "blank line in signatures": body + "\n\n" + sigLine + "\n\n" + sigLine + "\n",
    "text after signatures": body + "\n\n" + sigLine + "\nhello\n",
    "signature not base64": body + "\n\n\u2014 " + origin + " !!!!\n",
    "signature url-safe base64": body + "\n\n\u2014 " + origin + " " +
      sigLine.split(" ")[2].replace(/\+/g, "-").replace(/\//g, "_") + "\n",
    "signature too short": body + "\n\n\u2014 " + origin + " " + encodeBase64(new Uint8Array(4)) +
      "\n",
    "missing name": body + "\n\n\u2014 " + sigLine.split(" ")[2] + "\n",
    "extra field": body + "\n\n" + sigLine + " extra\n",
    "double space": body + "\n\n" + sigLine.replace(" ", "  ") + "\n",
    "name with plus": body + "\n\n\u2014 a+b " + sigLine.split(" ")[2] + "\n",
  };
  for (const [what, envelope] of Object.entries(bad)) {
    assert.equal(codeOf(parseCheckpoint(envelope)), "checkpoint-malformed", what);
  }
});

Deno.test("verifyCheckpoint: mutations of real checkpoints fail", async () => {
  for (
    const id of ["conf-happy-path-v0.3", "conf-rekor2-happy-path", "sjava-bundle.dsse.rekor-v2"]
  ) {
    const c = await corpusCase(id);
    const cp = must(parseCheckpoint(c.envelope));
    const check = async (x: Checkpoint, logId = c.logId) =>
      codeOf(await verifyCheckpoint(x, c.logs, { logId }));
    assert.equal(await check(cp), "ok", id);
    const sig = cp.signatures[0];
    const flipped = (b: Uint8Array, i: number) => {
      const out = b.slice();
      out[i] ^= 0x01;
      return out;
    };
    // Signed text changed: another size, another root, another extra line.
    assert.equal(
      await check({
        ...cp,
        body: cp.body.replace(`\n${cp.treeSize}\n`, `\n${cp.treeSize + 1n}\n`),
      }),
      "checkpoint-signature-invalid",
      id,
    );
    assert.equal(
      await check({ ...cp, body: cp.body + "extra\n" }),
      "checkpoint-signature-invalid",
      id,
    );
    // Signature bytes changed.
    for (const i of [0, 10, sig.signature.length - 1]) {
      assert.equal(
        await check({ ...cp, signatures: [{ ...sig, signature: flipped(sig.signature, i) }] }),
        "checkpoint-signature-invalid",
        `${id} byte ${i}`,
      );
    }
    // Key hint changed: the line no longer claims the log's key.
    assert.equal(
      await check({ ...cp, signatures: [{ ...sig, keyHint: flipped(sig.keyHint, 3) }] }),
      "checkpoint-signature-invalid",
      id,
    );
    // Unknown log id.
    assert.equal(await check(cp, flipped(c.logId, 0)), "checkpoint-unknown-log", id);
    // A valid signature by another trusted log does not count: pick another log with the same key
    // type, if the root has one, and claim the entry came from it.
    const other = c.logs.find((l) =>
      !isSame(l.logId, c.logId) &&
      l.key.algorithm === c.logs.find((x) => isSame(x.logId, c.logId))?.key.algorithm
    );
    if (other) assert.equal(await check(cp, other.logId), "checkpoint-signature-invalid", id);
  }
});

function isSame(a: Uint8Array, b: Uint8Array): boolean {
  return encodeHex(a) === encodeHex(b);
}

Deno.test("verifyCheckpoint: signature order and foreign lines do not matter", async () => {
  const c = await corpusCase("conf-rekor2-checkpoint-two-sigs-cosigned");
  const cp = must(parseCheckpoint(c.envelope));
  assert.equal(cp.signatures.length, 3);
  const check = async (x: Checkpoint) =>
    codeOf(await verifyCheckpoint(x, c.logs, { logId: c.logId }));
  assert.equal(await check(cp), "ok");
  assert.equal(await check({ ...cp, signatures: [...cp.signatures].reverse() }), "ok");
  // Without the log's own line, the foreign lines alone do not verify it.
  assert.equal(
    await check({ ...cp, signatures: cp.signatures.slice(1) }),
    "checkpoint-signature-invalid",
  );
  // A broken line claiming the log's key, next to the real one, is ignored.
  const broken = { ...cp.signatures[0], signature: new Uint8Array(64) };
  assert.equal(await check({ ...cp, signatures: [broken, ...cp.signatures] }), "ok");
  assert.equal(await check({ ...cp, signatures: [broken] }), "checkpoint-signature-invalid");
});

// Checkpoints from sigstore-conformance test/assets/bundle-verify@a73de4970176d258e0154c530b89d20b89444e4d
// that are not in the corpus (same entries as conf-invalid-checkpoint-signature_fail and the
// rekor2 cases; their trusted root is identical to conf-rekor2-happy-path's).
const CONFORMANCE = {
  // checkpoint-bad-keyhint_fail: the hint names another key.
  badKeyHint:
    "rekor.sigstore.dev - 2605736670972794746\n23083062\ndauhleYK4YyAdxwwDtR0l0KnSOWZdG2bwqHftlanvcI=\n" +
    "Timestamp: 1689177396617352539\n\n\u2014 rekor.sigstore.dev xNI9ajBFAiBxaGyEtxkzFLkaCSEJqFuSS3dJjEZCNiyByVs1CNVQ8gIhAOoNnXtmMtTctV2oRnSRUZAo4EWUYPK/vBsqOzAU6TMs\n",
  // rekor2-checkpoint-missing-size_fail
  missingSize:
    "log2025-alpha1.rekor.sigstage.dev\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n" +
    "\u2014 log2025-alpha1.rekor.sigstage.dev 8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=\n",
  // rekor2-checkpoint-no-matching-signature_fail: "sigstage" replaced by "github" in the names.
  noMatchingSignature:
    "log2025-alpha1.rekor.github.dev\n736\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n" +
    "\u2014 log2025-alpha1.rekor.github.dev 8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=\n",
  // rekor2-checkpoint-origin-not-first (pass): the witness line comes before the log's.
  originNotFirst:
    "log2025-alpha1.rekor.sigstage.dev\n736\nrs1YPY0ydAV0lxgfrq5pE4oRpUJwo3syeps5+eGUTDI=\n\n" +
    "\u2014 witness.example O8PH5AAAAABopO8+4O9uzScQrNEnGdKLYXSPoUjH1Se4n92W+wT/j5Kel/4J2XWE4bEe9bpIVUD6EGOeUDFkSWz/rbDhvVcJ/2OrDw==\n" +
    "\u2014 log2025-alpha1.rekor.sigstage.dev 8w1amdbj1mjNN674dHAkD92+QZoEgBC7o0mXYSTRluDjQrOPjrps3zQB9ut+ShLepyZPsWBDi5IB3yXyjgjQT6OG9A8=\n",
};

Deno.test("conformance checkpoint cases outside the corpus", async () => {
  const v1 = await corpusCase("conf-invalid-checkpoint-signature_fail");
  const v2 = await corpusCase("conf-rekor2-happy-path");
  assert.equal(
    await fullCheck({ ...v1, envelope: CONFORMANCE.badKeyHint }),
    "checkpoint-signature-invalid",
  );
  assert.equal(
    await fullCheck({ ...v2, envelope: CONFORMANCE.missingSize }),
    "checkpoint-malformed",
  );
  assert.equal(
    await fullCheck({ ...v2, envelope: CONFORMANCE.noMatchingSignature }),
    "checkpoint-signature-invalid",
  );
  assert.equal(await fullCheck({ ...v2, envelope: CONFORMANCE.originNotFirst }), "ok");
});

Deno.test("key hints: computed from each trusted log's key they equal the first 4 bytes of its log id", async () => {
  const roots = ["public-good", "staging"].map((n) =>
    new URL(`roots/${n}.trusted_root.json`, CORPUS)
  );
  roots.push(new URL("conf-rekor2-happy-path/trusted_root.json", CASES));
  roots.push(new URL("conf-intoto-with-custom-trust-root/trusted_root.json", CASES));
  let v1 = 0;
  let v2 = 0;
  for (const url of roots) {
    for (const log of (await parseTrustedRoot(Deno.readTextFileSync(url), url.pathname)).tlogs) {
      const host = new URL(log.baseUrl).hostname;
      // Rekor v1 logs are the ECDSA ones with a SHA-256(SPKI) log id; Rekor v2 logs are Ed25519.
      const rekorV1 = log.key.algorithm === "ed25519" ? false : true;
      const hint = await computeCheckpointKeyHint(log, host, rekorV1);
      assert.equal(
        encodeHex(hint),
        encodeHex(log.logId.slice(0, 4)),
        `${url.pathname} ${log.baseUrl}`,
      );
      if (rekorV1) v1++;
      else v2++;
      if (!rekorV1) {
        // The full rekor-tiles log id is the note key hash SHA-256(name "\n" 0x01 key).
        const raw = log.key.spki.slice(-32);
        const full = await digestBytes(concatBytes(utf8(host + "\n"), new Uint8Array([1]), raw));
        assert.equal(encodeHex(full), encodeHex(log.logId));
      }
    }
  }
  assert.ok(v1 >= 3 && v2 >= 3, `v1 ${v1}, v2 ${v2}`);
});

// Synthetic logs: keys made here, so the name and hint rules can be tested with signatures that
// do verify.

async function ed25519Log(baseUrl: string) {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const host = new URL(baseUrl).hostname;
  const logId = await digestBytes(
    concatBytes(utf8(host + "\n"), new Uint8Array([1]), spki.slice(-32)),
  );
  const log: TransparencyLogKey = {
    baseUrl,
    logId,
    key: parsePublicKey(spki),
    keyDetails: "PKIX_ED25519",
    validFor: {},
  };
  const sign = async (text: string) =>
    new Uint8Array(
      await crypto.subtle.sign(
        { name: "Ed25519" },
        pair.privateKey,
        utf8(text).slice().buffer as ArrayBuffer,
      ),
    );
  return { log, sign };
}

function p1363ToDer(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v: Uint8Array = b.slice(i);
    if (v[0] & 0x80) v = concatBytes(new Uint8Array([0]), v);
    return concatBytes(new Uint8Array([0x02, v.length]), v);
  };
  const half = raw.length / 2;
  const seq = concatBytes(int(raw.slice(0, half)), int(raw.slice(half)));
  return concatBytes(new Uint8Array([0x30, seq.length]), seq);
}

async function ecdsaLog(baseUrl: string) {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const log: TransparencyLogKey = {
    baseUrl,
    logId: await digestBytes(spki),
    key: parsePublicKey(spki),
    keyDetails: "PKIX_ECDSA_P256_SHA_256",
    validFor: {},
  };
  const sign = async (text: string) =>
    p1363ToDer(
      new Uint8Array(
        await crypto.subtle.sign(
          { name: "ECDSA", hash: "SHA-256" },
          pair.privateKey,
          utf8(text).slice().buffer as ArrayBuffer,
        ),
      ),
    );
  return { log, sign };
}

function envelope(
  body: string,
  lines: { name: string; hint: Uint8Array; sig: Uint8Array }[],
): string {
  return body + "\n" +
    lines.map((l) => `\u2014 ${l.name} ${encodeBase64(concatBytes(l.hint, l.sig))}\n`).join("");
}

const ROOT = encodeBase64(new Uint8Array(32).fill(7));

Deno.test("Rekor v2 (Ed25519): note key hash hint, name and origin must be the log's host", async () => {
  const { log, sign } = await ed25519Log("https://log.example.test");
  const logs = [log];
  const hint = log.logId.slice(0, 4);
  assert.equal(
    encodeHex(await computeCheckpointKeyHint(log, "log.example.test", false)),
    encodeHex(hint),
  );
  const check = async (env: string) => {
    const cp = parseCheckpoint(env);
    if (!cp.ok) return cp.code;
    return codeOf(await verifyCheckpoint(cp.value, logs, { logId: log.logId }));
  };
  const body = `log.example.test\n5\n${ROOT}\n`;
  const sig = await sign(body);
  assert.equal(await check(envelope(body, [{ name: "log.example.test", hint, sig }])), "ok");
  // Right key and hint, but the line is signed under another name.
  assert.equal(
    await check(envelope(body, [{ name: "other.example.test", hint, sig }])),
    "checkpoint-signature-invalid",
  );
  // Hint computed over the raw key without the name (not the note rule).
  const wrongHint = (await digestBytes(log.key.spki)).slice(0, 4);
  assert.equal(
    await check(envelope(body, [{ name: "log.example.test", hint: wrongHint, sig }])),
    "checkpoint-signature-invalid",
  );
  // Origin that is not the log's host, even though the log's key signed it under that name.
  const evil = `evil.example.test\n5\n${ROOT}\n`;
  assert.equal(
    await check(envelope(evil, [{ name: "evil.example.test", hint, sig: await sign(evil) }])),
    "checkpoint-signature-invalid",
  );
  // Witness lines and an unknown same-origin key are ignored.
  const witness = {
    name: "witness.example",
    hint: new Uint8Array([1, 2, 3, 4]),
    sig: new Uint8Array(72),
  };
  const other = {
    name: "log.example.test",
    hint: new Uint8Array([9, 9, 9, 9]),
    sig: new Uint8Array(70),
  };
  assert.equal(
    await check(envelope(body, [witness, other, { name: "log.example.test", hint, sig }])),
    "ok",
  );
  assert.equal(await check(envelope(body, [witness, other])), "checkpoint-signature-invalid");
  // A checkpointKeyId in the root is accepted as the hint source too.
  const withCkId = { ...log, logId: new Uint8Array(32).fill(1), checkpointKeyId: log.logId };
  const cp = must(parseCheckpoint(envelope(body, [{ name: "log.example.test", hint, sig }])));
  assert.equal(codeOf(await verifyCheckpoint(cp, [withCkId], { logId: withCkId.logId })), "ok");
});

Deno.test("Rekor v2 (ECDSA): the hint is SHA-256 of the SPKI; the name is still bound", async () => {
  const { log, sign } = await ecdsaLog("https://ecdsa.example.test");
  const hint = log.logId.slice(0, 4);
  assert.equal(
    encodeHex(await computeCheckpointKeyHint(log, "ecdsa.example.test", false)),
    encodeHex(hint),
  );
  const body = `ecdsa.example.test\n12\n${ROOT}\n`;
  const sig = await sign(body);
  const verify = async (env: string) =>
    codeOf(await verifyCheckpoint(must(parseCheckpoint(env)), [log], { logId: log.logId }));
  assert.equal(await verify(envelope(body, [{ name: "ecdsa.example.test", hint, sig }])), "ok");
  assert.equal(
    await verify(envelope(body, [{ name: "nope.example.test", hint, sig }])),
    "checkpoint-signature-invalid",
  );
});

Deno.test("Rekor v1 (ECDSA): hint is SHA-256 of the SPKI; the signer name is not bound", async () => {
  const { log, sign } = await ecdsaLog("https://rekor.example.test");
  const hint = log.logId.slice(0, 4);
  const body = `rekor.example.test - 1234567890\n12\n${ROOT}\nTimestamp: 1\n`;
  const sig = await sign(body);
  const verify = async (env: string) =>
    codeOf(await verifyCheckpoint(must(parseCheckpoint(env)), [log], { logId: log.logId }));
  assert.equal(await verify(envelope(body, [{ name: "rekor.example.test", hint, sig }])), "ok");
  // As sigstore-go and rekor: v1 signature names are not compared (see the sgo-othername case).
  assert.equal(await verify(envelope(body, [{ name: "rekor-deployment-abc", hint, sig }])), "ok");
  assert.equal(
    await verify(envelope(body, [{ name: "rekor.example.test", hint: new Uint8Array(4), sig }])),
    "checkpoint-signature-invalid",
  );
});
