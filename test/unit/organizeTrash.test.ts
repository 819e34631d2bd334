/**
 * The freedesktop trash organize puts copies in: the home trash for files on its device, the drive's own
 * .Trash-$uid for others; names that clash get ".2"; the .trashinfo's Path is percent-encoded so a hostile name
 * (newline, %, "=") cannot add a line or a key that file managers would read.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { trashPlaceFor, writeTrashInfo } from '../../src/core/organize/trash';
import { tempDir } from '../support/paths';

async function scratch(t: TestContext, prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('a file on the home drive goes to $XDG_DATA_HOME/Trash; a name the trash holds gets ".2"', async (t) => {
  const dataHome = await scratch(t, 'trash-home');
  const desk = await scratch(t, 'trash-desk');
  const file = path.join(desk, 'receipt.png');
  await writeFile(file, 'x');
  const env = { XDG_DATA_HOME: dataHome };
  const reserved = new Set<string>();
  const first = await trashPlaceFor(file, reserved, env);
  assert.deepEqual(first, { file: path.join(dataHome, 'Trash', 'files', 'receipt.png'), info: path.join(dataHome, 'Trash', 'info', 'receipt.png.trashinfo') });
  assert.equal((await stat(path.join(dataHome, 'Trash', 'files'))).mode & 0o777, 0o700, 'made private, as the spec asks');
  const second = await trashPlaceFor(file, reserved, env);
  assert.equal(path.basename(second.file), 'receipt.2.png', 'a name chosen for the same apply is not given twice');
  await writeFile(path.join(dataHome, 'Trash', 'info', 'receipt.3.png.trashinfo'), '');
  assert.equal(path.basename((await trashPlaceFor(file, reserved, env)).file), 'receipt.4.png', 'nor one an info file holds');
});

test('the .trashinfo says where the file was, percent-encoded, and when', async (t) => {
  const dataHome = await scratch(t, 'trash-info');
  const desk = await scratch(t, 'trash-desk');
  const file = path.join(desk, 'evil\nPath=etc passwd 100% é.png');
  await writeFile(file, 'x');
  const place = await trashPlaceFor(file, new Set(), { XDG_DATA_HOME: dataHome });
  await writeTrashInfo(file, place, new Date(2025, 4, 2, 11, 3, 19));
  const info = await readFile(place.info, 'utf8');
  assert.equal(info, `[Trash Info]\nPath=${desk}/evil%0APath%3Detc%20passwd%20100%25%20%C3%A9.png\nDeletionDate=2025-05-02T11:03:19\n`);
  assert.equal(info.split('\n').filter((line) => line.startsWith('Path=')).length, 1, 'one Path line, whatever the name');
});

test('a file on another drive goes to that drive\'s .Trash-$uid, never across drives', async (t) => {
  const dataHome = await scratch(t, 'trash-home');
  const shm = await stat('/dev/shm').catch(() => undefined);
  if (!shm || shm.dev === (await stat(dataHome)).dev) {
    t.skip('needs /dev/shm on a drive of its own');
    return;
  }
  const elsewhere = await mkdtemp('/dev/shm/trash-drive-');
  t.after(() => rm(elsewhere, { recursive: true, force: true }));
  const file = path.join(elsewhere, 'copy.png');
  await writeFile(file, 'x');
  const trash = path.join('/dev/shm', `.Trash-${process.getuid?.() ?? 0}`);
  const hadTrash = await stat(trash).then(() => true, () => false);
  t.after(() => rm(hadTrash ? path.join(trash, 'files', 'copy.png') : trash, { recursive: true, force: true }));
  const place = await trashPlaceFor(file, new Set(), { XDG_DATA_HOME: dataHome });
  assert.equal(place.file, path.join(trash, 'files', 'copy.png'));
  assert.equal((await stat(path.dirname(place.file))).dev, (await stat(file)).dev, 'on the file\'s own drive, so the move is a rename');
});
