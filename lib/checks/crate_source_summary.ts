/**
 * The `crate-source` result (`./crate_source.ts`) from the outcome of every crate file and what
 * cargo wrote: the mismatch, the files not compared (and whether they are code, so block
 * TRUSTED), or the pass with each explained match grouped under its explanation; messages name
 * at most {@link MAX_LISTED_FILES} files. A pure function; internal to
 * `lib/checks/crate_source*.ts`.
 * @module
 */
import type { CrateFile } from "../evidence/crate_archive.ts";
import type { CheckResult } from "./check_result.ts";
import type { ManifestExam } from "./crate_source_manifest.ts";
import { joinPath, short, where } from "./crate_source_paths.ts";

/** Messages name at most this many files, then "and N more". */
export const MAX_LISTED_FILES = 20;

/** How a file whose blob differs was shown to match all the same. */
export type Explanation = "outside" | "symlink" | "link-text" | "lfs" | "line-endings";

/** Explanations in the order messages group them (a file goes under its first). */
const EXPLANATION_ORDER: readonly Explanation[] = [
  "outside",
  "symlink",
  "link-text",
  "lfs",
  "line-endings",
];

/** The title of each group of explained files in the pass message, for `n` files. */
const EXPLANATION_TITLES: Record<Explanation, (n: number) => string> = {
  "outside": (n) => `${n} taken from outside path_in_vcs`,
  "symlink": (n) => `${n} through symlinks in the repository`,
  "link-text": (n) =>
    `${n} holding the target of a repository symlink as text (checked out where git ` +
    `writes links as plain files, e.g. on Windows)`,
  "lfs": (n) => `${n} git-lfs ${n === 1 ? "object" : "objects"} matching the repository's pointer`,
  "line-endings": (n) =>
    `${n} differing only in line endings (CRLF vs LF, as git's autocrlf converts them)`,
};

/** What comparing one crate file with the tree found. */
export type FileOutcome =
  | { status: "match"; file: CrateFile; repoPath: string }
  | { status: "explained"; file: CrateFile; how: Explanation[]; detail: string }
  | { status: "differs"; file: CrateFile; repoPath: string; repoSha: string; note?: string }
  | { status: "absent"; file: CrateFile; repoPath: string; note?: string }
  | { status: "unresolved"; file: CrateFile; reason: string; listing: boolean };

/** Everything the check found, for {@link summarize}. */
export interface Summary {
  /** `owner/repo at COMMIT`, for messages. */
  at: string;
  /** The package directory compared under (`""` for the root). */
  base: string;
  /** The outcome of every crate file not written by cargo. */
  outcomes: FileOutcome[];
  /** The files cargo wrote into the crate. */
  generated: CrateFile[];
  /** Whether cargo recorded packaging a dirty working tree. */
  dirty: boolean;
  /** How the package directory was inferred, when `path_in_vcs` is not recorded. */
  inferred?: string;
  /** The archive's problems: its listing may be partial, so a pass proves less. */
  problems: number;
  /** The files cargo writes, checked; the manifests' code paths. */
  manifest: ManifestExam;
}

/**
 * Documentation only: a file with one of these names or extensions cannot change what is built
 * or run (a README a crate's docs include changes only its rustdoc). Anything else a build script
 * may read (a `Configure`, a `CMakeLists.txt`, a Python generator, `include_bytes!` data).
 */
const DOCUMENTATION_EXTENSION = /\.(md|markdown|rst|adoc)$/i;
/** The names of documentation (`LICENSE-MIT`, `README.txt`), whatever follows the name. */
const DOCUMENTATION_NAME =
  /^(README|LICEN[CS]E|COPYING|NOTICE|AUTHORS|CONTRIBUTORS|CHANGELOG|CHANGES|HISTORY|CONTRIBUTING|CODE_OF_CONDUCT|SECURITY)([._-].*)?$/i;
/**
 * What may end a documentation name: no extension, a text one, or a version (`LICENSE-2.0`).
 * A module named like documentation (`src/security.rs`, `src/history.rs`) is code.
 */
const DOCUMENTATION_NAME_EXTENSION = /^(txt|text|html?|md|markdown|rst|adoc|[0-9]+)$/i;

/** Whether a crate file is documentation only, by its name (see {@link DOCUMENTATION_NAME}). */
function isDocumentation(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (DOCUMENTATION_EXTENSION.test(name)) return true;
  if (!DOCUMENTATION_NAME.test(name)) return false;
  const dot = name.lastIndexOf(".");
  return dot < 0 || DOCUMENTATION_NAME_EXTENSION.test(name.slice(dot + 1));
}

/**
 * Whether cargo compiles this crate file, or a build script or `include_*!` may read it: every
 * file but documentation (the manifests and lock file included).
 */
function isCompiledCode(path: string, codePaths: ReadonlySet<string>): boolean {
  return codePaths.has(path) || !isDocumentation(path);
}

/**
 * A file that matches only the target text of a repository symlink (git's checkout of a link on
 * Windows) is not shown to be the repository's when a build may read it: the repository holds
 * that text as a link (dangling on GitHub and in every clone that has links), which no build of
 * the repository reads as code, and a symlinked source file packaged on Windows holds a path,
 * which compiles to nothing. Documentation so explained stays explained.
 */
function hiddenInLink(o: FileOutcome, codePaths: ReadonlySet<string>): FileOutcome {
  if (o.status !== "explained" || !o.how.includes("link-text")) return o;
  if (!isCompiledCode(o.file.path, codePaths)) return o;
  return {
    status: "unresolved",
    file: o.file,
    reason: `it matches only the target text of a symlink in the repository (${o.detail}), ` +
      "which no build of the repository reads as code",
    listing: false,
  };
}

/**
 * The `crate-source` result from every file's outcome and what cargo wrote: a mismatch wins
 * over files that could not be compared, which win over a pass.
 */
export function summarize(s: Summary): CheckResult {
  const { base } = s;
  const outcomes = s.outcomes.map((o) => hiddenInLink(o, s.manifest.codePaths));
  const mismatched = outcomes.filter((o) => o.status === "differs" || o.status === "absent");
  const unresolved = outcomes.filter((o) => o.status === "unresolved");
  const differing = outcomes.filter((o) => o.status === "differs");
  const absent = outcomes.filter((o) => o.status === "absent");
  const notes = [
    ...(s.inferred ? [s.inferred] : []),
    ...(s.dirty
      ? ["the crate's .cargo_vcs_info.json records that cargo packaged a dirty working tree"]
      : []),
    ...(s.problems > 0
      ? [
        `the archive itself has ${plural(s.problems, "problem")} (reported on their own), so ` +
        `this covers the files it lists only`,
      ]
      : []),
  ];

  if (mismatched.length > 0) {
    const defaultPath = (f: CrateFile) => joinPath(base, f.path);
    const groups = [
      {
        title: `${differing.length} ${differing.length === 1 ? "differs" : "differ"}`,
        items: differing.map((o) =>
          `${o.file.path}${o.repoPath !== defaultPath(o.file) ? ` (vs ${o.repoPath})` : ""} ` +
          `(crate blob ${short(o.file.gitBlob)}, repository blob ${short(o.repoSha)}${
            o.note ? `; ${o.note}` : ""
          })`
        ),
      },
      {
        title: `${absent.length} not in the repository`,
        items: absent.map((o) => (o.note ? `${o.file.path} (${o.note})` : o.file.path)),
      },
    ].filter((g) => g.items.length > 0);
    const tail = [
      ...s.manifest.findings.map((f) => f.text),
      ...(unresolved.length > 0
        ? [`${plural(unresolved.length, "more file")} could not be compared`]
        : []),
      ...notes,
    ];
    return {
      id: "crate-source",
      status: "fail",
      code: "crate-source-mismatch",
      message: `${plural(mismatched.length, "file")} of the crate ${
        mismatched.length === 1 ? "does" : "do"
      } not match ${s.at} ${where(base)}: ${listGroups(groups)}${
        tail.length > 0 ? `; ${tail.join("; ")}` : ""
      }`,
      ...(differing.length > 0
        ? {
          expected: capped(
            differing.map((o) => `${o.repoPath} ${o.repoSha}`),
          ),
        }
        : {}),
      actual: capped([...differing, ...absent].map((o) => `${o.file.path} ${o.file.gitBlob}`)),
      loadBearing: false,
    };
  }

  const findings = s.manifest.findings;
  if (findings.length > 0) {
    const manifest = findings.some((f) => f.code === "crate-source-manifest-mismatch");
    return {
      id: "crate-source",
      status: "fail",
      code: manifest ? "crate-source-manifest-mismatch" : "crate-source-lock-mismatch",
      message: `what cargo wrote into the crate does not follow from ${s.at} ${where(base)}: ` +
        `${listCapped(findings.map((f) => f.text), "; ")}${
          unresolved.length > 0
            ? `; ${plural(unresolved.length, "more file")} could not be compared`
            : ""
        }${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`,
      loadBearing: false,
    };
  }

  const matched = outcomes.length - unresolved.length;
  const undecided = s.manifest.undecided;
  if (unresolved.length > 0 || undecided.length > 0) {
    const listing = unresolved.some((o) => o.listing);
    const reasons = unresolved.map((o) => `${o.file.path} (${o.reason})`);
    const code = unresolved.filter((o) => isCompiledCode(o.file.path, s.manifest.codePaths));
    const blocking = code.length > 0 || undecided.length > 0;
    const verdictNote = blocking
      ? `${
        [
          ...(code.length > 0 ? [capped(code.map((o) => o.file.path))] : []),
          ...(undecided.length > 0 ? ["the manifest cargo builds with"] : []),
        ].join(" and ")
      } ${
        code.length + (undecided.length > 0 ? 1 : 0) === 1 ? "is" : "are"
      } code cargo compiles (or builds with), so the crate is not shown to be its source`
      : `they are documentation only (README, licence, changelog, Markdown), not anything a ` +
        `build reads, so this does not keep the crate from TRUSTED`;
    const head = unresolved.length > 0
      ? `${unresolved.length} of ${plural(outcomes.length, "file")} of the crate could ` +
        `not be compared with ${s.at} ${where(base)} (${
          matched === 1 ? "the other matches" : `the other ${matched} match`
        }): ${listCapped(reasons, "; ")}`
      : `the crate's files match ${s.at} ${where(base)}, but`;
    return {
      id: "crate-source",
      status: "skip",
      ...(listing ? { code: "crate-source-incomplete" } : { code: "crate-source-unresolved" }),
      message: `${head}${
        undecided.length > 0 ? `${unresolved.length > 0 ? ";" : ""} ${undecided.join("; ")}` : ""
      }; ${verdictNote}${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`,
      loadBearing: false,
      ...(blocking ? { required: true } : {}),
    };
  }

  const parts: string[] = [];
  const orig = outcomes.find((o) => o.file.path === "Cargo.toml.orig");
  if (orig?.status === "match") {
    parts.push(`Cargo.toml.orig matches ${orig.repoPath}`);
  }
  for (const kind of EXPLANATION_ORDER) {
    const items = outcomes.flatMap((o) =>
      o.status === "explained" && o.how[0] === kind ? [o.detail] : []
    );
    if (items.length > 0) parts.push(`${EXPLANATION_TITLES[kind](items.length)}: ${capped(items)}`);
  }
  parts.push(...s.manifest.verified);
  // The generated files left are `.cargo_vcs_info.json`'s kind: records crate-vcs checks.
  const unchecked = s.generated.filter((f) => f.path !== "Cargo.toml" && f.path !== "Cargo.lock");
  if (unchecked.length > 0) {
    parts.push(`${capped(unchecked.map((f) => f.path))} written by cargo, checked by crate-vcs`);
  }
  parts.push(...notes);
  const head = outcomes.length === 0
    ? `the crate has no files but those cargo writes, so nothing was compared with ${s.at}`
    : `${
      outcomes.length === 1 ? "the crate's 1 file matches" : `all ${outcomes.length} files of ` +
        "the crate match"
    } ${s.at} ${where(base)} by git blob`;
  return {
    id: "crate-source",
    status: "pass",
    code: "crate-source-match",
    message: [head, ...parts].join("; "),
    loadBearing: outcomes.length > 0 && s.problems === 0,
  };
}

/** `n` and the noun, plural unless `n` is 1. */
function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Items joined, at most {@link MAX_LISTED_FILES} of them, then "and N more". */
function listCapped(items: readonly string[], separator = ", "): string {
  if (items.length <= MAX_LISTED_FILES) return items.join(separator);
  return `${items.slice(0, MAX_LISTED_FILES).join(separator)} and ${
    items.length - MAX_LISTED_FILES
  } more`;
}

/** Items joined with commas, at most {@link MAX_LISTED_FILES} of them. */
function capped(items: readonly string[]): string {
  return listCapped(items);
}

/** Titled groups sharing one budget of {@link MAX_LISTED_FILES} names. */
function listGroups(groups: readonly { title: string; items: readonly string[] }[]): string {
  let budget = MAX_LISTED_FILES;
  return groups.map((g) => {
    const shown = g.items.slice(0, budget);
    budget -= shown.length;
    const more = g.items.length - shown.length;
    const list = shown.join(", ");
    const rest = more > 0 ? `${shown.length > 0 ? " and " : ""}${more} more` : "";
    return `${g.title}: ${list}${rest}`;
  }).join("; ");
}
