import type { Stats } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fsPath, nameFromBytes } from './bytePaths';
import { OWN_LOG_NAME } from './log';
import { mediaKindOf, type MediaKind } from './mediaTypes';

export interface ScanOptions {
  recursive?: boolean;
  /** Extra filter on the path relative to the root (include/exclude globs come from the caller). */
  accept?: (relativePath: string) => boolean;
}

export interface ScannedFile {
  path: string;
  kind: MediaKind;
  size: number;
  mtimeMs: number;
  ino: number;
}

export interface ScanProblem {
  path: string;
  kind: MediaKind;
  error: string;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Media entries that could not be read: each becomes an error record. */
  problems: ScanProblem[];
}


/**
 * Lists the media files of a folder (top level unless recursive), sorted by path; skips hidden entries.
 *
 * Symbolic links: a link to a file is followed wherever the file is (a link on the Desktop is a file its user put
 * there); a broken link or a loop of links with a media name becomes a problem, so it still gets a record. A link
 * to a folder is followed only when that folder is inside the scanned one: a link to `/` or to the home folder
 * must not send a recursive scan across the disk. Every real folder and file is listed once, under its real
 * path when it has one inside the folder (links are walked after the real folders), so link cycles cannot loop.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const rootStat = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Folder not found or not readable: ${root} (${error.code ?? error.message}) — pass an existing folder.`);
  });
  if (!rootStat.isDirectory()) throw new Error(`Not a folder: ${root} — pass a folder to summarize.`);

  const rootReal = await realPath(root);
  const inside = (real: string) => real === rootReal || real.startsWith(rootReal.endsWith(path.sep) ? rootReal : rootReal + path.sep);
  const visitedDirectories = new Set<string>([rootReal]);
  const linkedDirectories: string[] = [];
  /** By real path; a file reached directly replaces one first reached through a link. */
  const files = new Map<string, ScannedFile & { viaLink: boolean }>();
  const problems: ScanProblem[] = [];

  async function walk(directory: string, realDirectory: string): Promise<void> {
    let names: string[];
    try {
      // As bytes: a name that is not UTF-8 is still a file to summarize (see bytePaths.ts).
      names = (await readdir(fsPath(directory), { encoding: 'buffer' })).map(nameFromBytes);
    } catch (error) {
      if (directory === root) throw error;
      return; // an unreadable sub-folder holds no entries we could name
    }
    names.sort();
    // Only names that can matter are looked at: media files, and anything that may be a folder when recursive.
    const wanted = names.filter((name) => !name.startsWith('.') && !OWN_LOG_NAME.test(name) && (options.recursive || mediaKindOf(name)));
    // The stats are made a batch at a time (a Desktop of 10,000 files took 0.4 s one by one); what they mean is
    // decided in name order below, as before.
    const entries = await inBatches(wanted, STAT_BATCH, (name) => statEntry(path.join(directory, name)));
    for (const [i, name] of wanted.entries()) {
      const full = path.join(directory, name);
      const kind = mediaKindOf(name);
      const entry = entries[i];
      try {
        if ('error' in entry) throw entry.error;
        const { viaLink, target } = entry;
        if (target.isDirectory()) {
          if (!options.recursive) continue;
          if (viaLink) {
            linkedDirectories.push(full);
            continue;
          }
          const real = await realPath(full);
          if (visitedDirectories.has(real)) continue;
          visitedDirectories.add(real);
          await walk(full, real);
          continue;
        }
        if (!kind) continue;
        if (options.accept && !options.accept(path.relative(root, full))) continue;
        if (!target.isFile()) {
          // Opening a FIFO waits for a writer, a device such as /dev/zero never ends: such a name gets a record, never a read.
          problems.push({ path: full, kind, error: `Cannot read ${name}: it is ${specialKind(target)}, not a regular file — only files are summarized` });
          continue;
        }
        const real = viaLink ? await realPath(full) : path.join(realDirectory, name);
        const known = files.get(real);
        if (known && !(known.viaLink && !viaLink)) continue; // the same file through two links is summarized once
        files.set(real, { path: full, kind, size: target.size, mtimeMs: target.mtimeMs, ino: target.ino, viaLink });
      } catch (error) {
        if (!kind) continue;
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT' ? 'it is a broken link or was removed during the scan'
            : code === 'ELOOP' ? 'it is a loop of symbolic links that never reaches a file'
            : code === 'EACCES' || code === 'EPERM' ? 'permission denied — check the file permissions'
            : (error as Error).message;
        problems.push({ path: full, kind, error: `Cannot read ${name}: ${reason}` });
      }
    }
  }

  await walk(root, rootReal);
  // Linked folders last, so what they share with real folders is listed under its real path.
  for (let next = linkedDirectories.shift(); next !== undefined; next = linkedDirectories.shift()) {
    const real = await realPath(next).catch(() => undefined);
    if (!real || !inside(real) || visitedDirectories.has(real)) continue;
    visitedDirectories.add(real);
    await walk(next, real);
  }
  const listed = [...files.values()].map(({ viaLink: _viaLink, ...file }) => file).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: listed, problems };
}

/** Stats in flight at once: enough to keep libuv's four threads busy, few enough to leave them to others too. */
const STAT_BATCH = 32;

type StatEntry = { viaLink: boolean; target: Stats } | { error: unknown };

/** What an entry is: a link's target, or the entry itself. */
async function statEntry(full: string): Promise<StatEntry> {
  try {
    const link = await lstat(fsPath(full));
    const viaLink = link.isSymbolicLink();
    return { viaLink, target: viaLink ? await stat(fsPath(full)) : link };
  } catch (error) {
    return { error };
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size) results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  return results;
}

/** realpath() that keeps a name's bytes (its string form decodes them lossily). */
async function realPath(file: string): Promise<string> {
  return nameFromBytes(await realpath(fsPath(file), { encoding: 'buffer' }));
}

function specialKind(entry: Stats): string {
  if (entry.isFIFO()) return 'a named pipe (FIFO)';
  if (entry.isCharacterDevice()) return 'a character device';
  if (entry.isBlockDevice()) return 'a block device';
  if (entry.isSocket()) return 'a socket';
  return 'a special file';
}
