/**
 * `release` with cosign evidence published beside an asset: a `.sigstore.json` bundle, and a
 * detached `.sig` + `.crt` pair verified through Rekor (a loopback fake serving the real entry).
 * Data: the rfc8785 0.1.2 wheel signed by trailofbits/rfc8785.py's release workflow at
 * refs/tags/v0.1.2 (corpus case spy-bundle_v3_github.whl, from sigstore-python's test assets).
 */
import assert from "node:assert/strict";
import { encodeBase64 } from "../lib/crypto/bytes.ts";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeAsset, startFakeGithub } from "./support/fake_github.ts";
import { startFakeRekor, toRekorApiEntry } from "./support/fake_rekor.ts";

const CASE = new URL("./fixtures/corpus/cases/spy-bundle_v3_github.whl/", import.meta.url);
const WHEEL = await Deno.readFile(new URL("bundle_v3_github.whl", CASE));
const BUNDLE_TEXT = await Deno.readTextFile(new URL("bundle.sigstore.json", CASE));
const BUNDLE = JSON.parse(BUNDLE_TEXT);
const NAME = "rfc8785-0.1.2-py3-none-any.whl";
const COMMIT = "d8b4a6445f38c48b9137a8099706d9b8073146e4";
const SHA256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", WHEEL)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
const encoder = new TextEncoder();

function pem(der: string): string {
  return `-----BEGIN CERTIFICATE-----\n${
    der.match(/.{1,64}/g)!.join("\n")
  }\n-----END CERTIFICATE-----\n`;
}
const SIG = encoder.encode(BUNDLE.messageSignature.signature + "\n");
// cosign writes the certificate as base64 of the PEM text.
const CRT = encoder.encode(
  encodeBase64(
    encoder.encode(pem(BUNDLE.verificationMaterial.x509CertificateChain.certificates[0].rawBytes)),
  ),
);

async function runRelease(
  assets: FakeAsset[],
  rekorEntries: Record<string, Record<string, unknown>[]>,
  extra: string[] = [],
) {
  const github = startFakeGithub([{
    owner: "trailofbits",
    repo: "rfc8785.py",
    tag: "v0.1.2",
    commit: COMMIT,
    assets,
  }]);
  const rekor = startFakeRekor(rekorEntries);
  try {
    const io = createMemoryIo({
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      CARGO_ATTEST_REKOR_URL: rekor.url,
      GH_TOKEN: "ghp_secret",
    });
    const code = await main(
      ["release", "trailofbits/rfc8785.py", "v0.1.2", "--json", ...extra],
      io,
    );
    return { code, report: io.out ? JSON.parse(io.out) : undefined, err: io.err, rekor };
  } finally {
    await github.close();
    await rekor.close();
  }
}

function cosignChecks(
  report: { subjects: { checks: { id: string; status: string; code: string }[] }[] },
) {
  return report.subjects[0].checks.filter((c) => c.id === "cosign");
}

Deno.test("release: a .sigstore.json bundle beside the asset is a load-bearing cosign proof", async () => {
  const r = await runRelease([
    { name: NAME, bytes: WHEEL },
    { name: `${NAME}.sigstore.json`, bytes: encoder.encode(BUNDLE_TEXT) },
  ], {});
  assert.equal(r.code, 0, r.err + JSON.stringify(r.report));
  assert.equal(r.report.subjects.length, 1, "the bundle is evidence, not a subject");
  assert.deepEqual(cosignChecks(r.report).map((c) => c.status), ["pass"]);
});

Deno.test("release: a detached .sig + .crt verifies through its Rekor entry", async () => {
  const entry = toRekorApiEntry(BUNDLE.verificationMaterial.tlogEntries[0]);
  const r = await runRelease([
    { name: NAME, bytes: WHEEL },
    { name: `${NAME}.sig`, bytes: SIG },
    { name: `${NAME}.crt`, bytes: CRT },
  ], { [SHA256]: [entry] });
  assert.equal(r.code, 0, r.err + JSON.stringify(r.report, null, 1));
  assert.deepEqual(cosignChecks(r.report).map((c) => c.code), ["attestation-verified"]);
  const identity = r.report.subjects[0].checks.find((c: { id: string }) => c.id === "identity");
  assert.equal(identity.status, "pass");
  assert.ok(r.rekor.requests.some((q) => q.method === "POST"));
  assert.ok(r.rekor.requests.every((q) => q.authorization === null), "no GitHub token to Rekor");
});

Deno.test("release: a detached signature with no Rekor entry is a MISMATCH, not a pass", async () => {
  const r = await runRelease([
    { name: NAME, bytes: WHEEL },
    { name: `${NAME}.sig`, bytes: SIG },
    { name: `${NAME}.crt`, bytes: CRT },
  ], {});
  assert.equal(r.code, 2);
  assert.deepEqual(cosignChecks(r.report).map((c) => c.code), ["signature-unverifiable"]);
});

Deno.test("release: a detached signature that is not the logged one is a MISMATCH", async () => {
  const entry = toRekorApiEntry(BUNDLE.verificationMaterial.tlogEntries[0]);
  const wrong = BUNDLE.messageSignature.signature.replace(/^..../, "MEUC");
  const r = await runRelease([
    { name: NAME, bytes: WHEEL },
    { name: `${NAME}.sig`, bytes: encoder.encode(wrong) },
    { name: `${NAME}.crt`, bytes: CRT },
  ], { [SHA256]: [entry] });
  assert.equal(r.code, 2);
  assert.equal(cosignChecks(r.report)[0].status, "fail");
});

Deno.test("release: a key-based .sig without a certificate is an optional skip", async () => {
  const r = await runRelease([
    { name: NAME, bytes: WHEEL },
    { name: `${NAME}.sig`, bytes: SIG },
  ], {});
  assert.equal(r.code, 1, "nothing load-bearing: UNVERIFIED");
  assert.deepEqual(cosignChecks(r.report).map((c) => c.code), ["cosign-detached-unsupported"]);
});
