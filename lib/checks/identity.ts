/**
 * The `identity` check: does the certificate that signed a bundle belong to a signer the user
 * (or the policy) named? Fields are compared as parsed values, never with user-built regexes.
 * A valid signature from a signer nobody named is a Skip, never a pass.
 * @module
 */
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { CheckResult } from "./check_result.ts";

/** The GitHub Actions OIDC issuer. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/** Who may sign, as named on the command line or in a policy. All given fields must match. */
export interface SignerRequirement {
  /** `OWNER/REPO`: the certificate's source repository, and a signing workflow in that repository. */
  readonly repo?: string;
  /** `OWNER/REPO/PATH`: the signing workflow (the SAN without its `@ref`). */
  readonly signerWorkflow?: string;
  /** The certificate's source repository ref (e.g. `refs/tags/v1.2.3`). */
  readonly sourceRef?: string;
  /**
   * A release's tag: the certificate's source ref must be this ref, or its source commit must be
   * the tag's commit (a release built from a branch at the tagged commit).
   */
  readonly releaseRef?: { readonly ref: string; readonly commit?: string };
  /** An exact SAN. */
  readonly san?: string;
  /** An exact OIDC issuer (defaults to GitHub Actions for repo/workflow requirements). */
  readonly issuer?: string;
  /** Where the requirement was written, for messages (`--repo`, `attest.toml:12`). */
  readonly source: string;
}

/** A GitHub workflow SAN split into parsed fields. */
export interface WorkflowSan {
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
  /** The workflow path inside the repository, e.g. `.github/workflows/release.yml`. */
  readonly path: string;
  readonly ref: string;
}

/** Parses `https://HOST/OWNER/REPO/PATH@REF`; `undefined` when the SAN is not of that form. */
export function parseWorkflowSan(san: string): WorkflowSan | undefined {
  const at = san.indexOf("@");
  if (at < 0) return undefined;
  let url: URL;
  try {
    url = new URL(san.slice(0, at));
  } catch {
    return undefined;
  }
  if (url.protocol !== "https:" || url.search || url.hash) return undefined;
  const parts = url.pathname.split("/").filter((p) => p !== "");
  if (parts.length < 3) return undefined;
  return {
    host: url.host.toLowerCase(),
    owner: parts[0],
    repo: parts[1],
    path: parts.slice(2).join("/"),
    ref: san.slice(at + 1),
  };
}

function sameRepo(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Describes the requirement in one line. */
export function describeRequirement(req: SignerRequirement): string {
  const parts: string[] = [];
  if (req.repo) parts.push(`repository ${req.repo}`);
  if (req.signerWorkflow) parts.push(`workflow ${req.signerWorkflow}`);
  if (req.sourceRef) parts.push(`source ref ${req.sourceRef}`);
  if (req.releaseRef) {
    parts.push(
      `built from ${req.releaseRef.ref}` +
        (req.releaseRef.commit ? ` or commit ${req.releaseRef.commit}` : ""),
    );
  }
  if (req.san) parts.push(`SAN ${req.san}`);
  if (req.issuer) parts.push(`issuer ${req.issuer}`);
  return parts.join(", ");
}

function failed(code: string, message: string, expected: string, actual: string): CheckResult {
  return { id: "identity", status: "fail", code, message, expected, actual, loadBearing: false };
}

/** Checks a certificate identity against a requirement; `undefined` requirement → skip. */
export function checkIdentity(
  identity: CertificateIdentity,
  req: SignerRequirement | undefined,
): CheckResult {
  const sans = identity.san.map((s) => s.value);
  const shownSan = sans.join(", ") || "(none)";
  if (!req) {
    return {
      id: "identity",
      status: "skip",
      code: "identity-unbound",
      message: `signed by ${shownSan}, but no signer was named, so the signature proves nothing ` +
        "about who built this (name one with --repo, --signer-workflow or --certificate-identity)",
      actual: shownSan,
      loadBearing: false,
    };
  }
  const workflowRequired = req.repo !== undefined || req.signerWorkflow !== undefined ||
    req.sourceRef !== undefined || req.releaseRef !== undefined;
  const expectedIssuer = req.issuer ?? (workflowRequired ? GITHUB_ACTIONS_ISSUER : undefined);
  if (expectedIssuer !== undefined && identity.issuer !== expectedIssuer) {
    return failed(
      "identity-issuer-mismatch",
      `the certificate was issued for OIDC issuer ${
        identity.issuer ?? "(none)"
      }, not ${expectedIssuer} (${req.source})`,
      expectedIssuer,
      identity.issuer ?? "(none)",
    );
  }
  if (req.san !== undefined && !sans.includes(req.san)) {
    return failed(
      "identity-san-mismatch",
      `the certificate's SAN is ${shownSan}, not ${req.san} (${req.source}; an exact match is required)`,
      req.san,
      shownSan,
    );
  }
  if (workflowRequired) {
    const uriSan = identity.san.find((s) => s.kind === "uri");
    const workflow = uriSan ? parseWorkflowSan(uriSan.value) : undefined;
    if (!workflow) {
      return failed(
        "identity-not-a-workflow",
        `the certificate's SAN ${shownSan} is not a GitHub Actions workflow identity (${req.source})`,
        describeRequirement(req),
        shownSan,
      );
    }
    if (req.repo !== undefined) {
      const source = identity.extensions.sourceRepositoryURI;
      const expectedUri = `https://github.com/${req.repo}`;
      if (!source || !sameRepo(source, expectedUri)) {
        return failed(
          "identity-repository-mismatch",
          `the attestation was built from ${
            source ?? "(no source repository recorded)"
          }, not ${expectedUri} (${req.source})`,
          expectedUri,
          source ?? "(none)",
        );
      }
      if (!sameRepo(`${workflow.owner}/${workflow.repo}`, req.repo)) {
        return failed(
          "identity-workflow-mismatch",
          `the signing workflow ${workflow.owner}/${workflow.repo}/${workflow.path} is not in ${req.repo} ` +
            `(a reusable workflow from another repository must be named with --signer-workflow) (${req.source})`,
          `a workflow in ${req.repo}`,
          `${workflow.owner}/${workflow.repo}/${workflow.path}`,
        );
      }
    }
    if (req.signerWorkflow !== undefined) {
      const [owner, repo, ...rest] = req.signerWorkflow.split("/");
      const matches = owner !== undefined && repo !== undefined &&
        sameRepo(`${workflow.owner}/${workflow.repo}`, `${owner}/${repo}`) &&
        workflow.path === rest.join("/") && workflow.host === "github.com";
      if (!matches) {
        return failed(
          "identity-workflow-mismatch",
          `signed by workflow ${workflow.owner}/${workflow.repo}/${workflow.path}, not ${req.signerWorkflow} (${req.source})`,
          req.signerWorkflow,
          `${workflow.owner}/${workflow.repo}/${workflow.path}`,
        );
      }
    }
    if (req.sourceRef !== undefined) {
      const ref = identity.extensions.sourceRepositoryRef;
      if (ref !== req.sourceRef) {
        return failed(
          "identity-ref-mismatch",
          `built from ref ${ref ?? "(none recorded)"}, not ${req.sourceRef} (${req.source})`,
          req.sourceRef,
          ref ?? "(none)",
        );
      }
    }
  }
  if (req.releaseRef !== undefined) {
    const ref = identity.extensions.sourceRepositoryRef;
    const commit = identity.extensions.sourceRepositoryDigest;
    const byRef = ref === req.releaseRef.ref;
    const byCommit = req.releaseRef.commit !== undefined && commit !== undefined &&
      commit.toLowerCase() === req.releaseRef.commit.toLowerCase();
    if (!byRef && !byCommit) {
      return failed(
        "identity-ref-mismatch",
        `built from ${ref ?? "(no ref recorded)"} at ${commit ?? "(no commit recorded)"}, ` +
          `not from the release's ${req.releaseRef.ref}` +
          (req.releaseRef.commit ? ` (commit ${req.releaseRef.commit})` : "") + ` (${req.source})`,
        req.releaseRef.ref + (req.releaseRef.commit ? ` or ${req.releaseRef.commit}` : ""),
        `${ref ?? "(none)"} at ${commit ?? "(none)"}`,
      );
    }
  }
  return {
    id: "identity",
    status: "pass",
    code: "identity-match",
    message: `signed by ${shownSan} (issuer ${
      identity.issuer ?? "none"
    }), as ${req.source} requires`,
    expected: describeRequirement(req),
    actual: shownSan,
    loadBearing: false,
  };
}
