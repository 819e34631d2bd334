/**
 * How model entries look in the tree: label, description, icon (codicon id and theme color id), context value
 * and the text read by screen readers. Plain data; the vscode layer turns it into TreeItems.
 */
import os from 'node:os';
import path from 'node:path';
import type { MediaKind } from '../../core/mediaTypes';
import type { Stage } from '../../core/job';
import { FOLDER_CONTEXT, fileContextValue, type EntryState } from './ids';
import { firstWords } from './markdown';
import type { FileEntry, RootEntry } from './model';

export interface IconSpec {
  /** A codicon id, with ~spin for an animated one. */
  id: string;
  /** A theme color id, e.g. "testing.iconFailed". */
  color?: string;
}

export interface ItemSpec {
  label: string;
  description: string;
  icon: IconSpec;
  contextValue: string;
  accessibilityLabel: string;
}

const KIND_ICONS: Record<MediaKind, string> = { image: 'file-media', video: 'device-camera-video', audio: 'unmute' };

const STAGE_NAMES: Record<Stage, string> = {
  metadata: 'reading metadata',
  frames: 'extracting frames',
  ocr: 'reading text',
  transcribe: 'transcribing',
  vision: 'describing',
  summary: 'summarizing',
};

export const STATE_NAMES: Record<EntryState, string> = {
  new: 'not summarized yet',
  queued: 'queued',
  running: 'running',
  done: 'summarized',
  cached: 'summarized (from cache)',
  failed: 'failed',
  pending: 'summary pending',
};

export function entryIcon(entry: Pick<FileEntry, 'state' | 'mediaKind'>): IconSpec {
  switch (entry.state) {
    case 'queued':
      return { id: 'clock' };
    case 'running':
      return { id: 'sync~spin' };
    case 'done':
      return { id: KIND_ICONS[entry.mediaKind], color: 'testing.iconPassed' };
    case 'cached':
      return { id: KIND_ICONS[entry.mediaKind] };
    case 'failed':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'pending':
      return { id: 'watch', color: 'editorWarning.foreground' };
    case 'new':
      return { id: 'circle-outline', color: 'disabledForeground' };
  }
}

/** What a row shows beside its label: how far a run is, why it failed, or (once summarized) its title. */
export function entryDescription(entry: FileEntry): string {
  const record = entry.record;
  switch (entry.state) {
    case 'queued':
      return 'queued';
    case 'running': {
      const stage = entry.stage ? STAGE_NAMES[entry.stage] : 'starting';
      return entry.percent !== undefined ? `${stage} ${entry.percent}%` : `${stage}…`;
    }
    case 'failed':
      return record?.error ? firstWords(record.error, 80) : 'failed';
    case 'pending':
      return 'summary pending';
    case 'new':
      return 'new';
    case 'done':
    case 'cached':
      if (record?.partial) return `partial: ${record.title?.trim() ? firstWords(record.title, 60) : 'no speech'}`;
      if (record?.title?.trim()) return firstWords(record.title, 80);
      if (record?.summary?.trim()) return firstWords(record.summary, 60);
      return 'no summary';
  }
}

/** The file name, with its sub-folder when the root is scanned recursively. */
export function entryLabel(entry: FileEntry): string {
  const relative = path.relative(entry.root, entry.path);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : path.basename(entry.path);
}

/** How rows are labelled: by the title once a file has one (its name and date beside it), or by the file name. */
export type LabelBy = 'title' | 'fileName';

/**
 * When the file was made: the camera's EXIF date, else its modification time. Undefined when neither is known
 * (a file listed before its first stat).
 */
export function entryDate(entry: Pick<FileEntry, 'record' | 'mtimeMs'>): number | undefined {
  const exif = entry.record?.metadata.exif?.DateTime;
  const match = exif ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(exif) : null;
  if (match) {
    const [, y, mo, d, h, mi, sec] = match.map(Number);
    const taken = new Date(y, mo - 1, d, h, mi, sec).getTime();
    if (Number.isFinite(taken)) return taken;
  }
  return entry.mtimeMs;
}

/** "14:05" today, "2 May" this year, "2 May 2024" before (the host's locale). */
export function shortDate(ms: number, now = new Date()): string {
  const date = new Date(ms);
  if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const sameYear = date.getFullYear() === now.getFullYear();
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', ...(sameYear ? {} : { year: 'numeric' }) });
}

/** How the view orders a folder's files: by name, newest first, or by kind (images, videos, audio) then name. */
export type SortBy = 'name' | 'date' | 'kind';

const KIND_ORDER: Record<MediaKind, number> = { image: 0, video: 1, audio: 2 };

export function sortEntries(entries: FileEntry[], sortBy: SortBy): FileEntry[] {
  const byName = (a: FileEntry, b: FileEntry) => entryLabel(a).localeCompare(entryLabel(b), undefined, { numeric: true, sensitivity: 'base' });
  const compare: Record<SortBy, (a: FileEntry, b: FileEntry) => number> = {
    name: byName,
    date: (a, b) => (entryDate(b) ?? -Infinity) - (entryDate(a) ?? -Infinity) || byName(a, b),
    kind: (a, b) => KIND_ORDER[a.mediaKind] - KIND_ORDER[b.mediaKind] || byName(a, b),
  };
  return [...entries].sort(compare[sortBy]);
}

export function entryItem(entry: FileEntry, labelBy: LabelBy = 'title', now = new Date()): ItemSpec {
  const name = entryLabel(entry);
  const state = entryDescription(entry);
  const title = entry.record?.title?.trim();
  // A file being summarized again keeps its title until the new one arrives.
  const titled = labelBy === 'title' && title !== undefined && title !== '' && entry.state !== 'failed' && entry.state !== 'pending';
  const date = entryDate(entry);
  const summarized = entry.state === 'done' || entry.state === 'cached';
  const description = titled
    ? [summarized ? (entry.record?.partial ? 'partial' : undefined) : state, name, date !== undefined ? shortDate(date, now) : undefined].filter(Boolean).join(' · ')
    : state;
  return {
    label: titled ? firstWords(title, 80) : name,
    description,
    icon: entryIcon(entry),
    contextValue: fileContextValue(entry.state),
    accessibilityLabel: `${name}, ${STATE_NAMES[entry.state]}${state && state !== STATE_NAMES[entry.state] ? `: ${state}` : ''}`,
  };
}

/** A home-relative folder ("~/Desktop") for descriptions. */
export function displayFolder(folder: string, home = os.homedir()): string {
  if (home && (folder === home || folder.startsWith(home + path.sep))) return `~${folder.slice(home.length)}`;
  return folder;
}

export function rootItem(root: RootEntry, loading: boolean): ItemSpec {
  const counts = rootCounts(root);
  const parts: string[] = [];
  if (root.problem) parts.push(root.problem);
  else if (root.loaded) {
    parts.push(counts.total === 0 ? 'no media files' : `${counts.summarized}/${counts.total} summarized`);
    if (counts.active) parts.push(`${counts.active} to do`);
    if (counts.new) parts.push(`${counts.new} new`);
    if (counts.failed) parts.push(`${counts.failed} failed`);
    if (counts.pending) parts.push(`${counts.pending} pending`);
  }
  if (root.files) parts.push('selected files');
  else if (root.recursive) parts.push('with sub-folders');
  const label = path.basename(root.path) || root.path;
  const description = [displayFolder(path.dirname(root.path)), ...parts].join(' · ');
  return {
    label,
    description,
    icon: { id: loading ? 'loading~spin' : root.problem ? 'warning' : 'folder' },
    contextValue: FOLDER_CONTEXT,
    accessibilityLabel: `${label}, ${description}`,
  };
}

export interface RootCounts {
  total: number;
  summarized: number;
  /** Queued or running. */
  active: number;
  new: number;
  failed: number;
  pending: number;
}

export function rootCounts(root: RootEntry): RootCounts {
  const counts: RootCounts = { total: 0, summarized: 0, active: 0, new: 0, failed: 0, pending: 0 };
  for (const entry of root.entries.values()) {
    counts.total++;
    if (entry.state === 'done' || entry.state === 'cached') counts.summarized++;
    else if (entry.state === 'queued' || entry.state === 'running') counts.active++;
    else counts[entry.state]++;
  }
  return counts;
}

/** The view's badge: files that want something from the user (new, failed, pending) across every folder. */
export function viewBadge(roots: readonly RootEntry[]): { value: number; tooltip: string } | undefined {
  const all = { new: 0, failed: 0, pending: 0 };
  const seen = new Set<string>();
  for (const root of roots) {
    for (const entry of root.entries.values()) {
      if (seen.has(entry.path)) continue;
      seen.add(entry.path);
      if (entry.state === 'new' || entry.state === 'failed' || entry.state === 'pending') all[entry.state]++;
    }
  }
  const value = all.new + all.failed + all.pending;
  if (value === 0) return undefined;
  const parts = [all.new ? `${all.new} new` : '', all.failed ? `${all.failed} failed` : '', all.pending ? `${all.pending} pending` : ''].filter(Boolean);
  return { value, tooltip: `Media Summaries: ${parts.join(', ')}` };
}
