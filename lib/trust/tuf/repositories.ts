/**
 * The TUF repositories cargo-attest knows, the embedded root each starts from, and which embedded
 * trusted root each one's `trusted_root.json` target replaces: Sigstore's public-good repository
 * serves the `public-good` root, GitHub's serves the `github` root. `staging` has no repository
 * here: it stays embedded.
 * @module
 */
import publicGoodTufRoot from "../../../roots/public-good.tuf-root.json" with { type: "text" };
import githubTufRoot from "../../../roots/github.tuf-root.json" with { type: "text" };

/** Names of the TUF repositories (each also the name of the trusted root it serves). */
export type TufRepositoryName = "public-good" | "github";

/** A TUF repository: where it is, and the embedded root a first update starts from. */
export interface TufRepository {
  readonly name: TufRepositoryName;
  /** The repository's base URL (metadata at the top, targets under `targets/`). */
  readonly defaultUrl: string;
  /** The embedded TUF `root.json` (text). */
  readonly embeddedRoot: string;
}

/** The repositories, in the order roots are used. */
export const TUF_REPOSITORIES: readonly TufRepository[] = [
  {
    name: "public-good",
    defaultUrl: "https://tuf-repo-cdn.sigstore.dev",
    embeddedRoot: publicGoodTufRoot,
  },
  { name: "github", defaultUrl: "https://tuf-repo.github.com", embeddedRoot: githubTufRoot },
];
