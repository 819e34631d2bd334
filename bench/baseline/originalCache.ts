/**
 * The original script's cache design, rebuilt as the baseline the benchmarks compare against: one JSON file;
 * every operation takes the proper-lockfile lock, reads and parses the whole file, and a write rewrites it whole.
 */
import { readFile, writeFile } from 'node:fs/promises';
import lockfile from 'proper-lockfile';

const LOCK = { stale: 10_000, retries: { retries: 1000, minTimeout: 2, maxTimeout: 40, factor: 1.5, randomize: true }, realpath: false };

export class OriginalJsonCache {
  constructor(private readonly file: string) {}

  async init(): Promise<void> {
    await writeFile(this.file, '{}', { flag: 'wx' }).catch(() => undefined);
  }

  async get(key: string): Promise<unknown> {
    return this.locked(async () => (await this.load())[key]);
  }

  async put(key: string, value: unknown): Promise<void> {
    await this.locked(async () => {
      const data = await this.load();
      data[key] = value;
      await writeFile(this.file, JSON.stringify(data));
    });
  }

  private async load(): Promise<Record<string, unknown>> {
    return JSON.parse(await readFile(this.file, 'utf8')) as Record<string, unknown>;
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    const release = await lockfile.lock(this.file, LOCK);
    try {
      return await work();
    } finally {
      await release();
    }
  }
}
