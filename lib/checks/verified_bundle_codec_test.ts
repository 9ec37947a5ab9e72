import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { parseBundle } from "../evidence/bundle.ts";
import { loadEmbeddedRoot } from "../trust/embedded.ts";
import { type BundleMemo, checkBundle } from "./bundle_checks.ts";
import type { ArtifactInput, VerifiedBundle } from "./sigstore_bundle.ts";
import { decodeVerifiedBundle, encodeVerifiedBundle } from "./verified_bundle_codec.ts";

const DEMO = new URL("../../tests/fixtures/demo/", import.meta.url);
const BUNDLE_TEXT = await Deno.readTextFile(new URL("sigstore-2.1.0.tgz.sigstore.json", DEMO));
const ARTIFACT = await Deno.readFile(new URL("sigstore-2.1.0.tgz", DEMO));

function artifactInput(bytes: Uint8Array): ArtifactInput {
  const digest = (algorithm: string) =>
    new Uint8Array(createHash(algorithm).update(bytes).digest());
  return {
    sha256: digest("sha256"),
    digest: (algorithm) => Promise.resolve(digest(algorithm)),
    readAll: () => Promise.resolve(bytes),
    size: bytes.length,
  };
}

/** A memo in memory that records the keys it is asked for. */
function recordingMemo() {
  const stored = new Map<string, unknown>();
  const asked: string[] = [];
  let roots: Parameters<BundleMemo["recall"]>[1] = [];
  const memo: BundleMemo = {
    recall: (key, r) => {
      asked.push(key);
      roots = r;
      return Promise.resolve(
        stored.has(key) ? decodeVerifiedBundle(stored.get(key), roots) : undefined,
      );
    },
    remember: (key, verified) => {
      stored.set(key, JSON.parse(JSON.stringify(encodeVerifiedBundle(verified))));
      return Promise.resolve();
    },
  };
  return { memo, stored, asked };
}

Deno.test("a verified bundle survives the codec: times, log indexes, the root", async () => {
  const publicGood = await loadEmbeddedRoot("public-good");
  const { memo, stored } = recordingMemo();
  const parsed = parseBundle(BUNDLE_TEXT);
  assert.ok(parsed.ok);
  let seen: VerifiedBundle | undefined;
  const options = {
    roots: [publicGood],
    requireTlog: false,
    origin: { path: "demo" },
    judgeIdentity: (v: VerifiedBundle) => {
      seen = v;
      return {
        id: "identity" as const,
        status: "pass" as const,
        code: "x",
        message: "",
        loadBearing: false,
      };
    },
    memo,
    bundleSha256: "b".repeat(64),
  };
  const first = await checkBundle(parsed.value, artifactInput(ARTIFACT), options);
  const verified = seen!;
  assert.equal(stored.size, 1);
  const second = await checkBundle(parsed.value, artifactInput(ARTIFACT), options);
  assert.deepEqual(second, first);
  assert.deepEqual(seen, verified, "times are Dates, indexes bigints, the root the same object");
  assert.ok(seen!.times[0].time instanceof Date);
  assert.equal(typeof seen!.tlogEntries[0].logIndex, "bigint");
  assert.equal(seen!.root, publicGood);
  // A root that is not among the run's roots (or another digest) makes the memo unusable.
  assert.equal(decodeVerifiedBundle([...stored.values()][0], []), undefined);
  const staging = await loadEmbeddedRoot("staging");
  assert.equal(decodeVerifiedBundle([...stored.values()][0], [staging]), undefined);
});

Deno.test("the memo key names the bundle, the artifact, the roots, the log rule and the key", async () => {
  const publicGood = await loadEmbeddedRoot("public-good");
  const github = await loadEmbeddedRoot("github");
  const parsed = parseBundle(BUNDLE_TEXT);
  assert.ok(parsed.ok);
  const { memo, asked } = recordingMemo();
  const run = (over: Record<string, unknown>, artifact = ARTIFACT) =>
    checkBundle(parsed.value, artifactInput(artifact), {
      roots: [publicGood],
      requireTlog: false,
      origin: { path: "demo" },
      judgeIdentity: () => ({
        id: "identity",
        status: "skip",
        code: "x",
        message: "",
        loadBearing: false,
      }),
      memo,
      bundleSha256: "a".repeat(64),
      ...over,
    });
  await run({});
  await run({ bundleSha256: "c".repeat(64) });
  await run({}, new Uint8Array([1, 2, 3]));
  await run({ roots: [publicGood, github] });
  await run({ requireTlog: true });
  assert.equal(new Set(asked).size, 5, asked.join("\n"));
  // Without a bundle digest there is no memo lookup at all.
  await run({ bundleSha256: undefined });
  assert.equal(asked.length, 5);
});
