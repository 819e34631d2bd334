import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import type { FileRecord } from '../../src/core/records';
import { startOllamaStandIn, type OllamaStandIn } from '../support/ollamaStandIn';
import { builtMissing, CLI_SCRIPT, tempDir } from '../support/paths';
import { renderTextImage } from '../support/renderText';

const run = promisify(execFile);

let ollama: OllamaStandIn;
before(async () => {
  ollama = await startOllamaStandIn({ latencyMs: 5, tokenDelayMs: 1 });
});
after(() => ollama?.close());

interface CliRun {
  code: number;
  records: FileRecord[];
  totals: Record<string, number>;
  warnings: string[];
}

async function cli(args: string[]): Promise<CliRun> {
  const result = await run(process.execPath, [CLI_SCRIPT, ...args, '--json', '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', '2'], { timeout: 180_000 }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  );
  const lines = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return {
    code: result.code,
    records: lines.filter((l) => l.type !== 'run'),
    totals: lines.find((l) => l.type === 'run') ?? {},
    warnings: result.stderr.split('\n').filter((l) => l.startsWith('warning: ')),
  };
}

async function makeFolder(prefix: string): Promise<string> {
  const dir = await tempDir(prefix);
  await writeFile(path.join(dir, 'shot one.png'), await renderTextImage(['Release RLS-4410 approved']));
  await writeFile(path.join(dir, 'shot two.png'), await renderTextImage(['Backup job BKP-82 finished']));
  return dir;
}

/** The run completed, every file is summarized, and a second run finds every summary in the cache. */
async function assertCompletedAndCached(dir: string, cache: string, first: CliRun): Promise<void> {
  assert.equal(first.code, 0);
  assert.equal(first.records.length, 2);
  assert.ok(first.records.every((r) => r.status === 'ok'), JSON.stringify(first.records.map((r) => r.error)));
  const again = await cli([dir, '--cache-dir', cache, '--no-log']);
  assert.deepEqual([again.totals.cached, again.totals.llmCalls], [2, 0], 'the records were cached although the log was not written');
}

/** A read-only bind mount of the folder: the only way to stop root (which these tests may be) from writing there. */
function mountReadOnly(dir: string): string | false {
  try {
    execFileSync('mount', ['--bind', dir, dir], { stdio: 'ignore' });
  } catch {
    return 'a read-only folder needs `mount --bind` (root with CAP_SYS_ADMIN) — skipped';
  }
  execFileSync('mount', ['-o', 'remount,ro,bind', dir], { stdio: 'ignore' });
  return false;
}

test('the scanned folder is read-only: the run completes, one warning names the log path and the fix, records are cached', { skip: builtMissing(), timeout: 300_000 }, async (t) => {
  const dir = await makeFolder('log-ro');
  const cache = await tempDir('log-ro-cache');
  const skip = mountReadOnly(dir);
  if (skip) return t.skip(skip);
  try {
    await assert.rejects(writeFile(path.join(dir, 'probe.txt'), 'x'), /EROFS/, 'the folder is really read-only');
    const first = await cli([dir, '--cache-dir', cache]);
    assert.equal(first.warnings.length, 1, first.warnings.join('\n'));
    assert.match(
      first.warnings[0],
      new RegExp(`^warning: Cannot write the log ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/media_summaries_\\d{8}_\\d{6}\\.txt \\(EROFS: read-only file system\\); the summaries are still saved in the cache — pass --log FILE somewhere writable or --no-log\\.$`),
    );
    assert.deepEqual((await readdir(dir)).sort(), ['shot one.png', 'shot two.png'], 'nothing was written into the folder');
    await assertCompletedAndCached(dir, cache, first);
  } finally {
    execFileSync('umount', [dir], { stdio: 'ignore' });
  }
});

test('--log naming a folder, or a path under a file: the run completes with one warning naming that path and the fix', { skip: builtMissing(), timeout: 300_000 }, async () => {
  const dir = await makeFolder('log-bad');
  const folderInTheWay = path.join(dir, 'logs');
  await mkdir(folderInTheWay);
  const fileInTheWay = path.join(dir, 'shot one.png', 'run.txt');
  for (const [target, code] of [[folderInTheWay, 'EISDIR: a folder has that name'], [fileInTheWay, 'ENOTDIR: a file is in the way of its folder']] as const) {
    const cache = await tempDir('log-bad-cache');
    const first = await cli([dir, '--cache-dir', cache, '--log', target]);
    assert.equal(first.warnings.length, 1, first.warnings.join('\n'));
    assert.ok(first.warnings[0].startsWith(`warning: Cannot write the log ${target} (${code}); the summaries are still saved in the cache — pass --log FILE`), first.warnings[0]);
    await assertCompletedAndCached(dir, cache, first);
  }
});
