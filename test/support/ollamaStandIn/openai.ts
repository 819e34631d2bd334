/**
 * The Ollama stand-in: its OpenAI-compatible API (Ollama's docs/openai.md; OpenAI's chat completions reference).
 * A /v1/chat/completions body is translated into the /api/chat body Ollama would build from it, so both APIs
 * share validation, scheduling, residency, costs and answers.
 */
import { HttpError } from './constants';
import type { StandInModel } from './types';

type Part = { type?: unknown; text?: unknown; image_url?: unknown };

/** `data:image/png;base64,AAAA` (or `{ url }`) → the base64; a remote URL is refused, as Ollama does. */
function imageOf(value: unknown): string {
  const url = typeof value === 'string' ? value : typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : undefined;
  const match = typeof url === 'string' ? /^data:image\/[a-z+.-]+;base64,(.*)$/is.exec(url) : null;
  if (!match) throw new HttpError(400, 'invalid image input');
  return match[1];
}

function messageOf(raw: unknown): { role: string; content: string; images?: string[] } {
  const message = (raw ?? {}) as { role?: unknown; content?: unknown };
  const role = typeof message.role === 'string' ? message.role : '';
  if (typeof message.content === 'string' || message.content === undefined || message.content === null) return { role, content: (message.content as string | undefined) ?? '' };
  if (!Array.isArray(message.content)) throw new HttpError(400, 'invalid message content type');
  const parts = message.content as Part[];
  const text = parts.filter((part) => part.type === 'text' && typeof part.text === 'string').map((part) => part.text as string);
  const images = parts.filter((part) => part.type === 'image_url').map((part) => imageOf(part.image_url));
  return { role, content: text.join('\n'), ...(images.length > 0 ? { images } : {}) };
}

function formatOf(responseFormat: unknown): unknown {
  if (typeof responseFormat !== 'object' || responseFormat === null) return undefined;
  const { type, json_schema: jsonSchema } = responseFormat as { type?: unknown; json_schema?: { schema?: unknown } };
  if (type === 'json_object') return 'json';
  if (type === 'json_schema') {
    if (typeof jsonSchema?.schema !== 'object') throw new HttpError(400, 'invalid json_schema: schema is required');
    return jsonSchema.schema;
  }
  if (type === 'text' || type === undefined) return undefined;
  throw new HttpError(400, `invalid response_format type: ${JSON.stringify(type)}`);
}

/** The /api/chat body for an OpenAI chat completions body. OpenAI streams only when asked (`stream: true`). */
export function fromOpenAiChat(body: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(body.messages)) throw new HttpError(400, "invalid request: 'messages' is required");
  const options: Record<string, unknown> = {};
  if (typeof body.max_tokens === 'number') options.num_predict = body.max_tokens;
  if (typeof body.max_completion_tokens === 'number') options.num_predict = body.max_completion_tokens;
  if (typeof body.temperature === 'number') options.temperature = body.temperature;
  return { model: body.model, messages: body.messages.map(messageOf), format: formatOf(body.response_format), options, stream: body.stream === true };
}

export function openAiModelList(models: StandInModel[]): Record<string, unknown> {
  return { object: 'list', data: models.map((model) => ({ id: model.name, object: 'model', created: Math.floor(Date.parse(model.modifiedAt) / 1000), owned_by: 'library' })) };
}

export function openAiError(error: HttpError): Record<string, unknown> {
  return { error: { message: error.message, type: error.status >= 500 ? 'api_error' : 'invalid_request_error', param: null, code: null } };
}
