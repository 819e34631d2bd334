/**
 * The "Media Summaries" tree: roots are summarized folders, children their media files. Rendering only — the
 * state lives in SummaryModel, the text in logic/presentation.ts and logic/tooltip.ts. Hovers are built lazily in
 * resolveTreeItem as markdown without HTML or theme icons whose links may run only the file's own actions.
 */
import * as vscode from 'vscode';
import { groupEntries, groupOf, type GroupBy, type GroupNode, type ViewNode } from './logic/grouping';
import type { FileEntry, RootEntry, SummaryModel, TreeElement } from './logic/model';
import { ModelSearch } from './logic/modelSearch';
import { entryItem, rootItem, sortEntries, viewBadge, type IconSpec, type LabelBy, type SortBy } from './logic/presentation';
import { buildTooltip, HOVER_COMMANDS } from './logic/tooltip';

/** How rows are labelled and ordered (the view.* settings, read when the tree draws). */
export interface ViewOptions {
  labelBy: LabelBy;
  sortBy: SortBy;
  groupBy: GroupBy;
}

/** Coalesces change events: progress events can arrive many times a second. */
const REFRESH_DELAY_MS = 80;

export class SummaryTree implements vscode.TreeDataProvider<ViewNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ViewNode | ViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private filterText = '';
  /** The files the filter matched when the folders were last listed (recomputed each time: runs add records). */
  private matches = new Set<string>();
  private readonly pending = new Set<TreeElement>();
  private refreshAll = false;
  private timer: NodeJS.Timeout | undefined;
  /** Roots expanded by a run in this session open expanded; others wait for the user. */
  private readonly expanded = new Set<string>();
  /**
   * getChildren calls still waiting for a folder to be listed. A change event while VS Code waits for children makes
   * it drop them (seen in code-server after a restart: the folder restored expanded, "2/2 summarized" and empty), so
   * events wait until every such call has returned.
   */
  private fetches = 0;

  /** The search index of what the view lists: its filter, Search Media… and the API's search use it. */
  readonly search: ModelSearch;

  constructor(
    private readonly model: SummaryModel,
    private readonly loader: { loadRoot(root: RootEntry): Promise<void>; isLoading(root: RootEntry): boolean },
    private readonly options: () => ViewOptions,
  ) {
    this.search = new ModelSearch(model);
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    this.refresh();
  }

  markExpanded(root: RootEntry): void {
    this.expanded.add(root.path);
  }

  /** Schedules a refresh of some elements, or of everything. */
  refresh(elements?: Iterable<TreeElement>): void {
    if (elements === undefined) this.refreshAll = true;
    else for (const element of elements) this.pending.add(element);
    this.timer ??= setTimeout(() => this.flush(), REFRESH_DELAY_MS);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.fetches > 0) return; // getChildren schedules the flush again when it returns
    if (this.refreshAll) this.emitter.fire(undefined);
    else if (this.pending.size > 0) {
      const elements = new Set<TreeElement>();
      for (const element of this.pending) {
        elements.add(element);
        // A file's change can change its folder's counts too.
        if (element.kind === 'file') {
          const root = this.model.root(element.root);
          if (root) elements.add(root);
        }
      }
      this.emitter.fire([...elements]);
    }
    this.refreshAll = false;
    this.pending.clear();
    this.onCounts?.(viewBadge(this.model.roots));
  }

  /** Told after each change what the view's badge should say (new, failed and pending files). */
  onCounts?: (badge: { value: number; tooltip: string } | undefined) => void;

  getTreeItem(element: ViewNode): vscode.TreeItem {
    if (element.kind === 'group') return this.groupTreeItem(element);
    return element.kind === 'root' ? this.rootTreeItem(element) : this.fileTreeItem(element);
  }

  private groupTreeItem(group: GroupNode): vscode.TreeItem {
    const item = new vscode.TreeItem(group.label, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `group\n${group.root}\n${group.key}`;
    item.description = String(group.count);
    item.iconPath = new vscode.ThemeIcon(GROUP_ICONS[group.key] ?? 'tag');
    item.contextValue = 'group';
    item.accessibilityInformation = { label: `${group.label}, ${group.count === 1 ? '1 file' : `${group.count} files`}` };
    return item;
  }

  private rootTreeItem(root: RootEntry): vscode.TreeItem {
    const spec = rootItem(root, this.loader.isLoading(root));
    const state = this.expanded.has(root.path) || this.filterText ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed;
    const item = new vscode.TreeItem(spec.label, state);
    item.id = `root\n${root.path}`;
    const matches = this.filterText ? matchCount(this.countMatches(root)) : undefined;
    item.description = matches ? `${spec.description} · ${matches}` : spec.description;
    item.iconPath = themeIcon(spec.icon);
    item.contextValue = spec.contextValue;
    item.tooltip = root.path;
    item.accessibilityInformation = { label: matches ? `${spec.accessibilityLabel}, ${matches}` : spec.accessibilityLabel };
    return item;
  }

  private fileTreeItem(entry: FileEntry): vscode.TreeItem {
    const spec = entryItem(entry, this.options().labelBy);
    const item = new vscode.TreeItem(spec.label, vscode.TreeItemCollapsibleState.None);
    item.id = `file\n${entry.root}\n${entry.path}`;
    item.description = spec.description;
    item.iconPath = themeIcon(spec.icon);
    item.contextValue = spec.contextValue;
    item.accessibilityInformation = { label: spec.accessibilityLabel };
    // Opens the file itself: VS Code's image preview for images, its media preview for video and audio.
    item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(entry.path)] };
    return item;
  }

  async getChildren(element?: ViewNode): Promise<ViewNode[]> {
    if (element?.kind === 'file') return [];
    if (element?.kind === 'group') return this.groupChildren(element);
    this.fetches++;
    try {
      if (!element) {
        // Folders restored after a restart are listed (from the cache) before they are shown: VS Code asks for
        // their items right after this returns, so their counts are already right and no refresh of a folder
        // follows — a refresh makes VS Code drop its files and ask again, and a hover in between finds nothing.
        const roots = this.model.roots;
        await Promise.all(roots.map((root) => this.loader.loadRoot(root)));
        for (const root of roots) this.pending.delete(root);
        if (!this.filterText) return roots;
        // With a filter, only folders with a match; the search index is the one Search Media… uses.
        this.matches = await this.search.filterMatches(this.filterText);
        const shown = roots.filter((root) => this.countMatches(root) > 0);
        this.onFiltered?.(shown.length > 0);
        return shown;
      }
      await this.loader.loadRoot(element);
      const { sortBy, groupBy } = this.options();
      let entries = sortEntries([...element.entries.values()], sortBy);
      if (this.filterText) {
        this.matches = await this.search.filterMatches(this.filterText); // records may have come in since the folders were listed
        entries = entries.filter((entry) => this.matches.has(entry.path));
      }
      if (groupBy === 'none') return entries;
      return groupEntries(element.path, entries, groupBy).map(({ entries: _files, ...group }) => group);
    } finally {
      this.fetches--;
      if (this.fetches === 0 && (this.refreshAll || this.pending.size > 0)) this.timer ??= setTimeout(() => this.flush(), REFRESH_DELAY_MS);
    }
  }

  /** Told after each filtered listing whether anything matched (the view's "No matches" welcome). */
  onFiltered?: (anything: boolean) => void;

  private countMatches(root: RootEntry): number {
    let count = 0;
    for (const entry of root.entries.values()) if (this.matches.has(entry.path)) count++;
    return count;
  }

  /** A group's files: the folder's, in the view's order, that are in this group and match the filter. */
  private groupChildren(group: GroupNode): FileEntry[] {
    const root = this.model.root(group.root);
    const { sortBy, groupBy } = this.options();
    if (!root || groupBy === 'none') return [];
    const entries = sortEntries([...root.entries.values()], sortBy).filter((entry) => !this.filterText || this.matches.has(entry.path));
    return groupEntries(root.path, entries, groupBy).find((candidate) => candidate.key === group.key)?.entries ?? [];
  }

  getParent(element: ViewNode): ViewNode | undefined {
    if (element.kind === 'root') return undefined;
    const root = this.model.root(element.root);
    if (element.kind === 'group' || !root) return root;
    const { groupBy } = this.options();
    if (groupBy === 'none') return root;
    const { key, label } = groupOf(element, groupBy);
    return { kind: 'group', root: root.path, key, label, count: 0 };
  }

  resolveTreeItem(item: vscode.TreeItem, element: ViewNode): vscode.TreeItem {
    if (element.kind !== 'file') return item;
    const markdown = new vscode.MarkdownString(buildTooltip(element), false);
    // Links may run the file's own actions only; the untrusted text in the hover is escaped and links nothing.
    markdown.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
    markdown.supportHtml = false;
    markdown.supportThemeIcons = false;
    item.tooltip = markdown;
    return item;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.emitter.dispose();
  }
}

/** Kind groups show their kind's icon; tag groups a tag. */
const GROUP_ICONS: Record<string, string> = { 'kind:image': 'file-media', 'kind:video': 'device-camera-video', 'kind:audio': 'mic', 'tag:': 'circle-large-outline' };

function matchCount(count: number): string {
  return count === 1 ? '1 match' : `${count} matches`;
}

function themeIcon(icon: IconSpec): vscode.ThemeIcon {
  return new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
}
