/** The Ollama stand-in: public types. */

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
  /** 'inference' (default): only /api/generate and /api/chat with a prompt fail. 'all': every /api endpoint does. */
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
  /** options.num_ctx as sent (undefined: Ollama's default). */
  numCtx?: number;
  /** keep_alive as sent. */
  keepAlive?: unknown;
  /** Set once the request holds a slot: how long it waited in the queue, and whether its model had to load. */
  queuedMs?: number;
  loaded?: boolean;
}

/** Live counters: the object is updated in place (copy it with structuredClone for a snapshot). */
export interface OllamaStandInStats {
  /** Requests per path ("/api/generate": 3), every request counted on arrival whatever its outcome. */
  requests: Record<string, number>;
  totalRequests: number;
  /** Valid /api/generate and /api/chat requests (those that got past validation), load-only ones apart. */
  generateCalls: number;
  chatCalls: number;
  /** Requests without a prompt or messages: Ollama's way to load (or, with keep_alive 0, unload) a model. */
  loadRequests: number;
  /** /api/embed requests, and the texts they held in all. */
  embedCalls: number;
  embedInputs: number;
  imagesReceived: number;
  imageBytesReceived: number;
  /** generate/chat requests holding a processing slot now, and the most ever at once. */
  inFlight: number;
  maxInFlight: number;
  /** generate/chat requests waiting for a slot now, and the most ever at once. */
  queued: number;
  maxQueued: number;
  failuresInjected: number;
  /** Model loads (first use, after an eviction or keep_alive expiry, or a num_ctx change), and their causes. */
  loads: number;
  /** Loads of a resident model because a request changed num_ctx (Ollama reloads for new runner options). */
  optionsReloads: number;
  /** Models unloaded to make room (OLLAMA_MAX_LOADED_MODELS). */
  evictions: number;
  /** Requests whose prompt exceeded num_ctx and lost its beginning. */
  truncatedPrompts: number;
  /** Time generate/chat requests spent queued for a slot: in total and the longest. */
  queueWaitMs: number;
  maxQueueWaitMs: number;
  /** Time generate/chat requests held a slot, and the part of it spent loading models: busyMs − loadingMs is the pure service time. */
  busyMs: number;
  loadingMs: number;
  /** generate: the prompt; chat: the last user message; in arrival order. */
  prompts: string[];
  /** Requests with a prompt, in arrival order (load-only requests are counted in loadRequests). */
  calls: RecordedCall[];
}

export interface OllamaStandInOptions {
  /** 0 (default) picks a free port. The server listens on 127.0.0.1 only. */
  port?: number;
  /** Installed models. Default: llama3.2:3b [completion, tools] and llava:7b [completion, vision]. */
  models?: StandInModelInput[];
  /** Delay before the first byte of generate/chat/embed answers (not of load-only requests; see loadMs). Default 0. */
  latencyMs?: number;
  /** Delay between streamed chunks (generation speed); non-streamed answers wait as long in total. Default 0. */
  tokenDelayMs?: number;
  /** Time to load a model that is not resident (or must reload for a new num_ctx), before its first byte. Default 0. */
  loadMs?: number;
  /** Like OLLAMA_MAX_LOADED_MODELS: models resident at once, the least recently used evicted; 0 (default) is unlimited. */
  maxLoadedModels?: number;
  /** Prompt evaluation cost per prompt token (an image counts IMAGE_TOKENS), before the first byte. Default 0. */
  promptTokenMs?: number;
  /** Generation cost per generated token, spent before each chunk. Default 0. */
  generateTokenMs?: number;
  /**
   * Spend the prompt and generation costs computing, as a CPU runner does, instead of waiting: the process keeps
   * a core busy for them (run the stand-in as its own process, ollamaStandInCli.ts, so it is not the caller's).
   */
  cpuBound?: boolean;
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
  loadMs?: number;
  maxLoadedModels?: number;
  promptTokenMs?: number;
  generateTokenMs?: number;
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
