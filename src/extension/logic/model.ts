/**
 * The state behind the "Media Summaries" tree: the summarized folders (roots) and, per root, its media files with
 * what is known about each (queued, running, done, from cache, failed, summary pending). Run events from the
 * engine move files between states. No `vscode` import: the tree view only renders this model.
 */
import path from 'node:path';
import type { RunEvent } from '../../core/engine';
import { mediaKindOf, type MediaKind } from '../../core/mediaTypes';
import type { Stage } from '../../core/job';
import type { FileRecord } from '../../core/records';
import type { EntryState } from './ids';

export interface FileEntry {
  readonly kind: 'file';
  readonly path: string;
  /** The root this entry is shown under (a file inside two summarized folders has two entries). */
  readonly root: string;
  readonly mediaKind: MediaKind;
  state: EntryState;
  /** The latest record: kept while the file is re-processed, so its summary stays visible. */
  record?: FileRecord;
  stage?: Stage;
  percent?: number;
  /** The file's modification time when it was listed (its date when it has no EXIF date). */
  mtimeMs?: number;
}

export interface RootEntry {
  readonly kind: 'root';
  readonly path: string;
  recursive: boolean;
  /** Only these files were summarized ("Summarize File"); undefined for the whole folder. */
  files?: string[];
  /** True once the listing was read (scan plus cache lookup, or a run). */
  loaded: boolean;
  entries: Map<string, FileEntry>;
  /** The summary log written by the latest folder run. */
  lastLog?: string;
  /** Why the folder could not be listed (removed, unreadable). */
  problem?: string;
}

/** What survives a restart (globalState): only folders and file lists, never summaries or media content. */
export interface PersistedRoot {
  path: string;
  recursive: boolean;
  files?: string[];
  lastLog?: string;
}

export type TreeElement = RootEntry | FileEntry;

/** The state a finished record puts its file in. */
export function stateOfRecord(record: FileRecord): EntryState {
  if (record.status === 'ok') return record.cached ? 'cached' : 'done';
  return record.status === 'pending' ? 'pending' : 'failed';
}

export interface ListedFile {
  path: string;
  kind: MediaKind;
  mtimeMs?: number;
}

export class SummaryModel {
  private readonly rootMap = new Map<string, RootEntry>();

  constructor(persisted: unknown = []) {
    for (const item of Array.isArray(persisted) ? persisted : []) {
      const root = parsePersisted(item);
      if (root && !this.rootMap.has(root.path)) {
        this.rootMap.set(root.path, { kind: 'root', path: root.path, recursive: root.recursive, files: root.files, lastLog: root.lastLog, loaded: false, entries: new Map() });
      }
    }
  }

  get roots(): RootEntry[] {
    return [...this.rootMap.values()];
  }

  get isEmpty(): boolean {
    return this.rootMap.size === 0;
  }

  root(folder: string): RootEntry | undefined {
    return this.rootMap.get(folder);
  }

  /**
   * Adds a summarized folder (or updates it). Without `files` the whole folder is shown from now on; with
   * `files` only those are, unless the whole folder was summarized before.
   */
  addRoot(folder: string, options: { recursive?: boolean; files?: string[] } = {}): RootEntry {
    const existing = this.rootMap.get(folder);
    if (existing) {
      if (options.recursive !== undefined && options.files === undefined) existing.recursive = options.recursive;
      if (options.files === undefined) {
        if (existing.files) existing.loaded = false; // now the whole folder: list it again
        existing.files = undefined;
      } else if (existing.files) {
        existing.files = [...new Set([...existing.files, ...options.files])].sort();
      }
      if (options.files) this.ensureEntries(existing, options.files);
      return existing;
    }
    const root: RootEntry = {
      kind: 'root',
      path: folder,
      recursive: options.recursive ?? false,
      files: options.files ? [...new Set(options.files)].sort() : undefined,
      loaded: false,
      entries: new Map(),
    };
    this.rootMap.set(folder, root);
    if (options.files) {
      this.ensureEntries(root, options.files);
      root.loaded = true;
    }
    return root;
  }

  removeRoot(folder: string): boolean {
    return this.rootMap.delete(folder);
  }

  /**
   * Replaces a root's listing with what a scan found. Entries already known keep their state and record (a run
   * may be filling them in), unless `changed` names them (modified since); files that are gone are dropped.
   * `records` are cache look-ups for new and changed entries.
   */
  setListing(root: RootEntry, files: ListedFile[], records: ReadonlyMap<string, FileRecord | undefined> = new Map(), changed: ReadonlySet<string> = new Set()): void {
    const next = new Map<string, FileEntry>();
    for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
      const known = root.entries.get(file.path);
      if (known && changed.has(file.path) && known.state !== 'queued' && known.state !== 'running') {
        // Written again since it was listed: what the cache knows of the new content, else new.
        known.record = records.get(file.path);
        known.state = known.record ? stateOfRecord(known.record) : 'new';
        known.mtimeMs = file.mtimeMs;
        next.set(file.path, known);
        continue;
      }
      if (known && known.state !== 'new') {
        known.mtimeMs = file.mtimeMs ?? known.mtimeMs;
        next.set(file.path, known);
        continue;
      }
      const entry = known ?? newEntry(root.path, file.path, file.kind);
      entry.mtimeMs = file.mtimeMs;
      const record = records.get(file.path);
      if (record) {
        entry.record = record;
        entry.state = stateOfRecord(record);
      }
      next.set(file.path, entry);
    }
    root.entries = next;
    root.loaded = true;
    root.problem = undefined;
  }

  /** Every entry for a path, across roots. */
  entriesFor(file: string): FileEntry[] {
    const found: FileEntry[] = [];
    for (const root of this.rootMap.values()) {
      const entry = root.entries.get(file);
      if (entry) found.push(entry);
    }
    return found;
  }

  /** The latest record known for a path. */
  recordFor(file: string): FileRecord | undefined {
    return this.entriesFor(file).find((entry) => entry.record)?.record;
  }

  /** Marks files as waiting for a run. */
  markQueued(files: Iterable<string>): FileEntry[] {
    const changed: FileEntry[] = [];
    for (const file of files) {
      for (const entry of this.entriesFor(file)) {
        entry.state = 'queued';
        entry.stage = undefined;
        entry.percent = undefined;
        changed.push(entry);
      }
    }
    return changed;
  }

  /** Applies one engine event; returns the entries whose display changed. */
  apply(event: RunEvent): FileEntry[] {
    switch (event.type) {
      case 'queued':
        return this.update(event.path, (entry) => {
          entry.state = 'queued';
        });
      case 'started':
        return this.update(event.path, (entry) => {
          entry.state = 'running';
          entry.stage = undefined;
          entry.percent = undefined;
        });
      case 'stage':
        return this.update(event.path, (entry) => {
          entry.state = 'running';
          entry.stage = event.stage;
          entry.percent = undefined;
        });
      case 'progress':
        return this.update(event.path, (entry) => {
          entry.state = 'running';
          entry.stage = event.stage;
          entry.percent = Math.max(0, Math.min(100, Math.round(event.percent)));
        });
      case 'done':
        return this.update(event.record.path, (entry) => {
          // Summarized in this window a minute ago and now answered from the cache: still "summarized" to the user.
          const before = entry.record;
          const summarizedHere = before?.status === 'ok' && !before.cached && before.sha256 !== undefined && before.sha256 === event.record.sha256;
          entry.record = event.record;
          entry.state = summarizedHere && event.record.status === 'ok' ? 'done' : stateOfRecord(event.record);
          entry.stage = undefined;
          entry.percent = undefined;
        });
      default:
        return [];
    }
  }

  /**
   * After a run (finished or cancelled): files it left queued or running go back to what their record says,
   * or to "not summarized".
   */
  settle(files: Iterable<string>): FileEntry[] {
    const changed: FileEntry[] = [];
    for (const file of files) {
      for (const entry of this.entriesFor(file)) {
        if (entry.state !== 'queued' && entry.state !== 'running') continue;
        entry.state = entry.record ? stateOfRecord(entry.record) : 'new';
        entry.stage = undefined;
        entry.percent = undefined;
        changed.push(entry);
      }
    }
    return changed;
  }

  /** Files that failed or whose summary is pending, once each (for "Retry Failed"). */
  retryable(): string[] {
    const paths = new Set<string>();
    for (const root of this.rootMap.values()) {
      for (const entry of root.entries.values()) if (entry.state === 'failed' || entry.state === 'pending') paths.add(entry.path);
    }
    return [...paths];
  }

  /** Forgets every listing (after the cache was cleared or settings changed): roots are listed again when shown. */
  invalidate(): void {
    for (const root of this.rootMap.values()) {
      const busy = [...root.entries.values()].some((entry) => entry.state === 'queued' || entry.state === 'running');
      if (busy) continue;
      root.loaded = false;
      root.entries = new Map();
    }
  }

  persist(): PersistedRoot[] {
    return this.roots.map((root) => ({
      path: root.path,
      recursive: root.recursive,
      ...(root.files ? { files: [...root.files] } : {}),
      ...(root.lastLog ? { lastLog: root.lastLog } : {}),
    }));
  }

  private ensureEntries(root: RootEntry, files: string[]): void {
    for (const file of files) {
      if (root.entries.has(file)) continue;
      const kind = mediaKindOf(file);
      if (kind) root.entries.set(file, newEntry(root.path, file, kind));
    }
    root.entries = new Map([...root.entries].sort(([a], [b]) => a.localeCompare(b)));
  }

  private update(file: string, change: (entry: FileEntry) => void): FileEntry[] {
    const entries = this.entriesFor(file);
    entries.forEach(change);
    return entries;
  }
}

function newEntry(root: string, file: string, mediaKind: MediaKind): FileEntry {
  return { kind: 'file', path: file, root, mediaKind, state: 'new' };
}

function parsePersisted(value: unknown): PersistedRoot | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const item = value as Record<string, unknown>;
  if (typeof item.path !== 'string' || !path.isAbsolute(item.path)) return undefined;
  const files = Array.isArray(item.files) ? item.files.filter((f): f is string => typeof f === 'string' && path.isAbsolute(f)) : undefined;
  return {
    path: item.path,
    recursive: item.recursive === true,
    files,
    lastLog: typeof item.lastLog === 'string' ? item.lastLog : undefined,
  };
}
