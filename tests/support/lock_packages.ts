/**
 * Small registry crates and the Cargo.lock files that pin them, for the pull-request tests
 * (`lock --base`, the Action's base revision).
 * @module
 */
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
