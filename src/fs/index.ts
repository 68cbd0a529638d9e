// Files that must survive a crash: written beside their target, fsynced, renamed over it,
// and the directory fsynced, so that after a power loss the path holds either the old
// content or the new one, never a mix, and the rename itself is on disk.
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';

export async function writeFileDurably(file: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await fs.rename(tmp, file);
  await syncDirectory(dirname(file));
}

/** Makes a directory entry change (a create, rename or unlink) durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
export { DirSyncer } from './dir-syncer.js';
export { type GitIdentity, type GitRepo, initRepo, type OpenRepoOptions, openRepo, readHead } from './git.js';
