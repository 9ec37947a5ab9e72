/**
 * Red team 8b: `require = ["crate-source"]` met by a `crate-source` pass that bears no weight.
 * Against a commit GitHub serves under the repository that no tag names and the default branch
 * does not lead to (a fork's "impostor" commit), `crate-source` still passes, but qualified:
 * "this shows only that the crate is that commit's tree" (loadBearing false), and `crate-vcs` is
 * an optional skip. A policy that requires `crate-source` asks for the crate to be shown to be
 * the repository's source; as a `checksum` requirement is not met by GitHub's upload digest, it
 * must not be met by a pass that proves nothing about whose source it is.
 */
import assert from "node:assert/strict";
import { runTinyAttest } from "./support/crate_runs.ts";
import { TINY_ATTEST_COMMIT, TINY_ATTEST_CRATE } from "./support/tiny_attest.ts";

const POLICY = 'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-source"]\n';

Deno.test("redteam8b require crate-source: the control (the commit of tag v0.1.0) is TRUSTED", async () => {
  const r = await runTinyAttest(TINY_ATTEST_CRATE, { policy: POLICY });
  assert.equal(r.code, 0, r.out + r.err);
});

Deno.test("redteam8b require crate-source: a match against a fork's commit does not meet require = [crate-source]", async () => {
  const r = await runTinyAttest(TINY_ATTEST_CRATE, {
    policy: POLICY,
    repository: { tags: [], forkCommits: [TINY_ATTEST_COMMIT] },
  });
  // The comparison itself passed, but bears no weight: the requirement is not met.
  assert.equal(r.source[0]?.status, "pass", r.out);
  assert.match(r.out, /crate-vcs-commit-unbound/);
  assert.notEqual(r.code, 0, r.out + r.err);
  assert.equal(r.verdict, "UNVERIFIED", r.out + r.err);
});
