/**
 * Options shared by the verifying commands (`file`, `release`, …): who may sign, which trust
 * roots, how strict, and the policy file (refused until policies are supported).
 * @module
 */
import type { SignerRequirement } from "../checks/identity.ts";
import { AttestError, UsageError } from "../errors.ts";
import { selectRoots } from "../trust/embedded.ts";
import { loadTrustedRootFiles } from "../trust/load.ts";
import type { TrustedRoot } from "../trust/trusted_root.ts";
import { flag, listOption, type OptionTable, type ParsedArgs, stringOption } from "./args.ts";
import { OUTPUT_OPTIONS } from "./output_options.ts";

/** The option table entries every verifying command accepts. */
export const VERIFY_OPTIONS: OptionTable = {
  ...OUTPUT_OPTIONS,
  repo: { type: "string" },
  "signer-workflow": { type: "string" },
  "source-ref": { type: "string" },
  "certificate-identity": { type: "string" },
  "certificate-oidc-issuer": { type: "string" },
  "trusted-root": { type: "string", multiple: true },
  staging: { type: "boolean" },
  "require-rekor": { type: "boolean" },
  strict: { type: "boolean" },
  offline: { type: "boolean" },
  "no-cache": { type: "boolean" },
  jobs: { type: "string" },
  policy: { type: "string" },
};

/** The trusted roots a verifying command uses: `--trusted-root` files, `--staging`, or the embedded ones. */
export async function rootsFromArgs(parsed: ParsedArgs): Promise<TrustedRoot[]> {
  const custom = await loadTrustedRootFiles(listOption(parsed, "trusted-root"));
  return await selectRoots({ custom, staging: flag(parsed, "staging") });
}

/** Reads the signer requirement from `--repo`, `--signer-workflow`, `--source-ref`, `--certificate-*`. */
export function signerFromArgs(parsed: ParsedArgs): SignerRequirement | undefined {
  const repo = stringOption(parsed, "repo");
  const signerWorkflow = stringOption(parsed, "signer-workflow");
  const sourceRef = stringOption(parsed, "source-ref");
  const san = stringOption(parsed, "certificate-identity");
  const issuer = stringOption(parsed, "certificate-oidc-issuer");
  if (repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repo)) {
    throw new UsageError(`--repo must be OWNER/REPO (got '${repo}')`);
  }
  if (signerWorkflow !== undefined && signerWorkflow.split("/").length < 3) {
    throw new UsageError(
      `--signer-workflow must be OWNER/REPO/PATH (got '${signerWorkflow}')`,
      "e.g. --signer-workflow BurntSushi/ripgrep/.github/workflows/release.yml",
    );
  }
  if ((san === undefined) !== (issuer === undefined)) {
    throw new UsageError("--certificate-identity and --certificate-oidc-issuer go together");
  }
  if ([repo, signerWorkflow, sourceRef, san].every((v) => v === undefined)) return undefined;
  if (
    sourceRef !== undefined && repo === undefined && signerWorkflow === undefined &&
    san === undefined
  ) {
    throw new UsageError("--source-ref narrows --repo or --signer-workflow; give one of them too");
  }
  const source = [
    repo !== undefined ? `--repo ${repo}` : "",
    signerWorkflow !== undefined ? `--signer-workflow ${signerWorkflow}` : "",
    sourceRef !== undefined ? `--source-ref ${sourceRef}` : "",
    san !== undefined ? "--certificate-identity" : "",
  ].filter((s) => s).join(" ");
  return { repo, signerWorkflow, sourceRef, san, issuer, source };
}

/** Stops the run when a policy file is given or found: ignoring it could weaken what it demands. */
export async function refuseUnsupportedPolicy(parsed: ParsedArgs): Promise<void> {
  const explicit = stringOption(parsed, "policy");
  let implicit = false;
  if (explicit === undefined) {
    try {
      implicit = (await Deno.stat("attest.toml")).isFile;
    } catch {
      implicit = false;
    }
  }
  if (explicit !== undefined || implicit) {
    throw new AttestError(
      "policy-unsupported",
      `${explicit ?? "./attest.toml"}: policy files are not supported by this version yet, ` +
        "and ignoring one could weaken what it demands",
      {
        hint: "run without a policy (move attest.toml aside) or use a version with policy support",
      },
    );
  }
}
