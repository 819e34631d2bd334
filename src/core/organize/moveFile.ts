/**
 * Moves a file to a name that must not exist, never overwriting one: a hard link to the new name (which fails
 * when the name exists) and then the old name unlinked. Where hard links are not possible (FAT and exFAT drives,
 * some network shares) the name is checked and the file renamed. A change of case only on a case-insensitive
 * folder (both names are the same file) is a plain rename.
 */
import { link, lstat, rename, unlink } from 'node:fs/promises';

/** Errors of link() that mean "this file system has no hard links", not "something is wrong". */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EINVAL']);

export class TargetExistsError extends Error {
  readonly code = 'EEXIST';
}

async function sameFile(a: string, b: string): Promise<boolean> {
  const [one, two] = await Promise.all([lstat(a), lstat(b).catch(() => undefined)]);
  return two !== undefined && one.ino === two.ino && one.dev === two.dev;
}

export async function moveFileNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') {
      if (await sameFile(from, to)) return rename(from, to);
      throw new TargetExistsError(`${to} exists`);
    }
    if (!NO_HARD_LINKS.has(code)) throw error;
    if (await lstat(to).then(() => true, () => false)) throw new TargetExistsError(`${to} exists`);
    return rename(from, to);
  }
  await unlink(from);
}
