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
export { type Endpoints, resolveEndpoints } from "./lib/sources/endpoints.ts";
export { HttpClient, type HttpClientOptions } from "./lib/sources/http.ts";
export { type Cache, openCache } from "./lib/sources/cache.ts";
// Trust material.
export { parseTrustedRoot, type TrustedRoot } from "./lib/trust/trusted_root.ts";
export { type EmbeddedRootName, loadEmbeddedRoot, selectRoots } from "./lib/trust/embedded.ts";
// Signers.
export { parseWorkflowSan, type SignerRequirement } from "./lib/checks/identity.ts";
// Reports, verdicts and renderers.
export type { CheckId, CheckResult, CheckStatus } from "./lib/checks/check_result.ts";
export {
  decideOverallVerdict,
  decideSubjectVerdict,
  EXIT_CODES,
  type Verdict,
} from "./lib/verdict/decide.ts";
export { type Report, REPORT_SCHEMA } from "./lib/verdict/report.ts";
export { renderJsonReport } from "./lib/render/json.ts";
export { renderTextReport } from "./lib/render/text.ts";
export { renderMarkdownReport } from "./lib/render/markdown.ts";
export { renderSarifReport } from "./lib/render/sarif.ts";
// Bundles, for callers that verify one themselves.
export { type Bundle, parseBundle } from "./lib/evidence/bundle.ts";
export {
  type ArtifactInput,
  type VerifiedBundle,
  verifyBundle,
} from "./lib/checks/sigstore_bundle.ts";
// The command itself.
export { main } from "./lib/cli/main.ts";
export { type CliIo, createMemoryIo } from "./lib/cli/io.ts";
export { VERSION } from "./lib/version.ts";
