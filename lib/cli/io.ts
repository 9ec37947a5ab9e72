/**
 * The command's view of the outside world, passed in so tests can run `main` in-process.
 * @module
 */

/** Where output goes and what the environment says. Only `cli.ts` builds the real one. */
export interface CliIo {
  /** Writes to standard output (results). */
  stdout(text: string): void;
  /** Writes to standard error (progress, warnings, diagnostics). */
  stderr(text: string): void;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** True when stdout is a terminal (colour in reports). */
  readonly stdoutIsTerminal: boolean;
  /** True when stderr is a terminal (colour and progress lines). */
  readonly stderrIsTerminal: boolean;
  /** The clock: pure stages take `now` from here. */
  now(): Date;
  /** Standard input, for `hash -` (absent: there is none to read). */
  stdin?(): ReadableStream<Uint8Array>;
}

/** An in-memory {@link CliIo} for tests: collects output, reads a fixed environment. */
export function createMemoryIo(
  env: Record<string, string> = {},
  now: Date = new Date(),
  stdin?: Uint8Array,
): CliIo & { out: string; err: string } {
  const io = {
    ...(stdin ? { stdin: () => new Blob([stdin as BlobPart]).stream() } : {}),
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    env: (name: string) => env[name],
    stdoutIsTerminal: false,
    stderrIsTerminal: false,
    now: () => now,
  };
  return io;
}
