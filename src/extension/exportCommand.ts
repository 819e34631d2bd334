/**
 * "Export Summaries…": a folder of the view (its context menu) or every folder (the palette, the view's menu)
 * written as Markdown, CSV or JSON where the user picks, with the same columns as the CLI's --format.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as vscode from 'vscode';
import { exportRecords, type ExportFormat } from '../core/exportRecords';
import type { FileRecord } from '../core/records';
import { inertNotificationText } from './logic/inertText';
import type { RootEntry, SummaryModel } from './logic/model';

const FORMATS: Array<vscode.QuickPickItem & { format: ExportFormat; filter: string }> = [
  { label: 'Markdown', description: '.md', detail: 'A document to read, share or paste into notes', format: 'md', filter: 'Markdown' },
  { label: 'CSV', description: '.csv', detail: 'A spreadsheet: one row per file', format: 'csv', filter: 'CSV' },
  { label: 'JSON', description: '.json', detail: 'For scripts and other tools', format: 'json', filter: 'JSON' },
];

/** Exports the summaries of `chosen` folders (the view's selection), or of every folder. */
export async function exportSummaries(model: SummaryModel, chosen?: readonly RootEntry[]): Promise<void> {
  const roots = chosen ?? model.roots;
  const root = roots.length === 1 ? roots[0] : undefined;
  const records = recordsOf(roots);
  if (records.length === 0) {
    void vscode.window.showInformationMessage('Nothing to export yet: summarize a folder first.');
    return;
  }
  const picked = await vscode.window.showQuickPick(FORMATS, { title: `Export ${records.length} ${records.length === 1 ? 'summary' : 'summaries'}`, placeHolder: 'Format' });
  if (!picked) return;
  const folder = root?.path;
  const base = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();
  const target = await vscode.window.showSaveDialog({
    title: 'Export Summaries',
    defaultUri: vscode.Uri.file(path.join(base, `media-summaries.${picked.format}`)),
    filters: { [picked.filter]: [picked.format] },
  });
  if (!target) return;
  await writeFile(target.fsPath, exportRecords(records, picked.format, folder), { mode: 0o600 });
  const open = 'Open';
  const choice = await vscode.window.showInformationMessage(inertNotificationText(`Exported ${records.length} ${records.length === 1 ? 'summary' : 'summaries'} to ${target.fsPath}.`), open);
  if (choice === open) await vscode.commands.executeCommand('vscode.open', target);
}

/** Every file with a record once (a file under two folders is exported once). */
function recordsOf(roots: readonly RootEntry[]): FileRecord[] {
  const byPath = new Map<string, FileRecord>();
  for (const root of roots) for (const entry of root.entries.values()) if (entry.record) byPath.set(entry.path, entry.record);
  return [...byPath.values()];
}
