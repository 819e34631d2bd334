/**
 * Lock-free appends to the log: the log is opened with O_APPEND and all lines of a batch go out in ONE write().
 * On a local file system an O_APPEND write to a regular file is positioned at the end and applied atomically with
 * respect to other O_APPEND writers (Linux/macOS: under the inode lock; Windows: FILE_APPEND_DATA), so lines of
 * different writers never interleave. Every write starts with "\n": if a killed writer left a torn line, that
 * newline ends it (it becomes one corrupt, counted line) and cannot swallow ours; readers skip the resulting empty
 * lines. One "\n" per write() is enough, the lines inside one write are contiguous.
 *
 * Why a lock-free append cannot be lost to a concurrent replacement (replace.ts). After its write() to the file
 * open as fd (inode I) a writer (1) checks that no lock is held (stat of `<file>.lock`) and only then (2) that the
 * path still names inode I. It acknowledges the put only if both hold; if the lock is held it waits for it to go
 * (polling, not queueing for it, so waiting writers never hold the lock and never delay each other); if the path
 * names another file it appends the same lines to that file (bounded; the last resort appends under the lock,
 * where the file cannot be replaced). A replacer R takes the lock (time L), reads the log to its end (time R > L),
 * renames (N) and unlocks (U). For an acknowledged write whose lock check ran at time c:
 *   c < L:      the write finished before c, so before R: R's read contains it and so does the new file.
 *   c > U:      the path check runs after N. Had the writer opened the old file, it would see the new inode and
 *               append again; an unchanged inode means it opened the new file and wrote there (or R gave up
 *               without renaming, and the write is still in the current file).
 *   L < c < U:  impossible, the lock was visible.
 * I cannot be reused by another file while the writer holds fd open, so comparing dev/ino is exact (no header id
 * needed). Lines written to the old inode after R's read are dropped with it; their writers see the lock or the new
 * inode and append them to the new file. Duplicates (written to both) are harmless: same key, same value. A put
 * racing a clear() may survive it (as if it ran just after the clear); a put acknowledged before clear() started
 * never does. A lock that looks abandoned (older than the stale period) is taken over by appending under it. A put
 * that fails after its write() (e.g. it timed out waiting for a lock held by a live process) may still be in the
 * log. Between appends the descriptor stays open (not on Windows), pinning the inode. That saves the open/close
 * and the header-id probe. A replaced file is noticed by the path check above and the descriptor reopened.
 *
 * Why no tail copy. An alternative is to let writers ignore the lock, and have the replacer copy what was appended
 * to the old inode after its read (from its last complete line to the end) into the new file AFTER the rename. That
 * copy reorders lines: a put of k acknowledged before the rename can be copied behind a later put or delete of k
 * that another writer has already appended to the new file. The stale value then wins, or a deleted key comes
 * back. With the lock check above, nothing is ever copied after the rename, and the order of the file is the order
 * of the acknowledgements.
 *
 * Limits: needs a local file system. O_APPEND is not atomic on NFS and similar.
 */
import { fstatSync, constants as fsConstants, openSync, statSync, writeSync, type BigIntStats, type Stats } from 'node:fs';
import { problem, problemOf, type Problem } from '../problems';
import { closeQuietly, describe, errnoCode, sleep, writeError } from './fsHelpers';
import { encodeDelete, encodePut } from './format';
import type { CacheLock } from './lock';
import type { PinnedFile } from './reader';
import { createLogLocked } from './replace';

/** A put (with its value as JSON) or a delete (no JSON). */
export type PendingRecord = { readonly key: string; readonly json: string } | { readonly key: string; readonly json?: undefined };

/** The log open for appending. While it is open its inode cannot be reused by another file. */
export interface AppendHandle extends PinnedFile {
  readonly fd: number;
}

export interface AppendHooks {
  /** With the file open, before `build` runs: catch up with it (deletes decide from the current keys). */
  beforeBuild?: (handle: AppendHandle) => void;
  /** After the lines are confirmed in the current log: read them back, so memory holds what others will read. */
  afterWrite?: (fd: number) => void;
}

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

export class LogAppender {
  private handle: AppendHandle | null = null;

  /**
   * `isCurrent`: whether a kept handle may be written to first — false once the reader has moved on to a newer
   * file than the handle's (then the handle names a replaced file).
   */
  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly lock: CacheLock,
    private readonly isCurrent: (handle: AppendHandle) => boolean = () => true,
  ) {}

  /** Appends the records `build` produces (see the module comment). Returns how many were written. */
  async append(build: () => PendingRecord[], hooks: AppendHooks = {}): Promise<number> {
    let buf: Buffer | null = null;
    let count = 0;
    for (let round = 0; round < MAX_APPEND_ROUNDS; round++) {
      const handle = await this.currentHandle();
      let outcome: 'ok' | 'replaced' | 'locked';
      try {
        if (buf === null) {
          hooks.beforeBuild?.(handle);
          const records = build();
          if (records.length === 0) {
            this.release();
            return 0;
          }
          count = records.length;
          buf = encodeRecords(records);
        }
        this.writeOnce(handle.fd, buf);
        outcome = await this.confirm(handle);
        if (outcome === 'ok') hooks.afterWrite?.(handle.fd);
      } catch (err) {
        this.drop();
        throw err;
      }
      if (outcome === 'ok') {
        this.release();
        return count;
      }
      this.drop(); // the file was replaced (or the lock abandoned): open the current one next time
      if (outcome === 'locked') break;
    }
    // The file keeps being replaced under us, or the lock was abandoned: append under the lock, where no one can
    // replace the file (and an abandoned lock is taken over).
    const lines = buf!;
    await this.lock.withLock(async () => {
      const fd = await this.openLocked();
      try {
        this.writeOnce(fd, lines);
        hooks.afterWrite?.(fd);
      } finally {
        closeQuietly(fd);
      }
    });
    return count;
  }

  /**
   * Lock-free: ends an unterminated last line. It is either a write in progress or a torn write by a killed
   * process; O_APPEND puts the newline after a write in progress (an empty line, skipped), and it ends a torn line.
   */
  terminateTornLine(afterWrite: (fd: number) => void, warn: (problem: Problem) => void): void {
    try {
      const fd = this.open();
      if (fd === null) return;
      try {
        this.writeOnce(fd, Buffer.from('\n'));
        afterWrite(fd);
      } finally {
        closeQuietly(fd);
      }
    } catch (err) {
      // A full disk is that problem, with its fix; anything else is worth its own words.
      const found = problemOf(err);
      warn(found.code === 'disk-full' ? found : problem('cache-torn-line', `Could not repair the unterminated last line of ${this.file}: ${describe(err)}`));
    }
  }

  /** Closes the kept descriptor (after a replacement, or when the store closes). */
  drop(): void {
    const handle = this.handle;
    this.handle = null;
    if (handle) closeQuietly(handle.fd);
  }

  /** After a successful append: keep the handle for the next one where that is safe. */
  private release(): void {
    if (!KEEP_APPEND_HANDLE) this.drop();
  }

  /** The kept append handle, or a new one (creating a missing log under the lock). */
  private async currentHandle(): Promise<AppendHandle> {
    const kept = this.handle;
    if (kept) {
      if (this.isCurrent(kept)) return kept;
      this.drop();
    }
    const fd = await this.openCreating();
    try {
      const st = fstatSync(fd, { bigint: true });
      this.handle = { fd, dev: st.dev, ino: st.ino };
      return this.handle;
    } catch (err) {
      closeQuietly(fd);
      throw writeError(this.file, err);
    }
  }

  /** Opens the current log for lock-free appending (and reading back); null if there is none. */
  private open(): number | null {
    try {
      return openSync(this.file, APPEND_FLAGS);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return null;
      throw writeError(this.file, err);
    }
  }

  /** Opens the log for appending, creating it (with its header) under the lock if it is missing. */
  private async openCreating(): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const fd = this.open();
      if (fd !== null) return fd;
      if (attempt >= 3) throw writeError(this.file, Object.assign(new Error('the file keeps disappearing'), { code: 'ENOENT' }));
      await this.lock.withLock(() => createLogLocked(this.dir, this.file));
    }
  }

  /** Under the lock: opens the log for appending, creating it if it is missing. */
  private async openLocked(): Promise<number> {
    const fd = this.open();
    if (fd !== null) return fd;
    await createLogLocked(this.dir, this.file);
    const created = this.open();
    if (created === null) throw writeError(this.file, Object.assign(new Error('the file disappeared'), { code: 'ENOENT' }));
    return created;
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
        throw writeError(this.file, err);
      }
      if (n === buf.length) return;
      if (attempt >= MAX_SHORT_WRITES) throw writeError(this.file, new Error(`write() wrote ${n} of ${buf.length} bytes`));
    }
  }

  /**
   * After a lock-free write to the file with identity `mine`: 'ok' once the lines are known to be in the current
   * log, 'replaced' if the path now names another file (write them again there), 'locked' if the lock looks
   * abandoned (append under the lock, which takes it over). Order matters: lock check first, then the path (see
   * the module comment). Waits while a live process holds the lock, at most the lock timeout.
   */
  private async confirm(mine: { dev: bigint; ino: bigint }): Promise<'ok' | 'replaced' | 'locked'> {
    let started = 0;
    let pause = LOCK_POLL_MIN_MS;
    for (;;) {
      let lock: Stats | undefined;
      let current: BigIntStats | undefined;
      try {
        lock = statSync(this.lock.path, { throwIfNoEntry: false });
        if (!lock) current = statSync(this.file, { bigint: true, throwIfNoEntry: false });
      } catch (err) {
        throw writeError(this.file, err);
      }
      if (!lock) return current && current.ino === mine.ino && current.dev === mine.dev ? 'ok' : 'replaced';
      const now = Date.now();
      if (now - lock.mtimeMs > this.lock.staleMs || this.lock.holderIsDead()) return 'locked';
      if (started === 0) started = now;
      else if (now - started >= this.lock.timeoutMs) throw this.lock.timeoutError(started);
      else this.lock.sayWaiting(started);
      await sleep(pause);
      pause = Math.min(LOCK_POLL_MAX_MS, pause * 2);
    }
  }
}

function encodeRecords(records: readonly PendingRecord[]): Buffer {
  const t = Date.now();
  let text = '\n'; // ends a torn line a killed writer may have left, so it cannot swallow ours
  for (const r of records) text += r.json === undefined ? encodeDelete(r.key, t) : encodePut(r.key, r.json, t);
  return Buffer.from(text, 'utf8');
}
