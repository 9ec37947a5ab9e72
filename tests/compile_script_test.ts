/**
 * `scripts/compile.ts` (`deno task compile`, `deno task compile:all`): the exact `deno compile`
 * commands (`--dry-run`, run as the tasks run it), argument errors, what a failed or successful
 * build leaves in `dist/` (with a fake `deno compile`), and that the shipped permissions are one
 * set: the script's, `deno.json`'s, the README's and docs/'s, and what the code really reads.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  type Build,
  compileArgs,
  ENV_NAMES,
  INCLUDES,
  parseCompileArgs,
  PERMISSION_FLAGS,
  planBuilds,
  runBuilds,
  SCRIPT_FLAGS,
  TARGETS,
} from "../scripts/compile.ts";

const ROOT_URL = new URL("../", import.meta.url);
const ROOT = decodeURIComponent(ROOT_URL.pathname).replace(/^\/([A-Za-z]:)/, "$1").replace(
  /\/+$/,
  "",
);
const DENO_JSON = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT_URL)));
const TASKS: Record<string, string> = DENO_JSON.tasks;
const EXE = Deno.build.os === "windows" ? ".exe" : "";

/** The words of a deno.json task, with `deno` replaced by this deno. */
function taskArgv(name: string): string[] {
  const words = TASKS[name].split(" ");
  assert.equal(words[0], "deno", `task ${name} starts with deno`);
  return words.slice(1);
}

/** Runs a task as `deno task NAME ARGS` would (its words + ARGS), in the repository root. */
async function runTask(name: string, ...args: string[]) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [...taskArgv(name), ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    out: decoder.decode(output.stdout),
    err: decoder.decode(output.stderr),
  };
}

/** The line `--dry-run` prints for one build. */
function expectedLine(target: string | undefined, output: string): string {
  return [
    Deno.execPath(),
    "compile",
    "--no-prompt",
    "--allow-read",
    `--allow-env=${ENV_NAMES.join(",")}`,
    "--allow-net",
    "--allow-write",
    "--allow-run=git",
    ...(target ? ["--target", target] : []),
    "--output",
    output,
    "cli.ts",
  ].join(" ");
}

Deno.test("compile:all --dry-run prints one deno compile per target, with the shipped permissions", async () => {
  const r = await runTask("compile:all", "--dry-run");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split("\n"), [
    expectedLine("x86_64-unknown-linux-gnu", "dist/cargo-attest-x86_64-unknown-linux-gnu"),
    expectedLine("aarch64-unknown-linux-gnu", "dist/cargo-attest-aarch64-unknown-linux-gnu"),
    expectedLine("x86_64-apple-darwin", "dist/cargo-attest-x86_64-apple-darwin"),
    expectedLine("aarch64-apple-darwin", "dist/cargo-attest-aarch64-apple-darwin"),
    expectedLine("x86_64-pc-windows-msvc", "dist/cargo-attest-x86_64-pc-windows-msvc.exe"),
  ]);
  assert.match(r.err, /SHA256SUMS/);
});

Deno.test("compile:all --target (repeatable) builds only those, in the order given, once each", async () => {
  const r = await runTask(
    "compile:all",
    "--target",
    "aarch64-apple-darwin",
    "--target=x86_64-pc-windows-msvc",
    "--target",
    "aarch64-apple-darwin",
    "--dry-run",
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split("\n"), [
    expectedLine("aarch64-apple-darwin", "dist/cargo-attest-aarch64-apple-darwin"),
    expectedLine("x86_64-pc-windows-msvc", "dist/cargo-attest-x86_64-pc-windows-msvc.exe"),
  ]);
});

Deno.test("compile (--current) builds for this machine only, as dist/cargo-attest", async () => {
  const r = await runTask("compile", "--dry-run");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(r.out.trimEnd().split("\n"), [
    expectedLine(undefined, `dist/cargo-attest${EXE}`),
  ]);
  assert.doesNotMatch(r.err, /SHA256SUMS/);
});

Deno.test("compile:all: an unknown target exits 2 naming it and listing the valid ones", async () => {
  const r = await runTask("compile:all", "--target", "x86_64-unknown-freebsd", "--dry-run");
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.match(r.err, /unknown target 'x86_64-unknown-freebsd'/);
  for (const target of TARGETS) assert.ok(r.err.includes(target), `lists ${target}`);
});

Deno.test("parseCompileArgs: bad arguments are usage errors naming what is wrong", () => {
  assert.throws(
    () => parseCompileArgs(["--current", "--target", "x86_64-apple-darwin"]),
    /--current/,
  );
  assert.throws(() => parseCompileArgs(["--target"]), /--target needs a value/);
  assert.throws(() => parseCompileArgs(["--target", "--dry-run"]), /--target needs a value/);
  assert.throws(() => parseCompileArgs(["--output", "x"]), /unknown option '--output'/);
  assert.throws(() => parseCompileArgs(["cli.ts"]), /unexpected argument 'cli.ts'/);
  assert.deepEqual(parseCompileArgs([]).targets, TARGETS);
  assert.deepEqual(parseCompileArgs(["--current"]).targets, []);
});

Deno.test("planBuilds: a Windows host's --current build is dist/cargo-attest.exe", () => {
  const options = parseCompileArgs(["--current"]);
  assert.equal(planBuilds(options, "windows")[0].output, "dist/cargo-attest.exe");
  assert.equal(planBuilds(options, "darwin")[0].output, "dist/cargo-attest");
});

// ---- one source of truth for the permissions -------------------------------------------------

Deno.test("deno.json: run uses the shipped permissions; compile and compile:all run the script", () => {
  assert.equal(TASKS.run, `deno run ${PERMISSION_FLAGS.join(" ")} cli.ts`);
  assert.equal(TASKS.compile, `deno run ${SCRIPT_FLAGS.join(" ")} scripts/compile.ts --current`);
  assert.equal(TASKS["compile:all"], `deno run ${SCRIPT_FLAGS.join(" ")} scripts/compile.ts`);
  assert.deepEqual(
    compileArgs("x86_64-apple-darwin", "dist/x").slice(1, 1 + PERMISSION_FLAGS.length),
    [...PERMISSION_FLAGS],
  );
  for (const key of ["fmt", "lint"]) {
    assert.ok(DENO_JSON[key].exclude.includes("dist/"), `${key} excludes dist/`);
  }
});

/** A Markdown file of the repository, with shell line continuations joined. */
async function doc(path: string): Promise<string> {
  return (await Deno.readTextFile(new URL(path, ROOT_URL))).replace(/\\\n\s*/g, "");
}

/** The deno run and deno install commands of a text carry exactly the shipped permissions. */
function assertInstallCommands(text: string, where: string): void {
  const flags = PERMISSION_FLAGS.join(" ");
  assert.match(
    text,
    new RegExp(`deno@2\\.9\\.6 run --config \\S+ ${escape(flags)} \\S*cli\\.ts`),
    `${where}: the deno run command`,
  );
  assert.match(
    text,
    new RegExp(
      `deno install -g -f -n cargo-attest --config deno\\.json --frozen=false ${
        escape(flags)
      } cli\\.ts`,
    ),
    `${where}: the deno install command`,
  );
}

Deno.test("README and docs/install.md: the deno run and deno install commands carry exactly the shipped permissions", async () => {
  const readme = await doc("README.md");
  const start = readme.indexOf("\n## Install\n");
  assert.ok(start >= 0, "README has an ## Install section");
  const install = readme.slice(start);
  assertInstallCommands(install.slice(0, install.indexOf("\n## ", 1)), "README ## Install");
  assertInstallCommands(await doc("docs/install.md"), "docs/install.md");
});

Deno.test("docs/permissions.md: a row for each permission, and every environment variable named", async () => {
  const permissions = await doc("docs/permissions.md");
  for (
    const flag of [
      "--allow-read",
      "--allow-env=…",
      "--allow-net",
      "--allow-write",
      "--allow-run=git",
      "--no-prompt",
    ]
  ) {
    assert.ok(permissions.includes(`| \`${flag}`), `the permissions table has a row for ${flag}`);
  }
  for (const name of ENV_NAMES) assert.ok(permissions.includes(name), `it names ${name}`);
  assert.ok(
    permissions.includes(`the ${ENV_NAMES.length} variables below`),
    `the table counts ${ENV_NAMES.length} variables`,
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every non-test .ts file under lib/, and cli.ts. */
async function sourceFiles(): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [
    { path: "cli.ts", text: await Deno.readTextFile(new URL("cli.ts", ROOT_URL)) },
  ];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(new URL(dir, ROOT_URL))) {
      const path = `${dir}${entry.name}`;
      if (entry.isDirectory) await walk(`${path}/`);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) {
        files.push({ path, text: await Deno.readTextFile(new URL(path, ROOT_URL)) });
      }
    }
  };
  await walk("lib/");
  return files;
}

Deno.test("--allow-env lists exactly the variables the code reads (a missing one stops the binary)", async () => {
  const files = await sourceFiles();
  // The code reads the environment only through the CliIo env reader that cli.ts builds on
  // Deno.env.get: nothing enumerates it (an env allow-list would deny that) or reads it directly.
  for (const { path, text } of files) {
    assert.doesNotMatch(text, /toObject\(|process\.env/, `${path} enumerates the environment`);
    if (path !== "cli.ts") assert.doesNotMatch(text, /Deno\.env\.\w+\(/, `${path} reads Deno.env`);
  }
  const readsEnv = files.filter(({ text }) => /\benv\(|EnvReader|\benv: \(name/.test(text));
  const literals = new Set<string>();
  for (const { text } of readsEnv) {
    for (const m of text.matchAll(/"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)"/g)) literals.add(m[1]);
  }
  // Every variable-shaped name in a file that reads the environment, and every name passed to
  // env() anywhere, must be allowed.
  const read = new Set([...literals].filter((name) => name.includes("_")));
  for (const { text } of files) {
    for (const m of text.matchAll(/\benv\(\s*"([^"]+)"/g)) read.add(m[1]);
  }
  for (const name of read) {
    assert.ok(
      ENV_NAMES.includes(name),
      `${name} is read but not in ENV_NAMES (scripts/compile.ts)`,
    );
  }
  // And every allowed name is really read somewhere.
  for (const name of ENV_NAMES) {
    assert.ok(literals.has(name), `${name} is in ENV_NAMES but nothing reads it`);
  }
});

Deno.test("--include embeds every worker module the code starts", async () => {
  const workers = new Set<string>();
  for (const { path, text } of await sourceFiles()) {
    for (const m of text.matchAll(/new Worker\(\s*new URL\(\s*"([^"]+)",\s*import\.meta\.url/g)) {
      workers.add(new URL(m[1], new URL(path, ROOT_URL)).href.slice(ROOT_URL.href.length));
    }
    // A worker started any other way could not be found by this test: keep them all in this form.
    const starts = text.match(/new Worker\(/g)?.length ?? 0;
    const recognised =
      [...text.matchAll(/new Worker\(\s*new URL\(\s*"[^"]+",\s*import\.meta\.url/g)]
        .length;
    assert.equal(starts, recognised, `${path}: a Worker started from a computed URL`);
  }
  assert.deepEqual([...workers].sort(), [...INCLUDES].sort());
  for (const path of INCLUDES) assert.ok((await Deno.stat(new URL(path, ROOT_URL))).isFile, path);
});

// ---- what a build leaves in dist/ (a fake deno compile) ---------------------------------------

async function withRoot(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "compile_script_test_" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const DOWNLOAD_FAILURE = `Compile cli.ts to dist/cargo-attest-x86_64-apple-darwin
Download https://dl.deno.land/release/v2.9.6/denort-x86_64-apple-darwin.zip
error: Writing deno compile executable to temporary file 'dist/cargo-attest-x86_64-apple-darwin.tmp-41c20899ba676716'

Caused by:
    0: Setting up base binary.
    1: error sending request for url (https://dl.deno.land/release/v2.9.6/denort-x86_64-apple-darwin.zip): client error (Connect): dns error: failed to lookup address information
`;

/** A fake `deno compile`: writes "binary <target>" to the output, or fails like the real one. */
function fakeDeno(root: string, fail: ReadonlySet<string>, calls: string[][]) {
  return async (args: readonly string[]) => {
    calls.push([...args]);
    const output = args[args.indexOf("--output") + 1];
    const at = args.indexOf("--target");
    const target = at < 0 ? "host" : args[at + 1];
    if (fail.has(target)) {
      // A partial temporary file and a partial output, as an interrupted build might leave.
      await Deno.writeTextFile(`${root}/${output}.tmp-41c20899ba676716`, "partial");
      await Deno.writeTextFile(`${root}/${output}`, "partial");
      return { code: 1, stderr: DOWNLOAD_FAILURE.replaceAll("x86_64-apple-darwin", target) };
    }
    await Deno.writeTextFile(`${root}/${output}`, `binary ${target}`);
    return { code: 0, stderr: "" };
  };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

Deno.test("runBuilds: every target built → the binaries and a sha256sum-format SHA256SUMS", async () => {
  await withRoot(async (root) => {
    const calls: string[][] = [];
    const log: string[] = [];
    const builds = planBuilds(parseCompileArgs([]));
    const code = await runBuilds(builds, {
      root,
      spawn: fakeDeno(root, new Set(), calls),
      log: (line) => log.push(line),
      hostTarget: "x86_64-unknown-linux-gnu",
    });
    assert.equal(code, 0, log.join("\n"));
    assert.deepEqual(calls, builds.map((build: Build) => build.args));
    const sums = await Deno.readTextFile(`${root}/dist/SHA256SUMS`);
    const expected = TARGETS.map((target) => {
      const name = `cargo-attest-${target}${target.includes("windows") ? ".exe" : ""}`;
      return `${sha256(`binary ${target}`)}  ${name}\n`;
    }).sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
    assert.equal(sums, expected.join(""));
    assert.match(sums, /^([0-9a-f]{64} {2}cargo-attest-[a-z0-9_-]+(\.exe)?\n)+$/);
  });
});

Deno.test("runBuilds: a runtime that cannot be downloaded names the target and dl.deno.land, leaves nothing", async () => {
  await withRoot(async (root) => {
    await Deno.mkdir(`${root}/dist`);
    // Leftovers of an earlier release build: they must not survive a failed rebuild.
    await Deno.writeTextFile(`${root}/dist/cargo-attest-x86_64-apple-darwin`, "old");
    await Deno.writeTextFile(`${root}/dist/SHA256SUMS`, "old");
    const log: string[] = [];
    const code = await runBuilds(
      planBuilds(
        parseCompileArgs([
          "--target",
          "x86_64-unknown-linux-gnu",
          "--target",
          "x86_64-apple-darwin",
        ]),
      ),
      {
        root,
        spawn: fakeDeno(root, new Set(["x86_64-apple-darwin"]), []),
        log: (line) => log.push(line),
        hostTarget: "x86_64-unknown-linux-gnu",
      },
    );
    assert.equal(code, 1);
    const message = log.find((line) => line.includes("error: x86_64-apple-darwin"));
    assert.ok(message, log.join("\n"));
    assert.match(message, /needs network access to dl\.deno\.land for cross targets/);
    const left = [];
    for await (const entry of Deno.readDir(`${root}/dist`)) left.push(entry.name);
    assert.deepEqual(left, ["cargo-attest-x86_64-unknown-linux-gnu"]);
  });
});

Deno.test("runBuilds: --current writes dist/cargo-attest and leaves SHA256SUMS alone", async () => {
  await withRoot(async (root) => {
    await Deno.mkdir(`${root}/dist`);
    await Deno.writeTextFile(`${root}/dist/SHA256SUMS`, "release");
    const code = await runBuilds(planBuilds(parseCompileArgs(["--current"])), {
      root,
      spawn: fakeDeno(root, new Set(), []),
      log: () => {},
      hostTarget: "x86_64-unknown-linux-gnu",
    });
    assert.equal(code, 0);
    assert.equal(await Deno.readTextFile(`${root}/dist/cargo-attest${EXE}`), "binary host");
    assert.equal(await Deno.readTextFile(`${root}/dist/SHA256SUMS`), "release");
  });
});

Deno.test("runBuilds: a failed --current build says what failed and leaves no binary", async () => {
  await withRoot(async (root) => {
    const log: string[] = [];
    const code = await runBuilds(planBuilds(parseCompileArgs(["--current"])), {
      root,
      spawn: async () => {
        await Promise.resolve();
        return { code: 1, stderr: "error: Type checking failed." };
      },
      log: (line) => log.push(line),
      hostTarget: "x86_64-unknown-linux-gnu",
    });
    assert.equal(code, 1);
    assert.ok(
      log.some((line) =>
        /this machine \(x86_64-unknown-linux-gnu\): deno compile failed \(exit 1\)/.test(line)
      ),
      log.join("\n"),
    );
    assert.deepEqual([...Deno.readDirSync(`${root}/dist`)], []);
  });
});

Deno.test("action.yml runs cargo-attest with the shipped permissions", async () => {
  const action = (await Deno.readTextFile(new URL("action.yml", ROOT_URL)))
    .replace(/\\\n\s*/g, ""); // join shell line continuations
  const run = action.match(/"\$deno_bin" run (.*?) "\$GITHUB_ACTION_PATH\/cli\.ts"/)?.[1];
  assert.ok(run, "action.yml starts cli.ts with deno run");
  const flags = run.split(/\s+/).filter((w) => w.startsWith("--allow") || w === "--no-prompt");
  assert.deepEqual(flags.sort(), [...PERMISSION_FLAGS].sort());
});
