/**
 * Runs of the CLI against loopback fakes for the attack and binding-matrix tests: a release
 * `octo-org/app v1.0.0` with one asset, and the real tiny-attest crate, each with evidence made by
 * the virtual Sigstore (one instance standing for public-good, one for GitHub's own, whose Fulcio
 * is fulcio.githubapp.com). Every run goes through `main()` as a user's would.
 * @module
 */
import { tinyAttestRepository } from "./tiny_attest.ts";
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { type FakeAsset, type FakeRepository, startFakeGithub } from "./fake_github.ts";
import { type FakeCrate, startFakeCratesIo } from "./fake_crates_io.ts";
import {
  type GitHubWorkflow,
  type LeafOptions,
  VirtualSigstore,
  workflowSan,
} from "./virtual_sigstore.ts";
import { TINY_ATTEST_COMMIT } from "./tiny_attest.ts";
import { GITHUB_RELEASES_SAN, RELEASE_PREDICATE } from "../../lib/checks/release_attestation.ts";

export const encoder = new TextEncoder();
export const APP = encoder.encode("the app's bytes\n");
export const APP_SHA256 = Array.from(
  new Uint8Array(await crypto.subtle.digest("SHA-256", APP)),
  (b) => b.toString(16).padStart(2, "0"),
).join("");
export const COMMIT = "0123456789abcdef0123456789abcdef01234567";
export const OLD_COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
export const RELEASE_WORKFLOW: GitHubWorkflow = {
  repository: "octo-org/app",
  workflow: ".github/workflows/release.yml",
  ref: "refs/tags/v1.0.0",
  sha: COMMIT,
};
export const SLSA_WORKFLOW = "slsa-framework/slsa-github-generator/.github/workflows/" +
  "generator_generic_slsa3.yml";
export const SLSA_SAN = `https://github.com/${SLSA_WORKFLOW}@refs/tags/v2.1.0`;

export const publicGood = await VirtualSigstore.create();
export const githubInstance = await VirtualSigstore.create({
  name: "github-instance",
  organization: "githubapp.com",
});

export interface Run {
  readonly code: number;
  readonly report: {
    verdict: string;
    subjects: { checks: { id: string; status: string; code: string; message: string }[] }[];
  };
  readonly err: string;
}

/**
 * Runs `file app.tar.gz --bundle … --trusted-root … --json` (the public-good root) with a policy
 * file, a `--key` file and arguments, when given; `out` holds stdout and stderr.
 */
export async function runFile(
  bundle: string,
  options: { policy?: string; args?: string[]; key?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/app.tar.gz`, APP);
    await Deno.writeTextFile(`${dir}/app.sigstore.json`, bundle);
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const extra: string[] = [];
    if (options.policy !== undefined) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      extra.push("--policy", `${dir}/attest.toml`);
    }
    if (options.key !== undefined) {
      await Deno.writeTextFile(`${dir}/key.pem`, options.key);
      extra.push("--key", `${dir}/key.pem`);
    }
    const io = createMemoryIo(options.env ?? {});
    const code = await main([
      "file",
      `${dir}/app.tar.gz`,
      "--bundle",
      `${dir}/app.sigstore.json`,
      "--trusted-root",
      `${dir}/root.json`,
      "--json",
      ...extra,
      ...(options.args ?? []),
    ], io);
    return { code, out: io.out + io.err };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `release octo-org/app v1.0.0` with the asset, the given evidence and arguments. */
export async function runRelease(
  options: {
    attestations?: unknown[];
    beside?: string;
    args?: string[];
    policy?: string;
    roots?: VirtualSigstore[];
    /** More assets (checksum files, signatures) beside app.tar.gz. */
    extraAssets?: FakeAsset[];
    /** The release notes. */
    body?: string;
    /** The commit the tag names (default {@link COMMIT}). */
    tagCommit?: string;
  },
): Promise<Run> {
  const dir = await Deno.makeTempDir();
  const assets: FakeAsset[] = [{ name: "app.tar.gz", bytes: APP }, ...(options.extraAssets ?? [])];
  if (options.beside) {
    assets.push({ name: "app.tar.gz.sigstore.json", bytes: encoder.encode(options.beside) });
  }
  const github = startFakeGithub(
    [{
      owner: "octo-org",
      repo: "app",
      tag: "v1.0.0",
      commit: options.tagCommit ?? COMMIT,
      assets,
      ...(options.body !== undefined ? { body: options.body } : {}),
    }],
    { attestations: options.attestations ? { [APP_SHA256]: options.attestations } : {} },
  );
  try {
    const rootArgs: string[] = [];
    for (const [i, vs] of (options.roots ?? [publicGood]).entries()) {
      // GitHub's instance lists no transparency or CT log, as the real one does not.
      const text = vs === githubInstance
        ? vs.trustedRoot({ tlogs: [], ctlogs: false })
        : vs.trustedRoot();
      await Deno.writeTextFile(`${dir}/root${i}.json`, text);
      rootArgs.push("--trusted-root", `${dir}/root${i}.json`);
    }
    const policyArgs: string[] = [];
    if (options.policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({ CARGO_ATTEST_GITHUB_API_URL: github.apiUrl });
    const code = await main([
      "release",
      "octo-org/app",
      "v1.0.0",
      "--json",
      ...rootArgs,
      ...policyArgs,
      ...(options.args ?? []),
    ], io);
    return { code, report: JSON.parse(io.out), err: io.err };
  } finally {
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

export function codes(run: Run): string[] {
  return run.report.subjects.flatMap((s) => s.checks.map((c) => `${c.id}:${c.status}:${c.code}`));
}

export function show(run: Run): string {
  return `exit ${run.code}\n${codes(run).join("\n")}\n${run.err}`;
}

/** A DSSE bundle over the app with a workflow identity. */
export async function workflowBundle(
  workflow: Partial<GitHubWorkflow> = {},
  leaf: Partial<LeafOptions> = {},
): Promise<string> {
  const w = { ...RELEASE_WORKFLOW, ...workflow };
  const bundle = await publicGood.sign({
    artifact: APP,
    content: "dsse",
    leaf: { github: w, san: { uri: workflowSan(w) }, ...leaf },
  });
  return bundle.json;
}

/** A GitHub release attestation over the app, signed by `vs`. */
export async function releaseAttestation(
  vs: VirtualSigstore,
  options: {
    tag?: string;
    repository?: string;
    leaf?: Partial<LeafOptions>;
    /** Leave out the release's own `pkg:github/…` subject. */
    noPurl?: boolean;
  } = {},
): Promise<string> {
  const tag = options.tag ?? "v1.0.0";
  const repository = options.repository ?? "octo-org/app";
  const payload = {
    _type: "https://in-toto.io/Statement/v1",
    subject: [
      ...(options.noPurl
        ? []
        : [{ uri: `pkg:github/${repository}@${tag}`, digest: { sha1: COMMIT } }]),
      { name: "app.tar.gz", digest: { sha256: APP_SHA256 } },
    ],
    predicateType: RELEASE_PREDICATE,
    predicate: { repository, tag, releaseId: "1" },
  };
  const bundle = await vs.sign({
    artifact: APP,
    content: "dsse",
    statement: encoder.encode(JSON.stringify(payload)),
    ...(vs === githubInstance ? { tlog: "none" as const, timestamps: 1 } : {}),
    leaf: {
      san: { uri: GITHUB_RELEASES_SAN },
      oidcIssuer: null,
      github: null,
      ...options.leaf,
    },
  });
  return bundle.json;
}

export const CRATE = await Deno.readFile(
  new URL("../fixtures/crates/tiny-attest-0.1.0.crate", import.meta.url),
);
export const CRATE_SHA256 = "c29ad53b5b5610fa3ff9226759fb145219b6586c9a04bee1f16865a9822a14df";

/** Runs `crate tiny-attest@0.1.0` with one attestation of the `.crate` signed as `workflow`. */
export async function runCrate(
  workflow: Partial<GitHubWorkflow> | undefined,
  leaf: Partial<LeafOptions> = {},
  args: string[] = [],
  policy?: string,
  fakes: {
    crate?: Partial<FakeCrate>;
    repository?: Partial<FakeRepository>;
    /** The instance that signs the attestation (default public-good, which the run trusts). */
    signer?: VirtualSigstore;
  } = {},
): Promise<Run> {
  const w = {
    repository: "attest-fixtures/tiny-attest",
    workflow: ".github/workflows/release.yml",
    ref: "refs/tags/v0.1.0",
    sha: TINY_ATTEST_COMMIT,
    ...workflow,
  };
  // `workflow` undefined: no attestation is published.
  const bundle = workflow === undefined ? undefined : await (fakes.signer ?? publicGood).sign({
    artifact: CRATE,
    content: "dsse",
    leaf: { github: w, san: { uri: workflowSan(w) }, ...leaf },
  });
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([{
    name: "tiny-attest",
    version: "0.1.0",
    bytes: CRATE,
    repository: "https://github.com/attest-fixtures/tiny-attest",
    ...fakes.crate,
  }]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository(fakes.repository)],
    attestations: bundle ? { [CRATE_SHA256]: [JSON.parse(bundle.json)] } : {},
  });
  try {
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const policyArgs: string[] = [];
    if (policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(
      [
        "crate",
        "tiny-attest@0.1.0",
        "--json",
        "--trusted-root",
        `${dir}/root.json`,
        ...policyArgs,
        ...args,
      ],
      io,
    );
    return { code, report: JSON.parse(io.out), err: io.err };
  } finally {
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}
