/**
 * `npm run bench`: every benchmark in one run, side by side, with the machine, date and commit recorded.
 * `npm run bench -- --quick` is the short mode for CI; the full mode is what BENCHMARKS.md records.
 * Results: a table per benchmark on stdout and .bench-results/<timestamp>.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../test/support/paths';

const quick = process.argv.includes('--quick');
/** `key` names the result in the report; `script` is bench/<script>.ts (default: the key). */
const benches: Array<{ key: string; script?: string; args: string[] }> = [
  { key: 'cache', args: quick ? ['--sizes', '1000'] : ['--sizes', '1000,4000,10000'] },
  { key: 'rerun', args: quick ? ['--files', '100'] : ['--files', '10000', '--seed'] },
  { key: 'ocr', args: quick ? ['--quick'] : [] },
  { key: 'ocrLanguages', args: quick ? ['--quick'] : [] },
  { key: 'pipeline', args: quick ? ['--quick'] : [] },
  // The same pipeline three times longer: the workers' start-up (about 1.7 CPU seconds each) weighs a third as
  // much, which shows the steady state.
  ...(quick ? [] : [{ key: 'pipelineLong', script: 'pipeline', args: ['--images', '600', '--workers', '2,8'] }]),
  { key: 'activation', args: [] },
  { key: 'workerMemory', args: quick ? ['--entries', '20000', '--rounds', '1'] : [] },
  { key: 'llm', args: quick ? ['--quick'] : [] },
  { key: 'search', args: quick ? ['--sizes', '2000', '--cli', '500'] : [] },
];

async function main(): Promise<void> {
  const outDir = path.join(PROJECT_ROOT, '.bench-results');
  await mkdir(outDir, { recursive: true });
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' }).trim();
  const date = new Date().toISOString();
  const machine = `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  const report: Record<string, unknown> = {
    date,
    commit,
    machine,
    mode: quick ? 'quick' : 'full',
  };
  console.log(`${machine} — commit ${commit} — ${date}`);
  for (const bench of benches) {
    const json = path.join(outDir, `${bench.key}.json`);
    console.log(`\n## ${bench.key}`);
    execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, `${bench.script ?? bench.key}.ts`), ...bench.args, '--json', json], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    report[bench.key] = JSON.parse(await readFile(json, 'utf8'));
  }
  const file = path.join(outDir, `${date}.json`.replace(/:/g, '-'));
  await writeFile(file, JSON.stringify(report, null, 2));
  console.log(`\nWritten: ${file}`);
}

void main();
