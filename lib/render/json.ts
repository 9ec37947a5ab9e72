/**
 * The JSON rendering of a report: one document on stdout.
 * @module
 */
import { escapeJsonText } from "./escape.ts";
import type { Report } from "../verdict/report.ts";

/** Renders the report as pretty-printed JSON with a trailing newline. */
export function renderJsonReport(report: Report): string {
  return escapeJsonText(
    JSON.stringify(report, (key, value) => (key === "loadBearing" ? undefined : value), 2),
  ) + "\n";
}
