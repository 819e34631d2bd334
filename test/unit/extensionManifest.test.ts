/**
 * package.json's VS Code contributions against the code: every command a menu or welcome link names exists, every
 * command has a category, when clauses use only known context keys and the tree's real context values, the
 * Explorer's media filter matches src/core/mediaTypes, settings have descriptions and defaults equal to the code's,
 * machine-scoped settings are restricted in untrusted workspaces, activation has no "*", and the commands
 * registered in src/extension are exactly the contributed ones. Also: only src/extension (outside logic/) imports
 * `vscode`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { supportedExtensions } from '../../src/core/mediaTypes';
import { ALL_CONTEXT_VALUES, CONTEXT_KEYS, FULL_TEXT_SCHEME, SETUP_CONTEXT_KEYS, VIEW_CONTAINER_ID, VIEW_ID } from '../../src/extension/logic/ids';
import { MACHINE_SETTINGS, SETTING_DEFAULTS } from '../../src/extension/logic/settings';
import { PROJECT_ROOT } from '../support/paths';

interface CommandContribution {
  command: string;
  title: string;
  category?: string;
  icon?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface SettingContribution {
  type: string;
  default: unknown;
  description?: string;
  markdownDescription?: string;
  scope?: string;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  items?: { type: string };
}

const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
const commands: CommandContribution[] = contributes.commands;
const commandIds = new Set(commands.map((c) => c.command));
const menus: Record<string, MenuItem[]> = contributes.menus;
const settings: Record<string, SettingContribution> = contributes.configuration.properties;

/** Commands of VS Code itself that welcome content or menus may name. */
const BUILT_IN_COMMANDS = new Set(['workbench.action.openSettings', 'workbench.action.openRemoteSettings', 'workbench.action.openWalkthrough', 'vscode.open', 'revealFileInOS']);
/** Context keys when clauses may use: VS Code's own and the ones the extension sets. */
const KNOWN_CONTEXT_KEYS = new Set(['view', 'viewItem', 'explorerResourceIsFolder', 'resourceExtname', ...Object.values(CONTEXT_KEYS)]);

/** The source files of the extension, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sourceFiles(path.join(dir, d.name)) : d.name.endsWith('.ts') ? [path.join(dir, d.name)] : []));
}
const extensionDir = path.join(PROJECT_ROOT, 'src', 'extension');
const extensionSources = sourceFiles(extensionDir).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

/**
 * A when clause as terms: `key`, `!key`, `key op value` (==, !=, =~ with a /regex/flags) joined by && and ||.
 * Returns the terms or throws for anything else, so a typo cannot hide.
 */
function parseWhen(when: string): Array<{ key: string; op?: '==' | '!=' | '=~'; value?: string; negated: boolean }> {
  return when.split(/\s*(?:&&|\|\|)\s*/).map((term) => {
    const regexTerm = /^([\w.]+)\s*=~\s*(\/.*\/[a-z]*)$/.exec(term.trim());
    if (regexTerm) return { key: regexTerm[1], op: '=~' as const, value: regexTerm[2], negated: false };
    const compare = /^([\w.]+)\s*(==|!=)\s*([\w.-]+)$/.exec(term.trim());
    if (compare) return { key: compare[1], op: compare[2] as '==' | '!=', value: compare[3], negated: false };
    const bare = /^(!?)([\w.]+)$/.exec(term.trim());
    if (bare) return { key: bare[2], negated: bare[1] === '!' };
    throw new Error(`cannot parse when clause term "${term}" in "${when}"`);
  });
}

function regexOf(literal: string): RegExp {
  const match = /^\/(.*)\/([a-z]*)$/.exec(literal)!;
  return new RegExp(match[1], match[2]);
}

const allMenuItems = Object.entries(menus).flatMap(([menu, items]) => items.map((item) => ({ menu, ...item })));

describe('package.json: the extension entry', () => {
  test('main is the bundled extension and activation has no "*"', () => {
    assert.equal(pkg.main, './dist/extension.js');
    const events: string[] = pkg.activationEvents ?? [];
    assert.ok(!events.includes('*'), 'no "*" activation');
    assert.ok(!events.includes('onStartupFinished'), 'no activation at startup');
    // Commands and the view activate implicitly (VS Code >= 1.74); documents of the full-text scheme need this one.
    assert.deepEqual(events, [`onFileSystem:${FULL_TEXT_SCHEME}`]);
    assert.match(pkg.engines.vscode, /^\^1\.(\d+)\.\d+$/);
    assert.ok(Number(/^\^1\.(\d+)/.exec(pkg.engines.vscode)![1]) >= 74, 'implicit activation events need VS Code 1.74+');
  });

  test('@types/vscode is not newer than engines.vscode', () => {
    const types = /(\d+)\.(\d+)/.exec(pkg.devDependencies['@types/vscode'])!;
    const engine = /(\d+)\.(\d+)/.exec(pkg.engines.vscode)!;
    assert.ok(Number(types[1]) === Number(engine[1]) && Number(types[2]) <= Number(engine[2]), `${pkg.devDependencies['@types/vscode']} vs ${pkg.engines.vscode}`);
  });

  test('esbuild bundles src/extension/extension.ts to dist/extension.js with vscode external', () => {
    const build = readFileSync(path.join(PROJECT_ROOT, 'esbuild.mjs'), 'utf8');
    assert.match(build, /entryPoints: \['src\/extension\/extension\.ts'\], outfile: 'dist\/extension\.js'/);
    assert.match(build, /external: \[[^\]]*'vscode'/);
  });

  test('ready for the Marketplace: a PNG icon of at least 128x128, LICENSE, CHANGELOG, repository, categories, keywords', () => {
    const icon = readFileSync(path.join(PROJECT_ROOT, pkg.icon));
    assert.equal(icon.subarray(1, 4).toString('latin1'), 'PNG', `${pkg.icon} is a PNG (the Marketplace refuses SVG)`);
    const [width, height] = [icon.readUInt32BE(16), icon.readUInt32BE(20)]; // the IHDR chunk
    assert.ok(width >= 128 && height >= 128, `${pkg.icon} is ${width}x${height}`);
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'LICENSE'), 'utf8'), new RegExp(`^${pkg.license} License`));
    assert.match(readFileSync(path.join(PROJECT_ROOT, 'CHANGELOG.md'), 'utf8'), new RegExp(`## \\[${pkg.version.replace(/\./g, '\\.')}\\]`));
    assert.match(pkg.repository.url, /^https:\/\//);
    // The Marketplace's categories (vsce rejects others) and its limit of 30 keywords.
    const CATEGORIES = ['AI', 'Azure', 'Chat', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Other', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization'];
    for (const category of pkg.categories) assert.ok(CATEGORIES.includes(category), `${category} is a Marketplace category`);
    assert.ok(pkg.keywords.length > 0 && pkg.keywords.length <= 30);
    assert.doesNotMatch(pkg.scripts.package, /--skip-license|--allow-missing-repository/);
  });

  test('the activity bar container, its icon and the view', () => {
    const containers = contributes.viewsContainers.activitybar;
    assert.deepEqual(containers.map((c: { id: string }) => c.id), [VIEW_CONTAINER_ID]);
    for (const container of containers) assert.ok(existsSync(path.join(PROJECT_ROOT, container.icon)), `${container.icon} exists`);
    assert.deepEqual(Object.keys(contributes.views), [VIEW_CONTAINER_ID]);
    assert.deepEqual(contributes.views[VIEW_CONTAINER_ID].map((v: { id: string; name: string }) => [v.id, v.name]), [[VIEW_ID, 'Media Summaries']]);
    // One view in its container: VS Code's title bar reads "CONTAINER: VIEW" unless the two are the same, and
    // "MEDIA SUMMARIZER: MEDIA SUMMARIES" is cut to "MEDIA SUMMARIZER: M…" at the default sidebar width.
    assert.deepEqual(containers.map((c: { title: string }) => c.title), ['Media Summaries']);
  });

  test('untrusted workspaces: limited, with the machine settings restricted', () => {
    const untrusted = pkg.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, 'limited');
    assert.ok(untrusted.description);
    assert.deepEqual([...untrusted.restrictedConfigurations].sort(), MACHINE_SETTINGS.map((key) => `mediaSummarizer.${key}`).sort());
  });
});

describe('package.json: commands and menus', () => {
  test('every command has a title, the category and a mediaSummarizer. id, once', () => {
    assert.equal(commandIds.size, commands.length, 'no duplicate command ids');
    for (const command of commands) {
      assert.match(command.command, /^mediaSummarizer\.[a-zA-Z]+$/);
      assert.ok(command.title?.trim(), `${command.command} has a title`);
      assert.equal(command.category, 'Media Summarizer', `${command.command} has the category`);
      if (command.icon) assert.match(command.icon, /^\$\([a-z-]+(~spin)?\)$/);
    }
  });

  test('the commands the issue asks for exist with these titles', () => {
    const titles = Object.fromEntries(commands.map((c) => [c.command, c.title]));
    assert.deepEqual(
      {
        summarizeDesktop: titles['mediaSummarizer.summarizeDesktop'],
        summarizeFolder: titles['mediaSummarizer.summarizeFolder'],
        summarizeFile: titles['mediaSummarizer.summarizeFile'],
        cancel: titles['mediaSummarizer.cancel'],
        resummarize: titles['mediaSummarizer.resummarize'],
        retryFailed: titles['mediaSummarizer.retryFailed'],
        copySummary: titles['mediaSummarizer.copySummary'],
        showFullText: titles['mediaSummarizer.showFullText'],
        openLog: titles['mediaSummarizer.openLog'],
        clearCache: titles['mediaSummarizer.clearCache'],
        selectModel: titles['mediaSummarizer.selectModel'],
        pullModel: titles['mediaSummarizer.pullModel'],
        downloadWhisperModel: titles['mediaSummarizer.downloadWhisperModel'],
      },
      {
        summarizeDesktop: 'Summarize Desktop Media',
        summarizeFolder: 'Summarize Folder',
        summarizeFile: 'Summarize File',
        cancel: 'Cancel',
        resummarize: 'Re-summarize',
        retryFailed: 'Retry Failed',
        copySummary: 'Copy Summary',
        showFullText: 'Show Full Text',
        openLog: 'Open Summary Log',
        clearCache: 'Clear Cache',
        selectModel: 'Select Ollama Model…',
        pullModel: 'Pull Ollama Model',
        downloadWhisperModel: 'Download Whisper Model',
      },
    );
  });

  test('every command a menu names is contributed', () => {
    for (const item of allMenuItems) assert.ok(commandIds.has(item.command), `${item.menu}: ${item.command} is contributed`);
  });

  test('welcome view links name contributed or built-in commands', () => {
    const [welcome] = contributes.viewsWelcome;
    assert.equal(welcome.view, VIEW_ID);
    const linked = [...(welcome.contents as string).matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]);
    assert.deepEqual(linked.slice(0, 2), ['mediaSummarizer.summarizeDesktop', 'mediaSummarizer.summarizeFolder'], 'buttons to summarize the Desktop or pick a folder');
    for (const command of linked) assert.ok(commandIds.has(command) || BUILT_IN_COMMANDS.has(command), `${command} exists`);
  });

  test('the walkthrough: every step has its page, its links name commands that exist, it completes on what the checklist sets', () => {
    const [walkthrough] = contributes.walkthroughs as Array<{ id: string; steps: Array<{ id: string; description: string; media: { markdown: string }; completionEvents: string[] }> }>;
    assert.ok(walkthrough.steps.length >= 4);
    const welcomeLink = (contributes.viewsWelcome[0].contents as string).match(/openWalkthrough\?%22([^%]+)%23([^%]+)%22/);
    assert.deepEqual(welcomeLink?.slice(1), [`${pkg.publisher}.${pkg.name}`, walkthrough.id], 'the welcome view opens this walkthrough');
    const setupKeys = new Set<string>(Object.values(SETUP_CONTEXT_KEYS));
    for (const step of walkthrough.steps) {
      assert.ok(existsSync(path.join(PROJECT_ROOT, step.media.markdown)), `${step.id}: ${step.media.markdown} exists`);
      for (const [, command] of step.description.matchAll(/\]\(command:([\w.]+)/g)) assert.ok(commandIds.has(command), `${step.id}: ${command} exists`);
      for (const event of step.completionEvents) {
        const [kind, name] = event.split(':');
        if (kind === 'onContext') assert.ok(setupKeys.has(name), `${step.id}: ${name} is set by the setup checklist`);
        else assert.ok(kind === 'onCommand' && commandIds.has(name), `${step.id}: ${event}`);
      }
    }
  });

  test('when clauses use known context keys, existing views and the tree\'s context values', () => {
    const withWhen = [...allMenuItems, ...contributes.viewsWelcome.map((w: { when?: string }) => ({ menu: 'viewsWelcome', command: '', when: w.when }))].filter((item) => item.when);
    assert.ok(withWhen.length > 10);
    for (const item of withWhen) {
      if (item.when === 'false') continue;
      for (const term of parseWhen(item.when)) {
        assert.ok(KNOWN_CONTEXT_KEYS.has(term.key), `${item.menu} ${item.command}: unknown context key ${term.key}`);
        if (term.key === 'view') assert.equal(term.value, VIEW_ID, `${item.menu} ${item.command}: view ${term.value} exists`);
        if (term.key === 'viewItem') {
          if (term.op === '=~') {
            const re = regexOf(term.value!);
            assert.ok(ALL_CONTEXT_VALUES.some((value) => re.test(value)), `${item.command}: ${term.value} matches a context value the tree sets`);
          } else {
            assert.ok(ALL_CONTEXT_VALUES.includes(term.value!), `${item.command}: viewItem ${term.value} is set by the tree`);
          }
        }
      }
    }
  });

  test('view menus only show in the Media Summaries view, and inline actions have icons', () => {
    for (const item of [...menus['view/title'], ...menus['view/item/context']]) {
      assert.ok(parseWhen(item.when ?? '').some((t) => t.key === 'view' && t.op === '==' && t.value === VIEW_ID), `${item.command}: limited to the view`);
      if (item.group?.startsWith('inline') || item.group?.startsWith('navigation')) {
        assert.ok(commands.find((c) => c.command === item.command)?.icon, `${item.command} has an icon for ${item.group}`);
      }
    }
  });

  test('item actions apply to the right states', () => {
    const valuesFor = (command: string) => {
      const item = menus['view/item/context'].find((i) => i.command === command)!;
      const term = parseWhen(item.when!).find((t) => t.key === 'viewItem')!;
      return term.op === '=~' ? ALL_CONTEXT_VALUES.filter((v) => regexOf(term.value!).test(v)) : [term.value!];
    };
    assert.deepEqual(valuesFor('mediaSummarizer.copySummary'), ['file.done', 'file.cached']);
    assert.deepEqual(valuesFor('mediaSummarizer.showFullText').sort(), ['file.cached', 'file.done', 'file.failed', 'file.pending']);
    assert.deepEqual(valuesFor('mediaSummarizer.resummarize').sort(), ['file.cached', 'file.done', 'file.failed', 'file.new', 'file.pending', 'folder']);
    assert.deepEqual(valuesFor('mediaSummarizer.revealInOS').sort(), [...ALL_CONTEXT_VALUES].sort());
    assert.deepEqual(valuesFor('mediaSummarizer.removeFolder'), ['folder']);
  });

  test('commands that need a tree item are hidden from the palette; Cancel only while running', () => {
    const palette = Object.fromEntries(menus.commandPalette.map((item) => [item.command, item.when]));
    for (const command of ['resummarize', 'copySummary', 'showFullText', 'revealInOS', 'removeFolder']) assert.equal(palette[`mediaSummarizer.${command}`], 'false', command);
    assert.equal(palette['mediaSummarizer.cancel'], CONTEXT_KEYS.running);
    for (const command of ['summarizeDesktop', 'summarizeFolder', 'summarizeFile', 'retryFailed', 'openLog', 'clearCache', 'selectModel', 'pullModel', 'downloadWhisperModel']) {
      assert.equal(palette[`mediaSummarizer.${command}`], undefined, `${command} is in the palette`);
    }
  });

  test('Explorer: Summarize Folder on folders, Summarize File on exactly the supported media extensions', () => {
    const explorer = menus['explorer/context'];
    const folder = explorer.find((i) => i.command === 'mediaSummarizer.summarizeFolder')!;
    assert.deepEqual(parseWhen(folder.when!), [{ key: 'explorerResourceIsFolder', negated: false }]);
    const file = explorer.find((i) => i.command === 'mediaSummarizer.summarizeFile')!;
    const terms = parseWhen(file.when!);
    assert.deepEqual(terms[0], { key: 'explorerResourceIsFolder', negated: true });
    const ext = terms.find((t) => t.key === 'resourceExtname')!;
    const re = regexOf(ext.value!);
    for (const extension of supportedExtensions()) {
      assert.ok(re.test(extension), `${extension} matches`);
      assert.ok(re.test(extension.toUpperCase()), `${extension.toUpperCase()} matches`);
    }
    for (const other of ['.txt', '.pdf', '.pngx', 'png', '.svg', '.md', '']) assert.equal(re.test(other), false, `${other} does not match`);
    const listed = /\((.*)\)/.exec(ext.value!)![1].split('|').map((e) => `.${e}`);
    assert.deepEqual([...listed].sort(), [...supportedExtensions()].sort(), 'the list is exactly mediaTypes.supportedExtensions()');
  });
});

describe('package.json: settings', () => {
  test('the settings are exactly the ones the code reads, with the same defaults', () => {
    assert.deepEqual(Object.keys(settings).sort(), Object.keys(SETTING_DEFAULTS).map((k) => `mediaSummarizer.${k}`).sort());
    for (const [key, value] of Object.entries(SETTING_DEFAULTS)) assert.deepEqual(settings[`mediaSummarizer.${key}`].default, value, key);
  });

  test('each has a description and a default of its type within its bounds', () => {
    for (const [key, setting] of Object.entries(settings)) {
      assert.ok((setting.markdownDescription ?? setting.description ?? '').length > 20, `${key} is described`);
      const value = setting.default;
      switch (setting.type) {
        case 'string':
          assert.equal(typeof value, 'string', key);
          break;
        case 'boolean':
          assert.equal(typeof value, 'boolean', key);
          break;
        case 'integer':
          assert.ok(Number.isInteger(value), key);
          break;
        case 'number':
          assert.equal(typeof value, 'number', key);
          break;
        case 'array':
          assert.ok(Array.isArray(value), key);
          assert.equal(setting.items?.type, 'string', key);
          break;
        default:
          assert.fail(`${key}: unexpected type ${setting.type}`);
      }
      if (setting.enum) assert.ok(setting.enum.includes(value), `${key}: default is one of the enum`);
      if (setting.minimum !== undefined) assert.ok((value as number) >= setting.minimum, key);
      if (setting.maximum !== undefined) assert.ok((value as number) <= setting.maximum, key);
    }
    assert.equal(settings['mediaSummarizer.workers'].default, 8);
    assert.deepEqual(settings['mediaSummarizer.cache.location'].enum, ['global', 'workspace']);
    assert.deepEqual(settings['mediaSummarizer.log.location'].enum, ['scannedFolder', 'storage', 'none']);
  });

  test('the host and program paths are machine-scoped; nothing else is', () => {
    const machine = Object.entries(settings).filter(([, s]) => s.scope === 'machine').map(([key]) => key).sort();
    assert.deepEqual(machine, MACHINE_SETTINGS.map((key) => `mediaSummarizer.${key}`).sort());
    assert.ok(MACHINE_SETTINGS.includes('ollama.host'));
    assert.ok(MACHINE_SETTINGS.includes('ffmpegPath'));
    assert.ok(MACHINE_SETTINGS.includes('whisper.cliPath'));
  });
});

describe('the extension code against the manifest', () => {
  test('the commands registered in src/extension are exactly the contributed ones', () => {
    const registered = extensionSources.flatMap(({ text }) => [...text.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]));
    assert.equal(new Set(registered).size, registered.length, 'each command registered once');
    assert.deepEqual([...registered].sort(), [...commandIds].sort());
  });

  test('commands the code executes exist', () => {
    const executed = extensionSources.flatMap(({ text }) => [...text.matchAll(/executeCommand\(\s*'([^']+)'/g)].map((m) => m[1]));
    for (const command of executed) {
      assert.ok(commandIds.has(command) || BUILT_IN_COMMANDS.has(command) || command === 'setContext', `${command} exists`);
    }
  });

  test('context keys the code sets are the ones when clauses may use', () => {
    const ids = readFileSync(path.join(extensionDir, 'logic', 'ids.ts'), 'utf8');
    for (const key of Object.values(CONTEXT_KEYS)) assert.ok(ids.includes(`'${key}'`));
    const setContext = extensionSources.flatMap(({ text }) => [...text.matchAll(/'setContext',\s*([\w.]+)/g)].map((m) => m[1]));
    assert.ok(setContext.length >= 2);
    for (const expression of setContext) assert.match(expression, /^(CONTEXT_KEYS\.(running|filtered|noMatches)|SETUP_CONTEXT_KEYS\.(llmReady|modelReady|mediaReady))$/);
  });

  test('only the vscode layer imports vscode; logic/ stays free of it and of the vscode layer', () => {
    const importsVscode = (text: string) => /from 'vscode'|require\('vscode'\)/.test(text);
    for (const { file, text } of extensionSources) {
      const inLogic = file.includes(`${path.sep}logic${path.sep}`);
      if (inLogic) {
        assert.ok(!importsVscode(text), `${path.relative(PROJECT_ROOT, file)} must not import vscode`);
        for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
          assert.ok(spec.startsWith('./') || spec.startsWith('../../core/') || spec.startsWith('../../processors/'), `${path.relative(PROJECT_ROOT, file)} imports ${spec}`);
        }
      }
    }
    for (const dir of ['core', 'processors', 'worker', 'cli']) {
      const root = path.join(PROJECT_ROOT, 'src', dir);
      if (!existsSync(root)) continue;
      for (const file of sourceFiles(root)) assert.ok(!importsVscode(readFileSync(file, 'utf8')), `${path.relative(PROJECT_ROOT, file)} must not import vscode`);
    }
  });
});
