/**
 * The commands of package.json's contributes.commands. Each id is registered here literally (a test checks that
 * the registered and the contributed ids are the same set).
 */
import { stat } from 'node:fs/promises';
import * as vscode from 'vscode';
import { resolveDesktop } from '../core/desktop';
import { supportedExtensions } from '../core/mediaTypes';
import { FullTextProvider } from './contentProvider';
import type { Controller } from './controller';
import { CONTEXT_KEYS } from './logic/ids';
import type { FileEntry, RootEntry, SummaryModel, TreeElement } from './logic/model';
import { inertNotificationText } from './logic/status';
import { downloadWhisper, pullOllamaModel, selectOllamaModel } from './ollamaCommands';
import type { SummaryTree } from './treeView';

interface CommandContext {
  controller: Controller;
  model: SummaryModel;
  tree: SummaryTree;
  view: vscode.TreeView<TreeElement>;
}

function isElement(value: unknown): value is TreeElement {
  return typeof value === 'object' && value !== null && ((value as TreeElement).kind === 'root' || (value as TreeElement).kind === 'file') && typeof (value as TreeElement).path === 'string';
}

/** The Explorer passes (clicked uri, selected uris); the tree passes the element; key bindings pass nothing. */
function urisFrom(arg: unknown, all: unknown): vscode.Uri[] {
  if (Array.isArray(all) && all.every((item) => item instanceof vscode.Uri)) return all as vscode.Uri[];
  return arg instanceof vscode.Uri ? [arg] : [];
}

export function registerCommands({ controller, model, tree, view }: CommandContext): vscode.Disposable[] {
  /** The element a view command is about: the argument, else the view's selection. */
  const elementFrom = (arg: unknown): TreeElement | undefined => (isElement(arg) ? arg : view.selection[0]);
  const fileFrom = (arg: unknown): FileEntry | undefined => {
    const element = elementFrom(arg);
    return element?.kind === 'file' ? element : undefined;
  };

  const summarizeFolders = async (folders: string[]) => {
    await Promise.all(folders.map((folder) => controller.summarizeFolder(folder, { interactive: true })));
  };

  const pickFolder = async (): Promise<string | undefined> => {
    const desktop = await resolveDesktop().catch(() => undefined);
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Summarize Folder',
      title: 'Summarize the media files of a folder',
      defaultUri: desktop ? vscode.Uri.file(desktop) : undefined,
    });
    return picked?.[0]?.fsPath;
  };

  return [
    vscode.commands.registerCommand('mediaSummarizer.summarizeDesktop', async () => {
      const desktop = await resolveDesktop();
      const exists = await stat(desktop).then((s) => s.isDirectory(), () => false);
      if (!exists) {
        const choice = await vscode.window.showErrorMessage(inertNotificationText(`No Desktop folder at ${desktop}.`), 'Choose Folder…');
        if (choice) {
          const folder = await pickFolder();
          if (folder) await summarizeFolders([folder]);
        }
        return;
      }
      await summarizeFolders([desktop]);
    }),

    vscode.commands.registerCommand('mediaSummarizer.summarizeFolder', async (arg?: unknown, all?: unknown) => {
      if (isElement(arg) && arg.kind === 'root') {
        if (arg.files) await controller.summarizeFiles(arg.files, { interactive: true });
        else await controller.summarizeFolder(arg.path, { interactive: true, recursive: arg.recursive });
        return;
      }
      const folders = urisFrom(arg, all).filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
      if (folders.length === 0) {
        const folder = await pickFolder();
        if (folder) folders.push(folder);
      }
      await summarizeFolders(folders);
    }),

    vscode.commands.registerCommand('mediaSummarizer.summarizeFile', async (arg?: unknown, all?: unknown) => {
      let files = urisFrom(arg, all).filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
      if (files.length === 0 && isElement(arg) && arg.kind === 'file') files = [arg.path];
      if (files.length === 0) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: false,
          canSelectMany: true,
          openLabel: 'Summarize',
          title: 'Summarize media files',
          filters: { 'Images, videos and audio': supportedExtensions().map((ext) => ext.slice(1)) },
        });
        files = picked?.map((uri) => uri.fsPath) ?? [];
      }
      if (files.length > 0) await controller.summarizeFiles(files, { interactive: true });
    }),

    vscode.commands.registerCommand('mediaSummarizer.cancel', () => controller.cancel()),

    vscode.commands.registerCommand('mediaSummarizer.resummarize', async (arg?: unknown) => {
      const element = elementFrom(arg);
      if (element?.kind === 'file') {
        await controller.summarizeFiles([element.path], { refresh: true, interactive: true });
      } else if (element?.kind === 'root') {
        if (element.files) await controller.summarizeFiles(element.files, { refresh: true, interactive: true });
        else await controller.summarizeFolder(element.path, { refresh: true, interactive: true, recursive: element.recursive });
      } else if (arg instanceof vscode.Uri && arg.scheme === 'file') {
        const isFolder = await stat(arg.fsPath).then((s) => s.isDirectory(), () => false);
        if (isFolder) await controller.summarizeFolder(arg.fsPath, { refresh: true, interactive: true });
        else await controller.summarizeFiles([arg.fsPath], { refresh: true, interactive: true });
      }
    }),

    vscode.commands.registerCommand('mediaSummarizer.retryFailed', () => controller.retryFailed()),

    vscode.commands.registerCommand('mediaSummarizer.copySummary', async (arg?: unknown) => {
      const entry = fileFrom(arg);
      const record = entry?.record;
      if (!entry || !record?.summary) {
        void vscode.window.showInformationMessage('This file has no summary yet.');
        return;
      }
      await vscode.env.clipboard.writeText(record.title ? `${record.title}\n\n${record.summary}` : record.summary);
      vscode.window.setStatusBarMessage('$(copy) Summary copied', 2500);
    }),

    vscode.commands.registerCommand('mediaSummarizer.showFullText', async (arg?: unknown) => {
      const entry = fileFrom(arg);
      if (!entry) return;
      const document = await vscode.workspace.openTextDocument(FullTextProvider.uriFor(entry.path));
      await vscode.window.showTextDocument(document, { preview: true });
    }),

    vscode.commands.registerCommand('mediaSummarizer.openLog', async (arg?: unknown) => {
      const element = elementFrom(arg);
      const root: RootEntry | undefined = element?.kind === 'root' ? element : element ? model.root(element.root) : undefined;
      const candidates = [root?.lastLog, controller.lastLog, ...model.roots.map((r) => r.lastLog)].filter((f): f is string => Boolean(f));
      for (const file of candidates) {
        if (await stat(file).then((s) => s.isFile(), () => false)) {
          await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
          return;
        }
      }
      controller.log.show(true);
    }),

    vscode.commands.registerCommand('mediaSummarizer.clearCache', () => controller.clearCache()),

    vscode.commands.registerCommand('mediaSummarizer.selectModel', () => selectOllamaModel(controller)),

    vscode.commands.registerCommand('mediaSummarizer.pullModel', () => pullOllamaModel(controller)),

    vscode.commands.registerCommand('mediaSummarizer.downloadWhisperModel', () => downloadWhisper(controller)),

    vscode.commands.registerCommand('mediaSummarizer.filter', async () => {
      const text = await vscode.window.showInputBox({
        title: 'Filter Media Summaries',
        prompt: 'Words that must occur in the file name, title, summary or tags (empty shows everything)',
        value: tree.filter,
      });
      if (text === undefined) return;
      tree.setFilter(text);
      const active = tree.filter !== '';
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, active);
      view.message = active ? `Filter: ${tree.filter}` : undefined;
    }),

    vscode.commands.registerCommand('mediaSummarizer.clearFilter', () => {
      tree.setFilter('');
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, false);
      view.message = undefined;
    }),

    vscode.commands.registerCommand('mediaSummarizer.refresh', () => {
      model.invalidate();
      tree.refresh();
    }),

    vscode.commands.registerCommand('mediaSummarizer.revealInOS', async (arg?: unknown) => {
      const element = elementFrom(arg);
      if (element) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(element.path));
    }),

    vscode.commands.registerCommand('mediaSummarizer.removeFolder', (arg?: unknown) => {
      const element = elementFrom(arg);
      if (element?.kind !== 'root') return;
      model.removeRoot(element.path);
      controller.persist();
      tree.refresh();
    }),
  ];
}
