/**
 * Texts of a run: the progress notification's "n of m", the status bar item, one log line per file with its
 * timings, the closing summary, and pull/download progress. No `vscode` import.
 */
import path from 'node:path';
import { inertTerminalText } from '../../core/inert';
import type { FileRecord, RunTotals } from '../../core/records';

/**
 * Untrusted text (file names, errors quoting files) shown in a notification: VS Code turns `[text](target)` in a
 * notification message into a link, including `command:` targets, so that syntax is broken apart; control and
 * bidi characters become "?".
 */
export function inertNotificationText(text: string): string {
  return inertTerminalText(text).replace(/\]\s*\(/g, '] (');
}

/** "3 of 12 — shot.png" for the progress notification. */
export function progressMessage(done: number, total: number, current?: string): string {
  const count = total > 0 ? `${done} of ${total}` : `${done}`;
  return current ? `${count} — ${inertNotificationText(path.basename(current))}` : count;
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

/**
 * Overall progress of `ollama pull`: the stream reports one layer (digest) at a time with its own completed/total;
 * the overall percentage is the sum over the layers seen so far.
 */
export class PullProgress {
  private readonly layers = new Map<string, { completed: number; total: number }>();
  private reported = 0;

  /** Takes one streamed part; returns the message and how many percent to add to the bar. */
  update(part: { status?: string; digest?: string; completed?: number; total?: number }): { message: string; increment: number } {
    if (part.digest && typeof part.total === 'number' && part.total > 0) {
      this.layers.set(part.digest, { completed: Math.min(part.total, Math.max(0, part.completed ?? 0)), total: part.total });
    }
    let completed = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      completed += layer.completed;
      total += layer.total;
    }
    const percent = total > 0 ? Math.floor((completed / total) * 100) : 0;
    const increment = Math.max(0, percent - this.reported);
    this.reported = Math.max(this.reported, percent);
    const status = inertNotificationText(part.status ?? '');
    // Ollama names the layer by a short digest ("pulling 05110f9f811c"); its API docs by the whole one
    // ("downloading sha256:…"). Either is noise in a notification: the percentage says it all.
    const message = total > 0 && /pulling|download/i.test(status) ? `${status.replace(/ (sha256:)?[0-9a-f]{12,64}$/, '')} ${percent}%` : status;
    return { message, increment };
  }

  get percent(): number {
    return this.reported;
  }
}

/** Download progress of a whisper model ("12 / 142 MB") and the bar increment since the last call. */
export class DownloadProgress {
  private reported = 0;

  update(bytes: number, total?: number): { message: string; increment: number } {
    const mb = (n: number) => (n / 1e6).toFixed(n >= 1e8 ? 0 : 1);
    if (!total) return { message: `${mb(bytes)} MB`, increment: 0 };
    const percent = Math.min(100, Math.floor((bytes / total) * 100));
    const increment = Math.max(0, percent - this.reported);
    this.reported = Math.max(this.reported, percent);
    return { message: `${mb(bytes)} / ${mb(total)} MB`, increment };
  }
}
