/**
 * Seeded fuzzing of the bundle parsers (lib/evidence/bundle.ts, bundle_file.ts, dsse.ts) with
 * JSON structure and type confusion: keys deleted, renamed or added, values swapped for another
 * type (string ↔ number ↔ null ↔ array ↔ object), huge, negative, deeply nested, or repeated
 * thousands of times, in every real bundle of tests/fixtures. The parsers never throw: each
 * mutant is a bundle or a failure with a documented code. A subset goes through the verifier
 * (as `verify-bundle` runs it): no exception escapes, and a mutant that still verifies carries
 * only evidence the original bundle carried (byte for byte), never anything new or changed.
 *
 * Byte-level mutation of signatures, certificates and log entries is tests/bundle_mutation_test.ts;
 * this file is about the JSON shape around them.
 */
import assert from "node:assert/strict";
import { type Bundle, parseBundle, type TlogEntry } from "../lib/evidence/bundle.ts";
import { splitBundleDocuments } from "../lib/evidence/bundle_file.ts";
import { parseInTotoStatement } from "../lib/evidence/dsse.ts";
import { decodeBase64, encodeBase64 } from "../lib/crypto/bytes.ts";
import { MAX_BUNDLE_BYTES, MAX_TIMESTAMPS, MAX_TLOG_ENTRIES } from "../lib/limits.ts";
import { caseInputs, loadPassCases, type Outcome, verifyText } from "./support/mutate.ts";
import {
  describeError,
  FuzzReport,
  type JsonValue,
  mutateJson,
  mutateTextTimes,
  Rng,
  timed,
  withTimeout,
} from "./support/fuzz.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
/** One parse of a capped bundle taking longer than this is super-linear (or a hang). */
const CASE_BUDGET_MS = 1500;

const BUNDLE_CODES = new Set([
  "bundle-malformed-json",
  "bundle-unknown-media-type",
  "bundle-invalid",
  "bundle-invalid-base64",
  "bundle-empty-certificate-chain",
  "bundle-missing-inclusion-proof",
  "bundle-too-many-entries",
]);
const STATEMENT_CODES = new Set([
  "statement-malformed",
  "statement-unknown-type",
  "statement-no-subjects",
]);

/** Every Sigstore bundle in tests/fixtures (corpus cases, passing and failing, and the demo). */
function loadBundles(): { path: string; text: string; doc: JsonValue }[] {
  const out: { path: string; text: string; doc: JsonValue }[] = [];
  const walk = (dir: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) walk(path);
      else if (e.name.endsWith(".sigstore.json")) {
        const text = Deno.readTextFileSync(path);
        let doc: JsonValue;
        try {
          doc = JSON.parse(text);
        } catch {
          continue; // conf-bundle-malformed-json: kept for the text mutants only.
        }
        out.push({ path: path.slice(FIXTURES.length), text, doc });
      }
    }
  };
  walk(FIXTURES.replace(/\/$/, ""));
  return out;
}

const BUNDLES = loadBundles();

/** What is wrong with one outcome of {@link parseBundle}, or `undefined`. */
function judgeParse(text: string): string | undefined {
  const outcome = timed(() => parseBundle(text));
  if (!outcome.ok) return `parseBundle threw: ${describeError(outcome.error)}`;
  if (outcome.ms > CASE_BUDGET_MS) {
    return `parseBundle took ${outcome.ms.toFixed(0)} ms for ${text.length} characters`;
  }
  const result = outcome.value;
  if (!result.ok) {
    if (!BUNDLE_CODES.has(result.code)) return `undocumented code ${result.code}`;
    if (typeof result.message !== "string" || result.message === "") return "an empty message";
    return undefined;
  }
  const b = result.value;
  if (!["0.1", "0.2", "0.3"].includes(b.version)) return `version ${b.version}`;
  if (b.tlogEntries.length > MAX_TLOG_ENTRIES) return `${b.tlogEntries.length} log entries`;
  if (b.timestamps.length > MAX_TIMESTAMPS) return `${b.timestamps.length} timestamps`;
  if (b.key.kind === "certificate" && b.key.leaf.length === 0) return "an empty certificate";
  if (b.content.kind === "dsseEnvelope" && b.content.signatures.length !== 1) {
    return `${b.content.signatures.length} DSSE signatures`;
  }
  return undefined;
}

/** A mutant of one fixture bundle: `edits` (default 1–3) structured JSON edits. */
function jsonMutant(
  rng: Rng,
  doc: JsonValue,
  edits = rng.range(1, 3),
): { text: string; label: string } {
  let value = doc;
  const labels: string[] = [];
  for (let n = edits; n > 0; n--) {
    const m = mutateJson(rng, value);
    value = m.value;
    labels.push(m.label);
  }
  return { text: JSON.stringify(value), label: labels.join("; ") };
}

Deno.test("fuzz bundle: the fixtures hold bundles of every version", () => {
  assert.ok(BUNDLES.length >= 90, `found ${BUNDLES.length} bundles`);
  const versions = new Set(BUNDLES.flatMap((b) => {
    const r = parseBundle(b.text);
    return r.ok ? [r.value.version] : [];
  }));
  assert.deepEqual([...versions].sort(), ["0.1", "0.2", "0.3"]);
});

const JSON_MUTANTS = 1200;

Deno.test(`fuzz bundle: ${JSON_MUTANTS} JSON structure and type mutants of real bundles`, () => {
  const rng = new Rng("bundle/json");
  const report = new FuzzReport("bundle JSON mutants");
  for (let i = 0; i < JSON_MUTANTS; i++) {
    const bundle = rng.pick(BUNDLES);
    const m = jsonMutant(rng, bundle.doc);
    report.cases++;
    const problem = judgeParse(m.text);
    if (problem !== undefined) report.add(i, `${bundle.path}: ${m.label}`, problem);
  }
  report.assertClean();
});

const TEXT_MUTANTS = 500;

Deno.test(`fuzz bundle: ${TEXT_MUTANTS} text mutants (truncated, flipped, spliced JSON)`, () => {
  const rng = new Rng("bundle/text");
  const report = new FuzzReport("bundle text mutants");
  for (let i = 0; i < TEXT_MUTANTS; i++) {
    const bundle = rng.pick(BUNDLES);
    const pretty = rng.chance(0.5) ? JSON.stringify(bundle.doc, null, 2) : bundle.text;
    const m = mutateTextTimes(rng, pretty, rng.range(1, 3), { maxHuge: 16 * 1024 });
    report.cases++;
    const problem = judgeParse(m.text);
    if (problem !== undefined) report.add(i, `${bundle.path}: ${m.label}`, problem);
  }
  report.assertClean();
});

const FILE_MUTANTS = 400;

Deno.test(`fuzz bundle: ${FILE_MUTANTS} bundle files (single, JSONL, {bundle}, {attestations}) split and parsed`, () => {
  const rng = new Rng("bundle/file");
  const report = new FuzzReport("bundle files");
  for (let i = 0; i < FILE_MUTANTS; i++) {
    const docs = Array.from({ length: rng.range(1, 3) }, () => {
      const doc = rng.pick(BUNDLES).doc;
      return rng.chance(0.5) ? doc : mutateJson(rng, doc).value;
    });
    let file: JsonValue | string;
    let shape: string;
    switch (rng.int(4)) {
      case 0:
        file = docs[0];
        shape = "single";
        break;
      case 1:
        file = docs.map((d) => JSON.stringify(d)).join(rng.pick(["\n", "\r\n", "\n\n"]));
        shape = "jsonl";
        break;
      case 2:
        file = { bundle: docs[0] };
        shape = "{bundle}";
        break;
      default:
        file = { attestations: docs.map((d) => rng.chance(0.8) ? { bundle: d } : d) };
        shape = "{attestations}";
    }
    let label = `${shape} of ${docs.length}`;
    if (typeof file !== "string" && rng.chance(0.5)) {
      const m = mutateJson(rng, file);
      file = m.value;
      label += `; wrapper: ${m.label}`;
    }
    const text = typeof file === "string" ? file : JSON.stringify(file);
    report.cases++;
    const split = timed(() => splitBundleDocuments(text));
    if (!split.ok) {
      report.add(i, label, `splitBundleDocuments threw: ${describeError(split.error)}`);
      continue;
    }
    if (split.ms > CASE_BUDGET_MS) report.add(i, label, `took ${split.ms.toFixed(0)} ms`);
    // Only a page of no attestations (what GitHub's API answers when there are none) may hold
    // no document; anything else must reach the bundle parser, to be reported.
    if (split.value.length === 0 && !/^\{"attestations":\[\]\}$/.test(text)) {
      report.add(i, label, "no documents, and not an empty page");
    }
    for (const d of split.value) {
      if (typeof d.text !== "string" || typeof d.location !== "string") {
        report.add(i, label, "a document without text or location");
        continue;
      }
      const problem = judgeParse(d.text);
      if (problem !== undefined) report.add(i, `${label} @${d.location}`, problem);
    }
  }
  report.assertClean();
});

const STATEMENT_MUTANTS = 300;

Deno.test(`fuzz bundle: ${STATEMENT_MUTANTS} in-toto statement mutants (DSSE payloads) never throw`, () => {
  const rng = new Rng("bundle/statement");
  const report = new FuzzReport("in-toto statements");
  const statements: JsonValue[] = [];
  for (const b of BUNDLES) {
    const r = parseBundle(b.text);
    if (!r.ok || r.value.content.kind !== "dsseEnvelope") continue;
    try {
      statements.push(JSON.parse(new TextDecoder().decode(r.value.content.payload)));
    } catch {
      // A payload that is not JSON is a case of its own (random payloads below).
    }
  }
  assert.ok(statements.length >= 10, `found ${statements.length} DSSE statements`);
  for (let i = 0; i < STATEMENT_MUTANTS; i++) {
    let payload: Uint8Array;
    let label: string;
    if (i % 5 === 0) {
      payload = rng.bytes(rng.int(200));
      label = "random bytes";
    } else {
      let value = rng.pick(statements);
      const labels: string[] = [];
      for (let n = rng.range(1, 3); n > 0; n--) {
        const m = mutateJson(rng, value);
        value = m.value;
        labels.push(m.label);
      }
      payload = new TextEncoder().encode(JSON.stringify(value));
      label = labels.join("; ");
    }
    report.cases++;
    const outcome = timed(() => parseInTotoStatement(payload));
    if (!outcome.ok) {
      report.add(i, label, `parseInTotoStatement threw: ${describeError(outcome.error)}`);
    } else if (!outcome.value.ok && !STATEMENT_CODES.has(outcome.value.code)) {
      report.add(i, label, `undocumented code ${outcome.value.code}`);
    } else if (outcome.value.ok && outcome.value.value.subjects.length === 0) {
      report.add(i, label, "a statement without subjects was accepted");
    }
  }
  report.assertClean();
});

Deno.test("fuzz bundle: extreme shapes are refused promptly", () => {
  const report = new FuzzReport("bundle extremes");
  const v3 = "application/vnd.dev.sigstore.bundle.v0.3+json";
  const many = <T>(n: number, v: T): T[] => new Array(n).fill(v);
  const entry = BUNDLES.map((b) => b.doc as Record<string, Record<string, JsonValue[]>>)
    .find((d) => d.verificationMaterial?.tlogEntries?.length)!.verificationMaterial.tlogEntries[0];
  const extremes: [string, string][] = [
    [
      "arrays 100,000 deep",
      `{"mediaType":"${v3}","verificationMaterial":${"[".repeat(1e5)}${"]".repeat(1e5)}}`,
    ],
    ["objects 100,000 deep", `{"bundle":${'{"a":'.repeat(1e5)}1${"}".repeat(1e5)}}`],
    ["attestations 50,000 deep", `${'{"attestations":['.repeat(5e4)}${"]}".repeat(5e4)}`],
    [
      "4 MiB of log entries",
      JSON.stringify({
        mediaType: v3,
        verificationMaterial: {
          publicKey: {},
          tlogEntries: many(Math.floor(MAX_BUNDLE_BYTES / JSON.stringify(entry).length), entry),
        },
      }),
    ],
    [
      "100,000 timestamps",
      JSON.stringify({
        mediaType: v3,
        verificationMaterial: {
          publicKey: {},
          timestampVerificationData: { rfc3161Timestamps: many(1e5, { signedTimestamp: "AAAA" }) },
        },
      }),
    ],
    [
      "a 1,000,000-digit log index",
      JSON.stringify({
        mediaType: v3,
        verificationMaterial: {
          publicKey: {},
          tlogEntries: [{ ...(entry as Record<string, JsonValue>), logIndex: "9".repeat(1e6) }],
        },
      }),
    ],
    [
      "a 4 MiB base64 signature",
      JSON.stringify({
        mediaType: v3,
        messageSignature: { signature: "A".repeat(MAX_BUNDLE_BYTES) },
      }),
    ],
    ["100,000 JSONL lines", '{"a":1}\n'.repeat(1e5)],
    ["a 4 MiB string of braces", "{".repeat(MAX_BUNDLE_BYTES)],
  ];
  for (const [i, [label, text]] of extremes.entries()) {
    report.cases += 2;
    const problem = judgeParse(text);
    if (problem !== undefined) report.add(i, label, problem);
    const split = timed(() => splitBundleDocuments(text).map((d) => parseBundle(d.text)));
    if (!split.ok) report.add(i, label, `split threw: ${describeError(split.error)}`);
    else if (split.ms > CASE_BUDGET_MS * 2) {
      report.add(i, label, `split took ${split.ms.toFixed(0)} ms`);
    }
  }
  report.assertClean();
});

// ---------------------------------------------------------------------------------------------
// Through the verifier

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length &&
    a.every((x, i) => x === b[i]);
}

/** `m` absent, or equal to `o` by `eq`. */
function absentOr<T>(m: T | undefined, o: T | undefined, eq: (a: T, b: T) => boolean): boolean {
  return m === undefined || (o !== undefined && eq(m, o));
}

/**
 * Whether log entry `m` is `o` with, at most, optional evidence left out. Without a signed entry
 * timestamp (Rekor v2), nothing signs the entry's own logIndex and integratedTime: the proof's
 * logIndex is what is proven, and they are not compared (as in tests/support/mutate.ts).
 */
function entryWithin(m: TlogEntry, o: TlogEntry): boolean {
  const signed = o.signedEntryTimestamp !== undefined;
  return (!signed || m.logIndex === o.logIndex) && sameBytes(m.logId, o.logId) &&
    m.kind === o.kind && m.kindVersion === o.kindVersion &&
    sameBytes(m.canonicalizedBody, o.canonicalizedBody) &&
    (!signed || absentOr(m.integratedTime, o.integratedTime, (a, b) => a === b)) &&
    absentOr(m.signedEntryTimestamp, o.signedEntryTimestamp, sameBytes) &&
    absentOr(
      m.inclusionProof,
      o.inclusionProof,
      (a, b) =>
        a.logIndex === b.logIndex && a.treeSize === b.treeSize &&
        sameBytes(a.rootHash, b.rootHash) &&
        a.hashes.length === b.hashes.length &&
        a.hashes.every((h, i) => sameBytes(h, b.hashes[i])) &&
        absentOr(a.checkpoint, b.checkpoint, (x, y) => x === y),
    );
}

/**
 * What evidence `m` (a mutant that verified) carries that `o` (its original) does not, or
 * `undefined` when everything it carries is the original's, byte for byte (it may leave out
 * optional evidence; unsigned hints, a DSSE `keyid` and a public key `hint`, are not compared).
 */
function newEvidence(m: Bundle, o: Bundle): string | undefined {
  if (m.key.kind !== o.key.kind) return "the key material";
  if (m.key.kind === "certificate" && o.key.kind === "certificate") {
    if (!sameBytes(m.key.leaf, o.key.leaf)) return "the signing certificate";
    const known = [o.key.leaf, ...o.key.extra];
    if (!m.key.extra.every((c) => known.some((x) => sameBytes(c, x)))) return "a chain certificate";
  }
  if (!m.tlogEntries.every((e) => o.tlogEntries.some((x) => entryWithin(e, x)))) {
    return "a log entry";
  }
  if (!m.timestamps.every((t) => o.timestamps.some((x) => sameBytes(t, x)))) return "a timestamp";
  const mc = m.content;
  const oc = o.content;
  if (mc.kind === "messageSignature" && oc.kind === "messageSignature") {
    if (!sameBytes(mc.signature, oc.signature)) return "the signature";
    const same = absentOr(
      mc.messageDigest,
      oc.messageDigest,
      (a, b) => a.algorithm === b.algorithm && sameBytes(a.digest, b.digest),
    );
    return same ? undefined : "the message digest";
  }
  if (mc.kind === "dsseEnvelope" && oc.kind === "dsseEnvelope") {
    if (mc.payloadType !== oc.payloadType || !sameBytes(mc.payload, oc.payload)) {
      return "the DSSE payload";
    }
    const sigs = oc.signatures;
    return mc.signatures.every((s) => sigs.some((x) => sameBytes(s.sig, x.sig)))
      ? undefined
      : "a DSSE signature";
  }
  return "the content kind";
}

/** Reads `obj.name` or its snake_case spelling, as the bundle parser does. */
function field(obj: unknown, name: string): unknown {
  if (typeof obj !== "object" || obj === null) return undefined;
  const o = obj as Record<string, unknown>;
  return o[name] !== undefined ? o[name] : o[name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())];
}

/**
 * The mutant without the RFC 3161 timestamps and chain certificates the original does not
 * carry: evidence a verifier may ignore when it does not verify (a timestamp that establishes no
 * time, a certificate that is never trusted), but must not need.
 */
function withoutNewIgnorable(text: string, original: Bundle): string {
  const doc = JSON.parse(text);
  const vm = field(doc, "verificationMaterial");
  const stamps = field(field(vm, "timestampVerificationData"), "rfc3161Timestamps");
  if (Array.isArray(stamps)) {
    const kept = stamps.filter((t) => {
      try {
        const bytes = decodeBase64(String(field(t, "signedTimestamp")));
        return original.timestamps.some((x) => sameBytes(bytes, x));
      } catch {
        return false;
      }
    });
    stamps.splice(0, stamps.length, ...kept);
  }
  const certs = field(field(vm, "x509CertificateChain"), "certificates");
  if (Array.isArray(certs) && original.key.kind === "certificate") {
    const known = [original.key.leaf, ...original.key.extra];
    const kept = certs.filter((c, i) => {
      if (i === 0) return true;
      try {
        return known.some((x) => sameBytes(decodeBase64(String(field(c, "rawBytes"))), x));
      } catch {
        return false;
      }
    });
    certs.splice(0, certs.length, ...kept);
  }
  return JSON.stringify(doc);
}

const VERIFIED_MUTANTS = 200;

Deno.test(`fuzz bundle: ${VERIFIED_MUTANTS} JSON mutants through the verifier never throw, and verify only with the original's evidence`, async () => {
  const cases = await loadPassCases();
  assert.ok(cases.length >= 40, `found ${cases.length} passing corpus cases`);
  const rng = new Rng("bundle/verify");
  const report = new FuzzReport("verified bundle mutants");
  const mutants = Array.from({ length: VERIFIED_MUTANTS }, (_, i) => {
    const c = cases[i % cases.length];
    // One edit each: more mostly stop at the parser, which the tests above cover.
    return { c, ...jsonMutant(rng, c.doc as JsonValue, 1) };
  });
  let verified = 0;
  let reachedVerifier = 0;
  let next = 0;
  const worker = async () => {
    while (next < mutants.length) {
      const i = next++;
      const { c, text, label } = mutants[i];
      report.cases++;
      let outcome: Outcome;
      try {
        outcome = await withTimeout(20_000, `mutant #${i}`, () => verifyText(text, caseInputs(c)));
      } catch (error) {
        report.add(i, `${c.id}: ${label}`, describeError(error));
        continue;
      }
      if (outcome.kind !== "rejected" || outcome.stage !== "parse") reachedVerifier++;
      if (outcome.kind === "threw") {
        report.add(i, `${c.id}: ${label}`, `the verifier threw: ${describeError(outcome.error)}`);
      } else if (outcome.kind === "verified") {
        verified++;
        const original = parseBundle(c.bundleText);
        const mutant = parseBundle(text);
        assert.ok(original.ok && mutant.ok);
        const changed = newEvidence(mutant.value, original.value);
        if (changed === "a timestamp" || changed === "a chain certificate") {
          // Tolerated only when it was ignored: without it the mutant verifies all the same.
          const pruned = withoutNewIgnorable(text, original.value);
          const again = await verifyText(pruned, caseInputs(c));
          const prunedBundle = parseBundle(pruned);
          if (
            again.kind !== "verified" || !prunedBundle.ok ||
            newEvidence(prunedBundle.value, original.value) !== undefined
          ) {
            report.add(i, `${c.id}: ${label}`, `VERIFIED relying on ${changed} it changed`);
          }
        } else if (changed !== undefined) {
          report.add(i, `${c.id}: ${label}`, `VERIFIED with ${changed} changed or added`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  report.assertClean();
  // Some mutants only rename a key to its snake_case spelling or add an unknown one: those must
  // still verify, or the comparison above proves nothing.
  assert.ok(verified > 0, "no mutant verified: the property above was never exercised");
  assert.ok(reachedVerifier >= 45, `only ${reachedVerifier} mutants got past the parser`);
});

// Regression: pages were unwrapped recursively, so attestations nested 50,000 deep overflowed
// the stack (a RangeError out of splitBundleDocuments). A page inside a page is handed to the
// bundle parser whole, which reports it.
Deno.test("fuzz bundle regression: pages nested 50,000 deep are a document, not a RangeError", () => {
  const text = `${'{"attestations":['.repeat(50_000)}${"]}".repeat(50_000)}`;
  const docs = splitBundleDocuments(text);
  assert.equal(docs.length, 1);
  assert.equal(docs[0].location, "attestations[0]");
  const parsed = parseBundle(docs[0].text);
  assert.ok(!parsed.ok && parsed.code === "bundle-unknown-media-type");
  // The shapes GitHub writes still unwrap: a page of {bundle} attestations.
  const page = { attestations: [{ bundle: BUNDLES[0].doc }, { bundle: BUNDLES[1].doc }] };
  assert.deepEqual(
    splitBundleDocuments(JSON.stringify(page)).map((d) => d.location),
    ["attestations[0]bundle", "attestations[1]bundle"],
  );
});

// Sanity check of the comparison itself: a re-encoded signature is the original evidence, a
// changed one is not.
Deno.test("fuzz bundle: newEvidence() tells a re-encoded bundle from a changed one", () => {
  const bundle = BUNDLES.find((b) => {
    const r = parseBundle(b.text);
    return r.ok && r.value.content.kind === "messageSignature";
  })!;
  const doc = structuredClone(bundle.doc) as Record<string, Record<string, string>>;
  const original = parseBundle(bundle.text);
  assert.ok(original.ok);
  const sig = decodeBase64(doc.messageSignature.signature);
  doc.messageSignature.signature = encodeBase64(sig).replace(/=+$/, "");
  const same = parseBundle(JSON.stringify(doc));
  assert.ok(same.ok);
  assert.equal(newEvidence(same.value, original.value), undefined);
  sig[0] ^= 1;
  doc.messageSignature.signature = encodeBase64(sig);
  const changed = parseBundle(JSON.stringify(doc));
  assert.ok(changed.ok);
  assert.equal(newEvidence(changed.value, original.value), "the signature");
});
