/**
 * A key rotation carried by TUF, end to end through main(): a loopback repository (standing in for
 * public-good) first serves a trusted root for one Sigstore instance; then it rotates its own TUF
 * keys (root 21, signed by the old and the new root keys) and publishes a trusted root that adds
 * a second instance and retires the first (its CA, logs, CT log and TSA get an end date). After
 * `trust update`, a bundle of the new instance verifies; the retired instance's bundles are judged
 * by its validity window: signed before the end still TRUSTED, after it not.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { parseCommandArgs } from "../lib/cli/args.ts";
import { rootsFromArgs } from "../lib/cli/verify_options.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { makeRootKeys, serveTuf, setEmbeddedTufRoot, TufTestRepo } from "./support/tuf_repo.ts";
import { withFiles } from "./support/temp_dir.ts";
import { DEFAULT_NOW, VirtualSigstore } from "./support/virtual_sigstore.ts";

const NOW = DEFAULT_NOW;
const DAY = 86_400_000;
const ARTIFACT = new TextEncoder().encode("cargo-attest tuf rotation artifact\n");

const vsOld = await VirtualSigstore.create({ name: "tuf-rotation-old" });
const vsNew = await VirtualSigstore.create({ name: "tuf-rotation-new" });

/** The new instance, plus the old one retired at `end`. */
function rotatedTrustedRoot(end: Date): string {
  const start = new Date(NOW.getTime() - 365 * DAY);
  const window = { start, end };
  const retired = JSON.parse(vsOld.trustedRoot({
    caValidFor: window,
    rekorV1ValidFor: window,
    rekorV2ValidFor: window,
    ctlogValidFor: window,
    tsaValidFor: window,
  }));
  const doc = JSON.parse(vsNew.trustedRoot());
  for (const key of ["tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"]) {
    doc[key] = [...retired[key], ...doc[key]];
  }
  return JSON.stringify(doc, null, 2);
}

async function run(args: string[], env: Record<string, string>) {
  const io = createMemoryIo(env, NOW);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

Deno.test("tuf rotation: after trust update the new instance's bundle verifies; the retired one's is judged by its validity window", async () => {
  const oldEarly = await vsOld.sign({
    artifact: ARTIFACT,
    time: new Date(NOW.getTime() - 2 * DAY),
  });
  const oldLate = await vsOld.sign({ artifact: ARTIFACT });
  const fresh = await vsNew.sign({ artifact: ARTIFACT });
  const repo = await TufTestRepo.create({ version: 20, now: NOW });
  await repo.publish(vsOld.trustedRoot());
  const server = serveTuf(repo.files);
  // The repository's root 20 stands for the embedded one (a stored root must descend from it).
  const restore = setEmbeddedTufRoot("public-good", repo.root(20));
  try {
    await withFiles({
      "a.bin": ARTIFACT,
      "old-early.json": oldEarly.json,
      "old-late.json": oldLate.json,
      "new.json": fresh.json,
    }, async (p) => {
      const cache = p("cache");
      await Deno.mkdir(`${cache}/tuf/public-good`, { recursive: true });
      await Deno.writeFile(`${cache}/tuf/public-good/root.json`, repo.root(20));
      const env = { CARGO_ATTEST_CACHE_DIR: cache, CARGO_ATTEST_TUF_URL: server.url };
      const verify = (bundle: string) =>
        run(
          ["file", p("a.bin"), "--bundle", p(bundle), "--repo", "octo-org/octo-repo", "--json"],
          { CARGO_ATTEST_CACHE_DIR: cache },
        );

      const first = await run(["trust", "update"], env);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /TUF root version 20 \(was 20\)/);
      assert.match(first.out, /differs from the embedded root/);

      // Before the rotation: the old instance is trusted, the new one is not.
      const before = await verify("old-late.json");
      assert.equal(before.code, 0, before.out + before.err);
      const report = JSON.parse(before.out);
      assert.equal(report.roots[0].source, "tuf");
      assert.equal(report.roots[0].tufRootVersion, 20);
      const unknown = await verify("new.json");
      assert.equal(unknown.code, 2, "a bundle of an instance the root does not list is a MISMATCH");

      // The repository rotates every one of its TUF keys and retires the old instance.
      await repo.rotate({ keys: await makeRootKeys() });
      await repo.publish(rotatedTrustedRoot(new Date(NOW.getTime() - DAY)));
      const second = await run(["trust", "update"], env);
      assert.equal(second.code, 0, second.err);
      assert.match(second.out, /TUF root version 21 \(was 20\), targets version 2/);

      const now = await verify("new.json");
      assert.equal(now.code, 0, now.out + now.err);
      assert.equal(JSON.parse(now.out).roots[0].tufRootVersion, 21);
      // Signed two days ago, before the old instance's end: still TRUSTED.
      const early = await verify("old-early.json");
      assert.equal(early.code, 0, early.out + early.err);
      // Signed now, after its end: not.
      const late = await verify("old-late.json");
      assert.equal(late.code, 2, late.out + late.err);
      const attestation = JSON.parse(late.out).subjects[0].checks.find((c: { id: string }) =>
        c.id === "attestation"
      );
      assert.equal(attestation.code, "tlog-key-outside-validity");

      // --no-cache (release, crate, lock) reads no stored root: the embedded one is used, and
      // the run says so, on stderr and in the root's report entry.
      for (
        const [command, args] of [
          ["release", ["octo-org/octo-repo", "v1", "--no-cache"]],
          ["lock", ["--no-cache"]],
        ] as const
      ) {
        const io = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: cache }, NOW);
        const roots = await rootsFromArgs(parseCommandArgs(command, [...args]), io);
        assert.equal(roots[0].name, "public-good");
        assert.equal(roots[0].origin?.kind, "embedded");
        assert.match(
          (roots[0].origin as { note?: string }).note ?? "",
          /--no-cache: the root that 'trust update' stored in .*tuf is not read/,
        );
        assert.match(io.err, /note: --no-cache: the TUF roots stored in .*tuf \(public-good\)/);
        const cached = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: cache }, NOW);
        const fromTuf = await rootsFromArgs(
          parseCommandArgs(command, [...args.slice(0, -1)]),
          cached,
        );
        assert.equal(fromTuf[0].origin?.kind, "tuf");
        assert.equal(cached.err, "");
      }

      // --trusted-root still overrides what TUF says.
      await Deno.writeTextFile(p("old-root.json"), vsOld.trustedRoot());
      const override = await run([
        "file",
        p("a.bin"),
        "--bundle",
        p("old-late.json"),
        "--repo",
        "octo-org/octo-repo",
        "--trusted-root",
        p("old-root.json"),
        "--json",
      ], { CARGO_ATTEST_CACHE_DIR: cache });
      assert.equal(override.code, 0, override.err);
      assert.deepEqual(JSON.parse(override.out).roots.map((r: { source: string }) => r.source), [
        "file",
      ]);
    });
  } finally {
    restore();
    await server.close();
  }
});
