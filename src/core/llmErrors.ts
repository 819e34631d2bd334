import { doFix, problem, settingFix, type Problem } from './problems';

/** The HTTP API an LLM server speaks: Ollama's own, or the OpenAI-compatible one (LM Studio, llama.cpp, vLLM, LocalAI). */
export type LlmApi = 'ollama' | 'openai';

/** How problems name each kind of server and what fixes them. */
const TERMS: Record<LlmApi, { server: string; start: string; load: (model: string) => string; log: string }> = {
  ollama: { server: 'Ollama', start: 'start it with `ollama serve`', load: (model) => `pull it with \`ollama pull ${model}\``, log: 'check the Ollama server log' },
  openai: {
    server: 'The OpenAI-compatible server',
    start: 'start the server (LM Studio: Developer → Start Server; llama.cpp: `llama-server`)',
    load: (model) => `load ${model} in the server, or choose a model its /v1/models lists`,
    log: 'check the server log',
  },
};

/** An HTTP error answer, shaped as the ollama client's ResponseError (status_code), so retries and wording treat both alike. */
export class LlmHttpError extends Error {
  constructor(
    message: string,
    readonly status_code: number,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

/** Turns a failed LLM request into a problem that names the server, the host, the model and the fix. */
export function describeLlmError(error: unknown, host: string, model: string, api: LlmApi = 'ollama'): Problem {
  const { server, log } = TERMS[api];
  const err = error as Error & { status_code?: number; cause?: { code?: string; message?: string } };
  // A Deadline's message says which bound passed: "did not answer within 8 s", "sent nothing more within 60 s".
  if (err.name === 'TimeoutError') {
    return problem('ollama-timeout', `${server} ${err.message} at ${host} (model ${model})`, doFix('raise the request timeout or use a smaller model'));
  }
  if (err.name === 'AbortError') return problem('cancelled', 'Cancelled');
  if (err.name === 'AnswerTooLongError') return problem('answer-too-long', `${server} at ${host}: model ${model}'s ${err.message}; the answer was dropped`, doFix('try again or use another model'));
  if (err.status_code === 404) return modelMissing(host, model, api);
  if (err.status_code) return problem('ollama-http', `${server} at ${host} answered HTTP ${err.status_code} for model ${model}: ${err.message}`);
  const code = err.cause?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return llmUnreachable(host, api);
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
    return problem('ollama-reset', `The connection to ${server.replace(/^The /, 'the ')} at ${host} was reset while model ${model} was answering`, doFix(log));
  }
  if (err.name === 'SyntaxError' || /in stream|invalid json/i.test(err.message)) {
    return problem('ollama-malformed', `${server} at ${host} sent a malformed response for model ${model} (${err.message})`, doFix(`${log} or update the server`));
  }
  const detail = err.cause?.message ? `${err.message}: ${err.cause.message}` : err.message;
  return problem('ollama-failed', `${server} request to ${host} (model ${model}) failed (${detail})`, doFix(`check the host setting and that ${server.replace(/^The /, 'the ')} is running`));
}

export function llmUnreachable(host: string, api: LlmApi = 'ollama'): Problem {
  return problem('ollama-unreachable', `${TERMS[api].server} is not reachable at ${host}`, doFix(TERMS[api].start), settingFix('ollamaHost'));
}

export function modelMissing(host: string, model: string, api: LlmApi = 'ollama'): Problem {
  const where = api === 'ollama' ? `in Ollama at ${host}` : `at the OpenAI-compatible server ${host}`;
  return problem('model-missing', `Model ${model} is not available ${where}`, doFix(TERMS[api].load(model)), settingFix('model'));
}
