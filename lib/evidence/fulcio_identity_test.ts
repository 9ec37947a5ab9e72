import assert from "node:assert/strict";
import { decodeBase64 } from "../crypto/bytes.ts";
import {
  CertificateParseError,
  matchIdentity,
  parseCertificateIdentity,
} from "./fulcio_identity.ts";

const CASES = new URL("../../tests/fixtures/corpus/cases/", import.meta.url);

interface LeafFacts {
  issuer_dn: string;
  not_before: string;
  not_after: string;
  san: string[];
  fulcio: Record<string, string>;
}

interface CaseWithLeaf {
  id: string;
  expect: string;
  identity?: string;
  issuer?: string;
  leafDer: Uint8Array;
  facts: LeafFacts;
}

function leafOf(bundle: Record<string, unknown>): Uint8Array | undefined {
  // deno-lint-ignore no-explicit-any
  const vm = (bundle.verificationMaterial ?? {}) as any;
  const raw = vm.certificate?.rawBytes ?? vm.x509CertificateChain?.certificates?.[0]?.rawBytes;
  return typeof raw === "string" ? decodeBase64(raw) : undefined;
}

function loadCases(): CaseWithLeaf[] {
  const out: CaseWithLeaf[] = [];
  for (const entry of Deno.readDirSync(CASES)) {
    if (!entry.isDirectory) continue;
    const dir = new URL(`${entry.name}/`, CASES);
    const meta = JSON.parse(Deno.readTextFileSync(new URL("case.json", dir)));
    const facts = meta.bundle_facts?.leaf as LeafFacts | undefined;
    if (!facts) continue;
    const bundle = JSON.parse(Deno.readTextFileSync(new URL(meta.bundle, dir)));
    const leafDer = leafOf(bundle);
    if (!leafDer) continue;
    out.push({
      id: meta.id,
      expect: meta.expect,
      identity: meta.identity,
      issuer: meta.issuer,
      leafDer,
      facts,
    });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

const cases = loadCases();

function caseById(id: string): CaseWithLeaf {
  const found = cases.find((c) => c.id === id);
  assert.ok(found, `case ${id} is in the corpus`);
  return found;
}

/** case.json's snake_case Fulcio fact names → our friendly extension names. */
function camel(snake: string): string {
  if (snake === "issuer_v1") return "issuerV1";
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/Uri$/, "URI");
}

Deno.test("the corpus has certificate cases to check", () => {
  assert.ok(cases.length >= 70, `found ${cases.length} certificate cases`);
});

Deno.test("every certificate case parses to its case.json leaf facts", () => {
  for (const c of cases) {
    const identity = parseCertificateIdentity(c.leafDer);
    const sans = identity.san.map((s) => s.kind === "otherName" ? `otherName:${s.value}` : s.value);
    assert.deepEqual(sans, c.facts.san, `${c.id}: SAN`);
    assert.equal(identity.issuerDn, c.facts.issuer_dn, `${c.id}: issuer DN`);
    assert.equal(
      identity.notBefore.getTime(),
      Date.parse(c.facts.not_before),
      `${c.id}: notBefore`,
    );
    assert.equal(identity.notAfter.getTime(), Date.parse(c.facts.not_after), `${c.id}: notAfter`);
    const expected: Record<string, string> = {};
    for (const [key, value] of Object.entries(c.facts.fulcio)) expected[camel(key)] = value;
    const actual = Object.fromEntries(
      Object.entries(identity.extensions).filter(([key]) => !key.startsWith("githubWorkflow")),
    );
    // Facts list 1.1 and 1.8..1.22 only; later arcs (1.23+) appear under their own keys.
    for (const key of Object.keys(actual)) {
      if (key.startsWith("1.3.6.1.4.1.57264.") || key === "deploymentEnvironment") {
        delete actual[key];
      }
    }
    assert.deepEqual(actual, expected, `${c.id}: Fulcio extensions`);
    assert.equal(
      identity.issuer,
      c.facts.fulcio.issuer ?? c.facts.fulcio.issuer_v1,
      `${c.id}: issuer`,
    );
    const subject = c.id === "gh-github-release-attestation" ? "CN=Attester,O=GitHub\\, Inc." : "";
    assert.equal(identity.subjectDn, subject, `${c.id}: subject DN`);
  }
});

Deno.test("SAN kinds are classified", () => {
  const uri = parseCertificateIdentity(caseById("gh-sigstore-js-2.1.0-v0.3").leafDer);
  assert.deepEqual(uri.san, [{
    kind: "uri",
    value: "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main",
  }]);
  const email = parseCertificateIdentity(caseById("sjs-bundleV03-dsse").leafDer);
  assert.deepEqual(email.san, [{ kind: "email", value: "brian@dehamer.com" }]);
  const other = parseCertificateIdentity(caseById("sgo-othername").leafDer);
  assert.deepEqual(other.san, [{ kind: "otherName", value: "foo!oidc.local" }]);
});

Deno.test("deprecated GitHub extensions (1.2–1.6) are read as raw UTF-8", () => {
  const identity = parseCertificateIdentity(caseById("gh-sigstore-js-2.1.0-v0.3").leafDer);
  assert.equal(identity.extensions.githubWorkflowTrigger, "push");
  assert.equal(identity.extensions.githubWorkflowSha, "26d16513386ffaa790b1c32f927544f1322e4194");
  assert.equal(identity.extensions.githubWorkflowName, "Release");
  assert.equal(identity.extensions.githubWorkflowRepository, "sigstore/sigstore-js");
  assert.equal(identity.extensions.githubWorkflowRef, "refs/heads/main");
});

Deno.test("issuer falls back to the deprecated 1.1 extension", () => {
  const c = caseById("gh-invalid-signature_fail");
  assert.equal(c.facts.fulcio.issuer, undefined);
  const identity = parseCertificateIdentity(c.leafDer);
  assert.equal(identity.issuer, "https://github.com/login/oauth");
  assert.equal(identity.extensions.issuer, undefined);
});

Deno.test("a certificate without Fulcio extensions has no issuer", () => {
  const identity = parseCertificateIdentity(caseById("gh-github-release-attestation").leafDer);
  assert.equal(identity.issuer, undefined);
  assert.deepEqual(identity.extensions, {});
  assert.deepEqual(identity.san, [{ kind: "uri", value: "https://dotcom.releases.github.com" }]);
});

Deno.test("every pass case matches its declared identity and issuer", () => {
  let checked = 0;
  for (const c of cases) {
    if (c.expect !== "pass" || !c.identity || !c.issuer) continue;
    const result = matchIdentity(parseCertificateIdentity(c.leafDer), {
      san: c.identity,
      issuer: c.issuer,
    });
    assert.deepEqual(result, { ok: true, value: undefined }, c.id);
    checked++;
  }
  assert.ok(checked >= 10, `checked ${checked} pass cases`);
});

Deno.test("matchIdentity rejects a SAN prefix", () => {
  const c = caseById("gh-sigstore-js-2.1.0-v0.3_identity-prefix_fail");
  assert.ok(c.identity);
  const identity = parseCertificateIdentity(c.leafDer);
  assert.ok(identity.san[0].value.startsWith(c.identity) && identity.san[0].value !== c.identity);
  const result = matchIdentity(identity, { san: c.identity, issuer: c.issuer });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.code, "identity-san-mismatch");
  assert.match(!result.ok ? result.message : "", /sigstore-js/);
});

Deno.test("matchIdentity: an e-mail-looking identity does not match an otherName", () => {
  const c = caseById("sgo-othername_email-san_fail");
  assert.equal(c.identity, "foo@oidc.local");
  const identity = parseCertificateIdentity(c.leafDer);
  const result = matchIdentity(identity, { san: c.identity, issuer: c.issuer });
  assert.equal(!result.ok && result.code, "identity-san-mismatch");
  assert.match(!result.ok ? result.message : "", /foo@oidc\.local.*otherName "foo!oidc\.local"/);
  assert.equal(matchIdentity(identity, { san: "foo!oidc.local", issuer: c.issuer }).ok, true);
});

Deno.test("matchIdentity compares case-sensitively and rejects a wrong or missing issuer", () => {
  const identity = parseCertificateIdentity(caseById("gh-sigstore-js-2.1.0-v0.3").leafDer);
  const san = identity.san[0].value;
  assert.equal(matchIdentity(identity, { san: san.toUpperCase() }).ok, false);
  assert.equal(matchIdentity(identity, { san: san + "/" }).ok, false);
  assert.equal(matchIdentity(identity, { san }).ok, true);
  const wrong = matchIdentity(identity, {
    san,
    issuer: "https://token.actions.githubusercontent.co",
  });
  assert.equal(!wrong.ok && wrong.code, "identity-issuer-mismatch");
  assert.match(!wrong.ok ? wrong.message : "", /githubusercontent\.co".*githubusercontent\.com"/);
  const bare = parseCertificateIdentity(caseById("gh-github-release-attestation").leafDer);
  const missing = matchIdentity(bare, { issuer: "https://token.actions.githubusercontent.com" });
  assert.equal(!missing.ok && missing.code, "identity-issuer-mismatch");
  assert.equal(matchIdentity(identity, {}).ok, true);
});

Deno.test("parseCertificateIdentity throws CertificateParseError only for non-certificates", () => {
  assert.throws(() => parseCertificateIdentity(new Uint8Array()), CertificateParseError);
  assert.throws(
    () => parseCertificateIdentity(new Uint8Array([0x30, 0x03, 1, 2, 3])),
    CertificateParseError,
  );
  const leaf = caseById("gh-sigstore-js-2.1.0-v0.3").leafDer;
  const trailing = new Uint8Array(leaf.length + 1);
  trailing.set(leaf);
  assert.throws(() => parseCertificateIdentity(trailing), CertificateParseError);
  assert.throws(
    () => parseCertificateIdentity(leaf.subarray(0, leaf.length - 1)),
    CertificateParseError,
  );
});
