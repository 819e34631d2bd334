import { CacheStore, type CacheStoreOptions } from './cache';
import { problemOf, type Problem } from './problems';

export interface OpenedCache {
  cache: CacheStore;
  /** Set when the directory could not be written and the cache was opened read-only: why. */
  readOnlyBecause?: Problem;
}

/**
 * The cache of `dir` for a run or a listing: writable when it can be, else read-only — a read-only mount or a
 * cache shared by another user still holds answers. Throws when it cannot be read at all.
 */
export async function openCacheForUse(dir: string, options: CacheStoreOptions): Promise<OpenedCache> {
  try {
    return { cache: await CacheStore.open(dir, options) };
  } catch (error) {
    const reason = problemOf(error);
    if (reason.code !== 'cache-unwritable') throw error;
    const cache = await CacheStore.openReadOnly(dir, options).catch(() => {
      throw error;
    });
    return { cache, readOnlyBecause: reason };
  }
}
