/**
 * An HTTP stand-in for the Ollama server, for tests and benchmarks.
 *
 * It speaks Ollama's REST API (docs/api.md and server/routes.go in ollama/ollama) closely enough that the
 * official `ollama` npm client, or any plain HTTP caller, cannot tell it apart for the endpoints used here:
 *
 *   GET  /, /api/version, /api/tags        POST /api/show, /api/generate, /api/chat, /api/pull, /api/embed
 *   DELETE /api/delete
 *
 * Answers are derived from the request (never canned), so a test can prove that its input reached the model:
 * the default responder quotes the prompt's content (the text after a marker line such as "OCR text:", else
 * the prompt's tail), fills any JSON schema given as `format`, and reports "image(s) seen: N" with each
 * image's decoded size when images were sent.
 *
 * Faults are injectable (HTTP 500, connection reset, slow or malformed streams, hangs), as are latency,
 * per-chunk delays and an OLLAMA_NUM_PARALLEL-like limit, and every request is recorded in `stats`.
 *
 *   const ollama = await startOllamaStandIn({ latencyMs: 50 });
 *   const client = new Ollama({ host: ollama.url });
 *   ...
 *   await ollama.close();
 */
export * from './types';
export { canonicalModelName, completeModel } from './models';
export { focusText } from './answers';
export { defaultResponder } from './schema';
export { embedText, splitIntoChunks } from './tokens';
import type { AddressInfo } from 'node:net';
import { toFailureSpec } from './failures';
import { applyConfig, StandInServer } from './server';
import type { OllamaStandIn, OllamaStandInOptions } from './types';

/** Starts a stand-in on 127.0.0.1 and resolves once it accepts connections. */
export async function startOllamaStandIn(options: OllamaStandInOptions = {}): Promise<OllamaStandIn> {
  const s = new StandInServer(options);
  await new Promise<void>((resolve, reject) => {
    s.server.once('error', reject);
    s.server.listen(options.port ?? 0, '127.0.0.1', () => {
      s.server.off('error', reject);
      resolve();
    });
  });
  const port = (s.server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: s.stats,
    setLatency: (latencyMs, tokenDelayMs) => applyConfig(s, { latencyMs, tokenDelayMs }),
    setParallelism: (parallelism) => applyConfig(s, { parallelism }),
    setFailure: (failure, opts) => s.failures.set(toFailureSpec(failure, opts)),
    failNext: (mode, count = 1, opts) => s.failures.queue(toFailureSpec(mode, opts), count),
    addModel: (model) => s.models.add(model),
    removeModel: (name) => s.models.remove(name),
    listModels: () => s.models.list(),
    setResponder: (responder) => {
      s.settings.responder = responder;
    },
    resetStats: () => s.resetStats(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        s.closing.abort(); // wakes every pause, queue wait and hang so their handlers finish
        s.server.close(() => resolve());
        s.server.closeAllConnections(); // keep-alive and hanging sockets would otherwise hold close() open
      });
      return closed;
    },
  };
}
