/**
 * Versions of a small crate `pkg` as a repository holds them and as cargo packages them: the data
 * of the downgrade tests (`tests/lock_downgrade_test.ts`, red team 8b's downgrade test).
 * @module
 */

/** The repository's files of a version of `pkg` (`Cargo.toml` as written), at `repository`. */
export function pkgRepositoryFiles(version: string, repository: string): Record<string, string> {
  return {
    "Cargo.toml": `[package]\nname = "pkg"\nversion = "${version}"\nedition = "2021"\n` +
      `license = "MIT"\nrepository = "${repository}"\nreadme = "README.md"\n`,
    "README.md": "# pkg\n",
    "src/lib.rs": `pub fn version() -> &'static str { "${version}" }\n`,
  };
}

/** The manifest cargo writes into the `.crate` for {@link pkgRepositoryFiles}' `Cargo.toml`. */
export function pkgNormalizedManifest(version: string, repository: string): string {
  return `[package]
edition = "2021"
name = "pkg"
version = "${version}"
build = false
autolib = false
readme = "README.md"
license = "MIT"
repository = "${repository}"

[lib]
name = "pkg"
path = "src/lib.rs"
`;
}
