import assert from "node:assert/strict";
import { COMMAND_HELP, renderTopHelp } from "./help.ts";
import { describeOption } from "./option_docs.ts";
import { COMMAND_OPTION_TABLES, type CommandName } from "./option_tables.ts";
import { main } from "./main.ts";
import { createMemoryIo } from "./io.ts";

const COMMANDS = Object.keys(COMMAND_OPTION_TABLES) as CommandName[];

Deno.test("every option a command parses is described and shown in its --help", () => {
  for (const command of COMMANDS) {
    const help = COMMAND_HELP[command];
    assert.ok(help, `${command} has help`);
    for (const name of Object.keys(COMMAND_OPTION_TABLES[command])) {
      assert.ok(describeOption(command, name)?.help, `${command} --${name} is described`);
      assert.match(help, new RegExp(`^ {4}--${name}\\b`, "m"), `${command} --help shows --${name}`);
    }
  }
});

Deno.test("--help shows no option its command does not parse, and names only real options", () => {
  const all = new Set(COMMANDS.flatMap((c) => Object.keys(COMMAND_OPTION_TABLES[c])));
  for (const command of COMMANDS) {
    const help = COMMAND_HELP[command];
    const section = help.slice(
      help.indexOf("OPTIONS:"),
      help.indexOf("\n\n", help.indexOf("OPTIONS:")),
    );
    const listed = [...section.matchAll(/^ {4}--([a-z0-9-]+)/gm)].map((m) => m[1]);
    const table = Object.keys(COMMAND_OPTION_TABLES[command]);
    if (table.length > 0) assert.deepEqual(listed, table, command);
    // Prose may name another command's option (`cache --help` names --offline), never a made-up one.
    for (const m of help.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
      if (["help", "version", "locked", "frozen"].includes(m[1])) continue;
      assert.ok(all.has(m[1]), `${command} --help names --${m[1]}, which no command takes`);
    }
  }
  assert.match(renderTopHelp(), /COMMANDS:/);
});

Deno.test("a subcommand's --help is its own, the group's --help lists the subcommands", async () => {
  const check = createMemoryIo();
  assert.equal(await main(["policy", "check", "--help"], check), 0);
  assert.match(check.out, /^cargo-attest policy check \[PATH\]/);
  assert.doesNotMatch(check.out, /SUBCOMMANDS/);
  const group = createMemoryIo();
  assert.equal(await main(["policy", "--help"], group), 0);
  assert.match(group.out, /SUBCOMMANDS:/);
});

Deno.test("file does not accept the network options it would ignore", async () => {
  for (const option of ["--jobs", "--offline", "--no-cache", "--timeout"]) {
    const io = createMemoryIo();
    const args = ["file", "x", "--sha256", "0".repeat(64), option];
    if (option === "--jobs" || option === "--timeout") args.push("2");
    assert.equal(await main(args, io), 3, option);
    assert.match(io.err, /unknown option|Unknown option/i, option);
  }
});
