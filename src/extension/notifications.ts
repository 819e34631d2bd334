/**
 * Notifications that offer what fixes a problem: a button per fix it names (Download Whisper Model, Open
 * Settings), chosen from the problem's data, never from its words.
 */
import * as vscode from 'vscode';
import type { Problem } from '../core/problems';
import { CONFIG_SECTION } from './logic/ids';
import type { SettingKey } from './logic/settings';
import { inertNotificationText } from './logic/inertText';
import { fixActions } from './logic/wording';

/** What the extension can do for the user beyond opening settings (passed in: they live in ollamaCommands.ts). */
export interface ModelServices {
  /** Pulls an Ollama model with progress; resolves true when it is installed. */
  pullModel(name: string): Promise<boolean>;
  /** Downloads a whisper model with progress. */
  downloadWhisperModel(name?: string): Promise<void>;
}

type Show = (message: string, ...items: string[]) => Thenable<string | undefined>;

/**
 * Shows `message` with the `extra` buttons first, then one per fix. A fix button acts; the label of an extra
 * button is returned for the caller to act on.
 */
export async function offerFixes(show: Show, services: ModelServices, message: string, problem: Problem, extra: string[] = []): Promise<string | undefined> {
  const actions = fixActions(problem);
  const choice = await show(inertNotificationText(message), ...extra, ...actions.map((action) => action.label));
  const action = actions.find((candidate) => candidate.label === choice);
  if (action?.label === 'Download Whisper Model') void services.downloadWhisperModel(action.model);
  else if (action?.label === 'Open Settings') openSettings(action.setting);
  return action ? undefined : choice;
}

export function openSettings(key?: SettingKey): void {
  void vscode.commands.executeCommand('workbench.action.openSettings', key ? `${CONFIG_SECTION}.${key}` : `@ext:media-summarizer.media-summarizer`);
}
