/**
 * A first-time user in a real workbench (code-server, the packaged VSIX). First with nothing set up — Ollama not
 * running, ffmpeg not found, no whisper model — and a Desktop with a screen recording: one run gives one setup
 * notification naming all of it beside its
 * closing message, Check Setup lists every item with its state, and the status bar says what is missing. Then
 * with the Ollama stand-in: the rows show titles first, a screenshot dropped on the Desktop appears by itself,
 * Export Summaries… writes Markdown, and view.groupBy groups the files. Screenshots go to artifacts/e2e/first-use/ (the README's come from here).
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { findBuildTools } from '../../src/processors/whisper/tools';
import { makeSilentVideo } from '../support/makeMedia';
import { closedPortUrl } from '../support/processes';
import { fixturesMissing } from '../support/paths';
import { renderTextImage } from '../support/renderText';
import { waitFor } from '../support/wait';
import { TEST_MODEL, WHISPER_FIXTURES } from '../support/whisperBuild';
import { descendants } from './support/processes';
import { desktopWith, extensionSession, withSession } from './support/session';

const RUN_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 30_000;
/** How long after a run's closing message another notification would still count as the same run's. */
const SETTLE_MS = 3000;

const DESKTOP = {
  'budget.png': ['Quarterly budget review', 'Marketing spend rises'],
  'Screenshot 2025-05-02 at 11.03.19.png': ['Flight LH123 boarding pass', 'Gate B12 seat 14C'],
};

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn();
});
after(() => ollama?.close());

test('a first run with nothing set up: one setup notification, Check Setup, the status item', { timeout: 600_000 }, async (t) => {
  const session = extensionSession('first-use', {
    ollamaHost: await closedPortUrl(),
    desktop: DESKTOP,
    // ffmpeg as not found (this machine has one, for making the recording); no whisper model is downloaded.
    settings: { 'mediaSummarizer.ffmpegPath': '/nonexistent/ffmpeg' },
    prepareHome: async (home) => {
      await desktopWith(DESKTOP)(home);
      await makeSilentVideo('ffmpeg', path.join(home, 'Desktop', 'Screen Recording 2025-05-02.mp4'), 2);
    },
  });
  await withSession(session, async ({ workbench }) => {
    await t.test('Summarize Desktop Media: one notification names every problem, beside the closing message', async () => {
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 3 files — 0 summarized, 2 pending, 1 failed/, RUN_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await workbench.notification(/not fully set up/);
      await workbench.screenshot('setup-notification');
      // The notification center keeps every notification of the run (toasts hide after a while); reading it
      // hides the toasts.
      const texts = (await workbench.notificationCenterTexts()).map((text) => text.replace(/\s+/g, ' '));
      assert.equal(texts.length, 2, `two notifications, setup and result:\n${texts.join('\n---\n')}`);
      const setup = texts.find((text) => /not fully set up/.test(text)) ?? '';
      assert.match(setup, /Media Summarizer is not fully set up: Ollama, .*ffmpeg.*Whisper model/);
      assert.doesNotMatch(setup, /`|mediaSummarizer\./, 'no backticks or setting ids');
      assert.match(setup, /Check Setup/);
    });

    await t.test('Check Setup lists every item with its state and its fixes as buttons', async () => {
      await workbench.runCommand('Media Summarizer: Check Setup', { opensQuickInput: 'Media Summarizer Setup' });
      const quickInput = workbench.quickInput();
      await quickInput.waitFor({ state: 'visible' });
      const rows = quickInput.locator('.monaco-list-row');
      await waitFor('every item of the checklist', async () => ((await rows.count()) >= 7 ? true : undefined), STEP_TIMEOUT_MS);
      const texts = (await rows.allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
      for (const [item, state] of [
        ['Ollama', 'missing'],
        ['ffmpeg', 'missing'],
        ['Whisper model', 'missing'],
      ]) {
        assert.ok(texts.some((text) => text.startsWith(item) && text.includes(state)), `${item} is ${state}:\n${texts.join('\n')}`);
      }
      assert.ok(await quickInput.locator('.monaco-list-row .action-label').count() > 0, 'the items have their fixes as buttons');
      await workbench.screenshot('setup-checklist');
      await workbench.page.keyboard.press('Escape');
      await quickInput.waitFor({ state: 'hidden' });
    });

    await t.test('the status bar says what is missing until it is set up', async () => {
      const item = workbench.statusBarItem(/Media Summarizer: \d+ to set up/);
      await item.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
      const hover = await workbench.hoverText(item, 'setup-status-item');
      assert.match(hover, /Not set up: Ollama/);
    });
  });
});

test('titles first, a live Desktop and Export Summaries…', { timeout: 600_000 }, async (t) => {
  const session = extensionSession('first-use-ready', { ollamaHost: ollama.url, desktop: DESKTOP });
  await withSession(session, async ({ workbench, dirs, workspace }) => {
    const summaries = workbench.view('Media Summaries');

    await t.test('a summarized screenshot\'s row is its title, with the file name beside it', async () => {
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 2 files — 2 summarized/, RUN_TIMEOUT_MS);
      const row = workbench.treeItem(summaries, /^Screenshot 2025-05-02 at 11\.03\.19\.png, summarized/);
      await row.waitFor({ timeout: STEP_TIMEOUT_MS });
      assert.match(await row.locator('.label-name').innerText(), /^Flight LH123 boarding pass/, 'the title is the label');
      assert.match(await row.locator('.label-description').innerText(), /Screenshot 2025-05-02 at 11\.03\.19\.png/, 'the file name is beside it');
      // Cropped to the view's title and rows: the README's picture (media/screenshots/titles-first.png).
      await workbench.screenshot('titles-first', [workbench.sidebarTitle(), row]);
    });

    await t.test('a screenshot dropped on the Desktop appears by itself, marked new', async () => {
      await writeFile(path.join(dirs.home, 'Desktop', 'whiteboard.png'), await renderTextImage(['Whiteboard sketch', 'Ship it Thursday']));
      const row = workbench.treeItem(summaries, /^whiteboard\.png, not summarized yet/);
      await row.waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.treeItem(summaries, /^Desktop, .*1 new/).waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.screenshot('live-folder-new', [workbench.sidebarTitle(), row]);
    });

    await t.test('Export Summaries… writes the summaries as Markdown where the user says, and opens it', async () => {
      await workbench.clearNotifications();
      await workbench.runCommand('Media Summarizer: Export Summaries…', { opensQuickInput: 'Export 2 summaries' });
      await workbench.pickQuickItem('Markdown', 'export-format');
      // The save dialog (VS Code's own in a browser) proposes media-summaries.md in the workspace folder.
      const quickInput = workbench.quickInput();
      await quickInput.waitFor({ state: 'visible' });
      await workbench.screenshot('export-save-dialog');
      await quickInput.locator('input').press('Enter');
      const done = await workbench.notification(/Exported 2 summaries to /, STEP_TIMEOUT_MS);
      const file = path.join(workspace, 'media-summaries.md');
      const markdown = await readFile(file, 'utf8');
      assert.match(markdown, /Flight LH123 boarding pass/);
      assert.match(markdown, /Quarterly budget review/);
      await done.getByRole('button', { name: 'Open', exact: true }).click();
      await waitFor('the export to open', async () => (/media-summaries\.md/.test(await workbench.activeEditorTitle()) ? true : undefined), STEP_TIMEOUT_MS);
      await workbench.screenshot('export-markdown');
    });

    await t.test('Group Files By… Kind (the view.groupBy setting) groups the files, each group with its count', async () => {
      await workbench.runCommand('Media Summarizer: Group Files By…', { opensQuickInput: 'Group Files By' });
      await workbench.pickQuickItem('Kind', 'group-by-pick');
      const images = workbench.treeItem(summaries, /^Images, 3 files/);
      await images.waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.treeItem(summaries, /^whiteboard\.png, not summarized yet/).waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.screenshot('grouped-by-kind', [workbench.sidebarTitle(), workbench.treeItem(summaries, /^whiteboard\.png, /)]);
    });
  });
});

test('a first recording when whisper-cli is not built: its build shows its own progress, and Cancel lets the run go on without speech', { timeout: 600_000 }, async (t) => {
  const unavailable = fixturesMissing(WHISPER_FIXTURES) || (await findBuildTools().then(() => false, (error: Error) => `no cmake/compiler: ${error.message}`));
  if (unavailable) return t.skip(unavailable);
  const session = extensionSession('first-recording', {
    ollamaHost: ollama.url,
    desktop: {},
    settings: { 'mediaSummarizer.whisper.model': TEST_MODEL },
    prepareHome: async (home) => {
      await desktopWith({})(home);
      await makeSilentVideo('ffmpeg', path.join(home, 'Desktop', 'Screen Recording 2025-05-02.mp4'), 2);
    },
  });
  await withSession(session, async ({ workbench, extensionHost }) => {
    const summaries = workbench.view('Media Summaries');
    await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
    const { toast, cancel } = await workbench.progressNotification(/Building whisper-cli \(one time, about 3 minutes\)/, STEP_TIMEOUT_MS);
    await waitFor('the build to compile', async () => (/compiling/.test(await toast.innerText().catch(() => '')) ? true : undefined), 120_000, 200);
    await workbench.screenshot('whisper-cli-build-progress');
    await cancel.click();
    await workbench.notification(/Done: 1 file — 1 summarized/, RUN_TIMEOUT_MS);
    const warning = await workbench.notification(/whisper-cli is not built yet \(its one-time build was cancelled\)/);
    assert.ok(await warning.getByRole('button', { name: 'Build whisper-cli', exact: true }).isVisible(), 'the build is one click from starting again');
    await workbench.treeItem(summaries, /^Screen Recording 2025-05-02\.mp4, summarized/).waitFor({ timeout: STEP_TIMEOUT_MS });
    await workbench.screenshot('whisper-cli-build-cancelled');
    const builders = descendants(extensionHost().pid).filter((p) => /\b(cmake|make|cc1plus|c\+\+|g\+\+)\b/.test(p.args));
    assert.deepEqual(builders.map((p) => p.args), [], 'the build\'s processes are gone');
  });
});
