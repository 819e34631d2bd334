/**
 * The OpenAI-compatible API that LM Studio, llama.cpp's llama-server, vLLM and LocalAI serve (and Ollama too, at
 * /v1): GET /v1/models, POST /v1/chat/completions streamed as server-sent events. Structured output goes as
 * `response_format` with a JSON schema, images as base64 data URLs. Timeouts, the limiter and retries are the
 * same as for Ollama; only the wire differs. Written against the HTTP API directly: the `openai` package would
 * add a dependency for two endpoints and bring its own retries and timeouts, which would fight ours.
 */
import { Deadline } from './deadline';
import { AnswerTooLongError, boundedFetch, MAX_ANSWER_CHARS } from './llmFetch';
import { LlmHttpError } from './llmErrors';
import type { GenerateRequest, StreamedAnswer } from './ollama';

/** "http://localhost:1234" or "localhost:1234/v1/" → "http://localhost:1234/v1": the API's base, where /models lives. */
export function openAiBase(host: string): string {
  let value = host.trim().replace(/\/+$/, '');
  if (!/^https?:\/\//i.test(value)) value = `http://${value}`;
  const url = new URL(value);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}

/** The ids /v1/models lists. */
export async function listOpenAiModels(base: string, timeoutMs: number, signal?: AbortSignal): Promise<string[]> {
  const deadline = new Deadline(timeoutMs, [signal], 'did not answer');
  try {
    const response = await boundedFetch(`${base}/models`, { headers: { accept: 'application/json' } }, deadline.signal);
    if (!response.ok) throw new LlmHttpError(await errorText(response), response.status);
    const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
    return (body.data ?? []).flatMap((entry) => (typeof entry.id === 'string' ? [entry.id] : []));
  } finally {
    deadline.finish();
  }
}

/** What an image's first bytes say it is, for its data URL (the server decodes by the declared type). */
function imageMime(base64: string): string {
  if (base64.startsWith('/9j/')) return 'image/jpeg';
  if (base64.startsWith('UklGR')) return 'image/webp';
  if (base64.startsWith('R0lGOD')) return 'image/gif';
  return 'image/png';
}

function chatBody(request: GenerateRequest): Record<string, unknown> {
  const images = (request.images ?? []).map((image) => ({ type: 'image_url', image_url: { url: `data:${imageMime(image)};base64,${image}` } }));
  const user = images.length > 0 ? [{ type: 'text', text: request.prompt }, ...images] : request.prompt;
  const format = request.format;
  return {
    model: request.model,
    messages: [...(request.system ? [{ role: 'system', content: request.system }] : []), { role: 'user', content: user }],
    stream: true,
    temperature: 0.2,
    max_tokens: request.maxTokens,
    ...(typeof format === 'object' ? { response_format: { type: 'json_schema', json_schema: { name: 'summary', strict: true, schema: format } } } : {}),
    ...(format === 'json' ? { response_format: { type: 'json_object' } } : {}),
  };
}

/**
 * POST /v1/chat/completions, streamed, collected into one string. The same bounds as for Ollama: `timeoutMs`
 * to the first event, then `stallMs` between events.
 */
export async function chatStreamed(request: GenerateRequest, stallMs: number): Promise<StreamedAnswer> {
  const deadline = new Deadline(request.timeoutMs, [request.signal], 'did not answer');
  try {
    const response = await boundedFetch(
      `${openAiBase(request.host)}/chat/completions`,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify(chatBody(request)) },
      deadline.signal,
    );
    if (!response.ok || !response.body) throw new LlmHttpError(await errorText(response), response.status);
    let text = '';
    let evalCount: number | undefined;
    let promptEvalCount: number | undefined;
    let cut = false;
    for await (const data of serverSentData(response.body as AsyncIterable<Uint8Array>)) {
      deadline.restart(Math.min(request.timeoutMs, stallMs), 'sent nothing more');
      if (data === '[DONE]') break;
      const event = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>; usage?: { completion_tokens?: number; prompt_tokens?: number }; error?: { message?: string } };
      if (event.error) throw new LlmHttpError(event.error.message ?? 'error in stream', 500);
      text += event.choices?.[0]?.delta?.content ?? '';
      if (text.length > MAX_ANSWER_CHARS) throw new AnswerTooLongError();
      evalCount = event.usage?.completion_tokens ?? evalCount;
      promptEvalCount = event.usage?.prompt_tokens ?? promptEvalCount;
      cut ||= event.choices?.[0]?.finish_reason === 'length';
    }
    return { text, evalCount, promptEvalCount, cut };
  } finally {
    deadline.finish();
  }
}

/** The `data:` payloads of a server-sent event stream (one event per blank-line-separated block). */
async function* serverSentData(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffered += decoder.decode(chunk, { stream: true });
    if (buffered.length > MAX_ANSWER_CHARS) throw new AnswerTooLongError(); // one line that never ends
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      if (line === '') {
        if (data.length > 0) yield data.join('\n');
        data = [];
      } else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
  }
  if (data.length > 0) yield data.join('\n');
}

/** The message of an error answer: OpenAI's {"error": {"message"}}, Ollama's {"error": "..."}, or the body's start. */
async function errorText(response: { status: number; text(): Promise<string> }): Promise<string> {
  const body = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(body) as { error?: string | { message?: string } };
    const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
    if (message) return message;
  } catch {
    // not JSON: the text itself
  }
  return body.slice(0, 200) || `HTTP ${response.status}`;
}
