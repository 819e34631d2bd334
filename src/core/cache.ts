import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  constants as fsConstants,
  openSync,
  readSync,
  statSync,
  writeSync,
  type BigIntStats,
  type Stats,
} from 'node:fs';
import { access, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type * as Lockfile from 'proper-lockfile';

/** Loaded with the first lock, not with the module: the VS Code extension imports this file at activation. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lockfile = (): typeof Lockfile => require('proper-lockfile') as typeof Lockfile;
import {
  CACHE_FILE_NAME,
  FORMAT_VERSION,
  NEWLINE,
  encodeDelete,
  encodeHeader,
  encodePut,
  parseLine,
  previewBytes,
  type ParsedLine,
} from './cacheFile';

/*
 * The result cache: one append-only NDJSON log per cache directory, shared by every process that uses the
 * directory (pool workers, VS Code windows, the CLI). Must not import `vscode`.
 *
 * - Reads come from an in-memory Map (get/has/keys are synchronous). refresh() reads only the bytes appended since
 *   this instance's offset; an unterminated last line is left for later (a writer may be mid-write).
 * - Appends (put, putMany, delete, deletePrefix) are lock-free: the log is opened with O_APPEND and all lines of a
 *   batch go out in ONE write(). On a local file system an O_APPEND write to a regular file is positioned at the
 *   end and applied atomically with respect to other O_APPEND writers (Linux/macOS: under the inode lock; Windows:
 *   FILE_APPEND_DATA), so lines of different writers never interleave. Every write starts with "\n": if a killed
 *   writer left a torn line, that newline ends it (it becomes one corrupt, counted line) and cannot swallow ours;
 *   readers skip the resulting empty lines. One "\n" per write() is enough, the lines inside one write are
 *   contiguous. After the write the writer reads its own lines back, so memory always equals a prefix of the file.
 * - The proper-lockfile lock (`<file>.lock`) guards the structure of the log, not the appends: it is taken only by
 *   operations that replace the file (compaction, clear), by the creation of a missing log (a new file appears
 *   atomically with its header: temp file + rename) and by the fallbacks below.
 * - Compaction (rare: dead lines > 50 % and file >= compactMinBytes, or compact()) catches up with the file under
 *   the lock, writes the live entries to a temp file, fsyncs it and renames it over the log. clear() renames an
 *   empty log over it. Readers notice the replacement (other inode, smaller size or a different header id) and
 *   reload.
 * - Damaged lines are skipped, counted and reported (never fatal) and dropped by the next compaction.
 *
 * Why a lock-free append cannot be lost to a concurrent replacement. After its write() to the file open as fd
 * (inode I) a writer (1) checks that no lock is held (stat of `<file>.lock`) and only then (2) that the path still
 * names inode I. It acknowledges the put only if both hold; if the lock is held it waits for it to go (polling, not
 * queueing for it, so waiting writers never hold the lock and never delay each other); if the path names another
 * file it appends the same lines to that file (bounded; the last resort appends under the lock, where the file
 * cannot be replaced). A replacer R takes the lock (time L), reads the log to its end (time R > L), renames (N) and
 * unlocks (U). For an acknowledged write whose lock check ran at time c:
 *   c < L:      the write finished before c, so before R: R's read contains it and so does the new file.
 *   c > U:      the path check runs after N. Had the writer opened the old file, it would see the new inode and
 *               append again; an unchanged inode means it opened the new file and wrote there (or R gave up
 *               without renaming, and the write is still in the current file).
 *   L < c < U:  impossible, the lock was visible.
 * I cannot be reused by another file while the writer holds fd open, so comparing dev/ino is exact (no header id
 * needed). Lines written to the old inode after R's read are dropped with it; their writers see the lock or the new
 * inode and append them to the new file. Duplicates (written to both) are harmless: same key, same value. A put
 * racing a clear() may survive it (as if it ran just after the clear); a put acknowledged before clear() started
 * never does. Deletes catch up with the file first, so the tombstone is written only for a key that exists.
 * A lock that looks abandoned (older than staleLockMs) is taken over by appending under it. A put that fails after
 * its write() (e.g. it timed out waiting for a lock held by a live process) may still be in the log.
 * Between appends the descriptor stays open (not on Windows), pinning the inode. That saves the open/close and
 * the header-id probe. A replaced file is noticed by the path check above and the descriptor reopened; close()
 * closes it.
 *
 * Why no tail copy. An alternative is to let writers ignore the lock, and have the replacer copy what was appended
 * to the old inode after its read (from its last complete line to the end) into the new file AFTER the rename. That
 * copy reorders lines: a put of k acknowledged before the rename can be copied behind a later put or delete of k
 * that another writer has already appended to the new file. The stale value then wins, or a deleted key comes
 * back. With the lock check above, nothing is ever copied after the rename, and the order of the file is the order
 * of the acknowledgements.
 *
 * Limits: needs a local file system. O_APPEND is not atomic on NFS and similar, which the lock-per-write design
 * tolerated. A replacer that loses its lock (blocked longer than staleLockMs, taken over) checks for that before
 * renaming, as before; that check can come too late if the replacer is blocked in between.
 *
 * Values handed out by get() are shared with the store: treat them as read-only.
 */

export interface CacheStoreOptions {
  /** A lock whose mtime is older than this is considered abandoned (holder killed) and taken over. Default 10 s, min 2 s. */
  staleLockMs?: number;
  /** Give up waiting for the lock after this long. Default 2 × staleLockMs + 5 s. */
  lockTimeoutMs?: number;
  /** Non-fatal problems (corrupt lines, compromised lock, failed compaction). Default: console.warn. */
  onWarning?: (message: string) => void;
  /** Called for every corrupt line found. When given, corrupt lines are not also sent to onWarning. */
  onCorrupt?: (info: CorruptLineInfo) => void;
  /** Automatic compaction only happens for logs at least this big. Default 1 MiB. */
  compactMinBytes?: number;
}

export interface CorruptLineInfo {
  file: string;
  /** Byte offset of the line in the file. */
  offset: number;
  /** Length of the line in bytes, without its newline. */
  length: number;
  reason: string;
  preview: string;
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

interface Entry {
  readonly v: unknown;
  readonly t: number;
}

/** What this instance knows about the log: a parsed prefix `[0, offset)` of one particular file. */
interface LogState {
  map: Map<string, Entry>;
  dev: bigint | null;
  ino: bigint | null;
  offset: number;
  /** Raw header line (with newline), compared on refresh to detect a replaced file that reuses the inode. */
  header: Buffer | null;
  lines: number;
  corrupt: number;
  /** Bytes after `offset` without a newline at the last read. */
  tail: number;
}

interface ReadItem {
  readonly offset: number;
  readonly length: number;
  readonly line: ParsedLine;
  readonly raw?: Buffer;
  readonly preview?: string;
}

/** The log open for appending. While it is open its inode cannot be reused by another file. */
interface AppendHandle {
  readonly fd: number;
  readonly dev: bigint;
  readonly ino: bigint;
  /** Memory was checked against this inode (header probe) while the handle pinned it: no probe needed until closed. */
  verified: boolean;
}

interface LockContext {
  compromised: boolean;
  released: boolean;
}

const DEFAULT_STALE_MS = 10_000;
const MIN_STALE_MS = 2_000; // proper-lockfile's minimum
const DEFAULT_COMPACT_MIN_BYTES = 1 << 20;
const READ_CHUNK = 4 << 20;
const WRITE_CHUNK = 1 << 20;
const TEMP_FILE_MAX_AGE_MS = 60_000;
/** Lock-free appends: O_APPEND without O_CREAT (a missing log is created with its header under the lock). */
const APPEND_FLAGS = fsConstants.O_RDWR | fsConstants.O_APPEND;
/** Lock-free attempts of one append before it is done under the lock (each extra one means the file was replaced). */
const MAX_APPEND_ROUNDS = 8;
/** Attempts of one write() before giving up when the kernel keeps writing less than asked (disk full). */
const MAX_SHORT_WRITES = 3;
/** Polling of a held lock by a writer waiting to confirm its append: first and longest pause, ms. */
const LOCK_POLL_MIN_MS = 1;
const LOCK_POLL_MAX_MS = 20;
/**
 * Keep the append descriptor open between appends (saves open/close and the header probe). Not on Windows, where an
 * open handle can make replacing the file (compaction by another process) fail.
 */
const KEEP_APPEND_HANDLE = process.platform !== 'win32';
/** Short, fast retries: the lock is only held to create, compact or clear the log; acquire() covers the stale period. */
const LOCK_RETRIES = { retries: 200, minTimeout: 2, maxTimeout: 40, factor: 1.5, randomize: true };

function emptyState(): LogState {
  return { map: new Map(), dev: null, ino: null, offset: 0, header: null, lines: 0, corrupt: 0, tail: 0 };
}

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
    ? (err as { code: string }).code
    : undefined;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** In-process serialisation of lock holders per lock path, so two stores in one process do not spin on mkdir. */
const processLocks = new Map<string, Promise<unknown>>();

function serializeInProcess<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = processLocks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  processLocks.set(key, settled);
  void settled.then(() => {
    if (processLocks.get(key) === settled) processLocks.delete(key);
  });
  return run;
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let written = 0;
  while (written < buf.length) {
    const { bytesWritten } = await fh.write(buf, written, buf.length - written, null);
    if (bytesWritten <= 0) throw new Error('write() wrote nothing');
    written += bytesWritten;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Nothing useful to do.
  }
}

async function fsyncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Not supported everywhere (e.g. Windows); the rename itself is still atomic.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

function toJson(method: string, key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(
      `CacheStore.${method}(${JSON.stringify(key)}): the value is not JSON-serializable (${describe(err)}). ` +
        'Store plain JSON data (objects, arrays, strings, finite numbers, booleans, null).',
    );
  }
  if (json === undefined) {
    throw new TypeError(
      `CacheStore.${method}(${JSON.stringify(key)}): a value of type ${typeof value} cannot be stored. ` +
        'Store plain JSON data (objects, arrays, strings, finite numbers, booleans, null); use delete() to remove a key.',
    );
  }
  return json;
}

function checkKey(method: string, key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new TypeError(`CacheStore.${method}: keys must be strings, got ${typeof key}.`);
  }
}

interface PutBatch {
  readonly records: Map<string, string>;
  done: Promise<void>;
}

type PendingRecord = { readonly key: string; readonly json: string } | { readonly key: string; readonly json?: undefined };

export class CacheStore {
  readonly dir: string;
  readonly file: string;
  private readonly lockPath: string;
  private readonly staleMs: number;
  private readonly lockTimeoutMs: number;
  private readonly compactMinBytes: number;
  private readonly warn: (message: string) => void;
  private readonly onCorrupt: ((info: CorruptLineInfo) => void) | undefined;
  private state: LogState = emptyState();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private compactionCount = 0;
  private reloadCount = 0;
  private warnedFormat = false;
  private openBatch: PutBatch | null = null;
  private appendHandle: AppendHandle | null = null;

  private constructor(dir: string, options: CacheStoreOptions) {
    this.dir = dir;
    this.file = path.join(dir, CACHE_FILE_NAME);
    this.lockPath = `${this.file}.lock`;
    this.staleMs = Math.max(MIN_STALE_MS, Math.round(options.staleLockMs ?? DEFAULT_STALE_MS));
    this.lockTimeoutMs = options.lockTimeoutMs ?? this.staleMs * 2 + 5_000;
    this.compactMinBytes = Math.max(0, options.compactMinBytes ?? DEFAULT_COMPACT_MIN_BYTES);
    const onWarning = options.onWarning;
    this.warn = (message) => {
      try {
        if (onWarning) onWarning(message);
        else console.warn(`[media-summarizer cache] ${message}`);
      } catch {
        // A throwing warning handler must not break the cache.
      }
    };
    this.onCorrupt = options.onCorrupt;
  }

  /** Opens (creating it with mode 0o700 if needed) the cache directory `dir` and loads its log. */
  static async open(dir: string, options: CacheStoreOptions = {}): Promise<CacheStore> {
    if (typeof dir !== 'string' || dir === '') {
      throw new TypeError('CacheStore.open: pass the cache directory (e.g. from --cache-dir) as a non-empty string.');
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
      throw new Error(
        `Cannot create the cache directory ${resolved}: ${why}. Pass --cache-dir with a writable directory, ` +
          'or fix the path/permissions.',
        { cause: err },
      );
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
    const store = new CacheStore(resolved, options);
    await store.enqueue(async () => {
      await store.refreshNow();
      // An unterminated last line is either a write in progress or a torn write by a killed process. Appending a
      // newline needs no lock: O_APPEND puts it after a write in progress (an empty line, skipped), and it ends a
      // torn line, so that line is counted now. (Later appends are safe anyway: each starts with a newline.)
      if (store.state.tail > 0) store.terminateTornLine();
    });
    return store;
  }

  get<T = unknown>(key: string): T | undefined {
    return this.state.map.get(key)?.v as T | undefined;
  }

  has(key: string): boolean {
    return this.state.map.has(key);
  }

  keys(prefix?: string): string[] {
    const all = [...this.state.map.keys()];
    return prefix ? all.filter((k) => k.startsWith(prefix)) : all;
  }

  /** Applies what other processes appended since the last read (or reloads if the log was replaced). */
  refresh(): Promise<void> {
    return this.enqueue(() => this.refreshNow());
  }

  async put(key: string, value: unknown): Promise<void> {
    checkKey('put', key);
    const json = toJson('put', key, value);
    return this.enqueuePuts([[key, json]]);
  }

  async putMany(entries: Iterable<readonly [string, unknown]>): Promise<void> {
    const batch = new Map<string, string>(); // last one wins, one line per key
    for (const [key, value] of entries) {
      checkKey('putMany', key);
      batch.delete(key);
      batch.set(key, toJson('putMany', key, value));
    }
    if (batch.size === 0) return this.closed ? this.enqueue(async () => undefined) : undefined;
    return this.enqueuePuts(batch);
  }

  async delete(key: string): Promise<void> {
    checkKey('delete', key);
    return this.enqueue(async () => {
      await this.append(() => (this.state.map.has(key) ? [{ key }] : []), true);
    });
  }

  /** Deletes every key starting with `prefix` (tombstones, one write). Returns how many were deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    if (typeof prefix !== 'string') throw new TypeError('CacheStore.deletePrefix: the prefix must be a string.');
    return this.enqueue(() => this.append(() => this.keys(prefix).map((key) => ({ key })), true));
  }

  /** Removes everything: replaces the log with an empty one under the lock. */
  clear(): Promise<void> {
    return this.enqueue(() =>
      this.withLock(async (lock) => {
        await this.replaceLog(lock, new Map());
      }),
    );
  }

  /** Rewrites the log with only the live entries (drops superseded, deleted and corrupt lines). */
  compact(): Promise<void> {
    return this.enqueue(() =>
      this.withLock(async (lock) => {
        this.syncLocked();
        await this.replaceLog(lock, this.state.map);
      }),
    );
  }

  get stats(): CacheStats {
    return {
      entries: this.state.map.size,
      lines: this.state.lines,
      corruptLines: this.state.corrupt,
      compactions: this.compactionCount,
      reloads: this.reloadCount,
    };
  }

  /**
   * Waits for pending operations and closes the append descriptor; afterwards writes and refresh() fail, get() keeps
   * answering from memory.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    const pending = this.queue;
    this.closed = true;
    await pending.catch(() => undefined);
    this.dropAppendHandle();
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Queues puts. Puts issued while this instance waits for an earlier operation join one batch that is written with
   * a single write() (order kept, last value per key wins). Any other operation closes the open batch, so
   * operations still take effect in the order they were called.
   */
  private enqueuePuts(entries: Iterable<readonly [string, string]>): Promise<void> {
    const open = this.openBatch;
    if (open && !this.closed) {
      for (const [key, json] of entries) {
        open.records.delete(key);
        open.records.set(key, json);
      }
      return open.done;
    }
    const batch: PutBatch = { records: new Map(entries), done: Promise.resolve() };
    batch.done = this.enqueue(async () => {
      if (this.openBatch === batch) this.openBatch = null;
      await this.append(() => [...batch.records].map(([key, json]) => ({ key, json })), false);
    });
    this.openBatch = batch;
    return batch.done;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    this.openBatch = null;
    if (this.closed) {
      return Promise.reject(new Error(`The cache store for ${this.dir} is closed; open it again with CacheStore.open().`));
    }
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refreshNow(): Promise<void> {
    this.syncFromDisk(
      (err) =>
        new Error(
          `Cannot read the cache file ${this.file} (${errnoCode(err) ?? describe(err)}). Fix its permissions, ` +
            'delete it (the cache is rebuilt), or pass --cache-dir with another directory.',
          { cause: err },
        ),
    );
  }

  /**
   * Opens the log and brings memory up to date with it; a log deleted by someone (e.g. the user) empties memory.
   * Returns the file size, or null when there is no log.
   */
  private syncFromDisk(openError: (err: unknown) => Error): number | null {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        if (this.state.ino !== null) {
          this.state = emptyState();
          this.reloadCount++;
        }
        return null;
      }
      throw openError(err);
    }
    try {
      return this.syncWith(fd);
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * Brings memory up to date with the file open as `fd` (a prefix up to its last newline). Returns its size.
   * Synchronous on purpose: it runs on every append (to read our own lines back) and under the lock during a
   * compaction, where every thread-pool round trip would add latency, and what it reads is normally a few lines
   * (parsing them is synchronous anyway).
   */
  private syncWith(fd: number, handle?: AppendHandle): number {
    const st = fstatSync(fd, { bigint: true });
    const size = Number(st.size);
    const current = this.state;
    let replaced = current.ino !== st.ino || current.dev !== st.dev || size < current.offset;
    // The header probe catches a replacement that reused the inode number; impossible while `handle` pins it.
    const pinned = handle?.verified === true && current.ino === handle.ino && current.dev === handle.dev;
    if (!replaced && current.header && !pinned) {
      const probe = Buffer.alloc(current.header.length);
      const bytesRead = readSync(fd, probe, 0, probe.length, 0);
      replaced = bytesRead !== probe.length || !probe.equals(current.header);
    }
    const target = replaced ? { ...emptyState(), dev: st.dev, ino: st.ino } : current;
    const result = this.readRange(fd, target.offset, size);
    // Applied in one synchronous step, so get() never sees a half-applied batch or a half-loaded reload.
    const corrupt = this.apply(target, result.items);
    target.offset = result.end;
    target.tail = size - result.end;
    if (replaced) {
      if (current.ino !== null) this.reloadCount++;
      this.state = target;
    }
    if (handle) handle.verified = this.state.ino === handle.ino && this.state.dev === handle.dev;
    this.reportCorrupt(corrupt);
    return size;
  }

  private readRange(fd: number, from: number, to: number): { items: ReadItem[]; end: number } {
    const items: ReadItem[] = [];
    let pos = from;
    let carry: Buffer | null = null;
    let carryStart = from;
    while (pos < to) {
      const want = Math.min(READ_CHUNK, to - pos);
      const chunk = Buffer.allocUnsafe(want);
      const bytesRead = readSync(fd, chunk, 0, want, pos);
      if (bytesRead === 0) break;
      const fresh = chunk.subarray(0, bytesRead);
      const buf: Buffer = carry ? Buffer.concat([carry, fresh]) : fresh;
      const bufStart = carry ? carryStart : pos;
      pos += bytesRead;
      let lineStart = 0;
      for (let nl = buf.indexOf(NEWLINE, lineStart); nl !== -1; nl = buf.indexOf(NEWLINE, lineStart)) {
        const offset = bufStart + lineStart;
        const line = parseLine(buf, lineStart, nl, offset === 0);
        items.push({
          offset,
          length: nl - lineStart,
          line,
          raw: line.type === 'header' ? Buffer.from(buf.subarray(lineStart, nl + 1)) : undefined,
          preview: line.type === 'corrupt' ? previewBytes(buf, lineStart, nl) : undefined,
        });
        lineStart = nl + 1;
      }
      carry = lineStart < buf.length ? buf.subarray(lineStart) : null;
      carryStart = bufStart + lineStart;
    }
    return { items, end: carry ? carryStart : pos };
  }

  private apply(state: LogState, items: readonly ReadItem[]): CorruptLineInfo[] {
    const corrupt: CorruptLineInfo[] = [];
    for (const item of items) {
      const line = item.line;
      switch (line.type) {
        case 'blank':
          break;
        case 'header':
          state.header = item.raw ?? null;
          if (line.header.format > FORMAT_VERSION && !this.warnedFormat) {
            this.warnedFormat = true;
            this.warn(
              `${this.file} was written by a newer version (format ${line.header.format}); unknown lines are skipped. ` +
                'Update media-summarizer or use another --cache-dir.',
            );
          }
          break;
        case 'record':
          state.lines++;
          if (line.record.kind === 'put') state.map.set(line.record.key, { v: line.record.value, t: line.record.t });
          else state.map.delete(line.record.key);
          break;
        case 'corrupt':
          state.lines++;
          state.corrupt++;
          corrupt.push({
            file: this.file,
            offset: item.offset,
            length: item.length,
            reason: line.reason,
            preview: item.preview ?? '',
          });
          break;
      }
    }
    return corrupt;
  }

  private reportCorrupt(corrupt: readonly CorruptLineInfo[]): void {
    if (corrupt.length === 0) return;
    if (this.onCorrupt) {
      for (const info of corrupt) {
        try {
          this.onCorrupt(info);
        } catch {
          // A throwing callback must not break the cache.
        }
      }
      return;
    }
    const first = corrupt[0]!;
    this.warn(
      `Skipped ${corrupt.length} damaged line(s) in ${this.file} (first at byte ${first.offset}: ${first.reason}). ` +
        'Those entries are treated as missing and the file is repaired at the next compaction; ' +
        'if this keeps happening, delete the cache directory (it is rebuilt).',
    );
  }

  /** Runs `fn` holding the cross-process lock. */
  private withLock<T>(fn: (lock: LockContext) => Promise<T>): Promise<T> {
    return serializeInProcess(this.lockPath, async () => {
      const ctx: LockContext = { compromised: false, released: false };
      const release = await this.acquire(ctx);
      try {
        return await fn(ctx);
      } finally {
        ctx.released = true;
        try {
          await release();
        } catch (err) {
          if (!ctx.compromised && errnoCode(err) !== 'ERELEASED') {
            this.warn(`Could not release the cache lock ${this.lockPath}: ${describe(err)}`);
          }
        }
      }
    });
  }

  private async acquire(ctx: LockContext): Promise<() => Promise<void>> {
    const started = Date.now();
    const deadline = started + this.lockTimeoutMs;
    const options: Lockfile.LockOptions = {
      stale: this.staleMs,
      update: Math.max(1_000, Math.floor(this.staleMs / 3)),
      realpath: false,
      lockfilePath: this.lockPath,
      onCompromised: (err) => {
        if (ctx.released) return; // late update-timer callback after a normal release
        ctx.compromised = true;
        this.warn(
          `Lost the cache lock ${this.lockPath} (${err.message}): this process was blocked for longer than ` +
            `${this.staleMs} ms and another process took the lock over. A compaction in progress is abandoned.`,
        );
      },
    };
    let recreatedDir = false;
    for (let attempt = 0; ; attempt++) {
      try {
        // The first try has no retries, so errors other than "locked" (which proper-lockfile would retry too) are
        // seen at once. Then short, fast retries; maxRetryTime keeps one lock() call within the deadline and this
        // loop covers longer waits (a lock left by a killed process is taken over once it is stale).
        const retries = attempt === 0 ? 0 : { ...LOCK_RETRIES, maxRetryTime: Math.max(1, deadline - Date.now()) };
        return await lockfile().lock(this.file, { ...options, retries });
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ELOCKED' && Date.now() < deadline) continue;
        if (code === 'ENOENT' && !recreatedDir) {
          // The cache directory was deleted while we were running (e.g. "rm -rf" of the cache): start a new one.
          recreatedDir = true;
          await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
          continue;
        }
        if (code === 'ELOCKED') throw this.lockTimeoutError(started, err);
        throw new Error(
          `Cannot lock the cache in ${this.dir} (${code ?? describe(err)}). Pass --cache-dir with a writable ` +
            'directory or fix its permissions.',
          { cause: err },
        );
      }
    }
  }

  /** Opens the current log for lock-free appending (and reading back); null if there is none. */
  private openAppend(): number | null {
    try {
      return openSync(this.file, APPEND_FLAGS);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw this.writeError(err);
    }
  }

  /** Opens the log for appending, creating it (with its header) under the lock if it is missing. */
  private async openAppendCreating(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const fd = this.openAppend();
      if (fd !== null) return fd;
      if (attempt >= 3) {
        throw this.writeError(Object.assign(new Error('the file keeps disappearing'), { code: 'ENOENT' }));
      }
      await this.withLock(() => this.createLogLocked());
    }
  }

  /** Under the lock: opens the log for appending, creating it if it is missing. */
  private async openAppendLocked(): Promise<number> {
    const fd = this.openAppend();
    if (fd !== null) return fd;
    await this.createLogLocked();
    const created = this.openAppend();
    if (created === null) throw this.writeError(Object.assign(new Error('the file disappeared'), { code: 'ENOENT' }));
    return created;
  }

  /**
   * Under the lock: creates a missing log holding just a header. It appears atomically (temp file + rename), so a
   * lock-free writer (which never creates the file) can never put a line in front of the header. Only lock
   * holders create or replace the log, so the existence check cannot go stale before the rename.
   */
  private async createLogLocked(): Promise<void> {
    const tmp = this.tempPath();
    try {
      if (statSync(this.file, { throwIfNoEntry: false })) return;
      await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await writeAll(fh, Buffer.from(encodeHeader(), 'utf8'));
      } finally {
        await fh.close();
      }
      await this.renameWithRetry(tmp, this.file);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw errnoCode(err) ? this.writeError(err) : err;
    }
  }

  /**
   * Appends `buf` with one write() (an O_APPEND write is applied atomically with respect to other appenders).
   * A short write (disk full, signal) leaves a torn fragment: the whole buffer is written again, its leading
   * newline ends the fragment, and the lines the fragment did hold in full are harmless duplicates.
   */
  private writeOnce(fd: number, buf: Buffer): void {
    for (let attempt = 1; ; attempt++) {
      let n: number;
      try {
        n = writeSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw this.writeError(err);
      }
      if (n === buf.length) return;
      if (attempt >= MAX_SHORT_WRITES) {
        throw this.writeError(new Error(`write() wrote ${n} of ${buf.length} bytes`));
      }
    }
  }

  /** Lock-free: ends an unterminated last line (see open()). */
  private terminateTornLine(): void {
    try {
      const fd = this.openAppend();
      if (fd === null) return;
      try {
        this.writeOnce(fd, Buffer.from('\n'));
        this.syncWith(fd);
      } finally {
        closeQuietly(fd);
      }
    } catch (err) {
      this.warn(`Could not repair the unterminated last line of ${this.file}: ${describe(err)}`);
    }
  }

  /**
   * After a lock-free write to the file with identity `mine`: 'ok' once the lines are known to be in the current
   * log, 'replaced' if the path now names another file (write them again there), 'locked' if the lock looks
   * abandoned (append under the lock, which takes it over). Order matters: lock check first, then the path (see
   * the module comment). Waits while a live process holds the lock, at most lockTimeoutMs.
   */
  private async confirmAppend(mine: { dev: bigint; ino: bigint }): Promise<'ok' | 'replaced' | 'locked'> {
    let started = 0;
    let pause = LOCK_POLL_MIN_MS;
    for (;;) {
      let lock: Stats | undefined;
      let current: BigIntStats | undefined;
      try {
        lock = statSync(this.lockPath, { throwIfNoEntry: false });
        if (!lock) current = statSync(this.file, { bigint: true, throwIfNoEntry: false });
      } catch (err) {
        throw this.writeError(err);
      }
      if (!lock) return current && current.ino === mine.ino && current.dev === mine.dev ? 'ok' : 'replaced';
      const now = Date.now();
      if (now - lock.mtimeMs > this.staleMs) return 'locked';
      if (started === 0) started = now;
      else if (now - started >= this.lockTimeoutMs) throw this.lockTimeoutError(started);
      await sleep(pause);
      pause = Math.min(LOCK_POLL_MAX_MS, pause * 2);
    }
  }

  /**
   * Appends the records produced by `build`, lock-free (see the module comment). `syncFirst`: catch up with the
   * file before calling `build` (deletes decide from the current keys; puts do not need to). Returns the number
   * of records written.
   */
  private async append(build: () => PendingRecord[], syncFirst: boolean): Promise<number> {
    let buf: Buffer | null = null;
    let count = 0;
    for (let round = 0; round < MAX_APPEND_ROUNDS; round++) {
      const handle = await this.getAppendHandle();
      let outcome: 'ok' | 'replaced' | 'locked';
      try {
        if (buf === null) {
          if (syncFirst) this.syncWith(handle.fd, handle);
          const records = build();
          if (records.length === 0) {
            this.releaseAppendHandle();
            return 0;
          }
          count = records.length;
          buf = this.encodeRecords(records);
        }
        this.writeOnce(handle.fd, buf);
        outcome = await this.confirmAppend(handle);
        // Read our own lines back (page cache): memory then holds exactly what every other process will read.
        if (outcome === 'ok') this.syncWith(handle.fd, handle);
      } catch (err) {
        this.dropAppendHandle();
        throw err;
      }
      if (outcome === 'ok') {
        this.releaseAppendHandle();
        await this.compactIfDue();
        return count;
      }
      this.dropAppendHandle(); // the file was replaced (or the lock abandoned): open the current one next time
      if (outcome === 'locked') break;
    }
    // The file keeps being replaced under us, or the lock was abandoned: append under the lock, where no one can
    // replace the file (and an abandoned lock is taken over).
    const lines = buf!;
    await this.withLock(async () => {
      const fd = await this.openAppendLocked();
      try {
        this.writeOnce(fd, lines);
        this.syncWith(fd);
      } finally {
        closeQuietly(fd);
      }
    });
    await this.compactIfDue();
    return count;
  }

  /** The cached append handle, or a new one (creating a missing log under the lock). */
  private async getAppendHandle(): Promise<AppendHandle> {
    const cached = this.appendHandle;
    if (cached) {
      // refresh() already moved on to a newer file: this one was replaced, do not write to it first.
      if (this.state.ino === null || (this.state.ino === cached.ino && this.state.dev === cached.dev)) return cached;
      this.dropAppendHandle();
    }
    const fd = await this.openAppendCreating();
    try {
      const st = fstatSync(fd, { bigint: true });
      this.appendHandle = { fd, dev: st.dev, ino: st.ino, verified: false };
      return this.appendHandle;
    } catch (err) {
      closeQuietly(fd);
      throw this.writeError(err);
    }
  }

  /** After a successful append: keep the handle for the next one where that is safe. */
  private releaseAppendHandle(): void {
    if (!KEEP_APPEND_HANDLE) this.dropAppendHandle();
  }

  private dropAppendHandle(): void {
    const handle = this.appendHandle;
    this.appendHandle = null;
    if (handle) closeQuietly(handle.fd);
  }

  private encodeRecords(records: readonly PendingRecord[]): Buffer {
    const t = Date.now();
    let text = '\n'; // ends a torn line a killed writer may have left, so it cannot swallow ours
    for (const r of records) text += r.json === undefined ? encodeDelete(r.key, t) : encodePut(r.key, r.json, t);
    return Buffer.from(text, 'utf8');
  }

  private compactionDue(size: number): boolean {
    const s = this.state;
    return size >= this.compactMinBytes && (s.lines - s.map.size) * 2 > s.lines;
  }

  /** Automatic compaction, checked after each append and done under the lock (re-checked there: others may have). */
  private async compactIfDue(): Promise<void> {
    if (!this.compactionDue(this.state.offset + this.state.tail)) return;
    try {
      await this.withLock(async (lock) => {
        const size = this.syncLocked();
        if (size !== null && this.compactionDue(size)) await this.replaceLog(lock, this.state.map);
      });
    } catch (err) {
      this.warn(`Compaction of ${this.file} failed (the cache still works): ${describe(err)}`);
    }
  }

  /**
   * Under the lock: brings memory up to date with the whole file, as the base of a compaction. Lines appended
   * after this read are not lost: their writers see the lock or the new inode and append them again. An
   * unterminated tail is either torn (dropped, as it should be) or a write in progress (its writer re-appends).
   * Returns the file size, or null if there is no log.
   */
  private syncLocked(): number | null {
    return this.syncFromDisk((err) => this.writeError(err));
  }

  private lockTimeoutError(started: number, cause?: unknown): Error {
    return new Error(
      `Timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for the cache lock ` +
        `${this.lockPath}: another media-summarizer process (CLI, worker or VS Code window) keeps holding it. ` +
        `A lock left by a killed process is taken over automatically once it is ${this.staleMs / 1000} s old; ` +
        `if it persists, stop the other processes or delete ${this.lockPath}.`,
      cause === undefined ? undefined : { cause },
    );
  }

  private tempPath(): string {
    return path.join(this.dir, `${CACHE_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  }

  private writeError(err: unknown): Error {
    const code = errnoCode(err);
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'Free some disk space or pass --cache-dir with a directory on another disk.'
        : 'Pass --cache-dir with a writable directory or fix the permissions of the cache directory.';
    return new Error(`Cannot write the cache file ${this.file} (${code ?? describe(err)}). ${hint}`, { cause: err });
  }

  /**
   * Under the lock: atomically replaces the log with a new file holding `entries` (temp file, fsync, rename).
   * Lock-free appends to the old file during this are re-appended to the new one by their writers (module comment).
   */
  private async replaceLog(lock: LockContext, entries: ReadonlyMap<string, Entry>): Promise<void> {
    await this.removeOldTempFiles();
    const tmp = this.tempPath();
    const header = encodeHeader();
    let fh: FileHandle | undefined;
    let dev: bigint;
    let ino: bigint;
    let size = 0;
    try {
      fh = await open(tmp, 'wx', 0o600);
      let chunk = header;
      for (const [key, entry] of entries) {
        chunk += encodePut(key, JSON.stringify(entry.v), entry.t);
        if (chunk.length >= WRITE_CHUNK) {
          const buf = Buffer.from(chunk, 'utf8');
          await writeAll(fh, buf);
          size += buf.length;
          chunk = '';
        }
      }
      const buf = Buffer.from(chunk, 'utf8');
      await writeAll(fh, buf);
      size += buf.length;
      await fh.sync();
      const st = await fh.stat({ bigint: true });
      dev = st.dev;
      ino = st.ino;
      await fh.close();
      fh = undefined;
      if (lock.compromised) throw new Error('the cache lock was lost before the new file could be put in place');
      await this.renameWithRetry(tmp, this.file);
      this.dropAppendHandle(); // it points to the old file
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw errnoCode(err) ? this.writeError(err) : err;
    }
    await fsyncDir(this.dir);
    this.state = {
      map: entries === this.state.map ? this.state.map : new Map(entries),
      dev,
      ino,
      offset: size,
      header: Buffer.from(header, 'utf8'),
      lines: entries.size,
      corrupt: 0,
      tail: 0,
    };
    this.compactionCount++;
  }

  private async renameWithRetry(from: string, to: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(from, to);
        return;
      } catch (err) {
        // Windows refuses to replace a file another process has open without FILE_SHARE_DELETE: retry briefly.
        const code = errnoCode(err);
        if (attempt >= 10 || (code !== 'EPERM' && code !== 'EBUSY' && code !== 'EACCES')) throw err;
        await sleep(10 * (attempt + 1));
      }
    }
  }

  /** Under the lock: temp files can only be leftovers of a compaction that died; remove the old ones. */
  private async removeOldTempFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return;
    }
    const now = Date.now();
    for (const name of names) {
      if (!name.startsWith(`${CACHE_FILE_NAME}.`) || !name.endsWith('.tmp')) continue;
      const full = path.join(this.dir, name);
      try {
        const st = await stat(full);
        if (now - st.mtimeMs > TEMP_FILE_MAX_AGE_MS) await unlink(full);
      } catch {
        // Someone else removed it; fine.
      }
    }
  }
}
