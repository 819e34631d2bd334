/**
 * The order of a store's operations: one at a time, in the order they were called. Puts issued while an earlier
 * operation runs join one batch that is written with a single write() (order kept, last value per key wins); any
 * other operation closes the open batch.
 */
import { describe } from './fsHelpers';
import type { PendingRecord } from './appender';

interface PutBatch {
  readonly records: Map<string, string>;
  done: Promise<void>;
}

export class OperationQueue {
  private queue: Promise<unknown> = Promise.resolve();
  private openBatch: PutBatch | null = null;
  private closedFlag = false;

  /** `closedError`: what an operation after close() rejects with. */
  constructor(private readonly closedError: () => Error) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  enqueue<T>(fn: () => T | Promise<T>): Promise<T> {
    this.openBatch = null;
    if (this.closedFlag) return Promise.reject(this.closedError());
    const run = this.queue.then<T, T>(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Queues puts (key → JSON); `write` appends a batch. */
  enqueuePuts(entries: Iterable<readonly [string, string]>, write: (records: PendingRecord[]) => Promise<unknown>): Promise<void> {
    const open = this.openBatch;
    if (open && !this.closedFlag) {
      for (const [key, json] of entries) {
        open.records.delete(key);
        open.records.set(key, json);
      }
      return open.done;
    }
    const batch: PutBatch = { records: new Map(entries), done: Promise.resolve() };
    batch.done = this.enqueue(async () => {
      if (this.openBatch === batch) this.openBatch = null;
      await write([...batch.records].map(([key, json]) => ({ key, json })));
    });
    this.openBatch = batch;
    return batch.done;
  }

  /** Waits for what was queued; afterwards every operation fails. */
  async close(): Promise<void> {
    const pending = this.queue;
    this.closedFlag = true;
    await pending.catch(() => undefined);
  }
}

/** The entries of a putMany as key → JSON, checked (last one wins, one line per key). */
export function encodeEntries(method: string, entries: Iterable<readonly [string, unknown]>): Map<string, string> {
  const batch = new Map<string, string>();
  for (const [key, value] of entries) {
    checkKey(method, key);
    batch.delete(key);
    batch.set(key, toJson(method, key, value));
  }
  return batch;
}

export function toJson(method: string, key: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    throw new TypeError(
      `CacheStore.${method}(${JSON.stringify(key)}): the value is not JSON-serializable (${describe(err)}). ` +
        'Store plain JSON data (objects, arrays, strings, finite numbers, booleans, null).',
    );
  }
  // undefined for functions, symbols and undefined itself, whatever its type says.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
  if (json === undefined) {
    throw new TypeError(
      `CacheStore.${method}(${JSON.stringify(key)}): a value of type ${typeof value} cannot be stored. ` +
        'Store plain JSON data (objects, arrays, strings, finite numbers, booleans, null); use delete() to remove a key.',
    );
  }
  return json;
}

export function checkKey(method: string, key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw new TypeError(`CacheStore.${method}: keys must be strings, got ${typeof key}.`);
  }
}
