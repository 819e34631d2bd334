/**
 * Texts of a run: the progress notification's "n of m", the status bar item, one log line per file with its
 * timings and the closing summary. No `vscode` import.
 */
import path from 'node:path';
import { inertTerminalText } from '../../core/inert';
import type { FileRecord, RunTotals } from '../../core/records';
import { inertNotificationText } from './inertText';

/** "3 of 12 — shot.png" for the progress notification. */
export function progressMessage(done: number, total: number, working: string | readonly string[] = []): string {
  const count = total > 0 ? `${done} of ${total}` : `${done}`;
  // The file named is one being worked on now (the latest started), never one just finished.
  const files = typeof working === 'string' ? [working] : working;
  const current = files.at(-1);
  if (!current) return count;
  const more = files.length > 1 ? ` (+${files.length - 1} more)` : '';
  return `${count} — ${inertNotificationText(path.basename(current))}${more}`;
}

/** The status bar text while a run is going on (the codicon spins). Only numbers: no untrusted text here. */
export function statusBarText(done: number, total: number): string {
  return total > 0 ? `$(sync~spin) Media Summarizer: ${done}/${total}` : '$(sync~spin) Media Summarizer';
}

/** How much of the notification's bar one finished file fills, so the bar reaches 100 % at the last file. */
export function progressIncrement(total: number): number {
  return total > 0 ? 100 / total : 0;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** One line per finished file for the "Media Summarizer" log: status, name, cache, timings and title or error. */
export function recordLogLine(record: FileRecord): string {
  const name = inertTerminalText(path.basename(record.path));
  const status = record.status === 'ok' ? 'done' : record.status === 'pending' ? 'pending' : 'failed';
  const timings = Object.entries(record.timings ?? {})
    .filter(([, ms]) => typeof ms === 'number' && Number.isFinite(ms))
    .map(([stage, ms]) => `${stage} ${formatMs(ms)}`)
    .join(', ');
  const parts = [`${status}: ${name}`];
  if (record.cached) parts.push('(from cache)');
  if (timings) parts.push(`[${timings}]`);
  const tail = record.status === 'ok' ? record.title : record.error;
  if (tail) parts.push(`— ${inertTerminalText(tail)}`);
  return parts.join(' ');
}

/** The message after a run: counts and time. */
export function runSummary(totals: RunTotals, cancelled: boolean): string {
  const parts = [`${totals.ok} summarized`];
  if (totals.cached) parts.push(`${totals.cached} from cache`);
  if (totals.pending) parts.push(`${totals.pending} pending`);
  if (totals.errors) parts.push(`${totals.errors} failed`);
  const files = totals.files === 1 ? '1 file' : `${totals.files} files`;
  return `${cancelled ? 'Cancelled' : 'Done'}: ${files} — ${parts.join(', ')} in ${formatMs(totals.seconds * 1000)}.`;
}
