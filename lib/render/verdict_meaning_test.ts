import assert from "node:assert/strict";
import { verdictMeaning } from "./verdict_meaning.ts";
import type { SubjectReport } from "../verdict/report.ts";

const crate = (change?: SubjectReport["change"]): SubjectReport => ({
  subject: { kind: "crate", name: "a", version: "1.0.0", sha256: "" },
  verdict: change?.kind === "unchanged" ? "UNVERIFIED" : "TRUSTED",
  checks: [],
  assurance: [],
  ...(change ? { change } : {}),
});

Deno.test("verdictMeaning: TRUSTED with a verified subject says a load-bearing proof matched", () => {
  assert.equal(
    verdictMeaning({ verdict: "TRUSTED", subjects: [crate()] }),
    "a load-bearing proof matched and nothing failed",
  );
  assert.equal(
    verdictMeaning({ verdict: "TRUSTED", subjects: [crate({ kind: "added" })] }),
    "a load-bearing proof matched and nothing failed",
  );
});

Deno.test("verdictMeaning: TRUSTED with no verified subject says nothing needed verifying", () => {
  assert.match(verdictMeaning({ verdict: "TRUSTED", subjects: [] }), /^nothing needed verifying/);
  const unchanged = crate({ kind: "unchanged" });
  assert.match(
    verdictMeaning({ verdict: "TRUSTED", subjects: [unchanged] }),
    /^nothing needed verifying/,
  );
});

Deno.test("verdictMeaning: the other verdicts keep their meaning with or without subjects", () => {
  assert.equal(
    verdictMeaning({ verdict: "UNVERIFIED", subjects: [] }),
    "nothing failed, but evidence was missing",
  );
  assert.equal(
    verdictMeaning({ verdict: "MISMATCH", subjects: [crate()] }),
    "evidence was present and did not match",
  );
  assert.equal(verdictMeaning({ verdict: "ERROR", subjects: [] }), "the run could not complete");
});
