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

/** A repository's tags by name, built once per list (a large repository lists thousands). */
const tagIndexes = new WeakMap<
  readonly { readonly name: string }[],
  Map<string, { readonly name: string }>
>();

/**
 * The first tag of `tags` named `name` (as `tags.find` would give it), through an index built
 * once per list: every crate of a repository with thousands of tags looks up nine candidates.
 */
export function findTag<T extends { readonly name: string }>(
  tags: readonly T[],
  name: string,
): T | undefined {
  let index = tagIndexes.get(tags);
  if (!index) {
    index = new Map();
    for (const tag of tags) if (!index.has(tag.name)) index.set(tag.name, tag);
    tagIndexes.set(tags, index);
  }
  return index.get(name) as T | undefined;
}
