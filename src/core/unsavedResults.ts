import { problem, type Problem } from './problems';

/**
 * Saves to the cache that failed during a run (a full disk, a cache that turned unwritable), from the workers and
 * the coordinator alike, told once at the end: one warning that says what was not saved, where and the fix,
 * instead of a line per failed write (workers' lines never reached the user).
 */
export class UnsavedResults {
  private first: Problem | undefined;
  private readonly files = new Set<string>();
  private hashes = false;

  /** A write to the cache failed; `file` when it held that file's results. */
  note(reason: Problem, file?: string): void {
    this.first ??= reason;
    if (file !== undefined) this.files.add(file);
  }

  /** The run's new file hashes could not be saved. */
  noteHashes(reason: Problem): void {
    this.note(reason);
    this.hashes = true;
  }

  /** The run's one warning, or undefined when everything was saved. */
  warning(): Problem | undefined {
    if (!this.first) return undefined;
    const count = this.files.size;
    const what = count > 0 ? `The results of ${count} ${count === 1 ? 'file' : 'files'} could not be saved` : this.hashes ? 'File hashes could not be saved' : 'Nothing could be written';
    return problem(this.first.code, `${what} to the cache: ${this.first.message}`, ...this.first.fixes);
  }
}
