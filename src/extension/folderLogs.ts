/**
 * The summary log of a folder as the view knows it now: every file with a record, in name order, in the
 * original script's format. Written after every run that touched the folder (a folder run, Retry Failed,
 * Summarize File), so it is never staler than the view. Where it lives is the log.location setting: the
 * extension's storage (default: one file per folder, rewritten), the folder itself (a new
 * media_summaries_YYYYMMDD_HHMMSS.txt per folder run, as the original script; later runs bring that one up to
 * date), or nowhere.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { SummaryLog } from '../core/log';
import { ProblemError } from '../core/problems';
import type { LogLocation } from './logic/settings';
import type { RootEntry } from './logic/model';
import { sortEntries } from './logic/presentation';

/** The one log file of a folder in the extension's storage: its name, and a digest of its path (two "Desktop"s). */
export function storageLogFile(logsDir: string, folder: string): string {
  const name = (path.basename(folder) || 'root').replace(/[^\p{L}\p{N}._-]+/gu, '_').slice(0, 60);
  const digest = createHash('sha256').update(folder).digest('hex').slice(0, 8);
  return path.join(logsDir, `${name}-${digest}.txt`);
}

/**
 * Where a run's log of `root` goes, or undefined for none: `folderRun` says whether the run covered the whole
 * folder (in the folder, such a run starts a log of its own).
 */
export function logTarget(location: LogLocation, logsDir: string, root: RootEntry, folderRun: boolean): string | { folder: string } | undefined {
  switch (location) {
    case 'none':
      return undefined;
    case 'storage':
      return storageLogFile(logsDir, root.path);
    case 'scannedFolder':
      if (folderRun && !root.files) return { folder: root.path };
      return root.lastLog && path.dirname(root.lastLog) === root.path ? root.lastLog : undefined;
  }
}

/** Writes the log; resolves with its path, or throws the problem (log-unwritable, log-incomplete) with its fix. */
export async function writeFolderLog(root: RootEntry, target: string | { folder: string }): Promise<string> {
  const records = sortEntries([...root.entries.values()], 'name').flatMap((entry) => (entry.record ? [entry.record] : []));
  const log = await SummaryLog.create(target, root.path, records.length);
  for (const record of records) log.append(record);
  const problem = await log.close();
  if (problem) throw new ProblemError(problem);
  return log.file;
}
