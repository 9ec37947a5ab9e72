/**
 * Help text for `cargo-attest --help` and `cargo-attest COMMAND --help`, with examples.
 * @module
 */

import { VERSION } from "../version.ts";
import { renderOptionsSection } from "./option_docs.ts";

/** The program's version, printed by `--version` and recorded in reports. */
export { VERSION };

const TOP = `cargo-attest ${VERSION}
Does this published Rust artifact line up with the source it claims? cargo-attest gathers the
provenance evidence there is (checksums, GitHub artifact attestations, Sigstore bundles), checks
each cryptographically and prints a verdict.

USAGE:
    cargo-attest <COMMAND> [OPTIONS]        (or: cargo attest <COMMAND> ...)

COMMANDS:
    hash FILE...                 sha256 of each file, in sha256sum format
    file PATH --bundle FILE      verify a local artifact against a Sigstore bundle
    verify-bundle ...            the sigstore-conformance CLI protocol (exit 0 pass, 1 fail)
    release OWNER/REPO TAG       verify a GitHub release's assets
    crate NAME@VERSION...        verify crates from crates.io
    lock [PATH]                  verify every crate of a Cargo.lock
    policy check|explain|schema  validate or explain an attest.toml
    init                         write a commented attest.toml
    cache info|clear|prune       where the cache is and its size; empty it; drop old entries
    trust update|show            refresh the Sigstore/GitHub trusted roots through TUF; show those in use
    report --from FILE           render a saved JSON report as text, Markdown or SARIF
    completions bash|zsh|fish    print a shell completion script

VERDICTS AND EXIT CODES:
    TRUSTED     0   at least one load-bearing proof matched and nothing failed
    UNVERIFIED  1   nothing failed, but evidence was missing
    MISMATCH    2   a proof that was present did not match
    ERROR       3   the run could not complete (bad arguments, unreadable input, network)
Any verdict but TRUSTED also prints one line on stderr saying why, whatever --format and even
with --quiet (a CI log whose report goes to a file still shows the cause).

EXAMPLES:
    cargo-attest hash target/release/app
    cargo-attest file app.tgz --bundle app.tgz.sigstore.json --repo OWNER/REPO
    cargo-attest COMMAND --help

Run 'cargo-attest COMMAND --help' for a command's options.
`;

const HASH = `cargo-attest hash FILE...
Prints the SHA-256 of each file as "<hex>  <file>", exactly like sha256sum, so the output can
be compared with a release's SHA256SUMS. Files are hashed as a stream (memory stays flat);
"-" is standard input.

EXIT CODES:
    0  every file was hashed      3  a file was missing or unreadable (the others are still hashed)

EXAMPLES:
    cargo-attest hash ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz
    cargo-attest hash *.tar.gz > SHA256SUMS
    curl -sL https://example.com/tool.tar.gz | cargo-attest hash -
`;

const FILE = `cargo-attest file PATH --bundle FILE [OPTIONS]
Verifies a local artifact with local evidence: one or more Sigstore bundles (GitHub artifact
attestations, cosign/sigstore bundles) and/or an expected SHA-256. Prints a report with one line
per check and a verdict.

A valid signature proves something only when its signer is bound to someone you named. Name the
signer with one of:
    --repo OWNER/REPO                 the certificate's source repository (GitHub Actions)
    --signer-workflow OWNER/REPO/PATH the workflow that signed (SAN without its @ref)
    --source-ref REF                  also require this source ref (e.g. refs/tags/v1.2.3)
    --certificate-identity SAN --certificate-oidc-issuer URL   an exact identity
Without one, a valid bundle gives 'identity: skip' and the verdict UNVERIFIED.

${renderOptionsSection("file")}
EXAMPLES:
    cargo-attest file rg.tar.gz --bundle rg.tar.gz.sigstore.json --repo BurntSushi/ripgrep
    cargo-attest file app.tgz --bundle att.json --signer-workflow o/r/.github/workflows/release.yml
    cargo-attest file app.tgz --sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    cargo-attest file app.tgz --bundle att.json --repo o/r --json | jq .verdict
    cargo-attest file app.tgz --bundle att.json --repo o/r --format sarif > attest.sarif
`;

const RELEASE = `cargo-attest release OWNER/REPO TAG [--asset NAME]... [OPTIONS]
Downloads each asset of a GitHub release (all of them when no --asset is named; checksum files,
signatures and bundles are evidence, not subjects), hashes it as it streams, and checks it
against:
    - the digest GitHub recorded at upload (the API's "digest" field)
    - checksums published with the release: the release notes, <asset>.sha256 sidecars,
      SHA256SUMS / checksums.txt-style files
    - GitHub artifact attestations for the asset's digest, signed by a workflow of OWNER/REPO and
      built from TAG (or from the tag's commit); GitHub's own release attestations too
    - <asset>.sigstore.json / .sigstore / .bundle Sigstore bundles published beside it
One published checksum or one attestation from the release's own workflow is enough for
TRUSTED; evidence a project does not publish is shown as '–' and does not count against it.

${renderOptionsSection("release")}
ENVIRONMENT:
    GH_TOKEN / GITHUB_TOKEN          sent to the GitHub API host only (raises the rate limit;
                                     needed for private repositories)
    CARGO_ATTEST_GITHUB_API_URL      GitHub Enterprise (https://HOST/api/v3) or a test server
    CARGO_ATTEST_CACHE_DIR           the cache (default $CARGO_HOME/attest/cache)
    CARGO_ATTEST_CACHE_TTL           how long documents are fresh (default 10m)

EXAMPLES:
    cargo-attest release BurntSushi/ripgrep 14.1.0
    cargo-attest release cli/cli v2.62.0 --asset gh_2.62.0_linux_amd64.tar.gz
    GH_TOKEN=$(gh auth token) cargo-attest release my-org/private-tool v1.2.3 --json
    cargo-attest release BurntSushi/ripgrep 14.1.0 --format markdown >> "$GITHUB_STEP_SUMMARY"
`;

const CRATE_CHECKS = `CHECKS (each crate):
    crate-checksum      the downloaded .crate's SHA-256 equals the sparse index's cksum, the
                        crates.io API's checksum (and, under lock, Cargo.lock's) — load-bearing
    crate-vcs           the commit in .cargo_vcs_info.json is the commit of the repository's tag
                        for the version (v1.2.3, 1.2.3, NAME-v1.2.3, NAME@1.2.3, …), or at least in
                        the history of its default branch (or the one crates.io's trusted-
                        publishing record names); a commit GitHub serves under the repository's
                        URL but that nothing binds to it (a fork's) is a skip
    crate-source        every file of the .crate equals the repository's file at that commit
                        under path_in_vcs (git blob ids); files cargo generates are named as such;
                        against a commit crate-vcs did not bind, a match bears no weight
    trusted-publishing  crates.io's trusted-publisher record agrees with the repository and commit
    attestation         the .crate's GitHub artifact attestations, signed by a workflow of its
                        repository at its commit (or the signer you name) — load-bearing
    downgrade           (lock --base updates, --history) the version is published at least as the
                        one it replaces: trusted publishing, repository, attestation signer,
                        .cargo_vcs_info.json, crate-source; a downgrade is UNVERIFIED, a MISMATCH
                        under no_downgrade = true
Archive problems (paths escaping the crate, links, gzip bombs) fail crate-source.
crate-vcs and crate-source need the GitHub API: set GH_TOKEN or GITHUB_TOKEN (without one they
are skipped, with one warning).`;

const CRATE = `cargo-attest crate NAME@VERSION... [OPTIONS]
Verifies crates as crates.io publishes them.

${CRATE_CHECKS}

${renderOptionsSection("crate")}
ENVIRONMENT:
    CARGO_ATTEST_CRATES_API_URL, CARGO_ATTEST_CRATES_DL_URL, CARGO_ATTEST_CRATES_INDEX_URL
    GH_TOKEN / GITHUB_TOKEN, CARGO_ATTEST_GITHUB_API_URL
    CARGO_ATTEST_CACHE_DIR (default $CARGO_HOME/attest/cache), CARGO_ATTEST_CACHE_TTL (10m)

EXAMPLES:
    cargo-attest crate serde@1.0.200
    GH_TOKEN=$(gh auth token) cargo-attest crate ripgrep@14.1.0 --json
    cargo-attest crate serde@1.0.200 --format markdown
    cargo-attest crate serde@1.0.200 --history    (compared with the version before it)
`;

const LOCK = `cargo-attest lock [PATH] [OPTIONS]
Verifies every crates.io package of a Cargo.lock (v1 to v4; default ./Cargo.lock). Git and
other-registry packages are listed as not verifiable by this command (never TRUSTED); path
packages (the workspace's own) are not subjects.

${CRATE_CHECKS}

The text report lists the crates that are not TRUSTED, worst first, then a summary table (the
counts per verdict, and each crate that needs attention with the checks at fault); --json has
every crate.

${renderOptionsSection("lock")}
EXAMPLES:
    cargo attest lock
    cargo attest lock --offline
    GH_TOKEN=$(gh auth token) cargo attest lock --policy attest.toml --json > attest-report.json
    cargo attest lock --format sarif > cargo-attest.sarif    (results point into Cargo.lock)
    cargo attest lock --base origin/main    (a pull request: only the crates it adds or updates)
`;

const POLICY = `cargo-attest policy check [PATH] | policy explain SUBJECT... | policy schema
A policy (attest.toml) keeps a team's supply-chain rules next to Cargo.lock. Every verifying
command reads ./attest.toml (or --policy PATH); an invalid policy stops the run before any
network request (exit 3).

SUBCOMMANDS:
    check [PATH]        validate a policy (default ./attest.toml): every problem at once, each
                        with file:line:col, the line and a caret; exit 0 with a one-line summary
                        of what it demands, exit 3 when it has errors
    explain SUBJECT...  which rules apply to each subject and where they are written; SUBJECT
                        is OWNER/REPO (a release), NAME@VERSION or NAME (a crate)
    schema              print the policy's JSON Schema (draft 2020-12), for editors

Run 'cargo-attest policy SUBCOMMAND --help' for its options.

EXAMPLES:
    cargo-attest policy check
    cargo-attest policy check policies/high-assurance.toml --json
    cargo-attest policy explain serde@1.0.200 BurntSushi/ripgrep
    cargo-attest policy schema > .attest.schema.json
`;

const POLICY_CHECK = `cargo-attest policy check [PATH] [OPTIONS]
Validates a policy (default ./attest.toml): every problem at once, each with file:line:col, the
line and a caret. Exit 0 with a one-line summary of what it demands, 3 when it has errors.

${renderOptionsSection("policy check")}
EXAMPLES:
    cargo-attest policy check
    cargo-attest policy check policies/high-assurance.toml --json
`;

const POLICY_EXPLAIN = `cargo-attest policy explain SUBJECT... [OPTIONS]
Which rules apply to each subject and where they are written. SUBJECT is OWNER/REPO (a release),
NAME@VERSION or NAME (a crate).

${renderOptionsSection("policy explain")}
EXAMPLES:
    cargo-attest policy explain serde@1.0.200 BurntSushi/ripgrep
    cargo-attest policy explain serde --strict --json
`;

const POLICY_SCHEMA = `cargo-attest policy schema
Prints the policy's JSON Schema (draft 2020-12), for editors (taplo, VS Code Even Better TOML).

EXAMPLES:
    cargo-attest policy schema > .attest.schema.json
`;

const INIT = `cargo-attest init [--path PATH] [--force]
Writes a commented attest.toml (every key explained, examples commented out). It passes
'cargo-attest policy check' and demands nothing beyond the built-in rules until you edit it.
An existing file is never overwritten without --force.

${renderOptionsSection("init")}
EXIT CODES:
    0  written      3  the file exists (without --force) or cannot be written

EXAMPLES:
    cargo-attest init
    cargo-attest init --path ci/attest.toml
`;

const VERIFY_BUNDLE =
  `cargo-attest verify-bundle [--staging] --bundle FILE (IDENTITY | --key FILE) [--trusted-root FILE] ARTIFACT
The sigstore-conformance client protocol. ARTIFACT is a file path or sha256:<hex>.
IDENTITY is --certificate-identity SAN --certificate-oidc-issuer URL (both exact matches).
Exit 0 when the bundle verifies, 1 when it does not (the reason is printed on stderr), 3 on
unusable input (missing file, bad arguments).

${renderOptionsSection("verify-bundle")}
EXAMPLES:
    cargo-attest verify-bundle --bundle a.sigstore.json \\
        --certificate-identity https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1 \\
        --certificate-oidc-issuer https://token.actions.githubusercontent.com a.txt
    cargo-attest verify-bundle --bundle b.json --key cosign.pub --trusted-root root.json b.txt
`;

const CACHE = `cargo-attest cache info [--json] | clear | prune [--max-age DURATION]
The cache the verifying commands (release, crate, lock) keep, so a second run is near-instant
and --offline works once it is warm. It lives in $CARGO_ATTEST_CACHE_DIR, else
$CARGO_HOME/attest/cache, else ~/.cargo/attest/cache.
    info      the path, the number of entries and their bytes (--json: one JSON object)
    clear     delete every entry (only the cache's own packs/, blobs/, tmp/ and docs/ are touched)
    prune     delete documents fetched and blobs last used more than --max-age ago (default
              30d), corrupt entries, and temporary files an interrupted run left behind

Documents (release JSON, index files, API records, attestation pages, Rekor lookups) are fresh
for CARGO_ATTEST_CACHE_TTL (default 10m), then revalidated with ETag/Last-Modified. Bytes
(.crate files, assets, bundles) are stored by SHA-256 and re-hashed on every read. The verifying
commands take --offline (cache and local files only; what is missing is a 'not-in-cache' skip)
and --no-cache (neither read nor write the cache).

${renderOptionsSection("cache")}
EXIT CODES:
    0  done      3  bad arguments, or no cache directory can be found

EXAMPLES:
    cargo-attest cache info
    cargo-attest cache info --json | jq .bytes
    cargo-attest cache prune --max-age 7d
    cargo-attest cache clear
    CARGO_ATTEST_CACHE_DIR=.attest-cache cargo-attest lock --offline
`;

const REPORT = `cargo-attest report --from FILE [--format FORMAT] [--lock-file PATH]
Renders a saved JSON report (from --format json or --json) again, as text, JSON, Markdown or
SARIF, so one verification run gives a log, a job summary and a code-scanning file. Nothing is
verified again: the verdicts are the saved report's. The exit code says whether the report could
be rendered (0) or not (3: unreadable, or not a cargo-attest/report/v1 document) — not the
verdict: that is the saved report's "exitCode" (jq -e '.exitCode == 0' report.json).

${renderOptionsSection("report")}
EXAMPLES:
    cargo attest lock --format json > report.json
    cargo-attest report --from report.json
    cargo-attest report --from report.json --format markdown >> "$GITHUB_STEP_SUMMARY"
    cargo-attest report --from report.json --format sarif --lock-file Cargo.lock > attest.sarif
`;

const TRUST = `cargo-attest trust update [--tuf-url URL]... | trust show [--offline] [--json]
The Sigstore public-good and GitHub trusted roots rotate (new Fulcio CAs, log keys, timestamp
authorities). cargo-attest embeds a copy of each, and a TUF client keeps them current: starting
from the TUF root.json compiled in, it walks the repository's root chain (each new root signed by
a threshold of the old root's keys and of its own), then timestamp, snapshot and targets, checking
signatures, versions (no rollback), expiry, lengths and hashes, and downloads trusted_root.json.
The metadata is kept in the cache's tuf/<repository>/ (0700/0600), written only when all of it
verified: refused metadata is an ERROR (exit 3) and changes nothing.

SUBCOMMANDS:
    update    refresh now from https://tuf-repo-cdn.sigstore.dev (public-good) and
              https://tuf-repo.github.com (github), or only the repositories --tuf-url names
    show      which root each verifying run uses (embedded, or TUF root version N), its sha256
              and when it expires

Verifying commands never contact a TUF repository: they use the stored trusted_root.json while
its metadata has not expired, else the embedded root (and say so on stderr and in the report's
"roots"). --trusted-root FILE replaces both.

Run 'cargo-attest trust SUBCOMMAND --help' for its options.

EXAMPLES:
    cargo-attest trust update
    cargo-attest trust show --offline
`;

const TRUST_UPDATE = `cargo-attest trust update [--tuf-url URL]... [OPTIONS]
Refreshes the trusted roots through TUF now, whatever the stored metadata's expiry. --tuf-url
(else CARGO_ATTEST_TUF_URL, comma-separated) is URL (a mirror of Sigstore public-good) or
github=URL (GitHub's instance); when given, only the repositories it names are refreshed.
Refused: a root signed by too few keys, a version older than the stored one (rollback), expired
metadata, a snapshot, targets or target whose length or hash differs from what signed metadata
says (or longer than it), a mix of versions, a root chain of more than 64 new versions, a
server that is unreachable, too slow (--timeout) or cuts a file short. Each is an ERROR naming
the repository and file, and that repository's cache is left as it was.

${renderOptionsSection("trust update")}
EXIT CODES:
    0  every repository named was updated      3  one was not (the reason is printed)

EXAMPLES:
    cargo-attest trust update
    cargo-attest trust update --tuf-url https://tuf-mirror.example.com/sigstore
    CARGO_ATTEST_TUF_URL=github=https://tuf.internal.example cargo-attest trust update
`;

const TRUST_SHOW = `cargo-attest trust show [--offline] [--json]
Prints, for public-good, github and staging, the root a verifying run uses: "TUF root version N,
targets version M" with the URL and when it was stored, or "embedded root" with why (nothing
stored, expired, refused); its trusted_root.json sha256 (and whether it differs from the
embedded one); and when it expires. Without --offline, a repository with nothing usable stored
is refreshed first, as 'trust update' would (a fresh one makes no request).

${renderOptionsSection("trust show")}
EXIT CODES:
    0  shown      3  a refresh failed, bad arguments, or no cache directory can be found

EXAMPLES:
    cargo-attest trust show --offline
    cargo-attest trust show --json | jq '.roots[] | {name, source, expires}'
`;

const COMPLETIONS = `cargo-attest completions bash|zsh|fish
Prints a completion script for the shell: commands, subcommands, each command's options and
their values (--format, --color) and files where a command takes a path. The scripts complete
'cargo-attest' (the standalone binary); copies are in completions/ of the source tree.

EXAMPLES:
    cargo-attest completions bash > ~/.local/share/bash-completion/completions/cargo-attest
    cargo-attest completions zsh > ~/.zfunc/_cargo-attest     (with fpath+=~/.zfunc before compinit)
    cargo-attest completions fish > ~/.config/fish/completions/cargo-attest.fish
`;

/** Help text per command name (and `policy` subcommand: `policy check`). */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  hash: HASH,
  file: FILE,
  "verify-bundle": VERIFY_BUNDLE,
  release: RELEASE,
  crate: CRATE,
  lock: LOCK,
  policy: POLICY,
  "policy check": POLICY_CHECK,
  "policy explain": POLICY_EXPLAIN,
  "policy schema": POLICY_SCHEMA,
  init: INIT,
  cache: CACHE,
  report: REPORT,
  completions: COMPLETIONS,
  trust: TRUST,
  "trust update": TRUST_UPDATE,
  "trust show": TRUST_SHOW,
};

/** The top-level help. */
export function renderTopHelp(): string {
  return TOP;
}
