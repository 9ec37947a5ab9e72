/**
 * Attacks at the edges (issue #12), through `main()` against loopback fakes:
 * - what the cache remembers from one GitHub API host (or token) never answers another;
 * - a complete answer that is not the expected artifact (size or digest) is a MISMATCH naming
 *   both values, and only an incomplete transfer is an ERROR;
 * - every run that is not TRUSTED says why on stderr in one line, whatever the format.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRelease, type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import {
  TINY_ATTEST_BLOBS,
  TINY_ATTEST_COMMIT,
  TINY_ATTEST_CRATE,
  tinyAttestCrate,
  tinyAttestRepository,
  tinyAttestTree,
} from "./support/tiny_attest.ts";
import { withTempDir } from "./support/temp_dir.ts";

const CRATE = TINY_ATTEST_CRATE;
const COMMIT = TINY_ATTEST_COMMIT;

/** Runs `args` against a fresh fake crates.io and a fresh fake GitHub (its own host). */
async function runCrate(
  args: string[],
  crates: FakeCrate[],
  repos: FakeRepository[],
  env: Record<string, string>,
) {
  const cratesIo = startFakeCratesIo(crates);
  const github = startFakeGithub([], { repositories: repos });
  try {
    const io = createMemoryIo({
      GH_TOKEN: "ghp_test",
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      ...env,
    });
    const code = await main(args, io);
    return { code, out: io.out, err: io.err, github: github.requests };
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

function checksById(out: string): Record<string, { status: string; code: string }> {
  return Object.fromEntries(
    JSON.parse(out).subjects[0].checks.map((c: { id: string }) => [c.id, c]),
  );
}

// ---- item 7: cache keys name every input that changes the answer -------------------------------

Deno.test("cache: a tag list read from one GitHub API host never answers another host", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/attest.toml`,
      'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-vcs"]\n',
    );
    const args = ["crate", "tiny-attest@0.1.0", "--json", "--policy", `${dir}/attest.toml`];
    const env = { CARGO_ATTEST_CACHE_DIR: `${dir}/cache` };
    // Host A: the tag v0.1.0 names the commit the crate records.
    const a = await runCrate(args, [tinyAttestCrate()], [tinyAttestRepository()], env);
    assert.equal(a.code, 0, a.out + a.err);
    assert.equal(checksById(a.out)["crate-vcs"].code, "crate-vcs-tag-match");
    // Host B (another CARGO_ATTEST_GITHUB_API_URL, same cache, within the TTL): no tag names the
    // commit, which is a fork's. A's tags must not bind it.
    const b = await runCrate(
      args,
      [tinyAttestCrate()],
      [tinyAttestRepository({ tags: [], forkCommits: [COMMIT] })],
      env,
    );
    assert.notEqual(b.code, 0, b.out + b.err);
    assert.notEqual(JSON.parse(b.out).verdict, "TRUSTED");
    assert.equal(checksById(b.out)["crate-vcs"].code, "crate-vcs-commit-unbound");
    // B's tags were asked (through GraphQL, or REST's tag list).
    assert.ok(
      b.github.some((q) =>
        q.path.startsWith("/repos/attest-fixtures/tiny-attest/tags") || q.path === "/graphql"
      ),
    );
  });
});

Deno.test("cache: a tag list read with one token never answers a run with another token", async () => {
  await withTempDir(async (dir) => {
    const args = ["crate", "tiny-attest@0.1.0", "--json"];
    const env = { CARGO_ATTEST_CACHE_DIR: `${dir}/cache` };
    const first = await runCrate(args, [tinyAttestCrate()], [tinyAttestRepository()], {
      ...env,
      GH_TOKEN: "ghp_a",
    });
    assert.equal(first.code, 0, first.out + first.err);
    // The same host, with another token: the tags (and every GitHub answer) are asked again.
    const github = startFakeGithub([], { repositories: [tinyAttestRepository()] });
    const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
    try {
      for (const token of ["ghp_a", "ghp_b"]) {
        const io = createMemoryIo({
          ...cratesIo.env,
          CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
          CARGO_ATTEST_CACHE_DIR: `${dir}/cache2`,
          GH_TOKEN: token,
        });
        assert.equal(await main(args, io), 0, io.out + io.err);
      }
      // The tags, asked through GraphQL (or REST's tag list) once per token.
      const tagPages = github.requests.filter((q) =>
        q.path.includes("/tags") || q.path === "/graphql"
      );
      assert.deepEqual(tagPages.map((q) => q.authorization), [
        "Bearer ghp_a",
        "Bearer ghp_b",
      ]);
    } finally {
      await cratesIo.close();
      await github.close();
    }
  });
});

Deno.test("cache: a crate-source comparison made against one host's tree is not recalled for another", async () => {
  await withTempDir(async (dir) => {
    const args = ["crate", "tiny-attest@0.1.0", "--json"];
    const env = { CARGO_ATTEST_CACHE_DIR: `${dir}/cache` };
    const a = await runCrate(args, [tinyAttestCrate()], [tinyAttestRepository()], env);
    assert.equal(a.code, 0, a.out + a.err);
    assert.equal(checksById(a.out)["crate-source"].status, "pass");
    // Host B says the same tag names the same commit, but its tree holds another src/lib.rs.
    const other = { ...TINY_ATTEST_BLOBS, "src/lib.rs": "0".repeat(39) + "1" };
    const b = await runCrate(
      args,
      [tinyAttestCrate()],
      [tinyAttestRepository({ trees: { [COMMIT]: tinyAttestTree(other) } })],
      env,
    );
    assert.notEqual(JSON.parse(b.out).verdict, "TRUSTED", b.out);
    assert.notEqual(b.code, 0);
    assert.equal(checksById(b.out)["crate-source"].status, "fail", b.out);
  });
});

// ---- a complete answer that is not the artifact is a MISMATCH; a failed transfer an ERROR -----

const CASE = new URL("./fixtures/corpus/cases/gh-github-provenance-demo/", import.meta.url);
const WHEEL_NAME = "github_provenance_demo-0.0.12-py3-none-any.whl";
const WHEEL = await Deno.readFile(new URL(WHEEL_NAME, CASE));
const WHEEL_SHA256 = "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";
const SUMS = new TextEncoder().encode(`${WHEEL_SHA256}  ${WHEEL_NAME}\n`);

function release(assets: FakeRelease["assets"]): FakeRelease {
  return {
    owner: "actions",
    repo: "attest-demo",
    tag: "v0.0.12",
    commit: "a6c23b9806c593664f68637c8f9d45dfcf98b2db",
    body: "Release notes.\n",
    assets,
  };
}

async function runRelease(releases: FakeRelease[], args: string[]) {
  const github = startFakeGithub(releases);
  try {
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl });
    const code = await main(["release", "actions/attest-demo", "v0.0.12", ...args], io);
    return { code, out: io.out, err: io.err };
  } finally {
    await github.close();
  }
}

function checkByCode(out: string, code: string) {
  return JSON.parse(out).subjects[0].checks.find((c: { code: string }) => c.code === code);
}

Deno.test("edges: a release asset served whole but not of the declared size is a MISMATCH naming both sizes", async () => {
  const r = await runRelease(
    [release([{ name: WHEEL_NAME, bytes: WHEEL, size: WHEEL.length + 5 }, {
      name: "SHA256SUMS",
      bytes: SUMS,
    }])],
    ["--json"],
  );
  assert.equal(r.code, 2, r.out + r.err);
  const check = checkByCode(r.out, "asset-size-mismatch");
  assert.equal(check?.status, "fail", r.out);
  assert.equal(check.expected, `${WHEEL.length + 5} bytes`);
  assert.equal(check.actual, `${WHEEL.length} bytes (sha256 ${WHEEL_SHA256})`);
});

Deno.test("edges: a release asset whose bytes are not the declared digest is a MISMATCH naming both digests", async () => {
  const other = WHEEL.slice(0, WHEEL.length - 10);
  const r = await runRelease(
    [release([{
      name: WHEEL_NAME,
      bytes: other,
      size: WHEEL.length,
      digest: `sha256:${WHEEL_SHA256}`,
    }])],
    ["--json"],
  );
  assert.equal(r.code, 2, r.out + r.err);
  const size = checkByCode(r.out, "asset-size-mismatch");
  assert.equal(size?.expected, `${WHEEL.length} bytes (sha256 ${WHEEL_SHA256})`);
  assert.match(size.actual, new RegExp(`^${other.length} bytes \\(sha256 [0-9a-f]{64}\\)$`));
  assert.equal(checkByCode(r.out, "api-digest-mismatch")?.expected, WHEEL_SHA256);
});

Deno.test("edges: a checksum file served whole but not as the release declares it fails the checksum", async () => {
  const r = await runRelease(
    [release([{ name: WHEEL_NAME, bytes: WHEEL }, {
      name: "SHA256SUMS",
      bytes: SUMS,
      size: SUMS.length + 1,
    }])],
    ["--json"],
  );
  assert.equal(r.code, 2, r.out + r.err);
  const check = checkByCode(r.out, "checksum-file-mismatch");
  assert.equal(check?.status, "fail", r.out);
  assert.match(
    check.message,
    new RegExp(`is ${SUMS.length} bytes, but the release declares ${SUMS.length + 1}`),
  );
});

Deno.test("edges: a release asset cut short of its Content-Length stays an ERROR", async () => {
  const r = await runRelease(
    [release([{ name: WHEEL_NAME, bytes: WHEEL, truncateAt: 100 }])],
    ["--json"],
  );
  assert.equal(r.code, 3, r.out + r.err);
});

Deno.test("edges: a .crate served whole but not of the API's crate_size is a MISMATCH naming both sizes", async () => {
  await withTempDir(async (dir) => {
    const r = await runCrate(
      ["crate", "tiny-attest@0.1.0", "--json"],
      [tinyAttestCrate({ crateSizeOverride: CRATE.length + 7 })],
      [tinyAttestRepository()],
      { CARGO_ATTEST_CACHE_DIR: `${dir}/cache` },
    );
    assert.equal(r.code, 2, r.out + r.err);
    const check = checksById(r.out)["crate-checksum"] as unknown as Record<string, string>;
    assert.equal(check.code, "crate-size-mismatch");
    assert.equal(check.expected, `${CRATE.length + 7} bytes`);
    assert.match(check.actual, new RegExp(`^${CRATE.length} bytes \\(sha256 [0-9a-f]{64}\\)$`));
  });
});

Deno.test("edges: another .crate served whole is a MISMATCH naming both digests and sizes", async () => {
  const expectedSha = sha256Hex(CRATE);
  const other = new Uint8Array([...CRATE, 0, 0, 0]);
  const r = await runCrate(
    ["crate", "tiny-attest@0.1.0", "--json", "--no-cache"],
    [tinyAttestCrate({
      bytes: other,
      indexCksumOverride: expectedSha,
      apiChecksumOverride: expectedSha,
      crateSizeOverride: CRATE.length,
    })],
    [tinyAttestRepository()],
    {},
  );
  assert.equal(r.code, 2, r.out + r.err);
  const check = checksById(r.out)["crate-checksum"] as unknown as Record<string, string>;
  assert.equal(check.code, "crate-checksum-mismatch");
  assert.equal(check.expected, expectedSha);
  assert.equal(check.actual, sha256Hex(other));
  assert.match(
    check.message,
    new RegExp(`it is ${other.length} bytes, the crates.io API says ${CRATE.length}`),
  );
});

Deno.test("edges: a .crate cut short of its Content-Length stays an ERROR", async () => {
  const r = await runCrate(
    ["crate", "tiny-attest@0.1.0", "--json", "--no-cache"],
    [tinyAttestCrate({ truncateAt: 100 })],
    [tinyAttestRepository()],
    {},
  );
  assert.equal(r.code, 3, r.out + r.err);
});

// ---- every run that is not TRUSTED says why on stderr in one line -----------------------------

/** The lines of stderr that are the cause line (`cargo-attest: VERDICT: …`). */
function causeLines(err: string): string[] {
  return err.split("\n").filter((l) => /^cargo-attest: (UNVERIFIED|MISMATCH|ERROR): /.test(l));
}

Deno.test("stderr: a MISMATCH says why in one line under --json and --format sarif, the report stays on stdout", async () => {
  const expectedSha = sha256Hex(CRATE);
  const other = new Uint8Array([...CRATE, 0]);
  const evil = tinyAttestCrate({
    bytes: other,
    indexCksumOverride: expectedSha,
    apiChecksumOverride: expectedSha,
    crateSizeOverride: CRATE.length,
  });
  for (const format of [["--json"], ["--format", "sarif"], ["--quiet"]]) {
    const r = await runCrate(
      ["crate", "tiny-attest@0.1.0", "--no-cache", ...format],
      [evil],
      [tinyAttestRepository()],
      {},
    );
    assert.equal(r.code, 2, r.out + r.err);
    if (format[0] !== "--quiet") JSON.parse(r.out); // the report, whole, on stdout
    const lines = causeLines(r.err);
    assert.equal(lines.length, 1, r.err);
    assert.match(
      lines[0],
      new RegExp(
        `^cargo-attest: MISMATCH: tiny-attest@0\\.1\\.0: crate-checksum-mismatch: .*${expectedSha}`,
      ),
    );
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
  }
});

Deno.test("stderr: an ERROR says why in one line under --json; TRUSTED prints no such line", async () => {
  const r = await runCrate(
    ["crate", "tiny-attest@0.1.0", "--no-cache", "--json"],
    [tinyAttestCrate({ truncateAt: 100 })],
    [tinyAttestRepository()],
    {},
  );
  assert.equal(r.code, 3, r.out + r.err);
  const errorLines = r.err.split("\n").filter((l) => /^cargo-attest: (ERROR|error): /.test(l));
  assert.equal(errorLines.length, 1, r.err);
  assert.match(errorLines[0], /truncated body/);
  assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");

  const ok = await runCrate(
    ["crate", "tiny-attest@0.1.0", "--no-cache", "--json"],
    [tinyAttestCrate()],
    [tinyAttestRepository()],
    {},
  );
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.deepEqual(causeLines(ok.err), []);
});

Deno.test("stderr: untrusted text in the cause line reaches the terminal escaped", async () => {
  // crates.io's record names a repository URL with a terminal escape and a bidi override; under
  // --strict the skip it causes is the failure the line reports.
  const r = await runCrate(
    ["crate", "tiny-attest@0.1.0", "--no-cache", "--strict", "--format", "sarif"],
    [tinyAttestCrate({ repository: "https://example.com/o\x1b[2J\u202e/r" })],
    [tinyAttestRepository()],
    {},
  );
  assert.equal(r.code, 2, r.out + r.err);
  const lines = causeLines(r.err);
  assert.equal(lines.length, 1, r.err);
  assert.ok(lines[0].includes("o\\x1b[2J\\u{202e}/r"), lines[0]);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(r.err, /[\x00-\x09\x0b-\x1f\x7f\u202e]/);
});
