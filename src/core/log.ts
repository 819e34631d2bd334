import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatRecordText, type FileRecord } from './records';

const RULE = '='.repeat(80);
const SEPARATOR = '-'.repeat(80);

/** media_summaries_YYYYMMDD_HHMMSS.txt, the original script's name, in local time. */
export function defaultLogFileName(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `media_summaries_${date}_${time}.txt`;
}

/**
 * The human-readable log of a run, written as files finish (so a killed run leaves what it did), with the
 * original's header and per-file "File:" / "Summary:" blocks. Private permissions: it holds OCR text.
 */
export class SummaryLog {
  private writes: Promise<void> = Promise.resolve();
  private failure: string | undefined;

  private constructor(readonly file: string) {}

  static async create(file: string, folder: string, count: number, now = new Date()): Promise<SummaryLog> {
    const header = `Media Summaries - Generated ${now.toLocaleString()}\nFolder: ${folder}\nTotal files: ${count}\n${RULE}\n\n`;
    try {
      await writeFile(file, header, { mode: 0o600 });
    } catch (error) {
      throw new Error(`Cannot write the log ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}) — pass --log FILE somewhere writable or --no-log.`);
    }
    return new SummaryLog(file);
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
