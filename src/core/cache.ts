import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, constants as fsConstants, openSync, readSync, writeSync } from 'node:fs';
import { access, mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
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
 * - Writes take a proper-lockfile lock (`<file>.lock`), open the log fresh (O_APPEND), catch up with what others
 *   appended, append their lines with one write() and read them back, so memory always equals a prefix of the file.
 * - Compaction (rare: dead lines > 50 % and file >= compactMinBytes, or compact()) writes the live entries to a temp
 *   file, fsyncs it and renames it over the log under the lock. Readers notice the replacement (other inode, smaller
 *   size or a different header id) and reload.
 * - Damaged lines are skipped, counted and reported (never fatal) and dropped by the next compaction.
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
/** Short, fast retries: a lock is held for about a millisecond; the outer loop in acquire() covers the stale period. */
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

/** One write() on an O_APPEND descriptor (the kernel appends at the current end); loops only on a short write. */
function appendAllSync(fd: number, buf: Buffer): void {
  let written = 0;
  while (written < buf.length) {
    const n = writeSync(fd, buf, written, buf.length - written, null);
    if (n <= 0) throw new Error('write() wrote nothing');
    written += n;
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
      // An unterminated last line is either a write in progress or a torn write by a killed process. Under the
      // lock no write is in progress, so whatever is still there is torn: terminate it so it is counted now and
      // later appends start on a clean line.
      if (store.state.tail > 0) {
        try {
          await store.withLock(() => store.withWriteHandle(async () => undefined));
        } catch (err) {
          store.warn(`Could not repair the unterminated last line of ${store.file}: ${describe(err)}`);
        }
      }
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
      await this.append(() => (this.state.map.has(key) ? [{ key }] : []));
    });
  }

  /** Deletes every key starting with `prefix` (tombstones, one write). Returns how many were deleted. */
  async deletePrefix(prefix: string): Promise<number> {
    if (typeof prefix !== 'string') throw new TypeError('CacheStore.deletePrefix: the prefix must be a string.');
    return this.enqueue(() => this.append(() => this.keys(prefix).map((key) => ({ key }))));
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
        await this.withWriteHandle(async () => undefined);
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

  /** Waits for pending operations; afterwards writes and refresh() fail, get() keeps answering from memory. */
  async close(): Promise<void> {
    if (this.closed) return;
    const pending = this.queue;
    this.closed = true;
    await pending.catch(() => undefined);
  }

  // ---------------------------------------------------------------------------------------------------------------

  /**
   * Queues puts. Puts issued while this instance waits for the lock or for an earlier operation join one batch that
   * is written with a single lock acquisition and a single write() (order kept, last value per key wins). Any other
   * operation closes the open batch, so operations still take effect in the order they were called.
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
      await this.append(() => [...batch.records].map(([key, json]) => ({ key, json })));
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
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        if (this.state.ino !== null) {
          this.state = emptyState(); // deleted by someone (e.g. the user): start over
          this.reloadCount++;
        }
        return;
      }
      throw new Error(
        `Cannot read the cache file ${this.file} (${errnoCode(err) ?? describe(err)}). Fix its permissions, ` +
          'delete it (the cache is rebuilt), or pass --cache-dir with another directory.',
        { cause: err },
      );
    }
    try {
      this.syncWith(fd);
    } finally {
      closeQuietly(fd);
    }
  }

  /**
   * Brings memory up to date with the file open as `fd` (a prefix up to its last newline). Returns its size.
   * Synchronous on purpose: it runs inside the lock, where every thread-pool round trip would lengthen the time
   * other processes wait, and what it reads is normally a few lines (parsing them is synchronous anyway).
   */
  private syncWith(fd: number): number {
    const st = fstatSync(fd, { bigint: true });
    const size = Number(st.size);
    const current = this.state;
    let replaced = current.ino !== st.ino || current.dev !== st.dev || size < current.offset;
    if (!replaced && current.header) {
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
    const options: lockfile.LockOptions = {
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
        return await lockfile.lock(this.file, { ...options, retries });
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ELOCKED' && Date.now() < deadline) continue;
        if (code === 'ENOENT' && !recreatedDir) {
          // The cache directory was deleted while we were running (e.g. "rm -rf" of the cache): start a new one.
          recreatedDir = true;
          await mkdir(this.dir, { recursive: true, mode: 0o700 }).catch(() => undefined);
          continue;
        }
        if (code === 'ELOCKED') {
          throw new Error(
            `Timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for the cache lock ` +
              `${this.lockPath}: another media-summarizer process (CLI, worker or VS Code window) keeps holding it. ` +
              `A lock left by a killed process is taken over automatically once it is ${this.staleMs / 1000} s old; ` +
              `if it persists, stop the other processes or delete ${this.lockPath}.`,
            { cause: err },
          );
        }
        throw new Error(
          `Cannot lock the cache in ${this.dir} (${code ?? describe(err)}). Pass --cache-dir with a writable ` +
            'directory or fix its permissions.',
          { cause: err },
        );
      }
    }
  }

  /** Under the lock: opens the log for appending, syncs memory with it and runs `fn`. */
  private async withWriteHandle<T>(fn: (fd: number, size: number) => Promise<T>): Promise<T> {
    let fd: number;
    try {
      fd = openSync(this.file, 'a+', 0o600); // O_APPEND | O_CREAT, opened fresh so it is the current inode
    } catch (err) {
      throw this.writeError(err);
    }
    try {
      let size = this.syncWith(fd);
      if (this.state.tail > 0) {
        // Under the lock nobody is mid-write, so an unterminated last line is torn: end it so it becomes a
        // (corrupt, counted) line of its own instead of swallowing the next record.
        this.appendBytes(fd, Buffer.from('\n'));
        size = this.syncWith(fd);
      }
      return await fn(fd, size);
    } finally {
      closeQuietly(fd);
    }
  }

  private appendBytes(fd: number, buf: Buffer): void {
    try {
      appendAllSync(fd, buf);
    } catch (err) {
      throw this.writeError(err);
    }
  }

  private writeError(err: unknown): Error {
    const code = errnoCode(err);
    const hint =
      code === 'ENOSPC' || code === 'EDQUOT'
        ? 'Free some disk space or pass --cache-dir with a directory on another disk.'
        : 'Pass --cache-dir with a writable directory or fix the permissions of the cache directory.';
    return new Error(`Cannot write the cache file ${this.file} (${code ?? describe(err)}). ${hint}`, { cause: err });
  }

  /** Under the lock: appends the records produced by `build` (called after catching up) with one write. */
  private append(build: () => PendingRecord[]): Promise<number> {
    return this.withLock((lock) =>
      this.withWriteHandle(async (fd, size) => {
        const records = build();
        if (records.length === 0) return 0;
        const t = Date.now();
        let text = size === 0 ? encodeHeader(t) : '';
        for (const r of records) text += r.json === undefined ? encodeDelete(r.key, t) : encodePut(r.key, r.json, t);
        this.appendBytes(fd, Buffer.from(text, 'utf8'));
        // Read our own lines back (page cache): memory then holds exactly what every other process will read.
        const newSize = this.syncWith(fd);
        const s = this.state;
        if (newSize >= this.compactMinBytes && (s.lines - s.map.size) * 2 > s.lines) {
          try {
            await this.replaceLog(lock, s.map);
          } catch (err) {
            this.warn(`Compaction of ${this.file} failed (the cache still works): ${describe(err)}`);
          }
        }
        return records.length;
      }),
    );
  }

  /** Under the lock: atomically replaces the log with a new file holding `entries` (temp file, fsync, rename). */
  private async replaceLog(lock: LockContext, entries: ReadonlyMap<string, Entry>): Promise<void> {
    await this.removeOldTempFiles();
    const tmp = path.join(this.dir, `${CACHE_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
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
