import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { problem, ProblemError, settingFix, type Problem } from './problems';
import { inertTerminalText } from './inert';
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

/** What to do about a log that cannot be written, for the CLI and for VS Code, which share this engine. */
const SAVED_ANYWAY = 'the summaries are still saved in the cache';

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the disk',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'a folder has that name',
  ENOTDIR: 'a file is in the way of its folder',
};

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}${REASONS[code] ? `: ${REASONS[code]}` : ''}` : (error as Error).message;
}

/** Our own log files, never treated as input. */
export const OWN_LOG_NAME = /^media_summaries_\d{8}_\d{6}(?:-\d+)?\.txt$/;

/**
 * The human-readable log of a run, written as files finish (so a killed run leaves what it did), with the
 * original's header and per-file "File:" / "Summary:" blocks. Private permissions: it holds OCR text.
 */
export class SummaryLog {
  private writes: Promise<void> = Promise.resolve();
  private failure: Problem | undefined;

  private constructor(readonly file: string) {}

  /** A log at the given path (replaced if it exists), or under a fresh default name in `{ folder }`. */
  static async create(target: string | { folder: string }, folder: string, count: number, now = new Date()): Promise<SummaryLog> {
    const header = `Media Summaries - Generated ${now.toLocaleString()}\nFolder: ${inertTerminalText(folder)}\nTotal files: ${count}\n${RULE}\n\n`;
    const explicit = typeof target === 'string';
    const cannotWrite = (file: string, error: unknown) => new ProblemError(problem('log-unwritable', `Cannot write the log ${file} (${reason(error)}); ${SAVED_ANYWAY}`, settingFix('log')));
    const logFolder = explicit ? path.dirname(target) : target.folder;
    await mkdir(logFolder, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      // mkdir says EEXIST when a file has the name of a folder on the way.
      const inTheWay = error.code === 'EEXIST' ? Object.assign(new Error(error.message), { code: 'ENOTDIR' }) : error;
      throw cannotWrite(explicit ? target : path.join(logFolder, defaultLogFileName(now)), inTheWay);
    });
    for (let attempt = 1; ; attempt++) {
      const file = explicit ? target : path.join(logFolder, defaultLogFileName(now, attempt));
      try {
        // Exclusive creation for default names: two runs started in the same second get two logs.
        await writeFile(file, header, { mode: 0o600, flag: explicit ? 'w' : 'wx' });
        return new SummaryLog(file);
      } catch (error) {
        if (!explicit && (error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 100) continue;
        throw cannotWrite(file, error);
      }
    }
  }

  append(record: FileRecord): void {
    // A file name (or an error quoting it) with a newline must not start a forged "File:" block: control
    // characters become "?", as on the terminal. Summaries keep their line breaks, each continuation line
    // indented: only the log's own lines ("File:", "Summary:", the rules) start at the margin.
    const name = inertTerminalText(path.basename(record.path));
    const safe = {
      ...record,
      error: record.error === undefined ? undefined : inertTerminalText(record.error),
      summary: record.summary === undefined ? undefined : record.summary.replace(/\r?\n|\r|\u2028|\u2029/g, '\n  '),
    };
    const block = `File: ${name}\nSummary: ${inertTerminalText(formatRecordText(safe, name), true)}\n${SEPARATOR}\n\n`;
    this.writes = this.writes.then(() =>
      // The mode matters when the file was deleted during the run and is created again.
      appendFile(this.file, block, { mode: 0o600 }).catch((error: unknown) => {
        this.failure ??= problem('log-incomplete', `Writing the log ${this.file} failed (${reason(error)}), so it lacks one or more files; ${SAVED_ANYWAY}`, settingFix('log'));
      }),
    );
  }

  /** Waits for pending writes; returns a problem to report, if any. */
  async close(): Promise<Problem | undefined> {
    await this.writes;
    return this.failure;
  }
}
