/**
 * The Ollama stand-in: how an answer goes on the wire. Ollama's own API streams NDJSON objects and ends with a
 * done object carrying its statistics; its OpenAI-compatible API (/v1/chat/completions, as LM Studio, llama.cpp's
 * server and vLLM serve it) streams server-sent events, `data: {chat.completion.chunk}`, ending with
 * `data: [DONE]`, or answers one `chat.completion` object.
 */
import type { ServerResponse } from 'node:http';
import { NDJSON_TYPE } from './constants';
import { InferenceCall } from './requests';
import { chunkBody, doneBody, type DoneAnswer, type Timing } from './responses';
import { estimateTokens } from './tokens';

export interface Wire {
  start(res: ServerResponse): void;
  /** One streamed piece of the answer, as written. */
  chunk(call: InferenceCall, piece: string): string;
  /** What ends a stream. */
  end(call: InferenceCall, answer: DoneAnswer, timing: Required<Timing>): string;
  /** The body of an unstreamed answer. */
  whole(call: InferenceCall, answer: DoneAnswer, timing: Required<Timing>): unknown;
  /** A piece of a stream cut off mid-object (a 'malformed' failure). */
  broken(call: InferenceCall): string;
}

export const OLLAMA_WIRE: Wire = {
  start: (res) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': NDJSON_TYPE });
  },
  chunk: (call, piece) => `${JSON.stringify(chunkBody(call, piece))}\n`,
  end: (call, answer, timing) => `${JSON.stringify(doneBody(call, answer, '', timing))}\n`,
  whole: (call, answer, timing) => doneBody(call, answer, answer.text, timing),
  broken: (call) => `{"model":${JSON.stringify(call.request.model)},"created_at":"${new Date().toISOString()}","respo\n`,
};

const created = () => Math.floor(Date.now() / 1000);
const completionId = () => `chatcmpl-${Math.floor(Math.random() * 1e9)}`;
const event = (body: unknown) => `data: ${JSON.stringify(body)}\n\n`;

export const OPENAI_WIRE: Wire = {
  start: (res) => {
    if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  },
  chunk: (call, piece) =>
    event({ id: completionId(), object: 'chat.completion.chunk', created: created(), model: call.request.model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta: { role: 'assistant', content: piece }, finish_reason: null }] }),
  end: (call, answer) =>
    `${event({ id: completionId(), object: 'chat.completion.chunk', created: created(), model: call.request.model, system_fingerprint: 'fp_ollama', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: answer.doneReason }] })}data: [DONE]\n\n`,
  whole: (call, answer) => {
    const promptTokens = estimateTokens(call.request.messages.map((m) => m.content).join('\n'));
    const completionTokens = estimateTokens(answer.text);
    return {
      id: completionId(),
      object: 'chat.completion',
      created: created(),
      model: call.request.model,
      system_fingerprint: 'fp_ollama',
      choices: [{ index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: answer.doneReason }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
  },
  broken: () => 'data: {"id":"chatcmpl-1","object":"chat.comp\n\n',
};
