/**
 * Organize on real files: an apply moves exactly the plan and undo restores the tree byte for byte (a manifest of
 * every path and its content hash); a process SIGKILLed in the middle of an apply leaves a journal that undo rolls
 * back, or a resumed apply completes; a plan the folder outgrew is refused before anything moves; nothing is ever
 * overwritten.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { applyPlan, resumeApply, undoLastApply } from '../../src/core/organize/apply';
import { readJournal } from '../../src/core/organize/journal';
import { moveFileNoReplace } from '../../src/core/organize/moveFile';
import { makeOrganizePlan, type OrganizeFile, type OrganizePlan } from '../../src/core/organize/plan';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, PROJECT_ROOT, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const CHILD = path.join(PROJECT_ROOT, 'test', 'support', 'organizeApplyProcess.ts');
const run = promisify(execFile);

async function scratch(t: TestContext, prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir` (relative path → sha256 of its bytes), and every folder. */
async function manifest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    out[rel] = entry.isDirectory() ? 'dir' : createHash('sha256').update(await readFile(full)).digest('hex');
  }
  return out;
}

/** A freedesktop trash of the test's own (XDG_DATA_HOME, which the apply and its child processes read). */
async function testTrash(t: TestContext): Promise<string> {
  const dataHome = await scratch(t, 'organize-data-home');
  const earlier = process.env.XDG_DATA_HOME;
  process.env.XDG_DATA_HOME = dataHome;
  t.after(() => {
    if (earlier === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = earlier;
  });
  return path.join(dataHome, 'Trash');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A Desktop of `count` camera-named photos over three months — every tenth a later copy of the one before —, and a
 * folder of the user's that must stay as it is.
 */
async function desktop(dir: string, count: number): Promise<OrganizeFile[]> {
  await mkdir(path.join(dir, 'Taxes'));
  await writeFile(path.join(dir, 'Taxes', 'return.pdf'), 'the user\'s own');
  const files: OrganizeFile[] = [];
  for (let i = 0; i < count; i++) {
    const name = `IMG_${String(i).padStart(4, '0')}.JPG`;
    const file = path.join(dir, name);
    const source = i % 10 === 9 ? i - 1 : i;
    const content = `photo ${source}`;
    await writeFile(file, content);
    // A copy is an hour younger than its original, so the original is the one kept.
    const when = new Date(2025, source % 3, 1 + (source % 27), source === i ? 12 : 13, 0, 0);
    await utimes(file, when, when);
    files.push({ path: file, kind: 'image', mtimeMs: when.getTime(), record: { path: file, kind: 'image', status: 'ok', cached: true, metadata: {}, title: `Photo ${i % 10}`, tags: ['trip'], sha256: sha256(content) } });
  }
  return files;
}

async function planFor(dir: string, files: OrganizeFile[]): Promise<OrganizePlan> {
  const names = new Map<string, Set<string>>();
  for (const sub of [dir, ...(await readdir(dir)).map((name) => path.join(dir, name))]) {
    names.set(sub, new Set(await readdir(sub).then((list) => list.map((n) => n.toLowerCase()), () => [])));
  }
  return makeOrganizePlan(dir, files, { rename: true, by: 'month', duplicates: true }, (sub) => names.get(sub) ?? new Set());
}

test('apply moves exactly the plan; undo restores every path and byte', async (t) => {
  const dir = await scratch(t, 'organize-round-trip');
  const cacheDir = await scratch(t, 'organize-cache');
  const trash = await testTrash(t);
  const files = await desktop(dir, 40);
  const before = await manifest(dir);
  const plan = await planFor(dir, files);
  assert.equal(plan.steps.length, 40);
  const copies = plan.steps.filter((step) => step.action === 'trash');
  assert.deepEqual(copies.map((step) => path.basename(step.from)).sort(), ['IMG_0009.JPG', 'IMG_0019.JPG', 'IMG_0029.JPG', 'IMG_0039.JPG']);
  const outcome = await applyPlan(plan, cacheDir);
  assert.deepEqual(outcome, { moved: 40, missing: [] });
  const after = await manifest(dir);
  for (const step of plan.steps) {
    if (step.to) assert.equal(after[path.relative(dir, step.to)], before[path.relative(dir, step.from)], `${step.to} holds what ${step.from} held`);
    assert.equal(after[path.relative(dir, step.from)], undefined);
  }
  const trashed = await manifest(trash);
  for (const step of copies) {
    const name = path.basename(step.from);
    assert.equal(trashed[path.join('files', name)], before[name], `${name} is in the trash, whole`);
    const info = await readFile(path.join(trash, 'info', `${name}.trashinfo`), 'utf8');
    assert.match(info, new RegExp(`^\\[Trash Info\\]\nPath=${step.from.replace(/[.]/g, '\\.')}\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\n$`));
  }
  assert.equal(after[path.join('Taxes', 'return.pdf')], before[path.join('Taxes', 'return.pdf')], 'the user\'s folder is untouched');
  assert.deepEqual(Object.keys(after).filter((p) => !p.includes(path.sep) && p !== 'Taxes').sort(), ['2025-01', '2025-02', '2025-03'], 'only month folders are left at the top');
  assert.equal((await readJournal(cacheDir))?.state, 'applied');

  const undone = await undoLastApply(cacheDir);
  assert.deepEqual(undone, { folder: dir, restored: 40, problems: [], inSystemTrash: [] });
  assert.deepEqual(await manifest(dir), before, 'byte for byte, and the month folders are gone');
  assert.deepEqual(await manifest(trash), { files: 'dir', info: 'dir' }, 'the copies came back out of the trash, with their .trashinfo gone');
  assert.equal(await readJournal(cacheDir), undefined, 'nothing left to undo');
  assert.equal(await undoLastApply(cacheDir), undefined);
});

/** Starts an apply in a child process and SIGKILLs it once it has moved `after` files. */
async function killMidApply(planFile: string, cacheDir: string, after: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, planFile, cacheDir], { stdio: ['ignore', 'pipe', 'inherit'], cwd: PROJECT_ROOT });
  let moved = 0;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    moved += chunk.split('\n').filter((line) => line === 'moved').length;
    if (moved >= after) child.kill('SIGKILL');
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.equal(signal, 'SIGKILL', `the apply was killed (exit ${code})`);
  return moved;
}

for (const then of ['undo', 'resume'] as const) {
  test(`an apply SIGKILLed in the middle: ${then === 'undo' ? 'undo restores the tree byte for byte' : 'a resumed apply completes the plan'}`, async (t) => {
    const dir = await scratch(t, `organize-kill-${then}`);
    const cacheDir = await scratch(t, 'organize-cache');
    const trash = await testTrash(t);
    const files = await desktop(dir, 3000);
    const before = await manifest(dir);
    const plan = await planFor(dir, files);
    const planFile = path.join(cacheDir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const moved = await killMidApply(planFile, cacheDir, 200);
    const journal = await readJournal(cacheDir);
    assert.equal(journal?.state, 'applying', 'the journal says the apply did not finish');
    const middle = await manifest(dir);
    const done = plan.steps.filter((step) => middle[path.relative(dir, step.from)] === undefined).length;
    t.diagnostic(`killed after ${moved} reported moves; ${done} of ${plan.steps.length} files at their new name`);
    assert.ok(done > 0 && done < plan.steps.length, `killed in the middle (${done} of ${plan.steps.length} moved)`);
    await assert.rejects(applyPlan(plan, cacheDir), /An earlier organize of .* was interrupted/, 'no new apply over an unfinished one');

    if (then === 'undo') {
      const undone = await undoLastApply(cacheDir);
      assert.deepEqual(undone?.problems, []);
      assert.deepEqual(await manifest(dir), before, 'byte for byte');
      assert.deepEqual(await manifest(trash), { files: 'dir', info: 'dir' }, 'nothing left in the trash');
    } else {
      const outcome = await resumeApply(cacheDir);
      assert.equal(outcome?.missing.length, 0);
      const after = await manifest(dir);
      for (const step of plan.steps) if (step.to) assert.equal(after[path.relative(dir, step.to)], before[path.relative(dir, step.from)], step.to);
      assert.equal(Object.keys(after).filter((p) => p.startsWith('IMG_')).length, 0, 'no file left at its old name');
      const trashed = await manifest(trash);
      assert.equal(Object.keys(trashed).filter((p) => p.startsWith(`files${path.sep}`)).length, 300, 'every copy in the trash');
      assert.equal(Object.keys(trashed).filter((p) => p.endsWith('.trashinfo')).length, 300, 'each with its .trashinfo');
      assert.equal((await readJournal(cacheDir))?.state, 'applied');
    }
  });
}

test('a plan the folder outgrew is refused before anything moves; a move never overwrites', async (t) => {
  const dir = await scratch(t, 'organize-stale');
  const cacheDir = await scratch(t, 'organize-cache');
  const files = await desktop(dir, 5);
  const plan = await planFor(dir, files);
  const before = await manifest(dir);
  // Someone saves a file at one of the plan's targets after the plan was made.
  await mkdir(path.dirname(plan.steps[3].to!), { recursive: true });
  await writeFile(plan.steps[3].to!, 'saved meanwhile');
  await assert.rejects(applyPlan(plan, cacheDir), /changed since the plan was made/);
  const now = await manifest(dir);
  for (const key of Object.keys(before)) assert.equal(now[key], before[key], `${key} untouched`);
  assert.equal(await readJournal(cacheDir), undefined, 'no journal: nothing was started');

  await assert.rejects(moveFileNoReplace(files[0].path, plan.steps[3].to!), { code: 'EEXIST' });
  assert.equal(await readFile(plan.steps[3].to!, 'utf8'), 'saved meanwhile');
  assert.equal(await readFile(files[0].path, 'utf8'), 'photo 0');
});

describe('media-summarizer organize and undo, through the CLI', { skip: builtMissing() }, () => {
  let ollama: OllamaStandIn;
  before(async () => {
    ollama = await startOllamaStandIn({ latencyMs: 5, tokenDelayMs: 1 });
  });
  after(() => ollama?.close());

  test('a dry run shows the plan and changes nothing; --apply renames, files by month and puts a copy in the trash; the cache follows the content; undo puts everything back', { timeout: 300_000 }, async (t) => {
    const desk = await scratch(t, 'organize-cli-desk');
    const cache = await scratch(t, 'organize-cli-cache');
    const trash = await testTrash(t);
    const boardingPass = await renderTextImage(['Flight LH123 boarding pass', 'Gate B12 seat 14C']);
    await writeFile(path.join(desk, 'Screenshot 2025-05-02 at 11.03.19.png'), boardingPass);
    const copy = path.join(desk, 'Screenshot 2025-05-02 at 11.03.19 (1).png');
    await writeFile(copy, boardingPass);
    const anHourLater = new Date(Date.now() + 3600_000);
    await utimes(copy, anHourLater, anHourLater);
    await writeFile(path.join(desk, 'IMG_0042.png'), await renderTextImage(['Hardware store receipt', 'Total 87 dollars']));
    await writeFile(path.join(desk, 'my notes.png'), await renderTextImage(['Notes someone named', 'Keep this name']));
    await writeFile(path.join(desk, 'Screenshot 2025-06-01 at 09.00.00.png'), await renderTextImage(['Not summarized yet']));
    const cli = (...args: string[]) => run(process.execPath, [CLI_SCRIPT, ...args, '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none'], { timeout: 240_000 });
    // Summarize three of them (the fourth stays unknown to the cache).
    const hidden = path.join(cache, 'Screenshot 2025-06-01 at 09.00.00.png');
    await rename(path.join(desk, 'Screenshot 2025-06-01 at 09.00.00.png'), hidden);
    await cli(desk, '--no-log', '--json');
    await rename(hidden, path.join(desk, 'Screenshot 2025-06-01 at 09.00.00.png'));
    const before = await manifest(desk);

    const dry = await cli('organize', desk, '--rename', '--by', 'month', '--duplicates');
    t.diagnostic(dry.stdout);
    assert.match(dry.stdout, /^move +Screenshot 2025-05-02 at 11\.03\.19\.png → 2025-05\/2025-05-02 Flight LH123 boarding pass.*\.png {2}\(named by its title; filed by month into 2025-05\)$/m);
    assert.match(dry.stdout, /Left alone: 1 file \(1 not summarized yet\)/);
    assert.match(dry.stdout, /A dry run: nothing was changed/);
    assert.deepEqual(await manifest(desk), before, 'a dry run changes nothing');

    const json = await cli('organize', desk, '--rename', '--by', 'month', '--duplicates', '--json');
    const lines = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as { action?: string; from?: string; to?: string; type?: string });
    assert.deepEqual(lines.filter((l) => l.action === 'move').map((l) => l.from).sort(), ['IMG_0042.png', 'Screenshot 2025-05-02 at 11.03.19.png', 'my notes.png']);
    assert.match(lines.find((l) => l.from === 'my notes.png')?.to ?? '', /^\d{4}-\d{2}[\\/]my notes\.png$/, 'a chosen name stays; the file is filed by its month');
    assert.deepEqual(lines.filter((l) => l.action === 'trash'), [{ action: 'trash', from: path.basename(copy), reason: 'same content as Screenshot 2025-05-02 at 11.03.19.png, which is older and stays' }]);
    assert.equal(lines.at(-1)?.type, 'plan');

    const applied = await cli('organize', desk, '--rename', '--by', 'month', '--duplicates', '--apply');
    assert.match(applied.stdout, /^trash +Screenshot 2025-05-02 at 11\.03\.19 \(1\)\.png {2}\(same content as Screenshot 2025-05-02 at 11\.03\.19\.png, which is older and stays\)$/m);
    assert.match(applied.stdout, /Done: 3 files renamed or moved, 1 copy put in the trash\. Undo it with: media-summarizer undo/);
    assert.equal((await readFile(path.join(trash, 'files', path.basename(copy)))).equals(boardingPass), true, 'the copy is in the trash');
    const after = await manifest(desk);
    assert.ok(Object.keys(after).some((p) => /^2025-05[\\/]2025-05-02 Flight LH123 boarding pass/.test(p)), Object.keys(after).join('\n'));
    assert.ok(Object.keys(after).some((p) => /^\d{4}-\d{2}[\\/]my notes\.png$/.test(p)), 'my notes.png kept its name');

    // The summaries stay attached to the renamed files: a run is answered from the cache, no model request.
    const prompts = ollama.stats.prompts.length;
    const rerun = await cli(desk, '--recursive', '--no-log', '--json');
    const totals = JSON.parse(rerun.stdout.trim().split('\n').at(-1)!) as { cached: number; llmCalls: number };
    assert.equal(totals.llmCalls, 1, 'only the file never summarized asks the model');
    assert.equal(totals.cached, 3);
    assert.equal(ollama.stats.prompts.length, prompts + 1);

    const undone = await cli('undo');
    assert.match(undone.stdout, /Put back 4 files in /);
    assert.deepEqual(await manifest(desk), before, 'byte for byte, month folders gone');
    assert.match((await cli('undo')).stdout, /Nothing to undo/);
  });

  test('--by topic: files sharing a tag go into one folder the model named; a second plan has the same names without asking again', { timeout: 300_000 }, async (t) => {
    const desk = await scratch(t, 'organize-topic-desk');
    const cache = await scratch(t, 'organize-topic-cache');
    await writeFile(path.join(desk, 'Screenshot 2025-05-02 at 11.03.19.png'), await renderTextImage(['Flight LH123 boarding pass', 'Gate B12 seat 14C']));
    await writeFile(path.join(desk, 'Screenshot 2025-05-09 at 08.00.00.png'), await renderTextImage(['Flight BA42 boarding pass', 'Gate A3 seat 2F']));
    await writeFile(path.join(desk, 'Screenshot 2025-06-14 at 18.20.00.png'), await renderTextImage(['Hardware store receipt', 'Total 87 dollars']));
    const cli = (...args: string[]) => run(process.execPath, [CLI_SCRIPT, ...args, '--cache-dir', cache, '--ollama-host', ollama.url, '--vision-model', 'none'], { timeout: 240_000 });
    await cli(desk, '--no-log', '--json');
    const asked = ollama.stats.prompts.length;
    const plan = async () => (await cli('organize', desk, '--by', 'topic', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { action?: string; from?: string; to?: string; reason?: string });
    const dry = await plan();
    t.diagnostic(JSON.stringify(dry));
    const folderOf = (name: string) => path.dirname(dry.find((step) => step.from === name)?.to ?? '.');
    const flights = folderOf('Screenshot 2025-05-02 at 11.03.19.png');
    assert.notEqual(flights, '.', 'the boarding pass is filed');
    assert.equal(folderOf('Screenshot 2025-05-09 at 08.00.00.png'), flights, 'both boarding passes in one folder');
    assert.equal(folderOf('Screenshot 2025-06-14 at 18.20.00.png'), 'Other', 'the receipt shares no tag with them');
    assert.ok(flights.split(' ').length <= 3, `a name of at most three words: ${flights}`);
    const namingPrompts = ollama.stats.prompts.slice(asked);
    assert.equal(namingPrompts.length, 1, 'one request names the one group');
    assert.match(namingPrompts[0], /Flight LH123 boarding pass/);
    assert.deepEqual(await plan(), dry, 'the same plan again');
    assert.equal(ollama.stats.prompts.length, asked + 1, 'its name from the cache');
  });

  test('usage: organize needs something to do; --pattern needs a field; undo takes no folder', async () => {
    const usage = (args: string[]) => run(process.execPath, [CLI_SCRIPT, ...args]).then(() => 0, (error: { code: number; stderr: string }) => [error.code, error.stderr] as const);
    assert.deepEqual((await usage(['organize']) as readonly [number, string])[0], 2);
    assert.match((await usage(['organize']) as readonly [number, string])[1], /organize needs something to do/);
    assert.match((await usage(['organize', '--rename', '--pattern', 'plain']) as readonly [number, string])[1], /--pattern needs at least one of/);
    assert.match((await usage(['undo', '/tmp']) as readonly [number, string])[1], /undo takes no folder/);
    assert.match((await usage(['--apply']) as readonly [number, string])[1], /belong to `media-summarizer organize`/);
  });
});
