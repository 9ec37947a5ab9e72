/**
 * Builds `.crate` archives for tests: a tar writer of its own (GNU headers with `././@LongLink`
 * long names, as `cargo package` writes them, plus POSIX ustar and v7 headers, pax headers and
 * base-256 sizes on request) and gzip through the web `CompressionStream`. Raw entries make the
 * malicious shapes a real crate never has: `../` paths, absolute paths, symlinks, hard links,
 * devices, duplicates, sizes declared far beyond the data.
 * @module
 */
import { concatBytes } from "../../lib/crypto/bytes.ts";

/** One raw tar entry, written exactly as described (nothing is checked or normalized). */
export interface RawTarEntry {
  /**
   * The path. Longer than 100 bytes: written as a GNU long name (`L` entry) before the header,
   * as cargo does, unless `prefix` is given or `format` is not `gnu`.
   */
  name: string;
  /** The type flag: `"0"` file (default), `"1"` hard link, `"2"` symlink, `"3"`/`"4"` devices, `"5"` directory, `"6"` FIFO. */
  type?: string;
  /** The content (default none). */
  data?: string | Uint8Array;
  /** The size written in the header (default the data's length); larger than 8 GiB: base-256. */
  size?: number;
  /** The link target (symlinks, hard links). */
  linkName?: string;
  /** The mode (default 0o644). */
  mode?: number;
  /** Header flavour: `gnu` (cargo's, default), `ustar` (POSIX, with a prefix field) or `v7`. */
  format?: "gnu" | "ustar" | "v7";
  /** The POSIX ustar prefix field (format `ustar`, or any header given a `magic`). */
  prefix?: string;
  /**
   * The 8 bytes at offset 257 (magic and version), written as given instead of `format`'s
   * (`"ustar\u000001"`: a ustar magic with an odd version). The `prefix` is written too.
   */
  magic?: string;
  /** Pax records written in an `x` header just before this entry. */
  pax?: Record<string, string>;
  /** Writes a wrong header checksum. */
  corruptChecksum?: boolean;
}

/** What {@link buildCrate} writes. */
export interface BuildCrateOptions {
  /** The crate name (the archive root is `NAME-VERSION/`). */
  name: string;
  /** The crate version. */
  version: string;
  /** Files by path relative to the crate root (written under `NAME-VERSION/`, in this order). */
  files?: Record<string, string | Uint8Array>;
  /**
   * `.cargo_vcs_info.json`, written first as cargo does: fields (serialized as cargo does), or
   * the raw text.
   */
  vcsInfo?: { sha1?: string; dirty?: boolean; pathInVcs?: string } | string;
  /** Raw entries written after the files (their names are used as given, not under the root). */
  extraEntries?: RawTarEntry[];
  /** Leave out the end-of-archive marker (two zero blocks). */
  omitEndMarker?: boolean;
  /** Bytes appended to the tar stream after the end-of-archive marker. */
  trailing?: Uint8Array;
}

const encoder = new TextEncoder();
const BLOCK = 512;
/** The mtime cargo writes on every entry (2006-07-24T01:21:28Z). */
const CARGO_MTIME = 1153704088;

function bytesOf(data: string | Uint8Array | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? encoder.encode(data) : data;
}

function writeString(block: Uint8Array, offset: number, length: number, text: string | Uint8Array) {
  const bytes = bytesOf(text);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number) {
  writeString(block, offset, length, value.toString(8).padStart(length - 1, "0") + "\0");
}

function writeSize(block: Uint8Array, offset: number, value: number) {
  if (value < 8 ** 11) {
    writeOctal(block, offset, 12, value);
    return;
  }
  // GNU base-256: high bit set, big-endian value in the remaining bytes.
  let v = BigInt(value);
  for (let i = 11; i >= 1; i--) {
    block[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[offset] = 0x80;
}

/** One 512-byte header, checksummed. */
export function tarHeader(entry: RawTarEntry): Uint8Array {
  const block = new Uint8Array(BLOCK);
  const size = entry.size ?? bytesOf(entry.data).length;
  writeString(block, 0, 100, entry.name);
  writeOctal(block, 100, 8, entry.mode ?? 0o644);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeSize(block, 124, size);
  writeOctal(block, 136, 12, CARGO_MTIME);
  writeString(block, 156, 1, entry.type ?? "0");
  writeString(block, 157, 100, entry.linkName ?? "");
  const format = entry.format ?? "gnu";
  if (entry.magic !== undefined) {
    writeString(block, 257, 8, entry.magic);
    writeString(block, 345, 155, entry.prefix ?? "");
  } else if (format === "gnu") {
    writeString(block, 257, 8, "ustar  \0");
  } else if (format === "ustar") {
    writeString(block, 257, 8, "ustar\u000000");
    writeString(block, 345, 155, entry.prefix ?? "");
  }
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  if (entry.corruptChecksum) sum += 1;
  writeString(block, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return block;
}

function padded(data: Uint8Array): Uint8Array[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad === 0 ? [data] : [data, new Uint8Array(pad)];
}

/** The blocks of one entry: any pax or GNU long-name entries, the header, the padded data. */
export function tarEntry(entry: RawTarEntry): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (entry.pax !== undefined) {
    const body = encoder.encode(
      Object.entries(entry.pax).map(([k, v]) => paxRecord(k, v)).join(""),
    );
    out.push(tarHeader({ name: "././@PaxHeader", type: "x", data: body }), ...padded(body));
  }
  const format = entry.format ?? "gnu";
  const name = encoder.encode(entry.name);
  const link = encoder.encode(entry.linkName ?? "");
  if (format === "gnu" && name.length > 100 && entry.prefix === undefined) {
    const body = new Uint8Array([...name, 0]);
    out.push(tarHeader({ name: "././@LongLink", type: "L", data: body }), ...padded(body));
  }
  if (format === "gnu" && link.length > 100) {
    const body = new Uint8Array([...link, 0]);
    out.push(tarHeader({ name: "././@LongLink", type: "K", data: body }), ...padded(body));
  }
  out.push(tarHeader(entry));
  const data = bytesOf(entry.data);
  if (data.length > 0) out.push(...padded(data));
  return out;
}

/** A pax record: `LEN KEY=VALUE\n`, where LEN counts the whole record, itself included. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length++;
  return `${length}${body}`;
}

/** A whole tar stream: the entries, then (unless `omitEndMarker`) two zero blocks. */
export function buildTar(
  entries: RawTarEntry[],
  options: { omitEndMarker?: boolean } = {},
): Uint8Array {
  const parts = entries.flatMap(tarEntry);
  if (!options.omitEndMarker) parts.push(new Uint8Array(2 * BLOCK));
  return concat(parts);
}

/** Gzip through `CompressionStream` (all parts, in order, as one member). */
export async function gzip(...parts: Uint8Array[]): Promise<Uint8Array> {
  const stream = new Blob(parts as BlobPart[]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The `.cargo_vcs_info.json` text cargo writes for these fields. */
export function cargoVcsInfoJson(
  info: { sha1?: string; dirty?: boolean; pathInVcs?: string },
): string {
  const git: Record<string, unknown> = {};
  if (info.sha1 !== undefined) git.sha1 = info.sha1;
  if (info.dirty) git.dirty = true;
  const doc: Record<string, unknown> = { git };
  if (info.pathInVcs !== undefined) doc.path_in_vcs = info.pathInVcs;
  return JSON.stringify(doc, null, 2) + "\n";
}

/** The tar stream of a crate (not compressed). */
export function buildCrateTar(options: BuildCrateOptions): Uint8Array {
  const root = `${options.name}-${options.version}`;
  const entries: RawTarEntry[] = [];
  if (options.vcsInfo !== undefined) {
    const text = typeof options.vcsInfo === "string"
      ? options.vcsInfo
      : cargoVcsInfoJson(options.vcsInfo);
    entries.push({ name: `${root}/.cargo_vcs_info.json`, data: text });
  }
  for (const [path, data] of Object.entries(options.files ?? {})) {
    entries.push({ name: `${root}/${path}`, data });
  }
  entries.push(...(options.extraEntries ?? []));
  const tar = buildTar(entries, { omitEndMarker: options.omitEndMarker });
  return options.trailing === undefined ? tar : concat([tar, options.trailing]);
}

/** A `.crate`: the crate's tar stream, gzip-compressed. */
export async function buildCrate(options: BuildCrateOptions): Promise<Uint8Array> {
  return await gzip(buildCrateTar(options));
}

/**
 * A gzip bomb: `prefix` (e.g. a small crate's tar stream) followed by `zeroBytes` zeros, as one
 * gzip member. Built streaming (one reused 1 MiB buffer), so memory stays at the compressed size
 * (about 1 MiB per GiB of zeros).
 */
export async function buildGzipBomb(prefix: Uint8Array, zeroBytes: number): Promise<Uint8Array> {
  const zeros = new Uint8Array(1024 * 1024);
  const compressor = new CompressionStream("gzip");
  const writer = compressor.writable.getWriter();
  const collected = new Response(compressor.readable).arrayBuffer();
  await writer.write(prefix.slice());
  let left = zeroBytes;
  while (left > 0) {
    const n = Math.min(left, zeros.length);
    await writer.write(n === zeros.length ? zeros : zeros.subarray(0, n));
    left -= n;
  }
  await writer.close();
  return new Uint8Array(await collected);
}

/** Inflates a gzip stream (all of it) through `DecompressionStream`. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** One entry of a tar stream cut by {@link splitTar}: its name and its blocks, verbatim. */
export interface TarPiece {
  /** The entry's name: a GNU long name when one precedes it, else the header's name field. */
  name: string;
  /** The entry's blocks as they were (any `L`/`K`/`x` headers before it, header, padded data). */
  blocks: Uint8Array;
}

/**
 * Cuts a well-formed tar stream (as `cargo package` writes: GNU headers, octal sizes) into its
 * entries, each with the extended headers before it, up to the end-of-archive marker, so that a
 * test can drop, reorder or add entries of a real crate and keep the rest byte for byte.
 */
export function splitTar(tar: Uint8Array): TarPiece[] {
  const decoder = new TextDecoder();
  const field = (block: Uint8Array, offset: number, length: number) => {
    const bytes = block.subarray(offset, offset + length);
    const nul = bytes.indexOf(0);
    return decoder.decode(nul < 0 ? bytes : bytes.subarray(0, nul));
  };
  const pieces: TarPiece[] = [];
  let start = 0;
  let longName: string | undefined;
  let at = 0;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const dataEnd = at + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(header[156]);
    if (type === "L") {
      longName = field(tar, at + BLOCK, size);
    } else if (type !== "K" && type !== "x") {
      pieces.push({ name: longName ?? field(header, 0, 100), blocks: tar.slice(start, dataEnd) });
      longName = undefined;
      start = dataEnd;
    }
    at = dataEnd;
  }
  return pieces;
}

/** Concatenates byte arrays. */
export function concat(parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts);
}
