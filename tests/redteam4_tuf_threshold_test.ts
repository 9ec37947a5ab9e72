/**
 * Red team (issue #16): a key listed under two key ids must count once toward a threshold.
 *
 * A root may name one public key under two ids (a key id is only a label the root chose; TUF
 * §4.2 means it to be the key's hash, but nothing forces that). If each id counted, the holder of
 * that one key would meet a threshold of 2 alone: rotate the root to keys of their own, then sign
 * any trusted root. go-tuf counts by public key for this reason (theupdateframework/go-tuf#733),
 * as python-tuf did before (#1091). Through `main()` as `trust update`: an ERROR, the cache as it
 * was.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import {
  inDays,
  makeRootKeys,
  rootSigned,
  serveTuf,
  setEmbeddedTufRoot,
  signEnvelope,
  snapshotDir,
  type TufTestKey,
  TufTestRepo,
} from "./support/tuf_repo.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

async function trust(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(["trust", ...args], io);
  return { code, out: io.out, err: io.err };
}

/** The same key under another id (a label the root chose, not its hash). */
function twin(key: TufTestKey): TufTestKey {
  return { ...key, id: "f".repeat(64) };
}

for (const role of ["root", "timestamp"] as const) {
  Deno.test(`redteam4 tuf: one ${role} key listed under two key ids does not meet a threshold of 2`, async () => {
    const keys = await makeRootKeys(3, 2);
    const repo = await TufTestRepo.create({ version: 20, now: NOW, keys });
    // Root 20 (as a previous update stored it): the role names keys[0] twice, threshold 2.
    const signed = rootSigned(20, keys, inDays(NOW, 365));
    const listed = role === "root" ? keys.root[0] : keys.timestamp;
    const twinKey = twin(listed);
    (signed.keys as Record<string, unknown>)[twinKey.id] = twinKey.json;
    const roles = signed.roles as Record<string, { keyids: string[]; threshold: number }>;
    roles[role] = { keyids: [...roles[role].keyids, twinKey.id], threshold: 2 };
    const root20 = await signEnvelope(signed, keys.root);
    repo.files.set("20.root.json", root20);
    const server = serveTuf(repo.files);
    // Root 20 stands for the embedded one (a stored root must descend from it).
    const restore = setEmbeddedTufRoot("public-good", root20);
    try {
      await withTempDir(async (dir) => {
        const cache = `${dir}/cache`;
        await Deno.mkdir(`${cache}/tuf/public-good`, { recursive: true });
        await Deno.writeFile(`${cache}/tuf/public-good/root.json`, root20);
        const env = { CARGO_ATTEST_CACHE_DIR: cache, CARGO_ATTEST_TUF_URL: server.url };
        if (role === "root") {
          // The holder of keys.root[0] alone rotates the root to keys of their own.
          const mine = await makeRootKeys(1, 1);
          await repo.rotate({ keys: mine, signers: [listed, twinKey, ...mine.root] });
          await repo.publish(embeddedRootText("staging"));
        } else {
          // A legitimate state, then the holder of the timestamp key alone signs a new one.
          await repo.publish(embeddedRootText("public-good"));
          const timestamp = await signEnvelope({
            _type: "timestamp",
            spec_version: "1.0.31",
            version: 2,
            expires: inDays(NOW, 7),
            meta: { "snapshot.json": { version: 1 } },
          }, [listed, twinKey]);
          repo.files.set("timestamp.json", timestamp);
        }
        const before = await snapshotDir(cache);
        const r = await trust(["update"], env);
        assert.equal(r.code, 3, `expected ERROR, got ${r.code}: ${r.out}${r.err}`);
        const file = role === "root" ? "21\\.root\\.json" : "timestamp\\.json";
        assert.match(
          r.err,
          new RegExp(`${file}: 1 valid signature\\(s\\) by the .* keys for this role, 2 required`),
        );
        assert.match(r.err, /public-good: not updated/);
        assert.deepEqual(await snapshotDir(cache), before, "the cache is unchanged");
      });
    } finally {
      restore();
      await server.close();
    }
  });
}
