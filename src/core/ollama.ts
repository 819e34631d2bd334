import { Ollama } from 'ollama';
import type * as Undici from 'undici';
import { Deadline } from './deadline';
import { doFix, problem, settingFix, type Problem } from './problems';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
export const DEFAULT_MODEL = 'llama3.2:3b';

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

/** Normalizes OLLAMA_HOST-style values ("127.0.0.1:11434", "localhost", "http://host:port/") to a URL. */
export function normalizeHost(host: string): string {
  let value = host.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(value)) value = `http://${value}`;
  const url = new URL(value);
  if (!url.port && url.protocol === 'http:' && !/:\d+$/.test(value)) url.port = '11434';
  return url.toString().replace(/\/+$/, '');
}

/**
 * An official ollama client whose every request is ended by `signal` (a Deadline's: its bound and the caller's
 * cancellation). The client's own abort() is never used here, so its signal is not combined in.
 */
export function ollamaClient(host: string, signal: AbortSignal): Ollama {
  const boundedFetch = (input: unknown, init?: Record<string, unknown>) => {
    const { fetch: undiciFetch, agent } = lazyUndici();
    return undiciFetch(input as string, { ...(init as object), dispatcher: agent, signal });
  };
  return new Ollama({ host, fetch: boundedFetch as unknown as typeof fetch });
}

/** Uses a client whose requests together must answer within `timeoutMs` (listing models, a pull). */
export async function withOllama<T>(host: string, timeoutMs: number, signal: AbortSignal | undefined, use: (client: Ollama) => Promise<T>): Promise<T> {
  const deadline = new Deadline(timeoutMs, [signal], 'did not answer');
  try {
    return await use(ollamaClient(host, deadline.signal));
  } finally {
    deadline.dispose();
  }
}

/** Turns a failed Ollama request into a problem that names the host, the model and the fix. */
export function describeOllamaError(error: unknown, host: string, model: string): Problem {
  const err = error as Error & { status_code?: number; cause?: { code?: string; message?: string } };
  // A Deadline's message says which bound passed: "did not answer within 8 s", "sent nothing more within 60 s".
  if (err.name === 'TimeoutError') {
    return problem('ollama-timeout', `Ollama ${err.message} at ${host} (model ${model})`, doFix('raise the request timeout or use a smaller model'));
  }
  if (err.name === 'AbortError') return problem('cancelled', 'Cancelled');
  if (err.status_code === 404) return modelMissing(host, model);
  if (err.status_code) return problem('ollama-http', `Ollama at ${host} answered HTTP ${err.status_code} for model ${model}: ${err.message}`);
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return ollamaUnreachable(host);
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return problem('ollama-reset', `The connection to Ollama at ${host} was reset while model ${model} was answering`, doFix('check the Ollama server log'));
  }
  if (err.name === 'SyntaxError' || /in stream|invalid json/i.test(err.message)) {
    return problem('ollama-malformed', `Ollama at ${host} sent a malformed response for model ${model} (${err.message})`, doFix('check the Ollama server log or update Ollama'));
  }
  const detail = err.cause?.message ? `${err.message}: ${err.cause.message}` : err.message;
  return problem('ollama-failed', `Ollama request to ${host} (model ${model}) failed (${detail})`, doFix('check the host setting and that Ollama is running'));
}

export function ollamaUnreachable(host: string): Problem {
  return problem('ollama-unreachable', `Ollama is not reachable at ${host}`, doFix('start it with `ollama serve`'), settingFix('ollamaHost'));
}

export function modelMissing(host: string, model: string): Problem {
  return problem('model-missing', `Model ${model} is not available in Ollama at ${host}`, doFix(`pull it with \`ollama pull ${model}\``), settingFix('model'));
}

export interface StreamedAnswer {
  text: string;
  /** Tokens generated, as Ollama counts them (eval_count). */
  evalCount?: number;
}

export interface GenerateRequest {
  host: string;
  model: string;
  prompt: string;
  system?: string;
  format?: object | 'json';
  images?: string[];
  /** num_ctx: the same on every request of a run, or Ollama reloads the model to change it. */
  contextTokens: number;
  /** num_predict: the answer's bound. */
  maxTokens: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * How long Ollama keeps a model loaded after a request (its default is 5 minutes): a run alternates between long
 * local work (a transcription can take longer than that on a CPU) and requests, and a reload costs seconds to
 * minutes. Ollama unloads the model this long after the run's last request.
 */
export const KEEP_ALIVE = '30m';

/**
 * How long a streamed answer may pause between chunks once it has started (never more than the request
 * timeout): generation on a CPU sends a token every fraction of a second, so a long silence is a stuck server.
 */
const STALL_MS = 60_000;

/**
 * /api/generate, streamed, collected into one string. `timeoutMs` bounds the time to the first chunk — Ollama's
 * queue, the model's load and the prompt's evaluation all come before it — and then each pause between chunks
 * (at most STALL_MS).
 */
export async function generateStreamed(request: GenerateRequest): Promise<StreamedAnswer> {
  const deadline = new Deadline(request.timeoutMs, [request.signal], 'did not answer');
  const stall = Math.min(request.timeoutMs, STALL_MS);
  try {
    const stream = await ollamaClient(request.host, deadline.signal).generate({
      model: request.model,
      prompt: request.prompt,
      system: request.system,
      format: request.format,
      images: request.images,
      stream: true,
      keep_alive: KEEP_ALIVE,
      options: { temperature: 0.2, num_ctx: request.contextTokens, num_predict: request.maxTokens },
    });
    let text = '';
    let evalCount: number | undefined;
    for await (const part of stream) {
      deadline.restart(stall, 'sent nothing more');
      text += part.response ?? '';
      if (part.done) evalCount = part.eval_count;
    }
    return { text, evalCount };
  } finally {
    deadline.dispose();
  }
}
