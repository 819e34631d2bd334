/**
 * The LLM as the bottleneck: N rendered screenshots through the engine against Ollama stand-ins that behave like
 * a CPU-bound Ollama: one slot (OLLAMA_NUM_PARALLEL=1), queued requests silent until served, a cost per prompt
 * token (an image counts 576) and per generated token, a model load, and room for one model
 * (OLLAMA_MAX_LOADED_MODELS=1). The rates are CPU-class ones sped up so a run of 100 files fits in a bench session
 * (--rate-scale 1 gives the CPU rates themselves: 100 prompt tokens/s, 15 generated tokens/s, 3 s a load); at
 * either rate each answer costs several times a file's OCR, so the LLM stays the bottleneck.
 *
 * Side by side in one run, for each scenario, today's design and the earlier ones it replaced:
 *   text        summaries only: today (slots, 1 at a time) | before (every request at once)
 *   vision      a separate vision model (llava) and summary model (llama3.2): today (batched by model) |
 *               oldest file first | before (every request at once, oldest first)
 *   multimodal  a summary model that sees (gemma3): one request per image
 *   two hosts   text, two stand-ins with one slot each, against one
 *   cpu-bound   text against a stand-in in its own process that computes its costs (a busy core, as Ollama on
 *               this machine's CPU): today and every request at once, each from a fresh cache, against the same
 *               summaries made again with the OCR cached (the LLM alone, nothing competing for the cores)
 * Reports wall time against the LLM bound (the stand-ins' pure service time, loads excluded, over their slots),
 * model loads, timeouts, the most requests in flight and queued, workers started and their peak memory.
 *   node --import tsx bench/llm.ts [--quick] [--images 100] [--rate-scale 5] [--timeout 120] [--only text,two hosts] [--json FILE]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { summarizeFolder, type FolderOptions } from '../src/core/engine';
import { testMediaOptions } from '../test/support/mediaSettings';
import { startOllamaStandIn, type OllamaStandIn, type OllamaStandInOptions, type OllamaStandInStats } from '../test/support/ollamaStandIn';
import { PROJECT_ROOT, tempDir, WORKER_SCRIPT } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';
import { sampleWorkers } from './workerSampler';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    images: { type: 'string' },
    'rate-scale': { type: 'string', default: '5' },
    timeout: { type: 'string', default: '120' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
const images = Number(values.images ?? (values.quick ? 24 : 100));
const scale = Number(values['rate-scale']);
const timeoutSeconds = Number(values.timeout);

/** CPU-class Ollama (a 3-7B model on a laptop CPU), sped up `scale` times. */
const CPU_CLASS: OllamaStandInOptions = {
  parallelism: 1,
  maxLoadedModels: 1,
  promptTokenMs: 10 / scale,
  generateTokenMs: 1000 / 15 / scale,
  loadMs: 3000 / scale,
};
const STAND_IN_CLI = path.join(PROJECT_ROOT, 'test', 'support', 'ollamaStandInCli.ts');
const MODELS = [
  { name: 'llama3.2:3b', capabilities: ['completion', 'tools'] },
  { name: 'llava:7b', capabilities: ['completion', 'vision'] },
  { name: 'gemma3:4b', capabilities: ['completion', 'vision'] },
];

interface Design {
  scenario: string;
  design: string;
  hosts: number;
  options: Partial<FolderOptions>;
}

const DESIGNS: Design[] = [
  { scenario: 'text', design: 'today', hosts: 1, options: { vision: 'none' } },
  { scenario: 'text', design: 'before: all at once', hosts: 1, options: { vision: 'none', llmSlots: 64, batchByModel: false } },
  { scenario: 'vision', design: 'today: by model', hosts: 1, options: { vision: 'llava:7b' } },
  { scenario: 'vision', design: 'oldest file first', hosts: 1, options: { vision: 'llava:7b', batchByModel: false } },
  { scenario: 'vision', design: 'before: all at once', hosts: 1, options: { vision: 'llava:7b', llmSlots: 64, batchByModel: false } },
  { scenario: 'multimodal', design: 'today: one call', hosts: 1, options: { model: 'gemma3:4b', vision: 'auto' } },
  { scenario: 'two hosts', design: 'today', hosts: 2, options: { vision: 'none' } },
];

async function main(): Promise<void> {
  const folder = await tempDir('bench-llm');
  for (let i = 0; i < images; i++) {
    await writeFile(path.join(folder, `Screenshot ${i}.png`), await renderTextImage([`Invoice INV-${3000 + i} for the print shop`, `due on day ${i % 28} of next month`], 'image/png', 900));
  }
  const rows = [];
  const secondsOf: Record<string, number> = {};
  const only = values.only?.split(',').map((name) => name.trim());
  for (const { scenario, design, hosts, options } of DESIGNS.filter((d) => !only || only.includes(d.scenario))) {
    const servers: OllamaStandIn[] = [];
    for (let i = 0; i < hosts; i++) servers.push(await startOllamaStandIn({ ...CPU_CLASS, models: MODELS }));
    const sampler = sampleWorkers();
    const started = performance.now();
    const result = await summarizeFolder({
      folder,
      log: false,
      workers: 8,
      ollamaHost: servers[0].url,
      extraHosts: servers.slice(1).map(({ url }) => ({ url, slots: 1 })),
      model: 'llama3.2:3b',
      vision: 'none',
      requestTimeoutMs: timeoutSeconds * 1000,
      workerScript: WORKER_SCRIPT,
      media: testMediaOptions(),
      ...options,
    });
    const seconds = (performance.now() - started) / 1000;
    const workers = sampler.stop();
    const sum = (pick: (server: OllamaStandIn) => number) => servers.reduce((total, server) => total + pick(server), 0);
    const boundSeconds = sum((s) => s.stats.busyMs - s.stats.loadingMs) / 1000 / hosts;
    secondsOf[`${scenario}/${design}`] = seconds;
    rows.push({
      scenario,
      design,
      seconds: Number(seconds.toFixed(1)),
      llmBoundSeconds: Number(boundSeconds.toFixed(1)),
      ofLlmBound: `${Math.round((boundSeconds / seconds) * 100)}%`,
      ok: result.totals.ok,
      timeouts: result.records.filter((r) => r.problem?.code === 'ollama-timeout').length,
      requests: sum((s) => s.stats.generateCalls),
      modelLoads: sum((s) => s.stats.loads),
      maxInFlight: Math.max(...servers.map((s) => s.stats.maxInFlight)),
      maxQueuedAtServer: Math.max(...servers.map((s) => s.stats.maxQueued)),
      workers: result.totals.workers,
      peakTotalMb: workers.peakTotalMb,
    });
    await Promise.all(servers.map((server) => server.close()));
  }
  if (!only || only.includes('cpu-bound')) rows.push(...(await cpuBoundRows(folder)));
  const speedup = (secondsOf['text/today'] ?? NaN) / (secondsOf['two hosts/today'] ?? NaN);
  console.log(
    `${images} screenshots; stand-ins with one slot and room for one model, ${(1000 / CPU_CLASS.promptTokenMs!).toFixed(0)} prompt tokens/s, ` +
      `${(1000 / CPU_CLASS.generateTokenMs!).toFixed(0)} generated tokens/s, ${CPU_CLASS.loadMs} ms a load (CPU rates x${scale}); request timeout ${timeoutSeconds} s`,
  );
  console.table(rows);
  if (Number.isFinite(speedup)) console.log(`two hosts: ${speedup.toFixed(2)}x the throughput of one`);
  if (values.json) await writeFile(values.json, JSON.stringify({ images, scale, timeoutSeconds, rows, twoHostSpeedup: speedup }, null, 2));
}

/** The stand-in as its own process, computing its costs: it competes with the workers for the cores. */
async function cpuBoundStandIn(): Promise<{ url: string; stats: () => Promise<OllamaStandInStats>; reset: () => Promise<void>; stop: () => void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', STAND_IN_CLI, '--cpu-bound', '--parallel', '1', '--prompt-token-ms', String(CPU_CLASS.promptTokenMs), '--generate-token-ms', String(CPU_CLASS.generateTokenMs), '--load-ms', String(CPU_CLASS.loadMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stats: async () => (await (await fetch(`${url}/__standin/stats`)).json()) as OllamaStandInStats,
    reset: async () => {
      await fetch(`${url}/__standin/config`, { method: 'POST', body: JSON.stringify({ resetStats: true }) });
    },
    stop: () => child.kill('SIGTERM'),
  };
}

async function cpuBoundRows(folder: string): Promise<Array<Record<string, unknown>>> {
  const server = await cpuBoundStandIn();
  const rows: Array<Record<string, unknown>> = [];
  try {
    const run = async (design: string, extra: Partial<FolderOptions>) => {
      await server.reset();
      const sampler = sampleWorkers();
      const started = performance.now();
      const result = await summarizeFolder({ folder, log: false, workers: 8, ollamaHost: server.url, model: 'llama3.2:3b', vision: 'none', requestTimeoutMs: timeoutSeconds * 1000, workerScript: WORKER_SCRIPT, media: testMediaOptions(), ...extra });
      const seconds = (performance.now() - started) / 1000;
      const stats = await server.stats();
      return { design, seconds, ok: result.totals.ok, timeouts: result.records.filter((r) => r.problem?.code === 'ollama-timeout').length, requests: stats.generateCalls, maxQueuedAtServer: stats.maxQueued, workers: result.totals.workers, peakTotalMb: sampler.stop().peakTotalMb };
    };
    const cache = await tempDir('bench-llm-cpu-cache');
    const today = await run('today (fresh cache)', { cacheDir: cache });
    const alone = await run('the LLM alone (OCR cached, --refresh)', { cacheDir: cache, refresh: true });
    const before = await run('before: all at once (fresh cache)', { cacheDir: await tempDir('bench-llm-cpu-cache'), llmSlots: 64, batchByModel: false });
    for (const row of [alone, today, before]) rows.push({ scenario: 'cpu-bound', ...row, seconds: Number(row.seconds.toFixed(1)), llmBoundSeconds: Number(alone.seconds.toFixed(1)), ofLlmBound: `${Math.round((alone.seconds / row.seconds) * 100)}%` });
  } finally {
    server.stop();
  }
  return rows;
}

void main();
