/**
 * The policy applied by the verifying commands: `file` and `release` read `--policy` (or
 * ./attest.toml), take signers, requirements and rekor from it, and stop on an invalid policy
 * before any network request.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeGithub } from "./support/fake_github.ts";

const DEMO = new URL("./fixtures/demo/", import.meta.url).pathname;
const ARTIFACT = `${DEMO}sigstore-2.1.0.tgz`;
const BUNDLE = `${DEMO}sigstore-2.1.0.tgz.sigstore.json`;
const GH = new URL("./fixtures/corpus/cases/gh-github-provenance-demo/", import.meta.url);
const WHEEL_NAME = "github_provenance_demo-0.0.12-py3-none-any.whl";
const WHEEL_SHA256 = "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";

async function withPolicy(text: string, fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/attest.toml`, text);
    await fn(`${dir}/attest.toml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function run(args: string[], env: Record<string, string> = {}) {
  const io = createMemoryIo(env);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

Deno.test("file: a policy signer binds the attestation without --repo (TRUSTED, policyRef in JSON)", async () => {
  await withPolicy(
    `version = 1

[[defaults.signer]]
workflow = "sigstore/sigstore-js/.github/workflows/release.yml"
ref = "refs/heads/*"
`,
    async (policy) => {
      const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--policy", policy, "--json"]);
      assert.equal(r.code, 0, r.out + r.err);
      const report = JSON.parse(r.out);
      assert.equal(report.policy.path, policy);
      assert.equal(report.policy.builtin, false);
      assert.match(report.policy.sha256, /^[0-9a-f]{64}$/);
      const identity = report.subjects[0].checks.find((c: { id: string }) => c.id === "identity");
      assert.equal(identity.status, "pass");
      assert.deepEqual(identity.policyRef, { file: policy, line: 3 });
    },
  );
});

Deno.test("file: a policy signer that does not match is a MISMATCH naming the rule", async () => {
  await withPolicy(
    `version = 1

[[defaults.signer]]
workflow = "sigstore/sigstore-js/.github/workflows/release.yml"
ref = "refs/tags/v*"
`,
    async (policy) => {
      const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--policy", policy]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.out, /identity-ref-mismatch/);
      assert.match(r.out, new RegExp(`rule: +${policy.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3`));
    },
  );
});

Deno.test("file: command-line signers tighten the policy's, never loosen it", async () => {
  await withPolicy(
    `version = 1

[[defaults.signer]]
workflow = "sigstore/sigstore-js/.github/workflows/release.yml"
`,
    async (policy) => {
      const r = await run([
        "file",
        ARTIFACT,
        "--bundle",
        BUNDLE,
        "--policy",
        policy,
        "--repo",
        "someone/else",
      ]);
      assert.equal(r.code, 2, "the --repo requirement still applies: " + r.out);
    },
  );
});

Deno.test("file: a required check with no evidence makes the subject UNVERIFIED", async () => {
  await withPolicy(`version = 1\n\n[defaults]\nrequire = ["checksum"]\n`, async (policy) => {
    const r = await run([
      "file",
      ARTIFACT,
      "--bundle",
      BUNDLE,
      "--repo",
      "sigstore/sigstore-js",
      "--policy",
      policy,
    ]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.out, /– checksum .*required by .*attest\.toml:4/);
  });
});

Deno.test("file: strict = true in the policy turns a missing signer into a MISMATCH", async () => {
  await withPolicy(`version = 1\n\n[defaults]\nstrict = true\n`, async (policy) => {
    const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--policy", policy]);
    assert.equal(r.code, 2, r.out + r.err);
  });
});

Deno.test('file: rekor = "required" fails a GitHub-instance attestation (no transparency log)', async () => {
  await withPolicy(`version = 1\n\n[defaults]\nrekor = "required"\n`, async (policy) => {
    const r = await run([
      "file",
      new URL(WHEEL_NAME, GH).pathname,
      "--bundle",
      new URL("bundle.sigstore.json", GH).pathname,
      "--repo",
      "actions/attest-demo",
      "--policy",
      policy,
    ]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /tlog-missing/);
  });
});

Deno.test("release: an invalid policy stops the run before any network request (exit 3)", async () => {
  const github = startFakeGithub([]);
  try {
    await withPolicy(`version = 1\n\n[defaults]\nrequre = ["checksum"]\n`, async (policy) => {
      const r = await run(["release", "o/r", "v1", "--policy", policy], {
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      });
      assert.equal(r.code, 3);
      assert.match(r.err, /error\[policy-unknown-key\]: unknown key "requre"/);
      assert.match(r.err, /did you mean "require"\?/);
      assert.equal(github.requests.length, 0, "no request was made");
    });
  } finally {
    await github.close();
  }
});

Deno.test("release: a repo rule's signer is used for that repository's assets", async () => {
  const wheel = await Deno.readFile(new URL(WHEEL_NAME, GH));
  const bundle = JSON.parse(await Deno.readTextFile(new URL("bundle.sigstore.json", GH)));
  const github = startFakeGithub([{
    owner: "actions",
    repo: "attest-demo",
    tag: "v0.0.12",
    commit: "a6c23b9806c593664f68637c8f9d45dfcf98b2db",
    assets: [{ name: WHEEL_NAME, bytes: wheel }],
  }], { attestations: { [WHEEL_SHA256]: [bundle] } });
  try {
    const env = { CARGO_ATTEST_GITHUB_API_URL: github.apiUrl };
    await withPolicy(
      `version = 1

[[repo."actions/attest-demo".signer]]
workflow = "actions/attest-demo/.github/workflows/release.yml"
`,
      async (policy) => {
        const r = await run(["release", "actions/attest-demo", "v0.0.12", "--policy", policy], env);
        assert.equal(r.code, 2, r.out + r.err);
        assert.match(r.out, /identity-workflow-mismatch/);
      },
    );
    await withPolicy(
      `version = 1

[[repo."actions/attest-demo".signer]]
workflow = "actions/attest-demo/.github/workflows/build-python.yml"
runner_environment = "github-hosted"
`,
      async (policy) => {
        const r = await run(["release", "actions/attest-demo", "v0.0.12", "--policy", policy], env);
        assert.equal(r.code, 0, r.out + r.err);
      },
    );
  } finally {
    await github.close();
  }
});
