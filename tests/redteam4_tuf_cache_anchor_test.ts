/**
 * Red team (issue #16): a TUF root written into the cache by anyone but `trust update` is not a
 * trust anchor.
 *
 * A verifying run used the stored `trusted_root.json` when the stored state held together under
 * the stored `root.json` — which only had to be signed by its own keys and be at least as new as
 * the embedded root. Whoever could write the cache (a poisoned CI cache restored into
 * `$CARGO_HOME`) could store a root of their own keys, any Sigstore instance as "public-good",
 * and have bundles of that instance judged TRUSTED. Now the stored root must descend from the
 * embedded one through the roots an update stored (`roots/N.root.json`), each signed as the TUF
 * client workflow asks; otherwise the embedded root is used, and said so. Through `main()`.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import {
  makeRootKeys,
  serveTuf,
  snapshotDir,
  TufTestRepo,
  withEmbeddedTufRoot,
} from "./support/tuf_repo.ts";
import { withFiles } from "./support/temp_dir.ts";
import { DEFAULT_NOW, VirtualSigstore } from "./support/virtual_sigstore.ts";

const NOW = DEFAULT_NOW;
const ARTIFACT = new TextEncoder().encode("cargo-attest redteam4 poisoned TUF cache\n");
const attacker = await VirtualSigstore.create({ name: "redteam4-tuf-attacker" });

async function run(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

Deno.test("redteam4 tuf: a self-signed root written into the cache does not make its Sigstore instance trusted", async () => {
  const bundle = await attacker.sign({ artifact: ARTIFACT });
  // The attacker's own TUF repository (root 20, keys of their own) serving their instance.
  const repo = await TufTestRepo.create({ version: 20, now: NOW, keys: await makeRootKeys() });
  await repo.publish(attacker.trustedRoot());
  const server = serveTuf(repo.files);
  try {
    await withFiles({ "a.bin": ARTIFACT, "a.sigstore.json": bundle.json }, async (p) => {
      const cache = p("cache");
      // The attacker fills the cache with a complete, self-consistent state (here by running an
      // update against a cargo-attest that would embed their root).
      await withEmbeddedTufRoot("public-good", repo.root(20), async () => {
        const seeded = await run(["trust", "update"], {
          CARGO_ATTEST_CACHE_DIR: cache,
          CARGO_ATTEST_TUF_URL: server.url,
        });
        assert.equal(seeded.code, 0, seeded.err);
      });

      // The real cargo-attest (Sigstore's embedded root 15): the bundle is not TRUSTED.
      const env = { CARGO_ATTEST_CACHE_DIR: cache };
      const verify = await run(
        ["file", p("a.bin"), "--bundle", p("a.sigstore.json"), "--repo", "octo-org/octo-repo"]
          .concat("--json"),
        env,
      );
      assert.notEqual(verify.code, 0, `the attacker's bundle must not be TRUSTED: ${verify.out}`);
      const report = JSON.parse(verify.out);
      assert.equal(report.roots[0].name, "public-good");
      assert.equal(report.roots[0].source, "embedded");
      assert.match(report.roots[0].note, /cannot be traced to the embedded root/);
      assert.match(verify.err, /warning: TUF repository 'public-good': .*embedded root/);

      const show = await run(["trust", "show", "--offline", "--json"], env);
      assert.equal(JSON.parse(show.out).roots[0].source, "embedded");

      // Nor does an update start from it: it walks from the embedded root, which the attacker's
      // repository cannot continue; nothing is written.
      const before = await snapshotDir(cache);
      const update = await run(["trust", "update"], { ...env, CARGO_ATTEST_TUF_URL: server.url });
      assert.equal(update.code, 3, update.out + update.err);
      assert.match(update.out + update.err, /16\.root\.json|timestamp\.json: 0 valid signature/);
      assert.deepEqual(await snapshotDir(cache), before, "the cache is unchanged");
    });
  } finally {
    await server.close();
  }
});

Deno.test("redteam4 tuf: a stored root is used only with the stored roots that lead to it from the embedded one", async () => {
  const repo = await TufTestRepo.create({ version: 20, now: NOW });
  await repo.rotate();
  await repo.rotate({ keys: await makeRootKeys() });
  await repo.publish(attacker.trustedRoot());
  const server = serveTuf(repo.files);
  try {
    await withFiles({ "a.bin": ARTIFACT }, async (p) => {
      const cache = p("cache");
      const env = { CARGO_ATTEST_CACHE_DIR: cache };
      await withEmbeddedTufRoot("public-good", repo.root(20), async () => {
        const update = await run(["trust", "update"], { ...env, CARGO_ATTEST_TUF_URL: server.url });
        assert.equal(update.code, 0, update.err);
        assert.match(update.out, /TUF root version 22 \(was 20, embedded\)/);
        const roots = `${cache}/tuf/public-good/roots`;
        assert.deepEqual(
          (await Array.fromAsync(Deno.readDir(roots))).map((e) => e.name).sort(),
          ["21.root.json", "22.root.json"],
        );
        const source = async () => {
          const r = await run(["trust", "show", "--offline", "--json"], env);
          return JSON.parse(r.out).roots[0];
        };
        assert.equal((await source()).source, "tuf");
        // A link of the chain missing: the stored root cannot be traced, the embedded one is used.
        const link = await Deno.readFile(`${roots}/21.root.json`);
        await Deno.remove(`${roots}/21.root.json`);
        const broken = await source();
        assert.equal(broken.source, "embedded");
        assert.match(broken.note, /roots\/21\.root\.json: is not stored/);
        // A link replaced by another root of that version (self-signed by other keys): refused.
        const other = await TufTestRepo.create({ version: 21, now: NOW });
        await Deno.writeFile(`${roots}/21.root.json`, other.root(21));
        assert.match((await source()).note, /roots\/21\.root\.json: 0 valid signature/);
        await Deno.writeFile(`${roots}/21.root.json`, link);
        assert.equal((await source()).source, "tuf");
      });
    });
  } finally {
    await server.close();
  }
});
