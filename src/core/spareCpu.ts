import os from 'node:os';

/**
 * How many cores of the whole machine sat idle since the previous reading (from the kernel's per-CPU time
 * counters, as `top` computes it). The pool asks before it starts another worker: a worker only helps while
 * cores are idle, e.g. while every worker waits on a slow Ollama; when OCR, or Ollama itself running on this CPU,
 * already fills the cores, another worker would only add its start-up cost and memory.
 */
export class SpareCpuMeter {
  private previous = totals();
  private lastReading = 0;
  // From construction, so the first reading covers at least one interval (not the microseconds since `totals()`).
  private readAt = Date.now();

  /** Readings closer together than this reuse the last value: kernel tick counters are too coarse below it. */
  constructor(private readonly minIntervalMs = 500) {}

  /** Idle cores (0 .. core count) over the time since the last reading; 0 until a first interval has passed. */
  idleCores(): number {
    const now = Date.now();
    if (now - this.readAt < this.minIntervalMs) return this.lastReading;
    const current = totals();
    const busy = current.busy - this.previous.busy;
    const idle = current.idle - this.previous.idle;
    this.previous = current;
    this.readAt = now;
    this.lastReading = busy + idle > 0 ? (idle / (busy + idle)) * current.cores : 0;
    return this.lastReading;
  }
}

function totals(): { busy: number; idle: number; cores: number } {
  const cpus = os.cpus();
  let busy = 0;
  let idle = 0;
  for (const { times } of cpus) {
    idle += times.idle;
    busy += times.user + times.nice + times.sys + times.irq;
  }
  return { busy, idle, cores: cpus.length };
}
