/**
 * The LLM as the bottleneck: N rendered screenshots through the engine against an Ollama stand-in at CPU-class
 * speed with one slot (OLLAMA_NUM_PARALLEL=1): the first byte of every answer after ANSWER_MS, queued requests
 * silent until served. Side by side in one run: today's design (the coordinator grants --ollama-slots 1) and the
 * earlier one, which sent every request at once (restored by slots = 64). Reports wall time against the LLM bound
 * (N answers one after another), timeouts, the most requests with the server and in its queue, workers started
 * and their peak memory.
 *   node --import tsx bench/llm.ts [--quick] [--images 24] [--answer-ms 2000] [--timeout 20] [--json FILE]
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { summarizeFolder } from '../src/core/engine';
import { testMediaOptions } from '../test/support/mediaSettings';
import { startOllamaStandIn } from '../test/support/ollamaStandIn';
import { tempDir, WORKER_SCRIPT } from '../test/support/paths';
import { renderTextImage } from '../test/support/renderText';
import { sampleWorkers } from './workerSampler';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, images: { type: 'string' }, 'answer-ms': { type: 'string', default: '2000' }, timeout: { type: 'string', default: '20' }, json: { type: 'string' } },
});
const images = Number(values.images ?? (values.quick ? 12 : 24));
const answerMs = Number(values['answer-ms']);
const timeoutSeconds = Number(values.timeout);

async function main(): Promise<void> {
  const folder = await tempDir('bench-llm');
  for (let i = 0; i < images; i++) {
    await writeFile(path.join(folder, `Screenshot ${i}.png`), await renderTextImage([`Invoice INV-${3000 + i} for the print shop`, `due on day ${i % 28} of next month`], 'image/png', 900));
  }
  const rows = [];
  for (const [design, slots] of [['slots (today)', 1], ['all at once (before)', 64]] as const) {
    const ollama = await startOllamaStandIn({ latencyMs: answerMs, parallelism: 1 });
    const sampler = sampleWorkers();
    const started = performance.now();
    const result = await summarizeFolder({
      folder,
      log: false,
      workers: 8,
      llmSlots: slots,
      ollamaHost: ollama.url,
      model: 'llama3.2:3b',
      vision: 'none',
      requestTimeoutMs: timeoutSeconds * 1000,
      workerScript: WORKER_SCRIPT,
      media: testMediaOptions(),
    });
    const seconds = (performance.now() - started) / 1000;
    const workers = sampler.stop();
    const timeouts = result.records.filter((r) => r.problem?.code === 'ollama-timeout').length;
    rows.push({
      design,
      seconds: Number(seconds.toFixed(1)),
      ofLlmBound: `${Math.round(((images * answerMs) / 1000 / seconds) * 100)}%`,
      ok: result.totals.ok,
      timeouts,
      maxInFlight: ollama.stats.maxInFlight,
      maxQueuedAtServer: ollama.stats.maxQueued,
      requests: ollama.stats.generateCalls,
      workers: result.totals.workers,
      peakTotalMb: workers.peakTotalMb,
    });
    await ollama.close();
  }
  console.log(`${images} screenshots, one-slot stand-in answering after ${answerMs} ms (LLM bound ${((images * answerMs) / 1000).toFixed(0)} s), request timeout ${timeoutSeconds} s`);
  console.table(rows);
  if (values.json) await writeFile(values.json, JSON.stringify({ images, answerMs, timeoutSeconds, rows }, null, 2));
}

void main();
