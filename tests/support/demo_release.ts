/**
 * The GitHub provenance demo release (actions/attest-demo v0.0.12): a Python wheel with a real
 * Sigstore bundle from GitHub's attestation test data (tests/fixtures/corpus/cases/
 * gh-github-provenance-demo), as the fake GitHub serves it with a SHA256SUMS asset beside it.
 * @module
 */
import type { FakeRelease } from "./fake_github.ts";

const CASE = new URL("../fixtures/corpus/cases/gh-github-provenance-demo/", import.meta.url);

/** The wheel's asset name. */
export const WHEEL_NAME = "github_provenance_demo-0.0.12-py3-none-any.whl";
/** The wheel's bytes. */
export const WHEEL = await Deno.readFile(new URL(WHEEL_NAME, CASE));
/** The wheel's SHA-256. */
export const WHEEL_SHA256 = "ae57936def59bc4c75edd3a837d89bcefc6d3a5e31d55a6fa7a71624f92c3c3b";
/** The wheel's Sigstore bundle (parsed JSON). */
export const BUNDLE = JSON.parse(await Deno.readTextFile(new URL("bundle.sigstore.json", CASE)));
/** The commit the bundle's certificate names. */
export const COMMIT = "a6c23b9806c593664f68637c8f9d45dfcf98b2db";

/** The release (the wheel and a SHA256SUMS naming it), with `overrides` applied. */
export function demoRelease(overrides: Partial<FakeRelease> = {}): FakeRelease {
  return {
    owner: "actions",
    repo: "attest-demo",
    tag: "v0.0.12",
    commit: COMMIT,
    body: "Release notes.\n",
    assets: [
      { name: WHEEL_NAME, bytes: WHEEL, digest: `sha256:${WHEEL_SHA256}` },
      {
        name: "SHA256SUMS",
        bytes: new TextEncoder().encode(`${WHEEL_SHA256}  ${WHEEL_NAME}\n`),
      },
    ],
    ...overrides,
  };
}
