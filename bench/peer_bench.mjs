#!/usr/bin/env node
// In-process bundle-verification throughput of sigstore-js (the peer), driven by bench/bench.ts.
//
//   node bench/peer_bench.mjs JOB.json
//
// JOB.json: { peerDir, cases: [{ id, bundle, root, artifact, identity?, issuer?, key? }] } where
// `root` is "public-good" (the trusted root embedded in @sigstore/tuf's seeds.json, as the
// conformance shim uses) or a trusted_root.json path. Every case is first verified once; those
// that do not verify are dropped. The first stdout line is JSON: { node, versions, ids (kept),
// rejected }. Then commands arrive one per line on stdin, each answered by one JSON line:
//   warmup S   verify the kept set in a loop for S seconds
//   round S    the same, timed: { bundlesPerSecond, cpuMsPerBundle }
//   percase S  { perCase: { id: µs per verification } }, each bundle timed for S seconds
//   quit
// (bench.ts alternates the peer's rounds with its own, so that load from other processes on the
// machine hits both alike.)
//
// One verification is: JSON.parse + bundleFromJSON + in-toto subject check (DSSE) +
// toSignedEntity + Verifier.verify with an exact SAN/issuer policy, as the conformance shim
// does. Trust material, Verifier objects, bundle text and artifact bytes are prepared once.
//
// The packages are resolved from peerDir (a copy of ../shared/corpus/peer-sigstore-js after
// `npm ci`), so this script needs no node_modules of its own.

import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import readline from "node:readline";

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const require = createRequire(path.join(path.resolve(job.peerDir), "package.json"));
const { bundleFromJSON } = require("@sigstore/bundle");
const { TrustedRoot } = require("@sigstore/protobuf-specs");
const { Verifier, toSignedEntity, toTrustMaterial } = require("@sigstore/verify");
const versions = Object.fromEntries(
  ["@sigstore/bundle", "@sigstore/verify", "@sigstore/core"].map((name) => [
    name,
    JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), "utf8")).version,
  ]),
);

function publicGoodRootJSON() {
  const seedsPath = path.join(path.dirname(require.resolve("@sigstore/tuf")), "..", "seeds.json");
  const seeds = JSON.parse(fs.readFileSync(seedsPath, "utf8"));
  const target = seeds["https://tuf-repo-cdn.sigstore.dev"].targets["trusted_root.json"];
  return JSON.parse(Buffer.from(target, "base64").toString("utf8"));
}

const rootCache = new Map();
function rootFor(name) {
  let root = rootCache.get(name);
  if (!root) {
    const json = name === "public-good"
      ? publicGoodRootJSON()
      : JSON.parse(fs.readFileSync(name, "utf8"));
    root = { json, material: toTrustMaterial(TrustedRoot.fromJSON(json)) };
    rootCache.set(name, root);
  }
  return root;
}

function exactly(text) {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`);
}

const SUBJECT_HASHES = new Set(["sha256", "sha384", "sha512"]);

// Throws unless the artifact is one of the in-toto statement's subjects.
function checkSubject(envelope, artifact) {
  const payload = Buffer.from(envelope.payload);
  if (envelope.payloadType !== "application/vnd.in-toto+json") {
    throw new Error(`payloadType ${envelope.payloadType} is not in-toto`);
  }
  const statement = JSON.parse(payload.toString("utf8"));
  for (const subject of Array.isArray(statement.subject) ? statement.subject : []) {
    for (const [alg, hex] of Object.entries(subject?.digest ?? {})) {
      if (!SUBJECT_HASHES.has(alg) || typeof hex !== "string") continue;
      if (crypto.createHash(alg).update(artifact).digest("hex") === hex.toLowerCase()) return;
    }
  }
  throw new Error("artifact matches no in-toto subject");
}

function prepare(c) {
  const root = rootFor(c.root);
  let material = root.material;
  if (c.key) {
    const publicKey = crypto.createPublicKey(fs.readFileSync(c.key));
    material = { ...material, publicKey: () => ({ publicKey, validFor: () => true }) };
  }
  const verifier = new Verifier(material, {
    tlogThreshold: (root.json.tlogs ?? []).length > 0 ? 1 : 0,
    ctlogThreshold: (root.json.ctlogs ?? []).length > 0 ? 1 : 0,
    timestampThreshold: 1,
  });
  const policy = c.key
    ? undefined
    : { subjectAlternativeName: exactly(c.identity), extensions: { issuer: c.issuer } };
  return {
    id: c.id,
    text: fs.readFileSync(c.bundle, "utf8"),
    artifact: fs.readFileSync(c.artifact),
    verifier,
    policy,
  };
}

function verifyOnce(p) {
  const bundle = bundleFromJSON(JSON.parse(p.text));
  let entity;
  if (bundle.content.$case === "dsseEnvelope") {
    checkSubject(bundle.content.dsseEnvelope, p.artifact);
    entity = toSignedEntity(bundle);
  } else {
    entity = toSignedEntity(bundle, p.artifact);
  }
  if (p.policy) p.verifier.verify(entity, p.policy);
  else p.verifier.verify(entity);
}

const ok = [];
const rejected = [];
for (const c of job.cases) {
  try {
    const p = prepare(c);
    verifyOnce(p);
    ok.push(p);
  } catch (err) {
    rejected.push({ id: c.id, error: String(err?.message ?? err).slice(0, 200) });
  }
}

function pass() {
  for (const p of ok) verifyOnce(p);
}

/**
 * Verifies the whole set repeatedly for at least `seconds`; returns bundles per (wall) second and
 * the process CPU time (user + system, all threads) per bundle in ms.
 */
function round(seconds) {
  let bundles = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    pass();
    bundles += ok.length;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  const used = process.cpuUsage(cpu);
  return {
    bundlesPerSecond: bundles / (elapsed / 1000),
    cpuMsPerBundle: (used.user + used.system) / 1000 / bundles,
  };
}

/** Microseconds per verification of each bundle, each timed for at least `seconds`. */
function perCase(seconds) {
  const out = {};
  for (const p of ok) {
    for (let i = 0; i < 5; i++) verifyOnce(p);
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      verifyOnce(p);
      n++;
      elapsed = performance.now() - start;
    } while (elapsed < seconds * 1000);
    out[p.id] = (elapsed * 1000) / n;
  }
  return out;
}

const say = (value) => process.stdout.write(JSON.stringify(value) + "\n");
say({ node: process.version, versions, ids: ok.map((p) => p.id), rejected });

// Commands, one per line on stdin, each answered with one JSON line on stdout.
const lines = readline.createInterface({ input: process.stdin, terminal: false });
for await (const line of lines) {
  const [command, arg] = line.trim().split(/\s+/);
  const seconds = Number(arg);
  if (command === "warmup") {
    const end = performance.now() + seconds * 1000;
    if (ok.length) { do pass(); while (performance.now() < end); }
    say({ warmedUp: true });
  } else if (command === "round") {
    say(ok.length ? round(seconds) : { bundlesPerSecond: null });
  } else if (command === "percase") {
    say({ perCase: perCase(seconds) });
  } else if (command === "quit") {
    break;
  } else {
    say({ error: `unknown command ${JSON.stringify(line)}` });
  }
}
lines.close();
