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
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeAsset, startFakeGithub } from "./support/fake_github.ts";
import {
  type GitHubWorkflow,
  type LeafOptions,
  VirtualSigstore,
  workflowSan,
} from "./support/virtual_sigstore.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { TINY_ATTEST_BLOBS, TINY_ATTEST_COMMIT, tinyAttestTree } from "./support/tiny_attest.ts";
import { GITHUB_RELEASES_SAN, RELEASE_PREDICATE } from "../lib/checks/release_attestation.ts";

const encoder = new TextEncoder();
const APP = encoder.encode("the app's bytes\n");
const APP_SHA256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", APP)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const OLD_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
const RELEASE_WORKFLOW: GitHubWorkflow = {
  repository: "octo-org/app",
  workflow: ".github/workflows/release.yml",
  ref: "refs/tags/v1.0.0",
  sha: COMMIT,
};
const SLSA_WORKFLOW = "slsa-framework/slsa-github-generator/.github/workflows/" +
  "generator_generic_slsa3.yml";
const SLSA_SAN = `https://github.com/${SLSA_WORKFLOW}@refs/tags/v2.1.0`;

const publicGood = await VirtualSigstore.create();
const githubInstance = await VirtualSigstore.create({
  name: "github-instance",
  organization: "githubapp.com",
});

interface Run {
  readonly code: number;
  readonly report: {
    verdict: string;
    subjects: { checks: { id: string; status: string; code: string; message: string }[] }[];
  };
  readonly err: string;
}

/** Runs `release octo-org/app v1.0.0` with the asset, the given evidence and arguments. */
async function runRelease(
  options: {
    attestations?: unknown[];
    beside?: string;
    args?: string[];
    policy?: string;
    roots?: VirtualSigstore[];
  },
): Promise<Run> {
  const dir = await Deno.makeTempDir();
  const assets: FakeAsset[] = [{ name: "app.tar.gz", bytes: APP }];
  if (options.beside) {
    assets.push({ name: "app.tar.gz.sigstore.json", bytes: encoder.encode(options.beside) });
  }
  const github = startFakeGithub(
    [{ owner: "octo-org", repo: "app", tag: "v1.0.0", commit: COMMIT, assets }],
    { attestations: options.attestations ? { [APP_SHA256]: options.attestations } : {} },
  );
  try {
    const rootArgs: string[] = [];
    for (const [i, vs] of (options.roots ?? [publicGood]).entries()) {
      // GitHub's instance lists no transparency or CT log, as the real one does not.
      const text = vs === githubInstance
        ? vs.trustedRoot({ tlogs: [], ctlogs: false })
        : vs.trustedRoot();
      await Deno.writeTextFile(`${dir}/root${i}.json`, text);
      rootArgs.push("--trusted-root", `${dir}/root${i}.json`);
    }
    const policyArgs: string[] = [];
    if (options.policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl });
    const code = await main([
      "release",
      "octo-org/app",
      "v1.0.0",
      "--json",
      ...rootArgs,
      ...policyArgs,
      ...(options.args ?? []),
    ], io);
    return { code, report: JSON.parse(io.out), err: io.err };
  } finally {
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function codes(run: Run): string[] {
  return run.report.subjects.flatMap((s) => s.checks.map((c) => `${c.id}:${c.status}:${c.code}`));
}

function show(run: Run): string {
  return `exit ${run.code}\n${codes(run).join("\n")}\n${run.err}`;
}

/** A DSSE bundle over the app with a workflow identity. */
async function workflowBundle(
  workflow: Partial<GitHubWorkflow> = {},
  leaf: Partial<LeafOptions> = {},
): Promise<string> {
  const w = { ...RELEASE_WORKFLOW, ...workflow };
  const bundle = await publicGood.sign({
    artifact: APP,
    content: "dsse",
    leaf: { github: w, san: { uri: workflowSan(w) }, ...leaf },
  });
  return bundle.json;
}

/** A GitHub release attestation over the app, signed by `vs`. */
async function releaseAttestation(
  vs: VirtualSigstore,
  options: { tag?: string; repository?: string; leaf?: Partial<LeafOptions> } = {},
): Promise<string> {
  const tag = options.tag ?? "v1.0.0";
  const repository = options.repository ?? "octo-org/app";
  const payload = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [
      { uri: `pkg:github/${repository}@${tag}`, digest: { sha1: COMMIT } },
      { name: "app.tar.gz", digest: { sha256: APP_SHA256 } },
    ],
    predicateType: RELEASE_PREDICATE,
    predicate: { repository, tag, releaseId: "1" },
  };
  const bundle = await vs.sign({
    artifact: APP,
    content: "dsse",
    statement: encoder.encode(JSON.stringify(payload)),
    ...(vs === githubInstance ? { tlog: "none" as const, timestamps: 1 } : {}),
    leaf: {
      san: { uri: GITHUB_RELEASES_SAN },
      oidcIssuer: null,
      github: null,
      ...options.leaf,
    },
  });
  return bundle.json;
}

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

const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";

/** Runs `crate tiny-attest@0.1.0` with one attestation of the `.crate` signed as `workflow`. */
async function runCrate(
  workflow: Partial<GitHubWorkflow>,
  leaf: Partial<LeafOptions>,
  args: string[] = [],
  policy?: string,
): Promise<Run> {
  const w = {
    repository: "attest-fixtures/tiny-attest",
    workflow: ".github/workflows/release.yml",
    ref: "refs/tags/v0.1.0",
    sha: TINY_ATTEST_COMMIT,
    ...workflow,
  };
  const bundle = await publicGood.sign({
    artifact: CRATE,
    content: "dsse",
    leaf: { github: w, san: { uri: workflowSan(w) }, ...leaf },
  });
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([{
    name: "tiny-attest",
    version: "0.1.0",
    bytes: CRATE,
    repository: "https://github.com/attest-fixtures/tiny-attest",
  }]);
  const github = startFakeGithub([], {
    repositories: [{
      owner: "attest-fixtures",
      repo: "tiny-attest",
      tags: [{ name: "v0.1.0", commit: TINY_ATTEST_COMMIT }],
      trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(TINY_ATTEST_BLOBS) },
    }],
    attestations: { [CRATE_SHA256]: [JSON.parse(bundle.json)] },
  });
  try {
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const policyArgs: string[] = [];
    if (policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(
      [
        "crate",
        "tiny-attest@0.1.0",
        "--json",
        "--trusted-root",
        `${dir}/root.json`,
        ...policyArgs,
        ...args,
      ],
      io,
    );
    return { code, report: JSON.parse(io.out), err: io.err };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

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
  const dir = await Deno.makeTempDir();
  try {
    const evil = await workflowBundle({ repository: "evil/app" }, { san: { uri: SLSA_SAN } });
    await Deno.writeFile(`${dir}/app.tar.gz`, APP);
    await Deno.writeTextFile(`${dir}/app.sigstore.json`, evil);
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const base = [
      "file",
      `${dir}/app.tar.gz`,
      "--bundle",
      `${dir}/app.sigstore.json`,
      "--trusted-root",
      `${dir}/root.json`,
      "--signer-workflow",
      SLSA_WORKFLOW,
    ];
    const io = createMemoryIo({});
    assert.equal(await main(base, io), 2, io.out + io.err);
    const named = createMemoryIo({});
    assert.equal(await main([...base, "--repo", "evil/app"], named), 0, named.out + named.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
