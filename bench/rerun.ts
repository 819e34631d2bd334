/**
 * Measures the CLI on N rendered screenshots: a first run (OCR + summary for every file) and a re-run over the
 * unchanged folder (stat fast path, answered from the cache without workers). Ollama is the test stand-in.
 *   node --import tsx bench/rerun.ts [--files 1000] [--workers 8]
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { CLI_SCRIPT, tempDir } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';

const run = promisify(execFile);
const { values } = parseArgs({ options: { files: { type: 'string', default: '1000' }, workers: { type: 'string', default: '8' } } });
const files = Number(values.files);

async function main(): Promise<void> {
  const folder = await tempDir('bench-rerun');
  const cacheDir = await tempDir('bench-rerun-cache');
  const words = ['invoice', 'deploy', 'ticket', 'bucket', 'meeting', 'receipt', 'build', 'release'];
  for (let i = 0; i < files; i++) {
    const lines = [`${words[i % words.length]} OPS-${10000 + i} status green`, `owner team-${i % 17} region eu-west-${i % 3}`];
    await writeFile(path.join(folder, `Screenshot ${i}.png`), await renderTextImage(lines, 'image/png', 640));
  }
  const ollama = await startOllamaStandIn({ parallelism: 4 });
  const cli = async () => {
    const started = performance.now();
    const { stdout } = await run(process.execPath, [CLI_SCRIPT, folder, '--json', '--no-log', '--cache-dir', cacheDir, '--ollama-host', ollama.url, '--vision-model', 'none', '--workers', values.workers!], { maxBuffer: 1 << 30 });
    const seconds = (performance.now() - started) / 1000;
    const totals = JSON.parse(stdout.trim().split('\n').at(-1)!);
    return { ...totals, wallSeconds: Number(seconds.toFixed(2)) };
  };
  const first = await cli();
  const rerun = await cli();
  await ollama.close();
  const result = {
    machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model}`,
    files,
    firstRun: first,
    secondsPerImage: Number((first.wallSeconds / files).toFixed(3)),
    rerun,
  };
  console.log(JSON.stringify(result, null, 2));
  await rm(folder, { recursive: true, force: true });
  await rm(cacheDir, { recursive: true, force: true });
}

void main();
