/**
 * Red team, HTTP layer and sources (issue #12): redirects, hosts, tokens, pagination, sizes,
 * retries, encodings. Every run goes through `main()` against loopback servers: a scriptable
 * fake of the GitHub routes a release uses (so each answer's shape can be bent), with evidence
 * made by the virtual Sigstore. Each test asserts the run is not TRUSTED (or, for controls, that
 * the unbent run is).
 */
import assert from "node:assert/strict";
import { tinyAttestCrate, tinyAttestRepository } from "./support/tiny_attest.ts";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import {
  APP,
  APP_SHA256,
  COMMIT,
  CRATE,
  encoder,
  OLD_COMMIT,
  publicGood,
  workflowBundle,
} from "./support/binding_runs.ts";
import { startFakeCratesIo } from "./support/fake_crates_io.ts";
import { type FakeRepository, startFakeGithub } from "./support/fake_github.ts";
import { TINY_ATTEST_COMMIT } from "./support/tiny_attest.ts";

/** A route handler: undefined falls through to the default answer. */
type Handler = (req: Request, url: URL, ctx: Ctx) => Response | Promise<Response> | undefined;

interface Ctx {
  readonly api: string;
  readonly dl: string;
  readonly other: string;
}

interface Log {
  readonly server: "api" | "dl" | "other";
  readonly path: string;
  readonly authorization: string | null;
}

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

interface ReleaseSetup {
  /** Assets besides app.tar.gz (name → bytes). */
  readonly extra?: Record<string, Uint8Array>;
  /** The API's digest of app.tar.gz ("" leaves it out). */
  readonly digest?: string;
  readonly body?: string;
  /** Attestation bundles (JSON text) for APP_SHA256, one page. */
  readonly attestations?: string[];
  /** Replace routes. */
  readonly api?: Handler;
  readonly dl?: Handler;
  readonly other?: Handler;
}

/** Serves `octo-org/app` `v1.0.0` (tag at COMMIT) on three loopback servers. */
function startRelease(setup: ReleaseSetup) {
  const log: Log[] = [];
  const assets: Record<string, Uint8Array> = { "app.tar.gz": APP, ...(setup.extra ?? {}) };
  const names = Object.keys(assets);
  let ctx: Ctx = { api: "", dl: "", other: "" };
  const serve = (server: Log["server"], handler: Handler | undefined, fallback: Handler) =>
    Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      const url = new URL(req.url);
      log.push({
        server,
        path: url.pathname + url.search,
        authorization: req.headers.get("authorization"),
      });
      return (await handler?.(req, url, ctx)) ?? (await fallback(req, url, ctx)) ??
        json({ message: "Not Found" }, 404);
    });
  const api = serve("api", setup.api, (_req, url, c) => {
    const p = url.pathname;
    if (p === "/repos/octo-org/app/releases/tags/v1.0.0") {
      return json({
        tag_name: "v1.0.0",
        name: "v1.0.0",
        body: setup.body ?? "",
        html_url: "https://github.com/octo-org/app/releases/tag/v1.0.0",
        assets: names.map((name, i) => ({
          id: i + 1,
          name,
          size: assets[name].length,
          ...(name === "app.tar.gz" && setup.digest !== ""
            ? { digest: setup.digest ?? `sha256:${APP_SHA256}` }
            : {}),
          url: `${c.api}/repos/octo-org/app/releases/assets/${i + 1}`,
          browser_download_url: `${c.dl}/octo-org/app/v1.0.0/${name}`,
        })),
      });
    }
    const asset = p.match(/^\/repos\/octo-org\/app\/releases\/assets\/(\d+)$/);
    if (asset) {
      return new Response(null, {
        status: 302,
        headers: { location: `${c.dl}/octo-org/app/v1.0.0/${names[Number(asset[1]) - 1]}` },
      });
    }
    if (p === "/repos/octo-org/app/git/ref/tags/v1.0.0") {
      return json({ ref: "refs/tags/v1.0.0", object: { type: "commit", sha: COMMIT } });
    }
    if (p === `/repos/octo-org/app/attestations/sha256:${APP_SHA256}`) {
      const list = setup.attestations ?? [];
      if (list.length === 0) return json({ message: "Not Found" }, 404);
      return json({ attestations: list.map((b) => ({ bundle: JSON.parse(b) })) });
    }
    return undefined;
  });
  const dl = serve("dl", setup.dl, (_req, url) => {
    const name = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    const bytes = assets[name];
    return bytes ? new Response(bytes.slice()) : undefined;
  });
  const other = serve("other", setup.other, () => undefined);
  ctx = {
    api: `http://127.0.0.1:${api.addr.port}`,
    dl: `http://127.0.0.1:${dl.addr.port}`,
    other: `http://127.0.0.1:${other.addr.port}`,
  };
  return {
    ctx,
    log,
    close: () => Promise.all([api.shutdown(), dl.shutdown(), other.shutdown()]),
  };
}

interface Result {
  readonly code: number;
  readonly verdict: string;
  readonly checks: string[];
  readonly err: string;
  readonly log: Log[];
}

async function runRelease(
  setup: ReleaseSetup,
  options: { args?: string[]; policy?: string; env?: Record<string, string> } = {},
): Promise<Result> {
  const dir = await Deno.makeTempDir();
  const server = startRelease(setup);
  try {
    await Deno.writeTextFile(`${dir}/root.json`, publicGood.trustedRoot());
    const policyArgs: string[] = [];
    if (options.policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({
      CARGO_ATTEST_GITHUB_API_URL: server.ctx.api,
      ...options.env,
    });
    const code = await main([
      "release",
      "octo-org/app",
      "v1.0.0",
      "--json",
      "--no-cache",
      "--trusted-root",
      `${dir}/root.json`,
      ...policyArgs,
      ...(options.args ?? []),
    ], io);
    let verdict = "(no report)";
    let checks: string[] = [];
    try {
      const report = JSON.parse(io.out);
      verdict = report.verdict;
      checks = report.subjects.flatMap((
        s: { checks: { id: string; status: string; code: string }[] },
      ) => s.checks.map((c) => `${c.id}:${c.status}:${c.code}`));
    } catch {
      // no JSON report (an ERROR before it)
    }
    return { code, verdict, checks, err: io.err, log: server.log };
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function show(r: Result): string {
  return `exit ${r.code} ${r.verdict}\n${r.checks.join("\n")}\n${r.err}`;
}

const NOTES = `app.tar.gz ${APP_SHA256}\n`;
const REQUIRE_ATTESTATION = 'version = 1\n[repo."octo-org/app"]\nrequire = ["attestation"]\n';

// ---- controls -------------------------------------------------------------------------------

Deno.test("control: a good attestation is TRUSTED, with the attestation required", async () => {
  const r = await runRelease({ attestations: [await workflowBundle()] }, {
    policy: REQUIRE_ATTESTATION,
  });
  assert.equal(r.code, 0, show(r));
});

Deno.test("control: a checksum in the notes alone is not enough when attestations are required", async () => {
  const r = await runRelease({ body: NOTES }, { policy: REQUIRE_ATTESTATION });
  assert.notEqual(r.code, 0, show(r));
});

// ---- attacks ----------------------------------------------------------------------------------

Deno.test("rate limit (403) on the attestations call is not a skip that lets a checksum through", async () => {
  const r = await runRelease({
    body: NOTES,
    api: (_req, url) =>
      url.pathname.includes("/attestations/")
        ? json({ message: "API rate limit exceeded" }, 403, {
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": "2000000000",
        })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a 403 without rate-limit headers on the attestations call is not a skip", async () => {
  const r = await runRelease({
    body: NOTES,
    api: (_req, url) =>
      url.pathname.includes("/attestations/") ? json({ message: "Forbidden" }, 403) : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("an attestation page 2 that answers 404 does not hide its failing bundle", async () => {
  const good = await workflowBundle();
  const evil = await workflowBundle({ repository: "evil/app" });
  // Baseline: both on one page.
  const both = await runRelease({ attestations: [good, evil] });
  assert.notEqual(both.code, 0, "baseline: " + show(both));
  const r = await runRelease({
    api: (_req, url, c) => {
      if (!url.pathname.includes("/attestations/")) return undefined;
      if (url.searchParams.get("page") === "2") return json({ message: "Not Found" }, 404);
      return json({ attestations: [{ bundle: JSON.parse(good) }] }, 200, {
        link: `<${c.api}${url.pathname}?page=2>; rel="next"`,
      });
    },
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a failing bundle past the last page read (page 11) is not silently ignored", async () => {
  const good = await workflowBundle();
  const evil = await workflowBundle({ repository: "evil/app" });
  const r = await runRelease({
    api: (_req, url, c) => {
      if (!url.pathname.includes("/attestations/")) return undefined;
      const page = Number(url.searchParams.get("page") ?? "1");
      return json({ attestations: [{ bundle: JSON.parse(page === 11 ? evil : good) }] }, 200, {
        link: page < 11 ? `<${c.api}${url.pathname}?page=${page + 1}>; rel="next"` : "",
      });
    },
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a failing bundle on attestation page 2 (another host) is still seen", async () => {
  const good = await workflowBundle();
  const evil = await workflowBundle({ repository: "evil/app" });
  const r = await runRelease({
    api: (_req, url, c) =>
      url.pathname.includes("/attestations/")
        ? json({ attestations: [{ bundle: JSON.parse(good) }] }, 200, {
          link: `<${c.other}/page2>; rel="next"`,
        })
        : undefined,
    other: () => json({ attestations: [{ bundle: JSON.parse(evil) }] }),
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a pagination loop of attestations ends (no hang) and is not TRUSTED through a failing one", async () => {
  const evil = await workflowBundle({ repository: "evil/app" });
  const r = await runRelease({
    body: NOTES,
    api: (_req, url, c) =>
      url.pathname.includes("/attestations/")
        ? json({ attestations: [{ bundle: JSON.parse(evil) }] }, 200, {
          link: `<${c.api}${url.pathname}${url.search}>; rel="next"`,
        })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("the tag ref answer for another tag (refs/tags/v1.0.0-rc) does not bind that tag's build", async () => {
  const rcBuild = await workflowBundle({ ref: "refs/tags/v1.0.0-rc", sha: OLD_COMMIT });
  const r = await runRelease({
    attestations: [rcBuild],
    api: (_req, url) =>
      url.pathname === "/repos/octo-org/app/git/ref/tags/v1.0.0"
        ? json({ ref: "refs/tags/v1.0.0-rc", object: { type: "commit", sha: OLD_COMMIT } })
        : undefined,
  }, { policy: REQUIRE_ATTESTATION });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a release answer for another tag does not vouch for this tag", async () => {
  const r = await runRelease({
    body: NOTES,
    api: (_req, url, c) =>
      url.pathname === "/repos/octo-org/app/releases/tags/v1.0.0"
        ? json({
          tag_name: "v0.9.0",
          name: "v0.9.0",
          body: NOTES,
          assets: [{
            id: 1,
            name: "app.tar.gz",
            size: APP.length,
            url: `${c.api}/repos/octo-org/app/releases/assets/1`,
            browser_download_url: `${c.dl}/octo-org/app/v1.0.0/app.tar.gz`,
          }],
        })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("the token never reaches the download host, nor another host a redirect names", async () => {
  const r = await runRelease({
    body: NOTES,
    api: (_req, url, c) =>
      url.pathname.includes("/releases/assets/")
        ? new Response(null, { status: 302, headers: { location: `${c.other}/hop` } })
        : undefined,
    other: (_req, url, c) =>
      url.pathname === "/hop"
        ? new Response(null, {
          status: 307,
          headers: { location: `${c.dl}/octo-org/app/v1.0.0/app.tar.gz` },
        })
        : undefined,
  }, { env: { GH_TOKEN: "ghp_secret" } });
  const leaked = r.log.filter((l) => l.server !== "api" && l.authorization !== null);
  assert.deepEqual(leaked, [], show(r));
  assert.ok(r.log.some((l) => l.server === "api" && l.authorization === "Bearer ghp_secret"));
});

Deno.test("a gzip Content-Encoding on the asset: the digest is of the bytes GitHub recorded", async () => {
  // The download host gzips a body that decodes to other bytes than the API recorded.
  const other = encoder.encode("not the app\n");
  const gz = new Uint8Array(
    await new Response(
      new Blob([other]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const r = await runRelease({
    body: NOTES,
    dl: (_req, url) =>
      url.pathname.endsWith("/app.tar.gz")
        ? new Response(gz, { headers: { "content-encoding": "gzip" } })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a 206 Partial Content answer to the asset GET is not the asset", async () => {
  const r = await runRelease({
    digest: "",
    body: NOTES,
    dl: (_req, url) =>
      url.pathname.endsWith("/app.tar.gz")
        ? new Response(APP.slice(0, 4), {
          status: 206,
          headers: { "content-range": `bytes 0-3/${APP.length}` },
        })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("a bundle_url over plain http to a non-loopback host is refused", async () => {
  const r = await runRelease({
    body: NOTES,
    api: (_req, url) =>
      url.pathname.includes("/attestations/")
        ? json({ attestations: [{ bundle_url: "http://example.com/bundle.snappy" }] })
        : undefined,
  });
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("an attestation without bundle nor bundle_url is not silently dropped when a good one passes", async () => {
  const good = await workflowBundle();
  const r = await runRelease({
    api: (_req, url) =>
      url.pathname.includes("/attestations/")
        ? json({
          attestations: [{ bundle: JSON.parse(good) }, { bundle: null, bundle_url: 42 }],
        })
        : undefined,
  }, { policy: REQUIRE_ATTESTATION });
  assert.notEqual(r.code, 0, show(r));
});

// ---- crates --------------------------------------------------------------------------------------

/**
 * Runs `crate tiny-attest@0.1.0` against the fake crates.io and the fake GitHub, through a proxy
 * in front of the fake GitHub whose `bend` may answer instead of it.
 */
async function runCrateVia(
  bend: (url: URL, proxy: string) => Response | undefined,
  repository: Partial<FakeRepository> = {},
  policy?: string,
): Promise<Result> {
  const dir = await Deno.makeTempDir();
  const cratesIo = startFakeCratesIo([tinyAttestCrate({ bytes: CRATE })]);
  const github = startFakeGithub([], {
    repositories: [tinyAttestRepository(repository)],
  });
  const log: Log[] = [];
  let proxyUrl = "";
  const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    log.push({
      server: "api",
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
    });
    const bent = bend(url, proxyUrl);
    if (bent) return bent;
    const headers = new Headers(req.headers);
    headers.delete("host");
    const upstream = await fetch(`${github.apiUrl}${url.pathname}${url.search}`, {
      headers,
      redirect: "manual",
    });
    return new Response(upstream.body, { status: upstream.status, headers: upstream.headers });
  });
  proxyUrl = `http://127.0.0.1:${proxy.addr.port}`;
  try {
    const policyArgs: string[] = [];
    if (policy) {
      await Deno.writeTextFile(`${dir}/attest.toml`, policy);
      policyArgs.push("--policy", `${dir}/attest.toml`);
    }
    const io = createMemoryIo({
      ...cratesIo.env,
      CARGO_ATTEST_GITHUB_API_URL: proxyUrl,
      GH_TOKEN: "ghp_test",
    });
    const code = await main(
      ["crate", "tiny-attest@0.1.0", "--json", "--no-cache", ...policyArgs],
      io,
    );
    let verdict = "(no report)";
    let checks: string[] = [];
    try {
      const report = JSON.parse(io.out);
      verdict = report.verdict;
      checks = report.subjects.flatMap((
        s: { checks: { id: string; status: string; code: string }[] },
      ) => s.checks.map((c) => `${c.id}:${c.status}:${c.code}`));
    } catch {
      // no report
    }
    return { code, verdict, checks, err: io.err, log };
  } finally {
    await proxy.shutdown();
    await cratesIo.close();
    await github.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const REQUIRE_SOURCE =
  'version = 1\n[crate."tiny-attest"]\nrequire = ["crate-checksum", "crate-vcs", "crate-source"]\n';

Deno.test("crate control: through the proxy, the tiny-attest crate is TRUSTED", async () => {
  const r = await runCrateVia(() => undefined, {}, REQUIRE_SOURCE);
  assert.equal(r.code, 0, show(r));
});

Deno.test("crate: a 5xx on the tree call is not a skip that lets the crate through", async () => {
  const r = await runCrateVia(
    (url) => url.pathname.includes("/git/trees/") ? json({ message: "boom" }, 502) : undefined,
    {},
    REQUIRE_SOURCE,
  );
  assert.notEqual(r.code, 0, show(r));
});

Deno.test("crate: a tag page served by another host (Link next) does not bind a fork's commit", async () => {
  const other = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => json([{ name: "v0.1.0", commit: { sha: TINY_ATTEST_COMMIT } }]),
  );
  // The commit is a fork's: GitHub serves it (and its tree) under the repository, but it is not
  // in the default branch's history, and the repository has no tag for it.
  const diverged = (url: URL) =>
    url.pathname.includes("/compare/")
      ? json({ status: "diverged", ahead_by: 1, behind_by: 3, commits: [], files: [] })
      : undefined;
  try {
    const control = await runCrateVia(diverged, { tags: [] }, REQUIRE_SOURCE);
    assert.notEqual(control.code, 0, "control: " + show(control));
    assert.ok(
      control.checks.some((c) =>
        c.startsWith("crate-vcs:") && c.endsWith(":crate-vcs-commit-unbound")
      ),
      show(control),
    );
    const r = await runCrateVia(
      (url) =>
        url.pathname.endsWith("/tags") && !url.searchParams.has("page")
          ? json([], 200, {
            link: `<http://127.0.0.1:${other.addr.port}/tags?page=2>; rel="next"`,
          })
          : diverged(url),
      { tags: [] },
      REQUIRE_SOURCE,
    );
    assert.notEqual(r.code, 0, show(r));
  } finally {
    await other.shutdown();
  }
});
