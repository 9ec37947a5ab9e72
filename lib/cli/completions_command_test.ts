import assert from "node:assert/strict";
import { describeCommands, renderCompletionScript, SHELLS } from "./completions_command.ts";
import { COMMAND_HELP } from "./help.ts";
import { createMemoryIo } from "./io.ts";
import { main } from "./main.ts";
import { COMMAND_OPTION_TABLES } from "./option_tables.ts";

const CLI_DIR = new URL(".", import.meta.url).pathname;
const COMPLETIONS_DIR = new URL("../../completions/", import.meta.url).pathname;
const FILES: Readonly<Record<string, string>> = {
  bash: "cargo-attest.bash",
  zsh: "_cargo-attest",
  fish: "cargo-attest.fish",
};

async function run(args: string[]) {
  const io = createMemoryIo();
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

async function shell(
  program: string,
  args: string[],
): Promise<{ code: number; out: string; err: string } | undefined> {
  try {
    const r = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" })
      .output();
    const d = new TextDecoder();
    return { code: r.code, out: d.decode(r.stdout), err: d.decode(r.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

Deno.test("completions cover exactly the commands main() dispatches", async () => {
  const names = describeCommands().map((c) => c.name).sort();
  const commands = Object.keys(COMMAND_HELP).filter((name) => !name.includes(" "));
  assert.deepEqual(names, commands.sort());
  for (const name of names) {
    const r = await run([name, "--help"]);
    assert.equal(r.code, 0, `${name}: ${r.err}`);
    assert.ok(r.out.length > 0, name);
  }
});

Deno.test("every completion script names every command and subcommand", () => {
  for (const shell of SHELLS) {
    const script = renderCompletionScript(shell);
    for (const command of describeCommands()) {
      assert.match(script, new RegExp(`\\b${command.name}\\b`), `${shell}: ${command.name}`);
      for (const sub of command.subcommands ?? []) {
        assert.match(script, new RegExp(`\\b${sub.name}\\b`), `${shell}: ${sub.name}`);
      }
      for (const option of command.options) {
        assert.ok(script.includes(option.name), `${shell}: --${option.name}`);
      }
    }
    assert.ok(script.includes("help"), shell);
  }
});

/**
 * The command names of the `parseCommandArgs` calls in lib/cli/, read from the source. Each call
 * must be `parseCommandArgs("NAME", ARGS)`: the options come from NAME's table in
 * option_tables.ts, never from a table written at the call.
 */
async function commandsParsedBySource(): Promise<Set<string>> {
  const found = new Set<string>();
  for await (const entry of Deno.readDir(CLI_DIR)) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    if (entry.name === "args.ts") continue;
    const source = await Deno.readTextFile(`${CLI_DIR}${entry.name}`);
    for (const m of source.matchAll(/parseCommandArgs\(\s*/g)) {
      const call = /^"([^"]+)",\s*\w+\s*\)/.exec(source.slice(m.index! + m[0].length));
      assert.ok(call, `${entry.name}: parseCommandArgs("NAME", args) with its table by name`);
      found.add(call[1]);
    }
  }
  return found;
}

Deno.test("every command parses with its table, and completion offers exactly those options", async () => {
  const parsed = await commandsParsedBySource();
  assert.ok(parsed.size >= 12, `found only ${[...parsed]}`);
  assert.deepEqual(Object.keys(COMMAND_OPTION_TABLES).sort(), [...parsed].sort());
  const offered = new Map<string, string[]>();
  for (const command of describeCommands()) {
    if (command.subcommands?.length) {
      for (const sub of command.subcommands) {
        offered.set(`${command.name} ${sub.name}`, sub.options.map((o) => o.name));
      }
    } else {
      offered.set(command.name, command.options.map((o) => o.name));
    }
  }
  for (const [command, table] of Object.entries(COMMAND_OPTION_TABLES)) {
    assert.deepEqual(offered.get(command)?.sort(), Object.keys(table).sort(), command);
  }
});

Deno.test("completions SHELL prints the script; a missing or unknown shell exits 3", async () => {
  for (const shell of SHELLS) {
    const r = await run(["completions", shell]);
    assert.equal(r.code, 0);
    assert.equal(r.out, renderCompletionScript(shell));
  }
  const none = await run(["completions"]);
  assert.equal(none.code, 3);
  assert.match(none.err, /completions: no shell given/);
  const unknown = await run(["completions", "tcsh"]);
  assert.equal(unknown.code, 3);
  assert.match(unknown.err, /unknown shell 'tcsh'/);
});

Deno.test("completions/ holds the scripts the command prints", async () => {
  for (const shell of SHELLS) {
    const committed = await Deno.readTextFile(`${COMPLETIONS_DIR}${FILES[shell]}`);
    assert.equal(
      committed,
      renderCompletionScript(shell),
      `completions/${
        FILES[shell]
      } is stale: run 'deno task run completions ${shell} > completions/${FILES[shell]}'`,
    );
  }
});

Deno.test("the bash script completes commands, subcommands, options and their values", async () => {
  const script = renderCompletionScript("bash");
  const cases: [string[], string][] = [
    [
      ["cargo-attest", ""],
      "hash file verify-bundle release crate lock policy init cache report trust completions help",
    ],
    [["cargo-attest", "l"], "lock"],
    [["cargo-attest", "lock", "--form"], "--format"],
    [["cargo-attest", "lock", "--format", ""], "text json markdown sarif"],
    [["cargo-attest", "lock", "--format", "=", "s"], "sarif"],
    [["cargo-attest", "policy", ""], "check explain schema"],
    [["cargo-attest", "policy", "check", "--format", ""], "text json"],
    [["cargo-attest", "cache", "--json", ""], "info clear prune"],
    [["cargo-attest", "completions", "f"], "fish"],
    [["cargo-attest", "trust", ""], "update show"],
    [["cargo-attest", "trust", "show", "--off"], "--offline"],
    [["cargo-attest", "file", "--repo", "o/r", "--sig"], "--signer-workflow"],
    [["cargo-attest", "crate", "--color", ""], "auto always never"],
    [["cargo-attest", "help", "re"], "release report"],
  ];
  const calls = cases.map(([words]) =>
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${
      words.length - 1
    }; COMPREPLY=(); _cargo_attest; echo "\${COMPREPLY[*]}"`
  );
  const r = await shell("bash", ["--norc", "-c", `${script}\n${calls.join("\n")}`]);
  assert.ok(r, "bash is installed");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split("\n"), cases.map(([, expected]) => expected));
});

Deno.test("the fish script completes (when fish is installed); zsh parses (when installed)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/c.fish`, renderCompletionScript("fish"));
    const fish = await shell("fish", [
      "--no-config",
      "-c",
      `source ${dir}/c.fish; complete -C'cargo-attest lock --format '; complete -C'cargo-attest policy '`,
    ]);
    if (fish) {
      assert.equal(fish.code, 0, fish.err);
      const words = fish.out.trim().split("\n").map((l) => l.split("\t")[0]);
      assert.deepEqual(words, ["json", "markdown", "sarif", "text", "check", "explain", "schema"]);
    }
    await Deno.writeTextFile(`${dir}/_cargo-attest`, renderCompletionScript("zsh"));
    const zsh = await shell("zsh", ["-n", `${dir}/_cargo-attest`]);
    if (zsh) assert.equal(zsh.code, 0, zsh.err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
