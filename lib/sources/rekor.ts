/**
 * Rekor v1 API access: find the log entries recorded for an artifact digest. I/O only.
 * @module
 */
import { MAX_TLOG_ENTRIES } from "../limits.ts";
import { endpointUrl } from "./endpoints.ts";
import { type HttpClient, NotFoundError } from "./http.ts";

/**
 * The entries Rekor holds for `sha256:<hex>` (`POST /api/v1/index/retrieve`, then
 * `GET /api/v1/log/entries/{uuid}` for each, at most {@link MAX_TLOG_ENTRIES}). Returns each
 * entry's raw `{uuid: entry}` answer and its URL.
 */
export async function fetchRekorEntriesForDigest(
  client: HttpClient,
  rekor: URL,
  sha256: string,
): Promise<{ data: unknown; url: string }[]> {
  const search = endpointUrl(rekor, "api/v1/index/retrieve");
  let uuids: unknown;
  try {
    uuids = (await client.postJson(search, { hash: `sha256:${sha256}` })).data;
  } catch (error) {
    if (error instanceof NotFoundError) return [];
    throw error;
  }
  if (!Array.isArray(uuids)) return [];
  const out: { data: unknown; url: string }[] = [];
  for (const uuid of uuids.slice(0, MAX_TLOG_ENTRIES)) {
    if (typeof uuid !== "string" || !/^[0-9a-f]{16,80}$/i.test(uuid)) continue;
    const url = endpointUrl(rekor, `api/v1/log/entries/${uuid}`);
    try {
      const response = await client.getJson(url);
      out.push({ data: response.data, url: response.url });
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return out;
}
