/**
 * `cargo-attest hash FILE...`: sha256sum-compatible output, hashed as a stream.
 * @module
 */
import { digestFile, digestStream } from "../crypto/digest.ts";
import { encodeHex } from "../crypto/bytes.ts";
import { AttestError, UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./io.ts";

/** Formats one line as sha256sum does, escaping `\` and newlines in the name (leading `\`). */
export function renderChecksumLine(hex: string, name: string): string {
  if (!/[\\\n\r]/.test(name)) return `${hex}  ${name}\n`;
  const escaped = name.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
  return `\\${hex}  ${escaped}\n`;
}

function standardInput(io: CliIo): ReadableStream<Uint8Array> {
  if (!io.stdin) {
    throw new AttestError("input-unusable", "hash: there is no standard input to read");
  }
  return io.stdin();
}

/** Runs `hash`; returns the exit code (0, or 3 when any file could not be read). */
export async function runHash(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("hash", args);
  if (parsed.positionals.length === 0) {
    throw new UsageError(
      "hash: no FILE given",
      "usage: cargo-attest hash FILE... (- reads standard input)",
    );
  }
  let failed = 0;
  for (const path of parsed.positionals) {
    try {
      // `-` is standard input, as sha256sum reads it.
      const { sha256 } = path === "-"
        ? await digestStream(standardInput(io), ["sha256"])
        : await digestFile(path, ["sha256"]);
      io.stdout(renderChecksumLine(encodeHex(sha256!), path));
    } catch (error) {
      if (!(error instanceof AttestError)) throw error;
      failed++;
      io.stderr(`cargo-attest: hash: ${error.message}\n`);
    }
  }
  return failed ? 3 : 0;
}
