/**
 * The `identity` check against the signers a policy names: a certificate matches when it
 * matches any one signer of the list, every field of it (workflow, SAN, issuer, source
 * repository, source ref or ref glob, runner environment). Fields are compared as parsed values;
 * the ref glob is matched without regular expressions.
 * @module
 */
import type { CheckResult } from "../checks/check_result.ts";
import { checkIdentity, type SignerRequirement } from "../checks/identity.ts";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { PolicySigner } from "./evaluate.ts";
import { matchRefGlob } from "./glob.ts";

/** Extra binding a caller adds to every signer (a release's tag and its commit). */
export interface SignerContext {
  readonly releaseRef?: SignerRequirement["releaseRef"];
}

function failed(
  signer: PolicySigner,
  code: string,
  message: string,
  expected: string,
  actual: string,
): CheckResult {
  return {
    id: "identity",
    status: "fail",
    code,
    message: `${message} (${signer.source})`,
    expected,
    actual,
    policyRef: signer.policyRef,
    loadBearing: false,
  };
}

/** Checks a certificate identity against one policy signer. */
export function checkPolicySigner(
  identity: CertificateIdentity,
  signer: PolicySigner,
  context: SignerContext = {},
): CheckResult {
  const bindsRef = signer.sourceRef !== undefined || signer.refGlob !== undefined;
  const base = checkIdentity(identity, {
    ...signer,
    ...(context.releaseRef && !bindsRef ? { releaseRef: context.releaseRef } : {}),
  });
  if (base.status !== "pass") return { ...base, policyRef: signer.policyRef };
  const ext = identity.extensions;
  if (signer.sourceRepository !== undefined) {
    const expected = `https://github.com/${signer.sourceRepository}`;
    const actual = ext.sourceRepositoryURI;
    if (!actual || actual.toLowerCase() !== expected.toLowerCase()) {
      return failed(
        signer,
        "identity-repository-mismatch",
        `built from ${actual ?? "(no source repository recorded)"}, not ${expected}`,
        expected,
        actual ?? "(none)",
      );
    }
  }
  if (signer.refGlob !== undefined) {
    const actual = ext.sourceRepositoryRef;
    if (actual === undefined || !matchRefGlob(signer.refGlob, actual)) {
      return failed(
        signer,
        "identity-ref-mismatch",
        `built from ref ${actual ?? "(none recorded)"}, which does not match ${signer.refGlob}`,
        signer.refGlob,
        actual ?? "(none)",
      );
    }
  }
  if (signer.runnerEnvironment !== undefined) {
    const actual = ext.runnerEnvironment;
    if (actual !== signer.runnerEnvironment) {
      return failed(
        signer,
        "identity-runner-mismatch",
        `built on a ${actual ?? "(unrecorded)"} runner, not a ${signer.runnerEnvironment} one`,
        signer.runnerEnvironment,
        actual ?? "(none)",
      );
    }
  }
  return { ...base, policyRef: signer.policyRef };
}

/**
 * Checks a certificate identity against a policy's signer list: a pass names the signer that
 * matched; a failure gives the first signer's reason and says how many were tried. An empty list
 * gives the unbound skip (no signer was named).
 */
export function checkPolicySigners(
  identity: CertificateIdentity,
  signers: readonly PolicySigner[],
  context: SignerContext = {},
): CheckResult {
  if (signers.length === 0) return checkIdentity(identity, undefined);
  const results = signers.map((s) => checkPolicySigner(identity, s, context));
  const pass = results.find((r) => r.status === "pass");
  if (pass) return pass;
  const first = results[0];
  if (results.length === 1) return first;
  return {
    ...first,
    message:
      `matches none of the ${results.length} signers the policy names; the first: ${first.message}`,
  };
}
