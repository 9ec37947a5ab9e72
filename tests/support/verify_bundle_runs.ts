/**
 * `verify-bundle` through `main()`, as a user runs it, on a bundle and trusted root written to a
 * temporary directory: for tests that sign with a virtual Sigstore instance and check what the
 * command says.
 * @module
 */
import { encodeHex } from "../../lib/crypto/bytes.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { main } from "../../lib/cli/main.ts";
import { GITHUB_ISSUER } from "./virtual_sigstore.ts";
import { withFiles } from "./temp_dir.ts";

/** What `main()` returned and printed. */
export interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs `verify-bundle --bundle B --trusted-root R --certificate-identity SAN
 * --certificate-oidc-issuer ISSUER` on the artifact file, or on its `sha256:` digest when
 * `digest` is given.
 */
export async function runVerifyBundle(options: {
  readonly bundleJson: string;
  readonly trustedRoot: string;
  readonly artifact: Uint8Array;
  readonly san: string;
  readonly issuer?: string;
  readonly digest?: Uint8Array;
}): Promise<Run> {
  return await withFiles(
    {
      "b.json": options.bundleJson,
      "root.json": options.trustedRoot,
      "a.bin": options.artifact,
    },
    async (p) => {
      const io = createMemoryIo();
      const code = await main([
        "verify-bundle",
        "--bundle",
        p("b.json"),
        "--trusted-root",
        p("root.json"),
        "--certificate-identity",
        options.san,
        "--certificate-oidc-issuer",
        options.issuer ?? GITHUB_ISSUER,
        options.digest ? `sha256:${encodeHex(options.digest)}` : p("a.bin"),
      ], io);
      return { code, out: io.out, err: io.err };
    },
  );
}
