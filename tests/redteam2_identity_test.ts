/**
 * Red-team round 2 on who may sign, end to end: `file` with an exact workflow SAN, release
 * attestations, trusted publishing's run against signer rules. Through `main()` as a user runs
 * it; each attack must not come out TRUSTED, and where it matters a control that changes nothing
 * is TRUSTED, so the attack cannot pass for an unrelated reason.
 */
import assert from "node:assert/strict";
import {
  TINY_ATTEST_COMMIT,
  tinyAttestCrate,
  tinyAttestRepository,
} from "./support/tiny_attest.ts";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { workflowSan } from "./support/virtual_sigstore.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import {
  RELEASE_WORKFLOW,
  runFile,
  runRelease,
  show,
  workflowBundle,
} from "./support/binding_runs.ts";

const ACTIONS = "https://token.actions.githubusercontent.com";

// --- file: an exact workflow SAN names a workflow, which a reusable one lets anyone run -------

const RELEASE_SAN = workflowSan(RELEASE_WORKFLOW);

Deno.test("red-team2: file --certificate-identity of a workflow SAN built by another repository is not TRUSTED", async () => {
  // evil/app calls octo-org/app's (reusable) release workflow at its tag: the SAN is the
  // workflow's, exactly, but the build is of evil/app's source.
  const evil = await workflowBundle({ repository: "evil/app" }, { san: { uri: RELEASE_SAN } });
  const args = ["--certificate-identity", RELEASE_SAN, "--certificate-oidc-issuer", ACTIONS];
  const r = await runFile(evil, { args });
  assert.notEqual(r.code, 0, r.out);
  // The same through a policy signer naming the SAN.
  const policy = `version = 1\n[[defaults.signer]]\nsan = "${RELEASE_SAN}"\n`;
  const p = await runFile(evil, { policy });
  assert.notEqual(p.code, 0, p.out);
  // Control: the workflow run by its own repository is TRUSTED either way.
  const own = await workflowBundle();
  const control = await runFile(own, { args });
  assert.equal(control.code, 0, control.out);
  const controlPolicy = await runFile(own, { policy });
  assert.equal(controlPolicy.code, 0, controlPolicy.out);
});

// --- file: repositories are compared on the host of the GitHub in use -------------------------

Deno.test({
  name:
    "red-team2: file --repo under a GitHub Enterprise API is not vouched for by github.com's same-named repository",
  // Was a hole: `file` built its signer rules without `host`; the host of the GitHub in use now
  // comes from CARGO_ATTEST_GITHUB_API_URL (githubWebHost), as for release and crate.
  fn: async () => {
    // Signed on github.com by a workflow of github.com's octo-org/app: on a GitHub Enterprise
    // Server, octo-org/app is another repository (SECURITY.md, "Repositories are compared on
    // the host of the GitHub in use"), as `release` and `crate` already treat it.
    const bundle = await workflowBundle();
    const env = { CARGO_ATTEST_GITHUB_API_URL: "https://ghe.example.com/api/v3" };
    for (
      const args of [
        ["--repo", "octo-org/app"],
        ["--signer-workflow", "octo-org/app/.github/workflows/release.yml"],
      ]
    ) {
      const control = await runFile(bundle, { args });
      assert.equal(control.code, 0, `control (github.com): ${control.out}`);
      const r = await runFile(bundle, { args, env });
      assert.notEqual(r.code, 0, r.out);
    }
  },
});

// --- crates: a crate's github.com repository is not the same-named repository of an enterprise --

/**
 * Runs `crate tiny-attest@0.1.0` (crates.io says its repository is
 * https://github.com/attest-fixtures/tiny-attest) with a policy demanding `crate-vcs` and
 * `crate-source`, against a fake GitHub that holds attest-fixtures/tiny-attest with the crate's
 * tag and tree, reached at its root (as api.github.com is) or through `/api/v3` (as a GitHub
 * Enterprise Server's API is, where attest-fixtures/tiny-attest is another repository).
 */
async function runCrateVia(apiPath: "" | "/api/v3"): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository()],
  });
  // Strips the enterprise prefix and hands the request to the fake.
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const path = url.pathname.startsWith("/api/v3/") ? url.pathname.slice(7) : url.pathname;
    const answer = await fetch(`${github.apiUrl}${path}${url.search}`, {
      headers: req.headers,
      redirect: "manual",
    });
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  try {
    await Deno.writeTextFile(
      `${dir}/attest.toml`,
      'version = 1\n[defaults]\nrequire = ["crate-checksum", "crate-vcs", "crate-source"]\n',
    );
    const api = apiPath === "" ? github.apiUrl : `http://127.0.0.1:${proxy.addr.port}/api/v3`;
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: api,
      GH_TOKEN: "ghp_test",
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
    });
    const code = await main(
      ["crate", "tiny-attest@0.1.0", "--json", "--policy", `${dir}/attest.toml`],
      io,
    );
    return { code, out: io.out + io.err };
  } finally {
    await proxy.shutdown();
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("red-team2: a crate of github.com is not bound to its commit by a GitHub Enterprise repository of the same name", async () => {
  const control = await runCrateVia("");
  assert.equal(control.code, 0, `control (github.com): ${control.out}`);
  // Under a GitHub Enterprise API, the tags and tree of the enterprise's attest-fixtures/
  // tiny-attest say nothing about github.com's: crate-vcs and crate-source cannot pass.
  const r = await runCrateVia("/api/v3");
  assert.notEqual(r.code, 0, r.out);
});

// --- trusted publishing: a workflow file name may hold an `@` ----------------------------------

const TP_REPO = "attest-fixtures/tiny-attest";
const TP_POLICY = `version = 1
[crate.tiny-attest]
require = ["crate-checksum", "crate-vcs", "trusted-publishing"]
[[crate.tiny-attest.signer]]
workflow = "${TP_REPO}/.github/workflows/publish.yml"
ref = "refs/tags/v*"
`;

/**
 * Runs `crate tiny-attest@0.1.0` with crates.io's record of trusted publishing by run 7 of
 * attest-fixtures/tiny-attest at the crate's commit, GitHub's run 7 being a tag push of v0.1.0
 * (the tag names the crate's commit) of the workflow file `path`.
 */
async function runPublishedBy(path: string): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([tinyAttestCrate({
    trustedPublishing: {
      provider: "github",
      repository: TP_REPO,
      run_id: "7",
      sha: TINY_ATTEST_COMMIT,
    },
  })]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository({
      runs: [{ id: 7, path, headSha: TINY_ATTEST_COMMIT, event: "push", headBranch: "v0.1.0" }],
    })],
  });
  try {
    await Deno.writeTextFile(`${dir}/attest.toml`, TP_POLICY);
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
      CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
    });
    const code = await main(
      ["crate", "tiny-attest@0.1.0", "--json", "--policy", `${dir}/attest.toml`],
      io,
    );
    return { code, out: io.out + io.err };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("red-team2: trusted publishing by a workflow file named publish.yml@evil.yml is not publish.yml", async () => {
  const control = await runPublishedBy(".github/workflows/publish.yml");
  assert.equal(control.code, 0, `control: ${control.out}`);
  // GitHub workflow file names may hold `@` (crates.io reads `nested.yml@evil.yml` as the file
  // name of `o/r/.github/workflows/nested.yml@evil.yml@refs/heads/main`): this is another
  // workflow of the repository, not the policy's publish.yml.
  const r = await runPublishedBy(".github/workflows/publish.yml@evil.yml");
  assert.notEqual(r.code, 0, r.out);
});

Deno.test("red-team2: a certificate of the workflow file release.yml@evil.yml is not release.yml's", async () => {
  // The SAN https://github.com/O/R/.github/workflows/release.yml@evil.yml@refs/tags/v1.0.0 is
  // the workflow file `release.yml@evil.yml` at refs/tags/v1.0.0: another workflow of the
  // repository than the one named.
  const evilWorkflow = { ...RELEASE_WORKFLOW, workflow: ".github/workflows/release.yml@evil.yml" };
  const evil = await workflowBundle(evilWorkflow);
  const named = ["--signer-workflow", "octo-org/app/.github/workflows/release.yml"];
  const policy = 'version = 1\n[[defaults.signer]]\nworkflow = "octo-org/app/.github/' +
    'workflows/release.yml"\n';
  for (const options of [{ args: named }, { policy }]) {
    const control = await runRelease({ beside: await workflowBundle(), ...options });
    assert.equal(control.code, 0, `control: ${show(control)}`);
    const r = await runRelease({ beside: evil, ...options });
    assert.notEqual(r.code, 0, show(r));
  }
});
