/**
 * One e2e session: fresh temporary HOME, user-data and extensions folders, the given VSIX files installed, user
 * settings written, code-server started, Chromium opened on a workspace folder and the Workspace Trust dialog
 * answered. `withSession` always tears it all down (browser, code-server and every process below it, the temporary
 * folders), takes a screenshot when the test body fails, and bounds each teardown step so nothing can hang.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { tempDir } from '../../support/paths';
import { renderTextImage } from '../../support/renderText';
import { launchBrowser } from './browser';
import { installExtension, makeCodeServerDirs, startCodeServer, writeRemoteSettings, writeUserSettings, type CodeServer, type CodeServerDirs } from './codeServer';
import { ARTIFACTS, projectVsix } from './paths';
import { descendants, processTable, type ProcessInfo } from './processes';
import { Workbench } from './workbench';

export interface SessionOptions {
  /** Folder under artifacts/e2e/ for this session's screenshots and code-server log (emptied first). */
  name: string;
  vsix: string[];
  /** User settings (machine-scoped ones such as mediaSummarizer.ollama.host only take effect here). */
  settings?: Record<string, unknown>;
  /** Remote (Machine) settings: where machine-scoped settings belong in code-server; see writeRemoteSettings. */
  remoteSettings?: Record<string, unknown>;
  /** Answer to the Workspace Trust dialog: true trusts the folder, false continues in restricted mode. */
  trust: boolean;
  /** Fills the temporary HOME (e.g. its Desktop) before code-server starts. */
  prepareHome?: (home: string) => Promise<void>;
  /** Fills the workspace folder that the workbench opens. */
  prepareWorkspace?: (workspace: string) => Promise<void>;
}

/** A `prepareHome` that puts one rendered screenshot per entry (file name → its lines of text) on the Desktop. */
export function desktopWith(images: Record<string, string[]>): (home: string) => Promise<void> {
  return async (home) => {
    const desktop = path.join(home, 'Desktop');
    await mkdir(desktop);
    for (const [name, lines] of Object.entries(images)) await writeFile(path.join(desktop, name), await renderTextImage(lines));
  };
}

/**
 * The packaged extension in a trusted folder against the Ollama host `ollamaHost`, with what most sessions share
 * (no vision model, two workers) and a Desktop of rendered screenshots; `settings` and the rest add or override.
 */
export function extensionSession(
  name: string,
  options: { ollamaHost: string; desktop: Record<string, string[]>; settings?: Record<string, unknown> } & Partial<Omit<SessionOptions, 'name' | 'settings'>>,
): SessionOptions {
  const { ollamaHost, desktop, settings, ...rest } = options;
  return {
    name,
    vsix: [projectVsix()],
    trust: true,
    settings: { 'mediaSummarizer.ollama.host': ollamaHost, 'mediaSummarizer.visionModel': 'none', 'mediaSummarizer.workers': 2, ...settings },
    prepareHome: desktopWith(desktop),
    ...rest,
  };
}

export interface Session {
  readonly dirs: CodeServerDirs;
  readonly workspace: string;
  readonly server: CodeServer;
  readonly workbench: Workbench;
  readonly artifacts: string;
  /** The extension host process (VS Code's bootstrap-fork --type=extensionHost) below code-server. */
  extensionHost: () => ProcessInfo;
}

const TEARDOWN_STEP_MS = 15_000;

export async function withSession(options: SessionOptions, body: (session: Session) => Promise<void>): Promise<void> {
  const artifacts = path.join(ARTIFACTS, options.name);
  await rm(artifacts, { recursive: true, force: true });
  await mkdir(artifacts, { recursive: true });
  const root = await tempDir('e2e');
  const cleanups: (() => Promise<unknown>)[] = [() => rm(root, { recursive: true, force: true })];
  let workbench: Workbench | undefined;
  try {
    const dirs = await makeCodeServerDirs(root);
    const workspace = path.join(root, 'workspace');
    await mkdir(workspace, { recursive: true });
    await options.prepareHome?.(dirs.home);
    await options.prepareWorkspace?.(workspace);
    for (const vsix of options.vsix) await installExtension(dirs, vsix);
    await writeUserSettings(dirs, options.settings ?? {});
    if (options.remoteSettings) await writeRemoteSettings(dirs, options.remoteSettings);

    const server = await startCodeServer(dirs, { logFile: path.join(artifacts, 'code-server.log') });
    cleanups.unshift(() => server.stop());
    const browser: Browser = await launchBrowser();
    cleanups.unshift(() => browser.close());
    workbench = await Workbench.open(browser, server.url, workspace, artifacts);
    cleanups.unshift(() => workbench!.close());
    await workbench.answerWorkspaceTrust(options.trust);

    const session: Session = { dirs, workspace, server, workbench, artifacts, extensionHost: () => extensionHostOf(server.pid) };
    await body(session);
  } catch (error) {
    if (workbench) await bounded(workbench.screenshot('failure'), 'failure screenshot').catch(() => undefined);
    throw error;
  } finally {
    for (const cleanup of cleanups) await bounded(cleanup(), 'teardown').catch((error: Error) => console.error(`e2e teardown: ${error.message}`));
  }
}

function extensionHostOf(serverPid: number): ProcessInfo {
  const below = descendants(serverPid, processTable());
  const hosts = below.filter((p) => p.args.includes('--type=extensionHost'));
  if (hosts.length !== 1) {
    throw new Error(`expected one extension host below code-server (pid ${serverPid}), found ${hosts.length}:\n${below.map((p) => `${p.pid} < ${p.ppid} ${p.args.slice(0, 200)}`).join('\n')}`);
  }
  return hosts[0];
}

function bounded<T>(promise: Promise<T>, what: string, ms = TEARDOWN_STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
