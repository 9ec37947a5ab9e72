/**
 * End-to-end tests of `--format text|json|markdown|sarif` on the verifying commands, of
 * `cargo-attest report --from`, and of the GitHub Action (action.yml's script, run with bash
 * against loopback fakes, with `npx` replaced by a shim that runs this Deno).
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";
import { CHECK_CODES } from "../lib/codes.ts";
import { type FakeCrate, startFakeCratesIo } from "./support/fake_crates_io.ts";
import { tinyAttestLock } from "./support/tiny_attest.ts";
import { withTempDir } from "./support/temp_dir.ts";
import { git as gitIn, lockEntry, lockOf, plainCrate } from "./support/lock_packages.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const DEMO = `${ROOT}/tests/fixtures/demo/`;
const ARTIFACT = `${DEMO}sigstore-2.1.0.tgz`;
const BUNDLE = `${DEMO}sigstore-2.1.0.tgz.sigstore.json`;
const CRATE_BYTES = await Deno.readFile(`${ROOT}/tests/fixtures/crates/tiny-attest-0.1.0.crate`);
const NOW = new Date("2026-11-25T08:00:00.000Z");

async function run(args: string[], env: Record<string, string> = {}) {
  const io = createMemoryIo(env, NOW);
  const code = await main(args, io);
  return { code, out: io.out, err: io.err };
}

// ---------------------------------------------------------------------------------------------
// SARIF 2.1.0: the properties the specification requires of the objects cargo-attest writes,
// and what GitHub code scanning needs on top (a physical location on every result).

type Json = Record<string, unknown>;
const LEVELS = ["none", "note", "warning", "error"];

function assertSarifShape(log: Json, options: { physical?: boolean } = {}): Json[] {
  assert.equal(log.version, "2.1.0");
  assert.equal(typeof log.$schema, "string");
  const runs = log.runs as Json[];
  assert.ok(Array.isArray(runs) && runs.length === 1, "one run");
  const run = runs[0];
  const driver = (run.tool as Json).driver as Json;
  assert.equal(driver.name, "cargo-attest");
  assert.match(String(driver.version), /^\d+\.\d+\.\d+/);
  assert.match(String(driver.informationUri), /^https:\/\//);
  const rules = driver.rules as Json[];
  assert.ok(Array.isArray(rules));
  const ids = rules.map((r) => r.id as string);
  assert.equal(new Set(ids).size, ids.length, "rule ids are unique");
  for (const rule of rules) {
    assert.equal(typeof rule.id, "string");
    const text = (rule.shortDescription as Json).text;
    assert.ok(typeof text === "string" && text.length > 0, `rule ${rule.id} is described`);
  }
  const invocations = run.invocations as Json[];
  assert.equal(typeof invocations[0].executionSuccessful, "boolean");
  const results = run.results as Json[];
  assert.ok(Array.isArray(results));
  for (const result of results) {
    const where = `result ${result.ruleId}`;
    assert.ok(ids.includes(result.ruleId as string), `${where}: its rule is in the driver`);
    assert.equal(ids[result.ruleIndex as number], result.ruleId, `${where}: ruleIndex`);
    assert.ok(LEVELS.includes(result.level as string), `${where}: level`);
    const text = (result.message as Json).text;
    assert.ok(typeof text === "string" && text.length > 0, `${where}: message.text`);
    const locations = result.locations as Json[];
    assert.ok(Array.isArray(locations) && locations.length > 0, `${where}: a location`);
    for (const location of [...locations, ...((result.relatedLocations as Json[]) ?? [])]) {
      const physical = location.physicalLocation as Json | undefined;
      if (options.physical) assert.ok(physical, `${where}: a physical location (GitHub)`);
      if (physical) {
        const uri = (physical.artifactLocation as Json).uri;
        assert.ok(typeof uri === "string" && uri.length > 0, `${where}: artifactLocation.uri`);
        const region = physical.region as Json | undefined;
        if (region) assert.ok(Number.isInteger(region.startLine) && Number(region.startLine) >= 1);
      }
      for (const logical of location.logicalLocations as Json[]) {
        assert.equal(typeof logical.fullyQualifiedName, "string");
      }
    }
    for (const value of Object.values(result.partialFingerprints as Json)) {
      assert.equal(typeof value, "string");
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// --format on `file`

const FILE_ARGS = ["file", ARTIFACT, "--bundle", BUNDLE];

Deno.test("--format json, --json and CARGO_ATTEST_JSON=1 print the same report", async () => {
  const byFormat = await run([...FILE_ARGS, "--repo", "sigstore/sigstore-js", "--format", "json"]);
  const byFlag = await run([...FILE_ARGS, "--repo", "sigstore/sigstore-js", "--json"]);
  const byEnv = await run([...FILE_ARGS, "--repo", "sigstore/sigstore-js"], {
    CARGO_ATTEST_JSON: "1",
  });
  assert.equal(byFormat.code, 0, byFormat.err);
  assert.equal(byFormat.out, byFlag.out);
  assert.equal(byFormat.out, byEnv.out);
  assert.equal(JSON.parse(byFormat.out).verdict, "TRUSTED");
  const both = await run([
    ...FILE_ARGS,
    "--repo",
    "sigstore/sigstore-js",
    "--json",
    "--format=json",
  ]);
  assert.equal(both.out, byFormat.out, "--json with --format json agree");
});

Deno.test("--format: an unknown format and --json with another format are usage errors", async () => {
  const unknown = await run([...FILE_ARGS, "--format", "xml"]);
  assert.equal(unknown.code, 3);
  assert.equal(unknown.out, "");
  assert.match(unknown.err, /file: --format must be text, json, markdown or sarif \(got 'xml'\)/);
  const conflict = await run([...FILE_ARGS, "--json", "--format", "sarif"]);
  assert.equal(conflict.code, 3);
  assert.match(conflict.err, /--json and --format sarif ask for two formats/);
  assert.match(conflict.err, /hint: --json is short for --format json/);
  // A flag wins over the environment.
  const env = await run([...FILE_ARGS, "--format", "markdown"], { CARGO_ATTEST_JSON: "1" });
  assert.equal(env.code, 1);
  assert.match(env.out, /^## cargo-attest: UNVERIFIED\n/);
  const text = await run([...FILE_ARGS, "--format", "text"], { CARGO_ATTEST_JSON: "1" });
  assert.match(text.out, /verdict: UNVERIFIED \(exit 1\)/);
});

Deno.test("--format markdown: the exit code is the verdict's, the report a job summary", async () => {
  const r = await run([...FILE_ARGS, "--repo", "evil/sigstore-js", "--format", "markdown"]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.out, /^## cargo-attest: MISMATCH\n\n\*\*Verdict: MISMATCH\*\* \(exit 2\)/);
  assert.match(r.out, /\| `identity` \| \*\*fail\*\* \|/);
  assert.match(r.out, /expected `https:\/\/github\.com\/evil\/sigstore-js`/);
  const quiet = await run([
    ...FILE_ARGS,
    "--repo",
    "sigstore/sigstore-js",
    "--format",
    "markdown",
    "--quiet",
  ]);
  assert.equal(quiet.code, 0);
  assert.match(quiet.out, /## cargo-attest: TRUSTED/, "--quiet silences text only");
});

Deno.test("--format sarif on file: a valid log with the failing check at the artifact", async () => {
  const r = await run([...FILE_ARGS, "--repo", "evil/sigstore-js", "--format", "sarif"]);
  assert.equal(r.code, 2, r.err);
  const results = assertSarifShape(JSON.parse(r.out), { physical: true });
  assert.deepEqual(results.map((x) => [x.ruleId, x.level]), [
    ["identity-repository-mismatch", "error"],
  ]);
  const location = (results[0].locations as Json[])[0].physicalLocation as Json;
  assert.deepEqual(location.artifactLocation, { uri: `file://${ARTIFACT}` });
  const log = JSON.parse(r.out);
  assert.equal(
    log.runs[0].tool.driver.rules[0].shortDescription.text,
    CHECK_CODES["identity-repository-mismatch"],
  );
  const trusted = await run([...FILE_ARGS, "--repo", "sigstore/sigstore-js", "--format", "sarif"]);
  assert.equal(trusted.code, 0);
  assert.deepEqual(assertSarifShape(JSON.parse(trusted.out)), [], "nothing to report");
});

Deno.test("--format on policy commands: text or json only", async () => {
  await withTempDir(async (dir) => {
    const policy = `${dir}/attest.toml`;
    await Deno.writeTextFile(policy, "version = 1\n");
    const json = await run(["policy", "check", policy, "--format", "json"]);
    assert.equal(json.code, 0, json.err);
    assert.equal(json.out, (await run(["policy", "check", policy, "--json"])).out);
    const markdown = await run(["policy", "check", policy, "--format", "markdown"]);
    assert.equal(markdown.code, 3);
    assert.match(markdown.err, /policy check: --format must be text or json \(got 'markdown'\)/);
  });
});

// ---------------------------------------------------------------------------------------------
// `lock` and `report --from`

const LOCK = tinyAttestLock("e".repeat(64));

const TINY: FakeCrate = { name: "tiny-attest", version: "0.1.0", bytes: CRATE_BYTES };

async function withLockServer<T>(
  fn: (dir: string, env: Record<string, string>) => Promise<T>,
): Promise<T> {
  const crates = startFakeCratesIo([TINY]);
  try {
    return await withTempDir(async (dir) => {
      await Deno.writeTextFile(`${dir}/Cargo.lock`, LOCK);
      return await fn(dir, { ...crates.env });
    });
  } finally {
    await crates.close();
  }
}

Deno.test("lock --format sarif: crates' results point at their lines in the lock file", async () => {
  await withLockServer(async (dir, env) => {
    const r = await run(["lock", `${dir}/Cargo.lock`, "--format", "sarif"], env);
    assert.equal(r.code, 2, r.err);
    const results = assertSarifShape(JSON.parse(r.out), { physical: true });
    const byRule = Object.fromEntries(results.map((x) => [x.ruleId, x]));
    const mismatch = byRule["crate-checksum-mismatch"];
    assert.equal(mismatch.level, "error");
    assert.match(
      String((mismatch.message as Json).text),
      /^tiny-attest@0\.1\.0: crate-checksum fail/,
    );
    const at = (mismatch.locations as Json[])[0].physicalLocation as Json;
    assert.deepEqual(at, {
      artifactLocation: { uri: `file://${dir}/Cargo.lock` },
      region: { startLine: 15 },
    });
    const git = byRule["crate-not-verifiable"];
    assert.equal(git.level, "warning", "a required skip");
    assert.deepEqual(
      ((git.locations as Json[])[0].physicalLocation as Json).region,
      { startLine: 10 },
    );
    // Optional skips are notes.
    assert.equal(byRule["trusted-publishing-none"]?.level, "note");
    const log = JSON.parse(r.out);
    assert.deepEqual(
      log.runs[0].invocations[0].toolExecutionNotifications.map((n: Json) =>
        (n.descriptor as Json).id
      ),
      ["lock-path-packages"],
    );
  });
});

Deno.test("report --from renders a saved report exactly as the run would have", async () => {
  await withLockServer(async (dir, env) => {
    const lock = `${dir}/Cargo.lock`;
    const json = await run(["lock", lock, "--format", "json"], env);
    assert.equal(json.code, 2, json.err);
    const saved = `${dir}/report.json`;
    await Deno.writeTextFile(saved, json.out);
    for (
      const [format, extra] of [
        ["text", []],
        ["json", []],
        ["markdown", []],
        ["sarif", ["--lock-file", lock]],
      ] as const
    ) {
      const direct = await run(["lock", lock, "--format", format], env);
      const rendered = await run(["report", "--from", saved, "--format", format, ...extra]);
      assert.equal(rendered.code, 0, `report exits 0 when it rendered: ${rendered.err}`);
      if (format === "json") {
        // Fields come back in the report's own order; the document is the same.
        assert.deepEqual(JSON.parse(rendered.out), JSON.parse(direct.out));
      } else assert.equal(rendered.out, direct.out, format);
    }
    // Without --lock-file, the crates would have no location code scanning accepts: refused.
    const bare = await run(["report", "--from", saved, "--format", "sarif"]);
    assert.equal(bare.code, 3, bare.out);
    assert.match(bare.err, /--format sarif of a report on crates needs --lock-file PATH/);
    assert.equal(bare.out, "");
    // A report whose verdict and exit code disagree is not a report cargo-attest wrote.
    const forged = JSON.parse(json.out);
    forged.verdict = "TRUSTED";
    await Deno.writeTextFile(saved, JSON.stringify(forged));
    const lie = await run(["report", "--from", saved]);
    assert.equal(lie.code, 3, lie.out);
    assert.match(lie.err, /its verdict TRUSTED means exit 0, but exitCode is 2/);
  });
});

Deno.test("report: missing --from, an unreadable file or a foreign document exit 3", async () => {
  const none = await run(["report", "--format", "markdown"]);
  assert.equal(none.code, 3);
  assert.match(none.err, /report: no --from FILE given/);
  const missing = await run(["report", "--from", "/nonexistent/report.json"]);
  assert.equal(missing.code, 3);
  assert.match(missing.err, /\/nonexistent\/report\.json/);
  await withTempDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ["not json", /is not JSON/],
      ['{"schema": "other/v9"}', /its schema is "other\/v9", not "cargo-attest\/report\/v1"/],
      [
        JSON.stringify({
          schema: "cargo-attest/report/v1",
          verdict: "TRUSTED",
          exitCode: 0,
          tool: { name: "cargo-attest", version: "0.1.0" },
          generatedAt: NOW.toISOString(),
          policy: { path: null, sha256: null, builtin: true },
          roots: [],
          subjects: [{
            subject: { kind: "crate", name: "x", version: "1.0.0" },
            verdict: "TRUSTED",
            checks: [{ id: "crate-checksum", status: "maybe", code: "c", message: "m" }],
          }],
          diagnostics: [],
        }),
        /subjects\[0\]\.checks\[0\]\.status is not one of pass, fail, skip, error/,
      ],
    ];
    for (const [text, expected] of cases) {
      await Deno.writeTextFile(`${dir}/r.json`, text);
      const r = await run(["report", "--from", `${dir}/r.json`]);
      assert.equal(r.code, 3, text);
      assert.equal(r.out, "");
      assert.match(r.err, expected);
      assert.match(r.err, /hint: save a report with/);
    }
  });
});

Deno.test("help lists report and completions, and --format on every verifying command", async () => {
  const top = await run(["--help"]);
  assert.match(top.out, /report --from FILE/);
  assert.match(top.out, /completions bash\|zsh\|fish/);
  for (const command of ["file", "release", "crate", "lock"]) {
    assert.match((await run([command, "--help"])).out, /--format FORMAT/, command);
  }
  for (const command of ["report", "completions"]) {
    const r = await run([command, "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out, /EXAMPLES:/, command);
  }
});

// ---------------------------------------------------------------------------------------------
// The GitHub Action

const ACTION = await Deno.readTextFile(`${ROOT}/action.yml`);

/** The `run: |` script of the action's step, and the environment variables its `env:` sets. */
function actionStep(): { script: string; env: Record<string, string> } {
  const lines = ACTION.split("\n");
  const envAt = lines.findIndex((l) => /^ {6}env:$/.test(l));
  const env: Record<string, string> = {};
  for (let i = envAt + 1; /^ {8}\S/.test(lines[i]); i++) {
    const m = /^ {8}([A-Z_]+): (.*)$/.exec(lines[i])!;
    env[m[1]] = m[2];
  }
  const runAt = lines.findIndex((l) => /^ {6}run: \|$/.test(l));
  const body: string[] = [];
  for (
    let i = runAt + 1;
    i < lines.length && (lines[i] === "" || lines[i].startsWith("        "));
    i++
  ) {
    body.push(lines[i].slice(8));
  }
  return { script: body.join("\n"), env };
}

Deno.test("action.yml: inputs reach the script only through env; every input is used", () => {
  const { script, env } = actionStep();
  assert.doesNotMatch(script, /\$\{\{/, "no expression is pasted into the script");
  const inputs = [...ACTION.matchAll(/^ {2}([a-z-]+):$/gm)].map((m) => m[1]);
  const used = Object.values(env).map((v) => /^\$\{\{ inputs\.([a-z-]+) \}\}$/.exec(v)?.[1]);
  for (
    const input of [
      "lock",
      "policy",
      "args",
      "token",
      "sarif-file",
      "report-file",
      "summary",
      "base",
    ]
  ) {
    assert.ok(inputs.includes(input), `input ${input} is declared`);
    assert.ok(used.includes(input), `input ${input} is passed to the script`);
  }
  assert.equal(env.GH_TOKEN, "${{ inputs.token }}");
  assert.match(ACTION, /^ {2}token:\n(?: {4}.*\n)*? {4}default: \$\{\{ github\.token \}\}$/m);
  assert.match(script, /npx --yes deno@2\.9\.6 /, "Deno as the README runs it");
});

async function runAction(
  dir: string,
  inputs: Record<string, string>,
  serverEnv: Record<string, string>,
) {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin, { recursive: true });
  // `npx --yes deno@2.9.6 ARGS` becomes `<this deno> ARGS`; anything else fails loudly.
  await Deno.writeTextFile(
    `${bin}/npx`,
    `#!/bin/sh\n[ "$1" = "--yes" ] && [ "$2" = "deno@2.9.6" ] || { echo "npx $*" >&2; exit 97; }\n` +
      `shift 2\nexec "${Deno.execPath()}" "$@"\n`,
  );
  await Deno.chmod(`${bin}/npx`, 0o755);
  await Deno.writeTextFile(`${dir}/summary.md`, "");
  await Deno.writeTextFile(`${dir}/output`, "");
  const passthrough = ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"];
  const env: Record<string, string> = {
    PATH: `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_STEP_SUMMARY: `${dir}/summary.md`,
    GITHUB_OUTPUT: `${dir}/output`,
    CARGO_ATTEST_CACHE_DIR: `${dir}/cache`,
    INPUT_LOCK: "Cargo.lock",
    INPUT_POLICY: "",
    INPUT_ARGS: "",
    INPUT_SARIF_FILE: "cargo-attest.sarif",
    INPUT_REPORT_FILE: "cargo-attest-report.json",
    INPUT_SUMMARY: "true",
    INPUT_BASE: "",
    GH_TOKEN: "",
    ...serverEnv,
    ...inputs,
  };
  for (const name of passthrough) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  const { script } = actionStep();
  const result = await new Deno.Command("bash", {
    args: ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
    cwd: dir,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const outputs = Object.fromEntries(
    (await Deno.readTextFile(`${dir}/output`)).trim().split("\n").map((l) => {
      const at = l.indexOf("=");
      return [l.slice(0, at), l.slice(at + 1)];
    }),
  );
  return {
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
    summary: await Deno.readTextFile(`${dir}/summary.md`),
    outputs,
  };
}

Deno.test("action.yml: with a base revision only the crates the pull request changed are verified", async () => {
  await withLockServer(async (dir, env) => {
    const git = (...args: string[]) => gitIn(dir, ...args);
    await git("init", "-q");
    await git("add", "Cargo.lock");
    await git("commit", "-qm", "base");
    // The same lock as the base: tiny-attest (whose lock checksum is wrong) is unchanged, so it
    // is listed, not verified: nothing changed, TRUSTED.
    const same = await runAction(dir, { INPUT_BASE: "HEAD" }, env);
    assert.equal(same.code, 0, `${same.stdout}\n${same.stderr}`);
    assert.equal(same.outputs.verdict, "TRUSTED");
    assert.match(same.summary, /\*\*Changes:\*\* 0 added, 0 updated, 0 removed, 2 unchanged/);
    // A base without tiny-attest: the pull request adds it, so it is verified (a MISMATCH).
    const lock = await Deno.readTextFile(`${dir}/Cargo.lock`);
    await Deno.writeTextFile(
      `${dir}/Cargo.lock`,
      lock.replace(/\n\[\[package\]\]\nname = "tiny-attest"[^[]*/, "\n"),
    );
    await git("commit", "-qam", "without tiny-attest");
    await Deno.writeTextFile(`${dir}/Cargo.lock`, lock);
    const added = await runAction(dir, { INPUT_BASE: "HEAD" }, env);
    assert.equal(added.code, 2, `${added.stdout}\n${added.stderr}`);
    assert.match(added.summary, /`tiny-attest@0\.1\.0` \(added\)|tiny-attest@0\.1\.0 \(added\)/);
    // A base revision that does not exist: ERROR, nothing verified.
    const missing = await runAction(dir, { INPUT_BASE: "no-such-ref" }, env);
    assert.equal(missing.code, 3);
    assert.equal(missing.outputs.verdict, "ERROR");
    assert.match(missing.stderr, /cannot read Cargo\.lock at the base revision no-such-ref/);
  });
});

Deno.test("a pull request (one added, one updated dropping trusted publishing, one unchanged): the CLI and the Action's script give each crate its result", async () => {
  const tp = { provider: "github", repository: "example/bumped", run_id: "7", sha: "a".repeat(40) };
  const oldBumped = { ...(await plainCrate("bumped", "1.0.0")), trustedPublishing: tp };
  const newBumped = await plainCrate("bumped", "2.0.0");
  const fresh = await plainCrate("fresh", "1.0.0");
  const stable = await plainCrate("stable", "1.0.0");
  const crates = startFakeCratesIo([oldBumped, newBumped, fresh, stable]);
  try {
    await withTempDir(async (dir) => {
      const git = (...args: string[]) => gitIn(dir, ...args);
      await Deno.writeTextFile(
        `${dir}/Cargo.lock`,
        lockOf([await lockEntry(oldBumped), await lockEntry(stable)]),
      );
      await git("init", "-q");
      await git("add", "Cargo.lock");
      await git("commit", "-qm", "base");
      await Deno.writeTextFile(
        `${dir}/Cargo.lock`,
        lockOf([await lockEntry(fresh), await lockEntry(newBumped), await lockEntry(stable)]),
      );
      const expectEach = (report: Json) => {
        const by = Object.fromEntries(
          (report.subjects as Json[]).map((s) => [(s.subject as Json).name as string, s]),
        );
        assert.deepEqual(by.fresh.change, { kind: "added" });
        assert.equal(by.fresh.verdict, "TRUSTED");
        assert.deepEqual(by.bumped.change, { kind: "updated", from: "1.0.0" });
        assert.equal(by.bumped.verdict, "UNVERIFIED");
        const downgrade = (by.bumped.checks as Json[]).find((c) => c.id === "downgrade")!;
        assert.equal(downgrade.code, "downgrade-trusted-publishing-dropped");
        assert.deepEqual(by.stable.change, { kind: "unchanged" });
        assert.deepEqual(by.stable.checks, []);
        assert.equal(report.verdict, "UNVERIFIED");
      };
      // The CLI, reading the base revision itself.
      const cli = await run(["lock", `${dir}/Cargo.lock`, "--base", "HEAD", "--json"], crates.env);
      assert.equal(cli.code, 1, cli.err);
      expectEach(JSON.parse(cli.out));
      // The Action's script on a pull_request event (base = the base commit).
      const action = await runAction(dir, { INPUT_BASE: "HEAD" }, crates.env);
      assert.equal(action.code, 1, `${action.stdout}\n${action.stderr}`);
      assert.equal(action.outputs.verdict, "UNVERIFIED");
      expectEach(JSON.parse(await Deno.readTextFile(`${dir}/cargo-attest-report.json`)));
      assert.match(action.summary, /\*\*Changes:\*\* 1 added, 1 updated, 0 removed, 1 unchanged/);
      assert.match(action.summary, /downgrade/);
    });
  } finally {
    await crates.close();
  }
});

Deno.test("action.yml: one verification, then the log, the job summary and the SARIF file", async () => {
  await withLockServer(async (dir, env) => {
    const r = await runAction(dir, { INPUT_ARGS: "--jobs 2 --format sarif" }, env);
    assert.equal(r.code, 2, `the step exits with the tool's code\n${r.stdout}\n${r.stderr}`);
    assert.deepEqual(r.outputs, {
      "sarif-file": "cargo-attest.sarif",
      "report-file": "cargo-attest-report.json",
      verdict: "MISMATCH",
      "exit-code": "2",
    });
    assert.match(r.stdout, /verdict: .*MISMATCH.* \(exit 2\)/, "the text report is in the log");
    assert.match(r.summary, /^## cargo-attest: MISMATCH\n/);
    assert.match(r.summary, /`tiny-attest@0\.1\.0`: MISMATCH/);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/cargo-attest-report.json`));
    assert.equal(report.verdict, "MISMATCH", "--format json wins over a --format in args");
    const sarif = JSON.parse(await Deno.readTextFile(`${dir}/cargo-attest.sarif`));
    const results = assertSarifShape(sarif, { physical: true });
    const mismatch = results.find((x) => x.ruleId === "crate-checksum-mismatch")!;
    assert.deepEqual((mismatch.locations as Json[])[0].physicalLocation, {
      artifactLocation: { uri: "Cargo.lock", uriBaseId: "%SRCROOT%" },
      region: { startLine: 15 },
    });
  });
});

Deno.test("action.yml: a run that cannot complete is ERROR: its ERROR report says why, no SARIF", async () => {
  await withTempDir(async (dir) => {
    const r = await runAction(dir, { INPUT_LOCK: "missing/Cargo.lock" }, {});
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /missing\/Cargo\.lock/);
    assert.deepEqual(r.outputs, {
      "sarif-file": "",
      "report-file": "cargo-attest-report.json",
      verdict: "ERROR",
      "exit-code": "3",
    });
    const report = JSON.parse(await Deno.readTextFile(`${dir}/cargo-attest-report.json`));
    assert.equal(report.verdict, "ERROR");
    assert.match(report.diagnostics[0].message, /missing\/Cargo\.lock/);
    assert.match(r.summary, /^## cargo-attest: ERROR\n/);
    assert.match(r.summary, /error `input-unusable`: missing\/Cargo\.lock/);
    await assert.rejects(Deno.stat(`${dir}/cargo-attest.sarif`), Deno.errors.NotFound);
  });
});
