/**
 * `deno task bench`: measures cargo-attest on this machine, in this run, against a reference for
 * every figure, and prints one table (Markdown) with the target next to each figure.
 *
 *   1. `cli.ts hash` throughput on a 1 GiB file vs `openssl dgst -sha256`, and the peak RSS of
 *      the cargo-attest process;
 *   2. in-process bundle verification (`parseBundle` + `verifyBundle` + identity match) vs
 *      sigstore-js under Node (`bench/peer_bench.mjs`), on the corpus' pass cases both verify;
 *   3. one `verify-bundle` process per verification vs the sigstore-js conformance shim;
 *   4. start-up: `cli.ts --help` and `cli.ts hash SMALL` vs an empty Deno script;
 *   5. `cli.ts lock` of 300 real-sized crates, and of a deno-shaped lock of 1,000, against
 *      loopback fakes of crates.io and GitHub: cold cache, warm cache, `--offline` and
 *      `--no-cache` (wall time, peak RSS, requests, verdicts), each size against the next smaller
 *      (30, 300) and per crate (`bench/lock_bench.ts`; the data is made by `bench/lock_data.ts`).
 *
 * Options: `--quick` (256 MiB file, short loops, one `lock` round: a smoke run), `--per-case`
 * (also print the in-process cost of every bundle, for both verifiers), `--lock-only` (only
 * section 5), `--process-only` (only sections 3 and 4: the per-process figures), `--cpu-prof` (also write CPU profiles of a cold, a warm and an offline 300-crate
 * `lock` run to `bench/data/lock-profiles/`), `--help`.
 *
 * Generated files (the hash file, the peer's `npm ci` copy, job files, the crates of section 5
 * and their cache directories) live in `bench/data/`, which git ignores. The benchmark exits 0
 * even when a target is missed; misses are marked ✗.
 * @module
 */
import { createHash } from "node:crypto";
import process from "node:process";
import { parseBundle } from "../lib/evidence/bundle.ts";
import { type ArtifactInput, verifyBundle } from "../lib/checks/sigstore_bundle.ts";
import { matchIdentity } from "../lib/evidence/fulcio_identity.ts";
import { loadEmbeddedRoot } from "../lib/trust/embedded.ts";
import { parseTrustedRoot, type TrustedRoot } from "../lib/trust/trusted_root.ts";
import { parsePublicKeyPem, type PublicKeyMaterial } from "../lib/crypto/signature.ts";
import { benchLock } from "./lock_bench.ts";
import { fmt, median } from "./numbers.ts";

const REPO = new URL("../", import.meta.url).pathname;
const DATA = `${REPO}bench/data/`;
const CORPUS = `${REPO}tests/fixtures/corpus/`;
const PEER_SOURCE = Deno.env.get("PEER_SIGSTORE_JS_DIR") ??
  `${REPO}../shared/corpus/peer-sigstore-js`;
const PEER_DIR = `${DATA}peer-sigstore-js/`;
const DENO = Deno.execPath();
const CLI = `${REPO}cli.ts`;

interface Settings {
  readonly quick: boolean;
  readonly perCase: boolean;
  readonly lockOnly: boolean;
  readonly processOnly: boolean;
  readonly cpuProf: boolean;
  readonly lockRounds: number;
  readonly hashBytes: number;
  readonly hashRuns: number;
  readonly warmupSeconds: number;
  readonly rounds: number;
  readonly roundSeconds: number;
  readonly processRuns: number;
  readonly startupRuns: number;
}

function settings(args: string[]): Settings {
  const known = [
    "--quick",
    "--per-case",
    "--lock-only",
    "--process-only",
    "--cpu-prof",
    "--help",
    "-h",
  ];
  const unknown = args.filter((a) => !known.includes(a));
  if (args.includes("--help") || args.includes("-h") || unknown.length > 0) {
    if (unknown.length > 0) console.error(`bench: unknown option(s) ${unknown.join(" ")}`);
    console.log(
      "usage: deno task bench [--quick] [--per-case] [--lock-only | --process-only] [--cpu-prof]",
    );
    Deno.exit(unknown.length > 0 ? 2 : 0);
  }
  const quick = args.includes("--quick");
  return {
    quick,
    perCase: args.includes("--per-case"),
    lockOnly: args.includes("--lock-only"),
    processOnly: args.includes("--process-only"),
    cpuProf: args.includes("--cpu-prof"),
    lockRounds: quick ? 1 : 5,
    hashBytes: (quick ? 256 : 1024) * 1024 * 1024,
    hashRuns: quick ? 2 : 5,
    warmupSeconds: quick ? 0.5 : 3,
    rounds: quick ? 3 : 5,
    roundSeconds: quick ? 0.5 : 3,
    processRuns: quick ? 5 : 21,
    startupRuns: quick ? 10 : 41,
  };
}

// ---------------------------------------------------------------------------------------------
// Table

type Mark = "✓" | "✗" | "" | "met";

interface Row {
  readonly n: string;
  readonly measure: string;
  readonly mine: string;
  readonly reference: string;
  readonly versus: string;
  readonly target: string;
  readonly met: Mark;
}

const rows: Row[] = [];
const notes: string[] = [];

function row(r: Row) {
  rows.push(r);
}

function mark(ok: boolean | undefined): Mark {
  return ok === undefined ? "" : ok ? "✓" : "✗";
}

function renderTable(): string {
  const header: Row = {
    n: "#",
    measure: "measure",
    mine: "cargo-attest",
    reference: "reference",
    versus: "vs reference",
    target: "target",
    met: "met" as Mark,
  };
  const cols = ["n", "measure", "mine", "reference", "versus", "target", "met"] as const;
  const all = [header, ...rows];
  const width = (s: string) => [...s].length;
  const widths = cols.map((c) => Math.max(...all.map((r) => width(r[c]))));
  const line = (r: Row) =>
    "| " + cols.map((c, i) => r[c] + " ".repeat(widths[i] - width(r[c]))).join(" | ") + " |";
  const rule = "| " + widths.map((w) => "-".repeat(Math.max(w, 1))).join(" | ") + " |";
  return [line(header), rule, ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Helpers

const decoder = new TextDecoder();

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

interface RunResult {
  readonly code: number;
  readonly ms: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size in bytes, when measured. */
  readonly peakRss?: number;
  /** CPU time (user + system) of the command, in ms, when GNU time measured it. */
  readonly cpuMs?: number;
}

/** Runs a command to completion and times it (wall clock, spawn to exit). */
async function run(
  cmd: readonly string[],
  options: { env?: Record<string, string>; rss?: RssMethod } = {},
): Promise<RunResult> {
  let argv = [...cmd];
  let rssFile: string | undefined;
  if (options.rss === "time") {
    rssFile = `${DATA}rss.txt`;
    argv = ["/usr/bin/time", "-f", "%M %U %S", "-o", rssFile, ...argv];
  }
  const start = performance.now();
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: REPO,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let polled = 0;
  let polling: Promise<void> | undefined;
  let done = false;
  if (options.rss === "proc") {
    // Deno needs --allow-all to read /proc itself, so `cat` reads it (--allow-run suffices).
    polling = (async () => {
      while (!done) {
        const status = await commandOutput("cat", [`/proc/${child.pid}/status`]);
        const hwm = status?.match(/^VmHWM:\s+(\d+)\s+kB/m);
        if (hwm) polled = Math.max(polled, Number(hwm[1]) * 1024);
        else if (!done) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }
  const out = await child.output();
  const ms = performance.now() - start;
  done = true;
  await polling;
  let peakRss: number | undefined;
  let cpuMs: number | undefined;
  if (rssFile) {
    // The last line is GNU time's (a failed command's status line comes before it).
    const [kib, user, system] = (await Deno.readTextFile(rssFile)).trim().split("\n").pop()!
      .split(" ").map(Number);
    if (Number.isFinite(kib) && kib > 0) peakRss = kib * 1024;
    if (Number.isFinite(user) && Number.isFinite(system)) cpuMs = (user + system) * 1000;
  } else if (options.rss === "proc" && polled > 0) {
    peakRss = polled;
  }
  return {
    code: out.code,
    ms,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    peakRss,
    ...(cpuMs !== undefined ? { cpuMs } : {}),
  };
}

async function commandOutput(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return out.success ? decoder.decode(out.stdout).trim() : undefined;
  } catch {
    return undefined;
  }
}

type RssMethod = "time" | "proc" | undefined;

/**
 * How peak RSS can be measured here: GNU time's %M, else polling VmHWM in /proc/PID/status (the
 * last value seen before exit), else not at all ("n/a").
 */
async function rssMethod(): Promise<RssMethod> {
  try {
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-f", "%M", "true"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (out.success && /^\d+\s*$/m.test(decoder.decode(out.stderr))) return "time";
  } catch {
    // not installed
  }
  return /VmHWM/.test(await commandOutput("cat", ["/proc/self/status"]) ?? "") ? "proc" : undefined;
}

// ---------------------------------------------------------------------------------------------
// Machine

async function machine(): Promise<string[]> {
  const nproc = await commandOutput("nproc", []) ?? String(navigator.hardwareConcurrency);
  let cpu = "unknown";
  // Deno needs --allow-all to read /proc itself, so `cat` reads it (--allow-run suffices).
  const info = await commandOutput("cat", ["/proc/cpuinfo"]);
  if (info) {
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
    const flags = info.match(/^flags\s*:\s*(.+)$/m)?.[1]?.split(/\s+/) ?? [];
    cpu += ` (${flags.includes("sha_ni") ? "SHA-NI" : "no SHA-NI"}${
      flags.includes("avx2") ? ", AVX2" : ""
    })`;
  }
  let memory = "unknown";
  try {
    memory = `${fmt(Deno.systemMemoryInfo().total / 2 ** 30, 1)} GiB`;
  } catch {
    // --allow-sys missing
  }
  const node = await commandOutput("node", ["--version"]) ?? "not found";
  const openssl = await commandOutput("openssl", ["version"]) ?? "not found";
  let os = Deno.build.os as string;
  try {
    os = `${Deno.build.os} ${Deno.osRelease()} (${Deno.build.arch})`;
  } catch {
    // --allow-sys missing
  }
  return [
    `date:    ${new Date().toISOString()}`,
    `machine: ${nproc} CPU(s), ${cpu}, ${memory} RAM, ${os}`,
    `deno:    ${Deno.version.deno} (V8 ${Deno.version.v8}) at ${DENO}`,
    `node:    ${node}`,
    `openssl: ${openssl}`,
    `commit:  ${await commit()}`,
    `load:    ${await loadAverage()} (1/5/15-min load average at start)`,
  ];
}

/** The commit measured, and whether the code under test had uncommitted changes. */
async function commit(): Promise<string> {
  const head = await commandOutput("git", ["-C", REPO, "log", "-1", "--format=%h %cI %s"]);
  if (!head) return "n/a";
  const dirty = await commandOutput("git", [
    "-C",
    REPO,
    "status",
    "--porcelain",
    "--",
    "cli.ts",
    "mod.ts",
    "lib",
    "roots",
  ]);
  return dirty ? `${head} (+ uncommitted changes to the code under test)` : head;
}

async function loadAverage(): Promise<string> {
  const text = await commandOutput("cat", ["/proc/loadavg"]);
  return text ? text.split(/\s+/).slice(0, 3).join(" ") : "n/a";
}

// ---------------------------------------------------------------------------------------------
// 1. hash throughput and peak RSS

async function ensureHashFile(bytes: number): Promise<string> {
  const label = bytes >= 2 ** 30 ? `${bytes / 2 ** 30}GiB` : `${bytes / 2 ** 20}MiB`;
  const path = `${DATA}hash-${label}.bin`;
  try {
    if ((await Deno.stat(path)).size === bytes) return path;
  } catch {
    // create it
  }
  console.error(`bench: creating ${path} (${label} of random bytes, once)…`);
  const chunk = new Uint8Array(8 * 1024 * 1024);
  const file = await Deno.open(`${path}.tmp`, { write: true, create: true, truncate: true });
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      for (let i = 0; i < chunk.length; i += 65536) {
        crypto.getRandomValues(chunk.subarray(i, i + 65536));
      }
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      let off = 0;
      while (off < part.length) off += await file.write(part.subarray(off));
    }
  } finally {
    file.close();
  }
  await Deno.rename(`${path}.tmp`, path);
  return path;
}

/** The median `hash` run of section 1, for a start-up-corrected figure in section 4. */
let hashRun: { bytes: number; ms: number } | undefined;

async function benchHash(s: Settings) {
  const size = s.hashBytes;
  const label = size >= 2 ** 30 ? `${size / 2 ** 30} GiB` : `${size / 2 ** 20} MiB`;
  const path = await ensureHashFile(size);
  const rss = await rssMethod();
  const mine: number[] = [];
  const ref: number[] = [];
  const myRss: number[] = [];
  const refRss: number[] = [];
  let myDigest = "";
  let refDigest = "";
  let opensslOk = true;
  const cargo = [DENO, "run", "--allow-read", CLI, "hash", path];
  const openssl = ["openssl", "dgst", "-sha256", path];
  // Warm the page cache (and Deno's code cache) so both read from memory.
  await run(cargo);
  try {
    await run(openssl);
  } catch {
    opensslOk = false;
  }
  for (let i = 0; i < s.hashRuns; i++) {
    const a = await run(cargo, { rss });
    if (a.code !== 0) throw new Error(`cli.ts hash exited ${a.code}: ${a.stderr.trim()}`);
    myDigest = a.stdout.trim().split(/\s+/)[0];
    mine.push(size / 1e6 / (a.ms / 1000));
    if (a.peakRss) myRss.push(a.peakRss);
    if (opensslOk) {
      const b = await run(openssl, { rss });
      if (b.code !== 0) {
        opensslOk = false;
        continue;
      }
      refDigest = b.stdout.trim().split(/\s+/).pop() ?? "";
      ref.push(size / 1e6 / (b.ms / 1000));
      if (b.peakRss) refRss.push(b.peakRss);
    }
  }
  const mbps = median(mine);
  hashRun = { bytes: size, ms: size / 1e6 / mbps * 1000 };
  const refMbps = ref.length ? median(ref) : undefined;
  const ratio = refMbps ? mbps / refMbps : undefined;
  row({
    n: "1",
    measure: `\`hash\` ${label} file, throughput (median of ${s.hashRuns}, wall incl. start-up)`,
    mine: `${fmt(mbps)} MB/s`,
    reference: refMbps ? `openssl dgst -sha256: ${fmt(refMbps)} MB/s` : "openssl: n/a",
    versus: ratio ? `${fmt(ratio, 2)}×` : "n/a",
    target: "≥ 0.90×",
    met: mark(ratio === undefined ? undefined : ratio >= 0.9),
  });
  const peak = myRss.length ? Math.max(...myRss) : undefined;
  const refPeak = refRss.length ? Math.max(...refRss) : undefined;
  row({
    n: "1",
    measure: `\`hash\` ${label} file, peak RSS of the process (${rss ?? "not measurable"})`,
    mine: peak ? `${fmt(peak / 1e6, 1)} MB` : "n/a",
    reference: refPeak ? `openssl: ${fmt(refPeak / 1e6, 1)} MB` : "openssl: n/a",
    versus: "",
    target: "< 100 MB",
    met: mark(peak === undefined ? undefined : peak < 100e6),
  });
  const agree = opensslOk ? myDigest === refDigest && /^[0-9a-f]{64}$/.test(myDigest) : undefined;
  row({
    n: "1",
    measure: "`hash` digest equals openssl's",
    mine: myDigest ? `${myDigest.slice(0, 16)}…` : "n/a",
    reference: refDigest ? `${refDigest.slice(0, 16)}…` : "n/a",
    versus: agree === undefined ? "n/a" : agree ? "identical" : "DIFFERENT",
    target: "identical",
    met: mark(agree),
  });
  if (rss === undefined) {
    notes.push("peak RSS: neither /usr/bin/time nor /proc is available (`apt-get install time`).");
  }
}

// ---------------------------------------------------------------------------------------------
// 2. in-process verification throughput

interface CaseJson {
  id: string;
  expect: "pass" | "fail";
  optional?: string;
  identity?: string;
  issuer?: string;
  key?: string;
  trusted_root?: string;
  bundle?: string;
  artifact?: string;
  digest?: string;
}

interface BenchCase {
  readonly id: string;
  readonly dir: string;
  readonly bundle: string;
  readonly artifact: string;
  readonly rootSpec: string;
  readonly identity?: string;
  readonly issuer?: string;
  readonly key?: string;
}

function passCases(): { cases: BenchCase[]; skipped: string[] } {
  const cases: BenchCase[] = [];
  const skipped: string[] = [];
  for (const entry of Deno.readDirSync(`${CORPUS}cases`)) {
    const dir = `${CORPUS}cases/${entry.name}`;
    const c: CaseJson = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`));
    if (c.expect !== "pass") continue;
    if (!c.artifact) {
      skipped.push(c.id); // digest-only: no artifact bytes for sigstore-js to verify against
      continue;
    }
    cases.push({
      id: c.id,
      dir,
      bundle: `${dir}/${c.bundle ?? "bundle.sigstore.json"}`,
      artifact: `${dir}/${c.artifact}`,
      rootSpec: c.trusted_root ?? "public-good",
      identity: c.identity,
      issuer: c.issuer,
      key: c.key ? `${dir}/${c.key}` : undefined,
    });
  }
  cases.sort((a, b) => a.id.localeCompare(b.id));
  return { cases, skipped };
}

/** The trusted-root file the CLI (and so the peer) is given for a case, if any. */
function rootFile(c: BenchCase): string | undefined {
  if (c.rootSpec === "public-good") return undefined;
  if (c.rootSpec === "staging") return `${CORPUS}roots/staging.trusted_root.json`;
  if (c.rootSpec === "github") return `${CORPUS}roots/github.trusted_root.json`;
  return `${c.dir}/${c.rootSpec}`;
}

interface Prepared {
  readonly id: string;
  readonly text: string;
  readonly artifact: Uint8Array;
  readonly roots: readonly TrustedRoot[];
  readonly key?: PublicKeyMaterial;
  readonly identity?: string;
  readonly issuer?: string;
}

const parsedRoots = new Map<string, Promise<TrustedRoot>>();

/** Roots as `verify-bundle` selects them: public-good then github, staging, or the given file. */
async function rootsFor(c: BenchCase): Promise<TrustedRoot[]> {
  if (c.rootSpec === "public-good") {
    return [await loadEmbeddedRoot("public-good"), await loadEmbeddedRoot("github")];
  }
  if (c.rootSpec === "staging") return [await loadEmbeddedRoot("staging")];
  const file = rootFile(c)!;
  let root = parsedRoots.get(file);
  if (!root) {
    root = parseTrustedRoot(await Deno.readTextFile(file), file);
    parsedRoots.set(file, root);
  }
  return [await root];
}

async function prepare(c: BenchCase): Promise<Prepared> {
  return {
    id: c.id,
    text: await Deno.readTextFile(c.bundle),
    artifact: await Deno.readFile(c.artifact),
    roots: await rootsFor(c),
    key: c.key ? parsePublicKeyPem(await Deno.readTextFile(c.key)) : undefined,
    identity: c.identity,
    issuer: c.issuer,
  };
}

function hashOf(algorithm: string, bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(bytes).digest());
}

/** One verification, as `verify-bundle` does it, with the artifact already in memory. */
async function verifyOnce(p: Prepared): Promise<void> {
  const parsed = parseBundle(p.text);
  if (!parsed.ok) throw new Error(`${parsed.code}: ${parsed.message}`);
  const input: ArtifactInput = {
    sha256: hashOf("sha256", p.artifact),
    digest: (algorithm) => Promise.resolve(hashOf(algorithm, p.artifact)),
    readAll: () => Promise.resolve(p.artifact),
    size: p.artifact.length,
  };
  const result = await verifyBundle(parsed.value, input, { roots: p.roots, key: p.key });
  if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  if (p.key) {
    if (!result.value.managedKey) throw new Error("expected a managed-key bundle");
    return;
  }
  if (!result.value.identity) throw new Error("expected a certificate bundle");
  const match = matchIdentity(result.value.identity, {
    san: p.identity,
    issuer: p.issuer === "" ? undefined : p.issuer,
  });
  if (!match.ok) throw new Error(`${match.code}: ${match.message}`);
}

async function pass(set: readonly Prepared[]): Promise<void> {
  for (const p of set) await verifyOnce(p);
}

async function warmup(set: readonly Prepared[], seconds: number): Promise<void> {
  const end = performance.now() + seconds * 1000;
  do await pass(set); while (performance.now() < end);
}

interface Round {
  readonly bundlesPerSecond: number;
  /** Process CPU time (user + system, all threads) per bundle, in ms. */
  readonly cpuMsPerBundle: number;
}

/** Verifies the whole set repeatedly for at least `seconds`. */
async function round(set: readonly Prepared[], seconds: number): Promise<Round> {
  let bundles = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let elapsed = 0;
  do {
    await pass(set);
    bundles += set.length;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  const used = process.cpuUsage(cpu);
  return {
    bundlesPerSecond: bundles / (elapsed / 1000),
    cpuMsPerBundle: (used.user + used.system) / 1000 / bundles,
  };
}

async function perCaseMicros(p: Prepared, seconds: number): Promise<number> {
  for (let i = 0; i < 5; i++) await verifyOnce(p);
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    await verifyOnce(p);
    n++;
    elapsed = performance.now() - start;
  } while (elapsed < seconds * 1000);
  return elapsed * 1000 / n;
}

/** Makes bench/data/peer-sigstore-js (a copy of the shared shim) and runs `npm ci` there once. */
async function ensurePeer(): Promise<void> {
  try {
    await Deno.stat(`${PEER_DIR}node_modules/@sigstore/verify/package.json`);
    return;
  } catch {
    // install it
  }
  console.error(`bench: copying ${PEER_SOURCE} to ${PEER_DIR} and running npm ci (once)…`);
  await Deno.mkdir(PEER_DIR, { recursive: true });
  for (const name of ["package.json", "package-lock.json", "sigstore-js-conformance.mjs"]) {
    await Deno.copyFile(`${PEER_SOURCE}/${name}`, `${PEER_DIR}${name}`);
  }
  const out = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund"],
    cwd: PEER_DIR,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`npm ci failed: ${decoder.decode(out.stderr).trim()}`);
}

interface PeerHello {
  node: string;
  versions: Record<string, string>;
  ids: string[];
  rejected: { id: string; error: string }[];
}

/** bench/peer_bench.mjs as a long-lived child: one JSON line per command (see that file). */
class Peer {
  private buffer = "";
  private stderr = "";
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly reader: ReadableStreamDefaultReader<string>,
    private readonly writer: WritableStreamDefaultWriter<Uint8Array>,
  ) {}

  static async start(cases: readonly BenchCase[]): Promise<{ peer: Peer; hello: PeerHello }> {
    const jobFile = `${DATA}peer-job.json`;
    const job = {
      peerDir: PEER_DIR,
      cases: cases.map((c) => ({
        id: c.id,
        bundle: c.bundle,
        artifact: c.artifact,
        root: rootFile(c) ?? "public-good",
        identity: c.identity,
        issuer: c.issuer,
        key: c.key,
      })),
    };
    await Deno.writeTextFile(jobFile, JSON.stringify(job, null, 2));
    const child = new Deno.Command("node", {
      args: [`${REPO}bench/peer_bench.mjs`, jobFile],
      cwd: REPO,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const peer = new Peer(
      child,
      child.stdout.pipeThrough(new TextDecoderStream()).getReader(),
      child.stdin.getWriter(),
    );
    (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        peer.stderr += text;
      }
    })();
    return { peer, hello: await peer.line() as unknown as PeerHello };
  }

  private async line(): Promise<Record<string, unknown>> {
    while (!this.buffer.includes("\n")) {
      const { value, done } = await this.reader.read();
      if (done) throw new Error(`peer_bench.mjs exited: ${this.stderr.trim() || "no output"}`);
      this.buffer += value;
    }
    const end = this.buffer.indexOf("\n");
    const text = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end + 1);
    return JSON.parse(text);
  }

  async command(text: string): Promise<Record<string, unknown>> {
    await this.writer.write(new TextEncoder().encode(text + "\n"));
    const answer = await this.line();
    if (answer.error) throw new Error(`peer_bench.mjs: ${answer.error}`);
    return answer;
  }

  async close(): Promise<void> {
    try {
      await this.writer.write(new TextEncoder().encode("quit\n"));
      await this.writer.close();
    } catch {
      // already gone
    }
    await this.child.status;
  }
}

async function benchInProcess(s: Settings) {
  const { cases, skipped } = passCases();
  // Every pass case cargo-attest verifies…
  const mineOk: BenchCase[] = [];
  const mineFailed: string[] = [];
  for (const c of cases) {
    try {
      await verifyOnce(await prepare(c));
      mineOk.push(c);
    } catch (error) {
      mineFailed.push(`${c.id} (${errorText(error)})`);
    }
  }
  // …of which the peer keeps those it verifies too.
  let peer: Peer | undefined;
  let hello: PeerHello | undefined;
  let peerError: string | undefined;
  try {
    await ensurePeer();
    ({ peer, hello } = await Peer.start(mineOk));
  } catch (error) {
    peerError = errorText(error);
  }
  const common = hello ? mineOk.filter((c) => hello!.ids.includes(c.id)) : mineOk;
  const set = await Promise.all(common.map(prepare));
  // Warm both up, then alternate rounds (peer first in even rounds, cargo-attest first in odd
  // ones) so that load from other processes on the machine affects both alike.
  const mine: Round[] = [];
  const ref: Round[] = [];
  try {
    await warmup(set, s.warmupSeconds);
    await peer?.command(`warmup ${s.warmupSeconds}`);
    for (let r = 0; r < s.rounds; r++) {
      const peerRound = async () => {
        if (!peer) return;
        const answer = await peer.command(`round ${s.roundSeconds}`);
        if (typeof answer.bundlesPerSecond === "number") ref.push(answer as unknown as Round);
      };
      if (r % 2 === 0) await peerRound();
      mine.push(await round(set, s.roundSeconds));
      if (r % 2 === 1) await peerRound();
    }
    if (s.perCase) perCaseTable = await perCaseBreakdown(set, peer, s);
  } finally {
    await peer?.close();
  }
  const rates = (xs: Round[]) => xs.map((x) => x.bundlesPerSecond);
  const mineRate = median(rates(mine));
  const refRate = ref.length ? median(rates(ref)) : undefined;
  const ratio = refRate ? mineRate / refRate : undefined;
  const peerLabel = hello
    ? `sigstore-js (@sigstore/verify ${hello.versions["@sigstore/verify"]}, Node ${hello.node})`
    : "sigstore-js";
  const spread = (xs: number[]) =>
    xs.length ? ` [${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}]` : "";
  row({
    n: "2",
    measure:
      `in-process verification of ${set.length} bundles both verify (median of ${s.rounds} ` +
      `alternating ${s.roundSeconds} s rounds [min–max], after ${s.warmupSeconds} s warm-up)`,
    mine: `${fmt(mineRate)} bundles/s${spread(rates(mine))}`,
    reference: refRate
      ? `${peerLabel}: ${fmt(refRate)} bundles/s${spread(rates(ref))}`
      : `${peerLabel}: n/a`,
    versus: ratio ? `${fmt(ratio, 2)}×` : "n/a",
    target: "≥ 2.00×",
    met: mark(ratio === undefined ? undefined : ratio >= 2),
  });
  const cpuMs = (xs: Round[]) => fmt(median(xs.map((x) => x.cpuMsPerBundle)), 2);
  notes.push(
    `(2) process CPU time per verification (user + system, all threads; median of the rounds): ` +
      `cargo-attest ${cpuMs(mine)} ms, sigstore-js ${ref.length ? cpuMs(ref) : "n/a"} ms ` +
      `(wall time per verification: ${fmt(1000 / mineRate, 2)} ms and ${
        refRate ? fmt(1000 / refRate, 2) : "n/a"
      } ms).`,
  );
  notes.push(
    `(2) set: ${set.length} of the corpus' ${
      cases.length + skipped.length
    } pass cases. Left out: digest-only ` +
      `cases (${skipped.join(", ") || "none"})` +
      (mineFailed.length ? `; cargo-attest failed: ${mineFailed.join("; ")}` : "") +
      (hello?.rejected.length
        ? `; sigstore-js failed: ${hello.rejected.map((r) => `${r.id} (${r.error})`).join("; ")}`
        : "") +
      (peerError ? `; peer unavailable: ${peerError}` : "") + ".",
  );
}

async function perCaseBreakdown(
  set: readonly Prepared[],
  peer: Peer | undefined,
  s: Settings,
): Promise<string> {
  const seconds = Math.max(0.2, s.roundSeconds / 5);
  const peerUs = (peer ? (await peer.command(`percase ${seconds}`)).perCase : {}) as Record<
    string,
    number
  >;
  const lines = [
    "",
    "per bundle, in-process (µs per verification, lower is better):",
    "",
    "| case | cargo-attest µs | sigstore-js µs | sigstore-js / cargo-attest |",
    "| ---- | --------------: | -------------: | -------------------------: |",
  ];
  for (const p of set) {
    const mineUs = await perCaseMicros(p, seconds);
    const theirs = peerUs[p.id];
    lines.push(
      `| ${p.id} | ${fmt(mineUs)} | ${theirs ? fmt(theirs) : "n/a"} | ${
        theirs ? fmt(theirs / mineUs, 2) + "×" : "n/a"
      } |`,
    );
  }
  return lines.join("\n");
}

let perCaseTable = "";

// ---------------------------------------------------------------------------------------------
// 3. one process per verification

const PROCESS_CASES = [
  "conf-happy-path-v0.3",
  "gh-sigstore-js-2.1.0-v0.3",
  "conf-rekor2-happy-path",
  "gh-github-provenance-demo",
];

function protocolArgs(c: BenchCase): string[] {
  const args = ["verify-bundle"];
  if (c.rootSpec === "staging") args.push("--staging");
  args.push("--bundle", c.bundle);
  if (c.key) args.push("--key", c.key);
  else args.push("--certificate-identity", c.identity!, "--certificate-oidc-issuer", c.issuer!);
  const file = c.rootSpec === "staging" ? undefined : rootFile(c);
  if (file) args.push("--trusted-root", file);
  args.push(c.artifact);
  return args;
}

async function benchProcesses(s: Settings) {
  const { cases } = passCases();
  const shim = `${PEER_DIR}sigstore-js-conformance.mjs`;
  let peerOk = true;
  try {
    await ensurePeer();
  } catch (error) {
    peerOk = false;
    notes.push(`(3) peer unavailable: ${errorText(error)}`);
  }
  const env = { PEER_STAGING_TRUSTED_ROOT: `${CORPUS}roots/staging.trusted_root.json` };
  for (const id of PROCESS_CASES) {
    const c = cases.find((x) => x.id === id);
    if (!c) continue;
    const args = protocolArgs(c);
    const mineCmd = [DENO, "run", "--allow-read", "--allow-env", CLI, ...args];
    const peerCmd = ["node", shim, ...args];
    await run(mineCmd); // warm-up (code cache)
    if (peerOk) await run(peerCmd, { env });
    const mine: number[] = [];
    const ref: number[] = [];
    let failures = "";
    for (let i = 0; i < s.processRuns; i++) {
      const a = await run(mineCmd);
      if (a.code !== 0) failures = `cargo-attest exit ${a.code}: ${a.stderr.trim()}`;
      mine.push(a.ms);
      if (peerOk) {
        const b = await run(peerCmd, { env });
        if (b.code !== 0) failures = `sigstore-js exit ${b.code}: ${b.stderr.trim()}`;
        ref.push(b.ms);
      }
    }
    if (failures) notes.push(`(3) ${id}: ${failures}`);
    const m = median(mine);
    const r = ref.length ? median(ref) : undefined;
    row({
      n: "3",
      measure: `\`verify-bundle\` process, ${id} (median of ${s.processRuns} (min))`,
      mine: `${fmt(m, 1)} ms (${fmt(Math.min(...mine), 1)})`,
      reference: r
        ? `sigstore-js shim (node): ${fmt(r, 1)} ms (${fmt(Math.min(...ref), 1)})`
        : "sigstore-js shim: n/a",
      versus: r ? `${fmt(r / m, 2)}× faster` : "n/a",
      target: "≥ 2.00× faster",
      met: failures ? "✗" : r ? mark(r / m >= 2) : "",
    });
  }
}

// ---------------------------------------------------------------------------------------------
// 4. start-up

async function medianMs(
  cmd: string[],
  runs: number,
): Promise<{ ms: number; min: number; code: number }> {
  await run(cmd);
  const times: number[] = [];
  let code = 0;
  for (let i = 0; i < runs; i++) {
    const r = await run(cmd);
    code ||= r.code;
    times.push(r.ms);
  }
  return { ms: median(times), min: Math.min(...times), code };
}

async function benchStartup(s: Settings) {
  const empty = `${DATA}empty.ts`;
  const small = `${DATA}small.txt`;
  await Deno.writeTextFile(empty, "");
  await Deno.writeTextFile(small, "cargo-attest start-up benchmark\n".repeat(128));
  const base = await medianMs([DENO, "run", empty], s.startupRuns);
  const nodeBase = await medianMs(["node", "-e", ""], s.startupRuns).catch(() => undefined);
  row({
    n: "4",
    measure: `start-up baseline: \`deno run\` of an empty script (median of ${s.startupRuns} ` +
      `(min))`,
    mine: `${fmt(base.ms, 1)} ms (${fmt(base.min, 1)})`,
    reference: nodeBase
      ? `\`node -e ''\`: ${fmt(nodeBase.ms, 1)} ms (${fmt(nodeBase.min, 1)})`
      : "node: n/a",
    versus: "",
    target: "—",
    met: "",
  });
  const probes: [string, string[]][] = [
    ["`cli.ts --help`", ["--help"]],
    ["`cli.ts hash` of a 4 KiB file", ["hash", small]],
  ];
  for (const [label, args] of probes) {
    const r = await medianMs([DENO, "run", "--allow-read", CLI, ...args], s.startupRuns);
    if (args[0] === "hash" && hashRun && r.code === 0) {
      notes.push(
        `(1) net of the start-up measured in (4) (${fmt(r.ms, 1)} ms), \`hash\` runs at ${
          fmt(hashRun.bytes / 1e6 / ((hashRun.ms - r.ms) / 1000))
        } MB/s.`,
      );
    }
    row({
      n: "4",
      measure: `start-up: ${label} (median of ${s.startupRuns} (min))`,
      mine: `${fmt(r.ms, 1)} ms (${fmt(r.min, 1)})`,
      reference: `empty Deno script: ${fmt(base.ms, 1)} ms`,
      versus: `+${fmt(r.ms - base.ms, 1)} ms`,
      target: "< 60 ms",
      met: r.code !== 0 ? "✗" : mark(r.ms < 60),
    });
  }
}

// ---------------------------------------------------------------------------------------------

async function section(name: string, fn: () => Promise<void>) {
  const t0 = performance.now();
  console.error(`bench: ${name}…`);
  try {
    await fn();
  } catch (error) {
    notes.push(`${name}: could not be measured: ${errorText(error)}`);
  }
  console.error(`bench: ${name} done in ${fmt((performance.now() - t0) / 1000, 1)} s`);
}

if (import.meta.main) {
  const s = settings(Deno.args);
  await Deno.mkdir(DATA, { recursive: true });
  const header = await machine();
  if (!s.lockOnly && !s.processOnly) {
    await section("1. hash", () => benchHash(s));
    await section("2. in-process verification", () => benchInProcess(s));
  }
  if (!s.lockOnly) {
    await section("3. verify-bundle processes", () => benchProcesses(s));
    await section("4. start-up", () => benchStartup(s));
  }
  if (!s.processOnly) {
    await section("5. lock", async () =>
      benchLock({
        dataDir: DATA,
        repoDir: REPO,
        rounds: s.lockRounds,
        jobs: 16,
        cpuProfDir: s.cpuProf ? `${DATA}lock-profiles` : undefined,
      }, {
        run,
        rss: await rssMethod(),
        row,
        note: (text) => notes.push(text),
      }));
  }
  notes.push(
    `load average (1/5/15 min) at the end: ${await loadAverage()}; other processes share this ` +
      "machine, so runs and rounds of the two sides are interleaved and medians are reported.",
  );
  console.log(
    [
      `cargo-attest benchmark${s.quick ? " (--quick: smoke run, not representative)" : ""}`,
      ...header,
      `command: deno task bench${Deno.args.length ? " " + Deno.args.join(" ") : ""}`,
      "",
      renderTable(),
      "",
      ...[...notes].sort((a, b) => a.slice(0, 3).localeCompare(b.slice(0, 3))).map((n) => `- ${n}`),
      perCaseTable,
    ].join("\n"),
  );
  const missed = rows.filter((r) => r.met === "✗").length;
  console.log(
    missed ? `\n${missed} target(s) missed (✗).` : "\nall targets met (✓) where one is set.",
  );
}
