/**
 * Red team 8b: `lock --base` (and `no_downgrade`) compares "a crate-source match before, none
 * now", but counted any `crate-source` pass as a match, also one that bears no weight. pkg 1.0.0
 * is packaged from the commit of its tag; 2.0.0 from a commit GitHub serves under the repository
 * that no tag names and the default branch does not lead to (a fork's "impostor" commit), whose
 * files it matches. That is published less trustworthily than before (its source is no longer
 * shown to be the repository's), and must not pass as no downgrade.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { buildCrate } from "./support/crate_builder.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { gitTreeEntries, startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";
const COMMITS: Record<string, string> = {
  "1.0.0": "1111111111111111111111111111111111111111",
  "2.0.0": "2222222222222222222222222222222222222222",
};

function repositoryFiles(version: string): Record<string, string> {
  return {
    "Cargo.toml": `[package]\nname = "pkg"\nversion = "${version}"\nedition = "2021"\n` +
      `license = "MIT"\nrepository = "https://github.com/example/pkg"\nreadme = "README.md"\n`,
    "README.md": "# pkg\n",
    "src/lib.rs": `pub fn version() -> &'static str { "${version}" }\n`,
  };
}

function normalizedManifest(version: string): string {
  return `[package]
edition = "2021"
name = "pkg"
version = "${version}"
build = false
autolib = false
readme = "README.md"
license = "MIT"
repository = "https://github.com/example/pkg"

[lib]
name = "pkg"
path = "src/lib.rs"
`;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function publish(version: string): Promise<FakeCrate> {
  const { "Cargo.toml": orig, ...rest } = repositoryFiles(version);
  const bytes = await buildCrate({
    name: "pkg",
    version,
    vcsInfo: { sha1: COMMITS[version], pathInVcs: "" },
    files: { "Cargo.toml": normalizedManifest(version), "Cargo.toml.orig": orig, ...rest },
  });
  return { name: "pkg", version, bytes, repository: "https://github.com/example/pkg" };
}

/** `lock --base` updating pkg 1.0.0 → 2.0.0; 2.0.0's commit a fork's when `impostor`. */
async function update(impostor: boolean, policy?: string) {
  const old = await publish("1.0.0");
  const fresh = await publish("2.0.0");
  const github = startFakeGithub([], {
    repositories: [{
      owner: "example",
      repo: "pkg",
      tags: [
        ...(impostor ? [] : [{ name: "v2.0.0", commit: COMMITS["2.0.0"] }]),
        { name: "v1.0.0", commit: COMMITS["1.0.0"] },
      ],
      trees: {
        [COMMITS["1.0.0"]]: gitTreeEntries(repositoryFiles("1.0.0")),
        [COMMITS["2.0.0"]]: gitTreeEntries(repositoryFiles("2.0.0")),
      },
      ...(impostor ? { forkCommits: [COMMITS["2.0.0"]] } : {}),
    }],
  });
  const cratesIo = startFakeCratesIo([old, fresh]);
  try {
    return await withTempDir(async (dir) => {
      const lock = async (c: FakeCrate) =>
        `version = 4\n\n[[package]]\nname = "pkg"\nversion = "${c.version}"\n` +
        `source = "${CRATES_IO}"\nchecksum = "${await sha256(c.bytes)}"\n`;
      await Deno.writeTextFile(`${dir}/base.Cargo.lock`, await lock(old));
      await Deno.writeTextFile(`${dir}/Cargo.lock`, await lock(fresh));
      const args = ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"];
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
      const check = (id: string) => subject.checks.find((c: { id: string }) => c.id === id);
      return {
        code,
        verdict: subject.verdict as string,
        downgrade: check("downgrade"),
        source: check("crate-source"),
        out: io.out + io.err,
      };
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

const NO_DOWNGRADE = "version = 1\n[crate.pkg]\nno_downgrade = true\n";

Deno.test("redteam8b downgrade source: the control (both versions from their tags' commits) is no downgrade", async () => {
  const r = await update(false, NO_DOWNGRADE);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.downgrade?.code, "downgrade-none", r.out);
});

Deno.test("redteam8b downgrade source: a tagged source before, a fork's commit now, is a downgrade", async () => {
  const r = await update(true, NO_DOWNGRADE);
  // The comparison passes, but bears no weight.
  assert.equal(r.source?.status, "pass", r.out);
  assert.notEqual(r.code, 0, r.out);
  assert.equal(r.verdict, "MISMATCH", r.out);
  assert.equal(r.downgrade?.status, "fail", r.out);
});
