import net from 'node:net';

/** Whether a process exists (signal 0 checks without signalling). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A loopback URL nobody listens on: requests to it fail at once with ECONNREFUSED. */
export async function closedPortUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** The process group. */
  pgid: number;
  /** The program's name as the kernel keeps it (at most 15 characters). */
  comm: string;
  /** The kernel's state letter: R running, S sleeping, Z dead and not yet reaped by its parent, … */
  state: string;
}

/** Every process on the machine (Linux /proc; empty elsewhere). */
export async function allProcesses(): Promise<ProcessInfo[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const found: ProcessInfo[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after its last ')'.
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const [state, ppid, pgid] = stat.slice(close + 2).split(' ');
    found.push({ pid: Number(entry), ppid: Number(ppid), pgid: Number(pgid), comm: stat.slice(stat.indexOf('(') + 1, close), state });
  }
  return found;
}

/** The processes below `root` (children, their children, …), as they are now. */
export async function descendantsOf(root: number): Promise<ProcessInfo[]> {
  const all = await allProcesses();
  const below: ProcessInfo[] = [];
  const parents = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const info of all) {
      if (parents.has(info.ppid) && !parents.has(info.pid)) {
        parents.add(info.pid);
        below.push(info);
        grew = true;
      }
    }
  }
  return below;
}
