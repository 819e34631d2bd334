import { platformTool } from '../../core/platformTools';
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, copyFile, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { acquireBuildLock } from './buildLock';
import type { BuildProgress } from './buildProgress';
import { WHISPER_CLI_NAME, WHISPER_CMAKE_FLAGS, cmakeBuildWhisperCli } from './cmakeBuild';
import { doFix } from '../../core/problems';
import { OWN_WHISPER_CLI, WhisperError, formatTail } from './errors';
import { runProcess } from './exec';
import { whisperSource } from './source';
import { findBuildTools } from './tools';

/*
 * Where whisper-cli comes from: an explicit path from the user, else a build of the whisper.cpp sources shipped in
 * nodejs-whisper, made once into a cache folder and reused by every process afterwards.
 *
 * A finished build folder holds only `whisper-cli` and `build-info.json`. It is assembled in a private staging
 * folder next to it and renamed into place in one step, so the final name never shows a half-built state, even if
 * the process is killed; leftovers of killed builds (`.<name>.work-*`, `.<name>.staging-*`) are removed by the next
 * builder while it holds the lock.
 */

export interface EnsureWhisperCliOptions {
  /** A whisper-cli the user already has (`--whisper-cli PATH`). When set, nothing is built. */
  cliPath?: string;
  /**
   * False: only a finished build is used and none is started (the user cancelled the one-time build in VS Code;
   * the run goes on without speech). Default true.
   */
  build?: boolean;
  /** Where the build lives; the app passes `<cacheDir>/whisper/build-<nodejs-whisper version>` (see whisperBuildDir). */
  buildDir?: string;
  /** whisper.cpp source tree. Default: the one in nodejs-whisper. */
  sourceDir?: string;
  /** Parallel compile jobs. Default: the number of CPUs. */
  jobs?: number;
  /** Environment for finding and running cmake and the compiler (its PATH is searched). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (progress: BuildProgress) => void;
  /** A build lock not refreshed for this long belongs to a killed process and is taken over. Default 60 s. */
  lockStaleMs?: number;
  /** How long to wait for another process's build. Default 30 minutes. */
  lockWaitMs?: number;
  /** Limit for each of configure and build. Default 30 minutes. */
  stepTimeoutMs?: number;
}

export interface WhisperBuildInfo {
  sourceVersion: string;
  whisperVersion: string;
  platform: NodeJS.Platform;
  arch: string;
  flags: readonly string[];
  builtAt: string;
  buildMs: number;
}

const BUILD_INFO = 'build-info.json';
const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;

/** Returns the path of a runnable whisper-cli, building it first when needed. */
export async function ensureWhisperCli(options: EnsureWhisperCliOptions): Promise<string> {
  if (options.cliPath !== undefined && options.cliPath !== '') return validateWhisperCli(options.cliPath);
  // A platform VSIX carries one built from the same sources: nothing to build.
  const carried = platformTool('whisper-cli');
  if (carried) return validateWhisperCli(carried);
  if (!options.buildDir) throw new Error('ensureWhisperCli needs either cliPath or buildDir');
  const buildDir = path.resolve(options.buildDir);

  const existing = await completedBuild(buildDir);
  if (existing) return existing;
  if (options.build === false) {
    throw new WhisperError('not-built', 'whisper-cli is not built yet (its one-time build was cancelled)', [doFix('build it with "Media Summarizer: Build whisper-cli"'), OWN_WHISPER_CLI]);
  }

  // Before waiting on anyone: a machine without cmake or a compiler gets the install instructions at once.
  const tools = await findBuildTools({ env: options.env });
  await mkdir(path.dirname(buildDir), { recursive: true });

  const lock = await acquireBuildLock(buildDir, {
    staleMs: options.lockStaleMs,
    waitMs: options.lockWaitMs,
    signal: options.signal,
    onWaiting: () => options.onProgress?.({ phase: 'waiting', message: 'waiting for another build of whisper-cli to finish' }),
    isDone: () => completedBuild(buildDir),
  });
  if (lock.kind === 'done') return lock.path;
  try {
    // Whoever held the lock before us may have finished the build while we were starting to wait.
    const finished = await completedBuild(buildDir);
    if (finished) return finished;
    await removeLeftovers(buildDir);
    return await buildInto(buildDir, { ...options, tools });
  } finally {
    await lock.release();
  }
}

/** A whisper-cli that needs no build: the one a platform VSIX carries, else a finished build in buildDir. */
export async function readyWhisperCli(buildDir: string): Promise<string | undefined> {
  return platformTool('whisper-cli') ?? completedBuild(buildDir);
}

/** The whisper-cli of a finished build for this platform in buildDir, or undefined. */
export async function completedBuild(buildDir: string): Promise<string | undefined> {
  let info: Partial<WhisperBuildInfo>;
  try {
    info = JSON.parse(await readFile(path.join(buildDir, BUILD_INFO), 'utf8')) as Partial<WhisperBuildInfo>;
  } catch {
    return undefined;
  }
  // A cache folder synced from another OS or CPU family holds a binary that cannot run here: rebuild.
  if (info.platform !== process.platform || info.arch !== process.arch) return undefined;
  const cli = path.join(buildDir, WHISPER_CLI_NAME);
  try {
    await access(cli, fsConstants.X_OK);
    return cli;
  } catch {
    return undefined;
  }
}

/** Checks a user-supplied whisper-cli path; the error names the path and what to do. */
export async function validateWhisperCli(cliPath: string): Promise<string> {
  const resolved = path.resolve(cliPath);
  const fixes = [OWN_WHISPER_CLI, doFix('leave it unset to build whisper-cli automatically')];
  let info;
  try {
    info = await stat(resolved);
  } catch {
    throw new WhisperError('cli-missing', `whisper-cli not found at ${resolved}`, fixes);
  }
  if (!info.isFile()) throw new WhisperError('cli-missing', `${resolved} is not a file but whisper-cli must be the program itself`, fixes);
  try {
    await access(resolved, fsConstants.X_OK);
  } catch {
    throw new WhisperError('cli-missing', `whisper-cli at ${resolved} is not executable`, [doFix(`run \`chmod +x ${resolved}\``), ...fixes]);
  }
  return resolved;
}

async function buildInto(
  buildDir: string,
  options: EnsureWhisperCliOptions & { tools: Awaited<ReturnType<typeof findBuildTools>> },
): Promise<string> {
  const started = Date.now();
  const parent = path.dirname(buildDir);
  const base = path.basename(buildDir);
  const source = options.sourceDir ? { dir: path.resolve(options.sourceDir), version: 'custom' } : whisperSource();
  const workDir = await mkdtemp(path.join(parent, `.${base}.work-`));
  const stagingDir = path.join(parent, `.${base}.staging-${randomBytes(6).toString('hex')}`);
  try {
    const built = await cmakeBuildWhisperCli({
      sourceDir: source.dir,
      workDir,
      tools: options.tools,
      jobs: options.jobs ?? os.availableParallelism(),
      env: options.env,
      signal: options.signal,
      timeoutMs: options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
      onProgress: options.onProgress,
    });

    await mkdir(stagingDir);
    const cli = path.join(stagingDir, WHISPER_CLI_NAME);
    await copyFile(built, cli);
    await chmod(cli, 0o755);
    const whisperVersion = await smokeTest(cli);
    const info: WhisperBuildInfo = {
      sourceVersion: source.version,
      whisperVersion,
      platform: process.platform,
      arch: process.arch,
      flags: WHISPER_CMAKE_FLAGS,
      builtAt: new Date().toISOString(),
      buildMs: Date.now() - started,
    };
    // Written last: its presence is what marks the folder as complete.
    await writeFile(path.join(stagingDir, BUILD_INFO), `${JSON.stringify(info, null, 2)}\n`);

    await publish(stagingDir, buildDir);
    options.onProgress?.({ phase: 'done', percent: 100, message: 'whisper-cli ready' });
    const final = await completedBuild(buildDir);
    if (!final) throw new WhisperError('build-failed', `whisper-cli was built but ${buildDir} does not hold a usable copy`, [doFix(`delete ${buildDir} and try again`)]);
    return final;
  } finally {
    await rm(workDir, { recursive: true, force: true });
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/** Runs the fresh binary once, so a build that links but cannot start (missing runtime library) fails here. */
async function smokeTest(cli: string): Promise<string> {
  const result = await runProcess(cli, ['--version'], { timeoutMs: 30_000, tailLines: 10 });
  const line = [...result.stdoutTail, ...result.stderrTail].find((l) => /version/i.test(l));
  if (result.code !== 0) {
    throw new WhisperError(
      'build-failed',
      `The freshly built whisper-cli does not run (\`whisper-cli --version\` ${result.code === null ? `was killed by ${result.signal}` : `exited with code ${result.code}`})`,
      [OWN_WHISPER_CLI],
      formatTail([...result.stdoutTail, ...result.stderrTail]),
    );
  }
  return line?.replace(/^.*version:?\s*/i, '').trim() ?? 'unknown';
}

/** Renames the staging folder to the final name in one step. */
async function publish(stagingDir: string, buildDir: string): Promise<void> {
  try {
    await rename(stagingDir, buildDir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM' && code !== 'EACCES') throw error;
  }
  // The name is taken. If it is a finished build (another process got there first), use that one.
  if (await completedBuild(buildDir)) return;
  // Otherwise it is junk (not made by us: ours only ever appear complete); we hold the lock, so replace it.
  await rm(buildDir, { recursive: true, force: true });
  await rename(stagingDir, buildDir);
}

/** Removes half-built folders of killed builds and an incomplete final folder. Call only while holding the lock. */
async function removeLeftovers(buildDir: string): Promise<void> {
  const parent = path.dirname(buildDir);
  const base = path.basename(buildDir);
  const prefixes = [`.${base}.work-`, `.${base}.staging-`];
  const names = await readdir(parent).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => prefixes.some((prefix) => name.startsWith(prefix)))
      .map((name) => rm(path.join(parent, name), { recursive: true, force: true })),
  );
  if (!(await completedBuild(buildDir))) await rm(buildDir, { recursive: true, force: true });
}
