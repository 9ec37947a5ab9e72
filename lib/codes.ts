/**
 * Every stable code cargo-attest emits, with what it means. Check results, rejections and run
 * errors carry these; the README documents each (a test keeps this list, the code base and the
 * README in step).
 * @module
 */

/** Codes of check results and of evidence that did not verify. */
export const CHECK_CODES: Readonly<Record<string, string>> = {
  // checksum
  "checksum-match": "the artifact's SHA-256 equals the expected value",
  "checksum-mismatch": "the artifact's SHA-256 differs from the expected value",
  "checksum-conflict": "one checksum source lists the asset twice with different values",
  "checksum-not-published": "(optional skip) the release publishes no checksum for the asset",
  "api-digest-match":
    "the download matches the digest GitHub recorded at upload (not load-bearing)",
  "api-digest-mismatch": "the downloaded bytes differ from the digest GitHub recorded at upload",
  "checksum-file-mismatch":
    "a checksum file was served whole with another size or digest than the release declares",
  "checksum-file-too-large":
    "a checksum file of the release is over the size limit: not read, so it cannot vouch or be ignored",
  "asset-size-mismatch": "the asset was served whole with another size than the release declares",
  // attestation: the bundle's shape
  "attestation-verified": "the Sigstore bundle verified completely",
  "attestation-not-published":
    "(optional skip) no GitHub artifact attestation exists for the asset's digest in the repository",
  "cosign-detached-unsupported":
    "(optional skip) a detached .sig without a certificate beside it (a key-based signature)",
  "signature-unverifiable":
    "a published signature could not be checked (no Rekor entry for it, an unreadable certificate)",
  "rekor-entry-malformed": "a Rekor API entry does not have the shape of a log entry",
  "bundle-malformed-json": "the bundle is not JSON (truncated, or not a bundle)",
  "bundle-unknown-media-type": "the media type is not a Sigstore bundle version cargo-attest knows",
  "bundle-invalid": "a bundle field has the wrong shape (the message names its JSON path)",
  "bundle-invalid-base64": "a base64 field of the bundle does not decode",
  "bundle-empty-certificate-chain": "a certificate chain with no certificate in it",
  "bundle-missing-inclusion-proof":
    "a v0.2+ log entry without the inclusion proof its version requires",
  "bundle-too-many-entries": "more log entries or timestamps than lib/limits.ts allows",
  "bundle-too-large": "the bundle file is over the size cap (it is not read)",
  "key-required": "a bundle signed with a managed key, but no --key was given",
  // certificate
  "certificate-malformed": "the signing certificate does not parse",
  "certificate-untrusted": "the certificate does not chain to a CA of the trusted root",
  "certificate-expired":
    "a verified time lies outside the validity of the certificate or a CA on its path",
  "certificate-authority-outside-validity":
    "a verified time lies outside the window the trusted root gives the CA",
  "certificate-key-usage": "the leaf is not a code-signing leaf (key usage, EKU or CA flag)",
  "sct-missing": "the certificate carries no (or too few) SCTs although the root lists CT logs",
  "sct-invalid": "an SCT from a known CT log does not verify",
  "sct-unknown-log": "the SCTs name only CT logs the trusted root does not list",
  "sct-malformed": "the SCT list or the certificates it covers cannot be decoded",
  // transparency log
  "tlog-missing":
    "no transparency-log entry where one is required (--require-rekor, or the root lists logs)",
  "tlog-unknown-log": "the entry's log is not in the trusted root",
  "tlog-body-malformed": "the entry's canonicalized body is not JSON",
  "tlog-body-mismatch":
    "the log entry records another signature, key, artifact or envelope than the bundle",
  "tlog-body-unsupported": "a log entry kind or hash algorithm cargo-attest does not support",
  "tlog-set-invalid": "a signed entry timestamp without the integrated time it signs",
  "tlog-inclusion-unverified":
    "neither a signed entry timestamp nor an inclusion proof shows inclusion",
  "tlog-key-outside-validity": "the integrated time lies outside the log key's validity window",
  "set-malformed": "the signed entry timestamp's integers are out of range",
  "set-signature-invalid": "the signed entry timestamp does not verify with the log's key",
  "set-unknown-log": "the signed entry timestamp names a log the trusted root does not list",
  "inclusion-proof-invalid": "the Merkle inclusion proof does not reach the tree's root hash",
  "inclusion-proof-malformed":
    "the inclusion proof has the wrong shape (index, size, hash count or length)",
  "checkpoint-missing": "an inclusion proof without the signed checkpoint it needs",
  "checkpoint-malformed": "the checkpoint is not a well-formed signed note",
  "checkpoint-signature-invalid": "no checkpoint signature from the log verifies",
  "checkpoint-unknown-log": "the checkpoint's log is not in the trusted root",
  "checkpoint-proof-mismatch":
    "the checkpoint is for another tree (size or root) than the inclusion proof",
  // time
  "timestamp-malformed": "an RFC 3161 timestamp does not parse",
  "timestamp-rejected": "the timestamp response's status is not granted",
  "timestamp-unsupported-algorithm":
    "the timestamp uses a hash or signature algorithm not supported",
  "timestamp-imprint-mismatch": "the timestamp is not over this bundle's signature",
  "timestamp-signature-invalid": "the timestamp's CMS signature does not verify",
  "timestamp-untrusted-authority": "the timestamp is not from a TSA of the trusted root",
  "timestamp-outside-validity":
    "the timestamp lies outside its TSA's certificate or trusted-root window",
  "timestamp-duplicate": "the same timestamp appears twice",
  "no-verified-time": "no verified time at which to check the short-lived certificate",
  // signature and binding
  "signature-invalid": "the signature does not verify with the signer's key",
  "signature-needs-artifact":
    "only a digest was given, but the signature scheme needs the artifact's bytes",
  "artifact-mismatch": "the bundle's message digest is not the artifact's",
  "artifact-digest-unsupported": "the bundle's message digest uses an unsupported hash algorithm",
  "subject-digest-match": "the artifact is a subject of the in-toto statement",
  "subject-digest-mismatch": "the artifact is none of the in-toto statement's subjects",
  "statement-malformed": "the DSSE payload is not a well-formed in-toto statement",
  "statement-unknown-type": "the in-toto statement type is not v0.1 or v1",
  "statement-no-subjects": "the in-toto statement has no subjects",
  "dsse-unsupported-payload": "the DSSE payload type is not in-toto",
  "rekor-verified": "the bundle's transparency-log entries verified",
  "no-trusted-root": "no trusted root to verify against",
  // identity
  "identity-match": "the signer is the one named",
  "identity-key-match": "the bundle is signed by the key given with --key",
  "identity-key-not-named-signer":
    "the bundle is signed by the --key key, but a signer rule (command line or policy) names a certificate signer, which a key is not",
  "identity-unbound": "(skip) the bundle verified, but no signer was named, so it proves nothing",
  "identity-issuer-mismatch": "the certificate's OIDC issuer is not the one required",
  "identity-san-mismatch": "the certificate's SAN is not the one required (exact match)",
  "identity-not-a-workflow":
    "a workflow was required, but the SAN is not a GitHub Actions workflow",
  "identity-repository-mismatch":
    "the certificate's source repository is not the one named, or not the subject's own",
  "identity-workflow-mismatch":
    "the signing workflow is not the one named (or not in the named repository)",
  "identity-ref-mismatch":
    "the certificate's source ref is not the one named, or not the subject's own tag or commit",
  "identity-runner-mismatch":
    "the certificate's runner environment is not the one the policy pins (github-hosted)",
  "identity-release-attestation-only":
    "a signer was named, but the only signature is GitHub's release attestation (signed by GitHub, not by that signer)",
  "release-attestation-match":
    "GitHub's release attestation records this file's digest in this release (repository, tag, commit), signed by GitHub's releases identity under GitHub's root",
  "release-attestation-identity-mismatch":
    "a release attestation's certificate is not GitHub's releases identity alone (another SAN, an OIDC issuer, Fulcio extensions)",
  "release-attestation-root-mismatch":
    "a release attestation's certificate chains to a root that is not GitHub's own Sigstore instance",
  "release-attestation-subject-mismatch":
    "a release attestation is about another repository or tag (or is not a release predicate)",
  "release-attestation-commit-mismatch":
    "a release attestation records the tag at another commit than the tag's commit now",
  "policy-required-missing": "(skip) a check the policy requires has no evidence at all",
  // crates
  "crate-checksum-match": "the .crate's SHA-256 equals the index, the API and the lock file",
  "crate-checksum-mismatch":
    "the .crate's SHA-256 differs from what the index, the API or the lock says",
  "crate-size-mismatch":
    "the .crate was served whole with another size than the crates.io API declares",
  "crate-checksum-unavailable":
    "no checksum for the crate from the index, the API or the lock file",
  "crate-checksum-not-in-lock":
    "(skip) Cargo.lock records no checksum for a crates.io package (or cargo discards the file's checksums): the lock does not pin it",
  "crate-lock-identity-mismatch":
    "a lock entry's name or version is not crates.io's exact one (found loosely): cargo does not use it",
  "crate-not-verifiable":
    "a lock package from git or another registry: this command verifies crates.io packages only",
  "crate-vcs-tag-match":
    "the crate's recorded commit is the commit of the repository's tag for the version",
  "crate-vcs-tag-mismatch":
    "(skip) the version's tag names another commit than the crate's (which is in the default branch's history): not the tagged source",
  "crate-vcs-commit-match":
    "the crate's recorded commit is in the history of the repository's default branch (no tag for it)",
  "crate-vcs-publish-match":
    "the crate's recorded commit is the one crates.io's trusted-publishing record says a workflow of the repository published it from",
  "crate-vcs-commit-unbound":
    "the repository serves the crate's commit, but no tag names it and the default branch does not lead to it (another branch's, or a fork's)",
  "crate-vcs-commit-unknown": "the crate's recorded commit does not exist in the repository",
  "crate-vcs-no-info": "(optional skip) the crate has no .cargo_vcs_info.json",
  "crate-vcs-no-commit": "(optional skip) .cargo_vcs_info.json records no commit",
  "crate-vcs-no-repository": "(optional skip) crates.io records no repository for the crate",
  "crate-vcs-unsupported-host": "(optional skip) the repository is not on GitHub",
  "crate-vcs-github-unavailable":
    "(optional skip) GitHub is not consulted (no GH_TOKEN/GITHUB_TOKEN)",
  "crate-source-match":
    "every file of the crate equals the repository's at its commit (explained cases listed)",
  "crate-source-mismatch":
    "files of the crate differ from, or are absent in, the repository at its commit",
  "crate-source-manifest-mismatch":
    "the normalized Cargo.toml cargo builds with does not follow from Cargo.toml.orig and the workspace root (the key path is named)",
  "crate-source-lock-mismatch":
    "the crate's Cargo.lock is not a lock file cargo wrote for the crate (not a lock file, or without the crate itself)",
  "crate-source-incomplete":
    "(skip) the tree listing is incomplete, so some crate files could not be compared",
  "crate-source-unresolved":
    "(skip) some crate files could not be decided (symlink, line endings, git-lfs or submodule without the bytes); when one is code cargo compiles, or the manifest cannot be compared, it is required (UNVERIFIED)",
  "crate-source-unavailable": "(skip) the repository tree at the crate's commit is unavailable",
  "crate-source-no-vcs-info":
    "(skip) the crate records no commit (.cargo_vcs_info.json or git.sha1 missing)",
  "crate-source-path-unknown":
    "(skip) no path_in_vcs recorded and the package directory cannot be told",
  "trusted-publishing-match":
    "crates.io's trusted-publishing record agrees with the repository and commit",
  "trusted-publishing-none":
    "(optional skip) the version was published with a token, not a trusted publisher",
  "trusted-publishing-repository-mismatch":
    "the trusted publisher's repository is not the crate's repository",
  "trusted-publishing-commit-mismatch":
    "the trusted publisher's commit is not the crate's recorded commit",
  "trusted-publishing-workflow-match":
    "the run that published the crate (GitHub's record of crates.io's run id) is of the workflow and ref the signer rules name",
  "trusted-publishing-workflow-mismatch":
    "the run that published the crate is of another workflow, ref or repository than every signer rule named for it allows",
  "trusted-publishing-workflow-unknown":
    "(skip) signer rules are named, but which workflow or ref published the crate cannot be told (no run id, a ref GitHub's run does not tell, a runner it does not record); required when the policy requires trusted-publishing",
  "trusted-publishing-run-mismatch":
    "GitHub's run is not the one crates.io recorded (another run id, repository or commit)",
  "trusted-publishing-run-not-found":
    "(skip) signer rules are named, but GitHub has no run of the id crates.io recorded; required when the policy requires trusted-publishing",
  "trusted-publishing-run-unavailable":
    "(skip) signer rules are named, but GitHub could not be asked for the publishing run (no token, not github.com); required when the policy requires trusted-publishing",
  "crate-archive-path-escape":
    "an entry path has a '..', '.' or empty component, a backslash or a NUL",
  "crate-archive-absolute-path": "an entry path starts with '/' or a drive letter",
  "crate-archive-outside-root": "an entry is not under NAME-VERSION/, the root cargo uses",
  "crate-archive-special-file": "a hard link, device, FIFO, sparse file or entry of unknown type",
  "crate-archive-symlink": "a symbolic link (cargo archives linked files' content, never links)",
  "crate-archive-duplicate": "a path archived twice, or used both as a file and as a directory",
  "crate-archive-too-large":
    "the entry count, one file's size, the total or an extended header is over its cap",
  "crate-archive-gzip-bomb": "the gzip stream inflates past the cap; decompression stopped",
  "crate-archive-malformed":
    "a truncated or corrupt gzip/tar stream, no Cargo.toml, or an entry cargo's tar reader (tar-rs) could name differently (two name mechanisms, a repeated pax key, an extension header it would not apply, an odd ustar version)",
  "crate-archive-vcs-info-malformed": ".cargo_vcs_info.json is not the JSON cargo writes",
  "crate-archive-not-gzip": "the .crate is not gzip (an HTML error page, an uncompressed tar)",
  "crate-archive-not-tar": "the .crate's gzip stream is not a tar archive",
  // lock-file notes
  "lock-unknown-source": "(warning) a package source of a kind cargo-attest does not know",
  "lock-git-without-commit": "(warning) a git source without the #<commit> cargo records",
  "lock-missing-checksum": "(warning) a registry package with no checksum in the lock",
  "lock-orphan-checksum": "(warning) a v1 [metadata] checksum for a package not in the file",
  "lock-ignored-metadata-checksum":
    "(warning) v1-style [metadata] checksums in a v2+ file: cargo then discards every checksum of the file, and so does cargo-attest",
  "lock-path-packages": "(warning) path packages (the workspace's own) are not verified",
  // cache
  "not-in-cache":
    "(skip) --offline, and the evidence is not in the cache (the message names the URL); run once online",
};

/** Codes of policy diagnostics (`error[code]` / `warning[code]` with file:line:col). */
export { POLICY_DIAGNOSTIC_CODES as POLICY_CODES } from "./policy/diagnostics.ts";

/** Codes of run errors (exit 3). */
export const ERROR_CODES: Readonly<Record<string, string>> = {
  usage: "the command line is wrong (unknown flag, missing argument, bad value)",
  "input-unusable": "an input file is missing, a directory or unreadable",
  "trust-material-unusable": "a --trusted-root or --key file cannot be used",
  network: "a network request failed after retries",
  "not-implemented": "the command is not built in this version",
  "release-not-found": "the repository or the release tag does not exist (or is not visible)",
  "asset-not-found": "an --asset is not in the release, or the release has no assets to verify",
  "unexpected-response": "an API answered with JSON of an unexpected shape",
  "cache-unavailable":
    "cache: no usable cache directory (CARGO_ATTEST_CACHE_DIR, CARGO_HOME and HOME are all unset, or the path is a file or cannot be read)",
  "policy-invalid":
    "the policy file has errors (each printed with its place); the run stops before any network request",
  "policy-file-exists": "init would overwrite an existing file (use --force)",
  "crate-not-found":
    "the crate, or that version of it, is not in the registry (index, API or download)",
};
