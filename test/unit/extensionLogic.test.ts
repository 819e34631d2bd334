/**
 * The extension's vscode-free logic: markdown escaping and hovers (rendered with marked, the GFM renderer VS Code
 * uses), settings → engine options, glob filters, the tree model's state transitions from RunEvents, tree item
 * presentation, status texts. None of these modules may import `vscode`.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { marked } from 'marked';
import type { RunEvent } from '../../src/core/engine';
import type { FileRecord } from '../../src/core/records';
import { globFilter, invalidGlobs } from '../../src/extension/logic/globs';
import { doFix, problem, settingFix } from '../../src/core/problems';
import { cliWording } from '../../src/cli/wording';
import { extensionWording, fixActions } from '../../src/extension/logic/wording';
import { ALL_CONTEXT_VALUES } from '../../src/extension/logic/ids';
import { codeBlock, escapeInline, escapeLines, excerpt, firstWords, fitInto, safeFileUri, thumbnailMarkdown } from '../../src/extension/logic/markdown';
import { logTarget, storageLogFile } from '../../src/extension/folderLogs';
import { whisperChoices } from '../../src/extension/logic/whisperChoices';
import { inertQuickPickText } from '../../src/extension/logic/inertText';
import { WHISPER_MODEL_NAMES } from '../../src/processors/whisper/models';
import { stateOfRecord, SummaryModel, type FileEntry, type RootEntry } from '../../src/extension/logic/model';
import { ModelSearch } from '../../src/extension/logic/modelSearch';
import { displayFolder, entryDate, entryDescription, entryIcon, entryItem, entryLabel, rootItem, shortDate, sortEntries, viewBadge } from '../../src/extension/logic/presentation';
import { engineOptions, isLocalHost, readSettings, resolvePaths, SETTING_DEFAULTS, type SettingKey } from '../../src/extension/logic/settings';
import { inertNotificationText } from '../../src/extension/logic/inertText';
import { formatMs, progressIncrement, progressMessage, recordLogLine, runSummary, statusBarText } from '../../src/extension/logic/runTexts';
import { DownloadProgress, PullProgress } from '../../src/extension/logic/transferProgress';
import { buildTooltip, formatBytes, HOVER_COMMANDS, renderFullText } from '../../src/extension/logic/tooltip';

const INJECTIONS = [
  '[x](command:workbench.action.terminal.new)',
  '[click me](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script><a href="command:x">a</a>',
  '![](http://evil.example/track.png)',
  '![x](file:///etc/passwd)',
  'see https://evil.example/a, www.evil.com and someone@evil.com',
  '<https://evil.example>',
  '`code` and ```fence``` and ``double``',
  'first\n# Heading\n- item\n1. one\n> quote\n---\n| a | b |\n|---|---|',
  '$(zap) $(terminal) &amp; &#60;script&#62; &lt;b&gt;',
  '\\[x](command:a) \\\\[y](command:b)',
  '[ref]: command:workbench.action.terminal.new\n[ref]',
  '**bold** _em_ ~~strike~~ [^1]',
  '\u202Egnp.exe\u202C and \u001b[31mred\u001b[0m',
];

/** Renders like VS Code's hovers do (marked with GFM) and returns the HTML. */
function render(markdown: string): string {
  return marked.parse(markdown, { async: false, gfm: true, breaks: false });
}

/** No link, no raw HTML, no image except our own thumbnail, no theme-icon syntax left to expand. */
function assertInertHtml(html: string, allowedImages = 0): void {
  assert.doesNotMatch(html, /<a[\s>]/i, `no link in ${html}`);
  assert.doesNotMatch(html, /<(script|iframe|svg|style|b|h\d|ul|ol|li|blockquote|table|hr|del|strong|em)[\s>]/i, `no HTML or markdown structure in ${html}`);
  const images = html.match(/<img\s[^>]*>/gi) ?? [];
  assert.ok(images.length <= allowedImages, `at most ${allowedImages} image(s) in ${html}`);
  for (const image of images) assert.match(image, /src="file:\/\/\/[A-Za-z0-9._~%/-]+(%7C|\|)width=\d+(,height=\d+)?"/);
}

describe('markdown escaping', () => {
  for (const attack of INJECTIONS) {
    test(`escapeInline keeps ${JSON.stringify(attack).slice(0, 50)} as text`, () => {
      const markdown = escapeInline(attack);
      assert.doesNotMatch(markdown, /\n/);
      // Every ASCII punctuation character is escaped: nothing is left for markdown to interpret.
      assert.doesNotMatch(markdown.replace(/\\[!-/:-@[-`{-~]/g, ''), /[!-/:-@[-`{-~]/);
      const html = render(markdown);
      assertInertHtml(html);
      assert.doesNotMatch(html, /<p>.*<\/p>.*<p>/s, 'one paragraph');
    });

    test(`escapeLines keeps ${JSON.stringify(attack).slice(0, 50)} as text`, () => {
      assertInertHtml(render(escapeLines(attack)));
    });

    test(`codeBlock keeps ${JSON.stringify(attack).slice(0, 50)} verbatim`, () => {
      const html = render(codeBlock(attack));
      assert.match(html, /^<pre><code class="language-text">/);
      assert.equal((html.match(/<pre>/g) ?? []).length, 1, 'one code block, not closed early');
      assertInertHtml(html.replace(/<pre><code[^>]*>[\s\S]*<\/code><\/pre>/, ''));
    });
  }

  test('escaped text reads as the original', () => {
    const html = render(escapeInline('Invoice #42 (due 2024-05-01): pay $100 * 2 = [total]'));
    assert.equal(html.trim(), '<p>Invoice #42 (due 2024-05-01): pay $100 * 2 = [total]</p>');
  });

  test('escapeLines keeps line breaks and drops runs of blank lines', () => {
    const markdown = escapeLines('one\ntwo\n\n\n\nthree\n');
    assert.equal(render(markdown).trim(), '<p>one<br>two</p>\n<p>three</p>');
  });

  test('control characters and bidi overrides become visible', () => {
    assert.equal(render(escapeInline('a\u202Eb\u0007c')).trim(), '<p>a?b?c</p>');
  });

  test('a fence longer than any backtick run in the text', () => {
    const block = codeBlock('a ````` b');
    assert.ok(block.startsWith('``````text\n'));
    assert.ok(block.endsWith('\n``````'));
  });

  test('excerpt and firstWords cut on word boundaries', () => {
    assert.equal(excerpt('short', 10), 'short');
    assert.equal(excerpt('the quick brown fox jumps', 12), 'the quick…');
    assert.equal(excerpt('a\nb\nc\nd', 100, 2), 'a\nb…');
    assert.equal(firstWords('Meeting\nnotes   from\tMonday', 100), 'Meeting notes from Monday');
  });
});

describe('thumbnail URIs', () => {
  const SAFE_URI = /^file:\/\/\/[A-Za-z0-9._~%/-]+$/;

  test('a POSIX path with markdown and URI syntax in it is fully percent-encoded', () => {
    const file = '/home/me/Desktop/Shot (1) [x] |y| #z ?q %41 \'a\' *b* !c ü.png';
    const uri = safeFileUri(file, 'linux')!;
    assert.match(uri, SAFE_URI);
    assert.equal(decodeURIComponent(uri.slice('file://'.length)), file);
    assert.equal(new URL(uri).pathname, uri.slice('file://'.length));
  });

  test('Windows drive paths become file:///c%3A/…, UNC and relative paths get no URI', () => {
    assert.equal(safeFileUri('C:\\Users\\me\\Desktop\\a (1).png', 'win32'), 'file:///c%3A/Users/me/Desktop/a%20%281%29.png');
    assert.equal(safeFileUri('\\\\server\\share\\a.png', 'win32'), undefined);
    assert.equal(safeFileUri('//server/share/a.png', 'linux'), undefined);
    assert.equal(safeFileUri('relative/a.png', 'linux'), undefined);
  });

  test('only formats a hover can show get a thumbnail, sized into 320×240', () => {
    assert.equal(thumbnailMarkdown('/a/b.heic'), undefined);
    assert.equal(thumbnailMarkdown('/a/b.tiff'), undefined);
    assert.equal(thumbnailMarkdown('/a/b.PNG', { width: 1920, height: 1080 }, { platform: 'linux' }), '![thumbnail](file:///a/b.PNG|width=320,height=180)');
    assert.equal(thumbnailMarkdown('/a/b.jpg', {}, { platform: 'linux' }), '![thumbnail](file:///a/b.jpg|width=320)');
    assert.deepEqual(fitInto(100, 50, 320, 240), { width: 100, height: 50 });
    assert.deepEqual(fitInto(1000, 3000, 320, 240), { width: 80, height: 240 });
  });

  test('a hostile file name cannot break out of the image link', () => {
    const html = render(thumbnailMarkdown('/tmp/x)](command:evil) <img src=y>.png', { width: 10, height: 10 }, { platform: 'linux' })!);
    assertInertHtml(html, 1);
  });
});

function record(extra: Partial<FileRecord> = {}): FileRecord {
  return { path: '/home/me/Desktop/shot.png', kind: 'image', status: 'ok', cached: false, metadata: {}, ...extra };
}

function entry(extra: Partial<FileEntry> = {}): FileEntry {
  return { kind: 'file', path: '/home/me/Desktop/shot.png', root: '/home/me/Desktop', mediaKind: 'image', state: 'done', ...extra };
}

describe('QuickPick text', () => {
  test('a file name or title with "$(icon)" is shown as text, not drawn as an icon', () => {
    assert.equal(inertQuickPickText('$(alert) 2025-05-02 $(x).png'), '\\$(alert) 2025-05-02 \\$(x).png');
  });
});

describe('whisper model choices', () => {
  test('recommended models first with their sizes and uses, then every other one, the configured one marked', () => {
    const choices = whisperChoices('small');
    assert.deepEqual(choices.filter((c) => c.recommended).map((c) => c.name), ['base.en', 'small', 'tiny.en', 'large-v3-turbo-q5_0']);
    assert.equal(choices[0].description, '142 MB · English');
    assert.equal(choices[1].description, '466 MB · any language · configured');
    assert.ok(choices.filter((c) => c.recommended).every((c) => c.detail), 'each recommended one says what it is good for');
    assert.equal(choices.length, WHISPER_MODEL_NAMES.length, 'every model once');
    assert.equal(choices.find((c) => c.name === 'medium-q5_0')?.description, '514 MB · any language · compressed');
  });
});

describe('hover tooltips', () => {
  test('summary, thumbnail, tags, metadata and an OCR excerpt', () => {
    const markdown = buildTooltip(
      entry({
        record: record({
          title: 'Quarterly report',
          summary: 'A slide about Q3 revenue.',
          tags: ['finance', 'slides'],
          ocrText: 'Q3 revenue up 12%\nCosts flat',
          metadata: { width: 1920, height: 1080, format: 'png', sizeBytes: 204_800 },
        }),
      }),
      { platform: 'linux' },
    );
    const html = render(markdown);
    assert.match(html, /<strong>Quarterly report<\/strong>/);
    assert.match(html, /A slide about Q3 revenue\./);
    assert.match(html, /Tags: finance, slides/);
    assert.match(html, /Dimensions: 1920x1080, Format: png/);
    assert.match(html, /shot\.png · 200 KB/);
    assert.match(html, /Text found:/);
    assert.match(html, /<pre><code class="language-text">Q3 revenue up 12%\nCosts flat\n<\/code><\/pre>/);
    assert.match(html, /<img src="file:\/\/\/home\/me\/Desktop\/shot\.png(%7C|\|)width=320,height=180" alt="thumbnail">/);
  });

  test('every untrusted field of a hostile record stays inert', () => {
    for (const attack of INJECTIONS) {
      const markdown = buildTooltip(
        entry({
          path: `/home/me/Desktop/${attack.replace(/[\n/\\]/g, ' ')}.png`,
          record: record({
            path: `/home/me/Desktop/x.png`,
            title: attack,
            summary: attack,
            tags: [attack, attack],
            ocrText: attack,
            visionText: attack,
            transcript: attack,
            metadata: { format: attack, exif: { Make: attack, Software: attack } },
          }),
        }),
        { platform: 'linux' },
      );
      // The hover's own links are its last paragraph; the rest, every untrusted field, holds none.
      const links = [...render(markdown).matchAll(/<a href="([^"]*)"/g)].map((m) => m[1]);
      assert.deepEqual(links.map((href) => href.replace(/\?.*$/, '')), ['command:mediaSummarizer.showFullText'], `only the hover's own link: ${links.join(' ')}`);
      assert.deepEqual(JSON.parse(decodeURIComponent(links[0].replace(/^[^?]*\?/, ''))), [{ kind: 'file', path: `/home/me/Desktop/${attack.replace(/[\n/\\]/g, ' ')}.png`, root: '/home/me/Desktop' }]);
      const html = render(markdown.replace(/```+text\n[\s\S]*?\n```+/g, '').replace(/\n\n\[Show Full Text\]\(command:[^)\s]*\)$/, ''));
      assertInertHtml(html.replace(/<\/?(strong|em|p|br)>/g, ''), 1);
    }
  });

  test('a photo shows its description and no OCR noise; a file\'s actions are links to the extension\'s own commands', () => {
    const photo = render(buildTooltip(entry({ path: '/d/beach.jpg', record: record({ path: '/d/beach.jpg', summary: 'A beach.', visionText: 'Waves on a sandy beach at sunset.', ocrText: 'on. _ » 1 nt\nWW ii' }) })));
    assert.match(photo, /Description:[\s\S]*Waves on a sandy beach at sunset\./);
    assert.doesNotMatch(photo, /Text found|on\. _/, 'texture read as letters is not text');
    const screenshot = render(buildTooltip(entry({ record: record({ visionText: 'A dialog box.', ocrText: 'Save changes?\nDon\'t Save  Cancel  Save' }) })));
    assert.match(screenshot, /Description:[\s\S]*A dialog box\.[\s\S]*Text found:[\s\S]*Save changes\?/, 'both, description first');

    const hrefs = (markdown: string) => [...render(markdown).matchAll(/<a href="command:([\w.]+)/g)].map((m) => m[1]);
    assert.deepEqual(hrefs(buildTooltip(entry({ record: record() }))), ['mediaSummarizer.showFullText']);
    assert.deepEqual(hrefs(buildTooltip(entry({ state: 'failed', record: record({ status: 'error', error: 'Cannot read shot.png' }) }))), ['mediaSummarizer.resummarize', 'mediaSummarizer.showFullText']);
    const noWhisper = { code: 'whisper-model-missing', message: 'No whisper model', fixes: [{ kind: 'downloadWhisperModel' as const, model: 'base.en' }] };
    const video = entry({ path: '/m/talk.mp4', mediaKind: 'video', record: record({ path: '/m/talk.mp4', kind: 'video', summary: 'From its frames.', partial: noWhisper }) });
    assert.deepEqual(hrefs(buildTooltip(video)), ['mediaSummarizer.showFullText', 'mediaSummarizer.downloadWhisperModel']);
    assert.deepEqual(hrefs(buildTooltip(entry({ state: 'running', stage: 'ocr', percent: 40, record: record() }))), [], 'no actions while it runs');
    for (const command of [...hrefs(buildTooltip(video)), 'mediaSummarizer.resummarize']) assert.ok((HOVER_COMMANDS as readonly string[]).includes(command), `${command} is enabled in hovers`);
  });

  test('pending, failed and running files say so; videos show their transcript', () => {
    assert.match(render(buildTooltip(entry({ state: 'pending', record: record({ status: 'pending', error: 'Ollama is not reachable' }) }))), /Summary pending: Ollama is not reachable/);
    assert.match(render(buildTooltip(entry({ state: 'failed', record: record({ status: 'error', error: 'Cannot read shot.png' }) }))), /Error: Cannot read shot\.png/);
    assert.match(render(buildTooltip(entry({ state: 'running', stage: 'ocr', percent: 40 }))), /reading text 40%/);
    const video = buildTooltip(
      entry({ path: '/m/talk.mp4', mediaKind: 'video', record: record({ path: '/m/talk.mp4', kind: 'video', summary: 'A talk.', transcript: 'Hello and welcome', metadata: { durationSeconds: 95 } }) }),
    );
    assert.match(video, /Transcript:/);
    assert.match(video, /Hello and welcome/);
    assert.match(render(video), /Duration: 1m 35s/);
    assert.doesNotMatch(video, /thumbnail/);
    const german = buildTooltip(entry({ path: '/m/memo.m4a', mediaKind: 'audio', record: record({ path: '/m/memo.m4a', kind: 'audio', summary: 'Ein Gruß.', transcript: 'Guten Tag', spokenLanguage: 'de' }) }));
    assert.match(german, /Transcript \(German\):/, 'the language whisper heard');
  });

  test('no thumbnail when turned off, for HEIC, or for huge files', () => {
    assert.doesNotMatch(buildTooltip(entry({ record: record() }), { thumbnail: false }), /!\[/);
    assert.doesNotMatch(buildTooltip(entry({ path: '/a/b.heic', record: record({ path: '/a/b.heic' }) })), /!\[/);
    assert.doesNotMatch(buildTooltip(entry({ record: record({ metadata: { sizeBytes: 100 * 1024 * 1024 } }) })), /!\[/);
  });

  test('long OCR text is cut to an excerpt in the hover but complete in the full text', () => {
    const long = Array.from({ length: 100 }, (_, i) => `line ${i} of the document`).join('\n');
    const markdown = buildTooltip(entry({ record: record({ summary: 's', ocrText: long }) }));
    assert.match(markdown, /line 11 of the document…/);
    assert.doesNotMatch(markdown, /line 12 of/);
    const full = renderFullText('/home/me/Desktop/shot.png', record({ title: 'T', summary: 'S', ocrText: long, tags: ['a'] }));
    assert.match(full, /^shot\.png\n=+\nPath: \/home\/me\/Desktop\/shot\.png\nStatus: summarized\nTitle: T\nTags: a\n/);
    assert.match(full, /Summary\n-------\nS\n/);
    assert.match(full, /Text found \(OCR\)\n-+\nline 0 of the document\n[\s\S]*line 99 of the document\n$/);
    assert.match(renderFullText('/x/y.png', undefined), /has not been summarized yet/);
  });

  test('formatBytes', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(50 * 1024 * 1024), '50 MB');
  });
});

describe('settings → engine options', () => {
  const storage = { extensionPath: '/ext', globalStorage: '/g', workspaceStorage: '/w' };
  const getter = (values: Partial<Record<SettingKey, unknown>>) => (key: SettingKey) => values[key];

  test('defaults map to the CLI defaults', () => {
    const { settings, problems } = readSettings(getter({}), {});
    assert.deepEqual(problems, []);
    const paths = resolvePaths(settings, storage);
    assert.deepEqual(engineOptions(settings, paths), {
      ollamaHost: 'http://127.0.0.1:11434',
      model: 'llama3.2:3b',
      vision: 'auto',
      embedModel: 'auto',
      workers: 8,
      llmSlots: 1,
      extraHosts: [],
      llmApi: 'ollama',
      contextTokens: 8192,
      cacheDir: path.join('/g', 'cache'),
      requestTimeoutMs: 600_000,
      media: {
        ffmpegPath: undefined,
        whisperCliPath: undefined,
        whisperModel: 'base.en',
        dataDir: '/g',
        language: 'auto',
        ocrLanguages: 'eng',
        summaryLanguage: 'auto',
        fallbackLanguage: 'en',
        maxTranscribeSeconds: undefined,
        frameIntervalSeconds: 5,
        maxFrames: 20,
      },
      workerScript: path.join('/ext', 'dist', 'worker.js'),
      wording: extensionWording,
    });
    assert.equal(paths.modelsDir, path.join('/g', 'models'));
    assert.equal(settings.logLocation, 'storage', 'one log per folder in the extension\'s storage, not a new file on the Desktop per run');
  });

  test('every setting reaches the engine', () => {
    const { settings, problems } = readSettings(
      getter({
        'ollama.host': 'gpu-box:11434',
        model: 'qwen2.5:7b',
        visionModel: 'none',
        'whisper.model': 'small',
        'whisper.cliPath': ' /opt/whisper-cli ',
        'whisper.downloadBaseUrl': ' https://mirror.example.com/whisper/ ',
        'whisper.language': 'DE',
        ffmpegPath: '/usr/local/bin/ffmpeg',
        workers: 3,
        'cache.location': 'workspace',
        frameInterval: 2,
        maxFrames: 7,
        maxTranscribeMinutes: 10,
        recursive: true,
        include: ['*.png', ' ', 3],
        exclude: ['drafts/**'],
        'log.location': 'storage',
        requestTimeout: 30,
        'ollama.slots': 2,
        'ollama.moreHosts': ['gpu2', 'http://gpu3:11434,slots=4'],
        'ollama.contextTokens': 16384,
        'ocr.languages': ' ENG+deu ',
        summaryLanguage: 'FR',
      }),
      {},
    );
    assert.deepEqual(problems, []);
    assert.equal(settings.recursive, true);
    assert.equal(settings.whisperDownloadBaseUrl, 'https://mirror.example.com/whisper/');
    assert.deepEqual(settings.include, ['*.png']);
    assert.deepEqual(settings.exclude, ['drafts/**']);
    const paths = resolvePaths(settings, storage);
    const options = engineOptions(settings, paths);
    assert.equal(options.ollamaHost, 'http://gpu-box:11434');
    assert.equal(options.model, 'qwen2.5:7b');
    assert.equal(options.vision, 'none');
    assert.equal(options.workers, 3);
    assert.equal(options.cacheDir, path.join('/w', 'cache'));
    assert.equal(options.requestTimeoutMs, 30_000);
    assert.equal(options.llmSlots, 2);
    assert.deepEqual(options.extraHosts, [
      { url: 'http://gpu2:11434', slots: 2 },
      { url: 'http://gpu3:11434', slots: 4 },
    ]);
    assert.equal(options.contextTokens, 16384);
    assert.deepEqual(options.media, {
      ffmpegPath: '/usr/local/bin/ffmpeg',
      whisperCliPath: '/opt/whisper-cli',
      whisperModel: 'small',
      dataDir: '/g',
      language: 'de',
      ocrLanguages: 'eng+deu',
      summaryLanguage: 'fr',
      fallbackLanguage: 'en',
      maxTranscribeSeconds: 600,
      frameIntervalSeconds: 2,
      maxFrames: 7,
    });
    assert.equal(settings.logLocation, 'storage');
  });

  test('OCR languages: by default English, plus the display language when its data is installed', () => {
    const paths = (displayLanguage: string, value?: string) => {
      const { settings, problems } = readSettings((key) => (key === 'ocr.languages' ? value : undefined), {}, displayLanguage);
      return { languages: engineOptions(settings, resolvePaths(settings, storage)).media.ocrLanguages, problems };
    };
    // The tests install @tesseract.js-data/deu and jpn as npm packages; Korean is not installed.
    assert.deepEqual(paths('de'), { languages: 'eng+deu', problems: [] });
    assert.deepEqual(paths('ja'), { languages: 'eng+jpn', problems: [] });
    assert.deepEqual(paths('ko'), { languages: 'eng', problems: [] });
    assert.deepEqual(paths('en'), { languages: 'eng', problems: [] });
    assert.deepEqual(paths('de', 'eng'), { languages: 'eng', problems: [] }, 'a setting wins');
    const bad = paths('de', 'eng,deu');
    assert.equal(bad.languages, 'eng+deu');
    assert.match(bad.problems[0], /mediaSummarizer\.ocr\.languages "eng,deu" is not tesseract's codes/);
  });

  test('where a folder\'s summary log goes: one file per folder in storage, a new one in the folder per folder run, or none', () => {
    const desktop: RootEntry = { kind: 'root', path: '/home/a/Desktop', recursive: false, loaded: true, entries: new Map() };
    const stored = logTarget('storage', '/w/logs', desktop, true);
    assert.equal(typeof stored, 'string');
    assert.match(stored as string, /^\/w\/logs\/Desktop-[0-9a-f]{8}\.txt$/);
    assert.equal(logTarget('storage', '/w/logs', desktop, false), stored, 'every run rewrites the same file');
    assert.notEqual(storageLogFile('/w/logs', '/home/b/Desktop'), stored, 'two folders named Desktop have two logs');
    assert.match(path.basename(storageLogFile('/w/logs', '/tmp/a\nFile: forged')), /^a_File_forged-[0-9a-f]{8}\.txt$/, 'a folder name is not a path or a line');
    assert.deepEqual(logTarget('scannedFolder', '/w/logs', desktop, true), { folder: desktop.path }, 'a folder run starts a new media_summaries_* file, as the original script');
    assert.equal(logTarget('scannedFolder', '/w/logs', desktop, false), undefined, 'Summarize File before any folder run: no log in the folder');
    desktop.lastLog = '/home/a/Desktop/media_summaries_20240101_000000.txt';
    assert.equal(logTarget('scannedFolder', '/w/logs', desktop, false), desktop.lastLog, 'later runs bring that log up to date');
    desktop.lastLog = '/w/logs/Desktop-00000000.txt';
    assert.equal(logTarget('scannedFolder', '/w/logs', desktop, false), undefined, 'a log elsewhere (before the setting changed) is left alone');
    assert.equal(logTarget('none', '/w/logs', desktop, true), undefined);
  });

  test('a further Ollama host that is not a URL with optional slots is left out with a message', () => {
    const { settings, problems } = readSettings(getter({ 'ollama.moreHosts': ['http://gpu2:11434,slots=many', 'http://gpu3:11434'] }), {});
    assert.deepEqual(settings.moreHosts, [{ url: 'http://gpu3:11434', slots: 1 }]);
    assert.deepEqual(problems, ['mediaSummarizer.ollama.moreHosts: "http://gpu2:11434,slots=many": after the URL only ",slots=N" (1-64) may follow; leaving it out.']);
  });

  test('a whisper download address that is not an http(s) URL is ignored with a message', () => {
    for (const value of ['file:///etc/models', 'mirror.example.com/models', 'javascript:alert(1)']) {
      const { settings, problems } = readSettings(getter({ 'whisper.downloadBaseUrl': value }), {});
      assert.equal(settings.whisperDownloadBaseUrl, undefined, value);
      assert.deepEqual(problems, [`mediaSummarizer.whisper.downloadBaseUrl "${value}" is not an http(s) URL; downloading whisper models from Hugging Face.`]);
    }
    assert.equal(readSettings(getter({}), {}).settings.whisperDownloadBaseUrl, undefined, 'empty: Hugging Face');
  });

  test('the workspace cache without an open folder falls back to global storage with a note', () => {
    const paths = resolvePaths({ cacheLocation: 'workspace' }, { extensionPath: '/ext', globalStorage: '/g' });
    assert.equal(paths.cacheDir, path.join('/g', 'cache'));
    assert.match(paths.note!, /no folder is open/);
  });

  test('OLLAMA_HOST is used when the setting is empty', () => {
    assert.equal(readSettings(getter({}), { OLLAMA_HOST: '0.0.0.0:9999' }).settings.ollamaHost, 'http://0.0.0.0:9999');
    assert.equal(readSettings(getter({ 'ollama.host': 'http://h:1/' }), { OLLAMA_HOST: 'x' }).settings.ollamaHost, 'http://h:1');
  });

  test('invalid values fall back to defaults or are clamped, with a message each', () => {
    const { settings, problems } = readSettings(
      getter({ workers: 500, maxFrames: 'many', 'cache.location': 'cloud', include: 'x', 'whisper.language': 'english', 'ollama.host': 'http://[bad', model: '  ' }),
      {},
    );
    assert.equal(settings.workers, 64);
    assert.equal(settings.maxFrames, 20);
    assert.equal(settings.cacheLocation, 'global');
    assert.deepEqual(settings.include, []);
    assert.equal(settings.language, 'auto');
    assert.equal(settings.ollamaHost, 'http://127.0.0.1:11434');
    assert.equal(settings.model, SETTING_DEFAULTS.model);
    assert.equal(problems.length, 6, problems.join('\n'));
  });

  test('local and remote Ollama hosts', () => {
    for (const host of ['http://127.0.0.1:11434', 'http://localhost:11434', 'http://LOCALHOST', 'http://127.1.2.3:1', 'http://[::1]:11434', 'http://0.0.0.0:11434', 'http://ollama.localhost']) {
      assert.equal(isLocalHost(host), true, host);
    }
    for (const host of ['http://192.168.1.10:11434', 'https://ollama.example.com', 'http://10.0.0.1', 'http://localhost.evil.com', 'http://127.0.0.1.evil.com', 'not a url']) {
      assert.equal(isLocalHost(host), false, host);
    }
  });
});

describe('include/exclude globs', () => {
  test('no patterns: no filter', () => {
    assert.equal(globFilter([], []), undefined);
  });

  test('patterns without a slash match file names at any depth, case-insensitively', () => {
    const accept = globFilter(['*.png', 'Screenshot*'], ['*draft*'])!;
    assert.equal(accept('a.png'), true);
    assert.equal(accept('sub/deeper/B.PNG'), true);
    assert.equal(accept('Screenshot 2024-05-01.jpg'), true);
    assert.equal(accept('photo.jpg'), false);
    assert.equal(accept('my-draft.png'), false);
  });

  test('patterns with a slash match the relative path; Windows separators are normalized', () => {
    const accept = globFilter([], ['2023/**', '**/private/**'])!;
    assert.equal(accept('2023/a.png'), false);
    assert.equal(accept('2024\\a.png'), true);
    assert.equal(accept('x\\private\\y.png'), false);
    assert.equal(accept('.hidden-ish.png'), true);
    assert.equal(globFilter(['{a,b}.mp4'], [])!('b.mp4'), true);
  });

  test('invalid patterns are reported', () => {
    assert.deepEqual(invalidGlobs(['*.png', 'ok/**']), []);
  });
});

describe('tree model', () => {
  const desktop = '/home/me/Desktop';
  const a = `${desktop}/a.png`;
  const b = `${desktop}/b.mp4`;
  const c = `${desktop}/c.m4a`;

  function modelWithFolder(): SummaryModel {
    const model = new SummaryModel();
    const root = model.addRoot(desktop, { recursive: false });
    model.setListing(root, [
      { path: b, kind: 'video' },
      { path: a, kind: 'image' },
      { path: c, kind: 'audio' },
    ]);
    return model;
  }

  const states = (model: SummaryModel) => Object.fromEntries([...model.root(desktop)!.entries.values()].map((e) => [path.basename(e.path), e.state]));

  test('a run moves files through queued, running, done, from cache, failed and pending', () => {
    const model = modelWithFolder();
    assert.deepEqual([...model.root(desktop)!.entries.keys()], [a, b, c], 'sorted by path');
    assert.deepEqual(states(model), { 'a.png': 'new', 'b.mp4': 'new', 'c.m4a': 'new' });
    model.markQueued([a, b, c]);
    const events: RunEvent[] = [
      { type: 'scanned', total: 3 },
      { type: 'done', record: record({ path: a, cached: true, summary: 'cached one' }) },
      { type: 'queued', path: b },
      { type: 'queued', path: c },
      { type: 'started', path: b },
      { type: 'stage', path: b, stage: 'transcribe' },
      { type: 'progress', path: b, stage: 'transcribe', percent: 42.4 },
    ];
    for (const event of events) model.apply(event);
    assert.deepEqual(states(model), { 'a.png': 'cached', 'b.mp4': 'running', 'c.m4a': 'queued' });
    const running = model.entriesFor(b)[0];
    assert.equal(running.stage, 'transcribe');
    assert.equal(running.percent, 42);
    assert.equal(entryDescription(running), 'transcribing 42%');
    model.apply({ type: 'done', record: record({ path: b, kind: 'video', status: 'pending', error: 'Ollama down' }) });
    model.apply({ type: 'started', path: c });
    const changed = model.apply({ type: 'done', record: record({ path: c, kind: 'audio', status: 'error', error: 'no audio' }) });
    assert.equal(changed.length, 1);
    assert.deepEqual(states(model), { 'a.png': 'cached', 'b.mp4': 'pending', 'c.m4a': 'failed' });
    assert.deepEqual(model.retryable().sort(), [b, c]);
    model.apply({ type: 'done', record: record({ path: b, kind: 'video', summary: 'fresh', sha256: 'b1' }) });
    assert.equal(model.entriesFor(b)[0].state, 'done');
    // Summarized in this window, then answered from the cache by the next run: still "summarized", not "from cache".
    model.apply({ type: 'done', record: record({ path: b, kind: 'video', summary: 'fresh', sha256: 'b1', cached: true }) });
    assert.equal(model.entriesFor(b)[0].state, 'done');
    model.apply({ type: 'done', record: record({ path: b, kind: 'video', summary: 'edited', sha256: 'b2', cached: true }) });
    assert.equal(model.entriesFor(b)[0].state, 'cached', 'other content the cache knew is from the cache');
    assert.deepEqual(model.apply({ type: 'warning', message: 'x', problem: problem('x', 'x') }), []);
    assert.deepEqual(model.apply({ type: 'done', record: record({ path: '/elsewhere/z.png' }) }), []);
  });

  test('a cancelled run puts its files back to what their records say', () => {
    const model = modelWithFolder();
    model.apply({ type: 'done', record: record({ path: a, summary: 'earlier' }) });
    model.markQueued([a, b, c]);
    model.apply({ type: 'started', path: a });
    model.apply({ type: 'started', path: b });
    const changed = model.settle([a, b, c]);
    assert.equal(changed.length, 3);
    assert.deepEqual(states(model), { 'a.png': 'done', 'b.mp4': 'new', 'c.m4a': 'new' });
    assert.equal(model.entriesFor(a)[0].record?.summary, 'earlier', 'the summary stays visible while re-processing');
  });

  test('stateOfRecord', () => {
    assert.equal(stateOfRecord(record()), 'done');
    assert.equal(stateOfRecord(record({ cached: true })), 'cached');
    assert.equal(stateOfRecord(record({ status: 'pending' })), 'pending');
    assert.equal(stateOfRecord(record({ status: 'error' })), 'failed');
  });

  test('a new listing keeps entries a run is working on and drops files that are gone', () => {
    const model = modelWithFolder();
    model.markQueued([b]);
    const root = model.root(desktop)!;
    model.setListing(root, [{ path: a, kind: 'image' }, { path: b, kind: 'video' }], new Map([[a, record({ path: a, cached: true, summary: 'from cache' })]]));
    assert.deepEqual(states(model), { 'a.png': 'cached', 'b.mp4': 'queued' });
  });

  test('"Summarize File" roots hold only the chosen files until the whole folder is summarized', () => {
    const model = new SummaryModel();
    const root = model.addRoot(desktop, { files: [b] });
    assert.equal(root.loaded, true);
    assert.deepEqual([...root.entries.keys()], [b]);
    model.addRoot(desktop, { files: [a] });
    assert.deepEqual(root.files, [a, b]);
    assert.deepEqual([...root.entries.keys()], [a, b]);
    model.addRoot(desktop, { recursive: true });
    assert.equal(root.files, undefined);
    assert.equal(root.loaded, false, 'listed again as a whole folder');
    assert.equal(root.recursive, true);
  });

  test('persisted roots survive a restart without summaries; junk is ignored', () => {
    const model = modelWithFolder();
    model.addRoot('/data/shots', { files: ['/data/shots/x.png'] });
    model.root(desktop)!.lastLog = `${desktop}/media_summaries_20240101_000000.txt`;
    const saved = JSON.parse(JSON.stringify(model.persist()));
    assert.deepEqual(saved, [
      { path: desktop, recursive: false, lastLog: `${desktop}/media_summaries_20240101_000000.txt` },
      { path: '/data/shots', recursive: false, files: ['/data/shots/x.png'] },
    ]);
    const restored = new SummaryModel([...saved, null, 'x', { path: 'relative' }, { path: desktop }]);
    assert.deepEqual(restored.persist(), saved);
    assert.equal(restored.root(desktop)!.loaded, false, 'listed from the cache when first shown');
    assert.equal(new SummaryModel(undefined).isEmpty, true);
    assert.equal(new SummaryModel({ not: 'an array' }).isEmpty, true);
  });

  test('invalidate() forgets idle listings only', () => {
    const model = modelWithFolder();
    model.addRoot('/busy', {});
    model.setListing(model.root('/busy')!, [{ path: '/busy/x.png', kind: 'image' }]);
    model.markQueued(['/busy/x.png']);
    model.invalidate();
    assert.equal(model.root(desktop)!.loaded, false);
    assert.equal(model.root('/busy')!.loaded, true);
  });

  test('the filter uses the search index: names, titles, summaries, tags and the text read (OCR); every word, else any', async () => {
    const model = modelWithFolder();
    const root = model.root(desktop)!;
    model.setListing(root, [{ path: `${desktop}/shot.png`, kind: 'image' }, { path: `${desktop}/queued.png`, kind: 'image' }]);
    model.apply({ type: 'done', record: record({ path: `${desktop}/shot.png`, title: 'Flight Booking', summary: 'Lufthansa confirmation LH123 to Berlin', tags: ['travel'], ocrText: 'GATE B42 BOARDING 07:40' }) });
    const search = new ModelSearch(model);
    const names = async (query: string) => [...(await search.filterMatches(query))].map((p) => path.basename(p)).sort();
    assert.deepEqual(await names('SHOT'), ['shot.png']);
    assert.deepEqual(await names('berlin lh123'), ['shot.png']);
    assert.deepEqual(await names('travel flight'), ['shot.png']);
    assert.deepEqual(await names('gate b42'), ['shot.png'], 'a word only in the OCR text');
    assert.deepEqual(await names('queued'), ['queued.png'], 'a file without a record by its name');
    assert.deepEqual(await names('paris'), []);
    // Kept across searches, brought up to date: a new record is found, a removed folder's files are not.
    model.apply({ type: 'done', record: record({ path: `${desktop}/queued.png`, title: 'Train to Paris', summary: 'A ticket.' }) });
    assert.deepEqual(await names('paris'), ['queued.png']);
    model.removeRoot(desktop);
    assert.deepEqual(await names('berlin'), []);
  });
});

describe('tree item presentation', () => {
  test('icons by kind and state', () => {
    assert.deepEqual(entryIcon({ state: 'running', mediaKind: 'video' }), { id: 'sync~spin' });
    assert.deepEqual(entryIcon({ state: 'queued', mediaKind: 'image' }), { id: 'clock' });
    assert.deepEqual(entryIcon({ state: 'done', mediaKind: 'video' }), { id: 'device-camera-video', color: 'testing.iconPassed' });
    assert.deepEqual(entryIcon({ state: 'cached', mediaKind: 'audio' }), { id: 'unmute' });
    assert.deepEqual(entryIcon({ state: 'cached', mediaKind: 'image' }), { id: 'file-media' });
    assert.equal(entryIcon({ state: 'failed', mediaKind: 'image' }).id, 'error');
    assert.equal(entryIcon({ state: 'pending', mediaKind: 'image' }).id, 'watch');
    assert.equal(entryIcon({ state: 'new', mediaKind: 'image' }).id, 'circle-outline');
  });

  test('description: the title, else the first words of the summary', () => {
    assert.equal(entryDescription(entry({ record: record({ title: 'Flight booking', summary: 'long' }) })), 'Flight booking');
    assert.equal(entryDescription(entry({ record: record({ summary: 'word '.repeat(40) }) })).length <= 61, true);
    assert.equal(entryDescription(entry({ state: 'queued' })), 'queued');
    assert.equal(entryDescription(entry({ state: 'running' })), 'starting…');
    assert.equal(entryDescription(entry({ state: 'pending' })), 'summary pending');
    assert.equal(entryDescription(entry({ state: 'failed', record: record({ status: 'error', error: 'Cannot read\nit' }) })), 'Cannot read it');
  });

  test('labels, context values and accessibility text', () => {
    const nested = entry({ path: '/home/me/Desktop/2024/may/a.png' });
    assert.equal(entryLabel(nested), '2024/may/a.png');
    const item = entryItem(entry({ state: 'cached', record: record({ cached: true, title: 'T' }) }), 'fileName');
    assert.equal(item.label, 'shot.png');
    assert.equal(item.description, 'T');
    assert.equal(item.contextValue, 'file.cached');
    assert.ok(ALL_CONTEXT_VALUES.includes(item.contextValue));
    assert.equal(item.accessibilityLabel, 'shot.png, summarized (from cache): T');
  });

  test('titles first: the title as the label, the name and date beside it; kept while the file runs again', () => {
    const now = new Date(2025, 4, 20, 18, 0);
    const mtimeMs = new Date(2025, 4, 2, 11, 3).getTime();
    const summarized = entryItem(entry({ state: 'cached', mtimeMs, record: record({ cached: true, title: 'Flight LH-452 booking' }) }), 'title', now);
    assert.equal(summarized.label, 'Flight LH-452 booking');
    assert.equal(summarized.description, `shot.png · ${shortDate(mtimeMs, now)}`);
    assert.equal(summarized.accessibilityLabel, 'shot.png, summarized (from cache): Flight LH-452 booking', 'screen readers hear the name and the title');
    const again = entryItem(entry({ state: 'running', stage: 'ocr', mtimeMs, record: record({ title: 'Flight LH-452 booking' }) }), 'title', now);
    assert.equal(again.label, 'Flight LH-452 booking', 'Re-summarize keeps the old title until the new one arrives');
    assert.match(again.description, /^reading text… · shot\.png · /);
    assert.equal(entryItem(entry({ state: 'new' }), 'title', now).label, 'shot.png', 'no title yet: the name');
    assert.equal(entryItem(entry({ state: 'new' }), 'title', now).description, 'new');
    const failed = entryItem(entry({ state: 'failed', record: record({ status: 'error', error: 'Cannot decode', title: 'old' }) }), 'title', now);
    assert.deepEqual([failed.label, failed.description], ['shot.png', 'Cannot decode'], 'a failure shows the file and the cause');
    const partial = entryItem(entry({ state: 'done', record: record({ title: 'Standup', partial: problem('model-missing', 'no whisper model') }) }), 'title', now);
    assert.match(partial.description, /^partial · shot\.png/);
    // The date: EXIF first, then the modification time; "today" is a time, an earlier year names the year.
    assert.equal(entryDate(entry({ mtimeMs: 5, record: record({ metadata: { exif: { DateTime: '2024:12:24 18:30:00' } } }) })), new Date(2024, 11, 24, 18, 30).getTime());
    assert.equal(entryDate(entry({ mtimeMs: 5 })), 5);
    assert.doesNotMatch(shortDate(new Date(2025, 4, 20, 9, 15).getTime(), now), /2025/);
    assert.match(shortDate(new Date(2024, 0, 2).getTime(), now), /2024/);
  });

  test('sorting: by name (numbers in order), newest first, by kind', () => {
    const files = [
      entry({ path: '/home/me/Desktop/shot 10.png', mtimeMs: 3 }),
      entry({ path: '/home/me/Desktop/memo.m4a', mediaKind: 'audio', mtimeMs: 1 }),
      entry({ path: '/home/me/Desktop/shot 9.png', mtimeMs: 2 }),
      entry({ path: '/home/me/Desktop/rec.mov', mediaKind: 'video' }),
    ];
    const names = (sorted: FileEntry[]) => sorted.map((e) => entryLabel(e));
    assert.deepEqual(names(sortEntries(files, 'name')), ['memo.m4a', 'rec.mov', 'shot 9.png', 'shot 10.png']);
    assert.deepEqual(names(sortEntries(files, 'date')), ['shot 10.png', 'shot 9.png', 'memo.m4a', 'rec.mov'], 'no date known: last');
    assert.deepEqual(names(sortEntries(files, 'kind')), ['shot 9.png', 'shot 10.png', 'rec.mov', 'memo.m4a']);
  });

  test('the folder row and the view badge count new, failed and pending files; an empty folder says so', () => {
    const model = new SummaryModel();
    const root = model.addRoot('/home/me/Desktop');
    model.setListing(root, [
      { path: '/home/me/Desktop/a.png', kind: 'image' },
      { path: '/home/me/Desktop/b.png', kind: 'image' },
      { path: '/home/me/Desktop/c.png', kind: 'image' },
    ]);
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/a.png', status: 'pending' }) });
    assert.match(rootItem(root, false).description, /0\/3 summarized · 2 new · 1 pending$/);
    assert.deepEqual(viewBadge(model.roots), { value: 3, tooltip: 'Media Summaries: 2 new, 1 pending' });
    const empty = model.addRoot('/home/me/Empty');
    model.setListing(empty, []);
    assert.match(rootItem(empty, false).description, /· no media files$/);
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/b.png' }) });
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/c.png' }) });
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/a.png' }) });
    assert.equal(viewBadge(model.roots), undefined, 'nothing to do: no badge');
  });

  test('folder items count their files', () => {
    const model = new SummaryModel();
    const root = model.addRoot('/home/me/Desktop', { recursive: true });
    model.setListing(root, [
      { path: '/home/me/Desktop/a.png', kind: 'image' },
      { path: '/home/me/Desktop/b.png', kind: 'image' },
    ]);
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/a.png', cached: true }) });
    model.apply({ type: 'done', record: record({ path: '/home/me/Desktop/b.png', status: 'error' }) });
    const item = rootItem(root, false);
    assert.equal(item.label, 'Desktop');
    assert.equal(item.contextValue, 'folder');
    assert.equal(item.description, `${displayFolder('/home/me')} · 1/2 summarized · 1 failed · with sub-folders`);
    assert.equal(rootItem(root, true).icon.id, 'loading~spin');
    assert.equal(displayFolder('/home/me/x', '/home/me'), '~/x');
  });
});

describe('status texts', () => {
  test('progress, status bar and bar increments', () => {
    assert.equal(progressMessage(3, 12, '/a/b/shot.png'), '3 of 12 — shot.png');
    assert.equal(progressMessage(3, 12, ['/a/first.png', '/a/latest.mp4']), '3 of 12 — latest.mp4 (+1 more)', 'the latest file started, and how many others are being worked on');
    assert.equal(progressMessage(12, 12, []), '12 of 12', 'nothing being worked on: no file named');
    assert.equal(progressMessage(0, 0), '0');
    assert.equal(statusBarText(3, 12), '$(sync~spin) Media Summarizer: 3/12');
    assert.equal(progressIncrement(4), 25);
    assert.equal(progressIncrement(0), 0);
  });

  test('file names cannot put links into notifications', () => {
    assert.equal(inertNotificationText('[x](command:workbench.action.terminal.new)'), '[x] (command:workbench.action.terminal.new)');
    assert.equal(progressMessage(1, 2, '/d/[open](command:evil).png'), '1 of 2 — [open] (command:evil).png');
    assert.equal(inertNotificationText('a\u202Eb'), 'a?b');
  });

  test('one log line per file with its timings', () => {
    assert.equal(
      recordLogLine(record({ title: 'Flight', timings: { ocr: 1234, summary: 56, total: 61_000 } })),
      'done: shot.png [ocr 1.2 s, summary 56 ms, total 1 min 1 s] — Flight',
    );
    assert.equal(recordLogLine(record({ cached: true, title: 'x' })), 'done: shot.png (from cache) — x');
    assert.equal(recordLogLine(record({ status: 'error', error: 'bad\u001b[2J' })), 'failed: shot.png — bad?[2J');
    assert.equal(formatMs(999), '999 ms');
  });

  test('run summary', () => {
    const totals = { files: 5, ok: 3, errors: 1, pending: 1, cached: 2, llmCalls: 1, seconds: 12.34, workers: 2, modelSwitches: 0, modelSwitchesAvoided: 0 };
    assert.equal(runSummary(totals, false), 'Done: 5 files — 3 summarized, 2 from cache, 1 pending, 1 failed in 12.3 s.');
    assert.match(runSummary({ ...totals, files: 1 }, true), /^Cancelled: 1 file/);
  });

  test('pull progress sums the layers', () => {
    const pull = new PullProgress();
    assert.deepEqual(pull.update({ status: 'pulling manifest' }), { message: 'pulling manifest', increment: 0 });
    assert.deepEqual(pull.update({ status: 'pulling 123456789abc', digest: 'sha256:1', total: 300, completed: 150 }), { message: 'pulling 50%', increment: 50 });
    const second = pull.update({ status: 'pulling 23456789abcd', digest: 'sha256:2', total: 100, completed: 0 });
    assert.deepEqual(second, { message: 'pulling 37%', increment: 0 }, 'the bar never goes back');
    assert.equal(pull.update({ status: 'pulling x', digest: 'sha256:2', total: 100, completed: 100 }).increment, 12);
    assert.equal(pull.update({ status: 'pulling x', digest: 'sha256:1', total: 300, completed: 300 }).increment, 38);
    assert.deepEqual(pull.update({ status: 'success' }), { message: 'success', increment: 0 });
    assert.equal(pull.percent, 100);
    // The API documentation's form names the layer by its whole digest.
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    assert.deepEqual(new PullProgress().update({ status: `downloading ${digest}`, digest, total: 200, completed: 50 }), { message: 'downloading 25%', increment: 25 });
  });

  test('download progress', () => {
    const download = new DownloadProgress();
    assert.deepEqual(download.update(0, 200e6), { message: '0.0 / 200 MB', increment: 0 });
    assert.deepEqual(download.update(50e6, 200e6), { message: '50.0 / 200 MB', increment: 25 });
    assert.deepEqual(download.update(5e6), { message: '5.0 MB', increment: 0 });
  });
});

describe('problems worded by each front end', () => {
  const notDownloaded = problem('model-missing', 'Whisper model base.en is not downloaded yet (x is missing)', { kind: 'downloadWhisperModel', model: 'base.en' }, doFix('download it by hand'), settingFix('whisperModel'));
  const pull = problem('model-missing', 'Model m is not available', doFix('pull it with `ollama pull m`'), settingFix('model'));
  const build = problem('tools-missing', 'cmake was not found', doFix('install them'), settingFix('whisperCliPath'));
  const host = problem('ollama-unreachable', 'Ollama is not reachable at h', doFix('start it with `ollama serve`'), settingFix('ollamaHost'));

  test('VS Code names settings and commands; the CLI names its flags', () => {
    assert.match(extensionWording(notDownloaded), /run the command "Media Summarizer: Download Whisper Model" \(base\.en\), download it by hand, or choose another in the setting "Whisper: Model"\.$/);
    assert.match(cliWording(notDownloaded), /— run `media-summarizer --download-whisper-model base\.en`, download it by hand, or choose another with --whisper-model\.$/);
    assert.match(extensionWording(pull), /or choose another with "Media Summarizer: Select Ollama Model…"\./);
    assert.match(cliWording(pull), /— pull it with `ollama pull m`, or pass --model NAME\./);
    assert.match(extensionWording(build), /or set "Whisper: Cli Path" to an existing whisper-cli\./);
    assert.match(cliWording(build), /or pass an existing whisper-cli with `--whisper-cli PATH`\./);
    assert.match(extensionWording(host), /— start it with "ollama serve", or change the setting "Ollama: Host"\./, 'no backticks or setting ids in a notification');
    assert.equal(extensionWording(problem('x', 'nothing to change')), 'nothing to change.');
    for (const wording of [extensionWording, cliWording]) assert.doesNotMatch(wording(host), wording === cliWording ? /mediaSummarizer\./ : /--/);
  });

  test('notification buttons come from the fixes, not from the words', () => {
    assert.deepEqual(fixActions(notDownloaded), [{ label: 'Download Whisper Model', model: 'base.en' }, { label: 'Open Settings', setting: 'whisper.model' }]);
    assert.deepEqual(fixActions(host), [{ label: 'Open Settings', setting: 'ollama.host' }]);
    assert.deepEqual(fixActions(problem('x', 'no fix')), []);
  });
});
