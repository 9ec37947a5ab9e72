/**
 * Sigstore core against the current specifications (issue #12), through `main()` as a user runs
 * `verify-bundle`: trusted roots (validFor.start required, closed windows, newer fields), and
 * hashedrekord entries over SHA-384 / SHA-512 (P-384, P-521 keys) with the binding of the log's
 * digest algorithm and value to the bundle and the artifact. Every must-fail case has a passing
 * twin that differs only in the piece made wrong.
 */
import assert from "node:assert/strict";
import { utf8 } from "../lib/crypto/bytes.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { main } from "../lib/cli/main.ts";
import { GITHUB_ISSUER, VirtualSigstore, workflowSan } from "./support/virtual_sigstore.ts";

const vs = await VirtualSigstore.create({ name: "attack-sigstore" });
const ARTIFACT = utf8("cargo-attest attack artifact\n");

async function run(args: string[]) {
  const io = createMemoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

async function withFiles(
  files: Record<string, string | Uint8Array>,
  fn: (path: (name: string) => string) => Promise<void>,
) {
  const dir = await Deno.makeTempDir({ prefix: "attack-sigstore-" });
  try {
    for (const [name, content] of Object.entries(files)) {
      if (typeof content === "string") await Deno.writeTextFile(`${dir}/${name}`, content);
      else await Deno.writeFile(`${dir}/${name}`, content);
    }
    await fn((name) => `${dir}/${name}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
