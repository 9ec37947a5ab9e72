/**
 * Sigstore core against the current specifications (issue #12), through `main()` as a user runs
 * `verify-bundle`: trusted roots (validFor.start required, closed windows, newer fields), and
 * hashedrekord entries over SHA-384 / SHA-512 (P-384, P-521 keys) with the binding of the log's
 * digest algorithm and value to the bundle and the artifact. Every must-fail case has a passing
 * twin that differs only in the piece made wrong.
 */
import assert from "node:assert/strict";
import { encodeHex, utf8 } from "../lib/crypto/bytes.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { main } from "../lib/cli/main.ts";
import {
  GITHUB_ISSUER,
  type VirtualBundle,
  VirtualSigstore,
  workflowSan,
} from "./support/virtual_sigstore.ts";
import { withFiles } from "./support/temp_dir.ts";

const vs = await VirtualSigstore.create({ name: "attack-sigstore" });
const ARTIFACT = utf8("cargo-attest attack artifact\n");

async function run(args: string[]) {
  const io = createMemoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

/** `verify-bundle` with the virtual instance's identity, a bundle, a root and an artifact. */
function verifyArgs(bundle: string, root: string, artifact: string): string[] {
  return [
    "verify-bundle",
    "--bundle",
    bundle,
    "--trusted-root",
    root,
    "--certificate-identity",
    workflowSan(),
    "--certificate-oidc-issuer",
    GITHUB_ISSUER,
    artifact,
  ];
}

type Json = Record<string, unknown>;

function edit(text: string, change: (doc: Json) => void): string {
  const doc = JSON.parse(text) as Json;
  change(doc);
  return JSON.stringify(doc, null, 2);
}

// ---------------------------------------------------------------------------------------------
// Trusted roots

Deno.test("attack sigstore: a --trusted-root log without validFor.start is an ERROR naming the field", async () => {
  const b = await vs.sign({ artifact: ARTIFACT });
  const good = vs.trustedRoot();
  const noStart = edit(good, (doc) => {
    const tlogs = doc.tlogs as Json[];
    delete ((tlogs[1].publicKey as Json).validFor as Json).start;
  });
  const noCaStart = edit(good, (doc) => {
    delete ((doc.certificateAuthorities as Json[])[0].validFor as Json).start;
  });
  await withFiles(
    {
      "b.json": b.json,
      "trusted_root.json": good,
      "nostart.json": noStart,
      "nocastart.json": noCaStart,
      "a.bin": ARTIFACT,
    },
    async (p) => {
      const ok = await run(verifyArgs(p("b.json"), p("trusted_root.json"), p("a.bin")));
      assert.equal(ok.code, 0, ok.err);
      const bad = await run(verifyArgs(p("b.json"), p("nostart.json"), p("a.bin")));
      assert.equal(bad.code, 3, bad.out + bad.err);
      assert.match(bad.err, /nostart\.json: tlogs\[1\]\.publicKey\.validFor\.start is missing/);
      const badCa = await run(verifyArgs(p("b.json"), p("nocastart.json"), p("a.bin")));
      assert.equal(badCa.code, 3, badCa.out + badCa.err);
      assert.match(badCa.err, /certificateAuthorities\[0\]\.validFor\.start is missing/);
    },
  );
});

Deno.test("attack sigstore: a v0.2 trusted root with checkpointKeyId, operator and unknown fields verifies", async () => {
  const b = await vs.sign({ artifact: ARTIFACT });
  const v2 = await vs.sign({ artifact: ARTIFACT, tlog: "rekor-v2" });
  const newer = edit(vs.trustedRoot(), (doc) => {
    doc.mediaType = "application/vnd.dev.sigstore.trustedroot.v0.2+json";
    doc.somethingNew = { x: 1 };
    for (const field of ["tlogs", "ctlogs", "certificateAuthorities", "timestampAuthorities"]) {
      for (const entry of doc[field] as Json[]) {
        entry.operator = "virtual.sigstore.test";
        entry.unknownField = [1, "two"];
      }
    }
    for (const tlog of doc.tlogs as Json[]) tlog.checkpointKeyId = tlog.logId;
  });
  await withFiles(
    { "b.json": b.json, "v2.json": v2.json, "root.json": newer, "a.bin": ARTIFACT },
    async (p) => {
      for (const bundle of ["b.json", "v2.json"]) {
        const r = await run(verifyArgs(p(bundle), p("root.json"), p("a.bin")));
        assert.equal(r.code, 0, `${bundle}: ${r.err}`);
      }
    },
  );
});

Deno.test("attack sigstore: every validity window is closed at its end (CA, tlog, CT log, TSA)", async () => {
  const now = vs.now;
  const start = new Date(now.getTime() - 86_400_000);
  const before = new Date(now.getTime() - 1000);
  // Every time is the signing time: integrated time, TSA genTime, and the SCT's timestamp. The
  // TSA case has no log entry, so the timestamp is the only time.
  const b = await vs.sign({ artifact: ARTIFACT, leaf: { sctTime: now } });
  const tsaOnly = await vs.sign({
    artifact: ARTIFACT,
    tlog: "none",
    timestamps: 1,
    leaf: { sctTime: now },
  });
  const windows = ["caValidFor", "rekorV1ValidFor", "ctlogValidFor", "tsaValidFor"] as const;
  const files: Record<string, string | Uint8Array> = {
    "caValidFor.json": b.json,
    "rekorV1ValidFor.json": b.json,
    "ctlogValidFor.json": b.json,
    "tsaValidFor.json": tsaOnly.json,
    "a.bin": ARTIFACT,
  };
  for (const w of windows) {
    const tlogs = w === "tsaValidFor" ? { tlogs: [] } : {};
    files[`${w}-end.json`] = vs.trustedRoot({ ...tlogs, [w]: { start, end: now } });
    files[`${w}-before.json`] = vs.trustedRoot({ ...tlogs, [w]: { start, end: before } });
  }
  await withFiles(files, async (p) => {
    for (const w of windows) {
      const atEnd = await run(verifyArgs(p(`${w}.json`), p(`${w}-end.json`), p("a.bin")));
      assert.equal(atEnd.code, 0, `${w} ending exactly at the signing time: ${atEnd.err}`);
      const after = await run(verifyArgs(p(`${w}.json`), p(`${w}-before.json`), p("a.bin")));
      assert.notEqual(after.code, 0, `${w} ending before the signing time must not verify`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// hashedrekord over SHA-384 / SHA-512

const OTHER = utf8("not the artifact\n");

async function sha(bytes: Uint8Array, hash: "SHA-384" | "SHA-512"): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(hash, bytes.slice().buffer));
}

Deno.test("attack sigstore: P-384 / P-521 message signatures over SHA-384 / SHA-512 hashedrekords verify", async () => {
  const cases: Record<string, Promise<VirtualBundle>> = {
    "p384-v1.json": vs.sign({
      artifact: ARTIFACT,
      leaf: { curve: "P-384" },
      messageHash: "SHA-384",
      digestAlgorithm: "sha384",
    }),
    "p521-v1.json": vs.sign({
      artifact: ARTIFACT,
      leaf: { curve: "P-521" },
      messageHash: "SHA-512",
      digestAlgorithm: "sha512",
    }),
    "p384-v2.json": vs.sign({
      artifact: ARTIFACT,
      tlog: "rekor-v2",
      leaf: { curve: "P-384" },
      messageHash: "SHA-384",
      digestAlgorithm: "sha384",
    }),
    "p521-v2.json": vs.sign({
      artifact: ARTIFACT,
      tlog: "rekor-v2",
      leaf: { curve: "P-521" },
      messageHash: "SHA-512",
      digestAlgorithm: "sha512",
    }),
    // No messageDigest: the log's sha384 alone binds the artifact.
    "p384-nodigest.json": vs.sign({
      artifact: ARTIFACT,
      leaf: { curve: "P-384" },
      messageHash: "SHA-384",
      digestAlgorithm: "sha384",
      messageDigest: null,
    }),
    // A P-384 key over the SHA-256 (older clients; sigstore-go's compatibility verifier).
    "p384-sha256.json": vs.sign({ artifact: ARTIFACT, leaf: { curve: "P-384" } }),
    "v01-p521.json": vs.sign({
      artifact: ARTIFACT,
      version: "0.1",
      leaf: { curve: "P-521" },
      messageHash: "SHA-512",
      digestAlgorithm: "sha512",
    }),
  };
  const files: Record<string, string | Uint8Array> = {
    "root.json": vs.trustedRoot(),
    "a.bin": ARTIFACT,
  };
  for (const [name, bundle] of Object.entries(cases)) files[name] = (await bundle).json;
  await withFiles(files, async (p) => {
    for (const name of Object.keys(cases)) {
      const r = await run(verifyArgs(p(name), p("root.json"), p("a.bin")));
      assert.equal(r.code, 0, `${name}: ${r.err}`);
    }
  });
});

Deno.test("attack sigstore: managed P-521 and Ed25519 keys with SHA-512 hashedrekords verify", async () => {
  const p521 = await vs.managedKey("p521");
  const ed = await vs.managedKey("ed25519");
  const b521 = await vs.sign({
    artifact: ARTIFACT,
    key: "p521",
    messageHash: "SHA-512",
    digestAlgorithm: "sha512",
  });
  const bEd = await vs.sign({ artifact: ARTIFACT, key: "ed25519", digestAlgorithm: "sha512" });
  await withFiles(
    {
      "p521.json": b521.json,
      "ed.json": bEd.json,
      "p521.pem": p521.pem,
      "ed.pem": ed.pem,
      "root.json": vs.trustedRoot(),
      "a.bin": ARTIFACT,
      "other.bin": OTHER,
    },
    async (p) => {
      for (const [bundle, key] of [["p521.json", "p521.pem"], ["ed.json", "ed.pem"]]) {
        const args = ["verify-bundle", "--bundle", p(bundle), "--key", p(key)];
        const ok = await run([...args, "--trusted-root", p("root.json"), p("a.bin")]);
        assert.equal(ok.code, 0, `${bundle}: ${ok.err}`);
        const other = await run([...args, "--trusted-root", p("root.json"), p("other.bin")]);
        assert.notEqual(other.code, 0, `${bundle} against another artifact`);
      }
    },
  );
});

Deno.test("attack sigstore: a SHA-384 hashedrekord that does not bind this artifact is not TRUSTED", async () => {
  const p384 = {
    artifact: ARTIFACT,
    leaf: { curve: "P-384" },
    messageHash: "SHA-384",
    digestAlgorithm: "sha384",
  } as const;
  const attacks: Record<string, [Promise<VirtualBundle>, RegExp]> = {
    // The log records another artifact's sha384.
    "wrong-log-digest.json": [
      vs.sign({ ...p384, record: { digest: await sha(OTHER, "SHA-384") } }),
      /\[tlog-body-mismatch\]/,
    ],
    // Same, with no messageDigest to catch it first.
    "wrong-log-digest-nomd.json": [
      vs.sign({ ...p384, messageDigest: null, record: { digest: await sha(OTHER, "SHA-384") } }),
      /\[tlog-body-mismatch\]/,
    ],
    // The bundle says SHA2_384, the log records the (right) sha256: algorithms disagree.
    "algorithm-mismatch.json": [
      vs.sign({ ...p384, record: { digestAlgorithm: "sha256" } }),
      /\[tlog-body-mismatch\]/,
    ],
    // The bundle says SHA2_512 over a SHA-512 log entry, but the signer's hash is SHA-384:
    // consistent digests, and the signature still must verify.
    "relabelled.json": [
      vs.sign({
        ...p384,
        record: { digestAlgorithm: "sha512", digest: await sha(ARTIFACT, "SHA-384") },
      }),
      /\[tlog-body-mismatch\]/,
    ],
    // The bundle's messageDigest is another artifact's sha384.
    "wrong-message-digest.json": [
      vs.sign({ ...p384, messageDigest: await sha(OTHER, "SHA-384") }),
      /\[artifact-mismatch\]/,
    ],
    // The signature is over another artifact, everything else about this one.
    "wrong-signature.json": [
      vs.sign({ ...p384, signOver: OTHER }),
      /\[signature-invalid\]/,
    ],
  };
  const files: Record<string, string | Uint8Array> = {
    "root.json": vs.trustedRoot(),
    "a.bin": ARTIFACT,
  };
  for (const [name, [bundle]] of Object.entries(attacks)) files[name] = (await bundle).json;
  await withFiles(files, async (p) => {
    for (const [name, [, code]] of Object.entries(attacks)) {
      const r = await run(verifyArgs(p(name), p("root.json"), p("a.bin")));
      assert.notEqual(r.code, 0, `${name} must not verify`);
      assert.match(r.err, code, `${name}: ${r.err}`);
    }
  });
});

Deno.test("attack sigstore: a SHA-384 bundle checked against a bare sha256: digest is not TRUSTED", async () => {
  const b = await vs.sign({
    artifact: ARTIFACT,
    leaf: { curve: "P-384" },
    messageHash: "SHA-384",
    digestAlgorithm: "sha384",
  });
  await withFiles({ "b.json": b.json, "root.json": vs.trustedRoot() }, async (p) => {
    const r = await run(
      verifyArgs(p("b.json"), p("root.json"), `sha256:${encodeHex(b.sha256)}`),
    );
    assert.notEqual(r.code, 0);
    assert.match(r.err, /\[signature-needs-artifact\]/);
  });
});

// ---------------------------------------------------------------------------------------------
// Verification order (Sigstore client specification, sigstore-go's VerifyTlogEntry)

Deno.test("attack sigstore: an unsigned integrated time outside the certificate's validity is not TRUSTED", async () => {
  // An entry shown by its inclusion proof alone (no SET): its integrated time establishes no
  // time, the TSA's does; sigstore-go still requires the certificate to hold at it.
  const now = vs.now;
  const base = { artifact: ARTIFACT, timestamps: 1 } as const;
  const inside = await vs.sign({ ...base, entry: { set: "omit", integratedTime: now } });
  const future = await vs.sign({
    ...base,
    entry: { set: "omit", integratedTime: new Date(now.getTime() + 86_400_000) },
  });
  const past = await vs.sign({
    ...base,
    entry: { set: "omit", integratedTime: new Date(now.getTime() - 86_400_000) },
  });
  await withFiles(
    {
      "inside.json": inside.json,
      "future.json": future.json,
      "past.json": past.json,
      "root.json": vs.trustedRoot(),
      "a.bin": ARTIFACT,
    },
    async (p) => {
      const ok = await run(verifyArgs(p("inside.json"), p("root.json"), p("a.bin")));
      assert.equal(ok.code, 0, ok.err);
      for (const name of ["future.json", "past.json"]) {
        const r = await run(verifyArgs(p(name), p("root.json"), p("a.bin")));
        assert.notEqual(r.code, 0, `${name} must not verify`);
        assert.match(
          r.err,
          /integrated time .* outside the signing certificate.*\[certificate-expired\]/,
        );
      }
    },
  );
});
