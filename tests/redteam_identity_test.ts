/**
 * Red-team attacks on signer identity and Sigstore bundle binding (`release`, `crate`, `file`,
 * `lock`), through `main()` as a user runs it. Each attack must not come out TRUSTED; where it
 * matters a control that changes nothing is TRUSTED, so the attack cannot pass for an unrelated
 * reason.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import {
  APP,
  COMMIT,
  encoder,
  publicGood,
  runFile,
  SLSA_SAN,
  SLSA_WORKFLOW,
  workflowBundle,
} from "./support/binding_runs.ts";

Deno.test("red-team: file with a policy signer naming a reusable workflow run by another repository is not TRUSTED", async () => {
  const evil = await workflowBundle({ repository: "evil/app" }, { san: { uri: SLSA_SAN } });
  const policy = `version = 1\n[[defaults.signer]]\nworkflow = "${SLSA_WORKFLOW}"\n`;
  const r = await runFile(evil, { policy });
  assert.notEqual(r.code, 0, r.out);
  // Control: the same workflow run by its own repository is TRUSTED.
  const own = await workflowBundle({ repository: "slsa-framework/slsa-github-generator" }, {
    san: { uri: SLSA_SAN },
  });
  const control = await runFile(own, { policy });
  assert.equal(control.code, 0, control.out);
});

Deno.test("red-team: file --key does not stand in for a policy signer or a --repo rule", async () => {
  const signed = await publicGood.sign({ artifact: APP, key: "p256" });
  const key = signed.managedKey!.pem;
  const policy = 'version = 1\n[[defaults.signer]]\nworkflow = "octo-org/app/.github/' +
    'workflows/release.yml"\n';
  // The policy says who may sign: a workflow. A managed key's signature is not that signer.
  const byPolicy = await runFile(signed.json, { key, policy });
  assert.notEqual(byPolicy.code, 0, byPolicy.out);
  // --repo asks for a workflow of octo-org/app: a managed key's signature is not one either.
  const byRepo = await runFile(signed.json, { key, args: ["--repo", "octo-org/app"] });
  assert.notEqual(byRepo.code, 0, byRepo.out);
  // Control: the key alone, with no signer named otherwise, is TRUSTED.
  const control = await runFile(signed.json, { key });
  assert.equal(control.code, 0, control.out);
});

/**
 * Runs `release octo-org/app v1.0.0` against the fake GitHub, reached either at its root (as
 * api.github.com is) or through `/api/v3` on the same loopback host, which is how a GitHub
 * Enterprise Server API is addressed (`https://HOST/api/v3`).
 */
async function runReleaseVia(apiPath: "" | "/api/v3", bundle: string): Promise<number> {
  const dir = await Deno.makeTempDir();
  const github = startFakeGithub([{
    owner: "octo-org",
    repo: "app",
    tag: "v1.0.0",
    commit: COMMIT,
    assets: [
      { name: "app.tar.gz", bytes: APP },
      { name: "app.tar.gz.sigstore.json", bytes: encoder.encode(bundle) },
    ],
  }]);
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
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const api = apiPath === "" ? github.apiUrl : `http://127.0.0.1:${proxy.addr.port}/api/v3`;
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: api });
    return await main([
      "release",
      "octo-org/app",
      "v1.0.0",
      "--json",
      "--trusted-root",
      `${dir}/root.json`,
    ], io);
  } finally {
    await proxy.shutdown();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "red-team: a GitHub Enterprise release is not vouched for by github.com's same-named repository",
  // Was a hole: every binding compared with `https://github.com/O/R` whatever the API was. The
  // host now comes from the API base (githubWebHost) into every rule and binding.
  fn: async () => {
    // Signed on github.com by a workflow of github.com's octo-org/app, at the tag.
    const bundle = await workflowBundle();
    assert.equal(await runReleaseVia("", bundle), 0, "control: the github.com release is TRUSTED");
    assert.notEqual(await runReleaseVia("/api/v3", bundle), 0);
  },
});
