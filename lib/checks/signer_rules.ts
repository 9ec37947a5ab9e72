/**
 * Who may sign one subject, as one value, and the one function that judges a certificate against
 * it. Everything that constrains the signer is gathered here: the command line's rule, the
 * policy's signers, and what the subject itself claims (a release's repository, tag and commit;
 * a crate's repository and commit). The judgement is a conjunction: the command-line rule holds,
 * one policy signer holds, and the subject binding holds. No constraint replaces another, so a
 * rule can narrow what is accepted and never widen it.
 * @module
 */
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import type { CheckResult } from "./check_result.ts";
import {
  checkIdentity,
  describeRequirement,
  GITHUB_ACTIONS_ISSUER,
  namesWorkflow,
  parseWorkflowSan,
  type SignerRequirement,
  unboundIdentity,
} from "./identity.ts";

/** What the subject itself says a signature about it must have been built from. */
export interface SubjectBinding {
  /** `OWNER/REPO` the certificate's source repository must be. */
  readonly repo: string;
  /**
   * The subject's ref and commit: the certificate's source ref must be `ref`, or its source
   * commit must be `commit` (a release built from a branch at the tagged commit). Absent: only
   * the repository binds (a crate that records no commit).
   */
  readonly ref?: { readonly ref?: string; readonly commit?: string };
  /** What the binding is, for messages (`the release octo-org/app@v1.0.0`). */
  readonly source: string;
}

/** Every constraint on the signer of one subject. Build it with {@link buildSignerRules}. */
export interface SignerRules {
  /** The command line's rule (`--repo`, `--signer-workflow`, `--certificate-identity`, …). */
  readonly cli?: SignerRequirement;
  /** The policy's signers for the subject: one of them must hold. */
  readonly policy: readonly SignerRequirement[];
  /** The subject's own claims: they hold for every signature, whatever the rules say. */
  readonly subject?: SubjectBinding;
  /** The host repositories are on (`github.com`, or a GitHub Enterprise host). */
  readonly host: string;
}

/** Gathers the constraints on a subject's signer into one value. */
export function buildSignerRules(input: {
  readonly cli?: SignerRequirement;
  readonly policy?: readonly SignerRequirement[];
  readonly subject?: SubjectBinding;
  /** Default `github.com`; a GitHub Enterprise host when the API is one (`githubWebHost`). */
  readonly host?: string;
}): SignerRules {
  return {
    host: input.host ?? "github.com",
    ...(input.cli ? { cli: input.cli } : {}),
    policy: input.policy ?? [],
    ...(input.subject ? { subject: input.subject } : {}),
  };
}

/** Whether the user named a signer (command line or policy), beyond the subject's own binding. */
export function namesSigner(rules: SignerRules): boolean {
  return rules.cli !== undefined || rules.policy.length > 0;
}

/** Whether a certificate is a CI workflow identity (as opposed to a person's or a service's). */
function isWorkflowCertificate(identity: CertificateIdentity): boolean {
  return identity.issuer === GITHUB_ACTIONS_ISSUER ||
    identity.extensions.sourceRepositoryURI !== undefined ||
    identity.san.some((s) => s.kind === "uri" && parseWorkflowSan(s.value) !== undefined);
}

function bindingFailed(
  code: string,
  message: string,
  expected: string,
  actual: string,
): CheckResult {
  return { id: "identity", status: "fail", code, message, expected, actual, loadBearing: false };
}

/**
 * Checks the subject binding. A workflow certificate must have been built from the subject's
 * repository (or from the one a rule names explicitly with `--repo`/`source_repository`) and from
 * the subject's ref or commit. A certificate that is not a workflow identity cannot be bound to
 * a repository: it passes only when a rule named its exact SAN (`exactSan`), else it fails.
 */
function checkSubjectBinding(
  identity: CertificateIdentity,
  binding: SubjectBinding,
  repoOverride: string | undefined,
  exactSan: boolean,
  host: string,
): CheckResult | undefined {
  const shownSan = identity.san.map((s) => s.value).join(", ") || "(none)";
  if (!isWorkflowCertificate(identity)) {
    if (exactSan) return undefined;
    return bindingFailed(
      "identity-not-a-workflow",
      `signed by ${shownSan}, which is not a GitHub Actions workflow identity, so nothing binds ` +
        `it to ${binding.source} (name the signer exactly with --certificate-identity to accept it)`,
      `a workflow of ${binding.repo}`,
      shownSan,
    );
  }
  const repo = repoOverride ?? binding.repo;
  const expectedUri = `https://${host}/${repo}`;
  const source = identity.extensions.sourceRepositoryURI;
  if (!source || source.toLowerCase() !== expectedUri.toLowerCase()) {
    return bindingFailed(
      "identity-repository-mismatch",
      `the signature was built from ${
        source ?? "(no source repository recorded)"
      }, not ${expectedUri}` +
        ` (${repoOverride ? "the repository the signer rule names" : binding.source})`,
      expectedUri,
      source ?? "(none)",
    );
  }
  const want = binding.ref;
  if (want && (want.ref !== undefined || want.commit !== undefined)) {
    const ref = identity.extensions.sourceRepositoryRef;
    const commit = identity.extensions.sourceRepositoryDigest;
    // When both commits are known they decide (a build from a branch at the tag's commit is the
    // tag's; a build "of the tag" at another commit is not: the tag moved). Else the ref does.
    const commitKnown = want.commit !== undefined && commit !== undefined;
    const bound = commitKnown
      ? commit.toLowerCase() === want.commit!.toLowerCase()
      : want.ref !== undefined && ref === want.ref;
    if (!bound) {
      const wanted = [want.ref, want.commit ? `commit ${want.commit}` : undefined]
        .filter((w) => w !== undefined).join(" or ");
      return bindingFailed(
        "identity-ref-mismatch",
        `built from ${ref ?? "(no ref recorded)"} at ${commit ?? "(no commit recorded)"}, ` +
          `not from ${wanted} (${binding.source})`,
        wanted,
        `${ref ?? "(none)"} at ${commit ?? "(none)"}`,
      );
    }
  }
  return undefined;
}

/**
 * The workflow (`OWNER/REPO/PATH`) a rule names: `--signer-workflow` / a policy `workflow`, or an
 * exact SAN that is a GitHub Actions workflow identity on `host` (a SAN names the workflow and
 * the workflow's ref, which for a reusable workflow is not the ref of the source it built).
 */
function namedWorkflow(rule: SignerRequirement, host: string): string | undefined {
  if (rule.signerWorkflow !== undefined) return rule.signerWorkflow;
  if (rule.san === undefined || (rule.issuer ?? GITHUB_ACTIONS_ISSUER) !== GITHUB_ACTIONS_ISSUER) {
    return undefined;
  }
  const parsed = parseWorkflowSan(rule.san);
  if (!parsed || parsed.host !== host.toLowerCase()) return undefined;
  return `${parsed.owner}/${parsed.repo}/${parsed.path}`;
}

/**
 * What binds a signature when the subject names no repository of its own (a local file): a
 * workflow named without a repository (`--signer-workflow`, a policy `workflow`, or an exact
 * workflow SAN) must have built from its own repository, since a reusable workflow runs for
 * anyone who calls it. A rule of the same alternative that names the repository (`--repo`,
 * `source_repository`) binds it instead.
 */
function impliedBinding(
  named: readonly SignerRequirement[],
  host: string,
): SubjectBinding | undefined {
  if (named.some((r) => r.repo !== undefined || r.sourceRepository !== undefined)) {
    return undefined;
  }
  for (const rule of named) {
    const workflow = namedWorkflow(rule, host);
    if (workflow === undefined) continue;
    return {
      repo: workflow.split("/").slice(0, 2).join("/"),
      source: `${rule.source}, a workflow named without a repository (name another ` +
        "repository's build with --repo or source_repository)",
    };
  }
  return undefined;
}

/** The rule the subject alone implies when nobody named a signer: a workflow of its repository. */
function defaultRule(binding: SubjectBinding): SignerRequirement {
  return { repo: binding.repo, source: binding.source };
}

/**
 * Judges one alternative: the command-line rule, at most one policy signer, and the subject
 * binding, all of which must hold. Returns the first failure, or the pass of the most specific
 * rule with every constraint that held listed.
 */
function judgeAlternative(
  identity: CertificateIdentity,
  rules: SignerRules,
  policySigner: SignerRequirement | undefined,
): CheckResult {
  const named = [rules.cli, policySigner].filter((r) => r !== undefined);
  const subject = rules.subject ?? impliedBinding(named, rules.host);
  const applied = named.length > 0 ? named : subject ? [defaultRule(subject)] : [];
  if (applied.length === 0) return unboundIdentity(identity);
  let pass: CheckResult | undefined;
  for (const rule of applied) {
    const result = checkIdentity(identity, rule, rules.host);
    if (result.status !== "pass") return result;
    pass = result;
  }
  if (subject) {
    // A repository a rule names explicitly (`--repo`, `source_repository`) replaces the
    // subject's repository (a release published from another repository's workflows); the
    // subject's ref or commit still binds.
    const override = named.map((r) => r.sourceRepository ?? r.repo).find((r) => r !== undefined);
    const exactSan = named.some((r) => r.san !== undefined && !namesWorkflow(r));
    const bound = checkSubjectBinding(identity, subject, override, exactSan, rules.host);
    if (bound) {
      return policySigner?.policyRef ? { ...bound, policyRef: policySigner.policyRef } : bound;
    }
  }
  const sources = [
    ...new Set([...named.map((r) => r.source), ...(subject ? [subject.source] : [])]),
  ];
  const shownSan = identity.san.map((s) => s.value).join(", ") || "(none)";
  return {
    ...pass!,
    message: `signed by ${shownSan} (issuer ${identity.issuer ?? "none"}), as ${
      sources.join(" and ")
    } require${sources.length > 1 ? "" : "s"}`,
    expected: [
      ...named.map(describeRequirement),
      ...(subject ? [describeBinding(subject)] : []),
    ].filter((e) => e !== "").join("; "),
  };
}

/** Describes a subject binding in one line. */
export function describeBinding(binding: SubjectBinding): string {
  const ref = binding.ref;
  const from = [ref?.ref, ref?.commit ? `commit ${ref.commit}` : undefined]
    .filter((w) => w !== undefined);
  return `built from ${binding.repo}` + (from.length ? ` at ${from.join(" or ")}` : "");
}

/**
 * The `identity` check of a certificate against every constraint on the subject's signer: the
 * command-line rule AND one of the policy's signers AND the subject binding. With no rule and no
 * subject binding, the unbound skip (nobody named a signer). A failure reports the reason of the
 * first policy signer tried, and how many were.
 */
export function judgeSigner(identity: CertificateIdentity, rules: SignerRules): CheckResult {
  if (rules.policy.length === 0) return judgeAlternative(identity, rules, undefined);
  const results = rules.policy.map((signer) => judgeAlternative(identity, rules, signer));
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
