import assert from "node:assert/strict";
import { CacheWriter } from "./cache_writer.ts";

Deno.test("CacheWriter writes many entries (on its worker) whole, 0600 in 0700 directories", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = new CacheWriter();
    const entries = Array.from({ length: 80 }, (_, i) => ({
      path: `${dir}/d${i % 3}/sub/e${i}`,
      data: i % 2 ? `text ${i}` : new Uint8Array([i, i + 1, i + 2]),
    }));
    const made = new Set<string>();
    await Promise.all(entries.map((e) => {
      const parent = e.path.slice(0, e.path.lastIndexOf("/"));
      const dirs = [parent.slice(0, parent.lastIndexOf("/")), parent].filter((d) => !made.has(d));
      for (const d of dirs) made.add(d);
      return writer.write({ dirs, tmp: `${e.path}.tmp-x`, path: e.path, data: e.data });
    }));
    for (const [i, e] of entries.entries()) {
      const bytes = await Deno.readFile(e.path);
      assert.deepEqual(
        bytes,
        typeof e.data === "string"
          ? new TextEncoder().encode(`text ${i}`)
          : new Uint8Array([i, i + 1, i + 2]),
      );
      if (Deno.build.os !== "windows") assert.equal((await Deno.stat(e.path)).mode! & 0o777, 0o600);
    }
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(`${dir}/d0/sub`)).mode! & 0o777, 0o700);
    }
    // A write that cannot be done is an error naming why, and leaves no temporary file.
    await Deno.writeTextFile(`${dir}/a-file`, "x");
    await assert.rejects(
      writer.write({ dirs: [], tmp: `${dir}/a-file/x.tmp`, path: `${dir}/a-file/x`, data: "x" }),
      /directory/i,
    );
    // Idle, the worker stops: the test's sanitizers see no leaked worker or timer.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
