/**
 * What cargo writes into a `.crate`, checked against what it was written from. Pure: text in,
 * findings out.
 *
 * **The normalized `Cargo.toml`.** `cargo package` writes `Cargo.toml` from `Cargo.toml.orig`
 * (the package's manifest as committed) and, for `x.workspace = true` fields, the workspace
 * root's `Cargo.toml` at the same commit (cargo's `normalize_toml` then `prepare_for_publish`).
 * Cargo builds the crate from the normalized one, so {@link compareCrateManifest} checks that
 * everything in it that changes what is built follows from the original (+ workspace root):
 *
 * - `package.name`, `package.version`, `package.edition` (absent = 2015), `package.links`,
 *   `package.metabuild`, `package.default-target`, `package.forced-target`, `cargo-features`:
 *   equal (after inheritance);
 * - `package.build`: the build scripts it names (absent: `build.rs` when the crate has one;
 *   `true`: `build.rs`) are those of the original that the crate holds — cargo drops scripts it
 *   did not package, and only those;
 * - lib, bin, example, test and bench targets: each target the normalized manifest yields (its
 *   explicit targets, plus the auto-discovered ones when its `auto*` flags allow discovery, as
 *   cargo discovers them from the crate's files) is one the original yields, with the same name,
 *   path and settings (`proc-macro`, `crate-type`, `required-features`, `harness`, …); cargo may
 *   leave targets out (files not packaged), never add or move one;
 * - every dependency table (`dependencies`, `dev-dependencies`, `build-dependencies`, and each
 *   under `target.'<cfg>'`): each dependency is in the same table of the original, with the same
 *   version requirement, `package` rename, `optional`, `public`, `artifact`/`lib`/`target`, its
 *   `features` among the original's (a workspace dependency's and the member's together),
 *   `default-features` as the original or its workspace dependency has it, and a registry only
 *   where the original names one (`path`, `git`, `branch`, `tag`, `rev`, `base` are what cargo
 *   removes); any other key is a mismatch; every normal and build dependency of the original is
 *   there (cargo drops only dev-dependencies without a version), with all its features;
 * - `[features]`: the original's features, each with the original's values but those naming a
 *   dependency cargo dropped (`dep:x`, `x/f`, `x?/f` with no dependency `x` left), which cargo
 *   removes — a feature or value left out changes what is built (`default = []`);
 * - `[profile]`: the original's (cargo copies it; `debug = true` is written `debug = 2`);
 * - `[patch]`, `[replace]`, `[workspace]`: never written by cargo, so present is a mismatch.
 * - build scripts and target paths outside the package (`../x/build.rs`, absolute): a mismatch
 *   ({@link manifestPathsOutside}), whatever the original says: in a build of the published crate
 *   they name another crate's files.
 *
 * - `package.authors`, `description`, `homepage`, `repository`, `license`, `rust-version`
 *   (after inheritance): equal — the build reads them as CARGO_PKG_* variables; and
 *   `package.metadata`: equal — build scripts read it from the crate's `Cargo.toml`
 *   (system-deps, vcpkg); `package.readme` and `license-file` (CARGO_PKG_README,
 *   CARGO_PKG_LICENSE_FILE): the path cargo writes for the original's file (a file outside the
 *   package under its file name; a missing readme as cargo finds one).
 * - dependency tables and target keys are read as cargo reads them: of `build-dependencies` and
 *   `build_dependencies` (`dev-…`) the dashed one alone, `crate-type` over `crate_type`.
 *
 * Metadata that changes nothing built (keywords, categories, `lints`, `badges`, `resolver`) is
 * not compared. Every finding names its key path.
 *
 * **`Cargo.lock`.** {@link checkCrateLock}: cargo writes the lock file of the package's
 * resolution; it must parse as a lock file and hold the crate itself (its name and version, no
 * `source`). Anything else (a source file under that name, another package's lock) is a finding.
 * @module
 */
import { parse } from "smol-toml";

/** A TOML table as smol-toml returns it. */
type Table = Record<string, unknown>;

/** What {@link compareCrateManifest} compares. */
export interface CrateManifestInput {
  /** The normalized `Cargo.toml` of the crate. */
  normalized: string;
  /** `Cargo.toml.orig`, the manifest as committed. */
  orig: string;
  /**
   * The workspace root's `Cargo.toml` at the commit, when the original inherits from it
   * ({@link manifestInherits}); `undefined` when it is needed and could not be read.
   */
  workspaceRoot?: string;
  /** The crate's file paths (relative to the crate root): auto-discovery looks at them. */
  files: readonly string[];
}

/** The outcome of {@link compareCrateManifest}. */
export type CrateManifestComparison =
  /** Everything that changes what is built follows from the original. */
  | { kind: "match" }
  /** Findings, each `key.path: what`. */
  | { kind: "mismatch"; findings: string[] }
  /** It cannot be told (the workspace root is needed and missing). */
  | { kind: "undecidable"; reason: string };

/** Parses TOML text into a table, or says why not. */
export function parseManifest(text: string): { table: Table } | { error: string } {
  try {
    return { table: parse(text) as Table };
  } catch (error) {
    return { error: error instanceof Error ? error.message.split("\n")[0] : String(error) };
  }
}

/** Whether the original manifest inherits anything from the workspace root. */
export function manifestInherits(orig: Table): boolean {
  const pkg = packageOf(orig);
  if (pkg && Object.values(pkg).some(isWorkspaceRef)) return true;
  return dependencyTables(orig).some((t) => Object.values(t.deps).some(isWorkspaceRef));
}

/**
 * The directory (relative to the package directory, `/`-separated) that the original names as
 * its workspace root with `package.workspace`, if it does.
 */
export function declaredWorkspace(orig: Table): string | undefined {
  const ws = packageOf(orig)?.workspace;
  return typeof ws === "string" ? ws : undefined;
}

/** Whether a manifest is a workspace root (it has a `[workspace]` table). */
export function isWorkspaceRoot(manifest: Table): boolean {
  return isTable(manifest.workspace);
}

/**
 * The repository paths of the `readme` and `license-file` the original manifest names (`base`
 * is the package's directory; inherited values are resolved against the workspace root's
 * directory `workspace.dir`): cargo copies such a file into the crate root when it lies outside
 * the package, and that is the only file it takes from outside. A `path` of `undefined` means
 * "inherited from a workspace root that could not be read".
 */
export function manifestCopiedFiles(
  orig: Table,
  base: string,
  workspace?: { table: Table; dir: string },
): { field: "readme" | "license-file"; path: string | undefined }[] {
  const pkg = packageOf(orig);
  if (!pkg) return [];
  const out: { field: "readme" | "license-file"; path: string | undefined }[] = [];
  for (const field of ["readme", "license-file"] as const) {
    const value = pkg[field];
    if (typeof value === "string") out.push({ field, path: joinRelative(base, value) });
    else if (isWorkspaceRef(value)) {
      const wsValue = workspace ? workspacePackage(workspace.table)?.[field] : undefined;
      if (workspace === undefined) out.push({ field, path: undefined });
      else if (typeof wsValue === "string") {
        out.push({ field, path: joinRelative(workspace.dir, wsValue) });
      }
    }
  }
  return out;
}

/**
 * The paths of the crate (relative to its root) that cargo compiles as targets or build scripts,
 * by either manifest: a file among them that cannot be compared keeps the crate from TRUSTED.
 */
export function manifestCodePaths(manifests: readonly Table[], files: readonly string[]): string[] {
  const out = new Set<string>();
  for (const m of manifests) {
    for (const s of buildScripts(m, files)) out.add(s);
    for (const t of targetsOf(m, files)) if (t.path !== undefined) out.add(t.path);
  }
  return [...out];
}

/**
 * The build scripts and target paths a manifest names outside the package (climbing out with
 * `..`, or absolute), each as `key.path: "value"`. cargo unpacks a registry's crates side by side
 * and writes no target whose file it did not package, so in a build of the published crate such a
 * path names a file of another crate (or of the machine), never one of this crate or of its
 * repository: nothing about it was compared.
 */
export function manifestPathsOutside(manifest: Table): string[] {
  const out: string[] = [];
  const check = (key: string, value: unknown) => {
    if (typeof value === "string" && pathLeavesPackage(value)) out.push(`${key}: ${show(value)}`);
  };
  const build = packageOf(manifest)?.build;
  for (const script of Array.isArray(build) ? build : [build]) check("package.build", script);
  if (isTable(manifest.lib)) check("lib.path", manifest.lib.path);
  for (const [kind] of TARGET_TABLES) {
    const raw = manifest[kind];
    if (!Array.isArray(raw)) continue;
    for (const t of raw) {
      if (isTable(t)) {
        check(`${kind}.${typeof t.name === "string" ? t.name : "(unnamed)"}.path`, t.path);
      }
    }
  }
  return out;
}

/** Whether a manifest path (relative to the package) is absolute or climbs out of the package. */
function pathLeavesPackage(path: string): boolean {
  if (/^(?:[\\/]|[A-Za-z]:)/.test(path)) return true;
  const normal = normalizePath(path);
  return normal === ".." || normal.startsWith("../");
}

/**
 * Compares the normalized manifest with the original (+ workspace root): see the module
 * documentation for what is compared. Never throws.
 */
export function compareCrateManifest(input: CrateManifestInput): CrateManifestComparison {
  const n = parseManifest(input.normalized);
  if ("error" in n) {
    return { kind: "mismatch", findings: [`Cargo.toml: not TOML (${n.error})`] };
  }
  const o = parseManifest(input.orig);
  if ("error" in o) {
    return {
      kind: "mismatch",
      findings: [`Cargo.toml.orig: not TOML (${o.error}), so cargo wrote no Cargo.toml from it`],
    };
  }
  let ws: Table | undefined;
  if (manifestInherits(o.table)) {
    if (input.workspaceRoot === undefined) {
      return {
        kind: "undecidable",
        reason: "Cargo.toml.orig inherits from the workspace root's Cargo.toml, which could " +
          "not be read",
      };
    }
    const w = parseManifest(input.workspaceRoot);
    if ("error" in w) {
      return { kind: "undecidable", reason: `the workspace root's Cargo.toml is not TOML` };
    }
    ws = w.table;
  }
  const findings: string[] = [];
  const c = new Comparison(n.table, o.table, ws, input.files, findings);
  c.run();
  return findings.length === 0 ? { kind: "match" } : { kind: "mismatch", findings };
}

// ---------------------------------------------------------------------------------------------

const NOT_IN_ORIG = "in Cargo.toml but not in Cargo.toml.orig";

class Comparison {
  constructor(
    private readonly n: Table,
    private readonly o: Table,
    private readonly ws: Table | undefined,
    private readonly files: readonly string[],
    private readonly findings: string[],
  ) {}

  run(): void {
    const nPkg = packageOf(this.n);
    const oPkg = packageOf(this.o);
    if (!nPkg) {
      this.add("package: Cargo.toml has no [package] table");
      return;
    }
    if (!oPkg) {
      this.add("package: Cargo.toml.orig has no [package] table");
      return;
    }
    for (const key of ["workspace", "patch", "replace"]) {
      if (this.n[key] !== undefined) this.add(`${key}: ${NOT_IN_ORIG} (cargo never writes it)`);
    }
    this.same("cargo-features", this.n["cargo-features"], this.o["cargo-features"]);
    this.comparePackage(nPkg, oPkg);
    this.compareBuild();
    this.compareTargets();
    this.compareDependencies();
    this.compareFeatures();
    if (this.n.profile !== undefined) {
      this.same("profile", canonicalProfile(this.n.profile), canonicalProfile(this.o.profile));
    }
  }

  private add(finding: string): void {
    this.findings.push(finding);
  }

  private same(path: string, actual: unknown, expected: unknown): void {
    if (deepEqual(actual, expected)) return;
    if (expected === undefined) this.add(`${path}: ${show(actual)} ${NOT_IN_ORIG}`);
    else {
      this.add(
        `${path}: ${show(actual)} in Cargo.toml, ${show(expected)} from Cargo.toml.orig`,
      );
    }
  }

  private inherited(oPkg: Table, key: string): unknown {
    const value = oPkg[key];
    if (!isWorkspaceRef(value)) return value;
    return workspacePackage(this.ws)?.[key];
  }

  private comparePackage(nPkg: Table, oPkg: Table): void {
    if (nPkg.workspace !== undefined) {
      this.add(`package.workspace: ${NOT_IN_ORIG} (cargo never writes it)`);
    }
    this.same("package.name", nPkg.name, oPkg.name);
    this.same("package.version", nPkg.version, this.inherited(oPkg, "version"));
    this.same(
      "package.edition",
      nPkg.edition ?? "2015",
      this.inherited(oPkg, "edition") ?? "2015",
    );
    for (const key of ["links", "metabuild", "default-target", "forced-target", "im-a-teapot"]) {
      this.same(`package.${key}`, nPkg[key], oPkg[key]);
    }
    // What the build sees of the rest: each of these is a CARGO_PKG_* variable (`env!`, build
    // scripts), and build scripts read `package.metadata` from the crate's Cargo.toml
    // (system-deps, vcpkg).
    for (const key of PACKAGE_ENV_KEYS) {
      const written = nPkg[key];
      const expected = this.inherited(oPkg, key);
      if (key === "authors" && isEmptyList(written) && expected === undefined) continue;
      this.same(`package.${key}`, written, expected);
    }
    this.same("package.metadata", nPkg.metadata, oPkg.metadata);
    // CARGO_PKG_README and CARGO_PKG_LICENSE_FILE: the path cargo wrote for the original's file.
    for (const key of ["readme", "license-file"] as const) {
      const written = this.pathField(key, nPkg[key], "normalized");
      const expected = this.pathField(key, oPkg[key], "orig");
      if (written === undefined || expected === undefined) continue;
      if (!written.every((w) => expected.includes(w))) {
        this.add(
          `package.${key}: ${show(written[0])} in Cargo.toml, ${
            expected.map(show).join(" or ")
          } from Cargo.toml.orig`,
        );
      }
    }
  }

  /**
   * The values of `readme`/`license-file` a manifest stands for, as cargo hands them to the build:
   * the normalized manifest's value (a missing readme is found as cargo finds it: `README.md`,
   * `README.txt`, `README`); for the original, the paths cargo may write for it (a file inside
   * the package at its normalized path, one outside under its file name). `undefined`: cannot be
   * told (an inherited value whose workspace root has none), so not compared.
   */
  private pathField(
    key: "readme" | "license-file",
    value: unknown,
    side: "normalized" | "orig",
  ): unknown[] | undefined {
    if (isWorkspaceRef(value)) {
      const ws = workspacePackage(this.ws)?.[key];
      if (typeof ws !== "string") return undefined;
      // Relative to the workspace root, which lies above the package: outside the package the
      // file name, inside it a tail of the path.
      const parts = normalizePath(ws).split("/");
      return parts.map((_, i) => parts.slice(i).join("/"));
    }
    if (value === undefined && key === "readme") {
      const found = README_NAMES.find((name) => this.files.includes(name));
      return side === "normalized"
        ? [found ?? false]
        // Older cargo leaves a missing readme out (cargo then finds it again).
        : [found ?? false, ...(found === undefined ? [] : [false])];
    }
    if (value === undefined) return [undefined];
    if (value === true && key === "readme") return ["README.md"];
    if (typeof value !== "string") return [value];
    const path = normalizePath(value);
    if (side === "normalized") return [path];
    // Outside the package: cargo copies the file to the crate root (older cargo wrote the path).
    return path.startsWith("../") || path === ".."
      ? [path.slice(path.lastIndexOf("/") + 1), path]
      : [path];
  }

  private compareBuild(): void {
    const allowed = new Set(buildScripts(this.o, this.files));
    const written = new Set(buildScripts(this.n, this.files));
    for (const script of written) {
      if (!allowed.has(script)) {
        this.add(
          `package.build: build script ${show(script)} ${NOT_IN_ORIG}${
            allowed.size > 0 ? ` (which yields ${[...allowed].map(show).join(", ")})` : ""
          }`,
        );
      }
    }
    // Cargo drops only the scripts it did not package: one in the crate is kept.
    const packaged = fileIndexOf(this.files).paths;
    for (const script of allowed) {
      if (packaged.has(script) && !written.has(script)) {
        this.add(
          `package.build: build script ${show(script)} of Cargo.toml.orig is in the crate but ` +
            "not in Cargo.toml (cargo keeps every build script it packages)",
        );
      }
    }
  }

  private compareTargets(): void {
    const allowed = targetsOf(this.o, this.files);
    for (const t of targetsOf(this.n, this.files)) {
      const label = `${t.kind}${t.kind === "lib" ? "" : `.${t.name ?? "(unnamed)"}`}`;
      const same = allowed.filter((a) => a.kind === t.kind && a.name === t.name);
      if (same.length === 0) {
        this.add(
          `${label}: ${t.kind} target ${show(t.name)} at ${show(t.path)} ${NOT_IN_ORIG}`,
        );
        continue;
      }
      const match = same.find((a) => a.path === t.path);
      if (match === undefined) {
        this.add(
          `${label}.path: ${show(t.path)} in Cargo.toml, ${
            same.map((a) => show(a.path)).join(" or ")
          } from Cargo.toml.orig`,
        );
        continue;
      }
      for (const key of new Set([...Object.keys(t.settings), ...Object.keys(match.settings)])) {
        this.same(`${label}.${key}`, t.settings[key], match.settings[key]);
      }
    }
  }

  private compareDependencies(): void {
    const allowed = new Map(dependencyTables(this.o).map((t) => [t.path, t.deps]));
    const written = new Map(dependencyTables(this.n).map((t) => [t.path, t.deps]));
    // Cargo keeps every normal and build dependency (it drops only dev-dependencies without a
    // version): one the normalized manifest leaves out is not built with.
    for (const [path, deps] of allowed) {
      if (path.endsWith("dev-dependencies")) continue;
      for (const name of Object.keys(deps)) {
        if (written.get(path)?.[name] === undefined) {
          this.add(`${path}.${name}: in Cargo.toml.orig but not in Cargo.toml`);
        }
      }
    }
    for (const table of dependencyTables(this.n)) {
      const origTable = allowed.get(table.path);
      for (const [name, value] of Object.entries(table.deps)) {
        const path = `${table.path}.${name}`;
        const orig = origTable?.[name];
        if (orig === undefined) {
          this.add(`${path}: ${NOT_IN_ORIG}`);
          continue;
        }
        this.compareDependency(path, name, value, orig);
      }
    }
  }

  private compareDependency(path: string, name: string, nValue: unknown, oValue: unknown): void {
    const n = asDependency(nValue);
    if (n === undefined) {
      this.add(`${path}: not a dependency specification`);
      return;
    }
    const o = this.resolveDependency(name, oValue);
    if (o === undefined) {
      this.add(`${path}: the original's specification cannot be resolved`);
      return;
    }
    for (const key of Object.keys(n)) {
      if (!DEPENDENCY_KEYS.has(key)) this.add(`${path}.${key}: ${NOT_IN_ORIG}`);
    }
    this.same(`${path}.version`, n.version, o.spec.version);
    this.same(`${path}.package`, n.package, o.spec.package);
    this.same(`${path}.optional`, n.optional ?? false, o.spec.optional ?? false);
    for (const key of ["artifact", "lib", "target"]) {
      this.same(`${path}.${key}`, n[key], o.spec[key]);
    }
    if (n.public !== undefined && n.public !== false) {
      this.same(`${path}.public`, n.public, o.spec.public);
    }
    const features = new Set(o.features);
    const nFeatures = new Set(stringList(n.features));
    for (const f of nFeatures) {
      if (!features.has(f)) this.add(`${path}.features: ${show(f)} ${NOT_IN_ORIG}`);
    }
    for (const f of features) {
      if (!nFeatures.has(f)) {
        this.add(`${path}.features: ${show(f)} in Cargo.toml.orig but not in Cargo.toml`);
      }
    }
    const defaults = n["default-features"] ?? n.default_features ?? true;
    if (!o.defaultFeatures.includes(defaults as boolean)) {
      this.add(
        `${path}.default-features: ${show(defaults)} in Cargo.toml, ${
          show(o.defaultFeatures[0])
        } from Cargo.toml.orig`,
      );
    }
    if (n["registry-index"] !== undefined) {
      if (o.spec.registry === undefined) {
        this.same(`${path}.registry-index`, n["registry-index"], o.spec["registry-index"]);
      }
    } else if (n.registry !== undefined) {
      this.same(`${path}.registry`, n.registry, o.spec.registry);
    } else if (o.spec.registry !== undefined || o.spec["registry-index"] !== undefined) {
      this.add(`${path}: from crates.io in Cargo.toml, from another registry in Cargo.toml.orig`);
    }
  }

  /** The original's dependency, workspace inheritance applied. */
  private resolveDependency(
    name: string,
    value: unknown,
  ): { spec: Table; features: string[]; defaultFeatures: unknown[] } | undefined {
    const member = asDependency(value);
    if (member === undefined) return undefined;
    const memberDefaults = member["default-features"] ?? member.default_features;
    if (member.workspace !== true) {
      return {
        spec: member,
        features: stringList(member.features),
        defaultFeatures: [memberDefaults ?? true],
      };
    }
    const wsDeps = isTable(this.ws?.workspace) ? (this.ws.workspace as Table).dependencies : {};
    const wsDep = isTable(wsDeps) ? asDependency((wsDeps as Table)[name]) : undefined;
    if (wsDep === undefined) return undefined;
    const wsDefaults = wsDep["default-features"] ?? wsDep.default_features;
    return {
      spec: {
        ...wsDep,
        optional: member.optional,
        ...(member.public !== undefined ? { public: member.public } : {}),
      },
      features: [...stringList(wsDep.features), ...stringList(member.features)],
      // Cargo's rule changed with edition 2024 (RFC 3945): either side's value may win.
      defaultFeatures: [
        wsDefaults ?? true,
        ...(memberDefaults !== undefined ? [memberDefaults] : []),
      ],
    };
  }

  private compareFeatures(): void {
    const nFeatures = this.n.features ?? {};
    if (!isTable(nFeatures)) {
      this.add("features: not a table");
      return;
    }
    const oFeatures = isTable(this.o.features) ? this.o.features as Table : {};
    for (const [name, values] of Object.entries(nFeatures)) {
      const orig = oFeatures[name];
      if (orig === undefined) {
        this.add(`features.${name}: ${NOT_IN_ORIG}`);
        continue;
      }
      const allowed = new Set(stringList(orig));
      for (const v of stringList(values)) {
        if (!allowed.has(v)) this.add(`features.${name}: ${show(v)} ${NOT_IN_ORIG}`);
      }
    }
    // Cargo copies every feature, dropping only the values that name a dependency it removed
    // (`dep:x`, `x/f`, `x?/f` with no dependency `x` left): anything else missing is not built.
    const deps = new Set(dependencyTables(this.n).flatMap((t) => Object.keys(t.deps)));
    for (const [name, values] of Object.entries(oFeatures)) {
      const written = nFeatures[name];
      if (written === undefined) {
        this.add(`features.${name}: in Cargo.toml.orig but not in Cargo.toml`);
        continue;
      }
      const kept = new Set(stringList(written));
      for (const v of stringList(values)) {
        if (kept.has(v)) continue;
        const dep = featureDependency(v);
        if (dep !== undefined && !deps.has(dep)) continue;
        this.add(`features.${name}: ${show(v)} in Cargo.toml.orig but not in Cargo.toml`);
      }
    }
  }
}

/**
 * Package fields cargo copies (after inheritance) and hands the build as CARGO_PKG_* variables
 * (`readme` and `license-file` are rewritten when they lie outside the package; not compared).
 */
/** The readme files cargo looks for when the manifest names none, in its order. */
const README_NAMES = ["README.md", "README.txt", "README"];

const PACKAGE_ENV_KEYS = [
  "authors",
  "description",
  "homepage",
  "repository",
  "license",
  "rust-version",
] as const;

function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/**
 * The dependency a feature value names, as cargo's `FeatureValue` reads it (`dep:x` and `x/f`,
 * `x?/f`), or undefined for a plain feature name.
 */
function featureDependency(value: string): string | undefined {
  if (value.startsWith("dep:")) return value.slice(4);
  const slash = value.indexOf("/");
  if (slash < 0) return undefined;
  const dep = value.slice(0, slash);
  return dep.endsWith("?") ? dep.slice(0, -1) : dep;
}

/** Keys a dependency of the normalized manifest may have (path, git, … are removed by cargo). */
const DEPENDENCY_KEYS = new Set([
  "version",
  "package",
  "optional",
  "features",
  "default-features",
  "default_features",
  "registry",
  "registry-index",
  "public",
  "artifact",
  "lib",
  "target",
]);

// ---------------------------------------------------------------------------------------------
// Manifest reading

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

function isWorkspaceRef(value: unknown): boolean {
  return isTable(value) && value.workspace === true;
}

function packageOf(manifest: Table | undefined): Table | undefined {
  const pkg = manifest?.package ?? manifest?.project;
  return isTable(pkg) ? pkg : undefined;
}

function workspacePackage(ws: Table | undefined): Table | undefined {
  const w = ws?.workspace;
  return isTable(w) && isTable(w.package) ? w.package : undefined;
}

function asDependency(value: unknown): Table | undefined {
  if (typeof value === "string") return { version: value };
  return isTable(value) ? value : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** Every dependency table of a manifest, by key path (`target."cfg(unix)".dependencies`). */
function dependencyTables(manifest: Table): { path: string; deps: Table }[] {
  const out: { path: string; deps: Table }[] = [];
  const collect = (prefix: string, holder: Table) => {
    for (const [kind, aliases] of DEPENDENCY_KINDS) {
      // Cargo reads one table, the dashed spelling when both are there (never both merged).
      const key = aliases.find((a) => holder[a] !== undefined);
      const t = key === undefined ? undefined : holder[key];
      out.push({ path: `${prefix}${kind}`, deps: isTable(t) ? { ...t } : {} });
    }
  };
  collect("", manifest);
  if (isTable(manifest.target)) {
    for (const [cfg, platform] of Object.entries(manifest.target)) {
      if (isTable(platform)) collect(`target.${JSON.stringify(cfg)}.`, platform);
    }
  }
  return out;
}

const DEPENDENCY_KINDS: readonly [string, readonly string[]][] = [
  ["dependencies", ["dependencies"]],
  ["dev-dependencies", ["dev-dependencies", "dev_dependencies"]],
  ["build-dependencies", ["build-dependencies", "build_dependencies"]],
];

/** The build scripts a manifest runs, as package-relative paths. */
function buildScripts(manifest: Table, files: readonly string[]): string[] {
  const build = packageOf(manifest)?.build;
  if (build === undefined) return files.includes("build.rs") ? ["build.rs"] : [];
  if (build === false) return [];
  if (build === true) return ["build.rs"];
  if (typeof build === "string") return [normalizePath(build)];
  if (Array.isArray(build)) return build.map((b) => normalizePath(String(b)));
  return [show(build)];
}

type TargetKind = "lib" | "bin" | "example" | "test" | "bench";

interface Target {
  kind: TargetKind;
  name?: string;
  path?: string;
  /** Every other key, underscores written as dashes. */
  settings: Table;
}

const TARGET_TABLES: readonly [TargetKind, string, string | undefined][] = [
  ["bin", "autobins", "src/bin"],
  ["example", "autoexamples", "examples"],
  ["test", "autotests", "tests"],
  ["bench", "autobenches", "benches"],
];

/** The targets cargo builds from a manifest, discovery applied over the crate's files. */
function targetsOf(manifest: Table, files: readonly string[]): Target[] {
  const pkg = packageOf(manifest) ?? {};
  const name = typeof pkg.name === "string" ? pkg.name : "";
  const edition2015 = (pkg.edition ?? "2015") === "2015";
  const index = fileIndexOf(files);
  const fileSet = index.paths;
  const out: Target[] = [];

  // The library.
  const libTable = isTable(manifest.lib) ? manifest.lib : undefined;
  const explicitLib = libTable ? toTarget("lib", libTable) : undefined;
  if (pkg.autolib === false && (!explicitLib || (explicitLib.name && explicitLib.path))) {
    if (explicitLib) out.push(explicitLib);
  } else {
    const inferred = fileSet.has("src/lib.rs") ? "src/lib.rs" : undefined;
    const lib = explicitLib ?? (inferred ? { kind: "lib" as const, settings: {} } : undefined);
    if (lib) {
      lib.name ??= name.replaceAll("-", "_");
      lib.path ??= inferred ??
        (edition2015 && fileSet.has(`src/${lib.name}.rs`) ? `src/${lib.name}.rs` : undefined);
      out.push(lib);
    }
  }
  const hasLib = out.length > 0;

  for (const [kind, flag, dir] of TARGET_TABLES) {
    const raw = manifest[kind];
    const explicit = Array.isArray(raw)
      ? raw.filter(isTable).map((t) => toTarget(kind, t))
      : undefined;
    const auto = pkg[flag] === undefined ? undefined : pkg[flag] === true;
    if (auto === false && (explicit ?? []).every((t) => t.name && t.path)) {
      out.push(...(explicit ?? []));
      continue;
    }
    const inferred = inferTargets(index, dir!, kind === "bin" ? name : undefined);
    let targets: Target[];
    if (explicit === undefined) {
      targets = auto === false ? [] : inferred.map((i) => ({ kind, ...i, settings: {} }));
    } else {
      targets = [...explicit];
      const names = new Set(explicit.map((t) => t.name));
      const paths = new Set(explicit.map((t) => t.path));
      const rest = inferred.filter((i) => !names.has(i.name) && !paths.has(i.path));
      if (auto ?? !edition2015) targets.push(...rest.map((i) => ({ kind, ...i, settings: {} })));
    }
    for (const t of targets) {
      if (t.path !== undefined) continue;
      const matching = inferred.filter((i) => i.name === t.name);
      if (matching.length === 1) t.path = matching[0].path;
      else if (edition2015 && kind === "bin") {
        t.path = [
          ...(!hasLib ? [`src/${t.name}.rs`] : []),
          "src/main.rs",
          "src/bin/main.rs",
        ].find((p) => fileSet.has(p));
      }
    }
    out.push(...targets);
  }
  return out;
}

function toTarget(kind: TargetKind, table: Table): Target {
  const settings: Table = {};
  let name: string | undefined;
  let path: string | undefined;
  for (const [key, value] of Object.entries(table)) {
    if (key === "name" && typeof value === "string") name = value;
    else if (key === "path" && typeof value === "string") path = normalizePath(value);
    else {
      // Cargo reads `crate-type` over `crate_type` (and `proc-macro` over `proc_macro`).
      const dashed = key.replaceAll("_", "-");
      if (dashed === key || !(dashed in table)) settings[dashed] = value;
    }
  }
  return { kind, ...(name !== undefined ? { name } : {}), ...(path ? { path } : {}), settings };
}

/** A crate's file list as target discovery reads it: normalized paths, as a set and sorted. */
interface FileIndex {
  readonly paths: ReadonlySet<string>;
  /** The same paths in code-unit order (the order discovery lists targets in). */
  readonly sorted: readonly string[];
}

/**
 * Target discovery runs four times per crate (both manifests, for the code paths and for the
 * comparison) over the same file list: it is normalized and sorted once per list.
 */
const fileIndexes = new WeakMap<readonly string[], FileIndex>();

function fileIndexOf(files: readonly string[]): FileIndex {
  let index = fileIndexes.get(files);
  if (index === undefined) {
    const paths = new Set(files.map(normalizePath));
    index = { paths, sorted: [...paths].sort() };
    fileIndexes.set(files, index);
  }
  return index;
}

/** Cargo's discovery in a directory: `dir/x.rs` (name `x`), `dir/x/main.rs` (name `x`). */
function inferTargets(
  files: FileIndex,
  dir: string,
  mainName: string | undefined,
): { name: string; path: string }[] {
  const out: { name: string; path: string }[] = [];
  if (mainName !== undefined && files.paths.has("src/main.rs")) {
    out.push({ name: mainName, path: "src/main.rs" });
  }
  const prefix = `${dir}/`;
  for (const f of files.sorted) {
    if (!f.startsWith(prefix)) continue;
    const rest = f.slice(prefix.length).split("/");
    if (rest[0].startsWith(".")) continue;
    if (rest.length === 1 && rest[0].endsWith(".rs")) {
      out.push({ name: rest[0].slice(0, -3), path: f });
    } else if (rest.length === 2 && rest[1] === "main.rs") {
      out.push({ name: rest[0], path: f });
    }
  }
  return out;
}

/** `./a/../b\\c` → `b/c` (cargo's `normalize_path`, on `/` and `\`). */
function normalizePath(path: string): string {
  // Nearly every path of a crate is normal already: then it is its own result.
  if (isNormalPath(path)) return path;
  const out: string[] = [];
  for (const part of path.split(/[\\/]/)) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else out.push(part);
  }
  return out.join("/");
}

/** Whether {@link normalizePath} leaves `path` as it is: no `\`, no empty, `.` or `..` part. */
function isNormalPath(path: string): boolean {
  if (path === "" || path.includes("\\") || path.includes("//")) return false;
  if (path.startsWith("/") || path.endsWith("/")) return false;
  return !/(?:^|\/)\.\.?(?:\/|$)/.test(path);
}

/** `path` (relative to `dir`) relative to the directory `dir` is relative to. */
function joinRelative(dir: string, path: string): string {
  return normalizePath(dir === "" ? path : `${dir}/${path}`);
}

/** Profiles as cargo writes them back (`debug = true` is `debug = 2`, …). */
function canonicalProfile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalProfile);
  if (!isTable(value)) return value;
  const out: Table = {};
  for (const [key, v] of Object.entries(value)) {
    const k = key.replaceAll("_", "-");
    if (k === "debug") out[k] = DEBUG_LEVELS[String(v)] ?? v;
    else if (k === "opt-level") out[k] = String(v);
    else out[k] = canonicalProfile(v);
  }
  return out;
}

const DEBUG_LEVELS: Record<string, unknown> = {
  "true": 2,
  "2": 2,
  "full": 2,
  "false": 0,
  "0": 0,
  "none": 0,
  "1": 1,
  "limited": 1,
};

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) return String(a) === String(b);
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isTable(a) && isTable(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!deepEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

function show(value: unknown): string {
  if (value === undefined) return "(none)";
  if (value instanceof Date) return String(value);
  return JSON.stringify(value) ?? String(value);
}

// ---------------------------------------------------------------------------------------------
// Cargo.lock

/**
 * Checks a crate's `Cargo.lock` is what cargo writes for it: a lock file (TOML, a `version` of 1
 * to 4 or none, `[[package]]` entries with a name and a version) holding the crate itself
 * (`name`, `version`, no `source`). Returns the problem, or undefined when it is one.
 */
export function checkCrateLock(
  bytes: Uint8Array,
  crate: { name: string; version: string },
): string | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return "Cargo.lock: not UTF-8 text, so not a lock file cargo wrote";
  }
  const parsed = parseManifest(text);
  if ("error" in parsed) return `Cargo.lock: not TOML (${parsed.error}), so not a lock file`;
  const lock = parsed.table;
  const version = lock.version;
  if (version !== undefined && !(typeof version === "number" && version >= 1 && version <= 4)) {
    return `Cargo.lock: version ${show(version)} is no lock file format cargo writes`;
  }
  // Lock files of old cargo (v1) name the root package in a `[root]` table.
  const packages = [
    ...(Array.isArray(lock.package) ? lock.package : []),
    ...(isTable(lock.root) ? [lock.root] : []),
  ];
  if (lock.package !== undefined && !Array.isArray(lock.package)) {
    return "Cargo.lock: package is not an array of tables, so not a lock file cargo wrote";
  }
  if (packages.length === 0) {
    return "Cargo.lock: no [[package]] entries, so not a lock file cargo wrote";
  }
  for (const [i, p] of packages.entries()) {
    if (!isTable(p) || typeof p.name !== "string" || typeof p.version !== "string") {
      return `Cargo.lock: package entry ${i + 1} has no name and version`;
    }
  }
  const self = packages.find((p) =>
    (p as Table).name === crate.name && (p as Table).version === crate.version
  ) as Table | undefined;
  if (self === undefined) {
    return `Cargo.lock: holds no package ${crate.name} ${crate.version} (the crate itself), ` +
      "so cargo did not write it for this crate";
  }
  if (self.source !== undefined) {
    return `Cargo.lock: the crate's own entry has source ${show(self.source)}; cargo writes the ` +
      "package being packaged without one";
  }
  return undefined;
}
