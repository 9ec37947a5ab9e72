import assert from "node:assert/strict";
import type { CrateVersionInfo } from "../evidence/registry_records.ts";
import { checkDowngrade } from "./downgrade.ts";

const record = (version: string, more: Partial<CrateVersionInfo> = {}): CrateVersionInfo =>
  ({ name: "x", version, yanked: false, ...more }) as CrateVersionInfo;

Deno.test("checkDowngrade() names each weakening, and passes when nothing got weaker", () => {
  const same = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0", { repository: "https://github.com/o/x.git/" }),
  });
  assert.equal(same.code, "downgrade-none");
  const moved = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0", { repository: "https://github.com/evil/x" }),
  });
  assert.equal(moved.status, "skip");
  assert.equal(moved.required, true, "a downgrade is never a silent TRUSTED");
  assert.equal(moved.code, "downgrade-repository-changed");
  const strict = checkDowngrade({
    crate: "x",
    before: record("1.0.0", { repository: "https://github.com/o/x" }),
    after: record("1.1.0"),
    noDowngrade: { file: "attest.toml", line: 4 },
  });
  assert.equal(strict.status, "fail");
  assert.match(strict.message, /names none \(no_downgrade at attest\.toml:4\)/);
});
