/**
 * The process table as a tree (Linux `ps`), to assert which processes belong to whom, and to end a process with
 * everything it started. Tests look at processes from outside, as a person with `ps` would.
 */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The full command line. */
  args: string;
}

export function processTable(): ProcessInfo[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,args=', '--cols', '4000'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] }));
}

/** Every process below `pid` (children, grandchildren, …), from one snapshot of the table. */
export function descendants(pid: number, table: ProcessInfo[] = processTable()): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const queue = [pid];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const p of table) {
      if (p.ppid !== parent) continue;
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs `pid` and its descendants at once; synchronous, for process 'exit' handlers. */
export function killTreeNow(pid: number): void {
  for (const p of [pid, ...descendants(pid).map((d) => d.pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Ends `pid` and all its descendants: SIGTERM, then SIGKILL for whatever is left after `graceMs`. The tree is read
 * before the first signal, because children re-parented to init can no longer be found through their parent.
 */
export async function killTree(pid: number, graceMs = 5000): Promise<void> {
  const pids = [pid, ...descendants(pid).map((p) => p.pid)];
  const signal = (sig: NodeJS.Signals): void => {
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        // already gone
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(100);
  if (pids.some(isAlive)) signal('SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (Date.now() < killDeadline && pids.some(isAlive)) await sleep(50);
}

/**
 * Samples the process table every `intervalMs` until stopped and returns every distinct process that matched
 * `filter` at some sample: short-lived processes (a run's workers) are caught without racing one `ps` call.
 */
export function sampleProcesses(filter: (p: ProcessInfo) => boolean, intervalMs = 150): { stop(): ProcessInfo[] } {
  const seen = new Map<number, ProcessInfo>();
  const sample = (): void => {
    for (const p of processTable()) if (filter(p) && !seen.has(p.pid)) seen.set(p.pid, p);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return [...seen.values()];
    },
  };
}

/**
 * Matches the Media Summarizer worker processes (dist/worker.js) of the copy installed in `extensionsDir`, i.e. of
 * one e2e session: other test runs on the machine fork their own dist/worker.js.
 */
export function isWorkerOf(extensionsDir: string): (p: ProcessInfo) => boolean {
  return (p) => p.args.includes(extensionsDir) && /\/dist\/worker\.js\b/.test(p.args);
}

/**
 * Like sampleProcesses, for the processes below `pid` (at any depth: a worker's ffmpeg or whisper-cli) that match
 * `filter`, read from one snapshot of the table per sample.
 */
export function sampleDescendants(pid: number, filter: (p: ProcessInfo) => boolean, intervalMs = 150): { stop(): ProcessInfo[] } {
  const seen = new Map<number, ProcessInfo>();
  const sample = (): void => {
    for (const p of descendants(pid)) if (filter(p) && !seen.has(p.pid)) seen.set(p.pid, p);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return [...seen.values()];
    },
  };
}
