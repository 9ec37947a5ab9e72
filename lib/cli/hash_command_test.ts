import assert from "node:assert/strict";
import { main } from "./main.ts";
import { createMemoryIo } from "./io.ts";
import { renderChecksumLine } from "./hash_command.ts";

Deno.test("hash prints sha256sum-format lines identical to sha256sum", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "hello\n");
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    const io = createMemoryIo();
    assert.equal(await main(["hash", `${dir}/a.txt`, `${dir}/empty`], io), 0);
    assert.equal(
      io.out,
      `5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  ${dir}/a.txt\n` +
        `e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  ${dir}/empty\n`,
    );
    const sha256sum = new Deno.Command("sha256sum", { args: [`${dir}/a.txt`, `${dir}/empty`] });
    const reference = await sha256sum.output().catch(() => undefined);
    if (reference?.success) assert.equal(io.out, new TextDecoder().decode(reference.stdout));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hash keeps going past a missing file, names it, and exits 3", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.txt`, "hello\n");
    const io = createMemoryIo();
    assert.equal(await main(["hash", `${dir}/missing`, `${dir}/a.txt`, dir], io), 3);
    assert.match(io.out, /^5891b5b5\S+ {2}.*a\.txt\n$/);
    assert.match(io.err, /missing: no such file/);
    assert.match(io.err, /is a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("hash with no files is a usage error", async () => {
  const io = createMemoryIo();
  assert.equal(await main(["hash"], io), 3);
  assert.match(io.err, /no FILE given/);
});

Deno.test("renderChecksumLine() escapes names the way sha256sum does", () => {
  assert.equal(renderChecksumLine("ab", "plain"), "ab  plain\n");
  assert.equal(renderChecksumLine("ab", "new\nline"), "\\ab  new\\nline\n");
  assert.equal(renderChecksumLine("ab", "back\\slash"), "\\ab  back\\\\slash\n");
});

Deno.test("hash - reads standard input and names it -, as sha256sum does", async () => {
  const io = createMemoryIo({}, new Date(), new TextEncoder().encode("hello\n"));
  assert.equal(await main(["hash", "-"], io), 0, io.err);
  assert.equal(
    io.out,
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03  -\n",
  );
});
