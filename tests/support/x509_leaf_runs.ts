/**
 * For the X.509 red-team tests (`tests/redteam5_x509_*_test.ts`): a virtual Fulcio leaf made
 * wrong in one TBSCertificate field, signed into a bundle and run through `verify-bundle` by
 * `main()`, as a user would run it, plus helpers that rewrite one field's DER.
 * @module
 */
import assert from "node:assert/strict";
import { encodeHex, utf8 } from "../../lib/crypto/bytes.ts";
import { derChildren, parseDerNode } from "../../lib/crypto/der.ts";
import { oid, seq, tlv } from "./der.ts";
import { type LeafOptions, VirtualSigstore } from "./virtual_sigstore.ts";
import { type Run, runVerifyBundle } from "./verify_bundle_runs.ts";

const vs = await VirtualSigstore.create({ name: "redteam5-x509" });
const ARTIFACT = utf8("red team 5 artifact\n");

export type { Run };

/** A TBSCertificate field rewriter ({@link LeafOptions.editFields}). */
export type EditFields = NonNullable<LeafOptions["editFields"]>;

/**
 * Signs the artifact with a leaf made per `leaf` and runs `verify-bundle` on it (on the artifact
 * file, or on its `sha256:` digest when `digest` is set).
 */
export async function verifyWithLeaf(leaf: LeafOptions, digest = false): Promise<Run> {
  const bundle = await vs.sign({ artifact: ARTIFACT, leaf });
  return await runVerifyBundle({
    bundleJson: bundle.json,
    trustedRoot: vs.trustedRoot(),
    artifact: ARTIFACT,
    san: bundle.leaf!.san,
    ...(digest ? { digest: bundle.sha256 } : {}),
  });
}

/** The passing twin: the leaf verifies. */
export async function assertPasses(leaf: LeafOptions, digest = false): Promise<void> {
  const run = await verifyWithLeaf(leaf, digest);
  assert.equal(run.code, 0, `the twin must verify: ${run.err}`);
}

/** The leaf must not verify; the failure's code matches `code`. */
export async function assertRejected(
  leaf: LeafOptions,
  code: RegExp,
  digest = false,
): Promise<void> {
  const run = await verifyWithLeaf(leaf, digest);
  assert.notEqual(run.code, 0, `verify-bundle accepted it: ${run.out}`);
  assert.match(run.err, code);
}

/** TBSCertificate field indexes (v3, so the version comes first). */
export const FIELD = { serial: 1, validity: 4, subject: 5, spki: 6, extensions: 7 } as const;

/** Replaces one TBSCertificate field. */
export function replaceField(index: number, bytes: Uint8Array): EditFields {
  return (fields) => fields.map((f, i) => i === index ? bytes : f);
}

/** Rewrites each extension (its whole DER, with its id's DER in hex) of the `[3]` field. */
export function editExtensions(
  edit: (extension: Uint8Array, id: string) => Uint8Array,
): EditFields {
  return (fields) =>
    fields.map((field, i) => {
      if (i !== FIELD.extensions) return field;
      const list = derChildren(derChildren(parseDerNode(field))[0]);
      return tlv(0xa3, seq(...list.map((e) => edit(e.bytes, encodeHex(derChildren(e)[0].bytes)))));
    });
}

/** The hex of an OBJECT IDENTIFIER's DER, as {@link editExtensions} names extensions. */
export const oidHex = (dotted: string): string => encodeHex(oid(dotted));

/** Rewrites the value (the OCTET STRING's contents) of the extension with id `dotted`. */
export function extensionValue(dotted: string, value: Uint8Array): EditFields {
  const id = oidHex(dotted);
  return editExtensions((e, eid) => {
    if (eid !== id) return e;
    const parts = derChildren(parseDerNode(e));
    return seq(...parts.slice(0, -1).map((p) => p.bytes), tlv(0x04, value));
  });
}

/** Bytes from numbers. */
export const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Bytes from text, one byte per UTF-16 unit (for strings that are not UTF-8 on purpose). */
export const latin1 = (text: string): Uint8Array =>
  new Uint8Array([...text].map((c) => c.charCodeAt(0)));
