/**
 * Extension activation: loading dist/extension.js and running activate() — against the minimal `vscode` module
 * the unit tests use (test/unit/extensionVscodeStub.ts), so it measures the extension's own cost (module
 * evaluation, registrations) and checks that no worker is started. Each run is a fresh process (a cold load, as
 * in VS Code). Also the VSIX size when one was built.
 *   node --import tsx bench/activation.ts [--runs 10] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT, tempDir } from '../test/support/paths';
import { loadExtension, memento, resetHost, Uri } from '../test/unit/extensionVscodeStub';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, json: { type: 'string' }, once: { type: 'boolean', default: false } } });

function workerChildren(): number {
  try {
    return execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('worker.js')).length;
  } catch {
    return 0;
  }
}

/** One cold activation in this process; prints its milliseconds. */
async function activateOnce(): Promise<void> {
  resetHost();
  const storage = await tempDir('bench-activation');
  const started = performance.now();
  const extension = loadExtension(path.join(PROJECT_ROOT, 'dist', 'extension.js'));
  await extension.activate({ extensionPath: PROJECT_ROOT, globalStorageUri: Uri.file(storage), storageUri: undefined, globalState: memento(), workspaceState: memento(), subscriptions: [] });
  const ms = performance.now() - started;
  if (workerChildren() > 0) throw new Error('activation started a worker');
  await extension.deactivate();
  process.stdout.write(`${ms}\n`);
}

async function main(): Promise<void> {
  if (process.argv.includes('--once')) return activateOnce();
  const times: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--once'], { encoding: 'utf8' });
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  const vsix = readdirSync(PROJECT_ROOT).find((name) => name.endsWith('.vsix'));
  const result = {
    runs: times.length,
    minMs: Number(times[0].toFixed(1)),
    medianMs: Number(times[Math.floor(times.length / 2)].toFixed(1)),
    maxMs: Number(times.at(-1)!.toFixed(1)),
    workersStarted: 0,
    vsixMb: vsix ? Number((statSync(path.join(PROJECT_ROOT, vsix)).size / 1e6).toFixed(2)) : 'not built (npm run package)',
  };
  console.log(JSON.stringify(result));
  if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2));
}

void main();
