/**
 * `lock --base`: an updated crate's evidence against the version it replaces (#14 §2), through
 * `main()`. Each test changes one thing about the new version's `.crate` or its attestation and
 * expects a `downgrade` that keeps the crate from TRUSTED (UNVERIFIED; MISMATCH under
 * `no_downgrade = true`); the control, the same evidence for both versions, is TRUSTED.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { pkgNormalizedManifest, pkgRepositoryFiles } from "./support/pkg_versions.ts";
import {
  type FakeRepository,
  type FakeWorkflowRun,
  gitTreeEntries,
  startFakeGithub,
} from "./support/fake_github.ts";
import { publicGood } from "./support/binding_runs.ts";
import { workflowSan } from "./support/virtual_sigstore.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { runLockBase } from "./support/lock_packages.ts";

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";
const OWNER = "example";
const REPO = "pkg";
const COMMITS: Record<string, string> = {
  "1.0.0": "1111111111111111111111111111111111111111",
  "2.0.0": "2222222222222222222222222222222222222222",
};

/** How one version is published. */
interface Publication {
  /** `.cargo_vcs_info.json`: recorded (default), dirty, or left out. */
  readonly vcs?: "clean" | "dirty" | "none";
  /** A file of the `.crate` differs from the repository's at the commit. */
  readonly tampered?: boolean;
  /** The workflow that attests the `.crate` (a file under .github/workflows/); none: no attestation. */
  readonly attestedBy?: string;
  /** The workflow whose run published it by trusted publishing; none: a token. */
  readonly publishedBy?: string;
}

/** The repository's files of a version (`Cargo.toml` as written). */
function repositoryFiles(version: string): Record<string, string> {
  return pkgRepositoryFiles(version, `https://github.com/${OWNER}/${REPO}`);
}

/** The manifest cargo writes into the `.crate` for that `Cargo.toml`. */
function normalizedManifest(version: string): string {
  return pkgNormalizedManifest(version, `https://github.com/${OWNER}/${REPO}`);
}

/** A version's `.crate`, and the attestation its repository published for it. */
async function publish(
  version: string,
  how: Publication,
): Promise<
  { crate: FakeCrate; attestation?: { sha256: string; bundle: unknown }; run?: FakeWorkflowRun }
> {
  const { "Cargo.toml": orig, ...rest } = repositoryFiles(version);
  const vcs = how.vcs ?? "clean";
  const bytes = await buildCrate({
    name: "pkg",
    version,
    ...(vcs === "none"
      ? {}
      : { vcsInfo: { sha1: COMMITS[version], pathInVcs: "", dirty: vcs === "dirty" } }),
    files: {
      "Cargo.toml": normalizedManifest(version),
      "Cargo.toml.orig": orig,
      ...rest,
      ...(how.tampered ? { "src/lib.rs": 'pub fn version() -> &\'static str { "evil" }\n' } : {}),
    },
  });
  const runId = Number(version[0]) * 100;
  const published = how.publishedBy
    ? {
      crate: {
        trustedPublishing: {
          provider: "github",
          repository: `${OWNER}/${REPO}`,
          run_id: String(runId),
          sha: COMMITS[version],
        },
      },
      run: {
        id: runId,
        path: `.github/workflows/${how.publishedBy}`,
        headSha: COMMITS[version],
        event: "push",
        headBranch: `v${version}`,
      },
    }
    : undefined;
  const crate = {
    name: "pkg",
    version,
    bytes,
    repository: `https://github.com/${OWNER}/${REPO}`,
    ...published?.crate,
  };
  const run = published ? { run: published.run } : {};
  if (!how.attestedBy) return { crate, ...run };
  const workflow = {
    repository: `${OWNER}/${REPO}`,
    workflow: `.github/workflows/${how.attestedBy}`,
    ref: `refs/tags/v${version}`,
    sha: COMMITS[version],
  };
  const signed = await publicGood.sign({
    artifact: bytes,
    content: "dsse",
    leaf: { github: workflow, san: { uri: workflowSan(workflow) } },
  });
  return {
    crate,
    attestation: { sha256: sha256Hex(bytes), bundle: JSON.parse(signed.json) },
    ...run,
  };
}

/** How the run is made: `lock --base` (1.0.0 → 2.0.0), or `crate pkg@2.0.0` with arguments. */
type Mode = { readonly kind: "lock-base" } | {
  readonly kind: "crate";
  readonly args: readonly string[];
  readonly version?: string;
};

/** The report of `lock --base` updating pkg 1.0.0 → 2.0.0, each published as told. */
async function update(
  before: Publication,
  after: Publication,
  policy?: string,
  mode: Mode = { kind: "lock-base" },
): Promise<{ code: number; verdict: string; downgrade: Record<string, string>; out: string }> {
  const old = await publish("1.0.0", before);
  const fresh = await publish("2.0.0", after);
  const repository: FakeRepository = {
    owner: OWNER,
    repo: REPO,
    tags: [{ name: "v2.0.0", commit: COMMITS["2.0.0"] }, {
      name: "v1.0.0",
      commit: COMMITS["1.0.0"],
    }],
    trees: {
      [COMMITS["1.0.0"]]: gitTreeEntries(repositoryFiles("1.0.0")),
      [COMMITS["2.0.0"]]: gitTreeEntries(repositoryFiles("2.0.0")),
    },
    runs: [old.run, fresh.run].filter((r) => r !== undefined),
  };
  const attestations: Record<string, unknown[]> = {};
  for (const a of [old.attestation, fresh.attestation]) {
    if (a) attestations[a.sha256] = [a.bundle];
  }
  const cratesIo = startFakeCratesIo([old.crate, fresh.crate]);
  const github = startFakeGithub([], { repositories: [repository], attestations });
  try {
    return await withTempDir(async (dir) => {
      const lock = (c: FakeCrate) =>
        'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n\n[[package]]\n' +
        `name = "pkg"\nversion = "${c.version}"\nsource = "${CRATES_IO}"\n` +
        `checksum = "${sha256Hex(c.bytes)}"\n`;
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lock(old.crate));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, lock(fresh.crate));
      await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
      const args = mode.kind === "lock-base"
        ? ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`]
        : ["crate", `pkg@${mode.version ?? "2.0.0"}`, ...mode.args];
      args.push("--json", "--trusted-root", `${dir}/root.json`);
      if (policy) {
        await Deno.writeTextFile(`${dir}/attest.toml`, policy);
        args.push("--policy", `${dir}/attest.toml`);
      }
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        GH_TOKEN: "ghp_test",
      });
      const code = await main(args, io);
      const report = JSON.parse(io.out);
      const subject = report.subjects.find((s: { subject: { name: string } }) =>
        s.subject.name === "pkg"
      );
      const downgrade = subject.checks.find((c: { id: string }) => c.id === "downgrade");
      return { code, verdict: subject.verdict, downgrade, out: io.out + io.err };
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

/** Writes DIR/base.Cargo.lock pinning `old` and DIR/Cargo.lock pinning `fresh` (one package each). */
async function writeUpdateLocks(dir: string, old: FakeCrate, fresh: FakeCrate): Promise<void> {
  const lock = (c: FakeCrate) =>
    `version = 4\n\n[[package]]\nname = "${c.name}"\nversion = "${c.version}"\n` +
    `source = "${CRATES_IO}"\nchecksum = "${sha256Hex(c.bytes)}"\n`;
  await Deno.writeTextFile(`${dir}/base.Cargo.lock`, lock(old));
  await Deno.writeTextFile(`${dir}/Cargo.lock`, lock(fresh));
}

const FULL: Publication = { vcs: "clean", attestedBy: "release.yml", publishedBy: "publish.yml" };
const NO_DOWNGRADE = "version = 1\n[crate.pkg]\nno_downgrade = true\n";

Deno.test("lock --base: the same evidence for both versions is no downgrade (TRUSTED)", async () => {
  const r = await update(FULL, FULL);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.downgrade.status, "pass", r.out);
  assert.equal(r.downgrade.code, "downgrade-none");
  assert.match(r.downgrade.message, /attestation signer, \.cargo_vcs_info\.json, crate-source/);
});

for (
  const [name, after, code, words] of [
    [
      "an attestation before, none now",
      { vcs: "clean", publishedBy: "publish.yml" },
      "downgrade-attestation-dropped",
      /pkg@1\.0\.0 has an attestation signed by https:\/\/github\.com\/example\/pkg\/\.github\/workflows\/release\.yml, pkg@2\.0\.0 none/,
    ],
    [
      "an attestation by another workflow",
      { vcs: "clean", attestedBy: "other.yml", publishedBy: "publish.yml" },
      "downgrade-attestation-signer",
      /release\.yml, pkg@2\.0\.0 by https:\/\/github\.com\/example\/pkg\/\.github\/workflows\/other\.yml/,
    ],
    [
      "trusted publishing by another workflow's run",
      { vcs: "clean", attestedBy: "release.yml", publishedBy: "other.yml" },
      "downgrade-trusted-publishing-workflow",
      /published by the run of \.github\/workflows\/publish\.yml, pkg@2\.0\.0 by \.github\/workflows\/other\.yml/,
    ],
    [
      ".cargo_vcs_info.json before, none now",
      { vcs: "none", attestedBy: "release.yml", publishedBy: "publish.yml" },
      "downgrade-vcs-info-dropped",
      /pkg@2\.0\.0 records none/,
    ],
    [
      "a clean checkout before, a dirty one now",
      { vcs: "dirty", attestedBy: "release.yml", publishedBy: "publish.yml" },
      "downgrade-vcs-dirty",
      /pkg@2\.0\.0 from a DIRTY one/,
    ],
    [
      "a crate-source match before, a mismatch now",
      { vcs: "clean", attestedBy: "release.yml", publishedBy: "publish.yml", tampered: true },
      "downgrade-source-mismatch",
      /pkg@2\.0\.0's are not/,
    ],
  ] as const
) {
  Deno.test(`lock --base: ${name} is a downgrade (UNVERIFIED; MISMATCH under no_downgrade)`, async () => {
    const shown = await update(FULL, after);
    assert.notEqual(shown.code, 0, shown.out);
    assert.equal(shown.downgrade?.code, code, shown.out);
    assert.match(shown.downgrade.message, words);
    const strict = await update(FULL, after, NO_DOWNGRADE);
    assert.equal(strict.code, 2, strict.out);
    assert.equal(strict.verdict, "MISMATCH");
    assert.equal(strict.downgrade.status, "fail");
    assert.equal(strict.downgrade.code, code);
  });
}

Deno.test("lock --base: evidence the old version lacked is no downgrade when the new one lacks it too", async () => {
  const r = await update({ vcs: "clean" }, { vcs: "clean" });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.downgrade.code, "downgrade-none");
});

Deno.test("lock --base: a replaced version that cannot be read is compared with nothing; under no_downgrade that keeps the update from TRUSTED", async () => {
  // The old version is gone from crates.io (answers 404 everywhere).
  const old = await publish("1.0.0", FULL);
  const fresh = await publish("2.0.0", { vcs: "none" });
  const cratesIo = startFakeCratesIo([
    { ...old.crate, missingFrom: ["index", "api", "dl"] },
    fresh.crate,
  ]);
  try {
    await withTempDir(async (dir) => {
      await writeUpdateLocks(dir, old.crate, fresh.crate);
      const run = async (policy?: string) => {
        const r = await runLockBase(dir, cratesIo.env, { policy });
        return { code: r.code, check: r.downgrade!, out: r.out };
      };
      const lenient = await run();
      assert.equal(lenient.check.code, "downgrade-unknown", lenient.out);
      assert.equal(lenient.check.required, false);
      const strict = await run(NO_DOWNGRADE);
      assert.equal(strict.check.code, "downgrade-unknown", strict.out);
      assert.equal(strict.check.required, true);
      assert.equal(strict.code, 1, "an update that could not be compared is not TRUSTED");
    });
  } finally {
    await cratesIo.close();
  }
});

Deno.test("crate --history: a crate is compared with the version it published before", async () => {
  const history: Mode = { kind: "crate", args: ["--history"] };
  // Without --history, 2.0.0 stands on its own evidence (its files match the tagged commit).
  const alone = await update(FULL, { vcs: "clean", publishedBy: "publish.yml" }, undefined, {
    kind: "crate",
    args: [],
  });
  assert.equal(alone.code, 0, alone.out);
  assert.equal(alone.downgrade, undefined, "no downgrade check without --history");
  // With it, the attestation 1.0.0 had and 2.0.0 lacks is a downgrade.
  const dropped = await update(
    FULL,
    { vcs: "clean", publishedBy: "publish.yml" },
    undefined,
    history,
  );
  assert.equal(dropped.code, 1, dropped.out);
  assert.equal(dropped.downgrade.code, "downgrade-attestation-dropped");
  assert.match(dropped.downgrade.message, /^pkg@1\.0\.0 has an attestation/);
  const strict = await update(
    FULL,
    { vcs: "clean", publishedBy: "publish.yml" },
    NO_DOWNGRADE,
    history,
  );
  assert.equal(strict.code, 2, strict.out);
  // The same evidence: no downgrade.
  const kept = await update(FULL, FULL, undefined, history);
  assert.equal(kept.code, 0, kept.out);
  assert.equal(kept.downgrade.code, "downgrade-none");
  // The first version has nothing before it: said, not a failure.
  const first = await update(FULL, FULL, undefined, { ...history, version: "1.0.0" });
  assert.equal(first.code, 0, first.out);
  assert.equal(first.downgrade.code, "downgrade-first-version");
});

Deno.test("lock --base: a replaced version whose download fails is the update's ERROR, never a comparison quietly skipped", async () => {
  const old = await publish("1.0.0", FULL);
  const fresh = await publish("2.0.0", { vcs: "none" });
  const cratesIo = startFakeCratesIo([{ ...old.crate, truncateAt: 10 }, fresh.crate]);
  try {
    await withTempDir(async (dir) => {
      await writeUpdateLocks(dir, old.crate, fresh.crate);
      const r = await runLockBase(dir, cratesIo.env);
      assert.equal(r.code, 3, r.out);
      assert.equal(r.report.subjects[0].verdict, "ERROR");
      assert.equal(r.downgrade?.status, "error");
      assert.match(
        r.downgrade!.message,
        /pkg@1\.0\.0 \(the version compared with\) could not be read/,
      );
    });
  } finally {
    await cratesIo.close();
  }
});
