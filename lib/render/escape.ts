/**
 * Making untrusted text safe to print. Every string in a report may come from a file or a
 * server (a bundle, a release's notes, a crate's manifest, a URL), so no renderer prints one as
 * it is: text and Markdown show the characters a terminal or a viewer could act on as escapes,
 * and JSON (the report, SARIF) writes them as `\uXXXX` escapes, which parse to the same value.
 * @module
 */
import type { Report } from "../verdict/report.ts";

/**
 * `text` with every character a terminal could act on made visible: C0 and C1 controls, DEL,
 * and the Unicode format characters that reorder or hide text (bidirectional overrides,
 * zero-width characters, line and paragraph separators), as `\xNN` or `\u{N}`; a backslash
 * is doubled so that an escape cannot be forged.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex
    /[\\\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu,
    (c) => {
      if (c === "\\") return "\\\\";
      const code = c.codePointAt(0)!;
      return code <= 0xff
        ? `\\x${code.toString(16).padStart(2, "0")}`
        : `\\u{${code.toString(16)}}`;
    },
  );
}

/** Characters JSON.stringify leaves raw that a terminal could act on (it escapes C0 itself). */
const JSON_UNSAFE =
  /[\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]/gu;

/**
 * JSON text with DEL, C1 controls and invisible or reordering format characters written as
 * `\uXXXX` escapes: the document parses to the same values, and printing it cannot drive a
 * terminal. Only valid on JSON text (these characters can only occur inside its strings).
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A copy of `value` with every string passed through {@link escapeForTerminal}. */
function escapeStrings<T>(value: T): T {
  if (typeof value === "string") return escapeForTerminal(value) as T;
  if (Array.isArray(value)) return value.map(escapeStrings) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = escapeStrings(v);
    return out as T;
  }
  return value;
}

/** A copy of the report whose strings are all safe to print on a terminal (for text output). */
export function escapeReportForTerminal(report: Report): Report {
  return escapeStrings(report);
}
