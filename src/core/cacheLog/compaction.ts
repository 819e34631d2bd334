/**
 * When and how a reading store rewrites the log: automatically once dead lines are more than half and the file is
 * at least `minBytes` (checked after each append, decided again under the lock: another process may have done it),
 * or when asked (compact, clear). Memory becomes the new file.
 */
import { problem, type Problem } from '../problems';
import type { LogAppender } from './appender';
import { describe, writeError } from './fsHelpers';
import type { CacheLock, LockContext } from './lock';
import type { Entry, LogReader } from './reader';
import { replaceLog } from './replace';

export class Compaction {
  /** Compactions (and clears) done by this store. */
  count = 0;

  constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly minBytes: number,
    private readonly reader: LogReader,
    private readonly lock: CacheLock,
    private readonly appender: LogAppender,
    private readonly warn: (problem: Problem) => void,
  ) {}

  /** After an append: compacts when due; a failure is a warning, the cache still works. */
  async ifDue(): Promise<void> {
    const { offset, tail } = this.reader.state;
    if (!this.due(offset + tail)) return;
    try {
      await this.lock.withLock(async (lock) => {
        const size = this.syncLocked();
        if (size !== null && this.due(size)) await this.replace(lock, this.reader.state.map);
      });
    } catch (err) {
      this.warn(problem('cache-compaction-failed', `Compaction of ${this.file} failed (the cache still works): ${describe(err)}`));
    }
  }

  /** Rewrites the log with only the live entries (drops superseded, deleted and corrupt lines). */
  compact(): Promise<void> {
    return this.lock.withLock(async (lock) => {
      this.syncLocked();
      await this.replace(lock, this.reader.state.map);
    });
  }

  /** Replaces the log with an empty one. */
  clear(): Promise<void> {
    return this.lock.withLock((lock) => this.replace(lock, new Map()));
  }

  private due(size: number): boolean {
    const { lines, map } = this.reader.state;
    return size >= this.minBytes && (lines - map.size) * 2 > lines;
  }

  /**
   * Under the lock: brings memory up to date with the whole file, as the base of a compaction. Lines appended
   * after this read are not lost: their writers see the lock or the new inode and append them again. An
   * unterminated tail is either torn (dropped, as it should be) or a write in progress (its writer re-appends).
   * Returns the file size, or null if there is no log.
   */
  private syncLocked(): number | null {
    return this.reader.syncFromDisk((err) => writeError(this.file, err));
  }

  /** Under the lock: the log becomes a new file holding `entries`; memory is that file. */
  private async replace(lock: LockContext, entries: ReadonlyMap<string, Entry>): Promise<void> {
    const replaced = await replaceLog(this.dir, this.file, lock, entries, () => this.appender.drop());
    const map = entries === this.reader.state.map ? this.reader.state.map : new Map(entries);
    this.reader.state = { map, dev: replaced.dev, ino: replaced.ino, offset: replaced.size, header: replaced.header, lines: entries.size, corrupt: 0, tail: 0 };
    this.count++;
  }
}
