/**
 * The VS Code extension's entry point. Activation (only from contributions: a command, the view, a media-summary:
 * document) creates the view, the log channel and the commands — no worker, no model, no cache access. Work starts
 * with a command; each run forks its worker pool from the extension host and closes it when the run ends, so no
 * process stays behind while idle; deactivate() cancels what is running.
 */
import * as vscode from 'vscode';
import type { MediaSummarizerApi } from './api';
import { registerCommands } from './commands';
import { FullTextProvider } from './contentProvider';
import { ExtensionConfig } from './config';
import { Controller } from './controller';
import { CONFIG_SECTION, CONTEXT_KEYS, FULL_TEXT_SCHEME, OUTPUT_CHANNEL_NAME, STATE_KEYS, VIEW_ID } from './logic/ids';
import type { ViewNode } from './logic/grouping';
import { SummaryModel } from './logic/model';
import { downloadWhisper, pullOllamaModel } from './ollamaCommands';
import { SetupChecklist } from './setup';
import { SummaryTree } from './treeView';
import { WhisperCliBuilder } from './whisperBuild';

let controller: Controller | undefined;

export function activate(context: vscode.ExtensionContext): MediaSummarizerApi {
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL_NAME, { log: true });
  const model = new SummaryModel(context.globalState.get(STATE_KEYS.roots));
  const config = new ExtensionConfig(context, log);
  // Assigned once the tree that calls into it exists.
  // eslint-disable-next-line prefer-const
  let current: Controller | undefined;
  const tree = new SummaryTree(model, {
    loadRoot: (root) => current?.listing.loadRoot(root) ?? Promise.resolve(),
    isLoading: (root) => current?.listing.isLoading(root) ?? false,
  }, () => {
    const { settings } = config.read();
    return { labelBy: settings.viewLabel, sortBy: settings.viewSortBy, groupBy: settings.viewGroupBy };
  });
  const view = vscode.window.createTreeView<ViewNode>(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true, canSelectMany: true });
  tree.onCounts = (badge) => {
    view.badge = badge;
  };
  tree.onFiltered = (anything) => {
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.noMatches, !anything);
    // A view with a message shows no welcome: without matches, the welcome says so and offers Clear Filter.
    view.message = anything ? `Filter: ${tree.filter}` : undefined;
  };
  const models = { config, log };
  const whisper = new WhisperCliBuilder(log);
  const services = {
    pullModel: (name: string) => pullOllamaModel(models, name),
    downloadWhisperModel: (name?: string) => downloadWhisper(models, name),
    buildWhisperCli: () => whisper.command(config.read()),
  };
  const setup = new SetupChecklist(context, config, services);
  current = new Controller({ context, model, tree, view, log, config, services, setup, whisper });
  controller = current;
  const run = current;
  const fullText = new FullTextProvider(run.listing);
  const api = run.api();

  context.subscriptions.push(
    log,
    tree,
    view,
    run,
    fullText,
    vscode.workspace.registerTextDocumentContentProvider(FULL_TEXT_SCHEME, fullText),
    api.onDidFinishRecord((record) => fullText.recordChanged(record)),
    setup,
    ...registerCommands({ context, controller: run, models, model, tree, view, setup, services }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(CONFIG_SECTION)) run.settingsChanged();
    }),
  );
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.running, false);
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, false);
  // The status item and the walkthrough's steps: Ollama on this machine is asked for its models, nothing else.
  // After activation, not in it: the first Ollama request loads undici (1 MB), which took activation from 20 ms
  // to 70 ms (BENCHMARKS.md §5).
  const firstLook = setTimeout(() => void setup.check(), FIRST_SETUP_CHECK_MS);
  context.subscriptions.push({ dispose: () => clearTimeout(firstLook) });
  return api;
}

/** How long after activation the setup checklist first looks (the status item is not urgent; activation is). */
const FIRST_SETUP_CHECK_MS = 1000;

export async function deactivate(): Promise<void> {
  const running = controller;
  controller = undefined;
  await running?.shutdown();
}
