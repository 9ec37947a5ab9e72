/**
 * The fields of a tar header block exactly as tar-rs (the `tar` crate cargo unpacks with) reads
 * them: the checksum, the format told from the magic and version, numeric and text fields, the
 * path with the ustar prefix, GNU long names and pax records. Pure functions of the bytes; the
 * decisions about what an entry means are {@link ArchiveReader}'s (`crate_archive_reader.ts`).
 * @module
 */
import { show } from "./crate_archive_paths.ts";

/** The tar block size: headers, and data padded to a multiple of it. */
export const BLOCK = 512;

const utf8Fatal = new TextDecoder("utf-8", { fatal: true });

/** A header with its extended (pax, GNU) fields applied, as tar-rs applies them. */
export interface Entry {
  /** The path as tar-rs reads it (GNU long name, else pax path, else the header's). */
  name: string;
  /** The type flag character (`"0"` for `\0` too). */
  type: string;
  /** The data's size in bytes (a pending pax `size` applied). */
  size: number;
  /** The link target (GNU long link, else pax `linkpath`, else the header's). */
  linkName: string;
  /** The mode field (0 when it is not a number). */
  mode: number;
  /** GNU sparse keys in a pax header: the data is a sparse map, not the content. */
  sparse: boolean;
}

/** `"file"`, `"dir"`, `"symlink"`, or a description of a special entry ("a FIFO"). */
export function entryKind(entry: Entry): string {
  if (entry.sparse) return "a GNU sparse file";
  switch (entry.type) {
    case "0":
    case "7":
      return "file";
    case "5":
      return "dir";
    case "2":
      return "symlink";
    case "1":
      return `a hard link (to ${show(entry.linkName)})`;
    case "3":
      return "a character device";
    case "4":
      return "a block device";
    case "6":
      return "a FIFO";
    default:
      return `an entry of type ${JSON.stringify(entry.type)}`;
  }
}

/**
 * How the header checksum matches: `"unsigned"` (the sum tar-rs checks), `"signed"` (only as some
 * old tars summed, which tar-rs rejects), or `undefined` (it does not).
 */
export function checksumKind(header: Uint8Array): "unsigned" | "signed" | undefined {
  const stored = readOctal(header, 148, 8, true);
  if (stored === undefined) return undefined;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += b;
    signed += b >= 0x80 ? b - 0x100 : b;
  }
  return stored === unsigned ? "unsigned" : stored === signed ? "signed" : undefined;
}

/** {@link headerFormat} of a POSIX ustar header (`ustar\0`, version `00`). */
export const USTAR = "ustar";
/** {@link headerFormat} of a GNU header (`ustar `, version ` \0`). */
export const GNU = "gnu";
/** {@link headerFormat} of a v7 header (no magic: the 8 bytes are zeros). */
export const V7 = "v7";

/**
 * The header's format as tar-rs tells it from its magic and version (offsets 257-264):
 * {@link USTAR}, {@link GNU}, {@link V7}, or else a description of the odd bytes
 * (`"ustar\u0000" and version "01"`), which tar-rs reads as a v7 header.
 */
export function headerFormat(header: Uint8Array): string {
  if (
    header[257] === 0x75 && header[258] === 0x73 && header[259] === 0x74 &&
    header[260] === 0x61 && header[261] === 0x72
  ) {
    const m = header[262];
    const v0 = header[263];
    const v1 = header[264];
    if (m === 0 && v0 === 0x30 && v1 === 0x30) return USTAR;
    if (m === 0x20 && v0 === 0x20 && v1 === 0) return GNU;
  } else if (isAllZero(header.subarray(257, 265))) {
    return V7;
  }
  const text = (from: number, to: number) =>
    JSON.stringify(String.fromCharCode(...header.subarray(from, to)));
  return `${text(257, 263)} and version ${text(263, 265)}`;
}

/**
 * A numeric field: octal (NUL/space terminated) or GNU base-256; `undefined` when invalid (or,
 * when `digits`, empty: tar-rs rejects an empty size).
 */
export function readNumber(
  header: Uint8Array,
  offset: number,
  length: number,
  digits: boolean,
): number | undefined {
  const first = header[offset];
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + header[offset + i];
      if (value > Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
    }
    return value;
  }
  return readOctal(header, offset, length, digits);
}

function readOctal(
  header: Uint8Array,
  offset: number,
  length: number,
  needDigits: boolean,
): number | undefined {
  let i = offset;
  const end = offset + length;
  while (i < end && header[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = header[i];
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  for (; i < end; i++) {
    if (header[i] !== 0 && header[i] !== 0x20) return undefined;
  }
  return digits === 0 ? (needDigits ? undefined : 0) : value;
}

/** A NUL-terminated UTF-8 field; `undefined` when it is not UTF-8. */
export function decodeField(
  header: Uint8Array,
  offset: number,
  length: number,
): string | undefined {
  const field = header.subarray(offset, offset + length);
  const nul = field.indexOf(0);
  try {
    return utf8Fatal.decode(nul < 0 ? field : field.subarray(0, nul));
  } catch {
    return undefined;
  }
}

/**
 * The header's path as tar-rs reads it: the name field, after the prefix field only in a POSIX
 * ustar header (`ustar` is whether {@link headerFormat} said so).
 */
export function readHeaderPath(header: Uint8Array, ustar: boolean): string | undefined {
  const name = decodeField(header, 0, 100);
  if (!ustar || name === undefined) return name;
  const prefix = decodeField(header, 345, 155);
  if (prefix === undefined) return undefined;
  return prefix === "" ? name : `${prefix}/${name}`;
}

/**
 * A GNU long name as tar-rs reads it: the data without its last byte when that is a NUL (any
 * other NUL is kept, and caught later as a NUL in the path).
 */
export function decodeLongName(data: Uint8Array): string | undefined {
  const end = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  try {
    return utf8Fatal.decode(data.subarray(0, end));
  } catch {
    return undefined;
  }
}

/** A pax header's records, as tar-rs uses them. */
export interface PaxRecords {
  /** Each key's first value (tar-rs looks a key up from the start). */
  records: Map<string, string>;
  /** Keys given more than once: the key, the value kept, a later value. */
  repeated?: [string, string, string][];
  /** The `size` record, a number. */
  size?: number;
  /** Whether a `GNU.sparse.` key is set: the data is a sparse map, not the content. */
  sparse: boolean;
}

/**
 * Pax records, strictly: `LEN KEY=VALUE\n`, where LEN counts the whole record and no newline is
 * inside (tar-rs splits the data at newlines), and a `size` that is a number. Returns why not (a
 * phrase) when the data is not a sequence of such records.
 */
export function parsePax(data: Uint8Array): PaxRecords | string {
  const pax: PaxRecords = { records: new Map(), sparse: false };
  let i = 0;
  while (i < data.length) {
    let j = i;
    let length = 0;
    while (j < data.length && data[j] >= 0x30 && data[j] <= 0x39 && j - i < 8) {
      length = length * 10 + (data[j] - 0x30);
      j++;
    }
    if (j === i || data[j] !== 0x20) return "has a record without a length";
    const end = i + length;
    if (end > data.length || end <= j + 1 || data[end - 1] !== 0x0a) {
      return "has a record whose length does not match its content";
    }
    const record = data.subarray(j + 1, end - 1);
    if (record.includes(0x0a)) {
      return "has a record with a newline inside (tar-rs splits records at newlines)";
    }
    const eq = record.indexOf(0x3d);
    if (eq <= 0) return "has a record without a key";
    let key: string;
    let value: string;
    try {
      key = utf8Fatal.decode(record.subarray(0, eq));
      value = utf8Fatal.decode(record.subarray(eq + 1));
    } catch {
      return "has a record that is not UTF-8";
    }
    const kept = pax.records.get(key);
    if (kept === undefined) pax.records.set(key, value);
    else (pax.repeated ??= []).push([key, kept, value]);
    if (key.startsWith("GNU.sparse.")) pax.sparse = true;
    i = end;
  }
  const size = pax.records.get("size");
  if (size !== undefined) {
    if (!/^\d{1,16}$/.test(size) || !Number.isSafeInteger(Number(size))) {
      return `has a size that is not a number (${show(size)})`;
    }
    pax.size = Number(size);
  }
  return pax;
}

/** Whether a header block is all zeros (the end-of-archive marker). */
export function isZeroBlock(block: Uint8Array): boolean {
  return isAllZero(block);
}

/** Whether every byte is zero. */
export function isAllZero(bytes: Uint8Array): boolean {
  // Word-wise where aligned: the tail after a bomb can be hundreds of MiB.
  let i = 0;
  const misalign = (4 - (bytes.byteOffset % 4)) % 4;
  for (; i < Math.min(misalign, bytes.length); i++) if (bytes[i] !== 0) return false;
  const words = Math.floor((bytes.length - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) if (view[w] !== 0) return false;
    i += words * 4;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
