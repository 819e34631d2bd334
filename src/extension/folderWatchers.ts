/**
 * Live folders: a file system watcher on every folder the view shows, so media that land there appear at once
 * (new, or summarized when the cache already knows their content), files written again are looked at again and
 * deleted ones leave the view. With the autoSummarize setting, new files are summarized seconds after they land.
 * VS Code's watcher takes folders outside the workspace when given a RelativePattern on their URI.
 */
import * as vscode from 'vscode';
import type { Listing } from './listing';
import type { RootEntry, SummaryModel } from './logic/model';

/**
 * How long a folder must be quiet before it is listed again: a screenshot is written in several steps, a copy
 * of many files fires an event for each, and a half-written PNG must not be read.
 */
export const SETTLE_MS = 1000;

interface Watched {
  watcher: vscode.FileSystemWatcher;
  recursive: boolean;
  timer?: NodeJS.Timeout;
}

export class FolderWatchers implements vscode.Disposable {
  private readonly watched = new Map<string, Watched>();

  constructor(
    private readonly model: SummaryModel,
    private readonly listing: Listing,
    private readonly log: vscode.LogOutputChannel,
    /** Called with files new to the view after a change (the caller decides whether to summarize them). */
    private readonly onNewFiles: (files: string[]) => void,
  ) {}

  /** Watches every whole folder in the view, and stops watching folders that left it. */
  sync(): void {
    const roots = new Map(this.model.roots.filter((root) => !root.files).map((root) => [root.path, root]));
    for (const [folder, watched] of this.watched) {
      if (roots.get(folder)?.recursive === watched.recursive) continue;
      this.stop(folder, watched);
    }
    for (const root of roots.values()) if (!this.watched.has(root.path)) this.watch(root);
  }

  dispose(): void {
    for (const [folder, watched] of this.watched) this.stop(folder, watched);
  }

  private watch(root: RootEntry): void {
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root.path), root.recursive ? '**/*' : '*'));
    const watched: Watched = { watcher, recursive: root.recursive };
    const changed = () => {
      if (watched.timer) clearTimeout(watched.timer);
      watched.timer = setTimeout(() => void this.update(root.path), SETTLE_MS);
    };
    watcher.onDidCreate(changed);
    watcher.onDidChange(changed);
    watcher.onDidDelete(changed);
    this.watched.set(root.path, watched);
  }

  private stop(folder: string, watched: Watched): void {
    if (watched.timer) clearTimeout(watched.timer);
    watched.watcher.dispose();
    this.watched.delete(folder);
  }

  private async update(folder: string): Promise<void> {
    const root = this.model.root(folder);
    if (!root) return;
    try {
      const fresh = await this.listing.update(root);
      if (fresh.length > 0) this.onNewFiles(fresh);
    } catch (error) {
      this.log.warn(`Cannot list ${folder} again after it changed: ${(error as Error).message}`);
    }
  }
}
