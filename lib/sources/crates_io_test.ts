import assert from "node:assert/strict";
import {
  checkCrateName,
  crateDownloadUrl,
  CrateNotFoundError,
  downloadCrate,
  fetchCrateInfo,
  fetchCrateVersion,
  fetchIndexConfig,
  fetchIndexEntries,
  findIndexEntry,
  indexPath,
  indexPrefix,
  parseIndexLines,
  parseTrustedPublishing,
} from "./crates_io.ts";
import { HttpClient } from "./http.ts";
import { NetworkError, UsageError } from "../errors.ts";
import {
  type FakeCrate,
  type FakeCratesIo,
  type FakeCratesIoOptions,
  sha256Hex,
  startFakeCratesIo,
} from "../../tests/support/fake_crates_io.ts";

const USER_AGENT = "cargo-attest-test/0.0.0 (loopback)";
const COMMIT = "35f8671bce74190ef0b00ce36c399b053b490374";

function client(options: { timeoutMs?: number; retries?: number } = {}): HttpClient {
  return new HttpClient({
    timeoutMs: options.timeoutMs ?? 5_000,
    retries: options.retries ?? 2,
    userAgent: USER_AGENT,
    sleep: () => Promise.resolve(),
  });
}

function bytesOf(text: string, repeat = 1): Uint8Array {
  return new TextEncoder().encode(text.repeat(repeat));
}

async function withFake(
  crates: readonly FakeCrate[],
  options: FakeCratesIoOptions,
  fn: (fake: FakeCratesIo) => Promise<void>,
): Promise<void> {
  const fake = startFakeCratesIo(crates, options);
  try {
    await fn(fake);
  } finally {
    await fake.close();
  }
}

const SERDE_BYTES = bytesOf("pretend this is a gzipped tarball\n", 5000); // 170 KB: several chunks
const CRATES: FakeCrate[] = [
  { name: "a", version: "0.1.0", bytes: bytesOf("a") },
  { name: "ab", version: "1.0.0", bytes: bytesOf("ab") },
  { name: "abc", version: "2.0.0", bytes: bytesOf("abc"), yanked: true },
  { name: "Mixed_Case-Crate", version: "0.0.1", bytes: bytesOf("mixed") },
  {
    name: "serde",
    version: "1.0.0",
    bytes: SERDE_BYTES,
    repository: "https://github.com/serde-rs/serde",
    publishedBy: { login: "dtolnay", name: "David Tolnay" },
  },
  {
    name: "serde",
    version: "1.0.1+build.7",
    bytes: bytesOf("serde 1.0.1"),
    repository: "https://github.com/serde-rs/serde",
    trustedPublishing: {
      provider: "github",
      repository: "serde-rs/serde",
      run_id: "17589560711",
      sha: COMMIT.toUpperCase(),
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Index paths and names (pure)

Deno.test("indexPath() follows the sparse-index layout for 1-, 2-, 3- and 4+-letter names", () => {
  const cases: [string, string][] = [
    ["a", "1/a"],
    ["A", "1/a"],
    ["ab", "2/ab"],
    ["aB", "2/ab"],
    ["abc", "3/a/abc"],
    ["Abc", "3/a/abc"],
    ["abcd", "ab/cd/abcd"],
    ["serde", "se/rd/serde"],
    ["cargo", "ca/rg/cargo"],
    ["Inflector", "in/fl/inflector"],
    ["Mixed_Case-Crate", "mi/xe/mixed_case-crate"],
    ["a-b_c", "a-/b_/a-b_c"],
  ];
  for (const [name, path] of cases) assert.equal(indexPath(name), path, name);
});

Deno.test("indexPrefix() keeps the name's case (cargo's {prefix})", () => {
  assert.equal(indexPrefix("Inflector"), "In/fl");
  assert.equal(indexPrefix("Abc"), "3/A");
  assert.equal(indexPrefix("x"), "1");
  assert.equal(indexPrefix("xy"), "2");
});

Deno.test("checkCrateName() refuses what cannot be a crate name (no path tricks)", () => {
  for (const bad of ["", "../etc", "a/b", "a b", "é", "-lead", "_lead", "x".repeat(65), "a.b"]) {
    assert.throws(() => checkCrateName(bad), UsageError, JSON.stringify(bad));
    assert.throws(() => indexPath(bad), UsageError, JSON.stringify(bad));
  }
  checkCrateName("x".repeat(64));
  checkCrateName("9lives");
});

Deno.test("crateDownloadUrl() extends a base or fills cargo's markers", () => {
  const cases: [string, string, string, Parameters<typeof crateDownloadUrl>[3], string][] = [
    [
      "https://static.crates.io/crates",
      "serde",
      "1.0.0",
      {},
      "https://static.crates.io/crates/serde/serde-1.0.0.crate",
    ],
    [
      "https://static.crates.io/crates/",
      "serde",
      "1.0.0+meta",
      {},
      "https://static.crates.io/crates/serde/serde-1.0.0%2Bmeta.crate",
    ],
    [
      "https://crates.io/api/v1/crates",
      "serde",
      "1.0.0",
      { layout: "cargo" },
      "https://crates.io/api/v1/crates/serde/1.0.0/download",
    ],
    [
      "https://mirror.example/{crate}/{version}/download",
      "serde",
      "1.0.0",
      {},
      "https://mirror.example/serde/1.0.0/download",
    ],
    [
      "https://mirror.example/files/{prefix}/{lowerprefix}/{crate}-{version}.crate",
      "Inflector",
      "0.11.4",
      {},
      "https://mirror.example/files/In/fl/in/fl/Inflector-0.11.4.crate",
    ],
    [
      "https://mirror.example/by-hash/{sha256-checksum}",
      "ab",
      "1.0.0",
      { checksum: "ab".repeat(32) },
      `https://mirror.example/by-hash/${"ab".repeat(32)}`,
    ],
  ];
  for (const [dl, name, version, options, expected] of cases) {
    assert.equal(crateDownloadUrl(dl, name, version, options), expected, `${dl} ${name}`);
  }
  assert.throws(
    () => crateDownloadUrl("https://m.example/{sha256-checksum}", "ab", "1.0.0"),
    (error: unknown) => error instanceof UsageError && /sha256-checksum/.test(error.message),
  );
});

// ---------------------------------------------------------------------------------------------
// Index parsing

Deno.test("parseIndexLines() reads each line, skipping bad lines with a note naming the line", () => {
  const text = [
    JSON.stringify({
      name: "foo",
      vers: "1.0.0",
      deps: [{ name: "bar", req: "^1" }],
      cksum: "AB".repeat(32),
      features: { std: [] },
      features2: { serde: ["dep:serde"] },
      yanked: false,
      links: "foo",
      v: 2,
      rust_version: "1.70",
    }),
    "",
    "this is not json",
    JSON.stringify(["an", "array"]),
    JSON.stringify({ name: "foo", vers: "1.0.1" }),
    JSON.stringify({ name: "foo", vers: "1.0.2", cksum: "cd".repeat(32) }),
    "",
  ].join("\n");
  const { entries, notes } = parseIndexLines(text, "fo/o/foo");
  assert.equal(entries.length, 2);
  assert.deepEqual(entries.map((e) => e.vers), ["1.0.0", "1.0.2"]);
  const first = entries[0];
  assert.equal(first.cksum, "ab".repeat(32), "lowercased");
  assert.equal(first.yanked, false);
  assert.equal(first.links, "foo");
  assert.equal(first.v, 2);
  assert.equal(first.rustVersion, "1.70");
  assert.deepEqual(first.features, { std: [], serde: ["dep:serde"] });
  assert.equal(first.deps.length, 1);
  assert.equal(entries[1].yanked, false, "absent yanked is not yanked");
  assert.equal(notes.length, 3);
  assert.match(notes[0], /^fo\/o\/foo line 3: skipped, not JSON/);
  assert.match(notes[1], /line 4: skipped, not a JSON object/);
  assert.match(notes[2], /line 5: skipped, no string "cksum"/);
});

Deno.test("findIndexEntry() matches the exact version, else the one equal without metadata", () => {
  const { entries } = parseIndexLines(
    [
      { name: "x", vers: "1.0.0", cksum: "00".repeat(32) },
      { name: "x", vers: "1.0.1+meta", cksum: "11".repeat(32) },
    ].map((l) => JSON.stringify(l)).join("\n"),
    "x",
  );
  assert.equal(findIndexEntry(entries, "1.0.0")?.cksum, "00".repeat(32));
  assert.equal(findIndexEntry(entries, "1.0.1+meta")?.cksum, "11".repeat(32));
  assert.equal(findIndexEntry(entries, "1.0.1")?.cksum, "11".repeat(32));
  assert.equal(findIndexEntry(entries, "1.0.2"), undefined);
});

Deno.test("fetchIndexEntries() reads the index file of names of every length", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const index = new URL(fake.indexUrl);
    for (const name of ["a", "ab", "abc", "Mixed_Case-Crate", "MIXED_case-crate"]) {
      const file = await fetchIndexEntries(client(), index, name);
      assert.equal(file.entries.length, 1, name);
      const crate = CRATES.find((c) => c.name.toLowerCase() === name.toLowerCase())!;
      assert.equal(file.entries[0].name, crate.name);
      assert.equal(file.entries[0].vers, crate.version);
      assert.equal(file.entries[0].cksum, sha256Hex(crate.bytes));
      assert.equal(file.entries[0].yanked, crate.yanked ?? false);
      assert.deepEqual(file.notes, []);
    }
    const serde = await fetchIndexEntries(client(), index, "serde");
    assert.deepEqual(serde.entries.map((e) => e.vers), ["1.0.0", "1.0.1+build.7"]);
    assert.ok(serde.url.endsWith("/index/se/rd/serde"), serde.url);
    const paths = fake.requests.filter((r) => r.host === "index").map((r) => r.path);
    assert.deepEqual(paths.slice(0, 5), [
      "/index/1/a",
      "/index/2/ab",
      "/index/3/a/abc",
      "/index/mi/xe/mixed_case-crate",
      "/index/mi/xe/mixed_case-crate",
    ]);
    assert.ok(fake.requests.every((r) => r.userAgent === USER_AGENT), "our User-Agent is sent");
  });
});

Deno.test("fetchIndexEntries() skips a line that is not JSON with a note; the rest is read", async () => {
  const other = JSON.stringify({ name: "serde_json", vers: "1.0.0", cksum: "00".repeat(32) });
  const extraIndexLines = { serde: ["{not json", '{"name":"serde"}', other] };
  await withFake(CRATES, { extraIndexLines }, async (fake) => {
    const file = await fetchIndexEntries(client(), new URL(fake.indexUrl), "SERDE");
    assert.equal(file.entries.length, 2);
    assert.equal(file.notes.length, 3);
    assert.match(file.notes[0], /se\/rd\/serde line 3: skipped, not JSON/);
    assert.match(file.notes[1], /line 4: skipped, no string "vers", "cksum"/);
    assert.match(file.notes[2], /line 5: skipped, it is for crate 'serde_json', not 'SERDE'/);
  });
});

Deno.test("fetchIndexEntries() turns a 404 into CrateNotFoundError naming the crate", async () => {
  await withFake(CRATES, {}, async (fake) => {
    await assert.rejects(
      fetchIndexEntries(client(), new URL(fake.indexUrl), "no-such-crate"),
      (error: unknown) => {
        assert.ok(error instanceof CrateNotFoundError);
        assert.equal(error.code, "crate-not-found");
        assert.equal(error.crate, "no-such-crate");
        assert.equal(error.version, undefined);
        assert.match(error.message, /crate 'no-such-crate' is not in the index/);
        assert.match(error.message, /\/index\/no\/-s\/no-such-crate answered 404/);
        return true;
      },
    );
  });
});

Deno.test("fetchIndexEntries() rides out a 500 (500 then 200) and fails after retries", async () => {
  await withFake(CRATES, { failFirst: 1 }, async (fake) => {
    const file = await fetchIndexEntries(client(), new URL(fake.indexUrl), "ab");
    assert.equal(file.entries.length, 1);
    assert.equal(fake.requests.filter((r) => r.host === "index").length, 2);
  });
  await withFake(CRATES, { alwaysFail: true }, async (fake) => {
    await assert.rejects(
      fetchIndexEntries(client({ retries: 1 }), new URL(fake.indexUrl), "ab"),
      (error: unknown) =>
        error instanceof NetworkError && !(error instanceof CrateNotFoundError) &&
        /HTTP 500.*gave up after 2 attempts/.test(error.message),
    );
  });
});

Deno.test("fetchIndexConfig() reads dl and api from config.json", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const config = await fetchIndexConfig(client(), new URL(fake.indexUrl));
    assert.equal(config.dl, `${fake.baseUrl}/dl`);
    assert.equal(config.api, fake.baseUrl);
    assert.equal(config.authRequired, false);
  });
});

// ---------------------------------------------------------------------------------------------
// API

Deno.test("fetchCrateVersion() reads checksum, yanked, size, repository and publisher", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const v = await fetchCrateVersion(client(), new URL(fake.apiUrl), "serde", "1.0.0");
    assert.equal(v.name, "serde");
    assert.equal(v.version, "1.0.0");
    assert.equal(v.checksum, sha256Hex(SERDE_BYTES));
    assert.equal(v.yanked, false);
    assert.equal(v.crateSize, SERDE_BYTES.length);
    assert.equal(v.dlPath, "/api/v1/crates/serde/1.0.0/download");
    assert.equal(v.repository, "https://github.com/serde-rs/serde");
    assert.deepEqual(v.publishedBy, {
      id: 7,
      login: "dtolnay",
      name: "David Tolnay",
      url: "https://github.com/dtolnay",
    });
    assert.equal(v.trustedPublishing, undefined, "trustpub_data: null");
    assert.equal(v.raw.trustpub_data, null);
    assert.equal(v.url, `${fake.apiUrl}/crates/serde/1.0.0`);
    const request = fake.requests.find((r) => r.host === "api")!;
    assert.equal(request.userAgent, USER_AGENT, "crates.io requires a User-Agent");
    assert.match(request.accept ?? "", /application\/json/);
  });
});

Deno.test("fetchCrateVersion() reads crates.io's trusted-publishing record (trustpub_data)", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const v = await fetchCrateVersion(client(), new URL(fake.apiUrl), "serde", "1.0.1+build.7");
    assert.equal(v.publishedBy, undefined, "published_by is null for trusted publishing");
    assert.deepEqual(v.trustedPublishing, {
      provider: "github",
      repository: "serde-rs/serde",
      runId: "17589560711",
      sha: COMMIT,
      raw: {
        provider: "github",
        repository: "serde-rs/serde",
        run_id: "17589560711",
        sha: COMMIT.toUpperCase(),
      },
    });
    assert.ok(
      fake.requests.some((r) => r.path === "/api/v1/crates/serde/1.0.1%2Bbuild.7"),
      JSON.stringify(fake.requests),
    );
  });
});

Deno.test("parseTrustedPublishing() reads GitHub and GitLab records; null or junk is none", () => {
  assert.deepEqual(
    parseTrustedPublishing({
      provider: "gitlab",
      project_path: "rust-lang/cargo",
      job_id: "example-job-id",
      sha: "ABC123",
    }),
    {
      provider: "gitlab",
      repository: "rust-lang/cargo",
      runId: "example-job-id",
      sha: "abc123",
      raw: {
        provider: "gitlab",
        project_path: "rust-lang/cargo",
        job_id: "example-job-id",
        sha: "ABC123",
      },
    },
  );
  const numeric = parseTrustedPublishing({ provider: "github", repository: "o/r", run_id: 42 });
  assert.equal(numeric?.runId, "42");
  assert.equal(numeric?.sha, undefined);
  assert.deepEqual(parseTrustedPublishing({ provider: "forgejo", extra: 1 }), {
    provider: "forgejo",
    raw: { provider: "forgejo", extra: 1 },
  });
  for (const none of [null, undefined, "github", [], {}, { provider: "" }, { provider: 3 }]) {
    assert.equal(parseTrustedPublishing(none), undefined, JSON.stringify(none));
  }
});

Deno.test("fetchCrateVersion() turns 404s into CrateNotFoundError naming crate and version", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const api = new URL(fake.apiUrl);
    await assert.rejects(fetchCrateVersion(client(), api, "serde", "9.9.9"), (error: unknown) => {
      assert.ok(error instanceof CrateNotFoundError);
      assert.equal(error.crate, "serde");
      assert.equal(error.version, "9.9.9");
      assert.match(error.message, /no version 9\.9\.9 of crate 'serde'/);
      assert.match(error.message, /does not have a version `9\.9\.9`/, "crates.io's detail");
      return true;
    });
    await assert.rejects(fetchCrateVersion(client(), api, "nope", "1.0.0"), (error: unknown) => {
      assert.ok(error instanceof CrateNotFoundError);
      assert.match(error.message, /crate 'nope'.*crate `nope` does not exist/);
      return true;
    });
  });
});

Deno.test("the index and the API can disagree on the checksum: both are reported as served", async () => {
  const crate: FakeCrate = {
    name: "tampered",
    version: "1.0.0",
    bytes: bytesOf("real bytes"),
    indexCksumOverride: "11".repeat(32),
    apiChecksumOverride: "22".repeat(32),
  };
  await withFake([crate], {}, async (fake) => {
    const index = await fetchIndexEntries(client(), new URL(fake.indexUrl), "tampered");
    const api = await fetchCrateVersion(client(), new URL(fake.apiUrl), "tampered", "1.0.0");
    assert.equal(index.entries[0].cksum, "11".repeat(32));
    assert.equal(api.checksum, "22".repeat(32));
  });
});

Deno.test("fetchCrateVersion() refuses an answer without a version object", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ errors: [] }),
  );
  try {
    await assert.rejects(
      fetchCrateVersion(
        client(),
        new URL(`http://127.0.0.1:${server.addr.port}/api/v1`),
        "x",
        "1.0.0",
      ),
      (error: unknown) =>
        error instanceof Error && "code" in error && error.code === "unexpected-response" &&
        /the version is not a JSON object/.test(error.message),
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("fetchCrateInfo() reads the crate's repository; 404 is CrateNotFoundError", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const api = new URL(fake.apiUrl);
    const info = await fetchCrateInfo(client(), api, "serde");
    assert.equal(info.name, "serde");
    assert.equal(info.repository, "https://github.com/serde-rs/serde");
    const bare = await fetchCrateInfo(client(), api, "ab");
    assert.equal(bare.repository, undefined);
    await assert.rejects(
      fetchCrateInfo(client(), api, "nope"),
      (error: unknown) => error instanceof CrateNotFoundError && error.crate === "nope",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Downloads

/** Runs a download; its result, checked to be one buffer of exactly the body's size. */
async function collect(
  run: () => Promise<{ url: string; size: number; bytes: Uint8Array }>,
): Promise<{ bytes: Uint8Array; url: string; size: number }> {
  const result = await run();
  assert.equal(result.bytes.byteLength, result.size);
  assert.equal(result.bytes.buffer.byteLength, result.size, "read into one buffer of its size");
  return result;
}

Deno.test("downloadCrate() streams the .crate from {dl}/{name}/{name}-{version}.crate", async () => {
  await withFake(CRATES, {}, async (fake) => {
    const got = await collect(() =>
      downloadCrate(client(), new URL(fake.dlUrl), "serde", "1.0.0", 1 << 20, {
        expectedSize: SERDE_BYTES.length,
      })
    );
    assert.deepEqual(got.bytes, SERDE_BYTES);
    assert.equal(got.size, SERDE_BYTES.length);
    assert.equal(sha256Hex(got.bytes), sha256Hex(SERDE_BYTES));
    assert.equal(got.url, `${fake.dlUrl}/serde/serde-1.0.0.crate`);
    const request = fake.requests.find((r) => r.host === "dl")!;
    assert.equal(request.userAgent, USER_AGENT);
  });
});

Deno.test("downloadCrate() follows a config.json dl template, and cargo's layout via the API", async () => {
  await withFake(CRATES, { dlTemplate: true }, async (fake) => {
    const config = await fetchIndexConfig(client(), new URL(fake.indexUrl));
    assert.ok(config.dl.includes("{crate}"), config.dl);
    const viaTemplate = await collect(() =>
      downloadCrate(client(), config.dl, "ab", "1.0.0", 1024)
    );
    assert.deepEqual(viaTemplate.bytes, bytesOf("ab"));
    assert.equal(viaTemplate.url, `${fake.dlUrl}/ab/1.0.0/download`);
    // The API's download endpoint (a marker-less dl, extended as cargo does) redirects to the CDN.
    const viaApi = await collect(() =>
      downloadCrate(client(), `${fake.apiUrl}/crates`, "serde", "1.0.1+build.7", 1024, {
        layout: "cargo",
      })
    );
    assert.deepEqual(viaApi.bytes, bytesOf("serde 1.0.1"));
    assert.equal(viaApi.url, `${fake.dlUrl}/serde/serde-1.0.1+build.7.crate`);
  });
});

Deno.test("downloadCrate() fails on a truncated body, a size mismatch and the cap", async () => {
  const crates: FakeCrate[] = [
    { name: "cut", version: "1.0.0", bytes: SERDE_BYTES, truncateAt: 1000 },
    { name: "whole", version: "1.0.0", bytes: SERDE_BYTES },
  ];
  await withFake(crates, {}, async (fake) => {
    const dl = new URL(fake.dlUrl);
    await assert.rejects(
      downloadCrate(client(), dl, "cut", "1.0.0", 1 << 20),
      (error: unknown) =>
        error instanceof NetworkError && /truncated body/.test(error.message) &&
        error.message.includes("/dl/cut/cut-1.0.0.crate"),
    );
    // A complete download of another size than declared is returned whole (crate-checksum
    // then names both sizes): the transfer did not fail.
    const whole = await downloadCrate(client(), dl, "whole", "1.0.0", 1 << 20, {
      expectedSize: 10,
    });
    assert.equal(whole.size, SERDE_BYTES.length);
    await assert.rejects(
      downloadCrate(client(), dl, "whole", "1.0.0", 1000),
      (error: unknown) =>
        error instanceof NetworkError && /over the 1000-byte limit/.test(error.message),
    );
  });
});

Deno.test("downloadCrate() turns a 404 into CrateNotFoundError naming the crate and version", async () => {
  const crates: FakeCrate[] = [
    { name: "gone", version: "1.0.0", bytes: bytesOf("x"), missingFrom: ["dl"] },
  ];
  await withFake(crates, {}, async (fake) => {
    await assert.rejects(
      downloadCrate(client(), new URL(fake.dlUrl), "gone", "1.0.0", 1024),
      (error: unknown) =>
        error instanceof CrateNotFoundError && error.crate === "gone" &&
        error.version === "1.0.0" && /no download of gone 1\.0\.0/.test(error.message),
    );
  });
});

Deno.test("downloadCrate() gives up on a stalled body; a slow but answering server is fine", async () => {
  const crates: FakeCrate[] = [
    { name: "stall", version: "1.0.0", bytes: SERDE_BYTES, stallAt: 100 },
    { name: "ok", version: "1.0.0", bytes: bytesOf("fine") },
  ];
  await withFake(crates, {}, async (fake) => {
    await assert.rejects(
      downloadCrate(
        client({ timeoutMs: 200 }),
        new URL(fake.dlUrl),
        "stall",
        "1.0.0",
        1 << 20,
      ),
      (error: unknown) => error instanceof NetworkError && /stalled/.test(error.message),
    );
  });
  await withFake(crates, { delayMs: 50 }, async (fake) => {
    const got = await collect(() =>
      downloadCrate(client({ timeoutMs: 2_000 }), new URL(fake.dlUrl), "ok", "1.0.0", 1024)
    );
    assert.deepEqual(got.bytes, bytesOf("fine"));
  });
  await withFake(crates, { delayMs: 400 }, async (fake) => {
    await assert.rejects(
      fetchIndexEntries(client({ timeoutMs: 100, retries: 0 }), new URL(fake.indexUrl), "ok"),
      (error: unknown) =>
        error instanceof NetworkError && /sent no response within/.test(error.message),
    );
  });
});
