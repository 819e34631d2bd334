import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { fsPath } from './bytePaths';
import type { CacheStore } from './cache';
import { statKey } from './cacheKeys';
import type { ScannedFile } from './scan';

/** SHA-256 of a file's content, streamed so large videos never sit in memory. */
export function hashFile(file: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(fsPath(file), { highWaterMark: 1 << 20, signal });
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

/** A file's content hash, a reason it could not be read, or undefined when it was not hashed (`hashUnknown: false`). */
export type HashOutcome = string | { error: string } | undefined;

export interface HashOptions {
  /** Files hashed at once: reading is I/O bound, a few in flight keep the disk busy. */
  concurrency: number;
  /** Hash files the stat fast path does not know (new, renamed or touched). Default true. */
  hashUnknown?: boolean;
  signal?: AbortSignal;
  /** The new hashes could not be saved (they are still returned). */
  onSaveError?: (error: unknown) => void;
}

/**
 * Content hashes, from the stat fast path (path + size + mtime + inode) when a file is unchanged, else streamed.
 * The new ones are saved in one write, so a touched file is read once, not at every run or listing.
 */
export async function hashFiles(files: readonly ScannedFile[], cache: CacheStore | undefined, options: HashOptions): Promise<HashOutcome[]> {
  const results = new Array<HashOutcome>(files.length);
  const fresh: Array<[string, string]> = [];
  let next = 0;
  const hashNext = async () => {
    while (next < files.length) {
      const index = next++;
      const file = files[index];
      const key = statKey(file.path, file.size, file.mtimeMs, file.ino);
      const known = cache?.get<string>(key);
      if (known || options.hashUnknown === false) {
        results[index] = known;
        continue;
      }
      try {
        const sha256 = await hashFile(file.path, options.signal);
        results[index] = sha256;
        fresh.push([key, sha256]);
      } catch (error) {
        results[index] = { error: `Cannot read ${path.basename(file.path)}: ${(error as Error).message}` };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, files.length) }, hashNext));
  if (cache && fresh.length > 0) {
    await cache.putMany(fresh).catch((error: unknown) => options.onSaveError?.(error));
  }
  return results;
}
