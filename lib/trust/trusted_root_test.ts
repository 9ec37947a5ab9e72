import assert from "node:assert/strict";
import { encodeBase64 } from "../crypto/bytes.ts";
import { embeddedRootText } from "./embedded.ts";
import { isWithinWindow, parseTrustedRoot, TrustedRootError } from "./trusted_root.ts";

type Json = Record<string, unknown>;

/** The public-good root as a mutable document (2 tlogs, 2 ctlogs, 2 CAs, 1 TSA). */
function publicGood(): Json {
  return JSON.parse(embeddedRootText("public-good"));
}

async function rejects(doc: Json, message: string): Promise<void> {
  await assert.rejects(
    parseTrustedRoot(JSON.stringify(doc), "trusted_root.json"),
    (error: unknown) => {
      assert.ok(error instanceof TrustedRootError);
      assert.equal(error.message, message);
      return true;
    },
  );
}

const at = (path: (string | number)[], doc: Json): Json =>
  path.reduce<unknown>((v, k) => (v as Json)[k as string], doc) as Json;

Deno.test("trusted root: an entry without validFor.start is invalid, naming the file and the field", async () => {
  const cases: [(string | number)[], string][] = [
    [["tlogs", 1, "publicKey", "validFor"], "tlogs[1].publicKey.validFor.start"],
    [["ctlogs", 0, "publicKey", "validFor"], "ctlogs[0].publicKey.validFor.start"],
    [["certificateAuthorities", 1, "validFor"], "certificateAuthorities[1].validFor.start"],
    [["timestampAuthorities", 0, "validFor"], "timestampAuthorities[0].validFor.start"],
  ];
  for (const [path, field] of cases) {
    const doc = publicGood();
    const window = at(path, doc);
    assert.ok(typeof window.start === "string", `${field} exists in the fixture`);
    delete window.start;
    await rejects(doc, `trusted_root.json: ${field} is missing`);
    // A null start is as missing as an absent one.
    window.start = null;
    await rejects(doc, `trusted_root.json: ${field} is missing`);
  }
  // The whole validFor missing: the start is missing too.
  const doc = publicGood();
  delete at(["tlogs", 0, "publicKey"], doc).validFor;
  await rejects(
    doc,
    "trusted_root.json: tlogs[0].publicKey.validFor.start is missing " +
      "(tlogs[0].publicKey.validFor is missing)",
  );
  const noCaWindow = publicGood();
  delete at(["certificateAuthorities", 0], noCaWindow).validFor;
  await assert.rejects(
    parseTrustedRoot(JSON.stringify(noCaWindow), "r.json"),
    /r\.json: certificateAuthorities\[0\]\.validFor\.start is missing/,
  );
});

Deno.test("trusted root: an unparseable or inverted window is invalid", async () => {
  const doc = publicGood();
  at(["tlogs", 0, "publicKey", "validFor"], doc).start = "yesterday";
  await rejects(
    doc,
    'trusted_root.json: tlogs[0].publicKey.validFor.start: "yesterday" is not an RFC 3339 time',
  );
  const inverted = publicGood();
  Object.assign(at(["timestampAuthorities", 0, "validFor"], inverted), {
    start: "2025-01-02T00:00:00Z",
    end: "2025-01-01T00:00:00Z",
  });
  await assert.rejects(
    parseTrustedRoot(JSON.stringify(inverted), "t.json"),
    /t\.json: timestampAuthorities\[0\]\.validFor: end .* precedes start/,
  );
});

Deno.test("trusted root: validFor is a closed interval; no end is open-ended", async () => {
  const doc = publicGood();
  Object.assign(at(["timestampAuthorities", 0, "validFor"], doc), {
    start: "2025-01-01T00:00:00Z",
    end: "2025-02-01T00:00:00Z",
  });
  const root = await parseTrustedRoot(JSON.stringify(doc), "t.json");
  const window = root.timestampAuthorities[0].validFor;
  assert.equal(isWithinWindow(window, new Date("2025-01-01T00:00:00Z")), true);
  assert.equal(isWithinWindow(window, new Date("2025-02-01T00:00:00Z")), true);
  assert.equal(isWithinWindow(window, new Date("2025-02-01T00:00:00.001Z")), false);
  assert.equal(isWithinWindow(window, new Date("2024-12-31T23:59:59.999Z")), false);
  const open = root.tlogs[1].validFor; // log2025-1: start only
  assert.equal(open.end, undefined);
  assert.equal(isWithinWindow(open, new Date("2100-01-01T00:00:00Z")), true);
});

Deno.test("trusted root: a start finer than a millisecond is rounded inward, never widening the window", async () => {
  const doc = publicGood();
  Object.assign(at(["certificateAuthorities", 0, "validFor"], doc), {
    start: "2025-01-01T00:00:00.000000001Z",
    end: "2025-02-01T00:00:00.999999999Z",
  });
  const window = (await parseTrustedRoot(JSON.stringify(doc), "t.json")).certificateAuthorities[0]
    .validFor;
  assert.equal(isWithinWindow(window, new Date("2025-01-01T00:00:00.000Z")), false);
  assert.equal(isWithinWindow(window, new Date("2025-01-01T00:00:00.001Z")), true);
  assert.equal(isWithinWindow(window, new Date("2025-02-01T00:00:00.999Z")), true);
});

Deno.test("trusted root: newer TrustedRoot fields and media types are accepted, unknown fields ignored", async () => {
  const doc = publicGood();
  doc.mediaType = "application/vnd.dev.sigstore.trustedroot.v0.2+json";
  doc.futureTopLevel = { anything: [1, 2, 3] };
  const tlog = at(["tlogs", 1], doc);
  tlog.checkpointKeyId = { keyId: encodeBase64(new Uint8Array([1, 2, 3, 4])) };
  tlog.operator = "sigstore.dev";
  tlog.someNewField = "ignored";
  at(["tlogs", 1, "publicKey"], doc).futureKeyField = true;
  at(["ctlogs", 0], doc).operator = "sigstore.dev";
  at(["certificateAuthorities", 0], doc).operator = "sigstore.dev";
  at(["timestampAuthorities", 0], doc).operator = "sigstore.dev";
  at(["timestampAuthorities", 0], doc).newerField = { nested: "x" };
  const root = await parseTrustedRoot(JSON.stringify(doc), "v02.json");
  assert.equal(root.tlogs.length, 2);
  assert.deepEqual([...root.tlogs[1].checkpointKeyId!], [1, 2, 3, 4]);
  assert.equal(root.tlogs[1].baseUrl, "https://log2025-1.rekor.sigstore.dev");
  assert.equal(root.timestampAuthorities.length, 1);
  for (
    const mediaType of [
      "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
      "application/vnd.dev.sigstore.trustedroot.v0.1+json",
      "application/vnd.dev.sigstore.trustedroot.v0.3+json",
    ]
  ) {
    doc.mediaType = mediaType;
    await parseTrustedRoot(JSON.stringify(doc), "m.json");
  }
  for (const mediaType of ["application/json", "application/vnd.dev.sigstore.bundle.v0.3+json"]) {
    doc.mediaType = mediaType;
    await assert.rejects(
      parseTrustedRoot(JSON.stringify(doc), "m.json"),
      /m\.json: mediaType .* is not a Sigstore trusted root/,
    );
  }
});
