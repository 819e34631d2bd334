import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
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
 * Lists the media files of a folder (top level unless recursive), sorted by path. Follows symbolic links
 * but visits each real directory once, so link cycles cannot loop; skips hidden entries.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const rootStat = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Folder not found or not readable: ${root} (${error.code ?? error.message}) — pass an existing folder.`);
  });
  if (!rootStat.isDirectory()) throw new Error(`Not a folder: ${root} — pass a folder to summarize.`);

  const result: ScanResult = { files: [], problems: [] };
  const visitedDirectories = new Set<string>([await realpath(root)]);
  const seenFiles = new Set<string>();

  async function walk(directory: string): Promise<void> {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if (directory === root) throw error;
      return; // an unreadable sub-folder holds no entries we could name
    }
    names.sort();
    for (const name of names) {
      if (name.startsWith('.') || OWN_LOG_NAME.test(name)) continue;
      const full = path.join(directory, name);
      const relative = path.relative(root, full);
      const kind = mediaKindOf(name);
      try {
        const link = await lstat(full);
        const target = link.isSymbolicLink() ? await stat(full) : link;
        if (target.isDirectory()) {
          if (!options.recursive) continue;
          const real = await realpath(full);
          if (visitedDirectories.has(real)) continue;
          visitedDirectories.add(real);
          await walk(full);
          continue;
        }
        if (!kind || !target.isFile()) continue;
        if (options.accept && !options.accept(relative)) continue;
        const real = link.isSymbolicLink() ? await realpath(full) : full;
        if (seenFiles.has(real)) continue; // the same file through two links is summarized once
        seenFiles.add(real);
        result.files.push({ path: full, kind, size: target.size, mtimeMs: target.mtimeMs, ino: target.ino });
      } catch (error) {
        if (!kind) continue;
        const code = (error as NodeJS.ErrnoException).code;
        const reason =
          code === 'ENOENT' ? 'it is a broken link or was removed during the scan' : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied — check the file permissions'
            : (error as Error).message;
        result.problems.push({ path: full, kind, error: `Cannot read ${name}: ${reason}` });
      }
    }
  }

  await walk(root);
  return result;
}
