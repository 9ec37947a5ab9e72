/**
 * The data set of the `lock` benchmark (`bench/lock_bench.ts`): 300 distinct, well-formed crates
 * as `cargo package` writes them, their repositories, and a Cargo.lock v4 listing them.
 *
 * - **Crates** are built with `tests/support/crate_builder.ts` (`buildCrate`): a
 *   `.cargo_vcs_info.json` (`git.sha1` + `path_in_vcs`) first, then the normalized `Cargo.toml`,
 *   `Cargo.toml.orig`, `LICENSE-MIT`, `README.md` and `src/**.rs`. The sources are seeded
 *   pseudo-random Rust-like text (random identifiers, numbers, comments, repeated lines) that
 *   gzip shrinks 3.8×, roughly as it shrinks real source code, so decompression, blob hashing and
 *   downloads do real-sized work. Compressed sizes follow a log-normal distribution with a median
 *   of 60 KiB (σ = 1: 90th percentile ≈ 215 KiB; the largest drawn is 1.3 MiB), each crate
 *   regenerated until its `.crate` is within 2% of the size drawn for it.
 * - **Repositories**: about two thirds of the crates live alone at the root of their repository
 *   (`path_in_vcs = ""`, tag `vVERSION`), the others in workspaces of 2–5 crates under
 *   `crates/NAME` (tags `NAME-vVERSION`). Each repository's tree at the packaged commit holds the
 *   crate files with their real git blob ids (`gitTreeEntries`) plus files the crates leave out
 *   (CI workflows, tests, benches); `Cargo.toml.orig` is the repository's `Cargo.toml`. Every
 *   repository also has 5–150 older tags (so some tag lists take two pages); one crate in ten has
 *   no tag for its version, so `crate-vcs` asks for the commit instead. About a third of the
 *   crates carry a crates.io trusted-publishing record naming their repository and commit.
 * - **Cargo.lock** (v4): the workspace's own path package and the 300 crates.io packages with
 *   their real checksums, sorted by name as cargo writes them; `Cargo-30.lock` lists every tenth
 *   crate (same size distribution), `Cargo-empty.lock` only the path package.
 *
 * Everything is written under `bench/data/lock300/` once and reused; `manifest.json` is written
 * last and carries a format number, so an interrupted or outdated generation is redone.
 * @module
 */
import { buildCrate } from "../tests/support/crate_builder.ts";
import type { FakeCrate } from "../tests/support/fake_crates_io.ts";
import { sha256Hex } from "../tests/support/fake_crates_io.ts";
import { type FakeRepository, gitTreeEntries } from "../tests/support/fake_github.ts";

/** Bumped whenever the generated data changes shape; older data is regenerated. */
const FORMAT = 2;

/** How many crates, and the median `.crate` size aimed at. */
export const LOCK_CRATES = 300;
export const MEDIAN_CRATE_BYTES = 60 * 1024;
const SIGMA = 1.0;
const MIN_CRATE_BYTES = 4 * 1024;
const MAX_CRATE_BYTES = 3 * 1024 * 1024;

/** One crate of the data set, as stored in the manifest. */
export interface LockCrate {
  readonly name: string;
  readonly version: string;
  /** File name under `crates/`. */
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  /** Uncompressed size of the crate's files. */
  readonly unpackedBytes: number;
  readonly files: number;
  readonly repository: string;
  readonly trustedPublishing?: Readonly<Record<string, unknown>>;
}

interface Manifest {
  readonly format: number;
  readonly seed: number;
  readonly crates: readonly LockCrate[];
  readonly repositories: readonly FakeRepository[];
}

/** The loaded data set: what the fakes serve and the lock files to verify. */
export interface LockData {
  readonly dir: string;
  readonly crates: readonly LockCrate[];
  /** For `startFakeCratesIo`. */
  readonly fakeCrates: readonly FakeCrate[];
  /** For `startFakeGithub`'s `repositories`. */
  readonly repositories: readonly FakeRepository[];
  /** Cargo.lock with all crates, every tenth crate, and none (only the path package). */
  readonly lockFile: string;
  readonly lock30File: string;
  readonly emptyLockFile: string;
  /** Whether this call generated the data (else it was reused). */
  readonly generated: boolean;
  readonly generateSeconds?: number;
}

// ---------------------------------------------------------------------------------------------
// Seeded randomness

class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** mulberry32: uniform in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  hex(n: number): string {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(this.next() * 16)];
    return s;
  }
  word(lo: number, hi: number): string {
    const n = this.int(lo, hi);
    let s = "";
    for (let i = 0; i < n; i++) s += "abcdefghijklmnopqrstuvwxyz"[Math.floor(this.next() * 26)];
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Rust-like text

const KEYWORDS = [
  "fn",
  "let",
  "mut",
  "pub",
  "impl",
  "struct",
  "enum",
  "match",
  "if",
  "else",
  "return",
  "for",
  "in",
  "while",
  "use",
  "mod",
  "self",
  "Self",
  "where",
  "const",
  "static",
  "trait",
  "as",
  "ref",
  "Some",
  "None",
  "Ok",
  "Err",
  "Option",
  "Result",
  "Vec",
  "String",
  "u8",
  "u32",
  "u64",
  "usize",
  "i64",
  "bool",
  "&str",
  "Box",
];
const WORDS = [
  "the",
  "a",
  "of",
  "to",
  "is",
  "and",
  "returns",
  "value",
  "if",
  "this",
  "when",
  "with",
  "be",
  "an",
  "from",
  "for",
  "not",
  "by",
  "it",
  "error",
  "buffer",
  "length",
  "index",
  "state",
  "given",
  "must",
  "are",
  "on",
];
const PUNCTUATION = ["(", ")", "{", "}", "::", ".", ",", ";", "&", "->", "=>", "=", "<", ">", "?"];

/** Seeded Rust-like source of about `bytes` bytes (ASCII, so characters = bytes). */
function rustText(rng: Random, identifiers: readonly string[], bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  let depth = 0;
  while (size < bytes) {
    const r = rng.next();
    let line: string;
    if (r < 0.35 && lines.length > 20) {
      // real code repeats itself: a recent line again, one identifier changed
      const recent = lines[lines.length - 1 - rng.int(1, Math.min(lines.length - 1, 200))];
      line = recent.trimStart().replace(/[a-z]{3,12}/, rng.pick(identifiers));
    } else if (r < 0.43) {
      // a doc comment of random words
      const words: string[] = [];
      for (let i = rng.int(4, 12); i > 0; i--) {
        words.push(rng.next() < 0.7 ? rng.pick(WORDS) : rng.pick(identifiers));
      }
      line = `/// ${words.join(" ")}`;
    } else if (r < 0.5) {
      line = `${rng.pick(["pub fn", "fn", "pub(crate) fn"])} ${rng.pick(identifiers)}(${
        rng.pick(identifiers)
      }: ${rng.pick(KEYWORDS)}) -> ${rng.pick(KEYWORDS)} {`;
      depth = Math.min(depth + 1, 4);
    } else if (r < 0.56 && depth > 0) {
      line = "}";
      depth--;
    } else {
      const tokens: string[] = [];
      for (let i = rng.int(3, 11); i > 0; i--) {
        const t = rng.next();
        tokens.push(
          t < 0.45
            ? rng.pick(identifiers)
            : t < 0.65
            ? rng.pick(KEYWORDS)
            : t < 0.85
            ? rng.pick(PUNCTUATION)
            : t < 0.97
            ? String(rng.int(0, 999))
            : `0x${rng.hex(rng.int(2, 8))}`,
        );
      }
      line = tokens.join(" ") + ";";
    }
    line = "    ".repeat(depth) + line;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n") + "\n";
}

const MIT = `Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED.
`;

// ---------------------------------------------------------------------------------------------
// Generation

interface Planned {
  readonly name: string;
  readonly version: string;
  readonly targetBytes: number;
  readonly owner: string;
  readonly repo: string;
  /** `""` (repository root) or `crates/NAME`. */
  readonly pathInVcs: string;
  readonly commit: string;
  readonly tagged: boolean;
  readonly trustedPublishing: boolean;
  /** Older tags of the repository (read from its first crate; default 5–150). */
  readonly olderTags?: number;
  /** List the repository's tags sorted by name, descending, as GitHub roughly does. */
  readonly sortTags?: boolean;
}

function crateNames(rng: Random, n: number): string[] {
  const stems = [
    "serde",
    "tokio",
    "async",
    "http",
    "json",
    "proc",
    "macro",
    "derive",
    "sync",
    "core",
    "util",
    "fmt",
    "io",
    "net",
    "hash",
    "rand",
    "time",
    "log",
    "trace",
    "parse",
    "syntax",
    "alloc",
    "unicode",
    "regex",
    "crypto",
    "tls",
    "codec",
    "buf",
    "stream",
    "futures",
    "mio",
    "sys",
    "win",
    "libc",
    "path",
    "glob",
    "term",
    "color",
    "cli",
    "arg",
  ];
  const seen = new Set<string>();
  const names: string[] = [];
  while (names.length < n) {
    const parts = [rng.pick(stems)];
    for (let i = rng.int(0, 2); i > 0; i--) {
      parts.push(rng.next() < 0.5 ? rng.pick(stems) : rng.word(2, 6));
    }
    const name = parts.join(rng.next() < 0.7 ? "-" : "_");
    const canonical = name.replaceAll("-", "_");
    if (seen.has(canonical) || name.length > 40) continue;
    seen.add(canonical);
    names.push(name);
  }
  return names;
}

function plan(rng: Random): Planned[] {
  const names = crateNames(rng, LOCK_CRATES);
  // Log-normal sizes, centred so that the median is exactly MEDIAN_CRATE_BYTES.
  const z = names.map(() => rng.normal());
  const mid = [...z].sort((a, b) => a - b);
  const zMedian = (mid[LOCK_CRATES / 2 - 1] + mid[LOCK_CRATES / 2]) / 2;
  const owners = Array.from({ length: 90 }, () => rng.word(3, 10));
  const planned: Planned[] = [];
  const repoNames = new Set<string>();
  let i = 0;
  while (i < names.length) {
    const owner = rng.pick(owners);
    const workspace = rng.next() < 0.15 ? Math.min(rng.int(2, 5), names.length - i) : 1;
    const repo = workspace === 1 ? names[i] : `${names[i]}-workspace`;
    if (repoNames.has(`${owner}/${repo}`)) continue;
    repoNames.add(`${owner}/${repo}`);
    const commit = rng.hex(40);
    for (let k = 0; k < workspace; k++, i++) {
      const size = MEDIAN_CRATE_BYTES * Math.exp(SIGMA * (z[i] - zMedian));
      planned.push({
        name: names[i],
        version: `${rng.next() < 0.6 ? 0 : rng.int(1, 3)}.${rng.int(0, 30)}.${rng.int(0, 40)}`,
        targetBytes: Math.round(Math.min(MAX_CRATE_BYTES, Math.max(MIN_CRATE_BYTES, size))),
        owner,
        repo,
        pathInVcs: workspace === 1 ? "" : `crates/${names[i]}`,
        commit,
        tagged: rng.next() >= 0.1,
        trustedPublishing: rng.next() < 0.33,
      });
    }
  }
  return planned;
}

/** The crates of the deno-shaped data set (see {@link LockShape}). */
export const LOCK_CRATES_LARGE = 1000;
/** The very large crates of the deno-shaped set, compressed. */
const LARGE_CRATE_BYTES = [2 * 1024 * 1024, 3.5 * 1024 * 1024, 6 * 1024 * 1024];
/** Members of the deno-shaped set's one big repository. */
const MONOREPO_MEMBERS = 150;
/** Older tags of the big repository and of three single-crate repositories. */
const MONOREPO_OLDER_TAGS = 3000;
const MANY_TAGS = [1500, 2500, 4000];

/**
 * A deno-shaped lock of {@link LOCK_CRATES_LARGE} crates: one repository with
 * {@link MONOREPO_MEMBERS} workspace members (`ext/NAME`, `libs/NAME`) published from one commit
 * and tagged `NAME-vVERSION` among thousands of older tags, three single-crate repositories
 * with thousands of tags, workspaces of 2–12 crates, single-crate repositories for the rest, and
 * three very large crates ({@link LARGE_CRATE_BYTES}). Tags are listed sorted by name, descending,
 * so a crate's tag may be on any page of its repository's list (or past the pages read).
 */
function planLarge(rng: Random): Planned[] {
  const n = LOCK_CRATES_LARGE;
  const names = crateNames(rng, n);
  const z = names.map(() => rng.normal());
  const mid = [...z].sort((a, b) => a - b);
  const zMedian = (mid[n / 2 - 1] + mid[n / 2]) / 2;
  const size = (i: number) =>
    Math.round(
      Math.min(
        MAX_CRATE_BYTES,
        Math.max(MIN_CRATE_BYTES, MEDIAN_CRATE_BYTES * Math.exp(SIGMA * (z[i] - zMedian))),
      ),
    );
  const owners = Array.from({ length: 250 }, () => rng.word(3, 10));
  const version = () =>
    `${rng.next() < 0.6 ? 0 : rng.int(1, 3)}.${rng.int(0, 30)}.${rng.int(0, 40)}`;
  const planned: Planned[] = [];
  const repoNames = new Set<string>();
  // The big repository: one commit for all its members, every member tagged.
  const monoOwner = rng.pick(owners);
  const monoCommit = rng.hex(40);
  let i = 0;
  for (; i < MONOREPO_MEMBERS; i++) {
    planned.push({
      name: `mono_${names[i].replaceAll("-", "_")}`,
      version: version(),
      targetBytes: size(i),
      owner: monoOwner,
      repo: "mono",
      pathInVcs: `${i % 2 === 0 ? "ext" : "libs"}/mono_${names[i].replaceAll("-", "_")}`,
      commit: monoCommit,
      tagged: true,
      trustedPublishing: rng.next() < 0.5,
      olderTags: MONOREPO_OLDER_TAGS,
      sortTags: true,
    });
  }
  repoNames.add(`${monoOwner}/mono`);
  let manyTags = 0;
  let large = 0;
  while (i < n) {
    const owner = rng.pick(owners);
    const many = manyTags < MANY_TAGS.length && rng.next() < 0.05;
    const workspace = !many && rng.next() < 0.12 ? Math.min(rng.int(2, 12), n - i) : 1;
    const repo = workspace === 1 ? names[i] : `${names[i]}-workspace`;
    if (repoNames.has(`${owner}/${repo}`)) continue;
    repoNames.add(`${owner}/${repo}`);
    const commit = rng.hex(40);
    const olderTags = many ? MANY_TAGS[manyTags++] : undefined;
    for (let k = 0; k < workspace; k++, i++) {
      // The very large crates: spread over the lock, alone in their repositories.
      const big = workspace === 1 && large < LARGE_CRATE_BYTES.length && i >= (large + 1) * 250;
      planned.push({
        name: names[i],
        version: version(),
        targetBytes: big ? LARGE_CRATE_BYTES[large++] : size(i),
        owner,
        repo,
        pathInVcs: workspace === 1 ? "" : `crates/${names[i]}`,
        commit,
        tagged: many || rng.next() >= 0.1,
        trustedPublishing: rng.next() < 0.33,
        ...(olderTags ? { olderTags, sortTags: true } : {}),
      });
    }
  }
  return planned;
}

/** The files of one crate as in its repository (`Cargo.toml` is the manifest as written). */
function sourceFiles(rng: Random, p: Planned, unpackedBytes: number): Record<string, string> {
  const identifiers = Array.from({ length: 200 }, () => rng.word(3, 12));
  const manifest = `[package]
name = "${p.name}"
version = "${p.version}"
edition = "2021"
rust-version = "1.70"
description = "${rng.word(4, 10)} ${rng.word(2, 8)} ${rng.word(3, 12)}"
license = "MIT OR Apache-2.0"
repository = "https://github.com/${p.owner}/${p.repo}"
readme = "README.md"

[dependencies]
${rng.pick(identifiers)} = "${rng.int(0, 2)}.${rng.int(0, 20)}"
`;
  const files: Record<string, string> = {
    "Cargo.toml": manifest,
    "LICENSE-MIT": MIT,
    "README.md": `# ${p.name}\n\n${rustText(rng, identifiers, 600)}`,
  };
  let left = Math.max(512, unpackedBytes - 2048);
  const modules: string[] = [];
  while (left > 0) {
    // Files of 1–32 KiB (log-uniform), the last one taking what is left.
    const size = Math.min(left, Math.round(1024 * Math.pow(32, rng.next())));
    const name = rng.pick(identifiers);
    const path = rng.next() < 0.3 && modules.length > 0
      ? `src/${rng.pick(modules)}/${name}.rs`
      : `src/${name}.rs`;
    if (path in files) continue;
    if (path.split("/").length === 2) modules.push(name);
    files[path] = rustText(rng, identifiers, size);
    left -= size;
  }
  files["src/lib.rs"] = modules.map((m) => `pub mod ${m};\n`).join("");
  return files;
}

/**
 * The normalized manifest cargo writes into the `.crate` from the repository's `orig` (as cargo
 * 1.95 writes it: every package field and dependency of the original, targets made explicit).
 */
function normalizedManifest(p: Planned, orig: string): string {
  const description = /^description = (".*")$/m.exec(orig)?.[1] ?? '""';
  const dependency = /\[dependencies\]\n(\S+) = (".*")/.exec(orig);
  return `# THIS FILE IS AUTOMATICALLY GENERATED BY CARGO
#
# When uploading crates to the registry Cargo will automatically
# "normalize" Cargo.toml files for maximal compatibility
# with all versions of Cargo and also rewrite \`path\` dependencies
# to registry (e.g., crates.io) dependencies.

[package]
edition = "2021"
rust-version = "1.70"
name = "${p.name}"
version = "${p.version}"
build = false
autolib = false
readme = "README.md"
license = "MIT OR Apache-2.0"
description = ${description}
repository = "https://github.com/${p.owner}/${p.repo}"

[lib]
name = "${p.name.replaceAll("-", "_")}"
path = "src/lib.rs"
${dependency ? `\n[dependencies.${dependency[1]}]\nversion = ${dependency[2]}\n` : ""}`;
}

const encoder = new TextEncoder();

async function generate(dir: string, seed: number, shape: LockShape): Promise<void> {
  const rng = new Random(seed);
  const planned = shape === "large" ? planLarge(rng) : plan(rng);
  await Deno.mkdir(`${dir}/crates`, { recursive: true });
  // Compression ratio of rustText, refined as crates are built (first guess: 4×).
  let ratio = 4;
  const crates: LockCrate[] = [];
  const repoFiles = new Map<string, Record<string, string | Uint8Array>>();
  for (const [n, p] of planned.entries()) {
    let unpacked = p.targetBytes * ratio;
    let bytes: Uint8Array | undefined;
    let files: Record<string, string> = {};
    for (let attempt = 0; attempt < 8; attempt++) {
      files = sourceFiles(new Random(seed ^ (n * 7919 + attempt)), p, unpacked);
      const { "Cargo.toml": orig, ...rest } = files;
      bytes = await buildCrate({
        name: p.name,
        version: p.version,
        vcsInfo: { sha1: p.commit, pathInVcs: p.pathInVcs },
        files: { "Cargo.toml": normalizedManifest(p, orig), "Cargo.toml.orig": orig, ...rest },
      });
      const got = bytes.length / p.targetBytes;
      ratio = unpacked / bytes.length;
      if (Math.abs(got - 1) <= 0.02) break;
      unpacked = p.targetBytes * ratio;
    }
    const sha256 = sha256Hex(bytes!);
    const file = `${p.name}-${p.version}.crate`;
    await Deno.writeFile(`${dir}/crates/${file}`, bytes!);
    const key = `${p.owner}/${p.repo}`;
    const tree = repoFiles.get(key) ?? {};
    const prefix = p.pathInVcs === "" ? "" : `${p.pathInVcs}/`;
    for (const [path, text] of Object.entries(files)) tree[prefix + path] = text;
    // Files the crate leaves out.
    tree[`${prefix}tests/integration.rs`] = rustText(rng, ["it", "works", p.name], 3000);
    tree[`${prefix}benches/bench.rs`] = rustText(rng, ["bench", p.name], 1500);
    repoFiles.set(key, tree);
    crates.push({
      name: p.name,
      version: p.version,
      file,
      sha256,
      bytes: bytes!.length,
      unpackedBytes: Object.values(files).reduce((s, t) => s + encoder.encode(t).length, 0),
      files: Object.keys(files).length + 2,
      repository: `https://github.com/${key}`,
      trustedPublishing: p.trustedPublishing
        ? {
          provider: "github",
          repository: key,
          run_id: String(rng.int(1e9, 2e10)),
          sha: p.commit,
        }
        : undefined,
    });
    if ((n + 1) % 50 === 0) console.error(`bench: generated ${n + 1}/${planned.length} crates`);
  }
  const repositories: FakeRepository[] = [];
  for (const [key, tree] of repoFiles) {
    const members = planned.filter((p) => `${p.owner}/${p.repo}` === key);
    const [owner, repo] = key.split("/");
    const workspace = members[0].pathInVcs !== "";
    tree[".github/workflows/ci.yml"] = `on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n` +
      `    steps:\n      - uses: actions/checkout@v4\n      - run: cargo test\n`;
    tree[".gitignore"] = "/target\n";
    if (workspace) {
      tree["Cargo.toml"] = `[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n`;
      tree["README.md"] = `# ${repo}\n`;
    }
    const tags: { name: string; commit: string }[] = [];
    for (const p of members) {
      if (p.tagged) {
        tags.push({
          name: workspace ? `${p.name}-v${p.version}` : `v${p.version}`,
          commit: p.commit,
        });
      }
    }
    // Older releases (commits without a tree), newest first as GitHub lists them.
    const names = new Set(tags.map((t) => t.name));
    for (let k = members[0].olderTags ?? rng.int(5, 150); k > 0; k--) {
      const m = rng.pick(members);
      const version = `${m.olderTags ? rng.int(0, 9) : 0}.${rng.int(0, 9)}.${rng.int(0, 99)}`;
      const name = workspace ? `${m.name}-v${version}` : `v${version}`;
      if (!names.has(name) && version !== m.version) {
        names.add(name);
        tags.push({ name, commit: rng.hex(40) });
      }
    }
    if (members[0].sortTags) tags.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    repositories.push({
      owner,
      repo,
      tags,
      trees: { [members[0].commit]: gitTreeEntries(tree) },
    });
  }
  const sorted = [...crates].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  await Deno.writeTextFile(`${dir}/Cargo.lock`, cargoLock(sorted));
  await Deno.writeTextFile(
    `${dir}/Cargo-30.lock`,
    cargoLock(sorted.filter((_, i) => i % 10 === 0)),
  );
  await Deno.writeTextFile(`${dir}/Cargo-empty.lock`, cargoLock([]));
  const manifest: Manifest = { format: FORMAT, seed, crates, repositories };
  await Deno.writeTextFile(`${dir}/manifest.json.tmp`, JSON.stringify(manifest));
  await Deno.rename(`${dir}/manifest.json.tmp`, `${dir}/manifest.json`);
}

/** A Cargo.lock v4 as cargo writes it: the workspace's package, then the registry packages. */
function cargoLock(crates: readonly LockCrate[]): string {
  const out = [
    "# This file is automatically @generated by Cargo.",
    "# It is not intended for manual editing.",
    "version = 4",
    "",
  ];
  const app = {
    name: "bench-app",
    text: [
      "[[package]]",
      'name = "bench-app"',
      'version = "0.1.0"',
      ...(crates.length ? ["dependencies = [", ...crates.map((c) => ` "${c.name}",`), "]"] : []),
    ],
  };
  const packages = [
    app,
    ...crates.map((c) => ({
      name: c.name,
      text: [
        "[[package]]",
        `name = "${c.name}"`,
        `version = "${c.version}"`,
        'source = "registry+https://github.com/rust-lang/crates.io-index"',
        `checksum = "${c.sha256}"`,
      ],
    })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of packages) out.push(...p.text, "");
  return out.join("\n");
}

/**
 * Which data set: `"300"`, the {@link LOCK_CRATES} crates of the original benchmark, or
 * `"large"`, the deno-shaped {@link LOCK_CRATES_LARGE} (see `planLarge`).
 */
export type LockShape = "300" | "large";

/** Loads the data set from `dir`, generating it first when it is missing or outdated. */
export async function ensureLockData(
  dir: string,
  shape: LockShape = "300",
): Promise<LockData> {
  const seed = shape === "large" ? 20261207 : 20261125;
  let manifest: Manifest | undefined;
  const read = async () => {
    try {
      const m = JSON.parse(await Deno.readTextFile(`${dir}/manifest.json`)) as Manifest;
      return m.format === FORMAT && m.seed === seed ? m : undefined;
    } catch {
      return undefined;
    }
  };
  manifest = await read();
  let generated = false;
  let generateSeconds: number | undefined;
  if (!manifest) {
    console.error(
      `bench: generating ${
        shape === "large" ? LOCK_CRATES_LARGE : LOCK_CRATES
      } crates and their repositories in ${dir} (once)…`,
    );
    const t0 = performance.now();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await generate(dir, seed, shape);
    generateSeconds = (performance.now() - t0) / 1000;
    generated = true;
    manifest = await read();
    if (!manifest) throw new Error(`${dir}/manifest.json was not written`);
  }
  const fakeCrates: FakeCrate[] = [];
  for (const c of manifest.crates) {
    fakeCrates.push({
      name: c.name,
      version: c.version,
      bytes: await Deno.readFile(`${dir}/crates/${c.file}`),
      repository: c.repository,
      trustedPublishing: c.trustedPublishing,
    });
  }
  for (const [i, c] of fakeCrates.entries()) {
    if (sha256Hex(c.bytes) !== manifest.crates[i].sha256) {
      throw new Error(
        `${dir}/crates/${manifest.crates[i].file} changed; delete ${dir} to regenerate`,
      );
    }
  }
  return {
    dir,
    crates: manifest.crates,
    fakeCrates,
    repositories: manifest.repositories,
    lockFile: `${dir}/Cargo.lock`,
    lock30File: `${dir}/Cargo-30.lock`,
    emptyLockFile: `${dir}/Cargo-empty.lock`,
    generated,
    generateSeconds,
  };
}
