/**
 * Loading trust material named on the command line: `--trusted-root` files and `--key` files.
 * @module
 */
import { TrustMaterialError } from "../errors.ts";
import { MAX_KEY_BYTES, MAX_TRUSTED_ROOT_BYTES } from "../limits.ts";
import { readCappedText } from "./local_files.ts";
import { parsePublicKeyPem, type PublicKeyMaterial } from "../crypto/signature.ts";
import { parseTrustedRoot, type TrustedRoot, TrustedRootError } from "../trust/trusted_root.ts";

/** Reads and parses `--trusted-root` files; a file that is not a usable root stops the run. */
export async function loadTrustedRootFiles(paths: readonly string[]): Promise<TrustedRoot[]> {
  const roots: TrustedRoot[] = [];
  for (const path of paths) {
    const text = await readCappedText(path, MAX_TRUSTED_ROOT_BYTES, "trusted root");
    try {
      roots.push({ ...await parseTrustedRoot(text, path), origin: { kind: "file", path } });
    } catch (error) {
      if (error instanceof TrustedRootError) {
        throw new TrustMaterialError(`trusted root ${error.message}`, {
          cause: error,
          hint: "pass a Sigstore trusted_root.json (e.g. from `gh attestation trusted-root`)",
        });
      }
      throw error;
    }
  }
  return roots;
}

/** Reads a PEM public key file (`--key`). */
export async function loadPublicKeyFile(path: string): Promise<PublicKeyMaterial> {
  const text = await readCappedText(path, MAX_KEY_BYTES, "public key");
  try {
    return parsePublicKeyPem(text);
  } catch (error) {
    throw new TrustMaterialError(`${path}: ${(error as Error).message}`, {
      cause: error,
      hint:
        "pass a PEM SubjectPublicKeyInfo (-----BEGIN PUBLIC KEY-----): P-256, P-384, Ed25519 or RSA",
    });
  }
}
