/**
 * Notifications that offer what fixes a problem: a button per fix it names (Download Whisper Model, Open
 * Settings), chosen from the problem's data, never from its words.
 */
import * as vscode from 'vscode';
import type { Problem } from '../core/problems';
import { CONFIG_SECTION, EXTENSION_ID } from './logic/ids';
import type { SettingKey } from './logic/settings';
import { inertNotificationText } from './logic/inertText';
import { fixActions } from './logic/wording';

/** What the extension can do for the user beyond opening settings (passed in: they live in ollamaCommands.ts). */
export interface ModelServices {
  /** Pulls an Ollama model with progress; resolves true when it is installed. */
  pullModel(name: string): Promise<boolean>;
  /** Downloads a whisper model with progress. */
  downloadWhisperModel(name?: string): Promise<void>;
  /** Builds whisper-cli with progress (or says why there is nothing to build); resolves true when it is ready. */
  buildWhisperCli(): Promise<boolean>;
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

/**
 * The Settings editor at `key`. In a remote window (Remote-SSH, WSL, code-server) a machine setting lives in the
 * Remote tab, where the extension runs: the User tab would say "No Settings Found". That command takes the query
 * as an object, not a string.
 */
export function openSettings(key?: SettingKey): void {
  const query = key ? `${CONFIG_SECTION}.${key}` : `@ext:${EXTENSION_ID}`;
  if (key && vscode.env.remoteName && isMachineSetting(query)) void vscode.commands.executeCommand('workbench.action.openRemoteSettings', { query });
  else void vscode.commands.executeCommand('workbench.action.openSettings', query);
}

/** Whether package.json gives the setting a machine scope (the one place scopes are declared). */
function isMachineSetting(id: string): boolean {
  const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes?: { configuration?: { properties?: Record<string, { scope?: string }> } } } | undefined;
  const scope = manifest?.contributes?.configuration?.properties?.[id]?.scope;
  return scope === 'machine' || scope === 'machine-overridable';
}
