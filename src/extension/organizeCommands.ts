/**
 * Organize Folder… and Undo Organize: the plan for a folder of the view from what the view knows (titles, tags,
 * dates), a preview to edit — every change checked, uncheck what to leave, a button to change a name —, then the
 * journaled apply of src/core/organize (in the extension's cache folder) with Undo Organize in its notification
 * and in the palette. The folder is listed again after either.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import { lowerCaseNamesIn } from '../core/organize/folderNames';
import { applyPlan, undoLastApply } from '../core/organize/apply';
import { makeOrganizePlan, type OrganizeFile, type OrganizeOptions, type OrganizePlan, type PlanStep } from '../core/organize/plan';
import { cachedVectorLookup, topicFolders } from '../core/organize/topicFolders';
import { openCacheForUse } from '../core/openCache';
import { keptExtension, safeFileName } from '../core/organize/safeName';
import { problemOf } from '../core/problems';
import type { ExtensionConfig } from './config';
import type { RootEntry } from './logic/model';
import { inertNotificationText, inertQuickPickText } from './logic/inertText';
import { extensionWording } from './logic/wording';

export interface OrganizeContext {
  config: ExtensionConfig;
  log: vscode.LogOutputChannel;
  /** Lists the folders of the view again (after files moved). */
  refresh: () => Promise<void>;
  /** Whether the LLM host may be sent the files' titles (it is on this machine, or the user agreed to it). */
  mayAskModel: (host: string) => boolean;
}

const UNDO = 'Undo Organize';

const WAYS: Array<vscode.QuickPickItem & { options: OrganizeOptions }> = [
  { label: 'Rename by Date and Title', detail: '"Screenshot 2025-05-02 at 11.03.19.png" → "2025-05-02 Flight LH123 boarding pass.png"', options: { rename: true, duplicates: false } },
  { label: 'Rename, and File into Month Folders', detail: '… → 2025-05/2025-05-02 Flight LH123 boarding pass.png', options: { rename: true, by: 'month', duplicates: false } },
  { label: 'File into Month Folders', detail: 'Each file into 2025-05/, 2025-06/, … by its date; names stay', options: { rename: false, by: 'month', duplicates: false } },
  { label: 'File into Folders by Kind', detail: 'Images/, Videos/, Audio/; names stay', options: { rename: false, by: 'kind', duplicates: false } },
  { label: 'File into Folders by Topic', detail: 'Files about one thing together, each folder named by the summary model (Travel/, Tax Documents/, …); names stay', options: { rename: false, by: 'topic', duplicates: false } },
  { label: 'Move Copies to the Trash', detail: 'Files with the same content as an older one; the oldest stays, Undo Organize brings them back', options: { rename: false, duplicates: true } },
];

/** VS Code's own route to the bin, used where core has no freedesktop trash (macOS, Windows). */
const systemTrash = async (file: string) => vscode.workspace.fs.delete(vscode.Uri.file(file), { useTrash: true });

type StepItem = vscode.QuickPickItem & { step: PlanStep };

const RENAME_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('edit'), tooltip: 'Change Name' };

export async function organizeFolder(ctx: OrganizeContext, root: RootEntry): Promise<void> {
  const way = await vscode.window.showQuickPick(WAYS, { title: `Organize ${path.basename(root.path)}`, placeHolder: 'How to organize its summarized files (a preview comes first)', matchOnDetail: true });
  if (!way) return;
  const files = [...root.entries.values()].map((entry) => ({ path: entry.path, kind: entry.mediaKind, mtimeMs: entry.mtimeMs ?? Date.now(), record: entry.record }));
  const topics = way.options.by === 'topic' ? await topicFoldersOf(ctx, files) : undefined;
  const plan = makeOrganizePlan(root.path, files, { ...way.options, topicFolders: topics }, lowerCaseNamesIn);
  if (plan.steps.length === 0) {
    const why = plan.skipped.length ? ` (${plan.skipped.length} left alone: ${[...new Set(plan.skipped.map((skip) => skip.reason))].join('; ')})` : '';
    void vscode.window.showInformationMessage(inertNotificationText(`Nothing to organize in ${path.basename(root.path)}${why}.`));
    return;
  }
  const chosen = await preview(plan, root.path);
  if (!chosen || chosen.length === 0) return;
  const { paths } = ctx.config.read();
  try {
    const outcome = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Organizing ${path.basename(root.path)}` }, () =>
      applyPlan({ ...plan, steps: chosen }, paths.cacheDir, { systemTrash }),
    );
    ctx.log.info(`Organized ${root.path}: ${outcome.moved} files renamed or moved${outcome.missing.length ? `, ${outcome.missing.length} gone or taken` : ''}.`);
    await ctx.refresh();
    const choice = await vscode.window.showInformationMessage(inertNotificationText(`Organized ${path.basename(root.path)}: ${outcome.moved} ${outcome.moved === 1 ? 'file' : 'files'} ${chosen.every((step) => step.action === 'trash') ? 'put in the trash' : 'renamed or moved'}.`), UNDO);
    if (choice === UNDO) await undoOrganize(ctx);
  } catch (error) {
    const message = extensionWording(problemOf(error));
    ctx.log.error(`Organize failed: ${message}`);
    void vscode.window.showErrorMessage(inertNotificationText(`Media Summarizer: ${message}`));
  }
}

/**
 * Topic folders: the files grouped by tags and the vectors search made, each group named by the summary model
 * (remembered in the cache, so a second look proposes the same names). Without the model, folders go by tags.
 */
async function topicFoldersOf(ctx: OrganizeContext, files: readonly OrganizeFile[]): Promise<ReadonlyMap<string, string>> {
  const { settings, paths } = ctx.config.read();
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Naming topic folders…' }, async () => {
    const { cache } = await openCacheForUse(paths.cacheDir, { onWarning: (message) => ctx.log.warn(message) });
    try {
      const asking = ctx.mayAskModel(settings.ollamaHost);
      const namer = asking ? { api: settings.llmApi, host: settings.ollamaHost, model: settings.model, contextTokens: settings.contextTokens, timeoutMs: settings.requestTimeoutSeconds * 1000, cache } : undefined;
      const vectors = asking && settings.llmApi === 'ollama' ? await cachedVectorLookup(cache, settings.ollamaHost, settings.embedModel) : undefined;
      const { folders, problem } = await topicFolders(files, namer, vectors);
      if (problem) ctx.log.warn(`Topic folders are named by their tags: ${extensionWording(problem)}`);
      return folders;
    } finally {
      await cache.close();
    }
  });
}

/**
 * The plan's changes, all checked: unchecked ones are left out, the pencil changes a target's name. Resolves with
 * the steps to apply, or undefined when dismissed.
 */
function preview(plan: OrganizePlan, folder: string): Promise<PlanStep[] | undefined> {
  const pick = vscode.window.createQuickPick<StepItem>();
  pick.title = `Organize ${path.basename(folder)}: ${plan.steps.length} ${plan.steps.length === 1 ? 'change' : 'changes'}${plan.skipped.length ? `, ${plan.skipped.length} left alone` : ''}`;
  pick.placeholder = 'Uncheck what to leave as it is, then press Enter to apply';
  pick.canSelectMany = true;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  const item = (step: PlanStep): StepItem => ({
    label: step.to ? inertQuickPickText(path.relative(folder, step.to)) : `$(trash) ${inertQuickPickText(path.relative(folder, step.from))}`,
    description: step.to ? `← ${inertQuickPickText(path.relative(folder, step.from))}` : 'to the trash',
    detail: inertQuickPickText(step.reason),
    buttons: step.to ? [RENAME_BUTTON] : [],
    step,
  });
  pick.items = plan.steps.map(item);
  pick.selectedItems = pick.items;
  return new Promise((resolve) => {
    let accepted = false;
    pick.onDidTriggerItemButton(async ({ item: changed }) => {
      const renamed = await changeName(changed.step, plan, folder);
      if (!renamed) return;
      const selected = new Set(pick.selectedItems.map((candidate) => candidate.step));
      pick.items = pick.items.map((candidate) => (candidate === changed ? item(renamed) : candidate));
      pick.selectedItems = pick.items.filter((candidate) => selected.has(candidate.step) || candidate.step === renamed);
      pick.show();
    });
    pick.onDidAccept(() => {
      accepted = true;
      resolve(pick.selectedItems.map((selected) => selected.step));
      pick.hide();
    });
    pick.onDidHide(() => {
      if (!accepted) resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
}

/** Asks for a step's new name; the answer is made safe, keeps the extension and may not clash. */
async function changeName(step: PlanStep, plan: OrganizePlan, folder: string): Promise<PlanStep | undefined> {
  if (!step.to) return undefined;
  const extension = keptExtension(step.to);
  const current = path.basename(step.to, extension);
  const others = new Set(plan.steps.filter((candidate) => candidate !== step && candidate.to).map((candidate) => candidate.to!.toLowerCase()));
  const target = (value: string) => path.join(path.dirname(step.to!), safeFileName(value, extension, current));
  const value = await vscode.window.showInputBox({
    title: `New name for ${path.relative(folder, step.from)}`,
    value: current,
    prompt: `The extension (${extension || 'none'}) stays; characters no file system allows are left out`,
    validateInput: (text) => {
      const to = target(text);
      if (others.has(to.toLowerCase())) return 'Another change already takes this name';
      if (lowerCaseNamesIn(path.dirname(to)).has(path.basename(to).toLowerCase()) && to !== step.from) return 'A file of this name exists';
      return undefined;
    },
  });
  if (value === undefined) return undefined;
  const to = target(value);
  const changed: PlanStep = { ...step, to, action: path.dirname(to) === path.dirname(step.from) ? 'rename' : 'move', reason: 'named by you' };
  plan.steps[plan.steps.indexOf(step)] = changed;
  return changed;
}

export async function undoOrganize(ctx: OrganizeContext): Promise<void> {
  const { paths } = ctx.config.read();
  try {
    const outcome = await undoLastApply(paths.cacheDir);
    if (!outcome) {
      void vscode.window.showInformationMessage('Nothing to undo: no folder was organized here.');
      return;
    }
    ctx.log.info(`Undid the organize of ${outcome.folder}: ${outcome.restored} files put back.`);
    for (const problem of outcome.problems) ctx.log.warn(`Not put back: ${problem.path} (${problem.reason})`);
    for (const file of outcome.inSystemTrash) ctx.log.info(`In the system's trash, to put back from there: ${file}`);
    const inTrash = outcome.inSystemTrash.length ? ` ${outcome.inSystemTrash.length} copies are in the Trash: put them back from there.` : '';
    await ctx.refresh();
    if (outcome.problems.length === 0) void vscode.window.showInformationMessage(inertNotificationText(`Put back ${outcome.restored} ${outcome.restored === 1 ? 'file' : 'files'} in ${path.basename(outcome.folder)}.${inTrash}`));
    else void vscode.window.showWarningMessage(inertNotificationText(`Put back ${outcome.restored} files; ${outcome.problems.length} could not be (see the output). Undo Organize again once that is fixed.`), 'Show Output').then((choice) => choice && ctx.log.show(true));
  } catch (error) {
    void vscode.window.showErrorMessage(inertNotificationText(`Media Summarizer: ${extensionWording(problemOf(error))}`));
  }
}
