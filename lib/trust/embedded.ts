/**
 * The trusted roots compiled into cargo-attest (imported as text so `deno compile` embeds them),
 * and the selection of roots for a run.
 * @module
 */
import publicGoodText from "../../roots/public-good.trusted_root.json" with { type: "text" };
import stagingText from "../../roots/staging.trusted_root.json" with { type: "text" };
import githubText from "../../roots/github.trusted_root.json" with { type: "text" };
import { parseTrustedRoot, type TrustedRoot } from "./trusted_root.ts";

/** Names of the embedded roots. */
export type EmbeddedRootName = "public-good" | "staging" | "github";

const TEXTS: Record<EmbeddedRootName, string> = {
  "public-good": publicGoodText,
  staging: stagingText,
  github: githubText,
};

const cache = new Map<EmbeddedRootName, Promise<TrustedRoot>>();

/** Parses (once) and returns an embedded root. */
export function loadEmbeddedRoot(name: EmbeddedRootName): Promise<TrustedRoot> {
  let root = cache.get(name);
  if (!root) {
    root = parseTrustedRoot(TEXTS[name], name).then((r) => ({
      ...r,
      origin: { kind: "embedded" } as const,
    }));
    cache.set(name, root);
  }
  return root;
}

/** The embedded root text, for `roots:check` and tests. */
export function embeddedRootText(name: EmbeddedRootName): string {
  return TEXTS[name];
}

/**
 * What the TUF cache offers for one embedded root: the verified, unexpired `trusted_root.json`
 * it replaces the embedded root with, or (absent) a note saying why the embedded one stays.
 */
export interface TufRootChoice {
  /** The embedded root's name, which is also the TUF repository's. */
  readonly name: EmbeddedRootName;
  /** The root from TUF, when it is usable. */
  readonly root?: TrustedRoot;
  /** Why the embedded root is used although TUF metadata was stored (expired, refused). */
  readonly note?: string;
}

/**
 * The roots a run trusts: the user's `--trusted-root` files when given (they replace the embedded
 * ones, as the conformance protocol requires), else staging with `--staging`, else public-good
 * followed by GitHub's own instance (GitHub artifact attestations from private repositories),
 * each from the TUF cache when `tuf` offers it a usable root, else embedded.
 */
export async function selectRoots(
  options: {
    custom: readonly TrustedRoot[];
    staging: boolean;
    tuf?: readonly TufRootChoice[];
  },
): Promise<TrustedRoot[]> {
  if (options.custom.length > 0) return [...options.custom];
  if (options.staging) return [await loadEmbeddedRoot("staging")];
  const pick = async (name: EmbeddedRootName): Promise<TrustedRoot> => {
    const choice = options.tuf?.find((c) => c.name === name);
    if (choice?.root) return choice.root;
    const embedded = await loadEmbeddedRoot(name);
    return choice?.note
      ? { ...embedded, origin: { kind: "embedded", note: choice.note } }
      : embedded;
  };
  return [await pick("public-good"), await pick("github")];
}
