/**
 * The real command as a user runs it: `deno run cli.ts …` in a subprocess, checking exit codes,
 * that results go to stdout and messages to stderr, and that nothing prints a stack trace.
 */
import assert from "node:assert/strict";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const DEMO = new URL("./fixtures/demo/", import.meta.url).pathname;

async function cargoAttest(...args: string[]) {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-read", "--allow-env", CLI, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
  const { code, stdout, stderr } = await command.output();
  const decoder = new TextDecoder();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

Deno.test("cli.ts file on the demo attestation exits 0 with the report on stdout", async () => {
  const r = await cargoAttest(
    "file",
    `${DEMO}sigstore-2.1.0.tgz`,
    "--bundle",
    `${DEMO}sigstore-2.1.0.tgz.sigstore.json`,
    "--repo",
    "sigstore/sigstore-js",
  );
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /verdict: TRUSTED/);
  assert.equal(r.err, "");
});

Deno.test("cli.ts: exit codes 1, 2, 3 reach the shell", async () => {
  const bundle = `${DEMO}sigstore-2.1.0.tgz.sigstore.json`;
  const unbound = await cargoAttest("file", `${DEMO}sigstore-2.1.0.tgz`, "--bundle", bundle);
  assert.equal(unbound.code, 1);
  const mismatch = await cargoAttest(
    "file",
    `${DEMO}sigstore-2.1.0.tgz`,
    "--bundle",
    bundle,
    "--repo",
    "someone/else",
  );
  assert.equal(mismatch.code, 2);
  const usage = await cargoAttest("file", "--frobnicate");
  assert.equal(usage.code, 3);
  assert.equal(usage.out, "");
  assert.match(usage.err, /^cargo-attest: error: file: Unknown option '--frobnicate'/);
  assert.doesNotMatch(usage.err, /\bat .*\.ts:\d+/, "no stack trace");
});

Deno.test("cli.ts hash and 'attest hash' (as cargo calls it) print sha256sum lines", async () => {
  const file = `${DEMO}sigstore-2.1.0.tgz`;
  const line = `f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed  ${file}\n`;
  assert.equal((await cargoAttest("hash", file)).out, line);
  assert.equal((await cargoAttest("attest", "hash", file)).out, line);
});

Deno.test("cli.ts verify-bundle exits 0 on a valid bundle and 1 on a wrong identity", async () => {
  const args = [
    "verify-bundle",
    "--bundle",
    `${DEMO}sigstore-2.1.0.tgz.sigstore.json`,
    "--certificate-oidc-issuer",
    "https://token.actions.githubusercontent.com",
  ];
  const san =
    "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
  const ok = await cargoAttest(...args, "--certificate-identity", san, `${DEMO}sigstore-2.1.0.tgz`);
  assert.equal(ok.code, 0, ok.err);
  const bad = await cargoAttest(
    ...args,
    "--certificate-identity",
    san + "x",
    `${DEMO}sigstore-2.1.0.tgz`,
  );
  assert.equal(bad.code, 1);
  assert.match(bad.err, /identity-san-mismatch/);
});
