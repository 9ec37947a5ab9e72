/**
 * Which tags of a repository name a crate's version: the sources ask for them, `crate-vcs`
 * judges the answer.
 * @module
 */

/** The tag names tried for a version, in order: `v1.2.3`, `1.2.3`, `NAME-v1.2.3`, … */
export function tagCandidates(name: string, version: string): string[] {
  return [
    `v${version}`,
    version,
    `${name}-v${version}`,
    `${name}-${version}`,
    `${name}@${version}`,
    `${name}@v${version}`,
    `${name}/v${version}`,
    `${name}/${version}`,
    `${name}_v${version}`,
  ];
}
