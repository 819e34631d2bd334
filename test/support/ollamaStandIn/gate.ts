/** The Ollama stand-in: concurrency gate (OLLAMA_NUM_PARALLEL). */

export class Gate {
  active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private limit: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** Every slot is taken: a new request would have to queue. */
  get saturated(): boolean {
    return this.active >= this.limit;
  }

  /** Resolves once a slot is held; rejects if `signal` aborts first (the client gave up while queued). */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.active--;
    this.pump();
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()?.();
    }
  }
}
