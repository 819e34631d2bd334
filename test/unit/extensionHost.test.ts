/**
 * The bundled extension (dist/extension.js) driven through a stand-in `vscode` module (extensionVscodeStub.ts):
 * activation registers exactly the contributed commands and touches nothing else; "Summarize Folder" from the
 * Explorer fills the tree with progress, status bar, log lines and the closing message; hovers are untrusted
 * markdown; copy, full text, filter and the API work; after a "restart" the folder is shown again from the cache
 * without a run. Every file here is a cache hit, so no worker starts and Ollama is never needed (its port is closed).
 * Real VS Code behaviour (rendering, menus, process.execPath in the extension host) is the next issue's test.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { CacheStore } from '../../src/core/cache';
import { extractKey, summaryKey, transcriptKey } from '../../src/core/cacheKeys';
import { hashFile } from '../../src/core/hash';
import type { FileRecord } from '../../src/core/records';
import { PROJECT_ROOT, tempDir } from '../support/paths';
import { contentProvider, loadExtension, memento, recorded, registeredCommands, resetHost, treeViews, Uri, window, type MarkdownString, type TreeItem } from './extensionVscodeStub';
import { findOnPath } from '../../src/processors/media/ffmpeg';
import { findBuildTools } from '../../src/processors/whisper/tools';
import { makeSilentVideo } from '../support/makeMedia';
import { startOllamaStandIn } from '../support/ollamaStandIn';
import { fixturesMissing } from '../support/paths';
import { closedPortUrl, descendantsOf } from '../support/processes';
import { TEST_MODEL, WHISPER_FIXTURES } from '../support/whisperBuild';
import { waitFor } from '../support/wait';

const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'extension.js');
const missing = existsSync(BUNDLE) ? false : 'dist/extension.js is missing — run `npm run build` first';
const MODEL = 'llama3.2:3b';


const logFiles = (folder: string) => readdirSync(folder).filter((name) => name.startsWith('media_summaries_'));

describe('the extension in a stand-in host', { skip: missing }, () => {
  let folder: string;
  let globalStorage: string;
  const globalState = memento();
  let extension: ReturnType<typeof loadExtension>;
  const files: Record<string, string> = {};

  function context() {
    return {
      extensionPath: PROJECT_ROOT,
      globalStorageUri: Uri.file(globalStorage),
      storageUri: undefined,
      globalState: memento(globalState.store),
      workspaceState: memento(),
      subscriptions: [] as Array<{ dispose(): unknown }>,
    };
  }

  const tree = () => treeViews.at(-1)!;

  /** Activates for one test and always deactivates and resets the stand-in host afterwards. */
  function activate(t: { after(fn: () => unknown): void }) {
    const activated = context();
    t.after(async () => {
      await extension.deactivate();
      // As VS Code does after deactivate(): what the extension registered is disposed (its folder watchers too).
      for (const disposable of activated.subscriptions) await disposable.dispose();
      resetHost();
    });
    return extension.activate(activated);
  }

  before(async () => {
    folder = await tempDir('ext-host-media');
    globalStorage = await tempDir('ext-host-storage');
    files.shot = path.join(folder, 'shot.png');
    files.talk = path.join(folder, 'talk.mp4');
    files.broken = path.join(folder, 'broken.gif');
    files.todo = path.join(folder, 'todo-later.png');
    for (const [name, file] of Object.entries(files)) await writeFile(file, `bytes of ${name}`);
    const sha = (file: string) => hashFile(file);
    const cache = await CacheStore.open(path.join(globalStorage, 'cache'), { onWarning: () => undefined });
    await cache.putMany([
      [extractKey('image', await sha(files.shot)), { text: 'BOARDING PASS LH123', metadata: { format: 'png', width: 800, height: 600 } }],
      [summaryKey(MODEL, undefined, await sha(files.shot)), { summary: 'A boarding pass for [flight](command:workbench.action.terminal.new) LH123.', title: 'Boarding pass', tags: ['travel'] }],
      [extractKey('video', await sha(files.talk)), { text: '', metadata: { durationSeconds: 12 } }],
      [transcriptKey('base.en', 'auto', undefined, await sha(files.talk)), { text: 'welcome to the talk', segments: [] }],
      [summaryKey(MODEL, undefined, await sha(files.talk)), { summary: 'A short talk.', title: 'Talk', tags: [] }],
      [extractKey('image', await sha(files.broken)), { text: '', metadata: {}, error: 'Cannot decode broken.gif' }],
    ]);
    await cache.close();
    recorded.configuration.set('mediaSummarizer.ollama.host', await closedPortUrl());
    recorded.configuration.set('mediaSummarizer.visionModel', 'none');
    recorded.configuration.set('mediaSummarizer.exclude', ['todo-*']); // not in the cache: it would need a worker
    extension = loadExtension(BUNDLE);
  });


  test('activation registers the contributed commands and starts nothing', async (t) => {
    const api = activate(t);
    const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(registeredCommands().sort(), pkg.contributes.commands.map((c: { command: string }) => c.command).sort());
    assert.equal(typeof api.summarize, 'function');
    assert.equal(typeof api.onDidFinishRecord, 'function');
    assert.equal(tree().id, 'mediaSummarizer.summaries');
    assert.deepEqual(await tree().provider.getChildren(), [], 'empty: the welcome view shows');
    assert.equal(recorded.contexts.get('mediaSummarizer.running'), false);
    assert.equal(recorded.progress.length, 0);
    assert.equal(existsSync(path.join(globalStorage, 'models')), false);
  });

  test('Summarize Folder from the Explorer: progress, status bar, log, tree, hover, copy, full text, filter, API', async (t) => {
    const api = activate(t);
    const finished: FileRecord[] = [];
    api.onDidFinishRecord((record: FileRecord) => finished.push(record));
    await (await import('./extensionVscodeStub')).commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder), [Uri.file(folder)]);

    // Progress notification with "n of m" and a full bar; the status bar counted; one log line per file.
    const progress = recorded.progress.find((p) => p.title === 'Media Summarizer')!;
    assert.equal(progress.location, 15, 'a notification');
    assert.ok(progress.reports.some((r) => r.message === '3 of 3'), JSON.stringify(progress.reports));
    assert.ok(!progress.reports.some((r) => / — /.test(r.message ?? '')), 'cache hits are never "being worked on": no file is named');
    assert.equal(Math.round(progress.reports.reduce((sum, r) => sum + (r.increment ?? 0), 0)), 100);
    assert.ok(recorded.statusTexts.includes('$(sync~spin) Media Summarizer: 3/3'));
    assert.ok(recorded.logLines.includes('info done: shot.png (from cache) — Boarding pass'), recorded.logLines.join('\n'));
    assert.ok(recorded.logLines.includes('error failed: broken.gif (from cache) — Cannot decode broken.gif'));
    assert.deepEqual(finished.map((r) => path.basename(r.path)).sort(), ['broken.gif', 'shot.png', 'talk.mp4']);
    assert.deepEqual(logFiles(folder), [], 'nothing is added to the folder: its log is in the extension\'s storage');
    const storedLog = path.join(globalStorage, 'logs', readdirSync(path.join(globalStorage, 'logs'))[0]);
    assert.match(path.basename(storedLog), new RegExp(`^${path.basename(folder)}-[0-9a-f]{8}\\.txt$`));
    assert.deepEqual([...readFileSync(storedLog, 'utf8').matchAll(/^File: (.*)$/gm)].map((m) => m[1]), ['broken.gif', 'shot.png', 'talk.mp4'], 'every file, in name order');
    assert.equal(recorded.contexts.get('mediaSummarizer.running'), false);

    // The closing message, and the setup checklist's one notification (it runs beside the run): Ollama first,
    // with its buttons, and Check Setup for the rest; the run's own warning of it is not shown again.
    assert.ok(recorded.messages.some((m) => m.level === 'info' && /^Done: 3 files — 2 summarized, 3 from cache, 1 failed/.test(m.message)));
    for (let i = 0; i < 100 && !recorded.messages.some((m) => m.level === 'warning'); i++) await new Promise((r) => setTimeout(r, 20));
    const setupWarnings = recorded.messages.filter((m) => m.level === 'warning' || m.level === 'error');
    assert.equal(setupWarnings.length, 1, JSON.stringify(setupWarnings));
    assert.match(setupWarnings[0].message, /^Media Summarizer( is not fully set up: Ollama.*?\.|:) Ollama (is not reachable at .* — start it with "ollama serve"|is not installed on this machine — install it, then start it with "ollama serve")\. Text is still read; summaries wait\.$/);
    assert.doesNotMatch(setupWarnings[0].message, /`|mediaSummarizer\./, 'no backticks or setting ids');
    assert.equal(setupWarnings[0].items.at(-1), 'Check Setup');

    // The tree: the folder, its files with icons, descriptions and context values.
    const [root] = await tree().provider.getChildren();
    assert.equal(root.path, folder);
    const rootItem: TreeItem = tree().provider.getTreeItem(root);
    assert.equal(rootItem.contextValue, 'folder');
    assert.match(rootItem.description!, /2\/3 summarized · 1 failed/);
    const entries = await tree().provider.getChildren(root);
    const items: TreeItem[] = entries.map((e: unknown) => tree().provider.getTreeItem(e));
    // Titles first: a summarized file's row is its title, with the file name and its date beside it.
    assert.deepEqual(
      items.map((i) => [i.label, String(i.description).replace(/ · .*\d.*$/, ' · <date>'), i.iconPath?.id, i.contextValue]),
      [
        ['broken.gif', 'Cannot decode broken.gif', 'error', 'file.failed'],
        ['Boarding pass', 'shot.png · <date>', 'file-media', 'file.cached'],
        ['Talk', 'talk.mp4 · <date>', 'device-camera-video', 'file.cached'],
      ],
    );
    assert.deepEqual(items[1].command, { command: 'vscode.open', title: 'Open File', arguments: [Uri.file(files.shot)] });
    assert.equal(items[1].tooltip, undefined, 'hovers are built lazily');

    // The hover: untrusted markdown, escaped summary, thumbnail of the image itself.
    const resolved: TreeItem = tree().provider.resolveTreeItem(items[1], entries[1]);
    const tooltip = resolved.tooltip as MarkdownString;
    assert.deepEqual(tooltip.isTrusted, { enabledCommands: ['mediaSummarizer.resummarize', 'mediaSummarizer.showFullText', 'mediaSummarizer.downloadWhisperModel'] }, "links run the file's own actions only");
    assert.match(tooltip.value, /\[Show Full Text\]\(command:mediaSummarizer\.showFullText\?%5B%7B%22kind%22%3A%22file%22/);
    assert.equal(tooltip.supportHtml, false);
    assert.equal(tooltip.supportThemeIcons, false);
    assert.match(tooltip.value, /\\\[flight\\\]\\\(command\\:workbench\\\.action/);
    assert.ok(tooltip.value.includes(`![thumbnail](file://${files.shot.split('/').map(encodeURIComponent).join('/')}|width=320,height=240)`), tooltip.value);
    assert.match(tooltip.value, /BOARDING PASS LH123/);

    // Copy Summary and Show Full Text.
    const { commandsApi } = await import('./extensionVscodeStub');
    await commandsApi.executeCommand('mediaSummarizer.copySummary', entries[1]);
    assert.equal(recorded.clipboard, 'Boarding pass\n\nA boarding pass for [flight](command:workbench.action.terminal.new) LH123.');
    // Several rows selected: VS Code passes the clicked one and the selection; the failed one has no summary.
    await commandsApi.executeCommand('mediaSummarizer.copySummary', entries[1], [entries[0], entries[1], entries[2]]);
    assert.equal(recorded.clipboard, 'Boarding pass\n\nA boarding pass for [flight](command:workbench.action.terminal.new) LH123.\n\n---\n\nTalk\n\nA short talk.');
    assert.equal(recorded.statusTexts.at(-1), '$(copy) 2 summaries copied');
    await commandsApi.executeCommand('mediaSummarizer.showFullText', entries[2]);
    const shown = recorded.shownDocuments.at(-1)!;
    assert.match(shown, /^media-summary:\/\/\/talk\.mp4\.txt\?/);
    const text = String(await contentProvider('media-summary')!.provideTextDocumentContent(Uri.from({ scheme: 'media-summary', path: '/talk.mp4.txt', query: files.talk })));
    assert.match(text, /Transcript\n-+\nwelcome to the talk/);

    // Filter over summaries.
    const originalInput = window.showInputBox;
    window.showInputBox = async () => 'boarding';
    try {
      await commandsApi.executeCommand('mediaSummarizer.filter');
    } finally {
      window.showInputBox = originalInput;
    }
    assert.equal(recorded.contexts.get('mediaSummarizer.filtered'), true);
    assert.equal(tree().view.message, 'Filter: boarding');
    assert.deepEqual((await tree().provider.getChildren(root)).map((e: { path: string }) => path.basename(e.path)), ['shot.png']);
    await commandsApi.executeCommand('mediaSummarizer.clearFilter');
    assert.equal((await tree().provider.getChildren(root)).length, 3);

    // Export Summaries… of the folder as CSV, and the API's search over the same files.
    const exported = path.join(folder, '..', 'export.csv');
    const { showQuickPick, showSaveDialog } = window;
    window.showQuickPick = (async (items: Array<{ format: string }>) => items.find((item) => item.format === 'csv')) as unknown as typeof showQuickPick;
    window.showSaveDialog = async () => Uri.file(exported);
    try {
      await commandsApi.executeCommand('mediaSummarizer.exportSummaries', root);
    } finally {
      Object.assign(window, { showQuickPick, showSaveDialog });
    }
    const csv = await readFile(exported, 'utf8');
    assert.match(csv, /^file,kind,status,title,summary/);
    assert.match(csv, /\r\nshot\.png,image,ok,Boarding pass,/);
    assert.equal((await api.search('boarding'))[0]?.path, files.shot);

    // The API: a cache hit answers without a notification (window progress only).
    const before = recorded.progress.length;
    const record = await api.summarize(Uri.file(files.shot));
    assert.equal(record.title, 'Boarding pass');
    assert.equal(recorded.progress.at(-1)!.location, 10, 'API runs show window progress, not a notification');
    assert.equal(recorded.progress.length, before + 1);
    await assert.rejects(api.summarize(Uri.file(path.join(folder, 'notes.txt'))), /not a supported image, video or audio file/);
    await assert.rejects(api.summarize(Uri.from({ scheme: 'untitled', path: 'x.png' })), /local files only/);

    // Persisted for the next start: the folder and its log, no summaries.
    const saved = globalState.store.get('mediaSummarizer.roots.v1') as Array<{ path: string; lastLog?: string }>;
    assert.equal(saved.length, 1);
    assert.equal(saved[0].path, folder);
    assert.equal(path.dirname(saved[0].lastLog!), path.join(globalStorage, 'logs'));
    assert.doesNotMatch(JSON.stringify(saved), /Boarding/);
  });

  test('after a restart the folder is shown from the cache without a run', async (t) => {
    activate(t);
    const [root] = await tree().provider.getChildren();
    assert.equal(root.path, folder);
    assert.equal(root.loaded, true, 'listed from the cache before the folder is shown');
    const entries = await tree().provider.getChildren(root);
    assert.deepEqual(
      entries.map((e: { path: string; state: string }) => [path.basename(e.path), e.state]),
      [
        ['broken.gif', 'failed'],
        ['shot.png', 'cached'],
        ['talk.mp4', 'cached'],
      ],
    );
    assert.equal(recorded.progress.length, 0, 'no run');
    const { commandsApi } = await import('./extensionVscodeStub');
    await commandsApi.executeCommand('mediaSummarizer.openLog', root);
    assert.equal(recorded.shownDocuments.at(-1), `file://${root.lastLog}`, 'the folder\'s log, kept from the last session');
  });

  test('the summary log is never staler than the view: Summarize File brings the folder\'s log up to date', async (t) => {
    activate(t);
    const [root] = await tree().provider.getChildren();
    await tree().provider.getChildren(root);
    const log = root.lastLog as string;
    const logged = () => [...readFileSync(log, 'utf8').matchAll(/^File: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(logged(), ['broken.gif', 'shot.png', 'talk.mp4']);
    // A file whose content the cache knows (a copy of a summarized one, say), summarized on its own.
    const later = path.join(folder, 'later.png');
    await writeFile(later, 'bytes of shot');
    try {
      const { commandsApi } = await import('./extensionVscodeStub');
      await commandsApi.executeCommand('mediaSummarizer.summarizeFile', Uri.file(later));
      assert.deepEqual(logged(), ['broken.gif', 'later.png', 'shot.png', 'talk.mp4'], 'the whole folder, with the new file');
      assert.equal(root.lastLog, log, 'the same file, rewritten');
      assert.match(readFileSync(log, 'utf8'), /^File: later\.png\nSummary: A boarding pass/m);
      // A file the cache knew, summarized on its own: no toast, the status bar says it and the view selects it.
      assert.equal(recorded.messages.find((m) => /^Done: /.test(m.message)), undefined, JSON.stringify(recorded.messages));
      assert.ok(recorded.statusTexts.some((text) => /^\$\(check\) Media Summarizer: Done: 1 file — 1 summarized, 1 from cache in /.test(text)), recorded.statusTexts.join('\n'));
      assert.deepEqual(recorded.revealed.at(-1), { path: later, options: { select: true, focus: false, expand: true } });

      // Re-summarize of a whole folder asks first; declined, nothing runs.
      const runs = recorded.progress.length;
      await commandsApi.executeCommand('mediaSummarizer.resummarize', root);
      assert.match(recorded.messages.at(-1)?.message ?? '', /^Re-summarize the 4 files of ms-ext-host-media-\w+\?$/);
      assert.deepEqual(recorded.messages.at(-1)?.items, ['Re-summarize']);
      assert.equal(recorded.progress.length, runs, 'declined: nothing runs');
      await commandsApi.executeCommand('mediaSummarizer.removeFolder', root);
      assert.deepEqual(await tree().provider.getChildren(), []);
      assert.deepEqual(globalState.store.get('mediaSummarizer.roots.v1'), []);
    } finally {
      await rm(later, { force: true });
    }
  });

  test('live folders: a file dropped into a folder of the view appears at once, a deleted one leaves; autoSummarize summarizes new files', async (t) => {
    const live = await tempDir('ext-host-live');
    await writeFile(path.join(live, 'first.png'), 'bytes of first');
    activate(t);
    const { commandsApi } = await import('./extensionVscodeStub');
    const rows = async () => {
      const [root] = (await tree().provider.getChildren()).filter((r: { path: string }) => r.path === live);
      return root ? (await tree().provider.getChildren(root)).map((e: { path: string; state: string }) => `${path.basename(e.path)}:${e.state}`).sort() : [];
    };
    // Shown through the API's summarize of one file would make a files-only root; a whole folder is what is watched.
    await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(live), [Uri.file(live)]);
    await waitFor('the folder to be watched', async () => (recorded.watchers.includes(live) ? true : undefined), 5000);
    assert.deepEqual(await rows(), ['first.png:failed'], 'not an image: one clear record');

    // A copy of a file the cache knows is summarized at once; an unknown one is new; a deleted one leaves.
    await writeFile(path.join(live, 'copy of shot.png'), 'bytes of shot');
    await writeFile(path.join(live, 'dropped.png'), 'bytes of dropped');
    await rm(path.join(live, 'first.png'));
    await waitFor('the new files in the view', async () => ((await rows()).length === 2 ? true : undefined), 10_000);
    assert.deepEqual(await rows(), ['copy of shot.png:cached', 'dropped.png:new']);
    assert.equal(recorded.progress.length, 1, 'no run for new files unless autoSummarize is on');
    assert.ok(recorded.logLines.includes('info 1 new file in the view.'), recorded.logLines.join('\n'));

    // A file the view does not show (a summary log, a text file) changes nothing in it: no refresh, which would
    // make VS Code drop the folder's rows and close a hover open on one of them.
    const settle = () => new Promise((resolve) => setTimeout(resolve, 2500)); // the watcher's settle time and the view's refresh delay, twice over
    await settle(); // the refreshes for the files above
    let refreshes = 0;
    const listener = tree().provider.onDidChangeTreeData(() => refreshes++);
    await writeFile(path.join(live, 'notes.txt'), 'not media');
    await settle();
    listener.dispose();
    assert.equal(refreshes, 0, 'a text file written into the folder refreshed the view');

    recorded.configuration.set('mediaSummarizer.autoSummarize', true);
    try {
      await writeFile(path.join(live, 'later.png'), 'bytes of later');
      await waitFor('the new file to be summarized on its own', async () => ((await rows()).includes('later.png:failed') ? true : undefined), 30_000);
      assert.ok(recorded.progress.slice(1).every((p) => p.location === 10), 'in the window (status bar), not as a notification');
      assert.ok((await rows()).includes('dropped.png:new'), 'files that were new before are left to the user');
    } finally {
      recorded.configuration.delete('mediaSummarizer.autoSummarize');
      await commandsApi.executeCommand('mediaSummarizer.removeFolder', (await tree().provider.getChildren()).find((r: { path: string }) => r.path === live));
    }
    assert.ok(!recorded.watchers.includes(live), 'a folder removed from the view is not watched any more');
  });

  test('view.groupBy changed in the settings: the folder\'s files are grouped at once', async (t) => {
    activate(t);
    const { commandsApi, workspace } = await import('./extensionVscodeStub');
    await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder), [Uri.file(folder)]);
    const root = (await tree().provider.getChildren()).find((r: { path: string }) => r.path === folder);
    await workspace.getConfiguration('mediaSummarizer').update('view.groupBy', 'kind');
    try {
      const groups = await tree().provider.getChildren(root);
      assert.deepEqual(groups.map((g: TreeItem & { kind: string }) => [g.kind, tree().provider.getTreeItem(g).label]), [['group', 'Images'], ['group', 'Videos']]);
    } finally {
      await workspace.getConfiguration('mediaSummarizer').update('view.groupBy', undefined);
      await commandsApi.executeCommand('mediaSummarizer.removeFolder', root);
    }
  });

  test('a summary log that cannot be written is shown once as a warning; the run still completes', async (t) => {
    activate(t);
    const logs = path.join(globalStorage, 'logs');
    await rm(logs, { recursive: true, force: true });
    await writeFile(logs, 'a file where the logs folder should be');
    recorded.configuration.set('mediaSummarizer.log.location', 'storage');
    try {
      const { commandsApi } = await import('./extensionVscodeStub');
      await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder));
      // Besides the setup checklist's one notification (Ollama is not running here), which comes when it comes.
      const warnings = recorded.messages.filter((m) => m.level === 'warning' && m.items.at(-1) !== 'Check Setup');
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.ok(warnings[0].message.includes(logs), `names the log path: ${warnings[0].message}`);
      assert.deepEqual(warnings[0].items, ['Show Output', 'Open Settings'], 'the fix the problem names (the log.location setting) is a button');
      assert.doesNotMatch(warnings[0].message, /--log|--no-log/, 'the advice is a setting, not CLI flags');
      const done = recorded.messages.find((m) => /^Done: /.test(m.message));
      assert.ok(done, `the run completed: ${JSON.stringify(recorded.messages)}`);
    } finally {
      recorded.configuration.set('mediaSummarizer.log.location', undefined);
      await rm(logs, { force: true });
    }
  });

  test('a recording when whisper-cli is not built: it is built first, in its own progress with Cancel; cancelled, the run goes on without speech', async (t) => {
    const unavailable = fixturesMissing(WHISPER_FIXTURES) || (await findBuildTools().then(() => false, (error: Error) => `no cmake/compiler: ${error.message}`)) || ((await findOnPath('ffmpeg', process.env)) ? false : 'ffmpeg is not on PATH');
    if (unavailable) return t.skip(unavailable);
    const ollama = await startOllamaStandIn();
    const media = await tempDir('ext-host-build');
    const video = path.join(media, 'memo.mp4');
    await makeSilentVideo('ffmpeg', video, 2);
    recorded.configuration.set('mediaSummarizer.ollama.host', ollama.url);
    recorded.configuration.set('mediaSummarizer.whisper.model', TEST_MODEL);
    activate(t);
    try {
      const { commandsApi } = await import('./extensionVscodeStub');
      const running = commandsApi.executeCommand('mediaSummarizer.summarizeFile', Uri.file(video));
      const build = await waitFor('the build\'s progress', async () => recorded.progress.find((p) => p.title === 'Building whisper-cli (one time, about 3 minutes)'), 30_000);
      assert.equal(build.location, 15, 'a notification');
      assert.ok(build.cancellable, 'with Cancel');
      await waitFor('the build to compile', async () => (build.reports.some((r) => /^compiling/.test(r.message ?? '')) ? true : undefined), 180_000);
      assert.ok(build.reports.some((r) => r.message === 'configuring whisper.cpp with CMake'), JSON.stringify(build.reports));
      assert.equal(recorded.progress.filter((p) => p.title === 'Media Summarizer').length, 0, 'the run waits for the build');
      build.cancel();
      await running;
      assert.ok(recorded.logLines.includes('info Building whisper-cli was cancelled.'), recorded.logLines.join('\n'));
      const compilers = (await descendantsOf(process.pid)).filter((p) => /^(cmake|make|g?make|cc1plus|cc1|c\+\+|g\+\+|gcc)$/.test(p.comm));
      assert.deepEqual(compilers, [], 'the build\'s processes are gone');
      assert.deepEqual(readdirSync(path.join(globalStorage, 'whisper')).filter((name) => !name.endsWith('.lock')), [], 'no build, no work folder');
      // The run went on, and did not build again: the recording is summarized without its speech, and says why.
      const [root] = (await tree().provider.getChildren()).filter((r: { path: string }) => r.path === media);
      const [entry] = await tree().provider.getChildren(root);
      assert.equal(entry.record?.status, 'ok', JSON.stringify(entry.record));
      assert.equal(entry.record.partial?.code, 'not-built');
      assert.match(entry.record.partial.message, /whisper-cli is not built yet \(its one-time build was cancelled\)/);
      const warning = recorded.messages.find((m) => m.level === 'warning');
      assert.match(warning?.message ?? '', /build it with "Media Summarizer: Build whisper-cli"/);
      assert.deepEqual(warning?.items, ['Build whisper-cli', 'Show Output', 'Open Settings']);
    } finally {
      recorded.configuration.set('mediaSummarizer.ollama.host', await closedPortUrl());
      recorded.configuration.delete('mediaSummarizer.whisper.model');
      await ollama.close();
    }
  });

  test('a non-local Ollama host is used only after the user agrees', async (t) => {
    activate(t);
    const local = recorded.configuration.get('mediaSummarizer.ollama.host');
    recorded.configuration.set('mediaSummarizer.ollama.host', 'http://ollama.invalid:11434');
    try {
      const { commandsApi } = await import('./extensionVscodeStub');
      await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder));
      const warning = recorded.messages.find((m) => m.level === 'warning')!;
      assert.match(warning.message, /The Ollama host http:\/\/ollama\.invalid:11434 is not on this machine\./);
      assert.deepEqual(warning.items, ['Send to This Host', 'Open Settings']);
      assert.equal(recorded.progress.length, 0, 'declined: nothing ran');
      assert.equal(globalState.store.get('mediaSummarizer.approvedRemoteHosts.v1'), undefined);
    } finally {
      recorded.configuration.set('mediaSummarizer.ollama.host', local);
    }
  });

  test('Open Settings opens a machine setting where it applies: the Remote tab in a remote window, else the User tab', async (t) => {
    activate(t);
    const { commandsApi, env } = await import('./extensionVscodeStub');
    const local = recorded.configuration.get('mediaSummarizer.ollama.host');
    recorded.configuration.set('mediaSummarizer.ollama.host', 'http://ollama.invalid:11434');
    recorded.answer = (shown) => (shown.items.includes('Open Settings') ? 'Open Settings' : undefined);
    const opened = () => recorded.executed.filter((e) => /^workbench\.action\.open(Remote)?Settings$/.test(e.command)).map((e) => [e.command, ...e.args]);
    try {
      env.remoteName = 'ssh-remote+box';
      await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder));
      assert.deepEqual(opened(), [['workbench.action.openRemoteSettings', { query: 'mediaSummarizer.ollama.host' }]]);
      env.remoteName = undefined;
      await commandsApi.executeCommand('mediaSummarizer.summarizeFolder', Uri.file(folder));
      assert.deepEqual(opened().at(-1), ['workbench.action.openSettings', 'mediaSummarizer.ollama.host']);
    } finally {
      env.remoteName = undefined;
      recorded.configuration.set('mediaSummarizer.ollama.host', local);
    }
  });
});
