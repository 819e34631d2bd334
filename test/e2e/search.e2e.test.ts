/**
 * Search in a real workbench: a Desktop with a screenshot whose code appears only deep in its text on screen (past
 * what the stand-in's summary quotes, so only the OCR text holds it). Search Media… finds it as it is typed and
 * Enter opens the file; the view's Filter uses the same index, counts the matches on the folder row, and shows
 * "No matches" with Clear Filter when nothing matches. Screenshots go to artifacts/e2e/search/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { waitFor } from '../support/wait';
import { extensionSession, withSession } from './support/session';

/** OCR of two images and their summaries, on 2 shared cores. */
const RUN_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 30_000;

/** The stand-in's summary quotes the first 200 characters of the text: the code on the last line is not in it. */
const PLANNING = ['Quarterly planning notes for the team', 'Review the roadmap and the hiring plan', 'Collect feedback from every lead', 'Book the large meeting room early', 'Prepare the budget draft by Monday', 'Share the agenda with everyone', 'Reference code QX5521 applies'];

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'all-minilm'] });
});
after(() => ollama?.close());

test('Search Media… and the Filter find a file by a word only in its OCR text, in a real workbench', { timeout: 600_000 }, async (t) => {
  const session = extensionSession('search', {
    ollamaHost: ollama.url,
    desktop: { 'planning.png': PLANNING, 'groceries.png': ['Grocery list', 'Milk eggs bread'] },
  });
  await withSession(session, async ({ workbench }) => {
    const summaries = workbench.view('Media Summaries');

    await t.test('the Desktop is summarized; the code is in the OCR text only', async () => {
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 2 files — 2 summarized/, RUN_TIMEOUT_MS);
      assert.ok(ollama.stats.embedInputs >= 2, 'the run made the vectors for search by meaning');
    });

    await t.test('typing the code in Search Media… lists the screenshot with where it matched; Enter opens it', async () => {
      await workbench.runCommand('Media Summarizer: Search Media…', { opensQuickInput: 'Search Media' });
      const quickInput = workbench.quickInput();
      await quickInput.locator('input').fill('qx5521');
      // A summary match would be shown first: "Text on screen" says the code is found where only the OCR text has it.
      const row = quickInput.locator('.monaco-list-row').filter({ hasText: /Text on screen: .*QX5521/ });
      await row.first().waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      assert.equal(await quickInput.locator('.monaco-list-row').count(), 1, 'one result: the other screenshot does not match');
      assert.match(await row.first().innerText(), /planning\.png/);
      await workbench.screenshot('search-results');
      await quickInput.locator('input').press('Enter');
      await waitFor('the screenshot to open', async () => (/planning\.png/.test(await workbench.activeEditorTitle()) ? true : undefined), STEP_TIMEOUT_MS);
      await workbench.screenshot('search-opened');
    });

    await t.test('the Filter matches the OCR text and counts the matches on the folder row; no match shows Clear Filter', async () => {
      await workbench.runCommand('Media Summarizer: Filter Summaries…', { opensQuickInput: 'Filter Media Summaries' });
      await workbench.answerInputBox('QX5521');
      await workbench.treeItem(summaries, /^planning\.png, /).waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.treeItem(summaries, /^Desktop, .*1 match/).waitFor({ timeout: STEP_TIMEOUT_MS });
      assert.equal(await workbench.treeItem(summaries, /^groceries\.png, /).count(), 0, 'the other file is filtered out');
      await workbench.screenshot('filter-ocr-match');

      await workbench.runCommand('Media Summarizer: Filter Summaries…', { opensQuickInput: 'Filter Media Summaries' });
      await workbench.answerInputBox('xylophone');
      const clear = summaries.locator('.welcome-view-content').getByRole('button', { name: 'Clear Filter' });
      await clear.waitFor({ timeout: STEP_TIMEOUT_MS });
      await summaries.getByText('No matches for the filter.').waitFor();
      await workbench.screenshot('filter-no-matches');
      await clear.click();
      await workbench.treeItem(summaries, /^groceries\.png, /).waitFor({ timeout: STEP_TIMEOUT_MS });
    });
  });
});
