import { spawn } from 'node:child_process';

/*
 * Runs an external program (cmake, the compiler probes, whisper-cli) from an argument array: never a shell string,
 * never `shell: true`, never process.chdir — paths with spaces, quotes or `$` reach the program unchanged.
 * Output is read line by line (for progress) and only a bounded tail is kept (for error messages), so a chatty
 * build cannot grow memory without limit.
 */

export interface RunOptions {
  cwd?: string;
  /** Environment of the child; its PATH is also where the program is looked up (Node's rule). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kill the program after this long (0 or undefined: no limit). */
  timeoutMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Called once the program has started (diagnostics, tests). */
  onStart?: (pid: number) => void;
  /**
   * Start the program in its own process group and kill the whole group on abort/timeout. Needed for
   * `cmake --build`, whose make/ninja and compiler children would otherwise keep running after cmake is killed.
   * On Windows (no process groups) the tree is killed with `taskkill /T /F` instead.
   */
  killProcessGroup?: boolean;
  /** How many trailing lines of each stream to keep. Default 40. */
  tailLines?: number;
}

export interface RunResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutTail: string[];
  stderrTail: string[];
  aborted: boolean;
  timedOut: boolean;
}

/** Thrown when the program cannot be started at all (ENOENT: not installed / not on PATH, EACCES: not executable). */
export class SpawnError extends Error {
  override name = 'SpawnError';
  constructor(
    readonly file: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Process groups started with killProcessGroup that are still running. They are their own groups (so a cancel can
 * kill a build's whole tree), hence outside the group of this process that its parent kills: when this process
 * exits — its parent died and it leaves, or it is shut down — it kills them itself, or cmake and the compilers
 * would run on for seconds with no one waiting for them.
 */
const liveGroups = new Set<number>();
let killsGroupsOnExit = false;

function killLiveGroups(): void {
  for (const pid of liveGroups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (!killsGroupsOnExit) {
    killsGroupsOnExit = true;
    process.once('exit', killLiveGroups);
  }
}

export function runProcess(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const tailLines = options.tailLines ?? 40;
  const isWindows = process.platform === 'win32';
  const useGroup = options.killProcessGroup === true && !isWindows;
  const killTree = options.killProcessGroup === true && isWindows;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      resolve({ code: null, signal: null, stdoutTail: [], stderrTail: [], aborted: true, timedOut: false });
      return;
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
      detached: useGroup,
    });
    const stdoutTail: string[] = [];
    const stderrTail: string[] = [];
    let aborted = false;
    let timedOut = false;
    let settled = false;

    const kill = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        // SIGKILL: whisper-cli and compilers have nothing to flush that we want; a prompt stop matters more.
        if (useGroup && child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        else if (killTree && child.pid !== undefined) {
          spawn('taskkill', ['/pid', String(child.pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => child.kill());
        } else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.timeoutMs !== undefined && options.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            kill();
          }, options.timeoutMs)
        : undefined;
    const cleanup = (): void => {
      options.signal?.removeEventListener('abort', onAbort);
      if (timer !== undefined) clearTimeout(timer);
    };

    lineReader(child.stdout, stdoutTail, tailLines, options.onStdoutLine);
    lineReader(child.stderr, stderrTail, tailLines, options.onStderrLine);

    child.once('spawn', () => {
      if (child.pid === undefined) return;
      if (useGroup) trackGroup(child.pid);
      options.onStart?.(child.pid);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      cleanup();
      // 'error' without 'spawn' means the program could not be started.
      reject(new SpawnError(file, error.code, `Could not run ${file}: ${error.message}`));
    });
    // 'close' (not 'exit') so the last lines of output have been read before we look at them.
    child.once('close', (code, signal) => {
      if (child.pid !== undefined) liveGroups.delete(child.pid);
      if (settled) return;
      settled = true;
      cleanup();
      resolve({ code, signal, stdoutTail, stderrTail, aborted, timedOut });
    });
  });
}

function lineReader(
  stream: NodeJS.ReadableStream,
  tail: string[],
  max: number,
  onLine: ((line: string) => void) | undefined,
): void {
  let pending = '';
  const push = (line: string): void => {
    tail.push(line);
    if (tail.length > max) tail.shift();
    onLine?.(line);
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    // cmake/ninja and whisper's progress use \n; some tools redraw with \r — both end a line for us.
    const parts = pending.split(/\r\n|\n|\r/);
    pending = parts.pop() ?? '';
    for (const part of parts) push(part);
    // A program that never prints a newline must not grow this buffer forever.
    if (pending.length > 64 * 1024) {
      push(pending);
      pending = '';
    }
  });
  stream.on('end', () => {
    if (pending !== '') push(pending);
    pending = '';
  });
}
