/**
 * `release` with a signed checksum file: SHA256SUMS carries a Sigstore bundle beside it (made by
 * the virtual Sigstore, trusted with --trusted-root), and so vouches for every asset it lists.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeAsset, startFakeGithub } from "./support/fake_github.ts";
import { VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";

const encoder = new TextEncoder();
const APP = encoder.encode("the app's bytes\n");
const APP_SHA256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", APP)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
const SUMS = encoder.encode(`${APP_SHA256}  app.tar.gz\n`);
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const WORKFLOW = {
  repository: "octo-org/app",
  workflow: ".github/workflows/release.yml",
  ref: "refs/tags/v1.0.0",
  sha: COMMIT,
};
const vs = await VirtualSigstore.create();

async function run(assets: FakeAsset[]) {
  const dir = await Deno.makeTempDir();
  const github = startFakeGithub([{
    owner: "octo-org",
    repo: "app",
    tag: "v1.0.0",
    commit: COMMIT,
    assets,
  }]);
  try {
    await Deno.writeTextFile(`${dir}/root.json`, vs.trustedRoot());
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl });
    const code = await main([
      "release",
      "octo-org/app",
      "v1.0.0",
      "--trusted-root",
      `${dir}/root.json`,
      "--json",
    ], io);
    return { code, report: io.out ? JSON.parse(io.out) : undefined, err: io.err };
  } finally {
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("release: a signed SHA256SUMS vouches for the assets it lists", async () => {
  const bundle = await vs.sign({
    artifact: SUMS,
    content: "dsse",
    leaf: { github: WORKFLOW, san: { uri: workflowSan(WORKFLOW) } },
  });
  const r = await run([
    { name: "app.tar.gz", bytes: APP },
    { name: "SHA256SUMS", bytes: SUMS },
    { name: "SHA256SUMS.sigstore.json", bytes: encoder.encode(bundle.json) },
  ]);
  assert.equal(r.code, 0, r.err + JSON.stringify(r.report, null, 1));
  assert.equal(r.report.subjects.length, 1);
  const checks = r.report.subjects[0].checks;
  const via = checks.filter((c: { message: string }) => c.message.startsWith("via SHA256SUMS"));
  assert.ok(
    via.some((c: { id: string; status: string }) => c.id === "cosign" && c.status === "pass"),
  );
  assert.ok(
    via.some((c: { id: string; status: string }) => c.id === "identity" && c.status === "pass"),
  );
});

Deno.test("release: a SHA256SUMS whose signature is from another repository fails its assets", async () => {
  const bundle = await vs.sign({
    artifact: SUMS,
    content: "dsse",
    leaf: {
      github: { ...WORKFLOW, repository: "evil/app" },
      san: { uri: workflowSan({ ...WORKFLOW, repository: "evil/app" }) },
    },
  });
  const r = await run([
    { name: "app.tar.gz", bytes: APP },
    { name: "SHA256SUMS", bytes: SUMS },
    { name: "SHA256SUMS.sigstore.json", bytes: encoder.encode(bundle.json) },
  ]);
  assert.equal(r.code, 2, JSON.stringify(r.report, null, 1));
  const identity = r.report.subjects[0].checks.find((c: { id: string; message: string }) =>
    c.id === "identity" && c.message.startsWith("via SHA256SUMS")
  );
  assert.equal(identity.status, "fail");
});

Deno.test("release: a signature over other bytes on SHA256SUMS is a MISMATCH", async () => {
  const bundle = await vs.sign({
    artifact: encoder.encode("another file\n"),
    content: "dsse",
    leaf: { github: WORKFLOW, san: { uri: workflowSan(WORKFLOW) } },
  });
  const r = await run([
    { name: "app.tar.gz", bytes: APP },
    { name: "SHA256SUMS", bytes: SUMS },
    { name: "SHA256SUMS.sigstore.json", bytes: encoder.encode(bundle.json) },
  ]);
  assert.equal(r.code, 2);
});
