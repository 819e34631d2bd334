import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, errnoCode } from './fsHelpers';

/** Makes sure the cache directory exists (mode 0o700) and can be written; returns its absolute path. */
export async function prepareCacheDir(dir: string, opener: string): Promise<string> {
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`${opener}: pass the cache directory (e.g. from --cache-dir) as a non-empty string.`);
  }
  const resolved = path.resolve(dir);
  try {
    await mkdir(resolved, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = errnoCode(err);
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file (not a directory) is in the way'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'permission denied or read-only file system'
          : describe(err);
    throw new Error(`Cannot create the cache directory ${resolved}: ${why}. Pass --cache-dir with a writable directory, or fix the path/permissions.`, { cause: err });
  }
  const info = await stat(resolved);
  if (!info.isDirectory()) {
    throw new Error(`The cache directory ${resolved} is not a directory. Pass --cache-dir with a directory path.`);
  }
  try {
    await access(resolved, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    throw new Error(
      `The cache directory ${resolved} is not writable (${errnoCode(err) ?? describe(err)}). Pass --cache-dir with ` +
        `a writable directory, or fix its permissions (e.g. chmod u+rwx "${resolved}").`,
      { cause: err },
    );
  }
  return resolved;
}
