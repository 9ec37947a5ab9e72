/**
 * Assurance levels (#14 §3) as a user sees them: what a crate's TRUSTED rests on, in every
 * format, from the real tiny-attest crate against the loopback fakes.
 */
import assert from "node:assert/strict";
import { runCrate, show } from "./support/binding_runs.ts";
import { TINY_ATTEST_COMMIT } from "./support/tiny_attest.ts";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";

Deno.test("assurance: checksum + source at a tagged commit; trusted publishing and attestations add provenance", async () => {
  const plain = await runCrate(undefined);
  assert.equal(plain.code, 0, show(plain));
  const subject = (r: typeof plain) =>
    (r.report.subjects[0] as unknown as { assurance: string[] }).assurance;
  assert.deepEqual(subject(plain), ["integrity", "source"]);
  const published = await runCrate(undefined, {}, [], undefined, {
    crate: {
      trustedPublishing: {
        provider: "github",
        repository: "attest-fixtures/tiny-attest",
        run_id: "7",
        sha: TINY_ATTEST_COMMIT,
      },
    },
  });
  assert.deepEqual(subject(published), ["integrity", "provenance", "source"]);
  const attested = await runCrate({});
  assert.deepEqual(subject(attested), ["integrity", "provenance", "source"]);
  // A fork's commit: crate-source matches but binds nothing, so no `source`.
  const fork = await runCrate(undefined, {}, [], undefined, {
    repository: { tags: [], forkCommits: [TINY_ATTEST_COMMIT] },
  });
  assert.deepEqual(subject(fork), ["integrity"]);
});

Deno.test("assurance: shown in text, Markdown and SARIF too", async () => {
  const cratesIo = startFakeCratesIo([tinyAttestCrate()]);
  const github = startFakeGithub([], { repositories: [tinyAttestRepository()] });
  try {
    const env = { ...cratesIo.env, CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, GH_TOKEN: "t" };
    const out = async (args: string[]) => {
      const io = createMemoryIo(env);
      assert.equal(await main(["crate", "tiny-attest@0.1.0", ...args], io), 0, io.err);
      return io.out;
    };
    assert.match(await out([]), /→ TRUSTED \(integrity, source\)/);
    assert.match(await out(["--format", "markdown"]), /: TRUSTED \(integrity, source\)/);
    const sarif = JSON.parse(await out(["--format", "sarif"]));
    assert.deepEqual(sarif.runs[0].properties.assurance, {
      integrity: 1,
      provenance: 0,
      source: 1,
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
});

Deno.test("assurance: min_assurance below what a crate rests on is UNVERIFIED, and explain says where", async () => {
  const policy = (level: string) =>
    `version = 1\n[crate."tiny-attest"]\nmin_assurance = "${level}"\n`;
  // tiny-attest at its tag rests on integrity and source; levels are ordered (integrity <
  // provenance < source), so it meets every minimum.
  for (const level of ["integrity", "provenance", "source"]) {
    const r = await runCrate(undefined, {}, [], policy(level));
    assert.equal(r.code, 0, `${level}: ${show(r)}`);
  }
  // Packaged from a fork's commit: crate-source binds nothing, so it rests on integrity alone.
  const fork = { repository: { tags: [], forkCommits: [TINY_ATTEST_COMMIT] } };
  const atLeastIntegrity = await runCrate(undefined, {}, [], policy("integrity"), fork);
  assert.equal(atLeastIntegrity.code, 0, show(atLeastIntegrity));
  const below = await runCrate(undefined, {}, [], policy("provenance"), fork);
  assert.equal(below.code, 1, show(below));
  const check = below.report.subjects[0].checks.find((c) =>
    c.code === "policy-assurance-below-minimum"
  )!;
  assert.match(check.message, /rests on integrity, but .*attest\.toml:3 .* "provenance"/);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/attest.toml`, policy("provenance"));
    const io = createMemoryIo();
    assert.equal(
      await main(["policy", "explain", "tiny-attest@0.1.0", "--policy", `${dir}/attest.toml`], io),
      0,
    );
    assert.match(io.out, /assurance: {2}at least provenance {3}\(.*attest\.toml:3/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
