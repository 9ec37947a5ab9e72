/**
 * A strict DER reader: elements (tag, definite minimal length, contents) sliced from the bytes
 * they came in, and the few universal types read directly (OBJECT IDENTIFIER, BOOLEAN). For the
 * structures whose exact bytes matter (a certificate's parts, a timestamp's signed attributes)
 * and for the hot path, where decoding a whole structure with a schema would cost more than the
 * checks it feeds. Everything it does not accept is a {@link DerError}.
 * @module
 */

/** Bytes that are not the DER this reader accepts; the message says what is wrong. */
export class DerError extends Error {
  override name = "DerError";
}

/** One DER element. */
export interface DerNode {
  /** The identifier octet (only low-number tags are accepted). */
  readonly tag: number;
  /** The whole element: identifier, length and contents. */
  readonly bytes: Uint8Array;
  /** The contents octets. */
  readonly value: Uint8Array;
}

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_SEQUENCE = 0x30;

/** The element starting at `offset` (it must end within `buf`). */
export function readDerNode(buf: Uint8Array, offset: number): DerNode {
  if (offset + 2 > buf.length) throw new DerError("truncated DER (no room for a header)");
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError("multi-byte DER tags are not supported");
  let length = buf[offset + 1];
  let header = 2;
  if (length === 0x80) throw new DerError("indefinite length (BER) is not DER");
  if (length > 0x80) {
    const count = length & 0x7f;
    if (count > 4) throw new DerError(`DER length of ${count} octets is too large`);
    if (offset + 2 + count > buf.length) throw new DerError("truncated DER length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    if (buf[offset + 2] === 0 || length < 0x80) {
      throw new DerError("non-minimal DER length encoding");
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) {
    throw new DerError(
      `truncated DER (element needs ${end - offset} bytes, ${buf.length - offset} left)`,
    );
  }
  return { tag, bytes: buf.subarray(offset, end), value: buf.subarray(offset + header, end) };
}

/** Exactly one element spanning all of `buf`. */
export function parseDerNode(buf: Uint8Array): DerNode {
  const node = readDerNode(buf, 0);
  if (node.bytes.length !== buf.length) {
    throw new DerError(`${buf.length - node.bytes.length} trailing bytes after the DER`);
  }
  return node;
}

/** The elements inside a constructed element. */
export function derChildren(node: DerNode): DerNode[] {
  if ((node.tag & 0x20) === 0) throw new DerError("expected a constructed element");
  const out: DerNode[] = [];
  let offset = 0;
  while (offset < node.value.length) {
    const child = readDerNode(node.value, offset);
    out.push(child);
    offset += child.bytes.length;
  }
  return out;
}

/** An OBJECT IDENTIFIER in dotted form (minimal arcs, within safe integers). */
export function decodeDerOid(node: DerNode): string {
  if (node.tag !== TAG_OID) throw new DerError("expected an OBJECT IDENTIFIER");
  const bytes = node.value;
  if (bytes.length === 0 || (bytes[bytes.length - 1] & 0x80) !== 0) {
    throw new DerError("invalid OBJECT IDENTIFIER");
  }
  const arcs: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (value === 0 && bytes[i] === 0x80) throw new DerError("non-minimal OID arc");
    value = value * 128 + (bytes[i] & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER / 128) throw new DerError("OID arc too large");
    if ((bytes[i] & 0x80) === 0) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] < 40 ? 0 : arcs[0] < 80 ? 1 : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join(".");
}

/** A BOOLEAN: one contents octet, 0x00 for FALSE and 0xFF for TRUE (DER). */
export function decodeDerBoolean(node: DerNode): boolean {
  if (node.tag !== TAG_BOOLEAN) throw new DerError("expected a BOOLEAN");
  if (node.value.length !== 1) throw new DerError("BOOLEAN must be one byte");
  if (node.value[0] !== 0 && node.value[0] !== 0xff) {
    throw new DerError("BOOLEAN must be 0x00 or 0xFF in DER");
  }
  return node.value[0] === 0xff;
}
