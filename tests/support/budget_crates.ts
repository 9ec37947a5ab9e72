/**
 * Small crates each published from a GitHub repository of its own (a tag at the commit the
 * crate records, the commit's tree holding the crate's files), and a Cargo.lock of them: the
 * data of the GitHub request-budget tests (`tests/github_budget_*_test.ts`).
 * @module
 */
import { buildCrate } from "./crate_builder.ts";
import { type FakeCrate, sha256Hex } from "./fake_crates_io.ts";
import { type FakeRepository, gitTreeEntries } from "./fake_github.ts";

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

/** The crates, their repositories, and a v4 Cargo.lock pinning them all. */
export interface BudgetCrates {
  readonly crates: FakeCrate[];
  readonly repositories: FakeRepository[];
  readonly lock: string;
}

/**
 * `count` crates `budget-0`…: crate `i` is in repository `owner{i % owners}/budget-{i}` (one
 * repository per crate), tagged `v1.0.{i}` at its commit.
 */
export async function budgetCrates(count: number, owners = count): Promise<BudgetCrates> {
  const crates: FakeCrate[] = [];
  const repositories: FakeRepository[] = [];
  for (let i = 0; i < count; i++) {
    const name = `budget-${i}`;
    const version = `1.0.${i}`;
    const owner = `owner${i % owners}`;
    // 40 hex digits for any i (a two-digit pattern repeated would be longer from i = 255 on).
    const commit = (i + 1).toString(16).padStart(8, "0").repeat(5);
    const files = {
      "Cargo.toml": `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`,
      "src/lib.rs": `pub fn n() -> u32 { ${i} }\n`,
    };
    const bytes = await buildCrate({ name, version, vcsInfo: { sha1: commit }, files });
    const repository = `https://github.com/${owner}/${name}`;
    crates.push({ name, version, bytes, repository });
    repositories.push({
      owner,
      repo: name,
      tags: [{ name: `v${version}`, commit }],
      trees: { [commit]: gitTreeEntries(files) },
    });
  }
  const lock = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n' +
    crates.map((c) =>
      `\n[[package]]\nname = "${c.name}"\nversion = "${c.version}"\nsource = "${CRATES_IO}"\n` +
      `checksum = "${sha256Hex(c.bytes)}"\n`
    ).join("");
  return { crates, repositories, lock };
}
