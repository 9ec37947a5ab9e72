/**
 * cargo-attest as a library: verify a GitHub release, crates, a Cargo.lock or a local file the
 * way the command does, and get the versioned report back (no argv, no stdout).
 *
 * ```ts
 * import { BUILTIN_LOADED_POLICY, loadEmbeddedRoot, renderTextReport, verifyFile } from "./mod.ts";
 * const report = await verifyFile(
 *   { path: "tests/fixtures/demo/sigstore-2.1.0.tgz",
 *     bundles: ["tests/fixtures/demo/sigstore-2.1.0.tgz.sigstore.json"] },
 *   { policy: BUILTIN_LOADED_POLICY, roots: [await loadEmbeddedRoot("public-good")],
 *     signer: { repo: "sigstore/sigstore-js", source: "my script" } },
 * );
 * console.log(renderTextReport(report, { color: false, verbose: false }));
 * ```
 * @module
 */
// The four verbs, their options and the policy they run with.
export { type FileSubject, verifyFile, type VerifyFileOptions } from "./lib/verify/file.ts";
// The managed key a file verification may take (`key`).
export type { HashName, KeyAlgorithm, PublicKeyMaterial } from "./lib/crypto/signature.ts";
export {
  type ReleaseSubject,
  verifyRelease,
  type VerifyReleaseOptions,
} from "./lib/verify/release.ts";
export {
  type CrateTarget,
  parseCrateSpec,
  verifyCrates,
  type VerifyCratesOptions,
  verifyLock,
} from "./lib/verify/crates.ts";
export {
  BUILTIN_LOADED_POLICY,
  type LoadedPolicy,
  PolicyInvalidError,
  readPolicyFile,
} from "./lib/verify/policy_file.ts";
// The policy model a loaded policy carries, its diagnostics, and the base of every typed error.
export type {
  ExceptionTarget,
  Policy,
  PolicyCheckId,
  PolicyException,
  Positioned,
  Rule,
  RuleKind,
  RunnerEnvironment,
  Signer,
  SourcePos,
} from "./lib/policy/model.ts";
export type { PolicyDiagnostic } from "./lib/policy/diagnostics.ts";
export { AttestError } from "./lib/errors.ts";
// Endpoints, HTTP client and cache the verbs take as options.
export { type Endpoints, type EnvReader, resolveEndpoints } from "./lib/sources/endpoints.ts";
export {
  type DownloadOptions,
  type DownloadResponse,
  type GetOptions,
  HttpClient,
  type HttpClientOptions,
  type HttpResponseInfo,
  type JsonResponse,
  type RequestGate,
  type RetryInfo,
  type TextResponse,
} from "./lib/sources/http.ts";
export {
  type BlobStreamOptions,
  type BlobWriter,
  type Cache,
  type CachedDocument,
  type CacheLedger,
  type CacheOptions,
  type CacheStats,
  type DocumentAnswer,
  type DocumentHit,
  openCache,
  type PruneResult,
} from "./lib/sources/cache.ts";
// Trust material.
export {
  type CertificateAuthority,
  parseTrustedRoot,
  type RootOrigin,
  type TransparencyLogKey,
  type TrustedRoot,
  type ValidityWindow,
} from "./lib/trust/trusted_root.ts";
export {
  type EmbeddedRootName,
  loadEmbeddedRoot,
  selectRoots,
  type TufRootChoice,
} from "./lib/trust/embedded.ts";
// Signers.
export {
  parseWorkflowSan,
  type SignerRequirement,
  type WorkflowSan,
} from "./lib/checks/identity.ts";
// Reports, verdicts and renderers.
export type {
  CheckId,
  CheckResult,
  CheckStatus,
  EvidenceOrigin,
} from "./lib/checks/check_result.ts";
export {
  decideOverallVerdict,
  decideSubjectVerdict,
  EXIT_CODES,
  type Verdict,
} from "./lib/verdict/decide.ts";
export {
  type Diagnostic,
  type Report,
  REPORT_SCHEMA,
  type ReportRoot,
  type SubjectDescription,
  type SubjectReport,
} from "./lib/verdict/report.ts";
export {
  ASSURANCE_LEVELS,
  type AssuranceLevel,
  decideAssurance,
  meetsAssurance,
} from "./lib/verdict/assurance.ts";
export type { LockChange } from "./lib/evidence/lock_diff.ts";
export { renderJsonReport } from "./lib/render/json.ts";
export { renderTextReport, type TextOptions } from "./lib/render/text.ts";
export { renderMarkdownReport } from "./lib/render/markdown.ts";
export { renderSarifReport, type SarifOptions } from "./lib/render/sarif.ts";
// Bundles, for callers that verify one themselves.
export {
  type Bundle,
  type BundleContent,
  type BundleVersion,
  type HashOutput,
  type InclusionProof,
  parseBundle,
  type TlogEntry,
  type VerificationKeyMaterial,
} from "./lib/evidence/bundle.ts";
export type { Verified, VerifiedFail, VerifiedOk } from "./lib/crypto/verified.ts";
export type { CertificateIdentity, SanEntry } from "./lib/evidence/fulcio_identity.ts";
export type { InTotoStatement, InTotoSubject } from "./lib/evidence/dsse.ts";
export {
  type ArtifactInput,
  type BundleVerification,
  type BundleVerificationOptions,
  type IgnoredTimestamp,
  type VerifiedBundle,
  type VerifiedTime,
  type VerifiedTlogEntry,
  verifyBundle,
} from "./lib/checks/sigstore_bundle.ts";
// The command itself.
export { main } from "./lib/cli/main.ts";
export { type CliIo, createMemoryIo } from "./lib/cli/io.ts";
export { VERSION } from "./lib/version.ts";
