/**
 * A change to a cache pack that its file times do not show: the attack on pack seals of the red
 * teams' cache tests (a bit the storage flips, a same-size rewrite with its times put back).
 * @module
 */

/**
 * Flips the byte `at` of `pack` in place and puts its modification time back; true when the
 * file's size, inode and times (as `Deno.stat` gives them: the change time in whole seconds) are
 * then as before, false when the change time's second moved on meanwhile.
 */
export async function changeUnseen(pack: string, at: number): Promise<boolean> {
  const before = await Deno.stat(pack);
  const file = await Deno.open(pack, { read: true, write: true });
  try {
    const byte = new Uint8Array(1);
    await file.seek(at, Deno.SeekMode.Start);
    await file.read(byte);
    byte[0] ^= 0x01;
    await file.seek(at, Deno.SeekMode.Start);
    await file.write(byte);
  } finally {
    file.close();
  }
  await Deno.utime(pack, before.atime!, before.mtime!);
  const after = await Deno.stat(pack);
  return after.size === before.size && after.ino === before.ino &&
    after.mtime!.getTime() === before.mtime!.getTime() &&
    after.ctime!.getTime() === before.ctime!.getTime();
}
