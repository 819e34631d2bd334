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
      return 'not summarized yet';
    case 'done':
    case 'cached':
      if (record?.title?.trim()) return firstWords(record.title, 80);
      if (record?.summary?.trim()) return firstWords(record.summary, 60);
      return 'no summary';
  }
}

/** The label: the file name, with its sub-folder when the root is scanned recursively. */
export function entryLabel(entry: FileEntry): string {
  const relative = path.relative(entry.root, entry.path);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : path.basename(entry.path);
}

export function entryItem(entry: FileEntry): ItemSpec {
  const label = entryLabel(entry);
  const description = entryDescription(entry);
  return {
    label,
    description,
    icon: entryIcon(entry),
    contextValue: fileContextValue(entry.state),
    accessibilityLabel: `${label}, ${STATE_NAMES[entry.state]}${description && description !== STATE_NAMES[entry.state] ? `: ${description}` : ''}`,
  };
}

/** A home-relative folder ("~/Desktop") for descriptions. */
export function displayFolder(folder: string, home = os.homedir()): string {
  if (home && (folder === home || folder.startsWith(home + path.sep))) return `~${folder.slice(home.length)}`;
  return folder;
}

export function rootItem(root: RootEntry, loading: boolean): ItemSpec {
  const entries = [...root.entries.values()];
  const count = (state: EntryState) => entries.filter((entry) => entry.state === state).length;
  const parts: string[] = [];
  if (root.problem) parts.push(root.problem);
  else if (root.loaded) {
    const summarized = count('done') + count('cached');
    parts.push(`${summarized}/${entries.length} summarized`);
    const active = count('running') + count('queued');
    if (active) parts.push(`${active} to do`);
    if (count('failed')) parts.push(`${count('failed')} failed`);
    if (count('pending')) parts.push(`${count('pending')} pending`);
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
