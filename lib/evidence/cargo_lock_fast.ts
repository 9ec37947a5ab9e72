/**
 * A fast reader of the text cargo writes into `Cargo.lock` (v2–v4): comment lines, `version = N`,
 * then `[[package]]` tables of `name`, `version`, `source` and `checksum` strings and a
 * `dependencies` array, one item per line. Reading a 1,000-package lock with the general TOML
 * parser costs 20–30 ms in a fresh process (its code is not compiled yet); this costs a few.
 *
 * It reads only that canonical subset, line by line, and returns exactly the value the TOML parser
 * (`smol-toml`'s `parse`) returns for the same text. Anything else — another table (`[metadata]`,
 * `[[patch.unused]]`), another key, an escape or a control character in a string, a comment after
 * a value, a repeated key, a carriage return, spacing cargo does not write — returns undefined, and
 * the caller parses the text with the TOML parser, which says what is wrong, if anything (so does
 * a text over 2 MiB). So this can only make a lock parse sooner, never differently
 * (`cargo_lock_fast_test.ts` and `redteam7b_lock_test.ts` check that against the TOML parser).
 * @module
 */

/** Longest text read here (larger ones go to the TOML parser). */
const MAX_FAST_CHARS = 2 * 1024 * 1024;

/** A string value as cargo writes it: no escape, no quote, no control character. */
const PLAIN_STRING = '"([^"\\\\\\u0000-\\u001f\\u007f]*)"';

/** A key of a `[[package]]` table with a string value. */
const PACKAGE_STRING = new RegExp(`^(name|version|source|checksum) = ${PLAIN_STRING}$`);

/** The format version, before the first table (`version = 3`). */
const FORMAT_VERSION = /^version = ([1-9][0-9]{0,2})$/;

/** One item of a `dependencies` array, as cargo writes it. */
const DEPENDENCY = new RegExp(`^ ${PLAIN_STRING},$`);

/** A whole-line comment: no control character but tab (TOML's rule). */
// deno-lint-ignore no-control-regex
const COMMENT = /^#[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

/**
 * The TOML value of `text` when it is in the canonical form cargo writes (see the module doc);
 * undefined when it is not, and must be parsed as TOML.
 */
export function parseCanonicalLock(text: string): Record<string, unknown> | undefined {
  // Real locks are well under this (deno's 1,000-odd packages: about 250 KB); past it, a text of
  // millions of blank or comment lines would take longer here than in the TOML parser.
  if (text.length > MAX_FAST_CHARS || text.includes("\r")) return undefined;
  // Tables without a prototype, as the TOML parser makes them.
  const doc: Record<string, unknown> = Object.create(null);
  const packages: Record<string, unknown>[] = [];
  let current: Record<string, unknown> | undefined;
  let dependencies: string[] | undefined;
  // Line by line without an array of every line (a lock of millions of empty lines is a lock too).
  for (let start = 0; start <= text.length;) {
    const newline = text.indexOf("\n", start);
    const end = newline < 0 ? text.length : newline;
    const line = text.slice(start, end);
    start = end + 1;
    if (dependencies) {
      if (line === "]") {
        dependencies = undefined;
        continue;
      }
      const item = DEPENDENCY.exec(line);
      if (!item) return undefined;
      dependencies.push(item[1]);
      continue;
    }
    if (line === "") continue;
    if (line.startsWith("#")) {
      if (!COMMENT.test(line)) return undefined;
      continue;
    }
    if (line === "[[package]]") {
      current = Object.create(null) as Record<string, unknown>;
      packages.push(current);
      continue;
    }
    if (!current) {
      const version = FORMAT_VERSION.exec(line);
      if (!version || Object.hasOwn(doc, "version")) return undefined;
      doc.version = Number(version[1]);
      continue;
    }
    if (line === "dependencies = [") {
      if (Object.hasOwn(current, "dependencies")) return undefined;
      dependencies = [];
      current.dependencies = dependencies;
      continue;
    }
    const field = PACKAGE_STRING.exec(line);
    if (!field || Object.hasOwn(current, field[1])) return undefined;
    current[field[1]] = field[2];
  }
  if (dependencies) return undefined;
  if (packages.length > 0) doc.package = packages;
  return doc;
}
