import assert from "node:assert/strict";
import { parseTufKey, verifiedKeyIds } from "./signatures.ts";
import { canonicalJsonBytes } from "./canonical_json.ts";
import { type Envelope, parseEnvelope, type TufKey } from "./metadata.ts";

async function ed25519(): Promise<{ key: TufKey; sign: (m: Uint8Array) => Promise<string> }> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return {
    key: { keytype: "ed25519", scheme: "ed25519", public: hex(raw) },
    sign: async (m) =>
      hex(new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, m as BufferSource))),
  };
}

Deno.test("verifiedKeyIds() counts each key of the role once, and nothing else", async () => {
  const [a, b, outsider] = [await ed25519(), await ed25519(), await ed25519()];
  const signed = { _type: "timestamp", version: 1 };
  const message = canonicalJsonBytes(signed);
  const envelope: Envelope<unknown> = {
    signedRaw: signed,
    signed,
    bytes: new Uint8Array(),
    signatures: [
      { keyid: "a", sig: await a.sign(message) },
      { keyid: "b", sig: await a.sign(message) }, // b's slot, a's signature: does not verify
      { keyid: "o", sig: await outsider.sign(message) }, // not a key of the role
      { keyid: "a", sig: "zz" }, // not hex
    ],
  };
  const keys = { a: a.key, b: b.key, o: outsider.key };
  const ids = await verifiedKeyIds(envelope, { keyids: ["a", "b"], threshold: 2 }, keys);
  assert.deepEqual([...ids], ["a"]);
});

Deno.test("parseTufKey() reads ECDSA P-256 as PEM and as a hex point, and Ed25519; refuses the rest", async () => {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  const point = hex(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${
    btoa(String.fromCharCode(...spki))
  }\n-----END PUBLIC KEY-----\n`;
  for (const keytype of ["ecdsa", "ecdsa-sha2-nistp256"]) {
    for (const pub of [point, pem]) {
      const key = parseTufKey({ keytype, scheme: "ecdsa-sha2-nistp256", public: pub });
      assert.equal(key?.algorithm, "ecdsa-p256", `${keytype} ${pub.slice(0, 10)}`);
      assert.deepEqual(key?.spki, spki);
    }
  }
  assert.equal(
    parseTufKey({ keytype: "ecdsa", scheme: "ecdsa-sha2-nistp384", public: pem }),
    undefined,
  );
  assert.equal(
    parseTufKey({ keytype: "rsa", scheme: "rsassa-pss-sha256", public: "x" }),
    undefined,
  );
  assert.equal(
    parseTufKey({ keytype: "ed25519", scheme: "ed25519", public: "ab".repeat(32) })?.algorithm,
    "ed25519",
  );
});

Deno.test("verifiedKeyIds() counts one ECDSA key once though listed as a PEM and as a hex point", async () => {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  const point = hex(new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  const pem = `-----BEGIN PUBLIC KEY-----\n${
    btoa(String.fromCharCode(...spki))
  }\n-----END PUBLIC KEY-----\n`;
  const signed = { _type: "root", version: 1 };
  // TUF's ECDSA signatures are DER; WebCrypto gives r || s.
  const derInt = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b[i] & 0x80 ? [0, ...b.slice(i)] : [...b.slice(i)];
    return [0x02, v.length, ...v];
  };
  const sign = async () => {
    const rs = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        pair.privateKey,
        canonicalJsonBytes(signed) as BufferSource,
      ),
    );
    const body = [...derInt(rs.slice(0, 32)), ...derInt(rs.slice(32))];
    return hex(new Uint8Array([0x30, body.length, ...body]));
  };
  const envelope: Envelope<unknown> = {
    signedRaw: signed,
    signed,
    bytes: new Uint8Array(),
    signatures: [{ keyid: "pem", sig: await sign() }, { keyid: "point", sig: await sign() }],
  };
  const scheme = "ecdsa-sha2-nistp256";
  const keys = {
    pem: { keytype: "ecdsa", scheme, public: pem },
    point: { keytype: "ecdsa-sha2-nistp256", scheme, public: point },
  };
  const ids = await verifiedKeyIds(envelope, { keyids: ["pem", "point"], threshold: 2 }, keys);
  assert.deepEqual([...ids], ["pem"]);
});

Deno.test("verifiedKeyIds() counts a key whose id is '__proto__' as data, and no inherited name (toString)", async () => {
  const a = await ed25519();
  const signed = {
    _type: "root",
    spec_version: "1.0.31",
    version: 1,
    expires: "2030-01-01T00:00:00Z",
    consistent_snapshot: true,
    keys: {
      ["__proto__"]: { keytype: "ed25519", scheme: "ed25519", keyval: { public: a.key.public } },
    },
    roles: Object.fromEntries(
      ["root", "timestamp", "snapshot", "targets"].map((r) => [r, {
        keyids: ["__proto__", "toString", "keytype"],
        threshold: 1,
      }]),
    ),
  };
  // A computed key is an own property; the JSON text is what a repository would serve.
  const withKey = JSON.stringify({ signatures: [], signed });
  assert.match(withKey, /"keys":\{"__proto__":/);
  const envelope = parseEnvelope(new TextEncoder().encode(withKey), "root", "test", "root.json");
  const message = canonicalJsonBytes(envelope.signedRaw);
  const sig = await a.sign(message);
  const signedEnvelope: Envelope<unknown> = {
    ...envelope,
    signatures: [
      { keyid: "__proto__", sig },
      { keyid: "toString", sig },
      { keyid: "keytype", sig },
    ],
  };
  const root = envelope.signed;
  assert.deepEqual(
    [...await verifiedKeyIds(signedEnvelope, root.roles.root, root.keys)],
    ["__proto__"],
  );
});
