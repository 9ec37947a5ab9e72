/**
 * The SHA-256 of a text (its UTF-8 bytes), lowercase hex, through WebCrypto: for the few places
 * on a command's start-up path that name a file by its digest (a policy file), so that loading
 * them does not load `node:crypto` (about 15 ms of start-up here) before anything needs it.
 * @module
 */
import { encodeHex } from "./bytes.ts";

/** The SHA-256 of `text`'s UTF-8 bytes, lowercase hex. */
export async function sha256HexOfText(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return encodeHex(new Uint8Array(digest));
}
