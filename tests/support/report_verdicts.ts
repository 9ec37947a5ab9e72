/**
 * What a JSON report decided, without the parts that differ from run to run (messages, origins):
 * the verdict, and each subject's checks as `id status code`, for tests that compare two runs.
 * @module
 */

/** The verdict and the checks' `id status code` of the JSON report `out`. */
export function verdicts(out: string): { verdict: string; checks: string[][] } {
  const report = JSON.parse(out);
  return {
    verdict: report.verdict,
    checks: report.subjects.map((s: { checks: { id: string; status: string; code: string }[] }) =>
      s.checks.map((c) => `${c.id} ${c.status} ${c.code}`)
    ),
  };
}
