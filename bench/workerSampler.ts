/**
 * Memory and CPU of the worker children of this process, read from /proc every 200 ms until stopped (Linux).
 * Straight reads, no `ps`: starting a process five times a second cost more CPU than the figures it measured.
 * CPU per child and its busiest thread, which in a worker is tesseract.js's OCR thread; each figure is the
 * last seen, up to one interval short of the child's total.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface WorkerSample {
  childrenStarted: number;
  /** The highest VmHWM (peak resident set) of any worker. */
  peakPerWorkerMb: number;
  /** The highest sum of the workers' VmRSS at one sampling instant. */
  peakTotalMb: number;
  workerCpuSeconds: number;
  /** CPU of each worker's busiest thread (its OCR), summed. */
  ocrThreadCpuSeconds: number;
}

const TICKS_PER_SECOND = 100;

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process or thread has exited
  }
}

/** utime + stime of a process or thread, in seconds. */
export function cpuSecondsOf(statFile: string): number {
  const fields = read(statFile)?.split(') ')[1]?.split(' ');
  return fields ? (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND : 0;
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM); 0 once the process is gone. */
export function statusKb(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) : 0;
}

export function sampleWorkers(scriptName = 'worker.js'): { stop: () => WorkerSample } {
  const isWorker = new Map<number, boolean>();
  const peakHwm = new Map<number, number>();
  const cpu = new Map<number, number>();
  const ocrThreadCpu = new Map<number, number>();
  let peakTotal = 0;
  const sample = () => {
    const children = (read(`/proc/${process.pid}/task/${process.pid}/children`) ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    let total = 0;
    for (const pid of children) {
      if (!isWorker.has(pid)) isWorker.set(pid, (read(`/proc/${pid}/cmdline`) ?? '').includes(scriptName));
      if (!isWorker.get(pid)) continue;
      total += statusKb(pid, 'VmRSS');
      peakHwm.set(pid, Math.max(peakHwm.get(pid) ?? 0, statusKb(pid, 'VmHWM')));
      cpu.set(pid, Math.max(cpu.get(pid) ?? 0, cpuSecondsOf(`/proc/${pid}/stat`)));
      let busiest = 0;
      for (const tid of safeList(`/proc/${pid}/task`)) busiest = Math.max(busiest, cpuSecondsOf(`/proc/${pid}/task/${tid}/stat`));
      ocrThreadCpu.set(pid, Math.max(ocrThreadCpu.get(pid) ?? 0, busiest));
    }
    peakTotal = Math.max(peakTotal, total);
  };
  const timer = setInterval(sample, 200);
  const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);
  return {
    stop: () => {
      clearInterval(timer);
      return {
        childrenStarted: peakHwm.size,
        peakPerWorkerMb: Math.round(Math.max(0, ...peakHwm.values()) / 1024),
        peakTotalMb: Math.round(peakTotal / 1024),
        workerCpuSeconds: sum(cpu.values()),
        ocrThreadCpuSeconds: sum(ocrThreadCpu.values()),
      };
    },
  };
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
