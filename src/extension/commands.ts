/**
 * The commands of package.json's contributes.commands: one named handler each, taking the command context and
 * the arguments VS Code passes. Each id is registered here literally (a test checks that the registered and the
 * contributed ids are the same set).
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { resolveDesktop } from '../core/desktop';
import { supportedExtensions } from '../core/mediaTypes';
import { FullTextProvider } from './contentProvider';
import type { Controller } from './controller';
import { CONFIG_SECTION, CONTEXT_KEYS } from './logic/ids';
import type { GroupBy, ViewNode } from './logic/grouping';
import type { FileEntry, RootEntry, SummaryModel, TreeElement } from './logic/model';
import { inertNotificationText } from './logic/inertText';
import { downloadWhisper, pullOllamaModel, selectOllamaModel, type ModelCommandContext } from './ollamaCommands';
import { exportSummaries } from './exportCommand';
import { mayContact } from './hostConsent';
import { downloadOcrLanguageCommand } from './ocrCommands';
import { organizeFolder, undoOrganize, type OrganizeContext } from './organizeCommands';
import { findSimilar, searchMedia } from './searchCommands';
import type { ModelServices } from './notifications';
import type { SetupChecklist } from './setup';
import type { SummaryTree } from './treeView';

interface CommandContext {
  context: vscode.ExtensionContext;
  controller: Controller;
  models: ModelCommandContext;
  model: SummaryModel;
  tree: SummaryTree;
  view: vscode.TreeView<ViewNode>;
  setup: SetupChecklist;
  services: ModelServices;
}

function isElement(value: unknown): value is TreeElement {
  return typeof value === 'object' && value !== null && ((value as TreeElement).kind === 'root' || (value as TreeElement).kind === 'file') && typeof (value as TreeElement).path === 'string';
}

/** The Explorer passes (clicked uri, selected uris); the tree passes the element; key bindings pass nothing. */
function urisFrom(arg: unknown, all: unknown): vscode.Uri[] {
  if (Array.isArray(all) && all.every((item) => item instanceof vscode.Uri)) return all;
  return arg instanceof vscode.Uri ? [arg] : [];
}

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const on =
    (handler: (ctx: CommandContext, arg?: unknown, all?: unknown) => unknown) =>
    (arg?: unknown, all?: unknown) =>
      handler(ctx, arg, all);
  return [
    vscode.commands.registerCommand('mediaSummarizer.summarizeDesktop', on(summarizeDesktop)),
    vscode.commands.registerCommand('mediaSummarizer.summarizeFolder', on(summarizeFolder)),
    vscode.commands.registerCommand('mediaSummarizer.summarizeFile', on(summarizeFile)),
    vscode.commands.registerCommand('mediaSummarizer.cancel', () => ctx.controller.cancel()),
    vscode.commands.registerCommand('mediaSummarizer.resummarize', on(resummarize)),
    vscode.commands.registerCommand('mediaSummarizer.retryFailed', () => ctx.controller.retryFailed()),
    vscode.commands.registerCommand('mediaSummarizer.copySummary', on(copySummary)),
    vscode.commands.registerCommand('mediaSummarizer.showFullText', on(showFullText)),
    vscode.commands.registerCommand('mediaSummarizer.openLog', on(openLog)),
    vscode.commands.registerCommand('mediaSummarizer.clearCache', () => ctx.controller.clearCache()),
    vscode.commands.registerCommand('mediaSummarizer.selectModel', () => selectOllamaModel(ctx.models)),
    vscode.commands.registerCommand('mediaSummarizer.pullModel', () => pullOllamaModel(ctx.models)),
    vscode.commands.registerCommand('mediaSummarizer.downloadWhisperModel', () => downloadWhisper(ctx.models)),
    vscode.commands.registerCommand('mediaSummarizer.downloadOcrLanguage', (code?: unknown) => downloadOcrLanguageCommand(ctx.models, typeof code === 'string' ? code : undefined)),
    vscode.commands.registerCommand('mediaSummarizer.buildWhisperCli', () => ctx.services.buildWhisperCli()),
    vscode.commands.registerCommand('mediaSummarizer.filter', on(filter)),
    vscode.commands.registerCommand('mediaSummarizer.clearFilter', on(clearFilter)),
    vscode.commands.registerCommand('mediaSummarizer.refresh', on(refresh)),
    vscode.commands.registerCommand('mediaSummarizer.revealInOS', on(revealInOS)),
    vscode.commands.registerCommand('mediaSummarizer.removeFolder', on(removeFolder)),
    vscode.commands.registerCommand('mediaSummarizer.search', on(search)),
    vscode.commands.registerCommand('mediaSummarizer.findSimilar', on(similar)),
    vscode.commands.registerCommand('mediaSummarizer.exportSummaries', on(exportFrom)),
    vscode.commands.registerCommand('mediaSummarizer.checkSetup', () => ctx.setup.open()),
    vscode.commands.registerCommand('mediaSummarizer.groupBy', () => groupBy()),
    vscode.commands.registerCommand('mediaSummarizer.organizeFolder', on(organize)),
    vscode.commands.registerCommand('mediaSummarizer.undoOrganize', () => undoOrganize(organizeContext(ctx))),
  ];
}

/** The element a view command is about: the argument, else the view's selection. */
function elementFrom({ view }: CommandContext, arg: unknown): TreeElement | undefined {
  return isElement(arg) ? arg : view.selection.find(isElement);
}

/**
 * The elements a view command is about: with several rows selected VS Code passes the clicked one and all the
 * selected ones (the clicked one among them); else the one, as elementFrom.
 */
function elementsFrom(ctx: CommandContext, arg: unknown, all: unknown): TreeElement[] {
  if (Array.isArray(all) && all.length > 0 && all.every(isElement)) return all;
  const element = elementFrom(ctx, arg);
  return element ? [element] : [];
}

function fileFrom(ctx: CommandContext, arg: unknown): FileEntry | undefined {
  const element = elementFrom(ctx, arg);
  return element?.kind === 'file' ? element : undefined;
}

async function summarizeFolders({ controller }: CommandContext, folders: string[]): Promise<void> {
  await Promise.all(folders.map((folder) => controller.summarizeFolder(folder, { interactive: true })));
}

async function pickFolder(): Promise<string | undefined> {
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
}

async function summarizeDesktop(ctx: CommandContext): Promise<void> {
  const desktop = await resolveDesktop();
  const exists = await stat(desktop).then((s) => s.isDirectory(), () => false);
  if (exists) return summarizeFolders(ctx, [desktop]);
  const choice = await vscode.window.showErrorMessage(inertNotificationText(`No Desktop folder at ${desktop}.`), 'Choose Folder…');
  if (!choice) return;
  const folder = await pickFolder();
  if (folder) await summarizeFolders(ctx, [folder]);
}

/** A root of the view (again, as it was chosen), folders from the Explorer, or one picked in a dialog. */
async function summarizeFolder(ctx: CommandContext, arg?: unknown, all?: unknown): Promise<void> {
  if (isElement(arg) && arg.kind === 'root') {
    if (arg.files) await ctx.controller.summarizeFiles(arg.files, { interactive: true });
    else await ctx.controller.summarizeFolder(arg.path, { interactive: true, recursive: arg.recursive });
    return;
  }
  const folders = urisFrom(arg, all).filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
  if (folders.length === 0) {
    const folder = await pickFolder();
    if (folder) folders.push(folder);
  }
  await summarizeFolders(ctx, folders);
}

/** Files from the Explorer or the view, or picked in a dialog. */
async function summarizeFile(ctx: CommandContext, arg?: unknown, all?: unknown): Promise<void> {
  const { controller } = ctx;
  let files = urisFrom(arg, all).filter((uri) => uri.scheme === 'file').map((uri) => uri.fsPath);
  if (files.length === 0 && isElement(arg)) files = elementsFrom(ctx, arg, all).flatMap((element) => (element.kind === 'file' ? [element.path] : []));
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
}

/** The same again, ignoring cached summaries: files or a root of the view, or a file or folder of the Explorer. */
async function resummarize(ctx: CommandContext, arg?: unknown, all?: unknown): Promise<void> {
  const { controller } = ctx;
  const elements = elementsFrom(ctx, arg, all);
  const files = elements.flatMap((element) => (element.kind === 'file' ? [element.path] : []));
  const element = elements.find((candidate) => candidate.kind === 'root');
  if (files.length > 0) {
    await controller.summarizeFiles(files, { refresh: true, interactive: true });
  } else if (element?.kind === 'root') {
    if (!(await confirmResummarize(element))) return;
    if (element.files) await controller.summarizeFiles(element.files, { refresh: true, interactive: true });
    else await controller.summarizeFolder(element.path, { refresh: true, interactive: true, recursive: element.recursive });
  } else if (arg instanceof vscode.Uri && arg.scheme === 'file') {
    const isFolder = await stat(arg.fsPath).then((s) => s.isDirectory(), () => false);
    if (isFolder) await controller.summarizeFolder(arg.fsPath, { refresh: true, interactive: true });
    else await controller.summarizeFiles([arg.fsPath], { refresh: true, interactive: true });
  }
}

/** A whole folder again is a model request per file, minutes on a CPU: asked first. */
async function confirmResummarize(root: RootEntry): Promise<boolean> {
  const count = root.entries.size;
  const files = count === 1 ? '1 file' : `${count} files`;
  const again = 'Re-summarize';
  const choice = await vscode.window.showWarningMessage(
    inertNotificationText(`Re-summarize the ${files} of ${path.basename(root.path) || root.path}?`),
    { modal: true, detail: 'Each file is read and summarized again, ignoring the cache: one model request per file, which can take minutes. Titles stay until the new ones arrive.' },
    again,
  );
  return choice === again;
}

/** The title and summary of each selected file, one after the other. */
async function copySummary(ctx: CommandContext, arg?: unknown, all?: unknown): Promise<void> {
  const records = elementsFrom(ctx, arg, all).flatMap((element) => (element.kind === 'file' && element.record?.summary ? [element.record] : []));
  if (records.length === 0) {
    void vscode.window.showInformationMessage('This file has no summary yet.');
    return;
  }
  const text = (record: (typeof records)[number]) => (record.title ? `${record.title}\n\n${record.summary}` : (record.summary ?? ''));
  await vscode.env.clipboard.writeText(records.map(text).join('\n\n---\n\n'));
  vscode.window.setStatusBarMessage(records.length === 1 ? '$(copy) Summary copied' : `$(copy) ${records.length} summaries copied`, 2500);
}

async function showFullText(ctx: CommandContext, arg?: unknown): Promise<void> {
  const entry = fileFrom(ctx, arg);
  if (!entry) return;
  const document = await vscode.workspace.openTextDocument(FullTextProvider.uriFor(entry.path));
  await vscode.window.showTextDocument(document, { preview: true });
}

/** The summary log of the folder asked about (else of the latest run, or any folder's), else the output channel. */
async function openLog(ctx: CommandContext, arg?: unknown): Promise<void> {
  const { controller, model } = ctx;
  const element = elementFrom(ctx, arg);
  const root: RootEntry | undefined = element?.kind === 'root' ? element : element ? model.root(element.root) : undefined;
  // Asked about a folder: its own log only — another folder's would look like this one's.
  const candidates = (root ? [root.lastLog] : [controller.lastLog, ...model.roots.map((r) => r.lastLog)]).filter((f): f is string => Boolean(f));
  for (const file of candidates) {
    if (await stat(file).then((s) => s.isFile(), () => false)) {
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
      return;
    }
  }
  controller.log.show(true);
}

async function filter({ tree, view }: CommandContext): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: 'Filter Media Summaries',
    prompt: 'Words from anything read in the files: text on screen, transcripts, summaries, names (empty shows everything)',
    value: tree.filter,
  });
  if (text === undefined) return;
  tree.setFilter(text);
  const active = tree.filter !== '';
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, active);
  view.message = active ? `Filter: ${tree.filter}` : undefined;
}

function clearFilter({ tree, view }: CommandContext): void {
  tree.setFilter('');
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, false);
  void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.noMatches, false);
  view.message = undefined;
}

function organizeContext({ context, models, controller }: CommandContext): OrganizeContext {
  return { config: models.config, log: controller.log, refresh: () => controller.refresh(), mayAskModel: (host) => mayContact(context, host) };
}

/** A folder of the view, or a folder of the Explorer (shown in the view, listed from the cache, first). */
async function organize(ctx: CommandContext, arg?: unknown): Promise<void> {
  const element = elementFrom(ctx, arg);
  let root = element?.kind === 'root' && !element.files ? element : undefined;
  if (!root && arg instanceof vscode.Uri && arg.scheme === 'file') {
    root = ctx.model.root(arg.fsPath) ?? ctx.model.addRoot(arg.fsPath);
    ctx.controller.persist();
    await ctx.controller.listing.loadRoot(root);
  }
  if (!root) {
    void vscode.window.showInformationMessage('Organize Folder… works on a folder: right-click one in the Media Summaries view or the Explorer.');
    return;
  }
  await organizeFolder(organizeContext(ctx), root);
}

/** Group Files By…: the view.groupBy setting, from the view's menu; the view regroups when it changes. */
async function groupBy(): Promise<void> {
  const settings = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const current = settings.get<string>('view.groupBy') ?? 'none';
  const choices: Array<vscode.QuickPickItem & { value: GroupBy }> = [
    { label: 'No Groups', detail: "A folder's files one after the other", value: 'none' },
    { label: 'Kind', detail: 'Images, videos and audio', value: 'kind' },
    { label: 'Tag', detail: "Each file's first tag, its main topic", value: 'tag' },
  ];
  for (const choice of choices) if (choice.value === current) choice.description = 'current';
  const picked = await vscode.window.showQuickPick(choices, { title: 'Group Files By', placeHolder: 'How the Media Summaries view groups a folder\'s files' });
  if (picked && picked.value !== current) await settings.update('view.groupBy', picked.value, vscode.ConfigurationTarget.Global);
}

function refresh({ controller }: CommandContext): Promise<void> {
  return controller.refresh();
}

async function revealInOS(ctx: CommandContext, arg?: unknown): Promise<void> {
  const element = elementFrom(ctx, arg);
  if (element) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(element.path));
}

function search({ context, models, model, tree, view }: CommandContext): Promise<void> {
  return searchMedia({ context, config: models.config, model, search: tree.search, view });
}

async function similar(ctx: CommandContext, arg?: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg : undefined;
  const file = uri?.fsPath ?? fileFrom(ctx, arg)?.path;
  if (file) await findSimilar({ context: ctx.context, config: ctx.models.config, model: ctx.model, search: ctx.tree.search, view: ctx.view }, file);
}

/** The folders selected in the view, or every folder. */
function exportFrom(ctx: CommandContext, arg?: unknown, all?: unknown): Promise<void> {
  const roots = (isElement(arg) ? elementsFrom(ctx, arg, all) : []).filter((element): element is RootEntry => element.kind === 'root');
  return exportSummaries(ctx.model, roots.length > 0 ? roots : undefined);
}

function removeFolder(ctx: CommandContext, arg?: unknown, all?: unknown): void {
  const roots = elementsFrom(ctx, arg, all).filter((element) => element.kind === 'root');
  if (roots.length === 0) return;
  for (const root of roots) ctx.model.removeRoot(root.path);
  ctx.controller.persist();
  ctx.tree.refresh();
}
