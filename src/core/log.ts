import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatRecordText, type FileRecord } from './records';

const RULE = '='.repeat(80);
const SEPARATOR = '-'.repeat(80);

/** media_summaries_YYYYMMDD_HHMMSS.txt, the original script's name, in local time; -2, -3… when runs collide. */
export function defaultLogFileName(now = new Date(), attempt = 1): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `media_summaries_${date}_${time}${attempt > 1 ? `-${attempt}` : ''}.txt`;
}

/** Our own log files, never treated as input. */
export const OWN_LOG_NAME = /^media_summaries_\d{8}_\d{6}(?:-\d+)?\.txt$/;

/**
 * The human-readable log of a run, written as files finish (so a killed run leaves what it did), with the
 * original's header and per-file "File:" / "Summary:" blocks. Private permissions: it holds OCR text.
 */
export class SummaryLog {
  private writes: Promise<void> = Promise.resolve();
  private failure: string | undefined;

  private constructor(readonly file: string) {}

  /** A log at the given path (replaced if it exists), or under a fresh default name in `{ folder }`. */
  static async create(target: string | { folder: string }, folder: string, count: number, now = new Date()): Promise<SummaryLog> {
    const header = `Media Summaries - Generated ${now.toLocaleString()}\nFolder: ${folder}\nTotal files: ${count}\n${RULE}\n\n`;
    for (let attempt = 1; ; attempt++) {
      const explicit = typeof target === 'string';
      const file = explicit ? target : path.join(target.folder, defaultLogFileName(now, attempt));
      try {
        await mkdir(path.dirname(file), { recursive: true });
        // Exclusive creation for default names: two runs started in the same second get two logs.
        await writeFile(file, header, { mode: 0o600, flag: explicit ? 'w' : 'wx' });
        return new SummaryLog(file);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && attempt < 100) continue;
        throw new Error(`Cannot write the log ${file} (${code ?? (error as Error).message}) — pass --log FILE somewhere writable or --no-log.`);
      }
    }
  }

  append(record: FileRecord): void {
    const name = path.basename(record.path);
    const block = `File: ${name}\nSummary: ${formatRecordText(record, name)}\n${SEPARATOR}\n\n`;
    this.writes = this.writes.then(() =>
      appendFile(this.file, block).catch((error: Error) => {
        this.failure ??= `Writing the log ${this.file} failed: ${error.message}`;
      }),
    );
  }

  /** Waits for pending writes; returns a problem to report, if any. */
  async close(): Promise<string | undefined> {
    await this.writes;
    return this.failure;
  }
}
