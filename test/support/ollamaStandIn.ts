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
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

// ─── Public types ────────────────────────────────────────────────────────────────────────────────────────

/** What Ollama reports in /api/show `capabilities`. */
export type Capability = 'completion' | 'vision' | 'tools' | 'embedding' | 'insert' | 'thinking' | (string & {});

export interface StandInModel {
  /** Full name with tag, as /api/tags lists it ("llava:7b"); a name given without a tag gets ":latest". */
  name: string;
  capabilities: Capability[];
  family: string;
  parameterSize: string;
  quantizationLevel: string;
  /** Bytes on disk, as /api/tags reports it. */
  size: number;
  /** 64 hex digits. */
  digest: string;
  /** ISO timestamp. */
  modifiedAt: string;
  contextLength: number;
  /** Length of the vectors /api/embed returns for this model. */
  embeddingLength: number;
}

/** A model name ("qwen2.5vl:7b"), or a name with any fields to override; the rest is inferred from the name. */
export type StandInModelInput = string | (Partial<StandInModel> & { name: string });

export type FailureMode = 'none' | 'http500' | 'reset' | 'slow' | 'malformed' | 'hang';

export interface FailureOptions {
  /** 'inference' (default): only /api/generate and /api/chat fail. 'all': every /api endpoint does. */
  scope?: 'inference' | 'all';
  /** http500: the status to answer with (default 500). */
  status?: number;
  /** http500: the error text (default: what Ollama says when its runner crashes). */
  message?: string;
  /** reset: stream this many chunks before destroying the socket (default 0: reset before any byte). */
  afterChunks?: number;
  /** slow: delay between streamed chunks, and before non-streamed answers (default 1000 ms). */
  slowDelayMs?: number;
}

export interface FailureSpec extends FailureOptions {
  mode: FailureMode;
}

export interface StandInChatMessage {
  role: string;
  content: string;
  /** Base64, as sent. */
  images?: string[];
}

/** What a responder sees: one /api/generate or /api/chat request, normalized. */
export interface StandInRequest {
  endpoint: 'generate' | 'chat';
  /** The model name as the request spelled it. */
  model: string;
  /** generate: `prompt`. chat: the content of the last user message. */
  prompt: string;
  system?: string;
  /** chat: the messages as sent. generate: the system prompt (if any) and the prompt as a user message. */
  messages: StandInChatMessage[];
  /** `"json"`, a JSON schema object, or undefined. */
  format?: 'json' | JsonSchema;
  /** Every image of the request (base64): generate's `images`, or those of all chat messages. */
  images: string[];
  options?: Record<string, unknown>;
}

/** Produces the model's full answer; it is then streamed in chunks like real tokens. May be async; a throw becomes HTTP 500. */
export type Responder = (request: StandInRequest) => string | Promise<string>;

export type JsonSchema = { [key: string]: unknown };

export interface RecordedCall {
  endpoint: 'generate' | 'chat';
  model: string;
  prompt: string;
  system?: string;
  format?: 'json' | JsonSchema;
  imageCount: number;
  stream: boolean;
}

/** Live counters: the object is updated in place (copy it with structuredClone for a snapshot). */
export interface OllamaStandInStats {
  /** Requests per path ("/api/generate": 3), every request counted on arrival whatever its outcome. */
  requests: Record<string, number>;
  totalRequests: number;
  /** Valid /api/generate and /api/chat requests (those that got past validation). */
  generateCalls: number;
  chatCalls: number;
  imagesReceived: number;
  imageBytesReceived: number;
  /** generate/chat requests holding a processing slot now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  /** generate/chat requests waiting for a slot now, and the most ever at once. */
  queued: number;
  maxQueued: number;
  failuresInjected: number;
  /** generate: the prompt; chat: the last user message; in arrival order. */
  prompts: string[];
  calls: RecordedCall[];
}

export interface OllamaStandInOptions {
  /** 0 (default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** Installed models. Default: llama3.2:3b [completion, tools] and llava:7b [completion, vision]. */
  models?: StandInModelInput[];
  /** Delay before the first byte of generate/chat/embed answers: the model "loading". Default 0. */
  latencyMs?: number;
  /** Delay between streamed chunks (generation speed); non-streamed answers wait as long in total. Default 0. */
  tokenDelayMs?: number;
  /** An answer is streamed in at most this many chunks (split at whitespace). Default 8. */
  streamChunks?: number;
  /** Like OLLAMA_NUM_PARALLEL: generate/chat requests processed at once; others queue. Default 1. */
  parallelism?: number;
  /** Like OLLAMA_MAX_QUEUE: queued requests beyond this get HTTP 503. Default 512. */
  maxQueue?: number;
  /** A failure applied to every targeted request until changed. Default 'none'. */
  failure?: FailureMode | FailureSpec;
  /** Replaces the default, prompt-derived answers. */
  responder?: Responder;
  /** What /api/pull can fetch: 'any' name (default, capabilities inferred from the name) or only these. */
  registry?: 'any' | StandInModelInput[];
  /** What /api/version reports. */
  version?: string;
  /** Serve GET /__standin/stats and POST /__standin/config, for tests that run the stand-in in another process. */
  controlApi?: boolean;
}

/** Settings accepted by POST /__standin/config (control API). */
export interface StandInConfigUpdate {
  latencyMs?: number;
  tokenDelayMs?: number;
  parallelism?: number;
  failure?: FailureMode | FailureSpec;
  failNext?: FailureSpec & { count?: number };
  addModel?: StandInModelInput;
  removeModel?: string;
  resetStats?: boolean;
}

export interface OllamaStandIn {
  /** "http://127.0.0.1:<port>", usable as the ollama client's `host`. */
  readonly url: string;
  readonly port: number;
  readonly stats: OllamaStandInStats;
  setLatency(latencyMs: number, tokenDelayMs?: number): void;
  setParallelism(parallelism: number): void;
  /** A failure for every targeted request from now on; 'none' clears it. */
  setFailure(failure: FailureMode | FailureSpec, options?: FailureOptions): void;
  /** Fail only the next `count` targeted requests (checked before the persistent failure). */
  failNext(mode: FailureMode, count?: number, options?: FailureOptions): void;
  addModel(model: StandInModelInput): StandInModel;
  removeModel(name: string): boolean;
  listModels(): StandInModel[];
  /** Replace the responder; no argument restores the default one. */
  setResponder(responder?: Responder): void;
  resetStats(): void;
  /** Stops listening and destroys every open connection, hanging ones included. */
  close(): Promise<void>;
}

// ─── Constants ───────────────────────────────────────────────────────────────────────────────────────────

const JSON_TYPE = 'application/json; charset=utf-8';
const NDJSON_TYPE = 'application/x-ndjson';
const DEFAULT_VERSION = '0.12.0';
const DEFAULT_MODELS: StandInModelInput[] = [
  { name: 'llama3.2:3b', capabilities: ['completion', 'tools'] },
  { name: 'llava:7b', capabilities: ['completion', 'vision'] },
];
/** Fixed so /api/tags output is reproducible; pulled models get the pull time instead. */
const INSTALLED_AT = '2025-01-15T10:00:00.000Z';
/** What Ollama answers when its runner dies mid-request, the most common real HTTP 500. */
const RUNNER_CRASHED = 'llama runner process has terminated: exit status 2';
/** Ollama's runner error when images reach a model without a vision projector. */
const NO_VISION = 'this model is missing data required for image input';
const MAX_QUEUE_ERROR = 'server busy, please try again.  maximum pending requests exceeded';
/** Roughly how many characters make one token, for eval counts. */
const CHARS_PER_TOKEN = 4;
const EXCERPT_CHARS = 200;

/** Thrown by validation; becomes Ollama's `{"error": message}` body with this status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const notFoundForInference = (name: string) => new HttpError(404, `model "${name}" not found, try pulling it first`);
/** /api/show and /api/delete word it differently in Ollama's routes.go. */
const notFoundForManagement = (name: string) => new HttpError(404, `model '${name}' not found`);

// ─── Models ──────────────────────────────────────────────────────────────────────────────────────────────

/** Ollama's naming convention: a name without a tag means ":latest" ("user/model" has no tag either). */
function withTag(name: string): string {
  const trimmed = name.trim();
  return trimmed.slice(trimmed.lastIndexOf('/') + 1).includes(':') ? trimmed : `${trimmed}:latest`;
}

/** The lookup key of a model name: tagged, and lower-cased because Ollama matches names case-insensitively. */
export function canonicalModelName(name: string): string {
  return withTag(name).toLowerCase();
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Guesses what the real model of that name can do, so pulled models and plain names behave plausibly. */
function inferCapabilities(name: string): Capability[] {
  if (/embed|minilm|bge-|mxbai|e5-/i.test(name)) return ['embedding'];
  if (/llava|vision|-vl|vl:|moondream|minicpm-v|gemma3|granite3\.2-vision|qwen2\.5vl/i.test(name)) return ['completion', 'vision'];
  return ['completion'];
}

function inferFamily(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1).split(':')[0].toLowerCase();
  if (/^(llama|llava|codellama|tinyllama)/.test(base)) return 'llama';
  if (/embed|minilm|bge/.test(base)) return 'bert';
  const match = /^[a-z]+\d*(?:\.\d+)?/.exec(base);
  return (match?.[0] ?? base).replace(/\.\d+$/, '');
}

/** "llama3.2:3b" → "3B"; tags without a size get a plausible default. */
function inferParameterSize(name: string): string {
  const tag = name.split(':')[1] ?? '';
  const match = /(\d+(?:\.\d+)?)([bm])/i.exec(tag);
  return match ? `${match[1]}${match[2].toUpperCase()}` : '7B';
}

function sizeInBytes(parameterSize: string): number {
  const match = /([\d.]+)([BM])/.exec(parameterSize);
  const params = match ? Number(match[1]) * (match[2] === 'B' ? 1e9 : 1e6) : 7e9;
  return Math.round(params * 0.6); // Q4_K_M stores a little over half a byte per parameter.
}

export function completeModel(input: StandInModelInput, modifiedAt = INSTALLED_AT): StandInModel {
  const given = typeof input === 'string' ? { name: input } : input;
  const name = withTag(given.name);
  const capabilities = given.capabilities ?? inferCapabilities(name);
  const parameterSize = given.parameterSize ?? inferParameterSize(name);
  return {
    name,
    capabilities,
    family: given.family ?? inferFamily(name),
    parameterSize,
    quantizationLevel: given.quantizationLevel ?? 'Q4_K_M',
    size: given.size ?? sizeInBytes(parameterSize),
    digest: given.digest ?? sha256Hex(`model:${canonicalModelName(name)}`),
    modifiedAt: given.modifiedAt ?? modifiedAt,
    contextLength: given.contextLength ?? 131072,
    embeddingLength: given.embeddingLength ?? (capabilities.includes('embedding') ? 384 : 256),
  };
}

class ModelStore {
  private readonly byName = new Map<string, StandInModel>();

  add(input: StandInModelInput, modifiedAt?: string): StandInModel {
    const model = completeModel(input, modifiedAt);
    this.byName.set(canonicalModelName(model.name), model);
    return model;
  }

  remove(name: string): boolean {
    return this.byName.delete(canonicalModelName(name));
  }

  find(name: string): StandInModel | undefined {
    return this.byName.get(canonicalModelName(name));
  }

  /** Most recently modified first, like Ollama's ListHandler. */
  list(): StandInModel[] {
    return [...this.byName.values()].sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt));
  }
}

// ─── Answers derived from the prompt ─────────────────────────────────────────────────────────────────────

/** A line like "OCR text:" or "Transcript:" introduces the content a prompt is about. */
const MARKER_LINE = /^[ \t]*(?:ocr(?:[ _-]?text)?|extracted text|transcript(?:ion)?|text|content|input|document)[ \t]*:/gim;

const STOPWORDS = new Set(
  'the and for are but not you all any can her was one our out has had his how its may new now see two who did get let put say she too use that this with from they have been were will your what when which their there them then than into onto also just some such here more most over only very each other about after before under while where summary text content ocr input document transcript'.split(
    ' ',
  ),
);

/**
 * Prompts that fence extracted text as data (`<<<BEGIN>>> … <<<END>>>`, as this project's do) are answered
 * from the fenced text only, without the fences and the instruction after them — as a model would.
 */
function unfence(text: string): string {
  const begin = text.indexOf('<<<BEGIN>>>');
  const end = text.indexOf('<<<END>>>', begin);
  return begin >= 0 && end > begin ? text.slice(begin + '<<<BEGIN>>>'.length, end) : text;
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts at `max` characters, backing up to a word boundary so a quoted phrase stays whole. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > max / 2 ? cut.slice(0, lastSpace) : cut).trim();
}

/** The distinctive part of a prompt: after its last marker line, else its last ~200 characters. */
export function focusText(prompt: string): string {
  let start = -1;
  for (const match of prompt.matchAll(MARKER_LINE)) start = (match.index ?? 0) + match[0].length;
  const collapsed = collapseWhitespace(unfence(start >= 0 ? prompt.slice(start) : prompt));
  if (start >= 0 || collapsed.length <= EXCERPT_CHARS) return collapsed;
  const tail = collapsed.slice(-EXCERPT_CHARS);
  const firstSpace = tail.indexOf(' ');
  return firstSpace > 0 && firstSpace < 40 ? tail.slice(firstSpace + 1) : tail;
}

interface ImageInfo {
  bytes: number;
  kind: string;
  width?: number;
  height?: number;
}

/** Reads just enough of the decoded image to describe it: its size in bytes, format and (PNG/GIF) dimensions. */
function inspectImage(base64: string): ImageInfo {
  const data = Buffer.from(base64, 'base64');
  const info: ImageInfo = { bytes: data.length, kind: 'unknown format' };
  if (data.length >= 24 && data.readUInt32BE(0) === 0x89504e47) {
    Object.assign(info, { kind: 'PNG', width: data.readUInt32BE(16), height: data.readUInt32BE(20) });
  } else if (data.length >= 10 && data.toString('latin1', 0, 4) === 'GIF8') {
    Object.assign(info, { kind: 'GIF', width: data.readUInt16LE(6), height: data.readUInt16LE(8) });
  } else if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
    info.kind = 'JPEG';
  } else if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') {
    info.kind = 'WEBP';
  }
  return info;
}

function describeImage(info: ImageInfo): string {
  const dims = info.width !== undefined ? `, ${info.width}x${info.height} px` : '';
  return `an image of ${info.bytes} bytes (${info.kind}${dims})`;
}

/** The sentence that proves vision ran: "Vision input (image(s) seen: 2): an image of 68 bytes (PNG, 1x1 px); …". */
function visionSentence(images: string[]): string {
  if (images.length === 0) return '';
  return `Vision input (image(s) seen: ${images.length}): ${images.map((b64) => describeImage(inspectImage(b64))).join('; ')}.`;
}

/** Everything the default answers are built from, computed once per request. */
interface Derived {
  excerpt: string;
  summary: string;
  title: string;
  tags: string[];
  wordCount: number;
  imageCount: number;
}

function derive(request: StandInRequest): Derived {
  const excerpt = clip(focusText(request.prompt), EXCERPT_CHARS);
  const words = excerpt.match(/[\p{L}\p{N}]+/gu) ?? [];
  const quoted = excerpt === '' ? '(no text provided)' : excerpt;
  const firstSentence = `Summary: ${quoted}${/[.!?…]$/.test(quoted) ? '' : '.'}`;
  const vision = visionSentence(request.images);
  const tags = [...new Set(words.map((w) => w.toLowerCase()).filter((w) => w.length >= 3 && !STOPWORDS.has(w)))].slice(0, 5);
  return {
    excerpt,
    summary: vision ? `${firstSentence} ${vision}` : firstSentence,
    title: excerpt.split(' ').slice(0, 6).join(' ').replace(/[\s.,;:!?-]+$/, '') || 'Untitled',
    tags: tags.length > 0 ? tags : ['untitled'],
    wordCount: words.length,
    imageCount: request.images.length,
  };
}

// ─── JSON schema filling (structured outputs) ────────────────────────────────────────────────────────────

const MAX_SCHEMA_DEPTH = 8;

/** Follows a local "$ref" ("#/$defs/Item"); zod-to-json-schema and pydantic emit these. */
function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return schema;
  let node: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return typeof node === 'object' && node !== null ? (node as JsonSchema) : {};
}

/** Picks the one concrete branch a model would produce for unions and type lists. */
function concreteSchema(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = resolveRef(schema, root);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const options = current[key];
    if (Array.isArray(options) && options.length > 0) {
      const chosen = (options as JsonSchema[]).find((o) => o.type !== 'null') ?? (options[0] as JsonSchema);
      current = { ...current, ...resolveRef(chosen, root) };
    }
  }
  if (Array.isArray(current.allOf)) {
    current = (current.allOf as JsonSchema[]).reduce((merged, part) => mergeSchemas(merged, resolveRef(part, root)), current);
  }
  return current;
}

function mergeSchemas(a: JsonSchema, b: JsonSchema): JsonSchema {
  const properties = { ...(a.properties as object | undefined), ...(b.properties as object | undefined) };
  const required = [...((a.required as string[] | undefined) ?? []), ...((b.required as string[] | undefined) ?? [])];
  return { ...a, ...b, properties, required };
}

function schemaType(schema: JsonSchema): string | undefined {
  const type = schema.type;
  if (Array.isArray(type)) return (type as string[]).find((t) => t !== 'null') ?? 'null';
  if (typeof type === 'string') return type;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

function clamp(value: number, schema: JsonSchema, integer: boolean): number {
  const step = integer ? 1 : 0.01;
  let result = value;
  if (typeof schema.minimum === 'number') result = Math.max(result, schema.minimum);
  if (typeof schema.exclusiveMinimum === 'number') result = Math.max(result, schema.exclusiveMinimum + step);
  if (typeof schema.maximum === 'number') result = Math.min(result, schema.maximum);
  if (typeof schema.exclusiveMaximum === 'number') result = Math.min(result, schema.exclusiveMaximum - step);
  return integer ? Math.round(result) : result;
}

/** A string for property `key`: summary-like keys get the summary, name-like keys the title, others an excerpt. */
function stringFor(key: string, schema: JsonSchema, d: Derived): string {
  let value: string;
  if (/summary|description|caption|abstract|overview|explanation/i.test(key)) value = d.summary;
  else if (/title|name|headline|subject|label/i.test(key)) value = d.title;
  else if (/^lang(uage)?$/i.test(key)) value = 'en';
  else if (schema.format === 'date-time') value = '1970-01-01T00:00:00.000Z';
  else if (schema.format === 'date') value = '1970-01-01';
  else value = clip(d.excerpt, 80) || d.title;
  if (typeof schema.maxLength === 'number') value = value.slice(0, schema.maxLength);
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) value = value.padEnd(schema.minLength, '.');
  return value;
}

function arrayFor(key: string, schema: JsonSchema, d: Derived, root: JsonSchema, depth: number): unknown[] {
  const items = typeof schema.items === 'object' && schema.items !== null ? concreteSchema(schema.items as JsonSchema, root) : {};
  const itemType = schemaType(items);
  let values: unknown[];
  if ((itemType === 'string' || itemType === undefined) && !items.enum) {
    values = /tag|keyword|topic|categor|label/i.test(key) ? [...d.tags] : [stringFor(key, items, d)];
  } else {
    values = [fillSchema(items, d, root, key, depth + 1)];
  }
  const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
  while (values.length < min) values.push(values[values.length % Math.max(values.length, 1)] ?? fillSchema(items, d, root, key, depth + 1));
  return typeof schema.maxItems === 'number' ? values.slice(0, schema.maxItems) : values;
}

function objectFor(schema: JsonSchema, d: Derived, root: JsonSchema, depth: number): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, propertySchema] of Object.entries(properties)) {
    result[key] = fillSchema(propertySchema, d, root, key, depth + 1);
  }
  return result;
}

/** A value matching `schema`, with every declared property filled from the prompt-derived facts. */
function fillSchema(schema: JsonSchema, d: Derived, root: JsonSchema = schema, key = '', depth = 0): unknown {
  if (depth > MAX_SCHEMA_DEPTH) return null;
  const s = concreteSchema(schema, root);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  switch (schemaType(s)) {
    case 'object':
      return objectFor(s, d, root, depth);
    case 'array':
      return arrayFor(key, s, d, root, depth);
    case 'integer':
      return clamp(d.wordCount, s, true);
    case 'number':
      return clamp(0.5, s, false);
    case 'boolean':
      return /image|vision|visual|photo|picture/i.test(key) ? d.imageCount > 0 : d.excerpt.length > 0;
    case 'null':
      return null;
    default:
      return stringFor(key, s, d);
  }
}

/** The default responder: plain text, JSON mode or a filled schema, all quoting the prompt's content. */
export function defaultResponder(request: StandInRequest): string {
  const d = derive(request);
  if (request.format === 'json') return JSON.stringify({ summary: d.summary, title: d.title, tags: d.tags });
  if (request.format && typeof request.format === 'object') return JSON.stringify(fillSchema(request.format, d));
  const vision = visionSentence(request.images);
  const summary = `Summary: ${d.excerpt === '' ? '(no text provided)' : d.excerpt}`;
  return vision ? `${vision} ${summary}` : summary;
}

// ─── Tokens, chunks, embeddings ──────────────────────────────────────────────────────────────────────────

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / CHARS_PER_TOKEN));
}

/** Splits at whitespace into at most `maxChunks` pieces whose concatenation is exactly `text`. */
export function splitIntoChunks(text: string, maxChunks: number): string[] {
  const pieces = text.match(/\S+\s*|\s+/g) ?? [];
  if (pieces.length === 0) return [''];
  const count = Math.max(1, Math.min(maxChunks, pieces.length));
  const chunks: string[] = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((i * pieces.length) / count);
    const to = Math.floor(((i + 1) * pieces.length) / count);
    chunks.push(pieces.slice(from, to).join(''));
  }
  return chunks;
}

/** Stand-in for the deprecated generate `context`: one stable id per word of prompt and answer. */
function contextTokens(text: string): number[] {
  return (text.match(/\S+/g) ?? []).map((word) => parseInt(sha256Hex(word).slice(0, 5), 16) % 128000);
}

/**
 * Feature-hashed bag of words, L2-normalized like Ollama's embeddings: deterministic, and texts that share
 * words get similar vectors, so similarity-based code behaves sensibly.
 */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? (text ? [text] : []);
  for (const word of words) {
    const hash = createHash('sha256').update(word).digest();
    vector[hash.readUInt32BE(0) % dimensions] += hash[4] & 1 ? 1 : -1;
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => Math.fround(v / norm));
}

// ─── Concurrency gate (OLLAMA_NUM_PARALLEL) ──────────────────────────────────────────────────────────────

class Gate {
  active = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private limit: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  /** Every slot is taken: a new request would have to queue. */
  get saturated(): boolean {
    return this.active >= this.limit;
  }

  /** Resolves once a slot is held; rejects if `signal` aborts first (the client gave up while queued). */
  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const index = this.waiters.indexOf(grant);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      this.waiters.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  release(): void {
    this.active--;
    this.pump();
  }

  setLimit(limit: number): void {
    this.limit = Math.max(1, limit);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.active++;
      this.waiters.shift()?.();
    }
  }
}

// ─── Failure plan ────────────────────────────────────────────────────────────────────────────────────────

type EndpointKind = 'inference' | 'other';

class FailurePlan {
  private persistent: FailureSpec = { mode: 'none' };
  private readonly oneShots: Array<{ spec: FailureSpec; remaining: number }> = [];

  set(spec: FailureSpec): void {
    this.persistent = spec;
  }

  queue(spec: FailureSpec, count: number): void {
    if (count > 0) this.oneShots.push({ spec, remaining: count });
  }

  /** The failure this request gets, if any; consumes one use of the first matching one-shot. */
  take(kind: EndpointKind): FailureSpec | undefined {
    const applies = (spec: FailureSpec) => spec.mode !== 'none' && (kind === 'inference' || spec.scope === 'all');
    const oneShot = this.oneShots.find((entry) => applies(entry.spec));
    if (oneShot) {
      if (--oneShot.remaining <= 0) this.oneShots.splice(this.oneShots.indexOf(oneShot), 1);
      return oneShot.spec;
    }
    return applies(this.persistent) ? this.persistent : undefined;
  }
}

function toFailureSpec(failure: FailureMode | FailureSpec, options: FailureOptions = {}): FailureSpec {
  return typeof failure === 'string' ? { ...options, mode: failure } : { ...failure, ...options };
}

// ─── HTTP plumbing ───────────────────────────────────────────────────────────────────────────────────────

/** One request in flight: `signal` aborts when the client goes away or the stand-in closes. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  signal: AbortSignal;
  startedAt: bigint;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return;
  if (res.headersSent) return void res.destroy(); // an error after streaming began: all a server can do is cut it
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

/** Gin's plain-text answers for unknown routes and wrong methods. */
function sendText(res: ServerResponse, status: number, text: string): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function startNdjson(res: ServerResponse): void {
  if (!res.headersSent) res.writeHead(200, { 'Content-Type': NDJSON_TYPE });
}

/**
 * Writes one NDJSON line and resolves once it is handed to the socket, like gin flushing after each chunk:
 * chunks then leave one by one even without a delay, and a reset that follows cannot discard them unsent.
 */
function writeLine(res: ServerResponse, body: unknown): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => res.write(`${JSON.stringify(body)}\n`, () => resolve()));
}

/** Waits `ms`, or throws as soon as the exchange is aborted, so no timer outlives close(). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (ms > 0) await sleep(ms, undefined, { signal });
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Reads and parses a JSON body; Ollama answers 400 "missing request body" to an empty one. */
async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
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

function nanosSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start);
}

function isAbort(error: unknown): boolean {
  return (error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError';
}

/** Go's encoding/json decodes `[]byte` fields strictly (std base64, padded): mimic its rejection of bad images. */
function base64Problem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'json: cannot unmarshal images: expected a base64 string';
  const clean = value.replace(/[\r\n]/g, '');
  const bad = /[^A-Za-z0-9+/=]|=(?=[^=])/.exec(clean);
  if (bad) return `illegal base64 data at input byte ${bad.index}`;
  if (clean.length % 4 !== 0) return `illegal base64 data at input byte ${clean.length - (clean.length % 4)}`;
  return undefined;
}

// ─── Request parsing ─────────────────────────────────────────────────────────────────────────────────────

interface InferenceCall {
  request: StandInRequest;
  model: StandInModel;
  stream: boolean;
  /** Empty prompt / no messages: Ollama just loads (or, with keep_alive 0, unloads) the model. */
  loadOnly: 'load' | 'unload' | undefined;
}

function requireModelName(body: Record<string, unknown>): string {
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
function parseInference(endpoint: 'generate' | 'chat', body: Record<string, unknown>, models: ModelStore): InferenceCall {
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
    return { request: { endpoint, model: name, prompt, system, messages, format, images, options }, model, stream, loadOnly };
  }

  const messages = parseMessages(body.messages);
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const chatSystem = messages.find((m) => m.role === 'system')?.content;
  const images = messages.flatMap((m) => m.images ?? []);
  const loadOnly = messages.length === 0 ? (keepAliveIsZero(body.keep_alive) ? 'unload' : 'load') : undefined;
  const request: StandInRequest = { endpoint, model: name, prompt: lastUser?.content ?? '', system: chatSystem, messages, format, images, options };
  return { request, model, stream, loadOnly };
}

// ─── The server ──────────────────────────────────────────────────────────────────────────────────────────

function emptyStats(): OllamaStandInStats {
  return {
    requests: {},
    totalRequests: 0,
    generateCalls: 0,
    chatCalls: 0,
    imagesReceived: 0,
    imageBytesReceived: 0,
    inFlight: 0,
    maxInFlight: 0,
    queued: 0,
    maxQueued: 0,
    failuresInjected: 0,
    prompts: [],
    calls: [],
  };
}

/** Mutable settings, changed at runtime through the handle's methods. */
interface Settings {
  latencyMs: number;
  tokenDelayMs: number;
  streamChunks: number;
  maxQueue: number;
  responder?: Responder;
  registry: 'any' | StandInModel[];
  version: string;
  controlApi: boolean;
}

class StandInServer {
  readonly stats = emptyStats();
  readonly models = new ModelStore();
  readonly failures = new FailurePlan();
  readonly gate: Gate;
  readonly settings: Settings;
  readonly closing = new AbortController();
  readonly server: http.Server;

  constructor(options: OllamaStandInOptions) {
    for (const model of options.models ?? DEFAULT_MODELS) this.models.add(model);
    this.gate = new Gate(Math.max(1, options.parallelism ?? 1));
    this.settings = {
      latencyMs: options.latencyMs ?? 0,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      streamChunks: Math.max(1, options.streamChunks ?? 8),
      maxQueue: options.maxQueue ?? 512,
      responder: options.responder,
      registry: options.registry === undefined || options.registry === 'any' ? 'any' : options.registry.map((m) => completeModel(m)),
      version: options.version ?? DEFAULT_VERSION,
      controlApi: options.controlApi ?? false,
    };
    if (options.failure) this.failures.set(toFailureSpec(options.failure));
    this.server = http.createServer((req, res) => void this.handle(req, res));
  }

  resetStats(): void {
    Object.assign(this.stats, emptyStats(), { inFlight: this.gate.active, queued: this.gate.waiting });
  }

  // ── dispatch ──

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const clientGone = new AbortController();
    res.on('close', () => clientGone.abort());
    res.on('error', () => {}); // A client that vanished mid-write is expected here, not a test failure.
    const ex: Exchange = { req, res, signal: AbortSignal.any([this.closing.signal, clientGone.signal]), startedAt: process.hrtime.bigint() };
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    this.stats.requests[path] = (this.stats.requests[path] ?? 0) + 1;
    this.stats.totalRequests++;
    try {
      await this.route(ex, path);
    } catch (error) {
      if (error instanceof HttpError) sendError(res, error.status, error.message);
      else if (isAbort(error) || res.headersSent) res.destroy();
      else sendError(res, 500, (error as Error).message);
    }
  }

  private async route(ex: Exchange, path: string): Promise<void> {
    const method = ex.req.method ?? 'GET';
    const routes: Record<string, Partial<Record<string, () => Promise<void>>>> = {
      '/': { GET: async () => sendText(ex.res, 200, 'Ollama is running'), HEAD: async () => sendText(ex.res, 200, 'Ollama is running') },
      '/api/version': { GET: () => this.simple(ex, () => ({ version: this.settings.version })) },
      '/api/tags': { GET: () => this.simple(ex, () => ({ models: this.models.list().map(tagEntry) })) },
      '/api/show': { POST: () => this.show(ex) },
      '/api/delete': { DELETE: () => this.delete(ex) },
      '/api/generate': { POST: () => this.inference(ex, 'generate') },
      '/api/chat': { POST: () => this.inference(ex, 'chat') },
      '/api/pull': { POST: () => this.pull(ex) },
      '/api/embed': { POST: () => this.embed(ex) },
    };
    if (this.settings.controlApi) {
      routes['/__standin/stats'] = { GET: async () => sendJson(ex.res, 200, this.stats) };
      routes['/__standin/config'] = { POST: () => this.configure(ex) };
    }
    const byMethod = routes[path];
    if (!byMethod) return sendText(ex.res, 404, '404 page not found');
    const handler = byMethod[method];
    if (!handler) return sendText(ex.res, 405, '405 method not allowed');
    await handler();
  }

  // ── failures ──

  /**
   * Applies a failure to a non-streaming endpoint. Returns true when the request has been dealt with;
   * 'slow' only delays, then the endpoint answers normally.
   */
  private async failPlainly(ex: Exchange, failure: FailureSpec | undefined): Promise<boolean> {
    if (!failure) return false;
    this.stats.failuresInjected++;
    switch (failure.mode) {
      case 'http500':
        sendError(ex.res, failure.status ?? 500, failure.message ?? RUNNER_CRASHED);
        return true;
      case 'reset':
        ex.res.socket?.destroy();
        return true;
      case 'hang':
        await untilAborted(ex.signal);
        ex.res.destroy();
        return true;
      case 'malformed':
        ex.res.writeHead(200, { 'Content-Type': JSON_TYPE });
        ex.res.end('{"status":"success","trunc');
        return true;
      case 'slow':
        await pause(failure.slowDelayMs ?? 1000, ex.signal);
        return false;
      default:
        return false;
    }
  }

  /** Non-inference endpoints: read the body, then apply any 'all'-scoped failure. */
  private async prelude(ex: Exchange, withBody: boolean): Promise<Record<string, unknown> | undefined> {
    const body = withBody ? await readJsonBody(ex.req) : {};
    if (await this.failPlainly(ex, this.failures.take('other'))) return undefined;
    return body;
  }

  private async simple(ex: Exchange, answer: () => unknown): Promise<void> {
    if (!(await this.prelude(ex, false))) return;
    sendJson(ex.res, 200, answer());
  }

  // ── model management ──

  private async show(ex: Exchange): Promise<void> {
    const body = await this.prelude(ex, true);
    if (!body) return;
    const name = requireModelName(body);
    const model = this.models.find(name);
    if (!model) throw notFoundForManagement(name);
    sendJson(ex.res, 200, showEntry(model));
  }

  private async delete(ex: Exchange): Promise<void> {
    const body = await this.prelude(ex, true);
    if (!body) return;
    const name = requireModelName(body);
    if (!this.models.remove(name)) throw notFoundForManagement(name);
    ex.res.writeHead(200, { 'Content-Length': 0 });
    ex.res.end();
  }

  private async pull(ex: Exchange): Promise<void> {
    const body = await this.prelude(ex, true);
    if (!body) return;
    const name = requireModelName(body);
    const stream = body.stream !== false;
    const known = this.settings.registry === 'any' ? completeModel(name) : this.settings.registry.find((m) => canonicalModelName(m.name) === canonicalModelName(name));
    const events = known ? pullEvents(known) : [{ status: 'pulling manifest' }];
    if (stream) startNdjson(ex.res);
    for (const [i, event] of events.entries()) {
      if (i > 0) await pause(this.settings.tokenDelayMs, ex.signal);
      if (stream) await writeLine(ex.res, event);
    }
    if (!known) {
      const error = 'pull model manifest: file does not exist';
      if (stream) ex.res.end(`${JSON.stringify({ error })}\n`);
      else sendError(ex.res, 500, error);
      return;
    }
    this.models.add({ ...known, modifiedAt: new Date().toISOString() });
    await pause(this.settings.tokenDelayMs, ex.signal);
    if (stream) ex.res.end(`${JSON.stringify({ status: 'success' })}\n`);
    else sendJson(ex.res, 200, { status: 'success' });
  }

  // ── embeddings ──

  private async embed(ex: Exchange): Promise<void> {
    const body = await this.prelude(ex, true);
    if (!body) return;
    const name = requireModelName(body);
    const model = this.models.find(name);
    if (!model) throw notFoundForInference(name);
    const inputs = parseEmbedInput(body.input);
    await pause(this.settings.latencyMs, ex.signal);
    const loadDuration = nanosSince(ex.startedAt);
    const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, model.embeddingLength) : model.embeddingLength;
    sendJson(ex.res, 200, {
      model: name,
      embeddings: inputs.map((text) => embedText(text, dimensions)),
      total_duration: nanosSince(ex.startedAt),
      load_duration: loadDuration,
      prompt_eval_count: inputs.reduce((sum, text) => sum + estimateTokens(text), 0),
    });
  }

  // ── generate / chat ──

  private async inference(ex: Exchange, endpoint: 'generate' | 'chat'): Promise<void> {
    const call = parseInference(endpoint, await readJsonBody(ex.req), this.models);
    this.record(call);
    if (this.gate.saturated && this.gate.waiting >= this.settings.maxQueue) throw new HttpError(503, MAX_QUEUE_ERROR);
    const failure = this.failures.take('inference');
    await this.withSlot(ex, async () => {
      await pause(this.settings.latencyMs, ex.signal); // the model "loading": no byte is sent before this
      const loadedAt = process.hrtime.bigint();
      if (failure) {
        this.stats.failuresInjected++;
        if (await this.failBeforeAnswer(ex, failure, call)) return;
      }
      if (call.loadOnly) return sendJson(ex.res, 200, loadAnswer(call, call.loadOnly));
      if (call.request.images.length > 0 && !call.model.capabilities.includes('vision')) throw new HttpError(500, NO_VISION);
      const answer = truncateToBudget(await this.respond(call.request), call.request.options);
      const timing = { startedAt: ex.startedAt, loadedAt };
      if (call.stream) await this.streamAnswer(ex, call, answer, timing, failure);
      else await this.answerAtOnce(ex, call, answer, timing, failure);
    });
  }

  private record(call: InferenceCall): void {
    const { request } = call;
    if (request.endpoint === 'generate') this.stats.generateCalls++;
    else this.stats.chatCalls++;
    this.stats.imagesReceived += request.images.length;
    this.stats.imageBytesReceived += request.images.reduce((sum, b64) => sum + Buffer.from(b64, 'base64').length, 0);
    if (request.prompt !== '' || call.loadOnly === undefined) this.stats.prompts.push(request.prompt);
    this.stats.calls.push({
      endpoint: request.endpoint,
      model: request.model,
      prompt: request.prompt,
      ...(request.system !== undefined ? { system: request.system } : {}),
      ...(request.format !== undefined ? { format: request.format } : {}),
      imageCount: request.images.length,
      stream: call.stream,
    });
  }

  /** Runs `work` holding one of the `parallelism` slots; queued requests wait here, as in Ollama's scheduler. */
  private async withSlot(ex: Exchange, work: () => Promise<void>): Promise<void> {
    const acquired = this.gate.acquire(ex.signal);
    this.syncGateStats();
    try {
      await acquired;
    } finally {
      this.syncGateStats();
    }
    try {
      await work();
    } finally {
      this.gate.release();
      this.syncGateStats();
    }
  }

  private syncGateStats(): void {
    this.stats.inFlight = this.gate.active;
    this.stats.queued = this.gate.waiting;
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.gate.active);
    this.stats.maxQueued = Math.max(this.stats.maxQueued, this.gate.waiting);
  }

  /** Failures that pre-empt the answer entirely. Returns true when the request has been dealt with. */
  private async failBeforeAnswer(ex: Exchange, failure: FailureSpec, call: InferenceCall): Promise<boolean> {
    switch (failure.mode) {
      case 'http500':
        sendError(ex.res, failure.status ?? 500, failure.message ?? RUNNER_CRASHED);
        return true;
      case 'hang':
        await untilAborted(ex.signal);
        ex.res.destroy();
        return true;
      case 'reset':
        if ((failure.afterChunks ?? 0) > 0 && call.stream) return false; // streamAnswer resets mid-stream
        ex.res.socket?.destroy();
        return true;
      default:
        return false; // 'slow' and 'malformed' shape the answer itself
    }
  }

  private async respond(request: StandInRequest): Promise<string> {
    const responder = this.settings.responder ?? defaultResponder;
    return await responder(request);
  }

  private chunkDelay(failure: FailureSpec | undefined): number {
    return failure?.mode === 'slow' ? (failure.slowDelayMs ?? 1000) : this.settings.tokenDelayMs;
  }

  private async streamAnswer(ex: Exchange, call: InferenceCall, answer: DoneAnswer, timing: Timing, failure?: FailureSpec): Promise<void> {
    const chunks = splitIntoChunks(answer.text, this.settings.streamChunks);
    const delay = this.chunkDelay(failure);
    const resetAt = failure?.mode === 'reset' ? (failure.afterChunks ?? 0) : Infinity;
    // A malformed stream starts fine, then breaks, and never sends its done line.
    const breakAt = failure?.mode === 'malformed' ? Math.min(1, chunks.length) : Infinity;
    startNdjson(ex.res);
    const evalStart = process.hrtime.bigint();
    for (let i = 0; i <= chunks.length; i++) {
      if (i > 0) await pause(delay, ex.signal);
      if (i >= resetAt) return void ex.res.socket?.destroy();
      if (i === breakAt) return void ex.res.end(`{"model":${JSON.stringify(call.request.model)},"created_at":"${new Date().toISOString()}","respo\n`);
      if (i < chunks.length) await writeLine(ex.res, chunkBody(call, chunks[i]));
    }
    ex.res.end(`${JSON.stringify(doneBody(call, answer, '', { ...timing, evalStart }))}\n`);
  }

  private async answerAtOnce(ex: Exchange, call: InferenceCall, answer: DoneAnswer, timing: Timing, failure?: FailureSpec): Promise<void> {
    const evalStart = process.hrtime.bigint();
    // Real generation takes as long whether streamed or not.
    const chunkCount = splitIntoChunks(answer.text, this.settings.streamChunks).length;
    await pause(this.chunkDelay(failure) * chunkCount, ex.signal);
    const body = doneBody(call, answer, answer.text, { ...timing, evalStart });
    if (failure?.mode === 'malformed') {
      const text = JSON.stringify(body);
      ex.res.writeHead(200, { 'Content-Type': JSON_TYPE });
      return void ex.res.end(text.slice(0, Math.floor(text.length / 2)));
    }
    sendJson(ex.res, 200, body);
  }

  // ── control API (opt-in, for out-of-process use) ──

  private async configure(ex: Exchange): Promise<void> {
    applyConfig(this, (await readJsonBody(ex.req)));
    sendJson(ex.res, 200, { ok: true });
  }
}

function parseEmbedInput(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input === '' ? [] : [input];
  if (Array.isArray(input) && input.every((v) => typeof v === 'string')) return input;
  throw new HttpError(400, 'invalid input type');
}

// ─── Response bodies ─────────────────────────────────────────────────────────────────────────────────────

interface Timing {
  startedAt: bigint;
  loadedAt: bigint;
  evalStart?: bigint;
}

interface DoneAnswer {
  text: string;
  doneReason: 'stop' | 'length';
}

/** options.num_predict caps generated tokens; Ollama then stops mid-answer with done_reason "length". */
function truncateToBudget(text: string, options: Record<string, unknown> | undefined): DoneAnswer {
  const budget = options?.num_predict;
  if (typeof budget === 'number' && budget > 0 && estimateTokens(text) > budget) {
    return { text: text.slice(0, budget * CHARS_PER_TOKEN), doneReason: 'length' };
  }
  return { text, doneReason: 'stop' };
}

function chunkBody(call: InferenceCall, piece: string): Record<string, unknown> {
  const head = { model: call.request.model, created_at: new Date().toISOString() };
  return call.request.endpoint === 'generate'
    ? { ...head, response: piece, done: false }
    : { ...head, message: { role: 'assistant', content: piece }, done: false };
}

/** The final object: the full text when not streamed (empty when streamed), plus Ollama's statistics. */
function doneBody(call: InferenceCall, answer: DoneAnswer, text: string, timing: Required<Timing>): Record<string, unknown> {
  const promptText = call.request.messages.map((m) => m.content).join('\n');
  const promptTokens = estimateTokens(promptText);
  const statsFields = {
    total_duration: nanosSince(timing.startedAt),
    load_duration: Number(timing.loadedAt - timing.startedAt),
    prompt_eval_count: promptTokens,
    prompt_eval_duration: promptTokens * 100_000, // ~0.1 ms per prompt token, a fast GPU's pace
    eval_count: estimateTokens(answer.text),
    eval_duration: Math.max(1, nanosSince(timing.evalStart)),
  };
  const head = { model: call.request.model, created_at: new Date().toISOString() };
  if (call.request.endpoint === 'generate') {
    const context = contextTokens(`${promptText} ${answer.text}`);
    return { ...head, response: text, done: true, done_reason: answer.doneReason, context, ...statsFields };
  }
  return { ...head, message: { role: 'assistant', content: text }, done_reason: answer.doneReason, done: true, ...statsFields };
}

function loadAnswer(call: InferenceCall, reason: 'load' | 'unload'): Record<string, unknown> {
  const head = { model: call.request.model, created_at: new Date().toISOString() };
  return call.request.endpoint === 'generate'
    ? { ...head, response: '', done: true, done_reason: reason }
    : { ...head, message: { role: 'assistant', content: '' }, done_reason: reason, done: true };
}

function details(model: StandInModel): Record<string, unknown> {
  return {
    parent_model: '',
    format: 'gguf',
    family: model.family,
    families: model.capabilities.includes('vision') ? [model.family, 'clip'] : [model.family],
    parameter_size: model.parameterSize,
    quantization_level: model.quantizationLevel,
  };
}

function tagEntry(model: StandInModel): Record<string, unknown> {
  return { name: model.name, model: model.name, modified_at: model.modifiedAt, size: model.size, digest: model.digest, details: details(model) };
}

const LLAMA_TEMPLATE =
  '{{- if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}' +
  '{{- range .Messages }}<|start_header_id|>{{ .Role }}<|end_header_id|>\n\n{{ .Content }}<|eot_id|>{{ end }}' +
  '<|start_header_id|>assistant<|end_header_id|>\n\n';

function showEntry(model: StandInModel): Record<string, unknown> {
  const arch = model.family;
  const parameters = 'stop                           "<|start_header_id|>"\nstop                           "<|end_header_id|>"\nstop                           "<|eot_id|>"';
  const body: Record<string, unknown> = {
    license: '',
    modelfile: `# Modelfile generated by "ollama show"\n# To build a new Modelfile based on this, replace FROM with:\n# FROM ${model.name}\n\nFROM /stand-in/blobs/sha256-${model.digest}\nTEMPLATE """${LLAMA_TEMPLATE}"""\n`,
    parameters,
    template: LLAMA_TEMPLATE,
    details: details(model),
    model_info: {
      'general.architecture': arch,
      'general.file_type': 15,
      'general.parameter_count': Math.round(model.size / 0.6),
      'general.quantization_version': 2,
      [`${arch}.context_length`]: model.contextLength,
      [`${arch}.embedding_length`]: model.embeddingLength,
    },
    capabilities: model.capabilities,
    modified_at: model.modifiedAt,
  };
  if (model.capabilities.includes('vision')) body.projector_info = { 'clip.has_vision_encoder': true, 'clip.vision.image_size': 336 };
  return body;
}

/** The progress lines /api/pull streams, shaped as in docs/api.md: manifest, per-layer downloads, verify, write. */
function pullEvents(model: StandInModel): Array<Record<string, unknown>> {
  const layers = [
    { digest: `sha256:${model.digest}`, total: model.size },
    { digest: `sha256:${sha256Hex(`template:${model.name}`)}`, total: 1_429 },
    { digest: `sha256:${sha256Hex(`params:${model.name}`)}`, total: 96 },
  ];
  const events: Array<Record<string, unknown>> = [{ status: 'pulling manifest' }];
  for (const { digest, total } of layers) {
    const status = `downloading ${digest}`;
    // "Until any of the download is completed, the completed key may not be included."
    events.push({ status, digest, total });
    events.push({ status, digest, total, completed: Math.floor(total / 2) });
    events.push({ status, digest, total, completed: total });
  }
  events.push({ status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'removing any unused layers' });
  return events;
}

// ─── Public entry point ──────────────────────────────────────────────────────────────────────────────────

function applyConfig(server: StandInServer, update: StandInConfigUpdate): void {
  if (update.resetStats) server.resetStats();
  if (update.latencyMs !== undefined) server.settings.latencyMs = update.latencyMs;
  if (update.tokenDelayMs !== undefined) server.settings.tokenDelayMs = update.tokenDelayMs;
  if (update.parallelism !== undefined) server.gate.setLimit(update.parallelism);
  if (update.failure !== undefined) server.failures.set(toFailureSpec(update.failure));
  if (update.failNext) server.failures.queue(toFailureSpec(update.failNext), update.failNext.count ?? 1);
  if (update.addModel) server.models.add(update.addModel);
  if (update.removeModel) server.models.remove(update.removeModel);
}

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
