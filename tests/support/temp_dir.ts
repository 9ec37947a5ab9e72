/**
 * Temporary directories for tests: made fresh, handed to the test, and removed afterwards
 * whether the test passed or threw.
 * @module
 */

/** Runs `fn` with a fresh temporary directory, removed (recursively) when `fn` settles. */
export async function withTempDir<T>(
  fn: (dir: string) => Promise<T>,
  prefix = "cargo-attest-test-",
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * Runs `fn` in a fresh temporary directory holding `files` (name → text or bytes); `fn` gets a
 * function from a file's name to its path.
 */
export function withFiles<T>(
  files: Record<string, string | Uint8Array>,
  fn: (path: (name: string) => string) => Promise<T>,
  prefix?: string,
): Promise<T> {
  return withTempDir(async (dir) => {
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
      else await Deno.writeFile(`${dir}/${name}`, content);
    }
    return await fn((name) => `${dir}/${name}`);
  }, prefix);
}
