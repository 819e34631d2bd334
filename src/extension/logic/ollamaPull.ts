/**
 * `ollama pull` through the official client, streamed, with overall progress over all layers. No `vscode` import:
 * the command wraps it in a cancellable progress notification.
 */
import { withOllama } from '../../core/ollama';
import { PullProgress } from './transferProgress';

/** A pull of a large model over a slow line can take hours; cancelling stops it sooner. */
export const PULL_TIMEOUT_MS = 12 * 3600_000;

export async function pullModel(
  host: string,
  model: string,
  onProgress: (update: { message: string; increment: number; percent: number }) => void,
  signal?: AbortSignal,
  timeoutMs = PULL_TIMEOUT_MS,
): Promise<void> {
  await withOllama(host, timeoutMs, signal, async (client) => {
    const stream = await client.pull({ model, stream: true });
    const tracker = new PullProgress();
    for await (const part of stream) {
      const update = tracker.update(part);
      onProgress({ ...update, percent: tracker.percent });
    }
  });
}
