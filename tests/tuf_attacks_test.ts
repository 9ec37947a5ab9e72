/**
 * Attacks on the TUF update (the cases of theupdateframework/tuf-conformance and the TUF
 * specification's threat list), each through `main()` as `trust update` with a loopback
 * repository: each is an ERROR (exit 3) naming the repository and file, and the cache holds
 * exactly what it held before, byte for byte.
 *
 * A synthetic repository stands in for public-good: the cache is seeded with its root (as an
 * earlier `trust update` would have left it), at version 20, newer than the embedded root 15.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { MAX_TUF_ROOT_ROTATIONS } from "../lib/limits.ts";
import {
  inDays,
  makeRootKeys,
  rootSigned,
  type SeededTufRepo,
  serveTuf,
  setEmbeddedTufRoot,
  signEnvelope,
  snapshotDir,
  TufTestRepo,
  withSeededTufRepo,
} from "./support/tuf_repo.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const TRUSTED_ROOT = embeddedRootText("public-good");
const enc = new TextEncoder();

async function trust(args: string[], env: Record<string, string>, now = NOW) {
  const io = createMemoryIo(env, now);
  const code = await main(["trust", ...args], io);
  return { code, out: io.out, err: io.err };
}

type Setup = SeededTufRepo;

/**
 * A repository at root 20 with one published state, a cache seeded with root 20 and updated
 * once (so the attack meets a stored state to roll back or corrupt), then `attack`.
 */
async function withRepository(
  attack: (s: Setup) => Promise<void>,
  options: { update?: boolean } = {},
): Promise<void> {
  await withSeededTufRepo({ now: NOW, trustedRoot: TRUSTED_ROOT }, async (s) => {
    if (options.update !== false) {
      const first = await trust(["update"], s.env);
      assert.equal(first.code, 0, first.err);
    }
    await attack(s);
  });
}

/** Runs `trust update` (with `extra` args) and expects a refusal matching `message`, cache untouched. */
async function expectRefused(
  s: Setup,
  message: RegExp,
  extra: string[] = [],
): Promise<string> {
  const before = await snapshotDir(s.cache);
  const r = await trust(["update", ...extra], s.env);
  assert.equal(r.code, 3, `expected ERROR, got ${r.code}: ${r.out}${r.err}`);
  assert.match(r.err, /cargo-attest: error: /);
  assert.match(r.err, message);
  assert.match(r.err, /public-good: not updated/);
  assert.deepEqual(await snapshotDir(s.cache), before, "the cache is unchanged");
  return r.err;
}

Deno.test("tuf attack: a new root signed by too few of the trusted root's keys", async () => {
  await withRepository(async (s) => {
    const old = s.repo.keys;
    const next = await makeRootKeys();
    // All three new keys sign, but only one of the old root's (threshold 2).
    await s.repo.rotate({ keys: next, signers: [old.root[0], ...next.root] });
    await expectRefused(
      s,
      /TUF repository 'public-good', 21\.root\.json: 1 valid signature\(s\) by the trusted root's keys for this role, 2 required/,
    );
  });
});

Deno.test("tuf attack: a new root not signed by a threshold of its own keys", async () => {
  await withRepository(async (s) => {
    const old = s.repo.keys;
    const next = await makeRootKeys();
    await s.repo.rotate({ keys: next, signers: [...old.root, next.root[0]] });
    await expectRefused(
      s,
      /21\.root\.json: 1 valid signature\(s\) by its own keys for this role, 2 required/,
    );
  });
});

Deno.test("tuf attack: a root that repeats one key's signature is refused (it never counts twice)", async () => {
  await withRepository(async (s) => {
    const old = s.repo.keys;
    const bytes = await s.repo.rotate({ signers: [old.root[0]] });
    const doc = JSON.parse(new TextDecoder().decode(bytes));
    doc.signatures = [doc.signatures[0], doc.signatures[0], doc.signatures[0]];
    s.repo.files.set("21.root.json", enc.encode(JSON.stringify(doc)));
    await expectRefused(s, /21\.root\.json: two signatures by the key [0-9a-f]{64}/);
  });
});

Deno.test("tuf attack: a root whose version is not the one its file name says", async () => {
  await withRepository(async (s) => {
    const bytes = await signEnvelope(
      rootSigned(25, s.repo.keys, inDays(NOW, 365)),
      s.repo.keys.root,
    );
    s.repo.files.set("21.root.json", bytes);
    await expectRefused(s, /21\.root\.json: says version 25, expected 21/);
  });
});

Deno.test("tuf attack: rollback of the timestamp to an older version", async () => {
  await withRepository(async (s) => {
    const first = s.repo.files.get("timestamp.json")!;
    await s.repo.publish(TRUSTED_ROOT);
    assert.equal((await trust(["update"], s.env)).code, 0);
    s.repo.files.set("timestamp.json", first); // validly signed, version 1 < stored 2
    await expectRefused(
      s,
      /timestamp\.json: version 1 is older than the stored version 2 \(rollback\)/,
    );
  });
});

Deno.test("tuf attack: rollback of the snapshot named by a newer timestamp", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    assert.equal((await trust(["update"], s.env)).code, 0);
    // A new timestamp (version 3) that names the old snapshot version 1.
    const timestamp = await signEnvelope({
      _type: "timestamp",
      spec_version: "1.0.31",
      version: 3,
      expires: inDays(NOW, 7),
      meta: { "snapshot.json": { version: 1 } },
    }, [s.repo.keys.timestamp]);
    s.repo.files.set("timestamp.json", timestamp);
    await expectRefused(
      s,
      /timestamp\.json \(snapshot version\): version 1 is older than the stored version 2/,
    );
  });
});

Deno.test("tuf attack: expired timestamp (freeze)", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT, { timestampExpires: inDays(NOW, -1) });
    await expectRefused(s, /timestamp\.json: expired at 2026-02-28T12:00:00\.000Z/);
  });
});

Deno.test("tuf attack: expired targets", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT, { targetsExpires: inDays(NOW, -2) });
    await expectRefused(s, /2\.targets\.json: expired at/);
  });
});

Deno.test("tuf attack: the newest root has expired", async () => {
  await withRepository(async (s) => {
    await s.repo.rotate({ expires: inDays(NOW, -1) });
    await expectRefused(s, /21\.root\.json: expired at/);
  });
});

Deno.test("tuf attack: a snapshot whose hash is not the one the timestamp gives", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    const bytes = s.repo.files.get("2.snapshot.json")!;
    const changed = bytes.slice();
    changed[changed.length - 2] = changed[changed.length - 2] === 0x20 ? 0x0a : 0x20;
    s.repo.files.set("2.snapshot.json", changed);
    await expectRefused(s, /2\.snapshot\.json: sha256 is [0-9a-f]{64}, but its metadata says/);
  });
});

Deno.test("tuf attack: targets metadata of another length than the snapshot gives", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    const bytes = s.repo.files.get("2.targets.json")!;
    s.repo.files.set("2.targets.json", bytes.slice(0, -1));
    await expectRefused(s, /2\.targets\.json: is \d+ bytes, but its metadata says \d+/);
  });
});

Deno.test("tuf attack: a target longer than its declared length is cut off and refused", async () => {
  await withRepository(async (s) => {
    const published = await s.repo.publish(TRUSTED_ROOT);
    const path = [...s.repo.files.keys()].find((p) => p.startsWith("targets/"))!;
    const longer = new Uint8Array(published.trustedRoot.length + 1_000_000);
    longer.set(published.trustedRoot);
    s.server.routes.set(path, () => new Response(longer as BodyInit));
    await expectRefused(s, /trusted_root\.json: is longer than the \d+ bytes its metadata allows/);
  });
});

Deno.test("tuf attack: a target with the right length but another hash", async () => {
  await withRepository(async (s) => {
    const published = await s.repo.publish(TRUSTED_ROOT);
    const path = [...s.repo.files.keys()].find((p) => p.startsWith("targets/"))!;
    const changed = published.trustedRoot.slice();
    changed[10] ^= 1;
    s.server.routes.set(path, () => new Response(changed as BodyInit));
    await expectRefused(s, /trusted_root\.json: sha256 is [0-9a-f]{64}, but its metadata says/);
  });
});

Deno.test("tuf attack: mix-and-match: a validly signed older snapshot where the timestamp names a newer one", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    // A timestamp without hashes naming snapshot 2, and snapshot 1 served as 2.snapshot.json.
    s.repo.files.set(
      "timestamp.json",
      await signEnvelope({
        _type: "timestamp",
        spec_version: "1.0.31",
        version: 3,
        expires: inDays(NOW, 7),
        meta: { "snapshot.json": { version: 2 } },
      }, [s.repo.keys.timestamp]),
    );
    s.repo.files.set("2.snapshot.json", s.repo.files.get("1.snapshot.json")!);
    await expectRefused(
      s,
      /2\.snapshot\.json: is version 1, but the timestamp names version 2 \(mix-and-match\)/,
    );
  }, { update: false });
});

Deno.test("tuf attack: metadata signed by a key of another role (targets key signing the timestamp)", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    const doc = JSON.parse(new TextDecoder().decode(s.repo.files.get("timestamp.json")!));
    s.repo.files.set("timestamp.json", await signEnvelope(doc.signed, [s.repo.keys.targets]));
    await expectRefused(
      s,
      /timestamp\.json: 0 valid signature\(s\) by the root's keys for this role, 1 required/,
    );
  });
});

Deno.test("tuf attack: an endless root chain is refused after the cap", async () => {
  await withRepository(async (s) => {
    const keys = s.repo.keys;
    s.server.fallback = async (path) => {
      const m = path.match(/^(\d+)\.root\.json$/);
      if (!m) return undefined;
      const bytes = await signEnvelope(rootSigned(Number(m[1]), keys, inDays(NOW, 365)), keys.root);
      return new Response(bytes as BodyInit);
    };
    // The stored root is 20; the repository offers 21, 22, … for ever.
    s.repo.files.delete("21.root.json");
    await expectRefused(
      s,
      new RegExp(
        `${
          20 + MAX_TUF_ROOT_ROTATIONS + 1
        }\\.root\\.json: more than ${MAX_TUF_ROOT_ROTATIONS} new root versions in one update`,
      ),
    );
  });
});

Deno.test("tuf attack: a slow server is cut off by --timeout", async () => {
  await withRepository(async (s) => {
    let release = () => {};
    s.server.routes.set("timestamp.json", async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
        setTimeout(resolve, 5_000);
      });
      return new Response("{}");
    });
    const started = Date.now();
    await expectRefused(s, /timestamp\.json: .*sent no response within/, ["--timeout", "0.5"]);
    assert.ok(Date.now() - started < 4_000, "the run stopped at its --timeout");
    release();
  });
});

Deno.test("tuf attack: a truncated answer (fewer bytes than its Content-Length)", async () => {
  await withRepository(async (s) => {
    await s.repo.publish(TRUSTED_ROOT);
    const bytes = s.repo.files.get("2.snapshot.json")!;
    s.server.routes.set("2.snapshot.json", () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes.slice(0, 20));
          controller.close();
        },
      });
      return new Response(body, { headers: { "content-length": String(bytes.length) } });
    });
    await expectRefused(s, /2\.snapshot\.json: .*truncated|2\.snapshot\.json: is 20 bytes/);
  });
});

Deno.test("tuf attack: an unreachable repository is an ERROR with the reason, and nothing is written", async () => {
  await withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    // A port nothing listens on: bind one, note it, close it.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const r = await trust(["update", "--tuf-url", `http://127.0.0.1:${port}`], {
      CARGO_ATTEST_CACHE_DIR: cache,
    });
    assert.equal(r.code, 3, r.out + r.err);
    assert.match(r.err, new RegExp(`http://127\\.0\\.0\\.1:${port}/16\\.root\\.json: `));
    assert.match(r.err, /hint: check the network, or point --tuf-url/);
    assert.deepEqual(await snapshotDir(cache), new Map(), "no file was written");
  });
});

Deno.test("tuf attack: a repository that is not Sigstore's (signed by other keys) fails from the embedded root, writing nothing", async () => {
  const repo = await TufTestRepo.create({ version: 20, now: NOW });
  await repo.publish(TRUSTED_ROOT);
  const server = serveTuf(repo.files);
  try {
    await withTempDir(async (dir) => {
      const cache = `${dir}/cache`;
      const r = await trust(["update"], {
        CARGO_ATTEST_CACHE_DIR: cache,
        CARGO_ATTEST_TUF_URL: server.url,
      });
      assert.equal(r.code, 3, r.out + r.err);
      // The embedded root is version 15: 16.root.json is absent, and the timestamp's key is
      // none of root 15's.
      assert.deepEqual(server.requests, ["16.root.json", "timestamp.json"]);
      assert.match(r.err, /timestamp\.json: 0 valid signature\(s\) by the root's keys/);
      assert.deepEqual(await snapshotDir(cache), new Map());
    });
  } finally {
    await server.close();
  }
});

Deno.test("tuf: github=URL refreshes GitHub's root alone, and verifying runs then use it for 'github'", async () => {
  const repo = await TufTestRepo.create({ version: 3, now: NOW });
  const githubRoot = embeddedRootText("github");
  await repo.publish(githubRoot);
  const server = serveTuf(repo.files);
  try {
    await withTempDir(async (dir) => {
      const cache = `${dir}/cache`;
      await Deno.mkdir(`${cache}/tuf/github`, { recursive: true });
      await Deno.writeFile(`${cache}/tuf/github/root.json`, repo.root(3));
      const env = { CARGO_ATTEST_CACHE_DIR: cache };
      const restore = setEmbeddedTufRoot("github", repo.root(3));
      try {
        const r = await trust(["update", "--tuf-url", `github=${server.url}`], env);
        assert.equal(r.code, 0, r.err);
        assert.match(
          r.out,
          /^github: updated from http:\/\/127\.0\.0\.1:\d+\/: TUF root version 3 \(was 3\)/,
        );
        assert.doesNotMatch(r.out, /public-good/);
        await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
        const io = createMemoryIo(env, NOW);
        await main(["file", `${dir}/a.txt`, "--sha256", "0".repeat(64), "--json"], io);
        const roots = JSON.parse(io.out).roots;
        assert.deepEqual(roots.map((r: { name: string; source: string }) => [r.name, r.source]), [
          ["public-good", "embedded"],
          ["github", "tuf"],
        ]);
      } finally {
        restore();
      }
    });
  } finally {
    await server.close();
  }
});

Deno.test("tuf: a cache directory that cannot be written is an ERROR naming it", async () => {
  await withRepository(async (s) => {
    await Deno.remove(`${s.cache}/tuf/public-good/targets`, { recursive: true });
    await Deno.writeTextFile(`${s.cache}/tuf/public-good/targets`, "a file, not a directory\n");
    const r = await trust(["update"], s.env);
    assert.equal(r.code, 3);
    assert.match(r.err, /the verified metadata of 'public-good' could not be stored in/);
  });
});
