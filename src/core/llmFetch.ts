import type * as Undici from 'undici';

/*
 * Slow CPU inference can take minutes before the first byte: Node's built-in fetch would cut such a request
 * at its five-minute headers/body timeouts. Our own bound (a Deadline: the configured request timeout and
 * cancellation) ends every request instead.
 */
let undici: { fetch: typeof Undici.fetch; agent: Undici.Agent } | undefined;

/** undici is loaded on the first request, not with the module: loading it costs more than activating the extension. */
function lazyUndici(): { fetch: typeof Undici.fetch; agent: Undici.Agent } {
  if (!undici) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Agent, fetch } = require('undici') as typeof Undici;
    undici = { fetch, agent: new Agent({ headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 10_000 } }) };
  }
  return undici;
}

/** fetch without undici's own timeouts, ended by `signal` alone (a Deadline's: its bound and the caller's cancellation). */
export function boundedFetch(input: string | URL, init: Record<string, unknown> | undefined, signal: AbortSignal): Promise<Undici.Response> {
  const { fetch, agent } = lazyUndici();
  return fetch(input, { ...(init as object), dispatcher: agent, signal });
}

/**
 * The most characters an answer may have: num_predict/max_tokens bound a model that honours them, this bounds a
 * server that does not (a runaway generation, or a hostile server streaming forever).
 */
export const MAX_ANSWER_CHARS = 64 * 1024;

export class AnswerTooLongError extends Error {
  constructor() {
    super(`the answer went past ${MAX_ANSWER_CHARS / 1024} KB`);
    this.name = 'AnswerTooLongError';
  }
}
