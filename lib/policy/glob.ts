/**
 * The small, safe glob a signer's `ref` is written in: `*` matches any run of characters except
 * `/`, `**` any run including `/`; every other character matches itself. Matching is a plain
 * dynamic-programming walk (linear in pattern × text): no RegExp is ever built from user text.
 * @module
 */

/** Why a glob was rejected, and what to write instead when that is clear. */
export interface GlobProblem {
  readonly message: string;
  readonly help?: string;
  /** 0-based offset of the offending character in the glob, when there is one. */
  readonly offset?: number;
}

const RESERVED = "?[]{}!\\";

/** Checks that `glob` is a ref glob this matcher understands; `undefined` when it is fine. */
export function validateRefGlob(glob: string): GlobProblem | undefined {
  if (glob === "") return { message: "the ref glob is empty", help: 'e.g. ref = "refs/tags/v*"' };
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (RESERVED.includes(c)) {
      return {
        message: `'${c}' is not supported in a ref glob (only * and ** are special)`,
        help: "write the ref with * (any characters except /) or ** (any characters)",
        offset: i,
      };
    }
    if (c <= " " || c === "\x7f" || c === "~" || c === "^" || c === ":") {
      return {
        message: `a git ref cannot contain ${JSON.stringify(c)}`,
        offset: i,
      };
    }
  }
  const stars = glob.match(/\*{3,}/);
  if (stars?.index !== undefined) {
    return {
      message: "'***' is not a glob: use * (within a path segment) or ** (across segments)",
      offset: stars.index,
    };
  }
  if (!glob.startsWith("refs/") && glob !== "**") {
    const guess = /^v?[0-9*]/.test(glob) ? `refs/tags/${glob}` : `refs/heads/${glob}`;
    return {
      message: `the ref glob '${glob}' can never match: a source ref starts with refs/`,
      help: `did you mean "${guess}"?`,
      offset: 0,
    };
  }
  return undefined;
}

type Token = { kind: "literal"; char: string } | { kind: "star" } | { kind: "globstar" };

function tokenize(glob: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < glob.length; i++) {
    if (glob[i] === "*") {
      if (glob[i + 1] === "*") {
        tokens.push({ kind: "globstar" });
        i++;
      } else {
        tokens.push({ kind: "star" });
      }
    } else {
      tokens.push({ kind: "literal", char: glob[i] });
    }
  }
  return tokens;
}

/** True when `text` matches `glob` (see the module doc for the syntax). */
export function matchRefGlob(glob: string, text: string): boolean {
  const tokens = tokenize(glob);
  // reachable[j]: the tokens consumed so far can match text[0..j).
  let reachable = new Array<boolean>(text.length + 1).fill(false);
  reachable[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(text.length + 1).fill(false);
    if (token.kind === "literal") {
      for (let j = 0; j < text.length; j++) {
        if (reachable[j] && text[j] === token.char) next[j + 1] = true;
      }
    } else {
      const crossesSlash = token.kind === "globstar";
      for (let j = 0; j <= text.length; j++) {
        if (reachable[j]) next[j] = true;
        else if (j > 0 && next[j - 1] && (crossesSlash || text[j - 1] !== "/")) next[j] = true;
      }
    }
    reachable = next;
  }
  return reachable[text.length];
}
