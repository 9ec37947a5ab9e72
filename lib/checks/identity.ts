/**
 * The `identity` check: does the certificate that signed a bundle belong to a signer the user
 * (or the policy) named? Fields are compared as parsed values, never with user-built regexes.
 * A valid signature from a signer nobody named is a Skip, never a pass.
 * @module
 */
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { CheckResult } from "./check_result.ts";
import { matchRefGlob } from "../policy/glob.ts";

/** The GitHub Actions OIDC issuer. */
export const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * One signer rule, as named on the command line (`--repo`, `--signer-workflow`, …) or by one
 * `[[signer]]` of a policy. Every field given must hold: a rule only ever narrows. What binds a
 * signature to its subject (a release's repository and tag, a crate's repository and commit) is
 * not a rule field: it is a {@link SubjectBinding} that {@link judgeSigner} adds to every rule.
 */
export interface SignerRequirement {
  /** `OWNER/REPO`: the certificate's source repository, and a signing workflow in that repository. */
  readonly repo?: string;
  /** `OWNER/REPO/PATH`: the signing workflow (the SAN without its `@ref`). */
  readonly signerWorkflow?: string;
  /** The certificate's source repository ref, exactly (e.g. `refs/tags/v1.2.3`). */
  readonly sourceRef?: string;
  /** A glob over the certificate's source ref (see `lib/policy/glob.ts`). */
  readonly refGlob?: string;
  /** `OWNER/REPO` the certificate's source repository must be (case-insensitive). */
  readonly sourceRepository?: string;
  /** The runner environment the certificate must record. */
  readonly runnerEnvironment?: "github-hosted";
  /** An exact SAN. */
  readonly san?: string;
  /** An exact OIDC issuer (defaults to GitHub Actions for workflow rules). */
  readonly issuer?: string;
  /** Where the rule was written, for messages (`--repo`, `attest.toml:12`). */
  readonly source: string;
  /** The policy line that wrote the rule, when a policy did. */
  readonly policyRef?: { readonly file: string; readonly line: number };
}

/** A GitHub workflow SAN split into parsed fields. */
export interface WorkflowSan {
  /** The host, lower-cased (e.g. `github.com`). */
  readonly host: string;
  /** The repository owner, as written in the SAN. */
  readonly owner: string;
  /** The repository name, as written in the SAN. */
  readonly repo: string;
  /** The workflow path inside the repository, e.g. `.github/workflows/release.yml`. */
  readonly path: string;
  /** Everything after the `@`: the git ref the workflow ran at (e.g. `refs/tags/v1.2.3`). */
  readonly ref: string;
}

/**
 * Splits `PATH@REF` (a workflow reference, as in a SAN or a run's `path`) where the ref begins.
 * A workflow file name may itself hold `@` (`release.yml@evil.yml` is a file of its own, as
 * crates.io and GitHub read it), but never `/`: the ref starts at the first `@` followed by
 * `refs/`, or by a whole commit id (a reusable workflow called by SHA). `undefined`: no ref.
 */
export function splitWorkflowRef(text: string): { path: string; ref: string } | undefined {
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", at + 1)) {
    const ref = text.slice(at + 1);
    if (ref.startsWith("refs/") || /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(ref)) {
      return { path: text.slice(0, at), ref };
    }
  }
  return undefined;
}

/** Parses `https://HOST/OWNER/REPO/PATH@REF`; `undefined` when the SAN is not of that form. */
export function parseWorkflowSan(san: string): WorkflowSan | undefined {
  const split = splitWorkflowRef(san);
  if (!split) return undefined;
  let url: URL;
  try {
    url = new URL(split.path);
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
    ref: split.ref,
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
  if (req.sourceRepository) parts.push(`source repository ${req.sourceRepository}`);
  if (req.sourceRef) parts.push(`source ref ${req.sourceRef}`);
  if (req.refGlob) parts.push(`ref matching ${req.refGlob}`);
  if (req.runnerEnvironment) parts.push(`${req.runnerEnvironment} runner`);
  if (req.san) parts.push(`SAN ${req.san}`);
  if (req.issuer) parts.push(`issuer ${req.issuer}`);
  return parts.join(", ");
}

/** Whether a rule names a GitHub Actions workflow (and so needs a workflow certificate). */
export function namesWorkflow(req: SignerRequirement): boolean {
  return req.repo !== undefined || req.signerWorkflow !== undefined ||
    req.sourceRef !== undefined || req.refGlob !== undefined ||
    req.sourceRepository !== undefined || req.runnerEnvironment !== undefined;
}

function failed(
  req: SignerRequirement,
  code: string,
  message: string,
  expected: string,
  actual: string,
): CheckResult {
  return {
    id: "identity",
    status: "fail",
    code,
    message: `${message} (${req.source})`,
    expected,
    actual,
    ...(req.policyRef ? { policyRef: req.policyRef } : {}),
    loadBearing: false,
  };
}

/** The skip of a signature whose signer nobody named: it proves nothing about who built it. */
export function unboundIdentity(identity: CertificateIdentity): CheckResult {
  const shownSan = identity.san.map((s) => s.value).join(", ") || "(none)";
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

/**
 * Checks a certificate identity against one rule: every field the rule gives must hold (a
 * conjunction; no field is dropped because another is present). `undefined` rule → the unbound
 * skip. Repositories are on `host` (github.com, or a GitHub Enterprise host). Subject bindings are
 * not checked here: see `judgeSigner` (signer_rules.ts).
 */
export function checkIdentity(
  identity: CertificateIdentity,
  req: SignerRequirement | undefined,
  host = "github.com",
): CheckResult {
  if (!req) return unboundIdentity(identity);
  const sans = identity.san.map((s) => s.value);
  const shownSan = sans.join(", ") || "(none)";
  const ext = identity.extensions;
  const workflowRequired = namesWorkflow(req);
  const expectedIssuer = req.issuer ?? (workflowRequired ? GITHUB_ACTIONS_ISSUER : undefined);
  if (expectedIssuer !== undefined && identity.issuer !== expectedIssuer) {
    return failed(
      req,
      "identity-issuer-mismatch",
      `the certificate was issued for OIDC issuer ${
        identity.issuer ?? "(none)"
      }, not ${expectedIssuer}`,
      expectedIssuer,
      identity.issuer ?? "(none)",
    );
  }
  if (req.san !== undefined && !sans.includes(req.san)) {
    return failed(
      req,
      "identity-san-mismatch",
      `the certificate's SAN is ${shownSan}, not ${req.san} (an exact match is required)`,
      req.san,
      shownSan,
    );
  }
  if (workflowRequired) {
    const uriSans = identity.san.filter((s) => s.kind === "uri");
    const workflow = uriSans.length === 1 ? parseWorkflowSan(uriSans[0].value) : undefined;
    if (!workflow) {
      return failed(
        req,
        "identity-not-a-workflow",
        `the certificate's SAN ${shownSan} is not one GitHub Actions workflow identity`,
        describeRequirement(req),
        shownSan,
      );
    }
    const workflowName = `${workflow.owner}/${workflow.repo}/${workflow.path}`;
    const repositories = [req.repo, req.sourceRepository].filter((r) => r !== undefined);
    for (const repo of repositories) {
      const source = ext.sourceRepositoryURI;
      const expectedUri = `https://${host}/${repo}`;
      if (!source || !sameRepo(source, expectedUri)) {
        return failed(
          req,
          "identity-repository-mismatch",
          `the attestation was built from ${
            source ?? "(no source repository recorded)"
          }, not ${expectedUri}`,
          expectedUri,
          source ?? "(none)",
        );
      }
    }
    // `--repo` alone also names the workflow's repository; with `--signer-workflow` the workflow
    // is named exactly (a reusable one may live elsewhere) and `--repo` binds the source only.
    if (
      req.repo !== undefined && req.signerWorkflow === undefined &&
      (workflow.host !== host || !sameRepo(`${workflow.owner}/${workflow.repo}`, req.repo))
    ) {
      return failed(
        req,
        "identity-workflow-mismatch",
        `the signing workflow ${workflowName} is not in ${req.repo} ` +
          `(a reusable workflow from another repository must be named with --signer-workflow)`,
        `a workflow in ${req.repo}`,
        workflowName,
      );
    }
    if (req.signerWorkflow !== undefined) {
      const [owner, repo, ...rest] = req.signerWorkflow.split("/");
      const matches = owner !== undefined && repo !== undefined &&
        sameRepo(`${workflow.owner}/${workflow.repo}`, `${owner}/${repo}`) &&
        workflow.path === rest.join("/") && workflow.host === host;
      if (!matches) {
        return failed(
          req,
          "identity-workflow-mismatch",
          `signed by workflow ${workflowName}, not ${req.signerWorkflow}`,
          req.signerWorkflow,
          workflowName,
        );
      }
    }
    const ref = ext.sourceRepositoryRef;
    if (req.sourceRef !== undefined && ref !== req.sourceRef) {
      return failed(
        req,
        "identity-ref-mismatch",
        `built from ref ${ref ?? "(none recorded)"}, not ${req.sourceRef}`,
        req.sourceRef,
        ref ?? "(none)",
      );
    }
    if (req.refGlob !== undefined && (ref === undefined || !matchRefGlob(req.refGlob, ref))) {
      return failed(
        req,
        "identity-ref-mismatch",
        `built from ref ${ref ?? "(none recorded)"}, which does not match ${req.refGlob}`,
        req.refGlob,
        ref ?? "(none)",
      );
    }
    if (
      req.runnerEnvironment !== undefined && ext.runnerEnvironment !== req.runnerEnvironment
    ) {
      return failed(
        req,
        "identity-runner-mismatch",
        `built on a ${
          ext.runnerEnvironment ?? "(unrecorded)"
        } runner, not a ${req.runnerEnvironment} one`,
        req.runnerEnvironment,
        ext.runnerEnvironment ?? "(none)",
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
    ...(req.policyRef ? { policyRef: req.policyRef } : {}),
    loadBearing: false,
  };
}
