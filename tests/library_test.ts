/**
 * cargo-attest as a Deno library user runs it: everything imported from mod.ts, no argv, no
 * stdout. The demo fixture through verifyFile, and a loopback lock through verifyLock.
 */
import assert from "node:assert/strict";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";
import {
  BUILTIN_LOADED_POLICY,
  HttpClient,
  loadEmbeddedRoot,
  readPolicyFile,
  renderJsonReport,
  renderTextReport,
  resolveEndpoints,
  verifyCrates,
  verifyFile,
  verifyLock,
} from "../mod.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { tinyAttestLock } from "./support/tiny_attest.ts";

const DEMO = new URL("./fixtures/demo/", import.meta.url).pathname;
const CRATE = await Deno.readFile(
  new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";

Deno.test("library: verifyFile verifies the demo bundle for the repository named", async () => {
  const roots = [await loadEmbeddedRoot("public-good")];
  const target = {
    path: `${DEMO}sigstore-2.1.0.tgz`,
    bundles: [`${DEMO}sigstore-2.1.0.tgz.sigstore.json`],
  };
  const report = await verifyFile(target, {
    policy: BUILTIN_LOADED_POLICY,
    roots,
    signer: { repo: "sigstore/sigstore-js", source: "library test" },
  });
  assert.equal(report.verdict, "TRUSTED");
  assert.equal(report.exitCode, 0);
  assert.match(renderTextReport(report, { color: false, verbose: false }), /verdict: TRUSTED/);
  // Another repository named: the same bundle does not bind.
  const other = await verifyFile(target, {
    policy: BUILTIN_LOADED_POLICY,
    roots,
    signer: { repo: "evil/sigstore-js", source: "library test" },
  });
  assert.equal(other.verdict, "MISMATCH");
});

Deno.test("library: verifyLock and verifyCrates against loopback crates.io and GitHub", async () => {
  const cratesIo = startFakeCratesIo([tinyAttestCrate({ bytes: CRATE })]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository()],
  });
  const dir = await Deno.makeTempDir();
  try {
    const env = { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl };
    const endpoints = resolveEndpoints((name) => env[name as keyof typeof env]);
    const http = new HttpClient({ timeoutMs: 10_000, retries: 0, userAgent: "library-test" });
    const options = {
      policy: BUILTIN_LOADED_POLICY,
      roots: () => Promise.resolve([]),
      endpoints,
      crates: http,
      github: new HttpClient({
        timeoutMs: 10_000,
        retries: 0,
        userAgent: "library-test",
        token: { value: "ghp_test", host: new URL(github.apiUrl).host },
      }),
    };
    const lockPath = `${dir}/Cargo.lock`;
    await Deno.writeTextFile(lockPath, tinyAttestLock(CRATE_SHA256));
    const progress: string[] = [];
    const report = await verifyLock({ path: lockPath }, {
      ...options,
      onProgress: (done, total, crate) => progress.push(`${done}/${total} ${crate.name}`),
    });
    // tiny-attest is verified; the git dependency cannot be (never TRUSTED).
    const tiny = report.subjects.find((s) =>
      s.subject.kind === "crate" && s.subject.name === "tiny-attest"
    );
    assert.equal(tiny?.verdict, "TRUSTED", renderJsonReport(report));
    assert.equal(report.verdict, "UNVERIFIED");
    assert.deepEqual(progress.length, 2);
    // The same crate alone, under a policy file: TRUSTED, and the policy is recorded.
    await Deno.writeTextFile(
      `${dir}/attest.toml`,
      'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-vcs", "crate-source"]\n',
    );
    const policy = await readPolicyFile(`${dir}/attest.toml`);
    const one = await verifyCrates(["tiny-attest@0.1.0"], { ...options, policy });
    assert.equal(one.verdict, "TRUSTED", renderJsonReport(one));
    assert.equal(one.policy.path, `${dir}/attest.toml`);
    // A lock that pins another checksum is a MISMATCH.
    await Deno.writeTextFile(lockPath, tinyAttestLock("0".repeat(64)));
    const bad = await verifyLock({ path: lockPath }, options);
    assert.equal(bad.verdict, "MISMATCH");
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
});
