import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import {
  HttpClient,
  type HttpClientOptions,
  HttpStatusError,
  NotFoundError,
  parseLinkNext,
  RateLimitError,
  type RetryInfo,
} from "./http.ts";
import { concatBytes } from "../crypto/bytes.ts";
import { NetworkError } from "../errors.ts";
import { MAX_REDIRECTS } from "../limits.ts";

// ---------------------------------------------------------------------------------------------
// Loopback servers (127.0.0.1 only) and helpers

type Handler = (request: Request) => Response | Promise<Response>;

/** What a server saw of a request (copied: a served Request's headers go away once it closes). */
interface Seen {
  readonly url: string;
  readonly headers: Headers;
}

/** Runs `fn` against a real HTTP server on 127.0.0.1 with a free port; always shuts it down. */
async function withServer(
  handler: Handler,
  fn: (base: string, requests: Seen[]) => Promise<void>,
): Promise<void> {
  const requests: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    requests.push({ url: request.url, headers: new Headers(request.headers) });
    return handler(request);
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, requests);
  } finally {
    await server.shutdown();
  }
}

/**
 * A raw TCP server on 127.0.0.1 that writes `head` + `body` verbatim for each connection, for
 * shapes `Deno.serve` will not produce (a Content-Length the body does not honour). With `hold`,
 * it keeps the connection open until the client goes away (or 5 s pass).
 */
async function withRawServer(
  response: { head: string; body: Uint8Array; hold: boolean },
  fn: (base: string, connections: () => number) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const handled: Promise<void>[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) {
        connections++;
        handled.push(serveRaw(conn, response));
      }
    } catch {
      // the listener was closed
    }
  })();
  try {
    await fn(`http://127.0.0.1:${listener.addr.port}`, () => connections);
  } finally {
    listener.close();
    await accepting;
    await Promise.all(handled);
  }
}

async function serveRaw(
  conn: Deno.Conn,
  response: { head: string; body: Uint8Array; hold: boolean },
): Promise<void> {
  const buffer = new Uint8Array(16 * 1024);
  try {
    let seen = "";
    while (!seen.includes("\r\n\r\n")) {
      const n = await conn.read(buffer);
      if (n === null) return;
      seen += new TextDecoder().decode(buffer.subarray(0, n));
    }
    await writeAll(conn, new TextEncoder().encode(response.head.replaceAll("\n", "\r\n")));
    await writeAll(conn, response.body);
    if (response.hold) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        (async () => {
          while ((await conn.read(buffer)) !== null) { /* drain until the client closes */ }
        })(),
        new Promise((resolve) => timer = setTimeout(resolve, 5_000)),
      ]).finally(() => clearTimeout(timer));
    }
  } catch {
    // the client went away
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) offset += await conn.write(bytes.subarray(offset));
}

function client(overrides: Partial<HttpClientOptions> = {}): {
  http: HttpClient;
  sleeps: number[];
  retries: RetryInfo[];
} {
  const sleeps: number[] = [];
  const retries: RetryInfo[] = [];
  const http = new HttpClient({
    timeoutMs: 5_000,
    retries: 0,
    userAgent: "cargo-attest-test/0",
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    onRetry: (info) => void retries.push(info),
    ...overrides,
  });
  return { http, sleeps, retries };
}

/** Awaits `promise`, asserts it rejects, and returns the error. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected a rejection");
}

function pattern(length: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >> 11)) & 0xff;
  return bytes;
}

function chunkedStream(bytes: Uint8Array, chunk: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// JSON, text, pagination

Deno.test("getJson() parses JSON, sends User-Agent/Accept, and pages through Link rel=next", async () => {
  await withServer((request) => {
    const url = new URL(request.url);
    const page = Number(url.searchParams.get("page") ?? "1");
    const headers = new Headers({ "content-type": "application/json" });
    // Page 1 links absolutely, page 2 relatively; page 3 is the last.
    if (page === 1) {
      headers.set(
        "link",
        `<${url.origin}/items?page=2>; rel="next", <${url.origin}/items?page=3>; rel="last"`,
      );
    }
    if (page === 2) headers.set("link", `</items?page=1>; rel="prev", </items?page=3>; rel="next"`);
    return Response.json([`item-${page}a`, `item-${page}b`], { headers });
  }, async (base, requests) => {
    const { http } = client();
    const items: string[] = [];
    let next: string | undefined = `${base}/items?page=1`;
    let pages = 0;
    while (next !== undefined && pages < 10) {
      const response: Awaited<ReturnType<typeof http.getJson<string[]>>> = await http.getJson<
        string[]
      >(next, { accept: "application/vnd.github+json" });
      assert.equal(response.status, 200);
      assert.equal(response.url, next);
      items.push(...response.data);
      next = response.linkNext;
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(items, ["item-1a", "item-1b", "item-2a", "item-2b", "item-3a", "item-3b"]);
    assert.equal(requests[0].headers.get("user-agent"), "cargo-attest-test/0");
    assert.equal(requests[0].headers.get("accept"), "application/vnd.github+json");
    assert.equal(requests[0].headers.get("authorization"), null);
  });
});

Deno.test("parseLinkNext() finds rel=next among other relations and resolves it", () => {
  const base = "https://api.github.com/repos/o/r/releases?page=1";
  assert.equal(
    parseLinkNext(
      '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"',
      base,
    ),
    "https://api.github.com/x?page=2",
  );
  assert.equal(
    parseLinkNext('<?page=3>; rel="prev next"', base),
    "https://api.github.com/repos/o/r/releases?page=3",
  );
  assert.equal(parseLinkNext('</y>; title="a"; rel=next', base), "https://api.github.com/y");
  assert.equal(parseLinkNext('<https://a.example/x>; rel="last"', base), undefined);
  assert.equal(parseLinkNext('<https://a.example/x>; rel="nextish"', base), undefined);
  assert.equal(parseLinkNext(null, base), undefined);
  assert.equal(parseLinkNext("", base), undefined);
});

Deno.test("getJson() accepts a gzip-encoded body whose Content-Length is the encoded size", async () => {
  const json = JSON.stringify({ items: "x".repeat(10_000) });
  const gz = gzipSync(new TextEncoder().encode(json));
  await withServer(
    () =>
      new Response(new Uint8Array(gz), {
        headers: { "content-encoding": "gzip", "content-length": String(gz.length) },
      }),
    async (base) => {
      const { http } = client();
      const { data } = await http.getJson<{ items: string }>(`${base}/gz`);
      assert.equal(data.items.length, 10_000);
    },
  );
});

Deno.test("getJson() of a body that is not JSON names the URL and quotes the body", async () => {
  await withServer(() => new Response("<html>oops</html>"), async (base) => {
    const { http } = client();
    const error = await rejection(http.getJson(`${base}/html`));
    assert.ok(error instanceof NetworkError);
    assert.ok(error.message.startsWith(`${base}/html: `), error.message);
    assert.match(error.message, /not JSON.*<html>oops<\/html>/);
  });
});

Deno.test("getText() returns the text", async () => {
  await withServer(() => new Response("abc  file.crate\n"), async (base) => {
    const { http } = client();
    const { text, status } = await http.getText(`${base}/SHA256SUMS`, { maxBytes: 1024 });
    assert.equal(status, 200);
    assert.equal(text, "abc  file.crate\n");
  });
});

// ---------------------------------------------------------------------------------------------
// Retries and status errors

Deno.test("a 500 then a 200 is retried with backoff and onRetry is told", async () => {
  let calls = 0;
  await withServer(
    () => ++calls === 1 ? new Response("boom", { status: 500 }) : Response.json({ ok: true }),
    async (base) => {
      const { http, sleeps, retries } = client({ retries: 3 });
      const { data } = await http.getJson<{ ok: boolean }>(`${base}/flaky`);
      assert.deepEqual(data, { ok: true });
      assert.equal(calls, 2);
      assert.deepEqual(sleeps, [500]);
      assert.equal(retries.length, 1);
      assert.equal(retries[0].url, `${base}/flaky`);
      assert.equal(retries[0].attempt, 1);
      assert.equal(retries[0].attempts, 4);
      assert.equal(retries[0].status, 500);
      assert.match(retries[0].reason, /HTTP 500.*boom/);
    },
  );
});

Deno.test("a 500 forever fails after retries+1 attempts, naming the URL", async () => {
  let calls = 0;
  await withServer(() => {
    calls++;
    return new Response("still broken", { status: 503 });
  }, async (base) => {
    const { http, sleeps, retries } = client({ retries: 2 });
    const error = await rejection(http.getJson(`${base}/down`));
    assert.ok(error instanceof HttpStatusError);
    assert.equal(error.status, 503);
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [500, 1000]);
    assert.equal(retries.length, 2);
    assert.ok(error.message.includes(`${base}/down`), error.message);
    assert.match(error.message, /HTTP 503.*still broken.*after 3 attempts/);
  });
});

Deno.test("a refused connection is not retried (it would be refused again) and names the URL", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response(),
  );
  const port = server.addr.port;
  await server.shutdown();
  const { http, retries } = client({ retries: 1 });
  const error = await rejection(http.getJson(`http://127.0.0.1:${port}/gone`));
  assert.ok(error instanceof NetworkError);
  assert.ok(error.message.startsWith(`http://127.0.0.1:${port}/gone: `), error.message);
  assert.match(error.message, /127\.0\.0\.1:\d+ refused the connection$/);
  assert.match((error as NetworkError).hint ?? "", /--offline/);
  assert.equal(retries.length, 0);
});

Deno.test("404 is a NotFoundError and is not retried", async () => {
  let calls = 0;
  await withServer(() => {
    calls++;
    return Response.json({ message: "Not Found" }, { status: 404 });
  }, async (base) => {
    const { http, retries } = client({ retries: 3 });
    const error = await rejection(http.getJson(`${base}/repos/o/missing`));
    assert.ok(error instanceof NotFoundError);
    assert.ok(error instanceof NetworkError);
    assert.equal(error.status, 404);
    assert.equal(error.url, `${base}/repos/o/missing`);
    assert.match(error.message, /not found \(HTTP 404\): Not Found/);
    assert.equal(calls, 1);
    assert.equal(retries.length, 0);
  });
});

Deno.test("other 4xx fail at once with status, URL and a sanitised body excerpt", async () => {
  let calls = 0;
  await withServer(() => {
    calls++;
    return new Response(`bad\u001b[31m request ${"x".repeat(500)}`, { status: 422 });
  }, async (base) => {
    const { http } = client({ retries: 3 });
    const error = await rejection(http.getText(`${base}/q`, { maxBytes: 100 }));
    assert.ok(error instanceof HttpStatusError);
    assert.ok(!(error instanceof RateLimitError));
    assert.equal(error.status, 422);
    assert.equal(calls, 1);
    assert.ok(error.message.startsWith(`${base}/q: HTTP 422`), error.message);
    assert.ok(!error.message.includes("\u001b"), "no terminal escapes");
    assert.ok(error.excerpt.length <= 201);
    assert.match(error.excerpt, /^bad \[31m request x+…$/);
  });
});

Deno.test("403 with x-ratelimit-remaining: 0 says when the limit resets and that a token helps", async () => {
  let calls = 0;
  await withServer(() => {
    calls++;
    return Response.json({ message: "API rate limit exceeded for 127.0.0.1." }, {
      status: 403,
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1893456000" },
    });
  }, async (base) => {
    const { http } = client({ retries: 3 });
    const error = await rejection(http.getJson(`${base}/repos/o/r`));
    assert.ok(error instanceof RateLimitError);
    assert.ok(error instanceof NetworkError);
    assert.equal(calls, 1);
    assert.ok(error.message.startsWith(`${base}/repos/o/r: rate limit hit (HTTP 403`));
    assert.match(error.message, /resets at 2030-01-01T00:00:00\.000Z/);
    assert.match(error.message, /GH_TOKEN or GITHUB_TOKEN/);
    assert.equal(error.resetAt?.toISOString(), "2030-01-01T00:00:00.000Z");
  });
});

Deno.test("429 with retry-after is a rate limit with the delay in the message", async () => {
  await withServer(
    () => new Response("slow down", { status: 429, headers: { "retry-after": "60" } }),
    async (base) => {
      const { http } = client({ retries: 3 });
      const error = await rejection(http.getJson(`${base}/api`));
      assert.ok(error instanceof RateLimitError);
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterSeconds, 60);
      assert.ok(error.message.includes(`${base}/api`));
      assert.match(error.message, /rate limit hit.*retry after 60 seconds.*GH_TOKEN/);
    },
  );
});

Deno.test("the rate-limit message with a token says the token's limit was used up", async () => {
  await withServer(
    () =>
      new Response("", {
        status: 403,
        headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1893456000" },
      }),
    async (base) => {
      const { http } = client({ token: { value: "t0k", host: new URL(base).host } });
      const error = await rejection(http.getJson(`${base}/api`));
      assert.ok(error instanceof RateLimitError);
      assert.match(error.message, /limit applies to the token/);
    },
  );
});

Deno.test("403 without rate-limit headers is a plain HTTP error", async () => {
  await withServer(() => new Response("forbidden", { status: 403 }), async (base) => {
    const { http } = client();
    const error = await rejection(http.getJson(`${base}/private`));
    assert.ok(error instanceof HttpStatusError);
    assert.ok(!(error instanceof RateLimitError));
    assert.match(error.message, /HTTP 403.*forbidden/);
  });
});

// ---------------------------------------------------------------------------------------------
// Redirects and the token

Deno.test("the token goes to its own host only, never after a redirect to another host", async () => {
  await withServer(() => Response.json({ from: "second" }), async (second, secondRequests) => {
    await withServer(
      () => new Response(null, { status: 302, headers: { location: `${second}/asset?x=1` } }),
      async (first, firstRequests) => {
        const { http } = client({ token: { value: "s3cret", host: new URL(first).host } });
        const response = await http.getJson<{ from: string }>(`${first}/repos/o/r/assets/1`, {
          headers: { Authorization: "Bearer smuggled", "X-GitHub-Api-Version": "2022-11-28" },
        });
        assert.deepEqual(response.data, { from: "second" });
        assert.equal(response.url, `${second}/asset?x=1`);
        assert.equal(firstRequests.length, 1);
        assert.equal(firstRequests[0].headers.get("authorization"), "Bearer s3cret");
        assert.equal(firstRequests[0].headers.get("x-github-api-version"), "2022-11-28");
        assert.equal(secondRequests.length, 1);
        assert.equal(secondRequests[0].headers.get("authorization"), null);
        assert.equal(secondRequests[0].headers.get("x-github-api-version"), "2022-11-28");
      },
    );
  });
});

Deno.test("a relative Location is resolved against the request URL", async () => {
  await withServer((request) => {
    const path = new URL(request.url).pathname;
    if (path === "/a/b") return new Response(null, { status: 301, headers: { location: "../c" } });
    return new Response(path);
  }, async (base, requests) => {
    const { http } = client({ token: { value: "t", host: new URL(base).host } });
    const { text, url } = await http.getText(`${base}/a/b`, { maxBytes: 100 });
    assert.equal(text, "/c");
    assert.equal(url, `${base}/c`);
    // Same host: the token may go along.
    assert.equal(requests[1].headers.get("authorization"), "Bearer t");
  });
});

Deno.test("a redirect loop fails after MAX_REDIRECTS redirects", async () => {
  await withServer(
    () => new Response(null, { status: 302, headers: { location: "/loop" } }),
    async (base, requests) => {
      const { http } = client();
      const error = await rejection(http.getJson(`${base}/loop`));
      assert.ok(error instanceof NetworkError);
      assert.ok(error.message.startsWith(`${base}/loop: `));
      assert.match(error.message, new RegExp(`more than ${MAX_REDIRECTS} redirects`));
      assert.equal(requests.length, MAX_REDIRECTS + 1);
    },
  );
});

Deno.test("a redirect to plain http://example.com is refused without connecting", async () => {
  await withServer(
    () => new Response(null, { status: 302, headers: { location: "http://example.com/x" } }),
    async (base) => {
      const attempted: string[] = [];
      const recordingFetch: typeof fetch = (input, init) => {
        attempted.push(String(input));
        return fetch(input, init);
      };
      const { http } = client({ fetch: recordingFetch, retries: 2 });
      const error = await rejection(http.download(`${base}/dl`, { maxBytes: 10, onChunk() {} }));
      assert.ok(error instanceof NetworkError);
      assert.ok(error.message.startsWith(`${base}/dl: refused to follow the redirect to`));
      assert.match(error.message, /http:\/\/example\.com\/x.*only to loopback hosts/);
      assert.deepEqual(attempted, [`${base}/dl`]);
    },
  );
});

Deno.test("plain http:// to a non-loopback host and https→http downgrades are refused", async () => {
  const attempted: string[] = [];
  const fakeFetch: typeof fetch = (input) => {
    attempted.push(String(input));
    return Promise.resolve(
      new Response(null, { status: 302, headers: { location: "http://127.0.0.1:9/y" } }),
    );
  };
  const { http } = client({ fetch: fakeFetch });
  const direct = await rejection(http.getJson("http://example.com/api"));
  assert.ok(direct instanceof NetworkError);
  assert.match(direct.message, /^http:\/\/example\.com\/api: refused: plain http/);
  assert.deepEqual(attempted, []);

  const downgrade = await rejection(http.getJson("https://mirror.example/x"));
  assert.ok(downgrade instanceof NetworkError);
  assert.match(downgrade.message, /^https:\/\/mirror\.example\/x: refused .*downgrades https/);
  assert.deepEqual(attempted, ["https://mirror.example/x"]);

  const file = await rejection(http.getJson("file:///etc/passwd"));
  assert.match(file.message, /refused: file: is not https/);
});

// ---------------------------------------------------------------------------------------------
// Bodies: truncation, caps, timeouts, streaming

Deno.test("a body cut short of its Content-Length is an error (text and download)", async () => {
  const head = "HTTP/1.1 200 OK\nContent-Length: 1000\nConnection: close\n\n";
  await withRawServer({ head, body: pattern(10), hold: false }, async (base) => {
    const { http } = client();
    const text = await rejection(http.getText(`${base}/short`, { maxBytes: 5000 }));
    assert.ok(text instanceof NetworkError);
    assert.ok(text.message.startsWith(`${base}/short: truncated body`), text.message);
    assert.match(text.message, /10 of 1000/);

    const chunks: Uint8Array[] = [];
    const download = await rejection(
      http.download(`${base}/short.crate`, {
        maxBytes: 5000,
        onChunk: (c) => void chunks.push(c.slice()),
      }),
    );
    assert.ok(download instanceof NetworkError);
    assert.ok(download.message.startsWith(`${base}/short.crate: truncated body`));
  });
});

Deno.test("download() returns a complete chunked body shorter or longer than expectedSize", async () => {
  await withServer(() => new Response(chunkedStream(pattern(100), 30)), async (base) => {
    const { http } = client();
    for (const expectedSize of [200, 50]) {
      const response = await http.download(`${base}/a.crate`, {
        maxBytes: 1000,
        expectedSize,
        keepBody: true,
      });
      // The whole answer: the caller compares its size with the declared one (a MISMATCH).
      assert.equal(response.size, 100);
      assert.deepEqual(response.body, pattern(100));
    }
  });
});

Deno.test("download() reads a declared length other than expectedSize, and returns it whole", async () => {
  await withServer(() => new Response(pattern(100)), async (base) => {
    const { http } = client();
    let bytes = 0;
    const response = await http.download(`${base}/a.crate`, {
      maxBytes: 1000,
      expectedSize: 99,
      onChunk: (c) => void (bytes += c.length),
    });
    assert.equal(response.size, 100);
    assert.equal(bytes, 100);
  });
});

Deno.test("a body over maxBytes is an error and the transfer is aborted", async () => {
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((resolve) => cancelled = resolve);
  let served = 0;
  await withServer(() =>
    new Response(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          served += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024));
          return new Promise((resolve) => setTimeout(resolve, 1));
        },
        cancel() {
          cancelled();
        },
      }),
    ), async (base) => {
    const { http } = client();
    let received = 0;
    const maxBytes = 1024 * 1024;
    const error = await rejection(
      http.download(`${base}/endless`, { maxBytes, onChunk: (c) => void (received += c.length) }),
    );
    assert.ok(error instanceof NetworkError);
    assert.match(error.message, /exceeds the 1048576-byte limit; the transfer was aborted/);
    assert.ok(received <= maxBytes);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      wasCancelled.then(() => "cancelled"),
      new Promise((resolve) => timer = setTimeout(() => resolve("still streaming"), 3_000)),
    ]).finally(() => clearTimeout(timer));
    assert.equal(outcome, "cancelled");
    assert.ok(served < 16 * maxBytes, `the server stopped early (served ${served} bytes)`);
  });
});

Deno.test("getJson() also stops reading past maxBytes", async () => {
  await withServer(() => new Response(chunkedStream(pattern(5000), 1000)), async (base) => {
    const { http } = client({ retries: 2 });
    const error = await rejection(http.getJson(`${base}/big.json`, { maxBytes: 2048 }));
    assert.match(error.message, /exceeds the 2048-byte limit/);
  });
});

Deno.test("a Content-Length of 3 GB is refused before reading the body", async () => {
  const head = "HTTP/1.1 200 OK\nContent-Length: 3000000000\n\n";
  await withRawServer({ head, body: pattern(1000), hold: true }, async (base) => {
    const { http } = client();
    let chunks = 0;
    const error = await rejection(
      http.download(`${base}/huge.tar.gz`, {
        maxBytes: 1024 * 1024 * 1024,
        onChunk: () => void chunks++,
      }),
    );
    assert.ok(error instanceof NetworkError);
    assert.ok(error.message.startsWith(`${base}/huge.tar.gz: `));
    assert.match(error.message, /declares 3000000000 bytes .* over the 1073741824-byte limit/);
    assert.equal(chunks, 0);

    const json = await rejection(http.getJson(`${base}/huge.json`));
    assert.match(json.message, /declares 3000000000 bytes/);
  });
});

/** A server that sends `first` and then stalls until released. */
async function withStallingServer(
  first: Uint8Array | undefined,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  try {
    await withServer(async () => {
      if (first === undefined) {
        await released;
        return new Response("late");
      }
      let sent = false;
      return new Response(
        new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (!sent) {
              sent = true;
              controller.enqueue(first);
              return;
            }
            await released;
            controller.close();
          },
        }),
      );
    }, async (base) => {
      try {
        await fn(base);
      } finally {
        release();
      }
    });
  } finally {
    release();
  }
}

Deno.test("a body slower than the timeout fails, naming the URL and the timeout", async () => {
  await withStallingServer(new TextEncoder().encode('{"partial": '), async (base) => {
    const { http } = client({ timeoutMs: 200 });
    const started = Date.now();
    const error = await rejection(http.getJson(`${base}/slow.json`));
    assert.ok(error instanceof NetworkError);
    assert.ok(error.message.startsWith(`${base}/slow.json: `), error.message);
    assert.match(error.message, /200 ms timeout/);
    assert.ok(Date.now() - started < 3_000);
  });
});

Deno.test("a download that stalls longer than the timeout fails, naming the timeout", async () => {
  await withStallingServer(pattern(100), async (base) => {
    const { http } = client({ timeoutMs: 200 });
    let received = 0;
    const error = await rejection(
      http.download(`${base}/stall.crate`, {
        maxBytes: 1000,
        onChunk: (c) => void (received += c.length),
      }),
    );
    assert.match(error.message, /stalled for more than the 200 ms timeout after 100 bytes/);
    assert.equal(received, 100);
  });
});

Deno.test("no response headers within the timeout is a timeout error", async () => {
  await withStallingServer(undefined, async (base) => {
    const { http } = client({ timeoutMs: 200 });
    const error = await rejection(http.getText(`${base}/never`, { maxBytes: 10 }));
    assert.ok(error instanceof NetworkError);
    const host = new URL(base).host;
    assert.equal(error.message, `${base}/never: ${host} sent no response within 0.2 s`);
  });
});

Deno.test("download() streams chunk by chunk; the chunks concatenate to the served bytes", async () => {
  const served = pattern(3 * 1024 * 1024 + 17);
  await withServer(() => new Response(chunkedStream(served, 64 * 1024)), async (base, requests) => {
    const { http } = client();
    const chunks: Uint8Array[] = [];
    const response = await http.download(`${base}/artifact.tar.gz`, {
      maxBytes: served.length,
      expectedSize: served.length,
      // A chunk is valid only until onChunk returns (its memory is reused): keep a copy.
      onChunk: (chunk) => void chunks.push(chunk.slice()),
    });
    assert.equal(response.size, served.length);
    assert.equal(response.status, 200);
    assert.ok(chunks.length > 1, "more than one chunk");
    const joined = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      joined.set(chunk, offset);
      offset += chunk.length;
    }
    assert.deepEqual(joined, served);
    assert.equal(requests[0].headers.get("accept-encoding"), "identity");
    assert.equal(requests[0].headers.get("accept"), "application/octet-stream");
  });
});

Deno.test("download() with keepBody returns the body read into one buffer of its size", async () => {
  const served = pattern(3 * 1024 * 1024 + 17);
  await withServer(() => new Response(chunkedStream(served, 64 * 1024)), async (base) => {
    const { http } = client();
    let hashed = 0;
    const response = await http.download(`${base}/artifact.tar.gz`, {
      maxBytes: served.length,
      expectedSize: served.length,
      keepBody: true,
      onChunk: (chunk) => void (hashed += chunk.length),
    });
    assert.equal(hashed, served.length);
    assert.ok(response.body);
    assert.deepEqual(response.body, served);
    // The expected size was known: the bytes were read in place, not copied into a larger buffer.
    assert.equal(response.body.buffer.byteLength, served.length);
  });
  // Without a known length (a chunked body, no expectedSize) the buffer grows and is cut to size.
  await withServer(() => new Response(chunkedStream(served, 1000)), async (base) => {
    const { http } = client();
    const response = await http.download(`${base}/a`, { maxBytes: served.length, keepBody: true });
    assert.deepEqual(response.body, served);
    assert.equal(response.size, served.length);
  });
});

Deno.test("getText()/download() read a stream without BYOB support (an injected fetch)", async () => {
  const served = pattern(200_000);
  const fetchStub: typeof fetch = () =>
    Promise.resolve(new Response(chunkedStream(served, 7_000), { status: 200 }));
  const { http } = client({ fetch: fetchStub });
  const text = await http.getText("https://example.test/x", { maxBytes: served.length });
  assert.equal(text.text, new TextDecoder().decode(served));
  const chunks: Uint8Array[] = [];
  const kept = await http.download("https://example.test/y", {
    maxBytes: served.length,
    keepBody: true,
    onChunk: (chunk) => void chunks.push(chunk.slice()),
  });
  assert.deepEqual(kept.body, served);
  assert.deepEqual(concatBytes(...chunks), served);
});

Deno.test("getJson() reads a body that arrives in many small pieces of unknown total", async () => {
  const value = { list: Array.from({ length: 5000 }, (_, i) => ({ i, name: `n${i}` })) };
  const served = new TextEncoder().encode(JSON.stringify(value));
  await withServer(() => new Response(chunkedStream(served, 333)), async (base) => {
    const { http } = client();
    const answer = await http.getJson(`${base}/j`, { maxBytes: served.length });
    assert.deepEqual(answer.data, value);
  });
});

Deno.test("download() retries a 5xx before the body starts", async () => {
  let calls = 0;
  await withServer(
    () => ++calls < 3 ? new Response("", { status: 502 }) : new Response(pattern(10)),
    async (base) => {
      const { http, sleeps } = client({ retries: 2, retryDelayMs: 100 });
      const chunks: Uint8Array[] = [];
      const response = await http.download(`${base}/x`, {
        maxBytes: 10,
        onChunk: (c) => void chunks.push(c.slice()),
      });
      assert.equal(response.size, 10);
      assert.deepEqual(sleeps, [100, 200]);
    },
  );
});

Deno.test("an expectedSize over maxBytes is refused without a request", async () => {
  const { http } = client({ fetch: () => Promise.reject(new Error("must not be called")) });
  const error = await rejection(
    http.download("https://static.crates.io/crates/a/a-1.0.0.crate", {
      maxBytes: 10,
      expectedSize: 11,
      onChunk() {},
    }),
  );
  assert.match(error.message, /^https:\/\/static\.crates\.io\/.*over the 10-byte limit/);
});

Deno.test("a connection failure says why in words, with a hint, and retries only a reset", async () => {
  const cases: [string, RegExp, number][] = [
    [
      "error sending request: dns error: failed to lookup address information: Name or service not known",
      /the host name api\.example\.com does not resolve \(DNS\)/,
      1,
    ],
    [
      "error sending request: tcp connect error: Connection refused (os error 111)",
      /refused the connection/,
      1,
    ],
    [
      "error sending request: invalid peer certificate: UnknownIssuer",
      /the TLS connection to api\.example\.com failed/,
      1,
    ],
    [
      "error sending request: connection reset by peer",
      /the connection to api\.example\.com failed/,
      3,
    ],
  ];
  for (const [message, reason, calls] of cases) {
    let n = 0;
    const client = new HttpClient({
      timeoutMs: 1000,
      retries: 2,
      userAgent: "t",
      sleep: () => Promise.resolve(),
      fetch: () => {
        n++;
        return Promise.reject(new TypeError(message));
      },
    });
    const error = await client.getJson("https://api.example.com/x").then(
      () => assert.fail("no error"),
      (e) => e,
    );
    assert.ok(error instanceof NetworkError, message);
    assert.match(error.message, reason, message);
    assert.match(error.hint ?? "", /--offline/, message);
    assert.equal(n, calls, `${message}: attempts`);
  }
});

Deno.test("no request outlives the run's deadline (--timeout), and none starts after it", async () => {
  let now = 1_000;
  const never = () => new Promise<Response>(() => {});
  const client = new HttpClient({
    timeoutMs: 30_000,
    retries: 3,
    userAgent: "t",
    deadline: 1_000 + 50,
    now: () => now,
    fetch: (_input, init) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
        void never();
      }),
  });
  const started = Date.now();
  const error = await client.getJson("https://api.example.com/slow").then(
    () => assert.fail("no error"),
    (e) => e,
  );
  assert.ok(Date.now() - started < 5_000, "bounded by the 50 ms left, not 4 × 30 s");
  assert.match(error.message, /sent no response within 0\.05 s/);
  now = 2_000;
  const late = await client.getJson("https://api.example.com/x").then(
    () => assert.fail("no error"),
    (e) => e,
  );
  assert.match(late.message, /the run's network time \(--timeout\) is spent/);
});
