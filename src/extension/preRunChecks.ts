/**
 * What is asked and checked before a run: consent before media content goes to an Ollama host not on this
 * machine, and — beside the run, without delaying it — Ollama reachable with the model pulled, ffmpeg and whisper
 * there when videos or audio are included. Each problem becomes a notification with the action that fixes it.
 * Without Ollama the run still reads text and saves the summaries as pending.
 */
import * as vscode from 'vscode';
import type { MediaKind } from '../core/mediaTypes';
import { problemOf } from '../core/problems';
import type { CurrentSettings } from './config';
import { mediaToolProblems, type ToolProblem } from './logic/checks';
import { STATE_KEYS } from './logic/ids';
import { checkOllama, type OllamaCheck } from './logic/ollamaCheck';
import { engineOptions, isLocalHost } from './logic/settings';
import { inertNotificationText } from './logic/inertText';
import { extensionWording } from './logic/wording';
import { offerFixes, openSettings, type ModelServices } from './notifications';

export class PreRunChecks {
  /** Tool problems already shown in this window (until the settings change): one notification each. */
  private readonly shown = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly services: ModelServices,
  ) {}

  /** The settings changed: a problem may be new again. */
  reset(): void {
    this.shown.clear();
  }

  /**
   * The settings with only the hosts the user agreed to: the main host must be agreed to, or there is no run; a
   * further host declined is left out of this run.
   */
  async confirmHosts(current: CurrentSettings): Promise<CurrentSettings | undefined> {
    if (!(await this.confirmHost(current.settings.ollamaHost, 'ollama.host'))) return undefined;
    const moreHosts = [];
    for (const host of current.settings.moreHosts) if (await this.confirmHost(host.url, 'ollama.moreHosts')) moreHosts.push(host);
    return { ...current, settings: { ...current.settings, moreHosts } };
  }

  /** A host not on this machine is used only after the user agreed once (remembered per host). */
  private async confirmHost(host: string, setting: 'ollama.host' | 'ollama.moreHosts'): Promise<boolean> {
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
          `This is asked once per host; change the host with the setting mediaSummarizer.${setting}.`,
      },
      send,
      'Open Settings',
    );
    if (choice === send) {
      await this.context.globalState.update(STATE_KEYS.approvedRemoteHosts, [...approved, host]);
      return true;
    }
    if (choice === 'Open Settings') openSettings(setting);
    return false;
  }

  /** Runs beside the run; `retry` starts the same run again (after Retry, or a pulled model). */
  async check({ settings, paths }: CurrentSettings, kinds: ReadonlySet<MediaKind>, retry: () => void, interactive: boolean): Promise<void> {
    const [ollama, tools] = await Promise.all([
      // Pull and model listing are Ollama's; for an OpenAI-compatible server the run's own preflight warns.
      settings.llmApi === 'ollama' ? checkOllama(settings.ollamaHost, settings.model) : Promise.resolve<OllamaCheck>({ state: 'ok', message: '', models: [] }),
      mediaToolProblems(kinds, { media: engineOptions(settings, paths).media, modelsDir: paths.modelsDir }).catch((error: unknown): ToolProblem[] => [
        { kind: 'ffmpeg', message: extensionWording(problemOf(error)), problem: problemOf(error) },
      ]),
    ]);
    if (ollama.state !== 'ok') this.log.warn(ollama.message);
    for (const problem of tools) this.log.warn(problem.message);
    if (!interactive) return;
    const pending = `${ollama.message} Text is still read; summaries are saved as pending.`;
    if (ollama.state === 'unreachable') {
      const choice = await vscode.window.showErrorMessage(inertNotificationText(pending), 'Retry', 'Open Settings');
      if (choice === 'Retry') retry();
      else if (choice === 'Open Settings') openSettings('ollama.host');
    } else if (ollama.state === 'model-missing') {
      const choice = await vscode.window.showErrorMessage(inertNotificationText(pending), 'Pull', 'Select Model…');
      if (choice === 'Pull') {
        if (await this.services.pullModel(settings.model)) retry();
      } else if (choice === 'Select Model…') void vscode.commands.executeCommand('mediaSummarizer.selectModel');
    }
    for (const problem of tools) {
      if (this.shown.has(problem.message)) continue;
      this.shown.add(problem.message);
      const prefix = problem.kind === 'ffmpeg' ? 'Videos and audio files cannot be read: ' : 'Videos and audio files cannot be transcribed: ';
      void offerFixes(vscode.window.showWarningMessage, this.services, prefix + problem.message, problem.problem);
    }
  }
}
