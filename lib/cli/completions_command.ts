/**
 * `cargo-attest completions bash|zsh|fish`: prints a completion script for the shell, with the
 * commands, their subcommands, each command's options (the tables of `option_tables.ts`, which
 * the commands parse their arguments with) and the values of `--format` and `--color`.
 * @module
 */
import { UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import type { CliIo } from "./io.ts";
import { formatsFor } from "./output_options.ts";
import { COMMAND_OPTION_TABLES, type OptionTable } from "./option_tables.ts";

/** The shells a completion script is printed for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

/** One of {@link SHELLS}. */
export type Shell = typeof SHELLS[number];

/** What an option's value is: a file, one of some words, or free text (not completed). */
export type OptionValue =
  | { readonly kind: "file" }
  | { readonly kind: "choice"; readonly values: readonly string[] }
  | { readonly kind: "text"; readonly hint: string };

/** An option of a command, as completion sees it. */
export interface CompletionOption {
  readonly name: string;
  readonly description: string;
  /** Undefined for a flag. */
  readonly value?: OptionValue;
  readonly repeatable: boolean;
}

/** A positional argument: files, one of some words, or free text. */
export type CompletionPositional =
  | { readonly kind: "files" }
  | { readonly kind: "choice"; readonly values: readonly (readonly [string, string])[] }
  | { readonly kind: "text"; readonly hint: string };

/** A command (or a subcommand) with its options. */
export interface CompletionCommand {
  readonly name: string;
  readonly description: string;
  readonly options: readonly CompletionOption[];
  readonly positional?: CompletionPositional;
  /** Subcommands that must come first (`policy check`); each has its own options. */
  readonly subcommands?: readonly CompletionCommand[];
}

/** What each option means, in a few words (no `[`, `]`, `:` or quotes: the scripts quote them). */
const OPTION_DESCRIPTIONS: Readonly<Record<string, string>> = {
  format: "report format",
  json: "print the JSON report (same as --format json)",
  color: "when to colour the output",
  quiet: "print less",
  verbose: "explain every step",
  repo: "signer must be a workflow of OWNER/REPO",
  "signer-workflow": "signer must be this workflow OWNER/REPO/PATH",
  "source-ref": "signer must have built from this ref",
  "certificate-identity": "exact certificate SAN",
  "certificate-oidc-issuer": "exact certificate OIDC issuer",
  "trusted-root": "a Sigstore trusted_root.json (repeatable)",
  staging: "trust the Sigstore staging instance",
  "require-rekor": "require transparency-log evidence",
  strict: "every skipped check fails",
  offline: "no network, the cache only",
  "no-cache": "neither read nor write the cache",
  jobs: "subjects verified at once",
  policy: "the policy file",
  bundle: "a Sigstore bundle (repeatable)",
  sha256: "the expected SHA-256",
  key: "a PEM public key",
  asset: "verify only this asset (repeatable)",
  timeout: "bound on the run's network time, in seconds",
  "max-github-requests": "send at most N requests to the GitHub API in the run",
  base: "the pull request's base: a git revision or a lock file",
  history: "compare each crate with the version published before it",
  force: "overwrite an existing file",
  path: "where to write the policy",
  "max-age": "prune entries older than this (30d)",
  from: "the saved JSON report",
  "lock-file": "the Cargo.lock a lock report came from",
  "tuf-url": "a TUF repository: URL or github=URL (repeatable)",
};

/** Options whose value is a path. */
const FILE_OPTIONS: ReadonlySet<string> = new Set([
  "policy",
  "trusted-root",
  "bundle",
  "key",
  "path",
  "from",
  "lock-file",
  "base",
]);

function optionsOf(command: string): CompletionOption[] {
  const table: OptionTable | undefined =
    COMMAND_OPTION_TABLES[command as keyof typeof COMMAND_OPTION_TABLES];
  if (!table) throw new Error(`completions: no option table for '${command}'`);
  return Object.entries(table).sort(([a], [b]) => a.localeCompare(b)).map(([name, spec]) => {
    const description = OPTION_DESCRIPTIONS[name];
    if (description === undefined) throw new Error(`completions: no description for --${name}`);
    let value: OptionValue | undefined;
    if (spec.type === "string") {
      value = name === "format"
        ? { kind: "choice", values: formatsFor(command) }
        : name === "color"
        ? { kind: "choice", values: ["auto", "always", "never"] }
        : FILE_OPTIONS.has(name)
        ? { kind: "file" }
        : { kind: "text", hint: name.toUpperCase().replace(/-/g, "_") };
    }
    return { name, description, value, repeatable: spec.multiple === true };
  });
}

const COMMAND_DESCRIPTIONS: readonly (readonly [string, string])[] = [
  ["hash", "sha256 of each file, in sha256sum format"],
  ["file", "verify a local artifact with Sigstore bundles or a checksum"],
  ["verify-bundle", "the sigstore-conformance client protocol"],
  ["release", "verify the assets of a GitHub release"],
  ["crate", "verify crates from crates.io"],
  ["lock", "verify every crate of a Cargo.lock"],
  ["policy", "validate or explain an attest.toml"],
  ["init", "write a commented attest.toml"],
  ["cache", "show, empty or prune the cache"],
  ["report", "render a saved JSON report as text, Markdown or SARIF"],
  ["trust", "refresh or show the trusted roots (TUF)"],
  ["completions", "print a shell completion script"],
];

/** Every command, subcommand and option the completion scripts offer. */
export function describeCommands(): CompletionCommand[] {
  const describe = new Map(COMMAND_DESCRIPTIONS);
  const command = (
    name: string,
    positional?: CompletionPositional,
  ): CompletionCommand => ({
    name,
    description: describe.get(name)!,
    options: optionsOf(name),
    ...(positional ? { positional } : {}),
  });
  return [
    command("hash", { kind: "files" }),
    command("file", { kind: "files" }),
    command("verify-bundle", { kind: "files" }),
    command("release", { kind: "text", hint: "OWNER/REPO TAG" }),
    command("crate", { kind: "text", hint: "NAME@VERSION" }),
    command("lock", { kind: "files" }),
    {
      name: "policy",
      description: describe.get("policy")!,
      options: [],
      subcommands: [
        {
          name: "check",
          description: "validate a policy file",
          options: optionsOf("policy check"),
          positional: { kind: "files" },
        },
        {
          name: "explain",
          description: "which rules apply to a subject, and where",
          options: optionsOf("policy explain"),
          positional: { kind: "text", hint: "OWNER/REPO or NAME@VERSION" },
        },
        {
          name: "schema",
          description: "print the policy JSON Schema",
          options: optionsOf("policy schema"),
        },
      ],
    },
    command("init"),
    command("cache", {
      kind: "choice",
      values: [
        ["info", "where the cache is and its size"],
        ["clear", "delete every entry"],
        ["prune", "delete old and corrupt entries"],
      ],
    }),
    command("report"),
    {
      name: "trust",
      description: describe.get("trust")!,
      options: [],
      subcommands: [
        {
          name: "update",
          description: "refresh the trusted roots through TUF now",
          options: optionsOf("trust update"),
        },
        {
          name: "show",
          description: "which roots are in use, their digests and expiry",
          options: optionsOf("trust show"),
        },
      ],
    },
    command("completions", {
      kind: "choice",
      values: [["bash", "Bash"], ["zsh", "Zsh"], ["fish", "fish"]],
    }),
  ];
}

const HEADER = (shell: Shell) =>
  `${shell} completion for cargo-attest. Generated by 'cargo-attest completions ${shell}'; do not edit.`;

// ---------------------------------------------------------------------------------------------
// bash

function bashWords(words: readonly string[]): string {
  return words.join(" ");
}

function bashValueCases(options: readonly CompletionOption[], indent: string): string[] {
  const lines: string[] = [];
  if (!options.some((o) => o.value)) return lines;
  const files = options.filter((o) => o.value?.kind === "file").map((o) => `--${o.name}`);
  const text = options.filter((o) => o.value?.kind === "text").map((o) => `--${o.name}`);
  lines.push(`${indent}case "$prev" in`);
  for (const o of options) {
    if (o.value?.kind !== "choice") continue;
    lines.push(
      `${indent}    --${o.name}) COMPREPLY=($(compgen -W "${
        bashWords(o.value.values)
      }" -- "$cur")); return ;;`,
    );
  }
  if (files.length > 0) {
    lines.push(`${indent}    ${files.join("|")}) _cargo_attest_files; return ;;`);
  }
  if (text.length > 0) lines.push(`${indent}    ${text.join("|")}) return ;;`);
  lines.push(`${indent}esac`);
  return lines;
}

function bashCommandBody(command: CompletionCommand, indent: string): string[] {
  const lines = bashValueCases(command.options, indent);
  const opts = [...command.options.map((o) => `--${o.name}`), "--help"];
  lines.push(`${indent}opts="${bashWords(opts)}"`);
  const p = command.positional;
  if (p?.kind === "files") lines.push(`${indent}files=1`);
  if (p?.kind === "choice") {
    lines.push(`${indent}[[ -z "$arg" ]] && words="${bashWords(p.values.map(([v]) => v))}"`);
  }
  return lines;
}

function renderBash(commands: readonly CompletionCommand[]): string {
  const valueOptions = new Set<string>();
  const collect = (c: CompletionCommand) => {
    for (const o of c.options) if (o.value) valueOptions.add(`--${o.name}`);
    c.subcommands?.forEach(collect);
  };
  commands.forEach(collect);
  const names = [...commands.map((c) => c.name), "help"];
  const lines = [
    `# ${HEADER("bash")}`,
    "# Install: cargo-attest completions bash > ~/.local/share/bash-completion/completions/cargo-attest",
    "",
    "_cargo_attest_files() {",
    '    COMPREPLY=($(compgen -f -- "$cur"))',
    "    compopt -o filenames 2>/dev/null",
    "}",
    "",
    "_cargo_attest() {",
    "    local cur prev word cmd sub arg opts words files skip i",
    '    cur="${COMP_WORDS[COMP_CWORD]}"',
    '    prev=""',
    '    ((COMP_CWORD > 0)) && prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "    # --opt=value: bash splits at '=' (COMP_WORDBREAKS)",
    '    if [[ "$cur" == "=" ]]; then',
    '        cur=""',
    '    elif [[ "$prev" == "=" ]] && ((COMP_CWORD > 1)); then',
    '        prev="${COMP_WORDS[COMP_CWORD-2]}"',
    "    fi",
    '    cmd="" sub="" arg="" opts="" words="" files=0 skip=0',
    "    # The command, its subcommand and its first argument: words that are neither options",
    "    # nor option values.",
    "    for ((i = 1; i < COMP_CWORD; i++)); do",
    '        word="${COMP_WORDS[i]}"',
    "        if ((skip)); then",
    "            skip=0",
    '            [[ "$word" == "=" ]] && skip=1',
    "            continue",
    "        fi",
    '        case "$word" in',
    "            =) skip=1 ;;",
    `            ${[...valueOptions].sort().join("|")}) skip=1 ;;`,
    "            -*) ;;",
    "            *)",
    '                if [[ -z "$cmd" ]]; then',
    '                    [[ "$word" == attest && $i -eq 1 ]] || cmd="$word"',
    '                elif [[ -z "$sub" ]]; then',
    '                    sub="$word"',
    '                elif [[ -z "$arg" ]]; then',
    '                    arg="$word"',
    "                fi",
    "                ;;",
    "        esac",
    "    done",
    '    case "$cmd" in',
    '        "")',
    '            if [[ "$cur" == -* ]]; then',
    '                COMPREPLY=($(compgen -W "--help --version" -- "$cur"))',
    "            else",
    `                COMPREPLY=($(compgen -W "${bashWords(names)}" -- "$cur"))`,
    "            fi",
    "            return",
    "            ;;",
    "        help)",
    `            [[ -z "$sub" ]] && COMPREPLY=($(compgen -W "${
      bashWords(commands.map((c) => c.name))
    }" -- "$cur"))`,
    "            return",
    "            ;;",
  ];
  for (const command of commands) {
    lines.push(`        ${command.name})`);
    if (command.subcommands) {
      lines.push(
        '            case "$sub" in',
        '                "")',
        '                    if [[ "$cur" != -* ]]; then',
        `                        COMPREPLY=($(compgen -W "${
          bashWords(command.subcommands.map((s) => s.name))
        }" -- "$cur"))`,
        "                    fi",
        "                    return",
        "                    ;;",
      );
      for (const sub of command.subcommands) {
        lines.push(`                ${sub.name})`);
        lines.push(...bashCommandBody(sub, "                    "));
        lines.push("                    ;;");
      }
      lines.push("                *) return ;;", "            esac");
    } else {
      // For commands without subcommands, the first argument is in $sub.
      lines.push('            arg="$sub"');
      lines.push(...bashCommandBody(command, "            "));
    }
    lines.push("            ;;");
  }
  lines.push(
    "        *) return ;;",
    "    esac",
    '    if [[ "$cur" == -* ]]; then',
    '        COMPREPLY=($(compgen -W "$opts" -- "$cur"))',
    '    elif [[ -n "$words" ]]; then',
    '        COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    "    elif ((files)); then",
    "        _cargo_attest_files",
    "    fi",
    "}",
    "",
    "complete -F _cargo_attest cargo-attest",
  );
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// zsh

/** Single-quotes a word for zsh and fish ('it'\''s' in zsh; fish escapes with a backslash). */
function zshQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function zshOptionSpec(o: CompletionOption): string {
  const star = o.repeatable ? "*" : "";
  if (!o.value) return zshQuote(`${star}--${o.name}[${o.description}]`);
  const action = o.value.kind === "file"
    ? "_files"
    : o.value.kind === "choice"
    ? `(${o.value.values.join(" ")})`
    : " ";
  const message = o.value.kind === "text" ? o.value.hint : o.name;
  return zshQuote(`${star}--${o.name}=[${o.description}]:${message}:${action}`);
}

function zshPositionalSpecs(p: CompletionPositional | undefined): string[] {
  if (!p) return [];
  switch (p.kind) {
    case "files":
      return [zshQuote("*:file:_files")];
    case "text":
      return [zshQuote(`*:${p.hint}: `)];
    case "choice":
      return [
        zshQuote(`1:argument:((${p.values.map(([v, d]) => `${v}\\:"${d}"`).join(" ")}))`),
      ];
  }
}

function zshArguments(command: CompletionCommand, indent: string): string[] {
  const specs = [
    ...command.options.map(zshOptionSpec),
    zshQuote("(- *)--help[print help]"),
    ...zshPositionalSpecs(command.positional),
  ];
  return [
    `${indent}_arguments \\`,
    ...specs.map((s, i) => `${indent}    ${s}${i < specs.length - 1 ? " \\" : " && ret=0"}`),
  ];
}

function zshDescribe(
  name: string,
  tag: string,
  entries: readonly (readonly [string, string])[],
  indent: string,
): string[] {
  return [
    `${indent}local -a ${name}`,
    `${indent}${name}=(`,
    ...entries.map(([n, d]) => `${indent}    ${zshQuote(`${n}:${d}`)}`),
    `${indent})`,
    `${indent}_describe -t ${name} ${zshQuote(tag)} ${name} && ret=0`,
  ];
}

function renderZsh(commands: readonly CompletionCommand[]): string {
  const lines = [
    "#compdef cargo-attest",
    `# ${HEADER("zsh")}`,
    "# Install: cargo-attest completions zsh > ~/.zfunc/_cargo-attest (fpath+=~/.zfunc before compinit)",
    "",
    "_cargo-attest() {",
    '    local curcontext="$curcontext" state line ret=1',
    "    typeset -A opt_args",
    "    _arguments -C \\",
    `        ${zshQuote("(- *)")}{-h,--help}${zshQuote("[print help]")} \\`,
    `        ${zshQuote("(- *)")}{-V,--version}${zshQuote("[print the version]")} \\`,
    `        ${zshQuote("1: :->command")} \\`,
    `        ${zshQuote("*:: :->args")} && ret=0`,
    "    case $state in",
    "        command)",
    ...zshDescribe(
      "commands",
      "cargo-attest command",
      [...commands.map((c) => [c.name, c.description] as const), [
        "help",
        "print a command's help",
      ]],
      "            ",
    ),
    "            ;;",
    "        args)",
    '            curcontext="${curcontext%:*:*}:cargo-attest-$words[1]:"',
    "            case $words[1] in",
    "                help)",
    ...zshDescribe(
      "topics",
      "command",
      commands.map((c) => [c.name, c.description] as const),
      "                    ",
    ),
    "                    ;;",
  ];
  for (const command of commands) {
    lines.push(`                ${command.name})`);
    if (command.subcommands) {
      lines.push("                    if (( CURRENT == 2 )); then");
      lines.push(
        ...zshDescribe(
          "subcommands",
          `${command.name} subcommand`,
          command.subcommands.map((s) => [s.name, s.description] as const),
          "                        ",
        ),
      );
      lines.push("                    else");
      lines.push("                        shift words");
      lines.push("                        (( CURRENT-- ))");
      lines.push("                        case $words[1] in");
      for (const sub of command.subcommands) {
        lines.push(`                            ${sub.name})`);
        lines.push(...zshArguments(sub, "                                "));
        lines.push("                                ;;");
      }
      lines.push("                        esac");
      lines.push("                    fi");
    } else {
      lines.push(...zshArguments(command, "                    "));
    }
    lines.push("                    ;;");
  }
  lines.push(
    "            esac",
    "            ;;",
    "    esac",
    "    return ret",
    "}",
    "",
    '_cargo-attest "$@"',
  );
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// fish

function fishQuote(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

function fishOption(condition: string, o: CompletionOption): string {
  const parts = ["complete -c cargo-attest", `-n ${fishQuote(condition)}`, `-l ${o.name}`];
  if (o.value?.kind === "file") parts.push("-r -F");
  else if (o.value?.kind === "choice") parts.push(`-x -a ${fishQuote(o.value.values.join(" "))}`);
  else if (o.value?.kind === "text") parts.push("-x");
  parts.push(`-d ${fishQuote(o.description)}`);
  return parts.join(" ");
}

function fishCommandLines(command: CompletionCommand, condition: string): string[] {
  const lines = command.options.map((o) => fishOption(condition, o));
  lines.push(`complete -c cargo-attest -n ${fishQuote(condition)} -s h -l help -d 'print help'`);
  const p = command.positional;
  if (p?.kind === "files") lines.push(`complete -c cargo-attest -n ${fishQuote(condition)} -F`);
  if (p?.kind === "choice") {
    const words = p.values.map(([v]) => v).join(" ");
    for (const [value, description] of p.values) {
      lines.push(
        `complete -c cargo-attest -n ${
          fishQuote(`${condition}; and not __fish_seen_subcommand_from ${words}`)
        } -a ${value} -d ${fishQuote(description)}`,
      );
    }
  }
  return lines;
}

function renderFish(commands: readonly CompletionCommand[]): string {
  const lines = [
    `# ${HEADER("fish")}`,
    "# Install: cargo-attest completions fish > ~/.config/fish/completions/cargo-attest.fish",
    "",
    "complete -c cargo-attest -f",
    "complete -c cargo-attest -n __fish_use_subcommand -s h -l help -d 'print help'",
    "complete -c cargo-attest -n __fish_use_subcommand -s V -l version -d 'print the version'",
  ];
  for (const c of commands) {
    lines.push(
      `complete -c cargo-attest -n __fish_use_subcommand -a ${c.name} -d ${
        fishQuote(c.description)
      }`,
    );
  }
  lines.push(
    "complete -c cargo-attest -n __fish_use_subcommand -a help -d 'print a command'\\''s help'",
  );
  const names = commands.map((c) => c.name).join(" ");
  for (const c of commands) {
    lines.push(
      `complete -c cargo-attest -n ${
        fishQuote(`__fish_seen_subcommand_from help; and not __fish_seen_subcommand_from ${names}`)
      } -a ${c.name} -d ${fishQuote(c.description)}`,
    );
  }
  for (const command of commands) {
    lines.push("", `# ${command.name}`);
    const seen = `__fish_seen_subcommand_from ${command.name}`;
    if (command.subcommands) {
      const subs = command.subcommands.map((s) => s.name).join(" ");
      for (const sub of command.subcommands) {
        lines.push(
          `complete -c cargo-attest -n ${
            fishQuote(`${seen}; and not __fish_seen_subcommand_from ${subs}`)
          } -a ${sub.name} -d ${fishQuote(sub.description)}`,
        );
      }
      for (const sub of command.subcommands) {
        lines.push(
          ...fishCommandLines(sub, `${seen}; and __fish_seen_subcommand_from ${sub.name}`),
        );
      }
    } else {
      lines.push(...fishCommandLines(command, seen));
    }
  }
  return lines.join("\n") + "\n";
}

/** The completion script for `shell`. */
export function renderCompletionScript(shell: Shell): string {
  const commands = describeCommands();
  switch (shell) {
    case "bash":
      return renderBash(commands);
    case "zsh":
      return renderZsh(commands);
    case "fish":
      return renderFish(commands);
  }
}

/** Runs `completions SHELL`: prints the script; exit 0 (3 on a usage error). */
export function runCompletions(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs("completions", args);
  const usage = "usage: cargo-attest completions bash|zsh|fish";
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? "completions: no shell given"
        : `completions: unexpected argument '${parsed.positionals[1]}'`,
      usage,
    );
  }
  const shell = parsed.positionals[0];
  if (!(SHELLS as readonly string[]).includes(shell)) {
    throw new UsageError(`completions: unknown shell '${shell}' (bash, zsh or fish)`, usage);
  }
  io.stdout(renderCompletionScript(shell as Shell));
  return Promise.resolve(0);
}
