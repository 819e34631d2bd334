/** The Ollama stand-in: the server. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { CHARS_PER_TOKEN, DEFAULT_MODELS, DEFAULT_VERSION, HttpError, IMAGE_TOKENS, JSON_TYPE, MAX_QUEUE_ERROR, NO_VISION, RUNNER_CRASHED, notFoundForInference, notFoundForManagement } from './constants';
import { FailurePlan, toFailureSpec } from './failures';
import { Gate } from './gate';
import { Exchange, isAbort, nanosSince, pause, readJsonBody, sendError, sendJson, sendText, startNdjson, untilAborted, writeLine, writeText } from './http';
import { fromOpenAiChat, openAiError, openAiModelList } from './openai';
import { OLLAMA_WIRE, OPENAI_WIRE, type Wire } from './wire';
import { ModelStore, canonicalModelName, completeModel } from './models';
import { InferenceCall, parseInference, requireModelName } from './requests';
import { DoneAnswer, Timing, loadAnswer, pullEvents, showEntry, tagEntry, truncateToBudget } from './responses';
import { defaultResponder } from './schema';
import { embedText, estimateTokens, splitIntoChunks } from './tokens';
import { DEFAULT_NUM_CTX, keepAliveMs, Residency } from './residency';
import type { FailureSpec, OllamaStandInOptions, OllamaStandInStats, RecordedCall, Responder, StandInConfigUpdate, StandInModel, StandInRequest } from './types';

function emptyStats(): OllamaStandInStats {
  return {
    requests: {},
    totalRequests: 0,
    generateCalls: 0,
    chatCalls: 0,
    loadRequests: 0,
    embedCalls: 0,
    embedInputs: 0,
    imagesReceived: 0,
    imageBytesReceived: 0,
    inFlight: 0,
    maxInFlight: 0,
    queued: 0,
    maxQueued: 0,
    failuresInjected: 0,
    loads: 0,
    optionsReloads: 0,
    evictions: 0,
    truncatedPrompts: 0,
    queueWaitMs: 0,
    maxQueueWaitMs: 0,
    busyMs: 0,
    loadingMs: 0,
    prompts: [],
    calls: [],
  };
}

/** Mutable settings, changed at runtime through the handle's methods. */
export interface Settings {
  latencyMs: number;
  tokenDelayMs: number;
  loadMs: number;
  promptTokenMs: number;
  generateTokenMs: number;
  cpuBound: boolean;
  streamChunks: number;
  maxQueue: number;
  responder?: Responder;
  registry: 'any' | StandInModel[];
  version: string;
  controlApi: boolean;
}

export class StandInServer {
  readonly stats = emptyStats();
  readonly models = new ModelStore();
  readonly failures = new FailurePlan();
  readonly gate: Gate;
  readonly residency: Residency;
  readonly settings: Settings;
  readonly closing = new AbortController();
  readonly server: http.Server;

  constructor(options: OllamaStandInOptions) {
    for (const model of options.models ?? DEFAULT_MODELS) this.models.add(model);
    this.gate = new Gate(Math.max(1, options.parallelism ?? 1));
    this.residency = new Residency(options.maxLoadedModels ?? 0);
    this.settings = {
      latencyMs: options.latencyMs ?? 0,
      tokenDelayMs: options.tokenDelayMs ?? 0,
      loadMs: options.loadMs ?? 0,
      promptTokenMs: options.promptTokenMs ?? 0,
      generateTokenMs: options.generateTokenMs ?? 0,
      cpuBound: options.cpuBound ?? false,
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
      if (error instanceof HttpError && path.startsWith('/v1/')) sendJson(res, error.status, openAiError(error));
      else if (error instanceof HttpError) sendError(res, error.status, error.message);
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
      // Ollama's OpenAI-compatible API, the one LM Studio, llama.cpp's server and vLLM serve.
      '/v1/models': { GET: () => this.simple(ex, () => openAiModelList(this.models.list())) },
      '/v1/chat/completions': { POST: () => this.inference(ex, 'chat', OPENAI_WIRE) },
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
    this.stats.embedCalls++;
    this.stats.embedInputs += inputs.length;
    // As Ollama's scheduler does for any model: a slot, the model loaded (evicting another past the limit), then
    // the cost of every token of every input.
    await this.withSlot(ex, async () => {
      const decision = this.residency.use(name, DEFAULT_NUM_CTX, keepAliveMs(body.keep_alive));
      if (decision.load) {
        this.stats.loads++;
        this.stats.loadingMs += this.settings.loadMs;
      }
      this.stats.evictions += decision.evicted.length;
      const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
      await pause(this.settings.latencyMs + (decision.load ? this.settings.loadMs : 0) + tokens * this.settings.promptTokenMs, ex.signal);
      const loadDuration = nanosSince(ex.startedAt);
      const dimensions = typeof body.dimensions === 'number' && body.dimensions > 0 ? Math.min(body.dimensions, model.embeddingLength) : model.embeddingLength;
      sendJson(ex.res, 200, {
        model: name,
        embeddings: inputs.map((text) => embedText(text, dimensions)),
        total_duration: nanosSince(ex.startedAt),
        load_duration: loadDuration,
        prompt_eval_count: tokens,
      });
    });
  }

  // ── generate / chat ──

  private async inference(ex: Exchange, endpoint: 'generate' | 'chat', wire: Wire = OLLAMA_WIRE): Promise<void> {
    const body = await readJsonBody(ex.req);
    const call = parseInference(endpoint, wire === OPENAI_WIRE ? fromOpenAiChat(body) : body, this.models);
    const recorded = this.record(call);
    if (this.gate.saturated && this.gate.waiting >= this.settings.maxQueue) throw new HttpError(503, MAX_QUEUE_ERROR);
    // A failure is meant for an answer: a load-only request (a client warming a model up) does not use it up.
    const failure = call.loadOnly ? undefined : this.failures.take('inference');
    const queuedAt = Date.now();
    await this.withSlot(ex, async () => {
      const servedAt = Date.now();
      ex.res.once('close', () => (this.stats.busyMs += Date.now() - servedAt));
      this.noteQueueWait(recorded, Date.now() - queuedAt);
      // No byte is sent before the model is loaded and the prompt evaluated; a load-only request waits for the load alone.
      await pause((call.loadOnly ? 0 : this.settings.latencyMs) + this.loadCost(call, recorded), ex.signal);
      const loadedAt = process.hrtime.bigint();
      if (failure) {
        this.stats.failuresInjected++;
        if (await this.failBeforeAnswer(ex, failure, call)) return;
      }
      if (call.loadOnly) return sendJson(ex.res, 200, loadAnswer(call, call.loadOnly));
      if (call.request.images.length > 0 && !call.model.capabilities.includes('vision')) throw new HttpError(500, NO_VISION);
      await this.compute(this.promptCost(call), ex.signal);
      const answer = truncateToBudget(await this.respond(call.request), call.request.options);
      const timing = { startedAt: ex.startedAt, loadedAt };
      if (call.stream) await this.streamAnswer(ex, call, answer, timing, wire, failure);
      else await this.answerAtOnce(ex, call, answer, timing, wire, failure);
    });
  }

  private noteQueueWait(recorded: RecordedCall, waitedMs: number): void {
    recorded.queuedMs = waitedMs;
    this.stats.queueWaitMs += waitedMs;
    this.stats.maxQueueWaitMs = Math.max(this.stats.maxQueueWaitMs, waitedMs);
  }

  /** The model load this request needs, if any (Ollama's scheduler loads, reloads for new options, and evicts). */
  private loadCost(call: InferenceCall, recorded: RecordedCall): number {
    const decision = this.residency.use(call.model.name, numCtxOf(call), keepAliveMs(call.keepAlive));
    recorded.loaded = decision.load;
    if (decision.load) this.stats.loads++;
    if (decision.optionsChanged) this.stats.optionsReloads++;
    this.stats.evictions += decision.evicted.length;
    if (decision.load) this.stats.loadingMs += this.settings.loadMs;
    return decision.load ? this.settings.loadMs : 0;
  }

  /**
   * Prompt evaluation: its cost per token, images included. A prompt longer than num_ctx keeps its end, as
   * Ollama's runner does (the responder then sees what the model would see).
   */
  private promptCost(call: InferenceCall): number {
    const { request } = call;
    const numCtx = numCtxOf(call);
    const textTokens = estimateTokens(request.messages.map((m) => m.content).join('\n'));
    if (textTokens > numCtx) {
      this.stats.truncatedPrompts++;
      request.prompt = request.prompt.slice(-numCtx * CHARS_PER_TOKEN);
      const last = request.messages.at(-1);
      if (last) last.content = request.prompt;
    }
    return (Math.min(textTokens, numCtx) + request.images.length * IMAGE_TOKENS) * this.settings.promptTokenMs;
  }

  private record(call: InferenceCall): RecordedCall {
    const { request } = call;
    if (call.loadOnly) this.stats.loadRequests++;
    else if (request.endpoint === 'generate') this.stats.generateCalls++;
    else this.stats.chatCalls++;
    this.stats.imagesReceived += request.images.length;
    this.stats.imageBytesReceived += request.images.reduce((sum, b64) => sum + Buffer.from(b64, 'base64').length, 0);
    if (call.loadOnly === undefined) this.stats.prompts.push(request.prompt);
    const numCtx = request.options?.num_ctx;
    const recorded: RecordedCall = {
      endpoint: request.endpoint,
      model: request.model,
      prompt: request.prompt,
      ...(request.system !== undefined ? { system: request.system } : {}),
      ...(request.format !== undefined ? { format: request.format } : {}),
      imageCount: request.images.length,
      stream: call.stream,
      ...(typeof numCtx === 'number' ? { numCtx } : {}),
      ...(call.keepAlive !== undefined ? { keepAlive: call.keepAlive } : {}),
    };
    if (call.loadOnly === undefined) this.stats.calls.push(recorded);
    return recorded;
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

  /** Spends `ms` of inference: waiting, or (cpuBound) computing in slices, between which other requests are heard. */
  private async compute(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.settings.cpuBound) return pause(ms, signal);
    for (const until = Date.now() + ms; Date.now() < until; ) {
      signal.throwIfAborted();
      for (const slice = Math.min(until, Date.now() + 20); Date.now() < slice; );
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Generating `text` at the configured cost per token. */
  private generationCost(text: string): number {
    return this.settings.generateTokenMs > 0 ? estimateTokens(text) * this.settings.generateTokenMs : 0;
  }

  private chunkDelay(failure: FailureSpec | undefined): number {
    return failure?.mode === 'slow' ? (failure.slowDelayMs ?? 1000) : this.settings.tokenDelayMs;
  }

  private async streamAnswer(ex: Exchange, call: InferenceCall, answer: DoneAnswer, timing: Timing, wire: Wire, failure?: FailureSpec): Promise<void> {
    const chunks = splitIntoChunks(answer.text, this.settings.streamChunks);
    const delay = this.chunkDelay(failure);
    const resetAt = failure?.mode === 'reset' ? (failure.afterChunks ?? 0) : Infinity;
    // A malformed stream starts fine, then breaks, and never sends its done line.
    const breakAt = failure?.mode === 'malformed' ? Math.min(1, chunks.length) : Infinity;
    wire.start(ex.res);
    const evalStart = process.hrtime.bigint();
    for (let i = 0; i <= chunks.length; i++) {
      if (i > 0) await pause(delay, ex.signal);
      if (i >= resetAt) return void ex.res.socket?.destroy();
      if (i === breakAt) return void ex.res.end(wire.broken(call));
      if (i < chunks.length) {
        await this.compute(this.generationCost(chunks[i]), ex.signal);
        await writeText(ex.res, wire.chunk(call, chunks[i]));
      }
    }
    ex.res.end(wire.end(call, answer, { ...timing, evalStart }));
  }

  private async answerAtOnce(ex: Exchange, call: InferenceCall, answer: DoneAnswer, timing: Timing, wire: Wire, failure?: FailureSpec): Promise<void> {
    const evalStart = process.hrtime.bigint();
    // Real generation takes as long whether streamed or not.
    const chunkCount = splitIntoChunks(answer.text, this.settings.streamChunks).length;
    await pause(this.chunkDelay(failure) * chunkCount, ex.signal);
    await this.compute(this.generationCost(answer.text), ex.signal);
    const body = wire.whole(call, answer, { ...timing, evalStart });
    if (failure?.mode === 'malformed') {
      const text = JSON.stringify(body);
      ex.res.writeHead(200, { 'Content-Type': JSON_TYPE });
      return void ex.res.end(text.slice(0, Math.floor(text.length / 2)));
    }
    sendJson(ex.res, 200, body);
  }

  // ── control API (opt-in, for out-of-process use) ──

  private async configure(ex: Exchange): Promise<void> {
    applyConfig(this, await readJsonBody(ex.req));
    sendJson(ex.res, 200, { ok: true });
  }
}

function numCtxOf(call: InferenceCall): number {
  const value = call.request.options?.num_ctx;
  return typeof value === 'number' && value > 0 ? value : DEFAULT_NUM_CTX;
}

function parseEmbedInput(input: unknown): string[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return input === '' ? [] : [input];
  if (Array.isArray(input) && input.every((v) => typeof v === 'string')) return input;
  throw new HttpError(400, 'invalid input type');
}

/** Applies a live change of settings (the CLI stand-in's /config endpoint and the handle's setters). */
export function applyConfig(server: StandInServer, update: StandInConfigUpdate): void {
  if (update.resetStats) server.resetStats();
  if (update.latencyMs !== undefined) server.settings.latencyMs = update.latencyMs;
  if (update.tokenDelayMs !== undefined) server.settings.tokenDelayMs = update.tokenDelayMs;
  if (update.loadMs !== undefined) server.settings.loadMs = update.loadMs;
  if (update.promptTokenMs !== undefined) server.settings.promptTokenMs = update.promptTokenMs;
  if (update.generateTokenMs !== undefined) server.settings.generateTokenMs = update.generateTokenMs;
  if (update.maxLoadedModels !== undefined) server.residency.maxLoaded = update.maxLoadedModels;
  if (update.parallelism !== undefined) server.gate.setLimit(update.parallelism);
  if (update.failure !== undefined) server.failures.set(toFailureSpec(update.failure));
  if (update.failNext) server.failures.queue(toFailureSpec(update.failNext), update.failNext.count ?? 1);
  if (update.addModel) server.models.add(update.addModel);
  if (update.removeModel) server.models.remove(update.removeModel);
}
