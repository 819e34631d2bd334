/** The Ollama stand-in: hTTP plumbing. */
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError, JSON_TYPE, NDJSON_TYPE } from './constants';

/** One request in flight: `signal` aborts when the client goes away or the stand-in closes. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  signal: AbortSignal;
  startedAt: bigint;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) return void res.destroy(); // an error after streaming began: all a server can do is cut it
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Gin's plain-text answers for unknown routes and wrong methods. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function startNdjson(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': NDJSON_TYPE });
}

/**
 * Writes one NDJSON line and resolves once it is handed to the socket, like gin flushing after each chunk:
 * chunks then leave one by one even without a delay, and a reset that follows cannot discard them unsent.
 */
export function writeLine(res: ServerResponse, body: unknown): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.write(`${JSON.stringify(body)}\n`, () => resolve()));
}

/** Writes raw text (an SSE event) and resolves once it is handed to the socket, as writeLine does. */
export function writeText(res: ServerResponse, text: string): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.write(text, () => resolve()));
}

/** Waits `ms`, or throws as soon as the exchange is aborted, so no timer outlives close(). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms > 0) await sleep(ms, undefined, { signal });
}

export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Reads and parses a JSON body; Ollama answers 400 "missing request body" to an empty one. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new HttpError(400, 'missing request body');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `invalid request body: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HttpError(400, 'json: cannot unmarshal request body into an object');
  }
  return parsed as Record<string, unknown>;
}

export function nanosSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

export function isAbort(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError';
}

/** Go's encoding/json decodes `[]byte` fields strictly (std base64, padded): mimic its rejection of bad images. */
export function base64Problem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'json: cannot unmarshal images: expected a base64 string';
  const clean = value.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]|=(?=[^=])/.exec(clean);
  if (bad) return `illegal base64 data at input byte ${bad.index}`;
  if (clean.length % 4 !== 0) return `illegal base64 data at input byte ${clean.length - (clean.length % 4)}`;
  return undefined;
}
