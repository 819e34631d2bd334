/**
 * What is asked and checked before a run: consent before media content goes to an Ollama host not on this
 * machine, and — beside the run, without delaying it — the setup checklist (setup.ts): what keeps the run's files
 * from being summarized in full is logged and, for commands, shown in one notification. Without Ollama the run
 * still reads text and saves the summaries as pending.
 */
import * as vscode from 'vscode';
import type { MediaKind } from '../core/mediaTypes';
import type { CurrentSettings } from './config';
import { agreeTo, mayContact } from './hostConsent';
import { blockingItems } from './logic/setupChecks';
import { openSettings } from './notifications';
import type { SetupChecklist } from './setup';

export class PreRunChecks {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly setup: SetupChecklist,
  ) {}

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
    if (mayContact(this.context, host)) return true;
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
      await agreeTo(this.context, host);
      return true;
    }
    if (choice === 'Open Settings') openSettings(setting);
    return false;
  }

  /**
   * Runs beside the run: the setup checklist, whose missing items are logged and, for commands, shown in one
   * notification; `retry` starts the same run again (after Retry, or a pulled model).
   */
  async check(current: CurrentSettings, kinds: ReadonlySet<MediaKind>, retry: () => void, interactive: boolean): Promise<void> {
    const needsMediaTools = kinds.has('video') || kinds.has('audio');
    const blocking = interactive ? await this.setup.notify(current, needsMediaTools, retry) : blockingItems(await this.setup.check(current), needsMediaTools);
    for (const item of blocking) this.log.warn(`${item.title}: ${item.detail}`);
  }
}
