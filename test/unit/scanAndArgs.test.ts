import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { parseCliArgs, UsageError } from '../../src/cli/args';
import { parseRegQueryDesktop, parseXdgDesktop, resolveDesktop } from '../../src/core/desktop';
import { mediaKindOf } from '../../src/core/mediaTypes';
import { scanFolder } from '../../src/core/scan';
import { tempDir } from '../support/paths';

test('media kinds by extension, case-insensitively', () => {
  assert.equal(mediaKindOf('Screenshot.PNG'), 'image');
  assert.equal(mediaKindOf('IMG_0001.HEIC'), 'image');
  assert.equal(mediaKindOf('clip.MoV'), 'video');
  assert.equal(mediaKindOf('memo.m4a'), 'audio');
  assert.equal(mediaKindOf('notes.txt'), undefined);
  assert.equal(mediaKindOf('png'), undefined);
});

test('the scanner lists media at the top level, skips hidden files and own logs, survives link cycles', async () => {
  const root = await tempDir('scan');
  await writeFile(path.join(root, 'b.PNG'), 'x');
  await writeFile(path.join(root, 'a.jpg'), 'x');
  await writeFile(path.join(root, 'clip.mp4'), 'x');
  await writeFile(path.join(root, 'notes.txt'), 'x');
  await writeFile(path.join(root, '.hidden.png'), 'x');
  await writeFile(path.join(root, 'media_summaries_20240101_120000.txt'), 'x');
  await mkdir(path.join(root, 'sub', 'deeper'), { recursive: true });
  await writeFile(path.join(root, 'sub', 'c.gif'), 'x');
  await writeFile(path.join(root, 'sub', 'deeper', 'd.webp'), 'x');
  await symlink(root, path.join(root, 'sub', 'loop')); // a cycle back to the root
  await symlink(path.join(root, 'missing.png'), path.join(root, 'broken.png'));
  await symlink(path.join(root, 'a.jpg'), path.join(root, 'alias.jpg')); // the same file twice

  const top = await scanFolder(root);
  assert.deepEqual(top.files.map((f) => path.relative(root, f.path)), ['a.jpg', 'b.PNG', 'clip.mp4']);
  assert.deepEqual(top.files.map((f) => f.kind), ['image', 'image', 'video']);
  assert.equal(top.problems.length, 1);
  assert.match(top.problems[0].error, /broken\.png: it is a broken link/);

  const deep = await scanFolder(root, { recursive: true });
  assert.deepEqual(deep.files.map((f) => path.relative(root, f.path)).sort(), ['a.jpg', 'b.PNG', 'clip.mp4', path.join('sub', 'c.gif'), path.join('sub', 'deeper', 'd.webp')].sort());
});

test('the scanner names a missing folder and the fix', async () => {
  await assert.rejects(scanFolder('/nonexistent/folder'), /Folder not found or not readable: \/nonexistent\/folder/);
});

test('Desktop: XDG user-dirs (localized), macOS, Windows known folder with OneDrive redirection', async () => {
  assert.equal(parseXdgDesktop('# comment\nXDG_DESKTOP_DIR="$HOME/Schreibtisch"\n', '/home/u'), '/home/u/Schreibtisch');
  assert.equal(parseXdgDesktop('XDG_DESKTOP_DIR="/data/desk"', '/home/u'), '/data/desk');
  assert.equal(parseXdgDesktop('XDG_MUSIC_DIR="$HOME/Music"', '/home/u'), undefined);
  const reg = '\r\nHKEY_CURRENT_USER\\Software\\...\\User Shell Folders\r\n    Desktop    REG_EXPAND_SZ    %USERPROFILE%\\OneDrive\\Desktop\r\n';
  assert.equal(parseRegQueryDesktop(reg, { USERPROFILE: 'C:\\Users\\ana' }), 'C:\\Users\\ana\\OneDrive\\Desktop');
  const base = { home: '/home/u', env: {}, queryWindowsDesktop: async () => 'D:\\Desk' };
  assert.equal(await resolveDesktop({ ...base, platform: 'linux', readTextFile: async () => 'XDG_DESKTOP_DIR="$HOME/Bureau"' }), '/home/u/Bureau');
  assert.equal(await resolveDesktop({ ...base, platform: 'linux', readTextFile: async () => { throw new Error('ENOENT'); } }), '/home/u/Desktop');
  assert.equal(await resolveDesktop({ ...base, platform: 'darwin', readTextFile: async () => '' }), '/home/u/Desktop');
  assert.equal(await resolveDesktop({ ...base, platform: 'win32', readTextFile: async () => '' }), 'D:\\Desk');
});

test('CLI arguments: defaults, every documented option, and usage errors', () => {
  const defaults = parseCliArgs([], {});
  assert.deepEqual(
    { workers: defaults.workers, host: defaults.ollamaHost, model: defaults.model, vision: defaults.vision, log: defaults.log, json: defaults.json },
    { workers: 8, host: 'http://127.0.0.1:11434', model: 'llama3.2:3b', vision: 'auto', log: 'default', json: false },
  );
  assert.equal(parseCliArgs([], { OLLAMA_HOST: 'gpu-box:11434' }).ollamaHost, 'http://gpu-box:11434', 'OLLAMA_HOST as Ollama reads it');
  const hosts = parseCliArgs(['--ollama-host', 'gpu1', '--ollama-host', 'http://gpu2:11434,slots=3', '--ollama-slots', '2'], {});
  assert.deepEqual([hosts.ollamaHost, hosts.ollamaSlots, hosts.extraHosts], ['http://gpu1:11434', 2, [{ url: 'http://gpu2:11434', slots: 3 }]], 'several hosts, each with its slots');
  const lmStudio = parseCliArgs(['--llm-api', 'openai', '--ollama-host', 'localhost:1234'], {});
  assert.deepEqual([lmStudio.llmApi, lmStudio.ollamaHost], ['openai', 'http://localhost:1234/v1'], 'an OpenAI-compatible base, no Ollama port');
  assert.throws(() => parseCliArgs(['--ollama-host', 'http://[::1'], {}), (error: Error) => error instanceof UsageError && error.message === '--ollama-host "http://[::1" is not a URL such as http://gpu2:11434', 'a bad URL is bad usage (exit 2), naming the option and the value');
  assert.throws(() => parseCliArgs(['--llm-api', 'anthropic'], {}), /--llm-api takes ollama or openai, not "anthropic"/);
  assert.throws(() => parseCliArgs(['--ollama-host', 'http://gpu2:11434,slot=3'], {}), /--ollama-host "http:\/\/gpu2:11434,slot=3": after the URL only ",slots=N"/);
  const all = parseCliArgs(['/tmp/x', '--recursive', '--workers', '3', '--ollama-host', 'http://h:1', '--model', 'qwen2.5:7b', '--vision-model', 'none', '--cache-dir', '/c', '--log', '/l.txt', '--json'], {});
  assert.deepEqual([all.folder, all.recursive, all.workers, all.ollamaHost, all.model, all.vision, all.cacheDir, all.log, all.json], ['/tmp/x', true, 3, 'http://h:1', 'qwen2.5:7b', 'none', '/c', '/l.txt', true]);
  assert.equal(parseCliArgs(['--no-log', '--no-cache'], {}).log, false);
  assert.throws(() => parseCliArgs(['--workers', '0'], {}), UsageError);
  assert.throws(() => parseCliArgs(['--bogus'], {}), UsageError);
  assert.throws(() => parseCliArgs(['a', 'b'], {}), /at most one folder/);
  assert.throws(() => parseCliArgs(['--log', 'x', '--no-log'], {}), /cannot be used together/);
});
