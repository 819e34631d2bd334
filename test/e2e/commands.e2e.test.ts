/**
 * The extension's commands beyond the first happy path, in one real code-server session with the packaged
 * extension, asserting what the user sees (screenshots to artifacts/e2e/commands/) and what lands on disk:
 *
 * - the Ollama host is this machine's network address (a TCP forwarder to the loopback-only stand-in), so it is
 *   "not on this machine": the first run asks once (a modal) and no later run asks again;
 * - the first run meets an HTTP 500 for one summary (pending); Retry Failed fills in that one file only;
 * - Copy Summary (clipboard read back in the browser and pasted into an editor), Show Full Text (read-only
 *   media-summary: editor with the OCR text), Re-summarize (one new request at the stand-in, for that file only);
 * - Filter Summaries… / Clear Filter; Clear Cache (a cached re-run first, then the confirmation, an empty cache file
 *   and a run that processes everything again);
 * - Select Ollama Model… (the stand-in's /api/tags in a QuickPick, the choice written to the user settings file),
 *   Pull Ollama Model (the stand-in's streamed progress in the notification, the model then in /api/tags) and
 *   Download OCR Language… (German from a stand-in npm registry set in mediaSummarizer.ocr.downloadBaseUrl);
 *   Download Whisper Model (from a local mirror set in mediaSummarizer.whisper.downloadBaseUrl, with progress, into
 *   the extension's models folder).
 *
 * The machine-scoped settings (host, mirror) are in code-server's Remote settings (Machine/settings.json), where
 * a remote window reads them; see writeRemoteSettings in support/codeServer.ts.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { startNpmRegistryStandIn, type NpmRegistryStandIn } from '../support/npmRegistryStandIn';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { TEST_MODEL } from '../support/whisperBuild';
import { startFileMirror, type FileMirror } from './support/fileMirror';
import { projectVsix } from './support/paths';
import { externalIPv4, forwardToLoopback, type Forwarder } from './support/remoteHost';
import { waitFor } from '../support/wait';
import { desktopWith, withSession, type Session } from './support/session';
import { escapeRegExp } from './support/workbench';

/** OCR of three images (tesseract.js starting in each worker) and their summaries, on 2 shared cores. */
const RUN_TIMEOUT_MS = 180_000;
const STEP_TIMEOUT_MS = 30_000;

const IMAGES: Record<string, string[]> = {
  'alpha.png': ['Alpha project kickoff', 'Budget approved today'],
  'beta.png': ['Beta release checklist', 'Ship the installer'],
  'gamma.png': ['Gamma telescope log', 'Zebra stripes observed'],
};
const NAMES = Object.keys(IMAGES);
/** The first line of each image: what the stand-in's summary quotes, and so what identifies a request. */
const firstLine = (name: string): string => IMAGES[name][0];

const WHISPER_MODEL = 'tiny.en';
const HOST_QUESTION = 'is not on this machine';

let ollama: OllamaStandIn;
let remote: Forwarder | undefined;
let mirror: FileMirror | undefined;
let registry: NpmRegistryStandIn;
/** German OCR data, as the npm registry (here its stand-in) serves it to Download OCR Language…. */
let germanData: Buffer;
let remoteSkip: string | false = false;
let whisperSkip: string | false = false;

before(async () => {
  ollama = await startOllamaStandIn({ models: ['llama3.2:3b', 'mistral:7b'] });
  const address = externalIPv4();
  if (address) remote = await forwardToLoopback(address, ollama.port);
  else remoteSkip = 'this machine has no non-loopback IPv4 address to present as a remote Ollama host';
  germanData = await readFile(require.resolve('@tesseract.js-data/deu/4.0.0_best_int/deu.traineddata.gz'));
  registry = await startNpmRegistryStandIn({ deu: germanData });
  if (existsSync(TEST_MODEL)) mirror = await startFileMirror({ [`ggml-${WHISPER_MODEL}.bin`]: await readFile(TEST_MODEL) });
  else whisperSkip = `the whisper test model ${TEST_MODEL} is absent (see ../shared/fixtures/README.md) — the download test is skipped`;
});
after(async () => {
  await remote?.close();
  await mirror?.close();
  await registry?.close();
  await ollama?.close();
});

/** A tree row of the Media Summaries view for a file: "alpha.png, summarized…" (not "…(from cache)" unless `state` says so). */
function fileRow(s: Session, name: string, state: string | RegExp): ReturnType<Session['workbench']['treeItem']> {
  const pattern = typeof state === 'string' ? `${escapeRegExp(state)}(?!\\s*\\(from cache\\))` : state.source;
  return s.workbench.treeItem(s.workbench.view('Media Summaries'), new RegExp(`^${escapeRegExp(name)}, ${pattern}`));
}

/** The prompts the stand-in received from `since` (an index into stats.prompts) on, named by the image they quote. */
function promptedImages(since: number): string[] {
  return ollama.stats.prompts.slice(since).map((prompt) => NAMES.find((name) => prompt.includes(firstLine(name))) ?? `(another prompt: ${prompt.slice(0, 80)})`);
}

/** User/settings.json, and Machine/settings.json (the Remote settings of code-server's window). */
async function userSettings(s: Session): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(s.dirs.userData, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
}
async function remoteSettings(s: Session): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(s.dirs.userData, 'Machine', 'settings.json'), 'utf8')) as Record<string, unknown>;
}

/** The extension's cache file, found under the user-data folder (VS Code's global storage for the extension). */
async function cacheFile(s: Session): Promise<string> {
  const storage = path.join(s.dirs.userData, 'User', 'globalStorage');
  const found = (await readdir(storage, { recursive: true })).filter((file) => path.basename(file) === 'cache.v1.ndjson');
  assert.equal(found.length, 1, `one cache file under ${storage}, found: ${found.join(', ') || 'none'}`);
  return path.join(storage, found[0]);
}

type Body = (t: TestContext) => Promise<void>;

/** Lines of the cache file other than its header line (src/core/cacheFile.ts): one per stored or deleted entry. */
const entryLines = async (file: string): Promise<number> =>
  (await readFile(file, 'utf8')).split('\n').filter((line) => line.trim() !== '' && !line.startsWith('{"h":')).length;

test('the extension’s commands in a real workbench', { timeout: 1_200_000 }, async (t) => {
  if (remoteSkip) return t.skip(remoteSkip);
  const session = {
    name: 'commands',
    vsix: [projectVsix()],
    trust: true,
    settings: {
      'mediaSummarizer.visionModel': 'none',
      'mediaSummarizer.workers': 2,
    },
    // Machine-scoped: in code-server's Remote settings, where they survive the settings writes of the model commands.
    remoteSettings: {
      'mediaSummarizer.ollama.host': remote!.url,
      ...(mirror ? { 'mediaSummarizer.whisper.downloadBaseUrl': mirror.url } : {}),
      'mediaSummarizer.ocr.downloadBaseUrl': registry.url,
    },
    prepareHome: desktopWith(IMAGES),
  };

  await withSession(session, async (s) => {
    const { workbench } = s;
    const summaries = workbench.view('Media Summaries');
    const hostDialogs = await workbench.countDialogs(HOST_QUESTION);
    /**
     * A subtest that, when it fails, leaves a picture and the notifications in the test's output, and closes what
     * it left open (a QuickPick, a dialog) so that the next step starts from a clean workbench.
     */
    const step = (name: string, ...args: [Body] | [{ skip: string | false }, Body]): Promise<void> => {
      const [options, body] = args.length === 1 ? [{}, args[0]] : args;
      return t.test(name, options, async (tt) => {
        try {
          await body(tt);
        } catch (error) {
          await workbench.screenshot('failed').catch(() => undefined);
          await workbench.page.keyboard.press('Escape').catch(() => undefined);
          const notifications = await workbench.notificationCenterTexts().catch((e: Error) => [`(could not read them: ${e.message})`]);
          tt.diagnostic(`notifications at the failure: ${notifications.map((n) => n.replace(/\s+/g, ' ')).join(' | ') || 'none'}`);
          throw error;
        }
      });
    };

    await step('a remote Ollama host: the first run asks once before sending media content there; an HTTP 500 leaves one summary pending', async () => {
      ollama.failNext('http500', 1);
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      const dialog = workbench.dialog(HOST_QUESTION);
      await dialog.waitFor({ state: 'visible' });
      const text = await dialog.innerText();
      assert.match(text, new RegExp(`The Ollama host ${escapeRegExp(remote!.url)}/? is not on this machine`), `the dialog says:\n${text}`);
      assert.equal(remote!.connections, 0, 'nothing was sent to the host before the user agreed');
      await workbench.screenshot('remote-host-warning');
      await dialog.getByRole('button', { name: 'Send to This Host' }).click();
      await workbench.notification(/Done: 3 files — 2 summarized, 1 pending/, RUN_TIMEOUT_MS);
      await workbench.screenshot('first-run-one-pending');
      // The tree refreshes from the cache after the closing notification: wait for the row, then count.
      const pendingRows = workbench.treeItem(summaries, /, summary pending/);
      await pendingRows.first().waitFor({ timeout: STEP_TIMEOUT_MS });
      assert.equal(await pendingRows.count(), 1, 'one file shows "summary pending"');
      assert.ok(remote!.connections > 0, 'the requests went through the remote address');
    });

    await step('Retry Failed summarizes the pending file again — only that one — and it turns summarized', async () => {
      const pendingLabel = (await workbench.treeItem(summaries, /, summary pending/).getAttribute('aria-label')) ?? '';
      const pending = NAMES.find((name) => pendingLabel.startsWith(`${name},`));
      assert.ok(pending, `the pending row names an image: ${pendingLabel}`);
      await workbench.clearNotifications();
      const before = ollama.stats.prompts.length;
      await workbench.runCommand('Media Summarizer: Retry Failed');
      await fileRow(s, pending, 'summarized').waitFor({ timeout: RUN_TIMEOUT_MS });
      await workbench.notification(/Done: 1 file — 1 summarized in/);
      assert.deepEqual(promptedImages(before), [pending], 'the stand-in was asked again for the pending file only');
      for (const name of NAMES) await fileRow(s, name, 'summarized').waitFor({ timeout: STEP_TIMEOUT_MS });
      await workbench.screenshot('retried-all-summarized');
    });

    await step('Copy Summary puts the title and summary the hover shows on the clipboard', async () => {
      const row = fileRow(s, 'alpha.png', 'summarized');
      const hover = (await workbench.hoverText(row)).replace(/\s+/g, ' ');
      await workbench.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(s.server.url).origin });
      await workbench.contextMenu(row, 'Copy Summary', 'copy-summary-menu');
      const clipboard = await waitFor(
        'the summary on the clipboard',
        async () => {
          const text = await workbench.clipboardText();
          return text.includes(firstLine('alpha.png')) ? text : undefined;
        },
        STEP_TIMEOUT_MS,
      );
      const [title, ...rest] = clipboard.split('\n\n');
      const summary = rest.join('\n\n').replace(/\s+/g, ' ').trim();
      assert.ok(title.trim() && summary, `the clipboard holds "title\\n\\nsummary": ${JSON.stringify(clipboard)}`);
      assert.ok(hover.includes(title.trim()), `the hover shows the copied title "${title}":\n${hover}`);
      assert.ok(hover.includes(summary), `the hover shows the copied summary "${summary}":\n${hover}`);

      // As a person would check it: paste into a new editor.
      await workbench.runCommand('File: New Untitled Text File');
      await workbench.page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
      await workbench.page.keyboard.press('Control+V');
      const pasted = await waitFor('the pasted summary in the editor', async () => {
        const text = await workbench.activeEditorText();
        return text.includes(firstLine('alpha.png')) ? text : undefined;
      }, STEP_TIMEOUT_MS);
      assert.equal(pasted.replace(/\s+/g, ' ').trim(), clipboard.replace(/\s+/g, ' ').trim());
      await workbench.screenshot('summary-pasted');
      await workbench.runCommand('View: Revert and Close Editor');
    });

    await step('Show Full Text opens a read-only media-summary: editor with the OCR text', async () => {
      await workbench.contextMenu(fileRow(s, 'alpha.png', 'summarized'), 'Show Full Text');
      assert.match(await workbench.activeEditorTitle(), /alpha\.png\.txt/);
      const text = await workbench.activeEditorText();
      for (const expected of ['Path: ', 'Status: summarized', 'Text found (OCR)', ...IMAGES['alpha.png']]) assert.ok(text.includes(expected), `the editor shows "${expected}":\n${text}`);
      // Monaco puts the document's URI on its editor element.
      const uri = await workbench.page.locator('.editor-group-container.active .editor-instance .monaco-editor[data-uri]').first().getAttribute('data-uri');
      assert.match(uri ?? '', /^media-summary:\/alpha\.png\.txt\?/, `the editor shows a media-summary: document (${uri})`);
      await workbench.screenshot('full-text');
      // Typing into it is refused, and the text stays as it was.
      await workbench.page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await workbench.page.keyboard.type('x');
      await workbench.page.locator('.monaco-editor-overlaymessage').filter({ hasText: /read-only/i }).waitFor({ state: 'visible' });
      await workbench.screenshot('full-text-read-only');
      assert.equal(await workbench.activeEditorText(), text);
      await workbench.runCommand('View: Close Editor');

      // The hover's own link does the same (the only commands a hover may run are the file's actions).
      await workbench.clickHoverLink(fileRow(s, 'alpha.png', 'summarized'), 'Show Full Text', 'hover-actions');
      await waitFor('the full text opened from the hover', async () => (/alpha\.png\.txt/.test(await workbench.activeEditorTitle()) ? true : undefined), STEP_TIMEOUT_MS);
      assert.equal(await workbench.activeEditorText(), text);
      await workbench.runCommand('View: Close Editor');
    });

    await step('Re-summarize on one file processes it again, ignoring the cache; the others are not asked for', async () => {
      await workbench.clearNotifications();
      const before = ollama.stats.prompts.length;
      await workbench.contextMenu(fileRow(s, 'beta.png', 'summarized'), 'Re-summarize', 're-summarize-menu');
      await workbench.notification(/Done: 1 file — 1 summarized in/, RUN_TIMEOUT_MS);
      assert.deepEqual(promptedImages(before), ['beta.png'], 'one new request, for beta.png');
      await fileRow(s, 'beta.png', 'summarized').waitFor();
      await workbench.screenshot('re-summarized');
    });

    await step('Filter Summaries… shows only the matching file; Clear Filter shows all again', async () => {
      const fileRows = summaries.getByRole('treeitem', { name: /\.png, / });
      await workbench.runCommand('Media Summarizer: Filter Summaries…', { opensQuickInput: 'Filter Media Summaries' });
      await workbench.answerInputBox('zebra', 'filter-input');
      await waitFor('the filtered tree', async () => ((await fileRows.count()) === 1 ? true : undefined), STEP_TIMEOUT_MS);
      await fileRow(s, 'gamma.png', 'summarized').waitFor();
      await summaries.getByText('Filter: zebra').waitFor();
      await workbench.screenshot('filtered');
      await workbench.runCommand('Media Summarizer: Clear Filter');
      await waitFor('all three files again', async () => ((await fileRows.count()) === 3 ? true : undefined), STEP_TIMEOUT_MS);
      assert.equal(await summaries.getByText('Filter: zebra').count(), 0, 'the filter message is gone');
      await workbench.screenshot('filter-cleared');
    });

    await step('Clear Cache asks first, empties the cache, and the next run processes every file again', async () => {
      // First the contrast: without clearing, a run answers from the cache and asks the stand-in nothing.
      await workbench.clearNotifications();
      let before = ollama.stats.prompts.length;
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 3 files — 3 summarized, 3 from cache in/, RUN_TIMEOUT_MS);
      assert.deepEqual(promptedImages(before), []);
      // Summarized in this window earlier: still "summarized", not "from cache", though the cache answered.
      for (const name of NAMES) await fileRow(s, name, 'summarized').waitFor();
      const file = await cacheFile(s);
      assert.ok((await entryLines(file)) >= NAMES.length, `the cache file ${file} holds the results`);

      await workbench.runCommand('Media Summarizer: Clear Cache');
      const dialog = workbench.dialog('Delete all cached summaries');
      await dialog.waitFor({ state: 'visible' });
      await workbench.screenshot('clear-cache-confirmation');
      await dialog.getByRole('button', { name: 'Clear Cache', exact: true }).click();
      await workbench.notification('the cache is cleared');
      assert.equal(await entryLines(file), 0, `the cache file ${file} is empty`);
      for (const name of NAMES) await fileRow(s, name, 'not summarized yet').waitFor();
      await workbench.screenshot('cache-cleared');

      await workbench.clearNotifications();
      before = ollama.stats.prompts.length;
      await workbench.runCommand('Media Summarizer: Summarize Desktop Media');
      await workbench.notification(/Done: 3 files — 3 summarized in/, RUN_TIMEOUT_MS);
      assert.deepEqual(promptedImages(before).sort(), [...NAMES].sort(), 'every file was summarized again');
      for (const name of NAMES) await fileRow(s, name, 'summarized').waitFor();
    });

    await step('Select Ollama Model… lists the models of /api/tags and writes the choice to the user settings', async () => {
      await workbench.clearNotifications();
      await workbench.runCommand('Media Summarizer: Select Ollama Model…', { opensQuickInput: 'Select Ollama Model' });
      const labels = await workbench.quickPickLabels();
      assert.deepEqual(labels, ['llama3.2:3b', 'mistral:7b', 'Pull a Model…'], `the QuickPick offers: ${labels.join(' | ')}`);
      await workbench.pickQuickItem('mistral:7b', 'select-model');
      await workbench.notification('summaries are now written by mistral:7b');
      await waitFor('mediaSummarizer.model in the user settings', async () => ((await userSettings(s))['mediaSummarizer.model'] === 'mistral:7b' ? true : undefined), STEP_TIMEOUT_MS);
    });

    await step('Pull Ollama Model shows the stand-in’s streamed progress; the model is then installed', async (tt) => {
      await workbench.clearNotifications();
      // A pause between the streamed progress lines, so the notification shows them one after another.
      ollama.setLatency(0, 400);
      try {
        await workbench.runCommand('Media Summarizer: Pull Ollama Model', { opensQuickInput: 'Pull Ollama Model' });
        await workbench.answerInputBox('phi3:mini', 'pull-model-input');
        const { toast } = await workbench.progressNotification('Pulling phi3:mini');
        const seen = new Set<string>();
        const ready = workbench.notification('phi3:mini is ready', 60_000);
        let done = false;
        void ready.then(() => (done = true), () => (done = true));
        // Reads the notification's text until the pull ends, keeping each distinct text (one picture of the first).
        while (!done) {
          const text = (await toast.innerText({ timeout: 1000 }).catch(() => '')).replace(/\s+/g, ' ').trim();
          if (text && !seen.has(text)) {
            seen.add(text);
            if (seen.size === 2) await workbench.screenshot('pull-progress');
          }
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        await ready;
        const percents = [...seen].flatMap((text) => [...text.matchAll(/(\d+)%/g)].map((m) => Number(m[1])));
        tt.diagnostic(`progress notification texts seen: ${[...seen].join(' | ')}`);
        assert.ok(percents.some((p) => p > 0 && p < 100), `the notification showed partial progress (seen: ${[...seen].join(' | ')})`);
      } finally {
        ollama.setLatency(0, 0);
      }
      await workbench.screenshot('pull-done');
      const tags = (await (await fetch(`${ollama.url}/api/tags`)).json()) as { models: { name: string }[] };
      assert.ok(tags.models.some((m) => m.name === 'phi3:mini'), `/api/tags lists phi3:mini: ${tags.models.map((m) => m.name).join(', ')}`);
    });

    await step('Download Whisper Model fetches from the mirror setting with progress, into the extension’s models folder', { skip: whisperSkip }, async (tt) => {
      await workbench.clearNotifications();
      await workbench.runCommand('Media Summarizer: Download Whisper Model', { opensQuickInput: 'Download Whisper Model' });
      // The recommended models first, with their sizes and what they are good for; not 30 names starting with tiny.
      const rows = workbench.quickInput().locator('.monaco-list-row');
      await rows.first().waitFor({ state: 'visible' });
      const firstModel = (await rows.allInnerTexts()).find((text) => /\d (MB|GB)/.test(text)) ?? '';
      assert.match(firstModel.replace(/\s+/g, ' '), /^base\.en ?142 MB · English/, `the first model offered: ${firstModel}`);
      await workbench.screenshot('download-whisper-picker');
      await workbench.quickInput().locator('input').fill(WHISPER_MODEL);
      await workbench.pickQuickItem(WHISPER_MODEL, 'download-whisper-pick');
      const { toast } = await workbench.progressNotification(`Downloading whisper model ${WHISPER_MODEL}`);
      // The mirror sends the file in slices a quarter second apart: the notification shows the bytes so far.
      const progress = await waitFor('a partial "x / y MB" progress message', async () => {
        const text = await toast.innerText({ timeout: 1000 }).catch(() => '');
        const match = /(\d+(?:\.\d+)?) \/ (\d+(?:\.\d+)?) MB/.exec(text);
        return match && Number(match[1]) > 0 && Number(match[1]) < Number(match[2]) ? text : undefined;
      }, STEP_TIMEOUT_MS, 100);
      await workbench.screenshot('download-whisper-progress');
      tt.diagnostic(`download progress shown: ${progress.replace(/\s+/g, ' ')}`);
      const ready = await workbench.notification(`whisper model ${WHISPER_MODEL} is ready`, 60_000);
      assert.deepEqual(mirror!.requests, [`GET /ggml-${WHISPER_MODEL}.bin 200`]);
      // The extension looks for models in <global storage>/models, beside its cache (logic/settings.ts resolvePaths).
      const model = path.join(path.dirname(path.dirname(await cacheFile(s))), 'models', `ggml-${WHISPER_MODEL}.bin`);
      assert.ok((await readFile(model)).equals(await readFile(TEST_MODEL)), `${model} holds the mirror's file`);
      await ready.getByRole('button', { name: 'Use for Transcripts' }).click();
      // whisper.model is machine-overridable: in code-server's remote window VS Code writes it to the Remote settings.
      const written = await waitFor('mediaSummarizer.whisper.model in the user or remote settings', async () => {
        for (const [where, settings] of [['user', await userSettings(s)], ['remote', await remoteSettings(s)]] as const) {
          if (settings['mediaSummarizer.whisper.model'] === WHISPER_MODEL) return where;
        }
        return undefined;
      }, STEP_TIMEOUT_MS);
      tt.diagnostic(`mediaSummarizer.whisper.model was written to the ${written} settings`);
      await workbench.screenshot('download-whisper-done');
    });

    await step('Download OCR Language… offers German first, fetches it from the registry setting, and adds it to the OCR languages', async (tt) => {
      await workbench.clearNotifications();
      await workbench.runCommand('Media Summarizer: Download OCR Language…', { opensQuickInput: 'Download OCR Language' });
      const rows = workbench.quickInput().locator('.monaco-list-row');
      await rows.first().waitFor({ state: 'visible' });
      assert.match((await rows.first().innerText()).replace(/\s+/g, ' '), /^German ?deu$/, 'the first language offered');
      await workbench.screenshot('download-ocr-picker');
      await workbench.pickQuickItem('German', 'download-ocr-pick');
      const ready = await workbench.notification('OCR language deu is ready', 60_000);
      assert.deepEqual(registry.requests, ['/@tesseract.js-data%2fdeu', '/deu-1.0.0.tgz']);
      // Beside the models, in the extension's storage (logic/settings.ts resolvePaths: the data folder).
      const data = path.join(path.dirname(path.dirname(await cacheFile(s))), 'ocr-data', 'deu.traineddata.gz');
      assert.ok((await readFile(data)).equals(germanData), `${data} holds the registry's German data`);
      await ready.getByRole('button', { name: 'Read Text in It' }).click();
      const written = await waitFor('mediaSummarizer.ocr.languages = eng+deu in the user or remote settings', async () => {
        for (const [where, settings] of [['user', await userSettings(s)], ['remote', await remoteSettings(s)]] as const) {
          if (settings['mediaSummarizer.ocr.languages'] === 'eng+deu') return where;
        }
        return undefined;
      }, STEP_TIMEOUT_MS);
      tt.diagnostic(`mediaSummarizer.ocr.languages was written to the ${written} settings`);
    });

    await step('the remote-host question was asked once in the whole session, not again on later runs', async () => {
      assert.equal(await hostDialogs(), 1);
      assert.equal(await workbench.dialog(HOST_QUESTION).count(), 0);
    });
  });
});
