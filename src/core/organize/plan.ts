/**
 * The organize plan: for each summarized file of a folder, a new name from a pattern and/or a folder to file it
 * into, or the trash for a copy — each with its reason — and the files left alone with why. Made from what the
 * cache knows (titles, tags, dates, content hashes); it touches nothing. Its guarantees, which apply relies on:
 * every target is inside the folder, keeps the file's extension, is unique among the plan's targets (without
 * case) and is not a name that exists.
 */
import path from 'node:path';
import type { MediaKind } from '../mediaTypes';
import type { FileRecord } from '../records';
import { clockTime, fileDate, isoDay, isoMonth, nameDate } from './fileDate';
import { cleanNamePart, keptExtension, safeFileName, uniqueFileName } from './safeName';

export type OrganizeBy = 'topic' | 'month' | 'kind';

export interface OrganizeOptions {
  /** Give summarized files a name from `pattern`. */
  rename: boolean;
  /** {date}, {time}, {title}, {kind}, {original}. Default "{date} {title}". */
  pattern?: string;
  /** File into a folder per topic, month, or kind. */
  by?: OrganizeBy;
  /** For `by: 'topic'`: each file's topic folder (topicFolders.ts); a file not in it goes by its first tag. */
  topicFolders?: ReadonlyMap<string, string>;
  /** Copies (same content) to the trash, the oldest kept. */
  duplicates: boolean;
  /** Lowercase extensions ("IMG_1.JPG" → ".jpg"); kept as they are by default. */
  lowerCaseExtensions?: boolean;
}

export const DEFAULT_PATTERN = '{date} {title}';

/** A file of the folder as organize sees it. */
export interface OrganizeFile {
  path: string;
  kind: MediaKind;
  mtimeMs: number;
  record?: FileRecord;
}

export type StepAction = 'rename' | 'move' | 'trash';

export interface PlanStep {
  action: StepAction;
  from: string;
  /** Absent for trash. */
  to?: string;
  reason: string;
}

export interface PlanSkip {
  path: string;
  reason: string;
}

export interface OrganizePlan {
  folder: string;
  steps: PlanStep[];
  skipped: PlanSkip[];
}

const KIND_FOLDERS: Record<MediaKind, string> = { image: 'Images', video: 'Videos', audio: 'Audio' };
const KIND_WORDS: Record<MediaKind, string> = { image: 'image', video: 'video', audio: 'audio' };

/**
 * Names tools give by default, which say nothing of the content: screenshot and recorder names, camera and
 * phone names, "Untitled", bare numbers. Other names were chosen by someone and are left alone.
 */
const GENERIC_NAME = /^(screenshot|screen ?shot|screen recording|capture|snip|img|vid|pxl|dsc|dscn|dcim|mvimg|photo|image|picture|video|movie|recording|new recording|voice memo|audio|untitled|unnamed|clip|whatsapp (image|video|audio))(?=[\s_.()-]|\d|$)|^[\W\d_]+$/i;

export function isGenericName(stem: string): boolean {
  // A name that is only a timestamp ("20250502_110319") is as generic as "IMG_".
  return GENERIC_NAME.test(stem.trim()) || (nameDate(stem) !== undefined && cleanNamePart(stem.replace(/[\d_.:-]+/g, ' ')).length === 0);
}

/** The stem a pattern gives for a file; empty when its fields are empty (no title yet). */
export function patternStem(pattern: string, file: OrganizeFile): string {
  const stem = path.basename(file.path, path.extname(file.path));
  const { date } = fileDate(path.basename(file.path), file.record?.metadata.exif?.DateTime, file.mtimeMs);
  const fields: Record<string, string> = {
    date: isoDay(date),
    time: clockTime(date),
    title: cleanNamePart(file.record?.title ?? ''),
    kind: KIND_WORDS[file.kind],
    original: stem,
  };
  const filled = pattern.replace(/\{(\w+)\}/g, (whole, field: string) => fields[field] ?? whole);
  return cleanNamePart(filled);
}

/** The folder a file is filed into, by its topic, its month or its kind. */
function folderFor(file: OrganizeFile, by: OrganizeBy, topicFolders?: ReadonlyMap<string, string>): string {
  switch (by) {
    case 'kind':
      return KIND_FOLDERS[file.kind];
    case 'month':
      return isoMonth(fileDate(path.basename(file.path), file.record?.metadata.exif?.DateTime, file.mtimeMs).date);
    case 'topic': {
      const named = topicFolders?.get(file.path);
      const tag = cleanNamePart(file.record?.tags?.find((candidate) => cleanNamePart(candidate) !== '') ?? '');
      // A tag or a model's answer: made a safe name here ("CON" is no folder on Windows).
      return safeFileName(named ?? (tag ? tag.charAt(0).toUpperCase() + tag.slice(1) : ''), '', 'Other');
    }
  }
}

/**
 * Makes the plan. `existingNames(dir)` lists what a folder holds now (lowercased names; empty for a folder that
 * does not exist yet): no target takes one of them, nor a name another step takes.
 */
export function makeOrganizePlan(folder: string, files: readonly OrganizeFile[], options: OrganizeOptions, existingNames: (dir: string) => ReadonlySet<string>): OrganizePlan {
  const steps: PlanStep[] = [];
  const skipped: PlanSkip[] = [];
  const taken = new Map<string, Set<string>>();
  const isTaken = (dir: string) => {
    let names = taken.get(dir);
    if (!names) taken.set(dir, (names = new Set(existingNames(dir))));
    return names;
  };
  const ordered = [...files].sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path));

  const trashed = new Set<string>();
  if (options.duplicates) {
    const kept = new Map<string, OrganizeFile>();
    for (const file of ordered) {
      const sha = file.record?.sha256;
      if (!sha) continue;
      const original = kept.get(sha);
      if (!original) kept.set(sha, file);
      else {
        trashed.add(file.path);
        steps.push({ action: 'trash', from: file.path, reason: `same content as ${path.relative(folder, original.path)}, which is older and stays` });
      }
    }
  }

  // Oldest first, so that of two files with one title the older gets the plain name and the newer " (2)".
  for (const file of ordered) {
    if (trashed.has(file.path)) continue;
    if (file.record?.status !== 'ok') {
      skipped.push({ path: file.path, reason: file.record ? 'not summarized (its summary is pending or it failed)' : 'not summarized yet' });
      continue;
    }
    const name = path.basename(file.path);
    const stem = path.basename(name, path.extname(name));
    const extension = keptExtension(name, options.lowerCaseExtensions);
    const reasons: string[] = [];
    /** Why a part of the plan leaves the file as it is; said when nothing at all changes for it. */
    const unchanged: string[] = [];

    let newStem = stem;
    if (options.rename) {
      const wanted = patternStem(options.pattern ?? DEFAULT_PATTERN, file);
      if (!wanted || !file.record.title?.trim()) unchanged.push('no title to name it by');
      else if (wanted.toLowerCase() === stem.toLowerCase()) unchanged.push('already named so');
      else if (!isGenericName(stem)) unchanged.push('it has a name someone chose');
      else {
        newStem = wanted;
        reasons.push('named by its title');
      }
    }

    let dir = path.dirname(file.path);
    if (options.by) {
      const sub = folderFor(file, options.by, options.topicFolders);
      const inside = path.relative(folder, dir);
      if (inside.split(path.sep)[0]?.toLowerCase() === sub.toLowerCase()) unchanged.push(`already in ${sub}`);
      else {
        dir = path.join(folder, sub);
        reasons.push(`filed by ${options.by} into ${sub}`);
      }
    }

    const renamed = newStem !== stem || extension !== path.extname(name);
    const moved = dir !== path.dirname(file.path);
    if (!renamed && !moved) {
      skipped.push({ path: file.path, reason: unchanged.join('; ') || 'nothing to change' });
      continue;
    }
    const target = uniqueFileName(newStem, extension, stem, (lower) => isTaken(dir).has(lower));
    isTaken(dir).add(target.toLowerCase());
    steps.push({ action: moved ? 'move' : 'rename', from: file.path, to: path.join(dir, target), reason: reasons.join('; ') || 'its extension in lower case' });
  }
  // Copies for the trash first, then the rest by name: how a reader scans the plan.
  steps.sort((a, b) => Number(a.action !== 'trash') - Number(b.action !== 'trash') || a.from.localeCompare(b.from));
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return { folder, steps, skipped };
}
