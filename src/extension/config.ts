/**
 * The extension's settings as the engine needs them, read fresh for every run and listing; problems with them
 * (bad values, invalid globs, a workspace cache without a workspace) are logged once until the settings change.
 */
import * as vscode from 'vscode';
import { invalidGlobs } from './logic/globs';
import { CONFIG_SECTION } from './logic/ids';
import { readSettings, resolvePaths, type ExtensionSettings, type ResolvedPaths, type SettingKey } from './logic/settings';

export interface CurrentSettings {
  settings: ExtensionSettings;
  paths: ResolvedPaths;
}

export class ExtensionConfig {
  private readonly logged = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  read(): CurrentSettings {
    const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const { settings, problems } = readSettings((key: SettingKey) => config.get(key), process.env, vscode.env.language);
    const paths = resolvePaths(settings, {
      extensionPath: this.context.extensionPath,
      globalStorage: this.context.globalStorageUri.fsPath,
      workspaceStorage: this.context.storageUri?.fsPath,
    });
    for (const problem of [...problems, ...invalidGlobs([...settings.include, ...settings.exclude]), ...(paths.note ? [paths.note] : [])]) {
      if (this.logged.has(problem)) continue;
      this.logged.add(problem);
      this.log.warn(problem);
    }
    return { settings, paths };
  }

  /** The settings changed: their problems are worth logging again. */
  changed(): void {
    this.logged.clear();
  }
}
