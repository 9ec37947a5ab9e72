import assert from "node:assert/strict";
import type { CertificateIdentity } from "../evidence/fulcio_identity.ts";
import { checkIdentity, GITHUB_ACTIONS_ISSUER, parseWorkflowSan } from "./identity.ts";

function identity(
  san: string,
  extensions: Record<string, string> = {},
  issuer: string | undefined = GITHUB_ACTIONS_ISSUER,
): CertificateIdentity {
  return {
    san: [{ kind: "uri", value: san }],
    issuer,
    extensions,
    notBefore: new Date(0),
    notAfter: new Date(0),
    subjectDn: "",
    issuerDn: "",
  } as CertificateIdentity;
}

const RELEASE = identity(
  "https://github.com/Owner/repo/.github/workflows/release.yml@refs/tags/v1.0.0",
  { sourceRepositoryURI: "https://github.com/Owner/repo", sourceRepositoryRef: "refs/tags/v1.0.0" },
);

Deno.test("parseWorkflowSan() splits a workflow SAN into fields", () => {
  assert.deepEqual(
    parseWorkflowSan("https://github.com/o/r/.github/workflows/a.yml@refs/heads/main"),
    {
      host: "github.com",
      owner: "o",
      repo: "r",
      path: ".github/workflows/a.yml",
      ref: "refs/heads/main",
    },
  );
  assert.equal(parseWorkflowSan("https://github.com/o/r/.github/workflows/a.yml"), undefined);
  assert.equal(parseWorkflowSan("mailto:a@b.c"), undefined);
  assert.equal(parseWorkflowSan("http://github.com/o/r/w.yml@x"), undefined);
  // A file name may hold `@`; the ref starts at `@refs/` (or a whole commit id), and may hold `@`.
  const sha = "0123456789abcdef0123456789abcdef01234567";
  for (
    const [san, path, ref] of [
      [
        "https://github.com/o/r/.github/workflows/a.yml@evil.yml@refs/tags/v1",
        "a.yml@evil.yml",
        "refs/tags/v1",
      ],
      ["https://github.com/o/r/.github/workflows/a.yml@refs/heads/x@y", "a.yml", "refs/heads/x@y"],
      [`https://github.com/o/r/.github/workflows/a.yml@b.yml@${sha}`, "a.yml@b.yml", sha],
    ]
  ) {
    const parsed = parseWorkflowSan(san);
    assert.equal(parsed?.path, `.github/workflows/${path}`, san);
    assert.equal(parsed?.ref, ref, san);
  }
  assert.equal(parseWorkflowSan("https://github.com/o/r/.github/workflows/a.yml@main"), undefined);
});

Deno.test("checkIdentity() with no requirement is a skip, never a pass", () => {
  const r = checkIdentity(RELEASE, undefined);
  assert.equal(r.status, "skip");
  assert.equal(r.code, "identity-unbound");
});

Deno.test("checkIdentity() --repo: source repository and workflow repository, case-insensitively", () => {
  assert.equal(checkIdentity(RELEASE, { repo: "owner/REPO", source: "--repo" }).status, "pass");
  const other = checkIdentity(RELEASE, { repo: "owner/other", source: "--repo" });
  assert.equal(other.status, "fail");
  assert.equal(other.code, "identity-repository-mismatch");
  // A reusable workflow from another repository does not satisfy --repo alone.
  const reusable = identity(
    "https://github.com/shared/workflows/.github/workflows/build.yml@refs/heads/main",
    { sourceRepositoryURI: "https://github.com/Owner/repo" },
  );
  assert.equal(
    checkIdentity(reusable, { repo: "Owner/repo", source: "--repo" }).code,
    "identity-workflow-mismatch",
  );
  assert.equal(
    checkIdentity(reusable, {
      signerWorkflow: "shared/workflows/.github/workflows/build.yml",
      source: "x",
    }).status,
    "pass",
  );
});

Deno.test("checkIdentity() rejects look-alike repositories and prefixes", () => {
  const lookalike = identity(
    "https://github.com/Owner/repo-evil/.github/workflows/release.yml@refs/tags/v1.0.0",
    { sourceRepositoryURI: "https://github.com/Owner/repo-evil" },
  );
  assert.equal(checkIdentity(lookalike, { repo: "Owner/repo", source: "--repo" }).status, "fail");
  assert.equal(
    checkIdentity(RELEASE, { signerWorkflow: "Owner/repo/.github/workflows/release", source: "x" })
      .status,
    "fail",
  );
  assert.equal(
    checkIdentity(RELEASE, {
      san: "https://github.com/Owner/repo/.github/workflows/release.yml",
      source: "x",
    })
      .status,
    "fail",
  );
});

Deno.test("checkIdentity() checks the issuer and the source ref", () => {
  const gitlab = identity(RELEASE.san[0].value, RELEASE.extensions, "https://gitlab.com");
  assert.equal(
    checkIdentity(gitlab, { repo: "Owner/repo", source: "--repo" }).code,
    "identity-issuer-mismatch",
  );
  assert.equal(
    checkIdentity(RELEASE, { repo: "Owner/repo", sourceRef: "refs/tags/v2.0.0", source: "x" }).code,
    "identity-ref-mismatch",
  );
  assert.equal(
    checkIdentity(RELEASE, { repo: "Owner/repo", sourceRef: "refs/tags/v1.0.0", source: "x" })
      .status,
    "pass",
  );
});
