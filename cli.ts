/**
 * The `cargo-attest` command. The only file that reads `Deno.args` and sets `Deno.exitCode`.
 * @module
 */
import { main } from "./lib/cli/main.ts";

if (import.meta.main) {
  const encoder = new TextEncoder();
  const write = (stream: { writeSync(p: Uint8Array): number }, text: string) => {
    const bytes = encoder.encode(text);
    let offset = 0;
    while (offset < bytes.length) offset += stream.writeSync(bytes.subarray(offset));
  };
  Deno.exitCode = await main(Deno.args, {
    stdout: (text) => write(Deno.stdout, text),
    stderr: (text) => write(Deno.stderr, text),
    env: (name) => Deno.env.get(name),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    now: () => new Date(),
    stdin: () => Deno.stdin.readable,
  });
}
