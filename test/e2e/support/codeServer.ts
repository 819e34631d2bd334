/**
 * A real VS Code server (code-server, installed by test/e2e/setup-code-server.sh) with its own user-data,
 * extensions and HOME folders, so a test never sees the developer's settings or extensions and the extension host
 * resolves `~/Desktop` inside the test's temporary HOME.
 */
import { spawn, execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { codeServerEntry } from './paths';
import { killTree, killTreeNow } from './processes';

const execFileAsync = promisify(execFile);

export interface CodeServerDirs {
  /** HOME of code-server and everything it starts (extension host, workers). */
  home: string;
  userData: string;
  extensions: string;
}

/** Folders under `root`, created empty. */
export async function makeCodeServerDirs(root: string): Promise<CodeServerDirs> {
  const dirs = { home: path.join(root, 'home'), userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions') };
  for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
  return dirs;
}

/**
 * The environment code-server runs in: the temporary HOME with XDG folders inside it (so the user's
 * ~/.config/user-dirs.dirs cannot redirect the Desktop), and none of the variables by which a VS Code terminal
 * or a test runner would reach into the child (VSCODE_IPC_HOOK_CLI makes `--install-extension` talk to the
 * parent window; NODE_OPTIONS could load tsx into the server).
 */
export function codeServerEnv(dirs: CodeServerDirs, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(VSCODE_|ELECTRON_|NODE_OPTIONS$|NODE_TEST_CONTEXT$|XDG_)/.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    HOME: dirs.home,
    XDG_CONFIG_HOME: path.join(dirs.home, '.config'),
    XDG_DATA_HOME: path.join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(dirs.home, '.cache'),
    ...extra,
  };
}

/** Installs a .vsix the way a user would (`code-server --install-extension`); fails with code-server's output. */
export async function installExtension(dirs: CodeServerDirs, vsix: string, timeoutMs = 120_000): Promise<string> {
  const args = [codeServerEntry(), '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix];
  let output: string;
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, args, { env: codeServerEnv(dirs), timeout: timeoutMs, killSignal: 'SIGKILL' });
    output = stdout + stderr;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; killed?: boolean; message: string };
    const why = e.killed ? `took longer than ${timeoutMs} ms` : 'failed';
    throw new Error(`code-server --install-extension ${vsix} ${why}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
  // A broken VSIX exits 1 (caught above); also require the success line, so nothing else passes silently.
  if (!/was successfully installed/.test(output)) throw new Error(`code-server did not install ${vsix}:\n${output}`);
  return output;
}

/**
 * Settings that keep the workbench still and predictable for a test: no welcome page, walkthroughs, tips, update
 * or telemetry traffic, git scanning or chat entry in the title bar (the command center must stay a plain
 * "search" box that opens the quick input), and a short hover delay.
 */
export const QUIET_WORKBENCH_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.hover.delay': 300,
  'window.commandCenter': true,
  'chat.commandCenter.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

/** Writes User/settings.json: the quiet defaults above, then `settings`. */
export async function writeUserSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): Promise<string> {
  const file = path.join(dirs.userData, 'User', 'settings.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ ...QUIET_WORKBENCH_SETTINGS, ...settings }, null, 2));
  return file;
}

/**
 * Writes Machine/settings.json: VS Code's "Remote" settings, which code-server keeps in its user-data folder. In a
 * remote window (code-server's is one) machine-scoped settings such as mediaSummarizer.ollama.host belong here: VS
 * Code applies them from the User settings only until the User settings are next written (e.g. by an extension's
 * configuration update), then ignores them there.
 */
export async function writeRemoteSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): Promise<string> {
  const file = path.join(dirs.userData, 'Machine', 'settings.json');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(settings, null, 2));
  return file;
}

/**
 * code-servers not yet stopped. If a test times out, node:test abandons its body (and so the `finally` that would
 * stop the server) and --test-force-exit ends the file's process; this makes sure nothing outlives it.
 */
const running = new Set<number>();
process.once('exit', () => running.forEach(killTreeNow));

export interface CodeServer {
  /** "http://127.0.0.1:<port>/" */
  readonly url: string;
  /** The pid of the code-server process we started; the extension host is among its descendants. */
  readonly pid: number;
  /** Ends code-server and every process below it (extension host, workers, terminals). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** code-server's output goes here (a test's artifacts folder), for reading after a failure. */
  logFile: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
  /**
   * Listen on this port (default: a free one). A restarted server takes its predecessor's port so that the browser
   * sees the same origin — VS Code in the browser keeps its state (and extensions' globalState) per origin.
   */
  port?: number;
}

/** Starts code-server on a free loopback port and resolves once it listens. */
export async function startCodeServer(dirs: CodeServerDirs, options: StartOptions): Promise<CodeServer> {
  const args = [
    codeServerEntry(),
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${options.port ?? 0}`, // port 0: the kernel picks a free one and code-server prints it
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    '--disable-telemetry',
    '--disable-update-check',
  ];
  await mkdir(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, args, { env: codeServerEnv(dirs, options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid !== undefined) running.add(child.pid);
  let output = '';
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) await killTree(child.pid);
      if (child.pid !== undefined) running.delete(child.pid);
      await new Promise<void>((resolve) => log.end(resolve));
    })();
    return stopped;
  };

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`code-server did not start listening within ${timeoutMs} ms; its output:\n${output}`)), timeoutMs);
      const onData = (chunk: Buffer): void => {
        log.write(chunk);
        output += chunk.toString();
        const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('error', (error) => (clearTimeout(timer), reject(new Error(`could not start code-server: ${error.message}`))));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`code-server exited (${signal ?? `code ${code}`}) before listening; its output:\n${output}`));
      });
    });
    // Keep logging after startup; stop buffering it in memory.
    child.stdout.removeAllListeners('data').on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr.removeAllListeners('data').on('data', (chunk: Buffer) => log.write(chunk));
    return { url, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
