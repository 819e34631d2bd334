/**
 * Extension activation: loading dist/extension.js and running activate() in a fresh plain-Node process (a cold
 * load, as in VS Code's extension host, without tsx's loader hooks in the way), against the minimal `vscode`
 * module the unit tests use (test/unit/extensionVscodeStub.ts, bundled to JavaScript first), so it measures the
 * extension's own cost (reading and compiling the bundle, module evaluation, registrations) and checks that no
 * worker is started. Also the VSIX size when one was built.
 *   node --import tsx bench/activation.ts [--runs 10] [--json FILE]
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync } from 'esbuild';
import { PROJECT_ROOT, tempDir } from '../test/support/paths';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, json: { type: 'string' } } });

/** Runs in the child: one cold activation, then prints its milliseconds and how many workers it left running. */
const ACTIVATE_ONCE = `
const { execFileSync } = require('node:child_process');
const [stub, bundle, storage] = process.argv.slice(2);
const { loadExtension, memento, resetHost, Uri } = require(stub);
(async () => {
  resetHost();
  const started = performance.now();
  const extension = loadExtension(bundle);
  await extension.activate({ extensionPath: ${JSON.stringify(PROJECT_ROOT)}, globalStorageUri: Uri.file(storage), storageUri: undefined, globalState: memento(), workspaceState: memento(), subscriptions: [] });
  const ms = performance.now() - started;
  let workers = 0;
  try {
    workers = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\\n').filter((l) => l.includes('worker.js')).length;
  } catch {}
  await extension.deactivate();
  process.stdout.write(JSON.stringify({ ms, workers }));
  process.exit(0);
})();
`;

async function main(): Promise<void> {
  const dir = await tempDir('bench-activation');
  const stub = path.join(dir, 'vscodeStub.js');
  buildSync({ entryPoints: [path.join(PROJECT_ROOT, 'test', 'unit', 'extensionVscodeStub.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: stub, logLevel: 'warning' });
  const runner = path.join(dir, 'activateOnce.js');
  await writeFile(runner, ACTIVATE_ONCE);
  const bundle = path.join(PROJECT_ROOT, 'dist', 'extension.js');
  const times: number[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const out = execFileSync(process.execPath, [runner, stub, bundle, path.join(dir, `storage-${i}`)], { encoding: 'utf8' });
    const { ms, workers } = JSON.parse(out) as { ms: number; workers: number };
    if (workers > 0) throw new Error(`activation started ${workers} worker(s)`);
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  const vsix = readdirSync(PROJECT_ROOT).find((name) => name.endsWith('.vsix'));
  const result = {
    runs: times.length,
    minMs: Number(times[0].toFixed(1)),
    medianMs: Number(times[Math.floor(times.length / 2)].toFixed(1)),
    maxMs: Number(times.at(-1)!.toFixed(1)),
    bundleKb: Math.round(statSync(bundle).size / 1024),
    workersStarted: 0,
    vsixMb: vsix ? Number((statSync(path.join(PROJECT_ROOT, vsix)).size / 1e6).toFixed(2)) : 'not built (npm run package)',
  };
  console.log(JSON.stringify(result));
  if (values.json) await writeFile(values.json, JSON.stringify(result, null, 2));
}

void main();
