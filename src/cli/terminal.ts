import path from 'node:path';
import { SingleBar } from 'cli-progress';
import type { RunEvent } from '../core/engine';
import { inertTerminalText } from '../core/inert';
import type { FileRecord, RunTotals } from '../core/records';

/** A live progress bar on stderr (cli-progress), so stdout stays clean for the table or NDJSON. */
export class ProgressDisplay {
  private readonly bar = new SingleBar({
    format: ' {bar} {value}/{total} files | {current}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: true,
    stream: process.stderr,
  });
  private started = false;

  handle(event: RunEvent): void {
    if (event.type === 'scanned') {
      this.bar.start(event.total, 0, { current: 'starting…' });
      this.started = true;
    } else if (event.type === 'stage' && this.started) {
      this.bar.update({ current: `${event.stage}: ${shorten(inertTerminalText(path.basename(event.path)), 40)}` });
    } else if (event.type === 'progress' && this.started) {
      this.bar.update({ current: `${event.stage} ${Math.round(event.percent)}%: ${shorten(inertTerminalText(path.basename(event.path)), 40)}` });
    } else if (event.type === 'done' && this.started) {
      this.bar.increment(1, { current: shorten(inertTerminalText(path.basename(event.record.path)), 40) });
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
    this.started = false;
  }
}

/** The final table: one row per file, untrusted text made inert and cut to the terminal's width. */
export function renderTable(records: FileRecord[], width = process.stdout.columns || 120): string {
  const rows = [...records]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((r) => [
      inertTerminalText(path.basename(r.path)),
      r.cached ? `${r.status} (cached)` : r.partial ? 'ok (partial)' : r.status,
      inertTerminalText(r.status === 'ok' ? (r.summary ?? '') : (r.error ?? '')),
    ]);
  const nameWidth = Math.min(40, Math.max(4, ...rows.map((r) => r[0].length)));
  const statusWidth = Math.max(6, ...rows.map((r) => r[1].length));
  const textWidth = Math.max(20, width - nameWidth - statusWidth - 6);
  const line = (cells: string[]) =>
    `${shorten(cells[0], nameWidth).padEnd(nameWidth)}  ${cells[1].padEnd(statusWidth)}  ${shorten(cells[2], textWidth)}`;
  return [line(['File', 'Status', 'Summary / error']), line(['-'.repeat(nameWidth), '-'.repeat(statusWidth), '-'.repeat(Math.min(textWidth, 40))]), ...rows.map(line)].join('\n');
}

export function renderTotals(totals: RunTotals, logFile: string | undefined): string {
  const parts = [`${totals.files} files`, `${totals.ok} summarized`, `${totals.cached} from cache`, `${totals.pending} pending`, `${totals.errors} failed`, `${totals.llmCalls} LLM calls`, `${totals.seconds} s`, `${totals.workers} workers`];
  if (totals.modelSwitches + totals.modelSwitchesAvoided > 0) parts.push(`${totals.modelSwitches} model switches (${totals.modelSwitchesAvoided} avoided)`);
  return `${parts.join(', ')}${logFile ? `\nLog: ${inertTerminalText(logFile)}` : ''}`;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, Math.max(1, max - 1))}…`;
}
