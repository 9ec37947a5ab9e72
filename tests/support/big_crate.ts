/**
 * A `.crate` over 8 MiB (9 MiB of incompressible data beside its manifest and library), which the
 * cache keeps as a blob file of its own rather than a record of a pack, and a Cargo.lock naming it.
 * @module
 */
import { buildCrate } from "./crate_builder.ts";
import { type FakeCrate, sha256Hex } from "./fake_crates_io.ts";

const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

/** Incompressible bytes (crypto.getRandomValues fills at most 64 KiB at a time). */
function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  return bytes;
}

/** `bigcrate@1.0.0` (over 8 MiB), its SHA-256, and a v4 lock of it and a workspace package. */
export async function bigCrate(): Promise<{ crate: FakeCrate; sha256: string; lock: string }> {
  const name = "bigcrate";
  const version = "1.0.0";
  const bytes = await buildCrate({
    name,
    version,
    files: {
      "Cargo.toml": `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n`,
      "src/lib.rs": "pub fn n() -> u32 { 1 }\n",
      "data.bin": randomBytes(9 * 1024 * 1024),
    },
  });
  if (bytes.length <= 8 * 1024 * 1024) throw new Error("bigcrate is not over 8 MiB");
  const sha256 = sha256Hex(bytes);
  const lock = 'version = 4\n\n[[package]]\nname = "app"\nversion = "0.1.0"\n\n' +
    `[[package]]\nname = "${name}"\nversion = "${version}"\nsource = "${CRATES_IO}"\n` +
    `checksum = "${sha256}"\n`;
  return { crate: { name, version, bytes }, sha256, lock };
}
