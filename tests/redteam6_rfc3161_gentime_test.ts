/**
 * Red team (issue #15, commit 2eaac95): `TSTInfo.genTime` is said to be read as DER writes a
 * GeneralizedTime (X.690 11.7: `YYYYMMDDHHMMSS[.f]Z`, ASCII digits). Its text was still decoded
 * with a default `TextDecoder`, which drops a leading UTF-8 byte-order mark: a genTime of
 * `EF BB BF` + `20250601120000Z` (not DER, and refused by Go's encoding/asn1 under sigstore-go)
 * verified as 2025-06-01T12:00:00Z.
 */
import assert from "node:assert/strict";
import { verifyRfc3161Timestamp } from "../lib/crypto/rfc3161.ts";
import { utf8 } from "../lib/crypto/bytes.ts";
import { ecKey } from "./support/der.ts";
import { makeCert, makeToken } from "./support/rfc3161_token.ts";
import type { CertificateAuthority } from "../lib/trust/trusted_root.ts";
import { generalizedTimeText } from "./support/der.ts";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";
import { runVerifyBundle } from "./support/verify_bundle_runs.ts";

const DATA = utf8("the signature bytes being timestamped");

async function authorityAndToken(genTime: string) {
  const rootKey = await ecKey();
  const leafKey = await ecKey();
  const root = await makeCert({
    serial: 1,
    issuer: "Red Root",
    subject: "Red Root",
    subjectKey: rootKey,
    issuerKey: rootKey,
    ca: true,
  });
  const leaf = await makeCert({
    serial: 2,
    issuer: "Red Root",
    subject: "Red TSA",
    subjectKey: leafKey,
    issuerKey: rootKey,
  });
  const authority: CertificateAuthority = {
    uri: "https://tsa.example",
    subject: { commonName: "Red Root" },
    certChain: [leaf, root],
    validFor: {},
  };
  const token = await makeToken({
    signedBytes: DATA,
    signer: leafKey,
    issuer: "Red Root",
    serial: 2,
    genTime,
  });
  return { authority, token };
}

Deno.test("redteam6 rfc3161: a genTime with ASCII digits only verifies (control)", async () => {
  const { authority, token } = await authorityAndToken("20250601120000Z");
  const result = await verifyRfc3161Timestamp(token, DATA, [authority]);
  assert.equal(result.ok, true, result.ok ? "" : `${result.code}: ${result.message}`);
});

Deno.test("redteam6 rfc3161: a genTime led by a UTF-8 byte-order mark is not DER and is refused", async () => {
  // utf8("\uFEFF…") writes EF BB BF before the digits, inside the GeneralizedTime's contents.
  const { authority, token } = await authorityAndToken("\uFEFF20250601120000Z");
  const result = await verifyRfc3161Timestamp(token, DATA, [authority]);
  assert.equal(result.ok, false, "a genTime with a byte-order mark verified");
  if (!result.ok) {
    assert.equal(result.code, "timestamp-malformed");
    assert.match(result.message, /genTime/);
  }
});

// ---------------------------------------------------------------------------------------------
// Through main(): `verify-bundle` of a Rekor v2 bundle, whose only time is the TSA's genTime.

const vs = await VirtualSigstore.create({ name: "redteam6-gentime" });
const ARTIFACT = utf8("redteam6 genTime artifact\n");

async function verifyBundle(genTimeText: string) {
  const bundle = await vs.sign({
    artifact: ARTIFACT,
    tlog: "rekor-v2",
    timestamps: [{ genTimeText }],
  });
  return await runVerifyBundle({
    bundleJson: bundle.json,
    trustedRoot: vs.trustedRoot(),
    artifact: ARTIFACT,
    san: workflowSan(),
  });
}

Deno.test("redteam6 rfc3161 (main): verify-bundle with a DER genTime is TRUSTED (control)", async () => {
  const r = await verifyBundle(generalizedTimeText(vs.now));
  assert.equal(r.code, 0, r.out + r.err);
});

Deno.test("redteam6 rfc3161 (main): verify-bundle whose only timestamp has a BOM-led genTime is not TRUSTED", async () => {
  const r = await verifyBundle(`\uFEFF${generalizedTimeText(vs.now)}`);
  assert.notEqual(r.code, 0, `a non-DER genTime was accepted:\n${r.out}${r.err}`);
  assert.match(r.out + r.err, /genTime/);
});

Deno.test("redteam6 rfc3161 (main): a genTime fraction of more than nine digits (which Go's encoding/asn1 refuses) is not TRUSTED", async () => {
  // sigstore-go reads genTime with Go's encoding/asn1: time.Parse keeps nine fraction digits and
  // a time that does not serialize back to its text is refused. The commit reads genTime "as Go's
  // encoding/asn1 asks", yet took any number of digits.
  const whole = generalizedTimeText(new Date(Math.floor(vs.now.getTime() / 1000) * 1000));
  const nine = await verifyBundle(whole.replace(/Z$/, ".000000001Z"));
  assert.equal(nine.code, 0, nine.out + nine.err);
  const ten = await verifyBundle(whole.replace(/Z$/, ".0000000001Z"));
  assert.notEqual(ten.code, 0, `a ten-digit genTime fraction was accepted:\n${ten.out}${ten.err}`);
  assert.match(ten.out + ten.err, /genTime/);
});
