/**
 * How a run shows itself: a notification with Cancel and "n of m" (or the window's progress for API calls), the
 * status bar item, the log channel (a line per file, warnings, workers' output) and the first warning of a run as
 * a notification with its fixes. What the run's events mean for the tree is the caller's `observe`.
 */
import * as vscode from 'vscode';
import type { RunEvent, RunResult } from '../core/engine';
import type { FileRecord } from '../core/records';
import { VIEW_ID } from './logic/ids';
import { progressIncrement, progressMessage, recordLogLine, statusBarText } from './logic/runTexts';
import { offerFixes, type ModelServices } from './notifications';

export type RunBody = (onEvent: (event: RunEvent) => void, signal: AbortSignal) => Promise<RunResult>;

export class RunProgress implements vscode.Disposable {
  private readonly statusItem: vscode.StatusBarItem;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly services: ModelServices,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('mediaSummarizer.status', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'Media Summarizer';
    this.statusItem.command = `${VIEW_ID}.focus`;
  }

  /** No run any more: the status bar item goes. */
  idle(): void {
    this.statusItem.hide();
  }

  /** Runs `body` with progress shown; cancelled by `jobSignal` or the notification's Cancel. */
  show(total: number, interactive: boolean, jobSignal: AbortSignal, observe: (event: RunEvent) => void, body: RunBody): Promise<RunResult> {
    const location = interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return Promise.resolve(
      vscode.window.withProgress({ location, title: 'Media Summarizer', cancellable: interactive }, async (progress, token) => {
        const controller = new AbortController();
        const abort = () => controller.abort();
        if (jobSignal.aborted) abort();
        jobSignal.addEventListener('abort', abort, { once: true });
        const cancelListener = token.onCancellationRequested(abort);
        const counts = { done: 0, total };
        let warned = false;
        this.showStatus(counts);
        progress.report({ message: progressMessage(0, counts.total) });
        const onEvent = (event: RunEvent) => {
          observe(event);
          switch (event.type) {
            case 'scanned':
              counts.total = event.total;
              this.showStatus(counts);
              break;
            case 'started':
              progress.report({ message: progressMessage(counts.done, counts.total, event.path) });
              break;
            case 'done':
              counts.done++;
              progress.report({ message: progressMessage(counts.done, counts.total, event.record.path), increment: progressIncrement(counts.total) });
              this.showStatus(counts);
              this.logRecord(event.record);
              break;
            case 'warning':
              this.log.warn(event.message);
              // The first problem of a run is shown (e.g. a log folder that cannot be written); the rest go to the log.
              if (interactive && !warned) {
                warned = true;
                void offerFixes(vscode.window.showWarningMessage, this.services, `Media Summarizer: ${event.message}`, event.problem, ['Show Log']).then(
                  (choice) => choice === 'Show Log' && this.log.show(true),
                );
              }
              break;
            case 'output':
              this.log.trace(event.line);
              break;
            default:
              break;
          }
        };
        try {
          return await body(onEvent, controller.signal);
        } finally {
          jobSignal.removeEventListener('abort', abort);
          cancelListener.dispose();
        }
      }),
    );
  }

  dispose(): void {
    this.statusItem.dispose();
  }

  private showStatus({ done, total }: { done: number; total: number }): void {
    this.statusItem.text = statusBarText(done, total);
    this.statusItem.tooltip = `Media Summarizer: ${done} of ${total} files done — click to show the Media Summaries view`;
    this.statusItem.show();
  }

  private logRecord(record: FileRecord): void {
    const line = recordLogLine(record);
    if (record.status === 'error') this.log.error(line);
    else if (record.status === 'pending') this.log.warn(line);
    else this.log.info(line);
  }
}
