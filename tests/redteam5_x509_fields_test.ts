/**
 * Red team (#15 §3): the hand-written DER decoders of `lib/crypto/x509_fields.ts` (and the
 * certificate outline of `asn1_certificate.ts`) against strict DER (X.690) and RFC 5280. Each
 * case has the virtual Fulcio sign a leaf that is wrong in one field only, then runs
 * `verify-bundle` through `main()` as a user would: the bundle must not verify. Each case has a
 * passing twin that differs only in that field, so the test cannot pass by accident.
 */
import assert from "node:assert/strict";
import { concatBytes, utf8 } from "../lib/crypto/bytes.ts";
import { derChildren, parseDerNode } from "../lib/crypto/der.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { main } from "../lib/cli/main.ts";
import { oid, seq, tlv } from "./support/der.ts";
import { GITHUB_ISSUER, type LeafOptions, VirtualSigstore } from "./support/virtual_sigstore.ts";
import { withFiles } from "./support/temp_dir.ts";

const vs = await VirtualSigstore.create({ name: "redteam5-x509" });
const ARTIFACT = utf8("red team 5 artifact\n");

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Signs ARTIFACT with a leaf made per `leaf` and runs `verify-bundle` on it. */
async function verifyWithLeaf(leaf: LeafOptions): Promise<Run> {
  const bundle = await vs.sign({ artifact: ARTIFACT, leaf });
  return await withFiles(
    { "b.json": bundle.json, "root.json": vs.trustedRoot(), "a.bin": ARTIFACT },
    async (p) => {
      const io = createMemoryIo();
      const code = await main([
        "verify-bundle",
        "--bundle",
        p("b.json"),
        "--trusted-root",
        p("root.json"),
        "--certificate-identity",
        bundle.leaf!.san,
        "--certificate-oidc-issuer",
        GITHUB_ISSUER,
        p("a.bin"),
      ], io);
      return { code, out: io.out, err: io.err };
    },
  );
}

async function assertPasses(leaf: LeafOptions): Promise<void> {
  const run = await verifyWithLeaf(leaf);
  assert.equal(run.code, 0, `the twin must verify: ${run.err}`);
}

async function assertRejected(leaf: LeafOptions, code: RegExp): Promise<void> {
  const run = await verifyWithLeaf(leaf);
  assert.notEqual(run.code, 0, `verify-bundle accepted it: ${run.out}`);
  assert.match(run.err, code);
}

/** TBSCertificate field indexes (v3, so the version comes first). */
const SERIAL = 1;
const VALIDITY = 4;
const SUBJECT = 5;
const SPKI = 6;
const EXTENSIONS = 7;

/** Replaces one TBSCertificate field. */
function replaceField(index: number, bytes: Uint8Array): LeafOptions["editFields"] {
  return (fields) => fields.map((f, i) => i === index ? bytes : f);
}

/** Rewrites each extension (its whole DER) of the TBSCertificate's `[3]` field. */
function editExtensions(
  edit: (extension: Uint8Array, id: string) => Uint8Array,
): LeafOptions["editFields"] {
  return (fields) =>
    fields.map((field, i) => {
      if (i !== EXTENSIONS) return field;
      const list = derChildren(derChildren(parseDerNode(field))[0]);
      return tlv(
        0xa3,
        seq(...list.map((e) => edit(e.bytes, hex(derChildren(e)[0].bytes)))),
      );
    });
}

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const oidHex = (dotted: string) => hex(oid(dotted));
const bytes = (...b: number[]) => new Uint8Array(b);
const latin1 = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

/** The validity with a GeneralizedTime notAfter of `text` (notBefore as UTCTime). */
function validity(notBefore: string, notAfter: Uint8Array): Uint8Array {
  return seq(tlv(0x17, latin1(notBefore)), notAfter);
}

// vs.now is 2026-03-01T12:00:00Z; a leaf is valid from a minute before.
const NOT_BEFORE = "260301115900Z";

Deno.test("redteam5 x509: validity times follow RFC 5280 (no GeneralizedTime before 2050, no fractions)", async () => {
  await assertPasses({
    editFields: replaceField(VALIDITY, validity(NOT_BEFORE, tlv(0x17, latin1("260301120900Z")))),
  });
  // GeneralizedTime for a 2026 date: RFC 5280 4.1.2.5 says UTCTime through 2049.
  await assertRejected(
    {
      editFields: replaceField(
        VALIDITY,
        validity(NOT_BEFORE, tlv(0x18, latin1("20260301120900Z"))),
      ),
    },
    /certificate-malformed/,
  );
  // Fractional seconds: RFC 5280 4.1.2.5.2 "MUST NOT include fractional seconds".
  await assertRejected(
    {
      editFields: replaceField(
        VALIDITY,
        validity(NOT_BEFORE, tlv(0x18, latin1("20500301120900.5Z"))),
      ),
    },
    /certificate-malformed/,
  );
});

// Keep the helpers referenced while cases are added one by one.
void [SERIAL, SUBJECT, SPKI, editExtensions, oidHex, bytes, concatBytes];
