/**
 * `cargo-attest verify-bundle`: the sigstore-conformance client protocol.
 *
 *     verify-bundle [--staging] --bundle B --certificate-identity I --certificate-oidc-issuer U [--trusted-root T] ARTIFACT
 *     verify-bundle [--staging] --bundle B --key K [--trusted-root T] ARTIFACT
 *
 * Exit 0 when the bundle verifies and the identity (or key) matches, 1 when it does not, 3 when
 * the run cannot complete (bad arguments, missing files, unusable trust material).
 * @module
 */
import { encodeHex } from "../crypto/bytes.ts";
import { verifyBundle } from "../checks/sigstore_bundle.ts";
import { parseBundle } from "../evidence/bundle.ts";
import { matchIdentity } from "../evidence/fulcio_identity.ts";
import { UsageError } from "../errors.ts";
import { MAX_BUNDLE_BYTES } from "../limits.ts";
import { openArtifact, OversizedInputError, readCappedText } from "../sources/local_files.ts";
import { selectRoots } from "../trust/embedded.ts";
import { loadPublicKeyFile, loadTrustedRootFiles } from "../sources/trust_files.ts";
import { flag, listOption, parseCommandArgs, stringOption } from "./args.ts";
import type { CliIo } from "./io.ts";

/** Exit code for a bundle that does not verify. */
const EXIT_FAIL = 1;

/** Runs `verify-bundle`; returns 0 (verified), 1 (did not verify) or throws a run error (→ 3). */
export async function runVerifyBundle(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("verify-bundle", args);
  const bundlePath = stringOption(parsed, "bundle");
  const identity = stringOption(parsed, "certificate-identity");
  const issuer = stringOption(parsed, "certificate-oidc-issuer");
  const keyPath = stringOption(parsed, "key");
  const hint =
    "usage: verify-bundle --bundle B (--certificate-identity I --certificate-oidc-issuer U | --key K) ARTIFACT";
  if (!bundlePath) throw new UsageError("verify-bundle: --bundle is required", hint);
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      `verify-bundle: expected exactly one ARTIFACT (a file or sha256:<hex>), got ${parsed.positionals.length}`,
      hint,
    );
  }
  if (keyPath && (identity !== undefined || issuer !== undefined)) {
    throw new UsageError(
      "verify-bundle: --key cannot be combined with --certificate-identity/--certificate-oidc-issuer",
      hint,
    );
  }
  if (!keyPath && (!identity || issuer === undefined)) {
    throw new UsageError(
      "verify-bundle: name the signer with --certificate-identity and --certificate-oidc-issuer, or --key",
      hint,
    );
  }

  const custom = await loadTrustedRootFiles(listOption(parsed, "trusted-root"));
  const roots = await selectRoots({ custom, staging: flag(parsed, "staging") });
  const key = keyPath ? await loadPublicKeyFile(keyPath) : undefined;
  const artifact = await openArtifact(parsed.positionals[0]);

  let text: string;
  try {
    text = await readCappedText(bundlePath, MAX_BUNDLE_BYTES, "bundle");
  } catch (error) {
    if (error instanceof OversizedInputError) return rejected(io, error.message);
    throw error;
  }
  const bundle = parseBundle(text);
  if (!bundle.ok) return rejected(io, `${bundlePath}: ${bundle.message} [${bundle.code}]`);

  const result = await verifyBundle(bundle.value, artifact.input, {
    roots,
    key,
    requireTlog: flag(parsed, "require-rekor"),
  });
  if (!result.ok) return rejected(io, `${bundlePath}: ${result.message} [${result.code}]`);

  const verified = result.value;
  if (key) {
    if (!verified.managedKey) {
      return rejected(
        io,
        `${bundlePath}: signed with a certificate, but --key names a managed key [key-mismatch]`,
      );
    }
  } else {
    if (!verified.identity) {
      return rejected(
        io,
        `${bundlePath}: signed with a managed key, but an identity was expected [identity-mismatch]`,
      );
    }
    // An empty --certificate-oidc-issuer demands a certificate without an issuer extension (as
    // GitHub's release attestations are); it never means "any issuer".
    const match = matchIdentity(verified.identity, {
      san: identity,
      issuer: issuer === "" ? undefined : issuer,
    });
    if (match.ok && issuer === "" && verified.identity.issuer !== undefined) {
      return rejected(
        io,
        `${bundlePath}: the certificate names OIDC issuer ${verified.identity.issuer}, but an empty issuer was expected [identity-issuer-mismatch]`,
      );
    }
    if (!match.ok) return rejected(io, `${bundlePath}: ${match.message} [${match.code}]`);
  }
  io.stdout(
    `OK: ${artifact.label} (sha256 ${
      encodeHex(artifact.input.sha256)
    }) verified with ${bundlePath} ` +
      `under trusted root '${verified.root.name}'\n`,
  );
  return 0;
}

function rejected(io: CliIo, message: string): number {
  io.stderr(`verification failed: ${message}\n`);
  return EXIT_FAIL;
}
