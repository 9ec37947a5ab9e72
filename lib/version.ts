/**
 * The tool's version: reported by `--version`, sent in the User-Agent, and part of the key of
 * every memoised result (a new version never trusts what an older one derived).
 * @module
 */

/** cargo-attest's version (keep in step with deno.json). */
export const VERSION = "0.1.0";
