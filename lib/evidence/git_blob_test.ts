import assert from "node:assert/strict";
import { gitBlobSha1, startGitBlobSha1 } from "./git_blob.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

Deno.test("gitBlobSha1() gives git's id of the empty blob", () => {
  assert.equal(gitBlobSha1(new Uint8Array()), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
});

Deno.test("gitBlobSha1() gives git's id of 'hello\\n'", () => {
  assert.equal(gitBlobSha1(utf8("hello\n")), "ce013625030ba8dba906f756967f9e9ca394464a");
});

Deno.test("gitBlobSha1() is not the plain SHA-1 of the content", () => {
  // sha1("hello\n") is f572d396fae9206628714fb2ce00f72e94f2258f; git's id includes the header.
  assert.notEqual(gitBlobSha1(utf8("hello\n")), "f572d396fae9206628714fb2ce00f72e94f2258f");
});

Deno.test("gitBlobSha1() matches `git hash-object` on binary content", async () => {
  const bytes = new Uint8Array(70_000).map((_, i) => (i * 31 + 7) & 0xff);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/blob.bin`, bytes);
    const out = await new Deno.Command("git", {
      args: ["hash-object", `${dir}/blob.bin`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.equal(gitBlobSha1(bytes), new TextDecoder().decode(out.stdout).trim());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("startGitBlobSha1() in parts equals gitBlobSha1() at once", () => {
  const bytes = utf8("a file fed in three uneven parts\n");
  const hasher = startGitBlobSha1(bytes.length);
  hasher.update(bytes.subarray(0, 1));
  hasher.update(bytes.subarray(1, 20));
  hasher.update(bytes.subarray(20));
  assert.equal(hasher.digest(), gitBlobSha1(bytes));
});

Deno.test("startGitBlobSha1() refuses more or fewer bytes than declared", () => {
  const over = startGitBlobSha1(2);
  assert.throws(() => over.update(utf8("abc")), RangeError);
  const under = startGitBlobSha1(3);
  under.update(utf8("ab"));
  assert.throws(() => under.digest(), RangeError);
  assert.throws(() => startGitBlobSha1(-1), RangeError);
});
