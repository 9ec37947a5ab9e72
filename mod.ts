/**
 * cargo-attest as a library: verify Sigstore bundles and build verdict reports from code.
 *
 * ```ts
 * import { parseBundle, verifyBundle, loadEmbeddedRoot } from "./mod.ts";
 * const bundle = parseBundle(await Deno.readTextFile("a.sigstore.json"));
 * ```
 * @module
 */
export { main } from "./lib/cli/main.ts";
export { type CliIo, createMemoryIo } from "./lib/cli/io.ts";
export { VERSION } from "./lib/cli/help.ts";
export {
  type Bundle,
  type BundleContent,
  type BundleVersion,
  parseBundle,
  type TlogEntry,
} from "./lib/evidence/bundle.ts";
export { encodePae, type InTotoStatement, parseInTotoStatement } from "./lib/evidence/dsse.ts";
export {
  type ArtifactInput,
  type BundleVerification,
  type BundleVerificationOptions,
  type VerifiedBundle,
  verifyBundle,
} from "./lib/checks/sigstore_bundle.ts";
export { checkIdentity, parseWorkflowSan, type SignerRequirement } from "./lib/checks/identity.ts";
export type { CheckId, CheckResult, CheckStatus } from "./lib/checks/check_result.ts";
export { parseTrustedRoot, type TrustedRoot } from "./lib/trust/trusted_root.ts";
export { type EmbeddedRootName, loadEmbeddedRoot, selectRoots } from "./lib/trust/embedded.ts";
export {
  decideOverallVerdict,
  decideSubjectVerdict,
  EXIT_CODES,
  type Verdict,
} from "./lib/verdict/decide.ts";
export { buildReport, type Report, REPORT_SCHEMA } from "./lib/verdict/report.ts";
export { renderJsonReport } from "./lib/render/json.ts";
export { renderTextReport } from "./lib/render/text.ts";
export { renderMarkdownReport } from "./lib/render/markdown.ts";
export { renderSarifReport } from "./lib/render/sarif.ts";
export { digestFile } from "./lib/crypto/digest.ts";
