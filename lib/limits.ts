/**
 * Every cap cargo-attest enforces, in one place. Inputs beyond a cap are refused with a message
 * that names the cap; nothing is read past it.
 * @module
 */

/** Largest Sigstore bundle accepted (real bundles are 5–30 KiB). */
export const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

/** Largest trusted root accepted. */
export const MAX_TRUSTED_ROOT_BYTES = 4 * 1024 * 1024;

/** Most transparency-log entries considered in one bundle. */
export const MAX_TLOG_ENTRIES = 32;

/** Most RFC 3161 timestamps considered in one bundle. */
export const MAX_TIMESTAMPS = 32;

/** Largest public key file accepted (`--key`). */
export const MAX_KEY_BYTES = 64 * 1024;

/** Largest artifact read into memory when a signature scheme needs the whole message (Ed25519). */
export const MAX_IN_MEMORY_ARTIFACT_BYTES = 256 * 1024 * 1024;

/** Read size for streaming digests (about 8 MiB, as the design asks). */
export const HASH_CHUNK_BYTES = 8 * 1024 * 1024;

/** Most HTTP redirects followed for one request (each hop is checked: scheme, host, token). */
export const MAX_REDIRECTS = 5;

/** Largest JSON document read from an API (GitHub, crates.io, Rekor); bodies are cut off past it. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** Bytes read from an HTTP error response to quote a short excerpt of it in the message. */
export const MAX_HTTP_ERROR_EXCERPT_BYTES = 4 * 1024;

/** Largest release asset downloaded and hashed (streamed; never held in memory). */
export const MAX_ASSET_BYTES = 8 * 1024 * 1024 * 1024;

/** Largest checksum file (SHA256SUMS, `.sha256` sidecar) read from a release. */
export const MAX_CHECKSUM_FILE_BYTES = 1024 * 1024;

/** Default timeout of one HTTP request, in milliseconds (`--timeout` overrides, in seconds). */
export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;

/** Retries of a GET after a 5xx or a network error. */
export const DEFAULT_HTTP_RETRIES = 3;

/**
 * Most bytes a `.crate`'s gzip stream may inflate to (the whole tar stream: headers, contents,
 * padding). Cargo refuses to unpack more than 512 MiB, or 20 times the compressed size when that
 * is larger ({@link MAX_CRATE_COMPRESSION_RATIO}); cargo-attest applies the same rule, so no
 * crate cargo would build from is refused, and decompression stops as soon as it is passed.
 */
export const MAX_CRATE_UNPACKED_BYTES = 512 * 1024 * 1024;

/** With {@link MAX_CRATE_UNPACKED_BYTES}: a `.crate` may always inflate to this many times its size. */
export const MAX_CRATE_COMPRESSION_RATIO = 20;

/** Most entries (files, directories, links) read from one `.crate`. */
export const MAX_CRATE_ENTRIES = 100_000;

/** Largest single file of a `.crate` (its declared size is checked before anything is inflated). */
export const MAX_CRATE_FILE_BYTES = 256 * 1024 * 1024;

/** Largest `.cargo_vcs_info.json` or `Cargo.toml.orig` kept in memory from a `.crate`. */
export const MAX_CRATE_METADATA_FILE_BYTES = 1024 * 1024;

/** Largest pax extended header or GNU long name/link entry read from a tar stream. */
export const MAX_TAR_EXTENDED_HEADER_BYTES = 64 * 1024;

/** Largest `.crate` downloaded (crates.io's own upload limit is 10 MiB unless raised per crate). */
export const MAX_CRATE_DOWNLOAD_BYTES = 64 * 1024 * 1024;

/** Crates verified at once by `lock` (and `crate` with several), unless `--jobs` says otherwise. */
export const DEFAULT_CRATE_JOBS = 8;

/** Most bytes of one TUF `N.root.json`. */
export const MAX_TUF_ROOT_BYTES = 512 * 1024;

/** Most bytes of a TUF `timestamp.json`. */
export const MAX_TUF_TIMESTAMP_BYTES = 16 * 1024;

/** Most bytes of a TUF snapshot when the timestamp gives no length. */
export const MAX_TUF_SNAPSHOT_BYTES = 2 * 1024 * 1024;

/** Most bytes of TUF top-level targets metadata when the snapshot gives no length. */
export const MAX_TUF_TARGETS_BYTES = 4 * 1024 * 1024;

/** Most new root versions one TUF update walks (more is refused as an endless root chain). */
export const MAX_TUF_ROOT_ROTATIONS = 64;
