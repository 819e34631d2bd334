/**
 * Runs work for the commands and the API: reads the settings, checks Ollama and the media tools, asks once before
 * media content goes to a non-local Ollama host, shows progress (notification, status bar item, log channel) and
 * keeps the tree's model up to date. The engine does the work (cache hits here, the rest in its worker pool, forked
 * from the extension host for the duration of a run); this class only coordinates.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { CacheStore } from '../core/cache';
import type { EngineOptions, RunEvent, RunResult } from '../core/engine';
import { summarizeFiles as engineSummarizeFiles, summarizeFolder as engineSummarizeFolder } from '../core/engine';
import { mediaKindOf, type MediaKind } from '../core/mediaTypes';
import { problemOf, type Problem } from '../core/problems';
import { errorRecord, type FileRecord } from '../core/records';
import { extensionWording, fixActions } from './logic/wording';
import { scanFolder, type ScannedFile, type ScanResult } from '../core/scan';
import type { MediaSummarizerApi, SummarizeOptions } from './api';
import { mediaToolProblems, type ToolProblem } from './logic/checks';
import { globFilter, invalidGlobs } from './logic/globs';
import { CONFIG_SECTION, CONTEXT_KEYS, STATE_KEYS, VIEW_ID } from './logic/ids';
import { lookupRecords, scannedFile } from '../core/lookup';
import type { RootEntry, SummaryModel, TreeElement } from './logic/model';
import { checkOllama } from './logic/ollamaCheck';
import { RunQueue } from './logic/runs';
import { engineOptions, isLocalHost, logOption, readSettings, resolvePaths, type ExtensionSettings, type ResolvedPaths, type SettingKey } from './logic/settings';
import { inertNotificationText, progressIncrement, progressMessage, recordLogLine, runSummary, statusBarText } from './logic/status';
import type { SummaryTree } from './treeView';

export interface RunRequest {
  refresh?: boolean;
  /** True for commands (notification with Cancel, closing message); false for API calls (status bar only). */
  interactive: boolean;
}

type RunBody = (onEvent: (event: RunEvent) => void, signal: AbortSignal) => Promise<RunResult>;

/** How long deactivate waits for a cancelled run to stop its workers. */
const SHUTDOWN_WAIT_MS = 4000;

export class Controller implements vscode.Disposable {
  private readonly queue = new RunQueue();
  private readonly finished = new vscode.EventEmitter<FileRecord>();
  private readonly statusItem: vscode.StatusBarItem;
  private readonly loading = new Map<string, Promise<void>>();
  private readonly shownToolProblems = new Set<string>();
  private readonly loggedSettingProblems = new Set<string>();
  private readonly disposables: vscode.Disposable[] = [];
  /** The summary log of the latest folder run in this window. */
  lastLog: string | undefined;
  /** Set by extension.ts: pulls an Ollama model with progress; resolves true when it is installed. */
  pullModel: (name: string) => Promise<boolean> = async () => false;
  /** Set by extension.ts: downloads a whisper model with progress. */
  downloadWhisperModel: (name?: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly model: SummaryModel,
    private readonly tree: SummaryTree,
    private readonly view: vscode.TreeView<TreeElement>,
    readonly log: vscode.LogOutputChannel,
  ) {
    this.statusItem = vscode.window.createStatusBarItem('mediaSummarizer.status', vscode.StatusBarAlignment.Left, 10);
    this.statusItem.name = 'Media Summarizer';
    this.statusItem.command = `${VIEW_ID}.focus`;
    this.disposables.push(this.statusItem, this.finished);
    this.queue.onBusyChange((busy) => {
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, busy);
      if (!busy) this.statusItem.hide();
    });
  }

  api(): MediaSummarizerApi {
    return {
      summarize: (uri, options) => this.summarizeForApi(uri, options),
      onDidFinishRecord: this.finished.event,
    };
  }

  get busy(): boolean {
    return this.queue.busy;
  }

  // ─── Settings ────────────────────────────────────────────────────────────────────────────────────────────

  readSettings(): { settings: ExtensionSettings; paths: ResolvedPaths } {
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const { settings, problems } = readSettings((key: SettingKey) => config.get(key));
    const paths = resolvePaths(settings, {
      extensionPath: this.context.extensionPath,
      globalStorage: this.context.globalStorageUri.fsPath,
      workspaceStorage: this.context.storageUri?.fsPath,
    });
    for (const problem of [...problems, ...invalidGlobs([...settings.include, ...settings.exclude]), ...(paths.note ? [paths.note] : [])]) {
      if (this.loggedSettingProblems.has(problem)) continue;
      this.loggedSettingProblems.add(problem);
      this.log.warn(problem);
    }
    return { settings, paths };
  }

  /** Called when mediaSummarizer.* settings change: listings depend on the model, cache and filters. */
  settingsChanged(): void {
    this.shownToolProblems.clear();
    this.loggedSettingProblems.clear();
    this.model.invalidate();
    this.tree.refresh();
  }

  persist(): void {
    void this.context.globalState.update(STATE_KEYS.roots, this.model.persist());
  }

  // ─── Listing from the cache (no processing) ──────────────────────────────────────────────────────────────

  isLoading(root: RootEntry): boolean {
    return this.loading.has(root.path);
  }

  /**
   * Lists a root when it is first shown: its files (scan or the selected files) with what the cache knows about
   * them. Reads only: no worker, no Ollama request.
   */
  loadRoot(root: RootEntry): Promise<void> {
    if (root.loaded) return Promise.resolve();
    const existing = this.loading.get(root.path);
    if (existing) return existing;
    const job = (async () => {
      const { settings, paths } = this.readSettings();
      let files: ScannedFile[];
      let problems: ScanResult['problems'] = [];
      if (root.files) {
        const found = await Promise.allSettled(root.files.map((file) => scannedFile(file)));
        files = found.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      } else {
        const scan = await scanFolder(root.path, { recursive: root.recursive, accept: globFilter(settings.include, settings.exclude) });
        files = scan.files;
        problems = scan.problems;
      }
      const records = await lookupRecords(files, {
        cacheDir: paths.cacheDir,
        ollamaHost: settings.ollamaHost,
        model: settings.model,
        vision: settings.vision,
        media: engineOptions(settings, paths).media,
        onWarning: (message) => this.log.warn(message),
      });
      for (const problem of problems) records.set(problem.path, errorRecord(problem, problem.error));
      if (root.loaded) return; // a run listed it meanwhile
      this.model.setListing(root, [...files, ...problems], records);
    })()
      .catch((error: Error) => {
        root.problem = error.message;
        root.loaded = true;
        root.entries = new Map();
        this.log.warn(`Cannot list ${root.path}: ${error.message}`);
      })
      .finally(() => {
        this.loading.delete(root.path);
        this.tree.refresh([root]);
      });
    this.loading.set(root.path, job);
    this.tree.refresh([root]);
    return job;
  }

  /** The record of one file from memory, else from the cache (for "Show Full Text" after a restart). */
  async recordFor(file: string): Promise<FileRecord | undefined> {
    const known = this.model.recordFor(file);
    if (known) return known;
    const { settings, paths } = this.readSettings();
    try {
      const records = await lookupRecords([await scannedFile(file)], {
        cacheDir: paths.cacheDir,
        ollamaHost: settings.ollamaHost,
        model: settings.model,
        vision: settings.vision,
        media: engineOptions(settings, paths).media,
      });
      return records.get(file);
    } catch {
      return undefined;
    }
  }

  // ─── Runs ────────────────────────────────────────────────────────────────────────────────────────────────

  /** Summarizes a folder (top level, or with sub-folders per setting or the root's own choice). */
  summarizeFolder(folder: string, request: RunRequest & { recursive?: boolean }): Promise<RunResult | undefined> {
    return this.queue.run(async (signal) => {
      const { settings, paths } = this.readSettings();
      if (!(await this.confirmHost(settings.ollamaHost))) return undefined;
      const recursive = request.recursive ?? this.model.root(folder)?.recursive ?? settings.recursive;
      const root = this.model.addRoot(folder, { recursive });
      this.persist();
      let scan: ScanResult;
      try {
        scan = await scanFolder(folder, { recursive, accept: globFilter(settings.include, settings.exclude) });
      } catch (error) {
        root.problem = (error as Error).message;
        root.loaded = true;
        this.tree.refresh();
        void vscode.window.showErrorMessage(inertNotificationText((error as Error).message));
        return undefined;
      }
      const listed = [...scan.files, ...scan.problems];
      this.model.setListing(root, listed);
      this.model.markQueued(listed.map((file) => file.path));
      this.tree.markExpanded(root);
      this.tree.refresh();
      void this.view.reveal(root, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
      if (listed.length === 0) {
        const hint = recursive ? '' : ' (top level only; turn on the setting mediaSummarizer.recursive for sub-folders)';
        if (request.interactive) void vscode.window.showInformationMessage(inertNotificationText(`No media files in ${folder}${hint}.`));
        return undefined;
      }
      const retry = () => void this.summarizeFolder(folder, { ...request, refresh: false, recursive });
      void this.checkBeforeRun(settings, paths, new Set(scan.files.map((file) => file.kind)), retry, request.interactive);
      this.log.info(`Summarizing ${folder}${recursive ? ' with sub-folders' : ''}: ${listed.length} files, model ${settings.model}, up to ${settings.workers} workers${request.refresh ? ', ignoring cached summaries' : ''}.`);
      const options = this.engineOptions(settings, paths, request.refresh);
      const result = await this.withProgress(listed.length, request.interactive, signal, (onEvent, runSignal) =>
        engineSummarizeFolder({ ...options, folder, scan, log: logOption(settings, paths), signal: runSignal, onEvent }),
      )
        .catch((error: Error) => this.runFailed(error, request.interactive))
        .finally(() => this.settle(listed.map((file) => file.path)));
      if (!result) return undefined;
      if (result.logFile) {
        root.lastLog = result.logFile;
        this.lastLog = result.logFile;
        this.persist();
        this.log.info(`Summary log: ${result.logFile}`);
      }
      this.finish(result, request.interactive);
      return result;
    });
  }

  /** Summarizes some files; each is shown under its folder (only the selected files, unless the folder is shown whole). */
  summarizeFiles(files: string[], request: RunRequest): Promise<FileRecord[]> {
    return this.queue.run(async (signal) => {
      const { settings, paths } = this.readSettings();
      if (!(await this.confirmHost(settings.ollamaHost))) return [];
      const scanned: ScannedFile[] = [];
      const problems: FileRecord[] = [];
      for (const file of [...new Set(files)]) {
        try {
          scanned.push(await scannedFile(file));
        } catch (error) {
          problems.push(errorRecord({ path: file, kind: mediaKindOf(file) ?? 'image' }, (error as Error).message));
        }
      }
      const all = [...scanned.map((file) => file.path), ...problems.map((problem) => problem.path)];
      if (all.length === 0) return [];
      const touched = new Set<RootEntry>();
      for (const file of all) {
        if (this.model.entriesFor(file).length > 0) continue;
        touched.add(this.model.addRoot(path.dirname(file), { files: [file] }));
      }
      for (const root of touched) this.tree.markExpanded(root);
      this.persist();
      this.model.markQueued(all);
      this.tree.refresh();
      const first = this.model.entriesFor(all[0] ?? '')[0];
      if (first) void this.view.reveal(first, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
      const retry = () => void this.summarizeFiles(files, { ...request, refresh: false });
      void this.checkBeforeRun(settings, paths, new Set(scanned.map((file) => file.kind)), retry, request.interactive);
      this.log.info(`Summarizing ${all.length === 1 ? path.basename(all[0]) : `${all.length} files`} with model ${settings.model}${request.refresh ? ', ignoring cached summaries' : ''}.`);
      const options = this.engineOptions(settings, paths, request.refresh);
      const result = await this.withProgress(all.length, request.interactive, signal, (onEvent, runSignal) =>
        engineSummarizeFiles(scanned, { ...options, signal: runSignal, onEvent }, problems),
      )
        .catch((error: Error) => this.runFailed(error, request.interactive))
        .finally(() => this.settle(all));
      if (!result) return [];
      this.finish(result, request.interactive);
      return result.records;
    });
  }

  /** Failed files and pending summaries again, ignoring cached failures (OCR that worked is reused). */
  async retryFailed(): Promise<void> {
    const files = this.model.retryable();
    if (files.length === 0) {
      void vscode.window.showInformationMessage('Nothing to retry: no file failed and no summary is pending.');
      return;
    }
    await this.summarizeFiles(files, { refresh: true, interactive: true });
  }

  cancel(): void {
    if (!this.queue.busy) return;
    this.log.info('Cancelling…');
    this.queue.cancelAll();
  }

  private async summarizeForApi(uri: vscode.Uri, options: SummarizeOptions = {}): Promise<FileRecord> {
    if (uri.scheme !== 'file') throw new Error(`Media Summarizer summarizes local files only, not ${uri.scheme}: URIs.`);
    const file = uri.fsPath;
    if (!mediaKindOf(file)) throw new Error(`${path.basename(file)} is not a supported image, video or audio file.`);
    const records = await this.summarizeFiles([file], { refresh: options.refresh, interactive: false });
    const record = records.find((r) => r.path === file);
    if (!record) throw new Error(`Summarizing ${path.basename(file)} was cancelled.`);
    return record;
  }

  private engineOptions(settings: ExtensionSettings, paths: ResolvedPaths, refresh?: boolean): Omit<EngineOptions, 'signal' | 'onEvent'> {
    return { ...engineOptions(settings, paths), refresh: Boolean(refresh) };
  }

  private settle(files: string[]): void {
    this.tree.refresh(this.model.settle(files));
  }

  /** Progress: a notification with Cancel and "n of m" (or the window's progress for API calls), the status bar, the log. */
  private withProgress(total: number, interactive: boolean, jobSignal: AbortSignal, body: RunBody): Promise<RunResult> {
    const location = interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return Promise.resolve(
      vscode.window.withProgress({ location, title: 'Media Summarizer', cancellable: interactive }, async (progress, token) => {
        const controller = new AbortController();
        const abort = () => controller.abort();
        if (jobSignal.aborted) abort();
        jobSignal.addEventListener('abort', abort, { once: true });
        const cancelListener = token.onCancellationRequested(abort);
        let done = 0;
        let count = total;
        let warned = false;
        const showStatus = () => {
          this.statusItem.text = statusBarText(done, count);
          this.statusItem.tooltip = `Media Summarizer: ${done} of ${count} files done — click to show the Media Summaries view`;
          this.statusItem.show();
        };
        showStatus();
        progress.report({ message: progressMessage(0, count) });
        const onEvent = (event: RunEvent) => {
          const changed = this.model.apply(event);
          if (changed.length > 0) this.tree.refresh(changed);
          switch (event.type) {
            case 'scanned':
              count = event.total;
              showStatus();
              break;
            case 'started':
              progress.report({ message: progressMessage(done, count, event.path) });
              break;
            case 'done':
              done++;
              progress.report({ message: progressMessage(done, count, event.record.path), increment: progressIncrement(count) });
              showStatus();
              this.logRecord(event.record);
              this.finished.fire(event.record);
              break;
            case 'warning':
              this.log.warn(event.message);
              // The first problem of a run is shown (e.g. a log folder that cannot be written); the rest go to the log.
              if (interactive && !warned) {
                warned = true;
                void this.offerFixes(vscode.window.showWarningMessage, `Media Summarizer: ${event.message}`, event.problem, ['Show Log']).then(
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

  /** A run that could not run at all (not a file that failed): logged, shown for commands, thrown for the API. */
  private runFailed(error: Error, interactive: boolean): undefined {
    const message = extensionWording(problemOf(error));
    this.log.error(`The run failed: ${message}`);
    if (!interactive) throw error;
    void vscode.window.showErrorMessage(inertNotificationText(`Media Summarizer: ${message}`), 'Show Log').then((choice) => choice && this.log.show(true));
    return undefined;
  }

  private logRecord(record: FileRecord): void {
    const line = recordLogLine(record);
    if (record.status === 'error') this.log.error(line);
    else if (record.status === 'pending') this.log.warn(line);
    else this.log.info(line);
  }

  private finish(result: RunResult, interactive: boolean): void {
    const message = runSummary(result.totals, result.cancelled);
    this.log.info(message);
    if (!interactive) return;
    const actions: string[] = [];
    if (result.totals.errors + result.totals.pending > 0 && !result.cancelled) actions.push('Retry Failed');
    actions.push(result.logFile ? 'Open Summary Log' : 'Show Log');
    void vscode.window.showInformationMessage(message, ...actions).then((choice) => {
      if (choice === 'Retry Failed') void this.retryFailed();
      else if (choice === 'Open Summary Log' && result.logFile) void vscode.window.showTextDocument(vscode.Uri.file(result.logFile), { preview: true });
      else if (choice === 'Show Log') this.log.show(true);
    });
  }

  // ─── Checks ──────────────────────────────────────────────────────────────────────────────────────────────

  /**
   * Runs beside the run (it does not delay it): Ollama reachable and the model pulled, ffmpeg and whisper there
   * when videos or audio are included. Each problem becomes a notification with the action that fixes it. Without
   * Ollama the run still reads text and saves the summaries as pending.
   */
  private async checkBeforeRun(settings: ExtensionSettings, paths: ResolvedPaths, kinds: Set<MediaKind>, retry: () => void, interactive: boolean): Promise<void> {
    const [ollama, tools] = await Promise.all([
      checkOllama(settings.ollamaHost, settings.model),
      mediaToolProblems(kinds, { media: engineOptions(settings, paths).media, modelsDir: paths.modelsDir }).catch((error: unknown): ToolProblem[] => [
        { kind: 'ffmpeg', message: extensionWording(problemOf(error)), problem: problemOf(error) },
      ]),
    ]);
    if (ollama.state !== 'ok') this.log.warn(ollama.message);
    for (const problem of tools) this.log.warn(problem.message);
    if (!interactive) return;
    if (ollama.state === 'unreachable') {
      const choice = await vscode.window.showErrorMessage(
        inertNotificationText(`${ollama.message} Text is still read; summaries are saved as pending.`),
        'Retry',
        'Open Settings',
      );
      if (choice === 'Retry') retry();
      else if (choice === 'Open Settings') openSettings('ollama.host');
    } else if (ollama.state === 'model-missing') {
      const choice = await vscode.window.showErrorMessage(
        inertNotificationText(`${ollama.message} Text is still read; summaries are saved as pending.`),
        'Pull',
        'Select Model…',
      );
      if (choice === 'Pull') {
        if (await this.pullModel(settings.model)) retry();
      } else if (choice === 'Select Model…') void vscode.commands.executeCommand('mediaSummarizer.selectModel');
    }
    for (const problem of tools) {
      if (this.shownToolProblems.has(problem.message)) continue;
      this.shownToolProblems.add(problem.message);
      const prefix = problem.kind === 'ffmpeg' ? 'Videos and audio files cannot be read: ' : 'Videos and audio files cannot be transcribed: ';
      void this.offerFixes(vscode.window.showWarningMessage, prefix + problem.message, problem.problem);
    }
  }

  /**
   * Media content (OCR text, transcripts, images) goes to the Ollama host. A host not on this machine is used only
   * after the user agreed once (remembered per host).
   */
  async confirmHost(host: string): Promise<boolean> {
    if (isLocalHost(host)) return true;
    const approved = this.context.globalState.get<string[]>(STATE_KEYS.approvedRemoteHosts, []);
    if (approved.includes(host)) return true;
    const send = 'Send to This Host';
    const choice = await vscode.window.showWarningMessage(
      `The Ollama host ${host} is not on this machine.`,
      {
        modal: true,
        detail:
          'Media Summarizer will send the text read from your screenshots and photos, transcripts of your recordings and images to it. ' +
          'This is asked once per host; change the host with the setting mediaSummarizer.ollama.host.',
      },
      send,
      'Open Settings',
    );
    if (choice === send) {
      await this.context.globalState.update(STATE_KEYS.approvedRemoteHosts, [...approved, host]);
      return true;
    }
    if (choice === 'Open Settings') openSettings('ollama.host');
    return false;
  }

  // ─── Cache ───────────────────────────────────────────────────────────────────────────────────────────────

  async clearCache(): Promise<void> {
    if (this.queue.busy) {
      const choice = await vscode.window.showWarningMessage('Media Summarizer is running. Cancel it before clearing the cache.', 'Cancel Run');
      if (choice === 'Cancel Run') this.cancel();
      return;
    }
    const { paths } = this.readSettings();
    const clear = 'Clear Cache';
    const choice = await vscode.window.showWarningMessage(
      'Delete all cached summaries, OCR text and transcripts?',
      { modal: true, detail: `The cache in ${paths.cacheDir} is emptied; every file is processed again on its next run. Whisper models and summary logs are kept.` },
      clear,
    );
    if (choice !== clear) return;
    try {
      const cache = await CacheStore.open(paths.cacheDir, { onWarning: (message) => this.log.warn(message) });
      try {
        await cache.clear();
      } finally {
        await cache.close();
      }
      this.log.info(`Cleared the cache in ${paths.cacheDir}.`);
      this.model.invalidate();
      this.tree.refresh();
      void vscode.window.showInformationMessage('Media Summarizer: the cache is cleared.');
    } catch (error) {
      void this.offerFixes(vscode.window.showErrorMessage, extensionWording(problemOf(error)), problemOf(error));
    }
  }

  /**
   * A notification with a button per fix the problem names (Download Whisper Model, Open Settings) after `extra`
   * buttons; the fix buttons act, an extra button's label is returned for the caller to act on.
   */
  private async offerFixes(show: (message: string, ...items: string[]) => Thenable<string | undefined>, message: string, problem: Problem, extra: string[] = []): Promise<string | undefined> {
    const actions = fixActions(problem);
    const choice = await show(inertNotificationText(message), ...extra, ...actions.map((action) => action.label));
    const action = actions.find((candidate) => candidate.label === choice);
    if (action?.label === 'Download Whisper Model') void this.downloadWhisperModel(action.model);
    else if (action?.label === 'Open Settings') openSettings(action.setting);
    return action ? undefined : choice;
  }

  // ─── Shutdown ────────────────────────────────────────────────────────────────────────────────────────────

  /** deactivate(): cancels the running and waiting runs and waits (briefly) for their workers to stop. */
  async shutdown(): Promise<void> {
    this.queue.cancelAll();
    await Promise.race([this.queue.idle(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
  }

  dispose(): void {
    this.queue.cancelAll();
    for (const disposable of this.disposables) disposable.dispose();
  }
}

export function openSettings(key?: SettingKey): void {
  void vscode.commands.executeCommand('workbench.action.openSettings', key ? `${CONFIG_SECTION}.${key}` : `@ext:media-summarizer.media-summarizer`);
}
