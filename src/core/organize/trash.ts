/**
 * The freedesktop.org trash (Linux and the BSDs; what GNOME Files, Dolphin and `gio trash` use), so a copy organize
 * drops can be restored from the file manager and by undo. Written here rather than through the `trash` package
 * because that package picks the trashed file's name itself and tells nobody: a journal could not say where a file
 * went, so neither a killed apply nor undo could find it again. Here the place is chosen first, journaled, and then
 * the file is renamed into it — on its own device, so nothing is ever copied or deleted.
 *
 * Spec (Trash specification 1.0): `$XDG_DATA_HOME/Trash` for files on the home's device; otherwise the device's
 * `$topdir/.Trash/$uid` (when `.Trash` is a real folder with the sticky bit) or `$topdir/.Trash-$uid`. Each trashed
 * file `files/NAME` has `info/NAME.trashinfo` with its original path and the deletion time.
 */
import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { doFix, problem, ProblemError } from '../problems';

export interface TrashPlace {
  /** Where the file goes: `<trash>/files/<name>`. */
  file: string;
  /** Its `<trash>/info/<name>.trashinfo`. */
  info: string;
}

/** macOS and Windows have their own bins, reached through VS Code (workspace.fs.delete with useTrash). */
export function hasFreedesktopTrash(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'darwin' && platform !== 'win32';
}

const exists = (file: string) => lstat(file).then(() => true, () => false);

async function usableTrash(dir: string, device: number): Promise<string | undefined> {
  try {
    await mkdir(path.join(dir, 'files'), { recursive: true, mode: 0o700 });
    await mkdir(path.join(dir, 'info'), { recursive: true, mode: 0o700 });
    const info = await lstat(dir);
    return info.isDirectory() && info.dev === device ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The top of the mount `file` is on: the highest folder above it on the same device. */
async function mountTop(file: string, device: number): Promise<string> {
  let dir = path.dirname(file);
  for (;;) {
    const parent = path.dirname(dir);
    if (parent === dir || (await stat(parent)).dev !== device) return dir;
    dir = parent;
  }
}

/** The trash folder for files on `file`'s device. */
async function trashFolderFor(file: string, env: NodeJS.ProcessEnv): Promise<string> {
  const device = (await lstat(file)).dev;
  const dataHome = env.XDG_DATA_HOME && path.isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share');
  const home = await usableTrash(path.join(dataHome, 'Trash'), device);
  if (home) return home;
  const top = await mountTop(file, device);
  const uid = String(process.getuid?.() ?? 0);
  const shared = await lstat(path.join(top, '.Trash')).catch(() => undefined);
  // A shared .Trash is only trusted as the spec says: a real folder (not a link) with the sticky bit.
  if (shared?.isDirectory() && !shared.isSymbolicLink() && (shared.mode & 0o1000) !== 0) {
    const mine = await usableTrash(path.join(top, '.Trash', uid), device);
    if (mine) return mine;
  }
  const own = await usableTrash(path.join(top, `.Trash-${uid}`), device);
  if (own) return own;
  throw new ProblemError(problem('trash-unavailable', `No trash folder can be made on the drive of ${file}`, doFix('move the copies yourself, or organize without --duplicates')));
}

/**
 * Chooses where `file` goes in the trash: its own name, or "name.2.ext", … when the trash holds that name or
 * `reserved` (names chosen for the same apply) does. Creates only the trash's folders.
 */
export async function trashPlaceFor(file: string, reserved: Set<string>, env: NodeJS.ProcessEnv = process.env): Promise<TrashPlace> {
  const trash = await trashFolderFor(file, env);
  const extension = path.extname(file);
  const stem = path.basename(file, extension);
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${stem}${extension}` : `${stem}.${n}${extension}`;
    const place = { file: path.join(trash, 'files', name), info: path.join(trash, 'info', `${name}.trashinfo`) };
    if (reserved.has(place.file) || (await exists(place.file)) || (await exists(place.info))) continue;
    reserved.add(place.file);
    return place;
  }
}

/** A path as the spec wants it in Path=: each byte outside RFC 2396's unreserved set (and "/") as %XX. */
function encodedPath(file: string): string {
  let out = '';
  for (const byte of Buffer.from(file, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.!~*'()/]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The local time without zone, as the spec's DeletionDate is read. */
function deletionDate(when: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())}T${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())}`;
}

/** Writes the .trashinfo that makes a file in `place` restorable from a file manager; before the file moves in. */
export async function writeTrashInfo(original: string, place: TrashPlace, when = new Date()): Promise<void> {
  await writeFile(place.info, `[Trash Info]\nPath=${encodedPath(original)}\nDeletionDate=${deletionDate(when)}\n`, { mode: 0o600 });
}
