/**
 * Strings from files and servers never reach the terminal raw (#13 §2): a bundle file whose
 * content is a terminal escape (set the window title, clear the screen) is reported, in every
 * format, without a control character in the output.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";

const HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202e";

Deno.test("untrusted text: a hostile bundle file is shown escaped in text, JSON, SARIF and Markdown", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/app`, "bytes\n");
    // Valid JSON whose media type is the hostile string: the rejection quotes it.
    await Deno.writeTextFile(`${dir}/app.sigstore.json`, JSON.stringify({ mediaType: HOSTILE }));
    for (const format of [[], ["--json"], ["--format", "sarif"], ["--format", "markdown"]]) {
      const io = createMemoryIo({});
      const code = await main(
        ["file", `${dir}/app`, "--bundle", `${dir}/app.sigstore.json`, ...format],
        io,
      );
      assert.equal(code, 2, io.out + io.err);
      // deno-lint-ignore no-control-regex
      const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
      assert.doesNotMatch(io.out, raw, `stdout ${format.join(" ")}`);
      assert.doesNotMatch(io.err, raw, `stderr ${format.join(" ")}`);
      if (format.length === 0) assert.match(io.out, /pwned.*\\x9b31m\\u\{202e\}/, io.out);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
