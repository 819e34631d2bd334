/**
 * Reading the log into memory: a parsed prefix of one particular file, brought up to date with what was appended
 * since (only those bytes are read), reloaded when the file was replaced (another inode, a smaller size or a
 * different header id), with damaged lines skipped, counted and reported. An unterminated last line is left for
 * later: a writer may be in the middle of it.
 */
import { fstatSync, openSync, readSync } from 'node:fs';
import { doFix, problem, settingFix, type Problem } from '../problems';
import { closeQuietly, errnoCode } from './fsHelpers';
import { FORMAT_VERSION, NEWLINE, parseLine, previewBytes, type ParsedLine } from './format';

export interface Entry {
  readonly v: unknown;
  readonly t: number;
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

/** What this instance knows about the log: a parsed prefix `[0, offset)` of one particular file. */
export interface LogState {
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

/** A descriptor that pins the log's inode. */
export interface PinnedFile {
  readonly dev: bigint;
  readonly ino: bigint;
}

export interface ReaderOptions {
  file: string;
  warn: (problem: Problem) => void;
  /** Called for every corrupt line found. When given, corrupt lines are not also sent to `warn`. */
  onCorrupt?: (info: CorruptLineInfo) => void;
}

interface ReadItem {
  readonly offset: number;
  readonly length: number;
  readonly line: ParsedLine;
  readonly raw?: Buffer;
  readonly preview?: string;
}

const READ_CHUNK = 4 << 20;

export function emptyState(): LogState {
  return { map: new Map(), dev: null, ino: null, offset: 0, header: null, lines: 0, corrupt: 0, tail: 0 };
}

export class LogReader {
  state: LogState = emptyState();
  /** Full reloads because another process replaced the log. */
  reloads = 0;
  private warnedFormat = false;
  /** What memory held when the log was found emptied in place (see takeTruncated). */
  private truncated: Map<string, Entry> | undefined;

  constructor(private readonly options: ReaderOptions) {}

  /**
   * Opens the log and brings memory up to date with it; a log deleted by someone (e.g. the user) empties memory.
   * Returns the file size, or null when there is no log.
   */
  syncFromDisk(openError: (err: unknown) => Error): number | null {
    let fd: number;
    try {
      fd = openSync(this.options.file, 'r');
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') {
        if (this.state.ino !== null) {
          this.state = emptyState();
          this.reloads++;
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
  syncWith(fd: number): number {
    const st = fstatSync(fd, { bigint: true });
    const size = Number(st.size);
    const current = this.state;
    let replaced = current.ino !== st.ino || current.dev !== st.dev || size < current.offset;
    // The header probe catches a replacement that reused the inode number, and a log truncated in place (a sync
    // client, `> file`) that has grown again past what memory read: the same inode, other bytes.
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
      if (current.ino !== null) this.reloads++;
      // Compaction and clear() write a header first: a log without one was emptied by another program.
      if (current.header && !target.header && current.map.size > 0) this.truncated = current.map;
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

  /** What memory held before the log was emptied in place by another program, once; undefined if it was not. */
  takeTruncated(): Map<string, Entry> | undefined {
    const lost = this.truncated;
    this.truncated = undefined;
    return lost;
  }

  /** Records applied to memory only (a read-only store's writes); the file is not read or changed. Returns their count. */
  applyInMemory(records: ReadonlyArray<{ readonly key: string; readonly json?: string }>): number {
    const t = Date.now();
    for (const { key, json } of records) {
      if (json === undefined) this.state.map.delete(key);
      else this.state.map.set(key, { v: JSON.parse(json) as unknown, t });
    }
    return records.length;
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
            this.options.warn(
              problem('cache-newer-format', `${this.options.file} was written by a newer version (format ${line.header.format}); unknown lines are skipped`, doFix('update media-summarizer'), settingFix('cacheDir')),
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
          corrupt.push({ file: this.options.file, offset: item.offset, length: item.length, reason: line.reason, preview: item.preview ?? '' });
          break;
      }
    }
    return corrupt;
  }

  private reportCorrupt(corrupt: readonly CorruptLineInfo[]): void {
    if (corrupt.length === 0) return;
    const { onCorrupt } = this.options;
    if (onCorrupt) {
      for (const info of corrupt) {
        try {
          onCorrupt(info);
        } catch {
          // A throwing callback must not break the cache.
        }
      }
      return;
    }
    const first = corrupt[0];
    this.options.warn(
      problem(
        'cache-damaged-lines',
        `Skipped ${corrupt.length} damaged line(s) in ${this.options.file} (first at byte ${first.offset}: ${first.reason}). ` +
          'Those entries are treated as missing and the file is repaired at the next compaction',
        doFix('if this keeps happening, delete the cache directory (it is rebuilt)'),
      ),
    );
  }
}
