/**
 * Red team (#15 §1): "no attestation" may only be concluded from a bulk listing that GitHub
 * answered whole for the crate's digest. An answer of another shape (no
 * `attestations_subject_digests`, or one that is not an object) must fall back to the
 * per-repository listing, which here holds an attestation that cannot be verified: the crate is
 * never TRUSTED. Through `main()`, against the loopback fakes.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { budgetCrates } from "./support/budget_crates.ts";
import { sha256Hex, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { startFakeGithub } from "./support/fake_github.ts";
import { withTempDir } from "./support/temp_dir.ts";

async function run(body: unknown | ((digest: string) => unknown)) {
  const data = await budgetCrates(1);
  const repositories = data.repositories.map((r) => ({ ...r, ownerType: "Organization" as const }));
  const digest = sha256Hex(data.crates[0].bytes);
  const bulkAttestationsBody = typeof body === "function" ? body(digest) : body;
  const cratesIo = startFakeCratesIo(data.crates);
  const github = startFakeGithub([], {
    repositories,
    attestations: { [digest]: [{ mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json" }] },
    ...(bulkAttestationsBody === undefined ? {} : { bulkAttestationsBody }),
  });
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, data.lock);
      const io = createMemoryIo({
        ...cratesIo.env,
        CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
        CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
        GH_TOKEN: "ghp_test",
      });
      const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
      const subject = JSON.parse(io.out).subjects[0] as {
        verdict: string;
        checks: { id: string; code: string }[];
      };
      const bulk = github.requests.filter((r) => r.path.includes("/bulk-list")).length;
      return { code, subject, bulk, out: io.out };
    });
  } finally {
    await cratesIo.close();
    await github.close();
  }
}

const attestation = (s: { checks: { id: string; code: string }[] }) =>
  s.checks.find((c) => c.id === "attestation")?.code;

Deno.test("redteam5 bulk: the control, a listing GitHub answered, finds the broken attestation", async () => {
  const r = await run(undefined);
  assert.ok(r.bulk >= 1);
  assert.notEqual(r.subject.verdict, "TRUSTED", r.out);
  assert.notEqual(attestation(r.subject), "attestation-not-published", r.out);
});

for (
  const [what, body] of [
    ["an empty object", {}],
    ["no digests, a page_info", { page_info: { has_next: false } }],
    ["digests of null", { attestations_subject_digests: null }],
    ["another digest only", {
      attestations_subject_digests: { ["sha256:" + "ab".repeat(32)]: null },
    }],
  ] as const
) {
  Deno.test(`redteam5 bulk: a listing of ${what} is not "no attestation"`, async () => {
    const r = await run(body);
    assert.ok(r.bulk >= 1);
    assert.notEqual(r.subject.verdict, "TRUSTED", r.out);
    assert.notEqual(attestation(r.subject), "attestation-not-published", r.out);
  });
}

for (
  const [what, pageInfo] of [
    ["no page_info", undefined],
    ["a has_next that is not a boolean", { has_next: "true", next: "30" }],
    ["a page_info that is not an object", "done"],
  ] as const
) {
  Deno.test(`redteam5 bulk: a listing with ${what} is not known whole`, async () => {
    const r = await run((digest: string) => ({
      attestations_subject_digests: { [`sha256:${digest}`]: null },
      ...(pageInfo === undefined ? {} : { page_info: pageInfo }),
    }));
    assert.ok(r.bulk >= 1);
    assert.notEqual(r.subject.verdict, "TRUSTED", r.out);
    assert.notEqual(attestation(r.subject), "attestation-not-published", r.out);
  });
}
