/**
 * Red team (issue #16): `trust update` must not store a `trusted_root.json` that verifying runs
 * then refuse.
 *
 * A signed `trusted_root.json` cargo-attest cannot read (another media type, not JSON) used to
 * replace a good stored state: `trust update` said "updated", and every verifying run after it
 * fell back to the embedded root (older: the key retirements the previous TUF root carried were
 * lost). Now such a target is refused like any other bad TUF file: an ERROR, the cache as it was,
 * and a verifying run still uses the previous TUF root. Through `main()`.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { snapshotDir, withSeededTufRepo } from "./support/tuf_repo.ts";
import { embeddedRootText } from "../lib/trust/embedded.ts";

const NOW = new Date("2026-03-01T12:00:00Z");

async function run(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

const UNUSABLE: Record<string, string> = {
  "another media type": embeddedRootText("public-good").replace(
    /application\/vnd\.dev\.sigstore\.trustedroot[^"]*/,
    "application/vnd.dev.sigstore.trustedroot.v9+yaml",
  ),
  "not JSON": "trusted_root: yes\n",
  "a byte-order mark before the JSON": `\ufeff${embeddedRootText("public-good")}`,
};

for (const [what, text] of Object.entries(UNUSABLE)) {
  Deno.test(`redteam4 tuf: a signed trusted_root.json cargo-attest cannot use (${what}) is refused, nothing written`, async () => {
    await withSeededTufRepo(
      { now: NOW, trustedRoot: embeddedRootText("public-good") },
      async ({ repo, cache, env }) => {
        assert.equal((await run(["trust", "update"], env)).code, 0);
        await repo.publish(text);
        const before = await snapshotDir(cache);
        const r = await run(["trust", "update"], env);
        assert.equal(r.code, 3, `expected ERROR, got ${r.code}: ${r.out}${r.err}`);
        assert.match(
          r.err,
          /TUF repository 'public-good', targets\/[0-9a-f]{64}\.trusted_root\.json: is not a trusted root cargo-attest can use/,
        );
        assert.match(r.err, /public-good: not updated/);
        assert.deepEqual(await snapshotDir(cache), before, "the cache is unchanged");
        const show = await run(["trust", "show", "--offline", "--json"], env);
        const roots = JSON.parse(show.out).roots as { name: string; source: string }[];
        assert.equal(roots.find((r) => r.name === "public-good")?.source, "tuf");
      },
    );
  });
}
