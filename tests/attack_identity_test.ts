/**
 * Attacks on signer binding (#12 items 1, 4, 5), through `main()` as a user runs it: a release
 * attestation standing in for a workflow, a reusable workflow run from another repository, and
 * a policy ref glob that used to drop the release's own tag. Each attack changes one claim and
 * must not come out TRUSTED; each has a control that changes nothing and is TRUSTED, so the
 * attack tests cannot pass for an unrelated reason.
 * Data: bundles from the virtual Sigstore (tests/support/virtual_sigstore.ts), one instance
 * standing for public-good and one for GitHub's own (its Fulcio is fulcio.githubapp.com).
 */
import assert from "node:assert/strict";
import { workflowSan } from "./support/virtual_sigstore.ts";
import {
  codes,
  githubInstance,
  OLD_COMMIT,
  publicGood,
  RELEASE_WORKFLOW,
  releaseAttestation,
  runCrate,
  runFile,
  runRelease,
  show,
  SLSA_SAN,
  SLSA_WORKFLOW,
  workflowBundle,
} from "./support/binding_runs.ts";

// --- 1. A release attestation never stands in for a named signer ----------------------------

const WORKFLOW_ARGS = ["--signer-workflow", "octo-org/app/.github/workflows/release.yml"];
const IDENTITY_ARGS = [
  "--certificate-identity",
  workflowSan(RELEASE_WORKFLOW),
  "--certificate-oidc-issuer",
  "https://token.actions.githubusercontent.com",
];
const POLICY_SIGNER = 'version = 1\n[[defaults.signer]]\nworkflow = "octo-org/app/.github/' +
  'workflows/release.yml"\n';

Deno.test("attack: a release attestation beside the asset does not satisfy a named signer", async () => {
  for (const roots of [[publicGood], [githubInstance]]) {
    const beside = await releaseAttestation(roots[0]);
    for (
      const variant of [{ args: WORKFLOW_ARGS }, { args: IDENTITY_ARGS }, { policy: POLICY_SIGNER }]
    ) {
      const r = await runRelease({ beside, roots, ...variant });
      assert.notEqual(r.report.verdict, "TRUSTED", show(r));
      assert.equal(r.code, 2, show(r));
    }
  }
});

Deno.test("attack: a release attestation from the attestations API does not satisfy a named signer", async () => {
  const attestation = JSON.parse(await releaseAttestation(githubInstance));
  for (
    const variant of [{ args: WORKFLOW_ARGS }, { args: IDENTITY_ARGS }, { policy: POLICY_SIGNER }]
  ) {
    const r = await runRelease({
      attestations: [attestation],
      roots: [githubInstance],
      ...variant,
    });
    assert.equal(r.code, 2, show(r));
    assert.ok(codes(r).includes("identity:fail:identity-release-attestation-only"), show(r));
  }
});

Deno.test("attack: a release attestation under a root that is not GitHub's is a MISMATCH", async () => {
  const beside = await releaseAttestation(publicGood);
  const r = await runRelease({ beside, roots: [publicGood] });
  assert.equal(r.code, 2, show(r));
  assert.ok(
    codes(r).includes("release-attestation:fail:release-attestation-root-mismatch"),
    show(r),
  );
});

Deno.test("release attestation: GitHub's, for this release, under GitHub's root, is TRUSTED alone", async () => {
  const attestation = JSON.parse(await releaseAttestation(githubInstance));
  const r = await runRelease({ attestations: [attestation], roots: [githubInstance] });
  assert.equal(r.code, 0, show(r));
  assert.ok(codes(r).includes("release-attestation:pass:release-attestation-match"), show(r));
  assert.ok(!codes(r).some((c) => c.startsWith("attestation:pass")), show(r));
});

Deno.test("attack: a release attestation for another tag, repository or with an OIDC issuer is a MISMATCH", async () => {
  const cases: [string, Promise<string>, string][] = [
    [
      "tag",
      releaseAttestation(githubInstance, { tag: "v0.9.0" }),
      "release-attestation-subject-mismatch",
    ],
    [
      "repository",
      releaseAttestation(githubInstance, { repository: "evil/app" }),
      "release-attestation-subject-mismatch",
    ],
    [
      "issuer",
      releaseAttestation(githubInstance, {
        leaf: { oidcIssuer: "https://token.actions.githubusercontent.com" },
      }),
      "release-attestation-identity-mismatch",
    ],
    [
      "second SAN kind",
      releaseAttestation(githubInstance, { leaf: { san: { email: "releases@github.com" } } }),
      "",
    ],
  ];
  for (const [name, bundle, code] of cases) {
    const r = await runRelease({
      attestations: [JSON.parse(await bundle)],
      roots: [githubInstance],
    });
    assert.equal(r.code, 2, `${name}: ${show(r)}`);
    if (code) assert.ok(codes(r).some((c) => c.endsWith(`:fail:${code}`)), `${name}: ${show(r)}`);
  }
});

// --- 4. A reusable workflow is bound to the release's repository ----------------------------

Deno.test("attack: a reusable workflow run from another repository is a MISMATCH under --signer-workflow", async () => {
  const evil = await workflowBundle({ repository: "evil/app" }, { san: { uri: SLSA_SAN } });
  const r = await runRelease({ beside: evil, args: ["--signer-workflow", SLSA_WORKFLOW] });
  assert.equal(r.code, 2, show(r));
  assert.ok(codes(r).includes("identity:fail:identity-repository-mismatch"), show(r));
  const policy = `version = 1\n[[defaults.signer]]\nworkflow = "${SLSA_WORKFLOW}"\n`;
  const p = await runRelease({ beside: evil, policy });
  assert.equal(p.code, 2, show(p));
  const ours = await workflowBundle({}, { san: { uri: SLSA_SAN } });
  const control = await runRelease({ beside: ours, args: ["--signer-workflow", SLSA_WORKFLOW] });
  assert.equal(control.code, 0, show(control));
});

// --- 5. A ref glob narrows; it never drops the release's own tag ----------------------------

Deno.test("attack: a policy ref glob does not let an older tag's build through", async () => {
  const policy = 'version = 1\n[[defaults.signer]]\nworkflow = "octo-org/app/.github/workflows/' +
    'release.yml"\nref = "refs/tags/v*"\n';
  const old = await workflowBundle({ ref: "refs/tags/v0.9.0", sha: OLD_COMMIT });
  const r = await runRelease({ beside: old, policy });
  assert.equal(r.code, 2, show(r));
  assert.ok(codes(r).includes("identity:fail:identity-ref-mismatch"), show(r));
  const control = await runRelease({ beside: await workflowBundle(), policy });
  assert.equal(control.code, 0, show(control));
  // --source-ref narrows the same way.
  const cli = await runRelease({
    beside: old,
    args: [...WORKFLOW_ARGS, "--source-ref", "refs/tags/v0.9.0"],
  });
  assert.equal(cli.code, 2, show(cli));
});

// --- 4 for crates: --signer-workflow and policy signers bind the crate's repository ---------

Deno.test("attack: a crate attestation by a reusable workflow run from a fork is a MISMATCH", async () => {
  const fork = { repository: "evil/tiny-attest" };
  const slsa = { san: { uri: SLSA_SAN } };
  const cli = await runCrate(fork, slsa, ["--signer-workflow", SLSA_WORKFLOW]);
  assert.equal(cli.code, 2, show(cli));
  assert.ok(codes(cli).includes("identity:fail:identity-repository-mismatch"), show(cli));
  const policy = `version = 1\n[[crate.tiny-attest.signer]]\nworkflow = "${SLSA_WORKFLOW}"\n`;
  const p = await runCrate(fork, slsa, [], policy);
  assert.equal(p.code, 2, show(p));
  const control = await runCrate({}, slsa, ["--signer-workflow", SLSA_WORKFLOW]);
  assert.equal(control.code, 0, show(control));
});

Deno.test("attack: a crate attestation built from another commit than the crate records is a MISMATCH", async () => {
  const r = await runCrate({ ref: "refs/heads/main", sha: OLD_COMMIT }, {});
  assert.equal(r.code, 2, show(r));
  assert.ok(codes(r).includes("identity:fail:identity-ref-mismatch"), show(r));
});

// --- file: a reusable workflow named alone binds nothing; it needs --repo -------------------

Deno.test("attack: file --signer-workflow of a reusable workflow run by anyone is a MISMATCH without --repo", async () => {
  const evil = await workflowBundle({ repository: "evil/app" }, { san: { uri: SLSA_SAN } });
  const named = ["--signer-workflow", SLSA_WORKFLOW];
  const alone = await runFile(evil, { args: named });
  assert.equal(alone.code, 2, alone.out);
  const withRepo = await runFile(evil, { args: [...named, "--repo", "evil/app"] });
  assert.equal(withRepo.code, 0, withRepo.out);
});
