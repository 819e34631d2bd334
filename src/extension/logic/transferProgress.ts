/** Progress of downloads the user asked for: an Ollama model pull and a whisper model download. No `vscode` import. */
import { inertNotificationText } from './inertText';

/**
 * Overall progress of `ollama pull`: the stream reports one layer (digest) at a time with its own completed/total;
 * the overall percentage is the sum over the layers seen so far.
 */
export class PullProgress {
  private readonly layers = new Map<string, { completed: number; total: number }>();
  private reported = 0;

  /** Takes one streamed part; returns the message and how many percent to add to the bar. */
  update(part: { status?: string; digest?: string; completed?: number; total?: number }): { message: string; increment: number } {
    if (part.digest && typeof part.total === 'number' && part.total > 0) {
      this.layers.set(part.digest, { completed: Math.min(part.total, Math.max(0, part.completed ?? 0)), total: part.total });
    }
    let completed = 0;
    let total = 0;
    for (const layer of this.layers.values()) {
      completed += layer.completed;
      total += layer.total;
    }
    const percent = total > 0 ? Math.floor((completed / total) * 100) : 0;
    const increment = Math.max(0, percent - this.reported);
    this.reported = Math.max(this.reported, percent);
    const status = inertNotificationText(part.status ?? '');
    // Ollama names the layer by a short digest ("pulling 05110f9f811c"); its API docs by the whole one
    // ("downloading sha256:…"). Either is noise in a notification: the percentage says it all.
    const message = total > 0 && /pulling|download/i.test(status) ? `${status.replace(/ (sha256:)?[0-9a-f]{12,64}$/, '')} ${percent}%` : status;
    return { message, increment };
  }

  get percent(): number {
    return this.reported;
  }
}

/** Download progress of a whisper model ("12 / 142 MB") and the bar increment since the last call. */
export class DownloadProgress {
  private reported = 0;

  update(bytes: number, total?: number): { message: string; increment: number } {
    const mb = (n: number) => (n / 1e6).toFixed(n >= 1e8 ? 0 : 1);
    if (!total) return { message: `${mb(bytes)} MB`, increment: 0 };
    const percent = Math.min(100, Math.floor((bytes / total) * 100));
    const increment = Math.max(0, percent - this.reported);
    this.reported = Math.max(this.reported, percent);
    return { message: `${mb(bytes)} / ${mb(total)} MB`, increment };
  }
}
