import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { scanFolder } from '../../src/core/scan';
import { summarizeTestFolder } from '../support/folderRun';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);

/**
 * A Desktop with every kind of link, beside a folder outside it:
 *   outside/elsewhere.png, outside/tree/far.png, outside/tree/back → the Desktop
 *   desk/shot.png, desk/sub/inner.png, desk/sub/up → desk/ (a loop to its parent), desk/sub/self → desk/sub,
 *   desk/a-link-to-sub → desk/sub (a link sorted before the real folder), desk/alias.png → desk/shot.png,
 *   desk/from-elsewhere.png → outside/elsewhere.png, desk/outside-folder → outside/tree, desk/root → /,
 *   desk/dangling.png → desk/missing.png, desk/dangling-folder → /nonexistent, desk/ring-a.png ⇄ desk/ring-b.png
 */
async function makeLinkedDesktop(): Promise<{ desk: string; outside: string }> {
  const base = await tempDir('links');
  const desk = path.join(base, 'desk');
  const outside = path.join(base, 'outside');
  await mkdir(path.join(desk, 'sub'), { recursive: true });
  await mkdir(path.join(outside, 'tree'), { recursive: true });
  const image = (text: string) => renderTextImage([text]);
  await writeFile(path.join(outside, 'elsewhere.png'), await image('Linked LNK-301'));
  await writeFile(path.join(outside, 'tree', 'far.png'), await image('Far away FAR-9'));
  await writeFile(path.join(desk, 'shot.png'), await image('Screenshot SHT-12'));
  await writeFile(path.join(desk, 'sub', 'inner.png'), await image('Inner INR-77'));
  await symlink(desk, path.join(outside, 'tree', 'back'));
  await symlink('..', path.join(desk, 'sub', 'up'));
  await symlink('.', path.join(desk, 'sub', 'self'));
  await symlink(path.join(desk, 'sub'), path.join(desk, 'a-link-to-sub'));
  await symlink('shot.png', path.join(desk, 'alias.png'));
  await symlink(path.join(outside, 'elsewhere.png'), path.join(desk, 'from-elsewhere.png'));
  await symlink(path.join(outside, 'tree'), path.join(desk, 'outside-folder'));
  await symlink('/', path.join(desk, 'root'));
  await symlink(path.join(desk, 'missing.png'), path.join(desk, 'dangling.png'));
  await symlink('/nonexistent-folder-for-the-test', path.join(desk, 'dangling-folder'));
  await symlink('ring-b.png', path.join(desk, 'ring-a.png'));
  await symlink('ring-a.png', path.join(desk, 'ring-b.png'));
  return { desk, outside };
}

const names = (root: string, paths: Array<{ path: string }>) => paths.map((p) => path.relative(root, p.path)).sort();

test('links on the top level: file links are followed wherever they point, the same file is listed once under its real name, broken links and loops are named', async () => {
  const { desk } = await makeLinkedDesktop();
  const scan = await scanFolder(desk);
  assert.deepEqual(names(desk, scan.files), ['from-elsewhere.png', 'shot.png']);
  assert.deepEqual(names(desk, scan.problems), ['dangling.png', 'ring-a.png', 'ring-b.png']);
  const problem = (name: string) => scan.problems.find((p) => path.basename(p.path) === name)?.error;
  assert.equal(problem('dangling.png'), 'Cannot read dangling.png: it is a broken link or was removed during the scan');
  assert.equal(problem('ring-a.png'), 'Cannot read ring-a.png: it is a loop of symbolic links that never reaches a file');
});

test('recursive: folder links inside the folder are walked once (real paths first), loops end, folder links outside are not followed', async () => {
  const { desk } = await makeLinkedDesktop();
  const scan = await scanFolder(desk, { recursive: true });
  // No far.png (outside-folder), nothing from / (root), no repeats through sub/up, sub/self or a-link-to-sub.
  assert.deepEqual(names(desk, scan.files), ['from-elsewhere.png', 'shot.png', path.join('sub', 'inner.png')]);
  assert.deepEqual(names(desk, scan.problems), ['dangling.png', 'ring-a.png', 'ring-b.png']);
});

test('a folder linked into the scanned one is walked when nothing else reaches it; a scan started through a link stays inside', async () => {
  const { desk, outside } = await makeLinkedDesktop();
  // The Desktop itself reached through a link (as ~/Desktop → /data/desk): "inside" is judged by real paths.
  const viaLink = path.join(outside, 'desk-link');
  await symlink(desk, viaLink);
  const scan = await scanFolder(viaLink, { recursive: true });
  assert.deepEqual(names(viaLink, scan.files), ['from-elsewhere.png', 'shot.png', path.join('sub', 'inner.png')]);
  // A sub-folder that is only reachable through a link inside the folder.
  const hidden = path.join(desk, '.store', 'photos');
  await mkdir(hidden, { recursive: true });
  await writeFile(path.join(hidden, 'kept.png'), await renderTextImage(['Kept KPT-5']));
  await symlink(hidden, path.join(desk, 'photos'));
  const again = await scanFolder(desk, { recursive: true });
  assert.ok(names(desk, again.files).includes(path.join('photos', 'kept.png')), names(desk, again.files).join(', '));
});

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 5, tokenDelayMs: 1 });
});
after(() => ollama?.close());

test('the CLI gives every listed file and every broken link exactly one record, with recursion on and off', { skip: builtMissing(), timeout: 300_000 }, async () => {
  const { desk } = await makeLinkedDesktop();
  const cache = await tempDir('links-cache');
  for (const [flags, expected] of [
    [[], ['dangling.png', 'from-elsewhere.png', 'ring-a.png', 'ring-b.png', 'shot.png']],
    [['--recursive'], ['dangling.png', 'from-elsewhere.png', 'ring-a.png', 'ring-b.png', 'shot.png', path.join('sub', 'inner.png')]],
  ] as const) {
    const { stdout } = await run(process.execPath, [CLI_SCRIPT, desk, ...flags, '--json', '--no-log', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'], { timeout: 240_000 });
    const records = stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type !== 'run') as FileRecord[];
    assert.deepEqual(names(desk, records), [...expected]);
    const byName = (name: string) => records.find((r) => path.basename(r.path) === name)!;
    assert.equal(byName('from-elsewhere.png').status, 'ok');
    assert.match(byName('from-elsewhere.png').ocrText!, /LNK-301/, 'the linked file outside the folder is read through the link');
    assert.equal(byName('shot.png').status, 'ok');
    for (const name of ['dangling.png', 'ring-a.png', 'ring-b.png']) assert.equal(byName(name).status, 'error');
  }
});

test('a FIFO named x.png and a link to /dev/zero named y.mp4: one record each, "not a regular file", and nothing blocks', { skip: builtMissing(), timeout: 120_000 }, async () => {
  const dir = await tempDir('special-files');
  execFileSync('mkfifo', [path.join(dir, 'x.png')]);
  await symlink('/dev/zero', path.join(dir, 'y.mp4'));
  await writeFile(path.join(dir, 'real.png'), await renderTextImage(['Ticket SPC-1 open']));
  const result = await summarizeTestFolder(dir, ollama.url, { requestTimeoutMs: 20_000 });
  const byName = (name: string) => result.records.filter((r) => path.basename(r.path) === name);
  assert.equal(result.records.length, 3);
  assert.deepEqual(byName('x.png').map((r) => [r.status, r.error]), [['error', 'Cannot read x.png: it is a named pipe (FIFO), not a regular file — only files are summarized']]);
  assert.deepEqual(byName('y.mp4').map((r) => [r.status, r.error]), [['error', 'Cannot read y.mp4: it is a character device, not a regular file — only files are summarized']]);
  assert.equal(byName('real.png')[0].status, 'ok');
});

test('names that are not UTF-8 (Linux names are bytes): read, summarized, cached by their bytes, shown with the bytes escaped', { skip: builtMissing(), timeout: 300_000 }, async () => {
  const dir = await tempDir('byte-names');
  const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : Buffer.from(part))));
  await writeFile(raw(dir, '/bad', [0xff, 0xfe], 'utf8.png'), await renderTextImage(['Invoice BYT-255 due']));
  await mkdir(raw(dir, '/caf', [0xe9]));
  await writeFile(raw(dir, '/caf', [0xe9], '/menu.png'), await renderTextImage(['Menu LAT-1 today']));
  const cache = await tempDir('byte-names-cache');
  const cli = (...flags: string[]) => run(process.execPath, [CLI_SCRIPT, dir, '--recursive', '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '1', ...flags], { timeout: 240_000 });

  const { stdout } = await cli('--json', '--no-log');
  const records = stdout.trim().split('\n').map((l) => JSON.parse(l) as FileRecord & { type?: string }).filter((l) => l.type !== 'run');
  assert.deepEqual(records.map((r) => [path.relative(dir, r.path), r.status]).sort(), [['bad\udcff\udcfeutf8.png', 'ok'], [path.join('caf\udce9', 'menu.png'), 'ok']]);
  assert.match(records.find((r) => r.path.includes('bad'))!.ocrText!, /BYT-255/);
  assert.match(records.find((r) => r.path.includes('menu'))!.ocrText!, /LAT-1/);

  const again = await cli();
  assert.match(again.stdout, /bad\\xFF\\xFEutf8\.png\s+ok/, again.stdout);
  assert.match(again.stdout, /menu\.png\s+ok/, again.stdout);
  assert.match(again.stdout, /2 from cache/, 'the second run answers both from the cache');
  assert.doesNotMatch(again.stdout, /\ufffd/, 'no replacement characters are shown');
  const logFile = /^Log: (.+)$/m.exec(again.stdout)![1];
  const log = await readFile(logFile, 'utf8');
  assert.match(log, /^File: bad\\xFF\\xFEutf8\.png$/m, log);
  assert.match(log, /^File: menu\.png$/m, log);
});
