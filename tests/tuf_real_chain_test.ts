/**
 * The real history of Sigstore's public-good TUF repository (tests/fixtures/tuf/sigstore-public-good,
 * from sigstore/root-signing), served from a loopback server: the client walks the real root
 * chain (version 1 → 15, ECDSA keys as hex points, then as PEM) and gets the real
 * trusted_root.json; `trust update` and `trust show` do it through main(), and a verifying run
 * names the TUF root in its report.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { updateTufRepository } from "../lib/trust/tuf/client.ts";
import { createTufFetcher } from "../lib/sources/tuf_update.ts";
import { HttpClient } from "../lib/sources/http.ts";
import { readRepositoryDir, serveTuf, snapshotDir } from "./support/tuf_repo.ts";
import { withTempDir } from "./support/temp_dir.ts";

const FIXTURE = new URL("./fixtures/tuf/sigstore-public-good", import.meta.url).pathname;
/** The fixture's timestamp is valid until 2026-08-28T19:25:56Z, root 15 until 2026-11-20. */
const DURING = new Date("2026-08-22T00:00:00Z");
const AFTER = new Date("2026-09-01T00:00:00Z");
/** sha256 of the real trusted_root.json target (= roots/public-good.trusted_root.json). */
const REAL_TRUSTED_ROOT = "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";

const files = await readRepositoryDir(FIXTURE);

function http(): HttpClient {
  return new HttpClient({ timeoutMs: 5_000, retries: 0, userAgent: "cargo-attest-test" });
}

async function run(args: string[], env: Record<string, string>, now: Date) {
  const io = createMemoryIo(env, now);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

/**
 * Runs `body` with a loopback TUF server of the real files, a temporary directory, its cache
 * directory and the environment that points `trust update` at the server.
 */
async function withRealTuf(
  body: (c: {
    dir: string;
    cache: string;
    env: Record<string, string>;
    server: ReturnType<typeof serveTuf>;
  }) => Promise<void>,
): Promise<void> {
  const server = serveTuf(files);
  try {
    await withTempDir(async (dir) => {
      const cache = `${dir}/cache`;
      const env = { CARGO_ATTEST_CACHE_DIR: cache, CARGO_ATTEST_TUF_URL: server.url };
      await body({ dir, cache, env, server });
    });
  } finally {
    await server.close();
  }
}

Deno.test("tuf real chain: from Sigstore's first root (version 1, 2021) to version 15, and the real trusted_root.json", async () => {
  const server = serveTuf(files);
  try {
    const state = await updateTufRepository({
      repository: "public-good",
      trustedRoot: files.get("1.root.json")!,
      fetcher: createTufFetcher(http(), new URL(server.url), "public-good"),
      now: DURING,
    });
    assert.equal(state.root.signed.version, 15);
    assert.equal(state.targets.signed.version, 14);
    assert.equal(state.snapshot.signed.version, 165);
    const target = state.targetFiles.get("trusted_root.json")!;
    assert.equal(createHash("sha256").update(target).digest("hex"), REAL_TRUSTED_ROOT);
    assert.ok(state.targetFiles.has("signing_config.v0.2.json"));
    // Every root of the chain was fetched, in order, then the first missing one ended it.
    const roots = server.requests.filter((p) => p.endsWith(".root.json"));
    assert.deepEqual(roots, Array.from({ length: 15 }, (_, i) => `${i + 2}.root.json`));
    assert.deepEqual(server.requests.slice(15), [
      "timestamp.json",
      "165.snapshot.json",
      "14.targets.json",
      `targets/${REAL_TRUSTED_ROOT}.trusted_root.json`,
      "targets/9711a6d5375706957a4859af31c5866a4474f81f0544f9f4b76c9c4f4c8a539c.signing_config.v0.2.json",
    ]);
  } finally {
    await server.close();
  }
});

Deno.test("tuf real chain: a real root with one signature byte changed breaks the chain (too few signatures)", async () => {
  const tampered = new Map(files);
  const doc = JSON.parse(new TextDecoder().decode(files.get("6.root.json")!));
  // Root 6 is signed by exactly 5 of the 5 keys of root 5 (threshold 3): spoil three.
  for (const sig of doc.signatures.slice(0, 3)) {
    sig.sig = sig.sig.slice(0, -2) + (sig.sig.endsWith("00") ? "01" : "00");
  }
  tampered.set("6.root.json", new TextEncoder().encode(JSON.stringify(doc)));
  const server = serveTuf(tampered);
  try {
    await assert.rejects(
      updateTufRepository({
        repository: "public-good",
        trustedRoot: files.get("1.root.json")!,
        fetcher: createTufFetcher(http(), new URL(server.url), "public-good"),
        now: DURING,
      }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "tuf-signature-threshold");
        assert.match(
          error.message,
          /6\.root\.json: 2 valid signature\(s\) by the trusted root's keys/,
        );
        return true;
      },
    );
  } finally {
    await server.close();
  }
});

Deno.test("tuf real chain: trust update and trust show through main(), a fresh state makes no request, a verifying run reports the TUF root", async () => {
  await withRealTuf(async ({ dir, cache, env, server }) => {
    const update = await run(["trust", "update"], env, DURING);
    assert.equal(update.code, 0, update.err);
    assert.match(
      update.out,
      /public-good: updated from http:\/\/127\.0\.0\.1:\d+\/: TUF root version 15 \(was 15, embedded\), targets version 14, 6 requests/,
    );
    assert.match(
      update.out,
      new RegExp(
        `trusted_root\\.json sha256 ${REAL_TRUSTED_ROOT} \\(the same as the embedded root\\)`,
      ),
    );
    assert.doesNotMatch(
      update.out,
      /^github:/m,
      "only the repository the URL names is refreshed",
    );
    // Modes: directories 0700, files 0600.
    if (Deno.build.os !== "windows") {
      for (const path of ["tuf", "tuf/public-good", "tuf/public-good/targets"]) {
        assert.equal((await Deno.stat(`${cache}/${path}`)).mode! & 0o777, 0o700, path);
      }
      for (const name of (await snapshotDir(`${cache}/tuf`)).keys()) {
        assert.equal((await Deno.stat(`${cache}/tuf/${name}`)).mode! & 0o777, 0o600, name);
      }
    }
    const requests = server.requests.length;
    const show = await run(["trust", "show"], env, DURING);
    assert.equal(show.code, 0, show.err);
    assert.equal(server.requests.length, requests, "a state within its expiry makes no request");
    assert.match(
      show.out,
      /public-good: TUF root version 15, targets version 14 from http:\/\/127\.0\.0\.1/,
    );
    assert.match(show.out, /expires 2026-08-28T19:25:56\.000Z/);
    assert.match(show.out, /github: embedded root \(no TUF metadata stored/);
    assert.match(show.out, /staging: embedded root/);
    const json = await run(["trust", "show", "--offline", "--json"], env, DURING);
    const roots = JSON.parse(json.out).roots;
    assert.equal(roots[0].source, "tuf");
    assert.equal(roots[0].tufRootVersion, 15);
    assert.equal(roots[0].sha256, REAL_TRUSTED_ROOT);

    // A verifying run uses the stored root and says where it came from.
    await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
    const verify = await run(
      ["file", `${dir}/a.txt`, "--sha256", "0".repeat(64), "--json"],
      { CARGO_ATTEST_CACHE_DIR: cache },
      DURING,
    );
    const report = JSON.parse(verify.out);
    assert.deepEqual(report.roots[0], {
      name: "public-good",
      sha256: REAL_TRUSTED_ROOT,
      source: "tuf",
      tufRootVersion: 15,
      tufTargetsVersion: 14,
      expires: "2026-08-28T19:25:56.000Z",
      url: `${server.url}/`,
    });
    assert.equal(report.roots[1].source, "embedded");
    assert.equal(server.requests.length, requests, "a verifying run makes no TUF request");
  });
});

Deno.test("tuf real chain: past its expiry, --offline says so and the embedded root is the fallback, named in the report", async () => {
  await withRealTuf(async ({ dir, cache, env, server }) => {
    assert.equal((await run(["trust", "update"], env, DURING)).code, 0);
    const requests = server.requests.length;
    const show = await run(["trust", "show", "--offline"], env, AFTER);
    assert.equal(show.code, 0, show.err);
    assert.match(
      show.out,
      /public-good: embedded root \(the stored TUF metadata expired at 2026-08-28T19:25:56\.000Z/,
    );
    assert.match(
      show.out,
      /stored, not used: TUF root version 15, targets version 14, sha256 6494e21e\w+, expired 2026-08-28/,
    );
    assert.equal(server.requests.length, requests, "--offline makes no request");

    await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
    const verify = await run(
      ["file", `${dir}/a.txt`, "--sha256", "0".repeat(64), "--json"],
      { CARGO_ATTEST_CACHE_DIR: cache },
      AFTER,
    );
    const root = JSON.parse(verify.out).roots[0];
    assert.equal(root.source, "embedded");
    assert.match(root.note, /expired at 2026-08-28T19:25:56\.000Z.*using the embedded root/);
    assert.match(
      verify.err,
      /warning: TUF repository 'public-good': the stored TUF metadata expired/,
    );

    // Without --offline, show refreshes; the server's metadata is just as expired: ERROR, and
    // the stored state stays as it was.
    const before = await snapshotDir(cache);
    const stale = await run(["trust", "show"], env, AFTER);
    assert.equal(stale.code, 3, stale.out);
    assert.match(stale.err, /timestamp\.json: expired at 2026-08-28T19:25:56\.000Z/);
    assert.deepEqual(await snapshotDir(cache), before);
  });
});

Deno.test("tuf real chain: cache clear keeps the TUF metadata, and report --from keeps where each root came from", async () => {
  await withRealTuf(async ({ dir, cache, env }) => {
    assert.equal((await run(["trust", "update"], env, DURING)).code, 0);
    assert.equal((await run(["cache", "clear"], env, DURING)).code, 0);
    const show = await run(["trust", "show", "--offline"], env, DURING);
    assert.match(show.out, /public-good: TUF root version 15/);

    await Deno.writeTextFile(`${dir}/a.txt`, "a\n");
    const verify = await run(
      ["file", `${dir}/a.txt`, "--sha256", "0".repeat(64), "--json"],
      { CARGO_ATTEST_CACHE_DIR: cache },
      DURING,
    );
    await Deno.writeTextFile(`${dir}/report.json`, verify.out);
    const again = await run(
      ["report", "--from", `${dir}/report.json`, "--format", "json"],
      {},
      DURING,
    );
    assert.deepEqual(JSON.parse(again.out).roots, JSON.parse(verify.out).roots);
  });
});

Deno.test("tuf real chain: the embedded TUF roots (Sigstore's version 15, GitHub's version 3) hold against their own keys", async () => {
  const { isSelfSignedRoot } = await import("../lib/trust/tuf/client.ts");
  const { TUF_REPOSITORIES } = await import("../lib/trust/tuf/repositories.ts");
  const { parseEnvelope } = await import("../lib/trust/tuf/metadata.ts");
  const versions: Record<string, number> = {};
  for (const repository of TUF_REPOSITORIES) {
    const bytes = new TextEncoder().encode(repository.embeddedRoot);
    assert.ok(await isSelfSignedRoot(bytes, repository.name), repository.name);
    versions[repository.name] = parseEnvelope(bytes, "root", repository.name, "root.json").signed
      .version;
  }
  assert.deepEqual(versions, { "public-good": 15, github: 3 });
  // The public-good one is the fixture's newest root, byte for byte.
  assert.equal(
    TUF_REPOSITORIES[0].embeddedRoot,
    new TextDecoder().decode(files.get("15.root.json")),
  );
});
