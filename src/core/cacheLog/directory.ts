import { constants as fsConstants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { doFix, problem, ProblemError, settingFix } from '../problems';
import { describe, errnoCode } from './fsHelpers';

/** Makes sure the cache directory exists (mode 0o700) and can be written; returns its absolute path. */
export async function prepareCacheDir(dir: string, opener: string): Promise<string> {
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`${opener}: pass the cache directory as a non-empty string.`);
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
    throw new ProblemError(problem('cache-unwritable', `Cannot create the cache directory ${resolved}: ${why}`, doFix('fix the path or its permissions'), settingFix('cacheDir')), { cause: err });
  }
  const info = await stat(resolved);
  if (!info.isDirectory()) {
    throw new ProblemError(problem('cache-unwritable', `The cache directory ${resolved} is not a directory`, settingFix('cacheDir')));
  }
  try {
    await access(resolved, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
  } catch (err) {
    throw new ProblemError(
      problem('cache-unwritable', `The cache directory ${resolved} is not writable (${errnoCode(err) ?? describe(err)})`, doFix(`fix its permissions (e.g. chmod u+rwx "${resolved}")`), settingFix('cacheDir')),
      { cause: err },
    );
  }
  return resolved;
}

/** The absolute path of an existing cache directory, for reading only; nothing is created. */
export async function existingCacheDir(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  const info = await stat(resolved).catch((err: unknown) => {
    throw new ProblemError(problem('cache-unreadable', `Cannot open the cache directory ${resolved} (${errnoCode(err) ?? describe(err)})`, settingFix('cacheDir')), { cause: err });
  });
  if (!info.isDirectory()) throw new ProblemError(problem('cache-unreadable', `The cache directory ${resolved} is not a directory`, settingFix('cacheDir')));
  return resolved;
}
