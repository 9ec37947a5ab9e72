import assert from "node:assert/strict";
import { splitBundleDocuments } from "./bundle_file.ts";

const A = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", x: 1 };
const B = { mediaType: "application/vnd.dev.sigstore.bundle.v0.3+json", x: 2 };

Deno.test("splitBundleDocuments() keeps a single bundle whole", () => {
  const text = JSON.stringify(A);
  assert.deepEqual(splitBundleDocuments(text), [{ text, location: "" }]);
});

Deno.test("splitBundleDocuments() splits gh's JSONL, one bundle per line", () => {
  const docs = splitBundleDocuments(`${JSON.stringify(A)}\n${JSON.stringify(B)}\n`);
  assert.deepEqual(docs.map((d) => JSON.parse(d.text).x), [1, 2]);
  assert.deepEqual(docs.map((d) => d.location), ["line 1", "line 2"]);
});

Deno.test("splitBundleDocuments() unwraps API attestations and pages", () => {
  const page = { attestations: [{ bundle: A, repository_id: 1 }, { bundle: B }] };
  const docs = splitBundleDocuments(JSON.stringify(page));
  assert.deepEqual(docs.map((d) => JSON.parse(d.text).x), [1, 2]);
  assert.equal(docs[1].location, "attestations[1]bundle");
  assert.equal(JSON.parse(splitBundleDocuments(JSON.stringify({ bundle: A }))[0].text).x, 1);
});

Deno.test("splitBundleDocuments() hands non-JSON back whole for the parser to report", () => {
  assert.deepEqual(splitBundleDocuments("garbage"), [{ text: "garbage", location: "" }]);
  const truncated = JSON.stringify(A).slice(0, 20);
  assert.deepEqual(splitBundleDocuments(truncated), [{ text: truncated, location: "" }]);
});
