/**
 * The one-time build of whisper-cli from the bundled whisper.cpp sources, made visible: its own progress
 * ("Building whisper-cli (one time, about 3 minutes)", its steps, Cancel) before a run with recordings — which
 * would otherwise sit at "transcribing…" while a worker compiles — and from Build whisper-cli and Check Setup.
 * Every process shares one build through the build lock: when a worker, another window or a CLI is building
 * already, this waits for it and says so. A run whose build was cancelled or failed does not build again; its
 * recordings are summarized without their speech and say why.
 */
import * as vscode from 'vscode';
import { problemOf } from '../core/problems';
import { readyWhisperCli, ensureWhisperCli } from '../processors/whisper/build';
import type { BuildProgress } from '../processors/whisper/buildProgress';
import { isAbortError } from '../processors/whisper/errors';
import { resolveWhisperModel, whisperModelsDir } from '../processors/whisper/models';
import { whisperBuildDir } from '../processors/whisper/source';
import { findBuildTools } from '../processors/whisper/tools';
import type { CurrentSettings } from './config';
import { inertNotificationText } from './logic/inertText';
import { engineOptions } from './logic/settings';
import { extensionWording, fixActions } from './logic/wording';
import { openSettings } from './notifications';

export type BuildOutcome = 'ready' | 'cancelled' | 'failed';

const TITLE = 'Building whisper-cli (one time, about 3 minutes)';

/** What a build phase is called in the progress notification. */
function stepText(progress: BuildProgress): string {
  switch (progress.phase) {
    case 'waiting':
      return 'waiting for another window or the CLI, which is building it';
    case 'configuring':
      return 'configuring whisper.cpp with CMake';
    case 'building':
      return progress.percent === undefined ? 'compiling' : `compiling — ${progress.percent}%`;
    case 'done':
      return 'ready';
  }
}

export class WhisperCliBuilder {
  /** The build under way in this window: a second caller shares it. */
  private building: Promise<BuildOutcome> | undefined;

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /**
   * Whether a run with recordings would build whisper-cli: none configured, none built yet, and a build could
   * start (cmake and a compiler) and be used (the whisper model is there). Otherwise the setup checklist says
   * what is missing, and nothing is built.
   */
  async needed({ settings, paths }: CurrentSettings): Promise<boolean> {
    const { media } = engineOptions(settings, paths);
    if (media.whisperCliPath) return false;
    if (await readyWhisperCli(whisperBuildDir(media.dataDir))) return false;
    try {
      await findBuildTools();
      await resolveWhisperModel(media.whisperModel, whisperModelsDir(media.dataDir));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Builds whisper-cli with progress: a notification with Cancel for commands, the status bar for runs nobody
   * asked for in a dialog (autoSummarize, the API). `signal` stops it too (the run's Cancel).
   */
  build(current: CurrentSettings, options: { interactive: boolean; signal?: AbortSignal }): Promise<BuildOutcome> {
    this.building ??= this.run(current, options).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** The Build whisper-cli command: builds, or says why there is nothing to build. */
  async command(current: CurrentSettings): Promise<boolean> {
    const { media } = engineOptions(current.settings, current.paths);
    if (media.whisperCliPath) {
      void vscode.window.showInformationMessage(inertNotificationText(`Media Summarizer uses the whisper-cli at ${media.whisperCliPath} (setting Whisper: Cli Path); nothing to build.`));
      return false;
    }
    const built = await readyWhisperCli(whisperBuildDir(media.dataDir));
    if (built) {
      void vscode.window.showInformationMessage(inertNotificationText(`whisper-cli is built: ${built}`));
      return false;
    }
    const outcome = await this.build(current, { interactive: true });
    if (outcome === 'ready') void vscode.window.showInformationMessage('Media Summarizer: whisper-cli is ready — recordings are transcribed from now on.');
    if (outcome === 'cancelled') void vscode.window.showInformationMessage('Building whisper-cli was cancelled; recordings are summarized without their speech until it is built.');
    return outcome === 'ready';
  }

  private async run(current: CurrentSettings, options: { interactive: boolean; signal?: AbortSignal }): Promise<BuildOutcome> {
    const { media } = engineOptions(current.settings, current.paths);
    const buildDir = whisperBuildDir(media.dataDir);
    const started = Date.now();
    this.log.info(`Building whisper-cli into ${buildDir} (one time).`);
    try {
      const cli = await vscode.window.withProgress(
        { location: options.interactive ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window, title: TITLE, cancellable: options.interactive },
        async (progress, token) => {
          // One controller for both ways to stop it; the run's signal is held by its queue, this listener by us.
          const abort = new AbortController();
          const stop = () => abort.abort();
          options.signal?.addEventListener('abort', stop, { once: true });
          const cancel = token.onCancellationRequested(stop);
          let done = 0;
          try {
            return await ensureWhisperCli({
              buildDir,
              signal: abort.signal,
              onProgress: (step) => {
                const percent = step.phase === 'done' ? 100 : (step.percent ?? done);
                progress.report({ message: stepText(step), increment: Math.max(0, percent - done) });
                done = Math.max(done, percent);
                if (step.phase !== 'building') this.log.info(`whisper-cli build: ${stepText(step)}`);
              },
            });
          } finally {
            cancel.dispose();
            options.signal?.removeEventListener('abort', stop);
          }
        },
      );
      this.log.info(`whisper-cli built in ${Math.round((Date.now() - started) / 1000)} s: ${cli}`);
      return 'ready';
    } catch (error) {
      if (isAbortError(error) || options.signal?.aborted) {
        this.log.info('Building whisper-cli was cancelled.');
        return 'cancelled';
      }
      const problem = problemOf(error);
      this.log.error(`Building whisper-cli failed: ${extensionWording(problem)}`);
      // The compiler's last lines are for the log; the notification says what failed and what to do.
      const message = extensionWording({ ...problem, output: undefined });
      const settings = fixActions(problem).flatMap((action) => (action.label === 'Open Settings' ? [action] : []));
      void vscode.window.showErrorMessage(inertNotificationText(`Media Summarizer: ${message}`), 'Show Output', ...settings.map((action) => action.label)).then((choice) => {
        if (choice === 'Show Output') this.log.show(true);
        else if (choice && settings[0]) openSettings(settings[0].setting);
      });
      return 'failed';
    }
  }
}
