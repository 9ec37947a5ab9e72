/**
 * `deno task judge [JUDGE OPTIONS]`: scores `cargo-attest verify-bundle` with the conformance
 * judge of `../shared/corpus` (a Node script beside the project, not part of it). A clone without
 * `../shared` gets one sentence saying what is missing, instead of Node's stack trace.
 * @module
 */
const judge = new URL("../../shared/corpus/judge", import.meta.url);
const exists = await Deno.stat(judge).then((s) => s.isFile, () => false);
if (!exists) {
  console.error(
    `judge: ${judge.pathname} is not there: the conformance corpus lives beside the project ` +
      "(../shared/corpus), which this checkout does not have. The corpus's cases the tests use " +
      "are copied in tests/fixtures/corpus, and `deno task test` runs them (tests/corpus_test.ts).",
  );
  Deno.exit(2);
}
const command = new Deno.Command("node", {
  args: [
    judge.pathname,
    ...Deno.args,
    Deno.execPath(),
    "run",
    "--allow-read",
    "--allow-env",
    new URL("../cli.ts", import.meta.url).pathname,
  ],
  stdout: "inherit",
  stderr: "inherit",
});
const { code } = await command.output();
Deno.exit(code);
