import assert from "node:assert/strict";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { PolicySigner } from "./evaluate.ts";
import { checkPolicySigner, checkPolicySigners } from "./signer.ts";

const GITHUB = "https://token.actions.githubusercontent.com";

function identity(
  san: string,
  extensions: Record<string, string> = {},
  issuer = GITHUB,
): CertificateIdentity {
  return {
    san: [{ kind: san.includes("@") && !san.startsWith("https://") ? "email" : "uri", value: san }],
    issuer,
    extensions: {
      sourceRepositoryURI: "https://github.com/o/r",
      sourceRepositoryRef: "refs/tags/v1.2.3",
      sourceRepositoryDigest: "ab".repeat(20),
      runnerEnvironment: "github-hosted",
      ...extensions,
    },
    notBefore: new Date(0),
    notAfter: new Date(0),
    subjectDn: "",
    issuerDn: "",
  };
}

const RELEASE_SAN = "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.3";

function signer(fields: Partial<PolicySigner>, line = 7): PolicySigner {
  return {
    issuer: GITHUB,
    source: `attest.toml:${line}`,
    policyRef: { file: "attest.toml", line },
    ...fields,
  };
}

Deno.test("checkPolicySigner() compares every field the policy pins", () => {
  const table: [
    name: string,
    fields: Partial<PolicySigner>,
    ext: Record<string, string>,
    code: string,
  ][] = [
    ["workflow", { signerWorkflow: "o/r/.github/workflows/release.yml" }, {}, "identity-match"],
    [
      "other workflow",
      { signerWorkflow: "o/r/.github/workflows/ci.yml" },
      {},
      "identity-workflow-mismatch",
    ],
    [
      "ref glob",
      { signerWorkflow: "o/r/.github/workflows/release.yml", refGlob: "refs/tags/v*" },
      {},
      "identity-match",
    ],
    [
      "ref glob miss",
      { signerWorkflow: "o/r/.github/workflows/release.yml", refGlob: "refs/tags/v*" },
      { sourceRepositoryRef: "refs/heads/main" },
      "identity-ref-mismatch",
    ],
    [
      "source ref",
      { signerWorkflow: "o/r/.github/workflows/release.yml", sourceRef: "refs/tags/v1.2.3" },
      {},
      "identity-match",
    ],
    [
      "source ref miss",
      { signerWorkflow: "o/r/.github/workflows/release.yml", sourceRef: "refs/tags/v1.2.4" },
      {},
      "identity-ref-mismatch",
    ],
    [
      "source repository (any case)",
      { signerWorkflow: "o/r/.github/workflows/release.yml", sourceRepository: "O/R" },
      {},
      "identity-match",
    ],
    [
      "source repository miss",
      { signerWorkflow: "o/r/.github/workflows/release.yml", sourceRepository: "o/other" },
      {},
      "identity-repository-mismatch",
    ],
    [
      "runner",
      { signerWorkflow: "o/r/.github/workflows/release.yml", runnerEnvironment: "github-hosted" },
      {},
      "identity-match",
    ],
    [
      "self-hosted runner",
      { signerWorkflow: "o/r/.github/workflows/release.yml", runnerEnvironment: "github-hosted" },
      { runnerEnvironment: "self-hosted" },
      "identity-runner-mismatch",
    ],
    ["exact san", { san: RELEASE_SAN }, {}, "identity-match"],
    ["san miss", { san: RELEASE_SAN.replace("v1.2.3", "v1.2.4") }, {}, "identity-san-mismatch"],
    [
      "issuer miss",
      { san: RELEASE_SAN, issuer: "https://accounts.google.com" },
      {},
      "identity-issuer-mismatch",
    ],
  ];
  for (const [name, fields, ext, code] of table) {
    const result = checkPolicySigner(identity(RELEASE_SAN, ext), signer(fields));
    assert.equal(result.code, code, name);
    assert.deepEqual(result.policyRef, { file: "attest.toml", line: 7 }, name);
    if (code !== "identity-match") assert.match(result.message, /attest\.toml:7/, name);
  }
});

Deno.test("checkPolicySigner() binds a release's tag unless the signer names a ref", () => {
  const id = identity(RELEASE_SAN, { sourceRepositoryRef: "refs/heads/main" });
  const releaseRef = { ref: "refs/tags/v1.2.3", commit: "cd".repeat(20) };
  const plain = signer({ signerWorkflow: "o/r/.github/workflows/release.yml" });
  assert.equal(checkPolicySigner(id, plain, { releaseRef }).code, "identity-ref-mismatch");
  const sameCommit = { ref: "refs/tags/v1.2.3", commit: "ab".repeat(20) };
  assert.equal(checkPolicySigner(id, plain, { releaseRef: sameCommit }).code, "identity-match");
  const branch = signer({
    signerWorkflow: "o/r/.github/workflows/release.yml",
    refGlob: "refs/heads/*",
  });
  assert.equal(checkPolicySigner(id, branch, { releaseRef }).code, "identity-match");
});

Deno.test("checkPolicySigners() passes on any signer and otherwise reports the first", () => {
  const id = identity("release@example.com", {}, "https://accounts.google.com");
  const signers = [
    signer({ signerWorkflow: "o/r/.github/workflows/release.yml" }, 4),
    signer({ san: "release@example.com", issuer: "https://accounts.google.com" }, 9),
  ];
  const pass = checkPolicySigners(id, signers);
  assert.equal(pass.status, "pass");
  assert.deepEqual(pass.policyRef, { file: "attest.toml", line: 9 });
  const fail = checkPolicySigners(identity(RELEASE_SAN), [signers[1], signers[1]]);
  assert.equal(fail.status, "fail");
  assert.match(fail.message, /^matches none of the 2 signers the policy names; the first: /);
  assert.equal(checkPolicySigners(id, []).code, "identity-unbound");
});
