/**
 * Red-team tests of the GitHub Action's base revision (action.yml's `base` input, #14): the
 * script runs `git show "$INPUT_BASE:$INPUT_LOCK"` itself, so a base that reads as an option of
 * git must be refused there, as `lock --base` refuses it (the script is run with bash, `npx`
 * replaced by a shim that runs this Deno, as tests/cli_format_test.ts runs it).
 */
import assert from "node:assert/strict";
import { lockOf } from "./support/lock_packages.ts";
import { withTempDir } from "./support/temp_dir.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const ACTION = await Deno.readTextFile(`${ROOT}/action.yml`);

/** The `run: |` script of the action's step. */
function actionScript(): string {
  const lines = ACTION.split("\n");
  const runAt = lines.findIndex((l) => /^ {6}run: \|$/.test(l));
  const body: string[] = [];
  for (
    let i = runAt + 1;
    i < lines.length && (lines[i] === "" || lines[i].startsWith("        "));
    i++
  ) {
    body.push(lines[i].slice(8));
  }
  return body.join("\n");
}

/** Runs the script in `dir` (a git checkout) with the inputs given. */
async function runAction(dir: string, inputs: Record<string, string>) {
  const bin = `${dir}/.bin`;
  await Deno.mkdir(bin, { recursive: true });
  await Deno.writeTextFile(
    `${bin}/npx`,
    `#!/bin/sh\n[ "$1" = "--yes" ] && [ "$2" = "deno@2.9.6" ] || exit 97\n` +
      `shift 2\nexec "${Deno.execPath()}" "$@"\n`,
  );
  await Deno.chmod(`${bin}/npx`, 0o755);
  await Deno.writeTextFile(`${dir}/.output`, "");
  const env: Record<string, string> = {
    PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_STEP_SUMMARY: `${dir}/.summary.md`,
    GITHUB_OUTPUT: `${dir}/.output`,
    RUNNER_TEMP: `${dir}/.tmp`,
    INPUT_LOCK: "Cargo.lock",
    INPUT_POLICY: "",
    INPUT_ARGS: "",
    INPUT_SARIF_FILE: ".sarif",
    INPUT_REPORT_FILE: ".report.json",
    INPUT_SUMMARY: "false",
    INPUT_BASE: "",
    GH_TOKEN: "",
    ...inputs,
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  await Deno.mkdir(`${dir}/.tmp`, { recursive: true });
  const result = await new Deno.Command("bash", {
    args: ["--noprofile", "--norc", "-eo", "pipefail", "-c", actionScript()],
    cwd: dir,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: result.code,
    stderr: new TextDecoder().decode(result.stderr),
    output: await Deno.readTextFile(`${dir}/.output`),
  };
}

Deno.test("redteam3 action.yml: a base that reads as an option of git is refused before git runs", async () => {
  await withTempDir(async (dir) => {
    const git = async (...args: string[]) => {
      const out = await new Deno.Command("git", {
        args: ["-c", "user.email=t@t", "-c", "user.name=t", ...args],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([]));
    await git("init", "-q");
    await git("add", "Cargo.lock");
    await git("commit", "-qm", "base");
    // `git show --output=FILE:Cargo.lock` would write git's output to a file of the base's
    // choosing (and show HEAD).
    const r = await runAction(dir, { INPUT_BASE: `--output=${dir}/written` });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.output, /^verdict=ERROR$/m);
    assert.match(r.stderr, /--output=/);
    const written = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) =>
      n.startsWith("written")
    );
    assert.deepEqual(written, [], "git wrote no file");
  });
});

Deno.test("redteam3 action.yml: a base name git finds ambiguous (a tag named origin/main) is refused", async () => {
  await withTempDir(async (dir) => {
    const git = async (...args: string[]) => {
      const out = await new Deno.Command("git", {
        args: ["-c", "user.email=t@t", "-c", "user.name=t", ...args],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    };
    await git("init", "-q");
    await Deno.writeTextFile(`${dir}/Cargo.lock`, lockOf([]));
    await git("add", "Cargo.lock");
    await git("commit", "-qm", "decoy");
    await git("tag", "origin/main");
    await Deno.writeTextFile(`${dir}/README`, "x\n");
    await git("add", "README");
    await git("commit", "-qm", "main");
    await git("update-ref", "refs/remotes/origin/main", "HEAD");
    const r = await runAction(dir, { INPUT_BASE: "origin/main" });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.output, /^verdict=ERROR$/m);
    assert.match(r.stderr, /ambiguous/);
  });
});
