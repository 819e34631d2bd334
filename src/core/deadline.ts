import { formatSeconds } from './durations';

/**
 * A signal that aborts with a TimeoutError once its bound has passed, or when one of its sources aborts. The
 * timer and the listeners are held by this object — not by AbortSignal.any(), whose sources Node 20 holds weakly:
 * a timeout signal nobody else references is collected and never fires, which a process busy with OCR (the
 * garbage collector runs all the time) shows within seconds. Call dispose() when the work is done; it removes
 * the listeners from the sources, so a long-lived source (a run's cancel) does not collect them; finish() also
 * aborts what still uses the signal.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly unlink: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private boundMs = 0;
  private boundWhat = '';

  /** `what` completes "… within N s" in the TimeoutError's message. */
  constructor(
    ms: number,
    sources: ReadonlyArray<AbortSignal | undefined> = [],
    private readonly what = 'did not finish',
  ) {
    for (const source of sources) {
      if (!source) continue;
      if (source.aborted) {
        this.controller.abort(source.reason);
        return;
      }
      const onAbort = () => this.abort(source.reason);
      source.addEventListener('abort', onAbort, { once: true });
      this.unlink.push(() => source.removeEventListener('abort', onAbort));
    }
    this.restart(ms);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A new bound of `ms` from now (e.g. from each streamed chunk), with what it then bounds. */
  restart(ms: number, what = this.what): void {
    if (this.controller.signal.aborted) return;
    // A stream restarts the same bound at every chunk: the timer is rescheduled, not made anew.
    if (this.timer && ms === this.boundMs && what === this.boundWhat) {
      this.timer.refresh();
      return;
    }
    clearTimeout(this.timer);
    this.boundMs = ms;
    this.boundWhat = what;
    this.timer = setTimeout(() => this.abort(timeoutError(`${what} within ${formatSeconds(ms)}`)), ms);
  }

  /**
   * The work is over, however it ended: a request still using the signal (a response whose body was not read to
   * its end, after an answer was refused) is aborted, so its connection is closed and the server stops
   * generating, and the timer and listeners go.
   */
  finish(): void {
    this.dispose();
    if (!this.controller.signal.aborted) this.controller.abort(new DOMException('The request is over.', 'AbortError'));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const unlink of this.unlink.splice(0)) unlink();
  }

  private abort(reason: unknown): void {
    this.dispose();
    this.controller.abort(reason);
  }
}

function timeoutError(message: string): Error {
  return new DOMException(message, 'TimeoutError');
}

