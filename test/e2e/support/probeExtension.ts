/**
 * A minimal extension, packaged by vsce like the real one, that proves the harness on its own: its command
 * "E2E Probe: Hello" forks a child process from the extension host and shows the child's and the host's pids in a
 * notification; the child exits by itself after a few seconds, as an idle worker would.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../support/paths';

const run = promisify(execFile);
export const PROBE_COMMAND_TITLE = 'E2E Probe: Hello';
/** The notification text: "E2E Probe: child <pid> of <ppid>, extension host <pid>". */
export const PROBE_MESSAGE = /E2E Probe: child (\d+) of (\d+), extension host (\d+)/;
export const PROBE_CHILD_LIFETIME_MS = 4000;

const manifest = {
  name: 'e2e-probe',
  displayName: 'E2E Probe',
  description: 'Test fixture for the Media Summarizer e2e harness.',
  publisher: 'media-summarizer-e2e',
  version: '0.0.1',
  engines: { vscode: '^1.90.0' },
  main: './extension.js',
  contributes: { commands: [{ command: 'e2eProbe.hello', title: 'Hello', category: 'E2E Probe' }] },
};

const extensionJs = `const vscode = require('vscode');
const { fork } = require('child_process');
const path = require('path');
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('e2eProbe.hello', () => {
    const child = fork(path.join(__dirname, 'child.js'), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    child.once('message', (m) => vscode.window.showInformationMessage(\`E2E Probe: child \${m.pid} of \${m.ppid}, extension host \${process.pid}\`));
  }));
};
`;

const childJs = `process.send({ pid: process.pid, ppid: process.ppid });
setTimeout(() => process.exit(0), ${PROBE_CHILD_LIFETIME_MS});
`;

/** Writes the probe's sources into `dir` and packages them; returns the .vsix path. */
export async function buildProbeVsix(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await writeFile(path.join(dir, 'extension.js'), extensionJs);
  await writeFile(path.join(dir, 'child.js'), childJs);
  await writeFile(path.join(dir, 'README.md'), '# E2E Probe\n\nA fixture of the Media Summarizer e2e tests.\n');
  const vsix = path.join(dir, 'e2e-probe.vsix');
  const vsce = path.join(PROJECT_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  await run(process.execPath, [vsce, 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '--out', vsix], { cwd: dir, timeout: 60_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`vsce could not package the probe extension in ${dir}:\n${error.stdout ?? ''}${error.stderr ?? error.message}`);
    },
  );
  return vsix;
}
