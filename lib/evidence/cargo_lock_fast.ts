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
 * the caller parses the text with the TOML parser, which says what is wrong, if anything. So this
 * can only make a lock parse sooner, never differently (`cargo_lock_fast_test.ts` checks that
 * against the TOML parser on mutated locks).
 * @module
 */

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
  if (text.includes("\r")) return undefined;
  // Tables without a prototype, as the TOML parser makes them.
  const doc: Record<string, unknown> = Object.create(null);
  const packages: Record<string, unknown>[] = [];
  let current: Record<string, unknown> | undefined;
  let dependencies: string[] | undefined;
  for (const line of text.split("\n")) {
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
