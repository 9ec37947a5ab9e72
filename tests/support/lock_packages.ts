/**
 * Small registry crates and the Cargo.lock files that pin them, for the pull-request tests
 * (`lock --base`, the Action's base revision).
 * @module
 */
import { main } from "../../lib/cli/main.ts";
import { createMemoryIo } from "../../lib/cli/io.ts";
import { buildCrate } from "./crate_builder.ts";
import type { FakeCrate } from "./fake_crates_io.ts";

/** The `source` of a crates.io package in a Cargo.lock. */
export const CRATES_IO_SOURCE = "registry+https://github.com/rust-lang/crates.io-index";

/** A small crate without repository: TRUSTED on its crate checksum alone. */
export async function plainCrate(name: string, version: string): Promise<FakeCrate> {
  const bytes = await buildCrate({
    name,
    version,
    files: {
      "Cargo.toml": `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`,
      "src/lib.rs": `pub fn v() -> &'static str { "${version}" }\n`,
    },
  });
  return { name, version, bytes };
}

/** SHA-256 of `bytes`, lowercase hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A Cargo.lock (v4) of a workspace package `app` and these registry packages. */
export function lockOf(
  packages: readonly { name: string; version: string; checksum: string }[],
): string {
  return 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n' +
    packages.map((p) =>
      `\n[[package]]\nname = "${p.name}"\nversion = "${p.version}"\nsource = "${CRATES_IO_SOURCE}"\n` +
      `checksum = "${p.checksum}"\n`
    ).join("");
}

/** A crate's lock entry: its name, version and the checksum of its bytes. */
export async function lockEntry(
  crate: FakeCrate,
): Promise<{ name: string; version: string; checksum: string }> {
  return { name: crate.name, version: crate.version, checksum: await sha256(crate.bytes) };
}

/** Runs git in `dir` with a fixed identity and no user configuration; throws with git's words. */
export async function git(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("git", {
    args: ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args],
    env: { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** A check as the JSON report has it (the fields the tests read). */
export interface ReportCheck {
  readonly id: string;
  readonly status: string;
  readonly code: string;
  readonly message: string;
  readonly required?: boolean;
  readonly policyRef?: { readonly file: string; readonly line: number };
}

/** The JSON report (the fields the tests read). */
export interface LockReport {
  readonly verdict: string;
  readonly subjects: readonly {
    readonly subject: { readonly name: string };
    readonly verdict: string;
    readonly change?: unknown;
    readonly checks: readonly ReportCheck[];
  }[];
}

/** What one `lock DIR/Cargo.lock --base DIR/base.Cargo.lock --json` run gave. */
export interface LockBaseRun {
  readonly code: number;
  /** The JSON report. */
  readonly report: LockReport;
  /** The first subject's `downgrade` check, if it has one. */
  readonly downgrade?: ReportCheck;
  /** stdout and stderr, for assertion messages. */
  readonly out: string;
}

/**
 * Runs `lock DIR/Cargo.lock --base DIR/base.Cargo.lock --json` with `env`, with `policy` written to
 * DIR/attest.toml when given, and `extra` arguments.
 */
export async function runLockBase(
  dir: string,
  env: Record<string, string>,
  options: { policy?: string; extra?: readonly string[] } = {},
): Promise<LockBaseRun> {
  const args = ["lock", `${dir}/Cargo.lock`, "--base", `${dir}/base.Cargo.lock`, "--json"];
  if (options.policy) {
    await Deno.writeTextFile(`${dir}/attest.toml`, options.policy);
    args.push("--policy", `${dir}/attest.toml`);
  }
  args.push(...options.extra ?? []);
  const io = createMemoryIo(env);
  const code = await main(args, io);
  const report = JSON.parse(io.out) as LockReport;
  const downgrade = report.subjects[0]?.checks.find((c) => c.id === "downgrade");
  return { code, report, downgrade, out: io.out + io.err };
}
