/**
 * Section 5 of `deno task bench`: `cargo-attest lock` of a 300-crate Cargo.lock (and of the
 * deno-shaped 1,000-crate one, with fakes of its own, measured the same way) against loopback
 * fakes of crates.io and GitHub (`tests/support/fake_crates_io.ts`, `fake_github.ts`) serving
 * real-sized crates (`bench/lock_data.ts`: median 60 KiB compressed) and their repositories, so
 * that `crate-checksum`, `crate-vcs`, `crate-source` and `trusted-publishing` all really run.
 *
 * The fakes run in the bench process; the CLI runs as a subprocess with the permissions of
 * `deno task run` (`cli.ts lock FILE --jobs 16 --json`), pointed at the fakes by
 * `CARGO_ATTEST_CRATES_*_URL` / `CARGO_ATTEST_GITHUB_API_URL`, with `GH_TOKEN` set. Each round
 * uses a fresh `CARGO_ATTEST_CACHE_DIR` (under `bench/data/`) for three runs: cold (empty cache),
 * warm (same cache, within the TTL) and `--offline` (same cache), then one `--no-cache` run
 * (nothing read or written: the cost of verification without the cache's). Every run must exit 0
 * with every crate TRUSTED; the fakes' request logs give the requests of each run. The same is done
 * for a lock of every tenth crate (30), the reference that shows how time and memory grow with
 * the lock's size, and for a lock with no registry crate (the fixed cost: start-up, policy,
 * roots, report).
 * @module
 */
import process from "node:process";
import { startFakeCratesIo } from "../tests/support/fake_crates_io.ts";
import { startFakeGithub } from "../tests/support/fake_github.ts";
import { ensureLockData, type LockData } from "./lock_data.ts";
import { fmt, median } from "./numbers.ts";

/** A row of bench.ts's table. */
export interface LockRow {
  readonly n: string;
  readonly measure: string;
  readonly mine: string;
  readonly reference: string;
  readonly versus: string;
  readonly target: string;
  readonly met: "✓" | "✗" | "";
}

/** What bench.ts lends this section. */
export interface LockBenchHooks {
  /** Runs a command to completion: exit code, wall ms (spawn to exit), output, peak RSS. */
  run(
    cmd: readonly string[],
    options: { env?: Record<string, string>; rss?: "time" | "proc" },
  ): Promise<
    { code: number; ms: number; stdout: string; stderr: string; peakRss?: number; cpuMs?: number }
  >;
  /** How peak RSS is measured here (undefined: not at all). */
  readonly rss: "time" | "proc" | undefined;
  row(r: LockRow): void;
  note(text: string): void;
}

/** Settings of this section. */
export interface LockBenchSettings {
  /** `bench/data/` (ends with `/`). */
  readonly dataDir: string;
  /** The repository root (ends with `/`). */
  readonly repoDir: string;
  /** Rounds (each: cold, warm, offline, for both lock sizes). */
  readonly rounds: number;
  readonly jobs: number;
  /** Where to write `--cpu-prof` profiles of the first round's 300-crate runs, if anywhere. */
  readonly cpuProfDir?: string;
}

type Mode = "cold" | "warm" | "offline" | "no-cache";
/** In this order in each round: warm and offline reuse the cold run's cache. */
const MODES: readonly Mode[] = ["cold", "warm", "offline", "no-cache"];
/** The modes the issues set targets for (and whose requests are reported). */
const CACHE_MODES: readonly Mode[] = ["cold", "warm", "offline"];

interface Measured {
  ms: number;
  rss?: number;
  /** CPU time of the CLI (user + system, all its threads), when measured. */
  cpuMs?: number;
  requests: number;
  byRoute: Record<string, number>;
  /** CPU time of the bench process (the fakes, mostly) during the run. */
  fakeCpuMs: number;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${fmt(ms / 1000, 2)} s` : `${fmt(ms)} ms`;
}

/** Which route a fake saw a request on, for the per-run breakdown. */
/** The requests the fakes saw since `c0`/`g0`, by route. */
function routesSince(
  crates: { requests: readonly { host: string; path: string }[] },
  gh: { requests: readonly { path: string }[] },
  c0: number,
  g0: number,
): Record<string, number> {
  const byRoute: Record<string, number> = {};
  for (const q of crates.requests.slice(c0)) {
    const k = route(q.host, q.path);
    byRoute[k] = (byRoute[k] ?? 0) + 1;
  }
  for (const q of gh.requests.slice(g0)) {
    const k = route("github", q.path);
    byRoute[k] = (byRoute[k] ?? 0) + 1;
  }
  return byRoute;
}

function route(host: string, path: string): string {
  if (host === "index" || host === "dl") return `crates.io ${host}`;
  if (host === "api") return "crates.io api";
  if (host === "other") return "crates.io other";
  const m = path.match(
    /^\/repos\/[^/]+\/[^/]+\/(tags|commits|compare|git\/trees|git\/ref|git\/blobs|attestations|actions\/runs)/,
  );
  if (m) return `github ${m[1]}`;
  if (/^\/(orgs|users)\/[^/]+\/attestations\/bulk-list/.test(path)) {
    return "github attestations/bulk-list";
  }
  if (/^\/repos\/[^/]+\/[^/?]+(\?|$)/.test(path)) return "github repository";
  return `github ${path.split("?")[0]}`;
}

async function directorySize(dir: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  const walk = async (d: string) => {
    for await (const entry of Deno.readDir(d)) {
      const path = `${d}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) {
        files++;
        bytes += (await Deno.stat(path)).size;
      }
    }
  };
  await walk(dir).catch(() => {});
  return { files, bytes };
}

/** Summarizes the data set for the notes. */
function describe(data: LockData): string {
  const sizes = data.crates.map((c) => c.bytes).sort((a, b) => a - b);
  const unpacked = data.crates.reduce((s, c) => s + c.unpackedBytes, 0);
  const total = sizes.reduce((s, b) => s + b, 0);
  const files = data.crates.map((c) => c.files).sort((a, b) => a - b);
  const members = new Map<string, number>();
  for (const c of data.crates) members.set(c.repository, (members.get(c.repository) ?? 0) + 1);
  const workspaces = [...members.values()].filter((k) => k > 1).length;
  const largest = Math.max(...members.values());
  const mostTags = Math.max(...data.repositories.map((r) => r.tags.length));
  const tags = data.repositories.reduce((s, r) => s + r.tags.length, 0);
  return `(5) data: ${data.crates.length} crates (bench/data/${data.dir.split("/").pop()}/, ` +
    `${data.generated ? `generated in ${fmt(data.generateSeconds ?? 0, 1)} s` : "reused"}): ` +
    `.crate sizes median ${fmt(median(sizes) / 1024, 1)} KiB, mean ${
      fmt(total / sizes.length / 1024, 1)
    } KiB, max ${fmt(sizes[sizes.length - 1] / 1024)} KiB, total ${fmt(total / 1e6, 1)} MB ` +
    `(${fmt(unpacked / 1e6, 1)} MB unpacked, ${fmt(unpacked / total, 1)}×); ${
      files.reduce((s, n) => s + n, 0)
    } files (median ${median(files)} per crate); ${data.repositories.length} GitHub repositories ` +
    `(${workspaces} workspaces, the largest of ${largest} crates), ${tags} tags (at most ` +
    `${mostTags} in one repository).`;
}

/** Runs section 5 and reports through `hooks`. */
export async function benchLock(s: LockBenchSettings, hooks: LockBenchHooks): Promise<void> {
  const data = await ensureLockData(`${s.dataDir}lock300`);
  hooks.note(describe(data));
  const large = await ensureLockData(`${s.dataDir}lock1000`, "large");
  hooks.note(describe(large));
  const cratesIo = startFakeCratesIo(data.fakeCrates);
  const github = startFakeGithub([], { repositories: data.repositories });
  // The deno-shaped lock has fakes of its own (its crates are other crates of the same names).
  const largeCratesIo = startFakeCratesIo(large.fakeCrates);
  const largeGithub = startFakeGithub([], { repositories: large.repositories });
  const deno = Deno.execPath();
  const cli = `${s.repoDir}cli.ts`;
  const baseEnv: Record<string, string> = {
    ...cratesIo.env,
    CARGO_ATTEST_GITHUB_API_URL: github.apiUrl,
    GH_TOKEN: "ghp_cargo_attest_bench",
    CARGO_ATTEST_CACHE_TTL: "10m",
  };
  const largeEnv: Record<string, string> = {
    ...baseEnv,
    ...largeCratesIo.env,
    CARGO_ATTEST_GITHUB_API_URL: largeGithub.apiUrl,
  };
  const command = (lock: string, mode: Mode, prof?: string) => [
    deno,
    "run",
    ...(prof ? ["--cpu-prof", `--cpu-prof-dir=${prof}`] : []),
    "--allow-read",
    "--allow-env",
    "--allow-net",
    "--allow-write",
    cli,
    "lock",
    lock,
    "--jobs",
    String(s.jobs),
    "--json",
    ...(mode === "offline" ? ["--offline"] : mode === "no-cache" ? ["--no-cache"] : []),
  ];
  const sizes = [
    {
      label: "30",
      file: data.lock30File,
      crates: Math.ceil(data.crates.length / 10),
      large: false,
    },
    { label: "300", file: data.lockFile, crates: data.crates.length, large: false },
    { label: "1000", file: large.lockFile, crates: large.crates.length, large: true },
  ] as const;
  const results: Record<string, Record<Mode, Measured[]>> = {};
  for (const size of sizes) {
    results[size.label] = { cold: [], warm: [], offline: [], "no-cache": [] };
  }
  const empty: Measured[] = [];
  const failures: string[] = [];
  let runs = 0;
  let cacheAfterCold: { files: number; bytes: number } | undefined;
  let largeCacheAfterCold: { files: number; bytes: number } | undefined;

  const measure = async (
    lock: string,
    expected: number,
    mode: Mode,
    cacheDir: string,
    label: string,
    prof?: string,
    onLarge = false,
  ): Promise<Measured> => {
    const fakes = onLarge
      ? { crates: largeCratesIo, gh: largeGithub, env: largeEnv }
      : { crates: cratesIo, gh: github, env: baseEnv };
    const c0 = fakes.crates.requests.length;
    const g0 = fakes.gh.requests.length;
    const cpu0 = process.cpuUsage();
    const r = await hooks.run(command(lock, mode, prof), {
      env: { ...fakes.env, CARGO_ATTEST_CACHE_DIR: cacheDir },
      rss: prof ? undefined : hooks.rss,
    });
    const cpu = process.cpuUsage(cpu0);
    runs++;
    const byRoute = routesSince(fakes.crates, fakes.gh, c0, g0);
    const requests = fakes.crates.requests.length - c0 + fakes.gh.requests.length - g0;
    // Every run must exit 0 with every crate TRUSTED. A lock with no registry crate has no
    // subject: "nothing to verify", TRUSTED (exit 0) too.
    const expectedExit = 0;
    let problem: string | undefined;
    try {
      const report = JSON.parse(r.stdout) as {
        subjects: {
          subject: { name: string; version: string };
          verdict: string;
          checks: { id: string; status: string; code: string; message: string }[];
        }[];
      };
      const trusted = report.subjects.filter((x) => x.verdict === "TRUSTED").length;
      if (report.subjects.length !== expected || trusted !== expected || r.code !== expectedExit) {
        const bad = report.subjects.filter((x) => x.verdict !== "TRUSTED").slice(0, 2).map((x) =>
          `${x.subject.name}@${x.subject.version} ${x.verdict}: ` +
          x.checks.filter((c) => c.status !== "pass").map((c) => `${c.id} ${c.status} ${c.code}`)
            .join(", ")
        );
        problem = `exit ${r.code}, ${trusted}/${expected} TRUSTED of ${report.subjects.length} ` +
          `subjects${bad.length ? ` (${bad.join("; ")})` : ""}`;
      }
    } catch {
      problem = `exit ${r.code}, no JSON report: ${r.stderr.trim().slice(0, 300)}`;
    }
    if (problem) failures.push(`${label} ${mode}: ${problem}`);
    return {
      ms: r.ms,
      rss: r.peakRss,
      ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}),
      requests,
      byRoute,
      fakeCpuMs: (cpu.user + cpu.system) / 1000,
    };
  };

  /** A cold `lock --base` of the 300-crate lock where 10 crates changed. */
  const measurePullRequest = async (): Promise<Measured> => {
    const cacheDir = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
    try {
      const c0 = cratesIo.requests.length;
      const g0 = github.requests.length;
      const r = await hooks.run([...command(data.lockFile, "cold"), "--base", baseFile], {
        env: { ...baseEnv, CARGO_ATTEST_CACHE_DIR: cacheDir },
        rss: hooks.rss,
      });
      runs++;
      const requests = cratesIo.requests.length - c0 + github.requests.length - g0;
      try {
        const report = JSON.parse(r.stdout) as {
          verdict: string;
          subjects: { verdict: string; change?: { kind: string } }[];
        };
        const changed = report.subjects.filter((x) => x.change?.kind === "updated");
        const trusted = changed.filter((x) => x.verdict === "TRUSTED").length;
        if (r.code !== 0 || report.verdict !== "TRUSTED" || trusted !== CHANGED) {
          failures.push(
            `pull request: exit ${r.code}, ${report.verdict}, ${trusted}/${CHANGED} changed TRUSTED`,
          );
        }
      } catch {
        failures.push(`pull request: exit ${r.code}, no JSON report`);
      }
      const byRoute = routesSince(cratesIo, github, c0, g0);
      return { ms: r.ms, rss: r.peakRss, requests, byRoute, fakeCpuMs: 0 };
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  };

  // A pull request against the 300-crate lock: its base lock has 10 crates at other versions,
  // so `lock --base` verifies those 10 (as updates) and lists the other 290 as unchanged.
  const baseFile = `${s.dataDir}/lock300-base.Cargo.lock`;
  const CHANGED = 10;
  /** The changed crates, as `crate` takes them (NAME@VERSION of the new lock). */
  const changedSpecs: string[] = [];
  {
    const text = (await Deno.readTextFile(data.lockFile)).replace(
      /(\[\[package\]\]\nname = "([^"]+)"\nversion = ")([^"]+)("\nsource = "registry)/g,
      (all, head: string, name: string, version: string, tail: string) => {
        if (changedSpecs.length >= CHANGED) return all;
        changedSpecs.push(`${name}@${version}`);
        return `${head}0.0.1${tail}`;
      },
    );
    await Deno.writeTextFile(baseFile, text);
  }
  /**
   * Requests of cold `crate` runs of exactly the changed crates and of the versions they replace
   * (which an update is compared with), in one cache: what a PR run may spend.
   */
  const changedAlone = async (): Promise<number> => {
    const cacheDir = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
    try {
      const c0 = cratesIo.requests.length;
      const g0 = github.requests.length;
      const args = command(data.lockFile, "cold");
      const at = args.indexOf("lock");
      const replaced = changedSpecs.map((spec) => `${spec.slice(0, spec.lastIndexOf("@"))}@0.0.1`);
      for (const specs of [changedSpecs, replaced]) {
        await hooks.run([...args.slice(0, at), "crate", ...specs, "--json"], {
          env: { ...baseEnv, CARGO_ATTEST_CACHE_DIR: cacheDir },
        });
      }
      aloneRoutes = routesSince(cratesIo, github, c0, g0);
      return cratesIo.requests.length - c0 + github.requests.length - g0;
    } finally {
      await Deno.remove(cacheDir, { recursive: true });
    }
  };
  let aloneRoutes: Record<string, number> = {};
  let aloneRequests = 0;
  const pullRequests: Measured[] = [];
  try {
    // Deno's code cache for cli.ts, so that "cold" means a cold cargo-attest cache only.
    const warmup = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
    try {
      await measure(data.emptyLockFile, 0, "cold", warmup, "warm-up");
    } finally {
      await Deno.remove(warmup, { recursive: true });
    }
    for (let round = 0; round < s.rounds; round++) {
      for (const size of sizes) {
        const cacheDir = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
        try {
          for (const mode of MODES) {
            const m = await measure(
              size.file,
              size.crates,
              mode,
              cacheDir,
              `${size.label} crates`,
              undefined,
              size.large,
            );
            results[size.label][mode].push(m);
            if (mode === "cold" && size.label === "300" && round === 0) {
              cacheAfterCold = await directorySize(cacheDir);
            }
            if (mode === "cold" && size.label === "1000" && round === 0) {
              largeCacheAfterCold = await directorySize(cacheDir);
            }
          }
        } finally {
          await Deno.remove(cacheDir, { recursive: true });
        }
      }
      const cacheDir = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
      try {
        empty.push(await measure(data.emptyLockFile, 0, "warm", cacheDir, "empty lock"));
      } finally {
        await Deno.remove(cacheDir, { recursive: true });
      }
      pullRequests.push(await measurePullRequest());
      if (round === 0) aloneRequests = await changedAlone();
    }
    if (s.cpuProfDir) {
      // Separate runs with --cpu-prof (profiling slows them; not in the figures).
      await Deno.mkdir(s.cpuProfDir, { recursive: true });
      const cacheDir = await Deno.makeTempDir({ dir: s.dataDir, prefix: "lock-cache-" });
      try {
        for (const mode of CACHE_MODES) {
          const dir = `${s.cpuProfDir}/${mode}`;
          await Deno.mkdir(dir, { recursive: true });
          await measure(data.lockFile, data.crates.length, mode, cacheDir, "profiled", dir);
        }
      } finally {
        await Deno.remove(cacheDir, { recursive: true });
      }
      hooks.note(
        `(5) CPU profiles of a cold, a warm and an offline 300-crate run: ${s.cpuProfDir}/`,
      );
    }
  } finally {
    await cratesIo.close();
    await github.close();
    await largeCratesIo.close();
    await largeGithub.close();
  }

  const of = (label: string, mode: Mode) => results[label][mode];
  const ms = (xs: Measured[]) => xs.map((x) => x.ms);
  const rsses = (xs: Measured[]) => xs.flatMap((x) => (x.rss ? [x.rss] : []));
  const spread = (xs: number[], f: (x: number) => string) =>
    xs.length > 1 ? ` [${f(Math.min(...xs))}–${f(Math.max(...xs))}]` : "";
  /** Targets per lock size and mode (#15: 300 warm < 0.25 s; 1,000 cold < 5 s, warm < 0.4 s). */
  const targets: Record<string, Record<Mode, number | undefined>> = {
    "300": { cold: 3000, warm: 250, offline: undefined, "no-cache": undefined },
    "1000": { cold: 5000, warm: 400, offline: undefined, "no-cache": undefined },
  };
  const title: Record<Mode, string> = {
    cold: "cold cache",
    warm: "warm cache (within the TTL)",
    offline: "`--offline` (warm cache)",
    "no-cache": "`--no-cache` (nothing read or written)",
  };
  const crates: Record<string, number> = Object.fromEntries(sizes.map((x) => [x.label, x.crates]));
  /** The rows of one lock size, against the next smaller size. */
  const rowsFor = (label: string, smaller: string) => {
    const n = crates[label];
    const ref = crates[smaller];
    const dataDir = label === "1000" ? "lock1000" : "lock300";
    for (const mode of MODES) {
      const big = ms(of(label, mode));
      const small = ms(of(smaller, mode));
      const t = median(big);
      const target = targets[label][mode];
      hooks.row({
        n: "5",
        measure: `\`lock\` ${n} crates (${dataDir}), ${title[mode]}, \`--jobs ${s.jobs}\`, wall ` +
          `incl. start-up (median of ${big.length}${big.length > 1 ? " [min–max]" : ""})`,
        mine: `${seconds(t)}${spread(big, seconds)}`,
        reference: `${ref} crates: ${seconds(median(small))}`,
        versus: `${fmt(t / median(small), 1)}× for ${fmt(n / ref, 1)}× the crates`,
        target: target === undefined ? "—" : `< ${seconds(target)}`,
        met: target === undefined ? "" : t < target ? "✓" : "✗",
      });
    }
    for (const mode of MODES) {
      const big = rsses(of(label, mode));
      const small = rsses(of(smaller, mode));
      const peak = big.length ? Math.max(...big) : undefined;
      const smallPeak = small.length ? Math.max(...small) : undefined;
      hooks.row({
        n: "5",
        measure: `\`lock\` ${n} crates, ${title[mode]}, peak RSS (${
          hooks.rss ?? "not measurable"
        }; max of ${big.length})`,
        mine: peak ? `${fmt(peak / 1e6, 1)} MB` : "n/a",
        reference: smallPeak ? `${ref} crates: ${fmt(smallPeak / 1e6, 1)} MB` : "n/a",
        versus: peak && smallPeak
          ? `${peak >= smallPeak ? "+" : "−"}${fmt(Math.abs(peak - smallPeak) / 1e6, 1)} MB`
          : "",
        target: "< 150 MB",
        met: peak === undefined ? "" : peak < 150e6 ? "✓" : "✗",
      });
    }
    for (const mode of CACHE_MODES) {
      const big = of(label, mode).map((x) => x.requests);
      const small = of(smaller, mode).map((x) => x.requests);
      const most = Math.max(...big);
      hooks.row({
        n: "5",
        measure: `\`lock\` ${n} crates, ${
          title[mode]
        }, requests the fakes saw (most of ${big.length})`,
        mine: fmt(most),
        reference: `${ref} crates: ${fmt(Math.max(...small))}`,
        versus: mode === "cold" ? `${fmt(most / n, 2)} per crate` : "",
        target: mode === "cold" ? "—" : "0",
        met: mode === "cold" ? "" : most === 0 ? "✓" : "✗",
      });
    }
  };
  rowsFor("300", "30");
  rowsFor("1000", "300");
  // Growth: what one crate costs at each size (the cost per crate must not grow with the lock).
  const githubOf = (m: Measured) =>
    Object.entries(m.byRoute).reduce((sum, [k, v]) => sum + (k.startsWith("github") ? v : 0), 0);
  for (const mode of ["cold", "warm"] as const) {
    const perCrate = sizes.map((x) => {
      const runs = of(x.label, mode);
      const most = (f: (m: Measured) => number) => Math.max(...runs.map(f)) / x.crates;
      return `${x.label}: ${fmt(median(ms(runs)) / x.crates, 2)} ms, ${
        fmt(most(githubOf), 2)
      } GitHub + ${fmt(most((m) => m.requests - githubOf(m)), 2)} crates.io req`;
    });
    hooks.row({
      n: "5",
      measure: `\`lock\` ${title[mode]}: wall time, GitHub and crates.io requests per crate, ` +
        "by lock size (medians; start-up included)",
      mine: perCrate.join("; "),
      reference: "",
      versus: "",
      target: "—",
      met: "",
    });
  }
  const n = data.crates.length;
  hooks.row({
    n: "5",
    measure: `\`lock\` verdicts: every crate TRUSTED and exit 0, in every run (${runs} runs)`,
    mine: failures.length
      ? `${failures.length} run(s) failed`
      : sizes.map((x) => `${x.crates}/${x.crates}`).join(", ") + " TRUSTED",
    reference: "",
    versus: "",
    target: "all TRUSTED",
    met: failures.length ? "✗" : "✓",
  });
  if (pullRequests.length > 0) {
    const prMs = ms(pullRequests);
    const prRequests = Math.max(...pullRequests.map((x) => x.requests));
    // An update that was trusted-published has its publishing run read (the workflow of the
    // version it replaces is compared with it); \`crate\` alone reads runs only for a signer rule.
    const runsRead = Math.max(
      ...pullRequests.map((x) =>
        Object.entries(x.byRoute).reduce(
          (n, [k, v]) => n + (k === "github actions/runs" ? v : 0),
          0,
        )
      ),
    );
    hooks.row({
      n: "5",
      measure: `\`lock --base\` of ${n} crates where ${CHANGED} changed, cold, wall incl. ` +
        `start-up (median of ${prMs.length}${spread(prMs, seconds)})`,
      mine: `${seconds(median(prMs))}, ${fmt(prRequests)} requests (${runsRead} of them the ` +
        "publishing runs of the trusted-published updates, read to compare their workflows)",
      reference: `\`crate\` of those ${CHANGED} and the versions they replace, cold: ` +
        `${fmt(aloneRequests)} requests`,
      versus: "",
      target: "< 600 ms, no more requests than those plus the runs compared",
      met: median(prMs) < 600 && prRequests <= aloneRequests + runsRead ? "✓" : "✗",
    });
    const routes = (m: Record<string, number>) =>
      Object.entries(m).sort().map(([k, v]) => `${k} ${v}`).join(", ");
    hooks.note(
      `(5) requests of the \`lock --base\` run by route: ${routes(pullRequests[0].byRoute)}; ` +
        `of the \`crate\` runs of the changed crates and the versions they replace: ` +
        `${routes(aloneRoutes)}.`,
    );
  }
  for (const label of ["300", "1000"]) {
    const cold = of(label, "cold")[0];
    const fakeCpu = MODES.map((m) =>
      `${m} ${fmt(median(of(label, m).map((x) => x.fakeCpuMs)))} ms`
    );
    // CPU time moves less with the machine's load than wall time does.
    const cliCpu = MODES.flatMap((m) => {
      const cpu = of(label, m).flatMap((x) => (x.cpuMs !== undefined ? [x.cpuMs] : []));
      return cpu.length ? [`${m} ${fmt(median(cpu))} ms`] : [];
    });
    if (cliCpu.length > 0) {
      hooks.note(
        `(5) CPU time of the CLI (user + system, all its threads; GNU time) per ` +
          `${crates[label]}-crate run, median: ${cliCpu.join(", ")}.`,
      );
    }
    hooks.note(
      `(5) requests of a cold ${crates[label]}-crate run by route: ` +
        Object.entries(cold.byRoute).sort().map(([k, v]) => `${k} ${v}`).join(", ") +
        `; \`--no-cache\` makes ${fmt(of(label, "no-cache")[0].requests)}. CPU time of the ` +
        "bench process (the fakes serving the requests; it shares the machine with the CLI) per " +
        `run, median: ${fakeCpu.join(", ")}.`,
    );
  }
  for (const [label, size] of [["300", cacheAfterCold], ["1000", largeCacheAfterCold]] as const) {
    if (size) {
      hooks.note(
        `(5) the cache after a cold ${crates[label]}-crate run: ${size.files} files, ${
          fmt(size.bytes / 1e6, 1)
        } MB.`,
      );
    }
  }
  const emptyRss = rsses(empty);
  const fixed = median(ms(empty));
  hooks.row({
    n: "5",
    measure: "`lock` of a Cargo.lock with no registry crate: the fixed cost (start-up, policy, " +
      `report; median of ${empty.length}${spread(ms(empty), seconds)})`,
    mine: seconds(fixed),
    reference: emptyRss.length ? `peak RSS ${fmt(Math.max(...emptyRss) / 1e6, 1)} MB` : "",
    versus: "",
    target: "< 80 ms",
    met: fixed < 80 ? "✓" : "✗",
  });
  for (const f of failures.slice(0, 5)) hooks.note(`(5) FAILED ${f}`);
  if (failures.length > 5) hooks.note(`(5) … and ${failures.length - 5} more failed runs.`);
}
