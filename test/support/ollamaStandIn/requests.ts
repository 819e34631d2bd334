/** The Ollama stand-in: request parsing. */
import { HttpError, notFoundForInference } from './constants';
import { base64Problem } from './http';
import { ModelStore } from './models';
import { JsonSchema, StandInChatMessage, StandInModel, StandInRequest } from './types';

export interface InferenceCall {
  request: StandInRequest;
  model: StandInModel;
  stream: boolean;
  /** Empty prompt / no messages: Ollama just loads (or, with keep_alive 0, unloads) the model. */
  loadOnly: 'load' | 'unload' | undefined;
  /** keep_alive as sent. */
  keepAlive: unknown;
}

export function requireModelName(body: Record<string, unknown>): string {
  const name = body.model ?? body.name;
  if (typeof name !== 'string' || name.trim() === '') throw new HttpError(400, 'model is required');
  return name;
}

function parseFormat(format: unknown): 'json' | JsonSchema | undefined {
  if (format === undefined || format === null || format === '') return undefined;
  if (format === 'json') return 'json';
  if (typeof format === 'object' && !Array.isArray(format)) return format as JsonSchema;
  throw new HttpError(400, `invalid format: ${JSON.stringify(format)}; expected "json" or a valid JSON Schema`);
}

function parseImages(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new HttpError(400, 'json: cannot unmarshal images: expected an array');
  for (const image of value) {
    const problem = base64Problem(image);
    if (problem) throw new HttpError(400, problem);
  }
  return value as string[];
}

function parseMessages(value: unknown): StandInChatMessage[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new HttpError(400, 'json: cannot unmarshal messages: expected an array');
  return value.map((raw) => {
    const m = (raw ?? {}) as Record<string, unknown>;
    const images = parseImages(m.images);
    return { role: typeof m.role === 'string' ? m.role : '', content: typeof m.content === 'string' ? m.content : '', ...(images.length ? { images } : {}) };
  });
}

function keepAliveIsZero(value: unknown): boolean {
  return value === 0 || value === '0' || value === '0s' || value === '0m';
}

/** The checks Ollama makes before scheduling a model: name, existence, capabilities, request shape. */
export function parseInference(endpoint: 'generate' | 'chat', body: Record<string, unknown>, models: ModelStore): InferenceCall {
  const name = requireModelName(body);
  const model = models.find(name);
  if (!model) throw notFoundForInference(name);
  if (!model.capabilities.includes('completion')) throw new HttpError(400, `"${name}" does not support ${endpoint}`);
  if (body.think === true && !model.capabilities.includes('thinking')) throw new HttpError(400, `"${name}" does not support thinking`);
  if (endpoint === 'chat' && Array.isArray(body.tools) && body.tools.length > 0 && !model.capabilities.includes('tools')) {
    const qualified = model.name.includes('/') ? model.name : `library/${model.name}`;
    throw new HttpError(400, `registry.ollama.ai/${qualified} does not support tools`);
  }
  const format = parseFormat(body.format);
  const system = typeof body.system === 'string' && body.system !== '' ? body.system : undefined;
  const options = typeof body.options === 'object' && body.options !== null ? (body.options as Record<string, unknown>) : undefined;
  const stream = body.stream !== false; // Ollama streams unless told otherwise.

  if (endpoint === 'generate') {
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    const images = parseImages(body.images);
    const messages: StandInChatMessage[] = [
      ...(system ? [{ role: 'system', content: system }] : []),
      { role: 'user', content: prompt, ...(images.length ? { images } : {}) },
    ];
    const loadOnly = prompt === '' ? (keepAliveIsZero(body.keep_alive) ? 'unload' : 'load') : undefined;
    return { request: { endpoint, model: name, prompt, system, messages, format, images, options }, model, stream, loadOnly, keepAlive: body.keep_alive };
  }

  const messages = parseMessages(body.messages);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const chatSystem = messages.find((m) => m.role === 'system')?.content;
  const images = messages.flatMap((m) => m.images ?? []);
  const loadOnly = messages.length === 0 ? (keepAliveIsZero(body.keep_alive) ? 'unload' : 'load') : undefined;
  const request: StandInRequest = { endpoint, model: name, prompt: lastUser?.content ?? '', system: chatSystem, messages, format, images, options };
  return { request, model, stream, loadOnly, keepAlive: body.keep_alive };
}
