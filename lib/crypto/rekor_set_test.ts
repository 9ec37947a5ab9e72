import assert from "node:assert/strict";
import { decodeBase64, utf8 } from "./bytes.ts";
import {
  type SignedEntryTimestampInput,
  signedEntryTimestampPayload,
  verifySignedEntryTimestamp,
} from "./rekor_set.ts";
import type { Verified } from "./verified.ts";
import { parseTrustedRoot, type TransparencyLogKey } from "../trust/trusted_root.ts";

const CORPUS = new URL("../../tests/fixtures/corpus/", import.meta.url);
const CASES = new URL("cases/", CORPUS);

interface CorpusSet {
  caseId: string;
  expect: string;
  input: SignedEntryTimestampInput;
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

/** Every tlog entry with a signed entry timestamp in the corpus, read straight from the JSON. */
async function corpusSets(): Promise<CorpusSet[]> {
  const out: CorpusSet[] = [];
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
      const set = e.inclusionPromise?.signedEntryTimestamp;
      if (typeof set !== "string") continue;
      out.push({
        caseId,
        expect: info.expect,
        input: {
          set: decodeBase64(set),
          canonicalizedBody: decodeBase64(e.canonicalizedBody),
          integratedTime: BigInt(e.integratedTime),
          logIndex: BigInt(e.logIndex),
          logId: decodeBase64(e.logId.keyId),
        },
        logs: await rootLogs(caseId, info.trusted_root),
      });
    }
  }
  return out;
}

async function corpusCase(caseId: string): Promise<CorpusSet> {
  const found = (await corpusSets()).find((c) => c.caseId === caseId);
  assert.ok(found, caseId);
  return found;
}

function codeOf(v: Verified<unknown>): string {
  return v.ok ? "ok" : v.code;
}

const flip = (b: Uint8Array, i = 0): Uint8Array => {
  const c = b.slice();
  c[i] ^= 0x01;
  return c;
};

Deno.test("payload is the RFC 8785 canonical JSON Rekor signs", () => {
  const payload = signedEntryTimestampPayload({
    canonicalizedBody: utf8('{"a":1}'),
    integratedTime: 1689177396n,
    logIndex: 27246492n,
    logId: new Uint8Array([0xc0, 0xd2, 0x3d, 0x6a, 0x00, 0xff]),
  });
  assert.equal(
    new TextDecoder().decode(payload),
    '{"body":"eyJhIjoxfQ==","integratedTime":1689177396,"logID":"c0d23d6a00ff","logIndex":27246492}',
  );
});

Deno.test("every corpus SET verifies except the ones meant to fail", async () => {
  const all = await corpusSets();
  assert.ok(all.length >= 50, `expected many SETs, found ${all.length}`);
  const failures: Record<string, string> = {};
  for (const c of all) {
    const r = await verifySignedEntryTimestamp(c.input, c.logs);
    if (!r.ok) failures[c.caseId] = r.code;
    else assert.equal(r.value.log.logId, c.logs.find((l) => l === r.value.log)?.logId);
  }
  assert.deepEqual(failures, {
    // A staging entry checked against the public-good root.
    "conf-bundle-from-wrong-instance_fail": "set-unknown-log",
    // Cases whose canonicalizedBody was edited after logging.
    "conf-bundle-empty-certificate-chain_fail": "set-signature-invalid",
    "conf-bundle-invalid-base64-signature_fail": "set-signature-invalid",
    "conf-incorrect-public-key_fail": "set-signature-invalid",
    // The SET of another entry.
    "sjava-bundle-with-mismatched-set_fail": "set-signature-invalid",
    // A public-good entry in a case checked against the staging root.
    "spy-bundle_no_cert_v1_fail": "set-unknown-log",
    // logIndex "-1".
    "conf-bundle-negative-log-index_fail": "set-malformed",
  });
  for (const c of all) {
    if (c.expect === "pass") assert.ok(!(c.caseId in failures), c.caseId);
  }
});

Deno.test("mutations of a real SET fail", async () => {
  const c = await corpusCase("conf-happy-path-v0.3");
  const check = async (input: SignedEntryTimestampInput, logs = c.logs) =>
    codeOf(await verifySignedEntryTimestamp(input, logs));
  assert.equal(await check(c.input), "ok");
  const e = c.input;
  assert.equal(await check({ ...e, logIndex: e.logIndex + 1n }), "set-signature-invalid");
  assert.equal(
    await check({ ...e, integratedTime: e.integratedTime - 1n }),
    "set-signature-invalid",
  );
  assert.equal(
    await check({ ...e, canonicalizedBody: flip(e.canonicalizedBody, 20) }),
    "set-signature-invalid",
  );
  assert.equal(
    await check({ ...e, canonicalizedBody: e.canonicalizedBody.slice(0, -1) }),
    "set-signature-invalid",
  );
  for (const i of [0, 8, e.set.length - 1]) {
    assert.equal(await check({ ...e, set: flip(e.set, i) }), "set-signature-invalid", `byte ${i}`);
  }
  assert.equal(await check({ ...e, set: new Uint8Array() }), "set-signature-invalid");
  assert.equal(await check({ ...e, logId: flip(e.logId, 31) }), "set-unknown-log");
  assert.equal(await check(e, []), "set-unknown-log");
  assert.equal(await check({ ...e, logIndex: -1n }), "set-malformed");
  assert.equal(await check({ ...e, integratedTime: -1n }), "set-malformed");
  assert.equal(await check({ ...e, integratedTime: 1n << 60n }), "set-malformed");
});

Deno.test("the SET of another entry does not verify (sigstore-conformance set-invalid-signature_fail)", async () => {
  // That conformance case is conf-invalid-checkpoint-signature_fail's entry carrying
  // conf-happy-path-v0.3's SET.
  const entry = await corpusCase("conf-invalid-checkpoint-signature_fail");
  const other = await corpusCase("conf-happy-path-v0.3");
  assert.equal(codeOf(await verifySignedEntryTimestamp(entry.input, entry.logs)), "ok");
  assert.equal(
    codeOf(await verifySignedEntryTimestamp({ ...entry.input, set: other.input.set }, entry.logs)),
    "set-signature-invalid",
  );
});

Deno.test("the integrated time must lie in the log key's validity, ends included", async () => {
  const c = await corpusCase("conf-happy-path-v0.3");
  const log = c.logs.find((l) => l.logId.every((b, i) => b === c.input.logId[i]));
  assert.ok(log);
  const t = new Date(Number(c.input.integratedTime) * 1000);
  const at = (start?: Date, end?: Date) =>
    verifySignedEntryTimestamp(c.input, [{ ...log, validFor: { start, end } }]);
  const second = 1000;
  assert.equal(codeOf(await at(t, t)), "ok");
  assert.equal(codeOf(await at(undefined, undefined)), "ok");
  assert.equal(
    codeOf(await at(new Date(t.getTime() - second), new Date(t.getTime() + second))),
    "ok",
  );
  assert.equal(codeOf(await at(new Date(t.getTime() + second))), "tlog-key-outside-validity");
  assert.equal(
    codeOf(await at(undefined, new Date(t.getTime() - second))),
    "tlog-key-outside-validity",
  );
  const r = await at(undefined, new Date(t.getTime() - second));
  assert.ok(!r.ok && r.message.includes(t.toISOString()));
  // Validity is checked before the signature: a log key that expired fails as such.
  assert.equal(
    codeOf(
      await verifySignedEntryTimestamp({ ...c.input, set: new Uint8Array(8) }, [{
        ...log,
        validFor: { end: new Date(0) },
      }]),
    ),
    "tlog-key-outside-validity",
  );
});
