/**
 * Organize Folder… in a real workbench: a Desktop of screenshots with macOS names is summarized, the Desktop row's
 * Organize Folder… proposes new names and month folders in a preview, an unchecked change is left alone, Enter
 * applies the rest, and Undo Organize in the result notification puts every file back byte for byte. Then a copy
 * of a screenshot goes to the freedesktop trash through Move Copies to the Trash, and Undo Organize brings it back.
 * Screenshots go to artifacts/e2e/organize/ (the README's preview comes from here).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { waitFor } from '../support/wait';
import { extensionSession, withSession } from './support/session';
import type { Workbench } from './support/workbench';

const RUN_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 30_000;

const BOARDING = 'Screenshot 2025-05-02 at 11.03.19.png';
const RECEIPT = 'Screenshot 2025-06-14 at 18.20.00.png';

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn();
});
after(() => ollama?.close());

/**
 * Picks a way to organize. Not pickQuickItem, which waits for the QuickPick to close: the preview opens in the same
 * widget at once, and whether the widget was seen hidden in between is a race.
 */
async function pickWay(workbench: Workbench, way: string): Promise<void> {
  await workbench.quickInput().locator('.monaco-list-row').filter({ hasText: way }).first().click();
  await workbench.quickInput().locator('.monaco-list-row').filter({ hasText: way }).first().waitFor({ state: 'detached' });
}

/** Every file under `dir`: relative path → sha256 of its bytes. */
async function manifest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out[path.relative(dir, path.join(entry.parentPath, entry.name))] = createHash('sha256').update(await readFile(path.join(entry.parentPath, entry.name))).digest('hex');
  }
  return out;
}

test('Organize Folder…: a preview with every change, an unchecked one left alone, apply, Undo Organize, and a copy to the trash and back', { timeout: 600_000 }, async (t) => {
  const session = extensionSession('organize', {
    ollamaHost: ollama.url,
    desktop: { [BOARDING]: ['Flight LH123 boarding pass', 'Gate B12 seat 14C'], [RECEIPT]: ['Hardware store receipt', 'Total 87 dollars'] },
  });
  await withSession(session, async ({ workbench, dirs }) => {
    const desktop = path.join(dirs.home, 'Desktop');
    const summaries = workbench.view('Media Summaries');
    await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
    await workbench.notification(/Done: 2 files — 2 summarized/, RUN_TIMEOUT_MS);
    const before = await manifest(desktop);

    await t.test('the preview lists each change checked, with its reason', async () => {
      await workbench.contextMenu(workbench.treeItem(summaries, /^Desktop, /), 'Organize Folder…');
      await pickWay(workbench, 'Rename, and File into Month Folders');
      const rows = workbench.quickInput().locator('.monaco-list-row');
      await waitFor('the two changes', async () => ((await rows.count()) === 2 ? true : undefined), STEP_TIMEOUT_MS);
      const texts = (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' '));
      assert.ok(texts.some((text) => /2025-05\/2025-05-02 Flight LH123 boarding pass.*\.png ?← Screenshot 2025-05-02 at 11\.03\.19\.png named by its title; filed by month into 2025-05/.test(text)), texts.join('\n'));
      assert.ok(texts.some((text) => /2025-06\/2025-06-14 Hardware store receipt/.test(text)), texts.join('\n'));
      assert.equal(await workbench.quickInput().locator('.monaco-list-row input[type=checkbox]:checked, .monaco-list-row .monaco-custom-toggle.checked').count(), 2, 'both checked');
      await workbench.screenshot('organize-preview');
    });

    await t.test('an unchecked change is left alone; Enter applies the others', async () => {
      const receipt = workbench.quickInput().locator('.monaco-list-row').filter({ hasText: /Hardware store receipt/ });
      await receipt.locator('input[type=checkbox], .monaco-custom-toggle').first().click();
      await workbench.quickInput().locator('input.input').first().press('Enter');
      await workbench.notification(/Organized Desktop: 1 file renamed or moved/, STEP_TIMEOUT_MS);
      const now = await manifest(desktop);
      const moved = Object.keys(now).find((file) => /^2025-05[\\/]2025-05-02 Flight LH123 boarding pass.*\.png$/.test(file));
      assert.ok(moved, `the boarding pass moved: ${Object.keys(now).join(', ')}`);
      assert.equal(now[moved], before[BOARDING], 'its bytes with it');
      assert.equal(now[RECEIPT], before[RECEIPT], 'the unchecked one stayed');
      assert.equal(now[BOARDING], undefined);
      await workbench.screenshot('organized');
    });

    await t.test('Undo Organize puts every file back byte for byte', async () => {
      const done = await workbench.notification(/Organized Desktop/);
      await done.getByRole('button', { name: 'Undo Organize', exact: true }).click();
      await workbench.notification(/Put back 1 file in Desktop/, STEP_TIMEOUT_MS);
      assert.deepEqual(await manifest(desktop), before);
      await workbench.treeItem(summaries, new RegExp(`^${BOARDING.replace(/\./g, '\\.')}, summarized`)).waitFor({ timeout: STEP_TIMEOUT_MS });
    });

    await t.test('Move Copies to the Trash: the copy goes to the trash, the original stays; Undo Organize brings it back', async () => {
      const copy = path.join(desktop, 'Screenshot 2025-05-02 at 11.03.19 (1).png');
      await copyFile(path.join(desktop, BOARDING), copy);
      const later = new Date(Date.now() + 60_000);
      await utimes(copy, later, later);
      await workbench.clearNotifications();
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 3 files/, STEP_TIMEOUT_MS);
      // The view lists the copy after the run's notification (debounced): right-clicking before would hit a row
      // that moves under the pointer.
      await workbench.treeItem(summaries, /^Screenshot 2025-05-02 at 11\.03\.19 \(1\)\.png, summarized/).waitFor({ timeout: STEP_TIMEOUT_MS });
      const withCopy = await manifest(desktop);
      await workbench.contextMenu(workbench.treeItem(summaries, /^Desktop, /), 'Organize Folder…');
      await pickWay(workbench, 'Move Copies to the Trash');
      const rows = workbench.quickInput().locator('.monaco-list-row');
      await waitFor('the one copy', async () => ((await rows.count()) === 1 ? true : undefined), STEP_TIMEOUT_MS);
      await workbench.screenshot('organize-trash-preview');
      assert.match((await rows.first().innerText()).replace(/\s+/g, ' '), /Screenshot 2025-05-02 at 11\.03\.19 \(1\)\.png ?to the trash ?same content as Screenshot 2025-05-02 at 11\.03\.19\.png, which is older and stays/);
      await workbench.quickInput().locator('input.input').first().press('Enter');
      await workbench.notification(/Organized Desktop: 1 file put in the trash/, STEP_TIMEOUT_MS);
      const trash = path.join(process.env.XDG_DATA_HOME ?? path.join(dirs.home, '.local', 'share'), 'Trash');
      assert.equal((await manifest(path.join(trash, 'files')))[path.basename(copy)], withCopy[path.basename(copy)], 'the copy is in the trash, whole');
      assert.match(await readFile(path.join(trash, 'info', `${path.basename(copy)}.trashinfo`), 'utf8'), /^Path=.*Screenshot%202025-05-02%20at%2011\.03\.19%20\(1\)\.png$/m);
      assert.equal((await manifest(desktop))[BOARDING], withCopy[BOARDING], 'the original stays');

      const done = await workbench.notification(/put in the trash/);
      await done.getByRole('button', { name: 'Undo Organize', exact: true }).click();
      await workbench.notification(/Put back 1 file in Desktop/, STEP_TIMEOUT_MS);
      assert.deepEqual(await manifest(desktop), withCopy, 'the copy is back');
      assert.deepEqual(await manifest(trash), {}, 'and gone from the trash');
    });
  });
});
