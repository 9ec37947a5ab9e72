/**
 * Reading a cache directory's pack indexes as the tests that tamper with packs need them.
 * @module
 */

/** A record of the cache's packs, as their indexes say. */
export interface PackRecord {
  /** The path of the pack file that holds the record. */
  readonly pack: string;
  /** `d` for a document, `b` for a blob. */
  readonly kind: "d" | "b";
  readonly key: string;
  /** Where the record starts in the pack, and how many bytes it has. */
  readonly offset: number;
  readonly length: number;
}

/** Every record of the cache's packs, oldest pack first (so the last of a key is the one used). */
export async function packRecords(dir: string): Promise<PackRecord[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/packs`)) {
    if (entry.name.endsWith(".idx")) names.push(entry.name.slice(0, -".idx".length));
  }
  const records: PackRecord[] = [];
  for (const name of names.sort()) {
    const index = JSON.parse(await Deno.readTextFile(`${dir}/packs/${name}.idx`));
    for (const [kind, key, offset, length] of index.records) {
      records.push({ pack: `${dir}/packs/${name}.pack`, kind, key, offset, length });
    }
  }
  return records;
}
