/**
 * Showing folders from the cache, without processing anything: a root's files (its scan, or the files chosen)
 * with what the cache knows about each, listed when the root is first shown; and one file's record for "Show
 * Full Text" after a restart. No worker, no Ollama request.
 */
import type * as vscode from 'vscode';
import { lookupRecords, scannedFile } from '../core/lookup';
import { errorRecord, type FileRecord } from '../core/records';
import { scanFolder, type ScannedFile, type ScanResult } from '../core/scan';
import type { ExtensionConfig } from './config';
import { globFilter } from './logic/globs';
import type { RootEntry, SummaryModel } from './logic/model';
import { lookupOptions } from './logic/settings';
import type { SummaryTree } from './treeView';

export class Listing {
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly config: ExtensionConfig,
    private readonly model: SummaryModel,
    private readonly tree: SummaryTree,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  isLoading(root: RootEntry): boolean {
    return this.loading.has(root.path);
  }

  /** Lists a root when it is first shown (once; a run that lists it meanwhile wins). */
  loadRoot(root: RootEntry): Promise<void> {
    if (root.loaded) return Promise.resolve();
    const existing = this.loading.get(root.path);
    if (existing) return existing;
    const job = this.list(root)
      .catch((error: Error) => {
        root.problem = error.message;
        root.loaded = true;
        root.entries = new Map();
        this.log.warn(`Cannot list ${root.path}: ${error.message}`);
      })
      .finally(() => {
        this.loading.delete(root.path);
        this.tree.refresh([root]);
      });
    this.loading.set(root.path, job);
    this.tree.refresh([root]);
    return job;
  }

  /** The record of one file from memory, else from the cache. */
  async recordFor(file: string): Promise<FileRecord | undefined> {
    const known = this.model.recordFor(file);
    if (known) return known;
    const current = this.config.read();
    try {
      const records = await lookupRecords([await scannedFile(file)], lookupOptions(current.settings, current.paths));
      return records.get(file);
    } catch {
      return undefined;
    }
  }

  private async list(root: RootEntry): Promise<void> {
    const { settings, paths } = this.config.read();
    let files: ScannedFile[];
    let problems: ScanResult['problems'] = [];
    if (root.files) {
      const found = await Promise.allSettled(root.files.map((file) => scannedFile(file)));
      files = found.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    } else {
      const scan = await scanFolder(root.path, { recursive: root.recursive, accept: globFilter(settings.include, settings.exclude) });
      files = scan.files;
      problems = scan.problems;
    }
    const records = await lookupRecords(files, { ...lookupOptions(settings, paths), onWarning: (message) => this.log.warn(message) });
    for (const problem of problems) records.set(problem.path, errorRecord(problem, problem.error));
    if (root.loaded) return; // a run listed it meanwhile
    this.model.setListing(root, [...files, ...problems], records);
  }
}
