/**
 * End-to-end tests of `cargo-attest file` on a real GitHub build-provenance attestation
 * (sigstore-js 2.1.0, from GitHub CLI's test data; see fixtures/demo/SOURCE.md), in-process.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { withTempDir } from "./support/temp_dir.ts";

const DEMO = new URL("./fixtures/demo/", import.meta.url).pathname;
const ARTIFACT = `${DEMO}sigstore-2.1.0.tgz`;
const BUNDLE = `${DEMO}sigstore-2.1.0.tgz.sigstore.json`;
const SHA256 = "f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed";
const GH_CASES = new URL("./fixtures/corpus/cases/", import.meta.url).pathname;

async function run(args: string[]) {
  const io = createMemoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

Deno.test("file: a real attestation bound to its repository is TRUSTED (exit 0)", async () => {
  const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--repo", "sigstore/sigstore-js"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /✓ attestation/);
  assert.match(r.out, /✓ identity/);
  assert.match(r.out, /✓ subject-digest/);
  assert.match(r.out, /✓ rekor/);
  assert.match(r.out, /verdict: TRUSTED \(exit 0\)/);
});

Deno.test("file: the same attestation with no signer named is UNVERIFIED (exit 1)", async () => {
  const r = await run(["file", ARTIFACT, "--bundle", BUNDLE]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /– identity .*no signer was named/);
  assert.match(r.out, /verdict: UNVERIFIED/);
});

Deno.test("file: a signer from another repository is a MISMATCH (exit 2)", async () => {
  const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--repo", "evil/sigstore-js"]);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /✗ identity/);
  assert.match(r.out, /expected: https:\/\/github.com\/evil\/sigstore-js/);
  assert.match(r.out, /code: {5}identity-repository-mismatch/);
});

Deno.test("file: --signer-workflow and --source-ref compare parsed SAN fields", async () => {
  const ok = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--signer-workflow",
    "sigstore/sigstore-js/.github/workflows/release.yml",
    "--source-ref",
    "refs/heads/main",
  ]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  const wrongRef = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--repo",
    "sigstore/sigstore-js",
    "--source-ref",
    "refs/tags/v2.1.0",
  ]);
  assert.equal(wrongRef.code, 2);
  assert.match(wrongRef.out, /identity-ref-mismatch/);
  const prefix = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--signer-workflow",
    "sigstore/sigstore-js/.github/workflows/release.yaml",
  ]);
  assert.equal(prefix.code, 2, "another workflow file must not match");
  // A path that is not a workflow file at all (a prefix) is refused before anything runs.
  const bare = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--signer-workflow",
    "sigstore/sigstore-js/.github/workflows/release",
  ]);
  assert.equal(bare.code, 3, "a workflow path prefix is a usage error");
});

Deno.test("file: exact --certificate-identity must match the SAN exactly", async () => {
  const san =
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
  const issuer = "https://token.actions.githubusercontent.com";
  const ok = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--certificate-identity",
    san,
    "--certificate-oidc-issuer",
    issuer,
  ]);
  assert.equal(ok.code, 0, ok.out + ok.err);
  const prefix = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--certificate-identity",
    san.replace(/@.*$/, ""),
    "--certificate-oidc-issuer",
    issuer,
  ]);
  assert.equal(prefix.code, 3, "a workflow SAN without @REF can never match: a usage error");
  const otherRef = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--certificate-identity",
    san.replace("refs/heads/main", "refs/heads/mai"),
    "--certificate-oidc-issuer",
    issuer,
  ]);
  assert.equal(otherRef.code, 2, "a ref prefix does not match");
});

Deno.test("file: another artifact than the attested one is a MISMATCH on subject-digest", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/other.tgz`, "not the release");
    const r = await run([
      "file",
      `${dir}/other.tgz`,
      "--bundle",
      BUNDLE,
      "--repo",
      "sigstore/sigstore-js",
    ]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /✗ subject-digest/);
  });
});

Deno.test("file: --sha256 alone is a load-bearing checksum (match → TRUSTED, differ → MISMATCH)", async () => {
  assert.equal((await run(["file", ARTIFACT, "--sha256", SHA256])).code, 0);
  const bad = await run(["file", ARTIFACT, "--sha256", "0".repeat(64)]);
  assert.equal(bad.code, 2);
  assert.match(bad.out, /expected: 0{64}/);
  assert.match(bad.out, new RegExp(`found: {4}${SHA256}`));
});

Deno.test("file: --json prints the v1 report with per-check results", async () => {
  const r = await run([
    "file",
    ARTIFACT,
    "--bundle",
    BUNDLE,
    "--repo",
    "sigstore/sigstore-js",
    "--json",
  ]);
  assert.equal(r.code, 0);
  const report = JSON.parse(r.out);
  assert.equal(report.schema, "cargo-attest/report/v1");
  assert.equal(report.verdict, "TRUSTED");
  assert.equal(report.exitCode, 0);
  assert.equal(report.subjects.length, 1);
  assert.equal(report.subjects[0].subject.kind, "local-file");
  assert.equal(report.subjects[0].subject.sha256, SHA256);
  const ids = report.subjects[0].checks.map((c: { id: string }) => c.id);
  assert.deepEqual(ids, ["attestation", "subject-digest", "rekor", "identity"]);
  for (const c of report.subjects[0].checks) {
    assert.equal(c.status, "pass");
    assert.match(c.code, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  }
  assert.ok(report.roots.some((root: { name: string }) => root.name === "public-good"));
});

Deno.test("file: CARGO_ATTEST_JSON=1 selects JSON too", async () => {
  const io = createMemoryIo({ CARGO_ATTEST_JSON: "1" });
  const code = await main(["file", ARTIFACT, "--sha256", SHA256], io);
  assert.equal(code, 0);
  assert.equal(JSON.parse(io.out).verdict, "TRUSTED");
});

Deno.test("file: CARGO_ATTEST_JSON takes yes/no words; anything else is a usage error", async () => {
  for (const word of ["yes", "TRUE", "on"]) {
    const io = createMemoryIo({ CARGO_ATTEST_JSON: word });
    assert.equal(await main(["file", ARTIFACT, "--sha256", SHA256], io), 0);
    assert.equal(JSON.parse(io.out).verdict, "TRUSTED", word);
  }
  const no = createMemoryIo({ CARGO_ATTEST_JSON: "no" });
  assert.equal(await main(["file", ARTIFACT, "--sha256", SHA256], no), 0);
  assert.match(no.out, /verdict: TRUSTED/);
  const odd = createMemoryIo({ CARGO_ATTEST_JSON: "jsonplease" });
  assert.equal(await main(["file", ARTIFACT, "--sha256", SHA256], odd), 3);
  assert.match(odd.err, /CARGO_ATTEST_JSON="jsonplease" is neither yes nor no/);
});

Deno.test("file: --strict turns the unbound identity into a MISMATCH", async () => {
  const r = await run(["file", ARTIFACT, "--bundle", BUNDLE, "--strict"]);
  assert.equal(r.code, 2);
});

Deno.test("file: bad evidence is a MISMATCH with a message, never a stack trace", async () => {
  await withTempDir(async (dir) => {
    const text = await Deno.readTextFile(BUNDLE);
    const cases: Record<string, string> = {
      truncated: text.slice(0, text.length / 2),
      "not-json": "hello",
      "unknown-media-type": text.replace(
        "application/vnd.dev.sigstore.bundle.v0.3+json",
        "application/x-evil",
      ),
      "bad-certificate": JSON.stringify({
        ...JSON.parse(text),
        verificationMaterial: {
          ...JSON.parse(text).verificationMaterial,
          certificate: { rawBytes: btoa("not a certificate") },
        },
      }),
    };
    for (const [name, content] of Object.entries(cases)) {
      await Deno.writeTextFile(`${dir}/${name}.json`, content);
      const r = await run([
        "file",
        ARTIFACT,
        "--bundle",
        `${dir}/${name}.json`,
        "--repo",
        "sigstore/sigstore-js",
      ]);
      assert.equal(r.code, 2, `${name}: ${r.out}${r.err}`);
      assert.match(r.out, /✗ attestation/, name);
      assert.doesNotMatch(r.out + r.err, /\n\s+at /, `${name}: no stack trace`);
    }
  });
});

Deno.test("file: a 200 MB 'bundle' is refused without being read (MISMATCH)", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/huge.json`;
    const f = await Deno.open(path, { create: true, write: true });
    await f.truncate(200 * 1024 * 1024);
    f.close();
    const r = await run(["file", ARTIFACT, "--bundle", path, "--repo", "sigstore/sigstore-js"]);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.out, /bundle-too-large|over the .*limit/);
  });
});

Deno.test("file: unusable input is an ERROR (exit 3) that names the path", async () => {
  await withTempDir(async (dir) => {
    const missing = await run(["file", `${dir}/nope.tgz`, "--bundle", BUNDLE]);
    assert.equal(missing.code, 3);
    assert.match(missing.err, /nope\.tgz: no such file/);
    const missingBundle = await run(["file", ARTIFACT, "--bundle", `${dir}/nope.json`]);
    assert.equal(missingBundle.code, 3);
    assert.match(missingBundle.err, /nope\.json: no such file/);
    const directory = await run(["file", ARTIFACT, "--bundle", dir]);
    assert.equal(directory.code, 3);
    assert.match(directory.err, /is a directory/);
    const noEvidence = await run(["file", ARTIFACT]);
    assert.equal(noEvidence.code, 3);
    assert.match(noEvidence.err, /no evidence given/);
  });
});

Deno.test("file: a GitHub-instance attestation (TSA only, no Rekor) verifies under the embedded GitHub root", async () => {
  const dir = `${GH_CASES}gh-github-provenance-demo/`;
  const c = JSON.parse(await Deno.readTextFile(`${dir}case.json`));
  const r = await run([
    "file",
    `${dir}${c.artifact}`,
    "--bundle",
    `${dir}bundle.sigstore.json`,
    "--repo",
    c.github.signer_repository,
  ]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /timestamped/);
  const rekor = await run([
    "file",
    `${dir}${c.artifact}`,
    "--bundle",
    `${dir}bundle.sigstore.json`,
    "--repo",
    c.github.signer_repository,
    "--require-rekor",
  ]);
  assert.equal(rekor.code, 2, "--require-rekor fails a bundle without transparency-log evidence");
});

Deno.test("file: a mistyped signer on the command line is a usage error with a suggestion", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["--signer-workflow", "sigstore/sigstore-js/release.yml"],
      /sigstore\/sigstore-js\/\.github\/workflows\/release\.yml/,
    ],
    [
      ["--signer-workflow", "o/r/.github/workflows/r.yml@refs/tags/v1"],
      /--source-ref refs\/tags\/v1/,
    ],
    [["--repo", "https://github.com/o/r"], /write it without the URL: "o\/r"/],
    [["--repo", "o/r", "--source-ref", "v1.2.3"], /did you mean 'refs\/tags\/v1\.2\.3'/],
    [[
      "--certificate-identity",
      "https://github.com/o/r/.github/workflows/r.yml",
      "--certificate-oidc-issuer",
      "https://token.actions.githubusercontent.com",
    ], /--signer-workflow o\/r\/\.github\/workflows\/r\.yml/],
    [
      ["--certificate-identity", "me@example.com", "--certificate-oidc-issuer", "google"],
      /https:\/\//,
    ],
  ];
  for (const [args, hint] of cases) {
    const io = createMemoryIo();
    assert.equal(
      await main(["file", ARTIFACT, "--sha256", SHA256, ...args], io),
      3,
      args.join(" "),
    );
    assert.match(io.err, hint, args.join(" "));
  }
});
