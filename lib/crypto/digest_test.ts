import assert from "node:assert/strict";
import { digestFile } from "./digest.ts";
import { encodeHex } from "./bytes.ts";
import { InputError } from "../errors.ts";
import { createHash } from "node:crypto";

Deno.test("digestFile() hashes a file in chunks and matches a one-shot hash", async () => {
  const path = await Deno.makeTempFile();
  try {
    // Larger than one 8 MiB read, with a pattern so chunk boundaries matter.
    const data = new Uint8Array(9 * 1024 * 1024 + 123);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 13)) & 0xff;
    await Deno.writeFile(path, data);
    const result = await digestFile(path, ["sha256", "sha512"]);
    assert.equal(result.size, data.length);
    assert.equal(encodeHex(result.sha256!), createHash("sha256").update(data).digest("hex"));
    assert.equal(encodeHex(result.sha512!), createHash("sha512").update(data).digest("hex"));
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("digestFile() of an empty file is the empty-string digest", async () => {
  const path = await Deno.makeTempFile();
  try {
    const result = await digestFile(path);
    assert.equal(
      encodeHex(result.sha256!),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    assert.equal(result.size, 0);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("digestFile() names a missing file and a directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let error: unknown;
    try {
      await digestFile(`${dir}/nope`);
    } catch (e) {
      error = e;
    }
    assert(error instanceof InputError);
    assert(error.message.includes(`${dir}/nope: no such file`), error.message);
    error = undefined;
    try {
      await digestFile(dir);
    } catch (e) {
      error = e;
    }
    assert(error instanceof InputError);
    assert(error.message.includes("is a directory"), error.message);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
