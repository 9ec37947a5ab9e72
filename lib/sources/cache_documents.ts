/**
 * The cache's documents: the header of a cached answer ({@link CachedDocument}), what a read
 * gives ({@link DocumentHit}) and a write takes ({@link DocumentAnswer}), and the record format
 * a document is sealed into and checked out of (a line with the SHA-256 of the rest, a line with
 * the header as JSON, then the body as received).
 * @module
 */
import { createHash } from "node:crypto";
import { bytesEqual, concatBytes } from "../crypto/bytes.ts";
import { PACK_FORMAT, splitRecord } from "./cache_pack.ts";
import { sha256Hex, utf8Encoder } from "./_cache_util.ts";

/** A cached answer to a request (or a memoised result: see {@link Cache.getMemo}). */
export interface CachedDocument {
  /** The schema version of the entry. */
  readonly v: 4;
  /** What the key was made of: method, accept and URL (and request body for POST). */
  readonly key: string;
  /** The URL asked for. */
  readonly url: string;
  /** The URL that answered (after redirects). */
  readonly finalUrl: string;
  /** The HTTP status cached: 200, or a "not found" status (404, 410, 451). */
  readonly status: number;
  /** When the answer was fetched or last revalidated (ISO 8601). */
  readonly fetchedAt: string;
  /** The answer's `ETag`, for revalidation. */
  readonly etag?: string;
  /** The answer's `Last-Modified`, for revalidation. */
  readonly lastModified?: string;
  /** The `rel="next"` link of the answer, when it had one. */
  readonly linkNext?: string;
  /** How the body that follows the header is to be read: UTF-8 text (most answers), or bytes. */
  readonly body: "text" | "bytes";
}

/** A document read from the cache. */
export interface DocumentHit {
  /** The entry's header: URL, status, validators, when it was fetched. */
  readonly doc: CachedDocument;
  /** The body's bytes. */
  readonly body: Uint8Array;
  /** The body as text, when it was stored as text (no decoding needed). */
  readonly text?: string;
  /** Within the TTL: usable without asking the server. */
  readonly fresh: boolean;
}

/** An answer to store with {@link Cache.putDocument}. */
export interface DocumentAnswer {
  /** The URL asked for. */
  readonly url: string;
  /** The URL that answered (after redirects). */
  readonly finalUrl: string;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The body; text is stored as text. */
  readonly body: Uint8Array | string;
  /** The answer's `ETag`, for revalidation. */
  readonly etag?: string;
  /** The answer's `Last-Modified`, for revalidation. */
  readonly lastModified?: string;
  /** The `rel="next"` link of the answer, when it had one. */
  readonly linkNext?: string;
}

const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A body as it is stored: text when it is UTF-8 (it then reads back byte for byte), else bytes
 * (decoded once here; {@link sealDocument} writes whichever it is).
 */
export function storedBody(body: Uint8Array | string): string | { bytes: Uint8Array } {
  if (typeof body === "string") return body;
  try {
    return utf8Fatal.decode(body);
  } catch {
    return { bytes: body };
  }
}

/** A document read back (or being written): its header and its body. */
export interface DocumentEntry {
  /** The header. */
  readonly doc: CachedDocument;
  /** The body's bytes. */
  readonly body: Uint8Array;
  /** The body as text, when it was stored as text. */
  readonly text?: string;
}

/**
 * A document's record, as the parts to write and as the entry it reads back as: a line with the
 * SHA-256 of the rest, a line with the header as JSON (JSON escapes every newline, so the line
 * ends where the header does), then the body. A text body is encoded once, with its header.
 */
export function sealDocument(
  doc: Omit<CachedDocument, "body">,
  body: string | { bytes: Uint8Array },
): { parts: Uint8Array[]; entry: DocumentEntry } {
  if (typeof body === "string") {
    const header: CachedDocument = { ...doc, body: "text" };
    const rest = utf8Encoder.encode(`${JSON.stringify(header)}\n${body}`);
    return {
      parts: [utf8Encoder.encode(`${sha256Hex(rest)}\n`), rest],
      entry: { doc: header, body: rest.subarray(rest.indexOf(0x0a) + 1), text: body },
    };
  }
  const header: CachedDocument = { ...doc, body: "bytes" };
  const line = utf8Encoder.encode(`${JSON.stringify(header)}\n`);
  const digest = createHash("sha256").update(line).update(body.bytes).digest("hex");
  return {
    parts: [concatBytes(utf8Encoder.encode(`${digest}\n`), line), body.bytes],
    entry: { doc: header, body: body.bytes },
  };
}

/**
 * A document's record split into its verified header and body: undefined when it is not whole
 * (its digest does not match), or not the record of `key`. Nothing is decoded.
 */
export function checkDocumentRecord(
  record: Uint8Array,
  key: string,
): { doc: CachedDocument; body: Uint8Array } | undefined {
  const parts = splitRecord(record);
  if (!parts || sha256Hex(parts.rest) !== parts.digest) return undefined;
  const doc = parts.header as unknown as CachedDocument;
  return isDocumentHeader(doc, key) ? { doc, body: parts.body } : undefined;
}

/** Checks a document's record; undefined when it is not whole, or not the record of `key`. */
export function openDocument(record: Uint8Array, key: string): DocumentEntry | undefined {
  const checked = checkDocumentRecord(record, key);
  if (!checked) return undefined;
  const { doc, body } = checked;
  return doc.body === "text" ? { doc, body, text: utf8.decode(body) } : { doc, body };
}

/** Whether `entry` is the answer `stored` already holds: same status, URLs, validators and body. */
export function sameAnswer(
  stored: DocumentHit,
  entry: DocumentAnswer,
): boolean {
  const { doc } = stored;
  if (
    doc.url !== entry.url || doc.finalUrl !== entry.finalUrl || doc.status !== entry.status ||
    (doc.etag ?? "") !== (entry.etag ?? "") ||
    (doc.lastModified ?? "") !== (entry.lastModified ?? "") ||
    (doc.linkNext ?? "") !== (entry.linkNext ?? "")
  ) {
    return false;
  }
  return typeof entry.body === "string"
    ? stored.text === entry.body
    : bytesEqual(stored.body, entry.body);
}

/**
 * Whether two records of one document tell a reader the same thing: the same URLs, status, next
 * page and body (their times and validators may differ: two fetches of an unchanged answer).
 */
export function saysTheSame(a: DocumentEntry, b: DocumentEntry): boolean {
  return a.doc.url === b.doc.url && a.doc.finalUrl === b.doc.finalUrl &&
    a.doc.status === b.doc.status && (a.doc.linkNext ?? "") === (b.doc.linkNext ?? "") &&
    a.doc.body === b.doc.body && bytesEqual(a.body, b.body);
}

/** Whether a record's (verified) header is a document's, and the document of `key`. */
export function isDocumentHeader(doc: CachedDocument, key: string): boolean {
  return doc.v === PACK_FORMAT && doc.key === key && typeof doc.fetchedAt === "string" &&
    typeof doc.status === "number" && typeof doc.url === "string" &&
    typeof doc.finalUrl === "string" && (doc.body === "text" || doc.body === "bytes");
}
