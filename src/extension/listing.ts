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

  /**
   * Lists a shown root again after its folder changed (the watcher): files that appeared or were written since
   * are looked up in the cache and shown new when it has nothing for them, files that are gone leave the view;
   * the others keep what they show. Resolves with the paths that are new to the view now.
   */
  async update(root: RootEntry): Promise<string[]> {
    if (!root.loaded) return [];
    const { files, problems } = await this.scan(root);
    const fresh = files.filter((file) => {
      const known = root.entries.get(file.path);
      return !known || (known.mtimeMs !== undefined && known.mtimeMs !== file.mtimeMs);
    });
    const listed = new Set([...files, ...problems].map((file) => file.path));
    const left = [...root.entries.keys()].some((path) => !listed.has(path));
    const unseenProblem = problems.some((problem) => !root.entries.has(problem.path));
    // Nothing the view shows changed (the event was for a file it does not show, such as a summary log): no
    // refresh, which would make VS Code drop the folder's rows and close a hover open on one of them.
    if (fresh.length === 0 && !left && !unseenProblem) return [];
    const records = await this.lookup(fresh);
    for (const problem of problems) records.set(problem.path, errorRecord(problem, problem.error));
    this.model.setListing(root, [...files, ...problems], records, new Set(fresh.map((file) => file.path)));
    this.tree.refresh([root]);
    return fresh.filter((file) => root.entries.get(file.path)?.state === 'new').map((file) => file.path);
  }

  private async list(root: RootEntry): Promise<void> {
    const { files, problems } = await this.scan(root);
    const records = await this.lookup(files);
    for (const problem of problems) records.set(problem.path, errorRecord(problem, problem.error));
    if (root.loaded) return; // a run listed it meanwhile
    this.model.setListing(root, [...files, ...problems], records);
  }

  private async scan(root: RootEntry): Promise<{ files: ScannedFile[]; problems: ScanResult['problems'] }> {
    if (root.files) {
      const found = await Promise.allSettled(root.files.map((file) => scannedFile(file)));
      return { files: found.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])), problems: [] };
    }
    const { settings } = this.config.read();
    return scanFolder(root.path, { recursive: root.recursive, accept: globFilter(settings.include, settings.exclude) });
  }

  private lookup(files: ScannedFile[]): Promise<Map<string, FileRecord | undefined>> {
    const { settings, paths } = this.config.read();
    return lookupRecords(files, { ...lookupOptions(settings, paths), onWarning: (message) => this.log.warn(message) });
  }
}
