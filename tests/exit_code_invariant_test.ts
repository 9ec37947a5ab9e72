/**
 * The exit-code invariant: every command, driven through its error paths, exits 0, 1, 2 or 3,
 * and only TRUSTED exits 0. A verifying command's exit code is its report's verdict (checked in
 * the text report and in the JSON one), a non-verifying command exits 0 only when it did its job,
 * every run that cannot complete exits 3 with a one-line message and no stack trace.
 *
 * The cases are one table: a case is one line ({@link CASES}). Each runs in-process through
 * `main(args, io)` against loopback fakes (GitHub, crates.io, Rekor, a server answering junk and a
 * closed port), the verifying commands twice (text, then `--json`); the rows marked `process` also
 * run as a real `deno run cli.ts` subprocess, whose exit code must agree. A last test derives the
 * command list from `lib/cli/main.ts` (and the option tables of `lib/cli/completions_command.ts`)
 * so that a new command without error-path cases fails here.
 */
import assert from "node:assert/strict";
import { COMMAND_NAMES, main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { COMMAND_OPTION_TABLES } from "../lib/cli/option_tables.ts";
import { COMMAND_HELP } from "../lib/cli/help.ts";
import { encodeBase64 } from "../lib/crypto/bytes.ts";
import { type FakeRelease, startFakeGithub } from "./support/fake_github.ts";
import { type FakeCrate, sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeRekor, toRekorApiEntry } from "./support/fake_rekor.ts";
import { tinyAttestTree } from "./support/tiny_attest.ts";
import { serveTuf, setEmbeddedTufRoot, TufTestRepo } from "./support/tuf_repo.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

// ---------------------------------------------------------------------------------------------
// Fixtures (read-only ones from tests/fixtures; the mutated ones are written under T at run time)

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const DEMO = new URL("./fixtures/demo/", import.meta.url).pathname;
const ART = `${DEMO}sigstore-2.1.0.tgz`;
const BUNDLE = `${DEMO}sigstore-2.1.0.tgz.sigstore.json`;
const SHA = "f0c641fce0310cb43208f4272dc1423153630e44ba8cdc0b5ce8466f724e0eed";
const SAN = "https://github.com/sigstore/sigstore-js/.github/workflows/release.yml@refs/heads/main";
const ISSUER = "https://token.actions.githubusercontent.com";

const GH_CASE = new URL("./fixtures/corpus/cases/gh-github-provenance-demo/", import.meta.url);
const WHEEL_NAME = "github_provenance_demo-0.0.12-py3-none-any.whl";
const WHEEL_SHA = "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";
const WHEEL_COMMIT = "a6c23b9806c593664f68637c8f9d45dfcf98b2db";

const SPY_CASE = new URL("./fixtures/corpus/cases/spy-bundle_v3_github.whl/", import.meta.url);
const SPY_NAME = "rfc8785-0.1.2-py3-none-any.whl";
const SPY_COMMIT = "d8b4a6445f38c48b9137a8099706d9b8073146e4";

const CRATE_SHA = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";
const CRATE_COMMIT = "754e0df4b4eceacc2c2f6761236e446455110845";

/** Where the mutated fixtures, saved reports, policies and caches of one run live. */
const T = Deno.makeTempDirSync({ prefix: "exit-invariant-" });

// ---------------------------------------------------------------------------------------------
// The table

type Verdict = "TRUSTED" | "UNVERIFIED" | "MISMATCH" | "ERROR";

interface Expect {
  readonly exit: 0 | 1 | 2 | 3;
  /** The report's verdict (verifying commands), when the run gets as far as a report. */
  readonly verdict?: Verdict;
}

/**
 * The loopback world a case runs in (the environment points the endpoints at it). Without one,
 * every endpoint is a closed port: nothing can reach the internet, and a stray request fails.
 */
type Setup =
  | "github" // releases of actions/attest-demo and trailofbits/rfc8785.py, a good Rekor
  | "github-500" // every API request answers 500 (retried, then given up)
  | "github-rate-limited" // 403 + x-ratelimit-remaining: 0
  | "github-junk" // every request answers 200 with an HTML page
  | "rekor-junk" // GitHub as "github", Rekor answers 200 with an HTML page
  | "rekor-empty" // GitHub as "github", Rekor knows no entry
  | "crates" // crates.io with tiny-attest 0.1.0 and GitHub with its repository, GH_TOKEN set
  | "crates-tampered" // the index checksum differs from the download
  | "crates-truncated" // the .crate download stops after 100 bytes
  | "crates-500" // every crates.io request answers 500
  | "crates-junk" // every crates.io request answers 200 with an HTML page
  | "tuf"; // a TUF repository standing in for public-good (its root seeded in ${T}/tuf-cache)

interface Case {
  /** The command as the dispatcher (and the completion tables) name it; "" for no command. */
  readonly command: string;
  readonly args: readonly string[];
  readonly expect: Expect;
  readonly setup?: Setup;
  /**
   * Give `release`, `crate` and `lock` a cache directory of their own (a fresh one under T). They
   * run without one otherwise: a cache writes a pack and its index, too slow for every row. The other
   * commands (and every subprocess, which must never touch the user's cache) always get one.
   */
  readonly cache?: true;
  /** Extra environment (null: unset a default, e.g. the cache directory). */
  readonly env?: Readonly<Record<string, string | null>>;
  /** Also run as a real subprocess (`deno run cli.ts`). */
  readonly process?: true;
  /** Run only as a subprocess, in an empty working directory (for the `./…` defaults). */
  readonly emptyCwd?: true;
}

const TRUSTED: Expect = { exit: 0, verdict: "TRUSTED" };
const UNVERIFIED: Expect = { exit: 1, verdict: "UNVERIFIED" };
const MISMATCH: Expect = { exit: 2, verdict: "MISMATCH" };
/** A run that could not complete, stopped before any report. */
const ERROR: Expect = { exit: 3 };
/** A run that completed with a report whose verdict is ERROR (a subject could not be checked). */
const ERROR_REPORT: Expect = { exit: 3, verdict: "ERROR" };
/** A non-verifying command that did its job. */
const OK: Expect = { exit: 0 };
/** `verify-bundle`: the bundle did not verify (the conformance protocol's failure). */
const REJECTED: Expect = { exit: 1 };

/** The verifying commands: their exit code is their report's verdict. */
const REPORT_COMMANDS = new Set(["file", "release", "crate", "lock"]);
/** The commands that use the network (and the cache). */
const NETWORK_COMMANDS = new Set(["release", "crate", "lock"]);

const ID = ["--certificate-identity", SAN, "--certificate-oidc-issuer", ISSUER];
const GOOD = [ART, "--bundle", BUNDLE, "--repo", "sigstore/sigstore-js"];
const DEMO_REL = ["actions/attest-demo", "v0.0.12"];
const SPY_REL = ["trailofbits/rfc8785.py", "v0.1.2"];
const TINY = "tiny-attest@0.1.0";
/** A prefix of the signing workflow's path (it must not match). */
const WORKFLOW_PREFIX = "sigstore/sigstore-js/.github/workflows/release.yaml";

/** Every case, one a line. Add a line to add a case. */
// deno-fmt-ignore
const CASES: readonly Case[] = [
  // --- no command: help, version, unknown commands ----------------------------------------------
  { command: "", args: [], expect: OK },
  { command: "", args: ["--version"], expect: OK },
  { command: "", args: ["help", "file"], expect: OK },
  { command: "", args: ["file", "--help"], expect: OK },
  { command: "", args: ["attest", "--version"], expect: OK },
  { command: "", args: ["hahs", ART], expect: ERROR },
  { command: "", args: ["--repo", "a/b", "file"], expect: ERROR },
  { command: "", args: ["attest", "verify"], expect: ERROR },

  // --- hash -------------------------------------------------------------------------------------
  { command: "hash", args: [ART], expect: OK },
  { command: "hash", args: [ART, BUNDLE], expect: OK },
  { command: "hash", args: [], expect: ERROR },
  { command: "hash", args: [`${T}/missing`], expect: ERROR },
  { command: "hash", args: [`${T}/dir`], expect: ERROR },
  { command: "hash", args: [ART, `${T}/missing`], expect: ERROR },
  { command: "hash", args: ["--bogus", ART], expect: ERROR },
  { command: "hash", args: ["--json", ART], expect: ERROR },

  // --- file: TRUSTED ----------------------------------------------------------------------------
  { command: "file", args: GOOD, expect: TRUSTED, process: true },
  { command: "file", args: [ART, "--sha256", SHA], expect: TRUSTED },
  { command: "file", args: [ART, "--sha256", `sha256:${SHA.toUpperCase()}`], expect: TRUSTED },
  { command: "file", args: [...GOOD, "--sha256", SHA, "--require-rekor"], expect: TRUSTED },
  { command: "file", args: [ART, "--bundle", BUNDLE, ...ID], expect: TRUSTED },
  { command: "file", args: [...GOOD, "--policy", `${T}/policy-ok.toml`], expect: TRUSTED },
  { command: "file", args: [...GOOD, "--format", "markdown"], expect: TRUSTED },
  { command: "file", args: [...GOOD, "--format", "sarif"], expect: TRUSTED },
  { command: "file", args: [...GOOD, "--quiet"], expect: TRUSTED },
  { command: "file", args: GOOD, env: { CARGO_ATTEST_JSON: "1" }, expect: TRUSTED },
  // --- file: UNVERIFIED (a proof missing, or a signature from a signer nobody named)
  { command: "file", args: [ART, "--bundle", BUNDLE], expect: UNVERIFIED, process: true },
  { command: "file", args: [ART, "--sha256", SHA, "--policy", `${T}/policy-attest.toml`], expect: UNVERIFIED },
  // --- file: MISMATCH (a proof present that does not verify or match, malformed evidence)
  { command: "file", args: [ART, "--bundle", BUNDLE, "--strict"], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--repo", "evil/x"], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--signer-workflow", WORKFLOW_PREFIX], expect: MISMATCH },
  { command: "file", args: [`${T}/tampered.tgz`, ...GOOD.slice(1)], expect: MISMATCH, process: true },
  { command: "file", args: [ART, "--sha256", "0".repeat(64)], expect: MISMATCH },
  { command: "file", args: [...GOOD, "--sha256", "0".repeat(64)], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", `${T}/garbage.json`, "--repo", "a/b"], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", `${T}/truncated.json`], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", `${T}/empty.json`], expect: MISMATCH },
  { command: "file", args: [ART, "--bundle", `${T}/shape.json`], expect: MISMATCH },
  { command: "file", args: [...GOOD, "--bundle", `${T}/garbage.json`], expect: MISMATCH },
  // --- file: ERROR (usage, unreadable input, unusable trust material or policy)
  { command: "file", args: [...GOOD, "--bundel", BUNDLE], expect: ERROR },
  { command: "file", args: [...GOOD, "--bundel", BUNDLE, "--verbose"], expect: ERROR },
  { command: "file", args: ["--bundle", BUNDLE], expect: ERROR },
  { command: "file", args: [ART, ART, "--bundle", BUNDLE], expect: ERROR },
  { command: "file", args: [ART], expect: ERROR },
  { command: "file", args: [ART, "--bundle"], expect: ERROR },
  { command: "file", args: [ART, "--sha256", "xyz"], expect: ERROR },
  { command: "file", args: [ART, "--sha256", SHA.slice(0, 63)], expect: ERROR },
  { command: "file", args: [`${T}/missing`, "--sha256", SHA], expect: ERROR },
  { command: "file", args: [`${T}/dir`, "--sha256", SHA], expect: ERROR },
  { command: "file", args: [ART, "--bundle", `${T}/missing.json`], expect: ERROR },
  { command: "file", args: [ART, "--bundle", `${T}/dir`], expect: ERROR },
  { command: "file", args: [...GOOD, "--policy", `${T}/missing.toml`], expect: ERROR },
  { command: "file", args: [...GOOD, "--policy", `${T}/policy-bad.toml`], expect: ERROR },
  { command: "file", args: [...GOOD, "--policy", `${T}/policy-typo.toml`], expect: ERROR },
  { command: "file", args: [...GOOD, "--policy", `${T}/dir`], expect: ERROR },
  { command: "file", args: [...GOOD, "--trusted-root", `${T}/missing.json`], expect: ERROR },
  { command: "file", args: [...GOOD, "--trusted-root", `${T}/garbage.json`], expect: ERROR },
  { command: "file", args: [...GOOD, "--key", `${T}/missing.pem`], expect: ERROR },
  { command: "file", args: [...GOOD, "--key", `${T}/garbage.json`], expect: ERROR },
  { command: "file", args: [...GOOD, "--format", "yaml"], expect: ERROR },
  { command: "file", args: [...GOOD, "--json", "--format", "sarif"], expect: ERROR },
  { command: "file", args: [...GOOD, "--color", "sometimes"], expect: ERROR },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--repo", "not-a-slug"], expect: ERROR },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--signer-workflow", "a/b"], expect: ERROR },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--certificate-identity", SAN], expect: ERROR },
  { command: "file", args: [ART, "--bundle", BUNDLE, "--source-ref", "refs/heads/main"], expect: ERROR },
  { command: "file", args: [...GOOD, "--jobs", "0"], expect: ERROR },
  { command: "file", args: [...GOOD, "--timeout", "-1"], expect: ERROR },

  // --- verify-bundle (the conformance protocol: 0 verified, 1 did not verify, 3 error) ---------
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, ART], expect: OK },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, "--certificate-identity", `${SAN}x`, "--certificate-oidc-issuer", ISSUER, ART], expect: REJECTED, process: true },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, "--certificate-identity", SAN, "--certificate-oidc-issuer", "https://example.com", ART], expect: REJECTED },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, `${T}/tampered.tgz`], expect: REJECTED },
  // The statement names the artifact by sha512 only: a bare sha256 cannot match it (fail closed).
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, `sha256:${SHA}`], expect: REJECTED },
  { command: "verify-bundle", args: ["--bundle", `${T}/garbage.json`, ...ID, ART], expect: REJECTED },
  { command: "verify-bundle", args: ["--bundle", `${T}/truncated.json`, ...ID, ART], expect: REJECTED },
  { command: "verify-bundle", args: ["--bundle", `${T}/empty.json`, ...ID, ART], expect: REJECTED },
  { command: "verify-bundle", args: [...ID, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, ART, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, "--key", BUNDLE, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, `${T}/missing`], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, `${T}/dir`], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, "sha256:xyz"], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", `${T}/missing.json`, ...ID, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", `${T}/dir`, ...ID, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, "--trusted-root", `${T}/garbage.json`, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, "--key", `${T}/garbage.json`, ART], expect: ERROR },
  { command: "verify-bundle", args: ["--bundle", BUNDLE, ...ID, "--json", ART], expect: ERROR },

  // --- release ----------------------------------------------------------------------------------
  { command: "release", args: DEMO_REL, setup: "github", expect: TRUSTED },
  { command: "release", args: DEMO_REL, setup: "github", cache: true, expect: TRUSTED },
  { command: "release", args: [...DEMO_REL, "--asset", WHEEL_NAME], setup: "github", expect: TRUSTED },
  { command: "release", args: SPY_REL, setup: "github", expect: TRUSTED },
  { command: "release", args: ["actions/bare", "v1"], setup: "github", expect: UNVERIFIED },
  { command: "release", args: [...DEMO_REL, "--offline"], setup: "github", cache: true, expect: UNVERIFIED },
  { command: "release", args: [...DEMO_REL, "--offline"], setup: "github", expect: UNVERIFIED },
  { command: "release", args: ["actions/bare", "v1", "--strict"], setup: "github", expect: MISMATCH },
  { command: "release", args: ["actions/tampered", "v1"], setup: "github", expect: MISMATCH },
  { command: "release", args: [...DEMO_REL, "--repo", "evil/x"], setup: "github", expect: MISMATCH },
  { command: "release", args: SPY_REL, setup: "rekor-empty", expect: MISMATCH },
  { command: "release", args: SPY_REL, setup: "rekor-junk", expect: ERROR },
  { command: "release", args: ["actions/attest-demo", "v9.9.9"], setup: "github", expect: ERROR },
  { command: "release", args: ["nobody/nothing", "v1"], setup: "github", expect: ERROR },
  { command: "release", args: ["actions/truncated", "v1"], setup: "github", expect: ERROR },
  { command: "release", args: ["actions/evidence-only", "v1"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--asset", "nope.zip"], setup: "github", expect: ERROR },
  { command: "release", args: DEMO_REL, setup: "github-500", expect: ERROR },
  { command: "release", args: DEMO_REL, setup: "github-rate-limited", expect: ERROR },
  { command: "release", args: DEMO_REL, setup: "github-junk", expect: ERROR },
  { command: "release", args: DEMO_REL, expect: ERROR, process: true }, // connection refused
  { command: "release", args: DEMO_REL, env: { CARGO_ATTEST_GITHUB_API_URL: "http://example.com/api" }, expect: ERROR },
  { command: "release", args: DEMO_REL, env: { CARGO_ATTEST_GITHUB_API_URL: "not a url" }, expect: ERROR },
  { command: "release", args: DEMO_REL, env: { CARGO_ATTEST_GITHUB_API_URL: "https://api.example.invalid" }, expect: ERROR },
  { command: "release", args: ["actions/attest-demo"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "extra"], setup: "github", expect: ERROR },
  { command: "release", args: ["not-a-slug", "v1"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--bogus"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--timeout", "0"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--timeout", "-1"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--timeout=-1"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--timeout", "soon"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--jobs", "0"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--format", "html"], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--policy", `${T}/policy-bad.toml`], setup: "github", expect: ERROR },
  { command: "release", args: [...DEMO_REL, "--trusted-root", `${T}/garbage.json`], setup: "github", expect: ERROR },

  // --- crate ------------------------------------------------------------------------------------
  { command: "crate", args: [TINY], setup: "crates", expect: TRUSTED },
  { command: "crate", args: [TINY], setup: "crates", cache: true, expect: TRUSTED },
  { command: "crate", args: [TINY, TINY, "--jobs", "2"], setup: "crates", expect: TRUSTED },
  { command: "crate", args: [TINY], setup: "crates", env: { GH_TOKEN: null }, expect: TRUSTED },
  { command: "crate", args: [TINY], setup: "crates", env: { CARGO_ATTEST_CACHE_DIR: `${T}/not-a-dir` }, expect: TRUSTED },
  { command: "crate", args: [TINY, "--offline"], setup: "crates", cache: true, expect: UNVERIFIED },
  { command: "crate", args: [TINY, "--offline"], setup: "crates", expect: UNVERIFIED },
  { command: "crate", args: [TINY, "--strict"], setup: "crates", env: { GH_TOKEN: null }, expect: MISMATCH },
  { command: "crate", args: [TINY], setup: "crates-tampered", expect: MISMATCH },
  { command: "crate", args: ["nope@1.0.0"], setup: "crates", expect: ERROR_REPORT },
  { command: "crate", args: [TINY, "nope@1.0.0"], setup: "crates", expect: ERROR_REPORT },
  { command: "crate", args: [TINY], setup: "crates-truncated", expect: ERROR_REPORT },
  { command: "crate", args: [TINY], setup: "crates-500", expect: ERROR_REPORT },
  { command: "crate", args: [TINY], setup: "crates-junk", expect: ERROR_REPORT },
  { command: "crate", args: [TINY], expect: ERROR_REPORT }, // connection refused
  { command: "crate", args: [], setup: "crates", expect: ERROR },
  { command: "crate", args: ["serde"], setup: "crates", expect: ERROR },
  { command: "crate", args: ["../x@1.0.0"], setup: "crates", expect: ERROR },
  { command: "crate", args: ["serde@latest"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--bogus"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--jobs", "0"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--jobs", "65"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--jobs", "1.5"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--timeout", "-1"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--timeout=-1"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--format", "xml"], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY, "--policy", `${T}/policy-typo.toml`], setup: "crates", expect: ERROR },
  { command: "crate", args: [TINY], setup: "crates", env: { CARGO_ATTEST_CACHE_TTL: "forever" }, expect: ERROR },
  { command: "crate", args: [TINY], setup: "crates", env: { CARGO_ATTEST_CRATES_INDEX_URL: "ftp://127.0.0.1/index" }, expect: ERROR },

  // --- lock -------------------------------------------------------------------------------------
  { command: "lock", args: [`${T}/Cargo.lock`], setup: "crates", expect: TRUSTED },
  { command: "lock", args: [`${T}/Cargo.lock`], setup: "crates", cache: true, expect: TRUSTED },
  { command: "lock", args: [`${T}/Cargo.lock`, "--format", "sarif"], setup: "crates", expect: TRUSTED },
  { command: "lock", args: [`${T}/git.Cargo.lock`], setup: "crates", expect: UNVERIFIED },
  // Only the workspace's path packages: nothing was downloaded, nothing to verify (#13).
  { command: "lock", args: [`${T}/paths.Cargo.lock`], setup: "crates", expect: TRUSTED },
  { command: "lock", args: [`${T}/Cargo.lock`, "--offline"], setup: "crates", cache: true, expect: UNVERIFIED },
  { command: "lock", args: [`${T}/tampered.Cargo.lock`], setup: "crates", expect: MISMATCH },
  { command: "lock", args: [`${T}/Cargo.lock`], setup: "crates-500", expect: ERROR_REPORT },
  { command: "lock", args: [`${T}/Cargo.lock`], expect: ERROR_REPORT }, // connection refused
  { command: "lock", args: [`${T}/missing.lock`], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/dir`], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/garbage.Cargo.lock`], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/shape.Cargo.lock`], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/Cargo.lock`, `${T}/Cargo.lock`], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/Cargo.lock`, "--jobs", "0"], setup: "crates", expect: ERROR },
  { command: "lock", args: [`${T}/Cargo.lock`, "--bogus"], setup: "crates", expect: ERROR },
  { command: "lock", args: [], setup: "crates", expect: ERROR, emptyCwd: true }, // no ./Cargo.lock

  // --- policy check | explain | schema ----------------------------------------------------------
  { command: "policy", args: [], expect: ERROR },
  { command: "policy", args: ["chek"], expect: ERROR },
  { command: "policy check", args: [`${T}/policy-ok.toml`], expect: OK },
  { command: "policy check", args: [`${T}/policy-ok.toml`, "--json"], expect: OK },
  { command: "policy check", args: ["--policy", `${T}/policy-attest.toml`], expect: OK },
  { command: "policy check", args: [`${T}/policy-bad.toml`], expect: ERROR, process: true },
  { command: "policy check", args: [`${T}/policy-bad.toml`, "--json"], expect: ERROR },
  { command: "policy check", args: [`${T}/policy-typo.toml`], expect: ERROR },
  { command: "policy check", args: [`${T}/missing.toml`], expect: ERROR },
  { command: "policy check", args: [`${T}/dir`], expect: ERROR },
  { command: "policy check", args: [`${T}/garbage.json`], expect: ERROR },
  { command: "policy check", args: [`${T}/policy-ok.toml`, `${T}/policy-ok.toml`], expect: ERROR },
  { command: "policy check", args: [`${T}/policy-ok.toml`, "--format", "sarif"], expect: ERROR },
  { command: "policy check", args: [`${T}/policy-ok.toml`, "--bogus"], expect: ERROR },
  { command: "policy check", args: [], expect: ERROR, emptyCwd: true }, // no ./attest.toml
  { command: "policy explain", args: ["serde@1.0.200", "BurntSushi/ripgrep"], expect: OK },
  { command: "policy explain", args: ["serde", "--json"], expect: OK },
  { command: "policy explain", args: ["serde", "--policy", `${T}/policy-attest.toml`], expect: OK },
  { command: "policy explain", args: [], expect: ERROR },
  { command: "policy explain", args: ["a/b/c"], expect: ERROR },
  { command: "policy explain", args: ["serde@latest"], expect: ERROR },
  { command: "policy explain", args: ["serde", "--policy", `${T}/policy-bad.toml`], expect: ERROR },
  { command: "policy explain", args: ["serde", "--policy", `${T}/missing.toml`], expect: ERROR },
  { command: "policy explain", args: ["serde", "--bogus"], expect: ERROR },
  { command: "policy schema", args: [], expect: OK },
  { command: "policy schema", args: ["extra"], expect: ERROR },
  { command: "policy schema", args: ["--json"], expect: ERROR },

  // --- init -------------------------------------------------------------------------------------
  { command: "init", args: ["--path", `${T}/init/new.toml`], expect: OK },
  { command: "init", args: ["--path", `${T}/init/existing-force.toml`, "--force"], expect: OK },
  { command: "init", args: ["--path", `${T}/init/existing.toml`], expect: ERROR },
  { command: "init", args: ["--path", `${T}/dir`], expect: ERROR },
  { command: "init", args: ["--path", `${T}/missing/dir/attest.toml`], expect: ERROR },
  { command: "init", args: ["attest.toml"], expect: ERROR },
  { command: "init", args: ["--bogus"], expect: ERROR },
  { command: "init", args: ["--path"], expect: ERROR },

  // --- cache info | clear | prune ---------------------------------------------------------------
  { command: "cache info", args: [], expect: OK },
  { command: "cache info", args: ["--json"], expect: OK },
  { command: "cache clear", args: [], expect: OK },
  { command: "cache prune", args: [], expect: OK },
  { command: "cache prune", args: ["--max-age", "1h"], expect: OK },
  { command: "cache", args: [], expect: ERROR },
  { command: "cache", args: ["frob"], expect: ERROR },
  { command: "cache info", args: ["extra"], expect: ERROR },
  { command: "cache info", args: ["--bogus"], expect: ERROR },
  { command: "cache prune", args: ["--max-age", "soon"], expect: ERROR },
  { command: "cache prune", args: ["--max-age", "-1d"], expect: ERROR },
  { command: "cache info", args: [], env: { CARGO_ATTEST_CACHE_DIR: null, CARGO_HOME: null, HOME: null }, expect: ERROR },
  { command: "cache info", args: [], env: { CARGO_ATTEST_CACHE_DIR: `${T}/not-a-dir` }, expect: ERROR },
  { command: "cache clear", args: [], env: { CARGO_ATTEST_CACHE_DIR: `${T}/not-a-dir` }, expect: ERROR },
  { command: "cache prune", args: [], env: { CARGO_ATTEST_CACHE_DIR: `${T}/not-a-dir` }, expect: ERROR },
  { command: "cache info", args: [], env: { CARGO_ATTEST_CACHE_TTL: "forever" }, expect: ERROR },

  // --- report --from (re-renders a saved report: 0 when rendered, whatever its verdict) ---------
  { command: "report", args: ["--from", `${T}/report-trusted.json`], expect: OK },
  { command: "report", args: ["--from", `${T}/report-mismatch.json`, "--format", "json"], expect: OK },
  { command: "report", args: ["--from", `${T}/report-mismatch.json`, "--format", "sarif"], expect: OK },
  { command: "report", args: [], expect: ERROR },
  { command: "report", args: ["--from", `${T}/missing.json`], expect: ERROR },
  { command: "report", args: ["--from", `${T}/dir`], expect: ERROR },
  { command: "report", args: ["--from", `${T}/garbage.json`], expect: ERROR },
  { command: "report", args: ["--from", `${T}/truncated-report.json`], expect: ERROR },
  { command: "report", args: ["--from", `${T}/shape.json`], expect: ERROR },
  { command: "report", args: ["--from", `${T}/report-trusted.json`, "extra"], expect: ERROR },
  { command: "report", args: ["--from", `${T}/report-trusted.json`, "--format", "pdf"], expect: ERROR },
  { command: "report", args: ["--from", `${T}/report-trusted.json`, "--bogus"], expect: ERROR },
  { command: "report", args: ["--from", `${T}/report-trusted.json`, "--format", "sarif", "--lock-file", `${T}/x`], expect: ERROR },

  // --- completions ------------------------------------------------------------------------------
  { command: "completions", args: ["bash"], expect: OK },
  { command: "completions", args: ["zsh"], expect: OK },
  { command: "completions", args: ["fish"], expect: OK },
  { command: "completions", args: [], expect: ERROR },
  { command: "completions", args: ["bash", "zsh"], expect: ERROR },
  { command: "completions", args: ["powershell"], expect: ERROR },
  { command: "completions", args: ["bash", "--bogus"], expect: ERROR },

  // --- trust update | show ----------------------------------------------------------------------
  { command: "trust update", args: [], setup: "tuf", env: { CARGO_ATTEST_CACHE_DIR: `${T}/tuf-cache` }, expect: OK },
  { command: "trust show", args: ["--offline"], expect: OK },
  { command: "trust show", args: ["--offline", "--json"], expect: OK },
  { command: "trust show", args: ["--offline"], setup: "tuf", env: { CARGO_ATTEST_CACHE_DIR: `${T}/tuf-cache` }, expect: OK },
  { command: "trust update", args: [], expect: ERROR },
  { command: "trust show", args: [], expect: ERROR },
  { command: "trust update", args: ["--tuf-url", "ftp://example.com"], expect: ERROR },
  { command: "trust update", args: ["--tuf-url", "nosuch=https://example.com"], expect: ERROR },
  { command: "trust update", args: ["--bogus"], expect: ERROR },
  { command: "trust show", args: ["extra"], expect: ERROR },
  { command: "trust", args: [], expect: ERROR },
  { command: "trust", args: ["frob"], expect: ERROR },
  { command: "trust show", args: ["--offline"], env: { CARGO_ATTEST_CACHE_DIR: null, CARGO_HOME: null, HOME: null }, expect: ERROR },
];

// ---------------------------------------------------------------------------------------------
// The world: fixtures on disk and loopback servers

const encoder = new TextEncoder();

async function writeFixtures(): Promise<void> {
  const bundleText = await Deno.readTextFile(BUNDLE);
  const artifact = await Deno.readFile(ART);
  const tampered = artifact.slice();
  tampered[tampered.length - 1] ^= 0x01;
  await Deno.mkdir(`${T}/dir`);
  await Deno.mkdir(`${T}/init`);
  await Deno.mkdir(`${T}/empty-cwd`);
  const files: Record<string, string | Uint8Array> = {
    "tampered.tgz": tampered,
    "garbage.json": "this is not JSON {",
    "not-a-dir": "a file where a cache directory is expected\n",
    "truncated.json": bundleText.slice(0, Math.floor(bundleText.length / 2)),
    "empty.json": "",
    "shape.json": `{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}`,
    "policy-ok.toml": "version = 1\n",
    "policy-bad.toml": "version = [1\n",
    "policy-typo.toml": `version = 1\n\n[defaults]\nrequre = ["checksum"]\n`,
    "policy-attest.toml": `version = 1\n\n[defaults]\nrequire = ["attestation"]\n`,
    "Cargo.lock": lockFile(`
[[package]]
name = "tiny-attest"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "${CRATE_SHA}"
`),
    "tampered.Cargo.lock": lockFile(`
[[package]]
name = "tiny-attest"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "${"e".repeat(64)}"
`),
    "git.Cargo.lock": lockFile(`
[[package]]
name = "gitdep"
version = "0.2.0"
source = "git+https://github.com/someone/gitdep?branch=main#${"a".repeat(40)}"
`),
    "paths.Cargo.lock": lockFile(""),
    "garbage.Cargo.lock": "this is [not toml",
    "shape.Cargo.lock": `version = 4\npackage = "tiny-attest"\n`,
    "init/existing.toml": "# mine\n",
    "init/existing-force.toml": "# mine\n",
  };
  for (const [name, content] of Object.entries(files)) {
    if (typeof content === "string") await Deno.writeTextFile(`${T}/${name}`, content);
    else await Deno.writeFile(`${T}/${name}`, content);
  }
  // Saved reports for `report --from`, made by the command itself.
  for (const [name, args] of [["trusted", GOOD], ["mismatch", [ART, "--sha256", "0".repeat(64)]]]) {
    const io = createMemoryIo({});
    await main(["file", ...args, "--json"], io);
    await Deno.writeTextFile(`${T}/report-${name}.json`, io.out);
    if (name === "trusted") {
      await Deno.writeTextFile(`${T}/truncated-report.json`, io.out.slice(0, io.out.length / 2));
    }
  }
}

function lockFile(packages: string): string {
  return `# This file is automatically @generated by Cargo.\nversion = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n${packages}`;
}

function pem(der: string): string {
  const lines = der.match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
}

interface World {
  /** The environment overlay of each setup. */
  readonly setups: Readonly<Record<Setup, Record<string, string>>>;
  /** Every endpoint at a closed port. */
  readonly base: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

async function startWorld(): Promise<World> {
  const closers: (() => Promise<void>)[] = [];
  // A closed port: connection refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `http://127.0.0.1:${listener.addr.port}`;
  listener.close();

  const wheel = await Deno.readFile(new URL(WHEEL_NAME, GH_CASE));
  const wheelBundle = JSON.parse(await Deno.readTextFile(new URL("bundle.sigstore.json", GH_CASE)));
  const spy = await Deno.readFile(new URL("bundle_v3_github.whl", SPY_CASE));
  const spySha = sha256Hex(spy);
  const spyBundle = JSON.parse(await Deno.readTextFile(new URL("bundle.sigstore.json", SPY_CASE)));
  const sums = (hex: string) => encoder.encode(`${hex}  ${WHEEL_NAME}\n`);
  // One release per repository: the fake numbers assets per release, so releases of one
  // repository would share their asset ids.
  const release = (repo: string, tag: string, assets: FakeRelease["assets"]): FakeRelease => ({
    owner: "actions",
    repo,
    tag,
    commit: WHEEL_COMMIT,
    body: "Release notes.\n",
    assets,
  });
  const releases: FakeRelease[] = [
    release("attest-demo", "v0.0.12", [
      { name: WHEEL_NAME, bytes: wheel, digest: `sha256:${WHEEL_SHA}` },
      { name: "SHA256SUMS", bytes: sums(WHEEL_SHA) },
    ]),
    release("tampered", "v1", [
      { name: WHEEL_NAME, bytes: wheel },
      { name: "SHA256SUMS", bytes: sums("1".repeat(64)) },
    ]),
    release("bare", "v1", [{ name: "plain.bin", bytes: encoder.encode("no evidence\n") }]),
    release("truncated", "v1", [{ name: WHEEL_NAME, bytes: wheel, truncateAt: 100 }]),
    release("evidence-only", "v1", [{ name: "SHA256SUMS", bytes: sums(WHEEL_SHA) }]),
    {
      owner: "trailofbits",
      repo: "rfc8785.py",
      tag: "v0.1.2",
      commit: SPY_COMMIT,
      assets: [
        { name: SPY_NAME, bytes: spy },
        { name: `${SPY_NAME}.sig`, bytes: encoder.encode(spyBundle.messageSignature.signature) },
        {
          name: `${SPY_NAME}.crt`,
          bytes: encoder.encode(encodeBase64(encoder.encode(pem(
            spyBundle.verificationMaterial.x509CertificateChain.certificates[0].rawBytes,
          )))),
        },
      ],
    },
  ];
  const crateBytes = await Deno.readFile(
    new URL("./fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
  );
  const tiny = (overrides: Partial<FakeCrate> = {}): FakeCrate => ({
    name: "tiny-attest",
    version: "0.1.0",
    bytes: crateBytes,
    repository: "https://github.com/attest-fixtures/tiny-attest",
    ...overrides,
  });
  const repository = {
    owner: "attest-fixtures",
    repo: "tiny-attest",
    tags: [{ name: "v0.1.0", commit: CRATE_COMMIT }],
    trees: { [CRATE_COMMIT]: crateTree() },
  };

  const github = startFakeGithub(releases, {
    attestations: { [WHEEL_SHA]: [wheelBundle] },
    repositories: [repository],
  });
  closers.push(() => github.close());
  const github500 = startFakeGithub(releases, { alwaysFail: true });
  closers.push(() => github500.close());
  const githubLimited = startFakeGithub(releases, {
    rateLimited: { resetEpochSeconds: 1893456000 },
  });
  closers.push(() => githubLimited.close());
  const rekor = startFakeRekor({
    [spySha]: [toRekorApiEntry(spyBundle.verificationMaterial.tlogEntries[0])],
  });
  closers.push(() => rekor.close());
  const rekorEmpty = startFakeRekor({});
  closers.push(() => rekorEmpty.close());
  const junkServer = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("<html><body>Welcome to the captive portal</body></html>", { status: 200 }),
  );
  const junk = `http://127.0.0.1:${junkServer.addr.port}`;
  closers.push(() => junkServer.shutdown());

  const crates = (c: FakeCrate, options = {}) => {
    const fake = startFakeCratesIo([c], options);
    closers.push(() => fake.close());
    return fake.env;
  };
  // A TUF repository for public-good whose first root an earlier `trust update` left in
  // ${T}/tuf-cache; it serves the embedded trusted root, so verifying runs are unchanged.
  const tufRepo = await TufTestRepo.create({ version: 20, now: new Date() });
  await tufRepo.publish(embeddedRootText("public-good"));
  const tufServer = serveTuf(tufRepo.files);
  closers.push(() => tufServer.close());
  await Deno.mkdir(`${T}/tuf-cache/tuf/public-good`, { recursive: true });
  await Deno.writeFile(`${T}/tuf-cache/tuf/public-good/root.json`, tufRepo.root(20));
  // Its root 20 stands for the embedded one (a stored root must descend from it); only the TUF
  // cases read it (the subprocess cases do not touch the TUF cache).
  const restoreEmbedded = setEmbeddedTufRoot("public-good", tufRepo.root(20));
  closers.push(() => Promise.resolve(restoreEmbedded()));
  const gh = { CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, CARGO_ATTEST_REKOR_URL: rekor.url };
  const withRepo = { CARGO_ATTEST_GITHUB_API_URL: github.apiUrl, GH_TOKEN: "ghp_test" };
  const setups: Record<Setup, Record<string, string>> = {
    "github": gh,
    "github-500": { CARGO_ATTEST_GITHUB_API_URL: github500.apiUrl },
    "github-rate-limited": { CARGO_ATTEST_GITHUB_API_URL: githubLimited.apiUrl },
    "github-junk": { CARGO_ATTEST_GITHUB_API_URL: junk },
    "rekor-junk": { ...gh, CARGO_ATTEST_REKOR_URL: junk },
    "rekor-empty": { ...gh, CARGO_ATTEST_REKOR_URL: rekorEmpty.url },
    "crates": { ...crates(tiny()), ...withRepo },
    "crates-tampered": { ...crates(tiny({ indexCksumOverride: "0".repeat(64) })), ...withRepo },
    "crates-truncated": { ...crates(tiny({ truncateAt: 100 })), ...withRepo },
    "crates-500": { ...crates(tiny(), { alwaysFail: true }), ...withRepo },
    "tuf": { CARGO_ATTEST_TUF_URL: tufServer.url },
    "crates-junk": {
      CARGO_ATTEST_CRATES_API_URL: `${junk}/api/v1`,
      CARGO_ATTEST_CRATES_DL_URL: `${junk}/dl`,
      CARGO_ATTEST_CRATES_INDEX_URL: `${junk}/index`,
      ...withRepo,
    },
  };
  const base = {
    CARGO_ATTEST_GITHUB_API_URL: closed,
    CARGO_ATTEST_CRATES_API_URL: `${closed}/api/v1`,
    CARGO_ATTEST_CRATES_DL_URL: `${closed}/dl`,
    CARGO_ATTEST_CRATES_INDEX_URL: `${closed}/index`,
    CARGO_ATTEST_REKOR_URL: closed,
    CARGO_ATTEST_TUF_URL: closed,
    NO_COLOR: "1",
  };
  return {
    setups,
    base,
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

/** The repository tree of tiny-attest at its commit (tests/fixtures/crates/SOURCE.md). */
function crateTree() {
  return tinyAttestTree();
}

// ---------------------------------------------------------------------------------------------
// Running the cases

interface Run {
  readonly variant: "text" | "json" | "process";
  readonly argv: readonly string[];
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

interface Outcome {
  readonly index: number;
  readonly c: Case;
  readonly runs: readonly Run[];
}

function argvOf(c: Case): string[] {
  return [...(c.command === "" ? [] : c.command.split(" ")), ...c.args];
}

function label(c: Case): string {
  const shown = argvOf(c).map((a) => a.replace(T, "$T").replace(DEMO, "$DEMO/"));
  return `${shown.join(" ")}${c.setup ? `  [${c.setup}]` : ""}${
    c.env ? `  ${JSON.stringify(c.env)}` : ""
  }`;
}

/** A verifying-command case without an explicit format runs twice: as text, and with --json. */
function variantsOf(c: Case): Run["variant"][] {
  if (c.emptyCwd) return [];
  const first = c.command.split(" ")[0];
  const formatGiven = c.args.some((a) => a === "--json" || a.startsWith("--format")) ||
    c.env?.CARGO_ATTEST_JSON !== undefined;
  return REPORT_COMMANDS.has(first) && !formatGiven ? ["text", "json"] : ["text"];
}

function envOf(world: World, c: Case, slot: string): Record<string, string> {
  const cached = c.cache || slot.endsWith("process") || !NETWORK_COMMANDS.has(c.command);
  const env: Record<string, string> = {
    ...world.base,
    ...(cached ? { CARGO_ATTEST_CACHE_DIR: `${T}/cache/${slot}` } : {}),
    ...(c.setup ? world.setups[c.setup] : {}),
  };
  for (const [name, value] of Object.entries(c.env ?? {})) {
    if (value === null) delete env[name];
    else env[name] = value;
  }
  return env;
}

async function runInProcess(argv: string[], env: Record<string, string>) {
  const io = createMemoryIo(env);
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

const decoder = new TextDecoder();

/** Variables of this process that would change what the subprocess does. */
const SCRUBBED = /^(CARGO_ATTEST_|GH_TOKEN$|GITHUB_TOKEN$|CARGO_HOME$|NO_COLOR$)/;

async function runAsProcess(argv: string[], env: Record<string, string>, cwd?: string) {
  const inherited = Object.fromEntries(
    Object.entries(Deno.env.toObject()).filter(([name]) => !SCRUBBED.test(name)),
  );
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--config",
      CONFIG,
      "--allow-read",
      "--allow-env",
      "--allow-net=127.0.0.1",
      "--allow-write",
      CLI,
      ...argv,
    ],
    cwd,
    clearEnv: true,
    env: { ...inherited, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

async function runCase(world: World, c: Case, index: number): Promise<Outcome> {
  const runs: Run[] = [];
  const jobs: Promise<void>[] = [];
  for (const variant of variantsOf(c)) {
    const argv = variant === "json" ? [...argvOf(c), "--json"] : argvOf(c);
    jobs.push(
      runInProcess(argv, envOf(world, c, `${index}-${variant}`)).then((r) => {
        runs.push({ variant, argv, ...r });
      }),
    );
  }
  if (c.process || c.emptyCwd) {
    const argv = argvOf(c);
    jobs.push(
      runAsProcess(
        argv,
        envOf(world, c, `${index}-process`),
        c.emptyCwd ? `${T}/empty-cwd` : undefined,
      )
        .then((r) => {
          runs.push({ variant: "process", argv, ...r });
        }),
    );
  }
  await Promise.all(jobs);
  return { index, c, runs };
}

let outcomes: Promise<Outcome[]> | undefined;

/** Cases run at once. All at once thrashes (every HTTP round trip queues behind every verification). */
const CONCURRENCY = 8;

/**
 * True for cases that mostly wait: a 5xx or a refused connection is retried with back-off (about
 * 3.5 s), and subprocesses start a runtime. They start first, so the waiting overlaps the rest.
 */
function waits(c: Case): boolean {
  const network = NETWORK_COMMANDS.has(c.command);
  return Boolean(c.process || c.emptyCwd) || /500|closed/.test(c.setup ?? "") ||
    (network && c.setup === undefined) || c.env?.CARGO_ATTEST_GITHUB_API_URL !== undefined;
}

/** Runs every case once, a few at a time, the waiting ones first. */
function allOutcomes(): Promise<Outcome[]> {
  outcomes ??= (async () => {
    await writeFixtures();
    const world = await startWorld();
    try {
      const order = CASES.map((c, i) => ({ c, i })).sort((a, b) => +waits(b.c) - +waits(a.c));
      const results: Outcome[] = [];
      let next = 0;
      const worker = async () => {
        while (next < order.length) {
          const { c, i } = order[next++];
          results.push(await runCase(world, c, i));
        }
      };
      // The waiting cases each get a slot of their own; the others share CONCURRENCY slots.
      const slots = order.filter(({ c }) => waits(c)).length + CONCURRENCY;
      await Promise.all(Array.from({ length: slots }, worker));
      return results.sort((a, b) => a.index - b.index);
    } finally {
      await world.close();
      await Deno.remove(T, { recursive: true });
    }
  })();
  return outcomes;
}

// ---------------------------------------------------------------------------------------------
// The invariant

const EXIT_OF: Readonly<Record<Verdict, number>> = {
  TRUSTED: 0,
  UNVERIFIED: 1,
  MISMATCH: 2,
  ERROR: 3,
};

/** Everything wrong with one run, as sentences (empty: the invariant holds). */
function problemsOf(c: Case, run: Run): string[] {
  const problems: string[] = [];
  const { code, out, err } = run;
  const first = c.command.split(" ")[0];
  if (![0, 1, 2, 3].includes(code)) problems.push(`exit ${code} is not one of 0, 1, 2, 3`);
  if (code !== c.expect.exit) problems.push(`exit ${code}, expected ${c.expect.exit}`);
  if (/^\s+at .*(:\d+|\(.*\))/m.test(err) || /^\s+at /m.test(out)) {
    problems.push("a stack trace was printed");
  }
  if (/Uncaught|cargo-attest: internal error|\[object Object\]/.test(err)) {
    problems.push("an uncaught or internal error was printed");
  }
  const errorLines = err.split("\n").filter((l) => l.startsWith("cargo-attest: error:"));
  if (errorLines.length > 1) problems.push(`${errorLines.length} error lines, expected one`);
  if (errorLines.some((l) => l.length > 400)) problems.push("an error line is over 400 characters");

  const json = run.argv.includes("--json") || run.argv.includes("json") ||
    c.env?.CARGO_ATTEST_JSON === "1" || c.command === "policy schema";
  let parsed: Record<string, unknown> | undefined;
  if (json && out !== "") {
    try {
      parsed = JSON.parse(out);
    } catch (error) {
      problems.push(`stdout is not JSON: ${(error as Error).message}`);
    }
  }

  let verdict: string | undefined;
  if (REPORT_COMMANDS.has(first)) {
    if (parsed) {
      verdict = String(parsed.verdict);
      if (parsed.schema !== "cargo-attest/report/v1") problems.push("not a report/v1 document");
      if (parsed.exitCode !== code) {
        problems.push(`report exitCode ${parsed.exitCode}, exit ${code}`);
      }
      const subjects = (parsed.subjects ?? []) as {
        verdict: Verdict;
        checks: { status: string }[];
      }[];
      if (code === 0 && subjects.some((s) => s.verdict !== "TRUSTED")) {
        problems.push("exit 0 with a subject that is not TRUSTED");
      }
      if (
        code === 0 &&
        subjects.some((s) => s.checks.some((k) => ["fail", "error"].includes(k.status)))
      ) {
        problems.push("exit 0 with a failed check");
      }
    } else if (!json && !run.argv.includes("--format") && out !== "") {
      verdict = out.match(/verdict: (\w+) \(exit (\d)\)/)?.[1];
      if (verdict === undefined) problems.push("the text report has no verdict line");
    }
    if (verdict !== undefined) {
      if (!(verdict in EXIT_OF)) problems.push(`unknown verdict ${verdict}`);
      else if (EXIT_OF[verdict as Verdict] !== code) {
        problems.push(`verdict ${verdict} but exit ${code}`);
      }
      if (c.expect.verdict && verdict !== c.expect.verdict) {
        problems.push(`verdict ${verdict}, expected ${c.expect.verdict}`);
      }
    } else if (out !== "" && json) {
      problems.push("stdout is not a report");
    } else if (
      c.expect.verdict && !(run.argv.includes("--quiet") && code === 0) &&
      !run.argv.includes("--format")
    ) {
      problems.push(`no report, expected verdict ${c.expect.verdict}`);
    }
    if (code === 0 && verdict !== undefined && verdict !== "TRUSTED") {
      problems.push("exit 0 without TRUSTED");
    }
  }

  // Exit 3 says why: a one-line message on stderr, or a report whose verdict is ERROR.
  if (code === 3 && verdict !== "ERROR" && !/^cargo-attest: (error|hash): \S/m.test(err)) {
    problems.push("exit 3 without a 'cargo-attest: error:' message");
  }
  // A run that stopped with an error prints a report only when one was asked for in a machine
  // format (--json, --format), and then exactly one, whose verdict is ERROR.
  if (code === 3 && c.expect.verdict === undefined && REPORT_COMMANDS.has(first) && out !== "") {
    const asked = json || run.argv.includes("--format");
    if (!asked) problems.push("a report was printed by a run that stopped with an error");
    else if (json && verdict !== "ERROR") {
      problems.push("the report of a run that stopped with an error is not ERROR");
    }
  }
  if (c.command === "verify-bundle") {
    if (code === 0 && !/^OK: /.test(out)) problems.push("exit 0 without 'OK:'");
    if (code === 1 && !/^verification failed: .*\[[a-z0-9-]+\]$/m.test(err)) {
      problems.push("exit 1 without 'verification failed: … [code]'");
    }
  }
  if (code === 0 && /^cargo-attest: error:/m.test(err)) {
    problems.push("exit 0 with an error on stderr");
  }
  return problems;
}

function failuresOf(results: readonly Outcome[], keep: (c: Case) => boolean): string[] {
  const failures: string[] = [];
  for (const { c, runs } of results) {
    if (!keep(c)) continue;
    for (const run of runs) {
      const problems = problemsOf(c, run);
      if (problems.length) {
        failures.push(
          `${label(c)}  (${run.variant}): ${problems.join("; ")}\n    stdout: ${
            run.out.slice(0, 300).replaceAll("\n", "⏎")
          }\n    stderr: ${run.err.slice(0, 600).replaceAll("\n", "⏎")}`,
        );
      }
    }
    const process = runs.find((r) => r.variant === "process");
    const text = runs.find((r) => r.variant === "text");
    if (process && text && process.code !== text.code) {
      failures.push(`${label(c)}: the subprocess exited ${process.code}, in-process ${text.code}`);
    }
  }
  return failures;
}

const TOP_LEVEL = ["", ...COMMAND_NAMES];

for (const name of TOP_LEVEL) {
  const title = name === "" ? "no command (help, version, unknown commands)" : name;
  Deno.test(`exit codes: ${title}: only TRUSTED (or a completed non-verifying run) exits 0`, async () => {
    const cases = CASES.filter((c) => c.command.split(" ")[0] === name);
    assert.ok(cases.length > 0, `no cases for '${name}'`);
    const failures = failuresOf(await allOutcomes(), (c) => c.command.split(" ")[0] === name);
    assert.deepEqual(failures, [], `\n${failures.join("\n")}`);
  });
}

Deno.test("exit codes: a real subprocess exits as main() returns", async () => {
  const results = await allOutcomes();
  const processRuns = results.flatMap((o) => o.runs.filter((r) => r.variant === "process"));
  assert.ok(
    processRuns.length >= 5 && processRuns.length <= 8,
    `${processRuns.length} subprocess runs`,
  );
  const codes = new Set(processRuns.map((r) => r.code));
  for (const code of [0, 1, 2, 3]) assert.ok(codes.has(code), `no subprocess run exited ${code}`);
});

Deno.test("exit codes: every command and subcommand has cases, with an error path and a success", () => {
  // The dispatcher's commands, the help's and the completion tables' (which name subcommands).
  const commands = new Set([...COMMAND_NAMES, ...Object.keys(COMMAND_HELP)]);
  const subcommands = Object.keys(COMMAND_OPTION_TABLES);
  const missing: string[] = [];
  for (const name of [...commands, ...subcommands]) {
    const mine = CASES.filter((c) => c.command === name || c.command.startsWith(`${name} `));
    if (!mine.some((c) => c.expect.exit !== 0)) missing.push(`${name}: no error path`);
    if (!mine.some((c) => c.expect.exit === 0)) missing.push(`${name}: no case that exits 0`);
  }
  for (const name of ["info", "clear", "prune"]) {
    if (!CASES.some((c) => c.command === `cache ${name}` && c.expect.exit === 0)) {
      missing.push(`cache ${name}: no case that exits 0`);
    }
  }
  for (const name of REPORT_COMMANDS) {
    for (const verdict of ["TRUSTED", "UNVERIFIED", "MISMATCH"] as const) {
      if (!CASES.some((c) => c.command === name && c.expect.verdict === verdict)) {
        missing.push(`${name}: no ${verdict} case`);
      }
    }
  }
  assert.deepEqual(missing, []);
  // Every case's command is one the CLI has.
  for (const c of CASES) {
    if (c.command === "") continue;
    const known = commands.has(c.command) || subcommands.includes(c.command) ||
      /^cache (info|clear|prune)$/.test(c.command);
    assert.ok(known, `unknown command in the table: '${c.command}'`);
  }
});
