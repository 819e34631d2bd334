/*
 * The result cache: one append-only NDJSON log per cache directory (format in cacheLog/format.ts), shared by every
 * process that uses the directory (pool workers, VS Code windows, the CLI). Must not import `vscode`.
 *
 * - Reads come from an in-memory Map (get/has/keys are synchronous); refresh() reads only the bytes appended since
 *   (cacheLog/reader.ts). After each append the store reads its own lines back, so memory always equals a prefix
 *   of the file.
 * - Appends (put, putMany, delete, deletePrefix) are lock-free, one write() per batch (cacheLog/appender.ts, with
 *   the proof that no acknowledged append is lost to a concurrent compaction).
 * - The lock (cacheLog/lock.ts) is taken only to create, compact or clear the log (cacheLog/replace.ts).
 * - Compaction (cacheLog/compaction.ts) is rare: dead lines > 50 % and file >= compactMinBytes, or compact().
 * - Damaged lines are skipped, counted and reported (never fatal) and dropped by the next compaction.
 * Processes that only write (pool workers) use CacheWriter instead, which never reads the log.
 * - A directory this process cannot write (a read-only mount, a cache shared by another user) opens with
 *   openReadOnly(): every entry answers, writes stay in this store's memory, nothing on disk is touched.
 *
 * Values handed out by get() are shared with the store: treat them as read-only.
 */
import path from 'node:path';
import { LogAppender, type PendingRecord } from './cacheLog/appender';
import { existingCacheDir, prepareCacheDir } from './cacheLog/directory';
import { CACHE_FILE_NAME } from './cacheLog/format';
import { Compaction } from './cacheLog/compaction';
import { describe, errnoCode } from './cacheLog/fsHelpers';
import { CacheLock, lockTimings, safeWarning } from './cacheLog/lock';
import { checkKey, encodeEntries, OperationQueue, toJson } from './cacheLog/operations';
import { LogReader, type CorruptLineInfo } from './cacheLog/reader';
import { doFix, problem, ProblemError, settingFix, type Problem } from './problems';

export type { CorruptLineInfo } from './cacheLog/reader';

export interface CacheStoreOptions {
  /** A lock whose mtime is older than this is considered abandoned (holder killed) and taken over. Default 10 s, min 2 s. */
  staleLockMs?: number;
  /** Give up waiting for the lock after this long. Default 2 × staleLockMs + 5 s. */
  lockTimeoutMs?: number;
  /** Non-fatal problems (corrupt lines, compromised lock, failed compaction). Default: console.warn. */
  onWarning?: (message: string, problem: Problem) => void;
  /** Called for every corrupt line found. When given, corrupt lines are not also sent to onWarning. */
  onCorrupt?: (info: CorruptLineInfo) => void;
  /** Automatic compaction only happens for logs at least this big. Default 1 MiB. */
  compactMinBytes?: number;
}

export interface CacheStats {
  /** Live keys. */
  entries: number;
  /** Record lines in the current log (live, superseded, tombstones and corrupt; not the header). */
  lines: number;
  /** Corrupt lines in the current log (cleared by compaction). */
  corruptLines: number;
  /** Compactions (and clears) done by this instance. */
  compactions: number;
  /** Full reloads because another process replaced the log. */
  reloads: number;
}

const DEFAULT_COMPACT_MIN_BYTES = 1 << 20;

export class CacheStore {
  readonly file: string;
  private readonly warn: (problem: Problem) => void;
  private readonly reader: LogReader;
  private readonly appender: LogAppender;
  private readonly compaction: Compaction;
  private readonly operations: OperationQueue;

  private constructor(
    readonly dir: string,
    options: CacheStoreOptions,
    /** False for a store opened with openReadOnly(). */
    readonly writable = true,
  ) {
    this.file = path.join(dir, CACHE_FILE_NAME);
    this.warn = safeWarning(options.onWarning);
    const lock = new CacheLock({ dir, file: this.file, warn: this.warn, ...lockTimings(options.staleLockMs, options.lockTimeoutMs) });
    this.reader = new LogReader({ file: this.file, warn: this.warn, onCorrupt: options.onCorrupt });
    // A kept descriptor is written to first only while it names the file memory was read from: once refresh()
    // has moved on to a newer file, the old one was replaced.
    this.appender = new LogAppender(dir, this.file, lock, (handle) => {
      const { ino, dev } = this.reader.state;
      return ino === null || (ino === handle.ino && dev === handle.dev);
    });
    const minBytes = Math.max(0, options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES);
    this.compaction = new Compaction(dir, this.file, minBytes, this.reader, lock, this.appender, this.warn);
    this.operations = new OperationQueue(() => new Error(`The cache store for ${this.dir} is closed; open it again with CacheStore.open().`));
  }

  /** Opens (creating it with mode 0o700 if needed) the cache directory `dir` and loads its log. */
  static async open(dir: string, options: CacheStoreOptions = {}): Promise<CacheStore> {
    return new CacheStore(await prepareCacheDir(dir, 'CacheStore.open'), options).load();
  }

  /**
   * Opens an existing cache directory without writing to it: for a cache this process may read but not write.
   * Writes are kept in memory for the life of the store (this process sees its own results); clear() and
   * compact() fail with 'cache-unwritable'.
   */
  static async openReadOnly(dir: string, options: CacheStoreOptions = {}): Promise<CacheStore> {
    return new CacheStore(await existingCacheDir(dir), options, false).load();
  }

  private async load(): Promise<this> {
    await this.operations
      .enqueue(() => {
        this.refreshNow();
        // An unterminated last line: ending it now counts a torn line at once (later appends are safe anyway).
        if (this.writable && this.reader.state.tail > 0) this.appender.terminateTornLine((fd) => this.reader.syncWith(fd), this.warn);
      })
      .catch((error: unknown) => {
        throw unreadableCacheFile(this.file, error);
      });
    return this;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.reader.state.map.get(key)?.v as T | undefined;
  }

  has(key: string): boolean {
    return this.reader.state.map.has(key);
  }

  keys(prefix?: string): string[] {
    const all = [...this.reader.state.map.keys()];
    return prefix ? all.filter((k) => k.startsWith(prefix)) : all;
  }

  /** Applies what other processes appended since the last read (or reloads if the log was replaced). */
  refresh(): Promise<void> {
    return this.operations.enqueue(async () => {
      this.refreshNow();
      await this.restoreAfterTruncation();
    });
  }

  async put(key: string, value: unknown): Promise<void> {
    checkKey('put', key);
    return this.operations.enqueuePuts([[key, toJson('put', key, value)]], (records) => this.append(() => records, false));
  }

  async putMany(entries: Iterable<readonly [string, unknown]>): Promise<void> {
    const batch = encodeEntries('putMany', entries);
    if (batch.size === 0) return this.operations.closed ? this.operations.enqueue(() => undefined) : undefined;
    return this.operations.enqueuePuts(batch, (records) => this.append(() => records, false));
  }

  async delete(key: string): Promise<void> {
    checkKey('delete', key);
    await this.operations.enqueue(() => this.append(() => (this.has(key) ? [{ key }] : []), true));
  }

  /** Deletes every key starting with `prefix` (tombstones, one write). Returns how many were deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    if (typeof prefix !== 'string') throw new TypeError('CacheStore.deletePrefix: the prefix must be a string.');
    return this.operations.enqueue(() => this.append(() => this.keys(prefix).map((key) => ({ key })), true));
  }

  /** Removes everything: replaces the log with an empty one under the lock. */
  clear(): Promise<void> {
    return this.operations.enqueue(() => (this.assertWritable('clear'), this.compaction.clear()));
  }

  /** Rewrites the log with only the live entries (drops superseded, deleted and corrupt lines). */
  compact(): Promise<void> {
    return this.operations.enqueue(() => (this.assertWritable('compact'), this.compaction.compact()));
  }

  get stats(): CacheStats {
    const { map, lines, corrupt } = this.reader.state;
    return { entries: map.size, lines, corruptLines: corrupt, compactions: this.compaction.count, reloads: this.reader.reloads };
  }

  /**
   * Waits for pending operations and closes the append descriptor; afterwards writes and refresh() fail, get() keeps
   * answering from memory.
   */
  async close(): Promise<void> {
    if (this.operations.closed) return;
    await this.operations.close();
    this.appender.drop();
  }

  /** Appends, then reads its own lines back (page cache) and compacts when due. `syncFirst` for deletes. */
  private async append(build: () => PendingRecord[], syncFirst: boolean): Promise<number> {
    if (!this.writable) return this.reader.applyInMemory(build());
    const count = await this.appender.append(build, {
      beforeBuild: syncFirst ? (handle) => this.reader.syncWith(handle.fd) : undefined,
      afterWrite: (fd) => this.reader.syncWith(fd),
    });
    await this.restoreAfterTruncation();
    if (count > 0) await this.compaction.ifDue();
    return count;
  }

  /**
   * Another program emptied the log in place (a sync client, a backup tool, `> file`): what this store knew and the
   * log no longer holds is appended again, after what was written since, so neither is lost.
   */
  private async restoreAfterTruncation(): Promise<void> {
    const lost = this.reader.takeTruncated();
    if (!lost || !this.writable) return;
    const missing = [...lost].filter(([key]) => !this.reader.state.map.has(key)).map(([key, entry]) => ({ key, json: JSON.stringify(entry.v) }));
    const entries = `${missing.length} ${missing.length === 1 ? 'entry' : 'entries'}`;
    this.warn(problem('cache-truncated', `The cache file ${this.file} was emptied by another program during the run; the ${entries} this process knew were written back`));
    if (missing.length > 0) await this.appender.append(() => missing, { afterWrite: (fd) => this.reader.syncWith(fd) });
  }

  private assertWritable(verb: string): void {
    if (this.writable) return;
    throw new ProblemError(problem('cache-unwritable', `Cannot ${verb} the cache in ${this.dir}: it was opened read-only (the directory is not writable)`, settingFix('cacheDir')));
  }

  private refreshNow(): void {
    this.reader.syncFromDisk(
      (err) =>
        new ProblemError(
          problem('cache-unreadable', `Cannot read the cache file ${this.file} (${errnoCode(err) ?? describe(err)})`, doFix('fix its permissions'), doFix('delete it (the cache is rebuilt)'), settingFix('cacheDir')),
          { cause: err },
        ),
    );
  }
}

/** The cache file cannot be read (a folder has its name, its permissions changed): which file, why, and the fix. */
function unreadableCacheFile(file: string, error: unknown): ProblemError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EISDIR' ? 'a folder has its name' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (error as Error).message);
  return new ProblemError(problem('cache-unreadable', `The cache file ${file} cannot be read (${why})`, doFix(`move it out of the way (it is rebuilt on the next run), e.g. mv "${file}" "${file}.old"`), settingFix('cacheDir')));
}
