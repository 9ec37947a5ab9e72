/**
 * Which TUF repositories `trust update` refreshes, and at which URLs: `--tuf-url` or
 * `CARGO_ATTEST_TUF_URL` (mirrors, enterprise, loopback tests), else each repository's default.
 * @module
 */
import { UsageError } from "../errors.ts";
import { parseEndpointUrl } from "./endpoints.ts";
import {
  TUF_REPOSITORIES,
  type TufRepository,
  type TufRepositoryName,
} from "../trust/tuf/repositories.ts";

/** The environment variable naming a TUF repository URL (as `--tuf-url` does). */
export const TUF_URL_ENV = "CARGO_ATTEST_TUF_URL";

/**
 * The repositories an update refreshes, with their URLs. `--tuf-url` values (else the
 * `CARGO_ATTEST_TUF_URL` value, comma-separated) are `URL` (the public-good repository) or
 * `NAME=URL` (`github=URL`); when any is given, only the repositories named are refreshed. With
 * none, every repository at its default URL.
 *
 * @throws {UsageError} for an unknown name or an unusable URL
 */
export function tufTargets(
  options: readonly string[],
  env: (name: string) => string | undefined,
): { repository: TufRepository; url: URL }[] {
  const envValue = env(TUF_URL_ENV)?.trim();
  const values = options.length > 0
    ? options
    : envValue
    ? envValue.split(",").map((v) => v.trim()).filter(Boolean)
    : [];
  const source = options.length > 0 ? "--tuf-url" : TUF_URL_ENV;
  if (values.length === 0) {
    return TUF_REPOSITORIES.map((repository) => ({
      repository,
      url: new URL(repository.defaultUrl),
    }));
  }
  const chosen = new Map<TufRepositoryName, URL>();
  for (const value of values) {
    const match = value.match(/^([a-z-]+)=(.*)$/);
    const name = match ? match[1] : "public-good";
    const repository = TUF_REPOSITORIES.find((r) => r.name === name);
    if (!repository) {
      throw new UsageError(
        `${source}: unknown TUF repository '${name}'`,
        `give URL (Sigstore public-good) or NAME=URL with NAME one of ${
          TUF_REPOSITORIES.map((r) => r.name).join(", ")
        }`,
      );
    }
    if (chosen.has(repository.name)) {
      throw new UsageError(`${source}: two URLs for the TUF repository '${name}'`);
    }
    chosen.set(repository.name, parseEndpointUrl(source, match ? match[2] : value));
  }
  return TUF_REPOSITORIES.filter((r) => chosen.has(r.name)).map((repository) => ({
    repository,
    url: chosen.get(repository.name)!,
  }));
}
