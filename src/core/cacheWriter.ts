/**
 * A write-only view of the cache for processes that only save results (pool workers): the same lock-free appends
 * as CacheStore (cacheLog/appender.ts), but the log is never read, so eight workers do not each parse and hold the
 * whole cache. Compaction is left to the stores that read (the coordinator, VS Code, the CLI).
 */
import path from 'node:path';
import { LogAppender } from './cacheLog/appender';
import { prepareCacheDir } from './cacheLog/directory';
import { CACHE_FILE_NAME } from './cacheLog/format';
import { CacheLock, lockTimings, safeWarning } from './cacheLog/lock';
import { checkKey, encodeEntries, OperationQueue, toJson } from './cacheLog/operations';
import type { CacheStoreOptions } from './cache';

export type CacheWriterOptions = Pick<CacheStoreOptions, 'staleLockMs' | 'lockTimeoutMs' | 'onWarning'>;

export class CacheWriter {
  private readonly appender: LogAppender;
  private readonly operations: OperationQueue;

  private constructor(
    readonly dir: string,
    options: CacheWriterOptions,
  ) {
    const file = path.join(dir, CACHE_FILE_NAME);
    const lock = new CacheLock({ dir, file, warn: safeWarning(options.onWarning), ...lockTimings(options.staleLockMs, options.lockTimeoutMs) });
    this.appender = new LogAppender(dir, file, lock);
    this.operations = new OperationQueue(() => new Error(`The cache writer for ${dir} is closed.`));
  }

  /** Checks the cache directory (creating it with mode 0o700 if needed); reads nothing. */
  static async open(dir: string, options: CacheWriterOptions = {}): Promise<CacheWriter> {
    return new CacheWriter(await prepareCacheDir(dir, 'CacheWriter.open'), options);
  }

  put(key: string, value: unknown): Promise<void> {
    checkKey('put', key);
    return this.operations.enqueuePuts([[key, toJson('put', key, value)]], (records) => this.appender.append(() => records));
  }

  async putMany(entries: Iterable<readonly [string, unknown]>): Promise<void> {
    const batch = encodeEntries('putMany', entries);
    if (batch.size > 0) await this.operations.enqueuePuts(batch, (records) => this.appender.append(() => records));
  }

  /** Waits for pending writes and closes the append descriptor. */
  async close(): Promise<void> {
    if (this.operations.closed) return;
    await this.operations.close();
    this.appender.drop();
  }
}
