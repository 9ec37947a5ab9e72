/**
 * A loopback fake of the Rekor v1 API (`POST /api/v1/index/retrieve`,
 * `GET /api/v1/log/entries/{uuid}`) serving entries derived from real bundles: each bundle's
 * tlog entry is re-encoded in the API's shape (hex log id, root hash and proof hashes).
 * @module
 */
import { decodeBase64, encodeHex } from "../../lib/crypto/bytes.ts";

/** A bundle tlog entry as it appears in bundle JSON. */
interface BundleTlogEntry {
  logIndex: string;
  logId: { keyId: string };
  integratedTime: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: {
    logIndex: string;
    rootHash: string;
    treeSize: string;
    hashes: string[];
    checkpoint?: { envelope: string };
  };
  canonicalizedBody: string;
}

/** Re-encodes a bundle's tlog entry as Rekor's API returns it. */
export function toRekorApiEntry(entry: BundleTlogEntry): Record<string, unknown> {
  const proof = entry.inclusionProof;
  return {
    body: entry.canonicalizedBody,
    integratedTime: Number(entry.integratedTime),
    logID: encodeHex(decodeBase64(entry.logId.keyId)),
    logIndex: Number(entry.logIndex),
    verification: {
      ...(entry.inclusionPromise
        ? { signedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp }
        : {}),
      ...(proof
        ? {
          inclusionProof: {
            logIndex: Number(proof.logIndex),
            rootHash: encodeHex(decodeBase64(proof.rootHash)),
            treeSize: Number(proof.treeSize),
            hashes: proof.hashes.map((h) => encodeHex(decodeBase64(h))),
            checkpoint: proof.checkpoint?.envelope,
          },
        }
        : {}),
    },
  };
}

/** A running fake Rekor. */
export interface FakeRekor {
  readonly url: string;
  readonly requests: { method: string; path: string; authorization: string | null }[];
  close(): Promise<void>;
}

/** Serves `entries` (API-shaped) under their digests: sha256 hex → entries. */
export function startFakeRekor(
  byDigest: Record<string, readonly Record<string, unknown>[]>,
): FakeRekor {
  const requests: FakeRekor["requests"] = [];
  const uuids = new Map<string, Record<string, unknown>>();
  const index = new Map<string, string[]>();
  let n = 0;
  for (const [digest, entries] of Object.entries(byDigest)) {
    index.set(
      digest,
      entries.map((entry) => {
        const uuid = (n++).toString(16).padStart(16, "0") + "f".repeat(48);
        uuids.set(uuid, entry);
        return uuid;
      }),
    );
  }
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname,
      authorization: req.headers.get("authorization"),
    });
    if (req.method === "POST" && url.pathname === "/api/v1/index/retrieve") {
      const body = await req.json();
      const digest = String(body.hash ?? "").replace(/^sha256:/, "");
      return Response.json(index.get(digest) ?? []);
    }
    const match = url.pathname.match(/^\/api\/v1\/log\/entries\/([0-9a-f]+)$/);
    if (req.method === "GET" && match && uuids.has(match[1])) {
      return Response.json({ [match[1]]: uuids.get(match[1]) });
    }
    return Response.json({ code: 404, message: "not found" }, { status: 404 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    close: () => server.shutdown(),
  };
}
