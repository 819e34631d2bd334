/**
 * How a run shows itself: a notification with Cancel and "n of m" (or the window's progress for API calls), the
 * status bar item, the log channel (a line per file, warnings, workers' output) and the first warning of a run as
 * a notification with its fixes. What the run's events mean for the tree is the caller's `observe`.
 */
import * as vscode from 'vscode';
import type { RunEvent, RunResult } from '../core/engine';
import type { FileRecord } from '../core/records';
import { VIEW_ID } from './logic/ids';
import { isSetupProblem } from './logic/setupChecks';
import { progressIncrement, progressMessage, recordLogLine, statusBarText } from './logic/runTexts';
import { offerFixes, type ModelServices } from './notifications';

const BUILD_WHISPER_CLI = 'Build whisper-cli';

export type RunBody = (onEvent: (event: RunEvent) => void, signal: AbortSignal) => Promise<RunResult>;

/** A run being shown: its notification, how far it is, and whether its first warning was shown. */
interface ShownRun {
  progress: vscode.Progress<{ message?: string; increment?: number }>;
  interactive: boolean;
  done: number;
  total: number;
  /** Files started and not finished, in the order they started: the notification names the latest. */
  working: string[];
  warned: boolean;
}

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
        const run: ShownRun = { progress, interactive, done: 0, total, working: [], warned: false };
        this.showStatus(run);
        progress.report({ message: progressMessage(0, total) });
        try {
          return await body((event) => {
            observe(event);
            this.report(run, event);
          }, controller.signal);
        } finally {
          jobSignal.removeEventListener('abort', abort);
          cancelListener.dispose();
        }
      }),
    );
  }

  /** One event of the run in the notification, the status bar and the log. */
  private report(run: ShownRun, event: RunEvent): void {
    switch (event.type) {
      case 'scanned':
        run.total = event.total;
        this.showStatus(run);
        break;
      case 'started':
        run.working = [...run.working.filter((file) => file !== event.path), event.path];
        run.progress.report({ message: progressMessage(run.done, run.total, run.working) });
        break;
      case 'done':
        run.done++;
        run.working = run.working.filter((file) => file !== event.record.path);
        run.progress.report({ message: progressMessage(run.done, run.total, run.working), increment: progressIncrement(run.total) });
        this.showStatus(run);
        this.logRecord(event.record);
        break;
      case 'warning':
        this.log.warn(event.message);
        // The first problem of a run is shown (e.g. a log folder that cannot be written); the rest go to the log.
        // Setup problems are the setup checklist's one notification.
        if (!run.interactive || run.warned || isSetupProblem(event.problem)) break;
        run.warned = true;
        // A build of whisper-cli the user cancelled is one click from starting again.
        void offerFixes(vscode.window.showWarningMessage, this.services, `Media Summarizer: ${event.message}`, event.problem, [
          ...(event.problem.code === 'not-built' ? [BUILD_WHISPER_CLI] : []),
          'Show Output',
        ]).then((choice) => {
          if (choice === BUILD_WHISPER_CLI) void this.services.buildWhisperCli();
          else if (choice === 'Show Output') this.log.show(true);
        });
        break;
      case 'output':
        this.log.trace(event.line);
        break;
      default:
        break;
    }
  }

  dispose(): void {
    this.statusItem.dispose();
  }

  private showStatus({ done, total }: ShownRun): void {
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
