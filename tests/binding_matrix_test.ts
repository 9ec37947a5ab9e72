/**
 * The binding matrix (#12, SECURITY.md "What binds each kind of evidence"): for each kind of
 * evidence and each claim it binds, one run through `main()` that changes exactly that claim and
 * must not be TRUSTED, beside a control run that changes nothing and is TRUSTED. A row whose
 * control is not TRUSTED fails too, so no row can pass because its setup is broken.
 *
 * Crate archive names (tar entries cargo reads differently) and manifest edits have their own
 * attack files (attack_tar_names_test.ts, attack_crate_manifest_test.ts); the rows here change
 * the claims the other crate checks bind.
 */
import assert from "node:assert/strict";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";
import {
  APP,
  APP_SHA256,
  encoder,
  githubInstance,
  OLD_COMMIT,
  publicGood,
  RELEASE_WORKFLOW,
  releaseAttestation,
  type Run,
  runCrate,
  runRelease,
  show,
  workflowBundle,
} from "./support/binding_runs.ts";
import { TINY_ATTEST_BLOBS, TINY_ATTEST_COMMIT, tinyAttestTree } from "./support/tiny_attest.ts";
import { concat, gunzip, gzip, paxRecord, splitTar, tarEntry } from "./support/crate_builder.ts";
import { CRATE } from "./support/binding_runs.ts";

const stranger = await VirtualSigstore.create({ name: "stranger" });
const OTHER_BYTES = encoder.encode("some other bytes\n");
const OTHER_SHA256 = "f".repeat(64);

interface Row {
  readonly evidence: string;
  readonly claim: string;
  readonly run: () => Promise<Run>;
}

/** One kind of evidence: its control run, and one row per claim. */
interface Kind {
  readonly evidence: string;
  readonly control: () => Promise<Run>;
  readonly rows: readonly Omit<Row, "evidence">[];
}

async function strangerBundle(): Promise<string> {
  const bundle = await stranger.sign({
    artifact: APP,
    content: "dsse",
    leaf: { github: RELEASE_WORKFLOW, san: { uri: workflowSan(RELEASE_WORKFLOW) } },
  });
  return bundle.json;
}

async function bundleOverOtherBytes(): Promise<string> {
  const bundle = await publicGood.sign({
    artifact: OTHER_BYTES,
    content: "dsse",
    leaf: { github: RELEASE_WORKFLOW, san: { uri: workflowSan(RELEASE_WORKFLOW) } },
  });
  return bundle.json;
}

const SIGNER = ["--signer-workflow", "octo-org/app/.github/workflows/release.yml"];

/** The claims a workflow-signed bundle binds, served the way `serve` publishes it. */
function bundleRows(
  serve: (bundle: string, args?: string[]) => Promise<Run>,
): Omit<Row, "evidence">[] {
  return [
    {
      claim: "repository (another repository's workflow)",
      run: async () => serve(await workflowBundle({ repository: "evil/app" })),
    },
    {
      claim: "tag (a build of another tag, at its commit)",
      run: async () => serve(await workflowBundle({ ref: "refs/tags/v0.9.0", sha: OLD_COMMIT })),
    },
    {
      claim: "commit (the tag's own ref, built at another commit: the tag moved)",
      run: async () => serve(await workflowBundle({ sha: OLD_COMMIT })),
    },
    {
      claim: "commit (a branch build at another commit)",
      run: async () => serve(await workflowBundle({ ref: "refs/heads/main", sha: OLD_COMMIT })),
    },
    {
      claim: "workflow (another workflow of the repository)",
      run: async () => {
        const ci = { workflow: ".github/workflows/ci.yml" };
        return serve(
          await workflowBundle(ci, { san: { uri: workflowSan({ ...RELEASE_WORKFLOW, ...ci }) } }),
          SIGNER,
        );
      },
    },
    {
      claim: "issuer (another OIDC issuer)",
      run: async () =>
        serve(await workflowBundle({}, { oidcIssuer: "https://accounts.google.com" })),
    },
    { claim: "root (a CA nobody trusts)", run: async () => serve(await strangerBundle()) },
    {
      claim: "digest (a bundle about other bytes)",
      run: async () => serve(await bundleOverOtherBytes()),
    },
  ];
}

const SUMS = (hex: string, name = "app.tar.gz") => ({
  name: "SHA256SUMS",
  bytes: encoder.encode(`${hex}  ${name}\n`),
});

const KINDS: readonly Kind[] = [
  {
    evidence: "release checksum",
    control: () => runRelease({ extraAssets: [SUMS(APP_SHA256)] }),
    rows: [
      { claim: "digest", run: () => runRelease({ extraAssets: [SUMS(OTHER_SHA256)] }) },
      {
        claim: "asset name (the digest listed for another file)",
        run: () => runRelease({ extraAssets: [SUMS(APP_SHA256, "other.tar.gz")] }),
      },
      {
        claim: "digest in the release notes",
        run: () => runRelease({ body: `${OTHER_SHA256}  app.tar.gz\n` }),
      },
    ],
  },
  {
    evidence: "attestation from the API",
    control: async () => runRelease({ attestations: [JSON.parse(await workflowBundle())] }),
    rows: bundleRows((bundle, args) => runRelease({ attestations: [JSON.parse(bundle)], args })),
  },
  {
    evidence: "Sigstore (cosign) bundle beside the asset",
    control: async () => runRelease({ beside: await workflowBundle() }),
    rows: bundleRows((beside, args) => runRelease({ beside, args })),
  },
  {
    evidence: "release attestation",
    control: async () =>
      runRelease({
        attestations: [JSON.parse(await releaseAttestation(githubInstance))],
        roots: [githubInstance],
      }),
    rows: [
      { claim: "repository", options: { repository: "evil/app" } },
      { claim: "tag", options: { tag: "v0.9.0" } },
      {
        claim: "issuer (a workflow's OIDC issuer on GitHub's releases SAN)",
        options: { leaf: { oidcIssuer: "https://token.actions.githubusercontent.com" } },
      },
    ].map(({ claim, options }) => ({
      claim,
      run: async () =>
        runRelease({
          attestations: [JSON.parse(await releaseAttestation(githubInstance, options))],
          roots: [githubInstance],
        }),
    })).concat([
      {
        claim: "commit (the tag moved since GitHub recorded it)",
        run: async () =>
          runRelease({
            attestations: [JSON.parse(await releaseAttestation(githubInstance))],
            roots: [githubInstance],
            tagCommit: OLD_COMMIT,
          }),
      },
      {
        claim: "commit (an attestation that does not name the release's own commit)",
        run: async () =>
          runRelease({
            attestations: [JSON.parse(await releaseAttestation(githubInstance, { noPurl: true }))],
            roots: [githubInstance],
          }),
      },
      {
        claim: "root (signed under public-good, not GitHub's instance)",
        run: async () =>
          runRelease({ beside: await releaseAttestation(publicGood), roots: [publicGood] }),
      },
    ]),
  },
  {
    evidence: "crate checksum",
    control: () => runCrate(undefined),
    rows: [
      {
        claim: "digest (index)",
        run: () =>
          runCrate(undefined, {}, [], undefined, { crate: { indexCksumOverride: OTHER_SHA256 } }),
      },
      {
        claim: "digest (API)",
        run: () =>
          runCrate(undefined, {}, [], undefined, { crate: { apiChecksumOverride: OTHER_SHA256 } }),
      },
      {
        claim: "size (API)",
        run: () => runCrate(undefined, {}, [], undefined, { crate: { crateSizeOverride: 12 } }),
      },
    ],
  },
  {
    evidence: "crate attestation",
    control: () => runCrate({}),
    rows: [
      {
        claim: "repository (a fork's build)",
        run: () => runCrate({ repository: "evil/tiny-attest" }),
      },
      {
        claim: "commit (built from another commit)",
        run: () => runCrate({ ref: "refs/heads/main", sha: OLD_COMMIT }),
      },
      {
        claim: "workflow",
        run: () =>
          runCrate({ workflow: ".github/workflows/ci.yml" }, {
            san: {
              uri: workflowSan({
                repository: "attest-fixtures/tiny-attest",
                workflow: ".github/workflows/ci.yml",
                ref: "refs/tags/v0.1.0",
                sha: TINY_ATTEST_COMMIT,
              }),
            },
          }, ["--signer-workflow", "attest-fixtures/tiny-attest/.github/workflows/release.yml"]),
      },
      {
        claim: "root",
        // Signed by an instance the run does not trust (it trusts public-good only).
        run: () => runCrate({}, {}, [], undefined, { signer: stranger }),
      },
    ],
  },
  {
    evidence: "crate-vcs",
    control: () => runCrate(undefined, {}, [], REQUIRE_VCS),
    rows: [
      {
        claim: "tag (the version's tag names another commit)",
        run: () =>
          runCrate(undefined, {}, [], REQUIRE_VCS, {
            repository: { tags: [{ name: "v0.1.0", commit: OLD_COMMIT }], commits: [OLD_COMMIT] },
          }),
      },
      {
        claim: "commit (a fork's commit GitHub serves under the repository)",
        run: () =>
          runCrate(undefined, {}, [], REQUIRE_VCS, {
            repository: { tags: [], forkCommits: [TINY_ATTEST_COMMIT] },
          }),
      },
    ],
  },
  {
    evidence: "crate-source",
    control: () => runCrate(undefined, {}, [], REQUIRE_SOURCE),
    rows: [
      {
        claim: "file content (src/lib.rs differs at the commit)",
        run: () => runCrateWithBlobs({ "src/lib.rs": "1".repeat(40) }),
      },
      {
        claim: "manifest (the normalized Cargo.toml adds a build-dependency)",
        run: async () =>
          runCrate(undefined, {}, [], REQUIRE_SOURCE, {
            crate: {
              bytes: await crateReplacing(
                "Cargo.toml",
                (text) => `${text}\n[build-dependencies.evil]\nversion = "1"\n`,
              ),
            },
          }),
      },
      {
        claim:
          "archive (an entry cargo unpacks as src/lib.rs, named Cargo.lock by a second pax path)",
        run: async () => {
          const evil = [
            ...tarEntry({
              name: "././@PaxHeader",
              type: "x",
              data: paxRecord("path", `${ROOT}/src/lib.rs`) +
                paxRecord("path", `${ROOT}/Cargo.lock`),
            }),
            ...tarEntry({ name: `${ROOT}/src/lib.rs`, data: "pub fn evil() {}\n" }),
          ];
          const kept = PIECES.filter((p) => p.name !== `${ROOT}/Cargo.lock`).map((p) => p.blocks);
          const bytes = await gzip(concat([...kept, ...evil, new Uint8Array(1024)]));
          return runCrate(undefined, {}, [], REQUIRE_SOURCE, { crate: { bytes } });
        },
      },
      {
        claim: "file path (src/lib.rs is at another path in the tree)",
        run: () => {
          const { "src/lib.rs": lib, ...rest } = TINY_ATTEST_BLOBS;
          return runCrateWithBlobs({ ...rest, "src/other.rs": lib }, true);
        },
      },
    ],
  },
  {
    evidence: "trusted-publishing",
    control: () =>
      runCrate(undefined, {}, [], undefined, { crate: { trustedPublishing: publishing() } }),
    rows: [
      {
        claim: "repository",
        run: () =>
          runCrate(undefined, {}, [], undefined, {
            crate: { trustedPublishing: publishing({ repository: "evil/tiny-attest" }) },
          }),
      },
      {
        claim: "commit",
        run: () =>
          runCrate(undefined, {}, [], undefined, {
            crate: { trustedPublishing: publishing({ sha: OLD_COMMIT }) },
          }),
      },
    ],
  },
];

const ROOT = "tiny-attest-0.1.0";
const PIECES = splitTar(await gunzip(CRATE));

/** The real crate with one file's text rewritten by `edit`, every other entry byte for byte. */
async function crateReplacing(path: string, edit: (text: string) => string): Promise<Uint8Array> {
  const decoder = new TextDecoder();
  const parts = PIECES.map((piece) => {
    if (piece.name !== `${ROOT}/${path}`) return piece.blocks;
    const size = parseInt(decoder.decode(piece.blocks.subarray(124, 136)).replace(/\0.*$/, ""), 8);
    const text = decoder.decode(piece.blocks.subarray(512, 512 + size));
    return concat(tarEntry({ name: piece.name, data: edit(text) }));
  });
  return await gzip(concat([...parts, new Uint8Array(1024)]));
}

const REQUIRE_VCS =
  'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-vcs"]\n';
const REQUIRE_SOURCE = 'version = 1\n[crate."tiny-attest"]\n' +
  'require = ["crate-checksum", "crate-vcs", "crate-source"]\n';

function publishing(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    provider: "github",
    repository: "attest-fixtures/tiny-attest",
    run_id: "7",
    sha: TINY_ATTEST_COMMIT,
    ...overrides,
  };
}

/** The crate against a tree whose blobs are `blobs` (replacing or merged into the real ones). */
function runCrateWithBlobs(blobs: Record<string, string>, replace = false): Promise<Run> {
  const all = replace ? blobs : { ...TINY_ATTEST_BLOBS, ...blobs };
  return runCrate(undefined, {}, [], REQUIRE_SOURCE, {
    repository: { trees: { [TINY_ATTEST_COMMIT]: tinyAttestTree(all) } },
  });
}

for (const kind of KINDS) {
  Deno.test(`binding matrix: ${kind.evidence}: the control is TRUSTED`, async () => {
    const control = await kind.control();
    assert.equal(control.code, 0, `${kind.evidence} control: ${show(control)}`);
    assert.equal(control.report.verdict, "TRUSTED");
  });
  for (const row of kind.rows) {
    Deno.test(`binding matrix: ${kind.evidence} × ${row.claim}: not TRUSTED`, async () => {
      const r = await row.run();
      assert.notEqual(r.code, 0, `${kind.evidence} × ${row.claim}: ${show(r)}`);
      assert.notEqual(r.report.verdict, "TRUSTED");
      // Not TRUSTED because a proof failed or went missing, never because the run broke.
      assert.ok(r.code === 1 || r.code === 2, `${kind.evidence} × ${row.claim}: ${show(r)}`);
    });
  }
}
