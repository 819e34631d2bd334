import { Ollama } from 'ollama';
import { Deadline } from './deadline';
import { AnswerTooLongError, boundedFetch, MAX_ANSWER_CHARS } from './llmFetch';

export const DEFAULT_OLLAMA_HOST = 'http://127.0.0.1:11434';
export const DEFAULT_MODEL = 'llama3.2:3b';

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
  const fetchWithin = (input: string, init?: Record<string, unknown>) => boundedFetch(input, init, signal);
  return new Ollama({ host, fetch: fetchWithin as unknown as typeof fetch });
}

/** Uses a client whose requests together must answer within `timeoutMs` (listing models, a pull). */
export async function withOllama<T>(host: string, timeoutMs: number, signal: AbortSignal | undefined, use: (client: Ollama) => Promise<T>): Promise<T> {
  const deadline = new Deadline(timeoutMs, [signal], 'did not answer');
  try {
    return await use(ollamaClient(host, deadline.signal));
  } finally {
    deadline.finish();
  }
}

export interface StreamedAnswer {
  text: string;
  /** Tokens generated, as Ollama counts them (eval_count). */
  evalCount?: number;
  /** Tokens of the prompt the server read (prompt_eval_count; fewer when it reused a cached prefix). */
  promptEvalCount?: number;
  /** How long the server spent loading the model for this request (load_duration): a swap when it is long. */
  loadMs?: number;
  /** True when the server stopped the answer at its token bound (done_reason / finish_reason "length"). */
  cut?: boolean;
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
export const STALL_MS = 60_000;

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
    let promptEvalCount: number | undefined;
    let loadMs: number | undefined;
    let cut = false;
    for await (const part of stream) {
      deadline.restart(stall, 'sent nothing more');
      text += part.response ?? '';
      if (text.length > MAX_ANSWER_CHARS) throw new AnswerTooLongError();
      if (part.done) {
        evalCount = part.eval_count;
        promptEvalCount = part.prompt_eval_count;
        loadMs = typeof part.load_duration === 'number' ? Math.round(part.load_duration / 1e6) : undefined;
        cut = part.done_reason === 'length';
      }
    }
    return { text, evalCount, promptEvalCount, loadMs, cut };
  } finally {
    deadline.finish();
  }
}
