/**
 * Cases of theupdateframework/tuf-conformance (tuf_conformance/test_*.py at eec841c1), ported to
 * cargo-attest's client: the suite itself is a Python harness that needs tuf 7 and
 * securesystemslib 1.4, which cannot be installed here, so each case is rebuilt with the
 * synthetic repository of tests/support/tuf_repo.ts and run against `updateTufRepository`.
 * Each test names the conformance test it ports. The attack cases that go through main() (and
 * check the cache) are in tuf_attacks_test.ts.
 */
import assert from "node:assert/strict";
import { type TufState, updateTufRepository } from "../lib/trust/tuf/client.ts";
import { TufError } from "../lib/trust/tuf/errors.ts";
import {
  inDays,
  makeKey,
  makeRootKeys,
  memoryFetcher,
  parseJson,
  rootSigned,
  signEnvelope,
  TufTestRepo,
} from "./support/tuf_repo.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const TRUSTED_ROOT = '{"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=0.1"}';

async function update(
  repo: TufTestRepo,
  options: { start?: Uint8Array; previous?: TufState; requests?: string[]; now?: Date } = {},
): Promise<TufState> {
  return await updateTufRepository({
    repository: "test",
    trustedRoot: options.start ?? repo.root(1),
    ...(options.previous
      ? {
        previous: {
          timestamp: options.previous.timestamp.bytes,
          snapshot: options.previous.snapshot.bytes,
        },
      }
      : {}),
    fetcher: memoryFetcher(repo.files, options.requests),
    now: options.now ?? NOW,
  });
}

async function refused(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TufError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

async function newRepo(): Promise<TufTestRepo> {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  await repo.publish(TRUSTED_ROOT);
  return repo;
}

Deno.test("conformance test_basic_refresh_requests: root, timestamp, snapshot, targets, target, in that order", async () => {
  const repo = await newRepo();
  const requests: string[] = [];
  await update(repo, { requests });
  const target = requests.at(-1)!;
  assert.deepEqual(requests, [
    "2.root.json",
    "timestamp.json",
    "1.snapshot.json",
    "1.targets.json",
    target,
  ]);
  assert.match(target, /^targets\/[0-9a-f]{64}\.trusted_root\.json$/);
});

Deno.test("conformance test_metadata_bytes_match: the state keeps the bytes as served", async () => {
  const repo = await newRepo();
  const state = await update(repo);
  assert.deepEqual(state.timestamp.bytes, repo.files.get("timestamp.json"));
  assert.deepEqual(state.snapshot.bytes, repo.files.get("1.snapshot.json"));
  assert.deepEqual(state.targets.bytes, repo.files.get("1.targets.json"));
});

Deno.test("conformance test_unsigned_initial_root / test_invalid_initial_root: the starting root must hold against itself", async () => {
  const repo = await newRepo();
  const doc = parseJson(repo.root(1));
  doc.signatures = [];
  await refused(
    update(repo, { start: new TextEncoder().encode(JSON.stringify(doc)) }),
    "tuf-signature-threshold",
    /trusted root\.json: 0 valid signature/,
  );
  await refused(
    update(repo, { start: new TextEncoder().encode("{") }),
    "tuf-malformed",
    /not JSON/,
  );
});

Deno.test("conformance test_unsigned_metadata: timestamp, snapshot and targets without signatures", async () => {
  for (const file of ["timestamp.json", "1.snapshot.json", "1.targets.json"]) {
    const repo = await newRepo();
    const doc = parseJson(repo.files.get(file)!);
    doc.signatures = [];
    repo.files.set(file, new TextEncoder().encode(JSON.stringify(doc)));
    // The hashes of the snapshot and targets would catch a re-serialised file first: serve the
    // timestamp/snapshot without hashes for those.
    if (file !== "timestamp.json") await dropHashes(repo);
    await refused(
      update(repo),
      "tuf-signature-threshold",
      new RegExp(`${file.replace(".", "\\.")}: 0 valid`),
    );
  }
});

/** Re-signs the timestamp and snapshot without lengths and hashes (version pins only). */
async function dropHashes(repo: TufTestRepo): Promise<void> {
  const snap = parseJson(repo.files.get("1.snapshot.json")!);
  if (snap.signatures.length > 0) {
    snap.signed.meta = { "targets.json": { version: 1 } };
    repo.files.set("1.snapshot.json", await signEnvelope(snap.signed, [repo.keys.snapshot]));
  }
  const ts = parseJson(repo.files.get("timestamp.json")!);
  ts.signed.meta = { "snapshot.json": { version: 1 } };
  repo.files.set("timestamp.json", await signEnvelope(ts.signed, [repo.keys.timestamp]));
}

Deno.test("conformance test_incorrect_metadata_type: a snapshot served as the timestamp", async () => {
  const repo = await newRepo();
  repo.files.set("timestamp.json", repo.files.get("1.snapshot.json")!);
  await refused(update(repo), "tuf-malformed", /signed\._type is 'snapshot', expected 'timestamp'/);
});

Deno.test("conformance test_timestamp_404 / test_snapshot_404 / test_targets_404", async () => {
  for (const file of ["timestamp.json", "1.snapshot.json", "1.targets.json"]) {
    const repo = await newRepo();
    repo.files.delete(file);
    await refused(update(repo), "tuf-malformed", /the repository does not have it/);
  }
});

Deno.test("conformance test_custom_fields / test_deprecated_keyid_hash_algorithms: unknown fields are signed and accepted", async () => {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  const signed = rootSigned(2, repo.keys, inDays(NOW, 365));
  signed["x-custom"] = { nested: ["value", 1] };
  for (const key of Object.values(signed.keys as Record<string, Record<string, unknown>>)) {
    key.keyid_hash_algorithms = ["sha512"];
  }
  repo.files.set("2.root.json", await signEnvelope(signed, repo.keys.root));
  repo.rootVersion = 2;
  await repo.publish(TRUSTED_ROOT);
  const state = await update(repo);
  assert.equal(state.root.signed.version, 2);
});

Deno.test("conformance test_timestamp_content_changes: the same timestamp version with other content changes nothing", async () => {
  const repo = await newRepo();
  const first = await update(repo);
  const ts = parseJson(repo.files.get("timestamp.json")!);
  ts.signed.meta = { "snapshot.json": { version: 100 } };
  repo.files.set("timestamp.json", await signEnvelope(ts.signed, [repo.keys.timestamp]));
  const requests: string[] = [];
  const second = await update(repo, { previous: first, requests });
  assert.equal(second.timestamp.signed.snapshot.version, 1);
  assert.ok(!requests.includes("100.snapshot.json"));
});

Deno.test("conformance test_duplicate_sig_keyids: a repeated signature key id is refused", async () => {
  const repo = await newRepo();
  await dropHashes(repo);
  const snap = parseJson(repo.files.get("1.snapshot.json")!);
  snap.signatures.push(snap.signatures[0]);
  repo.files.set("1.snapshot.json", new TextEncoder().encode(JSON.stringify(snap)));
  await refused(update(repo), "tuf-malformed", /two signatures by the key/);
});

Deno.test("conformance test_duplicate_keys: a key listed twice in a role is refused", async () => {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  const signed = rootSigned(2, repo.keys, inDays(NOW, 365));
  const roles = signed.roles as Record<string, { keyids: string[]; threshold: number }>;
  roles.snapshot = { keyids: Array(6).fill(repo.keys.snapshot.id), threshold: 6 };
  repo.files.set("2.root.json", await signEnvelope(signed, repo.keys.root));
  await refused(update(repo), "tuf-malformed", /signed\.roles\.snapshot\.keyids repeats a key/);
});

Deno.test("conformance test_snapshot_does_not_meet_threshold", async () => {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  const second = await makeKey();
  const signed = rootSigned(2, repo.keys, inDays(NOW, 365));
  (signed.keys as Record<string, unknown>)[second.id] = second.json;
  (signed.roles as Record<string, unknown>).snapshot = {
    keyids: [repo.keys.snapshot.id, second.id],
    threshold: 2,
  };
  repo.files.set("2.root.json", await signEnvelope(signed, repo.keys.root));
  repo.rootVersion = 2;
  await repo.publish(TRUSTED_ROOT);
  await refused(
    update(repo),
    "tuf-signature-threshold",
    /1\.snapshot\.json: 1 valid signature\(s\).*2 required/,
  );
});

Deno.test("conformance test_expired_local_root: an expired starting root still updates to a valid newer one", async () => {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  const expired = await signEnvelope(rootSigned(1, repo.keys, inDays(NOW, -10)), repo.keys.root);
  await repo.rotate();
  await repo.publish(TRUSTED_ROOT);
  const state = await update(repo, { start: expired });
  assert.equal(state.root.signed.version, 2);
});

Deno.test("conformance test_targets_role_removal: a snapshot that drops a role the stored one had", async () => {
  const repo = await newRepo();
  const first = await update(repo);
  // The stored snapshot also listed role1.json.
  const stored = parseJson(first.snapshot.bytes);
  (stored.signed.meta as Record<string, unknown>)["role1.json"] = { version: 1 };
  const storedBytes = await signEnvelope(stored.signed, [repo.keys.snapshot]);
  await repo.publish(TRUSTED_ROOT);
  await assert.rejects(
    updateTufRepository({
      repository: "test",
      trustedRoot: repo.root(1),
      previous: { timestamp: first.timestamp.bytes, snapshot: storedBytes },
      fetcher: memoryFetcher(repo.files),
      now: NOW,
    }),
    /2\.snapshot\.json: no longer lists role1\.json/,
  );
});

Deno.test("conformance test_targets_rollback: a snapshot naming an older targets version", async () => {
  const repo = await newRepo();
  await repo.publish(TRUSTED_ROOT); // targets 2
  const second = await update(repo);
  const snap = parseJson(repo.files.get("2.snapshot.json")!);
  snap.signed.version = 3;
  snap.signed.meta = { "targets.json": { version: 1 } };
  repo.files.set("3.snapshot.json", await signEnvelope(snap.signed, [repo.keys.snapshot]));
  const ts = parseJson(repo.files.get("timestamp.json")!);
  ts.signed.version = 3;
  ts.signed.meta = { "snapshot.json": { version: 3 } };
  repo.files.set("timestamp.json", await signEnvelope(ts.signed, [repo.keys.timestamp]));
  await refused(
    update(repo, { previous: second }),
    "tuf-rollback",
    /3\.snapshot\.json \(targets\.json\): version 1 is older than the stored version 2/,
  );
});

Deno.test("conformance test_new_timestamp_fast_forward_recovery: rotating the timestamp key discards the stored version", async () => {
  const repo = await newRepo();
  // An attacker with the timestamp key pushed version 100.
  const ts = parseJson(repo.files.get("timestamp.json")!);
  ts.signed.version = 100;
  repo.files.set("timestamp.json", await signEnvelope(ts.signed, [repo.keys.timestamp]));
  const attacked = await update(repo);
  assert.equal(attacked.timestamp.signed.version, 100);
  // Recovery: a new root with a new timestamp key; the timestamp starts again at a low version.
  const keys = { ...repo.keys, timestamp: await makeKey() };
  await repo.rotate({ keys });
  repo.timestampVersion = 1;
  await repo.publish(TRUSTED_ROOT);
  const recovered = await update(repo, { previous: attacked });
  assert.equal(recovered.timestamp.signed.version, 2);
  assert.equal(recovered.root.signed.version, 2);
});

Deno.test("conformance test_new_snapshot_fast_forward_recovery: rotating the snapshot key discards the stored snapshot's versions", async () => {
  const repo = await newRepo();
  const snap = parseJson(repo.files.get("1.snapshot.json")!);
  snap.signed.meta = { "targets.json": { version: 1 }, "role1.json": { version: 50 } };
  repo.files.set("1.snapshot.json", await signEnvelope(snap.signed, [repo.keys.snapshot]));
  await dropHashes(repo);
  const attacked = await update(repo);
  const keys = { ...repo.keys, snapshot: await makeKey() };
  await repo.rotate({ keys });
  await repo.publish(TRUSTED_ROOT);
  const recovered = await update(repo, { previous: attacked });
  assert.equal(recovered.snapshot.signed.version, 2);
});

Deno.test("conformance test_download_with_unknown_hash_algorithm: a target with only an unknown hash is refused", async () => {
  const repo = await newRepo();
  const targets = parseJson(repo.files.get("1.targets.json")!);
  const entry = (targets.signed.targets as Record<string, { hashes: Record<string, string> }>)[
    "trusted_root.json"
  ];
  entry.hashes = { md5: "00".repeat(16) };
  repo.files.set("1.targets.json", await signEnvelope(targets.signed, [repo.keys.targets]));
  await dropHashes(repo);
  // With no sha256, the target is fetched by its plain name.
  repo.files.set("targets/trusted_root.json", new TextEncoder().encode(TRUSTED_ROOT));
  await refused(
    update(repo),
    "tuf-hash-mismatch",
    /only hashes cargo-attest cannot compute \(md5\)/,
  );
});

Deno.test("conformance test_root_rotation: threshold changes and key reuse across versions", async () => {
  const repo = await TufTestRepo.create({ version: 1, now: NOW });
  const k1 = repo.keys;
  // v2: one old key kept, two new; threshold 2. Signed by 2 of v1's and 2 of v2's keys.
  const k2 = { ...(await makeRootKeys()), root: [k1.root[0], await makeKey(), await makeKey()] };
  await repo.rotate({ keys: k2, signers: [k1.root[0], k1.root[1], k2.root[1]] });
  // v3: threshold 1 with one key, signed by 2 of v2's and that key.
  const k3 = { ...k2, root: [await makeKey()], rootThreshold: 1 };
  await repo.rotate({ keys: k3, signers: [k2.root[1], k2.root[2], k3.root[0]] });
  await repo.publish(TRUSTED_ROOT);
  const state = await update(repo);
  assert.equal(state.root.signed.version, 3);
  // A v4 signed only by v3's single key but declaring threshold 2 of its own two keys fails.
  const k4 = { ...k3, root: [k3.root[0], await makeKey()], rootThreshold: 2 };
  await repo.rotate({ keys: k4, signers: [k3.root[0]] });
  await refused(
    update(repo),
    "tuf-signature-threshold",
    /4\.root\.json: 1 valid signature\(s\) by its own keys/,
  );
});
