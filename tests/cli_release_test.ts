/**
 * End-to-end tests of `cargo-attest release` against a loopback fake GitHub serving a real
 * GitHub artifact attestation (actions/attest-demo, from the corpus case
 * gh-github-provenance-demo: GitHub's own Sigstore instance, RFC 3161 timestamp, no Rekor).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import {
  type FakeGithubOptions,
  type FakeRelease,
  startFakeGithub,
} from "./support/fake_github.ts";
import {
  BUNDLE,
  demoRelease as release,
  WHEEL,
  WHEEL_NAME,
  WHEEL_SHA256,
} from "./support/demo_release.ts";

async function runAgainst(
  releases: FakeRelease[],
  args: string[],
  options: FakeGithubOptions = { attestations: { [WHEEL_SHA256]: [BUNDLE] } },
  env: Record<string, string> = {},
) {
  const github = startFakeGithub(releases, options);
  try {
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, ...env });
    const code = await main(["release", ...args], io);
    return { code, out: io.out, err: io.err, requests: github.requests };
  } finally {
    await github.close();
  }
}

Deno.test("release: attested and checksummed asset is TRUSTED; evidence files are not subjects", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12", "--json"]);
  assert.equal(r.code, 0, r.out + r.err);
  const report = JSON.parse(r.out);
  assert.equal(report.verdict, "TRUSTED");
  assert.equal(report.subjects.length, 1, "SHA256SUMS is evidence, not a subject");
  const subject = report.subjects[0];
  assert.deepEqual(subject.subject, {
    kind: "release-asset",
    repo: "actions/attest-demo",
    tag: "v0.0.12",
    name: WHEEL_NAME,
    sha256: WHEEL_SHA256,
  });
  const byCode = Object.fromEntries(
    subject.checks.map((c: { code: string; status: string }) => [c.code, c.status]),
  );
  assert.equal(byCode["api-digest-match"], "pass");
  assert.equal(byCode["checksum-match"], "pass");
  assert.equal(byCode["attestation-verified"], "pass");
  assert.equal(byCode["identity-match"], "pass");
  const attestation = subject.checks.find((c: { id: string }) => c.id === "attestation");
  assert.match(attestation.origin.url, /\/attestations\/sha256:/);
});

Deno.test("release: the human report shows each check and the verdict", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /actions\/attest-demo@v0\.0\.12: github_provenance_demo/);
  assert.match(r.out, /✓ checksum +matches the checksum published in SHA256SUMS \(line 1\)/);
  assert.match(r.out, /✓ identity/);
  assert.match(r.out, /verdict: TRUSTED \(exit 0\)/);
});

Deno.test("release: a tag on another commit than the attested build is a MISMATCH", async () => {
  const r = await runAgainst(
    [release({ commit: "0".repeat(40) })],
    ["actions/attest-demo", "v0.0.12"],
  );
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /identity-ref-mismatch/);
});

Deno.test("release: an annotated tag is resolved to its commit", async () => {
  const r = await runAgainst([release({ annotated: true })], ["actions/attest-demo", "v0.0.12"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.ok(r.requests.some((q) => q.path.includes("/git/tags/")));
});

Deno.test("release: an attestation built by another repository is a MISMATCH", async () => {
  const r = await runAgainst(
    [release({ owner: "evil", repo: "attest-demo" })],
    ["evil/attest-demo", "v0.0.12"],
  );
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /identity-repository-mismatch/);
});

Deno.test("release: a checksum that differs from the download is a MISMATCH", async () => {
  const bad = release();
  const assets = [bad.assets[0], {
    name: "SHA256SUMS",
    bytes: new TextEncoder().encode(`${"1".repeat(64)}  ${WHEEL_NAME}\n`),
  }];
  const r = await runAgainst([{ ...bad, assets }], ["actions/attest-demo", "v0.0.12"]);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /✗ checksum/);
  assert.match(r.out, /expected: 1{64}/);
});

Deno.test("release: the API digest disagreeing with the download is a MISMATCH", async () => {
  const r = await runAgainst(
    [release({ assets: [{ name: WHEEL_NAME, bytes: WHEEL, digest: `sha256:${"2".repeat(64)}` }] })],
    ["actions/attest-demo", "v0.0.12"],
  );
  assert.equal(r.code, 2);
  assert.match(r.out, /api-digest-mismatch/);
});

Deno.test("release: no evidence at all is UNVERIFIED and says what was looked for", async () => {
  const r = await runAgainst(
    [release({ assets: [{ name: WHEEL_NAME, bytes: WHEEL }] })],
    ["actions/attest-demo", "v0.0.12"],
    {},
  );
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(
    r.out,
    /no checksum for .* is published with the release \(looked in: the release notes\)/,
  );
  assert.match(r.out, /no GitHub artifact attestation for sha256:ae57936d/);
  assert.match(r.out, /verdict: UNVERIFIED/);
});

Deno.test("release: a checksum in the release notes alone is enough for TRUSTED", async () => {
  const r = await runAgainst(
    [release({
      body: `## Checksums\n\n| file | sha256 |\n|---|---|\n| ${WHEEL_NAME} | ${WHEEL_SHA256} |\n`,
      assets: [{ name: WHEEL_NAME, bytes: WHEEL }],
    })],
    ["actions/attest-demo", "v0.0.12"],
    {},
  );
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /the release notes/);
});

Deno.test("release: --strict turns missing attestations into a MISMATCH", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12", "--strict"], {});
  assert.equal(r.code, 2, r.out + r.err);
});

Deno.test("release: a missing tag or repository is an ERROR that names it", async () => {
  const tag = await runAgainst([release()], ["actions/attest-demo", "v9.9.9"]);
  assert.equal(tag.code, 3);
  assert.match(tag.err, /no release v9\.9\.9 in actions\/attest-demo/);
  const repo = await runAgainst([release()], ["nobody/nothing", "v0.0.12"]);
  assert.equal(repo.code, 3);
  assert.match(repo.err, /no release v0\.0\.12 in nobody\/nothing/);
});

Deno.test("release: an asset that is not in the release lists those that are", async () => {
  const r = await runAgainst([release()], [
    "actions/attest-demo",
    "v0.0.12",
    "--asset",
    "nope.zip",
  ]);
  assert.equal(r.code, 3);
  assert.match(r.err, /has no asset 'nope\.zip'/);
  assert.match(
    r.err,
    /its assets are: github_provenance_demo-0\.0\.12-py3-none-any\.whl, SHA256SUMS/,
  );
});

Deno.test("release: rate limiting is an ERROR that says when it resets and that a token helps", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12"], {
    rateLimited: { resetEpochSeconds: 1893456000 },
  });
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.err, /2030-01-01T00:00:00/);
  assert.match(r.err, /GH_TOKEN/);
});

Deno.test("release: a 5xx is retried and the run completes", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12"], {
    attestations: { [WHEEL_SHA256]: [BUNDLE] },
    failFirst: 1,
  });
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.err, /retrying/);
});

Deno.test("release: a truncated download is an ERROR", async () => {
  const r = await runAgainst(
    [release({ assets: [{ name: WHEEL_NAME, bytes: WHEEL, truncateAt: 100 }] })],
    ["actions/attest-demo", "v0.0.12"],
  );
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.err, /127\.0\.0\.1/);
});

Deno.test("release: the token goes to the API host only, never to the download host", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12"], {
    attestations: { [WHEEL_SHA256]: [BUNDLE] },
  }, { GH_TOKEN: "ghp_secret" });
  assert.equal(r.code, 0, r.out + r.err);
  const api = r.requests.filter((q) => q.host === "api");
  const download = r.requests.filter((q) => q.host === "download");
  assert.ok(api.length > 0 && download.length > 0);
  assert.ok(api.every((q) => q.authorization === "Bearer ghp_secret"));
  assert.ok(download.every((q) => q.authorization === null), "no token after the redirect");
});

Deno.test("release: attestations are read across pages, and every one is verified", async () => {
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12", "--json"], {
    attestations: { [WHEEL_SHA256]: [BUNDLE, BUNDLE, BUNDLE] },
    attestationsPerPage: 2,
  });
  assert.equal(r.code, 0, r.out + r.err);
  const checks = JSON.parse(r.out).subjects[0].checks;
  assert.equal(checks.filter((c: { id: string }) => c.id === "attestation").length, 3);
  assert.ok(r.requests.some((q) => q.path.includes("page=2")));
});

Deno.test("release: a tampered attestation is a MISMATCH even when checksums match", async () => {
  const tampered = structuredClone(BUNDLE);
  const sig: string = tampered.dsseEnvelope.signatures[0].sig;
  tampered.dsseEnvelope.signatures[0].sig = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
  const r = await runAgainst([release()], ["actions/attest-demo", "v0.0.12"], {
    attestations: { [WHEEL_SHA256]: [tampered] },
  });
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(r.out, /✗ attestation/);
});

Deno.test("release: bad arguments are usage errors", async () => {
  for (const args of [["actions"], ["not-a-slug", "v1"], ["a/b", "v1", "--bogus"]]) {
    const io = createMemoryIo();
    assert.equal(await main(["release", ...args], io), 3, args.join(" "));
    assert.match(io.err, /error: release|Unknown option/);
  }
});

Deno.test("release: a host that refuses says so, with a hint, and --json still prints one ERROR report", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there now: connections are refused
  const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: `http://127.0.0.1:${port}` });
  const code = await main(["release", "o/r", "v1", "--json", "--no-cache"], io);
  assert.equal(code, 3, io.err);
  const report = JSON.parse(io.out);
  assert.equal(report.verdict, "ERROR");
  assert.equal(report.exitCode, 3);
  assert.match(report.diagnostics[0].message, /refused the connection/);
  assert.match(io.err, /refused the connection/);
  assert.match(io.err, /hint: .*--offline/);
  assert.doesNotMatch(io.err, /retrying/, "a refused connection is not retried");
});

Deno.test("release: --timeout bounds the run when a server accepts and never answers", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) held.push(conn);
    } catch {
      // closed
    }
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: `http://127.0.0.1:${port}` });
    const started = Date.now();
    const code = await main(["release", "o/r", "v1", "--no-cache", "--timeout", "1"], io);
    assert.equal(code, 3, io.err);
    assert.ok(Date.now() - started < 6_000, `took ${Date.now() - started} ms`);
    assert.match(io.err, /sent no response within|network time \(--timeout\) is spent/);
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting;
  }
});
