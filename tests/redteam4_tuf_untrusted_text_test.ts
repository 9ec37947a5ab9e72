/**
 * Red team (issue #16): text from the TUF store never reaches the terminal raw (#13 §2).
 *
 * `trust show` printed the stored `origin.json` URL and the reason a stored state was refused
 * (which quotes the stored metadata: its `_type`, its `expires`), and a verifying run's warning
 * quoted the same reason, all as they were: a hostile file in the cache could drive the terminal
 * (set its title, clear the screen, reorder text). Through `main()`, in text and JSON.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { TufTestRepo } from "./support/tuf_repo.ts";
import { withTempDir } from "./support/temp_dir.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e";
// deno-lint-ignore no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;

async function run(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

Deno.test("redteam4 tuf: a hostile TUF store is shown escaped by trust show and in a run's warning", async () => {
  const repo = await TufTestRepo.create({ version: 20, now: NOW });
  await withTempDir(async (dir) => {
    const store = `${dir}/cache/tuf/public-good`;
    await Deno.mkdir(store, { recursive: true });
    const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    await Deno.writeFile(`${store}/root.json`, repo.root(20));
    await Deno.writeFile(
      `${store}/timestamp.json`,
      json({ signed: { _type: HOSTILE }, signatures: [] }),
    );
    await Deno.writeFile(`${store}/snapshot.json`, json({}));
    await Deno.writeFile(`${store}/targets.json`, json({}));
    await Deno.writeFile(
      `${store}/origin.json`,
      json({ url: `https://mirror.example/${HOSTILE}`, updated: HOSTILE }),
    );
    const env = { CARGO_ATTEST_CACHE_DIR: `${dir}/cache` };
    for (const format of [[], ["--json"]]) {
      const show = await run(["trust", "show", "--offline", ...format], env);
      assert.equal(show.code, 0, show.err);
      assert.match(show.out, /pwned/, "the refusal is shown");
      assert.doesNotMatch(show.out, RAW, `trust show ${format.join(" ")} stdout`);
      assert.doesNotMatch(show.err, RAW, `trust show ${format.join(" ")} stderr`);
    }
    await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
    const verify = await run(["file", `${dir}/a.txt`, "--sha256", "0".repeat(64)], env);
    assert.match(verify.err, /warning: TUF repository 'public-good'.*pwned/);
    assert.doesNotMatch(verify.err, RAW, "the verifying run's warning");
    assert.doesNotMatch(verify.out, RAW, "the verifying run's report");
  });
});
