/**
 * A queue that runs the extension's jobs one at a time, so two commands never start two pools of workers at
 * once. No `vscode` import.
 */

/**
 * One job at a time, in order. Each job gets an AbortSignal; cancelAll() aborts the running job and every
 * waiting one (waiting jobs then start already aborted, and the engine returns at once).
 */
export class RunQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly controllers = new Set<AbortController>();
  private active = 0;
  private readonly listeners = new Set<(busy: boolean) => void>();

  get busy(): boolean {
    return this.active > 0;
  }

  /** Jobs running or waiting. */
  get size(): number {
    return this.active;
  }

  onBusyChange(listener: (busy: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  run<T>(job: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.controllers.add(controller);
    if (this.active++ === 0) this.notify(true);
    const result = this.tail.then(() => job(controller.signal));
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    const done = () => {
      this.controllers.delete(controller);
      if (--this.active === 0) this.notify(false);
    };
    result.then(done, done);
    return result;
  }

  cancelAll(): void {
    for (const controller of this.controllers) controller.abort();
  }

  /** Resolves when nothing is running or waiting. */
  async idle(): Promise<void> {
    while (this.active > 0) await this.tail;
  }

  private notify(busy: boolean): void {
    for (const listener of this.listeners) {
      try {
        listener(busy);
      } catch {
        // A failing listener must not break the queue.
      }
    }
  }
}
