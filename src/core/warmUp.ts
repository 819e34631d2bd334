/**
 * Loading the first model while the workers start and read the first files. Ollama loads a model on its first
 * request: seconds on a GPU, up to a minute from a laptop's disk into its RAM. Sent at the start of a run, an
 * empty request (Ollama's documented way to load a model) takes that load off the first file's wait. It holds
 * an LLM slot like any request, so it never queues at the server, and it carries the run's num_ctx and
 * keep_alive, or the first real request would load the model again.
 */
import { Deadline } from './deadline';
import type { LlmSlots } from './llmSlots';
import { KEEP_ALIVE, ollamaClient } from './ollama';
import type { OllamaSettings } from './runSettings';

/** Resolves once the load is done, failed (the real requests then say why) or cancelled. */
export async function warmUp(slots: LlmSlots, ollama: OllamaSettings, model: string, signal: AbortSignal | undefined): Promise<void> {
  if (!ollama.available || ollama.api !== 'ollama' || signal?.aborted) return;
  const owner = {};
  const host = await new Promise<string | undefined>((resolve) => {
    const cancel = () => {
      slots.release(owner, 0);
      resolve(undefined);
    };
    signal?.addEventListener('abort', cancel, { once: true });
    // Before every file (priority -1): the load is what the first file would wait for anyway.
    slots.request(owner, 0, -1, model, (granted) => {
      signal?.removeEventListener('abort', cancel);
      resolve(granted);
    });
  });
  if (host === undefined) return;
  const deadline = new Deadline(ollama.requestTimeoutMs, [signal], 'did not load the model');
  try {
    await ollamaClient(host, deadline.signal).generate({ model, prompt: '', keep_alive: KEEP_ALIVE, options: { num_ctx: ollama.contextTokens } });
  } catch {
    // The files' own requests report what is wrong with the server or the model.
  } finally {
    deadline.finish();
    slots.release(owner, 0);
  }
}
