import { platformTool } from '../../core/platformTools';
import { execFile } from 'node:child_process';
import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { doFix, problem, ProblemError, settingFix } from '../../core/problems';

/*
 * ffmpeg is always run with execFile and an argument array (never a shell), and input files are passed as
 * `file:<absolute path>` so that names starting with "-" or looking like "http:" or "concat:" protocols are
 * read as plain files.
 */

const INSTALL_FFMPEG = doFix(
  'install it (Debian/Ubuntu: `sudo apt-get install ffmpeg`, macOS: `brew install ffmpeg`, Windows: `winget install ffmpeg`)',
);

/** Explicit path → ffmpeg-static (optional dependency; present where its installer could download) → PATH. */
export async function resolveFfmpeg(explicit?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (explicit) {
    if (await isExecutable(explicit)) return explicit;
    throw new ProblemError(problem('ffmpeg-missing', `ffmpeg not found at ${explicit} (the configured path)`, doFix('fix the path or remove it to use ffmpeg on PATH'), settingFix('ffmpegPath')));
  }
  const carried = platformTool('ffmpeg');
  if (carried && (await isExecutable(carried))) return carried;
  const bundled = ffmpegStaticPath();
  if (bundled && (await isExecutable(bundled))) return bundled;
  const onPath = await findOnPath('ffmpeg', env);
  if (onPath) return onPath;
  throw new ProblemError(problem('ffmpeg-missing', 'ffmpeg not found', INSTALL_FFMPEG, settingFix('ffmpegPath')));
}

function ffmpegStaticPath(): string | undefined {
  try {
    // An optional dependency, present only where its installer could download the binary.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const resolved: unknown = require('ffmpeg-static');
    return typeof resolved === 'string' ? resolved : undefined;
  } catch {
    return undefined; // not installed: its download failed or it was left out
  }
}

export async function findOnPath(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : [''];
  for (const dir of (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of extensions) {
      const candidate = path.join(dir, command + ext.toLowerCase());
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, process.platform === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function asFfmpegInput(file: string): string {
  return `file:${path.resolve(file)}`;
}

export interface RunOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Runs ffmpeg; resolves with stderr (where ffmpeg reports), rejects with its last error lines. */
export function runFfmpeg(ffmpeg: string, args: string[], options: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpeg,
      ['-hide_banner', '-nostdin', ...args],
      { signal: options.signal, timeout: options.timeoutMs ?? 120_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20, windowsHide: true },
      (error, _stdout, stderr) => {
        if (!error) return resolve(stderr);
        if (options.signal?.aborted) return reject(options.signal.reason instanceof Error ? options.signal.reason : error);
        const last = stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new FfmpegError(error.killed ? `ffmpeg timed out (${last})` : last || error.message, stderr));
      },
    );
  });
}

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}
