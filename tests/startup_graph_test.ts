/**
 * What a command loads before it knows it needs it (issue #15, the fixed cost of a lock with no
 * registry crate): `node:crypto` and `node:fs` cost about 20 ms of start-up between them here, and
 * only the cache and the verification need them. The `lock` command's static import graph must
 * not reach them; a lock with nothing to verify then loads neither, and opens no cache. The checks
 * the network options get (`CARGO_ATTEST_CACHE_TTL`, `--timeout`) are the same either way.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";

const ROOT = new URL("../", import.meta.url);

/** The modules `entry` imports statically (dynamic `import()`s are not followed). */
async function staticGraph(entry: string): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code?.specifier) stack.push(dep.code.specifier);
    }
  }
  return seen;
}

Deno.test("start-up: the lock and crate commands do not load node:crypto or node:fs before they verify something", async () => {
  for (const entry of ["lib/cli/main.ts", "lib/cli/crate_command.ts"]) {
    const graph = await staticGraph(entry);
    assert.ok(graph.size > 3, `${entry}: ${graph.size} modules (the graph was read)`);
    for (const heavy of ["node:crypto", "node:fs"]) {
      assert.ok(!graph.has(heavy), `${entry} loads ${heavy} at start-up`);
    }
  }
  // The verification itself still loads them (the guard above is not vacuous).
  const run = await staticGraph("lib/verify/crate_run.ts");
  assert.ok(run.has("node:crypto") && run.has("node:fs"));
});

async function workspaceLock(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-startup-" });
  await Deno.writeTextFile(
    `${dir}/Cargo.lock`,
    'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n',
  );
  return dir;
}

Deno.test("start-up: a lock with nothing to verify opens no cache, and says the same as before", async () => {
  const dir = await workspaceLock();
  try {
    const io = createMemoryIo({ CARGO_ATTEST_CACHE_DIR: `${dir}/cache`, GH_TOKEN: "ghp_x" });
    const code = await main(["lock", `${dir}/Cargo.lock`, "--json"], io);
    assert.equal(code, 0, io.out + io.err);
    const report = JSON.parse(io.out);
    assert.equal(report.verdict, "TRUSTED");
    assert.ok(
      report.diagnostics.some((d: { code: string }) => d.code === "lock-nothing-to-verify"),
    );
    await assert.rejects(Deno.stat(`${dir}/cache`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start-up: a lock with nothing to verify still refuses a bad CARGO_ATTEST_CACHE_TTL, --timeout, --jobs or --max-github-requests", async () => {
  const dir = await workspaceLock();
  try {
    const cases: { env?: Record<string, string>; args?: string[]; says: RegExp }[] = [
      { env: { CARGO_ATTEST_CACHE_TTL: "soon" }, says: /CARGO_ATTEST_CACHE_TTL/ },
      { args: ["--timeout", "0"], says: /--timeout must be a positive number/ },
      { args: ["--jobs", "many"], says: /--jobs/ },
      { args: ["--max-github-requests", "lots"], says: /--max-github-requests must be/ },
    ];
    for (const c of cases) {
      const io = createMemoryIo({ GH_TOKEN: "ghp_x", ...c.env });
      const code = await main(["lock", `${dir}/Cargo.lock`, ...(c.args ?? [])], io);
      assert.notEqual(code, 0, `${c.says}: ${io.out}`);
      assert.match(io.err, c.says);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("start-up: a lock that does not parse is still said to be broken, after the policy as before", async () => {
  const dir = await Deno.makeTempDir({ prefix: "cargo-attest-startup-" });
  try {
    await Deno.writeTextFile(`${dir}/Cargo.lock`, "version = 4\n[[package]\nname = \n");
    const io = createMemoryIo({ GH_TOKEN: "ghp_x" });
    const code = await main(["lock", `${dir}/Cargo.lock`], io);
    assert.equal(code, 3, io.out + io.err);
    assert.match(io.err, /Cargo\.lock/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
