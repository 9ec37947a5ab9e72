import assert from "node:assert/strict";
import {
  type CargoLock,
  CargoLockError,
  type CargoLockErrorReason,
  type LockPackage,
  parseCargoLock,
} from "./cargo_lock.ts";
import { InputError } from "../errors.ts";

const FIXTURES = new URL("../../tests/fixtures/crates/", import.meta.url);
const CRATES_IO = "registry+https://github.com/rust-lang/crates.io-index";

function fixture(name: string): string {
  return Deno.readTextFileSync(new URL(name, FIXTURES));
}

function find(lock: CargoLock, name: string, version?: string): LockPackage {
  const found = lock.packages.filter((p) =>
    p.name === name && (version === undefined || p.version === version)
  );
  assert.equal(found.length, 1, `exactly one ${name}@${version ?? "*"} in the lock`);
  return found[0];
}

/** Asserts that parsing throws a CargoLockError for `reason` whose message names the file. */
function assertRejects(
  text: string,
  reason: CargoLockErrorReason,
  mentions: string[] = [],
  pkg?: string,
): CargoLockError {
  let caught: unknown;
  try {
    parseCargoLock(text, "path/to/Cargo.lock");
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CargoLockError, `expected a CargoLockError, got ${caught}`);
  assert.ok(caught instanceof InputError, "a CargoLockError is an InputError (exit 3)");
  assert.equal(caught.code, "input-unusable");
  assert.equal(caught.reason, reason);
  assert.ok(caught.message.startsWith("path/to/Cargo.lock: "), caught.message);
  for (const m of mentions) assert.ok(caught.message.includes(m), `"${m}" in: ${caught.message}`);
  if (pkg !== undefined) assert.equal(caught.package, pkg);
  return caught;
}

// -------------------------------------------------------------------------------------------
// The four formats

Deno.test("parseCargoLock() reads a real v4 lock written by cargo 1.95 (path packages only)", () => {
  const lock = parseCargoLock(fixture("workspace-v4.Cargo.lock"), "Cargo.lock");
  assert.equal(lock.version, 4);
  assert.deepEqual(lock.packages, [
    { name: "tiny-attest", version: "0.1.0", kind: "path" },
    { name: "tiny-attest-cli", version: "0.1.0", kind: "path" },
  ]);
  assert.deepEqual(lock.diagnostics, []);
});

Deno.test("parseCargoLock() reads v1 checksums from [metadata]", () => {
  const lock = parseCargoLock(fixture("lock-v1.Cargo.lock"), "Cargo.lock");
  assert.equal(lock.version, 1);
  assert.equal(lock.packages.length, 12);
  assert.deepEqual(find(lock, "libc"), {
    name: "libc",
    version: "0.2.58",
    source: CRATES_IO,
    checksum: "6281b86796ba5e4366000be6e9e18bf35580adf9e63fbe2294aadb587613a319",
    kind: "registry-crates-io",
    registry: "https://github.com/rust-lang/crates.io-index",
  });
  // Two versions of one crate keep their own checksums.
  assert.equal(
    find(lock, "rand", "0.3.23").checksum,
    "64ac302d8f83c0c1974bf758f6b041c6c8ada916fbb44a609158ca8b064cc76c",
  );
  assert.equal(
    find(lock, "rand", "0.4.6").checksum,
    "552840b97013b1a26992c11eac34bdd778e464601a4c2054b5f0bff7c6761293",
  );
  // Every crates.io package got its checksum; the root has none and no source.
  for (const p of lock.packages.filter((p) => p.kind === "registry-crates-io")) {
    assert.match(p.checksum ?? "", /^[0-9a-f]{64}$/, p.name);
  }
  assert.deepEqual(find(lock, "guessing_game"), {
    name: "guessing_game",
    version: "0.1.0",
    kind: "path",
  });
  // The git package's "<none>" is no checksum, and not a diagnostic (git has none).
  const regex = find(lock, "regex");
  assert.equal(regex.kind, "git");
  assert.equal(regex.checksum, undefined);
  assert.equal(regex.gitRev, "9f9f693768c584971a4d53bc3c586c33ed3a6831");
  assert.equal(regex.gitUrl, "https://github.com/rust-lang/regex.git");
  assert.deepEqual(lock.diagnostics, []);
});

Deno.test("parseCargoLock() reads a v2 lock (no version key, checksums per package)", () => {
  const lock = parseCargoLock(fixture("lock-v2.Cargo.lock"), "Cargo.lock");
  assert.equal(lock.version, 2);
  assert.equal(lock.packages.length, 7);
  assert.equal(
    find(lock, "memchr").checksum,
    "2dffe52ecf27772e601905b7522cb4ef790d2cc203488bbd0e2fe85fcb74566d",
  );
  assert.equal(find(lock, "app").kind, "path");
  assert.equal(find(lock, "app-core").kind, "path");
  assert.deepEqual(find(lock, "regex"), {
    name: "regex",
    version: "1.5.0",
    source: "git+https://github.com/rust-lang/regex.git#9f9f693768c584971a4d53bc3c586c33ed3a6831",
    kind: "git",
    gitUrl: "https://github.com/rust-lang/regex.git",
    gitRev: "9f9f693768c584971a4d53bc3c586c33ed3a6831",
  });
  assert.deepEqual(lock.diagnostics, []);
});

Deno.test("parseCargoLock() reads a v3 lock with other registries and a git branch", () => {
  const lock = parseCargoLock(fixture("lock-v3.Cargo.lock"), "Cargo.lock");
  assert.equal(lock.version, 3);
  assert.equal(find(lock, "bitflags").kind, "registry-crates-io");
  const internal = find(lock, "internal-utils");
  assert.equal(internal.version, "2.1.0-rc.1+build.5");
  assert.equal(internal.kind, "registry-other");
  assert.equal(internal.registry, "https://crates.internal.example/git/index");
  const telemetry = find(lock, "telemetry");
  assert.equal(telemetry.kind, "registry-other");
  assert.equal(telemetry.registry, "https://cargo.internal.example/api/v1/crates/");
  const numTraits = find(lock, "num-traits");
  assert.equal(numTraits.kind, "git");
  assert.equal(numTraits.gitUrl, "https://github.com/rust-num/num-traits");
  assert.equal(numTraits.gitRev, "6e5e7b3ef1ce4e33a1e0a1d1e4d83aa1e1a4e5f1");
  assert.equal(find(lock, "service").kind, "path");
  assert.deepEqual(lock.diagnostics, []);
});

Deno.test("parseCargoLock() knows both spellings of crates.io (git and sparse index)", () => {
  const lock = parseCargoLock(fixture("lock-v4-sparse.Cargo.lock"), "Cargo.lock");
  assert.equal(lock.version, 4);
  const byteorder = find(lock, "byteorder");
  assert.equal(byteorder.kind, "registry-crates-io");
  assert.equal(byteorder.registry, "https://index.crates.io/");
  assert.equal(
    byteorder.checksum,
    "14c189c53d098945499cdfa7ecc63567cf3886b3332b312a5b4585d8d3a6a610",
  );
  assert.equal(find(lock, "fnv").kind, "registry-crates-io");
  assert.equal(find(lock, "winnow").gitRev, "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4");
  assert.equal(find(lock, "tool").source, undefined);
});

Deno.test("parseCargoLock() reads an old v1 lock with a [root] table", () => {
  const lock = parseCargoLock(
    `[root]
name = "foo"
version = "0.1.0"
dependencies = [
 "libc 0.2.16 (git+https://github.com/rust-lang/libc)",
]

[[package]]
name = "libc"
version = "0.2.16"
source = "git+https://github.com/rust-lang/libc#36bec35aeb600bb1b8b47f4985a84a8d4a261747"

[metadata]
"checksum libc 0.2.16 (git+https://github.com/rust-lang/libc)" = "<none>"
`,
    "Cargo.lock",
  );
  assert.equal(lock.version, 1);
  // The metadata key names the git source without its commit: still that package, no orphan.
  assert.deepEqual(lock.diagnostics, []);
  assert.deepEqual(lock.packages.map((p) => [p.name, p.kind]), [["foo", "path"], ["libc", "git"]]);
});

Deno.test("parseCargoLock() accepts a byte-order mark and CRLF line ends", () => {
  const text = "\uFEFF" + fixture("lock-v2.Cargo.lock").replaceAll("\n", "\r\n");
  assert.equal(parseCargoLock(text, "Cargo.lock").packages.length, 7);
});

// -------------------------------------------------------------------------------------------
// Diagnostics

Deno.test("parseCargoLock() warns about a source of an unknown kind", () => {
  const lock = parseCargoLock(
    `version = 3\n[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "svn+https://svn.example/x"\n`,
    "ws/Cargo.lock",
  );
  assert.equal(lock.packages[0].kind, "unknown");
  assert.equal(lock.diagnostics.length, 1);
  assert.equal(lock.diagnostics[0].code, "lock-unknown-source");
  assert.equal(lock.diagnostics[0].package, "x@1.0.0");
  assert.ok(lock.diagnostics[0].message.startsWith("ws/Cargo.lock: "));
});

Deno.test("parseCargoLock() warns about a git source without a commit", () => {
  const lock = parseCargoLock(
    `version = 4\n[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "git+https://github.com/o/x?branch=main"\n`,
    "Cargo.lock",
  );
  assert.equal(lock.packages[0].kind, "git");
  assert.equal(lock.packages[0].gitRev, undefined);
  assert.deepEqual(lock.diagnostics.map((d) => d.code), ["lock-git-without-commit"]);
});

Deno.test("parseCargoLock() warns about a registry package without a checksum", () => {
  const lock = parseCargoLock(
    `[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\n\n[metadata]\n` +
      `"checksum x 1.0.0 (${CRATES_IO})" = "<none>"\n`,
    "Cargo.lock",
  );
  assert.equal(lock.version, 1);
  assert.equal(lock.packages[0].checksum, undefined);
  assert.deepEqual(lock.diagnostics.map((d) => d.code), ["lock-missing-checksum"]);
});

Deno.test("parseCargoLock() warns about a v1 checksum for a package not in the file", () => {
  const text = fixture("lock-v1.Cargo.lock") +
    `"checksum ghost 9.9.9 (${CRATES_IO})" = "${"ab".repeat(32)}"\n`;
  const lock = parseCargoLock(text, "Cargo.lock");
  assert.deepEqual(lock.diagnostics.map((d) => d.code), ["lock-orphan-checksum"]);
  assert.ok(lock.diagnostics[0].message.includes("ghost 9.9.9"));
  assert.ok(lock.packages.every((p) => p.name !== "ghost"));
});

Deno.test("parseCargoLock() drops every checksum of a v2+ file with [metadata] checksums, as cargo does", () => {
  // cargo takes them for a bad merge and discards all the file's checksums (the packages' own
  // too), then checks downloads against none of them.
  const text = fixture("lock-v3.Cargo.lock") +
    `\n[metadata]\n"checksum bitflags 1.3.2 (${CRATES_IO})" = "${"00".repeat(32)}"\n`;
  const lock = parseCargoLock(text, "Cargo.lock");
  assert.equal(find(lock, "bitflags").checksum, undefined);
  assert.ok(lock.packages.every((p) => p.checksum === undefined));
  assert.equal(lock.diagnostics[0].code, "lock-ignored-metadata-checksum");
  assert.ok(
    lock.diagnostics.slice(1).every((d) => d.code === "lock-missing-checksum"),
    JSON.stringify(lock.diagnostics),
  );
});

// -------------------------------------------------------------------------------------------
// Unusable files

Deno.test("parseCargoLock() rejects a file that is not TOML, naming the line", () => {
  const e = assertRejects(`version = 3\n[[package]\nname = "x"\n`, "not-toml", [
    "path/to/Cargo.lock:2:",
  ]);
  assert.ok(e.cause !== undefined);
});

Deno.test("parseCargoLock() rejects a file without [[package]] entries", () => {
  assertRejects(`version = 4\n`, "no-packages");
  assertRejects(`[workspace]\nmembers = []\n`, "no-packages");
  assertRejects(`package = "x"\n`, "no-packages");
});

Deno.test("parseCargoLock() rejects format versions it does not know", () => {
  assertRejects(
    `version = 5\n[[package]]\nname = "x"\nversion = "1.0.0"\n`,
    "unsupported-version",
    [
      "version 5",
    ],
  );
  assertRejects(
    `version = "3"\n[[package]]\nname = "x"\nversion = "1.0.0"\n`,
    "unsupported-version",
  );
  assertRejects(`version = 2\n[[package]]\nname = "x"\nversion = "1.0.0"\n`, "unsupported-version");
});

Deno.test("parseCargoLock() rejects entries without a usable name or version", () => {
  assertRejects(`version = 4\n[[package]]\nversion = "1.0.0"\n`, "malformed-entry", [
    "[[package]] #1 has no name",
  ]);
  assertRejects(
    `version = 4\n[[package]]\nname = "ok"\nversion = "1.0.0"\n[[package]]\nname = "../../etc"\nversion = "1.0.0"\n`,
    "malformed-entry",
    ["[[package]] #2", "../../etc"],
  );
  assertRejects(
    `version = 4\n[[package]]\nname = "x"\n`,
    "malformed-entry",
    ["(x) has no version"],
    "x",
  );
  assertRejects(`version = 4\n[[package]]\nname = "x"\nversion = "1.0"\n`, "malformed-entry", [
    "not semver",
  ]);
  assertRejects(`version = 4\npackage = [1]\n`, "malformed-entry", ["not a table"]);
});

Deno.test("parseCargoLock() rejects malformed checksums and sources, naming the package", () => {
  assertRejects(
    `version = 3\n[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\nchecksum = "${
      "AB".repeat(32)
    }"\n`,
    "malformed-entry",
    ["x@1.0.0", "checksum"],
    "x@1.0.0",
  );
  assertRejects(
    `version = 3\n[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\nchecksum = "abc"\n`,
    "malformed-entry",
    ["x@1.0.0"],
  );
  assertRejects(
    `version = 3\n[[package]]\nname = "x"\nversion = "1.0.0"\nsource = 7\n`,
    "malformed-entry",
    ["x@1.0.0", "source"],
  );
  // A crates.io package whose name could not be a crates.io name (it ends up in a URL path).
  assertRejects(
    `version = 3\n[[package]]\nname = "_x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\n`,
    "malformed-entry",
    ["crates.io"],
  );
});

Deno.test("parseCargoLock() rejects malformed v1 [metadata] checksums", () => {
  const base =
    `[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\n\n[metadata]\n`;
  assertRejects(base + `"checksum x" = "${"ab".repeat(32)}"\n`, "malformed-entry", ["checksum x"]);
  assertRejects(base + `"checksum x 1.0.0 (${CRATES_IO})" = "nope"\n`, "malformed-entry", [
    "x@1.0.0",
  ]);
});

Deno.test("parseCargoLock() rejects the same package listed twice", () => {
  const entry = `[[package]]\nname = "x"\nversion = "1.0.0"\nsource = "${CRATES_IO}"\nchecksum = "${
    "ab".repeat(32)
  }"\n`;
  assertRejects(`version = 3\n${entry}${entry}`, "duplicate-package", ["twice"], "x@1.0.0");
  // The same name and version from two sources are two packages.
  const other = entry.replace(CRATES_IO, "registry+https://other.example/index");
  assert.equal(parseCargoLock(`version = 3\n${entry}${other}`, "Cargo.lock").packages.length, 2);
});
