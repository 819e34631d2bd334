/**
 * The one sequence every command that summarizes goes through: one run at a time (RunQueue), the settings read
 * fresh, consent for a remote host, the files listed and shown as queued, the checks beside the run, whisper-cli
 * built first (visibly) when the run has recordings and it is not built yet, the engine
 * with progress, the files settled in the tree, the summary logs brought up to date, and the closing message with
 * Retry Failed. What differs between
 * a folder and chosen files is the plan's `prepare`.
 */
import * as vscode from 'vscode';
import type { EngineOptions, RunEvent, RunResult } from '../core/engine';
import type { MediaKind } from '../core/mediaTypes';
import { problemOf } from '../core/problems';
import type { FileRecord } from '../core/records';
import type { CurrentSettings, ExtensionConfig } from './config';
import { CONTEXT_KEYS } from './logic/ids';
import type { SummaryModel } from './logic/model';
import { RunQueue } from './logic/runs';
import { engineOptions } from './logic/settings';
import { inertNotificationText } from './logic/inertText';
import { runSummary } from './logic/runTexts';
import { extensionWording } from './logic/wording';
import type { PreRunChecks } from './preRunChecks';
import type { RunProgress } from './runProgress';
import type { SummaryTree } from './treeView';
import type { WhisperCliBuilder } from './whisperBuild';

/** How long the closing line of a run without a closing notification stays in the status bar. */
const STATUS_MESSAGE_MS = 5000;

export interface RunRequest {
  refresh?: boolean;
  /** True for commands (notification with Cancel, closing message); false for API calls (status bar only). */
  interactive: boolean;
}

/** A run ready to start: what it covers and how the engine does it. */
export interface PreparedRun {
  /** Every path the run reports on (files and unreadable entries), shown as queued until settled. */
  paths: string[];
  /** The media kinds among them: which tools the checks look for. */
  kinds: ReadonlySet<MediaKind>;
  /** The log line that opens the run. */
  description: string;
  /** The same run again (Retry after a fixed problem). */
  retry: () => void;
  start: (options: Omit<EngineOptions, 'signal' | 'onEvent'>, onEvent: (event: RunEvent) => void, signal: AbortSignal) => Promise<RunResult>;
  /** Whether the run covers a whole folder: in the folder itself (log.location scannedFolder) it starts a new log. */
  folderRun: boolean;
  /** Shows where the result is once the files are settled (Summarize File selects its file in the view). */
  reveal?: () => void;
}

/** Lists what a run covers in the tree; undefined when there is nothing to run (and the user was told). */
export type Prepare = (current: CurrentSettings) => Promise<PreparedRun | undefined>;

export interface PipelineParts {
  config: ExtensionConfig;
  checks: PreRunChecks;
  progress: RunProgress;
  whisper: WhisperCliBuilder;
  model: SummaryModel;
  tree: SummaryTree;
  log: vscode.LogOutputChannel;
  /** Called with each finished record (the API's onDidFinishRecord). */
  onRecord: (record: FileRecord) => void;
  /** The closing message's Retry Failed. */
  retryFailed: () => void;
  /** Brings the summary logs of the folders the run touched up to date; resolves with the one to offer. */
  writeLogs: (paths: readonly string[], folderRun: boolean, current: CurrentSettings, interactive: boolean) => Promise<string | undefined>;
}

export class RunPipeline {
  private readonly queue = new RunQueue();

  constructor(private readonly parts: PipelineParts) {
    this.queue.onBusyChange((busy) => {
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, busy);
      if (!busy) parts.progress.idle();
    });
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  cancelAll(): void {
    this.queue.cancelAll();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Runs a plan when no other run is going on; resolves undefined when it did not run or could not run. */
  run(request: RunRequest, prepare: Prepare): Promise<RunResult | undefined> {
    const { config, checks, progress, log } = this.parts;
    return this.queue.run(async (signal) => {
      const current = await checks.confirmHosts(config.read());
      if (!current) return undefined;
      const prepared = await prepare(current);
      if (!prepared) return undefined;
      void checks.check(current, prepared.kinds, prepared.retry, request.interactive);
      log.info(prepared.description);
      const options = { ...engineOptions(current.settings, current.paths), refresh: Boolean(request.refresh) };
      if ((prepared.kinds.has('video') || prepared.kinds.has('audio')) && (await this.parts.whisper.needed(current))) {
        // Built first, in its own progress, rather than silently by the first worker to reach a recording.
        const outcome = await this.parts.whisper.build(current, { interactive: request.interactive, signal });
        if (signal.aborted) {
          this.parts.tree.refresh(this.parts.model.settle(prepared.paths));
          return undefined;
        }
        if (outcome !== 'ready') options.media = { ...options.media, buildWhisperCli: false };
      }
      const result = await progress
        .show(prepared.paths.length, request.interactive, signal, (event) => this.observe(event), (onEvent, runSignal) => prepared.start(options, onEvent, runSignal))
        .catch((error: Error) => this.failed(error, request.interactive))
        .finally(() => this.parts.tree.refresh(this.parts.model.settle(prepared.paths)));
      if (!result) return undefined;
      const logFile = await this.parts.writeLogs(prepared.paths, prepared.folderRun, current, request.interactive);
      if (request.interactive) prepared.reveal?.();
      // Files the cache already knew, asked for one by one: the view shows them; a toast would only interrupt.
      const quiet = !prepared.folderRun && result.totals.cached === result.totals.files && result.totals.errors + result.totals.pending === 0;
      this.finish(result, request.interactive ? (quiet ? 'statusBar' : 'notification') : 'log', logFile);
      return result;
    });
  }

  /** What an event means for the tree and the API. */
  private observe(event: RunEvent): void {
    const changed = this.parts.model.apply(event);
    if (changed.length > 0) this.parts.tree.refresh(changed);
    if (event.type === 'done') this.parts.onRecord(event.record);
  }

  /** A run that could not run at all (not a file that failed): logged, shown for commands, thrown for the API. */
  private failed(error: Error, interactive: boolean): undefined {
    const message = extensionWording(problemOf(error));
    this.parts.log.error(`The run failed: ${message}`);
    if (!interactive) throw error;
    void vscode.window.showErrorMessage(inertNotificationText(`Media Summarizer: ${message}`), 'Show Output').then((choice) => choice && this.parts.log.show(true));
    return undefined;
  }

  /** The closing line: always in the log; for commands also a notification (with Retry Failed), or the status bar. */
  private finish(result: RunResult, shown: 'notification' | 'statusBar' | 'log', logFile: string | undefined): void {
    const message = runSummary(result.totals, result.cancelled);
    this.parts.log.info(message);
    if (shown === 'statusBar') vscode.window.setStatusBarMessage(`$(check) Media Summarizer: ${message}`, STATUS_MESSAGE_MS);
    if (shown !== 'notification') return;
    const actions: string[] = [];
    if (result.totals.errors + result.totals.pending > 0 && !result.cancelled) actions.push('Retry Failed');
    actions.push(logFile ? 'Open Summary Log' : 'Show Output');
    void vscode.window.showInformationMessage(message, ...actions).then((choice) => {
      if (choice === 'Retry Failed') this.parts.retryFailed();
      else if (choice === 'Open Summary Log' && logFile) void vscode.window.showTextDocument(vscode.Uri.file(logFile), { preview: true });
      else if (choice === 'Show Output') this.parts.log.show(true);
    });
  }
}
