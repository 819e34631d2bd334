/**
 * Groups of a folder's files in the view (the view.groupBy setting): by kind (images, videos, audio) or by a
 * file's first tag, the one the model gave most weight. Each file is in exactly one group, so a row has one place
 * to be revealed at. No `vscode` import.
 */
import type { MediaKind } from '../../core/mediaTypes';
import type { FileEntry, TreeElement } from './model';

export type GroupBy = 'none' | 'kind' | 'tag';

/** A group row: under its folder, above its files. */
export interface GroupNode {
  kind: 'group';
  /** The folder (root path) it belongs to. */
  root: string;
  key: string;
  label: string;
  count: number;
}

/** What the view shows: folders, groups (with view.groupBy) and files. */
export type ViewNode = TreeElement | GroupNode;

const KIND_GROUPS: Record<MediaKind, { key: string; label: string }> = {
  image: { key: 'kind:image', label: 'Images' },
  video: { key: 'kind:video', label: 'Videos' },
  audio: { key: 'kind:audio', label: 'Audio' },
};
const KIND_ORDER = ['kind:image', 'kind:video', 'kind:audio'];
/** Files that have no tag yet: at the end, after the tags. */
const UNTAGGED = { key: 'tag:', label: 'Not tagged yet' };

/** The group a file belongs to. */
export function groupOf(entry: FileEntry, by: Exclude<GroupBy, 'none'>): { key: string; label: string } {
  if (by === 'kind') return KIND_GROUPS[entry.mediaKind];
  const tag = entry.record?.status === 'ok' ? entry.record.tags?.find((candidate) => candidate.trim() !== '')?.trim().toLowerCase() : undefined;
  return tag ? { key: `tag:${tag}`, label: tag } : UNTAGGED;
}

/** The groups of these files, in the view's order: kinds as images, videos, audio; tags by name, untagged last. */
export function groupEntries(root: string, entries: readonly FileEntry[], by: Exclude<GroupBy, 'none'>): Array<GroupNode & { entries: FileEntry[] }> {
  const groups = new Map<string, GroupNode & { entries: FileEntry[] }>();
  for (const entry of entries) {
    const { key, label } = groupOf(entry, by);
    const group = groups.get(key) ?? { kind: 'group' as const, root, key, label, count: 0, entries: [] };
    group.entries.push(entry);
    group.count++;
    groups.set(key, group);
  }
  const rank = (key: string) => (by === 'kind' ? KIND_ORDER.indexOf(key) : key === UNTAGGED.key ? 1 : 0);
  return [...groups.values()].sort((a, b) => rank(a.key) - rank(b.key) || a.label.localeCompare(b.label, undefined, { sensitivity: 'base', numeric: true }));
}
