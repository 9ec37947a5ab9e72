/**
 * Bytes for the `crate-source` check (`./crate_source.ts`): git's binary test, the line-ending
 * conversions git's `autocrlf` makes (CRLF → LF, LF → CRLF) and what sizes allow them, git-lfs
 * pointers (the canonical pointer of some bytes, parsing a pointer), SHA-256 and a strict UTF-8
 * decoder. Pure functions; internal to `lib/checks/crate_source*.ts`.
 * @module
 */
import { createHash } from "node:crypto";

/** Git's binary test: a NUL within the first this many bytes. */
const BINARY_SNIFF_BYTES = 8000;

/** The first line of a git-lfs pointer (spec v1). */
const LFS_VERSION_LINE = "version https://git-lfs.github.com/spec/v1\n";
/** LFS pointers are smaller than this (the spec's limit). */
export const MAX_LFS_POINTER_BYTES = 1024;

/** Git's test for binary content: a NUL in the first 8,000 bytes. */
export function isBinary(bytes: Uint8Array): boolean {
  return bytes.subarray(0, BINARY_SNIFF_BYTES).includes(0);
}

/** CRLF → LF (what git's `crlf_to_git` does on check-in). */
export function toLf(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) continue;
    out[n++] = bytes[i];
  }
  return out.subarray(0, n);
}

/** LF → CRLF where no CR precedes it (what git's `autocrlf` does on checkout). */
export function toCrlf(bytes: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) extra++;
  }
  const out = new Uint8Array(bytes.length + extra);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) out[n++] = 0x0d;
    out[n++] = bytes[i];
  }
  return out;
}

/** A normalized (LF) text: its length and its number of LFs. */
export function exact(normalized: Uint8Array): { length: number; lfs: number } {
  let lfs = 0;
  for (const b of normalized) if (b === 0x0a) lfs++;
  return { length: normalized.length, lfs };
}

/**
 * Whether a file of `otherSize` bytes could be a text whose LF form is `known`, given a raw size
 * `rawSize` of the file `known` came from: its LF form must be `known`, so its size lies between
 * `known.length` and `known.length + known.lfs`; equal raw sizes never differ only in endings.
 */
export function lineEndingsPossible(
  otherSize: number,
  rawSize: number,
  known: { length: number; lfs: number },
): boolean {
  return otherSize !== rawSize && otherSize >= known.length &&
    otherSize <= known.length + known.lfs;
}

/**
 * Whether two texts of these raw sizes could have the same LF form (each loses at most half its
 * bytes to CRs); equal sizes never differ only in endings.
 */
export function sizesAllowLineEndings(a: number, b: number): boolean {
  return a !== b && Math.ceil(a / 2) <= b && Math.ceil(b / 2) <= a;
}

/** The canonical git-lfs pointer of `bytes` (what `git lfs` commits in their place). */
export function lfsPointer(bytes: Uint8Array): Uint8Array {
  return new TextEncoder().encode(
    `${LFS_VERSION_LINE}oid sha256:${sha256(bytes)}\nsize ${bytes.length}\n`,
  );
}

/** The length of the canonical git-lfs pointer of a file of `size` bytes. */
export function lfsPointerLength(size: number): number {
  return `${LFS_VERSION_LINE}oid sha256:${"0".repeat(64)}\nsize ${size}\n`.length;
}

/** The object a git-lfs pointer names (oid and size), or undefined when `bytes` is no pointer. */
export function parseLfsPointer(bytes: Uint8Array): { oid: string; size: number } | undefined {
  if (bytes.length >= MAX_LFS_POINTER_BYTES) return undefined;
  let text: string;
  try {
    text = utf8Fatal.decode(bytes);
  } catch {
    return undefined;
  }
  if (!text.startsWith(LFS_VERSION_LINE)) return undefined;
  const oid = text.match(/^oid sha256:([0-9a-f]{64})$/m)?.[1];
  const size = text.match(/^size (\d{1,15})$/m)?.[1];
  if (oid === undefined || size === undefined) return undefined;
  return { oid, size: Number(size) };
}

/** The SHA-256 of `bytes`, lowercase hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Whether two byte arrays hold the same bytes. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A UTF-8 decoder that throws on malformed input (a file is text only if it decodes). */
export const utf8Fatal = new TextDecoder("utf-8", { fatal: true });
