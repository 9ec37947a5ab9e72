/**
 * Runs every case of the verification corpus (tests/fixtures/corpus, copied from
 * ../shared/corpus) through `verify-bundle` in-process, exactly as the conformance judge does,
 * in file mode and, where the case allows it, in digest mode.
 */
import assert from "node:assert/strict";
import { main } from "../lib/cli/main.ts";
import { createMemoryIo } from "../lib/cli/io.ts";

const CORPUS = new URL("./fixtures/corpus/", import.meta.url).pathname;
const ROOT_FILES: Record<string, string> = {
  "public-good": "public-good.trusted_root.json",
  staging: "staging.trusted_root.json",
  github: "github.trusted_root.json",
};

interface CorpusCase {
  id: string;
  dir: string;
  expect: "pass" | "fail";
  optional?: string;
  identity?: string;
  issuer?: string;
  key?: string;
  trusted_root?: string;
  bundle?: string;
  artifact?: string;
  digest?: string;
  artifact_sha256?: string;
  digest_mode_ok?: boolean;
}

function loadCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  for (const entry of Deno.readDirSync(`${CORPUS}cases`)) {
    const dir = `${CORPUS}cases/${entry.name}`;
    const c = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`));
    cases.push({ ...c, dir });
  }
  return cases.sort((a, b) => a.id.localeCompare(b.id));
}

function protocolArgs(c: CorpusCase, digestMode: boolean): string[] {
  const args = ["verify-bundle"];
  const root = c.trusted_root ?? "public-good";
  let trustedRoot: string | undefined;
  if (root === "staging") args.push("--staging");
  else if (root === "github") trustedRoot = `${CORPUS}roots/${ROOT_FILES.github}`;
  else if (root !== "public-good") trustedRoot = `${c.dir}/${root}`;
  args.push("--bundle", `${c.dir}/${c.bundle ?? "bundle.sigstore.json"}`);
  if (c.key) args.push("--key", `${c.dir}/${c.key}`);
  else args.push("--certificate-identity", c.identity!, "--certificate-oidc-issuer", c.issuer!);
  if (trustedRoot) args.push("--trusted-root", trustedRoot);
  if (c.digest) args.push(c.digest);
  else if (digestMode) args.push(`sha256:${c.artifact_sha256}`);
  else args.push(`${c.dir}/${c.artifact}`);
  return args;
}

const cases = loadCases();

Deno.test("the corpus is present and complete", () => {
  assert.ok(cases.length >= 93, `expected at least 93 cases, found ${cases.length}`);
});

for (const c of cases) {
  const modes = [false, ...(c.digest_mode_ok && c.artifact_sha256 && !c.digest ? [true] : [])];
  for (const digestMode of modes) {
    const name = `corpus ${c.id}${digestMode ? " (digest)" : ""}: ${c.expect}s` +
      (c.optional ? ` [optional: ${c.optional}]` : "");
    Deno.test(name, async () => {
      const io = createMemoryIo();
      const code = await main(protocolArgs(c, digestMode), io);
      assert.doesNotMatch(io.err, /internal error/, "no case may crash the verifier");
      if (c.expect === "pass") {
        assert.equal(code, 0, `expected pass, got exit ${code}: ${io.err}`);
      } else {
        assert.notEqual(code, 0, `expected failure, but it verified: ${io.out}`);
        assert.ok(code === 1 || code === 3, `exit 1 (rejected) or 3 (unusable input), got ${code}`);
      }
    });
  }
}
