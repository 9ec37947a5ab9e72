import assert from "node:assert/strict";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { PolicySigner } from "../policy/evaluate.ts";
import { checkIdentity } from "./identity.ts";
import { buildSignerRules, judgeSigner, type SubjectBinding } from "./signer_rules.ts";

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

Deno.test("checkIdentity() compares every field a signer rule pins", () => {
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
    const result = checkIdentity(identity(RELEASE_SAN, ext), signer(fields));
    assert.equal(result.code, code, name);
    assert.deepEqual(result.policyRef, { file: "attest.toml", line: 7 }, name);
    if (code !== "identity-match") assert.match(result.message, /attest\.toml:7/, name);
  }
});

const RELEASE_BINDING: SubjectBinding = {
  repo: "o/r",
  ref: { ref: "refs/tags/v1.2.3", commit: "cd".repeat(20) },
  source: "the release o/r@v1.2.3",
};
/** The release whose tag is at the commit the test certificates record (ab…). */
const AT_TAG: SubjectBinding = {
  ...RELEASE_BINDING,
  ref: { ref: "refs/tags/v1.2.3", commit: "ab".repeat(20) },
};

Deno.test("judgeSigner() binds a release's tag and commit whatever ref glob a signer names", () => {
  const fromMain = identity(RELEASE_SAN, { sourceRepositoryRef: "refs/heads/main" });
  const plain = signer({ signerWorkflow: "o/r/.github/workflows/release.yml" });
  const glob = signer({ signerWorkflow: "o/r/.github/workflows/release.yml", refGlob: "refs/**" });
  for (const s of [plain, glob]) {
    const rules = buildSignerRules({ policy: [s], subject: RELEASE_BINDING });
    assert.equal(judgeSigner(fromMain, rules).code, "identity-ref-mismatch");
    // Built from main at the tagged commit: the commit binds.
    const atCommit = {
      ...RELEASE_BINDING,
      ref: { ...RELEASE_BINDING.ref, commit: "ab".repeat(20) },
    };
    assert.equal(
      judgeSigner(fromMain, buildSignerRules({ policy: [s], subject: atCommit })).code,
      "identity-match",
    );
  }
  // A glob narrows: the tag's own ref, but not matching the glob, fails.
  const tagged = identity(RELEASE_SAN);
  const branchOnly = signer({
    signerWorkflow: "o/r/.github/workflows/release.yml",
    refGlob: "refs/heads/*",
  });
  assert.equal(
    judgeSigner(tagged, buildSignerRules({ policy: [branchOnly], subject: RELEASE_BINDING })).code,
    "identity-ref-mismatch",
  );
});

Deno.test("judgeSigner() binds the subject's repository for a reusable workflow", () => {
  const slsa = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/" +
    "generator_generic_slsa3.yml@refs/tags/v2.1.0";
  const evil = identity(slsa, { sourceRepositoryURI: "https://github.com/evil/app" });
  const ours = identity(slsa, { sourceRepositoryURI: "https://github.com/o/r" });
  const cli = {
    signerWorkflow:
      "slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml",
    source: "--signer-workflow",
  };
  const subject = { repo: "o/r", source: "the release o/r@v1.2.3" };
  assert.equal(
    judgeSigner(evil, buildSignerRules({ cli, subject })).code,
    "identity-repository-mismatch",
  );
  assert.equal(judgeSigner(ours, buildSignerRules({ cli, subject })).code, "identity-match");
  // The same through a policy signer.
  const policy = [signer({ signerWorkflow: cli.signerWorkflow })];
  assert.equal(
    judgeSigner(evil, buildSignerRules({ policy, subject })).code,
    "identity-repository-mismatch",
  );
});

Deno.test("judgeSigner() is a conjunction: the command line and the policy must both hold", () => {
  const id = identity(RELEASE_SAN);
  const cli = { signerWorkflow: "o/r/.github/workflows/release.yml", source: "--signer-workflow" };
  const other = signer({ signerWorkflow: "o/r/.github/workflows/ci.yml" });
  assert.equal(
    judgeSigner(id, buildSignerRules({ cli, policy: [other] })).code,
    "identity-workflow-mismatch",
  );
  const otherCli = { signerWorkflow: "o/r/.github/workflows/ci.yml", source: "--signer-workflow" };
  const same = signer({ signerWorkflow: "o/r/.github/workflows/release.yml" });
  assert.equal(
    judgeSigner(id, buildSignerRules({ cli: otherCli, policy: [same] })).code,
    "identity-workflow-mismatch",
  );
  const both = judgeSigner(id, buildSignerRules({ cli, policy: [same], subject: AT_TAG }));
  assert.equal(both.code, "identity-match");
  assert.match(both.message, /--signer-workflow and attest\.toml:7 and the release o\/r@v1\.2\.3/);
});

Deno.test("judgeSigner() without a named signer: the subject's workflow, else unbound", () => {
  const id = identity(RELEASE_SAN);
  assert.equal(judgeSigner(id, buildSignerRules({})).code, "identity-unbound");
  assert.equal(
    judgeSigner(id, buildSignerRules({ subject: AT_TAG })).code,
    "identity-match",
  );
});

Deno.test("judgeSigner() fails a build of the tag's ref at another commit (the tag moved)", () => {
  const id = identity(RELEASE_SAN); // refs/tags/v1.2.3 at ab…
  const moved = judgeSigner(id, buildSignerRules({ subject: RELEASE_BINDING })); // tag at cd…
  assert.equal(moved.code, "identity-ref-mismatch");
  // Without a commit on either side, the ref decides.
  const noCommit = { ...RELEASE_BINDING, ref: { ref: "refs/tags/v1.2.3" } };
  assert.equal(judgeSigner(id, buildSignerRules({ subject: noCommit })).code, "identity-match");
});

Deno.test("judgeSigner() binds repositories to the host of the GitHub in use (GHES)", () => {
  const id = identity(RELEASE_SAN);
  const ghes = buildSignerRules({ subject: AT_TAG, host: "github.example.com" });
  assert.equal(judgeSigner(id, ghes).code, "identity-repository-mismatch");
  const cli = { repo: "o/r", source: "--repo" };
  assert.equal(
    judgeSigner(id, buildSignerRules({ cli, host: "github.example.com" })).code,
    "identity-repository-mismatch",
  );
});

Deno.test("judgeSigner() accepts a person's certificate only when its exact SAN was named", () => {
  const person = identity("release@example.com", {}, "https://accounts.google.com");
  person.extensions = {};
  const subject = { repo: "o/r", source: "the release o/r@v1.2.3" };
  assert.equal(
    judgeSigner(person, buildSignerRules({ subject })).code,
    "identity-issuer-mismatch",
  );
  const named = { san: "release@example.com", issuer: "https://accounts.google.com", source: "x" };
  assert.equal(
    judgeSigner(person, buildSignerRules({ cli: named, subject })).code,
    "identity-match",
  );
});

Deno.test("judgeSigner() passes on any policy signer and otherwise reports the first", () => {
  const id = identity("release@example.com", {}, "https://accounts.google.com");
  const signers = [
    signer({ signerWorkflow: "o/r/.github/workflows/release.yml" }, 4),
    signer({ san: "release@example.com", issuer: "https://accounts.google.com" }, 9),
  ];
  const pass = judgeSigner(id, buildSignerRules({ policy: signers }));
  assert.equal(pass.status, "pass");
  assert.deepEqual(pass.policyRef, { file: "attest.toml", line: 9 });
  const fail = judgeSigner(
    identity(RELEASE_SAN),
    buildSignerRules({ policy: [signers[1], signers[1]] }),
  );
  assert.equal(fail.status, "fail");
  assert.match(fail.message, /^matches none of the 2 signers the policy names; the first: /);
  assert.equal(judgeSigner(id, buildSignerRules({ policy: [] })).code, "identity-unbound");
});
