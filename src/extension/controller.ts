/**
 * What the commands and the API ask of the extension: summarize a folder or files, retry, cancel, clear the cache,
 * list from the cache. The pieces are its parts — settings (config.ts), the listing (listing.ts), the checks
 * (preRunChecks.ts), progress (runProgress.ts) and the run sequence (runPipeline.ts); here only what a folder run
 * and a files run put in the tree differs. The engine does the work (cache hits here, the rest in its worker pool,
 * forked from the extension host for the duration of a run).
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { CacheStore } from '../core/cache';
import type { RunResult } from '../core/engine';
import { summarizeFiles as engineSummarizeFiles, summarizeFolder as engineSummarizeFolder } from '../core/engine';
import { scannedFile } from '../core/lookup';
import { mediaKindOf } from '../core/mediaTypes';
import { problemOf } from '../core/problems';
import { errorRecord, type FileRecord } from '../core/records';
import { scanFolder, type ScannedFile, type ScanResult } from '../core/scan';
import type { MediaSummarizerApi, SummarizeOptions } from './api';
import { ExtensionConfig, type CurrentSettings } from './config';
import { logTarget, writeFolderLog } from './folderLogs';
import { FolderWatchers } from './folderWatchers';
import { Listing } from './listing';
import { globFilter } from './logic/globs';
import { STATE_KEYS } from './logic/ids';
import type { ViewNode } from './logic/grouping';
import type { RootEntry, SummaryModel, TreeElement } from './logic/model';
import { inertNotificationText } from './logic/inertText';
import { extensionWording } from './logic/wording';
import { offerFixes, type ModelServices } from './notifications';
import { PreRunChecks } from './preRunChecks';
import { RunPipeline, type PreparedRun, type RunRequest } from './runPipeline';
import { RunProgress } from './runProgress';
import type { SetupChecklist } from './setup';
import { searchFiles } from './searchCommands';
import type { SummaryTree } from './treeView';
import type { WhisperCliBuilder } from './whisperBuild';

export type { RunRequest } from './runPipeline';

/** How long deactivate waits for a cancelled run to stop its workers. */
const SHUTDOWN_WAIT_MS = 4000;

export interface ControllerParts {
  context: vscode.ExtensionContext;
  model: SummaryModel;
  tree: SummaryTree;
  view: vscode.TreeView<ViewNode>;
  log: vscode.LogOutputChannel;
  config: ExtensionConfig;
  services: ModelServices;
  setup: SetupChecklist;
  whisper: WhisperCliBuilder;
}

export class Controller implements vscode.Disposable {
  readonly listing: Listing;
  readonly log: vscode.LogOutputChannel;
  /** The summary log written last in this window (Open Summary Log without a folder). */
  lastLog: string | undefined;
  private readonly finished = new vscode.EventEmitter<FileRecord>();
  private readonly checks: PreRunChecks;
  private readonly progress: RunProgress;
  private readonly pipeline: RunPipeline;
  private readonly model: SummaryModel;
  private readonly tree: SummaryTree;
  private readonly watchers: FolderWatchers;

  constructor(private readonly parts: ControllerParts) {
    const { context, model, tree, log, config, services, setup } = parts;
    this.model = model;
    this.tree = tree;
    this.log = log;
    this.listing = new Listing(config, model, tree, log);
    this.checks = new PreRunChecks(context, log, setup);
    this.progress = new RunProgress(log, services);
    this.pipeline = new RunPipeline({
      config,
      checks: this.checks,
      progress: this.progress,
      whisper: parts.whisper,
      model,
      tree,
      log,
      onRecord: (record) => this.finished.fire(record),
      retryFailed: () => void this.retryFailed(),
      writeLogs: (paths, folderRun, current, interactive) => this.writeLogs(paths, folderRun, current, interactive),
    });
    this.watchers = new FolderWatchers(model, this.listing, log, (files) => this.newFiles(files));
    this.watchers.sync();
  }

  api(): MediaSummarizerApi {
    return {
      summarize: (uri, options) => this.summarizeForApi(uri, options),
      search: (query, options) => searchFiles({ context: this.parts.context, config: this.parts.config, model: this.model, search: this.tree.search, view: this.parts.view }, query, options?.limit),
      onDidFinishRecord: this.finished.event,
    };
  }

  get busy(): boolean {
    return this.pipeline.busy;
  }

  /** Called when mediaSummarizer.* settings change: listings depend on the model, cache and filters. */
  settingsChanged(): void {
    this.parts.setup.reset();
    this.parts.config.changed();
    this.model.invalidate();
    this.tree.refresh();
  }

  persist(): void {
    void this.parts.context.globalState.update(STATE_KEYS.roots, this.model.persist());
    this.watchers.sync();
  }

  /** Refresh: every folder shown is listed again (new files appear, deleted ones go); what is known stays. */
  async refresh(): Promise<void> {
    await Promise.all(this.model.roots.map((root) => (root.loaded ? this.listing.update(root) : Promise.resolve([]))));
    this.tree.refresh();
  }

  /** Files that appeared in a watched folder: summarized at once when the user asked for that (autoSummarize). */
  private newFiles(files: string[]): void {
    const { settings } = this.parts.config.read();
    this.log.info(`${files.length === 1 ? '1 new file' : `${files.length} new files`} in the view${settings.autoSummarize ? ': summarizing' : ''}.`);
    if (settings.autoSummarize) void this.summarizeFiles(files, { interactive: false });
  }

  /** Summarizes a folder (top level, or with sub-folders per setting or the root's own choice). */
  summarizeFolder(folder: string, request: RunRequest & { recursive?: boolean }): Promise<RunResult | undefined> {
    return this.pipeline.run(request, (current) => this.prepareFolder(folder, request, current));
  }

  /** Summarizes some files; each is shown under its folder (only the selected files, unless the folder is shown whole). */
  async summarizeFiles(files: string[], request: RunRequest): Promise<FileRecord[]> {
    return (await this.pipeline.run(request, (current) => this.prepareFiles(files, request, current)))?.records ?? [];
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
    if (!this.pipeline.busy) return;
    this.log.info('Cancelling…');
    this.pipeline.cancelAll();
  }

  async clearCache(): Promise<void> {
    if (this.pipeline.busy) {
      const choice = await vscode.window.showWarningMessage('Media Summarizer is running. Cancel it before clearing the cache.', 'Cancel Run');
      if (choice === 'Cancel Run') this.cancel();
      return;
    }
    const { paths } = this.parts.config.read();
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
      const problem = problemOf(error);
      void offerFixes(vscode.window.showErrorMessage, this.parts.services, extensionWording(problem), problem);
    }
  }

  /** deactivate(): cancels the running and waiting runs and waits (briefly) for their workers to stop. */
  async shutdown(): Promise<void> {
    this.pipeline.cancelAll();
    await Promise.race([this.pipeline.idle(), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
  }

  dispose(): void {
    this.watchers.dispose();
    this.pipeline.cancelAll();
    this.progress.dispose();
    this.finished.dispose();
  }

  /** The folder as a root of the tree, scanned and shown as queued; undefined when it cannot be read or is empty. */
  private async prepareFolder(folder: string, request: RunRequest & { recursive?: boolean }, { settings }: CurrentSettings): Promise<PreparedRun | undefined> {
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
    this.show(listed.map((file) => file.path), [root], root);
    if (listed.length === 0) {
      const hint = recursive ? '' : ' (top level only; turn on the setting mediaSummarizer.recursive for sub-folders)';
      if (request.interactive) void vscode.window.showInformationMessage(inertNotificationText(`No media files in ${folder}${hint}.`));
      return undefined;
    }
    return {
      paths: listed.map((file) => file.path),
      kinds: new Set(scan.files.map((file) => file.kind)),
      description: `Summarizing ${folder}${recursive ? ' with sub-folders' : ''}: ${listed.length} files, model ${settings.model}, up to ${settings.workers} workers${request.refresh ? ', ignoring cached summaries' : ''}.`,
      retry: () => void this.summarizeFolder(folder, { ...request, refresh: false, recursive }),
      // The log is written after the run, from the view (writeLogs), as after every other run.
      start: (options, onEvent, signal) => engineSummarizeFolder({ ...options, folder, scan, log: false, signal, onEvent }),
      folderRun: true,
    };
  }

  /** The files under their folders (a root of just these files where the folder is not shown); undefined for none. */
  private async prepareFiles(files: string[], request: RunRequest, { settings }: CurrentSettings): Promise<PreparedRun | undefined> {
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
    if (all.length === 0) return undefined;
    const touched = new Set<RootEntry>();
    for (const file of all) {
      if (this.model.entriesFor(file).length > 0) continue;
      touched.add(this.model.addRoot(path.dirname(file), { files: [file] }));
    }
    this.persist();
    this.show(all, [...touched], this.model.entriesFor(all[0])[0]);
    return {
      paths: all,
      kinds: new Set(scanned.map((file) => file.kind)),
      description: `Summarizing ${all.length === 1 ? path.basename(all[0]) : `${all.length} files`} with model ${settings.model}${request.refresh ? ', ignoring cached summaries' : ''}.`,
      retry: () => void this.summarizeFiles(files, { ...request, refresh: false }),
      start: (options, onEvent, signal) => engineSummarizeFiles(scanned, { ...options, signal, onEvent }, problems),
      folderRun: false,
      reveal: () => {
        const entry = this.model.entriesFor(all[0]).at(0);
        if (entry) void this.parts.view.reveal(entry, { select: true, focus: false, expand: true }).then(undefined, () => undefined);
      },
    };
  }

  /**
   * Rewrites the summary log of every folder that shows one of the run's files (log.location), so that a log is
   * never staler than the view — after Retry Failed and Summarize File too. A log that cannot be written is one
   * warning per run, with its fix; the run's results stand (they are in the cache).
   */
  private async writeLogs(files: readonly string[], folderRun: boolean, { settings, paths }: CurrentSettings, interactive: boolean): Promise<string | undefined> {
    const touched = this.model.roots.filter((root) => files.some((file) => root.entries.has(file)));
    let offered: string | undefined;
    let warned = !interactive;
    for (const root of touched) {
      const target = logTarget(settings.logLocation, paths.logsDir, root, folderRun);
      if (!target) continue;
      try {
        root.lastLog = await writeFolderLog(root, target);
        offered ??= root.lastLog;
        this.log.info(`Summary log: ${root.lastLog}`);
      } catch (error) {
        const problem = problemOf(error);
        this.log.warn(problem.message);
        if (warned) continue;
        warned = true;
        void offerFixes(vscode.window.showWarningMessage, this.parts.services, `Media Summarizer: ${extensionWording(problem)}`, problem, ['Show Output']).then(
          (choice) => choice === 'Show Output' && this.log.show(true),
        );
      }
    }
    if (offered) {
      this.lastLog = offered;
      this.persist();
    }
    return offered;
  }

  /** Marks the files queued, expands the roots that are new to them and reveals where the run is. */
  private show(files: string[], roots: RootEntry[], reveal: TreeElement | undefined): void {
    this.model.markQueued(files);
    for (const root of roots) this.tree.markExpanded(root);
    this.tree.refresh();
    if (reveal) void this.parts.view.reveal(reveal, { expand: true, select: false, focus: false }).then(undefined, () => undefined);
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
}
